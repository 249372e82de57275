/* SPDX-License-Identifier: Apache-2.0 */
/* Exit callbacks: registered once each, run on the supervisor thread when an
 * args child is killed by a signal. */
#include <pthread.h>
#include <string.h>

#include <AbilityKit/native_child_process.h>

#include "common/fork_guard.h"
#include "common/log.h"
#include "common/macro.h"
#include "exit_callbacks.h"

#define MAX_CALLBACKS 64

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static OH_Ability_OnNativeChildProcessExit callbacks[MAX_CALLBACKS];
static size_t n_callbacks;

static int ncp_exit_callback_add(OH_Ability_OnNativeChildProcessExit cb)
{
    int r = 0;
    pthread_mutex_lock(&lock);
    size_t i;
    for (i = 0; i < n_callbacks; i++)
        if (callbacks[i] == cb)
            break;
    if (i == n_callbacks) {
        if (n_callbacks == MAX_CALLBACKS)
            r = -ENOSPC;
        else
            callbacks[n_callbacks++] = cb;
    }
    pthread_mutex_unlock(&lock);
    return r;
}

static int ncp_exit_callback_remove(OH_Ability_OnNativeChildProcessExit cb)
{
    int r = -ENOENT;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < n_callbacks; i++)
        if (callbacks[i] == cb) {
            memmove(&callbacks[i], &callbacks[i + 1], (n_callbacks - i - 1) * sizeof(callbacks[0]));
            n_callbacks--;
            r = 0;
            break;
        }
    pthread_mutex_unlock(&lock);
    return r;
}

void ncp_exit_callbacks_run(pid_t pid, int sig)
{
    /* Copy first: a callback may (un)register callbacks. */
    OH_Ability_OnNativeChildProcessExit copy[MAX_CALLBACKS];
    pthread_mutex_lock(&lock);
    size_t n = n_callbacks;
    memcpy(copy, callbacks, n * sizeof(copy[0]));
    pthread_mutex_unlock(&lock);
    for (size_t i = 0; i < n; i++)
        copy[i]((int32_t)pid, (int32_t)sig);
}

/* fork() in the app while another thread holds the lock must not leave the
 * copy with a lock nobody will release. */
__attribute__((constructor)) static void exit_callbacks_init(void)
{
    ncp_fork_guard(&lock, NCP_FORK_RANK_LEAF, NULL);
}

_public_ Ability_NativeChildProcess_ErrCode OH_Ability_RegisterNativeChildProcessExitCallback(
    OH_Ability_OnNativeChildProcessExit onProcessExit)
{
    if (!onProcessExit) {
        log_error("RegisterNativeChildProcessExitCallback: callback is NULL");
        return NCP_ERR_INVALID_PARAM;
    }
    int r = ncp_exit_callback_add(onProcessExit);
    if (r < 0) {
        log_error("RegisterNativeChildProcessExitCallback: more than %d callbacks", MAX_CALLBACKS);
        return NCP_ERR_INTERNAL;
    }
    return NCP_NO_ERROR;
}

_public_ Ability_NativeChildProcess_ErrCode OH_Ability_UnregisterNativeChildProcessExitCallback(
    OH_Ability_OnNativeChildProcessExit onProcessExit)
{
    if (!onProcessExit) {
        log_error("UnregisterNativeChildProcessExitCallback: callback is NULL");
        return NCP_ERR_INVALID_PARAM;
    }
    if (ncp_exit_callback_remove(onProcessExit) < 0) {
        log_warn("UnregisterNativeChildProcessExitCallback: callback %p was not registered", (void *)onProcessExit);
        return NCP_ERR_CALLBACK_NOT_EXIST;
    }
    return NCP_NO_ERROR;
}
