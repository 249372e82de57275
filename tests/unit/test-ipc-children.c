/* SPDX-License-Identifier: Apache-2.0 */
/* IPC children end to end, after the reference's conformance cases. */
#include <pthread.h>
#include <stdatomic.h>

#include <IPCKit/ipc_kit.h>

#include "../tap.h"
#include "child-helpers.h"

#define DESCRIPTOR "ncp.test.IpcChild"
enum { CODE_LEAVE = 1, CODE_ADD = 2, CODE_NESTED = 3, CODE_WRITE_FD = 4, CODE_CALL_BACK = 5,
       CODE_ECHO = 6, CODE_CRASH = 7, CODE_IDENTITY = 8, CODE_USER_ERROR = 9, CODE_BAD_ERROR = 10 };

/* One start result, delivered by the callback. */
struct started {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int calls;
    int code;
    OHIPCRemoteProxy *proxy;
    pthread_t thread;
};

#define MAX_SLOTS 64
static struct started slots[MAX_SLOTS];
static atomic_int next_slot;
static pthread_t main_thread;

/* Callbacks carry no user data: results go to slots in call order. */
static void on_started(int code, OHIPCRemoteProxy *proxy)
{
    int i = atomic_fetch_add(&next_slot, 1) % MAX_SLOTS;
    struct started *s = &slots[i];
    pthread_mutex_lock(&s->lock);
    s->calls++;
    s->code = code;
    s->proxy = proxy;
    s->thread = pthread_self();
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

static void reset_slots(void)
{
    for (int i = 0; i < MAX_SLOTS; i++) {
        pthread_mutex_init(&slots[i].lock, NULL);
        pthread_cond_init(&slots[i].cond, NULL);
        slots[i].calls = 0;
        slots[i].code = -1;
        slots[i].proxy = NULL;
    }
    atomic_store(&next_slot, 0);
}

/* Waits for the i-th callback; returns its code (-1 after 10 s). */
static int wait_slot(int i, OHIPCRemoteProxy **proxy)
{
    struct started *s = &slots[i];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 10;
    pthread_mutex_lock(&s->lock);
    while (s->calls == 0)
        if (pthread_cond_timedwait(&s->cond, &s->lock, &ts) != 0)
            break;
    int code = s->calls ? s->code : -1;
    if (proxy)
        *proxy = s->proxy;
    pthread_mutex_unlock(&s->lock);
    return code;
}

static void *alloc_i32(int32_t len) { return malloc((size_t)len); }

static OHIPCParcel *request(void)
{
    OHIPCParcel *p = OH_IPCParcel_Create();
    OH_IPCParcel_WriteInterfaceToken(p, DESCRIPTOR);
    return p;
}

static int call_add(OHIPCRemoteProxy *proxy, int a, int b, int32_t *sum)
{
    OHIPCParcel *data = request(), *reply = OH_IPCParcel_Create();
    OH_IPCParcel_WriteInt32(data, a);
    OH_IPCParcel_WriteInt32(data, b);
    int r = OH_IPCRemoteProxy_SendRequest(proxy, CODE_ADD, data, reply, NULL);
    if (r == 0)
        OH_IPCParcel_ReadInt32(reply, sum);
    OH_IPCParcel_Destroy(data);
    OH_IPCParcel_Destroy(reply);
    return r;
}

static int call_simple(OHIPCRemoteProxy *proxy, uint32_t code, OHIPCParcel *reply)
{
    OHIPCParcel *data = request();
    OHIPCParcel *own = reply ? NULL : OH_IPCParcel_Create();
    int r = OH_IPCRemoteProxy_SendRequest(proxy, code, data, reply ? reply : own, NULL);
    OH_IPCParcel_Destroy(data);
    if (own)
        OH_IPCParcel_Destroy(own);
    return r;
}

static pid_t child_pid(OHIPCRemoteProxy *proxy, char *netns, size_t size)
{
    OHIPCParcel *reply = OH_IPCParcel_Create();
    int32_t pid = -1, calling = -1;
    if (call_simple(proxy, CODE_IDENTITY, reply) == 0) {
        OH_IPCParcel_ReadInt32(reply, &pid);
        OH_IPCParcel_ReadInt32(reply, &calling);
        const char *ns = OH_IPCParcel_ReadString(reply);
        if (netns)
            snprintf(netns, size, "%s", ns ? ns : "");
    }
    OH_IPCParcel_Destroy(reply);
    if (calling != getpid())
        diag("calling pid seen by the child: %d (we are %d)", calling, getpid());
    return pid;
}

/* Asks the child to leave and waits for its end.  The child may exit
 * before its reply to "leave" is out: then the request sees a dead peer. */
static int leave(OHIPCRemoteProxy *proxy)
{
    pid_t pid = child_pid(proxy, NULL, 0);
    int r = call_simple(proxy, CODE_LEAVE, NULL);
    int status = -1;
    int w = NCP_WaitChildProcess(pid, &status, 10000);
    OH_IPCRemoteProxy_Destroy(proxy);
    int good = (r == 0 || r == OH_IPC_DEAD_REMOTE_OBJECT) && w == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!good)
        diag("leave: pid %d request %d wait %d status 0x%x", (int)pid, r, w, status);
    return good;
}

