/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPC Kit C API, Linux extension: connecting two processes over a socket.
 *
 * The reference platform finds objects through a system service; here a
 * connection starts from a connected AF_UNIX SOCK_SEQPACKET socket pair that
 * the caller creates (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
 * and hands down to the other process (fork()+exec with the descriptor kept
 * open, or SCM_RIGHTS).  No filesystem path or abstract socket name is used,
 * so this works between sandboxed processes.
 *
 * One end serves a root object (OH_IPCRemoteStub_ServeSocket), the other end
 * gets a proxy to it (OH_IPCRemoteProxy_CreateFromSocket).  After that, stubs
 * and proxies can be passed in parcels in both directions over the same
 * connection; the library adds a second socket for the reverse direction by
 * itself.  The wire format is documented in ipc-wire-format.md, installed
 * with the package's documents ($(docdir), e.g.
 * /usr/share/doc/libchild_process/; doc/ in the source tree).
 */
#ifndef CAPI_INCLUDE_IPC_EXT_H
#define CAPI_INCLUDE_IPC_EXT_H

#include "ipc_cparcel.h"
#include "ipc_cremote_object.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Connects to the root object served at the other end of a socket.
 * @param fd a connected AF_UNIX SOCK_SEQPACKET socket.  Ownership passes to
 *        the library in every case (it is closed on failure).
 * @return a proxy to the peer's root object (release it with
 *         OH_IPCRemoteProxy_Destroy(); the connection closes when the last
 *         proxy and exported object are gone), or NULL if fd is not a
 *         connected AF_UNIX SOCK_SEQPACKET socket or on lack of resources.
 *         The proxy does not check that the peer is alive: a request on a
 *         dead peer returns OH_IPC_DEAD_REMOTE_OBJECT.
 */
OHIPCRemoteProxy *OH_IPCRemoteProxy_CreateFromSocket(int fd);

/**
 * @brief Serves stub as the root object of the connection on a socket.
 * @param stub the root object; the connection holds its own reference, so
 *        the caller may destroy its reference at once.
 * @param fd the other end of the socket given to
 *        OH_IPCRemoteProxy_CreateFromSocket() in the peer.  Ownership passes
 *        to the library in every case (it is closed on failure).
 * @return OH_IPC_SUCCESS (requests are then served on library threads and
 *         the call returns at once), OH_IPC_CHECK_PARAM_ERROR (NULL stub, fd
 *         not a connected AF_UNIX SOCK_SEQPACKET socket) or
 *         OH_IPC_INNER_ERROR (no thread or memory).  The connection ends when
 *         the peer closes it or dies.
 */
int OH_IPCRemoteStub_ServeSocket(OHIPCRemoteStub *stub, int fd);

#ifdef __cplusplus
}
#endif
#endif /* CAPI_INCLUDE_IPC_EXT_H */
