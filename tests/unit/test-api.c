/* SPDX-License-Identifier: Apache-2.0 */
/* The public API's validation, in the reference's order, and its codes. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <AbilityKit/native_child_process.h>
#include <AbilityKit/native_child_process_ext.h>

#include "../tap.h"

static void on_started(int code, OHIPCRemoteProxy *proxy) { (void)code; (void)proxy; }
static void on_exit_a(int32_t pid, int32_t sig) { (void)pid; (void)sig; }
static void on_exit_b(int32_t pid, int32_t sig) { (void)pid; (void)sig; }

static void test_configs(void)
{
    Ability_ChildProcessConfigs *c = OH_Ability_CreateChildProcessConfigs();
    ok(c != NULL, "CreateChildProcessConfigs returns an object");
    is_int(OH_Ability_DestroyChildProcessConfigs(NULL), NCP_ERR_INVALID_PARAM, "Destroy(NULL) -> 401");
    is_int(OH_Ability_ChildProcessConfigs_SetIsolationMode(NULL, NCP_ISOLATION_MODE_ISOLATED), NCP_ERR_INVALID_PARAM, "SetIsolationMode(NULL) -> 401");
    is_int(OH_Ability_ChildProcessConfigs_SetIsolationMode(c, NCP_ISOLATION_MODE_ISOLATED), NCP_NO_ERROR, "SetIsolationMode(ISOLATED) -> 0");
    is_int(OH_Ability_ChildProcessConfigs_SetIsolationMode(c, (NativeChildProcess_IsolationMode)7), NCP_ERR_INVALID_PARAM, "SetIsolationMode(7) -> 401");
    is_int(OH_Ability_ChildProcessConfigs_SetIsolationUid(NULL, true), NCP_ERR_INVALID_PARAM, "SetIsolationUid(NULL) -> 401");
    is_int(OH_Ability_ChildProcessConfigs_SetIsolationUid(c, true), NCP_NO_ERROR, "SetIsolationUid -> 0");
    is_int(OH_Ability_ChildProcessConfigs_SetProcessName(NULL, "abc"), NCP_ERR_INVALID_PARAM, "SetProcessName(NULL configs) -> 401");
    is_int(OH_Ability_ChildProcessConfigs_SetProcessName(c, NULL), NCP_ERR_INVALID_PARAM, "SetProcessName(NULL name) -> 401");
    is_int(OH_Ability_ChildProcessConfigs_SetProcessName(c, ""), NCP_ERR_INVALID_PARAM, "SetProcessName(\"\") -> 401");
    is_int(OH_Ability_ChildProcessConfigs_SetProcessName(c, "a-b"), NCP_ERR_INVALID_PARAM, "SetProcessName(\"a-b\") -> 401");
    is_int(OH_Ability_ChildProcessConfigs_SetProcessName(c, "a b"), NCP_ERR_INVALID_PARAM, "SetProcessName(\"a b\") -> 401");
    is_int(OH_Ability_ChildProcessConfigs_SetProcessName(c, "Renderer:1"), NCP_ERR_INVALID_PARAM, "SetProcessName with ':' -> 401");
    char name[70];
    memset(name, 'x', 64);
    name[64] = '\0';
    is_int(OH_Ability_ChildProcessConfigs_SetProcessName(c, name), NCP_NO_ERROR, "64-character name -> 0");
    name[64] = 'x';
    name[65] = '\0';
    is_int(OH_Ability_ChildProcessConfigs_SetProcessName(c, name), NCP_ERR_INVALID_PARAM, "65-character name -> 401");
    is_int(OH_Ability_ChildProcessConfigs_SetProcessName(c, "Renderer_01"), NCP_NO_ERROR, "SetProcessName(\"Renderer_01\") -> 0");
    is_int(OH_Ability_DestroyChildProcessConfigs(c), NCP_NO_ERROR, "Destroy -> 0");
}

static void test_start_validation(void)
{
    NativeChildProcess_Args args = { .entryParams = (char *)"p" };
    NativeChildProcess_Options opts = { .isolationMode = NCP_ISOLATION_MODE_NORMAL };
    int32_t pid = -1;
    is_int(OH_Ability_StartNativeChildProcess(NULL, args, opts, &pid), NCP_ERR_INVALID_PARAM, "Start(NULL entry) -> 401");
    is_int(OH_Ability_StartNativeChildProcess("", args, opts, &pid), NCP_ERR_INVALID_PARAM, "Start(\"\") -> 401");
    is_int(OH_Ability_StartNativeChildProcess("libtestentry.so", args, opts, &pid), NCP_ERR_INVALID_PARAM, "entry without ':' -> 401");
    is_int(OH_Ability_StartNativeChildProcess(":Main", args, opts, &pid), NCP_ERR_INVALID_PARAM, "empty library name -> 401");
    is_int(OH_Ability_StartNativeChildProcess("libtestentry.so:", args, opts, &pid), NCP_ERR_INVALID_PARAM, "empty function name -> 401");
    is_int(OH_Ability_StartNativeChildProcess("libtestentry.so:Main", args, opts, NULL), NCP_ERR_INVALID_PARAM, "pid NULL -> 401");
    ok(pid == -1, "pid untouched on failure");

    /* fd lists */
    NativeChildProcess_Fd fds[17];
    for (int i = 0; i < 17; i++) {
        fds[i].fdName = malloc(8);
        snprintf(fds[i].fdName, 8, "fd%02d", i);
        fds[i].fd = STDERR_FILENO;
        fds[i].next = i < 16 ? &fds[i + 1] : NULL;
    }
    args.fdList.head = &fds[0];
    is_int(OH_Ability_StartNativeChildProcess("libtestentry.so:Main", args, opts, &pid), NCP_ERR_INVALID_PARAM, "17 fds -> 401");
    NativeChildProcess_Fd one = { .fdName = NULL, .fd = STDERR_FILENO };
    args.fdList.head = &one;
    is_int(OH_Ability_StartNativeChildProcess("libtestentry.so:Main", args, opts, &pid), NCP_ERR_INVALID_PARAM, "fd with NULL name -> 401");
    one.fdName = (char *)"123456789012345678901";
    is_int(OH_Ability_StartNativeChildProcess("libtestentry.so:Main", args, opts, &pid), NCP_ERR_INVALID_PARAM, "fd name of 21 characters -> 401");
    one.fdName = (char *)"ok";
    one.fd = -1;
    is_int(OH_Ability_StartNativeChildProcess("libtestentry.so:Main", args, opts, &pid), NCP_ERR_INVALID_PARAM, "negative fd -> 401");
    int tmp = dup(STDERR_FILENO);
    close(tmp);
    one.fd = tmp;
    is_int(OH_Ability_StartNativeChildProcess("libtestentry.so:Main", args, opts, &pid), NCP_ERR_INVALID_PARAM, "closed fd -> 401");
    NativeChildProcess_Fd dup1 = { .fdName = (char *)"same", .fd = 2 }, dup2 = { .fdName = (char *)"same", .fd = 2 };
    dup1.next = &dup2;
    args.fdList.head = &dup1;
    is_int(OH_Ability_StartNativeChildProcess("libtestentry.so:Main", args, opts, &pid), NCP_ERR_INVALID_PARAM, "duplicate fd names -> 401");
    args.fdList.head = NULL;

    /* params bound: 150 KB */
    char *big = malloc(150 * 1024 + 2);
    memset(big, 'a', 150 * 1024 + 1);
    big[150 * 1024 + 1] = '\0';
    args.entryParams = big;
    is_int(OH_Ability_StartNativeChildProcess("libtestentry.so:Main", args, opts, &pid), NCP_ERR_INVALID_PARAM, "params of 150 KB + 1 -> 401");
    free(big);
    args.entryParams = (char *)"p";
    opts.isolationMode = (NativeChildProcess_IsolationMode)5;
    is_int(OH_Ability_StartNativeChildProcess("libtestentry.so:Main", args, opts, &pid), NCP_ERR_INVALID_PARAM, "unknown isolation mode -> 401");

    is_int(OH_Ability_StartNativeChildProcessWithConfigs("libtestentry.so:Main", args, NULL, &pid), NCP_ERR_INVALID_PARAM, "WithConfigs(NULL configs) -> 401");
    Ability_ChildProcessConfigs *c = OH_Ability_CreateChildProcessConfigs();
    is_int(OH_Ability_StartNativeChildProcessWithConfigs(NULL, args, c, &pid), NCP_ERR_INVALID_PARAM, "WithConfigs(NULL entry) -> 401");
    is_int(OH_Ability_StartNativeChildProcessWithConfigs("nocolon", args, c, &pid), NCP_ERR_INVALID_PARAM, "WithConfigs(no colon) -> 401");
    is_int(OH_Ability_StartNativeChildProcessWithConfigs("libtestentry.so:Main", args, c, NULL), NCP_ERR_INVALID_PARAM, "WithConfigs(NULL pid) -> 401");
    OH_Ability_DestroyChildProcessConfigs(c);
    for (int i = 0; i < 17; i++)
        free(fds[i].fdName);
}

