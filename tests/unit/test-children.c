/* SPDX-License-Identifier: Apache-2.0 */
/* Args children end to end: what the child receives, its names, exit
 * callbacks, kills, nested starts, concurrency, and nothing leaked. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/prctl.h>

#include "../tap.h"
#include "child-helpers.h"

static int exec_mode(void)
{
    const char *m = getenv("NCP_SPAWN_MODE");
    return m && strcmp(m, "exec") == 0;
}

static void test_params_and_16_fds(void)
{
    int pipes[15][2];
    NativeChildProcess_Fd nodes[16];
    int out[2];
    pipe2(out, O_CLOEXEC);
    /* Built in reverse name order: the child must see them sorted. */
    for (int i = 0; i < 15; i++) {
        pipe2(pipes[i], O_CLOEXEC);
        nodes[i].fdName = malloc(8);
        snprintf(nodes[i].fdName, 8, "n%02d", 14 - i);
        nodes[i].fd = pipes[i][1];
        nodes[i].next = &nodes[i + 1];
    }
    nodes[15] = (NativeChildProcess_Fd){ .fdName = (char *)"out", .fd = out[1], .next = NULL };
    NativeChildProcess_Args args = { .entryParams = (char *)"hello params", .fdList = { .head = &nodes[0] } };
    NativeChildProcess_Options o = { .isolationMode = NCP_ISOLATION_MODE_NORMAL };
    int32_t pid = -1;
    is_int(OH_Ability_StartNativeChildProcess("libtestentry.so:Main", args, o, &pid), NCP_NO_ERROR, "Start with params and 16 named fds -> 0");
    ok(pid > 0, "a pid came back (%d)", pid);
    /* The parent's descriptors stay the parent's. */
    int still_open = 1;
    for (int i = 0; i < 15; i++) {
        still_open &= fcntl(pipes[i][1], F_GETFD) >= 0;
        close(pipes[i][1]);
    }
    ok(still_open, "the caller's descriptors are still open after the start");
    close(out[1]);
    char *text = read_until_eof(out[0], 10000);
    ok(strstr(text, "params=hello params\n") != NULL, "the child received the params");
    /* sorted by name: n00 .. n14, then out */
    const char *prev = strstr(text, "fd n00 ");
    int sorted = prev != NULL;
    for (int i = 1; i < 15 && sorted; i++) {
        char key[16];
        snprintf(key, sizeof(key), "fd n%02d ", i);
        const char *here = strstr(text, key);
        sorted = here && here > prev;
        prev = here;
    }
    ok(sorted && strstr(text, "fd out ") > prev, "the fd list arrives sorted by name");
    int all = 1;
    for (int i = 0; i < 15; i++) {
        char *got = read_until_eof(pipes[i][0], 5000);
        char want[16];
        snprintf(want, sizeof(want), "n%02d\n", 14 - i);
        all &= strcmp(got, want) == 0;
        free(got);
        close(pipes[i][0]);
        free(nodes[i].fdName);
    }
    ok(all, "each of the 16 descriptors works in the child (data arrived on all)");
    int status = -1;
    is_int(NCP_WaitChildProcess(pid, &status, 10000), NCP_NO_ERROR, "the child ends");
    ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "it exits 0 when the entry returns (status 0x%x)", status);
    free(text);
    close(out[0]);
}

