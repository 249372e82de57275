/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hostile children against the app's responsiveness and truthfulness, through
 * what a child legitimately holds (tests/fault/libhostile.c does the harm):
 *
 *   linger       a child sends, on its launch socket, a TCP socket whose last
 *                close() blocks for 12 s.  Meanwhile another child's start,
 *                its exit callback and a third child's IPC start must come
 *                within BOUND_S, and that IPC child must not be killed for a
 *                timeout it did not cause.
 *   lingerreply  the same socket in a malformed IPC reply: a SendRequest with
 *                a 1 s timeout must return within BOUND_S.
 *   silent       an IPC child stops itself (SIGSTOP): GetInterfaceDescriptor,
 *                requests with a timeout (one-way ones too, once its queue is
 *                full), IsRemoteDead and the Destroy of a proxy that owes a
 *                release each return their error within their bound; a
 *                request without a timeout ends with the connection.
 *   fdflood      an IPC child floods a stub of the app with one-way and
 *                two-way requests of 32 descriptors each (and tries 250):
 *                the app keeps its reserve and can open its own, the sender
 *                gets OH_IPC_PARCEL_WRITE_ERROR / OH_IPC_INNER_ERROR; with
 *                the app's table nearly full, a request carrying a
 *                descriptor is refused.
 *   identity     an IPC child sends a request with forged credentials (pid
 *                1 uid 0: a normal child of a root app may): the app is told
 *                the child's pid; the child forks a process that keeps its
 *                sockets and exits: the proxy dies with the child, nothing
 *                that process sends is served.
 *   slowreader   the app sends one-way requests without a timeout to a
 *                child that reads nothing (stopped), and serves a child that
 *                sends requests and reads no reply: meanwhile another IPC
 *                child answers and another child starts and ends in time;
 *                the send returns, and the connection closes, once the send
 *                timeout (NCP_IPC_SEND_TIMEOUT_MS, 3 s here) passed.
 *   zombies      a child forks 300 children that exit and never reaps them
 *                (isolated: its forks stop at its RLIMIT_NPROC, 64 here):
 *                another child's start and exit callback are not held up,
 *                no zombie lands among the app's children; killed, the
 *                child gets one exit callback, its own; returning, it ends
 *                with its own status, not a zombie's.
 *   forgelog     a child's report detail holds newlines and text that looks
 *                like the library's log lines: the app's stderr shows it
 *                escaped, on a line attributed to the child.
 *   inflight     a child keeps its user's descriptors in flight at the
 *                kernel's limit (ETOOMANYREFS for every SCM_RIGHTS) for 1 s:
 *                another child's start waits and works (unprivileged only:
 *                root is not bounded).
 *   reportflood  an IPC child sends well-formed failure reports without end:
 *                at most 16 are taken (and logged), then its launch socket
 *                is not read; another child's start and exit callback come
 *                within BOUND_S meanwhile.
 *
 * Each scenario runs in a fresh process per spawn mode, for normal and
 * isolated children, and ends with the leak census.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/resource.h>

#include <IPCKit/ipc_kit.h>

#include "fault-util.h"

/* What a start, an exit callback or an IPC start may take here, loaded: the
 * usual is well under 0.5 s; the lingering close it must not wait for is 12 s. */
#define BOUND_S 3.0

static const char *mode_name(void)
{
    const char *m = getenv("NCP_SPAWN_MODE");
    return m && !strcmp(m, "exec") ? "exec" : "zygote";
}

static const char *how(bool isolated) { return isolated ? "isolated" : "normal"; }

/* ---- callbacks ---- */

static atomic_int exit_pid, exit_sig;
static void on_exit_cb(int32_t pid, int32_t sig)
{
    atomic_store(&exit_sig, sig);
    atomic_store(&exit_pid, pid);
}

/* The hostile child's start result is not what is tested: it only must not
 * be confused with the healthy one's. */
static void on_started_hostile(int code, OHIPCRemoteProxy *proxy)
{
    (void)code;
    if (proxy)
        OH_IPCRemoteProxy_Destroy(proxy);
}

static atomic_int healthy_calls, healthy_code;
static OHIPCRemoteProxy *_Atomic healthy_proxy;
static void on_started_healthy(int code, OHIPCRemoteProxy *proxy)
{
    atomic_store(&healthy_code, code);
    atomic_store(&healthy_proxy, proxy);
    atomic_fetch_add(&healthy_calls, 1);
}

static int create_ipc(const char *lib, bool isolated, OH_Ability_OnNativeChildProcessStarted cb)
{
    Ability_ChildProcessConfigs *c = OH_Ability_CreateChildProcessConfigs();
    OH_Ability_ChildProcessConfigs_SetIsolationMode(c, isolated ? NCP_ISOLATION_MODE_ISOLATED : NCP_ISOLATION_MODE_NORMAL);
    int code = OH_Ability_CreateNativeChildProcessWithConfigs(lib, c, cb);
    OH_Ability_DestroyChildProcessConfigs(c);
    return code;
}

/* Kills every live process of the app but its zygote and spares (the IPC
 * children's pids are not known to the test otherwise). */
static void kill_app_children(void)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    size_t blen = strlen(app_bundle);
    while (d && (e = readdir(d))) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        char path[300], cmd[512];
        snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        ssize_t len = read(fd, cmd, sizeof(cmd) - 1);
        close(fd);
        if (len <= 0)
            continue;
        cmd[len] = '\0';
        if (strncmp(cmd, app_bundle, blen) || cmd[blen] != ':' || !strcmp(cmd + blen, ":ncp-zygote") ||
            !strcmp(cmd + blen, ":ncp-spare"))
            continue;
        kill(atoi(e->d_name), SIGKILL);
    }
    if (d)
        closedir(d);
}

/* ---- linger: a lingering descriptor on the launch socket ---- */

static void linger_launch(bool isolated)
{
    const char *mode = mode_name();
    int code = create_ipc("libhostile_linger.so", isolated, on_started_hostile);
    is_int(code, NCP_NO_ERROR, "linger (%s, %s): the hostile child starts", how(isolated), mode);
    usleep(1000000); /* its constructor has sent the socket; the app has read it */

    /* Another child's start. */
    int32_t pid = -1;
    NativeChildProcess_Args args = { .entryParams = (char *)"" };
    NativeChildProcess_Options o = { .isolationMode = NCP_ISOLATION_MODE_NORMAL };
    double t0 = now_s();
    code = OH_Ability_StartNativeChildProcess("libtestentry.so:Hold", args, o, &pid);
    double t_start = now_s() - t0;
    ok(code == NCP_NO_ERROR && t_start < BOUND_S, "linger (%s, %s): another start returns in %.2f s (code %d)",
       how(isolated), mode, t_start, code);

    /* Its exit callback. */
    atomic_store(&exit_pid, 0);
    t0 = now_s();
    if (code == NCP_NO_ERROR)
        OH_Ability_KillChildProcess(pid);
    while (atomic_load(&exit_pid) != pid && now_s() - t0 < 20)
        usleep(2000);
    double t_exit = now_s() - t0;
    ok(atomic_load(&exit_pid) == pid && atomic_load(&exit_sig) == SIGKILL && t_exit < BOUND_S,
       "linger (%s, %s): its exit callback runs within %.2f s (signal %d)", how(isolated), mode, t_exit,
       atomic_load(&exit_sig));

    /* A healthy IPC child's start. */
    atomic_store(&healthy_calls, 0);
    atomic_store(&healthy_proxy, NULL);
    t0 = now_s();
    code = create_ipc("libhostile.so", false, on_started_healthy);
    while (code == NCP_NO_ERROR && atomic_load(&healthy_calls) == 0 && now_s() - t0 < 20)
        usleep(2000);
    double t_ipc = now_s() - t0;
    ok(code == NCP_NO_ERROR && atomic_load(&healthy_calls) == 1 && atomic_load(&healthy_code) == NCP_NO_ERROR &&
           t_ipc < BOUND_S,
       "linger (%s, %s): a healthy IPC child starts within %.2f s (code %d; not killed for a timeout)",
       how(isolated), mode, t_ipc, atomic_load(&healthy_code));
    OHIPCRemoteProxy *p = atomic_exchange(&healthy_proxy, NULL);
    if (p)
        OH_IPCRemoteProxy_Destroy(p);
    kill_app_children();
}

