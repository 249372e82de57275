/* SPDX-License-Identifier: Apache-2.0 */
/*
 * User namespaces: the id mapping of an isolated child (parent side), the
 * probe and the explanation of failures, and the nested-namespace lock the
 * child sets on itself.
 *
 * Mappings (always identity: an id means the same number inside and out):
 *   isolated            the caller's euid/egid only, written directly
 *                       ("deny" to setgroups first, as the kernel requires
 *                       from an unprivileged writer).
 *   isolated + own uid  the caller's ids and one isolation uid/gid:
 *     root caller       NCP_ISOLATION_ID_BASE + pid, written directly;
 *     other callers     the user's /etc/subuid and /etc/subgid range,
 *                       start + pid % count, through newuidmap/newgidmap
 *                       (setgroups stays allowed so the child can drop the
 *                       caller's supplementary groups).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <pthread.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/syscall-compat.h"
#include "common/log.h"
#include "common/macro.h"
#include "userns.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

extern char **environ;

#define NS_FLAGS (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)

void ncp_idmap_resolve(const struct ncp_idmap *plan, pid_t pid, struct ncp_idmap *out)
{
    *out = *plan;
    if (plan->own_uid && plan->range_count > 0) {
        uint32_t off = (uint32_t)pid % plan->range_count;
        out->inside_uid = out->outside_uid = plan->outside_uid + off;
        out->inside_gid = out->outside_gid = plan->outside_gid + off;
        out->range_count = 0;
    }
}

/* First range of `user` (name or numeric id) in /etc/subuid or /etc/subgid. */
static int find_subid_range(const char *file, const char *user, unsigned long id, unsigned long *start,
                            unsigned long *count)
{
    FILE *f = fopen(file, "re");
    if (!f)
        return -errno;
    char line[512];
    char idstr[32];
    snprintf(idstr, sizeof(idstr), "%lu", id);
    int r = -ENOENT;
    while (fgets(line, sizeof(line), f)) {
        char *save = NULL, *name = strtok_r(line, ":\n", &save), *s = strtok_r(NULL, ":\n", &save),
             *c = strtok_r(NULL, ":\n", &save);
        if (!name || !s || !c || (strcmp(name, user) != 0 && strcmp(name, idstr) != 0))
            continue;
        char *e1, *e2;
        errno = 0;
        unsigned long vs = strtoul(s, &e1, 10), vc = strtoul(c, &e2, 10);
        if (errno || *e1 || *e2 || vc == 0 || vs == 0 || vs + vc > UINT32_MAX)
            continue;
        *start = vs;
        *count = vc;
        r = 0;
        break;
    }
    fclose(f);
    return r;
}

static const char *find_helper(const char *name)
{
    static const char *const paths[] = {
        "/usr/bin/newuidmap", "/bin/newuidmap", "/usr/sbin/newuidmap", "/sbin/newuidmap",
        "/usr/bin/newgidmap", "/bin/newgidmap", "/usr/sbin/newgidmap", "/sbin/newgidmap",
    };
    for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
        const char *base = strrchr(paths[i], '/') + 1;
        if (strcmp(base, name) == 0 && access(paths[i], X_OK) == 0)
            return paths[i];
    }
    return NULL;
}

static void user_name(uid_t uid, char *name, size_t size)
{
    struct passwd pw, *pwp = NULL;
    char buf[4096];
    name[0] = '\0';
    if (getpwuid_r(uid, &pw, buf, sizeof(buf), &pwp) == 0 && pwp)
        snprintf(name, size, "%s", pw.pw_name);
}

int ncp_userns_isolation_range(uid_t *uid_start, gid_t *gid_start, uint32_t *count, bool *use_helpers)
{
    uid_t uid = geteuid();
    if (uid == 0) {
        *uid_start = NCP_ISOLATION_ID_BASE;
        *gid_start = NCP_ISOLATION_ID_BASE;
        *count = NCP_ISOLATION_ID_COUNT;
        *use_helpers = false;
        return 0;
    }
    char name[256];
    user_name(uid, name, sizeof(name));
    unsigned long us, uc, gs, gc;
    if (find_subid_range("/etc/subuid", name, uid, &us, &uc) < 0)
        return -ENOENT;
    if (find_subid_range("/etc/subgid", name, uid, &gs, &gc) < 0)
        return -ENOENT;
    if (!find_helper("newuidmap") || !find_helper("newgidmap"))
        return -ENOEXEC;
    *uid_start = (uid_t)us;
    *gid_start = (gid_t)gs;
    *count = (uint32_t)(uc < gc ? uc : gc);
    *use_helpers = true;
    return 0;
}

