/* SPDX-License-Identifier: Apache-2.0 */
/* Descriptor helpers shared by the library, the runner and the tests. */
#include <fcntl.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "fd-util.h"
#include "macro.h"

bool fd_is_open(int fd)
{
    return fd >= 0 && fcntl(fd, F_GETFD) >= 0;
}

/* The four full transfers below: one call of each moves some of the bytes. */
enum transfer { XFER_WRITE, XFER_READ, XFER_PWRITE, XFER_PREAD };

static ssize_t transfer_some(enum transfer t, int fd, char *p, size_t len, off_t off)
{
    switch (t) {
    case XFER_WRITE: {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        return n < 0 && errno == ENOTSOCK ? write(fd, p, len) : n;
    }
    case XFER_READ:
        return read(fd, p, len);
    case XFER_PWRITE:
        return pwrite(fd, p, len, off);
    case XFER_PREAD:
        return pread(fd, p, len, off);
    }
    errno = EINVAL;
    return -1;
}

/* Until all `len` bytes moved (offset `off` on for the positional ones),
 * again after EINTR; a read that finds the end first is -EPIPE. */
static int transfer_full(enum transfer t, int fd, char *p, size_t len, off_t off)
{
    while (len > 0) {
        ssize_t n = transfer_some(t, fd, p, len, off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0 && (t == XFER_READ || t == XFER_PREAD))
            return -EPIPE;
        p += n;
        len -= (size_t)n;
        off += n;
    }
    return 0;
}

int write_full(int fd, const void *buf, size_t len)
{
    return transfer_full(XFER_WRITE, fd, (char *)buf, len, 0);
}

int read_full(int fd, void *buf, size_t len)
{
    return transfer_full(XFER_READ, fd, buf, len, 0);
}

int pwrite_full(int fd, const void *buf, size_t len, off_t off)
{
    return transfer_full(XFER_PWRITE, fd, (char *)buf, len, off);
}

int pread_full(int fd, void *buf, size_t len, off_t off)
{
    return transfer_full(XFER_PREAD, fd, buf, len, off);
}

void msg_attach_fds(struct msghdr *msg, void *control, const int *fds, size_t n_fds)
{
    msg->msg_control = NULL;
    msg->msg_controllen = 0;
    if (n_fds == 0)
        return;
    memset(control, 0, CMSG_SPACE(sizeof(int) * n_fds));
    msg->msg_control = control;
    msg->msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
    struct cmsghdr *c = CMSG_FIRSTHDR(msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
}

/* ETOOMANYREFS: this user's descriptors in flight (sent over Unix sockets,
 * not yet received) are past the sender's RLIMIT_NOFILE.  Any process of
 * the user, a child flooding a socket nobody reads among them, can cause
 * it; it passes once the receivers catch up or the sockets close, so a
 * send waits for that, within a bound. */
bool inflight_wait(unsigned *waited_ms, unsigned *pause_ms)
{
    if (*waited_ms >= NCP_INFLIGHT_WAIT_MS)
        return false;
    usleep(*pause_ms * 1000u);
    *waited_ms += *pause_ms;
    *pause_ms = *pause_ms < 64 ? *pause_ms * 2 : 64;
    return true;
}

int send_with_fds(int sock, const void *buf, size_t len, const int *fds, size_t n_fds)
{
    if (n_fds > NCP_MAX_PASSED_FDS || len == 0)
        return -EINVAL;
    union {
        char buf[CMSG_SPACE(sizeof(int) * NCP_MAX_PASSED_FDS)];
        struct cmsghdr align;
    } control;
    struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
    msg_attach_fds(&msg, control.buf, fds, n_fds);
    unsigned waited_ms = 0, pause_ms = 1;
    for (;;) {
        ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == ETOOMANYREFS && n_fds > 0 && inflight_wait(&waited_ms, &pause_ms))
            continue;
        if (n < 0)
            return -errno;
        if ((size_t)n == len)
            return 0;
        /* Stream socket: the descriptors went with the first byte, send the rest plainly. */
        return write_full(sock, (const char *)buf + n, len - (size_t)n);
    }
}

ssize_t recv_with_fds(int sock, void *buf, size_t len, int *fds, size_t max_fds, size_t *n_fds)
{
    return recv_with_fds_flags(sock, buf, len, fds, max_fds, n_fds, 0);
}

ssize_t recv_with_fds_flags(int sock, void *buf, size_t len, int *fds, size_t max_fds, size_t *n_fds, int flags)
{
    union {
        char buf[CMSG_SPACE(sizeof(int) * NCP_MAX_PASSED_FDS)];
        struct cmsghdr align;
    } control;
    struct iovec iov = { .iov_base = buf, .iov_len = len };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                          .msg_control = control.buf, .msg_controllen = sizeof(control.buf) };
    ssize_t n;
    *n_fds = 0;
    do
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | flags);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    bool bad = (msg.msg_flags & MSG_CTRUNC) != 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
            bad = true;
            continue;
        }
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        int *in = (int *)CMSG_DATA(c);
        for (size_t i = 0; i < count; i++) {
            int fd;
            memcpy(&fd, in + i, sizeof(int));
            if (*n_fds < max_fds)
                fds[(*n_fds)++] = fd;
            else {
                close(fd);
                bad = true;
            }
        }
    }
    if (bad) {
        for (size_t i = 0; i < *n_fds; i++)
            close(fds[i]);
        *n_fds = 0;
        return -EBADMSG;
    }
    return n;
}

int fd_count(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -errno;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1; /* the directory stream's own descriptor */
}

const char *proc_stat_fields_at(int fd, char *buf, size_t size)
{
    ssize_t n = fd >= 0 && size > 1 ? pread(fd, buf, size - 1, 0) : -1;
    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* the name in parentheses may hold anything */
    return p && p[1] == ' ' && p[2] ? p + 2 : NULL;
}

const char *proc_stat_fields(pid_t pid, char *buf, size_t size)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    return proc_stat_fields_at(fd, buf, size);
}
