/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A cgroup v2 of its own for each isolated child (cgroup.h).
 *
 * Where: this process's cgroup v2 D (/proc/self/cgroup "0::PATH", under the
 * cgroup2 mount of /proc/self/mountinfo) when D and its cgroup.procs are
 * writable by us: root, or a subtree delegated to our uid.  The per-child
 * cgroups are D's children: D holds the app (and maybe other processes),
 * which cgroup v2 allows as long as D enables no controller for its children
 * (the "no internal processes" rule), so this layout gives the lifetime part
 * everywhere, and limits only where D may enable controllers (the root
 * cgroup).  For a user other than root whose D's parent P is its own too
 * (systemd's layout: a delegated scope or service whose processes sit in a
 * leaf, or a slice of the user's manager), the cgroups are made beside D, in
 * P: P already enables for its children the controllers D has, so they get
 * them with nothing moved.  The library never moves the app's own process
 * into another cgroup: where the app and its other children run is the
 * app's (or its service manager's) to say.
 *
 * Names: ncp-PIDNS-PID-START-N, the pid namespace, pid and start time of the
 * process that made it (a zygote, or an app in exec mode) and a counter, so
 * that two processes, or two test runs, never pick the same name, and a
 * cgroup whose maker is gone can be told and cleaned up
 * (ncp_cgroup_sweep_stale()).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "common/fd-util.h"
#include "common/log.h"
#include "common/macro.h"
#include "cgroup.h"

static const char *const wanted[] = { "memory", "pids", "cpu" };

/* How long a per-child cgroup may take to empty after cgroup.kill (a
 * process in uninterruptible sleep dies only when it wakes). */
#define EMPTY_TIMEOUT_MS 2000

static pthread_once_t resolved = PTHREAD_ONCE_INIT;
static struct ncp_cgroup_info info;
static char mount_point[PATH_MAX];   /* of the cgroup v2 hierarchy */
static unsigned long own_pidns;
static unsigned counter;

/* The mount point of the cgroup2 filesystem whose root is "/", or -ENOENT. */
static int cgroup2_mount(char *buf, size_t size)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return -errno;
    char line[1024];
    int r = -ENOENT;
    while (fgets(line, sizeof(line), f)) {
        /* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPER */
        char root[PATH_MAX], mp[PATH_MAX];
        const char *sep = strstr(line, " - ");
        if (!sep || strncmp(sep + 3, "cgroup2 ", 8) != 0)
            continue;
        if (sscanf(line, "%*s %*s %*s %4095s %4095s", root, mp) == 2 && strcmp(root, "/") == 0) {
            snprintf(buf, size, "%s", mp);
            r = 0;
            break;
        }
    }
    fclose(f);
    return r;
}

/* This process's cgroup v2 path ("0::PATH"), or -ENOENT. */
static int own_cgroup(char *buf, size_t size)
{
    FILE *f = fopen("/proc/self/cgroup", "re");
    if (!f)
        return -errno;
    char line[PATH_MAX + 16];
    int r = -ENOENT;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "0::", 3) == 0) {
            line[strcspn(line, "\n")] = '\0';
            snprintf(buf, size, "%.2000s", line + 3);
            r = 0;
            break;
        }
    fclose(f);
    return r;
}

/* snprintf at the end of what buf holds; a text too long is cut. */
_printf_(3, 4) static void appendf(char *buf, size_t size, const char *fmt, ...)
{
    size_t len = strnlen(buf, size);
    if (len + 1 >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + len, size - len, fmt, ap);
    va_end(ap);
}

/* Whether controller `name` is attached to a cgroup v1 hierarchy (/proc/cgroups). */
static bool on_v1(const char *name)
{
    FILE *f = fopen("/proc/cgroups", "re");
    char line[256], sub[64];
    int hier = 0, n, enabled;
    bool v1 = false;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "%63s %d %d %d", sub, &hier, &n, &enabled) == 4 && strcmp(sub, name) == 0 && hier > 0)
            v1 = true;
    if (f)
        fclose(f);
    return v1;
}

static bool has_word(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; (p = strstr(p, word)) != NULL; p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
            return true;
    return false;
}

/* The first line of dir/file, or "" (not there). */
static void read_line_at(const char *dir, const char *file, char *buf, size_t size)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof(path), "%.4000s/%s", dir, file);
    buf[0] = '\0';
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, size - 1) : -1;
    buf[n > 0 ? n : 0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
}

/* Ours to make cgroups in: the directory and its cgroup.procs (which the
 * kernel checks, on the common ancestor, to move a process) writable. */
static bool writable(const char *dir)
{
    char procs[PATH_MAX + 16];
    snprintf(procs, sizeof(procs), "%.4000s/cgroup.procs", dir);
    return access(dir, W_OK) == 0 && access(procs, W_OK) == 0;
}

