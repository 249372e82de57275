/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ncp-run --doctor: the report's rows.  Every line of the report is one row
 * of ncp_doctor_checks[] below: a stable snake_case key (the JSON report's,
 * documented in doc/doctor.md), the label of the text report, and a
 * function that fills in, from what doctor_gather.c found, the value,
 * whether it holds, why, and the fix.  Adding a check is adding a row (and
 * its function, when none of the existing ones fits); tests/bats/ncp-run.bats
 * fails when a key is missing from doc/doctor.md.  Runs in ncp-run.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "doctor.h"
#include "common/macro.h"

#define SET(field, ...) set(r->field, sizeof(r->field), __VA_ARGS__)
__attribute__((format(printf, 3, 4))) static void set(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
}

static void value_bool(struct result *r, bool b)
{
    r->type = VALUE_BOOL;
    r->b = b;
}

static void value_int(struct result *r, long long i)
{
    r->type = VALUE_INT;
    r->i = i;
    SET(text, "%lld", i);
}

static void value_string(struct result *r, const char *s)
{
    r->type = VALUE_STRING;
    SET(s, "%s", s);
    SET(text, "%s", s);
}

/* Whether the row holds, and why: `ok` when it does; `bad`, and `fix`, what
 * to do about it, when it does not. */
static void verdict(struct result *r, bool holds, const char *ok, const char *bad, const char *fix)
{
    r->holds = holds;
    SET(reason, "%s", holds ? ok : bad);
    if (!holds)
        SET(fix, "%s", fix);
}

/* A sysctl: null when absent from this kernel. */
static void value_sysctl(struct result *r, long v)
{
    if (v < 0) {
        r->type = VALUE_NULL;
        SET(text, "not in this kernel");
    } else
        value_int(r, v);
}


/* --- facts ---------------------------------------------------------------- */

static void check_kernel(const struct doctor *d, struct result *r)
{
    char s[160];
    snprintf(s, sizeof(s), "%.64s %.90s", d->uts.sysname, d->uts.release);
    value_string(r, s);
    r->holds = true;
    SET(reason, "the running kernel (uname)");
}

static void check_uid(const struct doctor *d, struct result *r)
{
    (void)d;
    uid_t uid = geteuid();
    value_int(r, uid);
    if (uid == 0)
        SET(text, "0 (root)");
    r->holds = true;
    SET(reason, uid == 0 ? "root: isolation uids come from a reserved range"
                         : "an unprivileged user: isolation uids come from /etc/subuid through newuidmap");
}

/* A user.max_*_namespaces sysctl: 0 turns that kind of namespace off. */
static void check_ns_sysctl(struct result *r, long value, const char *kind, const char *key)
{
    value_sysctl(r, value);
    r->holds = value != 0;
    if (r->holds)
        SET(reason, "%s namespaces are allowed", kind);
    else {
        SET(reason, "%s namespaces are disabled (%s = 0)", kind, key);
        SET(fix, "sysctl -w %s=15000 (as root)", key);
    }
}

static void check_max_user_namespaces(const struct doctor *d, struct result *r)
{
    check_ns_sysctl(r, d->max_userns, "user", "user.max_user_namespaces");
}

static void check_max_net_namespaces(const struct doctor *d, struct result *r)
{
    check_ns_sysctl(r, d->max_netns, "network", "user.max_net_namespaces");
}

static void check_unprivileged_userns_clone(const struct doctor *d, struct result *r)
{
    value_sysctl(r, d->unpriv_clone);
    r->holds = d->unpriv_clone != 0 || geteuid() == 0;
    if (d->unpriv_clone < 0)
        SET(reason, "this kernel has no such switch: unprivileged user namespaces are not turned off by it");
    else if (d->unpriv_clone)
        SET(reason, "unprivileged user namespaces are allowed");
    else if (geteuid() == 0)
        SET(reason, "unprivileged user namespaces are disabled, which does not concern root");
    else {
        SET(reason, "unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone = 0)");
        SET(fix, "sysctl -w kernel.unprivileged_userns_clone=1 (as root)");
    }
}

