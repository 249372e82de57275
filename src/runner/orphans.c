/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Nothing an isolated child starts outlives it: the zygote's side, and
 * ncp-run's when it builds its one child itself (src/tools/oneshot.c).
 *
 * The zygote is a child subreaper: whatever a child leaves behind -- a
 * double-forked, setsid()'d process, the children of a process that died --
 * is reparented to the zygote, not to the host's init, whatever it does.
 * Every process an isolated child creates lives in that child's network
 * namespace (the child cannot create or join another), so the zygote tells
 * whose it is by that namespace: the inode of /proc/PID/net/dev, one per
 * network namespace, which unlike the links in /proc/PID/ns needs no ptrace access (a
 * process that made itself not dumpable is still told).  When an isolated
 * child ends (its pidfd, kept here, becomes readable), the zygote SIGKILLs
 * each of its own children that is in a network namespace other than its own
 * and than those of the isolated children still alive, waits for them to
 * die, and looks again (their children come to it next), until none is left.
 * When the app is gone, it does the same for every child before it exits.
 *
 * Where a cgroup v2 is ours to manage (src/sandbox/parent/cgroup.c), each isolated child
 * is also born in a cgroup of its own, which nothing it starts can leave:
 * when the child ends, cgroup.kill ends all that is in it at once, and the
 * directory goes; when the app is gone, every child's cgroup is killed the
 * same way.  The namespace sweep still runs after it (it then finds
 * nothing), and is what holds without a usable cgroup (unprivileged users
 * without a delegated tree, the usual case).
 *
 * Why not a PID namespace for the child's descendants: after
 * unshare(CLONE_NEWPID) the kernel refuses CLONE_THREAD, so the child could
 * no longer create threads (IPC children serve on one).
 *
 * Normal children's descendants share the zygote's network namespace: they are
 * the app's own code, and are left alone (as processes an app forks itself).
 * Only a process of the library's own can do this: an app in
 * NCP_SPAWN_MODE=exec (or on kernels without PIDFD_INFO_EXIT, where the
 * zygote's ends are not autoreaped) has no such process, and an isolated
 * child's descendants are not contained.  ncp-run is its own app: it makes
 * itself the subreaper and sweeps when its child has ended
 * (ncp_orphans_kill_all()), and its guard kills by network namespace what is
 * left when ncp-run itself is killed (ncp_orphans_kill_netns()).
 * Where a cgroup is in use, the library kills an exec'd child's cgroup
 * (src/app/child_end.c), which contains its descendants in exec mode too.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"
#include "orphans.h"
#include "sandbox/parent/cgroup.h"
#include "common/syscall-compat.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

struct tracked {
    pid_t pid;
    int pidfd;
    ino_t netns;            /* 0: not known (only its cgroup is watched) */
    struct ncp_cgroup cgroup;
};

static struct tracked tracked[NCP_ORPHANS_MAX];
static size_t n_tracked;
static bool enabled;
static ino_t own_netns;
static bool sweep_pending;

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* The network namespace pid is in, as a number. */
int ncp_orphans_netns_of(pid_t pid, ino_t *ino)
{
    char path[64];
    struct stat st;
    snprintf(path, sizeof(path), "/proc/%d/net/dev", (int)pid);
    if (stat(path, &st) < 0)
        return -errno;
    *ino = st.st_ino;
    return 0;
}

void ncp_orphans_enable(void)
{
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0 || ncp_orphans_netns_of(getpid(), &own_netns) < 0) {
        log_warn("cannot become the reaper of what children leave behind: %s; an isolated child's "
                 "descendants may outlive it",
                 strerror(errno));
        return;
    }
    enabled = true;
}

void ncp_orphans_track(pid_t pid, int pidfd, struct ncp_cgroup *cg)
{
    if (!enabled && cg->fd < 0)
        return;
    ino_t ino = 0;
    int fd = n_tracked < NCP_ORPHANS_MAX ? fcntl(pidfd, F_DUPFD_CLOEXEC, 3) : -1;
    if (fd < 0 || (enabled && ncp_orphans_netns_of(pid, &ino) < 0 && cg->fd < 0)) {
        /* Not watched: its descendants are found when the next isolated
         * child ends (they are in no live child's namespace then), and its
         * cgroup, if it has one, is removed once the zygote is gone
         * (ncp_cgroup_sweep_stale()). */
        log_warn("cannot watch isolated child pid %d for what it leaves behind", (int)pid);
        safe_close(fd);
        ncp_cgroup_forget(cg);
        return;
    }
    tracked[n_tracked++] = (struct tracked){ .pid = pid, .pidfd = fd, .netns = ino, .cgroup = *cg };
    *cg = NCP_CGROUP_NONE;
}

size_t ncp_orphans_pollfds(struct pollfd *p, size_t max)
{
    size_t n = 0;
    for (; n < n_tracked && n < max; n++)
        p[n] = (struct pollfd){ .fd = tracked[n].pidfd, .events = POLLIN };
    return n;
}

