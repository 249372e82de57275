/* SPDX-License-Identifier: Apache-2.0 */
/* The serving side: worker threads on a connection's in channel.
 *
 * One worker at a time blocks in recvmsg() on the in channel; it serves the
 * frame it gets itself (calls the stub, sends the reply) and then reads the
 * next one.  Serial requests are therefore always served by the same, hot
 * thread -- a second thread waiting on the socket would make the kernel wake
 * the threads in turn, which costs 1.5-4x on a round trip.  While the reader
 * is inside a callback nobody reads; another worker is made reader
 * (promoted from standby, or started, up to the maximum):
 *   - at once when the callback makes a synchronous call itself (the answer
 *     may need a nested request served here), and
 *   - by the monitor's watchdog when the callback has held the connection
 *     for a few milliseconds (monitor.c), so that slow callbacks do not
 *     serialise other requests for long.
 * Workers that find a reader already in place park on standby_cond. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/closer.h"
#include "ipc/ipc_internal.h"
#include "common/log.h"
#include "common/macro.h"

static atomic_int max_threads = IPC_DEFAULT_MAX_THREADS;
static _ipc_tls_ struct ipc_conn *serving;

/* Requests taken off a socket whose reply is not sent yet, in the whole
 * process; ncp_ipc_finish_serving() waits for them to reach 0. */
static atomic_uint in_flight;
static atomic_bool finisher_waits;
static pthread_mutex_t finish_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t finish_cond = PTHREAD_COND_INITIALIZER;

static void served_one(void)
{
    if (atomic_fetch_sub(&in_flight, 1) == 1 && atomic_load(&finisher_waits)) {
        pthread_mutex_lock(&finish_lock);
        pthread_cond_broadcast(&finish_cond);
        pthread_mutex_unlock(&finish_lock);
    }
}

/* Used by the runner (src/runner/runner_ipc.c) once NativeChildProcess_MainProc
 * returned: the request that made it return is usually still being answered
 * on a worker thread, and exit() would lose that reply.  Waits until no
 * request is being served, or timeout_ms passed.  0 or -ETIMEDOUT. */
_public_ int ncp_ipc_finish_serving(int timeout_ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    int r = 0;
    atomic_store(&finisher_waits, true);
    pthread_mutex_lock(&finish_lock);
    while (r == 0 && atomic_load(&in_flight) > 0)
        r = pthread_cond_timedwait(&finish_cond, &finish_lock, &deadline) == ETIMEDOUT ? -ETIMEDOUT : 0;
    unsigned left = atomic_load(&in_flight);
    pthread_mutex_unlock(&finish_lock);
    if (left > 0)
        log_debug("ipc: %u request(s) still being served after %d ms; leaving without their replies", left,
                  timeout_ms);
    return left > 0 ? -ETIMEDOUT : 0;
}

int ipc_max_threads(void) { return atomic_load_explicit(&max_threads, memory_order_relaxed); }
struct ipc_conn *ipc_serving_conn(void) { return serving; }
void ipc_set_serving_conn(struct ipc_conn *c) { serving = c; }

_public_ int OH_IPCSkeleton_SetMaxWorkThreadNum(const int maxThreadNum)
{
    if (maxThreadNum < 1 || maxThreadNum > 32)
        return OH_IPC_CHECK_PARAM_ERROR;
    atomic_store(&max_threads, maxThreadNum);
    return OH_IPC_SUCCESS;
}

