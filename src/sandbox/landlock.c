/* SPDX-License-Identifier: Apache-2.0 */
/* Landlock: the ruleset and restrict_self (the ABI probe is landlock_abi.c). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "landlock_uapi.h"
#include "common/log.h"
#include "common/macro.h"
#include "policy.h"
#include "landlock.h"

static int add_path_rule(int ruleset_fd, const char *path, uint64_t access, uint64_t handled, bool *added)
{
    *added = false;
    _cleanup_close_ int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            log_debug("landlock: %s does not exist, rule skipped", path);
            return 0;
        }
        return log_error_errno(errno, "landlock: cannot open %s for a rule", path);
    }
    struct stat st;
    if (fstat(fd, &st) < 0)
        return log_error_errno(errno, "landlock: cannot stat %s", path);

    access &= handled;
    if (!S_ISDIR(st.st_mode))
        access &= NCP_LANDLOCK_FS_FILE;
    if (access == 0)
        return 0;

    struct ncp_landlock_path_beneath_attr pb = { .allowed_access = access, .parent_fd = fd };
    if (ncp_landlock_add_rule(ruleset_fd, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0)
        return log_error_errno(errno, "landlock: cannot add the rule for %s", path);
    *added = true;
    return 0;
}

int ncp_landlock_apply(const struct ncp_policy *policy, const struct ncp_landlock_rule *extra, size_t n_extra,
                       int abi)
{
    char fs[512], scopes[128];
    int kabi = ncp_landlock_kernel_abi();

    if (abi <= 0) {
        log_warn("landlock: not enforced (%s); the namespaces, the new root and the dropped "
                 "capabilities still apply",
                 kabi <= 0 ? "the kernel has no Landlock" : "disabled by NCP_LANDLOCK_ABI=0");
        return 0;
    }

    struct ncp_landlock_ruleset_attr attr = {
        .handled_access_fs = policy->handled_fs & ncp_landlock_fs_rights(abi),
        /* TCP is not handled: the network namespace is the wall, and Landlock's
         * port rules would also cut the child's own loopback. */
        .handled_access_net = 0,
        .scoped = policy->scoped & ncp_landlock_scopes(abi),
    };
    if (policy->handled_net || policy->n_ports)
        log_debug("landlock: the policy's network rights are not enforced (the network namespace is the wall)");

    ncp_policy_format_fs(attr.handled_access_fs, fs, sizeof(fs));
    ncp_policy_format_scopes(attr.scoped, scopes, sizeof(scopes));

    if (attr.handled_access_fs == 0 && attr.scoped == 0) {
        log_info("landlock: ABI %d, enforced: nothing (the policy handles no right)", abi);
        return 0;
    }

    _cleanup_close_ int rfd = ncp_landlock_create_ruleset(&attr, sizeof(attr), 0);
    if (rfd < 0)
        return log_error_errno(errno, "landlock: cannot create the ruleset (ABI %d, fs(%s), scopes(%s))", abi, fs,
                               scopes);

    size_t n_rules = 0;
    bool added;
    if (attr.handled_access_fs) {
        for (size_t i = 0; i < policy->n_paths; i++) {
            int r = add_path_rule(rfd, policy->paths[i].path, policy->paths[i].access, attr.handled_access_fs, &added);
            if (r < 0)
                return r;
            n_rules += added;
        }
        for (size_t i = 0; i < n_extra; i++) {
            int r = add_path_rule(rfd, extra[i].path, extra[i].access, attr.handled_access_fs, &added);
            if (r < 0)
                return r;
            n_rules += added;
        }
    }

    if (ncp_landlock_restrict_self(rfd, 0) < 0)
        return log_error_errno(errno, "landlock: landlock_restrict_self failed");

    if (abi < kabi)
        log_info("landlock: ABI %d (kernel %d, capped by NCP_LANDLOCK_ABI), enforced: fs(%s), scopes(%s), %zu rules",
                 abi, kabi, fs, scopes, n_rules);
    else
        log_info("landlock: ABI %d, enforced: fs(%s), scopes(%s), %zu rules", abi, fs, scopes, n_rules);
    return 0;
}
