/* SPDX-License-Identifier: Apache-2.0 */
/* Descriptors a peer makes this process hold.
 *
 * Every descriptor a peer sends lands in our descriptor table the moment a
 * frame is received, and stays there while its request is served and until a
 * closer thread has closed it (closer.h).  A peer that sends legal requests
 * full of descriptors to a handler that takes its time would otherwise fill
 * the table, and the app's own open() would fail with EMFILE.  So, like the
 * D-Bus daemon (max_incoming_unix_fds), a connection whose peer's descriptors
 * are held past a bound is not read until they are released: the peer's
 * socket fills and its sends fail with their timeout.  Three bounds:
 *   per frame        IPC_PARCEL_MAX_FDS (wire.h); more is a malformed frame;
 *   per connection   IPC_CONN_MAX_HELD_FDS in requests being served;
 *   per process      IPC_PROC_MAX_HELD_FDS, or half of what the reserve
 *                    leaves of RLIMIT_NOFILE if less, in requests being
 *                    served of all connections plus those waiting for a
 *                    closer;
 * and a reserve: a frame whose descriptors landed in the top
 * ipc_fd_reserve() slots of RLIMIT_NOFILE is refused (its descriptors
 * closed, a synchronous request answered with OH_IPC_INNER_ERROR), whoever
 * filled the table.
 *
 * Memory the same way: a request being served holds its data (up to
 * IPC_PARCEL_MAX), its object table and the proxies of the peer's objects
 * it brings (up to IPC_PARCEL_MAX / 8 of them), and a spilled body while it
 * is decoded; a handler that waits (a nested call the peer does not answer)
 * lets the watchdog start another worker, up to the thread limit of each
 * connection.  So the estimate of ipc_frame_cost() is counted while a
 * request is served, and a connection past IPC_CONN_MAX_HELD_BYTES, or all
 * of them past IPC_PROC_MAX_HELD_BYTES, is not read until requests end. */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <time.h>

#include "common/closer.h"
#include "ipc/ipc_internal.h"
#include "common/log.h"

static atomic_uint held_total; /* in requests being served, every connection */
static atomic_uint held_bytes_total;
static pthread_mutex_t budget_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t budget_cond = PTHREAD_COND_INITIALIZER;
static atomic_uint waiters;

static void wake_waiters(void)
{
    if (atomic_load(&waiters) > 0) {
        pthread_mutex_lock(&budget_lock);
        pthread_cond_broadcast(&budget_cond);
        pthread_mutex_unlock(&budget_lock);
    }
}

/* Counts n more (hold) or fewer held by a connection and by the process;
 * a release wakes whoever waits for room. */
static void count_held(atomic_uint *mine, atomic_uint *total, unsigned n, bool hold)
{
    if (n == 0)
        return;
    if (hold) {
        atomic_fetch_add(mine, n);
        atomic_fetch_add(total, n);
        return;
    }
    atomic_fetch_sub(mine, n);
    atomic_fetch_sub(total, n);
    wake_waiters();
}

void ipc_fds_hold(struct ipc_conn *c, unsigned n) { count_held(&c->held_fds, &held_total, n, true); }
void ipc_fds_release(struct ipc_conn *c, unsigned n) { count_held(&c->held_fds, &held_total, n, false); }

unsigned ipc_frame_cost(const struct ipc_frame_info *info)
{
    const struct ipc_frame_hdr *h = &info->hdr;
    size_t cost = (info->body ? 0 : info->body_len) + (size_t)h->data_len + (size_t)h->nobjs * IPC_OBJ_COST;
    return cost < IPC_SMALL_FRAME ? 0 : (unsigned)cost;
}

void ipc_bytes_hold(struct ipc_conn *c, unsigned n) { count_held(&c->held_bytes, &held_bytes_total, n, true); }
void ipc_bytes_release(struct ipc_conn *c, unsigned n) { count_held(&c->held_bytes, &held_bytes_total, n, false); }

/* Peers together hold at most half of what the reserve leaves, and never
 * more than IPC_PROC_MAX_HELD_FDS. */
static unsigned proc_budget(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
        return IPC_PROC_MAX_HELD_FDS;
    unsigned reserve = ipc_fd_reserve();
    if (rl.rlim_cur <= (rlim_t)reserve + 2 * IPC_PARCEL_MAX_FDS)
        return IPC_PARCEL_MAX_FDS; /* a tiny table: one frame at a time */
    rlim_t half = (rl.rlim_cur - reserve) / 2;
    return half < IPC_PROC_MAX_HELD_FDS ? (unsigned)half : IPC_PROC_MAX_HELD_FDS;
}

static bool within_budget(struct ipc_conn *c)
{
    if (atomic_load(&c->held_fds) >= IPC_CONN_MAX_HELD_FDS)
        return false;
    /* Each bound may be passed by the one frame read under it. */
    if (atomic_load(&c->held_bytes) >= IPC_CONN_MAX_HELD_BYTES ||
        atomic_load(&held_bytes_total) >= IPC_PROC_MAX_HELD_BYTES)
        return false;
    /* Closed by a closer thread is not closed yet: a lingering socket can
     * keep closers busy while the queue grows. */
    size_t used = atomic_load(&held_total) + ncp_close_pending();
    /* Less than a frame's worth (no getrlimit() then, on every frame). */
    return used < IPC_PARCEL_MAX_FDS || used < proc_budget();
}

bool ipc_fds_wait_budget(struct ipc_conn *c)
{
    if (within_budget(c))
        return true;
    log_info("ipc: pid %d: %u of its descriptors and %u bytes of its requests held (%u and %u in all): not reading "
             "it until some are done", (int)c->peer_pid, atomic_load(&c->held_fds), atomic_load(&c->held_bytes),
             atomic_load(&held_total), atomic_load(&held_bytes_total));
    atomic_fetch_add(&waiters, 1);
    pthread_mutex_lock(&budget_lock);
    bool ok;
    while (!(ok = within_budget(c)) && !__atomic_load_n(&c->dead, __ATOMIC_ACQUIRE)) {
        /* Closers do not signal: look again every few milliseconds. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 20 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&budget_cond, &budget_lock, &ts);
    }
    pthread_mutex_unlock(&budget_lock);
    atomic_fetch_sub(&waiters, 1);
    return ok;
}

unsigned ipc_fd_reserve(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
        return IPC_FD_RESERVE_MIN;
    rlim_t r = rl.rlim_cur / 8;
    return r < IPC_FD_RESERVE_MIN ? IPC_FD_RESERVE_MIN : r > 4096 ? 4096 : (unsigned)r;
}

int ipc_fds_check_reserve(const int *fds, unsigned n)
{
    if (n == 0)
        return 0;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > INT32_MAX)
        return 0;
    /* The kernel gives the lowest free slots: a descriptor numbered k means
     * slots 0..k-1 were all taken when it arrived. */
    int top = -1;
    for (unsigned i = 0; i < n; i++)
        if (fds[i] > top)
            top = fds[i];
    unsigned reserve = ipc_fd_reserve();
    if (rl.rlim_cur <= reserve || (rlim_t)top + reserve >= rl.rlim_cur)
        return -EMFILE;
    return 0;
}
