/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The zygote side (protocol in src/runner/zygote_proto.h): a single-threaded server
 * that forks children.  One child of each kind in use is forked ahead of need
 * and given to the app, which hands it work straight from the calling thread:
 * a start costs one message to the child, not a fork nor a round trip through
 * the zygote.  While starts of a kind come back to back (a batch), more are
 * kept, up to the app's max_spares, and each one taken is replaced at once,
 * so that several build in parallel with the children that run.  An
 * isolated spare is created in its namespaces with its maps written,
 * prepares the system part of its root and lo, and then builds the rest of
 * its sandbox from the description of the app's last isolated start, so
 * that a start like it only has to load the library.
 *
 * This file is the zygote's loop and its pools of spares; what a child it
 * forked does until it has work is src/runner/zygote_child.c.  Runs in the
 * zygote, ncp-runner started by the app's library.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/syscall-compat.h"
#include "common/fd-util.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/pid_ring.h"
#include "orphans.h"
#include "runner.h"
#include "sandbox/parent/cgroup.h"
#include "sandbox/parent/userns.h"
#include "common/wait-status.h"
#include "zygote_proto.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

#define CTL NCP_LAUNCH_FD

/* A spare, a child forked ahead of need (the app's record of it is its
 * struct ncp_spare, src/app/zygote_client.c): until the app hands it work, its
 * pidfd (to see it die) and, while it is still ours, its work socket. */
struct spare {
    pid_t pid;
    int pidfd;
    int sock;
};

/* The spares the app holds of one kind, oldest first: one while starts of
 * the kind come now and then, up to spares_max in a batch. */
struct pool {
    struct spare s[NCP_ZYG_SPARES_MAX];
    size_t n;
    unsigned target;         /* how many to keep */
    long long last_start_ms; /* the kind's last start (TAKEN, or SPAWN with the app's ids) */
};
/* Starts of a kind closer than BATCH_MS are a batch; IDLE_MS after its last
 * start a batch is over, and the extra spares are retired (end_batches()). */
#define BATCH_MS 50
#define IDLE_MS 1000
static struct pool pools[2]; /* normal, isolated */
static unsigned spares_max = 1; /* HELLO: max_spares */
static bool isolated_in_use; /* offer isolated spares only once the app uses isolated children */
static bool preloaded;
static bool autoreap;        /* the kernel reaps our children; the app reads their ends from pidfds */
static bool use_cgroups;     /* each isolated child in a cgroup of its own (src/sandbox/parent/cgroup.c) */
static char *arg_start;      /* the argv area, rewritten with each child's name (/proc/PID/cmdline) */
static size_t arg_len;
static int sig_fd = -1;
static pid_t self;
/* The next spare is forked once the last child handed work has ended or had
 * REFILL_DELAY_MS to itself: forking (and creating namespaces) right away
 * would compete with that child for the CPU and the kernel's namespace locks
 * while it starts. */
#define REFILL_DELAY_MS 20
static bool refill_pending;
static int refill_after = -1; /* pidfd of the last child handed work, or -1 */
static long long refill_deadline_ms;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void schedule_refill(int after_pidfd)
{
    if (after_pidfd >= 0) {
        safe_close(refill_after);
        refill_after = after_pidfd;
    }
    refill_pending = true;
    refill_deadline_ms = now_ms() + REFILL_DELAY_MS;
}

static void send_msg(int fd, const struct ncp_zygote_msg *m, int pass_fd)
{
    int r = send_with_fds(fd, m, sizeof(*m), pass_fd >= 0 ? &pass_fd : NULL, pass_fd >= 0 ? 1 : 0);
    if (r < 0 && r != -EPIPE)
        log_warn("zygote: cannot answer the app: %s", strerror(-r));
}

static void preload(const char *paths, size_t len)
{
    for (const char *p = paths; p < paths + len && *p; p += strlen(p) + 1)
        if (!dlopen(p, RTLD_NOW | RTLD_GLOBAL))
            log_debug("zygote: preloading %s failed: %s", p, dlerror());
}

/* Forks a child that waits for work; *w gets its pid, pidfd and work socket.
 * prepare: it gets a "maps written" message first and prepares its sandbox. */
