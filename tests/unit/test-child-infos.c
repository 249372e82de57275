/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OH_Ability_AcquireChildProcessInfos() and the accessors of libability_runtime:
 * the list matches the application's live children across two of its
 * processes (names, pids, parent pids), follows children as they end, and
 * every error path returns the reference's code.
 */
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>

#include <AbilityKit/ability_runtime/child_process_info.h>
#include <IPCKit/ipc_kit.h>

#include "../tap.h"
#include "child-helpers.h"

#define BUNDLE "com.example.childinfos"

/* Starts libtestentry.so:Hold named `name`; it runs until *hold_w is closed. */
static int32_t start_held(const char *name, int *hold_w)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    NativeChildProcess_Fd hold = { .fdName = (char *)"hold", .fd = p[0] };
    NativeChildProcess_Args args = { .entryParams = (char *)"", .fdList = { .head = &hold } };
    Ability_ChildProcessConfigs *c = OH_Ability_CreateChildProcessConfigs();
    OH_Ability_ChildProcessConfigs_SetProcessName(c, name);
    int32_t pid = -1;
    int code = OH_Ability_StartNativeChildProcessWithConfigs("libtestentry.so:Hold", args, c, &pid);
    OH_Ability_DestroyChildProcessConfigs(c);
    close(p[0]);
    if (code != NCP_NO_ERROR) {
        close(p[1]);
        return -1;
    }
    *hold_w = p[1];
    return pid;
}

static void end_held(int32_t pid, int hold_w)
{
    int status;
    close(hold_w);
    NCP_WaitChildProcess(pid, &status, 10000);
}

/* The second process of the app: starts one child, tells its pid on stdout,
 * ends it when stdin closes. */
static int helper(void)
{
    int hold = -1;
    int32_t pid = start_held("Helper", &hold);
    printf("%d\n", (int)pid);
    fflush(stdout);
    char c;
    while (read(0, &c, 1) > 0)
        ;
    if (pid > 0)
        end_held(pid, hold);
    return pid > 0 ? 0 : 1;
}

struct found {
    int32_t pid, parent;
    char name[300];
};

/* The current list; its length, or -1 when a call failed. */
static int snapshot(struct found *out, int max)
{
    OH_AbilityRuntime_ChildProcessInfosHandle infos = (OH_AbilityRuntime_ChildProcessInfosHandle)1;
    uint32_t count = 12345;
    if (OH_Ability_AcquireChildProcessInfos(&infos, &count) != NCP_NO_ERROR)
        return -1;
    if ((count == 0) != (infos == NULL)) {
        diag("count %u with infos %p", count, (void *)infos);
        return -1;
    }
    int n = 0;
    for (uint32_t i = 0; i < count && n < max; i++) {
        OH_AbilityRuntime_ChildProcessInfoHandle info = NULL;
        uint32_t required = 0;
        if (OH_AbilityRuntime_GetChildProcessInfoByIndex(infos, i, &info) ||
            OH_AbilityRuntime_ChildProcessInfo_GetPid(info, &out[n].pid) ||
            OH_AbilityRuntime_ChildProcessInfo_GetParentPid(info, &out[n].parent) ||
            OH_AbilityRuntime_ChildProcessInfo_GetProcessName(info, out[n].name, sizeof(out[n].name), &required)) {
            OH_AbilityRuntime_ReleaseChildProcessInfos(&infos);
            return -1;
        }
        n++;
    }
    OH_AbilityRuntime_ReleaseChildProcessInfos(&infos);
    return infos == NULL ? n : -1;
}

static const struct found *find(const struct found *f, int n, int32_t pid)
{
    for (int i = 0; i < n; i++)
        if (f[i].pid == pid)
            return &f[i];
    return NULL;
}

static void test_error_paths(void)
{
    OH_AbilityRuntime_ChildProcessInfosHandle infos = NULL;
    uint32_t count = 0;
    is_int(OH_Ability_AcquireChildProcessInfos(NULL, &count), NCP_ERR_INVALID_PARAM, "Acquire(NULL infos) -> 401");
    is_int(OH_Ability_AcquireChildProcessInfos(&infos, NULL), NCP_ERR_INVALID_PARAM, "Acquire(NULL count) -> 401");
    infos = (OH_AbilityRuntime_ChildProcessInfosHandle)1;
    count = 7;
    is_int(OH_Ability_AcquireChildProcessInfos(&infos, &count), NCP_NO_ERROR, "Acquire with no child -> 0");
    ok(infos == NULL && count == 0, "and *infos = NULL, *count = 0");

    OH_AbilityRuntime_ChildProcessInfoHandle info = (OH_AbilityRuntime_ChildProcessInfoHandle)1;
    is_int(OH_AbilityRuntime_GetChildProcessInfoByIndex(NULL, 0, &info), ABILITY_RUNTIME_ERROR_CODE_PARAM_INVALID,
           "GetChildProcessInfoByIndex(NULL list) -> 401");
    int32_t v;
    char buf[8];
    uint32_t required = 0;
    is_int(OH_AbilityRuntime_ChildProcessInfo_GetPid(NULL, &v), ABILITY_RUNTIME_ERROR_CODE_PARAM_INVALID, "GetPid(NULL) -> 401");
    is_int(OH_AbilityRuntime_ChildProcessInfo_GetParentPid(NULL, &v), ABILITY_RUNTIME_ERROR_CODE_PARAM_INVALID,
           "GetParentPid(NULL) -> 401");
    is_int(OH_AbilityRuntime_ChildProcessInfo_GetProcessName(NULL, buf, sizeof(buf), &required),
           ABILITY_RUNTIME_ERROR_CODE_PARAM_INVALID, "GetProcessName(NULL info) -> 401");
    OH_AbilityRuntime_ReleaseChildProcessInfos(NULL);
    infos = NULL;
    OH_AbilityRuntime_ReleaseChildProcessInfos(&infos);
    ok(infos == NULL, "Release(NULL) and Release(&NULL) do nothing");
}

