/* SPDX-License-Identifier: Apache-2.0 */
/* A start (api_start.c): what the API (api.c) asks for, once validated, and
 * the one path every kind of child takes from there to launch.c. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <AbilityKit/native_child_process.h>

#include "common/launch_spec.h"
#include "common/resource_limits.h"

struct ncp_start_request {
    enum ncp_child_kind kind;
    bool isolated;
    bool isolation_uid;
    const char *library;          /* resolved */
    const char *symbol;           /* ARGS only */
    const char *name;             /* full child name */
    const char *params;           /* ARGS only, never NULL */
    const char *data_dir;
    size_t n_fds;
    const char *fd_names[NCP_MAX_FDS];
    int fds[NCP_MAX_FDS];         /* caller's descriptors (not owned) */
    uint32_t fd_writable;         /* bit i: fds[i] is a directory an isolated child may write in */
    bool has_dirs;                /* some fds[i] is a directory (isolated: bound, never on a spare) */
    size_t n_binds;               /* isolated: the configs' binds (not owned) */
    const char *const *bind_src, *const *bind_dest;
    uint32_t bind_writable;
    OH_Ability_OnNativeChildProcessStarted on_started; /* IPC only */
    unsigned connect_timeout_ms;
    unsigned max_ipc_children;
    uint32_t timeout_ms;          /* wall-time limit, 0: none */
    struct ncp_limits limits;     /* isolated children: the settings' values, the start's on top */
    size_t n_env;                 /* the configs' "NAME=VALUE" additions to the environment (not owned) */
    const char *const *env;
    const char *cwd;              /* the configs' working directory (not owned); NULL: the default */
};

/* Starts a child holding the slot *slot_fd (taken: -1 afterwards unless the
 * start failed before the child was registered).  Returns 0 and *pid, or
 * -errno (logged):
 *  -EAGAIN  the per-process IPC limit is reached
 *  -EOPNOTSUPP  isolation is not available here
 *  others: internal errors. */
int ncp_start_child(const struct ncp_start_request *req, int *slot_fd, pid_t *pid);

/* Maps a -errno from the internals to the spec's code. */
Ability_NativeChildProcess_ErrCode ncp_errno_to_code(int r);