void ncp_orphans_ended(const struct pollfd *p, size_t n)
{
    /* p[i] was tracked[i] when the poll began; nothing was added since. */
    for (size_t i = n; i-- > 0;)
        if (p[i].revents && i < n_tracked && tracked[i].pidfd == p[i].fd) {
            close(tracked[i].pidfd);
            ncp_cgroup_destroy(&tracked[i].cgroup);
            tracked[i] = tracked[--n_tracked];
            sweep_pending = enabled;
        }
}

/* This process's children. */
static size_t children(pid_t *out, size_t max)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)getpid(), (int)getpid());
    FILE *f = fopen(path, "re");
    size_t n = 0;
    int pid;
    while (f && n < max && fscanf(f, "%d", &pid) == 1)
        out[n++] = pid;
    if (f)
        fclose(f);
    return n;
}

static bool owned_by_live_child(pid_t pid, ino_t ino)
{
    for (size_t i = 0; i < n_tracked; i++)
        if (tracked[i].pid == pid || (tracked[i].netns && tracked[i].netns == ino))
            return true;
    return false;
}

/* The processes of the machine in network namespace netns. */
static size_t processes_in(ino_t netns, pid_t *out, size_t max)
{
    DIR *d = opendir("/proc");
    size_t n = 0;
    for (struct dirent *e; d && n < max && (e = readdir(d));) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        ino_t ino = 0;
        if (pid > 0 && !*end && ncp_orphans_netns_of((pid_t)pid, &ino) == 0 && ino == netns)
            out[n++] = (pid_t)pid;
    }
    if (d)
        closedir(d);
    return n;
}

#define SWEEP_BATCH 4096
#define SWEEP_PASSES 64

/* Which of the processes a pass finds to kill. */
enum sweep_what {
    SWEEP_ENDED,    /* our children in the namespace of no live isolated child */
    SWEEP_FOREIGN,  /* our children in any network namespace but ours */
    SWEEP_NETNS,    /* any process of the machine in the given namespace */
};

static unsigned sweep(enum sweep_what what, ino_t netns)
{
    _cleanup_free_ pid_t *kids = malloc(SWEEP_BATCH * sizeof(pid_t));
    _cleanup_free_ struct pollfd *dying = malloc(SWEEP_BATCH * sizeof(struct pollfd));
    if (!kids || !dying)
        return 0;
    unsigned killed = 0;
    for (int pass = 0; pass < SWEEP_PASSES; pass++) {
        size_t n = what == SWEEP_NETNS ? processes_in(netns, kids, SWEEP_BATCH) : children(kids, SWEEP_BATCH), n_dying = 0;
        for (size_t i = 0; i < n; i++) {
            ino_t ino = 0;
            /* Gone, or a normal child's (the app's own code): left alone. */
            if (ncp_orphans_netns_of(kids[i], &ino) < 0 || ino == own_netns)
                continue;
            if (what == SWEEP_NETNS && ino != netns)
                continue;
            if (what == SWEEP_ENDED && owned_by_live_child(kids[i], ino))
                continue;
            int fd = (int)syscall(SYS_pidfd_open, kids[i], 0);
            if (fd < 0)
                continue;
            if (ncp_pidfd_kill(fd, kids[i], SIGKILL) < 0) {
                close(fd);
                continue;
            }
            dying[n_dying++] = (struct pollfd){ .fd = fd, .events = POLLIN };
        }
        if (!n_dying)
            break;
        killed += (unsigned)n_dying;
        /* Their children are reparented to us once they are dead.  Ours are
         * collected (no zombies while ncp-run lives on; the zygote's are
         * autoreaped, and this fails with ECHILD). */
        for (size_t i = 0; i < n_dying; i++) {
            (void)poll(&dying[i], 1, 1000);
            (void)waitid((idtype_t)P_PIDFD, (id_t)dying[i].fd, &(siginfo_t){ 0 }, WEXITED | WNOHANG | __WALL);
            close(dying[i].fd);
        }
    }
    if (killed)
        log_info("killed %u process(es) that isolated children left behind", killed);
    return killed;
}

void ncp_orphans_sweep_if_pending(void)
{
    if (!enabled || !sweep_pending)
        return;
    sweep_pending = false;
    sweep(SWEEP_ENDED, 0);
}

void ncp_orphans_kill_all(void)
{
    for (size_t i = 0; i < n_tracked; i++)
        ncp_cgroup_destroy(&tracked[i].cgroup);
    if (!enabled)
        return;
    sweep(SWEEP_FOREIGN, 0);
}

unsigned ncp_orphans_kill_netns(ino_t netns)
{
    if (ncp_orphans_netns_of(getpid(), &own_netns) < 0 || netns == own_netns)
        return 0;
    return sweep(SWEEP_NETNS, netns);
}
