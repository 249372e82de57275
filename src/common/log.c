/* SPDX-License-Identifier: Apache-2.0 */
/* Logging: the level comes from NCP_LOG, every event is a single write(2). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"

static atomic_int max_level = -1;
static const char *const level_names[] = { "error", "warn", "info", "debug" };

static void write_line(const char *line, size_t len)
{
    /* One write so lines from threads and processes never interleave. */
    ssize_t _unused_ w = write(STDERR_FILENO, line, len);
}

/* The app's handler (NCP_SetLogHandler).  Calls hold the read lock, so that
 * setting another waits for those running; the pid keeps processes forked
 * from the app (which may have copied the lock held) on stderr. */
static pthread_rwlock_t handler_lock = PTHREAD_RWLOCK_INITIALIZER;
static NCP_LogHandler handler;
static void *handler_data;
static atomic_int handler_pid;
static _Thread_local bool in_handler;

int ncp_log_set_handler(NCP_LogHandler h, void *data)
{
    if (in_handler)
        return -EBUSY;
    pthread_rwlock_wrlock(&handler_lock);
    handler = h;
    handler_data = data;
    atomic_store(&handler_pid, h ? (int)getpid() : 0);
    pthread_rwlock_unlock(&handler_lock);
    return 0;
}

bool ncp_log_to_handler(int level, const char *child_name, pid_t child_pid, const char *message)
{
    int owner = atomic_load(&handler_pid);
    if (!owner || in_handler || owner != (int)getpid())
        return false;
    pthread_rwlock_rdlock(&handler_lock);
    NCP_LogHandler h = handler;
    if (h) {
        in_handler = true;
        h((NCP_LogLevel)level, child_name, (int32_t)child_pid, message, handler_data);
        in_handler = false;
    }
    pthread_rwlock_unlock(&handler_lock);
    return h != NULL;
}

static atomic_bool warned;

void ncp_log_helper_process(void) { atomic_store(&warned, true); }

static int parse_level(void)
{
    const char *v = getenv("NCP_LOG");
    if (!v || !*v)
        return NCP_LOG_WARN;
    for (size_t i = 0; i < ARRAY_SIZE(level_names); i++)
        if (strcasecmp(v, level_names[i]) == 0)
            return (int)i;
    /* Said once, by the app: its runner and children inherit the same value. */
    if (!getenv("NCP_IN_CHILD") && !atomic_exchange(&warned, true)) {
        char line[256];
        int n = snprintf(line, sizeof(line),
                         "child_process[%d]: warn: NCP_LOG=\"%.64s\" is not error, warn, info or debug; using warn\n",
                         (int)getpid(), v);
        if (n > 0)
            write_line(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
    }
    return NCP_LOG_WARN;
}

void ncp_log_reset(void) { atomic_store(&max_level, parse_level()); }

int ncp_log_enabled(enum ncp_log_level level)
{
    int max = atomic_load(&max_level);
    if (max < 0) {
        max = parse_level();
        atomic_store(&max_level, max);
    }
    return (int)level <= max;
}

/* One line: to the app's handler if it has one, else to stderr with the
 * prefix that says whose it is. */
static void log_line(enum ncp_log_level level, const char *child_name, pid_t child_pid, const char *message)
{
    if (ncp_log_to_handler((int)level, child_name, child_pid, message))
        return;
    char line[1100];
    int n = snprintf(line, sizeof(line), "child_process[%d]: %s: %s\n", (int)getpid(), level_names[level], message);
    if (n <= 0)
        return;
    size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
    line[len - 1] = '\n';
    write_line(line, len);
}

static void vlog(enum ncp_log_level level, const char *child_name, pid_t child_pid, const char *fmt, va_list ap)
{
    int saved = errno;
    char message[1024];
    (void)vsnprintf(message, sizeof(message), fmt, ap);
    log_line(level, child_name, child_pid, message);
    errno = saved;
}

void ncp_log(enum ncp_log_level level, const char *fmt, ...)
{
    if (!ncp_log_enabled(level))
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog(level, NULL, 0, fmt, ap);
    va_end(ap);
}

void ncp_log_about(enum ncp_log_level level, const char *child_name, pid_t child_pid, const char *fmt, ...)
{
    if (!ncp_log_enabled(level))
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog(level, child_name, child_pid, fmt, ap);
    va_end(ap);
}

void ncp_log_escape_bytes(const char *in, size_t len, char *out, size_t out_size)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    if (out_size < 8) {
        if (out_size)
            out[0] = '\0';
        return;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)in[i];
        bool plain = ch >= 0x20 && ch < 0x7f && ch != '\\' && ch != '"';
        size_t need = plain ? 1 : 4;
        if (o + need + 4 > out_size) { /* room for "..." and the NUL */
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (plain)
            out[o++] = (char)ch;
        else {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
        }
    }
    out[o] = '\0';
}

void ncp_log_escape(const char *in, size_t in_max, char *out, size_t out_size)
{
    ncp_log_escape_bytes(in, strnlen(in, in_max), out, out_size);
}
