/* SPDX-License-Identifier: Apache-2.0 */
/* The registry of live connections, the death monitor, and threads that
 * joined the worker pool (OH_IPCSkeleton_JoinWorkThread).
 *
 * The monitor is one thread per process with an epoll set holding every
 * channel of every connection with an empty event mask: only EPOLLHUP and
 * EPOLLERR are reported, so traffic never wakes it, but it learns at once
 * when a peer closes or dies (or when we shut a connection down), and then
 * fires the death recipients and drops the peer's references.  It exits when
 * no connection is left and is restarted on demand.
 *
 * It is also the watchdog of the serving side (serve.c): while the process
 * serves requests it wakes every WATCH_MS and promotes a standby worker on
 * any connection whose only reader has been inside a callback since the
 * previous tick.  After IDLE_TICKS ticks without any request, with a reader
 * on every connection, it sleeps without timeout again; the next request
 * wakes it through an eventfd (one write per idle period).
 *
 * Lock order: a connection's lock may be held while taking reg_lock, never
 * the reverse. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "ipc/ipc_internal.h"
#include "common/fork_guard.h"
#include "common/log.h"
#include "common/macro.h"

#define STOP_TOKEN UINT64_MAX
#define WAKE_TOKEN (UINT64_MAX - 1)
#define WATCH_MS 5
#define IDLE_TICKS 20

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ipc_conn *reg_head;
static uint64_t next_conn_id = 1;
static int mon_epfd = -1, mon_evfd = -1;
static bool mon_running;
static atomic_uint global_reads;
static atomic_int mon_untimed; /* the monitor sleeps without timeout */

/* joined threads */
static int work_epfd = -1, work_evfd = -1;
static unsigned joined, stop_gen;
static _ipc_tls_ bool thread_joined, thread_stop;

static struct ipc_conn *find_locked(uint64_t id)
{
    for (struct ipc_conn *c = reg_head; c; c = c->reg_next)
        if (c->id == id)
            return c;
    return NULL;
}

/* The connection an epoll event names, with a reference the caller drops;
 * NULL when it went away since. */
static struct ipc_conn *ref_by_id(uint64_t id)
{
    pthread_mutex_lock(&reg_lock);
    struct ipc_conn *c = find_locked(id);
    if (c)
        ipc_conn_ref(c);
    pthread_mutex_unlock(&reg_lock);
    return c;
}

/* NCP_IPC_WATCHDOG_MS overrides the watchdog period (tests, tuning). */
static int watch_ms(void)
{
    static int v = -1;
    if (v < 0) {
        const char *e = getenv("NCP_IPC_WATCHDOG_MS");
        int x = e ? atoi(e) : 0;
        v = x > 0 && x <= 10000 ? x : WATCH_MS;
    }
    return v;
}

void ipc_monitor_note_read(void)
{
    atomic_fetch_add(&global_reads, 1);
    if (atomic_load(&mon_untimed) && atomic_exchange(&mon_untimed, 0)) {
        uint64_t one = 1;
        pthread_mutex_lock(&reg_lock);
        ssize_t _unused_ k = mon_evfd >= 0 ? write(mon_evfd, &one, sizeof(one)) : 0;
        pthread_mutex_unlock(&reg_lock);
    }
}

/* One watchdog pass.  Returns whether some connection has no reader. */
static bool watchdog(void)
{
    struct ipc_conn *stuck[32];
    size_t n = 0;
    bool readerless = false;

    pthread_mutex_lock(&reg_lock);
    for (struct ipc_conn *c = reg_head; c; c = c->reg_next) {
        if (__atomic_load_n(&c->in_fd, __ATOMIC_ACQUIRE) < 0)
            continue;
        unsigned r = atomic_load(&c->in_readers), k = atomic_load(&c->reads);
        if (r == 0 && k == c->wd_reads) {
            readerless = true;
            if (c->wd_strikes++ >= 1 && n < ARRAY_SIZE(stuck)) {
                stuck[n++] = ipc_conn_ref(c);
                c->wd_strikes = 0;
            }
        } else {
            if (r == 0)
                readerless = true;
            c->wd_strikes = 0;
        }
        c->wd_reads = k;
    }
    pthread_mutex_unlock(&reg_lock);
    for (size_t i = 0; i < n; i++) {
        ipc_serve_promote(stuck[i]);
        ipc_conn_unref(stuck[i]);
    }
    return readerless;
}

