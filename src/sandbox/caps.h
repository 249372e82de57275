/* SPDX-License-Identifier: Apache-2.0 */
/* The isolated child's final ids and capabilities (caps.c), steps of
 * ncp_sandbox_enter() in the child (ncp-sandbox.so); no_new_privs also for
 * `ncp-run --doctor`'s probe, through the module's ops. */
#pragma once

#include "common/idmap.h"

/* Securebits, then the final ids (own_uid: setgroups([]), setresgid,
 * setresuid), then every capability dropped in every set, checked.
 * *stage is set to "ids" or "caps".  0 or -errno after one log line. */
int ncp_caps_lockdown(const struct ncp_idmap *ids, const char **stage);
int ncp_caps_no_new_privs(void);
