/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPC children's shutdown and the exit callbacks, as the reference's
 * conformance suite exercises them: the reply to the request that ends
 * MainProc arrives, an exit request sent the moment the start callback
 * returns is honoured, nothing is left running to fill the 50-child limit,
 * a crashed IPC child reports its signal to the exit callbacks, and a wait
 * returns a child's end only after its exit callbacks ran.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>

#include <IPCKit/ipc_kit.h>

#include "../tap.h"
#include "child-helpers.h"

#define CYCLES 200
enum { EXIT_CODE = 1, STATE_CODE = 2 };

static atomic_int started_calls, started_code;
static _Atomic(OHIPCRemoteProxy *) started_proxy;

static void on_started(int code, OHIPCRemoteProxy *proxy)
{
    atomic_store(&started_code, code);
    atomic_store(&started_proxy, proxy);
    atomic_fetch_add(&started_calls, 1);
}

/* Starts lib and returns its proxy the moment the callback has returned
 * (spinning: no wakeup delay between the two), or NULL. */
static OHIPCRemoteProxy *create(const char *lib)
{
    int before = atomic_load(&started_calls);
    atomic_store(&started_proxy, NULL);
    int code = OH_Ability_CreateNativeChildProcess(lib, on_started);
    if (code != NCP_NO_ERROR) {
        diag("Create(%s) -> %d", lib, code);
        return NULL;
    }
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (atomic_load(&started_calls) == before) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        if (t.tv_sec - t0.tv_sec > 15) {
            diag("no start callback for %s", lib);
            return NULL;
        }
    }
    if (atomic_load(&started_code) != NCP_NO_ERROR)
        diag("start callback -> %d", atomic_load(&started_code));
    return atomic_load(&started_proxy);
}

/* Sends code; the reply's {answer, pid}.  Returns the request's result. */
static int call(OHIPCRemoteProxy *proxy, uint32_t code, int32_t *answer, int32_t *pid)
{
    OHIPCParcel *data = OH_IPCParcel_Create(), *reply = OH_IPCParcel_Create();
    OH_IPCParcel_WriteInt32(data, 0);
    int r = OH_IPCRemoteProxy_SendRequest(proxy, code, data, reply, NULL);
    if (r == 0 && (OH_IPCParcel_ReadInt32(reply, answer) || OH_IPCParcel_ReadInt32(reply, pid)))
        r = -1;
    OH_IPCParcel_Destroy(data);
    OH_IPCParcel_Destroy(reply);
    return r;
}

/* Item 1: MainProc is running; the exit request ends it and its reply must
 * still arrive. */
static void test_reply_to_exit(void)
{
    int replies = 0, ended = 0, cycles = 0;
    for (int i = 0; i < CYCLES; i++) {
        OHIPCRemoteProxy *proxy = create("libipcexit.so");
        if (!proxy)
            break;
        cycles++;
        int32_t running = 0, pid = -1, honoured = 0;
        for (int k = 0; k < 5000 && call(proxy, STATE_CODE, &running, &pid) == 0 && !running; k++)
            usleep(1000);
        int r = call(proxy, EXIT_CODE, &honoured, &pid);
        if (r == 0 && honoured)
            replies++;
        else if (replies + 3 > i)
            diag("cycle %d: exit request -> %d, honoured %d", i, r, honoured);
        int status = -1;
        if (pid > 0 && NCP_WaitChildProcess(pid, &status, 10000) == NCP_NO_ERROR && WIFEXITED(status) &&
            WEXITSTATUS(status) == 0)
            ended++;
        OH_IPCRemoteProxy_Destroy(proxy);
    }
    diag("reply to the exit request: %d of %d cycles; children ended: %d", replies, cycles, ended);
    is_int(replies, CYCLES, "the reply to the request that ends MainProc arrives (%d cycles)", CYCLES);
    is_int(ended, CYCLES, "and every child ends with status 0");
}

/* Item 2: the exit request goes out the moment the start callback returned;
 * MainProc must already run, or the child ignores it and never ends. */
static void test_exit_right_after_start(void)
{
    int ended = 0, honoured_n = 0, cycles = 0;
    for (int i = 0; i < CYCLES; i++) {
        OHIPCRemoteProxy *proxy = create("libipcexit.so");
        if (!proxy)
            break;
        cycles++;
        int32_t honoured = 0, pid = -1;
        int r = call(proxy, EXIT_CODE, &honoured, &pid);
        honoured_n += r == 0 && honoured;
        int status = -1;
        if (pid > 0 && NCP_WaitChildProcess(pid, &status, honoured ? 10000 : 1000) == NCP_NO_ERROR)
            ended++;
        else if (pid > 0) {
            /* Ignored: ask again now that MainProc runs, so that it ends. */
            call(proxy, EXIT_CODE, &honoured, &pid);
            NCP_WaitChildProcess(pid, &status, 10000);
        }
        OH_IPCRemoteProxy_Destroy(proxy);
    }
    diag("exit request right after the start callback: honoured %d, ended %d of %d cycles", honoured_n, ended,
         cycles);
    is_int(ended, CYCLES, "an exit request sent as the start callback returns ends the child (%d cycles)", CYCLES);
}