int ipc_thread_spawn(void *(*fn)(void *), void *arg)
{
    pthread_attr_t attr;
    sigset_t all, old;
    pthread_t t;

    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    sigfillset(&all);
    /* Library threads never run the application's signal handlers. */
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int r = pthread_create(&t, &attr, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    return -r;
}

static void *worker_main(void *arg);

/* Starts a worker that begins as the reader.  Called with c->lock held; the
 * caller has counted it in pool_threads and in_readers. */
static int spawn_reader_locked(struct ipc_conn *c)
{
    int r = ipc_thread_spawn(worker_main, ipc_conn_ref(c));
    if (r < 0) {
        c->pool_threads--;
        atomic_fetch_sub(&c->in_readers, 1);
        /* The reference taken for the thread: never the last one here. */
        atomic_fetch_sub(&c->refs, 1);
    }
    return r;
}

void ipc_serve_promote(struct ipc_conn *c)
{
    if (atomic_load(&c->in_readers) > 0)
        return;
    pthread_mutex_lock(&c->lock);
    if (c->dead || c->in_fd < 0 || atomic_load(&c->in_readers) > 0) {
        pthread_mutex_unlock(&c->lock);
        return;
    }
    if (c->standby > c->promotions) {
        c->promotions++;
        atomic_fetch_add(&c->in_readers, 1);
        pthread_cond_signal(&c->standby_cond);
    } else if (c->pool_threads < (unsigned)ipc_max_threads()) {
        c->pool_threads++;
        atomic_fetch_add(&c->in_readers, 1);
        int r = spawn_reader_locked(c);
        if (r < 0)
            log_warn_errno(r, "ipc: cannot start a worker thread");
    }
    pthread_mutex_unlock(&c->lock);
}

int ipc_serve_start(struct ipc_conn *c)
{
    pthread_mutex_lock(&c->lock);
    c->pool_threads++;
    atomic_fetch_add(&c->in_readers, 1);
    int r = spawn_reader_locked(c);
    pthread_mutex_unlock(&c->lock);
    if (r < 0)
        return log_error_errno(r, "ipc: cannot start a worker thread");
    return 0;
}

/* Returns when the calling worker may read (true) or the connection died. */
static bool become_reader(struct ipc_conn *c)
{
    unsigned zero = 0;
    if (atomic_compare_exchange_strong(&c->in_readers, &zero, 1))
        return true;
    pthread_mutex_lock(&c->lock);
    while (!c->dead && c->promotions == 0) {
        /* Someone reads; park, unless that reader just left without us seeing. */
        zero = 0;
        if (atomic_compare_exchange_strong(&c->in_readers, &zero, 1)) {
            pthread_mutex_unlock(&c->lock);
            return true;
        }
        c->standby++;
        pthread_cond_wait(&c->standby_cond, &c->lock);
        c->standby--;
    }
    bool ok = !c->dead;
    if (c->promotions > 0) {
        c->promotions--; /* in_readers was counted by the promoter */
        if (!ok)
            atomic_fetch_sub(&c->in_readers, 1);
    }
    pthread_mutex_unlock(&c->lock);
    return ok;
}

static void *worker_main(void *arg)
{
    struct ipc_conn *c = arg;
    uint8_t *buf = ipc_thread_buffer();
    int fd = __atomic_load_n(&c->in_fd, __ATOMIC_ACQUIRE);
    bool reader = true; /* started as the reader */
    OHIPCParcel data = { 0 }, reply = { 0 }; /* reused from request to request */

    while (buf) {
        if (!reader && !become_reader(c))
            break;
        /* Too many of the peer's descriptors held: leave its frames (and
         * the descriptors in them) in its socket for now. */
        if (!ipc_fds_wait_budget(c)) {
            atomic_fetch_sub(&c->in_readers, 1);
            break;
        }
        struct ipc_recv rr;
        int r = ipc_sock_recv(fd, buf, IPC_FRAME_MAX, &rr, -1, false);
        atomic_fetch_sub(&c->in_readers, 1);
        reader = false;
        if (r <= 0) {
            ipc_conn_kill(c, r == 0 ? NULL : r == -EPROTO ? "truncated frame from the peer" : "receive failed");
            break;
        }
        atomic_fetch_add(&c->reads, 1);
        ipc_monitor_note_read();
        unsigned held = rr.nfds;
        ipc_fds_hold(c, held);
        serving = c;
        r = ipc_serve_frame(c, buf, &rr, &data, &reply);
        serving = NULL;
        ipc_fds_release(c, held);
        if (r < 0)
            break;
        /* A peer's large request once is no reason to keep its size. */
        if (data.capacity > IPC_KEEP_BUFFER || data.objs_cap * sizeof(struct ipc_obj) > IPC_KEEP_BUFFER)
            ipc_parcel_clear(&data);
        if (reply.capacity > IPC_KEEP_BUFFER || reply.objs_cap * sizeof(struct ipc_obj) > IPC_KEEP_BUFFER)
            ipc_parcel_clear(&reply);
    }
    if (!buf)
        ipc_conn_kill(c, "out of memory");
    ipc_parcel_clear(&data);
    ipc_parcel_clear(&reply);
    pthread_mutex_lock(&c->lock);
    c->pool_threads--;
    pthread_mutex_unlock(&c->lock);
    ipc_conn_unref(c);
    return NULL;
}

static int send_reply(struct ipc_conn *c, uint32_t id, int status, const OHIPCParcel *reply)
{
    struct ipc_out o;
    int r = ipc_conn_marshal(c, status == OH_IPC_SUCCESS ? reply : NULL, &o);
    if (r < 0) {
        log_warn_errno(r, "ipc: cannot build a reply");
        status = OH_IPC_INNER_ERROR;
        ipc_conn_marshal(c, NULL, &o);
    }
    ipc_frame_hdr_init(&o.hdr, IPC_FRAME_REPLY, 0, id, 0, (uint32_t)status);
    r = ipc_conn_send(c, __atomic_load_n(&c->in_fd, __ATOMIC_ACQUIRE), c->in_max, &o);
    if (r < 0 && o.local_failure) {
        /* Could not spill a big reply: tell the caller instead. */
        ipc_conn_marshal(c, NULL, &o);
        ipc_frame_hdr_init(&o.hdr, IPC_FRAME_REPLY, 0, id, 0, OH_IPC_INNER_ERROR);
        r = ipc_conn_send(c, c->in_fd, c->in_max, &o);
    }
    return r;
}

/* Sends the reply to request id; a reply that cannot go kills the
 * connection (unless the peer is gone already).  0 or -errno. */
static int answer(struct ipc_conn *c, uint32_t id, int status, const OHIPCParcel *reply)
{
    int r = send_reply(c, id, status, reply);
    if (r < 0 && r != -EPIPE)
        ipc_conn_kill(c, r == -ETIMEDOUT ? "the peer stopped reading" : "sending a reply failed");
    return r < 0 ? r : 0;
}

static void *alloc_len(int32_t len) { return malloc((size_t)len); }

/* The kernel tells who sent a frame (SCM_CREDENTIALS, the socket has
 * SO_PASSCRED), but a process with CAP_SYS_ADMIN may claim any pid there.
 * This is the first frame on a pair we made ourselves (conn.c): the claim is
 * believed when the process it names holds the other end of the socket, and
 * then pinned like the kernel's record of a connect() (peercred.c); when we
 * cannot look (its descriptors are not ours to see) it is taken as it is.
 * The peer of a channel does not change, so stop paying for credentials on
 * every frame (about 5% of a round trip).  0, or -EPERM: a forgery (the
 * connection is closed). */
static int learn_cred(struct ipc_conn *c, pid_t pid, uid_t uid)
{
    int pidfd = -1;
    int in_fd = __atomic_load_n(&c->in_fd, __ATOMIC_ACQUIRE);
    int r = ipc_peer_verify(in_fd, pid, &pidfd);
    if (r == 0) {
        log_warn("ipc: a frame claims to come from pid %d uid %u, which does not hold the socket", (int)pid,
                 (unsigned)uid);
        ipc_conn_kill(c, "forged credentials");
        return -EPERM;
    }
    if (r < 0)
        log_debug_errno(r, "ipc: cannot check that pid %d holds its socket; taking its credentials", (int)pid);
    bool watch = false;
    pthread_mutex_lock(&c->lock);
    if (!c->cred_learned) {
        __atomic_store_n(&c->peer_pid, pid, __ATOMIC_RELAXED);
        __atomic_store_n(&c->peer_uid, uid, __ATOMIC_RELAXED);
        __atomic_store_n(&c->cred_learned, true, __ATOMIC_RELEASE);
        if (r == 1) {
            __atomic_store_n(&c->peer_pinned, true, __ATOMIC_RELEASE);
            if (c->peer_pidfd < 0 && pidfd >= 0) {
                __atomic_store_n(&c->peer_pidfd, TAKE_FD(pidfd), __ATOMIC_RELEASE);
                watch = true;
            }
        }
        int zero = 0;
        if (c->in_fd >= 0)
            (void)setsockopt(c->in_fd, SOL_SOCKET, SO_PASSCRED, &zero, sizeof(zero));
    }
    bool dead = c->dead;
    pthread_mutex_unlock(&c->lock);
    safe_close(pidfd);
    if (watch && !dead) {
        int k = ipc_monitor_add_pidfd(c, __atomic_load_n(&c->peer_pidfd, __ATOMIC_ACQUIRE));
        if (k < 0 && k != -ENOENT) {
            ipc_conn_kill(c, "cannot watch the peer process");
            return k;
        }
    }
    return 0;
}

static int serve_internal(OHIPCRemoteStub *stub, uint32_t code, OHIPCParcel *reply)
{
    if (code != IPC_INTERNAL_GET_DESCRIPTOR)
        return OH_IPC_INNER_ERROR;
    if (!stub->forward)
        return OH_IPCParcel_WriteString(reply, stub->descriptor);
    char *d = NULL;
    int32_t len;
    int r = OH_IPCRemoteProxy_GetInterfaceDescriptor(stub->forward, &d, &len, alloc_len);
    if (r == OH_IPC_SUCCESS)
        r = OH_IPCParcel_WriteString(reply, d);
    free(d);
    return r;
}

/* A request whose descriptors took slots of the app's reserve: they are
 * closed unread, a synchronous caller gets OH_IPC_INNER_ERROR.  A frame that
 * brings a channel or objects cannot be undone that way: the connection goes. */
static int refuse_for_reserve(struct ipc_conn *c, const struct ipc_frame_info *info, struct ipc_recv *rr)
{
    const struct ipc_frame_hdr *h = &info->hdr;
    ipc_recv_discard_fds(rr);
    if ((h->flags & IPC_FF_CHANNEL) || h->nobjs > info->n_parcel_fds) {
        ipc_conn_kill(c, "its descriptors would take the app's reserve");
        return -EMFILE;
    }
    pthread_mutex_lock(&c->lock);
    bool first = !c->fds_refused;
    c->fds_refused = true;
    pthread_mutex_unlock(&c->lock);
    if (first)
        log_warn("ipc: refusing requests from pid %d carrying descriptors: fewer than %u descriptor slots are free",
                 (int)c->peer_pid, ipc_fd_reserve());
    if (h->flags & IPC_FF_ONEWAY)
        return 0;
    return answer(c, h->id, OH_IPC_INNER_ERROR, NULL);
}

static int apply_release(struct ipc_conn *c, const struct ipc_frame_info *info, const uint8_t *body,
                         struct ipc_recv *rr)
{
    if (ipc_conn_apply_release(c, body, info->body_len) < 0)
        return ipc_frame_refuse(c, rr, "release of an object it does not hold");
    ipc_recv_close_fds(rr);
    return 0;
}

/* A request that brings the channel for our calls to the peer's objects
 * (IPC_FF_CHANNEL): it becomes the out channel.  0 or -EBADMSG (killed). */
static int take_channel(struct ipc_conn *c, const struct ipc_frame_info *info, struct ipc_recv *rr)
{
    int fd = rr->fds[info->channel_idx];
    rr->fds[info->channel_idx] = -1;
    if (ipc_sock_check(fd) < 0 || ipc_conn_attach_out(c, fd) < 0) {
        ncp_discard_fd(fd);
        return ipc_frame_refuse(c, rr, "bad or second callback channel");
    }
    int r = ipc_monitor_add_fd(c, fd, false);
    if (r < 0)
        log_warn_errno(r, "ipc: cannot watch a callback channel");
    return 0;
}

/* The request's parcel into data; the descriptors it does not take are
 * closed.  0 or -errno (killed). */
static int decode_request(struct ipc_conn *c, const struct ipc_frame_info *info, const uint8_t *body,
                          struct ipc_recv *rr, OHIPCParcel *data)
{
    int r = ipc_conn_unmarshal(c, info, body, rr, data);
    ipc_recv_close_fds(rr);
    if (r < 0) {
        ipc_parcel_reset(data);
        ipc_conn_kill(c, r == -EBADMSG ? "request names an object it does not hold" : "cannot decode a request");
    }
    return r;
}

/* Who the request comes from.  Frames sent before SO_PASSCRED was set carry
 * "no credentials" (pid 0, the overflow uid): keep the fallback then.  A
 * pinned peer is who it is whatever a frame claims (a process with
 * CAP_SYS_ADMIN can put any pid and uid in SCM_CREDENTIALS).  0 or -errno
 * (forged credentials: the connection is closed). */
static int caller_identity(struct ipc_conn *c, const struct ipc_recv *rr, pid_t *pid, uid_t *uid)
{
    *pid = __atomic_load_n(&c->peer_pid, __ATOMIC_RELAXED);
    *uid = __atomic_load_n(&c->peer_uid, __ATOMIC_RELAXED);
    if (!rr->have_cred || rr->pid <= 0 || __atomic_load_n(&c->peer_pinned, __ATOMIC_ACQUIRE))
        return 0;
    *pid = rr->pid;
    *uid = rr->uid;
    if (!__atomic_load_n(&c->cred_learned, __ATOMIC_ACQUIRE)) {
        int r = learn_cred(c, *pid, *uid);
        if (r < 0)
            return r;
    }
    if (__atomic_load_n(&c->peer_pinned, __ATOMIC_ACQUIRE)) {
        *pid = __atomic_load_n(&c->peer_pid, __ATOMIC_RELAXED);
        *uid = __atomic_load_n(&c->peer_uid, __ATOMIC_RELAXED);
    }
    return 0;
}

/* Runs a decoded request on its object and answers it unless it is one-way;
 * data and reply are reset.  0 or -errno (killed). */
static int run_request(struct ipc_conn *c, const struct ipc_frame_hdr *h, OHIPCParcel *data, OHIPCParcel *reply,
                       pid_t pid, uid_t uid)
{
    bool oneway = h->flags & IPC_FF_ONEWAY;
    int status;

    OHIPCRemoteStub *stub = ipc_conn_lookup_export(c, h->handle);
    if (!stub)
        status = OH_IPC_DEAD_REMOTE_OBJECT;
    else if (h->flags & IPC_FF_INTERNAL)
        status = serve_internal(stub, h->code, reply);
    else
        status = ipc_stub_invoke(stub, h->code, data, reply, pid, uid, false, oneway);
    ipc_parcel_reset(data);
    int r = oneway ? 0 : answer(c, h->id, status, reply);
    ipc_parcel_reset(reply);
    ipc_stub_unref(stub);
    return r;
}

/* parsed and info: ipc_frame_parse() of buf, done by the caller. */
static int serve_frame(struct ipc_conn *c, const uint8_t *buf, struct ipc_recv *rr, int parsed,
                       const struct ipc_frame_info *info, OHIPCParcel *data, OHIPCParcel *reply)
{
    const uint8_t *body;
    _cleanup_free_ uint8_t *owned = NULL;
    pid_t pid;
    uid_t uid;
    int r;

    const char *bad = ipc_frame_read(parsed, info, false, buf, rr, &body, &owned);
    if (bad)
        return ipc_frame_refuse(c, rr, bad);
    if (info->hdr.type == IPC_FRAME_RELEASE)
        return apply_release(c, info, body, rr);
    if (ipc_fds_check_reserve(rr->fds, rr->nfds) < 0)
        return refuse_for_reserve(c, info, rr);
    if ((info->hdr.flags & IPC_FF_CHANNEL) && (r = take_channel(c, info, rr)) < 0)
        return r;
    if ((r = decode_request(c, info, body, rr, data)) < 0)
        return r;
    free(TAKE_PTR(owned)); /* a spilled body: not kept while the callback runs */

    ipc_parcel_reset(reply);
    if ((r = caller_identity(c, rr, &pid, &uid)) < 0) {
        ipc_parcel_reset(data);
        return r;
    }
    return run_request(c, &info->hdr, data, reply, pid, uid);
}

int ipc_serve_frame(struct ipc_conn *c, const uint8_t *buf, struct ipc_recv *rr, OHIPCParcel *data,
                    OHIPCParcel *reply)
{
    /* Its memory counts against the peer's budget (peerfds.c) while served;
     * a malformed frame is refused before it costs anything. */
    struct ipc_frame_info info;
    int parsed = ipc_frame_parse(buf, rr->len, rr->nfds, &info);
    unsigned cost = parsed == 0 ? ipc_frame_cost(&info) : 0;
    ipc_bytes_hold(c, cost);
    atomic_fetch_add(&in_flight, 1);
    int r = serve_frame(c, buf, rr, parsed, &info, data, reply);
    served_one();
    ipc_bytes_release(c, cost);
    return r;
}
