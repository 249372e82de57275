/* SPDX-License-Identifier: Apache-2.0 */
/* Where a child's end is delivered (child_end.h). */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "child_end.h"
#include "child_watch.h"
#include "common/log.h"
#include "common/macro.h"
#include "exit_callbacks.h"
#include "ipc_child.h"
#include "registry.h"
#include "sandbox/parent/cgroup.h"

/* The supervisor is done with c: frees it, unless a waiter still polls it
 * (on its own copy of the pidfd); then the last waiter frees it. */
static void retire(struct ncp_child *c)
{
    ncp_registry_lock();
    c->state = NCP_CHILD_RETIRED;
    bool last = ncp_registry_put_locked(c);
    ncp_registry_unlock();
    if (last)
        ncp_child_free(c);
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

void ncp_child_report_end(struct ncp_child *c)
{
    int status = c->end_status;
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
    ncp_registry_lock();
    /* A waiter that took the end already returned it. */
    if (!c->end_taken)
        ncp_registry_record_end_locked(c->pid, status);
    c->state = NCP_CHILD_ENDED;
    ncp_registry_broadcast_end_locked();
    ncp_registry_unlock();
    retire(c);
}

void ncp_child_ended(struct ncp_child *c, int status)
{
    /* What it left behind dies before anyone hears of its end. */
    ncp_cgroup_destroy(&c->cgroup);
    ncp_child_read_reports(c); /* a report sent just before exiting still counts */
    ncp_end_status_cancel(c);
    ncp_registry_lock();
    ncp_registry_unlist_locked(c);
    /* Waiters see it ending (ncp_registry_find_ending_locked()) and wait for
     * the record. */
    c->state = NCP_CHILD_ENDING;
    c->end_status = status;
    ncp_registry_unlock();
    ncp_loop_del(c->pidfd);
    ncp_child_close_launch(c);
    /* What waits for a full app fd is tried again (ncp_child_retry_output()),
     * and reported then. */
    if (ncp_child_flush_output(c))
        ncp_child_report_end(c);
}

void ncp_child_end_with(struct ncp_child *c, int r, int status)
{
    if (r < 0) {
        /* On a kernel that keeps no status in pidfds, the app's own
         * waitpid() may have collected it. */
        log_child_warn(c->name, c->pid, ": no exit status%s: %s; reporting SIGKILL",
                 c->via_zygote ? "" : " (collected by the app's own waitpid?)", strerror(-r));
        status = SIGKILL;
    }
    ncp_child_ended(c, status);
}

/* When the kernel does not tell how it ended yet (a tracer holds its
 * zombie), it stays live, off the epoll (the pidfd stays readable), and is
 * asked again on a timer (end_status.h). */
void ncp_child_exited(struct ncp_watch *w)
{
    struct ncp_child *c = container_of(w, struct ncp_child, on_exit);
    int status = 0;
    int r = ncp_end_status_try(c, &status);
    if (r == -EAGAIN) {
        ncp_loop_del(c->pidfd);
        ncp_end_status_defer(c, ncp_now_ms());
        return;
    }
    ncp_child_end_with(c, r, status);
}

void ncp_child_end_early_ones(void)
{
    struct ncp_child *c;
    while ((c = ncp_registry_pop_early_end()))
        ncp_child_ended(c, c->end_status);
}
