/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ncp_sandbox_enter(): the isolated child's sandbox, built inside the child in
 * the order doc/isolation.md ("The order") describes.  The runner calls it
 * once it has its launch spec (so its id maps are written), then sets its
 * name and dlopen()s.
 *
 *   descriptors  everything but 0-2 and cfg->keep_fds closed (a descriptor of
 *                a host directory would let openat() walk around the new root;
 *                those the app passed, cfg->dirs, are replaced by descriptors
 *                of their binds in the new root, src/sandbox/mount.c)
 *   policy       parsed for the ABI Landlock will use, before anything changes
 *   mount        the new root (src/sandbox/mount.c), pivot_root
 *   loopback     lo up (src/sandbox/network.c)
 *   hostname     fixed host and domain names in the child's UTS namespace (src/sandbox/uts.c)
 *   namespaces   no nested namespaces (this user namespace's limits set to 0;
 *                after the mounts, which count detached trees as namespaces)
 *   limits       rlimits and this user namespace's inotify/fanotify limits
 *                (src/sandbox/sandbox_limits.c; the tmpfs caps are the mount step's)
 *   mount        /proc made read-only (after every write to /proc/sys)
 *   ids, caps    securebits, isolation ids, every capability dropped (src/sandbox/caps.c)
 *   keyring      a fresh session keyring, after the ids so that it counts
 *                against the child's own key quota (src/sandbox/keyring.c)
 *   no_new_privs
 *   landlock     policy rules + the rules below, scopes (src/sandbox/landlock.c)
 *   seccomp      last: the syscall filter (src/sandbox/seccomp.c)
 */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "landlock_uapi.h"
#include "common/launch_spec.h"
#include "common/log.h"
#include "common/macro.h"
#include "caps.h"
#include "keyring.h"
#include "landlock.h"
#include "mount.h"
#include "network.h"
#include "policy.h"
#include "sandbox.h"
#include "sandbox_limits.h"
#include "seccomp_progs.h"
#include "uts.h"
#include "sandbox/parent/userns.h"

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Closes every descriptor >= 3 that is not in keep[]. */
static int close_others(const int *keep, size_t n)
{
    _cleanup_free_ int *k = malloc((n + 1) * sizeof(int));
    if (!k)
        return -ENOMEM;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (keep[i] >= 3)
            k[m++] = keep[i];
    qsort(k, m, sizeof(int), cmp_int);
    unsigned from = 3;
    for (size_t i = 0; i <= m; i++) {
        unsigned to = i < m ? (unsigned)k[i] : ~0U;
        if (i < m && (unsigned)k[i] < from)
            continue;  /* duplicate */
        if (to > from && close_range(from, to - 1, 0) < 0)
            return log_error_errno(errno, "sandbox: cannot close descriptors %u-%u", from, to - 1);
        from = to + 1;
        if (i == m)
            break;
    }
    return 0;
}

#define RW_RIGHTS                                                                                             \
    (LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |              \
     LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_DIR |            \
     LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |               \
     LANDLOCK_ACCESS_FS_MAKE_SYM | LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE)
#define RX_RIGHTS (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define DEV_RIGHTS (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE)
#define PROC_RIGHTS (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_WRITE_FILE)

static bool loopback_ready;

int ncp_sandbox_prepare(uid_t uid, gid_t gid)
{
    int r = ncp_mount_prepare_root(uid, gid);
    if (r < 0)
        return r;
    r = ncp_network_loopback_up();
    loopback_ready = r == 0;
    return r;
}

/* The policy's binds whose source exists here (a system-wide file names
 * paths some hosts lack: those are skipped, as its pathBeneath's are), then
 * the app's; at most NCP_MAX_BINDS in all.  src/sandbox/parent/binds.c checks them with the
 * root's other parts when it is built. */
static int merge_binds(const struct ncp_sandbox_desc *app, const struct ncp_policy *policy, struct ncp_sandbox_desc *out)
{
    struct ncp_sandbox_bind *binds = out->binds;
    size_t *n = &out->n_binds;
    *n = 0;
    for (size_t i = 0; i < policy->n_binds; i++) {
        const struct ncp_policy_bind *b = &policy->binds[i];
        struct stat st;
        if (stat(b->src, &st) < 0) {
            log_info("sandbox: the policy's bind of %s at %s is skipped: %s", b->src, b->dest, strerror(errno));
            continue;
        }
        if (*n == NCP_MAX_BINDS)
            return log_error_errno(E2BIG, "sandbox: more than %d binds (the policy's and the app's)", NCP_MAX_BINDS);
        binds[(*n)++] = (struct ncp_sandbox_bind){ b->src, b->dest, b->writable };
    }
    for (size_t i = 0; i < app->n_binds; i++) {
        if (*n == NCP_MAX_BINDS)
            return log_error_errno(E2BIG, "sandbox: more than %d binds (the policy's and the app's)", NCP_MAX_BINDS);
        binds[(*n)++] = app->binds[i];
    }
    return 0;
}

/* The policy (the parent's file, else the built-in one) with this child's
 * variables, and the limits it sets over the start's.  A bad file fails the
 * start before anything changes.  *lib_dir: the entry library's directory. */
static int load_policy(const struct ncp_sandbox_config *cfg, pid_t pid, int abi, char **lib_dir,
                       struct ncp_policy **policy, struct ncp_limits *limits)
{
    if (cfg->desc->lib_path) {
        _cleanup_free_ char *copy = strdup(cfg->desc->lib_path);
        if (!copy || !(*lib_dir = strdup(dirname(copy))))
            return -ENOMEM;
    }
    char spid[16];
    snprintf(spid, sizeof(spid), "%d", (int)pid);
    /* The data dir is $XDG_DATA_HOME/<bundle>: the app the policy's binds name. */
    const char *bundle = strrchr(cfg->desc->data_dir, '/');
    const struct ncp_policy_var vars[] = {
        { "bundle", bundle && bundle[1] ? bundle + 1 : cfg->desc->data_dir },
        { "data_dir", cfg->desc->data_dir },
        { "lib_dir", *lib_dir ? *lib_dir : "/usr/lib" },
        { "pid", spid },
    };
    const char *text = cfg->desc->policy ? cfg->desc->policy : ncp_policy_builtin_isolated;
    size_t len = cfg->desc->policy ? cfg->desc->policy_len : strlen(ncp_policy_builtin_isolated);
    int r = ncp_policy_parse(text, len, cfg->desc->policy ? "isolated (from the parent)" : "built-in isolated", abi,
                             vars, ARRAY_SIZE(vars), policy, NULL);
    if (r < 0)
        return r;
    *limits = cfg->desc->limits;
    ncp_limits_merge(limits, (*policy)->limits, (*policy)->has_limit);
    return 0;
}

/* Landlock: the policy's rules and the child's own places (its library,
 * data dir, /tmp, the devices, its /proc entry, what it was passed). */
static int apply_landlock(const struct ncp_sandbox_config *cfg, const struct ncp_policy *policy, const char *lib_dir,
                          pid_t pid, int abi)
{
    char proc_self[32];
    snprintf(proc_self, sizeof(proc_self), "/proc/%d", (int)pid);
    const struct ncp_landlock_rule fixed[] = {
        { lib_dir ? lib_dir : "/usr/lib", RX_RIGHTS },
        { cfg->desc->data_dir, RW_RIGHTS },
        { "/tmp", RW_RIGHTS },
        { "/dev/shm", RW_RIGHTS },
        { "/dev", LANDLOCK_ACCESS_FS_READ_DIR },
        { "/dev/null", DEV_RIGHTS },
        { "/dev/zero", DEV_RIGHTS },
        { "/dev/full", DEV_RIGHTS },
        { "/dev/random", DEV_RIGHTS },
        { "/dev/urandom", DEV_RIGHTS },
        { proc_self, PROC_RIGHTS },
    };
    /* The passed directories' binds: read, or read and write; never execute. */
    struct ncp_landlock_rule extra[ARRAY_SIZE(fixed) + NCP_MAX_FDS + NCP_MAX_BINDS];
    char dir_paths[NCP_MAX_FDS][sizeof(NCP_PASSED_DIRS) + NCP_MAX_FD_NAME + 2];
    size_t n_extra = ARRAY_SIZE(fixed);
    memcpy(extra, fixed, sizeof(fixed));
    for (size_t i = 0; i < cfg->n_dirs && i < NCP_MAX_FDS; i++) {
        snprintf(dir_paths[i], sizeof(dir_paths[i]), "%s/%s", NCP_PASSED_DIRS, cfg->dirs[i].name);
        extra[n_extra++] = (struct ncp_landlock_rule){
            dir_paths[i], cfg->dirs[i].writable ? RW_RIGHTS : LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR
        };
    }
    /* The app's binds: read + execute, or read and write without execute. */
    for (size_t i = 0; i < cfg->desc->n_binds && i < NCP_MAX_BINDS; i++)
        extra[n_extra++] = (struct ncp_landlock_rule){ cfg->desc->binds[i].dest,
                                                       cfg->desc->binds[i].writable ? RW_RIGHTS : RX_RIGHTS };
    return ncp_landlock_apply(policy, extra, n_extra, abi);
}

/* A step that takes nothing: `name` is its stage in a failure, `mark` its
 * name in the step times. */
static int run_step(const struct ncp_sandbox_config *cfg, const char **stage, const char *name, int (*fn)(void),
                    const char *mark)
{
    *stage = name;
    int r = fn();
    if (r >= 0)
        ncp_steps_mark(cfg->steps, mark);
    return r;
}

/* The kernel's other doors, in order, once the root is built. */
static int lock_down(const struct ncp_sandbox_config *cfg, const struct ncp_idmap *ids,
                     const struct ncp_limits *limits, const char **stage)
{
    int r;
    *stage = "loopback";
    if (!loopback_ready && (r = ncp_network_loopback_up()) < 0)
        return r;
    ncp_steps_mark(cfg->steps, "loopback");
    if ((r = run_step(cfg, stage, "hostname", ncp_uts_set_names, "hostname")) < 0)
        return r;
    /* After the mounts: fsmount() and open_tree() count as mount namespaces. */
    if ((r = run_step(cfg, stage, "namespaces", ncp_userns_lock_nested, "nested_ns")) < 0)
        return r;
    /* Before /proc is sealed (the ucount limits are in /proc/sys/user) and
     * before the app's code can fork or open anything. */
    *stage = "limits";
    if ((r = ncp_limits_apply(limits)) < 0)
        return r;
    ncp_steps_mark(cfg->steps, "limits");
    /* Every write to /proc/sys goes above: from here on /proc is read-only
     * (a root app's child is host uid 0: it could chmod /proc/kmsg). */
    if ((r = run_step(cfg, stage, "mount", ncp_mount_seal_proc, "seal_proc")) < 0)
        return r;
    if ((r = ncp_caps_lockdown(ids, stage)) < 0)
        return r;
    ncp_steps_mark(cfg->steps, "caps");
    if ((r = run_step(cfg, stage, "keyring", ncp_keyring_join_fresh, "keyring")) < 0)
        return r;
    return run_step(cfg, stage, "no_new_privs", ncp_caps_no_new_privs, "no_new_privs");
}

int ncp_sandbox_enter(const struct ncp_sandbox_config *cfg, const char **stage)
{
    static const char *unused_stage;
    if (!stage)
        stage = &unused_stage;
    *stage = "namespaces";
    if (!cfg || !cfg->desc || !cfg->desc->data_dir)
        return log_error_errno(EINVAL, "sandbox: incomplete configuration");

    struct ncp_idmap ids;
    pid_t pid = getpid();
    ncp_idmap_resolve(&cfg->desc->ids, pid, &ids);

    /* Keep the root prepared ahead of need, if any, with the given fds. */
    size_t n_keep = cfg->keep_fds ? cfg->n_keep_fds : 0;
    _cleanup_free_ int *keep = malloc((n_keep + 2) * sizeof(int));
    if (!keep)
        return -ENOMEM;
    if (n_keep)
        memcpy(keep, cfg->keep_fds, n_keep * sizeof(int));
    n_keep += ncp_mount_prepared_fds(keep + n_keep);
    int r = close_others(keep, n_keep);
    if (r < 0)
        return r;
    ncp_steps_mark(cfg->steps, "descriptors");

    /* The policy first: a bad file fails the start before anything changes. */
    *stage = "policy";
    int abi = ncp_landlock_abi();
    _cleanup_free_ char *lib_dir = NULL;
    _cleanup_(ncp_policy_freep) struct ncp_policy *policy = NULL;
    struct ncp_limits limits;
    if ((r = load_policy(cfg, pid, abi, &lib_dir, &policy, &limits)) < 0)
        return r;
    ncp_steps_mark(cfg->steps, "policy");

    /* The policy's binds for this app, then the app's own. */
    struct ncp_sandbox_desc desc = *cfg->desc;
    struct ncp_sandbox_config full = *cfg;
    full.desc = &desc;
    if ((r = merge_binds(cfg->desc, policy, &desc)) < 0)
        return r;
    cfg = &full;

    if ((r = ncp_mount_build_root(cfg, &limits, ids.inside_uid, ids.inside_gid, stage)) < 0)
        return r;
    ncp_steps_mark(cfg->steps, "root");
    if ((r = lock_down(cfg, &ids, &limits, stage)) < 0)
        return r;

    *stage = "landlock";
    if ((r = apply_landlock(cfg, policy, lib_dir, pid, abi)) < 0)
        return r;
    ncp_steps_mark(cfg->steps, "landlock");

    *stage = "seccomp";
    if ((r = ncp_seccomp_apply(policy)) < 0)
        return r;
    ncp_steps_mark(cfg->steps, "seccomp");
    if (cfg->extras) {
        *cfg->extras = policy->extras;
        policy->extras = (struct ncp_sandbox_extras){ 0 };
    }
    return 0;
}
