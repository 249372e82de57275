/* SPDX-License-Identifier: Apache-2.0 */
/* What the supervisor reads from a live child (child_watch.c): the reports
 * on its launch socket (how far its start got, why it failed) and, for an
 * isolated child, its stdout and stderr pipes.  Supervisor thread only. */
#pragma once

#include <stdbool.h>

#include "child.h"

/* The watches' callbacks (event_loop.h), on c->on_report, c->on_stdout and
 * c->on_stderr. */
void ncp_child_report_ready(struct ncp_watch *w);
void ncp_child_stdout_ready(struct ncp_watch *w);
void ncp_child_stderr_ready(struct ncp_watch *w);

/* Watches c's launch socket, unless c is an args child left unwatched
 * (ncp_child_unwatch_launch()).  0 or -errno. */
int ncp_child_watch_launch(struct ncp_child *c);
/* Watches an isolated child's output pipes for its whole life, so that it
 * can write more than a pipe holds.  0 or -errno. */
int ncp_child_watch_stdio(struct ncp_child *c);
/* After the start, nothing the app expects on a launch socket carries a
 * descriptor: refuses them in the kernel where it can. */
void ncp_child_refuse_fds(struct ncp_child *c);

/* Reads whatever reports c has sent; closes the socket at EOF or on garbage. */
void ncp_child_read_reports(struct ncp_child *c);
void ncp_child_close_launch(struct ncp_child *c);
void ncp_child_close_stdio(struct ncp_child *c);

/* c ended: all it wrote is in its pipes, and goes out before anyone hears of
 * its end.  True when it is out; false when some waits for a full app fd
 * (then ncp_child_retry_output() reports the end once it is out). */
bool ncp_child_flush_output(struct ncp_child *c);
/* Tries again the output that waits for the app's fds, and calls flushed(c)
 * for the ENDING children whose output is now all out.  Returns the epoll
 * timeout (-1: nothing waits). */
int ncp_child_retry_output(void (*flushed)(struct ncp_child *c));
/* A fork()ed copy of the app: the children that waited are not its own. */
void ncp_child_watch_forget(void);
