/* SPDX-License-Identifier: Apache-2.0 */
/* The supervisor thread: one per process (not one per child), it watches every
 * child (reports on launch sockets, ends from the zygote or pidfds), runs exit
 * callbacks and IPC start results, and creates the children that are exec'd
 * directly (NCP_SPAWN_MODE=exec), so their parent-death signal is tied to a
 * thread that lives as long as the process. */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/closer.h"
#include "end_status.h"
#include "common/log.h"
#include "common/macro.h"
#include "supervisor.h"
#include "common/wait-status.h"
#include "common/syscall-compat.h"
#include "zygote_client.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
/* Linux 6.16: with it off, a sender's SCM_RIGHTS to the socket fails (EPERM).
 * The generic value; the architectures that number socket options their own
 * way (alpha, mips, parisc, sparc) are not targets of this library. */
#ifndef SO_PASSRIGHTS
#define SO_PASSRIGHTS 83
#endif

/* epoll tags in the low two bits of the child pointer (malloc aligns it to 16) */
#define TAG_PIDFD 0u
#define TAG_LAUNCH 1u
#define TAG_STDOUT 2u
#define TAG_STDERR 3u
#define TAG_MASK 3u
#define WAKE_KEY UINT64_MAX
#define ZYGOTE_KEY (UINT64_MAX - 2)

struct spawn_job {
    struct spawn_job *next;
    struct ncp_child *child;
    const struct ncp_spawn_params *params;
    pid_t pid;
    int result;
    bool done;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;  /* registry + job queue */
static pthread_cond_t job_done = PTHREAD_COND_INITIALIZER;
static struct ncp_child *children;     /* live children, guarded by lock */
static unsigned n_ipc_children;        /* guarded by lock */
static struct spawn_job *jobs;         /* guarded by lock */
static pthread_t thread;
static bool thread_started;            /* guarded by lock */
static int epfd = -1, wakefd = -1;
static int zygote_fd = -1;             /* the zygote's control socket, read here only; guarded by lock */

/* Ends the zygote reported before the requesting thread adopted the child;
 * guarded by lock. */
#define N_EARLY 256
static struct { pid_t pid; int status; } early[N_EARLY];
static unsigned early_next;
/* Spares let go without work whose end has not come yet (ncp_supervisor_disown());
 * guarded by lock. */
#define N_DISOWNED 64
static pid_t disowned[N_DISOWNED];
static unsigned disowned_next;
/* Adopted children whose end was already known, to be ended on this thread. */
static struct ncp_child *pending_ends; /* guarded by lock */
/* Children no longer live but not yet freed: their end is being handled, or
 * a waiter took it from the pidfd before the supervisor saw it, or a waiter
 * still polls a copy of the pidfd.  Only the supervisor thread's stack, its
 * epoll or a waiter would hold them otherwise: this list keeps them within
 * reach of a fork()ed copy of the app (atfork_child() frees them) and of leak
 * checkers.  Guarded by lock. */
static struct ncp_child *detached;

/* The side lists a child is on for a while (detached, io_waiting): a flag
 * in the child says whether it is, and `link` (offsetof) names the field the
 * list goes through. */
#define LINK(c, link) (*(struct ncp_child **)((char *)(c) + (link)))

static void side_add(struct ncp_child **list, struct ncp_child *c, bool *on, size_t link)
{
    if (*on)
        return;
    *on = true;
    LINK(c, link) = *list;
    *list = c;
}

static void side_remove(struct ncp_child **list, struct ncp_child *c, bool *on, size_t link)
{
    if (!*on)
        return;
    for (struct ncp_child **p = list; *p; p = &LINK(*p, link))
        if (*p == c) {
            *p = LINK(c, link);
            break;
        }
    *on = false;
}

/* Must hold lock. */
static void detach(struct ncp_child *c)
{
    side_add(&detached, c, &c->detached, offsetof(struct ncp_child, next_detached));
}

/* Must hold lock. */
static void undetach(struct ncp_child *c)
{
    side_remove(&detached, c, &c->detached, offsetof(struct ncp_child, next_detached));
}
static pid_t owner_pid;                /* the process the supervisor belongs to (fork detection) */
/* Children whose output waits for the app's stdout or stderr (child_stdio.h),
 * alive or ended (then their end is reported once it is out).  Supervisor
 * thread only. */
static struct ncp_child *io_waiting;

/* Ends of recent children, for NCP_WaitChildProcess(); guarded by lock. */
#define N_ENDED 1024 /* twice the per-app limit: every live child of a process fits */
static struct { pid_t pid; int status; } ended[N_ENDED];
static unsigned ended_next;
static pthread_cond_t child_ended_cond = PTHREAD_COND_INITIALIZER;

uint64_t ncp_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static bool on_supervisor_thread(void)
{
    return thread_started && pthread_equal(pthread_self(), thread);
}

static void forget_unwatched(struct ncp_child *c);

bool ncp_supervisor_is_current(void) { return on_supervisor_thread(); }

/* The launch and IPC sockets may still queue descriptors the child sent, and
 * the last close of a mount namespace tears it down: closer threads close
 * them (closer.h), so that no other child waits for this one's teardown.  A
 * fork()ed copy of the app closes them itself (now). */
void ncp_child_free_as(struct ncp_child *c, int (*closer)(int))
{
    forget_unwatched(c);
    ncp_cgroup_forget(&c->cgroup);
    c->slot_fd = safe_close(c->slot_fd);
    c->pidfd = safe_close(c->pidfd);
    c->launch_fd = closer(c->launch_fd);
    c->ipc_fd = closer(c->ipc_fd);
    c->ns_fd = closer(c->ns_fd);
    c->stdio.fd[NCP_STDIO_OUT] = safe_close(c->stdio.fd[NCP_STDIO_OUT]);
    c->stdio.fd[NCP_STDIO_ERR] = safe_close(c->stdio.fd[NCP_STDIO_ERR]);
    ncp_child_stdio_release(&c->stdio);
    free(c);
}

static void child_free(struct ncp_child *c) { ncp_child_free_as(c, ncp_close_later); }

/* Must hold lock.  The child ended: its slot is free for the app's next
 * start before anyone is told of the end. */
static void release_slot(struct ncp_child *c)
{
    ncp_slot_clear(c->slot_fd); /* no longer listed (OH_Ability_AcquireChildProcessInfos()) */
    c->slot_fd = safe_close(c->slot_fd);
}

/* Must hold lock. */
static void registry_remove(struct ncp_child *c)
{
    for (struct ncp_child **p = &children; *p; p = &(*p)->next)
        if (*p == c) {
            *p = c->next;
            break;
        }
    if (c->ipc_counted) {
        n_ipc_children--;
        c->ipc_counted = false;
    }
}

/* Args children whose launch socket this thread does not watch; see
 * ncp_supervisor_adopt(). */
#define MAX_UNWATCHED 32
static unsigned n_unwatched;

static void forget_unwatched(struct ncp_child *c)
{
    if (c->launch_unwatched) {
        c->launch_unwatched = false;
        __atomic_sub_fetch(&n_unwatched, 1, __ATOMIC_RELAXED);
    }
}

static void close_launch(struct ncp_child *c)
{
    forget_unwatched(c);
    if (c->launch_fd < 0)
        return;
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->launch_fd, NULL);
    c->launch_fd = ncp_close_later(c->launch_fd);
}

