/* SPDX-License-Identifier: Apache-2.0 */
/* The stdio of isolated children: pipes the supervisor drains into the app's
 * stdout and stderr without ever waiting on them (see child_stdio.h). */
#include <fcntl.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "child_stdio.h"
#include "common/launch_spec.h"
#include "common/log.h"
#include "common/macro.h"

static const char *const stream_names[] = { "stdout", "stderr" };

int ncp_child_stdio_open(struct ncp_child_stdio *s, int child[2])
{
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) < 0)
        return -errno;
    if (pipe2(err, O_CLOEXEC) < 0) {
        int r = -errno;
        close(out[0]);
        close(out[1]);
        return r;
    }
    /* Only the app's ends: the child's writes block as on any pipe. */
    (void)fcntl(out[0], F_SETFL, O_NONBLOCK);
    (void)fcntl(err[0], F_SETFL, O_NONBLOCK);
    s->fd[NCP_STDIO_OUT] = out[0];
    s->fd[NCP_STDIO_ERR] = err[0];
    child[NCP_STDIO_OUT] = out[1];
    child[NCP_STDIO_ERR] = err[1];
    return 0;
}

/* Writes to one of the app's descriptors without waiting and without
 * changing its flags (O_NONBLOCK on it would be the app's too): the bytes
 * written, or -errno (-EAGAIN: full).  A regular file never waits for a
 * reader; a pipe or /dev/null takes RWF_NOWAIT, a socket MSG_DONTWAIT; a
 * terminal is reopened, which gives a description of our own to make
 * nonblocking. */
static ssize_t write_nowait(int fd, const char *buf, size_t len)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -errno;
    ssize_t n;
    if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))
        n = write(fd, buf, len);
    else if (S_ISSOCK(st.st_mode))
        n = send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    else {
        struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
        n = pwritev2(fd, &iov, 1, -1, RWF_NOWAIT);
        if (n < 0 && (errno == EOPNOTSUPP || errno == EINVAL || errno == ENOSYS)) {
            char path[40];
            snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
            _cleanup_close_ int own = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
            if (own < 0)
                return -EAGAIN; /* cannot write without the risk of waiting */
            n = write(own, buf, len);
        }
    }
    return n < 0 ? -errno : n;
}

/* A library line about the child, written the same way: a note must not
 * wait on stderr either (the app's log handler, when it has one, gets it). */
