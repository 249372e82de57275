/* SPDX-License-Identifier: Apache-2.0 */
/* pthread_cancel of a thread waiting in OH_IPCRemoteProxy_SendRequest for a
 * reply that never comes: the thread ends, and what it waited with (its
 * pending request, the reader role, the connection's lock) is not left
 * behind for the other callers, a late reply or the proxy's teardown.  The
 * peer is a raw socket played here: it answers code 2 (the sum of two
 * Int32s), code 3 the same after 300 ms, and never answers code 9. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>

#include "../tap.h"
#include "ipc-test-util.h"

enum { CODE_ADD = 2, CODE_SLOW_ADD = 3, CODE_NEVER = 9 };

/* Sanitizer builds: GCC's ASan reports a stack-buffer-overflow that is not
 * one when a thread is cancelled in a call below an instrumented frame with
 * a cleanup handler (the unwind leaves the deeper frames' redzones
 * poisoned; google/sanitizers#1399).  With locals on ASan's fake stack the
 * real stack has no redzones to leave. */
__attribute__((visibility("default"))) const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "detect_stack_use_after_return=1"; }

/* ---- the peer ---- */

static int peer_fd = -1;
static atomic_bool peer_stop;
static atomic_int peer_unanswered; /* CODE_NEVER requests received */
static atomic_uint peer_last_never_id;
static atomic_int peer_slow; /* CODE_SLOW_ADD requests received */

static void peer_reply(uint32_t id, int32_t v)
{
    struct hdr h = { MAGIC, 1, REPLY, 0, id, 0, 0, sizeof(v), 0, 0, { 0, 0, 0 } };
    struct iovec iov[2] = { { &h, sizeof(h) }, { &v, sizeof(v) } };
    struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };
    if (sendmsg(peer_fd, &m, MSG_NOSIGNAL) < 0)
        diag("peer: sendmsg: %s", strerror(errno));
}

static void *peer(void *arg)
{
    (void)arg;
    uint8_t buf[65536];
    while (!atomic_load(&peer_stop)) {
        ssize_t n = read_timeout(peer_fd, buf, sizeof(buf), 50);
        struct hdr rq;
        if (n == 0)
            break;
        if (n < (ssize_t)sizeof(rq))
            continue;
        memcpy(&rq, buf, sizeof(rq));
        if (rq.type != REQUEST)
            continue;
        if (rq.code == CODE_NEVER) {
            atomic_store(&peer_last_never_id, rq.id);
            atomic_fetch_add(&peer_unanswered, 1);
            continue;
        }
        if (rq.code == CODE_SLOW_ADD) {
            atomic_fetch_add(&peer_slow, 1);
            usleep(300 * 1000);
        }
        int32_t a = 0, b = 0;
        if (n >= (ssize_t)(sizeof(rq) + 8)) {
            memcpy(&a, buf + sizeof(rq), 4);
            memcpy(&b, buf + sizeof(rq) + 4, 4);
        }
        peer_reply(rq.id, a + b);
    }
    return NULL;
}

/* ---- callers ---- */

struct call {
    OHIPCRemoteProxy *proxy;
    uint32_t code, timeout_s;
    pthread_t thread;
    int status;
    int32_t sum;
    atomic_bool returned;
};

static void parcel_destroy(void *p) { OH_IPCParcel_Destroy(p); }

static void *caller(void *arg)
{
    struct call *c = arg;
    OHIPCParcel *data = OH_IPCParcel_Create(), *reply = OH_IPCParcel_Create();
    /* A cancelled caller lets go of its parcels too: the leak check counts them. */
    pthread_cleanup_push(parcel_destroy, data);
    pthread_cleanup_push(parcel_destroy, reply);
    OH_IPCParcel_WriteInt32(data, 20);
    OH_IPCParcel_WriteInt32(data, 22);
    OH_IPC_MessageOption opt = { OH_IPC_REQUEST_MODE_SYNC, c->timeout_s, NULL };
    c->status = OH_IPCRemoteProxy_SendRequest(c->proxy, c->code, data, reply, &opt);
    if (c->status != OH_IPC_SUCCESS || OH_IPCParcel_ReadInt32(reply, &c->sum) != 0)
        c->sum = 0;
    atomic_store(&c->returned, true);
    pthread_cleanup_pop(1);
    pthread_cleanup_pop(1);
    return NULL;
}

static void call_start(struct call *c, OHIPCRemoteProxy *proxy, uint32_t code, uint32_t timeout_s)
{
    *c = (struct call){ .proxy = proxy, .code = code, .timeout_s = timeout_s };
    if (pthread_create(&c->thread, NULL, caller, c) != 0)
        abort();
}

/* Joins c's thread if it ends within secs; whether it did.  One that does
 * not is left (the test fails, and this process ends soon). */
static bool call_join(struct call *c, double secs)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)secs;
    return pthread_timedjoin_np(c->thread, NULL, &until) == 0;
}

/* Starts a CODE_NEVER call and returns once the peer has its request: the
 * caller waits for the reply from then on. */
