/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Linux-only additions to <AbilityKit/native_child_process.h>.
 * Not part of the HarmonyOS/OpenHarmony SDK: code meant to stay portable
 * should not use them.
 */
#ifndef ABILITYKIT_NATIVE_CHILD_PROCESS_EXT_H
#define ABILITYKIT_NATIVE_CHILD_PROCESS_EXT_H

#include <AbilityKit/native_child_process.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Waits for a child started by this process to end.
 *
 * @param pid        a pid returned by a Start* function.
 * @param status     receives a waitpid(2)-style status (WIFEXITED/WEXITSTATUS,
 *                   WIFSIGNALED/WTERMSIG work on it); may be NULL.
 * @param timeoutMs  how long to wait; negative waits without a bound.
 * @return NCP_NO_ERROR; NCP_ERR_TIMEOUT when the child still runs after
 *         timeoutMs; NCP_ERR_INVALID_PID when pid is not a child of this
 *         process, or its end was already collected by another wait.
 *
 * The library reaps its children itself (the app's own waitpid() never sees
 * them); the status of a child that ended before this call is kept for the
 * 1024 most recent ends.  Exit callbacks still run.
 */
Ability_NativeChildProcess_ErrCode NCP_WaitChildProcess(int32_t pid, int *status, int32_t timeoutMs);

#ifdef __cplusplus
}
#endif

#endif /* ABILITYKIT_NATIVE_CHILD_PROCESS_EXT_H */
