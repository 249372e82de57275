/* SPDX-License-Identifier: Apache-2.0 */
/* libability_runtime: the accessors of the list that
 * OH_Ability_AcquireChildProcessInfos() (libchild_process) returns.  A handle
 * that is not one of ours (wrong magic) is an invalid parameter. */
#include <stdlib.h>
#include <string.h>

#include "child_process_info.h"
#include "common/macro.h"

_public_ AbilityRuntime_ErrorCode OH_AbilityRuntime_GetChildProcessInfoByIndex(
    OH_AbilityRuntime_ChildProcessInfosHandle infos, uint32_t index, OH_AbilityRuntime_ChildProcessInfoHandle *info)
{
    if (!infos || !info || infos->magic != NCP_CHILD_INFOS_MAGIC || index >= infos->count)
        return ABILITY_RUNTIME_ERROR_CODE_PARAM_INVALID;
    *info = &infos->items[index];
    return ABILITY_RUNTIME_ERROR_CODE_NO_ERROR;
}

_public_ AbilityRuntime_ErrorCode OH_AbilityRuntime_ChildProcessInfo_GetPid(
    OH_AbilityRuntime_ChildProcessInfoHandle info, int32_t *pid)
{
    if (!info || !pid)
        return ABILITY_RUNTIME_ERROR_CODE_PARAM_INVALID;
    *pid = info->pid;
    return ABILITY_RUNTIME_ERROR_CODE_NO_ERROR;
}

_public_ AbilityRuntime_ErrorCode OH_AbilityRuntime_ChildProcessInfo_GetParentPid(
    OH_AbilityRuntime_ChildProcessInfoHandle info, int32_t *parentPid)
{
    if (!info || !parentPid)
        return ABILITY_RUNTIME_ERROR_CODE_PARAM_INVALID;
    *parentPid = info->parent_pid;
    return ABILITY_RUNTIME_ERROR_CODE_NO_ERROR;
}

_public_ AbilityRuntime_ErrorCode OH_AbilityRuntime_ChildProcessInfo_GetProcessName(
    OH_AbilityRuntime_ChildProcessInfoHandle info, char *processName, uint32_t processNameSize,
    uint32_t *requiredSize)
{
    if (!info || !processName || !requiredSize || processNameSize == 0)
        return ABILITY_RUNTIME_ERROR_CODE_PARAM_INVALID;
    *requiredSize = info->name_size;
    if (processNameSize < info->name_size)
        return ABILITY_RUNTIME_ERROR_CODE_BUFFER_TOO_SMALL;
    memcpy(processName, info->name, info->name_size);
    return ABILITY_RUNTIME_ERROR_CODE_NO_ERROR;
}

_public_ void OH_AbilityRuntime_ReleaseChildProcessInfos(OH_AbilityRuntime_ChildProcessInfosHandle *infos)
{
    if (!infos || !*infos)
        return;
    free(*infos);
    *infos = NULL;
}
