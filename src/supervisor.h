/* The supervisor: one thread per parent process that creates children (so
 * their parent-death signal is tied to a thread that lives as long as the
 * process) and watches them through pidfds and launch sockets in one epoll. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ncp.h"
#include "spawner.h"

struct ncp_child {
    struct ncp_child *next;
    pid_t pid;
    int pidfd;
    int launch_fd;                 /* parent end of the launch socket (reports), -1 when closed */
    enum ncp_child_kind kind;
    char name[NCP_MAX_NAME];
    /* reports */
    struct ncp_report report;      /* last complete report */
    bool have_report;
    char rbuf[sizeof(struct ncp_report)];
    size_t rlen;
    /* IPC children */
    OH_Ability_OnNativeChildProcessStarted on_started;
    int ipc_fd;                    /* parent end of the IPC socket until the proxy owns it */
    bool started_reported;         /* on_started has run */
    uint64_t deadline_ms;          /* connect timeout (CLOCK_MONOTONIC) */
};

/* Creates the child described by `p` on the supervisor thread and registers
 * `c` (which the supervisor then owns; freed after the child is reaped).
 * max_ipc: the per-process limit checked atomically for IPC children.
 * Returns 0 with *pid set (c itself may be gone by then), -EAGAIN at the IPC limit, or -errno. */
int ncp_supervisor_spawn(struct ncp_child *c, const struct ncp_spawn_params *p, unsigned max_ipc, pid_t *pid);

/* IPC children (ipc_child.c): deliver the start result exactly once. */
void ncp_ipc_child_started(struct ncp_child *c);
void ncp_ipc_child_failed(struct ncp_child *c, int code);
int ncp_ipc_code_for_stage(uint32_t stage);

uint64_t ncp_now_ms(void);
