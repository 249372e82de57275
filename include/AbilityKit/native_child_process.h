/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libchild_process for Linux — the native child process API.
 *
 * Source- and ABI-compatible with <AbilityKit/native_child_process.h> of the
 * HarmonyOS/OpenHarmony SDK (API 12 to 26.1.0).  Linux-only additions live in
 * <AbilityKit/native_child_process_ext.h>, never here.
 *
 * Library: libchild_process.so (pkg-config child_process).
 */
#ifndef ABILITYKIT_NATIVE_CHILD_PROCESS_H
#define ABILITYKIT_NATIVE_CHILD_PROCESS_H

#include <stdbool.h>
#include <stdint.h>
#include <AbilityKit/ability_runtime/child_process_info.h>
#include <IPCKit/ipc_cparcel.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Error codes of the native child process module.
 * @since 12
 */
typedef enum Ability_NativeChildProcess_ErrCode {
    /** Operation successful. */
    NCP_NO_ERROR = 0,
    /** Invalid parameter. */
    NCP_ERR_INVALID_PARAM = 401,
    /** Creating a native child process is not supported (on Linux: the kernel
     *  or its settings cannot provide what the request needs). */
    NCP_ERR_NOT_SUPPORTED = 801,
    /** Internal error. */
    NCP_ERR_INTERNAL = 16000050,
    /** Another child is starting (deprecated since API 15, never returned). */
    NCP_ERR_BUSY = 16010001,
    /** Starting the native child process timed out. */
    NCP_ERR_TIMEOUT = 16010002,
    /** Server error. */
    NCP_ERR_SERVICE_ERROR = 16010003,
    /** Multi-process mode is disabled in the system settings. */
    NCP_ERR_MULTI_PROCESS_DISABLED = 16010004,
    /** A child process cannot start children. */
    NCP_ERR_ALREADY_IN_CHILD = 16010005,
    /** The maximum number of native child processes has been reached. */
    NCP_ERR_MAX_CHILD_PROCESSES_REACHED = 16010006,
    /** The child could not load the library or find its exported functions. */
    NCP_ERR_LIB_LOADING_FAILED = 16010007,
    /** OnConnect of the library did not return a valid IPC stub. */
    NCP_ERR_CONNECTION_FAILED = 16010008,
    /** The exit callback to unregister was never registered. */
    NCP_ERR_CALLBACK_NOT_EXIST = 16010009,
    /** The pid is not a live child process of the caller.  @since 22 */
    NCP_ERR_INVALID_PID = 16010010,
} Ability_NativeChildProcess_ErrCode;

/**
 * Startup result of an IPC child (OH_Ability_CreateNativeChildProcess*).
 * Runs once, on a library thread that is not the caller's.  On success
 * remoteProxy is a new proxy that the callee must release with
 * OH_IPCRemoteProxy_Destroy(); on error it is NULL.
 * @since 12
 */
typedef void (*OH_Ability_OnNativeChildProcessStarted)(int errCode, OHIPCRemoteProxy *remoteProxy);

/**
 * Starts a child process that loads libName and connects to the parent over
 * IPC.  The library exports OHIPCRemoteStub* NativeChildProcess_OnConnect(void)
 * and void NativeChildProcess_MainProc(void); the child exits when MainProc
 * returns.  The result comes asynchronously through onProcessStarted.
 *
 * @return NCP_NO_ERROR, NCP_ERR_INVALID_PARAM, NCP_ERR_NOT_SUPPORTED,
 *         NCP_ERR_MULTI_PROCESS_DISABLED, NCP_ERR_ALREADY_IN_CHILD,
 *         NCP_ERR_MAX_CHILD_PROCESSES_REACHED or NCP_ERR_INTERNAL.
 * @since 12
 */
int OH_Ability_CreateNativeChildProcess(const char *libName,
                                        OH_Ability_OnNativeChildProcessStarted onProcessStarted);

