/* SPDX-License-Identifier: Apache-2.0 */
/* A child of the app, as the library keeps it (child.c): made by a start
 * (api_start.c), then owned by the supervisor (supervisor.c) until its end is
 * delivered (child_end.c) and no waiter (child_wait.c) holds it any more.
 *
 * Its life, in `state`:
 *
 *   NEW -> LIVE -----------> ENDING -> ENDED -> RETIRED -> freed
 *      |       \-> TAKEN -/
 *      \-> EARLY_END -/
 *
 * NEW: made by a start, not yet the supervisor's (child_discard() frees it).
 * LIVE: in the registry (registry.h): running, or ended with its status
 *   pending (end_status.h).
 * TAKEN: a waiter took its end from its pidfd before the supervisor saw
 *   it (child_wait.c): off the live list; the supervisor still ends it.
 * EARLY_END: adopted after the zygote had already reported its end; queued
 *   for the supervisor thread, which ends it.
 * ENDING: its end is being delivered (output, log line, callbacks);
 *   end_status is its status.
 * ENDED: its end is recorded for NCP_WaitChildProcess() (unless a waiter
 *   took it: end_taken).
 * RETIRED: the supervisor is done with it; a waiter still holds a reference.
 *
 * `refs` counts the supervisor (one, from the start until RETIRED) and the
 * waiters polling a copy of its pidfd; the last to let go frees it with
 * ncp_child_free_as(), the one destructor.  Both are guarded by the
 * registry's lock. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <AbilityKit/native_child_process.h>

#include "child_stdio.h"
#include "common/launch_spec.h"
#include "end_status.h"
#include "event_loop.h"
#include "sandbox/parent/cgroup.h"

enum ncp_child_state {
    NCP_CHILD_NEW,
    NCP_CHILD_LIVE,
    NCP_CHILD_TAKEN,
    NCP_CHILD_EARLY_END,
    NCP_CHILD_ENDING,
    NCP_CHILD_ENDED,
    NCP_CHILD_RETIRED,
};

struct ncp_child {
    enum ncp_child_state state;
    unsigned refs;
    pid_t pid;
    char name[NCP_MAX_NAME];
    enum ncp_child_kind kind;
    bool isolated;
    bool via_zygote;               /* forked by the zygote: its status comes from there */

    /* descriptors */
    int pidfd;
    int launch_fd;                 /* parent end of the launch socket (reports), -1 when closed */
    int ns_fd;                     /* isolated spare: its mount namespace, held so that it is
                                      torn down after its end is reported, not before; or -1 */
    int slot_fd;                   /* its per-app slot lock (src/app/slots.c), held here, out of the
                                      child's reach, until its end is seen; or -1 */
    struct ncp_cgroup cgroup;      /* an exec'd isolated child's own cgroup (src/sandbox/parent/cgroup.c): killed
                                      and removed when its end is seen; or none */

    /* the supervisor's watches on it (child_watch.c) */
    struct ncp_watch on_exit, on_report, on_stdout, on_stderr;
    bool launch_unwatched;         /* args child: its reports are read when it ends */

    /* lists it is on for a while (registry.c, child_watch.c) */
    struct ncp_child *next;        /* the registry's live children, or the early ends */
    struct ncp_child *next_detached;
    bool detached;                 /* on the registry's list of children no longer live, not yet freed */
    struct ncp_child *next_io;
    bool io_waiting;               /* on the list of children whose output waits for the app's fd */
    struct ncp_end_wait end_wait;  /* ended, status pending (end_status.h); supervisor thread only */

    /* its end */
    int end_status;                /* from EARLY_END or ENDING on */
    bool end_taken;                /* a waiter returned the end: it is not recorded */

    /* reports on the launch socket */
    struct ncp_report report;      /* last complete report */
    bool have_report;
    char rbuf[sizeof(struct ncp_report)];
    size_t rlen;
    unsigned n_reports;            /* complete ones received (NCP_MAX_REPORTS) */

    /* IPC children */
    OH_Ability_OnNativeChildProcessStarted on_started;
    int ipc_fd;                    /* parent end of the IPC socket until the proxy owns it */
    bool ipc_counted;              /* holds one of the process's IPC-child places */
    bool started_reported;         /* on_started has run */
    bool entering_main;            /* reported it calls MainProc (IPC): a start, even if it dies now */
    uint64_t deadline_ms;          /* connect timeout (CLOCK_MONOTONIC) */

    /* wall-time limit (NCP_ChildProcessConfigs_SetTimeout): SIGKILL at
     * wall_deadline_ms (CLOCK_MONOTONIC), 0 when none or already sent */
    uint64_t wall_deadline_ms;
    uint32_t wall_limit_ms;

    /* isolated children: stdout and stderr pipes the supervisor drains (child_stdio.h) */
    bool own_stdio;                /* set at creation, never changes: its end waits for the drain */
    struct ncp_child_stdio stdio;
    bool stdio_paused[2];          /* its output waits for the app's fd: the pipe is not watched */
};

/* A NEW child named `name`, of `kind`, with no descriptors; NULL (errno)
 * when out of memory. */
struct ncp_child *ncp_child_new(const char *name, enum ncp_child_kind kind);
/* The one destructor: its descriptors (the sockets through closer,
 * ncp_close_later or safe_close), its stdio buffers, the struct.  Counters it
 * holds (ipc_counted) are its owner's to release first. */
void ncp_child_free_as(struct ncp_child *c, int (*closer)(int));
/* ncp_child_free_as() with closer threads: the sockets may still queue
 * descriptors the child sent, and the last close of a mount namespace tears
 * it down, which no other child should wait for (closer.h). */
void ncp_child_free(struct ncp_child *c);

/* The lists a child is on for a while (the registry's detached children,
 * those whose output waits): `on` is the child's flag that says whether it
 * is, `link` (offsetof) names the field the list goes through. */
void ncp_child_list_add(struct ncp_child **list, struct ncp_child *c, bool *on, size_t link);
void ncp_child_list_remove(struct ncp_child **list, struct ncp_child *c, bool *on, size_t link);

/* An args child whose launch socket the supervisor does not watch (its
 * reports matter only once it ended): at most `max` at a time, so that many
 * live children do not each keep theirs open.  Whether c became one. */
bool ncp_child_unwatch_launch(struct ncp_child *c, unsigned max);
/* Its launch socket is closed, or read again: it no longer counts. */
void ncp_child_forget_unwatched(struct ncp_child *c);

uint64_t ncp_now_ms(void);
