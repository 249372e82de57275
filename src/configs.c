/* SPDX-License-Identifier: Apache-2.0 */
/* Ability_ChildProcessConfigs: an opaque object with validating setters. */
#include <string.h>

#include <AbilityKit/native_child_process_ext.h>

#include "log.h"
#include "macro.h"
#include "ncp.h"

_public_ Ability_ChildProcessConfigs *OH_Ability_CreateChildProcessConfigs(void)
{
    Ability_ChildProcessConfigs *c = calloc(1, sizeof(*c));
    if (!c) {
        log_error("configs: out of memory");
        return NULL;
    }
    c->mode = NCP_ISOLATION_MODE_NORMAL;
    return c;
}

_public_ Ability_NativeChildProcess_ErrCode OH_Ability_DestroyChildProcessConfigs(Ability_ChildProcessConfigs *configs)
{
    if (!configs) {
        log_error("DestroyChildProcessConfigs: configs is NULL");
        return NCP_ERR_INVALID_PARAM;
    }
    free(configs);
    return NCP_NO_ERROR;
}

_public_ Ability_NativeChildProcess_ErrCode OH_Ability_ChildProcessConfigs_SetIsolationMode(
    Ability_ChildProcessConfigs *configs, NativeChildProcess_IsolationMode isolationMode)
{
    if (!configs) {
        log_error("SetIsolationMode: configs is NULL");
        return NCP_ERR_INVALID_PARAM;
    }
    if (isolationMode != NCP_ISOLATION_MODE_NORMAL && isolationMode != NCP_ISOLATION_MODE_ISOLATED) {
        log_error("SetIsolationMode: unknown mode %d", (int)isolationMode);
        return NCP_ERR_INVALID_PARAM;
    }
    configs->mode = isolationMode;
    return NCP_NO_ERROR;
}

_public_ Ability_NativeChildProcess_ErrCode OH_Ability_ChildProcessConfigs_SetProcessName(
    Ability_ChildProcessConfigs *configs, const char *processName)
{
    if (!configs) {
        log_error("SetProcessName: configs is NULL");
        return NCP_ERR_INVALID_PARAM;
    }
    if (!ncp_process_name_valid(processName)) {
        log_error("SetProcessName: name must be 1 to 64 characters of [A-Za-z0-9_]");
        return NCP_ERR_INVALID_PARAM;
    }
    strcpy(configs->name, processName);
    return NCP_NO_ERROR;
}

_public_ Ability_NativeChildProcess_ErrCode OH_Ability_ChildProcessConfigs_SetIsolationUid(
    Ability_ChildProcessConfigs *configs, bool isolationUid)
{
    if (!configs) {
        log_error("SetIsolationUid: configs is NULL");
        return NCP_ERR_INVALID_PARAM;
    }
    configs->isolation_uid = isolationUid;
    return NCP_NO_ERROR;
}

_public_ Ability_NativeChildProcess_ErrCode NCP_ChildProcessConfigs_SetTimeout(Ability_ChildProcessConfigs *configs,
                                                                              int32_t timeoutMs)
{
    if (!configs) {
        log_error("SetTimeout: configs is NULL");
        return NCP_ERR_INVALID_PARAM;
    }
    if (timeoutMs < 0) {
        log_error("SetTimeout: the wall-time limit must be 0 (none) or a number of milliseconds, got %d", (int)timeoutMs);
        return NCP_ERR_INVALID_PARAM;
    }
    configs->timeout_ms = (uint32_t)timeoutMs;
    return NCP_NO_ERROR;
}
