/* SPDX-License-Identifier: Apache-2.0 */
/* The fork handlers of one image (fork_guard.h). */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "fork_guard.h"
#include "log.h"

#define MAX_GUARDS 16

struct guard {
    pthread_mutex_t *lock;
    enum ncp_fork_rank rank;
    void (*reset)(void);
};

/* Filled in rank order (an addition slides the higher ranks up); guarded
 * by table_lock, which fork() takes first. */
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct guard guards[MAX_GUARDS];
static size_t n_guards;
static pthread_once_t registered = PTHREAD_ONCE_INIT;

static void prepare(void)
{
    pthread_mutex_lock(&table_lock);
    for (size_t i = 0; i < n_guards; i++)
        if (guards[i].lock)
            pthread_mutex_lock(guards[i].lock);
}

static void parent(void)
{
    for (size_t i = n_guards; i-- > 0;)
        if (guards[i].lock)
            pthread_mutex_unlock(guards[i].lock);
    pthread_mutex_unlock(&table_lock);
}

static void child(void)
{
    pthread_mutex_init(&table_lock, NULL);
    for (size_t i = 0; i < n_guards; i++)
        if (guards[i].lock)
            pthread_mutex_init(guards[i].lock, NULL);
    for (size_t i = n_guards; i-- > 0;)
        if (guards[i].reset)
            guards[i].reset();
}

static void register_handlers(void) { pthread_atfork(prepare, parent, child); }

int ncp_fork_guard(pthread_mutex_t *lock, enum ncp_fork_rank rank, void (*reset)(void))
{
    pthread_once(&registered, register_handlers);
    pthread_mutex_lock(&table_lock);
    bool full = n_guards == MAX_GUARDS;
    if (!full) {
        size_t at = n_guards;
        while (at > 0 && guards[at - 1].rank > rank) {
            guards[at] = guards[at - 1];
            at--;
        }
        guards[at] = (struct guard){ lock, rank, reset };
        n_guards++;
    }
    pthread_mutex_unlock(&table_lock);
    if (full)
        return log_error_errno(ENOSPC, "fork guard: no room for a lock of rank %d", (int)rank);
    return 0;
}