static void check_apparmor_restrict(const struct doctor *d, struct result *r)
{
    value_sysctl(r, d->aa_restrict);
    if (d->aa_restrict > 0)
        SET(text, "%ld (restricted)", d->aa_restrict);
    r->holds = d->aa_restrict <= 0 || geteuid() == 0 || d->namespaces;
    if (d->aa_restrict < 0)
        SET(reason, "no AppArmor restriction of user namespaces in this kernel");
    else if (d->aa_restrict == 0)
        SET(reason, "AppArmor does not restrict unprivileged user namespaces");
    else if (r->holds)
        SET(reason, "AppArmor restricts unprivileged user namespaces, but not for this program");
    else {
        SET(reason, "AppArmor restricts unprivileged user namespaces: they give no capabilities");
        SET(fix, "load the profiles from contrib/apparmor/ for ncp-runner and the app, or "
                 "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0");
    }
}

static void check_namespaces(const struct doctor *d, struct result *r)
{
    value_bool(r, d->namespaces);
    SET(text, d->namespaces ? "can be created (probed)" : "CANNOT be created");
    verdict(r, d->namespaces, "a throwaway child created user, mount, network, IPC and UTS namespaces and mounted in them",
            d->ns_why.cause, d->ns_why.fix);
}

static void check_landlock_abi_kernel(const struct doctor *d, struct result *r)
{
    value_int(r, d->ll_kernel);
    r->holds = d->ll_kernel >= 1;
    if (r->holds)
        SET(reason, "the kernel offers Landlock ABI %d", d->ll_kernel);
    else {
        SET(reason, "the kernel has no Landlock (not built in, or not in the lsm= list)");
        SET(fix, "a kernel with CONFIG_SECURITY_LANDLOCK and landlock in lsm=");
    }
}

static void check_landlock_abi_used(const struct doctor *d, struct result *r)
{
    value_int(r, d->ll_used);
    if (d->ll_used < d->ll_kernel)
        SET(text, "%d (capped)", d->ll_used);
    r->holds = d->ll_used >= 1;
    if (d->ll_used < d->ll_kernel)
        SET(reason, "capped below the kernel's %d (NCP_LANDLOCK_ABI, or the library knows no newer ABI)", d->ll_kernel);
    else
        SET(reason, "the best ABI the kernel offers");
    if (!r->holds)
        SET(fix, d->ll_kernel >= 1 ? "unset NCP_LANDLOCK_ABI" : "see landlock_abi_kernel");
}

static void check_isolation_id_range(const struct doctor *d, struct result *r)
{
    r->holds = d->range == 0;
    value_int(r, r->holds ? (long long)d->range_count : 0);
    if (r->holds) {
        SET(text, "uids %u-%u, gids %u-%u%s", (unsigned)d->range_uid, (unsigned)(d->range_uid + d->range_count - 1),
            (unsigned)d->range_gid, (unsigned)(d->range_gid + d->range_count - 1),
            d->range_helpers ? " (newuidmap/newgidmap)" : " (reserved range, root)");
        SET(reason, "%s", r->text);
    } else if (d->range == -ENOEXEC) {
        SET(text, "none (newuidmap/newgidmap missing: apt-get install uidmap)");
        SET(reason, "newuidmap/newgidmap are missing");
        SET(fix, "apt-get install uidmap");
    } else {
        SET(text, "none (no /etc/subuid and /etc/subgid entry: usermod --add-subuids 100000-165535 "
                  "--add-subgids 100000-165535 USER)");
        SET(reason, "this user has no /etc/subuid and /etc/subgid entry");
        SET(fix, "usermod --add-subuids 100000-165535 --add-subgids 100000-165535 USER");
    }
}

static void check_pidfd_exit_status(const struct doctor *d, struct result *r)
{
    value_bool(r, d->pidfd_exit);
    SET(text, d->pidfd_exit ? "yes" : "no (the zygote reports ends)");
    r->holds = true;
    SET(reason, d->pidfd_exit ? "the kernel reports a child's status through its pidfd"
                              : "an older kernel: the zygote reports how children end");
}

/* A file of the installation at `path`: `missing` says, after it, what is
 * wrong when it is not `usable`. */
static void installed_file(struct result *r, const char *path, bool usable, const char *ok, const char *missing,
                           const char *bad, const char *fix)
{
    value_string(r, path);
    if (!usable)
        SET(text, "%.200s (%s)", path, missing);
    verdict(r, usable, ok, bad, fix);
}

