/* SPDX-License-Identifier: Apache-2.0 */
/* The parent's side of IPC children: turning the child's report into the
 * single start callback, with a proxy on success. */
#include <errno.h>

#include <IPCKit/ipc_ext.h>

#include "common/closer.h"
#include "common/log.h"
#include "common/macro.h"
#include "ipc_child.h"

/* libipc_capi's, for this library only (src/ipc/libipc_capi.sym). */
int ncp_ipc_proxy_bind_process(OHIPCRemoteProxy *proxy, int pidfd, pid_t pid);

void ncp_ipc_child_failed(struct ncp_child *c, int code)
{
    if (c->started_reported)
        return;
    c->started_reported = true;
    c->ipc_fd = ncp_close_later(c->ipc_fd); /* its queue may hold the child's descriptors */
    ncp_log_about(NCP_LOG_INFO, c->name, c->pid, "IPC child %s (pid %d): start failed with %d", c->name, (int)c->pid,
                  code);
    c->on_started(code, NULL);
}

void ncp_ipc_child_started(struct ncp_child *c)
{
    if (c->started_reported)
        return;
    OHIPCRemoteProxy *proxy = OH_IPCRemoteProxy_CreateFromSocket(TAKE_FD(c->ipc_fd));
    if (!proxy) {
        ncp_log_about(NCP_LOG_ERROR, c->name, c->pid, "IPC child %s (pid %d): cannot create a proxy for its stub",
                      c->name, (int)c->pid);
        ncp_ipc_child_failed(c, NCP_ERR_INTERNAL);
        return;
    }
    /* The peer is this child, as its pidfd says, and dies with it. */
    int r = ncp_ipc_proxy_bind_process(proxy, c->pidfd, c->pid);
    if (r < 0 && r != -ESRCH)
        log_warn_errno(r, "IPC child %s (pid %d): its connection is not tied to its process", c->name, (int)c->pid);
    c->started_reported = true;
    c->on_started(NCP_NO_ERROR, proxy);
}