static int fork_waiting(bool isolated, bool prepare, struct spare *w)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return -errno;
    int pidfd = -1;
    struct ncp_clone_args args = {
        .flags = CLONE_PIDFD, .pidfd = (uint64_t)(uintptr_t)&pidfd, .exit_signal = SIGCHLD,
    };
    if (isolated)
        args.flags |= CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS;
    /* Without one the child is still contained by the network namespace
     * sweep (src/runner/orphans.c). */
    struct ncp_cgroup cg = NCP_CGROUP_NONE;
    int cr = isolated && use_cgroups ? ncp_cgroup_create(&cg) : -EOPNOTSUPP;
    if (cr < 0 && cr != -EOPNOTSUPP)
        log_debug("zygote: no cgroup for an isolated child: %s", strerror(-cr));
    bool placed;
    long pid = ncp_clone3_into(&args, cg.fd, &placed);
    if (pid == 0) {
        /* Only the work socket survives, at fd 3: not the control socket,
         * nor other waiting children's sockets. */
        if (dup2(sv[1], NCP_LAUNCH_FD) < 0)
            _exit(125);
        if (syscall(SYS_close_range, NCP_LAUNCH_FD + 1, ~0U, 0) < 0)
            for (int fd = NCP_LAUNCH_FD + 1; fd < 4096; fd++)
                close(fd);
        ncp_zygote_child_wait_for_work(self, arg_start, arg_len, prepare);
    }
    int e = errno;
    close(sv[1]);
    if (pid < 0) {
        close(sv[0]);
        ncp_cgroup_destroy(&cg);
        return -e;
    }
    /* Not born in it: moved before it gets its maps or its work, so
     * before anything of its own runs. */
    if (cg.fd >= 0 && !placed && (cr = ncp_cgroup_attach(&cg, (pid_t)pid)) < 0) {
        log_debug("zygote: isolated child pid %d runs outside its cgroup: %s", (int)pid, strerror(-cr));
        ncp_cgroup_destroy(&cg);
    }
    *w = (struct spare){ .pid = (pid_t)pid, .pidfd = pidfd, .sock = sv[0] };
    if (isolated)
        ncp_orphans_track(w->pid, pidfd, &cg);
    return 0;
}

static void drop(struct spare *w)
{
    w->sock = safe_close(w->sock);
    w->pidfd = safe_close(w->pidfd);
    w->pid = 0;
}

/* Children killed before the app learnt their pid (a spare whose offer
 * failed, a child whose start failed): without autoreap their ends are not
 * reported, or the app would keep them for a child that gets the pid next. */
NCP_PID_RING(unborn, 16);

static void kill_unborn(pid_t pid)
{
    kill(pid, SIGKILL);
    ncp_pid_ring_put(&unborn, pid);
}

/* Forgets the pool's spare i (closing what is left of it), keeping the order. */
static void pool_remove(struct pool *pl, size_t i)
{
    drop(&pl->s[i]);
    memmove(&pl->s[i], &pl->s[i + 1], (pl->n - i - 1) * sizeof(pl->s[0]));
    pl->n--;
}

static struct spare *pool_find(struct pool *pl, pid_t pid, size_t *at)
{
    for (size_t i = 0; pid > 0 && i < pl->n; i++)
        if (pl->s[i].pid == pid) {
            *at = i;
            return &pl->s[i];
        }
    return NULL;
}

/* The spare whose pidfd is `pidfd` ended while it waited (if reap() has
 * not dropped it already): forget it, and fork the next. */
static void spare_ended(int pidfd)
{
    for (size_t k = 0; k < ARRAY_SIZE(pools); k++)
        for (size_t i = 0; i < pools[k].n; i++)
            if (pools[k].s[i].pidfd == pidfd) {
                pool_remove(&pools[k], i);
                if (!refill_pending)
                    schedule_refill(-1);
                return;
            }
}

/* A start of the pool's kind.  In a batch one more spare is kept (up to
 * spares_max), and the caller forks the missing ones at once: they build
 * in parallel with the children that run, instead of one at a time after
 * each child ended.  Returns whether it is a batch. */
static bool note_start(struct pool *pl)
{
    long long now = now_ms();
    bool batch = pl->last_start_ms && now - pl->last_start_ms < BATCH_MS;
    pl->last_start_ms = now;
    if (batch && pl->target < spares_max)
        pl->target++;
    return batch;
}

/* IDLE_MS after a batch's last start, back to one spare (-1: no batch). */
static long long batch_end_ms(const struct pool *pl)
{
    return pl->target > 1 || pl->n > 1 ? pl->last_start_ms + IDLE_MS : -1;
}