static void test_list(const char *self)
{
    int hold_a = -1, hold_b = -1;
    int32_t a = start_held("Alpha", &hold_a), b = start_held("Beta_2", &hold_b);
    ok(a > 0 && b > 0, "two args children start (%d, %d)", (int)a, (int)b);

    /* The second process of the same app, with a child of its own. */
    int to[2], from[2];
    pipe2(to, O_CLOEXEC);
    pipe2(from, O_CLOEXEC);
    pid_t h = fork();
    if (h == 0) {
        dup2(to[0], 0);
        dup2(from[1], 1);
        execl(self, self, "--helper", (char *)NULL);
        _exit(127);
    }
    close(to[0]);
    close(from[1]);
    char *line = read_until_eof(from[0], 1);
    for (int i = 0; i < 100 && !strchr(line, '\n'); i++) {
        free(line);
        line = read_until_eof(from[0], 100);
    }
    int32_t hc = atoi(line);
    free(line);
    ok(hc > 0, "a second process of the app starts a child (%d)", (int)hc);

    struct found f[64];
    int n = snapshot(f, 64);
    is_int(n, 3, "the list holds the app's three children across both processes");
    const struct found *fa = find(f, n, a), *fb = find(f, n, b), *fh = find(f, n, hc);
    ok(fa && fa->parent == getpid() && strcmp(fa->name, BUNDLE ":Alpha") == 0, "the first: pid, parent pid, name (%s)",
       fa ? fa->name : "missing");
    ok(fb && fb->parent == getpid() && strcmp(fb->name, BUNDLE ":Beta_2") == 0, "the second (%s)", fb ? fb->name : "missing");
    ok(fh && fh->parent == h && strcmp(fh->name, BUNDLE ":Helper") == 0,
       "the other process's child, its parent pid that process (%d, %s)", fh ? (int)fh->parent : -1,
       fh ? fh->name : "missing");

    /* The accessors on a real entry. */
    OH_AbilityRuntime_ChildProcessInfosHandle infos = NULL;
    uint32_t count = 0;
    OH_Ability_AcquireChildProcessInfos(&infos, &count);
    OH_AbilityRuntime_ChildProcessInfoHandle info = NULL;
    is_int(OH_AbilityRuntime_GetChildProcessInfoByIndex(infos, count, &info), ABILITY_RUNTIME_ERROR_CODE_PARAM_INVALID,
           "index == count -> 401");
    is_int(OH_AbilityRuntime_GetChildProcessInfoByIndex(infos, 0, NULL), ABILITY_RUNTIME_ERROR_CODE_PARAM_INVALID,
           "NULL info -> 401");
    is_int(OH_AbilityRuntime_GetChildProcessInfoByIndex(infos, 0, &info), ABILITY_RUNTIME_ERROR_CODE_NO_ERROR, "index 0 -> 0");
    is_int(OH_AbilityRuntime_ChildProcessInfo_GetPid(info, NULL), ABILITY_RUNTIME_ERROR_CODE_PARAM_INVALID, "GetPid(info, NULL) -> 401");
    is_int(OH_AbilityRuntime_ChildProcessInfo_GetParentPid(info, NULL), ABILITY_RUNTIME_ERROR_CODE_PARAM_INVALID,
           "GetParentPid(info, NULL) -> 401");
    char name[300];
    uint32_t required = 0;
    is_int(OH_AbilityRuntime_ChildProcessInfo_GetProcessName(info, NULL, 10, &required),
           ABILITY_RUNTIME_ERROR_CODE_PARAM_INVALID, "GetProcessName(NULL buffer) -> 401");
    is_int(OH_AbilityRuntime_ChildProcessInfo_GetProcessName(info, name, 0, &required),
           ABILITY_RUNTIME_ERROR_CODE_PARAM_INVALID, "GetProcessName(size 0) -> 401");
    is_int(OH_AbilityRuntime_ChildProcessInfo_GetProcessName(info, name, sizeof(name), NULL),
           ABILITY_RUNTIME_ERROR_CODE_PARAM_INVALID, "GetProcessName(NULL required) -> 401");
    is_int(OH_AbilityRuntime_ChildProcessInfo_GetProcessName(info, name, sizeof(name), &required),
           ABILITY_RUNTIME_ERROR_CODE_NO_ERROR, "GetProcessName -> 0");
    uint32_t exact = (uint32_t)strlen(name) + 1;
    is_int(required, exact, "required = strlen + 1");
    char *tight = malloc(exact), *short_buf = malloc(exact - 1);
    memset(short_buf, 'x', exact - 1);
    required = 0;
    is_int(OH_AbilityRuntime_ChildProcessInfo_GetProcessName(info, tight, exact, &required),
           ABILITY_RUNTIME_ERROR_CODE_NO_ERROR, "a buffer of exactly that size -> 0");
    is_str(tight, name, "and holds the name");
    required = 0;
    is_int(OH_AbilityRuntime_ChildProcessInfo_GetProcessName(info, short_buf, exact - 1, &required),
           ABILITY_RUNTIME_ERROR_CODE_BUFFER_TOO_SMALL, "one byte short -> ABILITY_RUNTIME_ERROR_CODE_BUFFER_TOO_SMALL");
    is_int(required, exact, "with required set to the size needed");
    ok(memchr(short_buf, 'x', exact - 1) == short_buf && short_buf[exact - 2] == 'x', "and the short buffer untouched");
    free(tight);
    free(short_buf);
    OH_AbilityRuntime_ReleaseChildProcessInfos(&infos);
    ok(infos == NULL, "Release sets the handle to NULL");

    /* It follows ends: ours, then the other process's. */
    end_held(a, hold_a);
    n = snapshot(f, 64);
    ok(n == 2 && !find(f, n, a) && find(f, n, b) && find(f, n, hc), "after the first child ended: the other two (%d)", n);
    close(to[1]);
    int st = -1;
    waitpid(h, &st, 0);
    ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the second process ended its child and exited");
    n = snapshot(f, 64);
    ok(n == 1 && find(f, n, b), "then only the second child is left (%d)", n);

    end_held(b, hold_b);
    is_int(snapshot(f, 64), 0, "no child left: an empty list");
}