static void note_about(const char *name, pid_t pid, const char *fmt, ...) _printf_(3, 4);
static void note_about(const char *name, pid_t pid, const char *fmt, ...)
{
    if (!ncp_log_enabled(NCP_LOG_WARN))
        return;
    char message[400];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    if (ncp_log_to_handler(NCP_LOG_WARN, name, pid, message))
        return;
    char line[512];
    int len = snprintf(line, sizeof(line), "child_process[%d]: warn: %s\n", (int)getpid(), message);
    if (len > 0)
        (void)write_nowait(STDERR_FILENO, line, (size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1);
}
#define note(name, pid, fmt, ...) note_about((name), (pid), "child %s (pid %d)" fmt, (name), (int)(pid), ##__VA_ARGS__)

static int app_fd(enum ncp_stdio_stream which)
{
    return which == NCP_STDIO_OUT ? STDOUT_FILENO : STDERR_FILENO;
}

static void drop(struct ncp_child_stdio *s, enum ncp_stdio_stream which, size_t len, int err, const char *name,
                 pid_t pid)
{
    s->dropped[which] += len;
    if (s->noted)
        return;
    s->noted = true;
    note(name, pid, ": the app's %s did not take the child's output (%s); dropping what does not fit until it does",
         stream_names[which], err ? strerror(err) : "nothing written");
}

/* Keeps what the app's fd did not take, behind what is kept already. */
static void keep(struct ncp_child_stdio *s, enum ncp_stdio_stream which, const char *buf, size_t len,
                 const char *name, pid_t pid, uint64_t now_ms)
{
    struct ncp_stdio_kept *k = &s->kept[which];
    size_t have = k->len - k->off;
    if (have + len > NCP_STDIO_PENDING_MAX) {
        drop(s, which, have + len - NCP_STDIO_PENDING_MAX, EAGAIN, name, pid);
        len = NCP_STDIO_PENDING_MAX - have;
    }
    if (len == 0)
        return;
    char *b = malloc(have + len);
    if (!b) {
        drop(s, which, len, ENOMEM, name, pid);
        return;
    }
    if (have)
        memcpy(b, k->buf + k->off, have);
    memcpy(b + have, buf, len);
    if (!k->buf)
        k->since_ms = now_ms;
    free(k->buf);
    k->buf = b;
    k->len = have + len;
    k->off = 0;
}

/* Writes buf to the app's fd, or what it takes now; keeps or drops the rest. */
static void put(struct ncp_child_stdio *s, enum ncp_stdio_stream which, const char *buf, size_t len,
                const char *name, pid_t pid, uint64_t now_ms)
{
    struct ncp_stdio_kept *k = &s->kept[which];
    if (k->buf) {
        keep(s, which, buf, len, name, pid, now_ms);
        return;
    }
    while (len > 0) {
        ssize_t n = write_nowait(app_fd(which), buf, len);
        if (n == -EINTR)
            continue;
        if (n > 0) {
            buf += n;
            len -= (size_t)n;
            k->dropping = false;
            continue;
        }
        if (n == -EAGAIN && !k->dropping)
            keep(s, which, buf, len, name, pid, now_ms);
        else
            drop(s, which, len, n < 0 ? (int)-n : 0, name, pid);
        return;
    }
}

/* Writes what is kept; once the app's fd made no progress for the grace,
 * drops it and what follows until the fd takes output again. */
static int flush_kept(struct ncp_child_stdio *s, enum ncp_stdio_stream which, const char *name, pid_t pid,
                      uint64_t now_ms)
{
    struct ncp_stdio_kept *k = &s->kept[which];
    if (!k->buf)
        return NCP_STDIO_MORE;
    while (k->off < k->len) {
        ssize_t n = write_nowait(app_fd(which), k->buf + k->off, k->len - k->off);
        if (n == -EINTR)
            continue;
        if (n > 0) {
            k->off += (size_t)n;
            k->since_ms = now_ms;
            continue;
        }
        if (n == -EAGAIN && now_ms - k->since_ms < NCP_STDIO_GRACE_MS)
            return NCP_STDIO_STUCK;
        drop(s, which, k->len - k->off, n < 0 ? (int)-n : 0, name, pid);
        k->dropping = n == -EAGAIN;
        break;
    }
    free(k->buf);
    *k = (struct ncp_stdio_kept){ .dropping = k->dropping };
    return NCP_STDIO_MORE;
}

/* One line of the child's stderr, escaped (it can neither start a line of
 * its own nor pass for the library's) and marked as the child's. */
static void flush_line(struct ncp_child_stdio *s, const char *name, pid_t pid, uint64_t now_ms)
{
    char text[NCP_STDIO_LINE_MAX * 4 + 8];
    char line[sizeof(text) + NCP_MAX_NAME + 64];
    ncp_log_escape_bytes(s->line, s->line_len, text, sizeof(text));
    s->line_len = 0;
    if (ncp_log_to_handler(NCP_LOG_LEVEL_CHILD_STDERR, name, pid, text))
        return;
    int n = snprintf(line, sizeof(line), "child_process[%d]: child %s (pid %d) stderr: %s\n", (int)getpid(), name,
                     (int)pid, text);
    if (n > 0)
        put(s, NCP_STDIO_ERR, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1, name, pid, now_ms);
}

static void forward_err(struct ncp_child_stdio *s, const char *buf, size_t len, const char *name, pid_t pid,
                        uint64_t now_ms)
{
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '\n') {
            flush_line(s, name, pid, now_ms);
            continue;
        }
        s->line[s->line_len++] = buf[i];
        if (s->line_len == sizeof(s->line))
            flush_line(s, name, pid, now_ms);
    }
}

