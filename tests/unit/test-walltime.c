/* SPDX-License-Identifier: Apache-2.0 */
/* The wall-time limit (NCP_ChildProcessConfigs_SetTimeout): validation, and
 * the kill at the deadline for args and IPC children, normal and isolated,
 * seen through NCP_WaitChildProcess, the exit callbacks and the IPC start
 * callback. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>

#include <IPCKit/ipc_kit.h>

#include "../tap.h"
#include "child-helpers.h"

#define LIMIT_MS 300
#define CODE_IDENTITY 8 /* tests/lib/ipcchild.c */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int32_t exit_pid, exit_sig;
static int started_calls, started_code;
static OHIPCRemoteProxy *started_proxy;

static void on_exit_cb(int32_t pid, int32_t sig)
{
    pthread_mutex_lock(&lock);
    exit_pid = pid;
    exit_sig = sig;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
}

static void on_started(int code, OHIPCRemoteProxy *proxy)
{
    pthread_mutex_lock(&lock);
    started_calls++;
    started_code = code;
    started_proxy = proxy;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
}

/* Waits (5 s) until *what becomes nonzero under lock. */
static void wait_for(const int32_t *what)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 5;
    pthread_mutex_lock(&lock);
    while (!*what)
        if (pthread_cond_timedwait(&cond, &lock, &ts) != 0)
            break;
    pthread_mutex_unlock(&lock);
}

static void test_setter(void)
{
    Ability_ChildProcessConfigs *c = OH_Ability_CreateChildProcessConfigs();
    is_int(NCP_ChildProcessConfigs_SetTimeout(NULL, 100), NCP_ERR_INVALID_PARAM, "SetTimeout(NULL configs) -> 401");
    is_int(NCP_ChildProcessConfigs_SetTimeout(c, -1), NCP_ERR_INVALID_PARAM, "SetTimeout(-1) -> 401");
    is_int(NCP_ChildProcessConfigs_SetTimeout(c, INT32_MIN), NCP_ERR_INVALID_PARAM, "SetTimeout(INT32_MIN) -> 401");
    is_int(NCP_ChildProcessConfigs_SetTimeout(c, 0), NCP_NO_ERROR, "SetTimeout(0): no limit -> 0");
    is_int(NCP_ChildProcessConfigs_SetTimeout(c, INT32_MAX), NCP_NO_ERROR, "SetTimeout(INT32_MAX) -> 0");
    OH_Ability_DestroyChildProcessConfigs(c);
}

/* An args child that sleeps 30 s, under a limit of LIMIT_MS. */
static void test_args(NativeChildProcess_IsolationMode mode, const char *what)
{
    Ability_ChildProcessConfigs *c = OH_Ability_CreateChildProcessConfigs();
    OH_Ability_ChildProcessConfigs_SetIsolationMode(c, mode);
    NCP_ChildProcessConfigs_SetTimeout(c, LIMIT_MS);
    pthread_mutex_lock(&lock);
    exit_pid = exit_sig = 0;
    pthread_mutex_unlock(&lock);
    NativeChildProcess_Args args = { .entryParams = (char *)"sleep 30" };
    int32_t pid = -1;
    double t0 = now_ms();
    int code = OH_Ability_StartNativeChildProcessWithConfigs("libprobe-lifetime.so:Probe", args, c, &pid);
    OH_Ability_DestroyChildProcessConfigs(c);
    is_int(code, NCP_NO_ERROR, "%s: a sleeping child with a %d ms limit starts", what, LIMIT_MS);
    int st = 0;
    is_int(NCP_WaitChildProcess(pid, &st, 10000), NCP_NO_ERROR, "%s: it ends", what);
    double took = now_ms() - t0;
    ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "%s: killed by SIGKILL (status 0x%x)", what, st);
    ok(took >= LIMIT_MS - 5 && took < 3000, "%s: at the deadline (%.0f ms)", what, took);
    wait_for(&exit_pid);
    pthread_mutex_lock(&lock);
    ok(exit_pid == pid && exit_sig == SIGKILL, "%s: the exit callback reports signal 9 (pid %d, signal %d)", what,
       (int)exit_pid, (int)exit_sig);
    pthread_mutex_unlock(&lock);
}

/* A child that ends before its limit is not touched. */
static void test_within_limit(void)
{
    Ability_ChildProcessConfigs *c = OH_Ability_CreateChildProcessConfigs();
    NCP_ChildProcessConfigs_SetTimeout(c, 5000);
    int st = 0;
    char *out = run_child("libprobe-lifetime.so:Probe", "sleep 0", c, &st);
    OH_Ability_DestroyChildProcessConfigs(c);
    ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a child that ends within its limit exits normally (status 0x%x)", st);
    free(out);
}