static void check_runner(const struct doctor *d, struct result *r)
{
    installed_file(r, d->runner, d->runner_ok, "executable", "MISSING or not executable", "missing or not executable",
                   "reinstall libchild_process, or point NCP_RUNNER at the runner");
}

static void check_sandbox_module(const struct doctor *d, struct result *r)
{
    installed_file(r, d->module, d->module_ok, "loads: isolated children load it next to the runner",
                   "MISSING or not loadable: isolated children cannot start",
                   "missing or not loadable (NCP_LOG=debug says why): isolated children cannot start",
                   "reinstall libchild_process");
}

static void check_multi_process(const struct doctor *d, struct result *r)
{
    value_bool(r, d->settings.multi_process);
    SET(text, d->settings.multi_process ? "on" : "OFF");
    verdict(r, d->settings.multi_process, "multi_process = on in the settings",
            "multi_process = off in the settings: every start fails", "multi_process = on in child_process.conf(5)");
}

static void check_max_children_per_app(const struct doctor *d, struct result *r)
{
    value_int(r, d->settings.max_children_per_app);
    r->holds = true;
    SET(reason, "children one app may run at once, over all its processes");
}

static void check_max_spares(const struct doctor *d, struct result *r)
{
    value_int(r, d->settings.max_spares);
    r->holds = true;
    if (d->settings.max_spares)
        SET(reason, "children of each kind started ahead of need: one, and up to this many while starts come back to back");
    else
        SET(reason, "max_spares = 0 in the settings: every child is started on demand");
}

static void check_max_ipc_children(const struct doctor *d, struct result *r)
{
    value_int(r, d->settings.max_ipc_children);
    r->holds = true;
    SET(reason, "IPC children one process may run at once");
}

static void check_libseccomp_version(const struct doctor *d, struct result *r)
{
    value_string(r, d->seccomp_version);
    r->holds = true;
    SET(reason, "the libseccomp isolated children build their syscall filter with");
}

static void check_key_quota_free(const struct doctor *d, struct result *r)
{
    r->holds = true;
    if (d->keys_max < 0) {
        r->type = VALUE_NULL;
        SET(text, "no keyrings in this kernel");
        SET(reason, "no keyrings in this kernel: isolated children hold no key");
        return;
    }
    long left = d->keys_max > d->keys_used ? d->keys_max - d->keys_used : 0;
    value_int(r, left);
    SET(text, "%ld of %ld (%ld in use)", left, d->keys_max, d->keys_used);
    SET(reason, "each live isolated child's session keyring is one key of this uid's quota of %ld "
                "(kernel.keys.%s): it is created even past it, but then this user's own add_key fails",
        d->keys_max, geteuid() == 0 ? "root_maxkeys" : "maxkeys");
}

/* --- limits --------------------------------------------------------------- */

/* Whether isolated children's cgroups get pids.max (src/sandbox/parent/cgroup.c). */
static bool cgroup_pids(const struct doctor *d)
{
    return d->cgroup.usable && strstr(d->cgroup.controllers, "pids") != NULL;
}

static void limit_row(const struct doctor *d, unsigned id, struct result *r)
{
    const struct ncp_limit_info *info = ncp_limit_info(id);
    uint64_t v = d->limits.v[id];
    char text[64];
    ncp_limit_format(id, v, text, sizeof(text));
    if (v == NCP_LIMIT_NONE)
        r->type = VALUE_NULL;
    else
        value_int(r, (long long)v);
    r->holds = true;
    SET(text, "%s (%s)", text, d->limit_from[id]);
    SET(reason, "%s; enforced by %s; from %s%s%s", info->what, info->enforced_by, d->limit_from[id],
        d->policy_error[0] ? "; the policy file is not valid: " : "", d->policy_error);
    if (id == NCP_LIM_NPROC && v != NCP_LIMIT_NONE && geteuid() == 0 && cgroup_pids(d)) {
        SET(text, "%s (%s; for a root app's child without an isolation uid: pids.max of its cgroup)", text,
            d->limit_from[id]);
        SET(reason, "the kernel does not apply RLIMIT_NPROC to host uid 0; the child's cgroup has pids.max");
    } else if (id == NCP_LIM_NPROC && v != NCP_LIMIT_NONE && geteuid() == 0) {
        /* copy_process() exempts host uid 0 from RLIMIT_NPROC. */
        r->holds = false;
        SET(text, "%s (%s; NOT enforced for a root app's child without an isolation uid)", text, d->limit_from[id]);
        SET(reason, "the kernel does not apply RLIMIT_NPROC to host uid 0");
        SET(fix, "start the child with an isolation uid (SetIsolationUid, ncp-run --isolation-uid)");
    }
}

