/* SPDX-License-Identifier: Apache-2.0 */
/* Two processes over a socket pair: the parent is the client
 * (OH_IPCRemoteProxy_CreateFromSocket), a forked child serves
 * (OH_IPCRemoteStub_ServeSocket). */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../tap.h"
#include "ipc-test-util.h"

enum {
    C_LEAVE = 1,
    C_ADD = 2,
    C_USER_ERR = 3,
    C_BAD_ERR = 4,
    C_WRITE_FD = 5,
    C_CALLBACK = 6,
    C_ECHO = 8,
    C_ASYNC_NOTE = 9,
    C_CALLER = 11,
    C_GIVE_BACK = 12,
    C_SLOW = 13,
    C_NESTED = 14,
    C_COUNT_FDS = 15,
    C_KEEP = 16,
    C_DROP = 17,
    C_CALL_KEPT = 18,
    C_TOKEN = 19,
    C_CALL_ADD = 21,
    /* parent's callback stub */
    P_PLUS_ONE = 7,
    P_NESTED = 20,
};

#define DESCRIPTOR "test.IRemote"

/* ---------------- the child (server) ---------------- */

static OHIPCRemoteProxy *kept; /* a parent stub the child keeps */

static int child_request(uint32_t code, const OHIPCParcel *data, OHIPCParcel *reply, void *ud)
{
    (void)ud;
    int32_t a = 0, b = 0;
    switch (code) {
    case C_LEAVE:
        _exit(0);
    case C_ADD:
        if (OH_IPCParcel_ReadInt32(data, &a) || OH_IPCParcel_ReadInt32(data, &b))
            return OH_IPC_PARCEL_READ_ERROR;
        return OH_IPCParcel_WriteInt32(reply, a + b);
    case C_USER_ERR:
        OH_IPCParcel_WriteInt32(reply, 5);
        return 1909123;
    case C_BAD_ERR:
        return 42;
    case C_WRITE_FD:
    case C_ASYNC_NOTE: {
        int32_t fd;
        if (OH_IPCParcel_ReadFileDescriptor(data, &fd))
            return OH_IPC_PARCEL_READ_ERROR;
        const char *s = OH_IPCParcel_ReadString(data);
        ssize_t w = s ? write(fd, s, strlen(s)) : -1;
        close(fd);
        return w > 0 ? 0 : OH_IPC_INNER_ERROR;
    }
    case C_CALLBACK: {
        OHIPCRemoteProxy *p = OH_IPCParcel_ReadRemoteProxy(data);
        if (!p)
            return OH_IPC_PARCEL_READ_ERROR;
        OHIPCParcel *d = OH_IPCParcel_Create(), *r = OH_IPCParcel_Create();
        OH_IPCParcel_WriteInt32(d, 41);
        int st = OH_IPCRemoteProxy_SendRequest(p, P_PLUS_ONE, d, r, NULL);
        int32_t v = -1;
        OH_IPCParcel_ReadInt32(r, &v);
        char *desc = NULL;
        int32_t len;
        int dst = OH_IPCRemoteProxy_GetInterfaceDescriptor(p, &desc, &len, test_alloc);
        OH_IPCParcel_WriteInt32(reply, st);
        OH_IPCParcel_WriteInt32(reply, v);
        OH_IPCParcel_WriteString(reply, dst == 0 ? desc : "?");
        free(desc);
        OH_IPCParcel_Destroy(d);
        OH_IPCParcel_Destroy(r);
        OH_IPCRemoteProxy_Destroy(p);
        return 0;
    }
    case C_ECHO: {
        int32_t n;
        if (OH_IPCParcel_ReadInt32(data, &n) || n <= 0)
            return OH_IPC_PARCEL_READ_ERROR;
        const uint8_t *buf = OH_IPCParcel_ReadBuffer(data, n);
        if (!buf)
            return OH_IPC_PARCEL_READ_ERROR;
        OH_IPCParcel_WriteInt32(reply, n);
        return OH_IPCParcel_WriteBuffer(reply, buf, n);
    }
    case C_CALLER:
        OH_IPCParcel_WriteInt64(reply, (int64_t)OH_IPCSkeleton_GetCallingPid());
        OH_IPCParcel_WriteInt64(reply, (int64_t)OH_IPCSkeleton_GetCallingUid());
        OH_IPCParcel_WriteInt32(reply, OH_IPCSkeleton_IsLocalCalling());
        OH_IPCParcel_WriteInt32(reply, OH_IPCSkeleton_IsHandlingTransaction());
        return 0;
    case C_GIVE_BACK: {
        OHIPCRemoteProxy *p = OH_IPCParcel_ReadRemoteProxy(data);
        if (!p)
            return OH_IPC_PARCEL_READ_ERROR;
        int r = OH_IPCParcel_WriteRemoteProxy(reply, p);
        OH_IPCRemoteProxy_Destroy(p);
        return r;
    }
    case C_SLOW:
        usleep(1500 * 1000);
        return OH_IPCParcel_WriteInt32(reply, 7);
    case C_NESTED: {
        /* Call the parent's stub, which calls us back (C_ADD) before replying. */
        OHIPCRemoteProxy *p = OH_IPCParcel_ReadRemoteProxy(data);
        if (!p)
            return OH_IPC_PARCEL_READ_ERROR;
        OHIPCParcel *d = OH_IPCParcel_Create(), *r = OH_IPCParcel_Create();
        int st = OH_IPCRemoteProxy_SendRequest(p, P_NESTED, d, r, NULL);
        int32_t v = -1;
        OH_IPCParcel_ReadInt32(r, &v);
        OH_IPCParcel_WriteInt32(reply, st);
        OH_IPCParcel_WriteInt32(reply, v);
        OH_IPCParcel_Destroy(d);
        OH_IPCParcel_Destroy(r);
        OH_IPCRemoteProxy_Destroy(p);
        return 0;
    }
    case C_COUNT_FDS: {
        int32_t n, good = 0;
        OH_IPCParcel_ReadInt32(data, &n);
        for (int i = 0; i < n; i++) {
            int32_t fd;
            if (OH_IPCParcel_ReadFileDescriptor(data, &fd) == 0) {
                struct stat st;
                good += fstat(fd, &st) == 0;
                close(fd);
            }
        }
        return OH_IPCParcel_WriteInt32(reply, good);
    }
    case C_KEEP:
        kept = OH_IPCParcel_ReadRemoteProxy(data);
        return kept ? 0 : OH_IPC_PARCEL_READ_ERROR;
    case C_DROP:
        OH_IPCRemoteProxy_Destroy(kept);
        kept = NULL;
        return 0;
    case C_CALL_KEPT: {
        OHIPCParcel *d = OH_IPCParcel_Create(), *r = OH_IPCParcel_Create();
        OH_IPCParcel_WriteInt32(d, 1);
        int st = kept ? OH_IPCRemoteProxy_SendRequest(kept, P_PLUS_ONE, d, r, NULL) : -1;
        OH_IPCParcel_Destroy(d);
        OH_IPCParcel_Destroy(r);
        return OH_IPCParcel_WriteInt32(reply, st);
    }
    case C_CALL_ADD: {
        /* Call Add on a proxy we are given (another process's object). */
        OHIPCRemoteProxy *p = OH_IPCParcel_ReadRemoteProxy(data);
        if (!p)
            return OH_IPC_PARCEL_READ_ERROR;
        OHIPCParcel *d = OH_IPCParcel_Create(), *r = OH_IPCParcel_Create();
        OH_IPCParcel_WriteInt32(d, 20);
        OH_IPCParcel_WriteInt32(d, 22);
        int st = OH_IPCRemoteProxy_SendRequest(p, C_ADD, d, r, NULL);
        int32_t v = -1;
        OH_IPCParcel_ReadInt32(r, &v);
        char *desc = NULL;
        int32_t len;
        int dst = OH_IPCRemoteProxy_GetInterfaceDescriptor(p, &desc, &len, test_alloc);
        OH_IPCParcel_WriteInt32(reply, st);
        OH_IPCParcel_WriteInt32(reply, v);
        OH_IPCParcel_WriteString(reply, dst == 0 ? desc : "?");
        free(desc);
        OH_IPCParcel_Destroy(d);
        OH_IPCParcel_Destroy(r);
        OH_IPCRemoteProxy_Destroy(p);
        return 0;
    }
    case C_TOKEN: {
        char *t = NULL;
        int32_t len = 0;
        int r = OH_IPCParcel_ReadInterfaceToken(data, &t, &len, test_alloc);
        int good = r == 0 && strcmp(t, DESCRIPTOR) == 0;
        free(t);
        return good ? 0 : 1909001;
    }
    }
    return 0;
}