static atomic_int ipc_started;
static _Atomic(OHIPCRemoteProxy *) ipc_proxy;
static void on_started(int code, OHIPCRemoteProxy *proxy)
{
    (void)code;
    atomic_store(&ipc_proxy, proxy);
    atomic_store(&ipc_started, 1);
}

/* libipcchild.so: code 8 tells its pid, code 1 ends MainProc. */
static int32_t ipc_call(OHIPCRemoteProxy *proxy, uint32_t code)
{
    OHIPCParcel *data = OH_IPCParcel_Create(), *reply = OH_IPCParcel_Create();
    OH_IPCParcel_WriteInterfaceToken(data, "ncp.test.IpcChild");
    int32_t v = -1;
    if (OH_IPCRemoteProxy_SendRequest(proxy, code, data, reply, NULL) == 0 && code == 8)
        OH_IPCParcel_ReadInt32(reply, &v);
    OH_IPCParcel_Destroy(data);
    OH_IPCParcel_Destroy(reply);
    return v;
}

static void test_ipc_child(void)
{
    is_int(OH_Ability_CreateNativeChildProcess("libipcchild.so", on_started), NCP_NO_ERROR, "an IPC child starts");
    for (int i = 0; i < 1000 && !atomic_load(&ipc_started); i++)
        usleep(10000);
    OHIPCRemoteProxy *proxy = atomic_load(&ipc_proxy);
    int32_t pid = proxy ? ipc_call(proxy, 8) : -1;
    struct found f[8];
    int n = snapshot(f, 8);
    ok(n == 1 && f[0].pid == pid && f[0].parent == getpid() && strcmp(f[0].name, BUNDLE ":Native_libipcchild0") == 0,
       "it is listed with its pid, parent pid and name (%d: %s)", n, n > 0 ? f[0].name : "");
    if (proxy) {
        int status;
        ipc_call(proxy, 1);
        NCP_WaitChildProcess(pid, &status, 10000);
        OH_IPCRemoteProxy_Destroy(proxy);
    }
    is_int(snapshot(f, 8), 0, "and gone once it ended");
}

int main(int argc, char **argv)
{
    setenv("NCP_BUNDLE_NAME", BUNDLE, 1);
    if (argc > 1 && strcmp(argv[1], "--helper") == 0)
        return helper();
    test_error_paths();
    /* argv[0], not /proc/self/exe: under valgrind that is valgrind. */
    char self[PATH_MAX];
    test_list(strchr(argv[0], '/') && realpath(argv[0], self) ? self : "/proc/self/exe");
    test_ipc_child();
    return tap_done();
}
