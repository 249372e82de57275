/* SPDX-License-Identifier: Apache-2.0 */
/* A hostile peer: raw frames written on the other end of the socket.  The
 * library must survive, close the connection (or answer with an error), and
 * leak nothing.  Both sides are tested: the library serving
 * (OH_IPCRemoteStub_ServeSocket) and the library calling
 * (OH_IPCRemoteProxy_CreateFromSocket). */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>

#include "../tap.h"
#include "ipc-test-util.h"

enum { F_ONEWAY = 1, F_SPILL = 2, F_CHANNEL = 4 };
enum { K_FD = 1, K_SENDER = 2, K_RECEIVER = 3 };

static struct hdr mkhdr(uint8_t type, uint16_t flags, uint32_t id, uint32_t handle, uint32_t code, uint32_t data_len,
                        uint32_t nobjs, uint8_t nfds)
{
    struct hdr h = { MAGIC, 1, type, flags, id, handle, code, data_len, nobjs, nfds, { 0, 0, 0 } };
    return h;
}

static int send_raw(int fd, const void *a, size_t alen, const void *b, size_t blen, const int *fds, unsigned nfds)
{
    struct iovec iov[2] = { { (void *)a, alen }, { (void *)b, blen } };
    union {
        char buf[CMSG_SPACE(sizeof(int) * 253)];
        struct cmsghdr align;
    } c;
    struct msghdr m = { .msg_iov = iov, .msg_iovlen = blen ? 2 : 1 };
    if (nfds) {
        memset(&c, 0, sizeof(c));
        m.msg_control = c.buf;
        m.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
        struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
        memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
    }
    return sendmsg(fd, &m, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/* ---------------- the library serving ---------------- */

static atomic_int srv_destroyed, srv_calls;
static void srv_destroy(void *ud) { (void)ud; atomic_fetch_add(&srv_destroyed, 1); }
static int srv_request(uint32_t code, const OHIPCParcel *data, OHIPCParcel *reply, void *ud)
{
    (void)ud;
    atomic_fetch_add(&srv_calls, 1);
    int32_t a = 0, b = 0;
    if (code == 2 && OH_IPCParcel_ReadInt32(data, &a) == 0 && OH_IPCParcel_ReadInt32(data, &b) == 0)
        return OH_IPCParcel_WriteInt32(reply, a + b);
    return 0; /* other codes: ignore the data */
}

static int start_server(void)
{
    int sv[2];
    seqpacket_pair(sv);
    OHIPCRemoteStub *s = OH_IPCRemoteStub_Create("test.IHostile", srv_request, srv_destroy, NULL);
    if (OH_IPCRemoteStub_ServeSocket(s, sv[0]) != 0)
        abort();
    OH_IPCRemoteStub_Destroy(s);
    return sv[1];
}

/* The library closed the connection: EOF on our end, and the served stub
 * released. */
static int closed_by_library(int raw, int destroyed_before)
{
    char buf[256];
    double end = now_s() + 5;
    ssize_t n;
    while ((n = read_timeout(raw, buf, sizeof(buf), 100)) != 0 && now_s() < end)
        ; /* skip replies queued before the close */
    int ok_ = n == 0;
    double e2 = now_s() + 5;
    while (atomic_load(&srv_destroyed) == destroyed_before && now_s() < e2)
        usleep(2000);
    ok_ &= atomic_load(&srv_destroyed) == destroyed_before + 1;
    close(raw);
    return ok_;
}

static void bad_frame(const char *what, const void *a, size_t alen, const void *b, size_t blen, const int *fds,
                      unsigned nfds)
{
    int before = atomic_load(&srv_destroyed);
    int raw = start_server();
    send_raw(raw, a, alen, b, blen, fds, nfds);
    ok(closed_by_library(raw, before), "%s: connection closed, process alive", what);
}

static int add_on_raw(int raw, int32_t a, int32_t b, uint32_t id, int32_t *sum, uint32_t *status)
{
    struct hdr h = mkhdr(REQUEST, 0, id, 0, 2, 8, 0, 0);
    int32_t v[2] = { a, b };
    if (send_raw(raw, &h, sizeof(h), v, sizeof(v), NULL, 0) < 0)
        return -1;
    uint8_t buf[128];
    ssize_t n = read_timeout(raw, buf, sizeof(buf), 5000);
    if (n < (ssize_t)sizeof(h))
        return -1;
    memcpy(&h, buf, sizeof(h));
    *status = h.code;
    *sum = 0;
    if (h.type != REPLY || h.id != id)
        return -1;
    if (h.data_len == 4)
        memcpy(sum, buf + sizeof(h), 4);
    return 0;
}

static int sealed_memfd(const void *data, size_t len, bool seal)
{
    int fd = memfd_create("t", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (write(fd, data, len) != (ssize_t)len)
        abort();
    if (seal)
        fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
    return fd;
}

static void test_server_side(void)
{
    uint8_t garbage[100];
    for (size_t i = 0; i < sizeof(garbage); i++)
        garbage[i] = (uint8_t)(i * 37 + 11);
    bad_frame("garbage bytes", garbage, sizeof(garbage), NULL, 0, NULL, 0);

    struct hdr h = mkhdr(REQUEST, 0, 1, 0, 2, 0xfffffff0u, 0, 0);
    bad_frame("huge data length", &h, sizeof(h), NULL, 0, NULL, 0);
    h = mkhdr(REQUEST, 0, 1, 0, 2, 204800, 25600, 0);
    bad_frame("lengths larger than the datagram", &h, sizeof(h), garbage, 64, NULL, 0);
    bad_frame("truncated header", &h, 10, NULL, 0, NULL, 0);
    h = mkhdr(REQUEST, 0, 1, 0, 2, 8, 0, 0);
    bad_frame("truncated body", &h, sizeof(h), garbage, 4, NULL, 0);
    h = mkhdr(99, 0, 1, 0, 2, 0, 0, 0);
    bad_frame("unknown frame type", &h, sizeof(h), NULL, 0, NULL, 0);
    h = mkhdr(REQUEST, 0, 1, 0, 2, 0, 0, 0);
    h.version = 7;
    bad_frame("unknown version", &h, sizeof(h), NULL, 0, NULL, 0);
    h = mkhdr(REPLY, 0, 1, 0, 0, 0, 0, 0);
    bad_frame("a reply sent to the serving side", &h, sizeof(h), NULL, 0, NULL, 0);
    bad_frame("an empty datagram", &h, 0, NULL, 0, NULL, 0);

    uint8_t *huge = calloc(1, 70000);
    h = mkhdr(REQUEST, 0, 1, 0, 2, 69968, 0, 0);
    memcpy(huge, &h, sizeof(h));
    bad_frame("a 70000-byte datagram", huge, 70000, NULL, 0, NULL, 0);
    free(huge);

    /* 253 descriptors on a frame that declares none. */
    int flood[253];
    for (int i = 0; i < 253; i++)
        flood[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
    h = mkhdr(REQUEST, 0, 1, 0, 2, 0, 0, 0);
    bad_frame("descriptor flood (253 undeclared fds)", &h, sizeof(h), NULL, 0, flood, 253);
    h = mkhdr(REQUEST, 0, 1, 0, 2, 0, 0, 253);
    bad_frame("253 declared fds no object references", &h, sizeof(h), NULL, 0, flood, 253);
    /* A well-formed request with 33 descriptors, one more than a frame may
     * carry (what one frame may make us hold). */
    struct {
        uint32_t data[33 * 2];
        uint32_t objs[33][3];
    } b33;
    memset(&b33, 0, sizeof(b33));
    for (uint32_t i = 0; i < 33; i++) {
        b33.objs[i][0] = i * 8;
        b33.objs[i][1] = K_FD;
        b33.objs[i][2] = i;
    }
    h = mkhdr(REQUEST, 0, 1, 0, 2, sizeof(b33.data), 33, 33);
    bad_frame("33 descriptors in a request", &h, sizeof(h), &b33, sizeof(b33), flood, 33);
    for (int i = 0; i < 253; i++)
        close(flood[i]);

    /* An object table naming the same descriptor twice. */
    struct {
        int32_t data[4];
        uint32_t objs[2][3];
    } b2 = { { 0 }, { { 0, K_FD, 0 }, { 8, K_FD, 0 } } };
    int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
    h = mkhdr(REQUEST, 0, 1, 0, 2, 16, 2, 1);
    bad_frame("a descriptor referenced twice", &h, sizeof(h), &b2, sizeof(b2), &nul, 1);
    /* An object of ours that does not exist. */
    b2.objs[0][1] = K_RECEIVER;
    b2.objs[0][2] = 12345;
    h = mkhdr(REQUEST, 0, 1, 0, 2, 16, 1, 0);
    bad_frame("a proxy to an object we never exported", &h, sizeof(h), &b2, 16 + 12, NULL, 0);
    uint32_t rel[3] = { 77, 1, 0 };
    h = mkhdr(RELEASE, 0, 0, 0, 0, 12, 0, 0);
    bad_frame("release of an unknown object", &h, sizeof(h), rel, sizeof(rel), NULL, 0);

    /* Spilled bodies. */
    int32_t add_data[2] = { 20, 22 };
    int pp[2];
    pipe2(pp, O_CLOEXEC);
    h = mkhdr(REQUEST, F_SPILL, 1, 0, 2, 8, 0, 1);
    bad_frame("spill in a pipe", &h, sizeof(h), NULL, 0, &pp[0], 1);
    close(pp[0]);
    close(pp[1]);
    int mf = sealed_memfd(add_data, 8, false);
    bad_frame("spill in an unsealed memfd", &h, sizeof(h), NULL, 0, &mf, 1);
    close(mf);
    mf = sealed_memfd(add_data, 4, true);
    bad_frame("spill of the wrong size", &h, sizeof(h), NULL, 0, &mf, 1);
    close(mf);

    /* A callback channel that is no socket. */
    h = mkhdr(REQUEST, F_CHANNEL, 1, 0, 2, 0, 0, 1);
    bad_frame("a channel that is not a socket", &h, sizeof(h), NULL, 0, &nul, 1);
    int ss[2];
    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ss);
    bad_frame("a channel that is a stream socket", &h, sizeof(h), NULL, 0, &ss[0], 1);
    close(ss[0]);
    close(ss[1]);

    /* Survivable: an unknown target object is answered, a valid spill works. */
    int raw = start_server();
    int32_t sum;
    uint32_t status;
    h = mkhdr(REQUEST, 0, 9, 77, 2, 8, 0, 0);
    send_raw(raw, &h, sizeof(h), add_data, 8, NULL, 0);
    uint8_t buf[128];
    ssize_t n = read_timeout(raw, buf, sizeof(buf), 5000);
    memcpy(&h, buf, sizeof(h));
    ok(n == (ssize_t)sizeof(h) && h.type == REPLY && h.id == 9 && h.code == OH_IPC_DEAD_REMOTE_OBJECT,
       "a request to an unknown object is answered 1901005");
    ok(add_on_raw(raw, 123, 456, 10, &sum, &status) == 0 && status == 0 && sum == 579,
       "and the connection keeps working (579)");
    mf = sealed_memfd(add_data, 8, true);
    h = mkhdr(REQUEST, F_SPILL, 11, 0, 2, 8, 0, 1);
    send_raw(raw, &h, sizeof(h), NULL, 0, &mf, 1);
    close(mf);
    n = read_timeout(raw, buf, sizeof(buf), 5000);
    memcpy(&h, buf, sizeof(h));
    memcpy(&sum, buf + sizeof(h), 4);
    ok(n == (ssize_t)sizeof(h) + 4 && h.code == 0 && sum == 42, "a properly sealed spilled body is accepted");

    /* Descriptors the callback ignores are closed with the parcel. */
    int before = count_fds();
    int fds10[10];
    for (int i = 0; i < 10; i++)
        fds10[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
    struct {
        uint8_t data[80];
        uint32_t objs[10][3];
    } b10;
    memset(&b10, 0, sizeof(b10));
    for (uint32_t i = 0; i < 10; i++) {
        b10.objs[i][0] = i * 8;
        b10.objs[i][1] = K_FD;
        b10.objs[i][2] = i;
    }
    h = mkhdr(REQUEST, 0, 12, 0, 5, 80, 10, 10);
    send_raw(raw, &h, sizeof(h), &b10, sizeof(b10), fds10, 10);
    for (int i = 0; i < 10; i++)
        close(fds10[i]);
    n = read_timeout(raw, buf, sizeof(buf), 5000);
    memcpy(&h, buf, sizeof(h));
    ok(n >= (ssize_t)sizeof(h) && h.id == 12 && h.code == 0, "10 descriptors delivered");
    int left = count_fds_settled(before);
    ok(left <= before, "and closed again by the library (%d descriptors, %d before)", left, before);

    /* Objects of the peer: proxies are made, then released over the channel
     * the peer attached. */
    int ch[2];
    seqpacket_pair(ch);
    struct {
        uint8_t data[24];
        uint32_t objs[3][3];
    } bo;
    memset(&bo, 0, sizeof(bo));
    uint32_t handles[3] = { 5, 6, 5 };
    for (uint32_t i = 0; i < 3; i++) {
        bo.objs[i][0] = i * 8;
        bo.objs[i][1] = K_SENDER;
        bo.objs[i][2] = handles[i];
    }
    h = mkhdr(REQUEST, F_CHANNEL, 13, 0, 5, 24, 3, 1);
    send_raw(raw, &h, sizeof(h), &bo, sizeof(bo), &ch[1], 1);
    close(ch[1]);
    n = read_timeout(raw, buf, sizeof(buf), 5000);
    memcpy(&h, buf, sizeof(h));
    ok(n >= (ssize_t)sizeof(h) && h.id == 13 && h.code == 0, "a request carrying 3 references to 2 objects");
    uint32_t released[8] = { 0 };
    for (int i = 0; i < 2; i++) {
        n = read_timeout(ch[0], buf, sizeof(buf), 5000);
        memcpy(&h, buf, sizeof(h));
        if (n == (ssize_t)sizeof(h) + 12 && h.type == RELEASE) {
            uint32_t e[3];
            memcpy(e, buf + sizeof(h), 12);
            if (e[0] < 8)
                released[e[0]] += e[1];
        }
    }
    ok(released[5] == 2 && released[6] == 1, "RELEASE frames return every reference (5: %u, 6: %u)", released[5],
       released[6]);

    /* A peer that sends requests but never reads the replies. */
    int dbefore = atomic_load(&srv_destroyed);
    int sent = 0;
    struct hdr rq = mkhdr(REQUEST, 0, 100, 0, 2, 8, 0, 0);
    double t0 = now_s();
    for (int i = 0; i < 20000 && now_s() - t0 < 10; i++) {
        rq.id = 100 + (uint32_t)i;
        if (send_raw(raw, &rq, sizeof(rq), add_data, 8, NULL, 0) < 0)
            break;
        sent++;
        if (atomic_load(&srv_destroyed) != dbefore)
            break;
    }
    double e2 = now_s() + 10;
    while (atomic_load(&srv_destroyed) == dbefore && now_s() < e2)
        usleep(5000);
    ok(atomic_load(&srv_destroyed) == dbefore + 1, "a peer that stops reading is dropped (%d requests, %.1f s)",
       sent, now_s() - t0);
    close(raw);
    close(ch[0]);
    close(nul);
}

/* ---------------- the library calling ---------------- */

enum mode { M_GARBAGE, M_WRONG_ID, M_REQUEST, M_CLOSE, M_BAD_STATUS, M_NO_READ };

struct fake {
    int raw;
    enum mode mode;
};

static void *fake_server(void *arg)
{
    struct fake *f = arg;
    uint8_t buf[65536];
    if (f->mode == M_NO_READ) {
        usleep(20 * 1000 * 1000); /* never reads; the test closes us */
        return NULL;
    }
    ssize_t n = read_timeout(f->raw, buf, sizeof(buf), 5000);
    struct hdr rq;
    if (n < (ssize_t)sizeof(rq))
        return NULL;
    memcpy(&rq, buf, sizeof(rq));
    struct hdr h = mkhdr(REPLY, 0, rq.id, 0, 0, 0, 0, 0);
    switch (f->mode) {
    case M_GARBAGE:
        send_raw(f->raw, "garbage!", 8, NULL, 0, NULL, 0);
        break;
    case M_WRONG_ID:
        h.id = rq.id + 1000;
        send_raw(f->raw, &h, sizeof(h), NULL, 0, NULL, 0);
        break;
    case M_REQUEST:
        h = mkhdr(REQUEST, 0, 1, 0, 2, 0, 0, 0);
        send_raw(f->raw, &h, sizeof(h), NULL, 0, NULL, 0);
        break;
    case M_CLOSE:
        usleep(200 * 1000);
        shutdown(f->raw, SHUT_RDWR);
        break;
    case M_BAD_STATUS:
        h.code = 5;
        send_raw(f->raw, &h, sizeof(h), NULL, 0, NULL, 0);
        break;
    default:
        break;
    }
    return NULL;
}

static atomic_int client_deaths;
static void client_death(void *ud) { (void)ud; atomic_fetch_add(&client_deaths, 1); }

static void test_client_side(void)
{
    static const char *names[] = { "a garbage reply", "a reply to a request never sent",
                                   "a request on the reply channel", "the peer closing without a reply" };
    for (int m = M_GARBAGE; m <= M_CLOSE; m++) {
        int sv[2];
        seqpacket_pair(sv);
        OHIPCRemoteProxy *p = OH_IPCRemoteProxy_CreateFromSocket(sv[0]);
        OHIPCDeathRecipient *dr = OH_IPCDeathRecipient_Create(client_death, NULL, NULL);
        OH_IPCRemoteProxy_AddDeathRecipient(p, dr);
        OH_IPCDeathRecipient_Destroy(dr);
        int before = atomic_load(&client_deaths);
        struct fake f = { sv[1], (enum mode)m };
        pthread_t t;
        pthread_create(&t, NULL, fake_server, &f);
        OHIPCParcel *d = OH_IPCParcel_Create(), *r = OH_IPCParcel_Create();
        OH_IPCParcel_WriteInt32(d, 1);
        double t0 = now_s();
        int st = OH_IPCRemoteProxy_SendRequest(p, 2, d, r, NULL);
        pthread_join(t, NULL);
        double e = now_s() + 5;
        while (atomic_load(&client_deaths) == before && now_s() < e)
            usleep(2000);
        ok(st == OH_IPC_DEAD_REMOTE_OBJECT && atomic_load(&client_deaths) == before + 1 && now_s() - t0 < 3,
           "%s: request fails with 1901005, death recipient fired", names[m]);
        OH_IPCParcel_Destroy(d);
        OH_IPCParcel_Destroy(r);
        OH_IPCRemoteProxy_Destroy(p);
        close(sv[1]);
    }

    /* An out-of-range status in a reply is reported as 1901006. */
    int sv[2];
    seqpacket_pair(sv);
    OHIPCRemoteProxy *p = OH_IPCRemoteProxy_CreateFromSocket(sv[0]);
    struct fake f = { sv[1], M_BAD_STATUS };
    pthread_t t;
    pthread_create(&t, NULL, fake_server, &f);
    OHIPCParcel *d = OH_IPCParcel_Create(), *r = OH_IPCParcel_Create();
    is_int(OH_IPCRemoteProxy_SendRequest(p, 2, d, r, NULL), OH_IPC_INVALID_USER_ERROR_CODE,
           "an invalid status from the peer becomes 1901006");
    pthread_join(t, NULL);
    OH_IPCRemoteProxy_Destroy(p);
    close(sv[1]);

    /* A peer that never reads: asynchronous requests fill the socket, then
     * the send times out (NCP_IPC_SEND_TIMEOUT_MS=300 here) and the
     * connection is declared dead instead of blocking forever. */
    seqpacket_pair(sv);
    p = OH_IPCRemoteProxy_CreateFromSocket(sv[0]);
    OH_IPC_MessageOption as = { OH_IPC_REQUEST_MODE_ASYNC, 0, NULL };
    uint8_t *chunk = calloc(1, 30000);
    OH_IPCParcel_WriteBuffer(d, chunk, 30000);
    free(chunk);
    int st = 0, k = 0;
    double t0 = now_s();
    while (st == 0 && k < 10000 && now_s() - t0 < 10) {
        st = OH_IPCRemoteProxy_SendRequest(p, 2, d, NULL, &as);
        k++;
    }
    ok(st == OH_IPC_DEAD_REMOTE_OBJECT && now_s() - t0 < 5,
       "a peer that stops reading: 1901005 after %d requests, %.2f s", k, now_s() - t0);
    is_int(OH_IPCRemoteProxy_IsRemoteDead(p), 1, "and it counts as dead");
    OH_IPCRemoteProxy_Destroy(p);
    close(sv[1]);
    OH_IPCParcel_Destroy(d);
    OH_IPCParcel_Destroy(r);
}


/* ---------------- memory a peer makes the library hold ---------------- */

static atomic_bool mem_hold;
static atomic_int mem_served;
static int mem_request(uint32_t code, const OHIPCParcel *data, OHIPCParcel *reply, void *ud)
{
    (void)data, (void)reply, (void)ud;
    if (code == 7) {
        /* A handler that waits, as one making a call the peer leaves unanswered. */
        for (double end = now_s() + 15; atomic_load(&mem_hold) && now_s() < end;)
            usleep(1000);
        atomic_fetch_add(&mem_served, 1);
    }
    return 0;
}

static long rss_kb(void)
{
    long pages = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "re");
    if (!f)
        return -1;
    if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
        rss = -1;
    fclose(f);
    return rss < 0 ? -1 : rss * (sysconf(_SC_PAGESIZE) / 1024);
}

/* The peer: one-way requests of the largest data a parcel may hold, spilled
 * in a sealed memfd, as fast as the socket takes them for secs; writes to
 * out how many went and how many sends the full socket refused, then lives
 * until `stay` hangs up (the connection ends with the peer: requests still
 * queued then are not served). */
static _Noreturn void mem_peer(int raw, int out, int stay, double secs)
{
    static int32_t big[204800 / 4];
    int mf = sealed_memfd(big, sizeof(big), true);
    struct hdr h = mkhdr(REQUEST, F_ONEWAY | F_SPILL, 0, 0, 7, sizeof(big), 0, 1);
    int counts[2] = { 0, 0 };
    for (double end = now_s() + secs; now_s() < end;) {
        struct iovec iov = { &h, sizeof(h) };
        union {
            char buf[CMSG_SPACE(sizeof(int))];
            struct cmsghdr align;
        } c;
        memset(&c, 0, sizeof(c));
        struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf, .msg_controllen = sizeof(c.buf) };
        struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &mf, sizeof(int));
        if (sendmsg(raw, &m, MSG_NOSIGNAL | MSG_DONTWAIT) >= 0)
            counts[0]++;
        else if (errno == EAGAIN || errno == ETOOMANYREFS) {
            counts[1]++;
            usleep(2000);
        } else
            break;
    }
    if (write(out, counts, sizeof(counts)) != (ssize_t)sizeof(counts))
        _exit(1);
    char c;
    while (read(stay, &c, 1) > 0)
        ;
    _exit(0);
}

static void test_memory_budget(void)
{
    int sv[2], pp[2], stay[2];
    seqpacket_pair(sv);
    if (pipe2(pp, O_CLOEXEC) < 0 || pipe2(stay, O_CLOEXEC) < 0)
        abort();
    OHIPCRemoteStub *s = OH_IPCRemoteStub_Create("test.IMemory", mem_request, NULL, NULL);
    if (OH_IPCRemoteStub_ServeSocket(s, sv[0]) != 0)
        abort();
    OH_IPCRemoteStub_Destroy(s);
    atomic_store(&mem_hold, true);
    atomic_store(&mem_served, 0);
    long before = rss_kb(), most = before;
    pid_t pid = fork();
    if (pid == 0) {
        close(pp[0]);
        close(stay[1]);
        mem_peer(sv[1], pp[1], stay[0], 3.0);
    }
    close(sv[1]);
    close(pp[1]);
    close(stay[0]);
    for (double end = now_s() + 3.5; now_s() < end; usleep(20000)) {
        long k = rss_kb();
        if (k > most)
            most = k;
    }
    int counts[2] = { 0, 0 };
    ssize_t n = read_timeout(pp[0], counts, sizeof(counts), 5000);
    int held = atomic_load(&mem_served);
    atomic_store(&mem_hold, false);
    close(pp[0]);
    /* 1 MiB of requests per peer, the one frame read under it (400 KiB: its
     * data and spilled body), and room for the threads' own pages. */
    ok(n == (ssize_t)sizeof(counts) && counts[1] > 0 && most - before < 4096,
       "a peer sending 200 KB requests to a handler that waits: the app grows by %ld KiB (< 4096), the peer's sends "
       "refused %d times (%d went)", most - before, counts[1], counts[0]);
    for (double end = now_s() + 10; atomic_load(&mem_served) < counts[0] && now_s() < end;)
        usleep(5000);
    ok(held == 0 && atomic_load(&mem_served) == counts[0],
       "and once the handler goes on, every request that went is served (%d of %d)", atomic_load(&mem_served),
       counts[0]);
    close(stay[1]);
    waitpid(pid, NULL, 0);
}

/* ---------------- replies answered twice, or late ---------------- */

/* The peer answers request 1 twice, request 2 once, request 3 (1 s timeout)
 * after 1.3 s, request 4 at once: each caller gets its own reply, the
 * duplicate and the late one are dropped, the connection lives on. */
static void *twice_server(void *arg)
{
    int raw = *(int *)arg;
    uint8_t buf[65536];
    for (int k = 1; k <= 4; k++) {
        ssize_t n = read_timeout(raw, buf, sizeof(buf), 5000);
        struct hdr rq;
        if (n < (ssize_t)sizeof(rq))
            return NULL;
        memcpy(&rq, buf, sizeof(rq));
        int32_t v = 111 * k;
        struct hdr h = mkhdr(REPLY, 0, rq.id, 0, 0, 4, 0, 0);
        if (k == 3)
            usleep(1300 * 1000);
        send_raw(raw, &h, sizeof(h), &v, 4, NULL, 0);
        if (k == 1) {
            v = -1;
            send_raw(raw, &h, sizeof(h), &v, 4, NULL, 0);
        }
    }
    return NULL;
}

static void test_stray_replies(void)
{
    int sv[2];
    seqpacket_pair(sv);
    OHIPCRemoteProxy *p = OH_IPCRemoteProxy_CreateFromSocket(sv[0]);
    pthread_t t;
    pthread_create(&t, NULL, twice_server, &sv[1]);
    OHIPCParcel *d = OH_IPCParcel_Create(), *r = OH_IPCParcel_Create();
    int32_t got[5] = { 0 };
    int st[5] = { 0 };
    for (int k = 1; k <= 4; k++) {
        OH_IPC_MessageOption opt = { OH_IPC_REQUEST_MODE_SYNC, k == 3 ? 1 : 5, NULL };
        st[k] = OH_IPCRemoteProxy_SendRequest(p, 2, d, r, &opt);
        if (st[k] != 0 || OH_IPCParcel_ReadInt32(r, &got[k]) != 0)
            got[k] = 0;
        if (k == 3)
            usleep(600 * 1000); /* the late reply arrives meanwhile */
    }
    pthread_join(t, NULL);
    ok(st[1] == 0 && got[1] == 111 && st[2] == 0 && got[2] == 222,
       "a reply sent twice: the second is not taken for the next request's (%d, %d)", got[1], got[2]);
    ok(st[3] == OH_IPC_INNER_ERROR && st[4] == 0 && got[4] == 444,
       "a reply after the timeout: the caller got OH_IPC_INNER_ERROR (%d), the next request its own reply (%d)", st[3], got[4]);
    is_int(OH_IPCRemoteProxy_IsRemoteDead(p), 0, "and the connection lives on");
    OH_IPCParcel_Destroy(d);
    OH_IPCParcel_Destroy(r);
    OH_IPCRemoteProxy_Destroy(p);
    close(sv[1]);
}

/* ---------------- who is calling, on sockets the library did not make ---------------- */

static atomic_int id_calls, id_destroyed;
static atomic_llong id_pid, id_uid;
static int id_request(uint32_t code, const OHIPCParcel *data, OHIPCParcel *reply, void *ud)
{
    (void)data, (void)reply, (void)ud;
    if (code == 8) {
        atomic_store(&id_pid, (long long)OH_IPCSkeleton_GetCallingPid());
        atomic_store(&id_uid, (long long)OH_IPCSkeleton_GetCallingUid());
        atomic_fetch_add(&id_calls, 1);
    }
    return 0;
}
static void id_destroy(void *ud) { (void)ud; atomic_fetch_add(&id_destroyed, 1); }

#define FORGED_PID 1
#define FORGED_UID 4242

/* A one-way request of code 8 to the root object, with credentials claiming
 * pid/uid (the kernel lets only CAP_SYS_ADMIN/CAP_SETUID claim others'). */
static int send_code8(int fd, pid_t pid, uid_t uid)
{
    struct hdr h = mkhdr(REQUEST, F_ONEWAY, 0, 0, 8, 0, 0, 0);
    struct iovec iov = { &h, sizeof(h) };
    union {
        char buf[CMSG_SPACE(sizeof(struct ucred))];
        struct cmsghdr align;
    } c;
    memset(&c, 0, sizeof(c));
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf, .msg_controllen = sizeof(c.buf) };
    struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_CREDENTIALS;
    cm->cmsg_len = CMSG_LEN(sizeof(struct ucred));
    struct ucred cr = { .pid = pid, .uid = uid, .gid = getgid() };
    memcpy(CMSG_DATA(cm), &cr, sizeof(cr));
    return sendmsg(fd, &m, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

enum id_peer { ID_FORGE, ID_HANDOVER };

/* The peer process: ID_FORGE sends one request claiming FORGED_PID (its own
 * credentials if it may not) and waits to be told to go; ID_HANDOVER sends
 * one honest request, forks a process that keeps the socket, and exits: that
 * process sends honest requests for 1 s from half a second after its parent
 * is gone. */
static _Noreturn void id_peer_main(int fd, enum id_peer what, int go)
{
    char b;
    if (what == ID_FORGE) {
        if (send_code8(fd, FORGED_PID, FORGED_UID) < 0)
            send_code8(fd, getpid(), getuid());
        (void)read(go, &b, 1);
        _exit(0);
    }
    send_code8(fd, getpid(), getuid());
    (void)read(go, &b, 1);
    pid_t me = getpid();
    if (fork() == 0) {
        /* As the children's orphan of tests/fault: the library closes the
         * connection once its monitor saw the exit (at once; not between the
         * exit and a frame already on its way). */
        while (getppid() == me)
            usleep(5000);
        usleep(500000);
        for (double end = now_s() + 1.0; now_s() < end; usleep(100000))
            if (send_code8(fd, getpid(), getuid()) < 0)
                break;
        _exit(0);
    }
    _exit(0);
}

/* Starts the peer on a socket made with socketpair() here (pair) or with
 * connect() by the peer itself; serves our end.  Returns the peer's pid. */
static pid_t id_start(bool pair, enum id_peer what, int *go_w)
{
    int sv[2], go[2];
    if (pipe2(go, O_CLOEXEC) < 0)
        abort();
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    socklen_t alen = 0;
    int l = -1;
    if (pair)
        seqpacket_pair(sv);
    else {
        snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "ncp-test-identity-%d", (int)getpid());
        alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(a.sun_path + 1));
        l = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (l < 0 || bind(l, (struct sockaddr *)&a, alen) < 0 || listen(l, 1) < 0)
            abort();
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(go[1]);
        int fd = sv[1];
        if (!pair) {
            fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
            if (fd < 0 || connect(fd, (struct sockaddr *)&a, alen) < 0)
                _exit(1);
        }
        usleep(100000); /* the app serves its end first */
        id_peer_main(fd, what, go[0]);
    }
    close(go[0]);
    int mine = pair ? sv[0] : accept4(l, NULL, NULL, SOCK_CLOEXEC);
    if (pair)
        close(sv[1]);
    else
        close(l);
    OHIPCRemoteStub *s = OH_IPCRemoteStub_Create("test.IIdentity", id_request, id_destroy, NULL);
    if (mine < 0 || OH_IPCRemoteStub_ServeSocket(s, mine) != 0)
        abort();
    OH_IPCRemoteStub_Destroy(s);
    *go_w = go[1];
    return pid;
}