static void child_main(int fd)
{
    OHIPCRemoteStub *stub = OH_IPCRemoteStub_Create(DESCRIPTOR, child_request, NULL, NULL);
    if (!stub || OH_IPCRemoteStub_ServeSocket(stub, fd) != OH_IPC_SUCCESS)
        _exit(3);
    OH_IPCRemoteStub_Destroy(stub);
    for (;;)
        pause();
}

static pid_t start_child(OHIPCRemoteProxy **proxy)
{
    int sv[2];
    if (seqpacket_pair(sv) < 0)
        abort();
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        child_main(sv[1]);
        _exit(0);
    }
    close(sv[1]);
    *proxy = OH_IPCRemoteProxy_CreateFromSocket(sv[0]);
    return pid;
}

static int reap(pid_t pid, int *status)
{
    for (int i = 0; i < 500; i++) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            return 1;
        usleep(10000);
    }
    return 0;
}

/* ---------------- the parent's callback stub ---------------- */

static atomic_int cb_calls, cb_destroyed, nested_inner;
static atomic_llong cb_caller_pid;
static OHIPCRemoteProxy *child_root; /* for P_NESTED */

static int parent_request(uint32_t code, const OHIPCParcel *data, OHIPCParcel *reply, void *ud)
{
    (void)ud;
    atomic_fetch_add(&cb_calls, 1);
    atomic_store(&cb_caller_pid, (long long)OH_IPCSkeleton_GetCallingPid());
    if (code == P_PLUS_ONE) {
        int32_t v;
        if (OH_IPCParcel_ReadInt32(data, &v))
            return OH_IPC_PARCEL_READ_ERROR;
        return OH_IPCParcel_WriteInt32(reply, v + 1);
    }
    if (code == P_NESTED) {
        OHIPCParcel *d = OH_IPCParcel_Create(), *r = OH_IPCParcel_Create();
        OH_IPCParcel_WriteInt32(d, 1000);
        OH_IPCParcel_WriteInt32(d, 1);
        int st = OH_IPCRemoteProxy_SendRequest(child_root, C_ADD, d, r, NULL);
        int32_t v = -1;
        OH_IPCParcel_ReadInt32(r, &v);
        atomic_store(&nested_inner, st == 0 ? v : -st);
        OH_IPCParcel_Destroy(d);
        OH_IPCParcel_Destroy(r);
        return OH_IPCParcel_WriteInt32(reply, v + 1);
    }
    return OH_IPC_INNER_ERROR;
}

