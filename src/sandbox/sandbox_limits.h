/* SPDX-License-Identifier: Apache-2.0 */
/* The isolated child's resource limits as the child applies them
 * (sandbox_limits.c, a step of ncp_sandbox_enter() in ncp-sandbox.so); the
 * names, ranges and defaults, which every process uses, are
 * src/common/resource_limits.h. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "common/resource_limits.h"

/* `policy` holds the policy file's values (NCP_LIMIT_NONE where it says
 * "none", has[i] where it names a limit); they replace the values the start
 * did not set. */
void ncp_limits_merge(struct ncp_limits *l, const uint64_t *policy, const bool *has);
/* The rlimits and the user-namespace ucount limits of the child (this user
 * namespace's /proc/sys/user/max_*: needs CAP_SYS_RESOURCE in it, and /proc
 * still writable).  0 or -errno after one log line. */
int ncp_limits_apply(const struct ncp_limits *l);
