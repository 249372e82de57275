/* SPDX-License-Identifier: Apache-2.0 */
/* The registry of the app's children (registry.h). */
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>

#include "common/fork_guard.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/pid_ring.h"
#include "common/syscall-compat.h"
#include "registry.h"
#include "slots.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t end_cond = PTHREAD_COND_INITIALIZER;
static struct ncp_child *children;     /* LIVE */
static unsigned n_ipc_children;
/* Children no longer live but not yet freed: their end is being delivered,
 * or a waiter took it from the pidfd before the supervisor saw it, or a
 * waiter still polls a copy of the pidfd.  Only the supervisor thread's
 * stack, its epoll or a waiter would hold them otherwise: this list keeps
 * them within reach of a fork()ed copy of the app (ncp_registry_forget()) and
 * of leak checkers. */
static struct ncp_child *detached;
/* Adopted children whose end the zygote had already reported (EARLY_END). */
static struct ncp_child *early_ends;

/* Ends of recent children, for NCP_WaitChildProcess(). */
#define N_ENDED 1024 /* twice the per-app limit: every live child of a process fits */
/* Ends the zygote reported before the requesting thread adopted the child. */
#define N_EARLY 256
/* Spares let go without work whose end has not come yet. */
NCP_PID_RING(disowned, 64);
struct pid_status { pid_t pid; int status; };
static struct pid_status ended[N_ENDED], early[N_EARLY];
static unsigned ended_next, early_next;

void ncp_registry_lock(void) { pthread_mutex_lock(&lock); }
void ncp_registry_unlock(void) { pthread_mutex_unlock(&lock); }
void ncp_registry_wait_locked(pthread_cond_t *cond) { pthread_cond_wait(cond, &lock); }

/* Takes the entry of pid out of a ring; -ENOENT when none. */
static int ring_take(struct pid_status *ring, size_t n, pid_t pid, int *status)
{
    for (size_t i = 0; i < n; i++)
        if (ring[i].pid == pid) {
            if (status)
                *status = ring[i].status;
            ring[i].pid = 0;
            return 0;
        }
    return -ENOENT;
}

static void ring_put(struct pid_status *ring, size_t n, unsigned *next, pid_t pid, int status)
{
    ring[*next % n] = (struct pid_status){ pid, status };
    (*next)++;
}

static void list_remove(struct ncp_child **list, struct ncp_child *c)
{
    for (struct ncp_child **p = list; *p; p = &(*p)->next)
        if (*p == c) {
            *p = c->next;
            return;
        }
}

static void detach(struct ncp_child *c)
{
    ncp_child_list_add(&detached, c, &c->detached, offsetof(struct ncp_child, next_detached));
}

static void undetach(struct ncp_child *c)
{
    ncp_child_list_remove(&detached, c, &c->detached, offsetof(struct ncp_child, next_detached));
}

void ncp_registry_add_locked(struct ncp_child *c)
{
    c->state = NCP_CHILD_LIVE;
    c->next = children;
    children = c;
}

void ncp_registry_remove_locked(struct ncp_child *c)
{
    if (c->state == NCP_CHILD_LIVE)
        list_remove(&children, c);
    if (c->ipc_counted) {
        n_ipc_children--;
        c->ipc_counted = false;
    }
}

void ncp_registry_unlist_locked(struct ncp_child *c)
{
    ncp_registry_remove_locked(c);
    ncp_slot_clear(c->slot_fd); /* no longer listed (OH_Ability_AcquireChildProcessInfos()) */
    c->slot_fd = safe_close(c->slot_fd);
    detach(c);
}

struct ncp_child *ncp_registry_find_locked(pid_t pid)
{
    for (struct ncp_child *c = children; c; c = c->next)
        if (c->pid == pid)
            return c;
    return NULL;
}

struct ncp_child *ncp_registry_live_locked(void) { return children; }

int ncp_kill_child(pid_t pid)
{
    pthread_mutex_lock(&lock);
    struct ncp_child *c = ncp_registry_find_locked(pid);
    int r = c ? ncp_pidfd_kill(c->pidfd, c->pid, SIGKILL) : -ESRCH;
    pthread_mutex_unlock(&lock);
    return r < 0 ? r : 0;
}

