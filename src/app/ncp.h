/* SPDX-License-Identifier: Apache-2.0 */
/* Internal interfaces of libchild_process (parent side). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <AbilityKit/native_child_process.h>

#include "common/launch_spec.h"
#include "common/resource_limits.h"
#include "spawn/spawn.h"

#define NCP_MAX_SET_ENV 32          /* variables set per configs */

/* ---- validate.c ---- */
/* Splits "LIB:FUNC" at the last ':'.  -EINVAL for a malformed entry. */
int ncp_split_entry(const char *entry, char **lib, char **func);
/* Checks an fd list; fills names/fds sorted by name.  -EINVAL when invalid. */
int ncp_collect_fds(const NativeChildProcess_FdList *list, const char **names, int *fds, size_t *n);
struct ncp_start_request;
/* Checks what a request's descriptors are against what its child may hold,
 * and the names marked writable (`writable`, n_writable of them) against the
 * list: an isolated child refuses O_PATH descriptors and devices, a
 * directory must still be at the path it names; writable marks need a
 * directory of that name.  Sets req->fd_writable and req->has_dirs.
 * -EINVAL (logged) when refused. */
int ncp_check_passed_fds(struct ncp_start_request *req, const char (*writable)[NCP_MAX_FD_NAME + 1], size_t n_writable);

/* ---- configs.c ---- */
struct Ability_ChildProcessConfigs {
    NativeChildProcess_IsolationMode mode;
    bool isolation_uid;
    char name[65];
    uint32_t timeout_ms;  /* wall-time limit (NCP_ChildProcessConfigs_SetTimeout); 0: none */
    /* fd names whose directory an isolated child may write in (NCP_ChildProcessConfigs_SetFdWritable) */
    char writable[NCP_MAX_FDS][NCP_MAX_FD_NAME + 1];
    size_t n_writable;
    /* binds into an isolated child's root (NCP_ChildProcessConfigs_AddBind), owned */
    char *bind_src[NCP_MAX_LAUNCH_BINDS], *bind_dest[NCP_MAX_LAUNCH_BINDS];
    uint32_t bind_writable;  /* bit i: bind i is writable */
    size_t n_binds;
    struct ncp_limits limits; /* NCP_ChildProcessConfigs_SetLimit: the values in `set` only */
    /* "NAME=VALUE" strings added to the child's environment (NCP_ChildProcessConfigs_SetEnv), owned */
    char *env[NCP_MAX_SET_ENV];
    size_t n_env;
    char *cwd;  /* the child's working directory (NCP_ChildProcessConfigs_SetWorkingDir), owned; NULL: default */
};

/* The first line of every configs call: a NULL configs fails the call
 * `fn` with NCP_ERR_INVALID_PARAM and one log line. */
#define NCP_CONFIGS_OR_RETURN(configs, fn)                     \
    do {                                                       \
        if (!(configs)) {                                      \
            log_error("%s: configs is NULL", fn);              \
            return NCP_ERR_INVALID_PARAM;                      \
        }                                                      \
    } while (0)

/* ---- configs_env.c ---- */
/* Frees what SetEnv and SetWorkingDir keep in configs. */
void ncp_configs_env_free(Ability_ChildProcessConfigs *configs);

/* ---- in_child.c ---- */
/* Whether this process is a child started by the library (or runs under one). */
bool ncp_in_child(void);

/* ---- slots.c: the per-app limit, counted by lock files ---- */
/* Takes a free slot: returns an O_CLOEXEC fd holding its lock, -EAGAIN when
 * all `max` are in use, or -errno.  The lock is held by this process (the
 * supervisor closes it when it has seen the child end), never by the child. */
int ncp_slot_acquire(const char *bundle, unsigned max);
/* Writes which child holds the slot fd (its pid, this process, its name). */
void ncp_slot_describe(int fd, pid_t pid, const char *name);
/* Empties the slot's line before the slot is let go. */
void ncp_slot_clear(int fd);
struct ncp_slot_entry {
    pid_t pid, parent;
    char name[NCP_MAX_NAME];
};
/* The children holding slots of bundle, in every process of the app: a
 * malloc'd array (NULL when none) in *out, its length in *n.  0 or -errno. */
int ncp_slot_list(const char *bundle, unsigned max, struct ncp_slot_entry **out, size_t *n);

/* ---- spawner.c / supervisor.c ---- */
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

/* ---- exit_callbacks.c ---- */
int ncp_exit_callback_add(OH_Ability_OnNativeChildProcessExit cb);
int ncp_exit_callback_remove(OH_Ability_OnNativeChildProcessExit cb);
void ncp_exit_callbacks_run(pid_t pid, int sig);

/* Maps a -errno from the internals to the spec's code. */
Ability_NativeChildProcess_ErrCode ncp_errno_to_code(int r);