/**
 * Sharing mode of the data sandbox and network of a child.
 * @since 13
 */
typedef enum NativeChildProcess_IsolationMode {
    /** Shares the parent's data directory and network. */
    NCP_ISOLATION_MODE_NORMAL = 0,
    /** Own private data directory, loopback-only network, kernel sandbox. */
    NCP_ISOLATION_MODE_ISOLATED = 1,
} NativeChildProcess_IsolationMode;

/**
 * A named file descriptor passed to a child (name at most 20 characters).
 * @since 13
 */
typedef struct NativeChildProcess_Fd {
    char *fdName;
    int32_t fd;
    struct NativeChildProcess_Fd *next;
} NativeChildProcess_Fd;

/**
 * Linked list of at most 16 named descriptors.
 * @since 13
 */
typedef struct NativeChildProcess_FdList {
    struct NativeChildProcess_Fd *head;
} NativeChildProcess_FdList;

/**
 * Arguments of an args child: a string of at most 150 KB and named fds.
 * @since 13
 */
typedef struct NativeChildProcess_Args {
    char *entryParams;
    struct NativeChildProcess_FdList fdList;
} NativeChildProcess_Args;

/**
 * Options of OH_Ability_StartNativeChildProcess().
 * @since 13
 */
typedef struct NativeChildProcess_Options {
    NativeChildProcess_IsolationMode isolationMode;
    int64_t reserved;
} NativeChildProcess_Options;

/**
 * Starts a child process that loads a library and calls its entry function
 * void ENTRY(NativeChildProcess_Args).  entry is "LIBRARY:FUNCTION", split at
 * the last ':'.  The parent keeps its own descriptors; the child receives
 * duplicates, sorted by name.
 *
 * @return NCP_NO_ERROR and *pid, or NCP_ERR_INVALID_PARAM,
 *         NCP_ERR_NOT_SUPPORTED, NCP_ERR_MULTI_PROCESS_DISABLED,
 *         NCP_ERR_ALREADY_IN_CHILD, NCP_ERR_MAX_CHILD_PROCESSES_REACHED,
 *         NCP_ERR_INTERNAL.
 * @since 13
 */
Ability_NativeChildProcess_ErrCode OH_Ability_StartNativeChildProcess(
    const char *entry, NativeChildProcess_Args args,
    NativeChildProcess_Options options, int32_t *pid);

/**
 * In a child started by a Start* function: its arguments, from any thread.
 * The pointer stays valid for the child's lifetime.  NULL elsewhere.
 * @since 17
 */
NativeChildProcess_Args *OH_Ability_GetCurrentChildProcessArgs(void);

/**
 * Called on the library's supervisor thread when a child started by Start*
 * is killed by a signal.  Never called for a normal exit.
 * @since 20
 */
typedef void (*OH_Ability_OnNativeChildProcessExit)(int32_t pid, int32_t signal);

/**
 * Registers an exit callback; the same function registered twice is kept once.
 * @return NCP_NO_ERROR, NCP_ERR_INVALID_PARAM (NULL) or NCP_ERR_INTERNAL.
 * @since 20
 */
Ability_NativeChildProcess_ErrCode OH_Ability_RegisterNativeChildProcessExitCallback(
    OH_Ability_OnNativeChildProcessExit onProcessExit);

/**
 * Unregisters an exit callback.
 * @return NCP_NO_ERROR, NCP_ERR_INVALID_PARAM (NULL) or NCP_ERR_CALLBACK_NOT_EXIST.
 * @since 20
 */
Ability_NativeChildProcess_ErrCode OH_Ability_UnregisterNativeChildProcessExitCallback(
    OH_Ability_OnNativeChildProcessExit onProcessExit);

/**
 * Opaque configuration of a child: name, isolation mode, isolation uid.
 * @since 20
 */
struct Ability_ChildProcessConfigs;
typedef struct Ability_ChildProcessConfigs Ability_ChildProcessConfigs;

