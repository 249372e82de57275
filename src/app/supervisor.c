/* SPDX-License-Identifier: Apache-2.0 */
/* The supervisor (supervisor.h): what its thread does besides a child's own
 * watches and end, which child_watch.c and child_end.c hold. */
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child_end.h"
#include "child_wait.h"
#include "child_watch.h"
#include "common/closer.h"
#include "common/fork_guard.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/syscall-compat.h"
#include "ipc_child.h"
#include "registry.h"
#include "slots.h"
#include "sandbox/parent/cgroup.h"
#include "supervisor.h"
#include "zygote_client.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* At most this many args children leave their launch socket unwatched
 * (ncp_child_unwatch_launch()). */
#define MAX_UNWATCHED 32

/* A start waiting for the supervisor thread to create its exec'd child. */
struct spawn_job {
    struct spawn_job *next;
    struct ncp_child *child;
    const struct ncp_spawn_params *params;
    pid_t pid;
    int result;
    bool done;
};

/* All guarded by the registry's lock. */
static pthread_cond_t job_done = PTHREAD_COND_INITIALIZER;
static struct spawn_job *jobs;
static int zygote_fd = -1;             /* the zygote's control socket, read here only */

bool ncp_supervisor_is_current(void) { return ncp_loop_is_current(); }

/* ---- deadlines ---- */

/* A child's connect deadline (an IPC child not started yet), 0 when none. */
static uint64_t connect_deadline(const struct ncp_child *c)
{
    return c->kind == NCP_KIND_IPC && !c->started_reported ? c->deadline_ms : 0;
}

static uint64_t wall_deadline(const struct ncp_child *c) { return c->wall_deadline_ms; }

/* Must hold the registry's lock.  The first child whose deadline
 * (`deadline_of`, 0: none) has passed, or NULL; *timeout is the epoll
 * timeout until the nearest one still ahead (-1: none). */
