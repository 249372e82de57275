/* SPDX-License-Identifier: Apache-2.0 */
/* The start result of an IPC child (ipc_child.c): its callback runs exactly
 * once, with a proxy for its stub or with the spec's error code. */
#pragma once

#include "child.h"

void ncp_ipc_child_started(struct ncp_child *c);
void ncp_ipc_child_failed(struct ncp_child *c, int code);
