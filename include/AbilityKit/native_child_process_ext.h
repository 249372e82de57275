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
 * 1024 most recent ends.  Exit callbacks still run.  A child whose zombie a
 * ptracer holds (its own child may trace it) has not ended for the library
 * until the kernel tells its status, when the tracer lets go: the wait
 * returns that true status then (or NCP_ERR_TIMEOUT before).
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

/**
 * Lets an isolated child write in a directory passed in its fd list.
 *
 * @param configs   the configs passed to OH_Ability_StartNativeChildProcessWithConfigs.
 * @param fdName    the name of a NativeChildProcess_Fd of the start's fd list
 *                  whose descriptor is a directory: 1 to 20 characters, no '/',
 *                  not "." or "..".
 * @param writable  true: the child may create, change and remove files in
 *                  that directory; false (the default) takes the mark back.
 * @return NCP_NO_ERROR; NCP_ERR_INVALID_PARAM when configs is NULL, fdName
 *         is not a possible directory name, or more than 16 names are marked.
 *         A start with a marked name that is not a directory of its fd list
 *         fails with NCP_ERR_INVALID_PARAM.
 *
 * An isolated child never holds the app's descriptor of a directory (from it,
 * openat(fd, "..") would reach the whole host): the library binds what it
 * names at /run/child_process/fds/<fdName> in the child's root, read-only,
 * nosuid, nodev and noexec unless marked writable here (then writable, still
 * nosuid, nodev, noexec), and the child's NativeChildProcess_Fd holds a
 * descriptor of that bind.  Files, pipes and sockets are passed as they are,
 * with the access they were opened with; O_PATH descriptors and devices are
 * refused (NCP_ERR_INVALID_PARAM).  Normal children get the app's
 * descriptors unchanged, marked or not.
 */
Ability_NativeChildProcess_ErrCode NCP_ChildProcessConfigs_SetFdWritable(Ability_ChildProcessConfigs *configs,
                                                                         const char *fdName, bool writable);

/**
 * Binds a host path into the root of isolated children started with these configs.
 *
 * @param configs   the configs passed to a Start*WithConfigs or Create*WithConfigs function.
 * @param src       the host path (a directory or a file; symlinks are followed),
 *                  absolute, without "." or ".." components.
 * @param dest      where the child sees it: absolute, without "." or "..", not
 *                  in or above a part the sandbox builds itself (/usr, /bin, /sbin,
 *                  /lib*, /etc, /proc, /dev, /sys, /run, /run/child_process/...).
 * @param writable  false: read-only (files in it may be executed); true: the
 *                  child may write there (noexec).  nosuid and nodev either way.
 * @return NCP_NO_ERROR; NCP_ERR_INVALID_PARAM when configs is NULL, a path is
 *         not as above, or 16 binds are set already.
 *
 * A start with binds fails with NCP_ERR_INVALID_PARAM (one log line says why)
 * when a source does not exist or is a device, when a destination would
 * cover the child's data dir or its library's directory, or when two
 * destinations nest.  The child reaches what is beneath `src` and nothing
 * around it (".." from `dest` is the child's own tree).  Normal children
 * see the host's files anyway: binds do not apply to them.
 */
Ability_NativeChildProcess_ErrCode NCP_ChildProcessConfigs_AddBind(Ability_ChildProcessConfigs *configs,
                                                                   const char *src, const char *dest, bool writable);

/**
 * The resource limits of an isolated child (NCP_ChildProcessConfigs_SetLimit).
 * Each is on by default with the value in brackets, or off ("none").
 * Normal children get none of them: they are the app's own code.
 */
typedef enum {
    NCP_LIMIT_TMPFS_SIZE = 0,      /**< bytes in each writable tmpfs: data dir, /tmp, /dev/shm [32 MiB] */
    NCP_LIMIT_TMPFS_INODES = 1,    /**< files and directories in each of them [4096] */
    NCP_LIMIT_NPROC = 2,           /**< RLIMIT_NPROC: processes and threads of the child [1024]; also
                                        pids.max of its cgroup, where it has one with the pids controller */
    NCP_LIMIT_NOFILE = 3,          /**< RLIMIT_NOFILE: open descriptors per process [4096] */
    NCP_LIMIT_FSIZE = 4,           /**< RLIMIT_FSIZE: bytes of a file it writes, SIGXFSZ past it [1 GiB] */
    NCP_LIMIT_CORE = 5,            /**< RLIMIT_CORE: bytes of a core dump [0] */
    NCP_LIMIT_CPU = 6,             /**< RLIMIT_CPU: CPU seconds per process, SIGXCPU then SIGKILL [none] */
    NCP_LIMIT_AS = 7,              /**< RLIMIT_AS: bytes of address space per process [none] */
    NCP_LIMIT_DATA = 8,            /**< RLIMIT_DATA: bytes of data segments per process [none] */
    NCP_LIMIT_INOTIFY_INSTANCES = 9, /**< inotify instances, counted in the child's user namespace [16] */
    NCP_LIMIT_INOTIFY_WATCHES = 10,  /**< inotify watches, same [8192] */
    NCP_LIMIT_FANOTIFY_GROUPS = 11,  /**< fanotify groups, same [16] */
    NCP_LIMIT_FANOTIFY_MARKS = 12,   /**< fanotify marks, same [8192] */
} NCP_ChildProcess_Limit;

/** The value that turns a limit off (the app's own limit then holds). */
#define NCP_LIMIT_UNLIMITED (-1)

