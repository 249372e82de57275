/* SPDX-License-Identifier: Apache-2.0 */
/* The Linux extension (<IPCKit/ipc_ext.h>): the first connection between two
 * processes, from a socket pair the caller made. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipc/ipc_internal.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/syscall-compat.h"

/* A connection over the socket `fd` (taken: closed on failure), attached
 * as its in channel (calls come in on it) or its out channel (calls go
 * out).  -EINVAL (logged) when fd is not a connected SOCK_SEQPACKET socket. */
static int conn_on_socket(int fd, bool in, struct ipc_conn **out)
{
    int r = ipc_sock_check(fd);
    if (r < 0) {
        log_warn_errno(r, "ipc: descriptor %d is not a connected AF_UNIX SOCK_SEQPACKET socket", fd);
        safe_close(fd);
        return -EINVAL;
    }
    struct ipc_conn *c = ipc_conn_new();
    if (!c) {
        safe_close(fd);
        return -ENOMEM;
    }
    if ((in ? ipc_conn_attach_in(c, fd) : ipc_conn_attach_out(c, fd)) < 0) {
        safe_close(fd);
        ipc_conn_unref(c);
        return -ENOMEM;
    }
    *out = c;
    return 0;
}

_public_ OHIPCRemoteProxy *OH_IPCRemoteProxy_CreateFromSocket(int fd)
{
    struct ipc_conn *c;
    if (conn_on_socket(fd, false, &c) < 0)
        return NULL;
    if (ipc_monitor_add(c) < 0) {
        ipc_conn_unref(c); /* closes fd */
        return NULL;
    }
    int r;
    OHIPCRemoteProxy *p = ipc_conn_import(c, IPC_ROOT_HANDLE, false, &r);
    if (!p)
        ipc_conn_kill(c, "out of memory");
    ipc_conn_unref(c);
    return p;
}

_public_ int OH_IPCRemoteStub_ServeSocket(OHIPCRemoteStub *stub, int fd)
{
    if (!stub) {
        safe_close(fd);
        return OH_IPC_CHECK_PARAM_ERROR;
    }
    struct ipc_conn *c;
    int r = conn_on_socket(fd, true, &c);
    if (r < 0)
        return r == -EINVAL ? OH_IPC_CHECK_PARAM_ERROR : OH_IPC_INNER_ERROR;
    if (ipc_conn_set_root(c, stub) < 0 || ipc_monitor_add(c) < 0) {
        ipc_conn_unref(c);
        return OH_IPC_INNER_ERROR;
    }
    r = ipc_serve_start(c);
    if (r < 0)
        ipc_conn_kill(c, "no worker thread");
    ipc_conn_unref(c);
    return r < 0 ? OH_IPC_INNER_ERROR : OH_IPC_SUCCESS;
}

/* The real uid of process pid as this process sees it (an isolated child's
 * root in its user namespace is our uid here), from /proc. */
static int read_uid(pid_t pid, uid_t *uid)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    int r = -ENODATA;
    while (fgets(line, sizeof(line), f))
        if (!strncmp(line, "Uid:", 4)) {
            unsigned long u;
            if (sscanf(line + 4, "%lu", &u) == 1) {
                *uid = (uid_t)u;
                r = 0;
            }
            break;
        }
    fclose(f);
    return r;
}

/* For libchild_process: the other end of an IPC child's socket is the child
 * it started, and SO_PEERCRED cannot say so (the app made the socket pair,
 * the kernel names the app).  So the identity comes from the child's
 * process and is pinned, and the connection's life follows that process,
 * not the socket, which a process the child forked may hold on to. */
_public_ int ncp_ipc_proxy_bind_process(OHIPCRemoteProxy *proxy, int pidfd, pid_t pid)
{
    if (!proxy || !proxy->conn || pidfd < 0 || pid <= 0)
        return -EINVAL;
    struct ipc_conn *c = proxy->conn;
    uid_t uid = (uid_t)-1;
    int r = read_uid(pid, &uid);
    /* Still the same process (not a reused pid) once its uid was read. */
    if (r == 0)
        r = ncp_pidfd_kill(pidfd, pid, 0);
    int fd = r == 0 ? fcntl(pidfd, F_DUPFD_CLOEXEC, 3) : -1;
    if (r == 0 && fd < 0)
        r = -errno;
    if (r < 0) {
        ipc_conn_kill(c, r == -ESRCH || r == -ENOENT ? NULL : "cannot identify the peer process");
        return log_debug_errno(r, "ipc: cannot bind a connection to pid %d", (int)pid);
    }
    pthread_mutex_lock(&c->lock);
    __atomic_store_n(&c->peer_pid, pid, __ATOMIC_RELAXED);
    __atomic_store_n(&c->peer_uid, uid, __ATOMIC_RELAXED);
    __atomic_store_n(&c->cred_learned, true, __ATOMIC_RELEASE);
    __atomic_store_n(&c->peer_pinned, true, __ATOMIC_RELEASE);
    /* A first request of the child's may have pinned it already (serve.c):
     * its pidfd is watched then. */
    bool watched = c->peer_pidfd >= 0;
    if (!watched)
        __atomic_store_n(&c->peer_pidfd, fd, __ATOMIC_RELEASE);
    bool dead = c->dead;
    pthread_mutex_unlock(&c->lock);
    if (watched)
        safe_close(fd);
    if (dead || watched)
        return 0; /* closed meanwhile: the pidfd goes with it */
    r = ipc_monitor_add_pidfd(c, fd);
    if (r == -ENOENT)
        return 0; /* the monitor already let go of it: it died meanwhile */
    if (r < 0) {
        ipc_conn_kill(c, "cannot watch the peer process");
        return log_warn_errno(r, "ipc: cannot watch pid %d", (int)pid);
    }
    return 0;
}