#define LIMIT_CHECK(name, id)                                                                                 \
    static void check_limit_##name(const struct doctor *d, struct result *r) { limit_row(d, id, r); }
LIMIT_CHECK(tmpfs_size, NCP_LIM_TMPFS_SIZE)
LIMIT_CHECK(tmpfs_inodes, NCP_LIM_TMPFS_INODES)
LIMIT_CHECK(nproc, NCP_LIM_NPROC)
LIMIT_CHECK(nofile, NCP_LIM_NOFILE)
LIMIT_CHECK(fsize, NCP_LIM_FSIZE)
LIMIT_CHECK(core, NCP_LIM_CORE)
LIMIT_CHECK(cpu, NCP_LIM_CPU)
LIMIT_CHECK(as, NCP_LIM_AS)
LIMIT_CHECK(data, NCP_LIM_DATA)
LIMIT_CHECK(inotify_instances, NCP_LIM_INOTIFY_INSTANCES)
LIMIT_CHECK(inotify_watches, NCP_LIM_INOTIFY_WATCHES)
LIMIT_CHECK(fanotify_groups, NCP_LIM_FANOTIFY_GROUPS)
LIMIT_CHECK(fanotify_marks, NCP_LIM_FANOTIFY_MARKS)

static void check_cgroup_per_child(const struct doctor *d, struct result *r)
{
    value_bool(r, d->cgroup.usable);
    r->holds = true;
    if (d->cgroup.usable)
        SET(text, "yes, in %.200s%s", d->cgroup.dir, d->cgroup.beside ? " (beside the app's own cgroup)" : "");
    else
        SET(text, "none (%.200s)", d->cgroup.why);
    SET(reason, "%s", d->cgroup.why);
}

static void check_cgroup_limits(const struct doctor *d, struct result *r)
{
    r->holds = true;
    if (!cgroup_pids(d)) {
        value_bool(r, false);
        SET(text, "none (%.200s)", d->cgroup.usable ? d->cgroup.limits_why : d->cgroup.why);
        SET(reason, "%s; the rlimits, tmpfs caps and user-namespace limits above hold without a cgroup",
            d->cgroup.why);
        return;
    }
    /* The parent writes it, before the child reads its policy file. */
    char v[64];
    ncp_limit_format(NCP_LIM_NPROC, d->settings.limits.v[NCP_LIM_NPROC], v, sizeof(v));
    value_bool(r, true);
    SET(text, "pids.max %s (nproc of the start or child_process.conf)", v);
    SET(reason, "%s; memory.max, memory.swap.max and cpu.max: no limit setting maps to them", d->cgroup.why);
}

/* --- walls ---------------------------------------------------------------- */

static void wall(struct result *r, bool holds, const char *relies_on, const char *fix)
{
    value_bool(r, holds);
    verdict(r, holds, relies_on, relies_on, fix);
}

#define ISOLATION_FIX "make the namespaces, sandbox_module, seccomp_filter and own_session_keyring checks hold"
#define LANDLOCK_FIX(abi) "a kernel with Landlock ABI " #abi " or newer (see landlock_abi_kernel, landlock_abi_used)"

static void wall_children_start(const struct doctor *d, struct result *r)
{
    wall(r, d->supported, "runner present, multi-process on", "make the runner and multi_process checks hold");
}

static void wall_private_filesystem(const struct doctor *d, struct result *r)
{
    wall(r, d->isolation, "mount namespace + pivot_root", ISOLATION_FIX);
}

static void wall_private_data_dir(const struct doctor *d, struct result *r)
{
    wall(r, d->isolation, "tmpfs in the child's mount namespace", ISOLATION_FIX);
}

static void wall_loopback_only_network(const struct doctor *d, struct result *r)
{
    wall(r, d->isolation, "network namespace", ISOLATION_FIX);
}

