/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hostile children, at the child-process level (tests/ipc/test-ipc-hostile.c
 * feeds raw frames to the IPC library over a socket pair; here a real child
 * started by OH_Ability_CreateNativeChildProcess misbehaves, see
 * tests/fault/libhostile.c):
 *   on its IPC socket   malformed frames, huge lengths and counts, floods of
 *                       descriptors, a child that stops reading
 *   on its launch socket  garbage, 4 MB of it, half a report, reports with
 *                       bad fields, a forged "running" report
 * The parent must survive, never hang, report the child dead (the proxy says
 * so, the death recipient runs once, the child's end is reported), and leak
 * nothing.
 */
#include <pthread.h>
#include <stdatomic.h>

#include <IPCKit/ipc_kit.h>

#include "fault-util.h"

static char pidfile[300];

static pid_t read_pidfile(int timeout_ms)
{
    for (double end = now_s() + timeout_ms / 1000.0; now_s() < end; usleep(5000)) {
        FILE *f = fopen(pidfile, "re");
        int pid = 0;
        if (f) {
            if (fscanf(f, "%d", &pid) != 1)
                pid = 0;
            fclose(f);
        }
        if (pid > 0)
            return pid;
    }
    return -1;
}

static atomic_int started_calls, started_code, deaths;
static OHIPCRemoteProxy *_Atomic started_proxy;

static void on_started(int code, OHIPCRemoteProxy *proxy)
{
    atomic_store(&started_code, code);
    atomic_store(&started_proxy, proxy);
    atomic_fetch_add(&started_calls, 1);
}

static void on_death(void *ud)
{
    (void)ud;
    atomic_fetch_add(&deaths, 1);
}

/* Starts libhostile as an IPC child; waits for the one start callback. */
static int create_hostile(int *code, OHIPCRemoteProxy **proxy, pid_t *pid)
{
    unlink(pidfile);
    atomic_store(&started_calls, 0);
    atomic_store(&started_proxy, NULL);
    int r = OH_Ability_CreateNativeChildProcess("libhostile.so", on_started);
    if (r != NCP_NO_ERROR)
        return r;
    for (double end = now_s() + 15; atomic_load(&started_calls) == 0 && now_s() < end;)
        usleep(2000);
    usleep(100000);
    *code = atomic_load(&started_code);
    *proxy = atomic_load(&started_proxy);
    *pid = read_pidfile(5000);
    return atomic_load(&started_calls);
}

static int add(OHIPCRemoteProxy *proxy, int a, int b, int32_t *sum, const OH_IPC_MessageOption *opt)
{
    OHIPCParcel *data = OH_IPCParcel_Create(), *reply = OH_IPCParcel_Create();
    OH_IPCParcel_WriteInt32(data, a);
    OH_IPCParcel_WriteInt32(data, b);
    int r = OH_IPCRemoteProxy_SendRequest(proxy, 2, data, reply, opt);
    if (r == 0 && sum)
        OH_IPCParcel_ReadInt32(reply, sum);
    OH_IPCParcel_Destroy(data);
    OH_IPCParcel_Destroy(reply);
    return r;
}

static bool wait_dead(OHIPCRemoteProxy *proxy, int timeout_ms)
{
    for (double end = now_s() + timeout_ms / 1000.0; now_s() < end; usleep(2000))
        if (OH_IPCRemoteProxy_IsRemoteDead(proxy) && atomic_load(&deaths) > 0)
            return true;
    return false;
}

/* Kills the child and checks that its end is reported as SIGKILL. */
static void end_child(const char *what, pid_t pid)
{
    if (pid <= 0) {
        ok(0, "%s: the child's pid is known", what);
        return;
    }
    kill(pid, SIGKILL);
    int status = -1;
    int r = NCP_WaitChildProcess(pid, &status, 10000);
    ok(r == NCP_NO_ERROR && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
       "%s: the child's end is reported (SIGKILL, status 0x%x)", what, status);
}

/* ---- frames on the IPC socket ---- */

static void hostile_frames(const char *mode)
{
    setenv("HOSTILE_MODE", mode, 1);
    int code = -1;
    OHIPCRemoteProxy *proxy = NULL;
    pid_t pid = -1;
    int calls = create_hostile(&code, &proxy, &pid);
    ok(calls == 1 && code == NCP_NO_ERROR && proxy, "%s: the child connects (%d calls, code %d)", mode, calls, code);
    if (!proxy)
        return;
    atomic_store(&deaths, 0);
    OHIPCDeathRecipient *dr = OH_IPCDeathRecipient_Create(on_death, NULL, NULL);
    OH_IPCRemoteProxy_AddDeathRecipient(proxy, dr);
    usleep(300000); /* the frames are on their way */
    OH_IPC_MessageOption opt = { .mode = OH_IPC_REQUEST_MODE_SYNC, .timeout = 5 };
    double t0 = now_s();
    int32_t sum = 0;
    int r = add(proxy, 2, 3, &sum, &opt);
    ok(r != 0 || sum == 5, "%s: a request after the frames fails or is answered right (%d, %.1f s)", mode, r, now_s() - t0);
    ok(wait_dead(proxy, 10000), "%s: the parent drops the connection: the proxy reports the child dead, the death "
       "recipient ran (%d)", mode, atomic_load(&deaths));
    r = add(proxy, 2, 3, &sum, &opt);
    is_int(r, OH_IPC_DEAD_REMOTE_OBJECT, "%s: later requests -> OH_IPC_DEAD_REMOTE_OBJECT", mode);
    end_child(mode, pid);
    usleep(100000);
    is_int(atomic_load(&deaths), 1, "%s: the death recipient ran exactly once", mode);
    OH_IPCRemoteProxy_RemoveDeathRecipient(proxy, dr);
    OH_IPCDeathRecipient_Destroy(dr);
    OH_IPCRemoteProxy_Destroy(proxy);
    unsetenv("HOSTILE_MODE");
}

struct blocked {
    OHIPCRemoteProxy *proxy;
    int result;
    double took;
};

static void *blocked_request(void *arg)
{
    struct blocked *b = arg;
    double t0 = now_s();
    b->result = add(b->proxy, 1, 1, NULL, NULL); /* no timeout */
    b->took = now_s() - t0;
    return NULL;
}

/* The child stops reading: its handler never returns.  The IPC library
 * gives a peer NCP_IPC_SEND_TIMEOUT_MS (set to 2 s here, 30 s by default) to
 * take a frame, then drops the connection. */
static void hostile_noread(void)
{
    setenv("HOSTILE_MODE", "noread", 1);
    int code = -1;
    OHIPCRemoteProxy *proxy = NULL;
    pid_t pid = -1;
    int calls = create_hostile(&code, &proxy, &pid);
    ok(calls == 1 && code == NCP_NO_ERROR && proxy, "noread: the child connects (%d calls, code %d)", calls, code);
    if (!proxy)
        return;
    atomic_store(&deaths, 0);
    OHIPCDeathRecipient *dr = OH_IPCDeathRecipient_Create(on_death, NULL, NULL);
    OH_IPCRemoteProxy_AddDeathRecipient(proxy, dr);
    struct blocked b = { .proxy = proxy, .result = -1 };
    pthread_t t;
    pthread_create(&t, NULL, blocked_request, &b);
    usleep(200000);
    /* One-way requests into a child that reads nothing: the socket fills. */
    OH_IPC_MessageOption async = { .mode = OH_IPC_REQUEST_MODE_ASYNC };
    double t0 = now_s();
    int sent = 0, failed = 0;
    for (int i = 0; i < 5000 && now_s() - t0 < 20; i++) {
        if (add(proxy, i, i, NULL, &async) == 0)
            sent++;
        else
            failed++;
    }
    double took = now_s() - t0;
    ok(took < 10 && failed > 0, "noread: 5000 one-way requests to a child that stops reading: the sender is held at "
       "most the send timeout, then refused (%d sent, %d refused, %.1f s)", sent, failed, took);
    ok(wait_dead(proxy, 5000), "noread: the parent dropped the connection: the proxy reports the child dead, the death "
       "recipient ran");
    pthread_join(t, NULL);
    is_int(b.result, OH_IPC_DEAD_REMOTE_OBJECT, "noread: the request stuck in the child returns OH_IPC_DEAD_REMOTE_OBJECT "
           "(after %.1f s)", b.took);
    end_child("noread", pid);
    usleep(100000);
    is_int(atomic_load(&deaths), 1, "noread: the death recipient ran exactly once");
    OH_IPCRemoteProxy_RemoveDeathRecipient(proxy, dr);
    OH_IPCDeathRecipient_Destroy(dr);
    OH_IPCRemoteProxy_Destroy(proxy);
    unsetenv("HOSTILE_MODE");
}

/* ---- reports on the launch socket ---- */

static void hostile_launch(const char *how)
{
    setenv("HOSTILE_LAUNCH", how, 1);
    /* an args child */
    int p[2];
    pipe2(p, O_CLOEXEC);
    NativeChildProcess_Fd out = { .fdName = (char *)"out", .fd = p[1] };
    NativeChildProcess_Args args = { .entryParams = (char *)"", .fdList = { .head = &out } };
    NativeChildProcess_Options o = { .isolationMode = NCP_ISOLATION_MODE_NORMAL };
    int32_t pid = -1;
    int code = OH_Ability_StartNativeChildProcess("libhostile.so:Main", args, o, &pid);
    close(p[1]);
    char *text = read_until_eof(p[0], 10000);
    close(p[0]);
    int status = -1;
    int w = NCP_WaitChildProcess(pid, &status, 10000);
    ok(code == NCP_NO_ERROR && w == NCP_NO_ERROR, "launch socket %s (args): the start and the child's end are reported "
       "(status 0x%x, output \"%.*s\")", how, status, (int)strcspn(text, "\n"), text);
    if (!strcmp(how, "partial"))
        ok(WIFEXITED(status) && WEXITSTATUS(status) == 9, "launch socket partial: the child's own exit status (9)");
    else
        ok(strstr(text, "ran") && WIFEXITED(status) && WEXITSTATUS(status) == 0,
           "launch socket %s: the parent ignores what it cannot read; the child runs", how);
    free(text);

    /* an IPC child */
    int icode = -1;
    OHIPCRemoteProxy *proxy = NULL;
    pid_t ipid = -1;
    int calls = create_hostile(&icode, &proxy, &ipid);
    ok(calls == 1 && (icode == NCP_NO_ERROR) == (proxy != NULL),
       "launch socket %s (IPC): exactly one start callback (%d calls, code %d)", how, calls, icode);
    if (proxy) {
        int32_t sum = 0;
        OH_IPC_MessageOption opt = { .mode = OH_IPC_REQUEST_MODE_SYNC, .timeout = 5 };
        int r = add(proxy, 20, 22, &sum, &opt);
        ok(r == 0 && sum == 42, "launch socket %s (IPC): the proxy it got works (%d, %d)", how, r, sum);
        OH_IPCRemoteProxy_Destroy(proxy);
    }
    if (ipid > 0) {
        kill(ipid, SIGKILL);
        NCP_WaitChildProcess(ipid, &status, 10000);
    }
    unsetenv("HOSTILE_LAUNCH");
}

int main(void)
{
    setenv("NCP_IPC_SEND_TIMEOUT_MS", "2000", 1);
    app_setup("fault-ipc", 64);
    /* A short connect timeout: a child whose reports were refused is given up on. */
    FILE *f = fopen(app_conf, "we");
    fprintf(f, "max_children_per_app = 64\nconnect_timeout_ms = 1500\n");
    fclose(f);
    snprintf(pidfile, sizeof(pidfile), "%s/hostile.pid", app_runtime);
    setenv("HOSTILE_PIDFILE", pidfile, 1);

    /* warm up: the supervisor, the zygote and the IPC library's threads */
    int code;
    OHIPCRemoteProxy *proxy = NULL;
    pid_t pid = -1;
    if (create_hostile(&code, &proxy, &pid) == 1 && proxy) {
        OH_IPCRemoteProxy_Destroy(proxy);
        end_child("warm-up", pid);
    }
    struct census base = census_stable();

    const char *frames[] = { "garbage", "huge", "fdflood" };
    for (size_t i = 0; i < 3; i++)
        hostile_frames(frames[i]);
    hostile_noread();
    census_check("hostile IPC children", &base);

    const char *launch[] = { "garbage", "flood", "partial", "badstage", "fakerun" };
    for (size_t i = 0; i < 5; i++)
        hostile_launch(launch[i]);
    census_check("hostile launch reports", &base);
    int failed = tap_done();
    rm_rf(app_runtime);
    return failed;
}