/* ---- lingerreply: the same descriptor in a malformed IPC reply ---- */

static void linger_reply(bool isolated)
{
    const char *mode = mode_name();
    atomic_store(&healthy_calls, 0);
    atomic_store(&healthy_proxy, NULL);
    int code = create_ipc("libhostile_lingerreply.so", isolated, on_started_healthy);
    for (double end = now_s() + 15; code == NCP_NO_ERROR && atomic_load(&healthy_calls) == 0 && now_s() < end;)
        usleep(2000);
    OHIPCRemoteProxy *proxy = atomic_exchange(&healthy_proxy, NULL);
    if (!proxy && isolated && atomic_load(&healthy_code) == NCP_ERR_LIB_LOADING_FAILED && !strcmp(mode, "exec")) {
        /* Exec'd from the build tree, an isolated child finds no
         * libipc_capi in its sandbox (installed, it is in a system dir). */
        ok(1, "# SKIP lingerreply (isolated, exec): no libipc_capi in the sandbox of the build tree");
        kill_app_children();
        return;
    }
    ok(proxy != NULL, "lingerreply (%s, %s): the child connects (code %d)", how(isolated), mode,
       atomic_load(&healthy_code));
    if (!proxy) {
        kill_app_children();
        return;
    }
    /* MainProc sends its malformed reply by itself; on a loaded machine a
     * first request may still get the real answer before it: ask again
     * until the malformed one has come, each request within its bound. */
    usleep(500000);
    OHIPCParcel *data = OH_IPCParcel_Create(), *reply = OH_IPCParcel_Create();
    OH_IPCParcel_WriteInt32(data, 1);
    OH_IPCParcel_WriteInt32(data, 2);
    OH_IPC_MessageOption opt = { .mode = OH_IPC_REQUEST_MODE_SYNC, .timeout = 1 };
    int r = OH_IPC_SUCCESS, tries = 0;
    double t = 0, slowest = 0;
    for (double end = now_s() + 10; r == OH_IPC_SUCCESS && now_s() < end; tries++) {
        if (tries)
            usleep(200000);
        double t0 = now_s();
        r = OH_IPCRemoteProxy_SendRequest(proxy, 2, data, reply, &opt);
        t = now_s() - t0;
        slowest = t > slowest ? t : slowest;
    }
    ok(r != OH_IPC_SUCCESS && slowest < BOUND_S,
       "lingerreply (%s, %s): a request with a 1 s timeout returns in %.2f s (%d; %d request(s), slowest %.2f s)",
       how(isolated), mode, t, r, tries, slowest);
    OH_IPCParcel_Destroy(data);
    OH_IPCParcel_Destroy(reply);
    OH_IPCRemoteProxy_Destroy(proxy);
    kill_app_children();
}

/* ---- silent: every proxy call against a child that answers nothing ---- */

/* The bound the IPC library puts on what it asks a peer by itself
 * (IPC_PEER_WAIT_S, doc/ipc_capi.3), and the slack a loaded machine adds. */
#define PEER_WAIT_S 5.0
#define SLACK_S 3.0

static void *test_alloc(int32_t len) { return malloc((size_t)len); }

static bool stopped(pid_t pid, double secs)
{
    for (double end = now_s() + secs; now_s() < end; usleep(10000)) {
        char path[64], buf[512];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
        if (fd >= 0)
            close(fd);
        if (n <= 0)
            return false;
        buf[n] = '\0';
        const char *st = strrchr(buf, ')');
        if (st && st[1] == ' ' && st[2] == 'T')
            return true;
    }
    return false;
}

static int request(OHIPCRemoteProxy *proxy, uint32_t code, OHIPCParcel *reply, int mode, unsigned timeout_s)
{
    OHIPCParcel *data = OH_IPCParcel_Create(), *tmp = reply ? NULL : OH_IPCParcel_Create();
    OH_IPCParcel_WriteInt32(data, 1);
    OH_IPCParcel_WriteInt32(data, 2);
    OH_IPC_MessageOption opt = { .mode = mode, .timeout = timeout_s };
    int r = OH_IPCRemoteProxy_SendRequest(proxy, code, data, reply ? reply : tmp, &opt);
    OH_IPCParcel_Destroy(data);
    OH_IPCParcel_Destroy(tmp);
    return r;
}

struct unbounded {
    OHIPCRemoteProxy *proxy;
    atomic_int result;
    _Atomic double ended;
};

static void *unbounded_request(void *arg)
{
    struct unbounded *u = arg;
    int r = request(u->proxy, 2, NULL, OH_IPC_REQUEST_MODE_SYNC, 0);
    atomic_store(&u->ended, now_s());
    atomic_store(&u->result, r);
    return NULL;
}

