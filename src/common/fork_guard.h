/* SPDX-License-Identifier: Apache-2.0 */
/* fork() in a threaded process copies every lock as it is at that moment:
 * one another thread holds stays held in the copy, by nobody.  A module adds
 * its lock here once (from its unit's constructor, or on first use); one set
 * of fork handlers for the whole image then takes every lock before fork()
 * in rank order, releases them in the parent afterwards, and in the copy
 * makes each one anew and runs the resets, innermost rank first (a copy lets
 * go of what it inherited from the inside out).
 *
 * The ranks are the one lock order of the project: a thread that holds a
 * lock may take only locks of a higher rank. */
#pragma once

#include <pthread.h>

enum ncp_fork_rank {
    /* the app: a start holds the zygote client's lock while it hands the
     * child to the registry (src/app/zygote_client.c) */
    NCP_FORK_RANK_ZYGOTE = 10,
    /* the app: the registry of children (src/app/registry.c) */
    NCP_FORK_RANK_REGISTRY = 20,
    /* caches and tables held only around a copy, never while taking another
     * lock (settings, policy files, slot directory, exit callbacks, the IPC
     * monitor) */
    NCP_FORK_RANK_LEAF = 50,
    /* the closer's queue (src/common/closer.c): descriptors are queued to it
     * under the registry's lock, and its copy's queue must be dropped before
     * the registry lets go of the children whose descriptors it names */
    NCP_FORK_RANK_CLOSER = 90,
};

/* Adds `lock` (may be NULL) of `rank`, and `reset` (may be NULL), run in a
 * fork()ed copy after every lock is made anew.  0, or -ENOSPC when the table
 * is full (logged: a lock a fork could leave held). */
int ncp_fork_guard(pthread_mutex_t *lock, enum ncp_fork_rank rank, void (*reset)(void));