static void parent_stub_destroyed(void *ud) { (void)ud; atomic_fetch_add(&cb_destroyed, 1); }

/* ---------------- tests ---------------- */

static int add(OHIPCRemoteProxy *p, int32_t a, int32_t b, int32_t *sum)
{
    OHIPCParcel *d = OH_IPCParcel_Create(), *r = OH_IPCParcel_Create();
    OH_IPCParcel_WriteInt32(d, a);
    OH_IPCParcel_WriteInt32(d, b);
    int st = OH_IPCRemoteProxy_SendRequest(p, C_ADD, d, r, NULL);
    *sum = 0;
    if (st == 0 && OH_IPCParcel_ReadInt32(r, sum))
        st = -1;
    OH_IPCParcel_Destroy(d);
    OH_IPCParcel_Destroy(r);
    return st;
}

static void test_ext_validation(void)
{
    int base = count_fds();
    ok(OH_IPCRemoteProxy_CreateFromSocket(-1) == NULL, "CreateFromSocket(-1) = NULL");
    int pp[2];
    if (pipe2(pp, O_CLOEXEC) < 0)
        abort();
    ok(OH_IPCRemoteProxy_CreateFromSocket(pp[0]) == NULL, "CreateFromSocket(pipe) = NULL");
    ok(fcntl(pp[0], F_GETFD) < 0, "and the descriptor is closed");
    close(pp[1]);
    int ss[2];
    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ss);
    OHIPCRemoteStub *s = OH_IPCRemoteStub_Create("x", parent_request, NULL, NULL);
    is_int(OH_IPCRemoteStub_ServeSocket(s, ss[0]), OH_IPC_CHECK_PARAM_ERROR, "ServeSocket(stream socket) refused");
    is_int(OH_IPCRemoteStub_ServeSocket(NULL, ss[1]), OH_IPC_CHECK_PARAM_ERROR, "ServeSocket(NULL stub) refused");
    ok(fcntl(ss[0], F_GETFD) < 0 && fcntl(ss[1], F_GETFD) < 0, "descriptors closed on failure");
    OH_IPCRemoteStub_Destroy(s);
    is_int(count_fds(), base, "no descriptor left behind");
}

struct conc {
    OHIPCRemoteProxy *p;
    int idx;
    int bad;
};