int ncp_userns_plan(bool isolation_uid, struct ncp_idmap *out)
{
    uid_t uid = geteuid();
    gid_t gid = getegid();
    *out = (struct ncp_idmap){
        .inside_uid = uid, .inside_gid = gid, .outside_uid = uid, .outside_gid = gid,
        .caller_uid = uid, .caller_gid = gid,
    };
    if (!isolation_uid)
        return 0;

    uid_t us;
    gid_t gs;
    uint32_t count;
    bool helpers;
    int r = ncp_userns_isolation_range(&us, &gs, &count, &helpers);
    if (r == -ENOEXEC) {
        log_error("isolation uid: newuidmap/newgidmap not found; install them (Debian: `apt install uidmap`)");
        return -EOPNOTSUPP;
    }
    if (r < 0) {
        char name[256];
        user_name(uid, name, sizeof(name));
        log_error("isolation uid: user %s (uid %u) has no subordinate uid/gid range in /etc/subuid and "
                  "/etc/subgid; add one as root, e.g. "
                  "`usermod --add-subuids 100000-165535 --add-subgids 100000-165535 %s`",
                  name[0] ? name : "?", (unsigned)uid, name[0] ? name : "USER");
        return -EOPNOTSUPP;
    }
    out->own_uid = true;
    out->inside_uid = out->outside_uid = us;
    out->inside_gid = out->outside_gid = gs;
    out->range_count = count;
    out->use_helpers = helpers;
    return 0;
}

static int write_proc_file(pid_t pid, const char *file, const char *text)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
    _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = write(fd, text, strlen(text));
    if (n < 0)
        return -errno;
    return (size_t)n == strlen(text) ? 0 : -EIO;
}

/* `newuidmap PID caller caller 1 own own 1` (or newgidmap). */
static int run_helper(const char *name, pid_t pid, unsigned long caller, unsigned long own)
{
    const char *helper = find_helper(name);
    if (!helper)
        return log_error_errno(ENOENT, "isolation uid: %s not found", name);

    char spid[16], sc[16], so[16], one[] = "1";
    snprintf(spid, sizeof(spid), "%d", (int)pid);
    snprintf(sc, sizeof(sc), "%lu", caller);
    snprintf(so, sizeof(so), "%lu", own);
    char *argv[] = { (char *)name, spid, sc, sc, one, so, so, one, NULL };

    /* vfork + execve: nothing but syscalls runs in the child, which is safe
     * in a multithreaded parent; descriptors >= 3 are not passed on. */
    pid_t hp = vfork();
    if (hp == 0) {
        close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
        execve(helper, argv, environ);
        _exit(127);
    }
    if (hp < 0)
        return log_error_errno(errno, "isolation uid: cannot run %s", helper);

    int st;
    while (waitpid(hp, &st, 0) < 0)
        if (errno != EINTR)
            return log_error_errno(errno, "isolation uid: cannot wait for %s", helper);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        log_error("isolation uid: `%s %s %s %s 1 %s %s 1` failed (%s %d); check the ranges in /etc/sub%cid",
                  helper, spid, sc, sc, so, so, WIFEXITED(st) ? "exit status" : "signal",
                  WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), name[3] == 'u' ? 'u' : 'g');
        return -EPERM;
    }
    return 0;
}

int ncp_userns_apply(pid_t pid, const struct ncp_idmap *plan)
{
    struct ncp_idmap m;
    ncp_idmap_resolve(plan, pid, &m);
    int r;

    if (m.use_helpers) {
        if ((r = run_helper("newgidmap", pid, m.caller_gid, m.outside_gid)) < 0)
            return r;
        return run_helper("newuidmap", pid, m.caller_uid, m.outside_uid);
    }

    char umap[96], gmap[96];
    if (m.own_uid) {
        /* Root: setgroups stays allowed, the child drops its groups itself. */
        snprintf(umap, sizeof(umap), "%u %u 1\n%u %u 1\n", (unsigned)m.caller_uid, (unsigned)m.caller_uid,
                 (unsigned)m.outside_uid, (unsigned)m.outside_uid);
        snprintf(gmap, sizeof(gmap), "%u %u 1\n%u %u 1\n", (unsigned)m.caller_gid, (unsigned)m.caller_gid,
                 (unsigned)m.outside_gid, (unsigned)m.outside_gid);
    } else {
        snprintf(umap, sizeof(umap), "%u %u 1\n", (unsigned)m.inside_uid, (unsigned)m.outside_uid);
        snprintf(gmap, sizeof(gmap), "%u %u 1\n", (unsigned)m.inside_gid, (unsigned)m.outside_gid);
        r = write_proc_file(pid, "setgroups", "deny");
        if (r < 0 && r != -ENOENT)
            return log_error_errno(r, "user namespace of child %d: cannot write \"deny\" to setgroups", (int)pid);
    }
    if ((r = write_proc_file(pid, "gid_map", gmap)) < 0)
        return log_error_errno(r, "user namespace of child %d: cannot write gid_map \"%.*s\"", (int)pid,
                               (int)strcspn(gmap, "\n"), gmap);
    if ((r = write_proc_file(pid, "uid_map", umap)) < 0)
        return log_error_errno(r, "user namespace of child %d: cannot write uid_map \"%.*s\"", (int)pid,
                               (int)strcspn(umap, "\n"), umap);
    return 0;
}

