/* SPDX-License-Identifier: Apache-2.0 */
/* Frames on a SOCK_SEQPACKET socket: hostile-input decoding and the syscalls. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/closer.h"
#include "common/fd-util.h"
#include "ipc/wire.h"
#include "common/log.h"
#include "common/macro.h"

_Static_assert(sizeof(struct ipc_frame_hdr) == 32, "frame header is 32 bytes");
_Static_assert(sizeof(struct ipc_wire_obj) == 12, "object entry is 12 bytes");
_Static_assert(sizeof(struct ipc_wire_release) == 12, "release entry is 12 bytes");

/* The fields every frame type shares. */
static int check_common(const struct ipc_frame_hdr *h, unsigned nfds)
{
    if (h->magic != IPC_FRAME_MAGIC)
        return -EBADMSG;
    if (h->version != IPC_FRAME_VERSION)
        return -EPROTONOSUPPORT;
    if (h->reserved[0] || h->reserved[1] || h->reserved[2])
        return -EBADMSG;
    if (h->flags & ~IPC_FF_ALL)
        return -EBADMSG;
    if (h->nfds != nfds || nfds > IPC_FRAME_MAX_FDS)
        return -EBADMSG;
    if (h->data_len > IPC_PARCEL_MAX)
        return -E2BIG;
    if (h->data_len % 4)
        return -EBADMSG;
    if (h->nobjs > h->data_len / IPC_OBJ_SLOT)
        return -EBADMSG;
    return 0;
}

static int check_request(const struct ipc_frame_hdr *h)
{
    if (h->flags & IPC_FF_ONEWAY) {
        if (h->id != 0)
            return -EBADMSG;
    } else if (h->id == 0)
        return -EBADMSG;
    if (!(h->flags & IPC_FF_INTERNAL) && (h->code < 1 || h->code > 0x00ffffffu))
        return -EBADMSG;
    return 0;
}

static int check_reply(const struct ipc_frame_hdr *h)
{
    if (h->flags & (IPC_FF_ONEWAY | IPC_FF_CHANNEL | IPC_FF_INTERNAL))
        return -EBADMSG;
    if (h->id == 0 || h->handle != 0)
        return -EBADMSG;
    return 0;
}

static int check_release(const struct ipc_frame_hdr *h)
{
    if (h->flags & ~IPC_FF_SPILL)
        return -EBADMSG;
    if (h->id || h->handle || h->code || h->nobjs)
        return -EBADMSG;
    if (h->data_len == 0 || h->data_len % sizeof(struct ipc_wire_release))
        return -EBADMSG;
    return 0;
}

static int check_type(const struct ipc_frame_hdr *h)
{
    switch (h->type) {
    case IPC_FRAME_REQUEST:
        return check_request(h);
    case IPC_FRAME_REPLY:
        return check_reply(h);
    case IPC_FRAME_RELEASE:
        return check_release(h);
    default:
        return -EBADMSG;
    }
}

/* Where the spill memfd and the channel are among the nfds descriptors:
 * after the parcel's own. */
static int locate_fds(unsigned nfds, struct ipc_frame_info *info)
{
    uint16_t flags = info->hdr.flags;
    unsigned extra = 0;
    if (flags & IPC_FF_SPILL)
        info->spill_idx = (int)extra++;
    if (flags & IPC_FF_CHANNEL)
        info->channel_idx = (int)extra++;
    if (nfds < extra)
        return -EBADMSG;
    info->n_parcel_fds = nfds - extra;
    if (info->n_parcel_fds > IPC_PARCEL_MAX_FDS)
        return -EBADMSG;
    if (info->spill_idx >= 0)
        info->spill_idx += (int)info->n_parcel_fds;
    if (info->channel_idx >= 0)
        info->channel_idx += (int)info->n_parcel_fds;
    return 0;
}

/* The body is the rest of the datagram, or in the spill memfd when the
 * datagram is the header alone. */
static int locate_body(const void *buf, size_t len, struct ipc_frame_info *info)
{
    const struct ipc_frame_hdr *h = &info->hdr;
    info->body_len = (size_t)h->data_len + (size_t)h->nobjs * sizeof(struct ipc_wire_obj);
    if (h->flags & IPC_FF_SPILL) {
        if (len != sizeof(*h))
            return -EBADMSG;
        info->body = NULL;
        return 0;
    }
    if (len - sizeof(*h) != info->body_len)
        return -EBADMSG;
    info->body = (const uint8_t *)buf + sizeof(*h);
    return 0;
}