static void *conc_main(void *arg)
{
    struct conc *c = arg;
    for (int i = 0; i < 300; i++) {
        int32_t s;
        if (add(c->p, i, 1000 * c->idx, &s) != 0 || s != i + 1000 * c->idx)
            c->bad++;
    }
    return NULL;
}

static atomic_int deaths, recipient_destroyed;
static void on_death(void *ud) { (void)ud; atomic_fetch_add(&deaths, 1); }
static void on_recipient_destroy(void *ud) { (void)ud; atomic_fetch_add(&recipient_destroyed, 1); }

struct blocked {
    OHIPCRemoteProxy *p;
    int status;
    double took;
};

static void *blocked_main(void *arg)
{
    struct blocked *b = arg;
    OHIPCParcel *d = OH_IPCParcel_Create(), *r = OH_IPCParcel_Create();
    double t = now_s();
    b->status = OH_IPCRemoteProxy_SendRequest(b->p, C_SLOW, d, r, NULL);
    b->took = now_s() - t;
    OH_IPCParcel_Destroy(d);
    OH_IPCParcel_Destroy(r);
    return NULL;
}

static void test_main_flow(void)
{
    OHIPCRemoteProxy *p;
    pid_t pid = start_child(&p);
    ok(p != NULL, "proxy from the socket");
    child_root = p;
    int32_t sum;

    is_int(add(p, 123, 456, &sum), 0, "Add request");
    is_int(sum, 579, "Add(123, 456) = 579 across processes");
    is_int(OH_IPCRemoteProxy_IsRemoteDead(p), 0, "peer alive");

    char *desc = NULL;
    int32_t dlen = 0;
    is_int(OH_IPCRemoteProxy_GetInterfaceDescriptor(p, &desc, &dlen, test_alloc), 0, "remote descriptor");
    is_str(desc, DESCRIPTOR, "descriptor text");
    is_int(dlen, (int)strlen(DESCRIPTOR) + 1, "descriptor length");
    free(desc);
    desc = NULL;
    is_int(OH_IPCRemoteProxy_GetInterfaceDescriptor(p, &desc, &dlen, null_alloc), OH_IPC_MEM_ALLOCATOR_ERROR,
           "descriptor with a failing allocator");

    OHIPCParcel *d = OH_IPCParcel_Create(), *r = OH_IPCParcel_Create();
    OH_IPCParcel_WriteInterfaceToken(d, DESCRIPTOR);
    is_int(OH_IPCRemoteProxy_SendRequest(p, C_TOKEN, d, r, NULL), 0, "interface token checked by the peer");
    OH_IPCParcel_RewindWritePosition(d, 0);
    OH_IPCParcel_WriteInterfaceToken(d, "wrong.token");
    is_int(OH_IPCRemoteProxy_SendRequest(p, C_TOKEN, d, r, NULL), 1909001, "wrong token refused by the peer");
    OH_IPCParcel_RewindWritePosition(d, 0);

    is_int(OH_IPCRemoteProxy_SendRequest(p, C_USER_ERR, d, r, NULL), 1909123, "user error code carried back");
    is_int(OH_IPCParcel_GetDataSize(r), 0, "no reply data with an error");
    is_int(OH_IPCRemoteProxy_SendRequest(p, C_BAD_ERR, d, r, NULL), OH_IPC_INVALID_USER_ERROR_CODE,
           "out-of-range callback result -> 1901006");
    is_int(OH_IPCRemoteProxy_SendRequest(p, 0, d, r, NULL), OH_IPC_CODE_OUT_OF_RANGE, "code 0 -> 1901004");
    is_int(OH_IPCRemoteProxy_SendRequest(p, 0x01000000, d, r, NULL), OH_IPC_CODE_OUT_OF_RANGE,
           "code 0x01000000 -> 1901004");
    is_int(OH_IPCRemoteProxy_SendRequest(p, 0x00ffffff, d, r, NULL), 0, "code 0x00ffffff reaches the stub");
    int dummy;
    OH_IPC_MessageOption bad = { OH_IPC_REQUEST_MODE_SYNC, 0, &dummy };
    is_int(OH_IPCRemoteProxy_SendRequest(p, C_ADD, d, r, &bad), OH_IPC_CHECK_PARAM_ERROR, "reserved != NULL");
    is_int(OH_IPCRemoteProxy_SendRequest(p, C_ADD, d, NULL, NULL), OH_IPC_CHECK_PARAM_ERROR, "sync without reply");

    /* Calling identity seen by the child. */
    is_int(OH_IPCRemoteProxy_SendRequest(p, C_CALLER, d, r, NULL), 0, "caller info request");
    int64_t cpid = 0, cuid = 0;
    int32_t local = -1, handling = -1;
    OH_IPCParcel_ReadInt64(r, &cpid);
    OH_IPCParcel_ReadInt64(r, &cuid);
    OH_IPCParcel_ReadInt32(r, &local);
    OH_IPCParcel_ReadInt32(r, &handling);
    is_int(cpid, getpid(), "GetCallingPid in the child = the parent's pid");
    is_int(cuid, getuid(), "GetCallingUid in the child = the parent's uid");
    is_int(local, 0, "IsLocalCalling = 0 for a remote call");
    is_int(handling, 1, "IsHandlingTransaction = 1 in the callback");

    /* A descriptor written by the child. */
    int pp[2];
    if (pipe2(pp, O_CLOEXEC) < 0)
        abort();
    OH_IPCParcel_RewindWritePosition(d, 0);
    OH_IPCParcel_WriteFileDescriptor(d, pp[1]);
    OH_IPCParcel_WriteString(d, "written by the child");
    close(pp[1]);
    is_int(OH_IPCRemoteProxy_SendRequest(p, C_WRITE_FD, d, r, NULL), 0, "send a descriptor");
    OH_IPCParcel_RewindWritePosition(d, 0); /* drops our copy of the write end */
    char buf[64] = { 0 };
    ssize_t n = read_timeout(pp[0], buf, sizeof(buf) - 1, 5000);
    is_str(n > 0 ? buf : "", "written by the child", "the child wrote into our pipe");
    n = read_timeout(pp[0], buf, sizeof(buf), 5000);
    is_int(n, 0, "and closed it (no copy left anywhere)");
    close(pp[0]);

    /* A full parcel's 32 descriptors in one request. */
    int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
    OH_IPCParcel_WriteInt32(d, 32);
    for (int i = 0; i < 32; i++)
        OH_IPCParcel_WriteFileDescriptor(d, nul);
    close(nul);
    int32_t good = 0;
    is_int(OH_IPCRemoteProxy_SendRequest(p, C_COUNT_FDS, d, r, NULL), 0, "send 32 descriptors");
    OH_IPCParcel_ReadInt32(r, &good);
    is_int(good, 32, "the child got 32 working descriptors");
    OH_IPCParcel_RewindWritePosition(d, 0);

    /* A stub of ours, called back by the child. */
    OHIPCRemoteStub *cb = OH_IPCRemoteStub_Create("test.ICallback", parent_request, parent_stub_destroyed, NULL);
    OH_IPCParcel_WriteRemoteStub(d, cb);
    is_int(OH_IPCRemoteProxy_SendRequest(p, C_CALLBACK, d, r, NULL), 0, "send our stub");
    int32_t st = -1, v = -1;
    OH_IPCParcel_ReadInt32(r, &st);
    OH_IPCParcel_ReadInt32(r, &v);
    is_int(st, 0, "the child's call into our stub succeeded");
    is_int(v, 42, "our stub answered 41 + 1");
    is_str(OH_IPCParcel_ReadString(r), "test.ICallback", "the child sees our stub's descriptor");
    is_int(atomic_load(&cb_caller_pid), pid, "our stub saw the child as caller");

    /* Our stub sent back to us is our stub. */
    is_int(OH_IPCRemoteProxy_SendRequest(p, C_GIVE_BACK, d, r, NULL), 0, "child returns our object");
    OHIPCRemoteStub *back = OH_IPCParcel_ReadRemoteStub(r);
    ok(back == cb, "a proxy to our stub comes back as that very stub");
    OH_IPCRemoteStub_Destroy(back);
    OH_IPCParcel_RewindReadPosition(r, 0);
    OHIPCRemoteProxy *lp = OH_IPCParcel_ReadRemoteProxy(r);
    ok(lp != NULL, "or, read as a proxy, a local proxy");
    OHIPCParcel *d2 = OH_IPCParcel_Create(), *r2 = OH_IPCParcel_Create();
    OH_IPCParcel_WriteInt32(d2, 9);
    ok(OH_IPCRemoteProxy_SendRequest(lp, P_PLUS_ONE, d2, r2, NULL) == 0 && OH_IPCParcel_ReadInt32(r2, &v) == 0 &&
           v == 10,
       "that calls our stub directly");
    OH_IPCRemoteProxy_Destroy(lp);

    /* Nested: parent -> child -> parent -> child. */
    is_int(OH_IPCRemoteProxy_SendRequest(p, C_NESTED, d, r, NULL), 0, "nested call chain");
    OH_IPCParcel_ReadInt32(r, &st);
    OH_IPCParcel_ReadInt32(r, &v);
    ok(st == 0 && v == 1002 && atomic_load(&nested_inner) == 1001, "parent->child->parent->child answered");

    /* The child keeps our stub; we drop ours; it is still served. */
    OH_IPCParcel_RewindReadPosition(d, 0);
    is_int(OH_IPCRemoteProxy_SendRequest(p, C_KEEP, d, r, NULL), 0, "child keeps a proxy to our stub");
    OH_IPCParcel_Destroy(d);
    d = OH_IPCParcel_Create();
    OH_IPCRemoteStub_Destroy(cb);
    is_int(atomic_load(&cb_destroyed), 0, "our stub lives while the child holds it");
    is_int(OH_IPCRemoteProxy_SendRequest(p, C_CALL_KEPT, d, r, NULL), 0, "child calls the kept stub");
    OH_IPCParcel_ReadInt32(r, &st);
    is_int(st, 0, "and it still answers");
    is_int(OH_IPCRemoteProxy_SendRequest(p, C_DROP, d, r, NULL), 0, "child drops it");
    int gone = 0;
    for (int i = 0; i < 500 && !gone; i++, usleep(10000))
        gone = atomic_load(&cb_destroyed) == 1;
    ok(gone, "our stub's destroy callback ran once the child released it");

    /* 100 KB and the largest parcel. */
    for (int size = 100 * 1024; size <= 204800 - 4; size += 204800 - 4 - 100 * 1024) {
        uint8_t *big = malloc((size_t)size);
        for (int i = 0; i < size; i++)
            big[i] = (uint8_t)(i * 31 + 7);
        OH_IPCParcel_RewindWritePosition(d, 0);
        OH_IPCParcel_WriteInt32(d, size);
        OH_IPCParcel_WriteBuffer(d, big, size);
        int est = OH_IPCRemoteProxy_SendRequest(p, C_ECHO, d, r, NULL);
        int32_t n2 = 0;
        OH_IPCParcel_ReadInt32(r, &n2);
        const uint8_t *got = OH_IPCParcel_ReadBuffer(r, n2 > 0 ? n2 : 1);
        ok(est == 0 && n2 == size && got && memcmp(got, big, (size_t)size) == 0, "%d-byte buffer round trip", size);
        free(big);
    }

    /* Async. */
    if (pipe2(pp, O_CLOEXEC) < 0)
        abort();
    OH_IPCParcel_RewindWritePosition(d, 0);
    OH_IPCParcel_WriteFileDescriptor(d, pp[1]);
    OH_IPCParcel_WriteString(d, "async");
    close(pp[1]);
    OH_IPC_MessageOption as = { OH_IPC_REQUEST_MODE_ASYNC, 0, NULL };
    double t0 = now_s();
    is_int(OH_IPCRemoteProxy_SendRequest(p, C_ASYNC_NOTE, d, NULL, &as), 0, "async request with NULL reply");
    OH_IPCParcel_RewindWritePosition(d, 0);
    memset(buf, 0, sizeof(buf));
    n = read_timeout(pp[0], buf, sizeof(buf) - 1, 5000);
    ok(n == 5 && strcmp(buf, "async") == 0 && now_s() - t0 < 5, "async request served");
    close(pp[0]);

    /* Timeout, then the connection still works. */
    OH_IPC_MessageOption to = { OH_IPC_REQUEST_MODE_SYNC, 1, NULL };
    t0 = now_s();
    int tst = OH_IPCRemoteProxy_SendRequest(p, C_SLOW, d, r, &to);
    double took = now_s() - t0;
    is_int(tst, OH_IPC_INNER_ERROR, "a 1 s timeout on a 1.5 s request fails");
    ok(took > 0.9 && took < 1.45, "after about 1 s (%.2f s)", took);
    is_int(add(p, 1, 2, &sum), 0, "the connection still works after a timeout");
    is_int(sum, 3, "and the late reply was not mistaken for this one");

    /* A slow callback does not hold up another caller for long: the
     * watchdog gives the connection another reader. */
    struct blocked slow = { .p = p };
    pthread_t st_thread;
    pthread_create(&st_thread, NULL, blocked_main, &slow);
    usleep(100 * 1000);
    t0 = now_s();
    int fst = add(p, 5, 6, &sum);
    double fast = now_s() - t0;
    ok(fst == 0 && sum == 11 && fast < 0.5, "a request during a 1.5 s callback is served in %.3f s", fast);
    pthread_join(st_thread, NULL);
    is_int(slow.status, 0, "and the slow one completes");

    /* Concurrent callers. */
    pthread_t th[4];
    struct conc cs[4];
    for (int i = 0; i < 4; i++) {
        cs[i] = (struct conc){ .p = p, .idx = i };
        pthread_create(&th[i], NULL, conc_main, &cs[i]);
    }
    int bad_total = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        bad_total += cs[i].bad;
    }
    is_int(bad_total, 0, "4 threads x 300 concurrent requests all answered correctly");

    /* Death while a request is pending, recipient fires once. */
    OHIPCDeathRecipient *dr = OH_IPCDeathRecipient_Create(on_death, on_recipient_destroy, NULL);
    OHIPCDeathRecipient *dr2 = OH_IPCDeathRecipient_Create(on_death, on_recipient_destroy, NULL);
    is_int(OH_IPCRemoteProxy_AddDeathRecipient(p, dr), 0, "add a death recipient");
    is_int(OH_IPCRemoteProxy_AddDeathRecipient(p, dr2), 0, "add another");
    is_int(OH_IPCRemoteProxy_RemoveDeathRecipient(p, dr2), 0, "remove the second");
    struct blocked bl = { .p = p };
    pthread_t bt;
    pthread_create(&bt, NULL, blocked_main, &bl);
    usleep(200 * 1000);
    kill(pid, SIGKILL);
    pthread_join(bt, NULL);
    is_int(bl.status, OH_IPC_DEAD_REMOTE_OBJECT, "a pending request returns 1901005 when the peer is killed");
    ok(bl.took < 1.4, "at once (%.2f s, the request would take 1.5 s)", bl.took);
    ok(wait_flag((volatile int *)&deaths, 5), "death recipient fired on SIGKILL");
    usleep(100 * 1000);
    is_int(atomic_load(&deaths), 1, "exactly once, and not for the removed recipient");
    is_int(OH_IPCRemoteProxy_IsRemoteDead(p), 1, "IsRemoteDead = 1");
    is_int(add(p, 1, 1, &sum), OH_IPC_DEAD_REMOTE_OBJECT, "requests now return 1901005");
    is_int(OH_IPCRemoteProxy_GetInterfaceDescriptor(p, &desc, &dlen, test_alloc), 0,
           "the cached descriptor is still available");
    free(desc);
    is_int(OH_IPCRemoteProxy_AddDeathRecipient(p, dr2), OH_IPC_INNER_ERROR, "adding to a dead proxy fails");
    OH_IPCDeathRecipient_Destroy(dr);
    OH_IPCDeathRecipient_Destroy(dr2);
    is_int(atomic_load(&recipient_destroyed), 2, "recipients destroyed");
    int status;
    ok(reap(pid, &status) && WIFSIGNALED(status), "child reaped");
    OH_IPCRemoteProxy_Destroy(p);
    OH_IPCParcel_Destroy(d);
    OH_IPCParcel_Destroy(r);
    OH_IPCParcel_Destroy(d2);
    OH_IPCParcel_Destroy(r2);
}

