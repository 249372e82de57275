/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What configs add to a child's surroundings: environment variables
 * (NCP_ChildProcessConfigs_SetEnv) and the working directory
 * (NCP_ChildProcessConfigs_SetWorkingDir).  src/app/api_start.c puts them into
 * the launch spec; the runner enters the directory (src/runner/runner.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <AbilityKit/native_child_process_ext.h>

#include "common/log.h"
#include "common/macro.h"
#include "configs.h"
#include "sandbox/sandbox.h"

void ncp_configs_env_free(Ability_ChildProcessConfigs *configs)
{
    for (size_t i = 0; i < configs->n_env; i++)
        free(configs->env[i]);
    configs->n_env = 0;
    free(configs->cwd);
    configs->cwd = NULL;
}

static size_t env_find(const Ability_ChildProcessConfigs *configs, const char *name)
{
    size_t n = strlen(name), i = 0;
    while (i < configs->n_env && !(strncmp(configs->env[i], name, n) == 0 && configs->env[i][n] == '='))
        i++;
    return i;
}

_public_ Ability_NativeChildProcess_ErrCode NCP_ChildProcessConfigs_SetEnv(Ability_ChildProcessConfigs *configs,
                                                                          const char *name, const char *value)
{
    NCP_CONFIGS_OR_RETURN(configs, "SetEnv");
    if (!ncp_env_name_valid(name)) {
        log_error("SetEnv: the name \"%.64s\" is not 1 to %d characters of [A-Za-z0-9_] (not starting with a digit), "
                  "or starts with NCP_ (the library's own)", name ? name : "(null)", NCP_MAX_ENV_NAME);
        return NCP_ERR_INVALID_PARAM;
    }
    if (value && strnlen(value, NCP_MAX_ENV_VALUE + 1) > NCP_MAX_ENV_VALUE) {
        log_error("SetEnv: the value of %s is longer than %d bytes", name, NCP_MAX_ENV_VALUE);
        return NCP_ERR_INVALID_PARAM;
    }
    size_t i = env_find(configs, name);
    if (!value) {
        /* Takes back an earlier SetEnv of NAME (the child then has NAME as it would without it). */
        if (i < configs->n_env) {
            free(configs->env[i]);
            memmove(&configs->env[i], &configs->env[i + 1], (configs->n_env - i - 1) * sizeof(configs->env[0]));
            configs->n_env--;
        }
        return NCP_NO_ERROR;
    }
    if (i == configs->n_env && i == NCP_MAX_SET_ENV) {
        log_error("SetEnv: more than %d variables", NCP_MAX_SET_ENV);
        return NCP_ERR_INVALID_PARAM;
    }
    size_t len = strlen(name) + 1 + strlen(value) + 1;
    char *kv = malloc(len);
    if (!kv) {
        log_error("SetEnv: out of memory");
        return NCP_ERR_INTERNAL;
    }
    snprintf(kv, len, "%s=%s", name, value);
    if (i < configs->n_env)
        free(configs->env[i]);
    else
        configs->n_env++;
    configs->env[i] = kv;
    return NCP_NO_ERROR;
}

_public_ Ability_NativeChildProcess_ErrCode NCP_ChildProcessConfigs_SetWorkingDir(Ability_ChildProcessConfigs *configs,
                                                                                 const char *path)
{
    NCP_CONFIGS_OR_RETURN(configs, "SetWorkingDir");
    if (path && !ncp_workdir_is_clean(path)) {
        log_error("SetWorkingDir: \"%.64s\" is not an absolute path without . or .. components", path);
        return NCP_ERR_INVALID_PARAM;
    }
    char *copy = NULL;
    if (path && !(copy = strdup(path))) {
        log_error("SetWorkingDir: out of memory");
        return NCP_ERR_INTERNAL;
    }
    free(configs->cwd);
    configs->cwd = copy;
    return NCP_NO_ERROR;
}
