/* SPDX-License-Identifier: Apache-2.0 */
/* The isolated child's network (network.c), a step of ncp_sandbox_enter()
 * and of ncp_sandbox_prepare() in the child (ncp-sandbox.so). */
#pragma once

/* `lo` up (and checked) through libnl-route-3: 0 or -errno after one log line. */
int ncp_network_loopback_up(void);