/* After the start, nothing the app expects on a launch socket carries a
 * descriptor (the zygote's pidfd came before): refuse them in the kernel,
 * where it can (a child sending one gets EPERM).  drain_reports() still
 * takes whatever came before. */
static void refuse_fds(int fd)
{
    int zero = 0;
    if (fd >= 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_PASSRIGHTS, &zero, sizeof(zero));
}

static void handle_report(struct ncp_child *c, const struct ncp_report *r)
{
    c->report = *r;
    c->have_report = true;
    if (r->stage == NCP_STAGE_RUNNING && c->kind == NCP_KIND_IPC && strcmp(r->detail, "entering") == 0) {
        /* The callback waits for "running" (its MainProc is ready). */
        c->entering_main = true;
        return;
    }
    if (r->stage == NCP_STAGE_RUNNING) {
        log_child_debug(c->name, c->pid, " is running");
        if (c->kind == NCP_KIND_IPC)
            ncp_ipc_child_started(c);
        return;
    }
    if (ncp_log_enabled(NCP_LOG_INFO)) {
        /* The detail is the child's text: escaped, so it cannot forge lines. */
        char detail[NCP_LOG_CHILD_TEXT_MAX];
        ncp_log_escape(r->detail, sizeof(r->detail), detail, sizeof(detail));
        log_child_info(c->name, c->pid, " failed at stage %s%s%s; the child reports: \"%s\"",
                 ncp_stage_name(r->stage), r->error ? ": " : "", r->error ? strerror(r->error) : "", detail);
    }
    if (c->kind == NCP_KIND_IPC)
        ncp_ipc_child_failed(c, ncp_stage_info(r->stage)->ipc_code);
}

/* Receives report bytes.  Descriptors have no place in a report: they are
 * taken with room for the most a message can carry (with less, the kernel
 * would close the excess itself, on this thread, and a lingering socket
 * would block it) and handed to a closer. */
static ssize_t recv_report_bytes(struct ncp_child *c)
{
    union {
        char buf[CMSG_SPACE(sizeof(int) * 253)]; /* SCM_MAX_FD */
        struct cmsghdr align;
    } control;
    struct iovec iov = { .iov_base = c->rbuf + c->rlen, .iov_len = sizeof(c->rbuf) - c->rlen };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                          .msg_controllen = sizeof(control.buf) };
    ssize_t n = recvmsg(c->launch_fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0)
        return -errno;
    size_t n_fds = 0;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
            continue;
        size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < k; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
            ncp_discard_fd(fd);
        }
        n_fds += k;
    }
    if (n_fds)
        log_child_warn(c->name, c->pid, " sent %zu descriptor(s) on its launch socket; closed",
                 n_fds);
    return n;
}

/* Reads whatever reports the child has sent; closes the socket at EOF or on garbage. */
/* A runner sends at most three reports in its life ("entering", "running",
 * or the stage it failed at).  More is a child flooding the supervisor
 * thread and the app's log: the rest of its launch socket is not read. */
#define NCP_MAX_REPORTS 16

static void drain_reports(struct ncp_child *c)
{
    while (c->launch_fd >= 0) {
        ssize_t n = recv_report_bytes(c);
        if (n == -EINTR)
            continue;
        if (n == -EAGAIN || n == -EWOULDBLOCK)
            return;
        if (n <= 0) {
            close_launch(c);
            return;
        }
        c->rlen += (size_t)n;
        if (c->rlen < sizeof(c->rbuf))
            continue;
        struct ncp_report r;
        memcpy(&r, c->rbuf, sizeof(r));
        c->rlen = 0;
        if (ncp_report_check(&r) < 0) {
            log_child_warn(c->name, c->pid, " sent a malformed launch report; ignoring the rest");
            close_launch(c);
            return;
        }
        if (++c->n_reports > NCP_MAX_REPORTS) {
            log_child_warn(c->name, c->pid, " sent more than %d launch reports; ignoring the rest",
                     NCP_MAX_REPORTS);
            close_launch(c);
            return;
        }
        handle_report(c, &r);
    }
}

static void close_stdio(struct ncp_child *c, enum ncp_stdio_stream which)
{
    if (c->stdio.fd[which] < 0)
        return;
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->stdio.fd[which], NULL);
    c->stdio.fd[which] = safe_close(c->stdio.fd[which]); /* a pipe: closing never waits */
}