/* Reads and forwards up to max bytes; *got says how many were read. */
static int drain(struct ncp_child_stdio *s, enum ncp_stdio_stream which, const char *name, pid_t pid, size_t max,
                 uint64_t now_ms, size_t *got)
{
    /* stderr in small reads: one read's lines, escaped and marked, stay
     * within what may be kept for a full stderr. */
    char buf[16384];
    size_t chunk = which == NCP_STDIO_OUT ? sizeof(buf) : 2048;
    *got = 0;
    if (s->fd[which] < 0)
        return NCP_STDIO_EOF;
    if (flush_kept(s, which, name, pid, now_ms) == NCP_STDIO_STUCK)
        return NCP_STDIO_STUCK;
    while (*got < max) {
        ssize_t n = read(s->fd[which], buf, chunk < max - *got ? chunk : max - *got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return NCP_STDIO_MORE;
        if (n <= 0)
            return NCP_STDIO_EOF;
        *got += (size_t)n;
        if (which == NCP_STDIO_OUT)
            put(s, which, buf, (size_t)n, name, pid, now_ms);
        else
            forward_err(s, buf, (size_t)n, name, pid, now_ms);
        if (s->kept[which].buf)
            return NCP_STDIO_STUCK;
    }
    return NCP_STDIO_MORE;
}

int ncp_child_stdio_drain(struct ncp_child_stdio *s, enum ncp_stdio_stream which, const char *name, pid_t pid,
                          size_t max, uint64_t now_ms)
{
    size_t got;
    return drain(s, which, name, pid, max, now_ms, &got);
}

int ncp_child_stdio_retry(struct ncp_child_stdio *s, enum ncp_stdio_stream which, const char *name, pid_t pid,
                          uint64_t now_ms)
{
    return flush_kept(s, which, name, pid, now_ms);
}

int ncp_child_stdio_finish(struct ncp_child_stdio *s, const char *name, pid_t pid, uint64_t now_ms)
{
    for (int w = NCP_STDIO_OUT; w <= NCP_STDIO_ERR; w++) {
        for (;;) {
            if (flush_kept(s, w, name, pid, now_ms) == NCP_STDIO_STUCK)
                return NCP_STDIO_STUCK;
            if (s->end_read[w] >= NCP_STDIO_END_MAX)
                break;
            size_t got = 0;
            int r = drain(s, w, name, pid, NCP_STDIO_END_MAX - s->end_read[w], now_ms, &got);
            s->end_read[w] += got;
            if (r == NCP_STDIO_STUCK)
                continue;
            break; /* read to the end (EOF, or nothing more now: all the child wrote) */
        }
    }
    if (s->line_len)
        flush_line(s, name, pid, now_ms);
    if (flush_kept(s, NCP_STDIO_ERR, name, pid, now_ms) == NCP_STDIO_STUCK)
        return NCP_STDIO_STUCK;
    if (!s->finished && (s->dropped[NCP_STDIO_OUT] || s->dropped[NCP_STDIO_ERR]))
        note(name, pid, ": %llu bytes of its stdout and %llu of its stderr were dropped: the app's descriptors did "
             "not take them", (unsigned long long)s->dropped[NCP_STDIO_OUT],
             (unsigned long long)s->dropped[NCP_STDIO_ERR]);
    s->finished = true;
    return NCP_STDIO_EOF;
}

void ncp_child_stdio_release(struct ncp_child_stdio *s)
{
    for (int w = NCP_STDIO_OUT; w <= NCP_STDIO_ERR; w++) {
        free(s->kept[w].buf);
        s->kept[w] = (struct ncp_stdio_kept){ 0 };
    }
}
