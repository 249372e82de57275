/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Whether this machine offers a cgroup v2 in which isolated children could
 * get memory.max, pids.max and cpu.max: the process's own cgroup v2
 * (/proc/self/cgroup "0::PATH", under the cgroup2 mount of
 * /proc/self/mountinfo) must have the memory, pids and cpu controllers
 * (cgroup.controllers) and be writable by us (delegated, or root).
 *
 * Only the probe is here: per-child cgroups (CLONE_INTO_CGROUP, a systemd
 * transient scope) are not implemented, so a usable tree is reported as such
 * and nothing is faked; the limits in force are the rlimits, the tmpfs caps
 * and the user-namespace ucounts (src/sandbox_limits.c).  Read by the library
 * (one log line at the first isolated start) and by `ncp-run --doctor`.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "sandbox.h"

static const char *const wanted[] = { "memory", "pids", "cpu" };

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

void ncp_cgroup_probe(struct ncp_cgroup_info *out)
{
    *out = (struct ncp_cgroup_info){ 0 };
    char mp[PATH_MAX], path[PATH_MAX];
    if (cgroup2_mount(mp, sizeof(mp)) < 0) {
        snprintf(out->why, sizeof(out->why), "no cgroup v2 filesystem is mounted");
        return;
    }
    if (own_cgroup(path, sizeof(path)) < 0) {
        snprintf(out->why, sizeof(out->why), "this process is in no cgroup v2 (no \"0::\" line in /proc/self/cgroup)");
        return;
    }
    snprintf(out->dir, sizeof(out->dir), "%.2000s%.2000s", mp, strcmp(path, "/") == 0 ? "" : path);
    char file[PATH_MAX + 32], controllers[512] = "";
    snprintf(file, sizeof(file), "%s/cgroup.controllers", out->dir);
    _cleanup_close_ int fd = open(file, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, controllers, sizeof(controllers) - 1) : -1;
    if (n < 0) {
        snprintf(out->why, sizeof(out->why), "cannot read %.300s: %s", file, strerror(errno));
        return;
    }
    controllers[n] = '\0';
    controllers[strcspn(controllers, "\n")] = '\0';
    char missing[64] = "";
    bool v1 = false;
    for (size_t i = 0; i < ARRAY_SIZE(wanted); i++)
        if (!has_word(controllers, wanted[i])) {
            snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%s", missing[0] ? ", " : "",
                     wanted[i]);
            v1 |= on_v1(wanted[i]);
        }
    if (missing[0]) {
        snprintf(out->why, sizeof(out->why), "the cgroup v2 at %.200s has no %s controller%s (\"%.60s\")%s", out->dir,
                 missing, strchr(missing, ',') ? "s" : "", controllers,
                 v1 ? "; they are on cgroup v1 hierarchies" : "");
        return;
    }
    snprintf(file, sizeof(file), "%s/cgroup.subtree_control", out->dir);
    if (access(out->dir, W_OK) < 0 || access(file, W_OK) < 0) {
        snprintf(out->why, sizeof(out->why), "the cgroup v2 at %.200s has memory, pids and cpu but is not delegated to "
                                             "uid %u (not writable)",
                 out->dir, (unsigned)geteuid());
        return;
    }
    out->usable = true;
    snprintf(out->why, sizeof(out->why), "the cgroup v2 at %.200s has memory, pids and cpu and is writable; "
                                         "per-child cgroups are not implemented yet",
             out->dir);
}

static pthread_once_t logged = PTHREAD_ONCE_INIT;

static void log_once(void)
{
    struct ncp_cgroup_info info;
    ncp_cgroup_probe(&info);
    log_info("limits: no cgroup limits for isolated children (%s); rlimits, tmpfs caps and user-namespace limits hold",
             info.why);
}

void ncp_cgroup_log_once(void)
{
    /* The probe reads a handful of files: only for the line. */
    if (!ncp_log_enabled(NCP_LOG_INFO))
        return;
    pthread_once(&logged, log_once);
}
