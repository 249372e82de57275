/* SPDX-License-Identifier: Apache-2.0 */
/* The supervisor's thread and epoll (event_loop.h).  The thread is created by
 * the first start of a process and lives as long as it: the parent-death
 * signal of the children it creates is tied to it. */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"
#include "event_loop.h"

static pthread_t thread;
static bool thread_started;  /* guarded by the registry's lock */
static pid_t owner_pid;      /* the process the thread belongs to (fork detection) */
static int epfd = -1, wakefd = -1;
static int (*next_timeout_cb)(void);
static void (*on_wake_cb)(void);

static void woken(struct ncp_watch *w)
{
    (void)w;
    uint64_t v;
    ssize_t _unused_ n = read(wakefd, &v, sizeof(v));
    on_wake_cb();
}

static struct ncp_watch wake_watch = { .ready = woken };

bool ncp_loop_is_current(void)
{
    return thread_started && pthread_equal(pthread_self(), thread);
}

/* Whether the thread runs in this process (not only in the one it was
 * forked from). */
static bool running_locked(void)
{
    return thread_started && owner_pid == getpid();
}

void ncp_loop_wake(void)
{
    uint64_t one = 1;
    ssize_t _unused_ w = write(wakefd, &one, sizeof(one));
}

int ncp_loop_add(int fd, struct ncp_watch *w)
{
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = w };
    return RET_NERRNO(epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev));
}

void ncp_loop_pause(int fd, struct ncp_watch *w, bool pause)
{
    struct epoll_event ev = { .events = pause ? 0 : EPOLLIN, .data.ptr = w };
    if (fd >= 0)
        epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
}

void ncp_loop_del(int fd)
{
    if (fd >= 0)
        epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
}

static void *loop_main(void *arg)
{
    (void)arg;
    struct epoll_event events[32];
    for (;;) {
        int n = epoll_wait(epfd, events, ARRAY_SIZE(events), next_timeout_cb());
        if (n < 0) {
            if (errno == EINTR)
                continue;
            log_error("supervisor: epoll_wait: %s", strerror(errno));
            sleep(1);
            continue;
        }
        /* Which pass is read before any callback runs: a child's end (second
         * pass) frees the child its watches are in. */
        bool first[ARRAY_SIZE(events)];
        for (int i = 0; i < n; i++)
            first[i] = ((struct ncp_watch *)events[i].data.ptr)->first;
        for (int pass = 0; pass < 2; pass++)
            for (int i = 0; i < n; i++)
                if (first[i] == (pass == 0))
                    ((struct ncp_watch *)events[i].data.ptr)->ready(events[i].data.ptr);
    }
    return NULL;
}

static int spawn_thread(void)
{
    /* The thread never takes the app's signals. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    int r = pthread_create(&thread, &attr, loop_main, NULL);
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return -r;
}

int ncp_loop_start_locked(int (*next_timeout)(void), void (*on_wake)(void))
{
    if (running_locked())
        return 0;
    next_timeout_cb = next_timeout;
    on_wake_cb = on_wake;
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0)
        return log_error_errno(errno, "supervisor: epoll_create1");
    int r = 0;
    wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wakefd < 0)
        r = log_error_errno(errno, "supervisor: eventfd");
    else if ((r = ncp_loop_add(wakefd, &wake_watch)) < 0)
        log_error_errno(-r, "supervisor: watching its eventfd");
    else if ((r = spawn_thread()) < 0)
        log_error_errno(-r, "supervisor: pthread_create");
    if (r < 0) {
        epfd = safe_close(epfd);
        wakefd = safe_close(wakefd);
        return r;
    }
    thread_started = true;
    owner_pid = getpid();
    return 0;
}

void ncp_loop_forget(void)
{
    thread_started = false;
    epfd = safe_close(epfd);
    wakefd = safe_close(wakefd);
}