static void io_wait(struct ncp_child *c)
{
    side_add(&io_waiting, c, &c->io_waiting, offsetof(struct ncp_child, next_io));
}

static void io_unwait(struct ncp_child *c)
{
    side_remove(&io_waiting, c, &c->io_waiting, offsetof(struct ncp_child, next_io));
}

/* Stops or resumes reading a pipe whose output waits for the app's fd. */
static void pause_stdio(struct ncp_child *c, enum ncp_stdio_stream which, bool pause)
{
    struct epoll_event ev = { .events = pause ? 0 : EPOLLIN,
                              .data.u64 = (uint64_t)(uintptr_t)c | (which == NCP_STDIO_OUT ? TAG_STDOUT : TAG_STDERR) };
    if (c->stdio.fd[which] >= 0)
        epoll_ctl(epfd, EPOLL_CTL_MOD, c->stdio.fd[which], &ev);
    c->stdio_paused[which] = pause;
}

/* The child wrote to its stdout or stderr: a bounded share of it now, so
 * that a flooding child does not keep this thread from the others. */
static void drain_stdio(struct ncp_child *c, enum ncp_stdio_stream which)
{
    int r = ncp_child_stdio_drain(&c->stdio, which, c->name, c->pid, NCP_STDIO_READ_MAX, ncp_now_ms());
    if (r == NCP_STDIO_EOF)
        close_stdio(c, which);
    else if (r == NCP_STDIO_STUCK) {
        pause_stdio(c, which, true);
        io_wait(c);
    }
}

static void child_end_report(struct ncp_child *c, int status);

/* Tries again the output that waits for the app's fds, and reports the ends
 * that waited for it; returns the epoll timeout (-1: nothing waits). */
static int retry_io(void)
{
    uint64_t now = ncp_now_ms();
    for (struct ncp_child *c = io_waiting, *next; c; c = next) {
        next = c->next_io;
        if (c->ending) {
            if (ncp_child_stdio_finish(&c->stdio, c->name, c->pid, now) == NCP_STDIO_STUCK)
                continue;
            io_unwait(c);
            close_stdio(c, NCP_STDIO_OUT);
            close_stdio(c, NCP_STDIO_ERR);
            child_end_report(c, c->end_status);
            continue;
        }
        for (int w = NCP_STDIO_OUT; w <= NCP_STDIO_ERR; w++)
            if (c->stdio_paused[w] && ncp_child_stdio_retry(&c->stdio, w, c->name, c->pid, now) == NCP_STDIO_MORE)
                pause_stdio(c, w, false);
        if (!c->stdio_paused[NCP_STDIO_OUT] && !c->stdio_paused[NCP_STDIO_ERR])
            io_unwait(c);
    }
    return io_waiting ? NCP_STDIO_RETRY_MS : -1;
}

/* Must hold lock. */
static struct ncp_child *find_live(pid_t pid)
{
    for (struct ncp_child *c = children; c; c = c->next)
        if (c->pid == pid)
            return c;
    return NULL;
}

/* Must hold lock.  Takes the recorded end of pid; -ENOENT when none. */
static int take_ended(pid_t pid, int *status)
{
    for (unsigned i = 0; i < N_ENDED; i++)
        if (ended[i].pid == pid) {
            if (status)
                *status = ended[i].status;
            ended[i].pid = 0;
            return 0;
        }
    return -ENOENT;
}

/* Must hold lock.  Records the end of pid for NCP_WaitChildProcess(), as
 * the only entry of that pid: an older one belonged to an earlier child of
 * the same number, whose end nobody collected. */
static void record_end(pid_t pid, int status)
{
    (void)take_ended(pid, NULL);
    /* A live child with this number is a newer one; a wait for the pid is a
     * wait for that one. */
    if (find_live(pid))
        return;
    ended[ended_next % N_ENDED].pid = pid;
    ended[ended_next % N_ENDED].status = status;
    ended_next++;
}

/* The supervisor is done with c: frees it, unless a waiter still polls it
 * (on its own copy of the pidfd); then the last waiter frees it. */
static void child_release(struct ncp_child *c)
{
    pthread_mutex_lock(&lock);
    bool keep = c->waiters > 0;
    c->retired = true;
    if (!keep)
        undetach(c);
    pthread_mutex_unlock(&lock);
    if (!keep)
        child_free(c);
}

/* The limit a signal death means, when the signal says it: only the kernel's
 * rlimit checks send these two.  A SIGKILL could be RLIMIT_CPU's hard limit,
 * the OOM killer or anyone: the wall-time limit logs its own line. */
static const char *limit_of_signal(int sig)
{
    switch (sig) {
    case SIGXCPU: return ": it reached its CPU time limit (RLIMIT_CPU, limit \"cpu\")";
    case SIGXFSZ: return ": it wrote past its file size limit (RLIMIT_FSIZE, limit \"fsize\")";
    default: return "";
    }
}

/* A child's end, with its waitpid-style status, from waitid or the zygote. */
static void child_ended(struct ncp_child *c, int status)
{
    /* What it left behind dies before anyone hears of its end. */
    ncp_cgroup_destroy(&c->cgroup);
    drain_reports(c); /* a report sent just before exiting still counts */
    ncp_end_status_cancel(c);
    pthread_mutex_lock(&lock);
    registry_remove(c);
    release_slot(c);
    detach(c);
    /* Waiters see it ending (find_ending()) and wait for the record. */
    c->ending = true;
    c->end_status = status;
    pthread_mutex_unlock(&lock);
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->pidfd, NULL);
    close_launch(c);
    if (c->own_stdio) {
        /* All it wrote is in its pipes: out before anyone hears of its end.
         * What waits for a full app fd is tried again by retry_io(). */
        for (int w = NCP_STDIO_OUT; w <= NCP_STDIO_ERR; w++)
            if (c->stdio.fd[w] >= 0)
                epoll_ctl(epfd, EPOLL_CTL_DEL, c->stdio.fd[w], NULL);
        if (ncp_child_stdio_finish(&c->stdio, c->name, c->pid, ncp_now_ms()) == NCP_STDIO_STUCK) {
            io_wait(c);
            return;
        }
        io_unwait(c);
        close_stdio(c, NCP_STDIO_OUT);
        close_stdio(c, NCP_STDIO_ERR);
    }
    child_end_report(c, status);
}