static struct ncp_child *first_expired_locked(uint64_t (*deadline_of)(const struct ncp_child *), int *timeout)
{
    uint64_t now = ncp_now_ms();
    *timeout = -1;
    for (struct ncp_child *c = ncp_registry_live_locked(); c; c = c->next) {
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
        ncp_registry_lock();
        struct ncp_child *expired = first_expired_locked(connect_deadline, &timeout);
        ncp_registry_unlock();
        if (!expired)
            return timeout;
        /* Only this thread frees children, so `expired` stays valid.  A
         * report it sent in time may still wait in its socket (this thread
         * was busy): read it before judging. */
        ncp_child_read_reports(expired);
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
        ncp_registry_lock();
        struct ncp_child *expired = first_expired_locked(wall_deadline, &timeout);
        if (expired)
            expired->wall_deadline_ms = 0;
        ncp_registry_unlock();
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

/* The event loop's timeout: what is due on this thread, and how soon the
 * next thing is. */
static int next_timeout(void)
{
    int timeout = nearer(nearer(check_deadlines(), check_wall_limits()),
                         ncp_child_retry_output(ncp_child_report_end));
    return nearer(timeout, ncp_end_status_retry(ncp_now_ms(), ncp_child_end_with));
}

/* ---- the zygote's reports of ends ---- */

/* The zygote's socket the supervisor reads, or -1. */
static int watched_zygote(void)
{
    ncp_registry_lock();
    int fd = zygote_fd;
    ncp_registry_unlock();
    return fd;
}

/* One end the zygote reported: its child's, kept for an adoption to come,
 * or dropped (a spare let go without work). */
static void zygote_end(pid_t pid, int status)
{
    ncp_registry_lock();
    struct ncp_child *c = ncp_registry_find_locked(pid);
    if (!c && ncp_registry_take_disowned_locked(pid))
        log_debug("zygote: the end of spare pid %d, let go without work, dropped", (int)pid);
    else if (!c)
        ncp_registry_keep_early_end_locked(pid, status);
    ncp_registry_unlock();
    if (c && c->via_zygote)
        ncp_child_ended(c, status);
}

/* The zygote is gone, and its children with it (parent-death signal). */
static void zygote_gone(void)
{
    /* Its isolated children's cgroups, and what their children left in them,
     * have no owner now (the next zygote sweeps too, in case this one was
     * not quite gone yet). */
    ncp_cgroup_sweep_stale();
    /* With autoreap their pidfds report each end; without, no report will
     * come: end them here. */
    if (ncp_zygote_autoreap())
        return;
    for (;;) {
        struct ncp_child *c;
        ncp_registry_lock();
        for (c = ncp_registry_live_locked(); c && !c->via_zygote; c = c->next)
            ;
        ncp_registry_unlock();
        if (!c)
            return;
        ncp_child_ended(c, SIGKILL);
    }
}

static void zygote_ready(struct ncp_watch *w)
{
    (void)w;
    pid_t pid;
    int status, r = 0, fd;
    while ((fd = watched_zygote()) >= 0 && (r = ncp_zygote_read_exit(fd, &pid, &status)) > 0)
        zygote_end(pid, status);
    if (r == -EPIPE)
        /* No longer watched (ncp_supervisor_unwatch_zygote()), and closed. */
        zygote_gone();
}

static struct ncp_watch zygote_watch = { .ready = zygote_ready };

/* ---- children ---- */

static void set_watches(struct ncp_child *c)
{
    c->on_exit = (struct ncp_watch){ .ready = ncp_child_exited };
    c->on_report = (struct ncp_watch){ .ready = ncp_child_report_ready, .first = true };
    c->on_stdout = (struct ncp_watch){ .ready = ncp_child_stdout_ready, .first = true };
    c->on_stderr = (struct ncp_watch){ .ready = ncp_child_stderr_ready, .first = true };
}

/* A child that cannot be watched: not left behind unsupervised. */
static void abandon(struct ncp_child *c)
{
    ncp_pidfd_kill(c->pidfd, c->pid, SIGKILL);
    waitid((idtype_t)P_PIDFD, (id_t)c->pidfd, &(siginfo_t){ 0 }, WEXITED | __WALL);
    ncp_loop_del(c->pidfd);
    ncp_loop_del(c->launch_fd);
    ncp_child_close_stdio(c);
    ncp_registry_lock();
    ncp_registry_remove_locked(c);
    c->state = NCP_CHILD_NEW; /* its start's again, to discard */
    ncp_registry_unlock();
}

/* Runs one spawn job (a directly exec'd child) on the supervisor thread. */
static int run_job(struct ncp_child *c, const struct ncp_spawn_params *p, pid_t *pid)
{
    ncp_registry_lock();
    int r = ncp_spawn_clone(p, &c->pid, &c->pidfd);
    if (r == 0) {
        ncp_slot_describe(c->slot_fd, c->pid, c->name);
        ncp_registry_add_locked(c);
    }
    ncp_registry_unlock();
    if (r < 0)
        return r;
    set_watches(c);
    ncp_child_refuse_fds(c);
    if ((r = ncp_loop_add(c->pidfd, &c->on_exit)) < 0 || (r = ncp_child_watch_launch(c)) < 0 ||
        (r = ncp_child_watch_stdio(c)) < 0) {
        abandon(c);
        return r;
    }
    /* From here on `c` may be reaped and freed at any time. */
    *pid = c->pid;
    return 0;
}

/* The loop was woken: early ends to deliver, spawn jobs to run. */
static void run_jobs(void)
{
    ncp_child_end_early_ones();
    for (;;) {
        ncp_registry_lock();
        struct spawn_job *j = jobs;
        if (j)
            jobs = j->next;
        ncp_registry_unlock();
        if (!j)
            return;
        pid_t pid = 0;
        int r = run_job(j->child, j->params, &pid);
        ncp_registry_lock();
        j->pid = pid;
        j->result = r;
        j->done = true;
        pthread_cond_broadcast(&job_done);
        ncp_registry_unlock();
    }
}

static int ensure_thread(void)
{
    ncp_registry_lock();
    int r = ncp_loop_start_locked(next_timeout, run_jobs);
    ncp_registry_unlock();
    return r;
}

int ncp_supervisor_spawn(struct ncp_child *c, const struct ncp_spawn_params *p, pid_t *pid)
{
    int r = ensure_thread();
    if (r < 0)
        return r;
    if (ncp_loop_is_current())
        /* Called from an exit or start callback: we are the thread that spawns. */
        return run_job(c, p, pid);

    struct spawn_job job = { .child = c, .params = p };
    ncp_registry_lock();
    job.next = jobs;
    jobs = &job;
    ncp_loop_wake();
    while (!job.done)
        ncp_registry_wait_locked(&job_done);
    ncp_registry_unlock();
    *pid = job.pid;
    return job.result;
}

int ncp_supervisor_watch_zygote(int fd)
{
    int r = ensure_thread();
    if (r < 0)
        return r;
    if ((r = ncp_loop_add(fd, &zygote_watch)) < 0)
        return log_error_errno(-r, "supervisor: watching the zygote");
    ncp_registry_lock();
    zygote_fd = fd;
    ncp_registry_unlock();
    return 0;
}

void ncp_supervisor_unwatch_zygote(int fd)
{
    ncp_registry_lock();
    if (zygote_fd == fd) {
        ncp_loop_del(fd);
        zygote_fd = -1;
    }
    ncp_registry_unlock();
}

/* The watches of an adopted child.  An args child's reports matter only once
 * it ended (ncp_child_read_reports()): watching its launch socket would wake
 * this thread as the child starts, and the child pays for that wakeup. */
static int watch_adopted(struct ncp_child *c)
{
    set_watches(c);
    if (c->kind == NCP_KIND_ARGS)
        (void)ncp_child_unwatch_launch(c, MAX_UNWATCHED);
    int r;
    if ((r = ncp_child_watch_launch(c)) < 0 || (r = ncp_child_watch_stdio(c)) < 0 ||
        (ncp_zygote_autoreap() && (r = ncp_loop_add(c->pidfd, &c->on_exit)) < 0))
        return r;
    return 0;
}

/* A child the supervisor cannot take: killed, not left to run unwatched.
 * It may have its launch spec and run the app's code already: its sockets
 * go to closer threads (descriptors it sent may be queued there), and the
 * zygote's report of its end is dropped.  The rest is its start's to free. */
static void refuse_adoption(struct ncp_child *c)
{
    ncp_pidfd_kill(c->pidfd, c->pid, SIGKILL);
    if (!ncp_zygote_autoreap())
        ncp_registry_disown(c->pid);
    c->launch_fd = ncp_close_later(c->launch_fd);
    c->ipc_fd = ncp_close_later(c->ipc_fd);
    c->ns_fd = ncp_close_later(c->ns_fd);
}

int ncp_supervisor_adopt(struct ncp_child *c)
{
    int r = ensure_thread();
    if (r < 0) {
        refuse_adoption(c);
        return r;
    }
    ncp_slot_describe(c->slot_fd, c->pid, c->name);
    ncp_child_refuse_fds(c);
    /* Deadlines read by the loop once it is listed: taken now. */
    bool has_deadline = c->deadline_ms != 0 || c->wall_deadline_ms != 0;
    /* Listed and watched under one hold of the registry's lock: an end the
     * zygote reports (kernels before 6.15) is delivered on the supervisor
     * thread, which finds the child through the registry and may free it;
     * it must not find one whose watches are still being added. */
    pid_t pid = c->pid;
    char name[sizeof(c->name)]; /* for the line said once the lock is let go, when c may be gone */
    int watched = 0;
    ncp_registry_lock();
    bool ended = ncp_registry_adopt_ended_locked(c);
    if (!ended) {
        ncp_registry_add_locked(c);
        if ((watched = watch_adopted(c)) < 0)
            memcpy(name, c->name, sizeof(name));
    }
    ncp_registry_unlock();
    if (ended) {
        /* It ended before we got here: end it on the supervisor thread. */
        ncp_loop_wake();
        return 0;
    }
    if (watched < 0)
        log_child_warn(name, pid, ": cannot watch it: %s", strerror(-watched));
    /* A connect deadline or a wall-time limit: the supervisor must recompute
     * its epoll timeout. */
    if (has_deadline)
        ncp_loop_wake();
    return 0;
}

/* After fork() in the app the copy has no supervisor thread and does not own
 * the parent's children: start afresh, closing the inherited descriptors. */
static void atfork_child(void)
{
    ncp_registry_forget();
    pthread_cond_init(&job_done, NULL);
    ncp_child_wait_forget();
    jobs = NULL;
    zygote_fd = -1;
    ncp_child_watch_forget(); /* its children were on the lists freed above */
    ncp_end_status_forget(); /* so were those */
    ncp_zygote_forget();
    ncp_loop_forget();
    ncp_log_reset();
}

__attribute__((constructor)) static void supervisor_init(void)
{
    /* The closer's lock is guarded from the first fork() on, whichever
     * thread queues to it first. */
    ncp_closer_init();
    ncp_fork_guard(NULL, NCP_FORK_RANK_REGISTRY, atfork_child);
}
