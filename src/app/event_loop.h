/* SPDX-License-Identifier: Apache-2.0 */
/* The supervisor thread and its epoll (event_loop.c): one thread per process
 * (not one per child) that waits on every descriptor the library watches,
 * each with a callback of its own.  What the callbacks do is the
 * supervisor's (supervisor.c) and the child's (child_watch.c, child_end.c);
 * this file only runs them, in two passes per wakeup. */
#pragma once

#include <stdbool.h>

struct ncp_watch {
    void (*ready)(struct ncp_watch *w);
    /* Handled in the first pass of a wakeup, before the others: a child's
     * reports and output, so that its last words are read before its end. */
    bool first;
};

/* Starts the thread (once per process: again in a fork()ed copy) that
 * calls next_timeout() before each wait (the milliseconds until something is
 * due, -1: nothing) and on_wake() when ncp_loop_wake() was called.  Must be
 * called with the registry's lock held (registry.h). */
int ncp_loop_start_locked(int (*next_timeout)(void), void (*on_wake)(void));
/* Whether the caller is the loop's thread (a callback runs on it). */
bool ncp_loop_is_current(void);
/* Makes the thread call on_wake() and next_timeout() again. */
void ncp_loop_wake(void);

/* Watches fd for input: w->ready(w) on the loop's thread.  0 or -errno. */
int ncp_loop_add(int fd, struct ncp_watch *w);
/* Stops or resumes watching fd, which stays registered. */
void ncp_loop_pause(int fd, struct ncp_watch *w, bool pause);
void ncp_loop_del(int fd);

/* A fork()ed copy of the app has no loop thread: forgets the parent's,
 * closing its descriptors. */
void ncp_loop_forget(void);
