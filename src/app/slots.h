/* SPDX-License-Identifier: Apache-2.0 */
/* The per-app child limit, counted by lock files (slots.c): the API takes a
 * slot for each start, the supervisor and the registry describe and let go
 * of it, and OH_Ability_AcquireChildProcessInfos() (child_process_infos.c)
 * lists who holds them. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "common/launch_spec.h"

/* Takes a free slot: returns an O_CLOEXEC fd holding its lock, -EAGAIN when
 * all `max` are in use, or -errno.  The lock is held by this process (the
 * supervisor closes it when it has seen the child end), never by the child. */
int ncp_slot_acquire(const char *bundle, unsigned max);
/* Writes which child holds the slot fd (its pid, this process, its name). */
void ncp_slot_describe(int fd, pid_t pid, const char *name);
/* Empties the slot's line before the slot is let go. */
void ncp_slot_clear(int fd);
struct ncp_slot_entry {
    pid_t pid, parent;
    char name[NCP_MAX_NAME];
};
/* The children holding slots of bundle, in every process of the app: a
 * malloc'd array (NULL when none) in *out, its length in *n.  0 or -errno. */
int ncp_slot_list(const char *bundle, unsigned max, struct ncp_slot_entry **out, size_t *n);
