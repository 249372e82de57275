/* SPDX-License-Identifier: Apache-2.0 */
/* NCP_WaitChildProcess() (child_wait.h). */
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child_wait.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/syscall-compat.h"
#include "registry.h"
#include "zygote_client.h"

/* Copies of pidfds that waiters poll, closed in a fork()ed copy of the app;
 * guarded by the registry's lock. */
struct pidfd_waiter {
    struct pidfd_waiter *next;
    int fd;
};
static struct pidfd_waiter *pidfd_waiters;

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

static struct timespec deadline_in(int timeout_ms)
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
    return deadline;
}

/* Whether the supervisor's delivery of this end would neither log nor call
 * anything (child_end.c): a waiter may then return it without waiting for
 * the supervisor, which saves a wakeup on every args child's end. */
static bool end_is_silent(const struct ncp_child *c, int status)
{
    return c->kind == NCP_KIND_ARGS && WIFEXITED(status) && WEXITSTATUS(status) == 0 && !c->own_stdio &&
           !ncp_log_enabled(NCP_LOG_DEBUG);
}

static bool end_recorded(const struct ncp_child *c) { return c->state >= NCP_CHILD_ENDED; }

/* Polls fd (a copy of a pidfd) until it is readable, then takes the status:
 * 0, -ETIMEDOUT, -EAGAIN (no status yet) or -errno. */
static int poll_end(int fd, int timeout_ms, const struct timespec *deadline, int *st)
{
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int n = poll(&p, 1, timeout_ms < 0 ? -1 : ms_until(deadline));
        if (n > 0)
            return zygote_child_status(fd, st);
        if (n == 0)
            return -ETIMEDOUT;
        if (errno != EINTR)
            return -errno;
    }
}

/* The pidfd gave `got` (status st).  Who returns the end: the supervisor's
 * record, this waiter, or nobody now.  Must hold the registry's lock. */
static int settle_locked(struct ncp_child *c, int got, int st, int *status, int timeout_ms,
                         const struct timespec *deadline)
{
    pid_t pid = c->pid;
    if (end_recorded(c))
        /* The supervisor was first: its record, unless another waiter took it. */
        return ncp_registry_take_end_locked(pid, status) == 0 ? 0 : got == -ETIMEDOUT ? -ETIMEDOUT : -ESRCH;
    if (c->end_taken)
        return got == -ETIMEDOUT ? -ETIMEDOUT : -ESRCH;
    if (got == 0 && !ncp_loop_is_current() && !end_is_silent(c, st)) {
        /* The supervisor logs it and runs callbacks first (child_end.c). */
        int rc = 0;
        while (!end_recorded(c) && !c->end_taken && rc == 0)
            rc = ncp_registry_wait_end_locked(timeout_ms < 0 ? NULL : deadline);
        if (end_recorded(c) && ncp_registry_take_end_locked(pid, status) == 0)
            return 0;
        return end_recorded(c) || c->end_taken ? -ESRCH : -ETIMEDOUT;
    }
    if (got == 0) {
        /* Ours: no longer live (limits, kill), and never recorded.  Nothing
         * to log or call back, or the supervisor itself waits in a callback. */
        c->end_taken = true;
        ncp_registry_unlist_locked(c);
        if (c->state == NCP_CHILD_LIVE)
            c->state = NCP_CHILD_TAKEN;
        if (status)
            *status = st;
        return 0;
    }
    return got == -ETIMEDOUT ? -ETIMEDOUT : 1;
}

/* Waits for the live zygote child c on a copy of its pidfd and takes its end
 * from the pidfd itself, so the waiter needs no second wakeup from the
 * supervisor thread; the supervisor still ends it (callbacks, IPC results)
 * but does not record an end a waiter took.  Called and returns with the
 * registry's lock held: 0, -ETIMEDOUT, -ESRCH (another waiter took the end),
 * or 1 when the caller should wait for the supervisor's record instead. */
static int wait_pidfd(struct ncp_child *c, int *status, int timeout_ms, const struct timespec *deadline)
{
    struct pidfd_waiter w = { .fd = fcntl(c->pidfd, F_DUPFD_CLOEXEC, 3), .next = pidfd_waiters };
    if (w.fd < 0)
        return 1; /* no descriptor to spare: the supervisor's record will do */
    pidfd_waiters = &w;
    c->refs++; /* keeps c allocated */
    ncp_registry_unlock();

    int st = 0;
    int got = poll_end(w.fd, timeout_ms, deadline, &st);

    ncp_registry_lock();
    for (struct pidfd_waiter **p = &pidfd_waiters; *p; p = &(*p)->next)
        if (*p == &w) {
            *p = w.next;
            break;
        }
    close(w.fd);
    int r = settle_locked(c, got, st, status, timeout_ms, deadline);
    if (ncp_registry_put_locked(c))
        ncp_child_free(c); /* the supervisor is done with it */
    return r;
}

/* One look at pid: 0 or -errno when the wait is over (r), 1 to go on
 * waiting (*live: the child, when it is still live). */
static int look_locked(pid_t pid, int *status, struct ncp_child **live)
{
    struct ncp_child *c = ncp_registry_find_locked(pid);
    *live = c;
    if (c) {
        (void)ncp_registry_take_end_locked(pid, NULL); /* an earlier child's with the same number */
        return 1;
    }
    if (ncp_registry_take_end_locked(pid, status) == 0)
        return 0;
    struct ncp_child *e = ncp_registry_find_ending_locked(pid);
    if (e && ncp_loop_is_current()) {
        /* Asked from one of its own exit callbacks: it cannot wait for itself. */
        e->end_taken = true;
        if (status)
            *status = e->end_status;
        return 0;
    }
    return e || ncp_registry_is_early_end_locked(pid) ? 1 : -ESRCH;
}

int ncp_wait_child(pid_t pid, int *status, int timeout_ms)
{
    struct timespec deadline = deadline_in(timeout_ms);
    int r;
    bool use_pidfd = true;
    ncp_registry_lock();
    for (;;) {
        struct ncp_child *c;
        if ((r = look_locked(pid, status, &c)) <= 0)
            break;
        /* Exec'd children's ends come from the supervisor's waitid, and
         * without PIDFD_INFO_EXIT the zygote reports them. */
        if (c && use_pidfd && c->via_zygote && c->pidfd >= 0 && ncp_zygote_autoreap()) {
            if ((r = wait_pidfd(c, status, timeout_ms, &deadline)) <= 0)
                break;
            use_pidfd = false;
            continue;
        }
        if (ncp_registry_wait_end_locked(timeout_ms < 0 ? NULL : &deadline) == ETIMEDOUT) {
            r = !ncp_registry_find_locked(pid) && ncp_registry_take_end_locked(pid, status) == 0 ? 0 : -ETIMEDOUT;
            break;
        }
    }
    ncp_registry_unlock();
    return r;
}

void ncp_child_wait_forget(void)
{
    for (struct pidfd_waiter *w = pidfd_waiters; w; w = w->next)
        safe_close(w->fd);
    pidfd_waiters = NULL;
}