static void call_never(struct call *c, OHIPCRemoteProxy *proxy)
{
    int before = atomic_load(&peer_unanswered);
    call_start(c, proxy, CODE_NEVER, 0);
    for (double end = now_s() + 5; atomic_load(&peer_unanswered) == before && now_s() < end;)
        usleep(1000);
    /* past its send, into its wait (the one cancellation point left) */
    usleep(50 * 1000);
}

/* Cancels a caller waiting for its reply; whether its thread ended. */
static bool cancel_call(struct call *c)
{
    pthread_cancel(c->thread);
    return call_join(c, 5);
}

/* An answered call from another thread, with a timeout: it gets its reply
 * in time (nobody left holding the reader role or the lock). */
static bool add_works(OHIPCRemoteProxy *proxy, const char *when)
{
    struct call a;
    call_start(&a, proxy, CODE_ADD, 3);
    bool ended = call_join(&a, 6);
    ok(ended && a.status == OH_IPC_SUCCESS && a.sum == 42, "%s: another caller gets its reply (%s, status %d, sum %d)",
       when, ended ? "returned" : "hung", ended ? a.status : -1, ended ? a.sum : 0);
    return ended;
}

static OHIPCRemoteProxy *connect_peer(pthread_t *t)
{
    int sv[2];
    if (seqpacket_pair(sv) < 0)
        abort();
    peer_fd = sv[1];
    atomic_store(&peer_stop, false);
    pthread_create(t, NULL, peer, NULL);
    return OH_IPCRemoteProxy_CreateFromSocket(sv[0]);
}

static void disconnect_peer(pthread_t t)
{
    atomic_store(&peer_stop, true);
    pthread_join(t, NULL);
    close(peer_fd);
    peer_fd = -1;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    int base = count_fds();
    pthread_t pt;

    /* The only caller, cancelled: it was the one reading the socket. */
    OHIPCRemoteProxy *p = connect_peer(&pt);
    struct call lone;
    call_never(&lone, p);
    ok(cancel_call(&lone) && !atomic_load(&lone.returned), "the only caller, cancelled while it waits: its thread ends");
    if (!add_works(p, "after the reader was cancelled"))
        return tap_done();

    /* A caller waiting behind the one reading, cancelled. */
    struct call leader, follower;
    call_never(&leader, p);
    call_never(&follower, p);
    ok(cancel_call(&follower), "a caller waiting behind another's read, cancelled: its thread ends");
    if (!add_works(p, "after a waiting caller was cancelled"))
        return tap_done();
    ok(cancel_call(&leader), "then the reader, cancelled: its thread ends");
    if (!add_works(p, "after both were cancelled"))
        return tap_done();

    /* The reader cancelled while another caller waits behind it for a reply
     * still to come: that one takes over reading, and gets it. */
    call_never(&leader, p);
    struct call slow;
    call_start(&slow, p, CODE_SLOW_ADD, 3);
    for (double end = now_s() + 5; atomic_load(&peer_slow) == 0 && now_s() < end;)
        usleep(1000);
    ok(cancel_call(&leader), "the reader, cancelled while another caller waits for its reply");
    bool ended = call_join(&slow, 6);
    ok(ended && slow.status == OH_IPC_SUCCESS && slow.sum == 42,
       "the waiting caller reads on and gets its reply (%s, status %d, sum %d)", ended ? "returned" : "hung",
       ended ? slow.status : -1, ended ? slow.sum : 0);
    if (!ended)
        return tap_done();

    /* A late reply to a cancelled call finds nobody, and is dropped. */
    call_never(&lone, p);
    uint32_t late_id = atomic_load(&peer_last_never_id);
    ok(cancel_call(&lone), "one more cancelled caller");
    peer_reply(late_id, 7);
    if (!add_works(p, "after a late reply to the cancelled call"))
        return tap_done();
    is_int(OH_IPCRemoteProxy_IsRemoteDead(p), 0, "the connection lives on");

    /* Cancelled callers, then the proxy destroyed and the peer gone. */
    call_never(&leader, p);
    call_never(&follower, p);
    ok(cancel_call(&follower) && cancel_call(&leader), "two more cancelled callers");
    OH_IPCRemoteProxy_Destroy(p);
    disconnect_peer(pt);
    ok(1, "the proxy destroyed and the peer gone after cancelled calls: no crash");

    /* Cancelled callers, then the peer gone first (the connection dies
     * with the proxy still held), then the proxy destroyed. */
    p = connect_peer(&pt);
    call_never(&leader, p);
    call_never(&follower, p);
    ok(cancel_call(&follower) && cancel_call(&leader), "cancelled callers on a second connection");
    disconnect_peer(pt);
    for (double end = now_s() + 5; !OH_IPCRemoteProxy_IsRemoteDead(p) && now_s() < end;)
        usleep(2000);
    is_int(OH_IPCRemoteProxy_IsRemoteDead(p), 1, "the peer gone: the connection is dead, no crash");
    OH_IPCRemoteProxy_Destroy(p);

    is_int(count_fds_settled(base), base, "no descriptor leaked (/proc/self/fd before and after)");
    return tap_done();
}