static int read_sysctl(const char *path, long *value)
{
    char buf[32];
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    if (n <= 0)
        return -EIO;
    buf[n] = '\0';
    *value = strtol(buf, NULL, 10);
    return 0;
}

/* Whether this process runs in a user namespace other than the initial one
 * (inside another sandbox or a container): its limits are not the machine's. */
static bool in_nested_userns(void)
{
    char buf[128];
    _cleanup_close_ int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    unsigned long inside, outside, count;
    int used = 0;
    return !(sscanf(buf, "%lu %lu %lu%n", &inside, &outside, &count, &used) == 3 && inside == 0 && outside == 0 &&
             count == 4294967295UL && buf[used + strspn(buf + used, " \n")] == '\0');
}

#define NESTED_FIX "run it outside that sandbox, or let the sandbox allow nested user namespaces"

void ncp_userns_diagnose(int err, struct ncp_userns_diagnosis *d)
{
    static const char *const kinds[] = { "user", "mnt", "net", "ipc", "uts" };
    bool root = geteuid() == 0;
    bool nested = in_nested_userns();
    long v;

#define CAUSE(...) snprintf(d->cause, sizeof(d->cause), __VA_ARGS__)
#define FIX(...) snprintf(d->fix, sizeof(d->fix), __VA_ARGS__)
    if (err == ENOSPC) {
        /* A count limit: here, or (when nested) in an enclosing namespace,
         * whose limits this process cannot read. */
        for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
            char path[64];
            snprintf(path, sizeof(path), "/proc/sys/user/max_%s_namespaces", kinds[i]);
            if (read_sysctl(path, &v) < 0 || v != 0)
                continue;
            if (nested) {
                CAUSE("%s namespaces are disabled in the user namespace this program runs in "
                      "(user.max_%s_namespaces = 0), e.g. by the sandbox it runs in", kinds[i], kinds[i]);
                FIX("`sysctl -w user.max_%s_namespaces=15000` as that namespace's root, or " NESTED_FIX, kinds[i]);
            } else {
                CAUSE("%s namespaces are disabled (user.max_%s_namespaces = 0)", kinds[i], kinds[i]);
                FIX("`sysctl -w user.max_%s_namespaces=15000` as root", kinds[i]);
            }
            return;
        }
        v = -1;
        read_sysctl("/proc/sys/user/max_user_namespaces", &v);
        if (nested) {
            CAUSE("a namespace limit of an enclosing user namespace is reached, not one of this one "
                  "(user.max_user_namespaces = %ld here): this program runs inside a sandbox or container "
                  "that forbids nested namespaces", v);
            FIX(NESTED_FIX);
        } else {
            CAUSE("namespace limit reached (user.max_user_namespaces = %ld; see also "
                  "user.max_{mnt,net,ipc,uts}_namespaces)", v);
            FIX("raise the limit with sysctl, or run fewer children");
        }
        return;
    }
    if (err == EUSERS) {
        CAUSE("user namespaces nested too deeply (the kernel allows 32 levels)");
        FIX("start the child from a less deeply nested sandbox");
        return;
    }
    if (err == EINVAL || err == ENOSYS) {
        CAUSE("the kernel does not support the namespaces needed");
        FIX("a kernel with CONFIG_USER_NS, CONFIG_NET_NS, CONFIG_IPC_NS and CONFIG_UTS_NS");
        return;
    }
    if (!root && read_sysctl("/proc/sys/kernel/unprivileged_userns_clone", &v) == 0 && v == 0) {
        CAUSE("unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone = 0)");
        FIX("`sysctl -w kernel.unprivileged_userns_clone=1` as root");
        return;
    }
    if (!root && read_sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", &v) == 0 && v == 1) {
        CAUSE("the user namespace gives no capabilities: AppArmor restricts unprivileged user namespaces "
              "(kernel.apparmor_restrict_unprivileged_userns = 1)");
        FIX("load the profiles from contrib/apparmor/ (abi 4.0, `userns,` rule) for ncp-runner and the app, or "
            "`sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`");
        return;
    }
    if (nested) {
        CAUSE("refused by the sandbox or container this program runs in (its seccomp filter or its rules "
              "forbid new namespaces)");
        FIX(NESTED_FIX);
        return;
    }
    CAUSE("refused by the system, e.g. a container's seccomp profile or an LSM policy");
    FIX("allow unshare/clone of user namespaces for this program");