static void test_clean_exit(void)
{
    OHIPCRemoteProxy *p;
    atomic_store(&deaths, 0);
    pid_t pid = start_child(&p);
    OHIPCDeathRecipient *dr = OH_IPCDeathRecipient_Create(on_death, NULL, NULL);
    is_int(OH_IPCRemoteProxy_AddDeathRecipient(p, dr), 0, "recipient on a new child");
    OH_IPCDeathRecipient_Destroy(dr);
    int32_t sum;
    is_int(add(p, 2, 2, &sum), 0, "it answers");
    OHIPCParcel *d = OH_IPCParcel_Create();
    OH_IPC_MessageOption as = { OH_IPC_REQUEST_MODE_ASYNC, 0, NULL };
    is_int(OH_IPCRemoteProxy_SendRequest(p, C_LEAVE, d, NULL, &as), 0, "ask it to leave");
    ok(wait_flag((volatile int *)&deaths, 5), "death recipient fired on a clean exit");
    is_int(OH_IPCRemoteProxy_IsRemoteDead(p), 1, "IsRemoteDead = 1");
    is_int(add(p, 1, 1, &sum), OH_IPC_DEAD_REMOTE_OBJECT, "requests return 1901005");
    int status;
    /* Exit status 0 from _exit(0); not checked, as valgrind's
     * --error-exitcode also counts what a fork inherits from the parent. */
    ok(reap(pid, &status) && WIFEXITED(status), "child exited (not killed)");
    OH_IPCParcel_Destroy(d);
    OH_IPCRemoteProxy_Destroy(p);
}

