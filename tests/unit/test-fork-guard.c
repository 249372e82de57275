/* SPDX-License-Identifier: Apache-2.0 */
/* Internals: the fork guard (src/common/fork_guard.c).  fork() in a threaded
 * process must neither copy a lock another thread holds nor leave the copy's
 * state half reset: it waits for every guarded lock, in rank order, and the
 * copy makes each anew and resets innermost rank first. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../now.h"
#include "../tap.h"
#include "common/fork_guard.h"

static pthread_mutex_t outer = PTHREAD_MUTEX_INITIALIZER, leaf = PTHREAD_MUTEX_INITIALIZER,
                       inner = PTHREAD_MUTEX_INITIALIZER;
static char order[8];
static size_t n_order;
static atomic_bool holding, released;

static void reset_outer(void) { order[n_order++] = 'o'; }
static void reset_inner(void) { order[n_order++] = 'i'; }

/* Holds the leaf lock for a moment: a fork() meanwhile must wait for it. */
static void *hold_leaf(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&leaf);
    atomic_store(&holding, true);
    usleep(300 * 1000);
    atomic_store(&released, true);
    pthread_mutex_unlock(&leaf);
    return NULL;
}

/* In the copy: every guarded lock is free, and the resets ran inner first. */
static int in_copy(void)
{
    int bad = 0;
    bad |= pthread_mutex_trylock(&outer) != 0;
    bad |= (pthread_mutex_trylock(&leaf) != 0) << 1;
    bad |= (pthread_mutex_trylock(&inner) != 0) << 2;
    bad |= !(n_order == 2 && order[0] == 'i' && order[1] == 'o') << 3;
    return bad;
}

int main(void)
{
    /* Added out of rank order: the guard orders them. */
    is_int(ncp_fork_guard(&inner, NCP_FORK_RANK_CLOSER, reset_inner), 0, "a lock of the closer's rank is added");
    is_int(ncp_fork_guard(&outer, NCP_FORK_RANK_ZYGOTE, reset_outer), 0, "a lock of the zygote's rank is added");
    is_int(ncp_fork_guard(&leaf, NCP_FORK_RANK_LEAF, NULL), 0, "a leaf lock is added");

    pthread_t t;
    pthread_create(&t, NULL, hold_leaf, NULL);
    while (!atomic_load(&holding))
        usleep(1000);
    double t0 = now_s();
    pid_t pid = fork();
    if (pid == 0)
        _exit(in_copy());
    bool waited = atomic_load(&released);
    double took = now_s() - t0;
    int status = 0;
    waitpid(pid, &status, 0);
    pthread_join(t, NULL);
    ok(waited, "fork() waited for the leaf lock another thread held (%.2f s)", took);
    ok(WIFEXITED(status) && (WEXITSTATUS(status) & 7) == 0, "in the copy every guarded lock is free (status 0x%x)",
       status);
    ok(WIFEXITED(status) && !(WEXITSTATUS(status) & 8), "in the copy the resets ran innermost rank first");
    ok(pthread_mutex_trylock(&outer) == 0 && pthread_mutex_trylock(&leaf) == 0 && pthread_mutex_trylock(&inner) == 0,
       "in the parent every guarded lock is released after fork()");
    is_int((long long)n_order, 0, "the parent runs no reset");

    /* A full table is an error, not a lock left out silently. */
    static pthread_mutex_t many[16];
    int r = 0;
    for (size_t i = 0; i < 16 && r == 0; i++)
        r = ncp_fork_guard(&many[i], NCP_FORK_RANK_LEAF, NULL);
    is_int(r, -ENOSPC, "a lock past the table's room -> -ENOSPC");
    return tap_done();
}
