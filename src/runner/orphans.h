/* SPDX-License-Identifier: Apache-2.0 */
/* Killing what isolated children leave behind: the zygote's and ncp-run's (src/runner/orphans.c). */
#pragma once

#include <poll.h>
#include <stddef.h>
#include <sys/types.h>

#define NCP_ORPHANS_MAX 1024 /* isolated children watched at once (twice the per-app limit) */

/* The network namespace of pid, as a number (0 or -errno). */
int ncp_orphans_netns_of(pid_t pid, ino_t *ino);
/* Makes this process a child subreaper (the zygote: once its children are
 * autoreaped). */
void ncp_orphans_enable(void);
struct ncp_cgroup;
/* An isolated child was forked: watch its end (takes a copy of pidfd) and
 * take its cgroup (*cg, which is then none; it may be none already), to be
 * killed and removed when it ends. */
void ncp_orphans_track(pid_t pid, int pidfd, struct ncp_cgroup *cg);
/* The watched children's pidfds for poll(); ncp_orphans_ended() takes the
 * same entries back after poll() and notes which children ended. */
size_t ncp_orphans_pollfds(struct pollfd *p, size_t max);
void ncp_orphans_ended(const struct pollfd *p, size_t n);
/* After an isolated child ended: kills what it left behind. */
void ncp_orphans_sweep_if_pending(void);
/* The app is gone (the zygote), or the child has ended (ncp-run): kills
 * every child of ours in another network namespace than ours, and all they
 * left behind (the tracked children's cgroups first). */
void ncp_orphans_kill_all(void);
/* Kills every process of the machine in network namespace netns (not ours),
 * until none is left; returns how many were killed.  Needs no subreaper:
 * ncp-run's guard, which outlives ncp-run, finds them wherever they went. */
unsigned ncp_orphans_kill_netns(ino_t netns);
