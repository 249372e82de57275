/* SPDX-License-Identifier: Apache-2.0 */
/* ncp-run --doctor: what this machine supports for children, and which walls hold. */
#pragma once

#include <stdbool.h>

/* Prints the report (human text or JSON) to stdout; returns 0 when normal
 * and isolated children both work here, 1 otherwise. */
int ncp_doctor(bool json);
