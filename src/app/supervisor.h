/* SPDX-License-Identifier: Apache-2.0 */
/* The supervisor: one thread per parent process that creates children (so
 * their parent-death signal is tied to a thread that lives as long as the
 * process) and watches them through pidfds and launch sockets in one epoll. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "child_stdio.h"
#include "end_status.h"
#include "ncp.h"
#include "sandbox/sandbox.h"
#include "spawn/spawner.h"

struct ncp_child {
    struct ncp_child *next;
    struct ncp_child *next_detached; /* in the supervisor's list of ended, not yet freed children */
    bool detached;
    pid_t pid;
    int pidfd;
    int launch_fd;                 /* parent end of the launch socket (reports), -1 when closed */
    enum ncp_child_kind kind;
    bool isolated;
    bool via_zygote;               /* forked by the zygote: its status comes from there */
    bool launch_unwatched;         /* args child: its reports are read when it ends */
    int ns_fd;                     /* isolated spare: its mount namespace, held so that it is
                                      torn down after its end is reported, not before; or -1 */
    int slot_fd;                   /* its per-app slot lock (src/app/slots.c), held here, out of the
                                      child's reach, until its end is seen; or -1 */
    struct ncp_cgroup cgroup;      /* an exec'd isolated child's own cgroup (src/sandbox/parent/cgroup.c): killed
                                      and removed when its end is seen; or none */
    bool ipc_counted;              /* holds one of the process's IPC-child places */
    bool adopting;                 /* ended before it was adopted: pending_status is its end */
    int pending_status;
    char name[NCP_MAX_NAME];
    /* reports */
    struct ncp_report report;      /* last complete report */
    bool have_report;
    char rbuf[sizeof(struct ncp_report)];
    size_t rlen;
    unsigned n_reports;            /* complete ones received (NCP_MAX_REPORTS) */
    /* IPC children */
    OH_Ability_OnNativeChildProcessStarted on_started;
    int ipc_fd;                    /* parent end of the IPC socket until the proxy owns it */
    bool started_reported;         /* on_started has run */
    bool entering_main;            /* reported it calls MainProc (IPC): a start, even if it dies now */
    uint64_t deadline_ms;          /* connect timeout (CLOCK_MONOTONIC) */
    /* wall-time limit (NCP_ChildProcessConfigs_SetTimeout): SIGKILL at
     * wall_deadline_ms (CLOCK_MONOTONIC), 0 when none or already sent */
    uint64_t wall_deadline_ms;
    uint32_t wall_limit_ms;
    /* NCP_WaitChildProcess() on a zygote child polls a copy of its pidfd and
     * may take the end itself; guarded by the supervisor's lock. */
    unsigned waiters;              /* threads polling it: freed by the last of them */
    bool end_taken;                /* a waiter returned the end: child_ended() does not record it */
    bool ending;                   /* child_ended() runs its log line and callbacks: end_status is its end */
    int end_status;
    bool end_recorded;             /* child_ended() ran: the end is in the ended ring (unless taken) */
    bool retired;                  /* the supervisor is done with it; waiters > 0 kept it allocated */
    /* isolated children: stdout and stderr pipes the supervisor drains (child_stdio.h) */
    bool own_stdio;                /* set at creation, never changes: its end waits for the drain */
    struct ncp_child_stdio stdio;
    bool stdio_paused[2];          /* its output waits for the app's fd: the pipe is not watched */
    bool io_waiting;               /* in the supervisor's list of children whose output waits */
    struct ncp_child *next_io;
    struct ncp_end_wait end_wait;  /* ended, status pending (end_status.h); supervisor thread only */
};

/* Exec path: creates the child described by `p` on the supervisor thread and
 * registers `c` (which the supervisor then owns; freed after the child ends).
 * Returns 0 with *pid set (c itself may be gone by then), or -errno. */
int ncp_supervisor_spawn(struct ncp_child *c, const struct ncp_spawn_params *p, pid_t *pid);
/* Zygote path: registers `c` (pid and pidfd set) forked by the zygote; the
 * supervisor owns it from here on. */
int ncp_supervisor_adopt(struct ncp_child *c);
/* Starts reading the ends the zygote reports on `fd`.  Called with the
 * zygote's lock held (src/app/zygote_client.c). */
int ncp_supervisor_watch_zygote(int fd);
/* The zygote's child `pid` was a spare the app let go without work: its end,
 * if the zygote reports it (no autoreap), is nobody's.  Dropped when it comes
 * (or already came), so that it is never taken for the end of a later child
 * that gets the same pid. */
void ncp_supervisor_disown(pid_t pid);
/* Stops reading `fd`, the socket of a zygote that is gone, if it is the one
 * watched.  Called with the zygote's lock held, before `fd` is closed: a new
 * zygote (which may get the same descriptor number) is watched only after. */
void ncp_supervisor_unwatch_zygote(int fd);
/* Takes one of the process's IPC-child places (-EAGAIN when all are taken);
 * the place frees when the child ends, or with release if it never started. */
int ncp_supervisor_reserve_ipc(unsigned max);
void ncp_supervisor_release_ipc(void);
/* The one destructor of a child: its descriptors (the sockets through
 * closer, ncp_close_later or safe_close), its stdio buffers, the struct.
 * Counters it holds (ipc_counted) are its owner's to release first. */
void ncp_child_free_as(struct ncp_child *c, int (*closer)(int));

/* IPC children (ipc_child.c): deliver the start result exactly once. */
void ncp_ipc_child_started(struct ncp_child *c);
void ncp_ipc_child_failed(struct ncp_child *c, int code);

uint64_t ncp_now_ms(void);
/* Whether the calling thread is the supervisor (a callback runs on it). */
bool ncp_supervisor_is_current(void);
