/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPC Kit C API: the IPC context of the current thread and the worker pool.
 *
 * Signature-compatible with the reference platform's <IPCKit/ipc_cskeleton.h>;
 * implemented for Linux by libipc_capi.
 */
#ifndef CAPI_INCLUDE_IPC_CSKELETON_H
#define CAPI_INCLUDE_IPC_CSKELETON_H

#include <stdint.h>

#include "ipc_cparcel.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Makes the calling thread serve requests on every connection of this
 *        process (in addition to the library's own worker threads) until
 *        OH_IPCSkeleton_StopWorkThread() is called.
 */
void OH_IPCSkeleton_JoinWorkThread(void);

/**
 * @brief Called from a request callback running on a thread that joined with
 *        OH_IPCSkeleton_JoinWorkThread(): that thread leaves the pool once the
 *        callback returns.  Called from any other thread: every joined thread
 *        leaves the pool (Linux behaviour; the reference has no equivalent).
 */
void OH_IPCSkeleton_StopWorkThread(void);

/** @brief Token ID of the caller.  Linux has no access tokens: always 0. */
uint64_t OH_IPCSkeleton_GetCallingTokenId(void);

/** @brief Token ID of the first caller of a call chain.  Always 0 on Linux. */
uint64_t OH_IPCSkeleton_GetFirstTokenId(void);

/** @brief Token ID of this process.  Always 0 on Linux. */
uint64_t OH_IPCSkeleton_GetSelfTokenId(void);

/**
 * @brief PID of the process whose request the calling thread is serving
 *        (kernel-verified, SCM_CREDENTIALS), or this process's PID outside a
 *        request.
 */
uint64_t OH_IPCSkeleton_GetCallingPid(void);

/**
 * @brief UID of the process whose request the calling thread is serving, or
 *        this process's UID outside a request.
 */
uint64_t OH_IPCSkeleton_GetCallingUid(void);

/**
 * @brief Whether the current request comes from this very process.
 * @return 1 outside a request or for a local call, 0 while serving a request
 *         from another process.
 */
int OH_IPCSkeleton_IsLocalCalling(void);

/**
 * @brief Sets the maximum number of worker threads serving one connection
 *        (default 16).
 * @param maxThreadNum 1 .. 32.
 * @return OH_IPC_SUCCESS or OH_IPC_CHECK_PARAM_ERROR.
 */
int OH_IPCSkeleton_SetMaxWorkThreadNum(const int maxThreadNum);

/**
 * @brief Replaces the calling identity of the current thread with this
 *        process's own and returns the previous one, for
 *        OH_IPCSkeleton_SetCallingIdentity().
 * @param identity receives the identity string (allocated with allocator).
 * @param len receives its length including the terminator.
 * @return OH_IPC_SUCCESS, OH_IPC_CHECK_PARAM_ERROR or OH_IPC_MEM_ALLOCATOR_ERROR.
 */
int OH_IPCSkeleton_ResetCallingIdentity(char **identity, int32_t *len, OH_IPC_MemAllocator allocator);

/**
 * @brief Restores a calling identity returned by OH_IPCSkeleton_ResetCallingIdentity().
 * @return OH_IPC_SUCCESS or OH_IPC_CHECK_PARAM_ERROR (NULL or malformed identity).
 */
int OH_IPCSkeleton_SetCallingIdentity(const char *identity);

/**
 * @brief Whether the calling thread is serving a request.
 * @return 1 inside a request callback, 0 otherwise.
 */
int OH_IPCSkeleton_IsHandlingTransaction(void);

#ifdef __cplusplus
}
#endif
#endif /* CAPI_INCLUDE_IPC_CSKELETON_H */
