/* SPDX-License-Identifier: Apache-2.0 */
/* ncp-run builds its one child itself (src/tools/oneshot.c). */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* Whether this run's child is exec'd by ncp-run's own process (not
 * NCP_SPAWN_MODE=zygote): the library's rule, told by the symbol that
 * oneshot.c defines. */
bool ncp_one_shot(void);

/* The containment of what an isolated child leaves behind, for a run
 * without a zygote: ncp-run becomes a child subreaper and starts its guard,
 * a fork of itself that outlives it.  Call before the library starts any
 * thread (before the child's start).  Returns the guard's descriptor, or -1
 * (logged) when there is none. */
int ncp_one_shot_contain(void);
/* The child was started: the guard learns its network namespace. */
void ncp_one_shot_watch(int guard, pid_t child);
/* The child has ended (or was never started): kills what it left, and lets
 * the guard go.  Closes guard. */
void ncp_one_shot_finish(int guard);