static void test_create_add_leave(void)
{
    reset_slots();
    is_int(OH_Ability_CreateNativeChildProcess("libipcchild.so", on_started), NCP_NO_ERROR, "Create -> 0");
    OHIPCRemoteProxy *proxy = NULL;
    is_int(wait_slot(0, &proxy), NCP_NO_ERROR, "callback with NCP_NO_ERROR");
    ok(proxy != NULL, "and a proxy");
    ok(!pthread_equal(slots[0].thread, main_thread), "on a thread that is not the caller's");
    int32_t sum = 0;
    is_int(call_add(proxy, 123, 456, &sum), 0, "Add request -> 0");
    is_int(sum, 579, "Add(123, 456) = 579");
    int32_t len = 0;
    char *desc = NULL;
    is_int(OH_IPCRemoteProxy_GetInterfaceDescriptor(proxy, &desc, &len, alloc_i32), 0, "GetInterfaceDescriptor");
    is_str(desc, DESCRIPTOR, "the stub's descriptor");
    free(desc);
    ok(leave(proxy), "leave: the child exits 0 after MainProc returns");
    is_int(slots[0].calls, 1, "the callback ran exactly once");

    is_int(OH_Ability_CreateNativeChildProcess("libipcchild.so", on_started), NCP_NO_ERROR, "create again -> 0");
    is_int(wait_slot(1, &proxy), NCP_NO_ERROR, "second child connects");
    ok(proxy && call_add(proxy, 1, 2, &sum) == 0 && sum == 3, "and answers");
    if (proxy)
        ok(leave(proxy), "and leaves");
}

static void test_failures(void)
{
    reset_slots();
    is_int(OH_Ability_CreateNativeChildProcess("libdoesnotexist.so", on_started), NCP_NO_ERROR, "Create(missing library) -> 0");
    is_int(wait_slot(0, NULL), NCP_ERR_LIB_LOADING_FAILED, "callback 16010007");
    is_int(OH_Ability_CreateNativeChildProcess("libipcnomain.so", on_started), NCP_NO_ERROR, "Create(library without MainProc)");
    is_int(wait_slot(1, NULL), NCP_ERR_LIB_LOADING_FAILED, "callback 16010007");
    is_int(OH_Ability_CreateNativeChildProcess("libipcnull.so", on_started), NCP_NO_ERROR, "Create(OnConnect returns NULL)");
    is_int(wait_slot(2, NULL), NCP_ERR_CONNECTION_FAILED, "callback 16010008");

    char conf[] = "/tmp/ncp-ipc-conf-XXXXXX";
    int fd = mkstemp(conf);
    dprintf(fd, "connect_timeout_ms = 300\n");
    close(fd);
    setenv("NCP_CONFIG_FILE", conf, 1);
    is_int(OH_Ability_CreateNativeChildProcess("libipcslow.so", on_started), NCP_NO_ERROR, "Create(OnConnect hangs)");
    is_int(wait_slot(3, NULL), NCP_ERR_TIMEOUT, "callback 16010002 after the connect timeout");
    setenv("NCP_CONFIG_FILE", "/nonexistent", 1);
    unlink(conf);
    usleep(100000);
    is_int(slots[0].calls + slots[1].calls + slots[2].calls + slots[3].calls, 4, "each failure reported exactly once");
}