static atomic_int joined_returned;
static void *join_main(void *arg)
{
    (void)arg;
    OH_IPCSkeleton_JoinWorkThread();
    atomic_store(&joined_returned, 1);
    return NULL;
}

/* A proxy of one connection sent over another: child B calls child A
 * through a forwarder in the parent. */
static void test_forwarding(void)
{
    OHIPCRemoteProxy *a, *b;
    pid_t pa = start_child(&a), pb = start_child(&b);
    OHIPCParcel *d = OH_IPCParcel_Create(), *r = OH_IPCParcel_Create();
    OH_IPCParcel_WriteRemoteProxy(d, a);
    is_int(OH_IPCRemoteProxy_SendRequest(b, C_CALL_ADD, d, r, NULL), 0, "send A's proxy to B");
    int32_t st = -1, v = -1;
    OH_IPCParcel_ReadInt32(r, &st);
    OH_IPCParcel_ReadInt32(r, &v);
    ok(st == 0 && v == 42, "B called A through us: Add(20, 22) = %d", v);
    is_str(OH_IPCParcel_ReadString(r), DESCRIPTOR, "and sees A's descriptor");
    OH_IPCParcel_Destroy(d);
    OH_IPCParcel_Destroy(r);
    kill(pa, SIGKILL);
    kill(pb, SIGKILL);
    int status;
    ok(reap(pa, &status) && reap(pb, &status), "both reaped");
    OH_IPCRemoteProxy_Destroy(a);
    OH_IPCRemoteProxy_Destroy(b);
}

