/* SPDX-License-Identifier: Apache-2.0 */
/* Logging: the level comes from NCP_LOG, every event is a single write(2). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
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

size_t ncp_log_vformat(char *line, size_t size, enum ncp_log_level level, const char *fmt, va_list ap)
{
    int n = snprintf(line, size, "child_process[%d]: %s: ", (int)getpid(), level_names[level]);
    if (n < 0 || (size_t)n >= size - 1)
        n = 0;
    int m = vsnprintf(line + n, size - (size_t)n - 1, fmt, ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > size - 2)
        len = size - 2;
    line[len++] = '\n';
    line[len] = '\0';
    return len;
}

void ncp_log(enum ncp_log_level level, const char *fmt, ...)
{
    if (!ncp_log_enabled(level))
        return;
    int saved = errno;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    size_t len = ncp_log_vformat(line, sizeof(line), level, fmt, ap);
    va_end(ap);
    write_line(line, len);
    errno = saved;
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