static void wall_no_capabilities(const struct doctor *d, struct result *r)
{
    wall(r, d->isolation, "user namespace + libcap-ng + PR_SET_NO_NEW_PRIVS", ISOLATION_FIX);
}

static void wall_landlock_filesystem(const struct doctor *d, struct result *r)
{
    wall(r, d->ll_used >= 1, "Landlock ABI >= 1", LANDLOCK_FIX(1));
}

static void wall_landlock_truncate(const struct doctor *d, struct result *r)
{
    wall(r, d->ll_used >= 3, "Landlock ABI >= 3", LANDLOCK_FIX(3));
}

static void wall_landlock_ioctl_dev(const struct doctor *d, struct result *r)
{
    wall(r, d->ll_used >= 5, "Landlock ABI >= 5", LANDLOCK_FIX(5));
}

static void wall_no_signals_outside(const struct doctor *d, struct result *r)
{
    wall(r, d->ll_used >= 6 || d->isolation, "Landlock ABI >= 6 signal scope; uid mapping", ISOLATION_FIX);
}

static void wall_no_ptrace_outside(const struct doctor *d, struct result *r)
{
    wall(r, d->ll_used >= 1, "Landlock ptrace restriction", LANDLOCK_FIX(1));
}

static void wall_own_host_uid(const struct doctor *d, struct result *r)
{
    wall(r, d->isolation && d->range == 0, "subordinate id range",
         "make the namespaces, sandbox_module and isolation_id_range checks hold");
}

static void wall_seccomp_filter(const struct doctor *d, struct result *r)
{
    const struct tail_probe *t = &d->tail;
    bool filter = t->seccomp == 0 && t->denied_errno == EPERM && t->unknown_errno == ENOSYS;
    if (!filter) {
        wall(r, false, "", "");
        if (t->seccomp < 0)
            SET(reason, "the filter cannot be loaded here (%s): isolated children cannot start", strerror(-t->seccomp));
        else
            SET(reason, "the filter loaded but does not deny (keyctl: %s, an unknown syscall: %s)",
                t->denied_errno ? strerror(t->denied_errno) : "allowed",
                t->unknown_errno ? strerror(t->unknown_errno) : "allowed");
        SET(fix, "a kernel with CONFIG_SECCOMP_FILTER, outside any seccomp policy that forbids stacking a filter "
                 "(a container's)");
        return;
    }
    wall(r, d->isolation, "", ISOLATION_FIX);
    SET(reason, "libseccomp %s: denied calls get EPERM, unknown ones ENOSYS (probed)",
        d->seccomp_version);
}

static void wall_own_session_keyring(const struct doctor *d, struct result *r)
{
    const struct tail_probe *t = &d->tail;
    bool ok = t->keyring == 0 && (t->keyctl < 0 || t->keyring_fresh);
    wall(r, d->isolation && ok, "", ISOLATION_FIX);
    if (t->keyring < 0) {
        SET(reason, "joining a fresh session keyring failed (%s): isolated children cannot start",
            strerror(-t->keyring));
        SET(fix, "see kernel.keys.maxkeys and /proc/key-users");
    } else if (t->keyctl < 0)
        SET(reason, "keyctl does not work here (%s): there is no keyring to reach", strerror(-t->keyctl));
    else if (!t->keyring_fresh) {
        SET(reason, "the probe's session keyring stayed the app's");
        SET(fix, "report a bug: src/sandbox/keyring.c did not take effect");
    } else
        SET(reason, "a fresh anonymous session keyring per child (probed)");
}

