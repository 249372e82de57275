/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A cgroup v2 of its own for each isolated child (cgroup.c), where this
 * process's cgroup v2 (or, for a user other than root, its parent) is ours
 * to manage.  The child is created in it (CLONE_INTO_CGROUP); when it ends,
 * cgroup.kill ends whatever it left behind and the directory is removed.
 * Used by the zygote (the children it forks), by the library (exec'd
 * children), by the reaper (what a gone owner left) and by the doctor.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "common/resource_limits.h"

struct ncp_cgroup_info {
    bool usable;           /* per-child cgroups are made */
    bool beside;           /* in the parent of this process's cgroup (delegated to us), not in it */
    char dir[4096];        /* where they are made (or this process's cgroup when !usable) */
    char controllers[32];  /* of "memory pids cpu", those the per-child cgroups get; "" when none */
    char limits_why[320];  /* usable: what the controllers allow, and why not more */
    char why[512];         /* what holds and why not the rest: the log line's and the doctor's */
};
/* What this process would do (probed once, cached). */
void ncp_cgroup_probe(struct ncp_cgroup_info *out);
/* At a process's first isolated start: one info line saying what holds, and
 * ncp_cgroup_sweep_stale(). */
void ncp_cgroup_setup_once(void);

/* One isolated child's cgroup: a descriptor of its directory and its name
 * in the directory of ncp_cgroup_info. */
struct ncp_cgroup {
    int fd;
    char name[80];
};
#define NCP_CGROUP_NONE ((struct ncp_cgroup){ .fd = -1 })
/* Makes a new, empty per-child cgroup: 0, -EOPNOTSUPP when there is no
 * usable cgroup v2 here (NCP_TEST_NO_CGROUP=1 says so too), or -errno. */
int ncp_cgroup_create(struct ncp_cgroup *cg);
/* The limits of a start that a cgroup takes, written in the per-child
 * cgroup behind dir_fd: pids.max from nproc (the same meaning: the child's
 * processes and threads, all of them, a root app's too), where the pids
 * controller is enabled for it.  No limit setting means memory.max,
 * memory.swap.max or cpu.max.  0 (nothing to write too) or -errno. */
int ncp_cgroup_apply_limits(int dir_fd, const struct ncp_limits *l);
/* The same for the cgroup process `pid` is in (a zygote's child: the zygote
 * made its cgroup), when it is one of the per-child cgroups (0, nothing
 * written, when it is not: a child the zygote could not give one). */
int ncp_cgroup_apply_limits_of(pid_t pid, const struct ncp_limits *l);
/* Moves process `pid` into it (when clone3 could not put it there): 0 or -errno. */
int ncp_cgroup_attach(const struct ncp_cgroup *cg, pid_t pid);
/* Kills everything in it (cgroup.kill), waits until it is empty and removes
 * it; then *cg is NCP_CGROUP_NONE.  Nothing when it is none. */
void ncp_cgroup_destroy(struct ncp_cgroup *cg);
/* Lets go of the descriptor only (a fork()ed copy of its owner). */
void ncp_cgroup_forget(struct ncp_cgroup *cg);
/* Kills and removes the per-child cgroups whose owner (the process that made
 * them: a zygote, an app in exec mode) is gone. */
void ncp_cgroup_sweep_stale(void);