static void test_names(void)
{
    int status;
    char *text = run_child("libtestentry.so:Identity", "", NULL, &status);
    char want[128];
    snprintf(want, sizeof(want), "argv0=%s:Native_libtestentry", getenv("NCP_BUNDLE_NAME"));
    ok(strstr(text, want) != NULL, "unnamed child is {bundle}:Native_libtestentry{N} (%s)", text);
    free(text);

    Ability_ChildProcessConfigs *c = OH_Ability_CreateChildProcessConfigs();
    OH_Ability_ChildProcessConfigs_SetProcessName(c, "Renderer_0123456789");
    text = run_child("libtestentry.so:Identity", "", c, &status);
    snprintf(want, sizeof(want), "argv0=%s:Renderer_0123456789\n", getenv("NCP_BUNDLE_NAME"));
    ok(strstr(text, want) != NULL, "configured name: argv[0] / cmdline is {bundle}:{name} (%s)", text);
    ok(strstr(text, "comm=erer_0123456789 ") != NULL, "comm holds the last 15 characters");
    free(text);
    OH_Ability_DestroyChildProcessConfigs(c);

    /* cmdline seen from outside while the child lives */
    int hold[2];
    pipe2(hold, O_CLOEXEC);
    NativeChildProcess_Fd h = { .fdName = (char *)"hold", .fd = hold[0] };
    NativeChildProcess_Args args = { .entryParams = NULL, .fdList = { .head = &h } };
    c = OH_Ability_CreateChildProcessConfigs();
    OH_Ability_ChildProcessConfigs_SetProcessName(c, "Holder");
    int32_t pid = -1;
    is_int(OH_Ability_StartNativeChildProcessWithConfigs("libtestentry.so:Hold", args, c, &pid), NCP_NO_ERROR, "start a holding child (NULL params)");
    close(hold[0]);
    char path[64], cmd[256] = "";
    snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
    snprintf(want, sizeof(want), "%s:Holder", getenv("NCP_BUNDLE_NAME"));
    for (int i = 0; i < 200 && strcmp(cmd, want) != 0; i++) {
        usleep(10000);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, cmd, sizeof(cmd) - 1) : -1;
        if (fd >= 0)
            close(fd);
        cmd[n > 0 ? n : 0] = '\0';
    }
    is_str(cmd, want, "/proc/PID/cmdline is the full name");
    close(hold[1]);
    int status2;
    NCP_WaitChildProcess(pid, &status2, 10000);
    OH_Ability_DestroyChildProcessConfigs(c);
}

static void test_args_from_thread(void)
{
    int status;
    char *text = run_child("libtestentry.so:ThreadArgs", "from-thread", NULL, &status);
    ok(strstr(text, "same=1 params=from-thread names=out:1,") != NULL,
       "GetCurrentChildProcessArgs from a thread: same copy, params and fds (%s)", text);
    free(text);
}

static atomic_int exit_calls, last_sig, last_pid;
static atomic_int other_calls;
static void on_exit_cb(int32_t pid, int32_t sig)
{
    atomic_fetch_add(&exit_calls, 1);
    last_sig = sig;
    last_pid = pid;
}
static void on_exit_other(int32_t pid, int32_t sig) { atomic_fetch_add(&other_calls, 1); (void)pid; (void)sig; }

static int wait_calls(int want)
{
    for (int i = 0; i < 500 && atomic_load(&exit_calls) < want; i++)
        usleep(10000);
    return atomic_load(&exit_calls);
}