const struct check ncp_doctor_checks[] = {
    { "kernel", FACT, "kernel", check_kernel },
    { "uid", FACT, "uid", check_uid },
    { "user_max_user_namespaces", FACT, "user.max_user_namespaces", check_max_user_namespaces },
    { "user_max_net_namespaces", FACT, "user.max_net_namespaces", check_max_net_namespaces },
    { "kernel_unprivileged_userns_clone", FACT, "kernel.unprivileged_userns_clone", check_unprivileged_userns_clone },
    { "kernel_apparmor_restrict_unprivileged_userns", FACT, "kernel.apparmor_restrict_unprivileged_userns",
      check_apparmor_restrict },
    { "namespaces", FACT, "namespaces (user, mount, network, ipc, uts)", check_namespaces },
    { "landlock_abi_kernel", FACT, "landlock ABI in the kernel", check_landlock_abi_kernel },
    { "landlock_abi_used", FACT, "landlock ABI used", check_landlock_abi_used },
    { "isolation_id_range", FACT, "isolation uid range", check_isolation_id_range },
    { "pidfd_exit_status", FACT, "exit status from pidfds (Linux 6.15)", check_pidfd_exit_status },
    { "runner", FACT, "runner", check_runner },
    { "sandbox_module", FACT, "sandbox module", check_sandbox_module },
    { "multi_process", FACT, "multi-process (settings)", check_multi_process },
    { "max_children_per_app", FACT, "children per app (settings)", check_max_children_per_app },
    { "max_spares", FACT, "spares per kind (settings)", check_max_spares },
    { "max_ipc_children", FACT, "IPC children per process (settings)", check_max_ipc_children },
    { "libseccomp_version", FACT, "libseccomp", check_libseccomp_version },
    { "key_quota_free", FACT, "keys this uid may still own (key quota)", check_key_quota_free },
    { "limit_tmpfs_size", FACT, "limit: size of each writable tmpfs", check_limit_tmpfs_size },
    { "limit_tmpfs_inodes", FACT, "limit: files in each writable tmpfs", check_limit_tmpfs_inodes },
    { "limit_nproc", FACT, "limit: processes (RLIMIT_NPROC)", check_limit_nproc },
    { "limit_nofile", FACT, "limit: descriptors (RLIMIT_NOFILE)", check_limit_nofile },
    { "limit_fsize", FACT, "limit: file size (RLIMIT_FSIZE)", check_limit_fsize },
    { "limit_core", FACT, "limit: core dump size (RLIMIT_CORE)", check_limit_core },
    { "limit_cpu", FACT, "limit: CPU seconds (RLIMIT_CPU)", check_limit_cpu },
    { "limit_as", FACT, "limit: address space (RLIMIT_AS)", check_limit_as },
    { "limit_data", FACT, "limit: data segment (RLIMIT_DATA)", check_limit_data },
    { "limit_inotify_instances", FACT, "limit: inotify instances (user ns)", check_limit_inotify_instances },
    { "limit_inotify_watches", FACT, "limit: inotify watches (user ns)", check_limit_inotify_watches },
    { "limit_fanotify_groups", FACT, "limit: fanotify groups (user ns)", check_limit_fanotify_groups },
    { "limit_fanotify_marks", FACT, "limit: fanotify marks (user ns)", check_limit_fanotify_marks },
    { "cgroup_per_child", FACT, "cgroup per isolated child", check_cgroup_per_child },
    { "cgroup_limits", FACT, "limit: cgroup v2 (memory, pids, cpu)", check_cgroup_limits },

    { "children_can_start", WALL, "children can start at all", wall_children_start },
    { "private_filesystem", WALL, "private filesystem view (nothing of /home, /run, /var, other apps)",
      wall_private_filesystem },
    { "private_data_dir", WALL, "private data dir, fresh per child", wall_private_data_dir },
    { "loopback_only_network", WALL, "loopback-only network (no host TCP/UDP, no host abstract sockets)",
      wall_loopback_only_network },
    { "no_capabilities", WALL, "no capabilities, no_new_privs, setuid binaries gain nothing", wall_no_capabilities },
    { "landlock_filesystem", WALL, "filesystem rights narrowed by the policy (defence in depth)",
      wall_landlock_filesystem },
    { "landlock_truncate", WALL, "truncation of read-only files refused", wall_landlock_truncate },
    { "landlock_ioctl_dev", WALL, "ioctl on devices refused", wall_landlock_ioctl_dev },
    { "no_signals_outside", WALL, "no signals to processes outside the sandbox", wall_no_signals_outside },
    { "no_ptrace_outside", WALL, "no ptrace of processes outside the sandbox", wall_no_ptrace_outside },
    { "own_host_uid", WALL, "a host uid of its own (SetIsolationUid)", wall_own_host_uid },
    { "seccomp_filter", WALL, "kernel surface narrowed by a seccomp filter", wall_seccomp_filter },
    { "own_session_keyring", WALL, "its own session keyring (the app's keys out of reach)", wall_own_session_keyring },
};
const size_t ncp_doctor_n_checks = ARRAY_SIZE(ncp_doctor_checks);