/* The rest of a child's end, once its output is out: its log line, IPC
 * start result, exit callbacks, the record a wait returns. */
static void child_end_report(struct ncp_child *c, int status)
{
    bool killed = WIFSIGNALED(status);
    if (killed)
        log_child_info(c->name, c->pid, " was killed by signal %d (%s)%s", WTERMSIG(status),
                 strsignal(WTERMSIG(status)), limit_of_signal(WTERMSIG(status)));
    else
        log_child_debug(c->name, c->pid, " exited with status %d", WEXITSTATUS(status));

    if (c->kind == NCP_KIND_IPC && !c->started_reported && c->entering_main)
        ncp_ipc_child_started(c); /* it ran MainProc: a start, whose proxy is dead at once */
    else if (c->kind == NCP_KIND_IPC && !c->started_reported)
        ncp_ipc_child_failed(c, c->have_report ? ncp_stage_info(c->report.stage)->ipc_code
                                               : NCP_ERR_LIB_LOADING_FAILED);
    /* Every kind of child, as the reference reports abnormal ends of all the
     * app's child processes; clean exits run none. */
    if (killed)
        ncp_exit_callbacks_run(c->pid, WTERMSIG(status));

    /* Only now may a wait return this end: its log line and callbacks are
     * done, even when the app exits right after the wait. */
    pthread_mutex_lock(&lock);
    /* A waiter that took the end already returned it. */
    if (!c->end_taken)
        record_end(c->pid, status);
    c->end_recorded = true;
    pthread_cond_broadcast(&child_ended_cond);
    pthread_mutex_unlock(&lock);
    child_release(c);
}

/* A child's end with the status ncp_end_status_try() found (r == 0), or
 * without one the kernel will ever give (r < 0: the app's own waitpid()
 * collected it, on a kernel that keeps no status in pidfds). */
static void end_with(struct ncp_child *c, int r, int status)
{
    if (r < 0) {
        log_child_warn(c->name, c->pid, ": no exit status%s: %s; reporting SIGKILL",
                 c->via_zygote ? "" : " (collected by the app's own waitpid?)", strerror(-r));
        status = SIGKILL;
    }
    child_ended(c, status);
}

/* A child's pidfd became readable: it ended.  When the kernel does not tell
 * how yet (a tracer holds its zombie), it stays live, off the epoll (the
 * pidfd stays readable), and is asked again on a timer (end_status.h). */
static void handle_exit(struct ncp_child *c)
{
    int status = 0;
    int r = ncp_end_status_try(c, &status);
    if (r == -EAGAIN) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, c->pidfd, NULL);
        ncp_end_status_defer(c, ncp_now_ms());
        return;
    }
    end_with(c, r, status);
}

/* The zygote's socket the supervisor reads, or -1. */
static int watched_zygote(void)
{
    pthread_mutex_lock(&lock);
    int fd = zygote_fd;
    pthread_mutex_unlock(&lock);
    return fd;
}

/* Must hold lock. */
static bool take_disowned(pid_t pid)
{
    for (unsigned i = 0; i < N_DISOWNED; i++)
        if (disowned[i] == pid) {
            disowned[i] = 0;
            return true;
        }
    return false;
}

void ncp_supervisor_disown(pid_t pid)
{
    pthread_mutex_lock(&lock);
    bool came = false;
    for (unsigned i = 0; i < N_EARLY && !came; i++)
        if (early[i].pid == pid) {
            early[i].pid = 0;
            came = true;
        }
    if (came)
        log_debug("zygote: the end of spare pid %d, let go without work, dropped", (int)pid);
    else
        disowned[disowned_next++ % N_DISOWNED] = pid;
    pthread_mutex_unlock(&lock);
}

/* Ends reported by the zygote; when it is gone, its children went with it. */
static void zygote_events(void)
{
    pid_t pid;
    int status, r = 0, fd;
    while ((fd = watched_zygote()) >= 0 && (r = ncp_zygote_read_exit(fd, &pid, &status)) > 0) {
        pthread_mutex_lock(&lock);
        struct ncp_child *c = children;
        while (c && c->pid != pid)
            c = c->next;
        if (!c && take_disowned(pid))
            log_debug("zygote: the end of spare pid %d, let go without work, dropped", (int)pid);
        else if (!c) {
            /* Not adopted yet: keep the end for ncp_supervisor_adopt(). */
            early[early_next % N_EARLY].pid = pid;
            early[early_next % N_EARLY].status = status;
            early_next++;
        }
        pthread_mutex_unlock(&lock);
        if (c && c->via_zygote)
            child_ended(c, status);
    }
    if (r == -EPIPE) {
        /* No longer watched (ncp_supervisor_unwatch_zygote()), and closed.
         * Its isolated children's cgroups, and what their children left in
         * them, have no owner now (the next zygote sweeps too, in case this
         * one was not quite gone yet). */
        ncp_cgroup_sweep_stale();
        /* Its children die with it (parent-death signal).  With autoreap their
         * pidfds report each end; without, no report will come: end them here. */
        if (ncp_zygote_autoreap())
            return;
        for (;;) {
            struct ncp_child *c;
            pthread_mutex_lock(&lock);
            for (c = children; c && !c->via_zygote; c = c->next)
                ;
            pthread_mutex_unlock(&lock);
            if (!c)
                break;
            child_ended(c, SIGKILL);
        }
    }
}