static void *monitor_main(void *arg)
{
    unsigned last_reads = atomic_load(&global_reads), idle_ticks = IDLE_TICKS;
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&reg_lock);
        if (!reg_head) {
            /* Idle: leave no thread and no descriptor behind. */
            mon_running = false;
            atomic_store(&mon_untimed, 0);
            mon_epfd = safe_close(mon_epfd);
            mon_evfd = safe_close(mon_evfd);
            pthread_mutex_unlock(&reg_lock);
            return NULL;
        }
        int epfd = mon_epfd;
        pthread_mutex_unlock(&reg_lock);

        int timeout = watch_ms();
        if (idle_ticks >= IDLE_TICKS) {
            /* Announce the untimed sleep, then look again: a request that
             * started meanwhile either sees the flag or is seen here. */
            atomic_store(&mon_untimed, 1);
            if (atomic_load(&global_reads) == last_reads)
                timeout = -1;
            else {
                atomic_store(&mon_untimed, 0);
                idle_ticks = 0;
            }
        }

        struct epoll_event ev[16];
        int n = epoll_wait(epfd, ev, ARRAY_SIZE(ev), timeout);
        if (n < 0 && errno != EINTR) {
            log_error_errno(errno, "ipc: death monitor failed");
            n = 0;
        }
        for (int i = 0; i < n; i++) {
            if (ev[i].data.u64 == WAKE_TOKEN) {
                uint64_t v;
                ssize_t _unused_ k = read(mon_evfd, &v, sizeof(v));
                idle_ticks = 0;
                continue;
            }
            struct ipc_conn *c = ref_by_id(ev[i].data.u64);
            if (!c)
                continue;
            ipc_conn_kill(c, NULL);
            ipc_conn_finalize(c);
            ipc_monitor_remove(c);
            ipc_conn_unref(c);
        }

        bool readerless = watchdog();
        unsigned reads = atomic_load(&global_reads);
        if (reads != last_reads || readerless)
            idle_ticks = 0;
        else if (idle_ticks < IDLE_TICKS)
            idle_ticks++;
        last_reads = reads;
        atomic_store(&mon_untimed, 0);
    }
}

static int add_fd_locked(struct ipc_conn *c, int fd, bool in_channel)
{
    struct epoll_event ev = { .events = 0, .data.u64 = c->id };
    if (epoll_ctl(mon_epfd, EPOLL_CTL_ADD, fd, &ev) < 0 && errno != EEXIST)
        return -errno;
    if (in_channel && work_epfd >= 0) {
        struct epoll_event wev = { .events = EPOLLIN, .data.u64 = c->id };
        if (epoll_ctl(work_epfd, EPOLL_CTL_ADD, fd, &wev) < 0 && errno != EEXIST)
            log_warn_errno(errno, "ipc: cannot add a channel to the joined threads");
    }
    return 0;
}

int ipc_monitor_add(struct ipc_conn *c)
{
    int r = 0;
    pthread_mutex_lock(&reg_lock);
    if (mon_epfd < 0) {
        mon_epfd = epoll_create1(EPOLL_CLOEXEC);
        mon_evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        struct epoll_event wev = { .events = EPOLLIN, .data.u64 = WAKE_TOKEN };
        if (mon_epfd < 0 || mon_evfd < 0 || epoll_ctl(mon_epfd, EPOLL_CTL_ADD, mon_evfd, &wev) < 0) {
            r = -errno;
            mon_epfd = safe_close(mon_epfd);
            mon_evfd = safe_close(mon_evfd);
            goto out;
        }
    }
    c->id = next_conn_id++;
    int out_fd = __atomic_load_n(&c->out_fd, __ATOMIC_ACQUIRE), in_fd = __atomic_load_n(&c->in_fd, __ATOMIC_ACQUIRE);
    if ((out_fd >= 0 && (r = add_fd_locked(c, out_fd, false)) < 0) ||
        (in_fd >= 0 && (r = add_fd_locked(c, in_fd, true)) < 0))
        goto out;
    /* The peer process known at connect (conn.c): the connection ends with it. */
    int pidfd = __atomic_load_n(&c->peer_pidfd, __ATOMIC_ACQUIRE);
    struct epoll_event pev = { .events = EPOLLIN, .data.u64 = c->id };
    if (pidfd >= 0 && epoll_ctl(mon_epfd, EPOLL_CTL_ADD, pidfd, &pev) < 0) {
        r = -errno;
        goto out;
    }
    c->registered = true;
    ipc_conn_ref(c);
    c->reg_prev = NULL;
    c->reg_next = reg_head;
    if (reg_head)
        reg_head->reg_prev = c;
    reg_head = c;
    if (!mon_running) {
        r = ipc_thread_spawn(monitor_main, NULL);
        if (r < 0) {
            log_error_errno(r, "ipc: cannot start the death monitor");
            r = 0; /* deaths are still seen by readers; recipients wait */
        } else
            mon_running = true;
    }
out:
    pthread_mutex_unlock(&reg_lock);
    if (r < 0)
        log_error_errno(r, "ipc: cannot watch a connection");
    return r;
}

