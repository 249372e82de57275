/* SPDX-License-Identifier: Apache-2.0 */
/* Who is at the other end of a channel (OH_IPCSkeleton_GetCallingPid/Uid).
 *
 * The kernel records, for every connected AF_UNIX socket, the process that
 * made the connection: the one that called connect(), or socketpair() for
 * both ends of a pair.  That record (SO_PEERCRED, and SO_PEERPIDFD for the
 * process itself) cannot be forged by the peer, and a pidfd of it tells when
 * that process is gone even if it handed its socket on.  A frame's
 * SCM_CREDENTIALS can be forged: a process with CAP_SYS_ADMIN and CAP_SETUID
 * may put any pid and uid there.
 *
 * When this process made the pair itself (the usual socketpair() + fork()),
 * the record names us and says nothing about the holder of the other end.
 * Then the first frame's credentials are taken only if the process they name
 * holds that other end: its inode (sock_diag, UNIX_DIAG_PEER) is among the
 * process's descriptors (/proc/PID/fd). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ipc/ipc_internal.h"
#include "common/macro.h"

/* <asm-generic/socket.h> of Linux 6.5; Debian 12's headers predate it. */
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

/* A pidfd of the process pid (-1 where the kernel has none: valgrind, old
 * kernels, a seccomp profile). */
static int open_pidfd(pid_t pid)
{
    long fd = syscall(SYS_pidfd_open, pid, 0);
    return fd < 0 ? -1 : (int)fd;
}

int ipc_peer_from_socket(int fd, pid_t *pid, uid_t *uid, int *pidfd)
{
    struct ucred cr;
    socklen_t l = sizeof(cr);
    *pidfd = -1;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &l) < 0)
        return -errno;
    *pid = cr.pid;
    *uid = cr.uid;
    if (cr.pid <= 0)
        return -ESRCH; /* made in another pid namespace, or by no process */
    if (cr.pid == getpid())
        return -ENXIO;
    int p = -1;
    l = sizeof(p);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &p, &l) == 0 && p >= 0)
        *pidfd = p;
    else if (errno == ESRCH)
        return -ESRCH; /* it has ended already */
    else
        *pidfd = open_pidfd(cr.pid); /* before Linux 6.5 */
    return 0;
}

/* The inode of the other end of the AF_UNIX socket fd. */
static int peer_inode(int fd, uint32_t *ino)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -errno;
    _cleanup_close_ int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (nl < 0)
        return -errno;
    struct {
        struct nlmsghdr nlh;
        struct unix_diag_req req;
    } q = {
        .nlh = { .nlmsg_len = sizeof(q), .nlmsg_type = SOCK_DIAG_BY_FAMILY, .nlmsg_flags = NLM_F_REQUEST },
        .req = { .sdiag_family = AF_UNIX,
                 .udiag_states = UINT32_MAX,
                 .udiag_ino = (uint32_t)st.st_ino,
                 .udiag_show = UDIAG_SHOW_PEER,
                 .udiag_cookie = { INET_DIAG_NOCOOKIE, INET_DIAG_NOCOOKIE } },
    };
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    if (sendto(nl, &q, sizeof(q), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
        return -errno;
    union {
        char buf[1024];
        struct nlmsghdr align;
    } a;
    ssize_t n = recv(nl, a.buf, sizeof(a.buf), 0);
    if (n < 0)
        return -errno;
    for (struct nlmsghdr *h = &a.align; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
        if (h->nlmsg_type == NLMSG_ERROR) {
            const struct nlmsgerr *e = NLMSG_DATA(h);
            return e->error < 0 ? e->error : -EPROTO;
        }
        if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct unix_diag_msg)))
            continue;
        const struct unix_diag_msg *m = NLMSG_DATA(h);
        if (m->udiag_ino != (uint32_t)st.st_ino)
            continue;
        const char *at = (const char *)m + NLMSG_ALIGN(sizeof(*m));
        size_t left = h->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*m)));
        while (left >= NLA_HDRLEN) {
            struct nlattr na;
            memcpy(&na, at, sizeof(na));
            if (na.nla_len < NLA_HDRLEN || na.nla_len > left)
                break;
            if (na.nla_type == UNIX_DIAG_PEER && na.nla_len >= NLA_HDRLEN + sizeof(*ino)) {
                memcpy(ino, at + NLA_HDRLEN, sizeof(*ino));
                return 0;
            }
            size_t step = NLA_ALIGN(na.nla_len);
            if (step >= left)
                break;
            at += step;
            left -= step;
        }
        return -ENOTCONN;
    }
    return -EPROTO;
}

static void closedirp(DIR **d)
{
    if (*d)
        closedir(*d);
}

/* 1: process pid has a descriptor of socket inode ino; 0: it has not;
 * -errno: cannot tell (its descriptors are not ours to see). */
static int holds_socket(pid_t pid, uint32_t ino)
{
    char dir[64], want[48], link[64];
    snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
    snprintf(want, sizeof(want), "socket:[%" PRIu32 "]", ino);
    _cleanup_(closedirp) DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : -errno;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        ssize_t n = readlinkat(dirfd(d), e->d_name, link, sizeof(link) - 1);
        if (n <= 0)
            continue;
        link[n] = '\0';
        if (!strcmp(link, want))
            return 1;
    }
    return 0;
}

int ipc_peer_verify(int fd, pid_t pid, int *pidfd)
{
    *pidfd = -1;
    uint32_t ino;
    int r = peer_inode(fd, &ino);
    if (r < 0)
        return r;
    /* The pidfd first: then a process found holding the socket is the one
     * it names (its pid cannot have been reused in between). */
    _cleanup_close_ int p = open_pidfd(pid);
    r = holds_socket(pid, ino);
    if (r == 1 && p >= 0 && syscall(SYS_pidfd_send_signal, p, 0, NULL, 0) < 0)
        r = 0; /* ended meanwhile */
    if (r == 1)
        *pidfd = TAKE_FD(p);
    return r;
}