/* cgroup.kill is Linux 5.14's. */
static bool kernel_has_kill(void)
{
    struct utsname u;
    unsigned major = 0, minor = 0;
    return uname(&u) == 0 && sscanf(u.release, "%u.%u", &major, &minor) == 2 &&
           (major > 5 || (major == 5 && minor >= 14));
}

/* Field 22 of /proc/PID/stat (clock ticks after boot), or 0 when pid is
 * gone; *state gets field 3 ('Z': a zombie). */
static unsigned long long start_time_of(pid_t pid, char *state)
{
    char buf[1024];
    const char *f = proc_stat_fields(pid, buf, sizeof(buf));
    unsigned long long start = 0;
    *state = '?';
    if (!f || sscanf(f, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu", state,
                     &start) != 2)
        return 0;
    return start;
}

/* Whether the process that made a cgroup named after (pid, start) lives. */
static bool maker_alive(pid_t pid, unsigned long long start)
{
    char state;
    return start_time_of(pid, &state) == start && state != 'Z' && state != 'X';
}

/* The words of `wanted` that `list` holds, as "memory pids", into out. */
static void pick(const char *list, char *out, size_t size)
{
    out[0] = '\0';
    for (size_t i = 0; i < ARRAY_SIZE(wanted); i++)
        if (has_word(list, wanted[i]))
            snprintf(out + strlen(out), size - strlen(out), "%s%s", out[0] ? " " : "", wanted[i]);
}

/* Why the per-child cgroups get no controller, or only some. */
static void explain_controllers(const char *own_dir, char *buf, size_t size)
{
    char available[256], enabled[256], have[32];
    read_line_at(info.dir, "cgroup.controllers", available, sizeof(available));
    read_line_at(info.dir, "cgroup.subtree_control", enabled, sizeof(enabled));
    pick(enabled, info.controllers, sizeof(info.controllers));
    pick(available, have, sizeof(have));
    if (strcmp(info.controllers, "memory pids cpu") == 0) {
        snprintf(buf, size, "the memory, pids and cpu controllers");
        return;
    }
    char missing[64] = "";
    bool v1 = false;
    for (size_t i = 0; i < ARRAY_SIZE(wanted); i++)
        if (!has_word(have, wanted[i])) {
            snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%s",
                     missing[0] ? ", " : "", wanted[i]);
            v1 |= on_v1(wanted[i]);
        }
    buf[0] = '\0';
    if (missing[0])
        appendf(buf, size, "no %s controller in %.200s (\"%.60s\")%s", missing, info.dir, available,
                v1 ? "; they are on cgroup v1 hierarchies" : "");
    else
        appendf(buf, size, "%.200s has the controllers \"%.60s\" but enables only \"%.60s\" for its children "
                "(cgroup.subtree_control)%s", info.dir, available, enabled,
                strcmp(info.dir, own_dir) == 0 && !info.beside ?
                    ", which the library does not change: it holds the app's own process (cgroup v2's no internal "
                    "processes rule)" : "");
}

/* For a user other than root: whether a systemd user manager runs, the
 * usual source of a delegated cgroup (transient scopes over D-Bus are not
 * used here). */
static const char *systemd_note(void)
{
    if (geteuid() == 0)
        return "";
    char path[128];
    snprintf(path, sizeof(path), "/run/user/%u/systemd/private", (unsigned)geteuid());
    return access(path, F_OK) == 0 ? "; a systemd user manager runs: start the app in a unit with Delegate=yes"
                                   : "; no systemd user manager runs for this uid (no /run/user/UID/systemd), the "
                                     "usual way to get a delegated cgroup";
}

