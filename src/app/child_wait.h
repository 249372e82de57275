/* SPDX-License-Identifier: Apache-2.0 */
/* NCP_WaitChildProcess() (child_wait.c): a thread of the app waits for the
 * end of one of its children, as the supervisor records it, or, for a zygote
 * child, on a copy of its pidfd. */
#pragma once

#include <sys/types.h>

/* Waits for a child's end (waitpid-style status); -ESRCH when pid is not a
 * child, -ETIMEDOUT after timeout_ms (negative: no bound). */
int ncp_wait_child(pid_t pid, int *status, int timeout_ms);
/* A fork()ed copy of the app: closes the copies of pidfds the parent's
 * waiters poll (those threads do not exist here). */
void ncp_child_wait_forget(void);