int ipc_monitor_add_fd(struct ipc_conn *c, int fd, bool in_channel)
{
    int r = 0;
    pthread_mutex_lock(&reg_lock);
    if (c->registered)
        r = add_fd_locked(c, fd, in_channel);
    pthread_mutex_unlock(&reg_lock);
    return r;
}

int ipc_monitor_add_pidfd(struct ipc_conn *c, int pidfd)
{
    int r = 0;
    pthread_mutex_lock(&reg_lock);
    /* A pidfd is readable once its process has ended. */
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = c->id };
    if (!c->registered)
        r = -ENOENT;
    else if (epoll_ctl(mon_epfd, EPOLL_CTL_ADD, pidfd, &ev) < 0)
        r = -errno;
    pthread_mutex_unlock(&reg_lock);
    return r;
}

void ipc_monitor_remove(struct ipc_conn *c)
{
    pthread_mutex_lock(&reg_lock);
    if (!c->registered) {
        pthread_mutex_unlock(&reg_lock);
        return;
    }
    c->registered = false;
    int fds[3] = { __atomic_load_n(&c->out_fd, __ATOMIC_ACQUIRE), __atomic_load_n(&c->in_fd, __ATOMIC_ACQUIRE),
                   __atomic_load_n(&c->peer_pidfd, __ATOMIC_ACQUIRE) };
    for (size_t i = 0; i < 3; i++) {
        if (fds[i] < 0)
            continue;
        (void)epoll_ctl(mon_epfd, EPOLL_CTL_DEL, fds[i], NULL);
        if (work_epfd >= 0 && i < 2)
            (void)epoll_ctl(work_epfd, EPOLL_CTL_DEL, fds[i], NULL);
    }
    if (c->reg_prev)
        c->reg_prev->reg_next = c->reg_next;
    else
        reg_head = c->reg_next;
    if (c->reg_next)
        c->reg_next->reg_prev = c->reg_prev;
    pthread_mutex_unlock(&reg_lock);
    ipc_conn_unref(c);
}

/* ---- joined work threads ---- */

static int join_enter(unsigned *gen, int *epfd)
{
    int r = 0;
    pthread_mutex_lock(&reg_lock);
    if (work_epfd < 0) {
        work_epfd = epoll_create1(EPOLL_CLOEXEC);
        work_evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (work_epfd < 0 || work_evfd < 0) {
            r = -errno;
            work_epfd = safe_close(work_epfd);
            work_evfd = safe_close(work_evfd);
            goto out;
        }
        struct epoll_event ev = { .events = EPOLLIN, .data.u64 = STOP_TOKEN };
        (void)epoll_ctl(work_epfd, EPOLL_CTL_ADD, work_evfd, &ev);
        for (struct ipc_conn *c = reg_head; c; c = c->reg_next) {
            int fd = __atomic_load_n(&c->in_fd, __ATOMIC_ACQUIRE);
            struct epoll_event wev = { .events = EPOLLIN, .data.u64 = c->id };
            if (fd >= 0)
                (void)epoll_ctl(work_epfd, EPOLL_CTL_ADD, fd, &wev);
        }
    }
    joined++;
    *gen = stop_gen;
    *epfd = work_epfd;
out:
    pthread_mutex_unlock(&reg_lock);
    return r;
}

