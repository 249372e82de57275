/* SPDX-License-Identifier: Apache-2.0 */
/* The supervisor (supervisor.c): takes each child from its start on, creates
 * the children that are exec'd directly on its thread (so that their
 * parent-death signal is tied to a thread that lives as long as the
 * process), reads the ends the zygote reports, and enforces the connect
 * deadline of IPC children and the wall-time limit of all.  Its thread is
 * the event loop (event_loop.h); a child's watches are in child_watch.c, its
 * end in child_end.c. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "child.h"
#include "spawn/spawner.h"

/* Exec path: creates the child described by `p` on the supervisor thread and
 * registers `c` (which the supervisor then owns; freed after the child ends).
 * Returns 0 with *pid set (c itself may be gone by then), or -errno. */
int ncp_supervisor_spawn(struct ncp_child *c, const struct ncp_spawn_params *p, pid_t *pid);
/* Zygote path: registers `c` (pid and pidfd set) forked by the zygote.
 * Returns 0 (the supervisor owns c from here on: it may be freed at any
 * time), or -errno with the child killed and c still the caller's to free,
 * as after a failed ncp_supervisor_spawn(). */
int ncp_supervisor_adopt(struct ncp_child *c);
/* Starts reading the ends the zygote reports on `fd`.  Called with the
 * zygote's lock held (src/app/zygote_client.c). */
int ncp_supervisor_watch_zygote(int fd);
/* Stops reading `fd`, the socket of a zygote that is gone, if it is the one
 * watched.  Called with the zygote's lock held, before `fd` is closed: a new
 * zygote (which may get the same descriptor number) is watched only after. */
void ncp_supervisor_unwatch_zygote(int fd);
/* Whether the calling thread is the supervisor (a callback runs on it). */
bool ncp_supervisor_is_current(void);
