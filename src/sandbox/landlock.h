/* SPDX-License-Identifier: Apache-2.0 */
/* Landlock in the isolated child: the ruleset and restrict_self
 * (landlock.c, a step of ncp_sandbox_enter() in ncp-sandbox.so), and the
 * kernel's ABI (landlock_abi.c, which `ncp-run --doctor` links alone, in
 * libncp-sandbox-probes). */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct ncp_policy;

/* Best Landlock ABI of the running kernel (0 = none), honouring the
 * NCP_LANDLOCK_ABI environment cap used by tests to force a downgrade. */
int ncp_landlock_abi(void);
/* What the kernel offers (probed once), without that cap or the limit of
 * what this code knows (NCP_LANDLOCK_ABI_MAX). */
int ncp_landlock_kernel_abi(void);

/* One extra rule added in code (paths inside the new root). */
struct ncp_landlock_rule {
    const char *path;
    uint64_t access;  /* LANDLOCK_ACCESS_FS_*; masked to the ABI and to file rights for files */
};
/* Creates the ruleset of `policy` plus `extra` at ABI `abi`, restricts the
 * calling thread (no_new_privs must be set) and logs the enforced line.
 * 0 or -errno after one log line. */
int ncp_landlock_apply(const struct ncp_policy *policy, const struct ncp_landlock_rule *extra,
                       size_t n_extra, int abi);