static pid_t ipc_pid(OHIPCRemoteProxy *proxy)
{
    OHIPCParcel *data = OH_IPCParcel_Create(), *reply = OH_IPCParcel_Create();
    OH_IPCParcel_WriteInterfaceToken(data, "ncp.test.IpcChild");
    int32_t pid = -1;
    if (OH_IPCRemoteProxy_SendRequest(proxy, CODE_IDENTITY, data, reply, NULL) == 0)
        OH_IPCParcel_ReadInt32(reply, &pid);
    OH_IPCParcel_Destroy(data);
    OH_IPCParcel_Destroy(reply);
    return pid;
}

static void reset_started(void)
{
    pthread_mutex_lock(&lock);
    started_calls = 0;
    started_code = -1;
    started_proxy = NULL;
    pthread_mutex_unlock(&lock);
}

/* An IPC child that connected and waits in MainProc, under the limit. */
static void test_ipc(NativeChildProcess_IsolationMode mode, const char *what)
{
    Ability_ChildProcessConfigs *c = OH_Ability_CreateChildProcessConfigs();
    OH_Ability_ChildProcessConfigs_SetIsolationMode(c, mode);
    NCP_ChildProcessConfigs_SetTimeout(c, 1000);
    reset_started();
    double t0 = now_ms();
    int code = OH_Ability_CreateNativeChildProcessWithConfigs("libipcchild.so", c, on_started);
    OH_Ability_DestroyChildProcessConfigs(c);
    is_int(code, NCP_NO_ERROR, "%s: Create with a 1000 ms limit -> 0", what);
    wait_for(&started_calls);
    pthread_mutex_lock(&lock);
    OHIPCRemoteProxy *proxy = started_proxy;
    int got = started_code;
    pthread_mutex_unlock(&lock);
    is_int(got, NCP_NO_ERROR, "%s: it connects", what);
    pid_t pid = proxy ? ipc_pid(proxy) : -1;
    int st = 0;
    is_int(NCP_WaitChildProcess(pid, &st, 10000), NCP_NO_ERROR, "%s: it ends", what);
    double took = now_ms() - t0;
    ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "%s: killed by SIGKILL (status 0x%x)", what, st);
    ok(took >= 995 && took < 4000, "%s: at the deadline (%.0f ms)", what, took);
    if (proxy)
        OH_IPCRemoteProxy_Destroy(proxy);
}

/* An IPC child that never connects: the limit comes before the connect
 * timeout, and the start callback says NCP_ERR_TIMEOUT. */
static void test_ipc_not_connected(void)
{
    Ability_ChildProcessConfigs *c = OH_Ability_CreateChildProcessConfigs();
    NCP_ChildProcessConfigs_SetTimeout(c, LIMIT_MS);
    reset_started();
    double t0 = now_ms();
    int code = OH_Ability_CreateNativeChildProcessWithConfigs("libipcslow.so", c, on_started);
    OH_Ability_DestroyChildProcessConfigs(c);
    is_int(code, NCP_NO_ERROR, "an IPC child that never connects, with a %d ms limit -> 0", LIMIT_MS);
    wait_for(&started_calls);
    double took = now_ms() - t0;
    pthread_mutex_lock(&lock);
    is_int(started_code, NCP_ERR_TIMEOUT, "its start callback gets NCP_ERR_TIMEOUT");
    int calls = started_calls;
    pthread_mutex_unlock(&lock);
    ok(took < 2500, "at the wall-time limit, not the connect timeout (%.0f ms)", took);
    usleep(200000);
    is_int(calls, 1, "exactly once");
}

int main(void)
{
    char bundle[64];
    snprintf(bundle, sizeof(bundle), "walltime-test-%d", (int)getpid());
    setenv("NCP_BUNDLE_NAME", bundle, 1);
    OH_Ability_RegisterNativeChildProcessExitCallback(on_exit_cb);
    test_setter();
    test_args(NCP_ISOLATION_MODE_NORMAL, "normal");
    test_args(NCP_ISOLATION_MODE_ISOLATED, "isolated");
    test_within_limit();
    test_ipc(NCP_ISOLATION_MODE_NORMAL, "IPC normal");
    test_ipc(NCP_ISOLATION_MODE_ISOLATED, "IPC isolated");
    test_ipc_not_connected();
    return tap_done();
}