static void test_identity(bool pair)
{
    const char *how = pair ? "a pair made here" : "a socket the peer connected";
    bool root = geteuid() == 0;

    /* Forged credentials. */
    atomic_store(&id_calls, 0);
    atomic_store(&id_pid, 0);
    int destroyed = atomic_load(&id_destroyed), go;
    pid_t pid = id_start(pair, ID_FORGE, &go);
    for (double end = now_s() + 3; atomic_load(&id_calls) == 0 && atomic_load(&id_destroyed) == destroyed &&
                                   now_s() < end;)
        usleep(2000);
    long long cpid = atomic_load(&id_pid), cuid = atomic_load(&id_uid);
    if (pair && root)
        ok(atomic_load(&id_calls) == 0 && atomic_load(&id_destroyed) == destroyed + 1,
           "%s: a request claiming pid %d uid %d, who does not hold the socket, is refused and the connection "
           "closed (%d served, as pid %lld)", how, FORGED_PID, FORGED_UID, atomic_load(&id_calls), cpid);
    else
        ok(atomic_load(&id_calls) == 1 && cpid == pid && cuid == (long long)getuid(),
           "%s: a request with credentials claiming pid %d uid %d%s is reported from the peer: pid %lld (%d) uid %lld",
           how, FORGED_PID, FORGED_UID, root ? "" : " (unprivileged: it may only send its own)", cpid, (int)pid,
           cuid);
    close(go);
    waitpid(pid, NULL, 0);
    /* Its connection closes with it (at once when it was refused). */
    for (double end = now_s() + 3; atomic_load(&id_destroyed) == destroyed && now_s() < end;)
        usleep(2000);

    /* The peer hands its socket to a process it forked, and exits.  Its end
     * is seen on a pidfd, which valgrind does not know. */
    long pfd = syscall(SYS_pidfd_open, getpid(), 0);
    if (pfd < 0) {
        ok(1, "# SKIP %s: no pidfd_open (%s): the handover to another process", how, strerror(errno));
        ok(1, "# SKIP %s: no pidfd_open: the handover to another process", how);
        return;
    }
    close((int)pfd);
    atomic_store(&id_calls, 0);
    destroyed = atomic_load(&id_destroyed);
    pid = id_start(pair, ID_HANDOVER, &go);
    for (double end = now_s() + 3; atomic_load(&id_calls) == 0 && now_s() < end;)
        usleep(2000);
    ok(atomic_load(&id_calls) == 1 && atomic_load(&id_pid) == pid, "%s: the peer's request is reported from it (%lld)",
       how, atomic_load(&id_pid));
    close(go);
    waitpid(pid, NULL, 0);
    double gone = now_s();
    for (double end = now_s() + 3; atomic_load(&id_destroyed) == destroyed && now_s() < end;)
        usleep(2000);
    double closed = now_s() - gone;
    usleep(2000 * 1000); /* the process it forked sends until 1.5 s after */
    ok(atomic_load(&id_destroyed) == destroyed + 1 && closed < 2 && atomic_load(&id_calls) == 1,
       "%s: once it exited, the connection closes (%.2f s) and nothing the process holding its socket sends is "
       "served as it (%d served after; %d closed)", how, closed, atomic_load(&id_calls) - 1,
       atomic_load(&id_destroyed) - destroyed);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    setenv("NCP_IPC_SEND_TIMEOUT_MS", "300", 1);
    setenv("NCP_LOG", "error", 0); /* the library logs every bad frame at warn */
    int base = count_fds();
    test_server_side();
    test_client_side();
    test_stray_replies();
    test_memory_budget();
    test_identity(false);
    test_identity(true);
    is_int(wait_fds(base, 5), base, "no descriptor leaked (/proc/self/fd before and after)");
    return tap_done();
}
