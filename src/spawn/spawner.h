/* SPDX-License-Identifier: Apache-2.0 */
/* The one place that runs between clone3 and execve. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "common/launch_spec.h"
#include "common/syscall-compat.h" /* ncp_pidfd_exit_status() */

struct ncp_spawn_params {
    const char *runner;        /* absolute path of ncp-runner */
    char *const *argv;         /* argv[0] = the child's full name */
    char *const *envp;
    int launch_fd;             /* the child's end of the launch socket -> fd 3 */
    bool isolated;             /* new user, mount, net, ipc and uts namespaces */
    bool detach;               /* ncp_spawn_detached(): no parent-death signal */
    pid_t parent_pid;
    const struct ncp_report *exec_failure; /* prepared report sent if execve fails */
    int cgroup_fd;             /* > 0: the child is born in this cgroup (an isolated child's own) */
};

/* Creates the child with clone3(CLONE_PIDFD, exit_signal 0) and execs the
 * runner in it.  Must be called on the supervisor thread (the parent-death
 * signal is tied to the thread that creates the child).  Returns 0 with *pid
 * and *pidfd, or -errno (not logged: the caller knows the context).  With a
 * cgroup_fd the child is created in that cgroup, or moved there before it
 * can run the runner (when clone3 cannot do it); if neither works it runs
 * outside it (one debug line). */
int ncp_spawn_clone(const struct ncp_spawn_params *p, pid_t *pid, int *pidfd);

/* Starts the runner in a grandchild (the child exits at once and is reaped
 * here), so the program is not a child of this process.  Returns 0 or -errno.
 * Safe from any thread: only async-signal-safe code runs in the copies. */
int ncp_spawn_detached(const struct ncp_spawn_params *p);

/* Whether a pidfd tells the exit status of a reaped process that is not our
 * child (PIDFD_GET_INFO with PIDFD_INFO_EXIT, Linux 6.15); probed once. */
bool ncp_pidfd_exit_supported(void);
