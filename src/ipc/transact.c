/* SPDX-License-Identifier: Apache-2.0 */
/* The calling side: send a request on the out channel and wait for its reply.
 *
 * No thread sits on the out channel.  A caller waiting for a reply reads the
 * socket itself when no other caller is (the leader); others wait on their
 * own condition variable (followers).  The leader hands replies that are not
 * its own to their waiters and, when it has its own, passes the leadership
 * to a waiting follower.  With one caller at a time a round trip is: send
 * (sendmsg when descriptors travel), blocking recvmsg -- as many system
 * calls as a raw socket ping-pong.
 *
 * A caller may be cancelled (pthread_cancel) only while it waits: for the
 * out channel, or for its reply, reading (recvmsg) or behind the reader (on
 * its condition variable).  Anywhere else it is held off: cancelled there,
 * a caller would leave a frame half sent, another caller's reply read and
 * lost, or descriptors nobody closes.  A cancelled waiter leaves the
 * connection as one whose request timed out (waiter_cancelled()). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ipc/ipc_internal.h"
#include "common/log.h"
#include "common/macro.h"

struct ipc_pending {
    uint32_t id;
    bool done;
    bool has_result;
    bool cond_ready; /* cond initialised: only callers that wait need one */
    int status;
    OHIPCParcel result; /* delivered by another thread */
    pthread_cond_t cond;
    struct ipc_pending *next;
};

static pthread_condattr_t mono_attr;
static pthread_once_t mono_once = PTHREAD_ONCE_INIT;

static void mono_init(void)
{
    pthread_condattr_init(&mono_attr);
    pthread_condattr_setclock(&mono_attr, CLOCK_MONOTONIC);
}

/* A caller of ipc_conn_transact() while it may wait, for the handler that
 * runs if it is cancelled then. */
struct waiter {
    struct ipc_conn *c;
    struct ipc_pending *me; /* NULL until listed */
    int cancel_state;       /* the caller's, in force only while it waits */
    bool leader;            /* holds the reader role */
    bool locked;            /* waits with c->lock (a condition variable) */
};

static void wake_locked(struct ipc_pending *p)
{
    if (p->cond_ready)
        pthread_cond_signal(&p->cond);
}

void ipc_transact_wake_all_locked(struct ipc_conn *c)
{
    for (struct ipc_pending *p = c->pending; p; p = p->next)
        wake_locked(p);
}

/* Hands the reader role on: wakes a caller still waiting for its reply. */
static void wake_next_reader_locked(struct ipc_conn *c)
{
    for (struct ipc_pending *p = c->pending; p; p = p->next)
        if (!p->done) {
            wake_locked(p);
            return;
        }
}

static void unlink_locked(struct ipc_conn *c, struct ipc_pending *me)
{
    for (struct ipc_pending **pp = &c->pending; *pp; pp = &(*pp)->next)
        if (*pp == me) {
            *pp = me->next;
            return;
        }
}

/* Takes me off the list, giving up the reader role if it is the leader;
 * with nobody reading then, wakes a caller still waiting to read. */
static void unlist_locked(struct ipc_conn *c, struct ipc_pending *me, bool leader)
{
    if (leader)
        c->reader_active = false;
    unlink_locked(c, me);
    if (!c->reader_active)
        wake_next_reader_locked(c);
}

/* What a pending record holds once it is off the list. */
static void pending_release(struct ipc_pending *me)
{
    if (me->has_result)
        ipc_parcel_clear(&me->result);
    me->has_result = false;
    if (me->cond_ready)
        pthread_cond_destroy(&me->cond);
    me->cond_ready = false;
}

/* pthread_cancel acted while w waited: its record, on its stack, goes off
 * the list before the thread ends. */
static void waiter_cancelled(void *arg)
{
    struct waiter *w = arg;
    if (!w->locked)
        pthread_mutex_lock(&w->c->lock);
    if (w->me)
        unlist_locked(w->c, w->me, w->leader);
    pthread_mutex_unlock(&w->c->lock);
    if (w->me)
        pending_release(w->me);
}

/* Waits on cond (until `until`, NULL: no limit) with w->c->lock held, as a
 * cancellation point if the caller's cancel state allows.  Returns what
 * pthread_cond_(timed)wait does. */
static int wait_cond(struct waiter *w, pthread_cond_t *cond, const struct timespec *until)
{
    int r;
    w->locked = true;
    pthread_cleanup_push(waiter_cancelled, w);
    pthread_setcancelstate(w->cancel_state, NULL);
    r = until ? pthread_cond_timedwait(cond, &w->c->lock, until) : pthread_cond_wait(cond, &w->c->lock);
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
    pthread_cleanup_pop(0);
    return r;
}