static void test_exit_callbacks(void)
{
    OH_Ability_RegisterNativeChildProcessExitCallback(on_exit_cb);
    OH_Ability_RegisterNativeChildProcessExitCallback(on_exit_cb); /* kept once */
    const struct { const char *how; int sig; } cases[] = { { "segv", SIGSEGV }, { "abrt", SIGABRT }, { "kill", SIGKILL } };
    for (size_t i = 0; i < 3; i++) {
        int before = atomic_load(&exit_calls);
        int status;
        int32_t pid = -1; int out = -1;
        start_with_out("libtestentry.so:Crash", cases[i].how, NULL, &pid, &out);
        close(out);
        NCP_WaitChildProcess(pid, &status, 10000);
        is_int(wait_calls(before + 1), before + 1, "one exit callback for %s", cases[i].how);
        ok(last_sig == cases[i].sig && last_pid == pid, "with the pid and signal %d (got pid %d sig %d)", cases[i].sig, (int)last_pid, (int)last_sig);
        ok(WIFSIGNALED(status) && WTERMSIG(status) == cases[i].sig, "the wait status says signal %d", cases[i].sig);
    }
    int before = atomic_load(&exit_calls);
    int status;
    free(run_child("libtestentry.so:Crash", "exit3", NULL, &status));
    ok(WIFEXITED(status) && WEXITSTATUS(status) == 3, "an entry calling exit(3) exits with 3");
    free(run_child("libtestentry.so:Crash", "return", NULL, &status));
    usleep(100000);
    is_int(atomic_load(&exit_calls), before, "no exit callback for clean exits");

    /* KillChildProcess */
    int hold[2];
    pipe2(hold, O_CLOEXEC);
    NativeChildProcess_Fd h = { .fdName = (char *)"hold", .fd = hold[0] };
    NativeChildProcess_Args args = { .entryParams = (char *)"", .fdList = { .head = &h } };
    NativeChildProcess_Options o = { 0 };
    int32_t pid = -1;
    OH_Ability_RegisterNativeChildProcessExitCallback(on_exit_other);
    OH_Ability_StartNativeChildProcess("libtestentry.so:Hold", args, o, &pid);
    close(hold[0]);
    is_int(OH_Ability_KillChildProcess(pid), NCP_NO_ERROR, "KillChildProcess(live child) -> 0");
    is_int(wait_calls(before + 1), before + 1, "the kill reaches the exit callback");
    ok(last_sig == SIGKILL && last_pid == pid, "with SIGKILL");
    for (int i = 0; i < 100 && atomic_load(&other_calls) < 1; i++)
        usleep(10000);
    is_int(atomic_load(&other_calls), 1, "every registered callback runs");
    NCP_WaitChildProcess(pid, &status, 10000);
    is_int(OH_Ability_KillChildProcess(pid), NCP_ERR_INVALID_PID, "KillChildProcess(reaped child) -> 16010010");
    close(hold[1]);
    OH_Ability_UnregisterNativeChildProcessExitCallback(on_exit_cb);
    OH_Ability_UnregisterNativeChildProcessExitCallback(on_exit_other);
}

static void test_bad_children(void)
{
    int status;
    int32_t pid = -1; int out = -1;
    is_int(start_with_out("libdoesnotexist.so:Main", "", NULL, &pid, &out), NCP_NO_ERROR, "missing library: the start still returns a pid");
    close(out);
    NCP_WaitChildProcess(pid, &status, 10000);
    ok(WIFEXITED(status) && WEXITSTATUS(status) != 0, "and the child exits non-zero (%d)", WEXITSTATUS(status));
    is_int(start_with_out("libtestentry.so:NoSuchFunction", "", NULL, &pid, &out), NCP_NO_ERROR, "missing function: a pid");
    close(out);
    NCP_WaitChildProcess(pid, &status, 10000);
    ok(WIFEXITED(status) && WEXITSTATUS(status) != 0, "and the child exits non-zero");
    is_int(start_with_out("libbadctor.so:Main", "", NULL, &pid, &out), NCP_NO_ERROR, "library crashing in its constructor: a pid");
    close(out);
    NCP_WaitChildProcess(pid, &status, 10000);
    ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "and the child dies of SIGSEGV, the parent lives");

    char *text = run_child("libtestentry.so:StartNested", "", NULL, &status);
    ok(strstr(text, "nested=16010005 16010005 supported=0") != NULL, "a child cannot start children: 16010005 (%s)", text);
    free(text);
}

static atomic_int started_ok;
static void *start_many(void *arg)
{
    for (int i = 0; i < 5; i++) {
        int status;
        char *text = run_child("libtestentry.so:Main", "thread", NULL, &status);
        if (strstr(text, "params=thread\n") && WIFEXITED(status) && WEXITSTATUS(status) == 0)
            atomic_fetch_add(&started_ok, 1);
        free(text);
    }
    return arg;
}

static void test_threads(void)
{
    pthread_t t[8];
    for (int i = 0; i < 8; i++)
        pthread_create(&t[i], NULL, start_many, NULL);
    for (int i = 0; i < 8; i++)
        pthread_join(t[i], NULL);
    is_int(atomic_load(&started_ok), 40, "40 starts from 8 threads at once all ran");
}