/**
 * Creates a configuration object (NORMAL mode, no name).  NULL when out of memory.
 * @since 20
 */
Ability_ChildProcessConfigs *OH_Ability_CreateChildProcessConfigs(void);

/**
 * Destroys a configuration object.
 * @return NCP_NO_ERROR, or NCP_ERR_INVALID_PARAM for NULL.
 * @since 20
 */
Ability_NativeChildProcess_ErrCode OH_Ability_DestroyChildProcessConfigs(Ability_ChildProcessConfigs *configs);

/**
 * Sets the isolation mode.
 * @return NCP_NO_ERROR, or NCP_ERR_INVALID_PARAM for NULL configs or an unknown mode.
 * @since 20
 */
Ability_NativeChildProcess_ErrCode OH_Ability_ChildProcessConfigs_SetIsolationMode(
    Ability_ChildProcessConfigs *configs, NativeChildProcess_IsolationMode isolationMode);

/**
 * Sets the process name: 1 to 64 characters of [A-Za-z0-9_].  The child is
 * then named "{bundleName}:{processName}".
 * @return NCP_NO_ERROR or NCP_ERR_INVALID_PARAM.
 * @since 20
 */
Ability_NativeChildProcess_ErrCode OH_Ability_ChildProcessConfigs_SetProcessName(
    Ability_ChildProcessConfigs *configs, const char *processName);

/**
 * Starts an IPC child described by configs; see OH_Ability_CreateNativeChildProcess().
 * @since 20
 */
Ability_NativeChildProcess_ErrCode OH_Ability_CreateNativeChildProcessWithConfigs(
    const char *libName, Ability_ChildProcessConfigs *configs,
    OH_Ability_OnNativeChildProcessStarted onProcessStarted);

/**
 * Starts an args child described by configs; see OH_Ability_StartNativeChildProcess().
 * @since 20
 */
Ability_NativeChildProcess_ErrCode OH_Ability_StartNativeChildProcessWithConfigs(
    const char *entry, NativeChildProcess_Args args,
    Ability_ChildProcessConfigs *configs, int32_t *pid);

/**
 * With ISOLATED mode, also run the child under a host uid of its own.
 * @return NCP_NO_ERROR, or NCP_ERR_INVALID_PARAM for NULL configs.
 * @since 21
 */
Ability_NativeChildProcess_ErrCode OH_Ability_ChildProcessConfigs_SetIsolationUid(
    Ability_ChildProcessConfigs *configs, bool isolationUid);

/**
 * Kills (SIGKILL) a live child of the calling process.
 * @return NCP_NO_ERROR, or NCP_ERR_INVALID_PID when pid is not one.
 * @since 22
 */
Ability_NativeChildProcess_ErrCode OH_Ability_KillChildProcess(int32_t pid);

/**
 * Whether this system lets the caller start native children.
 * @since 26
 */
bool OH_Ability_IsNativeChildProcessSupported(void);

/**
 * The child processes of the current application: every live child started
 * with Create* or Start* by any process of the application (the processes
 * that share its bundle name, as the per-app limit counts them).
 * @param infos set to the list (release it with
 *        OH_AbilityRuntime_ReleaseChildProcessInfos() of libability_runtime),
 *        or to NULL when there is no child.
 * @param count set to the number of entries.
 * @return NCP_NO_ERROR, NCP_ERR_INVALID_PARAM for a NULL infos or count,
 *         NCP_ERR_INTERNAL when the list cannot be read.
 * @since 26.1.0
 */
Ability_NativeChildProcess_ErrCode OH_Ability_AcquireChildProcessInfos(
    OH_AbilityRuntime_ChildProcessInfosHandle *infos, uint32_t *count);

#ifdef __cplusplus
}
#endif

#endif /* ABILITYKIT_NATIVE_CHILD_PROCESS_H */