static void run_pending_ends(void)
{
    for (;;) {
        pthread_mutex_lock(&lock);
        struct ncp_child *c = pending_ends;
        if (c) {
            pending_ends = c->next;
            detach(c);
            /* A wait for it sees it ending from here on (find_ending()). */
            c->ending = true;
            c->end_status = c->pending_status;
        }
        pthread_mutex_unlock(&lock);
        if (!c)
            return;
        child_ended(c, c->pending_status);
    }
}

/* A child's connect deadline (an IPC child not started yet), 0 when none. */
static uint64_t connect_deadline(const struct ncp_child *c)
{
    return c->kind == NCP_KIND_IPC && !c->started_reported ? c->deadline_ms : 0;
}

static uint64_t wall_deadline(const struct ncp_child *c) { return c->wall_deadline_ms; }

/* Must hold lock.  The first child whose deadline (`deadline_of`, 0: none)
 * has passed, or NULL; *timeout is the epoll timeout until the nearest one
 * still ahead (-1: none). */
static struct ncp_child *first_expired_locked(uint64_t (*deadline_of)(const struct ncp_child *), int *timeout)
{
    uint64_t now = ncp_now_ms();
    *timeout = -1;
    for (struct ncp_child *c = children; c; c = c->next) {
        uint64_t at = deadline_of(c);
        if (!at)
            continue;
        if (now >= at)
            return c;
        uint64_t left = at - now;
        if (*timeout < 0 || left < (uint64_t)*timeout)
            *timeout = left > INT32_MAX ? INT32_MAX : (int)left;
    }
    return NULL;
}

/* Kills IPC children that did not connect in time and reports NCP_ERR_TIMEOUT;
 * returns the epoll timeout until the next deadline. */
static int check_deadlines(void)
{
    for (;;) {
        int timeout;
        pthread_mutex_lock(&lock);
        struct ncp_child *expired = first_expired_locked(connect_deadline, &timeout);
        pthread_mutex_unlock(&lock);
        if (!expired)
            return timeout;
        /* Only this thread frees children, so `expired` stays valid.  A
         * report it sent in time may still wait in its socket (this thread
         * was busy): read it before judging. */
        drain_reports(expired);
        if (expired->started_reported)
            continue;
        log_child_warn(expired->name, expired->pid, " did not connect within the timeout; killing it");
        expired->deadline_ms = 0;
        ncp_pidfd_kill(expired->pidfd, expired->pid, SIGKILL);
        ncp_ipc_child_failed(expired, NCP_ERR_TIMEOUT);
    }
}

/* SIGKILLs children past their wall-time limit; returns the epoll timeout
 * until the next one (-1: none).  Their ends then come as any other. */
static int check_wall_limits(void)
{
    for (;;) {
        int timeout;
        pthread_mutex_lock(&lock);
        struct ncp_child *expired = first_expired_locked(wall_deadline, &timeout);
        if (expired)
            expired->wall_deadline_ms = 0;
        pthread_mutex_unlock(&lock);
        if (!expired)
            return timeout;
        /* Only this thread frees children, so `expired` stays valid. */
        log_child_warn(expired->name, expired->pid, " reached its wall-time limit of %u ms; killing it (SIGKILL)",
                       expired->wall_limit_ms);
        ncp_pidfd_kill(expired->pidfd, expired->pid, SIGKILL);
        if (expired->kind == NCP_KIND_IPC && !expired->started_reported) {
            expired->deadline_ms = 0;
            ncp_ipc_child_failed(expired, NCP_ERR_TIMEOUT);
        }
    }
}

/* The nearer of two epoll timeouts (-1: none). */
static int nearer(int a, int b)
{
    return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

static int add_watch(int fd, struct ncp_child *c, unsigned tag)
{
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)(uintptr_t)c | tag };
    return RET_NERRNO(epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev));
}

/* An isolated child's stdout and stderr pipes (child_stdio.h): watched for
 * its whole life, so that it can write more than a pipe holds. */
static int watch_stdio(struct ncp_child *c)
{
    if (!c->own_stdio)
        return 0;
    if (add_watch(c->stdio.fd[NCP_STDIO_OUT], c, TAG_STDOUT) < 0)
        return -errno;
    if (add_watch(c->stdio.fd[NCP_STDIO_ERR], c, TAG_STDERR) < 0) {
        int r = -errno;
        epoll_ctl(epfd, EPOLL_CTL_DEL, c->stdio.fd[NCP_STDIO_OUT], NULL);
        return r;
    }
    return 0;
}

/* Runs one spawn job (a directly exec'd child) on the supervisor thread. */
static int run_job(struct ncp_child *c, const struct ncp_spawn_params *p, pid_t *pid)
{
    pthread_mutex_lock(&lock);
    int r = ncp_spawn_clone(p, &c->pid, &c->pidfd);
    if (r == 0) {
        ncp_slot_describe(c->slot_fd, c->pid, c->name);
        c->next = children;
        children = c;
    }
    pthread_mutex_unlock(&lock);
    if (r < 0)
        return r;
    refuse_fds(c->launch_fd);
    if (add_watch(c->pidfd, c, TAG_PIDFD) < 0 || add_watch(c->launch_fd, c, TAG_LAUNCH) < 0 ||
        watch_stdio(c) < 0) {
        /* Cannot watch it: do not leave an unsupervised child behind. */
        r = -errno;
        ncp_pidfd_kill(c->pidfd, c->pid, SIGKILL);
        waitid((idtype_t)P_PIDFD, (id_t)c->pidfd, &(siginfo_t){ 0 }, WEXITED | __WALL);
        epoll_ctl(epfd, EPOLL_CTL_DEL, c->pidfd, NULL);
        epoll_ctl(epfd, EPOLL_CTL_DEL, c->launch_fd, NULL);
        close_stdio(c, NCP_STDIO_OUT);
        close_stdio(c, NCP_STDIO_ERR);
        pthread_mutex_lock(&lock);
        registry_remove(c);
        pthread_mutex_unlock(&lock);
        return r;
    }
    /* From here on `c` may be reaped and freed at any time. */
    *pid = c->pid;
    return 0;
}