static void end_batches(void)
{
    for (size_t k = 0; k < ARRAY_SIZE(pools); k++) {
        struct pool *pl = &pools[k];
        long long end = batch_end_ms(pl);
        if (end < 0 || now_ms() < end)
            continue;
        pl->target = spares_max ? 1 : 0;
        /* The newest go (the oldest may have built their sandbox).  The app
         * ends them, not we: it may be handing one work at this moment. */
        while (pl->n > pl->target) {
            struct spare *w = &pl->s[pl->n - 1];
            struct ncp_zygote_msg m = { .magic = NCP_ZYGOTE_MAGIC, .type = NCP_ZYG_RETIRED,
                                        .flags = k ? NCP_ZYG_ISOLATED : 0, .pid = w->pid };
            if (send_with_fds(CTL, &m, sizeof(m), NULL, 0) < 0)
                kill(w->pid, SIGKILL);
            pool_remove(pl, pl->n - 1);
        }
    }
}

/* Reaps every ended child.  Without autoreap the app learns of each end from
 * an EXITED message; with it, from the child's pidfd once it is reaped. */
static void reap_zombies(void)
{
    for (;;) {
        siginfo_t info;
        memset(&info, 0, sizeof(info));
        if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG) < 0 || info.si_pid == 0)
            return;
        for (size_t k = 0, at; k < ARRAY_SIZE(pools); k++)
            if (pool_find(&pools[k], info.si_pid, &at)) {
                pool_remove(&pools[k], at);
                schedule_refill(-1);
            }
        if (autoreap || ncp_pid_ring_take(&unborn, info.si_pid))
            continue;
        struct ncp_zygote_msg m = { .magic = NCP_ZYGOTE_MAGIC, .type = NCP_ZYG_EXITED,
                                    .pid = info.si_pid, .value = ncp_wait_status(&info) };
        send_msg(CTL, &m, -1);
    }
}

static void reap(void)
{
    struct signalfd_siginfo si;
    while (read(sig_fd, &si, sizeof(si)) == sizeof(si))
        ;
    reap_zombies();
}

/* Writes a child's id maps.  The id-map helpers (newuidmap) are our children
 * too and must be waited for: reaping by the kernel pauses meanwhile, and
 * whatever ended in that window is reaped right after. */
static int apply_maps(pid_t pid, const struct ncp_idmap *plan)
{
    struct sigaction plain = { .sa_handler = SIG_DFL }, nocldwait = { .sa_handler = SIG_DFL, .sa_flags = SA_NOCLDWAIT };
    if (autoreap)
        sigaction(SIGCHLD, &plain, NULL);
    int r = ncp_userns_apply(pid, plan);
    if (autoreap) {
        sigaction(SIGCHLD, &nocldwait, NULL);
        reap_zombies();
    }
    return r;
}

/* Forks a spare of one kind and gives it to the app: its pidfd and work
 * socket.  The zygote keeps the pidfd, to see it die or end after it got work. */
static int offer(bool isolated)
{
    struct pool *pl = &pools[isolated];
    if (pl->n >= ARRAY_SIZE(pl->s))
        return -ENOSPC;
    struct spare w = { .pidfd = -1, .sock = -1 };
    int r = fork_waiting(isolated, isolated, &w);
    if (r < 0)
        return r;
    if (isolated) {
        struct ncp_idmap plan;
        ncp_idmap_plain(&plan);
        if ((r = apply_maps(w.pid, &plan)) < 0 || (r = send_with_fds(w.sock, "maps", 5, NULL, 0)) < 0) {
            kill_unborn(w.pid);
            drop(&w);
            isolated_in_use = false; /* cannot prepare them: fork on demand, which reports why */
            return r;
        }
    }
    /* With our pid: the app checks that the spare is still ours when it
     * takes it (src/app/zygote_client.c, spare_orphaned()). */
    struct ncp_zygote_msg m = { .magic = NCP_ZYGOTE_MAGIC, .type = NCP_ZYG_SPARE,
                                .flags = isolated ? NCP_ZYG_ISOLATED : 0, .pid = w.pid, .value = (int32_t)self };
    /* An isolated child's mount namespace, for the app to hold: torn down
     * when the app lets go after the child's end, not on its exit path. */
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)w.pid);
    _cleanup_close_ int ns = isolated ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    const int fds[3] = { w.pidfd, w.sock, ns };
    r = send_with_fds(CTL, &m, sizeof(m), fds, ns >= 0 ? 3 : 2);
    /* The work socket is the app's now; if it never got it, the child sees
     * the socket close and ends. */
    w.sock = safe_close(w.sock);
    if (r < 0) {
        kill_unborn(w.pid);
        drop(&w);
        return r;
    }
    pl->s[pl->n++] = w;
    return 0;
}