static int parent_stub_calls;
static int parent_request(uint32_t code, const OHIPCParcel *data, OHIPCParcel *reply, void *user)
{
    int32_t a = 0, b = 0;
    (void)user;
    parent_stub_calls++;
    if (code != 7 || OH_IPCParcel_ReadInt32(data, &a) || OH_IPCParcel_ReadInt32(data, &b))
        return OH_IPC_PARCEL_READ_ERROR;
    return OH_IPCParcel_WriteInt32(reply, a + b);
}

static atomic_int deaths;
static void on_death(void *user) { (void)user; atomic_fetch_add(&deaths, 1); }

static void test_requests(void)
{
    reset_slots();
    OH_Ability_CreateNativeChildProcess("libipcchild.so", on_started);
    OHIPCRemoteProxy *proxy = NULL;
    is_int(wait_slot(0, &proxy), 0, "child for request tests");
    if (!proxy)
        return;

    OHIPCParcel *data = request(), *reply = OH_IPCParcel_Create();
    is_int(OH_IPCRemoteProxy_SendRequest(proxy, 0, data, reply, NULL), OH_IPC_CODE_OUT_OF_RANGE, "code 0 -> 1901004");
    is_int(OH_IPCRemoteProxy_SendRequest(proxy, 0x01000000, data, reply, NULL), OH_IPC_CODE_OUT_OF_RANGE, "code 0x01000000 -> 1901004");
    OH_IPCParcel_Destroy(data);
    OH_IPCParcel_Destroy(reply);
    is_int(call_simple(proxy, CODE_USER_ERROR, NULL), 1909001, "a user error code comes back");
    is_int(call_simple(proxy, CODE_BAD_ERROR, NULL), OH_IPC_INVALID_USER_ERROR_CODE, "an invalid one -> 1901006");

    /* a descriptor in a parcel, written by the child */
    int p[2];
    pipe2(p, O_CLOEXEC);
    data = request();
    reply = OH_IPCParcel_Create();
    OH_IPCParcel_WriteFileDescriptor(data, p[1]);
    close(p[1]);
    int32_t written = 0;
    is_int(OH_IPCRemoteProxy_SendRequest(proxy, CODE_WRITE_FD, data, reply, NULL), 0, "send a descriptor");
    OH_IPCParcel_ReadInt32(reply, &written);
    char *text = read_until_eof(p[0], 5000);
    is_str(text, "written by the child\n", "the child wrote into it");
    free(text);
    close(p[0]);
    OH_IPCParcel_Destroy(data);
    OH_IPCParcel_Destroy(reply);

    /* the child calls back into a parent stub */
    OHIPCRemoteStub *stub = OH_IPCRemoteStub_Create("ncp.test.Parent", parent_request, NULL, NULL);
    data = request();
    reply = OH_IPCParcel_Create();
    OH_IPCParcel_WriteRemoteStub(data, stub);
    int32_t r = -1, sum = -1;
    is_int(OH_IPCRemoteProxy_SendRequest(proxy, CODE_CALL_BACK, data, reply, NULL), 0, "send our stub");
    OH_IPCParcel_ReadInt32(reply, &r);
    OH_IPCParcel_ReadInt32(reply, &sum);
    ok(r == 0 && sum == 42 && parent_stub_calls == 1, "the child called back into the parent's stub (r=%d sum=%d)", r, sum);
    OH_IPCParcel_Destroy(data);
    OH_IPCParcel_Destroy(reply);

    /* 100 KB round trip */
    int32_t n = 100 * 1024;
    uint8_t *big = malloc((size_t)n);
    for (int32_t i = 0; i < n; i++)
        big[i] = (uint8_t)(i * 7 + 3);
    data = request();
    reply = OH_IPCParcel_Create();
    OH_IPCParcel_WriteInt32(data, n);
    OH_IPCParcel_WriteBuffer(data, big, n);
    is_int(OH_IPCRemoteProxy_SendRequest(proxy, CODE_ECHO, data, reply, NULL), 0, "100 KB request");
    int32_t back = 0;
    OH_IPCParcel_ReadInt32(reply, &back);
    const uint8_t *got = OH_IPCParcel_ReadBuffer(reply, n);
    ok(back == n && got && memcmp(got, big, (size_t)n) == 0, "100 KB buffer round-trips intact");
    free(big);
    OH_IPCParcel_Destroy(data);
    OH_IPCParcel_Destroy(reply);

    /* death on a crash */
    OHIPCDeathRecipient *dr = OH_IPCDeathRecipient_Create(on_death, NULL, NULL);
    is_int(OH_IPCRemoteProxy_AddDeathRecipient(proxy, dr), 0, "add a death recipient");
    pid_t pid = child_pid(proxy, NULL, 0);
    call_simple(proxy, CODE_CRASH, NULL);
    int status = 0;
    NCP_WaitChildProcess(pid, &status, 10000);
    ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT, "the child crashed (SIGABRT)");
    for (int i = 0; i < 200 && atomic_load(&deaths) < 1; i++)
        usleep(10000);
    is_int(atomic_load(&deaths), 1, "the death recipient fired once on the crash");
    is_int(OH_IPCRemoteProxy_IsRemoteDead(proxy), 1, "IsRemoteDead = 1");
    int32_t dummy;
    is_int(call_add(proxy, 1, 1, &dummy), OH_IPC_DEAD_REMOTE_OBJECT, "requests now return 1901005");
    OH_IPCRemoteProxy_RemoveDeathRecipient(proxy, dr);
    OH_IPCDeathRecipient_Destroy(dr);
    OH_IPCRemoteProxy_Destroy(proxy);
    OH_IPCRemoteStub_Destroy(stub);

    /* death on a clean exit */
    reset_slots();
    OH_Ability_CreateNativeChildProcess("libipcchild.so", on_started);
    wait_slot(0, &proxy);
    if (!proxy)
        return;
    atomic_store(&deaths, 0);
    dr = OH_IPCDeathRecipient_Create(on_death, NULL, NULL);
    OH_IPCRemoteProxy_AddDeathRecipient(proxy, dr);
    pid = child_pid(proxy, NULL, 0);
    call_simple(proxy, CODE_LEAVE, NULL);
    NCP_WaitChildProcess(pid, &status, 10000);
    for (int i = 0; i < 200 && atomic_load(&deaths) < 1; i++)
        usleep(10000);
    is_int(atomic_load(&deaths), 1, "the death recipient fires on a clean exit too");
    OH_IPCRemoteProxy_RemoveDeathRecipient(proxy, dr);
    OH_IPCDeathRecipient_Destroy(dr);
    OH_IPCRemoteProxy_Destroy(proxy);
}