/* Roles swapped: the parent serves, the child calls. */
static void test_parent_serves(void)
{
    int sv[2];
    seqpacket_pair(sv);
    OHIPCRemoteStub *s = OH_IPCRemoteStub_Create("test.IParent", parent_request, NULL, NULL);
    is_int(OH_IPCRemoteStub_ServeSocket(s, sv[0]), 0, "parent serves a stub");
    OH_IPCRemoteStub_Destroy(s);
    atomic_store(&cb_calls, 0);
    /* A thread of ours joins the workers while the child calls. */
    pthread_t jt;
    pthread_create(&jt, NULL, join_main, NULL);
    int res[2];
    if (pipe2(res, O_CLOEXEC) < 0)
        abort();
    pid_t pid = fork();
    if (pid == 0) {
        close(res[0]);
        OHIPCRemoteProxy *p = OH_IPCRemoteProxy_CreateFromSocket(sv[1]);
        OHIPCParcel *d = OH_IPCParcel_Create(), *r = OH_IPCParcel_Create();
        int bad = 0;
        for (int i = 0; i < 1000; i++) {
            int32_t v = -1;
            OH_IPCParcel_RewindWritePosition(d, 0);
            OH_IPCParcel_WriteInt32(d, i);
            if (OH_IPCRemoteProxy_SendRequest(p, P_PLUS_ONE, d, r, NULL) || OH_IPCParcel_ReadInt32(r, &v) || v != i + 1)
                bad++;
        }
        OH_IPCParcel_Destroy(d);
        OH_IPCParcel_Destroy(r);
        OH_IPCRemoteProxy_Destroy(p);
        ssize_t _w = write(res[1], &bad, sizeof(bad));
        (void)_w;
        _exit(0);
    }
    close(sv[1]);
    close(res[1]);
    int bad = -1, status;
    ssize_t got = read_timeout(res[0], &bad, sizeof(bad), 30000);
    close(res[0]);
    ok(got == sizeof(bad) && bad == 0, "child made 1000 correct calls");
    ok(reap(pid, &status), "child reaped");
    is_int(atomic_load(&cb_calls), 1000, "all served here");
    usleep(50 * 1000);
    is_int(atomic_load(&joined_returned), 0, "a joined thread stays in the pool");
    OH_IPCSkeleton_StopWorkThread();
    ok(wait_flag((volatile int *)&joined_returned, 5), "StopWorkThread from another thread releases it");
    pthread_join(jt, NULL);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    int base = count_fds();
    test_ext_validation();
    test_main_flow();
    test_clean_exit();
    test_forwarding();
    test_parent_serves();
    is_int(wait_fds(base, 5), base, "no descriptor leaked (/proc/self/fd before and after)");
    return tap_done();
}