/* Keeps each kind in use at its pool's target. */
static void refill(void)
{
    if (!preloaded)
        return;
    for (size_t k = 0; k < ARRAY_SIZE(pools); k++) {
        if (k == 1 && !isolated_in_use)
            continue;
        while (pools[k].n < pools[k].target && offer(k == 1) == 0)
            ;
    }
}

/* The app handed work to the spare `pid`: the next one comes once that
 * child ended or had a moment to itself, or at once in a batch. */
static void taken(const struct ncp_zygote_msg *m)
{
    struct pool *pl = &pools[(m->flags & NCP_ZYG_ISOLATED) != 0];
    size_t at;
    struct spare *w = pool_find(pl, m->pid, &at);
    if (!w)
        return;
    int pidfd = TAKE_FD(w->pidfd);
    pool_remove(pl, at);
    if (note_start(pl)) {
        safe_close(pidfd);
        refill();
    } else
        schedule_refill(pidfd);
}

/* A child forked on demand: the app has no spare of the kind, or the child
 * needs other ids than the app's. */
static void spawn(const struct ncp_zygote_msg *req, int launch_fd)
{
    const bool isolated = req->flags & NCP_ZYG_ISOLATED;
    struct ncp_zygote_msg reply = { .magic = NCP_ZYGOTE_MAGIC, .type = NCP_ZYG_FAILED };
    struct spare w = { .pidfd = -1, .sock = -1 };

    if (isolated)
        isolated_in_use = true;
    /* A start a spare could have served (the app's ids): demand. */
    bool batch = (!isolated || ncp_idmap_is_plain(&req->plan)) && note_start(&pools[isolated]);
    int r = fork_waiting(isolated, false, &w);
    if (r == 0 && isolated && (r = apply_maps(w.pid, &req->plan)) < 0) {
        kill_unborn(w.pid);
        drop(&w);
    }
    if (r < 0) {
        reply.value = -r;
        send_msg(launch_fd, &reply, -1);
        close(launch_fd);
        return;
    }
    log_debug("zygote: forked %s child pid %d for %s", isolated ? "isolated" : "normal", (int)w.pid, req->name);
    /* The work first, then the answer: a child that could not get its work
     * (it died, or the kernel refused the descriptor) is a start that
     * failed, not a child the app is told about and then sees killed.  The
     * app sends the spec only once it has the answer. */
    char name[NCP_ZYG_NAME_MAX];
    memcpy(name, req->name, sizeof(name));
    name[sizeof(name) - 1] = '\0';
    int hr = send_with_fds(w.sock, name, strlen(name) + 1, &launch_fd, 1);
    if (hr < 0) {
        log_warn("zygote: handing work to pid %d failed: %s", (int)w.pid, strerror(-hr));
        kill_unborn(w.pid);
        reply.value = -hr;
    } else {
        reply.type = NCP_ZYG_SPAWNED;
        reply.pid = w.pid;
    }
    send_msg(launch_fd, &reply, hr < 0 ? -1 : w.pidfd);
    close(launch_fd);
    if (batch)
        refill();
    else
        schedule_refill(TAKE_FD(w.pidfd));
    drop(&w);
}

/* HELLO: the app's settings, once; then the first spares. */
static void hello(const struct ncp_zygote_msg *req, const char *paths, size_t len)
{
    preload(paths, len);
    preloaded = true;
    spares_max = req->value >= 0 && req->value <= NCP_ZYG_SPARES_MAX ? (unsigned)req->value : 1;
    for (size_t k = 0; k < ARRAY_SIZE(pools); k++)
        pools[k].target = spares_max ? 1 : 0;
    if (req->flags & NCP_ZYG_CGROUP) {
        use_cgroups = true;
        ncp_cgroup_sweep_stale();
    }
    if (req->flags & NCP_ZYG_AUTOREAP) {
        struct sigaction nocldwait = { .sa_handler = SIG_DFL, .sa_flags = SA_NOCLDWAIT };
        autoreap = sigaction(SIGCHLD, &nocldwait, NULL) == 0;
        /* What our children leave behind comes to us, to be killed when it
         * is an isolated child's (src/runner/orphans.c).  Not without
         * autoreap: its end would be reported as a child's. */
        if (autoreap)
            ncp_orphans_enable();
    }
    refill();
}

