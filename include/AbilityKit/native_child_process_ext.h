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

/**
 * Sets a wall-time limit for children started with these configs.
 *
 * @param configs    the configs passed to a Start*WithConfigs or
 *                   Create*WithConfigs function.
 * @param timeoutMs  milliseconds from the start after which the child is
 *                   killed with SIGKILL; 0 (the default) sets no limit.
 * @return NCP_NO_ERROR; NCP_ERR_INVALID_PARAM when configs is NULL or
 *         timeoutMs is negative.
 *
 * The limit is the library's: the supervisor kills the child at the deadline
 * (one log line says the wall-time limit hit), the exit callbacks report
 * signal 9, and NCP_WaitChildProcess() a status killed by SIGKILL.  An IPC
 * child killed before it connected gets NCP_ERR_TIMEOUT in its start
 * callback.  Normal and isolated children alike; an isolated child's
 * descendants end with it.
 */
Ability_NativeChildProcess_ErrCode NCP_ChildProcessConfigs_SetTimeout(Ability_ChildProcessConfigs *configs,
                                                                      int32_t timeoutMs);

#ifdef __cplusplus
}
#endif

#endif /* ABILITYKIT_NATIVE_CHILD_PROCESS_EXT_H */