static struct ipc_pending *find_locked(struct ipc_conn *c, uint32_t id)
{
    for (struct ipc_pending *p = c->pending; p; p = p->next)
        if (p->id == id && !p->done)
            return p;
    return NULL;
}

static int remaining_ms(const struct timespec *deadline)
{
    if (!deadline)
        return -1;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
    if (ms < 0)
        return 0;
    return ms > INT32_MAX ? INT32_MAX : (int)ms;
}

/* Receives a frame on the out channel into buf, as the leader w (a
 * cancellation point until the frame came).  0, -ETIMEDOUT, or another
 * -errno after killing the connection. */
static int recv_reply(struct waiter *w, uint8_t *buf, struct ipc_recv *rr, const struct timespec *deadline)
{
    struct ipc_conn *c = w->c;
    int fd = __atomic_load_n(&c->out_fd, __ATOMIC_ACQUIRE);
    int r;
    w->locked = false;
    pthread_cleanup_push(waiter_cancelled, w);
    pthread_setcancelstate(w->cancel_state, NULL);
    r = ipc_sock_recv(fd, buf, IPC_FRAME_MAX, rr, remaining_ms(deadline), false);
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
    pthread_cleanup_pop(0);
    if (r == 1)
        return 0;
    if (r == -EAGAIN)
        return -ETIMEDOUT;
    if (r == 0) {
        ipc_conn_kill(c, NULL);
        return -EPIPE;
    }
    ipc_conn_kill(c, r == -EPROTO ? "truncated frame from the peer" : "receiving a reply failed");
    return r;
}

/* The status a reply carries.  A reply whose descriptors took slots of the
 * app's reserve is refused: the caller gets OH_IPC_INNER_ERROR, or, when it
 * brings objects (their counts would be left wrong), the connection goes
 * (-EMFILE). */
static int reply_status(struct ipc_conn *c, const struct ipc_frame_info *info, struct ipc_recv *rr, int *status)
{
    *status = ipc_map_status((int)info->hdr.code);
    if (*status != OH_IPC_SUCCESS || ipc_fds_check_reserve(rr->fds, rr->nfds) == 0)
        return 0;
    if (info->hdr.nobjs > info->n_parcel_fds) {
        ipc_recv_discard_fds(rr);
        ipc_conn_kill(c, "its descriptors would take the app's reserve");
        return -EMFILE;
    }
    log_warn("ipc: refusing a reply from pid %d carrying descriptors: fewer than %u descriptor slots are free",
             (int)c->peer_pid, ipc_fd_reserve());
    *status = OH_IPC_INNER_ERROR;
    return 0;
}

/* Decodes a reply's parcel into into (only with a success status).  0 or
 * -errno after killing the connection (into is left empty). */
static int decode_reply(struct ipc_conn *c, const struct ipc_frame_info *info, const uint8_t *body,
                        struct ipc_recv *rr, int status, OHIPCParcel *into)
{
    int r = status == OH_IPC_SUCCESS ? ipc_conn_unmarshal(c, info, body, rr, into) : 0;
    if (r < 0) {
        ipc_parcel_reset(into);
        ipc_recv_close_fds(rr);
        ipc_conn_kill(c, "malformed reply");
        return r;
    }
    ipc_recv_discard_fds(rr); /* none left on success; all of them on an error status */
    return 0;
}

/* Gives the reply to request id to the caller waiting for it (result is
 * emptied); a reply nobody waits for is dropped.  0, or -EBADMSG after
 * killing the connection: a reply to a request never sent. */
static int hand_over(struct ipc_conn *c, uint32_t id, int status, OHIPCParcel *result)
{
    const char *bad = NULL;

    pthread_mutex_lock(&c->lock);
    struct ipc_pending *t = find_locked(c, id);
    if (t) {
        t->result = *result;
        memset(result, 0, sizeof(*result));
        t->has_result = true;
        t->status = status;
        t->done = true;
        wake_locked(t);
    } else if ((int32_t)(c->next_id - id) < 0) {
        bad = "reply to a request never sent";
    } else if (c->stray_replies++ == 0) {
        /* The reply of a request that timed out, or one answered twice:
         * dropped (its objects released, its descriptors closed).  A
         * slow peer does that legitimately: said once per connection. */
        log_info("ipc: dropping a reply from pid %d to request %u, which no longer waits (timed out, or "
                 "answered already); later ones are dropped silently", (int)c->peer_pid, id);
    }
    pthread_mutex_unlock(&c->lock);
    ipc_parcel_clear(result);
    if (bad) {
        ipc_conn_kill(c, bad);
        return -EBADMSG;
    }
    return 0;
}

/* Reads one frame as the leader.  Returns 0 (something was processed),
 * -ETIMEDOUT, or another -errno after killing the connection. */