static void resolve(void)
{
    char mp[PATH_MAX], path[PATH_MAX], own[PATH_MAX], parent[PATH_MAX];
    struct stat st;
    own_pidns = stat("/proc/self/ns/pid", &st) == 0 ? (unsigned long)st.st_ino : 0;
    const char *off = getenv("NCP_TEST_NO_CGROUP");
    if (off && strcmp(off, "1") == 0) {
        snprintf(info.why, sizeof(info.why), "turned off (NCP_TEST_NO_CGROUP=1)");
        return;
    }
    if (cgroup2_mount(mp, sizeof(mp)) < 0) {
        snprintf(info.why, sizeof(info.why), "no cgroup v2 filesystem is mounted");
        return;
    }
    if (own_cgroup(path, sizeof(path)) < 0) {
        snprintf(info.why, sizeof(info.why), "this process is in no cgroup v2 (no \"0::\" line in /proc/self/cgroup)");
        return;
    }
    snprintf(mount_point, sizeof(mount_point), "%s", mp);
    snprintf(own, sizeof(own), "%.2000s%.2000s", mp, strcmp(path, "/") == 0 ? "" : path);
    snprintf(info.dir, sizeof(info.dir), "%s", own);
    snprintf(parent, sizeof(parent), "%s", own);
    char *slash = strrchr(parent, '/');
    bool has_parent = strcmp(path, "/") != 0 && slash && (size_t)(slash - parent) >= strlen(mp);
    if (has_parent)
        *slash = '\0';
    if (geteuid() != 0 && has_parent && stat(parent, &st) == 0 && st.st_uid == geteuid() && writable(parent)) {
        snprintf(info.dir, sizeof(info.dir), "%s", parent);
        info.beside = true;
    } else if (!writable(own)) {
        snprintf(info.why, sizeof(info.why), "the cgroup v2 at %.200s is not delegated to uid %u (not writable)%s",
                 own, (unsigned)geteuid(), systemd_note());
        return;
    }
    if (!kernel_has_kill()) {
        snprintf(info.why, sizeof(info.why), "cgroup.kill needs Linux 5.14");
        return;
    }
    /* No descriptor of it is kept: an app's descriptors are its own (the
     * library holds none but its children's), so each use opens it. */
    _cleanup_close_ int fd = open(info.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(info.why, sizeof(info.why), "cannot open %.200s: %s", info.dir, strerror(errno));
        return;
    }
    info.usable = true;
    explain_controllers(own, info.limits_why, sizeof(info.limits_why));
    info.why[0] = '\0';
    appendf(info.why, sizeof(info.why), "a cgroup per isolated child in %.200s%s (cgroup.kill at its end); "
            "controllers: %s (%s)", info.dir, info.beside ? ", beside the app's own (delegated)" : "",
            info.controllers[0] ? info.controllers : "none", info.limits_why);
}

void ncp_cgroup_probe(struct ncp_cgroup_info *out)
{
    pthread_once(&resolved, resolve);
    *out = info;
}

static pthread_once_t logged = PTHREAD_ONCE_INIT;

static void log_once(void)
{
    pthread_once(&resolved, resolve);
    if (info.usable)
        log_info("cgroup: %s; cgroup limits: %s", info.why,
                 has_word(info.controllers, "pids") ? "pids.max (from nproc)" : "none");
    else
        log_info("cgroup: no cgroup per isolated child (%s); rlimits, tmpfs caps and user-namespace limits hold, "
                 "and the zygote contains what children leave behind",
                 info.why);
    ncp_cgroup_sweep_stale();
}

void ncp_cgroup_setup_once(void)
{
    /* The probe reads a handful of files: only for the line. */
    if (!ncp_log_enabled(NCP_LOG_INFO))
        return;
    pthread_once(&logged, log_once);
}

int ncp_cgroup_create(struct ncp_cgroup *cg)
{
    *cg = NCP_CGROUP_NONE;
    pthread_once(&resolved, resolve);
    if (!info.usable)
        return -EOPNOTSUPP;
    static pid_t start_pid;
    static unsigned long long start;
    pid_t self = getpid();
    if (__atomic_load_n(&start_pid, __ATOMIC_ACQUIRE) != self) {
        char state;
        __atomic_store_n(&start, start_time_of(self, &state), __ATOMIC_RELAXED);
        __atomic_store_n(&start_pid, self, __ATOMIC_RELEASE);
    }
    _cleanup_close_ int base_fd = open(info.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (base_fd < 0)
        return -errno;
    for (int attempt = 0; attempt < 16; attempt++) {
        unsigned n = __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
        snprintf(cg->name, sizeof(cg->name), "ncp-%lu-%d-%llu-%u", own_pidns, (int)self,
                 __atomic_load_n(&start, __ATOMIC_RELAXED), n);
        if (mkdirat(base_fd, cg->name, 0755) < 0) {
            if (errno == EEXIST)
                continue;
            return -errno;
        }
        cg->fd = openat(base_fd, cg->name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cg->fd < 0) {
            int r = -errno;
            (void)unlinkat(base_fd, cg->name, AT_REMOVEDIR);
            return r;
        }
        return 0;
    }
    return -EEXIST;
}

int ncp_cgroup_apply_limits(int dir_fd, const struct ncp_limits *l)
{
    pthread_once(&resolved, resolve);
    if (dir_fd < 0 || !has_word(info.controllers, "pids"))
        return 0;
    uint64_t v = l->v[NCP_LIM_NPROC];
    char buf[32];
    int n = v == NCP_LIMIT_NONE ? snprintf(buf, sizeof(buf), "max") : snprintf(buf, sizeof(buf), "%" PRIu64, v);
    _cleanup_close_ int fd = openat(dir_fd, "pids.max", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, buf, (size_t)n) != n)
        return -errno;
    return 0;
}