static void silent(bool isolated)
{
    const char *mode = mode_name();
    const char *h = how(isolated);
    alarm(300); /* a call without its bound hangs: fail the scenario instead */
    atomic_store(&healthy_calls, 0);
    atomic_store(&healthy_proxy, NULL);
    int code = create_ipc("libhostile.so", isolated, on_started_healthy);
    for (double end = now_s() + 15; code == NCP_NO_ERROR && atomic_load(&healthy_calls) == 0 && now_s() < end;)
        usleep(2000);
    OHIPCRemoteProxy *proxy = atomic_exchange(&healthy_proxy, NULL);
    if (!proxy && isolated && atomic_load(&healthy_code) == NCP_ERR_LIB_LOADING_FAILED && !strcmp(mode, "exec")) {
        ok(1, "# SKIP silent (isolated, exec): no libipc_capi in the sandbox of the build tree");
        kill_app_children();
        return;
    }
    ok(proxy != NULL, "silent (%s, %s): the child connects (code %d)", h, mode, atomic_load(&healthy_code));
    if (!proxy) {
        kill_app_children();
        return;
    }
    /* Its pid, and a proxy to a second object (one that owes a release). */
    OHIPCParcel *reply = OH_IPCParcel_Create();
    int32_t pid = 0;
    int r = request(proxy, 4, reply, OH_IPC_REQUEST_MODE_SYNC, 10);
    OH_IPCParcel_ReadInt32(reply, &pid);
    OHIPCRemoteProxy *second = r == 0 ? OH_IPCParcel_ReadRemoteProxy(reply) : NULL;
    OH_IPCParcel_Destroy(reply);
    request(proxy, 3, NULL, OH_IPC_REQUEST_MODE_ASYNC, 0);
    ok(r == 0 && pid > 0 && second && stopped(pid, 10), "silent (%s, %s): the child (pid %d) fell silent (stopped)", h,
       mode, pid);

    char *desc = NULL;
    int32_t len = 0;
    double t0 = now_s();
    r = OH_IPCRemoteProxy_GetInterfaceDescriptor(proxy, &desc, &len, test_alloc);
    double t = now_s() - t0;
    ok(r == OH_IPC_INNER_ERROR && t < PEER_WAIT_S + SLACK_S,
       "silent (%s, %s): GetInterfaceDescriptor returns OH_IPC_INNER_ERROR within its %.0f s bound (%d, %.2f s)", h,
       mode, PEER_WAIT_S, r, t);
    free(desc);

    t0 = now_s();
    r = request(proxy, 2, NULL, OH_IPC_REQUEST_MODE_SYNC, 1);
    t = now_s() - t0;
    ok(r == OH_IPC_INNER_ERROR && t < 1 + SLACK_S,
       "silent (%s, %s): a request with a 1 s timeout returns OH_IPC_INNER_ERROR in time (%d, %.2f s)", h, mode, r, t);

    /* One-way requests with a 1 s timeout until the child's queue is full. */
    int sent = 0;
    double longest = 0;
    t0 = now_s();
    for (r = 0; r == 0 && sent < 100000 && now_s() - t0 < 30; sent++) {
        double t1 = now_s();
        r = request(proxy, 2, NULL, OH_IPC_REQUEST_MODE_ASYNC, 1);
        if (now_s() - t1 > longest)
            longest = now_s() - t1;
    }
    ok(r == OH_IPC_INNER_ERROR && longest < 1 + SLACK_S,
       "silent (%s, %s): once its queue is full, a one-way request with a 1 s timeout is refused in time (%d after %d; "
       "longest %.2f s)", h, mode, r, sent, longest);

    t0 = now_s();
    r = request(proxy, 2, NULL, OH_IPC_REQUEST_MODE_SYNC, 1);
    t = now_s() - t0;
    ok(r == OH_IPC_INNER_ERROR && t < 1 + SLACK_S,
       "silent (%s, %s): queue full: a request with a 1 s timeout returns OH_IPC_INNER_ERROR in time (%d, %.2f s)", h,
       mode, r, t);
    t0 = now_s();
    r = OH_IPCRemoteProxy_GetInterfaceDescriptor(second, &desc, &len, test_alloc);
    t = now_s() - t0;
    ok(r == OH_IPC_INNER_ERROR && t < PEER_WAIT_S + SLACK_S,
       "silent (%s, %s): queue full: GetInterfaceDescriptor returns OH_IPC_INNER_ERROR within its bound (%d, %.2f s)",
       h, mode, r, t);
    t0 = now_s();
    int dead = OH_IPCRemoteProxy_IsRemoteDead(proxy);
    t = now_s() - t0;
    ok(dead == 0 && t < SLACK_S, "silent (%s, %s): IsRemoteDead answers at once (%d)", h, mode, dead);

    /* A request without a timeout lasts as long as the connection does; the
     * release of the second proxy cannot be sent, which ends it. */
    pthread_t th;
    struct unbounded u = { .proxy = proxy };
    atomic_store(&u.result, -1);
    atomic_store(&u.ended, 0.0);
    pthread_create(&th, NULL, unbounded_request, &u);
    usleep(300000);
    t0 = now_s();
    OH_IPCRemoteProxy_Destroy(second);
    t = now_s() - t0;
    ok(t < PEER_WAIT_S + SLACK_S, "silent (%s, %s): destroying a proxy that owes a release returns within its bound "
       "(%.2f s)", h, mode, t);
    double end = now_s() + 10;
    while (atomic_load(&u.result) == -1 && now_s() < end)
        usleep(2000);
    r = atomic_load(&u.result);
    ok(r == OH_IPC_DEAD_REMOTE_OBJECT && atomic_load(&u.ended) - t0 < PEER_WAIT_S + SLACK_S,
       "silent (%s, %s): the request without a timeout ends with the connection (OH_IPC_DEAD_REMOTE_OBJECT: %d)", h,
       mode, r);
    if (r != -1)
        pthread_join(th, NULL);
    else {
        kill_app_children(); /* the child's death ends it */
        pthread_join(th, NULL);
    }
    ok(OH_IPCRemoteProxy_IsRemoteDead(proxy) == 1, "silent (%s, %s): the proxy reports the child dead", h, mode);
    OH_IPCRemoteProxy_Destroy(proxy);
    kill_app_children();
}

/* ---- fdflood: legal requests full of descriptors into the app ---- */

/* The bounds of src/ipc/peerfds.c the test holds the library to: 32
 * descriptors per frame, 64 of one peer's held at once; with this test's
 * descriptor limit of 256, a reserve of 64 free slots. */
#define FLOOD_NOFILE 256
#define FLOOD_RESERVE 64

static atomic_bool hold_requests; /* the app's handler keeps what it got */
static atomic_int app_requests;

static int app_request(uint32_t code, const OHIPCParcel *data, OHIPCParcel *reply, void *ud)
{
    (void)data, (void)reply, (void)ud;
    if (code != 7)
        return OH_IPC_USER_ERROR_CODE_MIN;
    atomic_fetch_add(&app_requests, 1);
    for (double end = now_s() + 30; atomic_load(&hold_requests) && now_s() < end;)
        usleep(1000);
    return 0;
}

struct flood_result {
    int ok, failed, first_err, last_err;
};

static int flood(OHIPCRemoteProxy *child, OHIPCRemoteStub *app, int mode, int nfds, int threads, int stop_after)
{
    OHIPCParcel *data = OH_IPCParcel_Create(), *reply = OH_IPCParcel_Create();
    OH_IPCParcel_WriteInt32(data, mode);
    OH_IPCParcel_WriteInt32(data, nfds);
    OH_IPCParcel_WriteInt32(data, threads);
    OH_IPCParcel_WriteInt32(data, stop_after);
    OH_IPCParcel_WriteRemoteStub(data, app);
    OH_IPC_MessageOption opt = { .mode = OH_IPC_REQUEST_MODE_SYNC, .timeout = 10 };
    int r = OH_IPCRemoteProxy_SendRequest(child, 5, data, reply, &opt);
    OH_IPCParcel_Destroy(data);
    OH_IPCParcel_Destroy(reply);
    return r;
}