int ncp_registry_reserve_ipc(unsigned max)
{
    int r = 0;
    pthread_mutex_lock(&lock);
    if (n_ipc_children >= max)
        r = -EAGAIN;
    else
        n_ipc_children++;
    pthread_mutex_unlock(&lock);
    return r;
}

void ncp_registry_release_ipc(void)
{
    pthread_mutex_lock(&lock);
    n_ipc_children--;
    pthread_mutex_unlock(&lock);
}

int ncp_registry_take_end_locked(pid_t pid, int *status)
{
    return ring_take(ended, N_ENDED, pid, status);
}

void ncp_registry_record_end_locked(pid_t pid, int status)
{
    /* An older entry belonged to an earlier child of the same number, whose
     * end nobody collected. */
    (void)ring_take(ended, N_ENDED, pid, NULL);
    /* A live child with this number is a newer one; a wait for the pid is a
     * wait for that one. */
    if (!ncp_registry_find_locked(pid))
        ring_put(ended, N_ENDED, &ended_next, pid, status);
}

struct ncp_child *ncp_registry_find_ending_locked(pid_t pid)
{
    for (struct ncp_child *c = detached; c; c = c->next_detached)
        if (c->pid == pid && c->state == NCP_CHILD_ENDING && !c->end_taken)
            return c;
    return NULL;
}

int ncp_registry_wait_end_locked(const struct timespec *deadline)
{
    if (!deadline)
        return pthread_cond_wait(&end_cond, &lock);
    return pthread_cond_timedwait(&end_cond, &lock, deadline);
}

void ncp_registry_broadcast_end_locked(void) { pthread_cond_broadcast(&end_cond); }

bool ncp_registry_put_locked(struct ncp_child *c)
{
    if (--c->refs > 0)
        return false;
    undetach(c);
    return true;
}

void ncp_registry_keep_early_end_locked(pid_t pid, int status)
{
    ring_put(early, N_EARLY, &early_next, pid, status);
}

bool ncp_registry_adopt_ended_locked(struct ncp_child *c)
{
    if (ring_take(early, N_EARLY, c->pid, &c->end_status) < 0)
        return false;
    c->state = NCP_CHILD_EARLY_END;
    c->next = early_ends;
    early_ends = c;
    return true;
}

struct ncp_child *ncp_registry_pop_early_end(void)
{
    pthread_mutex_lock(&lock);
    struct ncp_child *c = early_ends;
    if (c) {
        early_ends = c->next;
        detach(c);
        /* A wait for it sees it ending from here on (find_ending). */
        c->state = NCP_CHILD_ENDING;
    }
    pthread_mutex_unlock(&lock);
    return c;
}

bool ncp_registry_is_early_end_locked(pid_t pid)
{
    for (struct ncp_child *c = early_ends; c; c = c->next)
        if (c->pid == pid)
            return true;
    return false;
}

void ncp_registry_disown(pid_t pid)
{
    pthread_mutex_lock(&lock);
    if (ring_take(early, N_EARLY, pid, NULL) == 0)
        log_debug("zygote: the end of spare pid %d, let go without work, dropped", (int)pid);
    else
        ncp_pid_ring_put(&disowned, pid);
    pthread_mutex_unlock(&lock);
}

bool ncp_registry_take_disowned_locked(pid_t pid) { return ncp_pid_ring_take(&disowned, pid); }

/* Waits on end_cond use CLOCK_MONOTONIC deadlines. */
static void init_end_cond(void)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&end_cond, &attr);
    pthread_condattr_destroy(&attr);
}

static void free_list(struct ncp_child **list, size_t link)
{
    for (struct ncp_child *c = *list, *next; c; c = next) {
        next = *(struct ncp_child **)((char *)c + link);
        ncp_child_free_as(c, safe_close);
    }
    *list = NULL;
}

void ncp_registry_forget(void)
{
    init_end_cond();
    free_list(&children, offsetof(struct ncp_child, next));
    free_list(&detached, offsetof(struct ncp_child, next_detached));
    free_list(&early_ends, offsetof(struct ncp_child, next));
    n_ipc_children = 0;
    memset(ended, 0, sizeof(ended));
    memset(early, 0, sizeof(early));
    ncp_pid_ring_clear(&disowned);
}

__attribute__((constructor)) static void registry_init(void)
{
    init_end_cond();
    ncp_fork_guard(&lock, NCP_FORK_RANK_REGISTRY, NULL);
}
