/* SPDX-License-Identifier: Apache-2.0 */
/* Whether the library runs inside a child it started (in_child.c), which
 * the API asks before a start: a child starts no children of its own. */
#pragma once

#include <stdbool.h>

/* Whether this process is a child started by the library (or runs under one). */
bool ncp_in_child(void);