static void run_jobs(void)
{
    uint64_t v;
    ssize_t _unused_ n = read(wakefd, &v, sizeof(v));
    run_pending_ends();
    for (;;) {
        pthread_mutex_lock(&lock);
        struct spawn_job *j = jobs;
        if (j)
            jobs = j->next;
        pthread_mutex_unlock(&lock);
        if (!j)
            return;
        pid_t pid = 0;
        int r = run_job(j->child, j->params, &pid);
        pthread_mutex_lock(&lock);
        j->pid = pid;
        j->result = r;
        j->done = true;
        pthread_cond_broadcast(&job_done);
        pthread_mutex_unlock(&lock);
    }
}

static void *supervisor_main(void *arg)
{
    struct epoll_event events[32];
    for (;;) {
        int timeout = nearer(nearer(check_deadlines(), check_wall_limits()), retry_io());
        timeout = nearer(timeout, ncp_end_status_retry(ncp_now_ms(), end_with));
        int n = epoll_wait(epfd, events, ARRAY_SIZE(events), timeout);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            log_error("supervisor: epoll_wait: %s", strerror(errno));
            sleep(1);
            continue;
        }
        /* Reports and output before exits, so a child's last words are read first. */
        for (int i = 0; i < n; i++) {
            uint64_t key = events[i].data.u64;
            if (key == WAKE_KEY || key == ZYGOTE_KEY)
                continue;
            struct ncp_child *c = (struct ncp_child *)(uintptr_t)(key & ~(uint64_t)TAG_MASK);
            if ((key & TAG_MASK) == TAG_LAUNCH)
                drain_reports(c);
            else if ((key & TAG_MASK) == TAG_STDOUT)
                drain_stdio(c, NCP_STDIO_OUT);
            else if ((key & TAG_MASK) == TAG_STDERR)
                drain_stdio(c, NCP_STDIO_ERR);
        }
        for (int i = 0; i < n; i++) {
            uint64_t key = events[i].data.u64;
            if (key == WAKE_KEY)
                run_jobs();
            else if (key == ZYGOTE_KEY)
                zygote_events();
            else if ((key & TAG_MASK) == TAG_PIDFD)
                handle_exit((struct ncp_child *)(uintptr_t)key);
        }

    }
    return NULL;
}

/* Must hold lock. */
static int start_thread_locked(void)
{
    if (thread_started && owner_pid == getpid())
        return 0;
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0)
        return log_error_errno(errno, "supervisor: epoll_create1");
    wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wakefd < 0) {
        int r = log_error_errno(errno, "supervisor: eventfd");
        epfd = safe_close(epfd);
        return r;
    }
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = WAKE_KEY };
    epoll_ctl(epfd, EPOLL_CTL_ADD, wakefd, &ev);

    /* The thread never takes the app's signals. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    int r = pthread_create(&thread, &attr, supervisor_main, NULL);
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (r != 0) {
        epfd = safe_close(epfd);
        wakefd = safe_close(wakefd);
        return log_error_errno(r, "supervisor: pthread_create");
    }
    thread_started = true;
    owner_pid = getpid();
    return 0;
}

static int ensure_thread(void)
{
    pthread_mutex_lock(&lock);
    int r = start_thread_locked();
    pthread_mutex_unlock(&lock);
    return r;
}

static void wake(void)
{
    uint64_t one = 1;
    ssize_t _unused_ w = write(wakefd, &one, sizeof(one));
}

int ncp_supervisor_spawn(struct ncp_child *c, const struct ncp_spawn_params *p, pid_t *pid)
{
    int r = ensure_thread();
    if (r < 0)
        return r;
    if (on_supervisor_thread())
        /* Called from an exit or start callback: we are the thread that spawns. */
        return run_job(c, p, pid);

    struct spawn_job job = { .child = c, .params = p };
    pthread_mutex_lock(&lock);
    job.next = jobs;
    jobs = &job;
    wake();
    while (!job.done)
        pthread_cond_wait(&job_done, &lock);
    pthread_mutex_unlock(&lock);
    *pid = job.pid;
    return job.result;
}

int ncp_supervisor_watch_zygote(int fd)
{
    int r = ensure_thread();
    if (r < 0)
        return r;
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = ZYGOTE_KEY };
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
        return log_error_errno(errno, "supervisor: watching the zygote");
    pthread_mutex_lock(&lock);
    zygote_fd = fd;
    pthread_mutex_unlock(&lock);
    return 0;
}

void ncp_supervisor_unwatch_zygote(int fd)
{
    pthread_mutex_lock(&lock);
    if (zygote_fd == fd) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
        zygote_fd = -1;
    }
    pthread_mutex_unlock(&lock);
}