static struct flood_result flood_report(OHIPCRemoteProxy *child)
{
    struct flood_result fr = { -1, -1, -1, -1 };
    OHIPCParcel *data = OH_IPCParcel_Create(), *reply = OH_IPCParcel_Create();
    OH_IPC_MessageOption opt = { .mode = OH_IPC_REQUEST_MODE_SYNC, .timeout = 60 };
    if (OH_IPCRemoteProxy_SendRequest(child, 6, data, reply, &opt) == 0) {
        OH_IPCParcel_ReadInt32(reply, &fr.ok);
        OH_IPCParcel_ReadInt32(reply, &fr.failed);
        OH_IPCParcel_ReadInt32(reply, &fr.first_err);
        OH_IPCParcel_ReadInt32(reply, &fr.last_err);
    }
    OH_IPCParcel_Destroy(data);
    OH_IPCParcel_Destroy(reply);
    return fr;
}

/* While the child floods: the most descriptors the app had open, and
 * whether the app could open 32 of its own meanwhile. */
static void watch_flood(double secs, int *max_fds, bool *own_opens)
{
    *max_fds = 0;
    *own_opens = true;
    for (double end = now_s() + secs; now_s() < end; usleep(20000)) {
        int n = count_open_fds();
        if (n > *max_fds)
            *max_fds = n;
        int mine[32];
        for (int i = 0; i < 32; i++)
            if ((mine[i] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
                *own_opens = false;
        for (int i = 0; i < 32; i++)
            if (mine[i] >= 0)
                close(mine[i]);
    }
}

/* Until what the child queued has been served and closed. */
static void settle_fds(void)
{
    int a = count_open_fds(), b;
    for (double end = now_s() + 20; now_s() < end; a = b) {
        usleep(200000);
        b = count_open_fds();
        if (a == b && count_open_fds() < 64)
            break;
    }
}

static void fd_flood(bool isolated)
{
    const char *mode = mode_name();
    const char *h = how(isolated);
    alarm(300);
    atomic_store(&healthy_calls, 0);
    atomic_store(&healthy_proxy, NULL);
    int code = create_ipc("libhostile.so", isolated, on_started_healthy);
    for (double end = now_s() + 15; code == NCP_NO_ERROR && atomic_load(&healthy_calls) == 0 && now_s() < end;)
        usleep(2000);
    OHIPCRemoteProxy *child = atomic_exchange(&healthy_proxy, NULL);
    if (!child && isolated && atomic_load(&healthy_code) == NCP_ERR_LIB_LOADING_FAILED && !strcmp(mode, "exec")) {
        ok(1, "# SKIP fdflood (isolated, exec): no libipc_capi in the sandbox of the build tree");
        kill_app_children();
        return;
    }
    ok(child != NULL, "fdflood (%s, %s): the child connects (code %d)", h, mode, atomic_load(&healthy_code));
    if (!child) {
        kill_app_children();
        return;
    }
    /* A small descriptor table, set after the child started (it keeps its
     * own limit, and with it the kernel's bound on what it has in flight). */
    struct rlimit saved, small = { FLOOD_NOFILE, FLOOD_NOFILE };
    getrlimit(RLIMIT_NOFILE, &saved);
    if (small.rlim_max > saved.rlim_max)
        small.rlim_max = saved.rlim_max;
    setrlimit(RLIMIT_NOFILE, &small);
    /* What the library sees (valgrind keeps its own limit, below ours). */
    struct rlimit eff;
    getrlimit(RLIMIT_NOFILE, &eff);
    int limit = eff.rlim_cur > 4096 ? 4096 : (int)eff.rlim_cur;
    int reserve = limit / 8 > FLOOD_RESERVE ? limit / 8 : FLOOD_RESERVE;
    OHIPCRemoteStub *app = OH_IPCRemoteStub_Create("ncp.test.IApp", app_request, NULL, NULL);

    /* A parcel takes 32 descriptors, not 250: the sender is told at once. */
    int r = flood(child, app, 1, 250, 1, 1);
    struct flood_result fr = flood_report(child);
    ok(r == 0 && fr.ok == 0 && fr.first_err == OH_IPC_PARCEL_WRITE_ERROR,
       "fdflood (%s, %s): a request with 250 descriptors fails in the sender with OH_IPC_PARCEL_WRITE_ERROR (%d)", h,
       mode, fr.first_err);

    const struct {
        int mode, threads;
        const char *name;
    } kinds[] = { { 1, 2, "one-way" }, { 2, 4, "two-way" } };
    for (size_t k = 0; k < 2; k++) {
        /* The app's handler holds what it gets until the flood is over. */
        atomic_store(&hold_requests, true);
        atomic_store(&app_requests, 0);
        r = flood(child, app, kinds[k].mode, 32, kinds[k].threads, 3);
        int max_fds;
        bool own;
        watch_flood(4, &max_fds, &own);
        ok(r == 0 && own && max_fds <= limit - reserve,
           "fdflood (%s, %s): %s requests with 32 descriptors each: the app holds at most %d of its %d descriptors "
           "(%d) and its own open() %s", h, mode, kinds[k].name, limit - reserve, limit, max_fds,
           own ? "works" : "FAILED");
        atomic_store(&hold_requests, false);
        fr = flood_report(child);
        settle_fds();
        ok(fr.failed >= 3 && fr.first_err == OH_IPC_INNER_ERROR,
           "fdflood (%s, %s): %s: the sender's requests fail with OH_IPC_INNER_ERROR (%d through, %d failed, first "
           "%d, last %d)", h, mode, kinds[k].name, fr.ok, fr.failed, fr.first_err, fr.last_err);
    }

    /* The app itself nearly fills its table: a peer's descriptor may not take
     * the reserve; the request is refused, the sender told. */
    if (eff.rlim_cur != small.rlim_cur) {
        ok(1, "# SKIP fdflood (%s, %s): the reserve: the descriptor limit stayed %llu (valgrind keeps its own)", h,
           mode, (unsigned long long)eff.rlim_cur);
        goto out;
    }
    int *fill = calloc((size_t)limit, sizeof(int));
    int nfill = 0, fd;
    while (nfill < limit && (fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0) {
        fill[nfill++] = fd;
        if (fd >= limit - reserve + 8)
            break;
    }
    r = flood(child, app, 2, 1, 1, 1);
    fr = flood_report(child);
    for (int i = 0; i < nfill; i++)
        close(fill[i]);
    free(fill);
    ok(r == 0 && fr.ok == 0 && fr.first_err == OH_IPC_INNER_ERROR,
       "fdflood (%s, %s): with %d slots free, a request carrying a descriptor is refused: OH_IPC_INNER_ERROR (%d)", h,
       mode, reserve - 9, fr.first_err);

out:
    setrlimit(RLIMIT_NOFILE, &saved);
    OH_IPCRemoteStub_Destroy(app);
    OH_IPCRemoteProxy_Destroy(child);
    kill_app_children();
}

/* ---- identity: who the app is told is calling, and for how long ---- */

static atomic_int id_calls;
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

static atomic_int id_deaths;
static _Atomic double id_death_at;
static void id_on_death(void *ud)
{
    (void)ud;
    atomic_store(&id_death_at, now_s());
    atomic_fetch_add(&id_deaths, 1);
}

static void identity(bool isolated)
{
    const char *mode = mode_name();
    const char *h = how(isolated);
    alarm(300);
    atomic_store(&healthy_calls, 0);
    atomic_store(&healthy_proxy, NULL);
    int code = create_ipc("libhostile.so", isolated, on_started_healthy);
    for (double end = now_s() + 15; code == NCP_NO_ERROR && atomic_load(&healthy_calls) == 0 && now_s() < end;)
        usleep(2000);
    OHIPCRemoteProxy *child = atomic_exchange(&healthy_proxy, NULL);
    if (!child && isolated && atomic_load(&healthy_code) == NCP_ERR_LIB_LOADING_FAILED && !strcmp(mode, "exec")) {
        ok(1, "# SKIP identity (isolated, exec): no libipc_capi in the sandbox of the build tree");
        kill_app_children();
        return;
    }
    ok(child != NULL, "identity (%s, %s): the child connects (code %d)", h, mode, atomic_load(&healthy_code));
    if (!child) {
        kill_app_children();
        return;
    }
    OHIPCParcel *reply = OH_IPCParcel_Create();
    int32_t pid = 0;
    int r = request(child, 4, reply, OH_IPC_REQUEST_MODE_SYNC, 10);
    OH_IPCParcel_ReadInt32(reply, &pid);
    OHIPCRemoteProxy *second = r == 0 ? OH_IPCParcel_ReadRemoteProxy(reply) : NULL;
    if (second)
        OH_IPCRemoteProxy_Destroy(second);

    /* Our object, kept by the child: it can call us now. */
    OHIPCRemoteStub *app = OH_IPCRemoteStub_Create("ncp.test.IAppId", id_request, NULL, NULL);
    OHIPCParcel *data = OH_IPCParcel_Create();
    OH_IPCParcel_WriteRemoteStub(data, app);
    OH_IPC_MessageOption opt = { .mode = OH_IPC_REQUEST_MODE_SYNC, .timeout = 10 };
    r = OH_IPCRemoteProxy_SendRequest(child, 10, data, reply, &opt);
    OH_IPCParcel_Destroy(data);
    OH_IPCParcel_Destroy(reply);
    ok(r == 0 && pid > 0, "identity (%s, %s): the child (pid %d) holds a proxy to the app's object (%d)", h, mode, pid,
       r);

    /* A request claiming to come from pid 1, uid 0. */
    atomic_store(&id_calls, 0);
    request(child, 11, NULL, OH_IPC_REQUEST_MODE_ASYNC, 0);
    for (double end = now_s() + 10; atomic_load(&id_calls) == 0 && now_s() < end;)
        usleep(2000);
    long long cpid = atomic_load(&id_pid), cuid = atomic_load(&id_uid);
    ok(atomic_load(&id_calls) == 1 && cpid == pid && cuid == (long long)getuid(),
       "identity (%s, %s): a request with forged credentials%s is reported from the child: pid %lld uid %lld", h, mode,
       geteuid() == 0 ? " (pid 1 uid 0)" : " (an unprivileged child can only send its own)", cpid, cuid);

    /* The child forks a process that keeps its sockets, and exits. */
    OHIPCDeathRecipient *dr = OH_IPCDeathRecipient_Create(id_on_death, NULL, NULL);
    atomic_store(&id_deaths, 0);
    OH_IPCRemoteProxy_AddDeathRecipient(child, dr);
    request(child, 9, NULL, OH_IPC_REQUEST_MODE_ASYNC, 0);
    double gone = 0;
    int calls_at_exit = 0;
    for (double end = now_s() + 10; now_s() < end; usleep(2000))
        if (!process_alive(pid)) {
            gone = now_s();
            calls_at_exit = atomic_load(&id_calls);
            break;
        }
    for (double end = now_s() + SLACK_S; gone && atomic_load(&id_deaths) == 0 && now_s() < end;)
        usleep(2000);
    ok(gone && atomic_load(&id_deaths) == 1 && OH_IPCRemoteProxy_IsRemoteDead(child) == 1,
       "identity (%s, %s): the child exited, a process it forked holds its socket: within %.0f s the proxy is dead "
       "and the death recipient ran (%d, %.2f s after the exit)", h, mode, SLACK_S, atomic_load(&id_deaths),
       atomic_load(&id_deaths) ? atomic_load(&id_death_at) - gone : -1.0);
    usleep(3500000); /* the orphan sends requests for 2 s, a second after it saw the child gone */
    ok(atomic_load(&id_calls) == calls_at_exit,
       "identity (%s, %s): no request from that process is served as the child's (%d served after its exit)", h, mode,
       atomic_load(&id_calls) - calls_at_exit);
    OH_IPCRemoteProxy_RemoveDeathRecipient(child, dr);
    OH_IPCDeathRecipient_Destroy(dr);
    OH_IPCRemoteProxy_Destroy(child);
    OH_IPCRemoteStub_Destroy(app);
    kill_app_children();
}

/* ---- slowreader: a child that reads nothing while the app sends to it ---- */

/* NCP_IPC_SEND_TIMEOUT_MS of this scenario (main): a send that cannot
 * progress this long closes the connection. */
#define SLOW_SEND_TIMEOUT_S 3.0

static int big_reply(uint32_t code, const OHIPCParcel *data, OHIPCParcel *reply, void *ud)
{
    (void)data, (void)ud;
    static uint8_t chunk[32768];
    return code == 8 ? OH_IPCParcel_WriteBuffer(reply, chunk, sizeof(chunk)) : 0;
}

struct sender {
    OHIPCRemoteProxy *proxy;
    int sent, result;
    double longest;
    atomic_bool done;
};

/* One-way requests of 30 KB without a timeout until one fails. */
static void *send_unbounded(void *arg)
{
    struct sender *s = arg;
    OHIPCParcel *data = OH_IPCParcel_Create();
    static uint8_t chunk[30000];
    OH_IPCParcel_WriteBuffer(data, chunk, sizeof(chunk));
    OH_IPC_MessageOption opt = { .mode = OH_IPC_REQUEST_MODE_ASYNC, .timeout = 0 };
    s->result = 0;
    for (double end = now_s() + 60; s->result == 0 && now_s() < end; s->sent++) {
        double t0 = now_s();
        s->result = OH_IPCRemoteProxy_SendRequest(s->proxy, 2, data, NULL, &opt);
        if (now_s() - t0 > s->longest)
            s->longest = now_s() - t0;
    }
    OH_IPCParcel_Destroy(data);
    atomic_store(&s->done, true);
    return NULL;
}

static OHIPCRemoteProxy *ipc_child(bool isolated, const char *what)
{
    atomic_store(&healthy_calls, 0);
    atomic_store(&healthy_proxy, NULL);
    int code = create_ipc("libhostile.so", isolated, on_started_healthy);
    for (double end = now_s() + 15; code == NCP_NO_ERROR && atomic_load(&healthy_calls) == 0 && now_s() < end;)
        usleep(2000);
    OHIPCRemoteProxy *p = atomic_exchange(&healthy_proxy, NULL);
    if (!p && isolated && atomic_load(&healthy_code) == NCP_ERR_LIB_LOADING_FAILED && !strcmp(mode_name(), "exec")) {
        ok(1, "# SKIP slowreader (isolated, exec): no libipc_capi in the sandbox of the build tree");
        return NULL;
    }
    ok(p != NULL, "slowreader (%s, %s): %s connects (code %d)", how(isolated), mode_name(), what,
       atomic_load(&healthy_code));
    return p;
}

/* While the app's thread is blocked sending: another IPC child answers, an
 * args child starts and its exit callback runs, each within BOUND_S. */
static void others_unaffected(OHIPCRemoteProxy *other, const char *while_what, bool isolated)
{
    double t0 = now_s();
    OHIPCParcel *reply = OH_IPCParcel_Create();
    int r = request(other, 2, reply, OH_IPC_REQUEST_MODE_SYNC, 5);
    int32_t sum = 0;
    OH_IPCParcel_ReadInt32(reply, &sum);
    OH_IPCParcel_Destroy(reply);
    double t_ipc = now_s() - t0;
    int32_t pid = -1;
    NativeChildProcess_Args args = { .entryParams = (char *)"" };
    NativeChildProcess_Options o = { .isolationMode = NCP_ISOLATION_MODE_NORMAL };
    t0 = now_s();
    int code = OH_Ability_StartNativeChildProcess("libtestentry.so:Hold", args, o, &pid);
    atomic_store(&exit_pid, 0);
    if (code == NCP_NO_ERROR)
        OH_Ability_KillChildProcess(pid);
    while (code == NCP_NO_ERROR && atomic_load(&exit_pid) != pid && now_s() - t0 < 20)
        usleep(2000);
    double t_exit = now_s() - t0;
    ok(r == 0 && sum == 3 && t_ipc < BOUND_S && code == NCP_NO_ERROR && atomic_load(&exit_pid) == pid &&
           t_exit < BOUND_S,
       "slowreader (%s, %s): %s, another IPC child answers (%.2f s) and a start and its exit callback come (%.2f s)",
       how(isolated), mode_name(), while_what, t_ipc, t_exit);
}

static void slow_reader(bool isolated)
{
    const char *mode = mode_name();
    const char *h = how(isolated);
    alarm(300);
    OHIPCRemoteProxy *other = ipc_child(false, "a healthy child");
    OHIPCRemoteProxy *silent = ipc_child(isolated, "the child that will not read");
    if (!other || !silent) {
        if (other)
            OH_IPCRemoteProxy_Destroy(other);
        if (silent)
            OH_IPCRemoteProxy_Destroy(silent);
        kill_app_children();
        return;
    }

    /* The app sends: the child stopped (SIGSTOP), its socket fills. */
    OHIPCParcel *reply = OH_IPCParcel_Create();
    int32_t pid = 0;
    request(silent, 4, reply, OH_IPC_REQUEST_MODE_SYNC, 10);
    OH_IPCParcel_ReadInt32(reply, &pid);
    OH_IPCParcel_Destroy(reply);
    request(silent, 3, NULL, OH_IPC_REQUEST_MODE_ASYNC, 0);
    stopped(pid, 10);
    struct sender s = { .proxy = silent };
    atomic_store(&s.done, false);
    pthread_t th;
    pthread_create(&th, NULL, send_unbounded, &s);
    usleep(1000000); /* its queue is full by now: the sender waits */
    others_unaffected(other, "the app's thread blocked sending to a child that does not read", isolated);
    for (double end = now_s() + SLOW_SEND_TIMEOUT_S + 10; !atomic_load(&s.done) && now_s() < end;)
        usleep(5000);
    bool done = atomic_load(&s.done);
    ok(done && s.result == OH_IPC_DEAD_REMOTE_OBJECT && s.longest < SLOW_SEND_TIMEOUT_S + SLACK_S,
       "slowreader (%s, %s): a one-way request without a timeout returns once the send timeout (%.0f s) passed: "
       "OH_IPC_DEAD_REMOTE_OBJECT (%d after %d; longest %.2f s)", h, mode, SLOW_SEND_TIMEOUT_S, s.result, s.sent,
       s.longest);
    if (!done)
        kill_app_children();
    pthread_join(th, NULL);
    OH_IPCRemoteProxy_Destroy(silent);
    kill(pid, SIGKILL);

    /* The app answers: a child sends requests and never reads the replies. */
    silent = ipc_child(isolated, "a child that reads no reply");
    if (!silent) {
        OH_IPCRemoteProxy_Destroy(other);
        kill_app_children();
        return;
    }
    OHIPCDeathRecipient *dr = OH_IPCDeathRecipient_Create(id_on_death, NULL, NULL);
    atomic_store(&id_deaths, 0);
    OH_IPCRemoteProxy_AddDeathRecipient(silent, dr);
    OHIPCRemoteStub *app = OH_IPCRemoteStub_Create("ncp.test.IAppBig", big_reply, NULL, NULL);
    OHIPCParcel *data = OH_IPCParcel_Create();
    reply = OH_IPCParcel_Create();
    OH_IPCParcel_WriteRemoteStub(data, app);
    OH_IPC_MessageOption opt = { .mode = OH_IPC_REQUEST_MODE_SYNC, .timeout = 10 };
    int r = request(silent, 4, reply, OH_IPC_REQUEST_MODE_SYNC, 10);
    OHIPCRemoteProxy *second = r == 0 ? (OH_IPCParcel_ReadInt32(reply, &pid), OH_IPCParcel_ReadRemoteProxy(reply)) : NULL;
    if (second)
        OH_IPCRemoteProxy_Destroy(second);
    r = r == 0 ? OH_IPCRemoteProxy_SendRequest(silent, 10, data, reply, &opt) : r;
    OH_IPCParcel_Destroy(data);
    OH_IPCParcel_Destroy(reply);
    double t0 = now_s();
    request(silent, 12, NULL, OH_IPC_REQUEST_MODE_ASYNC, 0);
    usleep(1000000);
    others_unaffected(other, "the app's worker blocked replying to a child that reads none", isolated);
    for (double end = now_s() + SLOW_SEND_TIMEOUT_S + 10; atomic_load(&id_deaths) == 0 && now_s() < end;)
        usleep(5000);
    double t = now_s() - t0;
    ok(r == 0 && atomic_load(&id_deaths) == 1 && t < 3 + SLOW_SEND_TIMEOUT_S + SLACK_S,
       "slowreader (%s, %s): the connection to it closes once a reply could not be sent for the send timeout "
       "(%.2f s after its 3 s of requests began)", h, mode, t);
    OH_IPCRemoteProxy_RemoveDeathRecipient(silent, dr);
    OH_IPCDeathRecipient_Destroy(dr);
    OH_IPCRemoteProxy_Destroy(silent);
    OH_IPCRemoteStub_Destroy(app);
    OH_IPCRemoteProxy_Destroy(other);
    kill_app_children();
}

/* ---- zombies: a child that never reaps its own ---- */

/* A line from fd within secs, or "" */
static void read_line(int fd, char *buf, size_t size, double secs)
{
    size_t n = 0;
    buf[0] = '\0';
    for (double end = now_s() + secs; n + 1 < size && now_s() < end;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, 100) <= 0)
            continue;
        ssize_t k = read(fd, buf + n, size - 1 - n);
        if (k <= 0)
            break;
        n += (size_t)k;
        buf[n] = '\0';
        if (strchr(buf, '\n'))
            break;
    }
}

/* Starts libhostile_zombies.so's entry with params; its report comes on *rfd. */
/* Starts an args entry of libhostile_zombies.so with an fd "out" (the read
 * end in *rfd); an isolated Zombies child gets RLIMIT_NPROC 64. */
static int start_hostile_args(const char *entry, bool isolated, const char *params, int32_t *pid, int *rfd)
{
    int pp[2];
    if (pipe2(pp, O_CLOEXEC) < 0)
        return -1;
    NativeChildProcess_Fd out = { .fdName = (char *)"out", .fd = pp[1] };
    NativeChildProcess_Args args = { .entryParams = (char *)params, .fdList = { .head = &out } };
    Ability_ChildProcessConfigs *c = OH_Ability_CreateChildProcessConfigs();
    OH_Ability_ChildProcessConfigs_SetIsolationMode(c, isolated ? NCP_ISOLATION_MODE_ISOLATED : NCP_ISOLATION_MODE_NORMAL);
    if (isolated && !strcmp(entry, "Zombies")) {
        NCP_ChildProcessConfigs_SetLimit(c, NCP_LIMIT_NPROC, 64);
        /* The kernel does not apply RLIMIT_NPROC to host uid 0. */
        if (geteuid() == 0)
            OH_Ability_ChildProcessConfigs_SetIsolationUid(c, true);
    }
    char lib_entry[64];
    snprintf(lib_entry, sizeof(lib_entry), "libhostile_zombies.so:%s", entry);
    int code = OH_Ability_StartNativeChildProcessWithConfigs(lib_entry, args, c, pid);
    OH_Ability_DestroyChildProcessConfigs(c);
    close(pp[1]);
    *rfd = pp[0];
    return code;
}

static int start_zombies(bool isolated, const char *params, int32_t *pid, int *rfd)
{
    return start_hostile_args("Zombies", isolated, params, pid, rfd);
}

static atomic_int exit_calls;
static void on_exit_count(int32_t pid, int32_t sig)
{
    atomic_fetch_add(&exit_calls, 1);
    on_exit_cb(pid, sig);
}

static void zombies(bool isolated)
{
    const char *mode = mode_name();
    const char *h = how(isolated);
    alarm(300);
    OH_Ability_RegisterNativeChildProcessExitCallback(on_exit_count);
    int32_t pid = -1;
    int rfd = -1;
    char line[128];
    int forked = -1, err = -1;
    int code = start_zombies(isolated, "300 hold", &pid, &rfd);
    read_line(rfd, line, sizeof(line), 15);
    close(rfd);
    sscanf(line, "forked %d errno %d", &forked, &err);
    if (isolated)
        ok(code == NCP_NO_ERROR && forked >= 1 && forked <= 64 && err == EAGAIN,
           "zombies (%s, %s): the child's forks stop at its RLIMIT_NPROC of 64 (%d forked, errno %d)", h, mode,
           forked, err);
    else
        ok(code == NCP_NO_ERROR && forked == 300, "zombies (%s, %s): the child forked 300 children it never reaps (%d)",
           h, mode, forked);

    /* Meanwhile another child starts, and ends with its exit callback. */
    int32_t other = -1;
    NativeChildProcess_Args args = { .entryParams = (char *)"" };
    NativeChildProcess_Options o = { .isolationMode = NCP_ISOLATION_MODE_NORMAL };
    double t0 = now_s();
    int code2 = OH_Ability_StartNativeChildProcess("libtestentry.so:Hold", args, o, &other);
    atomic_store(&exit_pid, 0);
    atomic_store(&exit_calls, 0);
    if (code2 == NCP_NO_ERROR)
        OH_Ability_KillChildProcess(other);
    while (code2 == NCP_NO_ERROR && atomic_load(&exit_pid) != other && now_s() - t0 < 20)
        usleep(2000);
    double t = now_s() - t0;
    ok(code2 == NCP_NO_ERROR && atomic_load(&exit_pid) == other && atomic_load(&exit_calls) == 1 && t < BOUND_S &&
           count_zombies() == 0,
       "zombies (%s, %s): meanwhile another child starts and its exit callback runs once (%.2f s); no zombie among "
       "the app's own children", h, mode, t);

    /* Its end: one exit callback, its own, whatever its children were. */
    atomic_store(&exit_pid, 0);
    atomic_store(&exit_calls, 0);
    OH_Ability_KillChildProcess(pid);
    int status = -1;
    int w = (int)NCP_WaitChildProcess(pid, &status, 10000);
    usleep(300000); /* a callback for anything else would come now */
    ok(w == NCP_NO_ERROR && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && atomic_load(&exit_pid) == pid &&
           atomic_load(&exit_sig) == SIGKILL && atomic_load(&exit_calls) == 1,
       "zombies (%s, %s): killed, it ends with SIGKILL: one exit callback, for it (%d callbacks)", h, mode,
       atomic_load(&exit_calls));

    /* The same child returning: its own status is reported, not a zombie's
     * (they exit with 7), and no callback comes (it was not killed). */
    atomic_store(&exit_calls, 0);
    code = start_zombies(isolated, "100 exit", &pid, &rfd);
    read_line(rfd, line, sizeof(line), 15);
    close(rfd);
    status = -1;
    w = code == NCP_NO_ERROR ? (int)NCP_WaitChildProcess(pid, &status, 10000) : -1;
    usleep(300000);
    ok(w == NCP_NO_ERROR && WIFEXITED(status) && WEXITSTATUS(status) == 0 && atomic_load(&exit_calls) == 0,
       "zombies (%s, %s): one that returns leaving its zombies ends with its own status 0 (%#x), no callback (%d)", h,
       mode, status, atomic_load(&exit_calls));
    OH_Ability_RegisterNativeChildProcessExitCallback(on_exit_cb);
    kill_app_children();
}

/* ---- inflight: the user's descriptors in flight at the kernel's limit ---- */

/* The kernel refuses SCM_RIGHTS (ETOOMANYREFS) while more of a user's
 * descriptors are in flight than the sender's RLIMIT_NOFILE; a child of the
 * same user can get there by sending descriptors nobody reads.  A start
 * passes descriptors at every step, so it waits (up to
 * NCP_INFLIGHT_WAIT_MS, 3 s) instead of failing: here the child holds the
 * budget 1 s, and another child's start must work. */
static void inflight(bool isolated)
{
    const char *mode = mode_name(), *h = how(isolated);
    int32_t pid = -1;
    int rfd = -1;
    char line[128] = "";
    long held = 0;
    int code = start_hostile_args("Inflight", isolated, "1000", &pid, &rfd);
    read_line(rfd, line, sizeof(line), 15);
    close(rfd);
    line[strcspn(line, "\n")] = '\0';
    bool full = sscanf(line, "full %ld", &held) == 1;
    if (code != NCP_NO_ERROR || (!full && strncmp(line, "nolimit", 7))) {
        ok(false, "inflight (%s, %s): the child fills its user's descriptors in flight (code %d, \"%s\")", h, mode,
           code, line);
        return;
    }
    if (!full) {
        /* Root (CAP_SYS_RESOURCE) is not bounded; the unprivileged pass is. */
        ok(1, "# SKIP inflight (%s, %s): this user's descriptors in flight are not bounded (%s)", h, mode, line);
    } else {
        double t0 = now_s();
        int status = -1;
        char *text = run_child("libtestentry.so:Main", "inflight", NULL, &status);
        double t = now_s() - t0;
        bool ran = strstr(text, "params=inflight") && WIFEXITED(status) && WEXITSTATUS(status) == 0;
        ok(ran, "inflight (%s, %s): while a child holds %ld descriptors in flight, all the kernel lets it, another "
           "child's start works (%.2f s)", h, mode, held, t);
        if (!ran)
            diag("it gave: status %#x, \"%s\"", status, text);
        free(text);
    }
    int status = -1;
    int w = (int)NCP_WaitChildProcess(pid, &status, 10000);
    ok(w == NCP_NO_ERROR && WIFEXITED(status) && WEXITSTATUS(status) == 0,
       "inflight (%s, %s): the child lets them go and ends with status 0 (%#x)", h, mode, status);
}

/* ---- forgelog: a report detail that looks like log lines ---- */

static void forge_run(void *arg)
{
    bool isolated = *(bool *)arg;
    int32_t pid = -1;
    NativeChildProcess_Args args = { .entryParams = (char *)"" };
    NativeChildProcess_Options o = { .isolationMode = isolated ? NCP_ISOLATION_MODE_ISOLATED : NCP_ISOLATION_MODE_NORMAL };
    if (OH_Ability_StartNativeChildProcess("libhostile_forgelog.so:Main", args, o, &pid) == NCP_NO_ERROR)
        NCP_WaitChildProcess(pid, NULL, 10000);
    usleep(300000); /* the supervisor logs the reports as it handles the end */
}

static void forge_log(bool isolated)
{
    /* NCP_LOG=info was set before the library's first log line (main). */
    char *text = capture_stderr(forge_run, &isolated);
    bool forged_line = false, seen_escaped = false;
    for (char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (!strncmp(line, "child_process[1]:", 17) || strstr(line, "\033"))
            forged_line = true;
        if (strstr(line, "FORGED") && strstr(line, "child reports") && strstr(line, "\\x0a"))
            seen_escaped = true;
    }
    ok(!forged_line, "forgelog (%s, %s): no line of the app's stderr is the child's forgery", how(isolated),
       mode_name());
    ok(seen_escaped, "forgelog (%s, %s): the child's text is there, escaped and attributed to the child",
       how(isolated), mode_name());
    free(text);
}

/* ---- reportflood: reports without end ---- */

static void flood_run(void *arg)
{
    bool isolated = *(bool *)arg;
    const char *mode = mode_name();
    int code = create_ipc("libhostile_reportflood.so", isolated, on_started_hostile);
    is_int(code, NCP_NO_ERROR, "reportflood (%s, %s): the hostile child starts", how(isolated), mode);
    usleep(1000000); /* it floods from its constructor */

    int32_t pid = -1;
    NativeChildProcess_Args args = { .entryParams = (char *)"" };
    NativeChildProcess_Options o = { .isolationMode = NCP_ISOLATION_MODE_NORMAL };
    double t0 = now_s();
    code = OH_Ability_StartNativeChildProcess("libtestentry.so:Hold", args, o, &pid);
    double t_start = now_s() - t0;
    atomic_store(&exit_pid, 0);
    t0 = now_s();
    if (code == NCP_NO_ERROR)
        OH_Ability_KillChildProcess(pid);
    while (code == NCP_NO_ERROR && atomic_load(&exit_pid) != pid && now_s() - t0 < 20)
        usleep(2000);
    double t_exit = now_s() - t0;
    ok(code == NCP_NO_ERROR && t_start < BOUND_S && atomic_load(&exit_pid) == pid && t_exit < BOUND_S,
       "reportflood (%s, %s): another start (%.2f s) and its exit callback (%.2f s) are not held up", how(isolated),
       mode, t_start, t_exit);
    kill_app_children();
    usleep(300000);
}

static void report_flood(bool isolated)
{
    /* NCP_LOG=info was set before the library's first log line (main):
     * every failure report taken is logged. */
    char *text = capture_stderr(flood_run, &isolated);
    int taken = 0, refused = 0;
    for (char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        taken += strstr(line, "FLOOD ") != NULL;
        refused += strstr(line, "sent more than 16 launch reports; ignoring the rest") != NULL;
    }
    ok(taken > 0 && taken <= 16 && refused == 1,
       "reportflood (%s, %s): %d of the child's reports taken, then its launch socket left unread (%d warning)",
       how(isolated), mode_name(), taken, refused);
    free(text);
}

static void scenario(void (*fn)(bool))
{
    OH_Ability_RegisterNativeChildProcessExitCallback(on_exit_cb);
    /* warm up: the supervisor, the zygote */
    int32_t pid = -1;
    NativeChildProcess_Args args = { .entryParams = (char *)"" };
    NativeChildProcess_Options o = { .isolationMode = NCP_ISOLATION_MODE_NORMAL };
    if (OH_Ability_StartNativeChildProcess("libtestentry.so:Main", args, o, &pid) == NCP_NO_ERROR)
        NCP_WaitChildProcess(pid, NULL, 10000);
    struct census base = census_stable();
    fn(false);
    fn(true);
    census_check("hostile children", &base);
}

static void linger_both(bool isolated)
{
    linger_launch(isolated);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        setvbuf(stdout, NULL, _IOLBF, 0);
        app_setup("hostile", 64);
        if (!strcmp(argv[1], "linger"))
            scenario(linger_both);
        else if (!strcmp(argv[1], "lingerreply"))
            scenario(linger_reply);
        else if (!strcmp(argv[1], "silent"))
            scenario(silent);
        else if (!strcmp(argv[1], "fdflood"))
            scenario(fd_flood);
        else if (!strcmp(argv[1], "identity"))
            scenario(identity);
        else if (!strcmp(argv[1], "zombies"))
            scenario(zombies);
        else if (!strcmp(argv[1], "inflight"))
            scenario(inflight);
        else if (!strcmp(argv[1], "slowreader")) {
            setenv("NCP_IPC_SEND_TIMEOUT_MS", "3000", 1);
            scenario(slow_reader);
        }
        else if (!strcmp(argv[1], "forgelog")) {
            setenv("NCP_LOG", "info", 1); /* where the failed stage's detail is logged */
            scenario(forge_log);
        } else if (!strcmp(argv[1], "reportflood")) {
            setenv("NCP_LOG", "info", 1);
            scenario(report_flood);
        }
        int failed = tap_done();
        rm_rf(app_runtime);
        return failed;
    }
    const char *exec_env[] = { "NCP_SPAWN_MODE=exec", NULL };
    const char *scenarios[] = { "linger",  "lingerreply", "silent",   "fdflood",    "identity",
                                "zombies", "inflight",    "slowreader", "forgelog", "reportflood" };
    for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
        run_scenario(argv[0], scenarios[i], NULL);
        run_scenario(argv[0], scenarios[i], exec_env);
    }
    return tap_done();
}