/* One message from the app on the control socket. */
static void serve_request(void)
{
    char buf[NCP_ZYG_HELLO_MAX + sizeof(struct ncp_zygote_msg)];
    int fd = -1;
    size_t n_fds = 0;
    ssize_t n = recv_with_fds(CTL, buf, sizeof(buf), &fd, 1, &n_fds);
    if (n == 0 || (n < 0 && n != -EBADMSG && n != -EINTR)) {
        /* The app is gone; our children die with us (parent-death signal),
         * and so does all that isolated ones left behind. */
        ncp_orphans_kill_all();
        _exit(0);
    }
    struct ncp_zygote_msg req;
    memset(&req, 0, sizeof(req));
    if (n > 0)
        memcpy(&req, buf, (size_t)n < sizeof(req) ? (size_t)n : sizeof(req));
    bool ok = n > 0 && ncp_zygote_msg_ok(&req, (size_t)n, n_fds);
    if (ok && req.type == NCP_ZYG_HELLO && !preloaded)
        hello(&req, buf + NCP_ZYG_HEADER_SIZE, (size_t)n - NCP_ZYG_HEADER_SIZE);
    else if (ok && req.type == NCP_ZYG_SPAWN)
        spawn(&req, fd);
    else if (ok && req.type == NCP_ZYG_TAKEN)
        taken(&req);
    else if (n_fds)
        close(fd);
}

/* When poll() must return without an event: the pending refill's moment or
 * a batch's end, whichever comes first (-1: none). */
static int poll_timeout(void)
{
    long long wake = refill_pending ? refill_deadline_ms : -1;
    for (size_t k = 0; k < ARRAY_SIZE(pools); k++) {
        long long end = batch_end_ms(&pools[k]);
        if (end >= 0 && (wake < 0 || end < wake))
            wake = end;
    }
    long long left = wake >= 0 ? wake - now_ms() : -1;
    return wake >= 0 ? (int)(left > 0 ? left : 0) : -1;
}

_noreturn_ void ncp_zygote_serve(int argc, char **argv)
{
    self = getpid();
    arg_start = argv[0];
    arg_len = (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) + 1 - argv[0]);
    ncp_runner_state_announce(&ncp_runner_state);

    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    sig_fd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sig_fd < 0) {
        log_error("zygote: signalfd: %s", strerror(errno));
        _exit(125);
    }

    for (;;) {
        /* poll() skips the entries whose fd is -1.  The array holds only
         * the fds in use: poll() refuses more entries than RLIMIT_NOFILE,
         * which the app may have lowered. */
        static struct pollfd p[3 + ARRAY_SIZE(pools) * NCP_ZYG_SPARES_MAX + NCP_ORPHANS_MAX];
        p[0] = (struct pollfd){ .fd = CTL, .events = POLLIN };
        p[1] = (struct pollfd){ .fd = sig_fd, .events = POLLIN };
        p[2] = (struct pollfd){ .fd = refill_after, .events = POLLIN };
        /* Then every spare's pidfd, then the isolated children watched for
         * what they leave behind. */
        size_t n_spares = 3;
        for (size_t k = 0; k < ARRAY_SIZE(pools); k++)
            for (size_t i = 0; i < pools[k].n; i++)
                p[n_spares++] = (struct pollfd){ .fd = pools[k].s[i].pidfd, .events = POLLIN };
        struct pollfd *watched = p + n_spares;
        size_t n_watched = ncp_orphans_pollfds(watched, NCP_ORPHANS_MAX);
        if (poll(p, n_spares + n_watched, poll_timeout()) < 0) {
            if (errno == EINTR)
                continue;
            _exit(125);
        }
        ncp_orphans_ended(watched, n_watched);
        ncp_orphans_sweep_if_pending();
        if (p[1].revents)
            reap();
        /* A spare killed while the app held it: the app drops it when it
         * tries it, and gets a new one. */
        for (size_t j = 3; j < n_spares; j++)
            if (p[j].revents)
                spare_ended(p[j].fd);
        end_batches();
        if (refill_pending && (p[2].revents || now_ms() >= refill_deadline_ms)) {
            refill_pending = false;
            refill_after = safe_close(refill_after);
            refill();
        }
        if (p[0].revents)
            serve_request();
    }
}
