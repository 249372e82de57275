/* SPDX-License-Identifier: Apache-2.0 */
/* One line per event to stderr (or the app's NCP_SetLogHandler), filtered by
 * NCP_LOG=error|warn|info|debug. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h> /* strerror() in the _errno macros */
#include <sys/types.h>

#include <AbilityKit/native_child_process_ext.h>

#include "macro.h"

enum ncp_log_level { NCP_LOG_ERROR = 0, NCP_LOG_WARN = 1, NCP_LOG_INFO = 2, NCP_LOG_DEBUG = 3 };

/* Logs one line "child_process[pid]: LEVEL: message".  Thread-safe. */
void ncp_log(enum ncp_log_level level, const char *fmt, ...) _printf_(2, 3);
/* The same about one child: the app's log handler gets its name and pid
 * apart from the message. */
void ncp_log_about(enum ncp_log_level level, const char *child_name, pid_t child_pid, const char *fmt, ...)
    _printf_(4, 5);
/* NCP_SetLogHandler(): 0, or -EBUSY from inside the handler. */
int ncp_log_set_handler(NCP_LogHandler handler, void *data);
/* Gives a finished message (no prefix, no newline) to the app's handler;
 * false when there is none for this process and thread (then the caller
 * writes to stderr).  level is an NCP_LogLevel. */
bool ncp_log_to_handler(int level, const char *child_name, pid_t child_pid, const char *message);
/* Whether a message at this level would be printed (to skip costly formatting). */
int ncp_log_enabled(enum ncp_log_level level);
/* Re-reads NCP_LOG (tests, and after a fork). */
void ncp_log_reset(void);
/* In a process the library starts (the runner): an NCP_LOG value that is not
 * a level is the app's to warn about, not this process's. */
void ncp_log_helper_process(void);

/* Text a child sent (a report's detail, a name) goes into a line only through
 * this: at most `in_max` bytes of `in` (up to its NUL), every byte that is
 * not printable ASCII, and the backslash and quote, written as \xNN; the
 * result cut to fit `out` (NUL-terminated, "..." marks a cut).  A child can
 * then neither start a line of its own nor pass for the library. */
#define NCP_LOG_CHILD_TEXT_MAX 256
void ncp_log_escape(const char *in, size_t in_max, char *out, size_t out_size);
/* The same for `len` bytes that may hold NULs (escaped as \x00 too). */
void ncp_log_escape_bytes(const char *in, size_t len, char *out, size_t out_size);

/* Logs with the errno text appended, returns -err so callers can `return log_errno(...)`. */
#define ncp_log_errno(level, err, fmt, ...)                                          \
    ({                                                                               \
        int _e = (err) < 0 ? -(err) : (err);                                         \
        ncp_log((level), fmt ": %s", ##__VA_ARGS__, strerror(_e));                   \
        -_e;                                                                         \
    })

#define log_error(...) ncp_log(NCP_LOG_ERROR, __VA_ARGS__)
#define log_warn(...) ncp_log(NCP_LOG_WARN, __VA_ARGS__)
#define log_info(...) ncp_log(NCP_LOG_INFO, __VA_ARGS__)
#define log_debug(...) ncp_log(NCP_LOG_DEBUG, __VA_ARGS__)
/* Lines that start "child NAME (pid PID)": fmt goes on from there (" sent ...", ": no ..."). */
#define log_child(level, name, pid, fmt, ...) \
    ncp_log_about((level), (name), (pid), "child %s (pid %d)" fmt, (name), (int)(pid), ##__VA_ARGS__)
#define log_child_error(name, pid, fmt, ...) log_child(NCP_LOG_ERROR, name, pid, fmt, ##__VA_ARGS__)
#define log_child_warn(name, pid, fmt, ...) log_child(NCP_LOG_WARN, name, pid, fmt, ##__VA_ARGS__)
#define log_child_info(name, pid, fmt, ...) log_child(NCP_LOG_INFO, name, pid, fmt, ##__VA_ARGS__)
#define log_child_debug(name, pid, fmt, ...) log_child(NCP_LOG_DEBUG, name, pid, fmt, ##__VA_ARGS__)
#define log_error_errno(err, ...) ncp_log_errno(NCP_LOG_ERROR, err, __VA_ARGS__)
#define log_warn_errno(err, ...) ncp_log_errno(NCP_LOG_WARN, err, __VA_ARGS__)
#define log_debug_errno(err, ...) ncp_log_errno(NCP_LOG_DEBUG, err, __VA_ARGS__)