int ncp_cgroup_apply_limits_of(pid_t pid, const struct ncp_limits *l)
{
    pthread_once(&resolved, resolve);
    if (!info.usable || !has_word(info.controllers, "pids"))
        return 0;
    /* Its cgroup, which must be one of the per-child ones of info.dir. */
    char file[64], line[PATH_MAX + 16], dir[PATH_MAX * 2];
    snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid);
    FILE *f = fopen(file, "re");
    bool found = false;
    while (f && !found && fgets(line, sizeof(line), f))
        found = strncmp(line, "0::", 3) == 0;
    if (f)
        fclose(f);
    if (!found)
        return 0; /* gone: the start sees it end */
    line[strcspn(line, "\n")] = '\0';
    snprintf(dir, sizeof(dir), "%.2000s%.4000s", mount_point, line + 3);
    const char *slash = strrchr(dir, '/');
    unsigned long ns;
    int maker, end = 0;
    unsigned long long start;
    unsigned k;
    if (!slash || strlen(info.dir) != (size_t)(slash - dir) || strncmp(dir, info.dir, strlen(info.dir)) != 0 ||
        sscanf(slash + 1, "ncp-%lu-%d-%llu-%u%n", &ns, &maker, &start, &k, &end) != 4 || slash[1 + end])
        return 0; /* the zygote could not give it one (a debug line of its own said so) */
    _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return fd < 0 ? -errno : ncp_cgroup_apply_limits(fd, l);
}

int ncp_cgroup_attach(const struct ncp_cgroup *cg, pid_t pid)
{
    _cleanup_close_ int fd = openat(cg->fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
    if (fd < 0 || write(fd, buf, (size_t)n) != n)
        return -errno;
    return 0;
}

/* cgroup.kill of `dir` (a descriptor of it), then rmdir of `name` in
 * info.dir once the kernel has it empty: 0, or -EBUSY after EMPTY_TIMEOUT_MS. */
static int kill_and_remove(int dir, const char *name)
{
    _cleanup_close_ int base_fd = open(info.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (base_fd < 0)
        return -errno;
    /* Nothing left behind, the common case: no kill needed. */
    if (unlinkat(base_fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
        return 0;
    if (errno != EBUSY)
        return -errno;
    _cleanup_close_ int kill_fd = openat(dir, "cgroup.kill", O_WRONLY | O_CLOEXEC);
    if (kill_fd < 0 || write(kill_fd, "1", 1) != 1)
        return -errno;
    /* The killed take a moment to go: an isolated child's exit tears down
     * its namespaces and mounts before it leaves its cgroup. */
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (unsigned pause_us = 200;; pause_us = pause_us < 10000 ? pause_us * 2 : pause_us) {
        if (unlinkat(base_fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
            return 0;
        int r = -errno;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long long waited_ms = (now.tv_sec - t0.tv_sec) * 1000ll + (now.tv_nsec - t0.tv_nsec) / 1000000;
        if (r != -EBUSY || waited_ms >= EMPTY_TIMEOUT_MS)
            return r;
        usleep(pause_us);
    }
}

void ncp_cgroup_destroy(struct ncp_cgroup *cg)
{
    if (cg->fd < 0)
        return;
    int r = kill_and_remove(cg->fd, cg->name);
    if (r < 0)
        log_warn("cgroup %s/%s: cannot remove it: %s; what is in it stays until it can be", info.dir, cg->name,
                 strerror(-r));
    ncp_cgroup_forget(cg);
}

void ncp_cgroup_forget(struct ncp_cgroup *cg)
{
    safe_close(cg->fd);
    *cg = NCP_CGROUP_NONE;
}

void ncp_cgroup_sweep_stale(void)
{
    pthread_once(&resolved, resolve);
    if (!info.usable)
        return;
    DIR *d = opendir(info.dir);
    if (!d)
        return;
    unsigned swept = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        unsigned long ns;
        int pid, end = 0;
        unsigned long long start;
        unsigned n;
        if (sscanf(e->d_name, "ncp-%lu-%d-%llu-%u%n", &ns, &pid, &start, &n, &end) != 4 || e->d_name[end] ||
            ns != own_pidns || pid <= 0 || maker_alive(pid, start))
            continue;
        _cleanup_close_ int dir = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir >= 0 && kill_and_remove(dir, e->d_name) == 0)
            swept++;
    }
    closedir(d);
    if (swept)
        log_info("cgroup: removed %u cgroup(s) of isolated children whose zygote or app is gone, and what was in them",
                 swept);
}