/* Item 3: nothing was left behind: 50 IPC children start and leave. */
static void test_limit_free(void)
{
    OHIPCRemoteProxy *proxies[50];
    int n = 0, ended = 0;
    for (int i = 0; i < 50; i++)
        if ((proxies[n] = create("libipcexit.so")))
            n++;
    is_int(n, 50, "after the cycles, 50 IPC children start (none left over holding a place)");
    for (int i = 0; i < n; i++) {
        int32_t running = 0, pid = -1, honoured = 0;
        for (int k = 0; k < 5000 && call(proxies[i], STATE_CODE, &running, &pid) == 0 && !running; k++)
            usleep(1000);
        int status;
        (void)call(proxies[i], EXIT_CODE, &honoured, &pid);
        if (pid > 0 && NCP_WaitChildProcess(pid, &status, 10000) == 0)
            ended++;
        OH_IPCRemoteProxy_Destroy(proxies[i]);
    }
    is_int(ended, n, "and all of them end");
}

static atomic_int exit_calls, exit_pid, exit_sig;
static void on_exit_cb(int32_t pid, int32_t sig)
{
    atomic_store(&exit_pid, pid);
    atomic_store(&exit_sig, sig);
    atomic_fetch_add(&exit_calls, 1);
}

/* libipcchild.so: code 7 aborts, code 8 tells the pid, code 1 leaves. */
static pid_t ipcchild_pid(OHIPCRemoteProxy *proxy)
{
    OHIPCParcel *data = OH_IPCParcel_Create(), *reply = OH_IPCParcel_Create();
    OH_IPCParcel_WriteInterfaceToken(data, "ncp.test.IpcChild");
    int32_t pid = -1;
    if (OH_IPCRemoteProxy_SendRequest(proxy, 8, data, reply, NULL) == 0)
        OH_IPCParcel_ReadInt32(reply, &pid);
    OH_IPCParcel_Destroy(data);
    OH_IPCParcel_Destroy(reply);
    return pid;
}

static void ipcchild_send(OHIPCRemoteProxy *proxy, uint32_t code)
{
    OHIPCParcel *data = OH_IPCParcel_Create(), *reply = OH_IPCParcel_Create();
    OH_IPCParcel_WriteInterfaceToken(data, "ncp.test.IpcChild");
    (void)OH_IPCRemoteProxy_SendRequest(proxy, code, data, reply, NULL);
    OH_IPCParcel_Destroy(data);
    OH_IPCParcel_Destroy(reply);
}

/* Items 4 and 5: a crashed IPC child's signal reaches the exit callbacks,
 * a clean exit does not, and the wait returns only after the callbacks. */
static void test_ipc_exit_callback(void)
{
    OHIPCRemoteProxy *proxy = create("libipcchild.so");
    pid_t pid = proxy ? ipcchild_pid(proxy) : -1;
    int before = atomic_load(&exit_calls);
    ipcchild_send(proxy, 7);
    int status = -1;
    is_int(NCP_WaitChildProcess(pid, &status, 10000), NCP_NO_ERROR, "the crashed IPC child's end is waited for");
    ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT, "it died of SIGABRT (status 0x%x)", status);
    int at_return = atomic_load(&exit_calls) - before;
    for (int i = 0; i < 500 && atomic_load(&exit_calls) == before; i++)
        usleep(10000);
    is_int(atomic_load(&exit_calls) - before, 1, "the exit callback ran once for the IPC child");
    ok(atomic_load(&exit_pid) == pid && atomic_load(&exit_sig) == SIGABRT, "with its pid and SIGABRT (%d, %d)",
       atomic_load(&exit_pid), atomic_load(&exit_sig));
    is_int(at_return, 1, "and before NCP_WaitChildProcess returned");
    if (proxy)
        OH_IPCRemoteProxy_Destroy(proxy);

    proxy = create("libipcchild.so");
    pid = proxy ? ipcchild_pid(proxy) : -1;
    before = atomic_load(&exit_calls);
    ipcchild_send(proxy, 1);
    NCP_WaitChildProcess(pid, &status, 10000);
    usleep(100000);
    is_int(atomic_load(&exit_calls) - before, 0, "a clean IPC exit runs no exit callback");
    if (proxy)
        OH_IPCRemoteProxy_Destroy(proxy);
}

/* Item 5: for args children too, 50 times: the callback ran when the wait returns. */
static void test_wait_after_callbacks(void)
{
    int in_order = 0, runs = 50;
    for (int i = 0; i < runs; i++) {
        int32_t pid = -1;
        NativeChildProcess_Args args = { .entryParams = (char *)"segv" };
        NativeChildProcess_Options o = { .isolationMode = NCP_ISOLATION_MODE_NORMAL };
        int before = atomic_load(&exit_calls);
        if (OH_Ability_StartNativeChildProcess("libtestentry.so:Crash", args, o, &pid) != NCP_NO_ERROR)
            break;
        int status = -1;
        if (NCP_WaitChildProcess(pid, &status, 10000) == NCP_NO_ERROR && atomic_load(&exit_calls) - before == 1 &&
            atomic_load(&exit_pid) == pid && atomic_load(&exit_sig) == SIGSEGV)
            in_order++;
        for (int k = 0; k < 500 && atomic_load(&exit_calls) == before; k++)
            usleep(10000);
    }
    is_int(in_order, runs, "an args child's exit callback has run when NCP_WaitChildProcess returns its end");
}

int main(void)
{
    setenv("NCP_BUNDLE_NAME", "com.example.ipcexit", 1);
    signal(SIGPIPE, SIG_IGN);
    OH_Ability_RegisterNativeChildProcessExitCallback(on_exit_cb);
    test_reply_to_exit();
    test_exit_right_after_start();
    test_limit_free();
    test_ipc_exit_callback();
    test_wait_after_callbacks();
    is_int(count_zombies(), 0, "no zombies");
    return tap_done();
}
