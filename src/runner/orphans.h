/* SPDX-License-Identifier: Apache-2.0 */
/* The zygote kills what isolated children leave behind (src/runner/orphans.c). */
#pragma once

#include <poll.h>
#include <stddef.h>
#include <sys/types.h>

#define NCP_ORPHANS_MAX 1024 /* isolated children watched at once (twice the per-app limit) */

/* Makes the zygote a child subreaper (once its children are autoreaped). */
void ncp_orphans_enable(void);
/* An isolated child was forked: watch its end (takes a copy of pidfd). */
void ncp_orphans_track(pid_t pid, int pidfd);
/* The watched children's pidfds for poll(); ncp_orphans_ended() takes the
 * same entries back after poll() and notes which children ended. */
size_t ncp_orphans_pollfds(struct pollfd *p, size_t max);
void ncp_orphans_ended(const struct pollfd *p, size_t n);
/* After an isolated child ended: kills what it left behind. */
void ncp_orphans_sweep_if_pending(void);
/* The app is gone: kills every isolated child and all they left behind. */
void ncp_orphans_kill_all(void);
