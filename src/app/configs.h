/* SPDX-License-Identifier: Apache-2.0 */
/* Ability_ChildProcessConfigs, the object behind the opaque type of
 * <AbilityKit/native_child_process.h>: its setters (configs.c, and
 * configs_env.c for the environment and working directory) fill it, the API
 * (api.c) reads it into a start request; ncp-run fills one too. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <AbilityKit/native_child_process.h>

#include "common/launch_spec.h"
#include "common/log.h"
#include "common/resource_limits.h"

#define NCP_MAX_SET_ENV 32          /* variables set per configs */

struct Ability_ChildProcessConfigs {
    NativeChildProcess_IsolationMode mode;
    bool isolation_uid;
    char name[65];
    uint32_t timeout_ms;  /* wall-time limit (NCP_ChildProcessConfigs_SetTimeout); 0: none */
    /* fd names whose directory an isolated child may write in (NCP_ChildProcessConfigs_SetFdWritable) */
    char writable[NCP_MAX_FDS][NCP_MAX_FD_NAME + 1];
    size_t n_writable;
    /* binds into an isolated child's root (NCP_ChildProcessConfigs_AddBind), owned */
    char *bind_src[NCP_MAX_BINDS], *bind_dest[NCP_MAX_BINDS];
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

/* configs_env.c: frees what SetEnv and SetWorkingDir keep in configs. */
void ncp_configs_env_free(Ability_ChildProcessConfigs *configs);