int ncp_supervisor_adopt(struct ncp_child *c)
{
    int r = ensure_thread();
    if (r < 0)
        return r;
    ncp_slot_describe(c->slot_fd, c->pid, c->name);
    refuse_fds(c->launch_fd);
    pthread_mutex_lock(&lock);
    for (unsigned i = 0; i < N_EARLY; i++)
        if (early[i].pid == c->pid) {
            /* It ended before we got here: end it on the supervisor thread. */
            c->pending_status = early[i].status;
            early[i].pid = 0;
            c->next = pending_ends;
            pending_ends = c;
            c->adopting = true;
            break;
        }
    if (!c->adopting) {
        c->next = children;
        children = c;
    }
    pthread_mutex_unlock(&lock);
    if (c->adopting) {
        wake();
        return 0;
    }
    bool has_deadline = c->deadline_ms != 0 || c->wall_deadline_ms != 0;
    /* An args child's reports matter only once it ended (drain_reports()):
     * watching its launch socket would wake this thread as the child starts,
     * and the child pays for that wakeup.  At most MAX_UNWATCHED stay
     * unwatched, so that many live children do not each keep theirs open. */
    if (c->kind == NCP_KIND_ARGS && __atomic_add_fetch(&n_unwatched, 1, __ATOMIC_RELAXED) <= MAX_UNWATCHED)
        c->launch_unwatched = true;
    else if (c->kind == NCP_KIND_ARGS)
        __atomic_sub_fetch(&n_unwatched, 1, __ATOMIC_RELAXED);
    if ((!c->launch_unwatched && add_watch(c->launch_fd, c, TAG_LAUNCH) < 0) || watch_stdio(c) < 0 ||
        (ncp_zygote_autoreap() && add_watch(c->pidfd, c, TAG_PIDFD) < 0))
        log_child_warn(c->name, c->pid, ": cannot watch it: %s", strerror(errno));
    /* A connect deadline or a wall-time limit: the supervisor must recompute
     * its epoll timeout. */
    if (has_deadline)
        wake();
    return 0;
}

int ncp_supervisor_reserve_ipc(unsigned max)
{
    int r = 0;
    pthread_mutex_lock(&lock);
    if (n_ipc_children >= max)
        r = -EAGAIN;
    else
        n_ipc_children++;
    pthread_mutex_unlock(&lock);
    return r;
}

void ncp_supervisor_release_ipc(void)
{
    pthread_mutex_lock(&lock);
    n_ipc_children--;
    pthread_mutex_unlock(&lock);
}

int ncp_kill_child(pid_t pid)
{
    int r = -ESRCH;
    pthread_mutex_lock(&lock);
    for (struct ncp_child *c = children; c; c = c->next)
        if (c->pid == pid) {
            r = ncp_pidfd_kill(c->pidfd, c->pid, SIGKILL);
            break;
        }
    pthread_mutex_unlock(&lock);
    return r < 0 ? r : 0;
}

/* Must hold lock.  The child whose end child_ended() is handling, if pid is
 * one. */
static struct ncp_child *find_ending(pid_t pid)
{
    for (struct ncp_child *c = detached; c; c = c->next_detached)
        if (c->pid == pid && c->ending && !c->end_recorded && !c->end_taken)
            return c;
    return NULL;
}

/* Must hold lock.  Whether pid ended before it was adopted and its end is on
 * its way to the ring (run_pending_ends()). */
static bool is_pending(pid_t pid)
{
    for (struct ncp_child *c = pending_ends; c; c = c->next)
        if (c->pid == pid)
            return true;
    return false;
}

/* The status of a zygote child whose pidfd became readable: it may lag the
 * pidfd by a moment, which a waiter bridges with a few short tries.  If it
 * lags more (a tracer holds the zombie), -EAGAIN: the waiter then waits for
 * the supervisor's record, which comes once the status does. */
static int zygote_child_status(int pidfd, int *status)
{
    int r;
    for (int i = 0; (r = ncp_pidfd_exit_status(pidfd, status)) == -EAGAIN || r == -ESRCH; i++) {
        if (i == 20)
            return -EAGAIN;
        usleep(50);
    }
    return r;
}

/* Milliseconds until a CLOCK_MONOTONIC deadline, rounded up. */
static int ms_until(const struct timespec *deadline)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t ns = (int64_t)(deadline->tv_sec - now.tv_sec) * 1000000000 + (deadline->tv_nsec - now.tv_nsec);
    if (ns <= 0)
        return 0;
    return ns / 1000000 >= INT32_MAX ? INT32_MAX : (int)((ns + 999999) / 1000000);
}

/* Copies of pidfds that waiters poll, closed in a fork()ed copy of the app;
 * guarded by lock. */
struct pidfd_waiter {
    struct pidfd_waiter *next;
    int fd;
};
static struct pidfd_waiter *pidfd_waiters;

/* Whether the supervisor's handling of this end would neither log nor call
 * anything (child_ended()): a waiter may then return it without waiting for
 * the supervisor, which saves a wakeup on every args child's end. */
static bool end_is_silent(const struct ncp_child *c, int status)
{
    return c->kind == NCP_KIND_ARGS && WIFEXITED(status) && WEXITSTATUS(status) == 0 && !c->own_stdio &&
           !ncp_log_enabled(NCP_LOG_DEBUG);
}

/* Waits for the live zygote child c on a copy of its pidfd and takes its end
 * from the pidfd itself, so the waiter needs no second wakeup from the
 * supervisor thread; the supervisor still ends it (callbacks, IPC results)
 * but does not record an end a waiter took.  Called and returns with lock
 * held: 0, -ETIMEDOUT, -ESRCH (another waiter took the end), or 1 when the
 * caller should wait for the supervisor's record instead. */
