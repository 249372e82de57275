/* SPDX-License-Identifier: Apache-2.0 */
/* The isolated child's host name (uts.c), a step of ncp_sandbox_enter() in
 * the child (ncp-sandbox.so). */
#pragma once

/* The isolated child's host name; its NIS domain name is "(none)". */
#define NCP_ISOLATED_HOSTNAME "localhost"
/* Sets both in the child's UTS namespace (needs CAP_SYS_ADMIN there): 0 or
 * -errno after one log line. */
int ncp_uts_set_names(void);
