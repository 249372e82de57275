/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libchild_process for Linux — what OH_Ability_AcquireChildProcessInfos()
 * returns, and its accessors.
 *
 * Same declarations as <AbilityKit/ability_runtime/child_process_info.h> of
 * the HarmonyOS/OpenHarmony SDK (26.1.0).
 *
 * Library: libability_runtime.so (pkg-config ability_runtime).
 */
#ifndef ABILITY_RUNTIME_CHILD_PROCESS_INFO_H
#define ABILITY_RUNTIME_CHILD_PROCESS_INFO_H

#include <stdint.h>
#include "ability_runtime_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The list of child processes OH_Ability_AcquireChildProcessInfos() returns.
 * @since 26.1.0
 */
typedef struct OH_AbilityRuntime_ChildProcessInfos *OH_AbilityRuntime_ChildProcessInfosHandle;

/**
 * One entry of that list; valid until the list is released.
 * @since 26.1.0
 */
typedef struct OH_AbilityRuntime_ChildProcessInfo *OH_AbilityRuntime_ChildProcessInfoHandle;

/**
 * The entry at index (less than the count the list came with).
 * @return ABILITY_RUNTIME_ERROR_CODE_NO_ERROR, or
 *         ABILITY_RUNTIME_ERROR_CODE_PARAM_INVALID for a NULL infos or info
 *         or an index out of range.
 * @since 26.1.0
 */
AbilityRuntime_ErrorCode OH_AbilityRuntime_GetChildProcessInfoByIndex(
    OH_AbilityRuntime_ChildProcessInfosHandle infos, uint32_t index,
    OH_AbilityRuntime_ChildProcessInfoHandle *info);

/**
 * The child's pid.
 * @return ABILITY_RUNTIME_ERROR_CODE_NO_ERROR, or
 *         ABILITY_RUNTIME_ERROR_CODE_PARAM_INVALID for a NULL argument.
 * @since 26.1.0
 */
AbilityRuntime_ErrorCode OH_AbilityRuntime_ChildProcessInfo_GetPid(
    OH_AbilityRuntime_ChildProcessInfoHandle info, int32_t *pid);

/**
 * The pid of the application process that started the child.
 * @return ABILITY_RUNTIME_ERROR_CODE_NO_ERROR, or
 *         ABILITY_RUNTIME_ERROR_CODE_PARAM_INVALID for a NULL argument.
 * @since 26.1.0
 */
AbilityRuntime_ErrorCode OH_AbilityRuntime_ChildProcessInfo_GetParentPid(
    OH_AbilityRuntime_ChildProcessInfoHandle info, int32_t *parentPid);

/**
 * Copies the child's process name with its trailing NUL into processName.
 * @param processNameSize the buffer's size in bytes, NUL included; not 0.
 * @param requiredSize set to the name's size, NUL included, also when the
 *        buffer is too small.
 * @return ABILITY_RUNTIME_ERROR_CODE_NO_ERROR;
 *         ABILITY_RUNTIME_ERROR_CODE_PARAM_INVALID for a NULL info,
 *         processName or requiredSize, or a size of 0;
 *         ABILITY_RUNTIME_ERROR_CODE_BUFFER_TOO_SMALL when the name does not
 *         fit (nothing is copied).
 * @since 26.1.0
 */
AbilityRuntime_ErrorCode OH_AbilityRuntime_ChildProcessInfo_GetProcessName(
    OH_AbilityRuntime_ChildProcessInfoHandle info, char *processName, uint32_t processNameSize,
    uint32_t *requiredSize);

/**
 * Frees the list and sets *infos to NULL.  NULL and *infos == NULL are
 * allowed (nothing happens).
 * @since 26.1.0
 */
void OH_AbilityRuntime_ReleaseChildProcessInfos(OH_AbilityRuntime_ChildProcessInfosHandle *infos);

#ifdef __cplusplus
}
#endif

#endif /* ABILITY_RUNTIME_CHILD_PROCESS_INFO_H */