static int wait_pidfd(struct ncp_child *c, int *status, int timeout_ms, const struct timespec *deadline)
{
    struct pidfd_waiter w = { .fd = fcntl(c->pidfd, F_DUPFD_CLOEXEC, 3), .next = pidfd_waiters };
    if (w.fd < 0)
        return 1; /* no descriptor to spare: the supervisor's record will do */
    int fd = w.fd;
    pidfd_waiters = &w;
    pid_t pid = c->pid;
    c->waiters++; /* keeps c allocated */
    pthread_mutex_unlock(&lock);

    int st = 0, got = -ETIMEDOUT;
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int n = poll(&p, 1, timeout_ms < 0 ? -1 : ms_until(deadline));
        if (n > 0) {
            got = zygote_child_status(fd, &st);
            break;
        }
        if (n == 0)
            break;
        if (errno != EINTR) {
            got = -errno;
            break;
        }
    }

    pthread_mutex_lock(&lock);
    for (struct pidfd_waiter **p = &pidfd_waiters; *p; p = &(*p)->next)
        if (*p == &w) {
            *p = w.next;
            break;
        }
    close(fd);
    c->waiters--;
    int r;
    if (c->end_recorded)
        /* The supervisor was first: its record, unless another waiter took it. */
        r = take_ended(pid, status) == 0 ? 0 : got == -ETIMEDOUT ? -ETIMEDOUT : -ESRCH;
    else if (c->end_taken)
        r = got == -ETIMEDOUT ? -ETIMEDOUT : -ESRCH;
    else if (got == 0 && !on_supervisor_thread() && !end_is_silent(c, st)) {
        /* The supervisor logs it and runs callbacks first (child_ended()). */
        c->waiters++;
        int rc = 0;
        while (!c->end_recorded && !c->end_taken && rc == 0)
            rc = timeout_ms < 0 ? pthread_cond_wait(&child_ended_cond, &lock)
                               : pthread_cond_timedwait(&child_ended_cond, &lock, deadline);
        c->waiters--;
        r = c->end_recorded && take_ended(pid, status) == 0 ? 0 : c->end_recorded || c->end_taken ? -ESRCH : -ETIMEDOUT;
    } else if (got == 0) {
        /* Ours: no longer live (limits, kill), and never recorded.  Nothing
         * to log or call back, or the supervisor itself waits in a callback. */
        c->end_taken = true;
        registry_remove(c);
        release_slot(c);
        detach(c);
        if (status)
            *status = st;
        r = 0;
    } else
        r = got == -ETIMEDOUT ? -ETIMEDOUT : 1;
    if (c->retired && c->waiters == 0) {
        undetach(c);
        child_free(c); /* the supervisor is done with it */
    }
    return r;
}

int ncp_wait_child(pid_t pid, int *status, int timeout_ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    if (timeout_ms >= 0) {
        deadline.tv_sec += timeout_ms / 1000;
        deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
    }
    int r;
    bool use_pidfd = true;
    pthread_mutex_lock(&lock);
    for (;;) {
        struct ncp_child *c = find_live(pid);
        struct ncp_child *e = c ? NULL : find_ending(pid);
        if (c)
            (void)take_ended(pid, NULL); /* an earlier child's with the same number */
        else if (take_ended(pid, status) == 0) {
            r = 0;
            break;
        } else if (e && on_supervisor_thread()) {
            /* Asked from one of its own exit callbacks: it cannot wait for itself. */
            e->end_taken = true;
            if (status)
                *status = e->end_status;
            r = 0;
            break;
        } else if (!e && !is_pending(pid)) {
            r = -ESRCH;
            break;
        }
        /* Exec'd children's ends come from the supervisor's waitid, and
         * without PIDFD_INFO_EXIT the zygote reports them. */
        if (c && use_pidfd && c->via_zygote && c->pidfd >= 0 && ncp_zygote_autoreap()) {
            r = wait_pidfd(c, status, timeout_ms, &deadline);
            if (r <= 0)
                break;
            use_pidfd = false;
            continue;
        }
        if (timeout_ms < 0)
            pthread_cond_wait(&child_ended_cond, &lock);
        else if (pthread_cond_timedwait(&child_ended_cond, &lock, &deadline) == ETIMEDOUT) {
            r = !find_live(pid) && take_ended(pid, status) == 0 ? 0 : -ETIMEDOUT;
            break;
        }
    }
    pthread_mutex_unlock(&lock);
    return r;
}

/* Waits on child_ended_cond use CLOCK_MONOTONIC deadlines. */
static void init_child_ended(void)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&child_ended_cond, &attr);
    pthread_condattr_destroy(&attr);
}

/* After fork() in the app the copy has no supervisor thread and does not own
 * the parent's children: start afresh, closing the inherited descriptors. */
static void atfork_child(void)
{
    pthread_mutex_init(&lock, NULL);
    pthread_cond_init(&job_done, NULL);
    init_child_ended();
    memset(ended, 0, sizeof(ended));
    struct ncp_child *c = children;
    while (c) {
        struct ncp_child *next = c->next;
        ncp_child_free_as(c, safe_close);
        c = next;
    }
    children = NULL;
    for (c = detached; c;) {
        struct ncp_child *next = c->next_detached;
        ncp_child_free_as(c, safe_close);
        c = next;
    }
    detached = NULL;
    /* Waiting threads do not exist here; their copies of pidfds would leak. */
    for (struct pidfd_waiter *w = pidfd_waiters; w; w = w->next)
        safe_close(w->fd);
    pidfd_waiters = NULL;
    n_ipc_children = 0;
    jobs = NULL;
    thread_started = false;
    zygote_fd = -1;
    for (c = pending_ends; c;) {
        struct ncp_child *next = c->next;
        ncp_child_free_as(c, safe_close);
        c = next;
    }
    pending_ends = NULL;
    io_waiting = NULL; /* its children were on the lists freed above */
    ncp_end_status_forget(); /* so were those */
    memset(early, 0, sizeof(early));
    memset(disowned, 0, sizeof(disowned));
    ncp_zygote_forget();
    epfd = safe_close(epfd);
    wakefd = safe_close(wakefd);
    ncp_log_reset();
}

/* fork() waits until no thread is inside the zygote's or the supervisor's
 * critical sections (in that order, as they nest in a start): the copy's
 * atfork_child() then finds consistent state to let go of. */
static void atfork_prepare(void)
{
    ncp_zygote_atfork_prepare();
    pthread_mutex_lock(&lock);
}

static void atfork_parent(void)
{
    pthread_mutex_unlock(&lock);
    ncp_zygote_atfork_parent();
}

__attribute__((constructor)) static void supervisor_init(void)
{
    init_child_ended();
    /* The supervisor queues descriptors to the closer under its lock: the
     * closer's handlers first, so that fork() takes this lock before the
     * closer's (closer.h). */
    ncp_closer_init();
    pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}