/**
 * Sets one resource limit of isolated children started with these configs.
 *
 * @param configs  the configs passed to a Start*WithConfigs or
 *                 Create*WithConfigs function.
 * @param limit    which limit.
 * @param value    its value in the unit above, or NCP_LIMIT_UNLIMITED.
 * @return NCP_NO_ERROR; NCP_ERR_INVALID_PARAM when configs is NULL, the
 *         limit is unknown, or the value is outside the limit's range
 *         (one log line gives the range).
 *
 * A value set here wins over the policy file's "limits" section and the
 * machine's child_process.conf.  An rlimit is never raised above the app's
 * own hard limit: the child gets the lower of the two.  Normal children
 * ignore these settings.
 */
Ability_NativeChildProcess_ErrCode NCP_ChildProcessConfigs_SetLimit(Ability_ChildProcessConfigs *configs,
                                                                    NCP_ChildProcess_Limit limit, int64_t value);

/**
 * Sets an environment variable of children started with these configs.
 *
 * @param configs  the configs passed to a Start*WithConfigs or Create*WithConfigs function.
 * @param name     1 to 128 characters of [A-Za-z0-9_], not starting with a
 *                 digit, not starting with "NCP_" (the library's own settings).
 * @param value    at most 4096 bytes; NULL takes back an earlier call for name.
 * @return NCP_NO_ERROR; NCP_ERR_INVALID_PARAM when configs is NULL, name or
 *         value is not as above, or 32 variables are set already.
 *
 * An isolated child's environment is the reduced one the library builds
 * (PATH, LANG, LANGUAGE, LC_*, TZ, TERM, USER, LOGNAME, NCP_LOG,
 * NCP_BUNDLE_NAME, NCP_LANDLOCK_ABI from the app's, HOME, XDG_DATA_HOME,
 * XDG_CONFIG_HOME, XDG_CACHE_HOME, XDG_STATE_HOME and TMPDIR pointing into
 * the sandbox, NCP_IN_CHILD) plus exactly the variables set here, which win
 * over those; nothing else of the app's.  A normal child's is the app's plus
 * these.  They are the child's environment when its entry runs, not the
 * runner's: LD_PRELOAD or LD_LIBRARY_PATH set here reach the child's own
 * dlopen() and what it executes (the app's choice of code), never the
 * library's runner before the sandbox.
 */
Ability_NativeChildProcess_ErrCode NCP_ChildProcessConfigs_SetEnv(Ability_ChildProcessConfigs *configs,
                                                                  const char *name, const char *value);

/**
 * Sets the working directory of children started with these configs.
 *
 * @param configs  the configs passed to a Start*WithConfigs or Create*WithConfigs function.
 * @param path     "/" or an absolute path without "." or ".." components;
 *                 NULL goes back to the default.
 * @return NCP_NO_ERROR; NCP_ERR_INVALID_PARAM when configs is NULL or path
 *         is not as above.
 *
 * For an isolated child the path is in its root (its data dir, a bind's
 * destination, /tmp, ...; by default it starts in "/"): when the root has no
 * directory there, the child fails at its sandbox stage (exit status 125)
 * with a log line that says so.  ".." from it never leaves the root.  For a
 * normal child it is a host path (by default the app's working directory); a
 * start fails with NCP_ERR_INVALID_PARAM when it is not a directory.
 */
Ability_NativeChildProcess_ErrCode NCP_ChildProcessConfigs_SetWorkingDir(Ability_ChildProcessConfigs *configs,
                                                                         const char *path);

/** The level of a line given to an NCP_LogHandler. */
typedef enum {
    NCP_LOG_LEVEL_ERROR = 0,
    NCP_LOG_LEVEL_WARN = 1,
    NCP_LOG_LEVEL_INFO = 2,
    NCP_LOG_LEVEL_DEBUG = 3,
    /** A line an isolated child wrote to its stderr, escaped (bytes that are
     *  not printable ASCII, the backslash and the quote as \xNN): the child's
     *  words, not the library's.  Given whatever NCP_LOG says. */
    NCP_LOG_LEVEL_CHILD_STDERR = 4,
} NCP_LogLevel;

/**
 * Receives the library's log lines instead of stderr.
 *
 * @param level      the line's level.
 * @param childName  the process name of the child the line is about, or
 *                   NULL for a line about no one child.
 * @param childPid   that child's pid, or 0.
 * @param message    the line without the "child_process[PID]: LEVEL: "
 *                   prefix stderr shows and without a newline; valid only
 *                   during the call.
 * @param userData   what was passed to NCP_SetLogHandler().
 */
typedef void (*NCP_LogHandler)(NCP_LogLevel level, const char *childName, int32_t childPid, const char *message,
                               void *userData);

/**
 * Routes the library's log lines to the app (journald, its own logger).
 *
 * @param handler   called once per line; NULL goes back to stderr.
 * @param userData  passed to every call.
 * @return NCP_NO_ERROR; NCP_ERR_BUSY when called from inside a handler.
 *
 * Lines below the level NCP_LOG selects (warn by default) are not made at
 * all.  The handler is called on the library's threads and on the app's
 * threads that call into it, possibly at the same time: it must be
 * thread-safe and should not block (a supervisor thread waits for it).  A
 * line the library makes while a handler runs on the same thread (the
 * handler called the library) goes to stderr.  Once NCP_SetLogHandler()
 * returns, no call of the previous handler is running or will start.  Only
 * the process that set the handler calls it: in a process forked from the
 * app, and in the library's runner and children, lines go to stderr.
 * The lines of libipc_capi go to stderr.
 */
Ability_NativeChildProcess_ErrCode NCP_SetLogHandler(NCP_LogHandler handler, void *userData);

#ifdef __cplusplus
}
#endif

#endif /* ABILITYKIT_NATIVE_CHILD_PROCESS_EXT_H */