/* Descriptors an isolated child cannot be given, and the writable marks of
 * NCP_ChildProcessConfigs_SetFdWritable.  Each start is refused before any
 * child is made. */
static void test_passed_fds(void)
{
    Ability_ChildProcessConfigs *c = OH_Ability_CreateChildProcessConfigs();
    is_int(NCP_ChildProcessConfigs_SetFdWritable(NULL, "d", true), NCP_ERR_INVALID_PARAM, "SetFdWritable(NULL configs) -> 401");
    is_int(NCP_ChildProcessConfigs_SetFdWritable(c, NULL, true), NCP_ERR_INVALID_PARAM, "SetFdWritable(NULL name) -> 401");
    is_int(NCP_ChildProcessConfigs_SetFdWritable(c, "", true), NCP_ERR_INVALID_PARAM, "SetFdWritable(\"\") -> 401");
    is_int(NCP_ChildProcessConfigs_SetFdWritable(c, "a/b", true), NCP_ERR_INVALID_PARAM, "SetFdWritable(\"a/b\") -> 401");
    is_int(NCP_ChildProcessConfigs_SetFdWritable(c, "..", true), NCP_ERR_INVALID_PARAM, "SetFdWritable(\"..\") -> 401");
    is_int(NCP_ChildProcessConfigs_SetFdWritable(c, "123456789012345678901", true), NCP_ERR_INVALID_PARAM,
           "SetFdWritable(21 characters) -> 401");
    char names[17][8];
    for (int i = 0; i < 16; i++) {
        snprintf(names[i], sizeof(names[i]), "w%02d", i);
        is_int(NCP_ChildProcessConfigs_SetFdWritable(c, names[i], true), NCP_NO_ERROR, "SetFdWritable(%s) -> 0", names[i]);
    }
    is_int(NCP_ChildProcessConfigs_SetFdWritable(c, "w00", true), NCP_NO_ERROR, "marking a name twice -> 0");
    is_int(NCP_ChildProcessConfigs_SetFdWritable(c, "w16", true), NCP_ERR_INVALID_PARAM, "a 17th name -> 401");
    for (int i = 0; i < 16; i++)
        is_int(NCP_ChildProcessConfigs_SetFdWritable(c, names[i], false), NCP_NO_ERROR, "unmarking %s -> 0", names[i]);
    is_int(NCP_ChildProcessConfigs_SetFdWritable(c, "w16", true), NCP_NO_ERROR, "after unmarking, a name -> 0");
    is_int(NCP_ChildProcessConfigs_SetFdWritable(c, "w16", false), NCP_NO_ERROR, "unmarking it again -> 0");

    int32_t pid = -1;
    NativeChildProcess_Fd one = { .fdName = (char *)"d" };
    NativeChildProcess_Args args = { .entryParams = (char *)"p", .fdList = { .head = &one } };
    OH_Ability_ChildProcessConfigs_SetIsolationMode(c, NCP_ISOLATION_MODE_ISOLATED);
    one.fd = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
    is_int(OH_Ability_StartNativeChildProcessWithConfigs("libtestentry.so:Main", args, c, &pid), NCP_ERR_INVALID_PARAM,
           "isolated: an O_PATH descriptor -> 401");
    close(one.fd);
    one.fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    is_int(OH_Ability_StartNativeChildProcessWithConfigs("libtestentry.so:Main", args, c, &pid), NCP_ERR_INVALID_PARAM,
           "isolated: a device -> 401");
    close(one.fd);

    /* A removed directory names no path (" (deleted)"): nothing to bind. */
    char dir[] = "/tmp/test-api-dirfd.XXXXXX";
    ok(mkdtemp(dir) != NULL, "a directory to pass");
    one.fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ok(rmdir(dir) == 0, "removed after it was opened");
    is_int(OH_Ability_StartNativeChildProcessWithConfigs("libtestentry.so:Main", args, c, &pid), NCP_ERR_INVALID_PARAM,
           "isolated: a directory no longer at the path it names -> 401");
    ok(mkdir(dir, 0700) == 0, "another directory at its path");
    is_int(OH_Ability_StartNativeChildProcessWithConfigs("libtestentry.so:Main", args, c, &pid), NCP_ERR_INVALID_PARAM,
           "isolated: ... nor when another directory took its place -> 401");
    close(one.fd);
    one.fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    one.fdName = (char *)"..";
    is_int(OH_Ability_StartNativeChildProcessWithConfigs("libtestentry.so:Main", args, c, &pid), NCP_ERR_INVALID_PARAM,
           "isolated: a directory named \"..\" -> 401");
    one.fdName = (char *)"d";
    NCP_ChildProcessConfigs_SetFdWritable(c, "other", true);
    is_int(OH_Ability_StartNativeChildProcessWithConfigs("libtestentry.so:Main", args, c, &pid), NCP_ERR_INVALID_PARAM,
           "isolated: a writable mark for a name not in the list -> 401");
    OH_Ability_ChildProcessConfigs_SetIsolationMode(c, NCP_ISOLATION_MODE_NORMAL);
    is_int(OH_Ability_StartNativeChildProcessWithConfigs("libtestentry.so:Main", args, c, &pid), NCP_ERR_INVALID_PARAM,
           "normal: a writable mark for a name not in the list -> 401");
    NCP_ChildProcessConfigs_SetFdWritable(c, "other", false);
    close(one.fd);
    rmdir(dir);
    one.fd = STDERR_FILENO;
    NCP_ChildProcessConfigs_SetFdWritable(c, "d", true);
    is_int(OH_Ability_StartNativeChildProcessWithConfigs("libtestentry.so:Main", args, c, &pid), NCP_ERR_INVALID_PARAM,
           "a writable mark on a descriptor that is not a directory -> 401");
    ok(pid == -1, "no child was started");
    OH_Ability_DestroyChildProcessConfigs(c);
}