static void test_app_waitpid(void)
{
    /* The app's own children are the app's: the library never reaps them,
     * and the app's waitpid(-1) never sees the library's. */
    pid_t own = fork();
    if (own == 0)
        _exit(7);
    int32_t pid = -1; int out = -1;
    start_with_out("libtestentry.so:Main", "", NULL, &pid, &out);
    char *t = read_until_eof(out, 5000);
    free(t);
    close(out);
    int st = 0, status = -1, code = -1;
    /* An exec'd child is the app's child to the kernel (the documented limit
     * of that mode): the app's waitpid(-1) may collect it first when it has
     * already ended, so there the library collects its child before the
     * app's wait. */
    if (exec_mode())
        code = NCP_WaitChildProcess(pid, &status, 10000);
    pid_t got = waitpid(-1, &st, 0);
    ok(got == own && WIFEXITED(st) && WEXITSTATUS(st) == 7, "the app's waitpid(-1) gets its own child, status 7 (got %d, own %d)",
       (int)got, (int)own);
    if (got != own)
        waitpid(own, NULL, 0);
    got = waitpid(-1, &st, WNOHANG);
    int e = errno;
    if (exec_mode()) {
        ok(1, "# SKIP NCP_SPAWN_MODE=exec: exec'd children are visible to waitpid(-1)");
    } else {
        ok(got == -1 && e == ECHILD, "and never the library's child nor its zygote (got %d, %s)", (int)got, strerror(e));
        code = NCP_WaitChildProcess(pid, &status, 10000);
    }
    is_int(code, NCP_NO_ERROR, "the library still sees its child's end");
}

static void test_isolated_in_a_row(void)
{
    /* After the first, isolated children come from a sandbox prepared ahead
     * of need: they must run just the same, wherever their library lives. */
    Ability_ChildProcessConfigs *c = OH_Ability_CreateChildProcessConfigs();
    OH_Ability_ChildProcessConfigs_SetIsolationMode(c, NCP_ISOLATION_MODE_ISOLATED);
    int good = 0;
    for (int i = 0; i < 6; i++) {
        int status;
        char *text = run_child("libtestentry.so:Main", "isolated", c, &status);
        if (strstr(text, "params=isolated\n") && WIFEXITED(status) && WEXITSTATUS(status) == 0)
            good++;
        else
            diag("isolated child %d: status 0x%x, output: %s", i, status, text);
        free(text);
    }
    is_int(good, 6, "six isolated children in a row all run");
    OH_Ability_DestroyChildProcessConfigs(c);
}

/* The parent of `pid` when it is this app's zygote (by its name); 0 otherwise. */
static pid_t zygote_of(pid_t pid)
{
    char path[64], line[512], cmd[256] = "", want[256];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    int ppid = 0;
    if (f && fgets(line, sizeof(line), f)) {
        char *p = strrchr(line, ')');
        if (p)
            sscanf(p + 2, "%*c %d", &ppid);
    }
    if (f)
        fclose(f);
    snprintf(path, sizeof(path), "/proc/%d/cmdline", ppid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, cmd, sizeof(cmd) - 1) : -1;
    if (fd >= 0)
        close(fd);
    cmd[n > 0 ? n : 0] = '\0';
    snprintf(want, sizeof(want), "%s:ncp-zygote", getenv("NCP_BUNDLE_NAME"));
    return ppid > 1 && strcmp(cmd, want) == 0 ? ppid : 0;
}

static void test_zygote_killed(void)
{
    if (exec_mode())
        return;
    int hold[2];
    pipe2(hold, O_CLOEXEC);
    NativeChildProcess_Fd h = { .fdName = (char *)"hold", .fd = hold[0] };
    NativeChildProcess_Args args = { .entryParams = (char *)"", .fdList = { .head = &h } };
    NativeChildProcess_Options o = { 0 };
    int32_t pid = -1;
    OH_Ability_StartNativeChildProcess("libtestentry.so:Hold", args, o, &pid);
    pid_t zygote = zygote_of(pid);
    ok(zygote > 0, "the child's parent is the app's zygote (pid %d)", (int)zygote);
    if (zygote <= 0)
        return;
    kill(zygote, SIGKILL);
    int status = 0;
    is_int(NCP_WaitChildProcess(pid, &status, 10000), NCP_NO_ERROR, "a child of a killed zygote still ends, and its end is reported");
    ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "killed with it (status 0x%x)", status);
    close(hold[0]);
    close(hold[1]);
    pipe2(hold, O_CLOEXEC);
    h.fd = hold[0];
    is_int(OH_Ability_StartNativeChildProcess("libtestentry.so:Hold", args, o, &pid), NCP_NO_ERROR, "the next start works");
    pid_t again = zygote_of(pid);
    ok(again > 0 && again != zygote, "from a new zygote (pid %d)", (int)again);
    close(hold[1]);
    NCP_WaitChildProcess(pid, &status, 10000);
    ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "and ends normally");
    close(hold[0]);
}