static void join_leave(void)
{
    pthread_mutex_lock(&reg_lock);
    if (--joined == 0) {
        /* The last joined thread left: no descriptor stays behind. */
        work_epfd = safe_close(work_epfd);
        work_evfd = safe_close(work_evfd);
    }
    pthread_mutex_unlock(&reg_lock);
}

static bool stopped(unsigned gen)
{
    pthread_mutex_lock(&reg_lock);
    bool s = stop_gen != gen;
    pthread_mutex_unlock(&reg_lock);
    return s || thread_stop;
}

_public_ void OH_IPCSkeleton_JoinWorkThread(void)
{
    unsigned gen = 0;
    int epfd = -1;
    if (thread_joined)
        return; /* already serving in an outer call */
    int r = join_enter(&gen, &epfd);
    if (r < 0) {
        log_error_errno(r, "ipc: cannot join the worker pool");
        return;
    }
    uint8_t *buf = ipc_thread_buffer();
    OHIPCParcel data = { 0 }, reply = { 0 };
    thread_joined = true;
    thread_stop = false;
    while (buf && !stopped(gen)) {
        struct epoll_event ev[8];
        int n = epoll_wait(epfd, ev, ARRAY_SIZE(ev), -1);
        if (n < 0 && errno != EINTR) {
            log_error_errno(errno, "ipc: joined worker failed");
            break;
        }
        for (int i = 0; i < n && !thread_stop; i++) {
            if (ev[i].data.u64 == STOP_TOKEN)
                continue;
            struct ipc_conn *c = ref_by_id(ev[i].data.u64);
            if (!c)
                continue;
            struct ipc_recv rr;
            int fd = __atomic_load_n(&c->in_fd, __ATOMIC_ACQUIRE);
            int k = ipc_sock_recv(fd, buf, IPC_FRAME_MAX, &rr, -1, true);
            if (k > 0) {
                /* Counted, not paused (epoll would spin): a joined thread
                 * holds one frame's descriptors at a time. */
                unsigned held = rr.nfds;
                atomic_fetch_add(&c->reads, 1);
                ipc_monitor_note_read();
                ipc_fds_hold(c, held);
                ipc_set_serving_conn(c);
                (void)ipc_serve_frame(c, buf, &rr, &data, &reply);
                ipc_set_serving_conn(NULL);
                ipc_fds_release(c, held);
            }
            else if (k != -EAGAIN) {
                ipc_conn_kill(c, k == 0 ? NULL : "receive failed");
                pthread_mutex_lock(&reg_lock);
                (void)epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
                pthread_mutex_unlock(&reg_lock);
            }
            ipc_conn_unref(c);
        }
    }
    ipc_parcel_clear(&data);
    ipc_parcel_clear(&reply);
    thread_joined = false;
    thread_stop = false;
    join_leave();
}

_public_ void OH_IPCSkeleton_StopWorkThread(void)
{
    if (thread_joined) {
        thread_stop = true;
        return;
    }
    pthread_mutex_lock(&reg_lock);
    if (joined > 0) {
        stop_gen++;
        uint64_t one = 1;
        ssize_t _unused_ k = write(work_evfd, &one, sizeof(one));
    }
    pthread_mutex_unlock(&reg_lock);
}

/* ---- fork ---- */

/* In a child forked without exec only the forking thread exists: forget the
 * parent's connections (their memory is leaked on purpose, their sockets
 * still belong to the parent) and start afresh.  The registry's lock is made
 * anew rather than taken around fork(): the copy forgets everything it
 * guards, so a state it was left in by another thread does not matter. */
static void atfork_child(void)
{
    pthread_mutex_init(&reg_lock, NULL);
    reg_head = NULL;
    mon_running = false;
    mon_epfd = safe_close(mon_epfd);
    mon_evfd = safe_close(mon_evfd);
    atomic_store(&mon_untimed, 0);
    work_epfd = safe_close(work_epfd);
    work_evfd = safe_close(work_evfd);
    joined = 0;
    thread_joined = false;
    thread_stop = false;
}

__attribute__((constructor)) static void monitor_init(void) { ncp_fork_guard(NULL, NCP_FORK_RANK_LEAF, atfork_child); }