static void test_binds(void)
{
    Ability_ChildProcessConfigs *c = OH_Ability_CreateChildProcessConfigs();
    is_int(NCP_ChildProcessConfigs_AddBind(NULL, "/tmp", "/opt/x", false), NCP_ERR_INVALID_PARAM, "AddBind(NULL configs) -> 401");
    is_int(NCP_ChildProcessConfigs_AddBind(c, NULL, "/opt/x", false), NCP_ERR_INVALID_PARAM, "AddBind(NULL src) -> 401");
    is_int(NCP_ChildProcessConfigs_AddBind(c, "tmp", "/opt/x", false), NCP_ERR_INVALID_PARAM, "AddBind(relative src) -> 401");
    is_int(NCP_ChildProcessConfigs_AddBind(c, "/tmp/../etc", "/opt/x", false), NCP_ERR_INVALID_PARAM, "AddBind(src with ..) -> 401");
    is_int(NCP_ChildProcessConfigs_AddBind(c, "/tmp", NULL, false), NCP_ERR_INVALID_PARAM, "AddBind(NULL dest) -> 401");
    static const char *const bad[] = { "/", "opt", "/usr/x", "/etc", "/proc", "/dev/x", "/sys", "/lib64", "/run",
                                       "/run/child_process/fds/a", "/opt/./x" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        is_int(NCP_ChildProcessConfigs_AddBind(c, "/tmp", bad[i], true), NCP_ERR_INVALID_PARAM, "AddBind(dest %s) -> 401", bad[i]);
    char dest[32];
    for (int i = 0; i < 16; i++) {
        snprintf(dest, sizeof(dest), "/opt/b%02d", i);
        is_int(NCP_ChildProcessConfigs_AddBind(c, "/tmp", dest, i & 1), NCP_NO_ERROR, "AddBind(%s) -> 0", dest);
    }
    is_int(NCP_ChildProcessConfigs_AddBind(c, "/tmp", "/opt/b16", false), NCP_ERR_INVALID_PARAM, "a 17th bind -> 401");
    OH_Ability_DestroyChildProcessConfigs(c);
}

static void test_env_and_cwd(void)
{
    Ability_ChildProcessConfigs *c = OH_Ability_CreateChildProcessConfigs();
    is_int(NCP_ChildProcessConfigs_SetEnv(NULL, "A", "1"), NCP_ERR_INVALID_PARAM, "SetEnv(NULL configs) -> 401");
    static const char *const bad[] = { NULL, "", "1A", "A=B", "A B", "NCP_LOG", "NCP_IN_CHILD", "NCP_", "\xc3\xa9" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        is_int(NCP_ChildProcessConfigs_SetEnv(c, bad[i], "v"), NCP_ERR_INVALID_PARAM, "SetEnv(name \"%s\") -> 401",
               bad[i] ? bad[i] : "(null)");
    char name[130], value[4098];
    memset(name, 'N', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    is_int(NCP_ChildProcessConfigs_SetEnv(c, name, "v"), NCP_ERR_INVALID_PARAM, "SetEnv(129-character name) -> 401");
    name[128] = '\0';
    is_int(NCP_ChildProcessConfigs_SetEnv(c, name, "v"), NCP_NO_ERROR, "SetEnv(128-character name) -> 0");
    memset(value, 'v', sizeof(value) - 1);
    value[sizeof(value) - 1] = '\0';
    is_int(NCP_ChildProcessConfigs_SetEnv(c, "BIG", value), NCP_ERR_INVALID_PARAM, "SetEnv(4097-byte value) -> 401");
    value[4096] = '\0';
    is_int(NCP_ChildProcessConfigs_SetEnv(c, "BIG", value), NCP_NO_ERROR, "SetEnv(4096-byte value) -> 0");
    is_int(NCP_ChildProcessConfigs_SetEnv(c, "_lower_ok9", ""), NCP_NO_ERROR, "SetEnv(_lower_ok9, \"\") -> 0");
    is_int(NCP_ChildProcessConfigs_SetEnv(c, "LD_PRELOAD", "/x.so"), NCP_NO_ERROR, "SetEnv(LD_PRELOAD) -> 0 (the app's choice)");
    /* 4 set; 28 more fill it; setting one again replaces it; NULL takes one back. */
    char n[16];
    for (int i = 0; i < 28; i++) {
        snprintf(n, sizeof(n), "V%02d", i);
        is_int(NCP_ChildProcessConfigs_SetEnv(c, n, "x"), NCP_NO_ERROR, "SetEnv(%s) -> 0", n);
    }
    is_int(NCP_ChildProcessConfigs_SetEnv(c, "V32", "x"), NCP_ERR_INVALID_PARAM, "a 33rd variable -> 401");
    is_int(NCP_ChildProcessConfigs_SetEnv(c, "V00", "again"), NCP_NO_ERROR, "setting one again -> 0");
    is_int(NCP_ChildProcessConfigs_SetEnv(c, "V00", NULL), NCP_NO_ERROR, "SetEnv(V00, NULL) -> 0");
    is_int(NCP_ChildProcessConfigs_SetEnv(c, "NOT_SET", NULL), NCP_NO_ERROR, "SetEnv(never set, NULL) -> 0");
    is_int(NCP_ChildProcessConfigs_SetEnv(c, "V32", "x"), NCP_NO_ERROR, "after one is taken back, another fits");

    is_int(NCP_ChildProcessConfigs_SetWorkingDir(NULL, "/tmp"), NCP_ERR_INVALID_PARAM, "SetWorkingDir(NULL configs) -> 401");
    static const char *const dirs[] = { "", "tmp", "./tmp", "/tmp/..", "/tmp/./x", "/a/../b" };
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
        is_int(NCP_ChildProcessConfigs_SetWorkingDir(c, dirs[i]), NCP_ERR_INVALID_PARAM, "SetWorkingDir(\"%s\") -> 401", dirs[i]);
    is_int(NCP_ChildProcessConfigs_SetWorkingDir(c, "/"), NCP_NO_ERROR, "SetWorkingDir(/) -> 0");
    is_int(NCP_ChildProcessConfigs_SetWorkingDir(c, "/opt/data"), NCP_NO_ERROR, "SetWorkingDir(/opt/data) -> 0");
    is_int(NCP_ChildProcessConfigs_SetWorkingDir(c, NULL), NCP_NO_ERROR, "SetWorkingDir(NULL) -> 0 (the default)");
    OH_Ability_DestroyChildProcessConfigs(c);
}

static void test_create_validation(void)
{
    is_int(OH_Ability_CreateNativeChildProcess(NULL, on_started), NCP_ERR_INVALID_PARAM, "Create(NULL) -> 401");
    is_int(OH_Ability_CreateNativeChildProcess("", on_started), NCP_ERR_INVALID_PARAM, "Create(\"\") -> 401");
    is_int(OH_Ability_CreateNativeChildProcess("../lib.so", on_started), NCP_ERR_INVALID_PARAM, "Create(\"../lib.so\") -> 401");
    is_int(OH_Ability_CreateNativeChildProcess("a/../lib.so", on_started), NCP_ERR_INVALID_PARAM, "Create(\"a/../lib.so\") -> 401");
    is_int(OH_Ability_CreateNativeChildProcess("libx.so", NULL), NCP_ERR_INVALID_PARAM, "Create(NULL callback) -> 401");
    Ability_ChildProcessConfigs *c = OH_Ability_CreateChildProcessConfigs();
    is_int(OH_Ability_CreateNativeChildProcessWithConfigs("libx.so", NULL, on_started), NCP_ERR_INVALID_PARAM, "CreateWithConfigs(NULL configs) -> 401");
    is_int(OH_Ability_CreateNativeChildProcessWithConfigs("libx.so", c, NULL), NCP_ERR_INVALID_PARAM, "CreateWithConfigs(NULL callback) -> 401");
    is_int(OH_Ability_CreateNativeChildProcessWithConfigs(NULL, c, on_started), NCP_ERR_INVALID_PARAM, "CreateWithConfigs(NULL lib) -> 401");
    OH_Ability_DestroyChildProcessConfigs(c);
}

static void test_callbacks_and_pids(void)
{
    is_int(OH_Ability_RegisterNativeChildProcessExitCallback(NULL), NCP_ERR_INVALID_PARAM, "Register(NULL) -> 401");
    is_int(OH_Ability_UnregisterNativeChildProcessExitCallback(NULL), NCP_ERR_INVALID_PARAM, "Unregister(NULL) -> 401");
    is_int(OH_Ability_UnregisterNativeChildProcessExitCallback(on_exit_a), NCP_ERR_CALLBACK_NOT_EXIST, "Unregister(unknown) -> 16010009");
    is_int(OH_Ability_RegisterNativeChildProcessExitCallback(on_exit_a), NCP_NO_ERROR, "Register -> 0");
    is_int(OH_Ability_RegisterNativeChildProcessExitCallback(on_exit_a), NCP_NO_ERROR, "Register the same again -> 0");
    is_int(OH_Ability_RegisterNativeChildProcessExitCallback(on_exit_b), NCP_NO_ERROR, "Register another -> 0");
    is_int(OH_Ability_UnregisterNativeChildProcessExitCallback(on_exit_a), NCP_NO_ERROR, "Unregister -> 0");
    is_int(OH_Ability_UnregisterNativeChildProcessExitCallback(on_exit_a), NCP_ERR_CALLBACK_NOT_EXIST, "kept once: second Unregister -> 16010009");
    is_int(OH_Ability_UnregisterNativeChildProcessExitCallback(on_exit_b), NCP_NO_ERROR, "Unregister the other -> 0");

    is_int(OH_Ability_KillChildProcess(0), NCP_ERR_INVALID_PID, "Kill(0) -> 16010010");
    is_int(OH_Ability_KillChildProcess(-1), NCP_ERR_INVALID_PID, "Kill(-1) -> 16010010");
    is_int(OH_Ability_KillChildProcess(1), NCP_ERR_INVALID_PID, "Kill(init) -> 16010010");
    is_int(OH_Ability_KillChildProcess(getpid()), NCP_ERR_INVALID_PID, "Kill(self) -> 16010010");
    is_int(NCP_WaitChildProcess(1, NULL, 0), NCP_ERR_INVALID_PID, "Wait(init) -> 16010010");
    ok(OH_Ability_GetCurrentChildProcessArgs() == NULL, "GetCurrentChildProcessArgs is NULL in the parent");
    ok(OH_Ability_IsNativeChildProcessSupported(), "IsNativeChildProcessSupported with the runner present");
}

static void test_multi_process_disabled(void)
{
    char path[] = "/tmp/ncp-conf-XXXXXX";
    int fd = mkstemp(path);
    dprintf(fd, "# test\nmulti_process = off\n");
    close(fd);
    setenv("NCP_CONFIG_FILE", path, 1);
    NativeChildProcess_Args args = { .entryParams = (char *)"p" };
    NativeChildProcess_Options opts = { .isolationMode = NCP_ISOLATION_MODE_NORMAL };
    int32_t pid = -1;
    is_int(OH_Ability_StartNativeChildProcess("libtestentry.so:Main", args, opts, &pid), NCP_ERR_MULTI_PROCESS_DISABLED, "multi_process = off -> 16010004");
    is_int(OH_Ability_CreateNativeChildProcess("libtestentry.so", on_started), NCP_ERR_MULTI_PROCESS_DISABLED, "Create with multi_process = off -> 16010004");
    ok(!OH_Ability_IsNativeChildProcessSupported(), "not supported when multi-process is off");
    setenv("NCP_CONFIG_FILE", "/nonexistent", 1);
    unlink(path);
    setenv("NCP_RUNNER", "/nonexistent/ncp-runner", 1);
    ok(!OH_Ability_IsNativeChildProcessSupported(), "not supported without a runner");
    is_int(OH_Ability_StartNativeChildProcess("libtestentry.so:Main", args, opts, &pid), NCP_ERR_INTERNAL, "missing runner -> 16000050");
}

int main(void)
{
    test_configs();
    test_start_validation();
    test_passed_fds();
    test_binds();
    test_env_and_cwd();
    test_create_validation();
    test_callbacks_and_pids();
    test_multi_process_disabled();
    return tap_done();
}
