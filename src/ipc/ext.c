/* SPDX-License-Identifier: Apache-2.0 */
/* The Linux extension (<IPCKit/ipc_ext.h>): the first connection between two
 * processes, from a socket pair the caller made. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "ipc/ipc_internal.h"
#include "log.h"
#include "macro.h"

_public_ OHIPCRemoteProxy *OH_IPCRemoteProxy_CreateFromSocket(int fd)
{
    int r = ipc_sock_check(fd);
    if (r < 0) {
        log_warn_errno(r, "ipc: descriptor %d is not a connected AF_UNIX SOCK_SEQPACKET socket", fd);
        safe_close(fd);
        return NULL;
    }
    struct ipc_conn *c = ipc_conn_new();
    if (!c) {
        safe_close(fd);
        return NULL;
    }
    if (ipc_conn_attach_out(c, fd) < 0) {
        safe_close(fd);
        ipc_conn_unref(c);
        return NULL;
    }
    if (ipc_monitor_add(c) < 0) {
        ipc_conn_unref(c); /* closes fd */
        return NULL;
    }
    OHIPCRemoteProxy *p = ipc_conn_import(c, IPC_ROOT_HANDLE, false, &r);
    if (!p)
        ipc_conn_kill(c, "out of memory");
    ipc_conn_unref(c);
    return p;
}

_public_ int OH_IPCRemoteStub_ServeSocket(OHIPCRemoteStub *stub, int fd)
{
    int r = stub ? ipc_sock_check(fd) : -EINVAL;
    if (r < 0) {
        if (stub)
            log_warn_errno(r, "ipc: descriptor %d is not a connected AF_UNIX SOCK_SEQPACKET socket", fd);
        safe_close(fd);
        return OH_IPC_CHECK_PARAM_ERROR;
    }
    struct ipc_conn *c = ipc_conn_new();
    if (!c) {
        safe_close(fd);
        return OH_IPC_INNER_ERROR;
    }
    if (ipc_conn_attach_in(c, fd) < 0) {
        safe_close(fd);
        ipc_conn_unref(c);
        return OH_IPC_INNER_ERROR;
    }
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