static void test_nested(void)
{
    reset_slots();
    OH_Ability_CreateNativeChildProcess("libipcchild.so", on_started);
    OHIPCRemoteProxy *proxy = NULL;
    wait_slot(0, &proxy);
    if (!proxy) {
        ok(0, "child for the nested test");
        return;
    }
    OHIPCParcel *reply = OH_IPCParcel_Create();
    int32_t code = -1;
    call_simple(proxy, CODE_NESTED, reply);
    OH_IPCParcel_ReadInt32(reply, &code);
    OH_IPCParcel_Destroy(reply);
    is_int(code, NCP_ERR_ALREADY_IN_CHILD, "the child calls Create -> 16010005");
    ok(leave(proxy), "and leaves");
}

static void test_limit_50(void)
{
    reset_slots();
    int started = 0;
    for (int i = 0; i < 50; i++)
        started += OH_Ability_CreateNativeChildProcess("libipcchild.so", on_started) == NCP_NO_ERROR;
    is_int(started, 50, "50 IPC children start");
    is_int(OH_Ability_CreateNativeChildProcess("libipcchild.so", on_started), NCP_ERR_MAX_CHILD_PROCESSES_REACHED,
           "the 51st -> 16010006 synchronously");
    OHIPCRemoteProxy *proxies[50] = { 0 };
    int connected = 0;
    for (int i = 0; i < 50; i++)
        connected += wait_slot(i, &proxies[i]) == 0 && proxies[i];
    is_int(connected, 50, "all 50 connect");
    ok(proxies[0] && leave(proxies[0]), "one leaves");
    proxies[0] = NULL;
    usleep(50000);
    is_int(OH_Ability_CreateNativeChildProcess("libipcchild.so", on_started), NCP_NO_ERROR, "then a new one starts");
    OHIPCRemoteProxy *extra = NULL;
    is_int(wait_slot(50, &extra), 0, "and connects");
    int left = extra ? leave(extra) : 0;
    for (int i = 1; i < 50; i++)
        if (proxies[i])
            left += leave(proxies[i]);
    is_int(left, 50, "all leave");
}