static int read_one(struct waiter *w, uint8_t *buf, OHIPCParcel *reply, const struct timespec *deadline)
{
    struct ipc_conn *c = w->c;
    struct ipc_pending *me = w->me;
    struct ipc_recv rr;
    struct ipc_frame_info info;
    const uint8_t *body;
    _cleanup_free_ uint8_t *owned = NULL;
    int status;

    int r = recv_reply(w, buf, &rr, deadline);
    if (r < 0)
        return r;
    const char *bad =
        ipc_frame_read(ipc_frame_parse(buf, rr.len, rr.nfds, &info), &info, true, buf, &rr, &body, &owned);
    if (bad)
        return ipc_frame_refuse(c, &rr, bad);
    if ((r = reply_status(c, &info, &rr, &status)) < 0)
        return r;

    OHIPCParcel tmp = { 0 };
    bool mine = info.hdr.id == me->id;
    if (mine)
        ipc_parcel_reset(reply);
    if ((r = decode_reply(c, &info, body, &rr, status, mine ? reply : &tmp)) < 0) {
        ipc_parcel_clear(&tmp);
        return r;
    }
    if (!mine)
        return hand_over(c, info.hdr.id, status, &tmp);
    /* Only the reader writes a pending call's result: no lock needed. */
    me->done = true;
    me->status = status;
    return 0;
}

/* Waits for w->me's reply.  w->leader: the caller already holds the reader
 * role (and not the lock).  Returns the status. */
static int wait_reply(struct waiter *w, OHIPCParcel *reply, const struct timespec *deadline)
{
    struct ipc_conn *c = w->c;
    struct ipc_pending *me = w->me;
    uint8_t *buf = ipc_thread_buffer();
    int status = OH_IPC_DEAD_REMOTE_OBJECT;
    bool timed_out = false;

    if (!w->leader)
        pthread_mutex_lock(&c->lock);
    for (;;) {
        if (w->leader) {
            int r = buf ? read_one(w, buf, reply, deadline) : -ENOMEM;
            if (!me->done && r == 0)
                continue; /* someone else's reply: keep reading */
            pthread_mutex_lock(&c->lock);
            c->reader_active = false;
            w->leader = false;
            timed_out = r == -ETIMEDOUT;
            if (r == -ENOMEM) {
                log_error("ipc: out of memory waiting for a reply");
                timed_out = true;
            }
            break;
        }
        if (me->done || c->dead)
            break;
        if (!c->reader_active && buf) {
            c->reader_active = true;
            w->leader = true;
            pthread_mutex_unlock(&c->lock);
            continue;
        }
        if (!me->cond_ready) {
            pthread_once(&mono_once, mono_init);
            pthread_cond_init(&me->cond, &mono_attr);
            me->cond_ready = true;
        }
        if (wait_cond(w, &me->cond, deadline) == ETIMEDOUT && !me->done && !c->dead) {
            timed_out = true;
            break;
        }
    }
    /* Lock held. */
    if (me->done)
        status = me->status;
    else if (timed_out) {
        status = OH_IPC_INNER_ERROR;
        log_info("ipc: request %u to pid %d timed out", me->id, (int)c->peer_pid);
    }
    unlist_locked(c, me, false);
    pthread_mutex_unlock(&c->lock);

    if (me->has_result) {
        if (status == OH_IPC_SUCCESS)
            ipc_parcel_move(reply, &me->result);
        ipc_parcel_clear(&me->result);
    }
    return status;
}

/* Waits, with c->lock held, for the out channel while the frame that
 * brings it is still on its way: a peer that never sends it gets
 * IPC_PEER_WAIT_S, whatever the timeout dl.  0, -ETIME (dl came first),
 * -ETIMEDOUT (the peer's time ran out) or -EPIPE (the connection is dead). */
static int wait_out_channel_locked(struct waiter *w, const struct timespec *dl)
{
    struct ipc_conn *c = w->c;
    if (c->out_fd < 0 && !c->dead) {
        struct timespec channel_by;
        const struct timespec *until = &channel_by;
        clock_gettime(CLOCK_MONOTONIC, &channel_by);
        channel_by.tv_sec += IPC_PEER_WAIT_S;
        bool mine = dl && (dl->tv_sec < channel_by.tv_sec ||
                           (dl->tv_sec == channel_by.tv_sec && dl->tv_nsec <= channel_by.tv_nsec));
        if (mine)
            until = dl;
        while (c->out_fd < 0 && !c->dead)
            if (wait_cond(w, &c->cond, until) == ETIMEDOUT)
                break;
        if (c->out_fd < 0 && !c->dead)
            return mine ? -ETIME : -ETIMEDOUT;
    }
    return c->dead ? -EPIPE : 0;
}

/* Lists me as waiting for the reply to a new request id; returns whether
 * the caller became the reader.  Under c->lock. */