/* NCP_WaitChildProcess: a timeout on a live child, several threads waiting
 * for one child (its end is returned once), nothing left to collect after. */
struct waiter_arg {
    int32_t pid;
    int code, status;
};

static void *waiter_main(void *p)
{
    struct waiter_arg *a = p;
    a->code = NCP_WaitChildProcess(a->pid, &a->status, 10000);
    return NULL;
}

static void test_wait(void)
{
    int hold[2];
    pipe2(hold, O_CLOEXEC);
    NativeChildProcess_Fd h = { .fdName = (char *)"hold", .fd = hold[0] };
    NativeChildProcess_Args args = { .entryParams = (char *)"", .fdList = { .head = &h } };
    NativeChildProcess_Options o = { 0 };
    int32_t pid = -1;
    is_int(OH_Ability_StartNativeChildProcess("libtestentry.so:Hold", args, o, &pid), NCP_NO_ERROR, "start a holding child to wait for");
    close(hold[0]);
    int status = -1;
    is_int(NCP_WaitChildProcess(pid, &status, 0), NCP_ERR_TIMEOUT, "Wait(live child, 0 ms) -> timeout");
    is_int(NCP_WaitChildProcess(pid, &status, 50), NCP_ERR_TIMEOUT, "Wait(live child, 50 ms) -> timeout");
    struct waiter_arg w[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (struct waiter_arg){ .pid = pid, .code = -1, .status = -1 };
        pthread_create(&t[i], NULL, waiter_main, &w[i]);
    }
    usleep(50000);
    close(hold[1]);
    int got = 0, invalid = 0, clean = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        got += w[i].code == NCP_NO_ERROR;
        clean += w[i].code == NCP_NO_ERROR && WIFEXITED(w[i].status) && WEXITSTATUS(w[i].status) == 0;
        invalid += w[i].code == NCP_ERR_INVALID_PID;
    }
    ok(got == 1 && clean == 1 && invalid == 3, "four threads wait for one child: one gets its end (exit 0), three 16010010 (%d, %d, %d)",
       got, clean, invalid);
    is_int(NCP_WaitChildProcess(pid, &status, 100), NCP_ERR_INVALID_PID, "its end is returned once");
    is_int(OH_Ability_KillChildProcess(pid), NCP_ERR_INVALID_PID, "a collected child cannot be killed");
}

int main(void)
{
    setenv("NCP_BUNDLE_NAME", "com.example.tests", 1);
    int fds_before = count_open_fds();
    test_params_and_16_fds();
    test_names();
    test_args_from_thread();
    test_exit_callbacks();
    test_wait();
    test_bad_children();
    test_threads();
    test_app_waitpid();
    test_isolated_in_a_row();
    test_zygote_killed();
    /* The library keeps the supervisor's epoll and eventfd, and the zygote's
     * control socket unless children are exec'd one by one.  What the
     * children held is closed off the supervisor's thread (src/common/closer.c), a
     * moment after their ends: a leak is what is still open after 5 s. */
    int want_fds = fds_before + 2 + !exec_mode(), have_fds = count_open_fds();
    for (int i = 0; i < 500 && have_fds > want_fds; i++) {
        usleep(10000);
        have_fds = count_open_fds();
    }
    is_int(have_fds, want_fds, "no descriptor leaked (only the supervisor's and the zygote's remain)");
    is_int(count_zombies(), 0, "no zombie left behind");
    return tap_done();
}
