/* SPDX-License-Identifier: Apache-2.0 */
/* The registry of the app's children (registry.c): the live ones, those
 * whose end is being delivered, and the ends a wait may still return.  One
 * lock guards it, and the state and references of every child (child.h).
 * Functions named _locked must be called with it held; the others take it. */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "child.h"

void ncp_registry_lock(void);
void ncp_registry_unlock(void);
/* Waits on cond with the registry's lock. */
void ncp_registry_wait_locked(pthread_cond_t *cond);

/* ---- live children ---- */
/* Lists c as live (LIVE). */
void ncp_registry_add_locked(struct ncp_child *c);
/* Takes c off the live list (and frees its IPC place), without ending it. */
void ncp_registry_remove_locked(struct ncp_child *c);
/* Takes c off the live list as its end is known: its slot is free for the
 * app's next start before anyone is told of the end, and it stays within
 * reach (the detached list) until it is freed. */
void ncp_registry_unlist_locked(struct ncp_child *c);
struct ncp_child *ncp_registry_find_locked(pid_t pid);
/* The first live child, the others through ->next. */
struct ncp_child *ncp_registry_live_locked(void);
/* SIGKILLs a live child of this process; -ESRCH when pid is not one. */
int ncp_kill_child(pid_t pid);
/* Takes one of the process's IPC-child places (-EAGAIN when all are taken);
 * the place frees when the child ends, or with release if it never started. */
int ncp_registry_reserve_ipc(unsigned max);
void ncp_registry_release_ipc(void);

/* ---- ends ---- */
/* Records the end of pid for NCP_WaitChildProcess(), as the only entry of
 * that pid. */
void ncp_registry_record_end_locked(pid_t pid, int status);
/* Takes the recorded end of pid (status may be NULL); -ENOENT when none. */
int ncp_registry_take_end_locked(pid_t pid, int *status);
/* The child whose end is being delivered (ENDING, not taken), if pid is one. */
struct ncp_child *ncp_registry_find_ending_locked(pid_t pid);
/* Waits for the next end delivered; until deadline (CLOCK_MONOTONIC) unless
 * it is NULL.  0, or ETIMEDOUT. */
int ncp_registry_wait_end_locked(const struct timespec *deadline);
/* Wakes the waiters (an end was taken or recorded). */
void ncp_registry_broadcast_end_locked(void);
/* Drops a reference to c; at the last, takes it off the detached list and
 * returns true: the caller frees it. */
bool ncp_registry_put_locked(struct ncp_child *c);

/* ---- the zygote's reports of ends ---- */
/* Keeps the end of a zygote child not adopted yet. */
void ncp_registry_keep_early_end_locked(pid_t pid, int status);
/* For an adoption: whether the zygote already reported pid's end (then c is
 * queued as EARLY_END, for ncp_registry_pop_early_end()). */
bool ncp_registry_adopt_ended_locked(struct ncp_child *c);
/* The next child queued as EARLY_END, now ENDING and detached; or NULL. */
struct ncp_child *ncp_registry_pop_early_end(void);
/* Whether pid is queued as EARLY_END. */
bool ncp_registry_is_early_end_locked(pid_t pid);
/* The zygote's child `pid` was a spare the app let go without work: its end,
 * if the zygote reports it (no autoreap), is nobody's.  Dropped when it comes
 * (or already came), so that it is never taken for the end of a later child
 * that gets the same pid. */
void ncp_registry_disown(pid_t pid);
/* Whether pid was disowned (and forgets it). */
bool ncp_registry_take_disowned_locked(pid_t pid);

/* A fork()ed copy of the app owns none of the parent's children: frees them
 * (closing their descriptors here) and empties the rings; the lock is made
 * anew before (fork_guard.h). */
void ncp_registry_forget(void);
