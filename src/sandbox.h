/*
 * The isolated child's sandbox, split by the side that builds it.
 *
 * Parent side (src/userns.c), around clone3(CLONE_NEWUSER|NEWNS|NEWNET|NEWIPC|NEWUTS):
 *   ncp_userns_plan() before the clone decides the id mapping (may fail with
 *   -EOPNOTSUPP when an isolation uid is asked for and no range is usable);
 *   ncp_userns_apply() right after the clone writes the maps while the child
 *   waits for its launch spec.
 *
 * Child side (the runner, after execve; it holds CAP_SYS_ADMIN, CAP_NET_ADMIN,
 * CAP_SETUID, CAP_SETGID and CAP_SYS_CHROOT as ambient capabilities inside its
 * own user namespace): ncp_sandbox_enter() builds, in this order, the new root
 * (src/mount.c), loopback up (src/network.c), the final ids, drops every
 * capability (src/caps.c), sets no_new_privs and applies Landlock
 * (src/landlock.c, rules from src/policy.c).  The runner then sets the process
 * name and dlopen()s the library.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct ncp_idmap {
    uid_t inside_uid;   /* the child's uid inside its user namespace */
    gid_t inside_gid;
    uid_t outside_uid;  /* the host uid it maps to */
    gid_t outside_gid;
    bool own_uid;       /* isolation uid: outside ids are not the caller's */
    bool use_helpers;   /* write the maps through newuidmap/newgidmap */
};

/* Parent, before clone: the mapping for a new isolated child.  Logs why on failure. */
int ncp_userns_plan(bool isolation_uid, struct ncp_idmap *out);
/* Parent, after clone: writes uid_map, setgroups and gid_map of the child `pid`. */
int ncp_userns_apply(pid_t pid, const struct ncp_idmap *map);
/* After clone3 with namespace flags failed with `err` (positive errno): one log
 * line naming the cause (sysctl, AppArmor restriction, ...) and the fix. */
void ncp_userns_explain_failure(int err);
/* Whether this machine can create the isolated child's namespaces for this
 * user (probed once, by a throwaway child; cached). */
bool ncp_userns_supported(void);

struct ncp_sandbox_config {
    const char *lib_path;     /* absolute host path of the entry library; NULL when it is found by
                                 the system's default search (then only system dirs are needed) */
    const char *data_dir;     /* absolute path of the app's data dir ($XDG_DATA_HOME/<bundle>) */
    const char *policy_json;  /* text of the isolated policy (read by the parent), NULL = built-in */
    size_t policy_len;
    const struct ncp_idmap *ids;
    const int *keep_fds;      /* descriptors the child keeps (launch socket, given fds, slot lock) */
    size_t n_keep_fds;
};

/* Child (runner): builds the whole sandbox.  Returns 0 or -errno; on failure
 * *stage names the step ("mount", "pivot_root", "loopback", "ids", "caps",
 * "no_new_privs", "landlock", "policy") and one log line says why. */
int ncp_sandbox_enter(const struct ncp_sandbox_config *cfg, const char **stage);

/* Best Landlock ABI of the running kernel (0 = none), honouring the
 * NCP_LANDLOCK_ABI environment cap used by tests to force a downgrade. */
int ncp_landlock_abi(void);
