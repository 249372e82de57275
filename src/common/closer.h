/* SPDX-License-Identifier: Apache-2.0 */
/* Closing descriptors a child may have handed us, off the threads that serve
 * children.
 *
 * close() runs the last release of the file on the calling thread: a TCP
 * socket with SO_LINGER waits for its unsent data (as long as the sender
 * chose), a pty for its output to drain, a FUSE file for its server, a mount
 * namespace for its teardown.  A descriptor a child sent us, or a socket whose
 * queue holds descriptors a child sent, must therefore never be closed by the
 * supervisor thread, an IPC worker or a caller waiting with a timeout: it goes
 * to a closer thread instead.  A closer that blocks does not block the next
 * close: up to NCP_CLOSERS_MAX closers run at once; past that the queue
 * waits (the descriptors stay counted in ncp_close_pending()).
 *
 * Not for the runner or the zygote: they stay single-threaded, so that a
 * fork of them runs nothing but fork-safe code (src/runner/zygote_proto.h). */
#pragma once

#include <stddef.h>

#define NCP_CLOSERS_MAX 4

/* Closes fd (if >= 0) on a closer thread; returns -1 for assignment.  Falls
 * back to close() here when no closer can run (no memory, no thread, or in
 * the child of a fork() until it starts one of its own). */
int ncp_close_later(int fd);
/* The same for a descriptor that arrived where none was expected (a launch
 * report, a rejected frame): a socket among them is also reset on close
 * (SO_LINGER 0), so that no closer waits for it. */
int ncp_discard_fd(int fd);
/* Descriptors waiting for, or inside, a close right now. */
size_t ncp_close_pending(void);
/* Registers the closer's fork handlers, once (ncp_close_later() does it too).
 * A caller that queues descriptors while holding a lock of its own, whose
 * fork handlers take that lock, calls this before registering them: handlers
 * registered first prepare last, so fork() takes the locks in the order
 * they nest. */
void ncp_closer_init(void);