static void *create_one(void *arg)
{
    int *code = arg;
    *code = OH_Ability_CreateNativeChildProcess("libipcchild.so", on_started);
    return NULL;
}

static void test_concurrent(void)
{
    reset_slots();
    pthread_t a, b;
    int ca = -1, cb = -1;
    pthread_create(&a, NULL, create_one, &ca);
    pthread_create(&b, NULL, create_one, &cb);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    ok(ca == 0 && cb == 0, "two concurrent creates return 0");
    OHIPCRemoteProxy *p1 = NULL, *p2 = NULL;
    ok(wait_slot(0, &p1) == 0 && wait_slot(1, &p2) == 0 && p1 && p2, "both connect");
    if (p1 && p2)
        ok(leave(p1) && leave(p2), "both leave");
}

static void test_isolated(void)
{
    reset_slots();
    Ability_ChildProcessConfigs *c = OH_Ability_CreateChildProcessConfigs();
    OH_Ability_ChildProcessConfigs_SetIsolationMode(c, NCP_ISOLATION_MODE_ISOLATED);
    OH_Ability_ChildProcessConfigs_SetProcessName(c, "GPU");
    is_int(OH_Ability_CreateNativeChildProcessWithConfigs("libipcchild.so", c, on_started), NCP_NO_ERROR, "isolated IPC child -> 0");
    OH_Ability_DestroyChildProcessConfigs(c);
    OHIPCRemoteProxy *proxy = NULL;
    is_int(wait_slot(0, &proxy), 0, "it connects");
    if (!proxy)
        return;
    int32_t sum = 0;
    ok(call_add(proxy, 123, 456, &sum) == 0 && sum == 579, "and answers Add = 579");
    char ns[64] = "", mine[64] = "";
    ssize_t n = readlink("/proc/self/ns/net", mine, sizeof(mine) - 1);
    mine[n > 0 ? n : 0] = '\0';
    pid_t pid = child_pid(proxy, ns, sizeof(ns));
    ok(pid > 0 && ns[0] && strcmp(ns, mine) != 0, "in its own network namespace (%s vs %s)", ns, mine);
    ok(leave(proxy), "and leaves");
}

int main(void)
{
    setenv("NCP_BUNDLE_NAME", "com.example.ipctests", 1);
    main_thread = pthread_self();
    int fds_before = count_open_fds();
    test_create_add_leave();
    test_failures();
    test_requests();
    test_nested();
    test_limit_50();
    test_concurrent();
    test_isolated();
    usleep(200000);
    is_int(count_zombies(), 0, "no zombies");
    ok(count_open_fds() <= fds_before + 2 + 8, "no descriptor leak beyond the supervisor's and IPC's own (%d -> %d)", fds_before, count_open_fds());
    return tap_done();
}