int ipc_frame_parse(const void *buf, size_t len, unsigned nfds, struct ipc_frame_info *info)
{
    int r;

    memset(info, 0, sizeof(*info));
    info->spill_idx = info->channel_idx = -1;
    if (len < sizeof(info->hdr))
        return -EBADMSG;
    memcpy(&info->hdr, buf, sizeof(info->hdr));
    if ((r = check_common(&info->hdr, nfds)) < 0 || (r = check_type(&info->hdr)) < 0 ||
        (r = locate_fds(nfds, info)) < 0)
        return r;
    return locate_body(buf, len, info);
}

int ipc_body_check(const struct ipc_frame_info *info, const uint8_t *body, size_t len)
{
    const struct ipc_frame_hdr *h = &info->hdr;

    if (len != info->body_len)
        return -EBADMSG;
    if (h->type == IPC_FRAME_RELEASE)
        return 0; /* entries are checked against the export table */

    uint8_t used[IPC_PARCEL_MAX_FDS] = { 0 };
    unsigned nfd_refs = 0;
    uint64_t next_free = 0; /* first data offset not covered by a previous slot */
    for (uint32_t i = 0; i < h->nobjs; i++) {
        struct ipc_wire_obj o;
        memcpy(&o, body + h->data_len + (size_t)i * sizeof(o), sizeof(o));
        if (o.offset % 4 || o.offset < next_free || (uint64_t)o.offset + IPC_OBJ_SLOT > h->data_len)
            return -EBADMSG;
        next_free = (uint64_t)o.offset + IPC_OBJ_SLOT;
        switch (o.kind) {
        case IPC_WIRE_FD:
            if (o.handle >= info->n_parcel_fds || used[o.handle])
                return -EBADMSG;
            used[o.handle] = 1;
            nfd_refs++;
            break;
        case IPC_WIRE_SENDER_OBJ:
        case IPC_WIRE_RECEIVER_OBJ:
            break;
        default:
            return -EBADMSG;
        }
    }
    if (nfd_refs != info->n_parcel_fds)
        return -EBADMSG;
    return 0;
}

void ipc_frame_hdr_init(struct ipc_frame_hdr *h, uint8_t type, uint16_t flags, uint32_t id, uint32_t handle,
                        uint32_t code)
{
    memset(h, 0, sizeof(*h));
    h->magic = IPC_FRAME_MAGIC;
    h->version = IPC_FRAME_VERSION;
    h->type = type;
    h->flags = flags;
    h->id = id;
    h->handle = handle;
    h->code = code;
}

static unsigned send_timeout_ms(void);

/* Frames up to this size without descriptors are sent from one buffer. */
#define IPC_SEND_FLAT_MAX 1024u

static long long ms_until(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long ms = (long long)(t->tv_sec - now.tv_sec) * 1000 + (t->tv_nsec - now.tv_nsec) / 1000000;
    return ms < 0 ? 0 : ms;
}

/* Waits until fd may take a datagram, at most until the caller's deadline
 * (-ETIME) or the end of the send timeout (-ETIMEDOUT: the peer stopped
 * reading).  0 or -errno. */
static int wait_writable(int fd, const struct timespec *deadline, struct timespec *stall_end)
{
    if (stall_end->tv_sec == 0) {
        unsigned ms = send_timeout_ms();
        clock_gettime(CLOCK_MONOTONIC, stall_end);
        stall_end->tv_sec += ms / 1000;
        stall_end->tv_nsec += (long)(ms % 1000) * 1000000L;
        if (stall_end->tv_nsec >= 1000000000L) {
            stall_end->tv_sec++;
            stall_end->tv_nsec -= 1000000000L;
        }
    }
    long long mine = ms_until(deadline), stall = ms_until(stall_end);
    if (mine == 0 || stall == 0)
        return stall <= mine ? -ETIMEDOUT : -ETIME;
    long long ms = mine < stall ? mine : stall;
    struct pollfd p = { .fd = fd, .events = POLLOUT };
    int k = poll(&p, 1, ms > INT32_MAX ? INT32_MAX : (int)ms);
    if (k < 0 && errno != EINTR)
        return -errno;
    return 0; /* writable, interrupted or timed out: sendmsg() again, then this tells */
}