static bool add_pending_locked(struct ipc_conn *c, struct ipc_pending *me)
{
    uint32_t id = ++c->next_id;
    if (id == 0)
        id = ++c->next_id;
    me->id = id;
    me->done = me->has_result = me->cond_ready = false;
    me->status = 0;
    me->next = c->pending;
    c->pending = me;
    /* Usually nobody else waits: take the reader role right away. */
    if (c->reader_active)
        return false;
    c->reader_active = true;
    return true;
}

/* Gives up waiting for a reply that will not come (the request was not
 * sent). */
static void drop_pending(struct ipc_conn *c, struct ipc_pending *me, bool leader)
{
    pthread_mutex_lock(&c->lock);
    unlist_locked(c, me, leader);
    pthread_mutex_unlock(&c->lock);
    pending_release(me);
}

static int send_request(struct ipc_conn *c, uint32_t handle, uint32_t code, uint16_t flags, uint32_t id,
                        const OHIPCParcel *data, const struct timespec *dl, struct ipc_out *o)
{
    int r = ipc_conn_marshal(c, data, o);
    if (r < 0)
        return r;
    ipc_frame_hdr_init(&o->hdr, IPC_FRAME_REQUEST, flags, id, handle, code);
    o->deadline = dl;
    return ipc_conn_send(c, c->out_fd, c->out_max, o);
}

/* What the caller of a request that could not be sent gets; the connection
 * is killed when the peer may have seen part of it. */
static int send_failure_status(struct ipc_conn *c, uint32_t code, const struct ipc_out *o, int r)
{
    if (r == -ETIME && !o->carries_refs) {
        /* The timeout passed while the peer's queue was full; nothing was
         * sent, the connection is intact. */
        log_info("ipc: request %u to pid %d timed out before it could be sent", code, (int)c->peer_pid);
        return OH_IPC_INNER_ERROR;
    }
    if (r == -ETOOMANYREFS && !o->carries_refs) {
        /* The kernel's bound on descriptors in flight (RLIMIT_NOFILE of
         * our user): the peer holds too many of ours unread. */
        log_info("ipc: request %u to pid %d not sent: too many descriptors in flight", code, (int)c->peer_pid);
        return OH_IPC_INNER_ERROR;
    }
    if (!o->local_failure) {
        /* Sent in part, or its objects' counts now say it was: the
         * connection cannot go on. */
        ipc_conn_kill(c, r == -ETIMEDOUT || r == -ETIME ? "the peer stopped reading" : NULL);
        return r == -ETIME ? OH_IPC_INNER_ERROR : OH_IPC_DEAD_REMOTE_OBJECT;
    }
    log_warn_errno(r, "ipc: cannot build request %u", code);
    return OH_IPC_INNER_ERROR;
}

int ipc_conn_transact(struct ipc_conn *c, uint32_t handle, uint32_t code, uint16_t flags, const OHIPCParcel *data,
                      OHIPCParcel *reply, uint32_t timeout_s)
{
    bool oneway = flags & IPC_FF_ONEWAY;
    struct timespec deadline, *dl = NULL;
    struct ipc_pending me;
    struct ipc_out o;
    /* Cancellation acts only where w waits (see the top of this file). */
    _cleanup_(ipc_cancel_restore) int cancel_state = ipc_cancel_hold();
    struct waiter w = { .c = c, .cancel_state = cancel_state };

    /* A callback about to wait for a reply: let another worker read its
     * connection, the reply may need a nested request served there. */
    struct ipc_conn *serving = oneway ? NULL : ipc_serving_conn();
    if (serving)
        ipc_serve_promote(serving);

    /* The timeout bounds the whole call, the send included (a one-way
     * request's too: it waits only for room in the socket). */
    if (timeout_s > 0) {
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += timeout_s;
        dl = &deadline;
    }

    pthread_mutex_lock(&c->lock);
    int r = wait_out_channel_locked(&w, dl);
    if (r < 0) {
        pthread_mutex_unlock(&c->lock);
        if (r == -ETIMEDOUT)
            ipc_conn_kill(c, "the peer never sent the channel for its objects");
        return r == -ETIME ? OH_IPC_INNER_ERROR : OH_IPC_DEAD_REMOTE_OBJECT;
    }
    if (!oneway) {
        w.leader = add_pending_locked(c, &me);
        w.me = &me;
    }
    pthread_mutex_unlock(&c->lock);

    r = send_request(c, handle, code, flags, oneway ? 0 : me.id, data, dl, &o);
    if (r < 0) {
        int status = send_failure_status(c, code, &o, r);
        if (!oneway)
            drop_pending(c, &me, w.leader);
        return status;
    }
    if (oneway)
        return OH_IPC_SUCCESS;

    int status = wait_reply(&w, reply, dl);
    if (me.cond_ready)
        pthread_cond_destroy(&me.cond);
    return status;
}