#undef CAUSE
#undef FIX
}

void ncp_userns_explain_failure(int err)
{
    struct ncp_userns_diagnosis d;
    ncp_userns_diagnose(err, &d);
    log_error("isolated child: cannot create the namespaces (%s): %s; fix: %s", strerror(err), d.cause, d.fix);
}

/* --- probe ------------------------------------------------------------- */

static bool supported_cached;
static int probe_error; /* what the kernel said when the probe failed */
static pthread_once_t supported_once = PTHREAD_ONCE_INIT;

static void probe_supported(void)
{
    struct clone_args args = {
        .flags = NS_FLAGS | CLONE_PIDFD,
        .exit_signal = 0,
    };
    int pidfd = -1;
    args.pidfd = (uint64_t)(uintptr_t)&pidfd;

    long pid = ncp_clone3(&args, sizeof(args));
    if (pid == 0) {
        /* The child of a possibly multithreaded caller: raw syscalls only.
         * Mounting needs the capabilities the new namespace should give; an
         * AppArmor restriction lets the clone succeed but withholds them. */
        long r = syscall(SYS_mount, NULL, "/", NULL, (unsigned long)(MS_REC | MS_SLAVE), NULL);
        if (r == 0)
            r = syscall(SYS_mount, "tmpfs", "/tmp", "tmpfs", (unsigned long)(MS_NOSUID | MS_NODEV), "size=4k");
        /* The exit status carries the errno (all fit in 8 bits). */
        syscall(SYS_exit_group, r == 0 ? 0 : errno > 0 && errno < 256 ? errno : EPERM);
        __builtin_unreachable();
    }
    if (pid < 0) {
        int err = errno;
        log_debug("isolation probe: clone3 failed: %s", strerror(err));
        ncp_userns_explain_failure(err);
        supported_cached = false;
        probe_error = err;
        return;
    }

    siginfo_t si = { 0 };
    int status = -1;
    int r = ncp_pidfd_wait(pidfd, &status);
    if (r == -EINVAL) {
        /* Old kernels without P_PIDFD. */
        do
            r = waitid(P_PID, (id_t)pid, &si, WEXITED | __WALL);
        while (r < 0 && errno == EINTR);
        if (r == 0)
            status = ncp_wait_status(&si);
    }
    close(pidfd);
    supported_cached = r == 0 && status == 0;
    if (!supported_cached) {
        probe_error = r == 0 && WIFEXITED(status) && WEXITSTATUS(status) ? WEXITSTATUS(status) : EPERM;
        log_debug("isolation probe: mounting in the new namespaces failed: %s", strerror(probe_error));
        ncp_userns_explain_failure(probe_error);
    }
}

bool ncp_userns_supported(void)
{
    pthread_once(&supported_once, probe_supported);
    return supported_cached;
}

int ncp_userns_probe_error(void)
{
    pthread_once(&supported_once, probe_supported);
    return supported_cached ? 0 : probe_error;
}

/* --- child side --------------------------------------------------------- */

int ncp_userns_lock_nested(void)
{
    static const char *const names[] = { "user", "mnt", "net", "ipc", "uts", "pid", "cgroup", "time" };
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/sys/user/max_%s_namespaces", names[i]);
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT)
            continue;  /* older kernel without this namespace type */
        if (fd < 0 || write(fd, "0", 1) != 1)
            return log_error_errno(errno, "cannot forbid nested namespaces (%s; the runner needs CAP_SYS_RESOURCE "
                                          "in its user namespace)",
                                   path);
    }
    return 0;
}