/* Copies a small frame into flat when it has no descriptors: send() of one
 * buffer spares the kernel copying in and checking a msghdr and an iovec
 * array, which sendmsg() costs on every frame.  Returns the length copied,
 * or 0 when the frame goes out with sendmsg(). */
static size_t flatten_small(const struct iovec *iov, int iovcnt, unsigned nfds, uint8_t *flat, size_t size)
{
    size_t len = 0;
    if (nfds > 0)
        return 0;
    for (int i = 0; i < iovcnt; i++) {
        if (iov[i].iov_len > size - len)
            return 0;
        if (iov[i].iov_len)
            memcpy(flat + len, iov[i].iov_base, iov[i].iov_len);
        len += iov[i].iov_len;
    }
    return len;
}

int ipc_sock_send(int fd, const struct iovec *iov, int iovcnt, const int *fds, unsigned nfds,
                  const struct timespec *deadline)
{
    struct timespec stall_end = { 0, 0 };
    union {
        char buf[CMSG_SPACE(sizeof(int) * IPC_FRAME_MAX_FDS)];
        struct cmsghdr align;
    } control;
    struct msghdr msg = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt };
    uint8_t flat[IPC_SEND_FLAT_MAX];

    if (nfds > IPC_FRAME_MAX_FDS)
        return -E2BIG;
    size_t flat_len = flatten_small(iov, iovcnt, nfds, flat, sizeof(flat));
    msg_attach_fds(&msg, control.buf, fds, nfds);
    unsigned refused_ms = 0, pause_ms = 1;
    for (;;) {
        /* With a deadline, never block in sendmsg(): the socket's SO_SNDTIMEO
         * is shared by every thread, the caller's bound is its own. */
        int flags = MSG_NOSIGNAL | (deadline ? MSG_DONTWAIT : 0);
        ssize_t n = flat_len ? send(fd, flat, flat_len, flags) : sendmsg(fd, &msg, flags);
        if (n >= 0)
            return 0;
        if (errno == EINTR)
            continue;
        /* Too many of this user's descriptors in flight (inflight_wait() in
         * fd-util.h): it passes once their receivers catch up; until the
         * caller's deadline, and never longer than NCP_INFLIGHT_WAIT_MS. */
        if (errno == ETOOMANYREFS && nfds > 0 && (!deadline || ms_until(deadline) > 0) &&
            inflight_wait(&refused_ms, &pause_ms))
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return -errno;
        if (!deadline)
            return -ETIMEDOUT; /* SO_SNDTIMEO expired */
        int k = wait_writable(fd, deadline, &stall_end);
        if (k < 0)
            return k;
    }
}

/* The peer's descriptors are closed by closer threads (closer.h): the last
 * close of one can block as long as the peer likes, and the thread here is
 * a worker serving requests or a caller with a timeout. */
void ipc_recv_close_fds(struct ipc_recv *r)
{
    for (unsigned i = 0; i < r->nfds; i++)
        r->fds[i] = ncp_close_later(r->fds[i]);
    r->nfds = 0;
}

void ipc_recv_discard_fds(struct ipc_recv *r)
{
    for (unsigned i = 0; i < r->nfds; i++)
        r->fds[i] = ncp_discard_fd(r->fds[i]);
    r->nfds = 0;
}

int ipc_sock_recv(int fd, uint8_t *buf, size_t buflen, struct ipc_recv *r, int timeout_ms, bool nonblock)
{
    union {
        char buf[CMSG_SPACE(sizeof(int) * IPC_FRAME_MAX_FDS) + CMSG_SPACE(sizeof(struct ucred))];
        struct cmsghdr align;
    } control;
    struct iovec iov = { .iov_base = buf, .iov_len = buflen };
    struct msghdr msg;
    ssize_t n;

    r->nfds = 0;
    r->have_cred = false;
    if (timeout_ms >= 0) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int k;
        do
            k = poll(&p, 1, timeout_ms);
        while (k < 0 && errno == EINTR);
        if (k < 0)
            return -errno;
        if (k == 0)
            return -EAGAIN;
    }
    for (;;) {
        memset(&msg, 0, sizeof(msg));
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.buf;
        msg.msg_controllen = sizeof(control.buf);
        n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | (nonblock || timeout_ms >= 0 ? MSG_DONTWAIT : 0));
        if (n >= 0)
            break;
        if (errno == EINTR)
            continue;
        if (errno == EWOULDBLOCK)
            return -EAGAIN;
        return -errno;
    }
    /* A caller that lets pthread_cancel act while it waits here
     * (transact.c) is not cancelled once a frame and its descriptors are in
     * hand: they would be lost, and the frame may be another caller's
     * reply. */
    _cleanup_(ipc_cancel_restore) int cancel_state = ipc_cancel_hold();

    /* Collect descriptors first so that every path below can close them. */
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET)
            continue;
        if (c->cmsg_type == SCM_RIGHTS) {
            size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t i = 0; i < k; i++) {
                int rfd;
                memcpy(&rfd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                if (r->nfds < IPC_FRAME_MAX_FDS)
                    r->fds[r->nfds++] = rfd;
                else
                    ncp_discard_fd(rfd);
            }
        } else if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
            struct ucred cred;
            memcpy(&cred, CMSG_DATA(c), sizeof(cred));
            r->have_cred = true;
            r->pid = cred.pid;
            r->uid = cred.uid;
        }
    }
    if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
        ipc_recv_discard_fds(r);
        return -EPROTO;
    }
    r->len = (size_t)n;
    if (n == 0) {
        ipc_recv_close_fds(r);
        return 0;
    }
    return 1;
}

