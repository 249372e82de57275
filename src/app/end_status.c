/* SPDX-License-Identifier: Apache-2.0 */
/* How a child ended, taken without waiting, and the ends whose status is
 * pending (end_status.h). */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "end_status.h"
#include "common/log.h"
#include "child.h"
#include "common/syscall-compat.h"
#include "common/wait-status.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static struct ncp_child *pending; /* supervisor thread only */

/* A zygote child, reaped by the kernel in the zygote: the pidfd keeps its
 * status from the moment it is reaped (PIDFD_INFO_EXIT); before that, -EAGAIN
 * (still a zombie) or -ESRCH (gone, the status about to be recorded). */
static int zygote_child_status(int pidfd, int *status)
{
    int r = ncp_pidfd_exit_status(pidfd, status);
    return r == -ESRCH ? -EAGAIN : r;
}

/* Our own child (NCP_SPAWN_MODE=exec): collected here with WNOHANG, since a
 * zombie a ptracer holds is not ours to collect yet and waitid() would block
 * until it is.  When the app's own waitpid() collected it first, the pidfd
 * still tells how it ended (Linux 6.15), once that wait is through. */
static int exec_child_status(int pidfd, int *status)
{
    siginfo_t si;
    int r;
    do {
        memset(&si, 0, sizeof(si));
        r = waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOHANG | __WALL);
    } while (r < 0 && errno == EINTR);
    if (r == 0) {
        if (si.si_pid == 0)
            return -EAGAIN; /* ended, but not collectable by us: a tracer holds it */
        *status = ncp_wait_status(&si);
        return 0;
    }
    if (errno != ECHILD)
        return -errno;
    r = ncp_pidfd_exit_status(pidfd, status);
    if (r == -EAGAIN || r == -ESRCH)
        return -EAGAIN;
    return r == 0 ? 0 : -ECHILD;
}

int ncp_end_status_try(const struct ncp_child *c, int *status)
{
    return c->via_zygote ? zygote_child_status(c->pidfd, status) : exec_child_status(c->pidfd, status);
}

void ncp_end_status_defer(struct ncp_child *c, uint64_t now_ms)
{
    if (c->end_wait.listed)
        return;
    log_child_debug(c->name, c->pid, " ended; its status is not known yet, asking again");
    c->end_wait = (struct ncp_end_wait){ .next = pending, .since_ms = now_ms,
                                         .next_try_ms = now_ms + NCP_END_RETRY_MIN_MS,
                                         .backoff_ms = NCP_END_RETRY_MIN_MS, .listed = true };
    pending = c;
}

void ncp_end_status_cancel(struct ncp_child *c)
{
    if (!c->end_wait.listed)
        return;
    for (struct ncp_child **p = &pending; *p; p = &(*p)->end_wait.next)
        if (*p == c) {
            *p = c->end_wait.next;
            break;
        }
    c->end_wait.listed = false;
}

/* c is still pending: when to ask next. */
static void back_off(struct ncp_child *c, uint64_t now_ms)
{
    struct ncp_end_wait *w = &c->end_wait;
    if (!w->told && now_ms - w->since_ms >= NCP_END_HELD_LOG_MS) {
        w->told = true;
        log_child_info(c->name, c->pid, " ended %llu ms ago, and its status is still held (by a tracer of it?); "
                 "its end is reported once the kernel tells it", (unsigned long long)(now_ms - w->since_ms));
    }
    w->backoff_ms = w->backoff_ms * 2 > NCP_END_RETRY_MAX_MS ? NCP_END_RETRY_MAX_MS : w->backoff_ms * 2;
    w->next_try_ms = now_ms + w->backoff_ms;
}

int ncp_end_status_retry(uint64_t now_ms, void (*ended)(struct ncp_child *c, int r, int status))
{
    for (;;) {
        /* ended() may free the child and run callbacks that end others: one
         * at a time, from the start of the list. */
        struct ncp_child *due = NULL;
        int status = 0, r = 0;
        for (struct ncp_child *c = pending; c && !due; c = c->end_wait.next) {
            if (c->end_wait.next_try_ms > now_ms)
                continue;
            r = ncp_end_status_try(c, &status);
            if (r == -EAGAIN)
                back_off(c, now_ms);
            else
                due = c;
        }
        if (!due)
            break;
        ncp_end_status_cancel(due);
        if (due->end_wait.told)
            log_child_info(due->name, due->pid, ": its status came after %llu ms",
                     (unsigned long long)(now_ms - due->end_wait.since_ms));
        ended(due, r, status);
    }
    int timeout = -1;
    for (struct ncp_child *c = pending; c; c = c->end_wait.next) {
        uint64_t left = c->end_wait.next_try_ms > now_ms ? c->end_wait.next_try_ms - now_ms : 0;
        if (timeout < 0 || left < (uint64_t)timeout)
            timeout = (int)left;
    }
    return timeout;
}

void ncp_end_status_forget(void) { pending = NULL; }
