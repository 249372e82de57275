/* SPDX-License-Identifier: Apache-2.0 */
/* Closer threads: see closer.h for why.  A queue of descriptors, and up to
 * NCP_CLOSERS_MAX detached threads that take one at a time; a thread that
 * found nothing to do for IDLE_MS exits, so an app that no child bothers
 * runs no closer at all. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "closer.h"
#include "fork_guard.h"
#include "macro.h"

/* Shorter than the 100 ms between the leak census' samples (tests/fault/). */
#define IDLE_MS 50

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work = PTHREAD_COND_INITIALIZER;
static int *queue;          /* a ring of cap entries; guarded by lock */
static size_t cap, head, len;
static unsigned n_threads;  /* closer threads alive; guarded by lock */
static unsigned n_idle;     /* of them, waiting for work */
static size_t n_closing;    /* descriptors inside close() right now */
static pid_t owner;         /* the process the threads belong to */
/* len + n_closing, written under lock and read without it: the IPC library
 * asks on every frame it reads (ncp_close_pending()), and nearly always
 * nothing is pending, which needs neither the lock nor getpid(). */
static atomic_size_t pending;

/* Must hold lock. */
static void publish_locked(void) { atomic_store_explicit(&pending, len + n_closing, memory_order_relaxed); }

static void *closer_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    for (;;) {
        while (len == 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += (long)IDLE_MS * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            n_idle++;
            int r = pthread_cond_timedwait(&work, &lock, &ts);
            n_idle--;
            if (r == ETIMEDOUT && len == 0) {
                n_threads--;
                pthread_mutex_unlock(&lock);
                return NULL;
            }
        }
        int fd = queue[head];
        head = (head + 1) % cap;
        len--;
        n_closing++;
        pthread_mutex_unlock(&lock);
        close(fd);
        pthread_mutex_lock(&lock);
        n_closing--;
        publish_locked();
    }
}

/* Must hold lock. */
static bool push_locked(int fd)
{
    if (len == cap) {
        size_t ncap = cap ? cap * 2 : 64;
        int *n = malloc(ncap * sizeof(*n));
        if (!n)
            return false;
        for (size_t i = 0; i < len; i++)
            n[i] = queue[(head + i) % cap];
        free(queue);
        queue = n;
        cap = ncap;
        head = 0;
    }
    queue[(head + len) % cap] = fd;
    len++;
    publish_locked();
    return true;
}

/* Must hold lock.  A thread for the queue when none is free to take it. */
static void ensure_thread_locked(void)
{
    if (n_idle > 0) {
        pthread_cond_signal(&work);
        return;
    }
    if (n_threads >= NCP_CLOSERS_MAX)
        return;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old); /* never runs the app's signal handlers */
    pthread_t t;
    if (pthread_create(&t, &attr, closer_main, NULL) == 0)
        n_threads++;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
}

/* Must hold lock, in a copy of the app: the threads were the parent's, and
 * the queued descriptors are open here (the parent had not closed them yet). */
static void forget_parents_queue(void)
{
    for (size_t i = 0; i < len; i++)
        close(queue[(head + i) % cap]);
    head = len = 0;
    n_threads = n_idle = 0;
    n_closing = 0;
    publish_locked();
    owner = getpid();
}

int ncp_close_later(int fd)
{
    if (fd < 0)
        return -1;
    ncp_closer_init();
    pthread_mutex_lock(&lock);
    if (owner != getpid())
        forget_parents_queue(); /* a copy made without fork()'s handlers */
    bool queued = push_locked(fd);
    if (queued) {
        ensure_thread_locked();
        if (n_threads == 0) {
            /* No thread could start: take it back, close it here. */
            len--;
            publish_locked();
            queued = false;
        }
    }
    pthread_mutex_unlock(&lock);
    if (!queued)
        safe_close(fd);
    return -1;
}

int ncp_discard_fd(int fd)
{
    if (fd < 0)
        return -1;
    /* Only for sockets; on anything else it fails with ENOTSOCK, harmlessly. */
    struct linger reset = { .l_onoff = 1, .l_linger = 0 };
    (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
    return ncp_close_later(fd);
}

size_t ncp_close_pending(void)
{
    /* Zero holds in a copy of the app too (its queue is not serviced there). */
    if (atomic_load_explicit(&pending, memory_order_relaxed) == 0)
        return 0;
    pthread_mutex_lock(&lock);
    size_t n = owner == getpid() ? len + n_closing : 0;
    pthread_mutex_unlock(&lock);
    return n;
}

/* fork() waits until no closer is inside the queue's critical section
 * (fork_guard.h).  The copy closes the parent's queue at once, before it
 * opens anything: the supervisor may have queued a descriptor a record still
 * names (the field is cleared just after), which the supervisor's own fork
 * handler closes too; a number closed there and reused by the copy's next
 * open must not be closed again later from this queue (it was a new child's
 * pidfd). */
static void forget_in_copy(void)
{
    pthread_cond_init(&work, NULL);
    forget_parents_queue();
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void closer_init(void)
{
    pthread_mutex_lock(&lock);
    owner = getpid();
    pthread_mutex_unlock(&lock);
    ncp_fork_guard(&lock, NCP_FORK_RANK_CLOSER, forget_in_copy);
}

void ncp_closer_init(void)
{
    pthread_once(&init_once, closer_init);
}