int ipc_spill_create(const struct iovec *iov, int iovcnt, size_t total)
{
    _cleanup_close_ int fd = memfd_create("ipc-parcel", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return -errno;
    if (ftruncate(fd, (off_t)total) < 0)
        return -errno;
    off_t off = 0;
    for (int i = 0; i < iovcnt; i++) {
        int r = pwrite_full(fd, iov[i].iov_base, iov[i].iov_len, off);
        if (r < 0)
            return r;
        off += (off_t)iov[i].iov_len;
    }
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
        return -errno;
    return TAKE_FD(fd);
}

int ipc_spill_read(int fd, uint8_t *buf, size_t len)
{
    struct stat st;
    const int need = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

    if (fstat(fd, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode) || st.st_size < 0 || (size_t)st.st_size != len)
        return -EBADMSG;
    /* Only shmem (memfd) supports seals: this also rules out files whose
     * reads could block (FUSE, FIFOs) or change under us. */
    int seals = fcntl(fd, F_GET_SEALS);
    if (seals < 0 || (seals & need) != need)
        return -EBADMSG;
    /* At offset 0 whatever the shared file offset is (the sender's, after its writes). */
    int r = pread_full(fd, buf, len, 0);
    return r == -EPIPE ? -EBADMSG : r; /* shorter than its size said */
}

int ipc_sock_check(int fd)
{
    int v;
    socklen_t l = sizeof(v);

    if (fd < 0)
        return -EBADF;
    if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &l) < 0)
        return -errno;
    if (v != AF_UNIX)
        return -EAFNOSUPPORT;
    l = sizeof(v);
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &l) < 0)
        return -errno;
    if (v != SOCK_SEQPACKET)
        return -ESOCKTNOSUPPORT;
    struct sockaddr_un peer;
    l = sizeof(peer);
    if (getpeername(fd, (struct sockaddr *)&peer, &l) < 0)
        return -errno;
    return 0;
}

static unsigned send_timeout_ms(void)
{
    static int cached = -1;
    int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (v < 0) {
        const char *e = getenv("NCP_IPC_SEND_TIMEOUT_MS");
        char *end;
        long l = e ? strtol(e, &end, 10) : 0;
        v = (e && *e && !*end && l > 0 && l <= 3600000) ? (int)l : 30000;
        __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
    }
    return (unsigned)v;
}

size_t ipc_sock_setup(int fd, bool passcred)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0 && (fl & O_NONBLOCK))
        (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    unsigned ms = send_timeout_ms();
    struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
    if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
        log_warn_errno(errno, "ipc: cannot set a send timeout on socket %d", fd);
    if (passcred) {
        int one = 1;
        if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
            log_warn_errno(errno, "ipc: cannot enable SO_PASSCRED on socket %d", fd);
    }
    /* A datagram must fit the send buffer (the kernel refuses len > sndbuf - 32). */
    int sndbuf = 0;
    socklen_t l = sizeof(sndbuf);
    size_t max = IPC_FRAME_MAX;
    if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &l) == 0 && sndbuf > 0) {
        size_t lim = (size_t)sndbuf / 2;
        if (lim < max)
            max = lim;
    }
    if (max < sizeof(struct ipc_frame_hdr) + 64)
        max = sizeof(struct ipc_frame_hdr) + 64;
    return max;
}
