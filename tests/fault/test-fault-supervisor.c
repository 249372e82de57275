/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fault injection: the supervisor thread cannot be started when a start
 * hands it its child (ncp_supervisor_adopt() for a child of the zygote,
 * ncp_supervisor_spawn() for an exec'd one).  Through the API that cannot
 * be arranged: the first start of a process starts the thread before it has
 * a child to hand over, and the thread never ends.  So this program links
 * the library's objects instead of libchild_process.so, with
 * ncp_loop_start_locked() wrapped (-Wl,--wrap, tests/hardening.mk): while
 * `refuse_thread` is set it fails as pthread_create does.
 *
 * Each such start returns an error, no child of it runs on, and what it
 * held goes back (its struct: valgrind, make check-valgrind; its slot, its
 * place among the IPC children, its descriptors: the census); then starts
 * work again.  In both spawn modes.
 */
#include <stdatomic.h>

#include <IPCKit/ipc_kit.h>

#include "fault-util.h"

int __real_ncp_loop_start_locked(int (*next_timeout)(void), void (*on_wake)(void));
int __wrap_ncp_loop_start_locked(int (*next_timeout)(void), void (*on_wake)(void));

static atomic_bool refuse_thread;

int __wrap_ncp_loop_start_locked(int (*next_timeout)(void), void (*on_wake)(void))
{
    if (atomic_load(&refuse_thread))
        return -EAGAIN;
    return __real_ncp_loop_start_locked(next_timeout, on_wake);
}

static const char *mode_name(void)
{
    const char *m = getenv("NCP_SPAWN_MODE");
    return m && !strcmp(m, "exec") ? "exec" : "zygote";
}

/* The read end of a pipe whose write end stays open: a Hold child given it
 * runs until killed. */
static int hold_r = -1;

/* An args start with the thread refused: its code, and whether its child
 * (if it got one: a Hold child) is gone within 5 s.  It may have begun (a
 * child of the zygote has its launch spec before it is handed over), it
 * must not run on. */
static int refused_args_start(bool *gone)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        abort();
    NativeChildProcess_Fd hold = { .fdName = (char *)"hold", .fd = hold_r };
    NativeChildProcess_Fd out = { .fdName = (char *)"out", .fd = p[1], .next = &hold };
    NativeChildProcess_Args args = { .entryParams = (char *)"refused", .fdList = { .head = &out } };
    NativeChildProcess_Options o = { .isolationMode = NCP_ISOLATION_MODE_NORMAL };
    int32_t pid = -1;
    atomic_store(&refuse_thread, true);
    int code = OH_Ability_StartNativeChildProcess("libtestentry.so:Hold", args, o, &pid);
    atomic_store(&refuse_thread, false);
    close(p[1]);
    /* EOF once every copy of the write end is closed: the child's too. */
    *gone = false;
    char buf[256];
    for (double end = now_s() + 5; now_s() < end;) {
        struct pollfd pfd = { .fd = p[0], .events = POLLIN };
        if (poll(&pfd, 1, 50) > 0 && read(p[0], buf, sizeof(buf)) == 0) {
            *gone = true;
            break;
        }
    }
    close(p[0]);
    return code;
}

static atomic_int ipc_calls, ipc_code;
static OHIPCRemoteProxy *_Atomic ipc_proxy;

static void on_started(int code, OHIPCRemoteProxy *proxy)
{
    atomic_store(&ipc_code, code);
    atomic_store(&ipc_proxy, proxy);
    atomic_fetch_add(&ipc_calls, 1);
}

/* An IPC start that works: Create, its callback, then the child's end
 * (libhostile_main crashes in MainProc).  Whether all went so. */
static bool ipc_start_works(void)
{
    atomic_store(&ipc_calls, 0);
    atomic_store(&ipc_proxy, NULL);
    int code = OH_Ability_CreateNativeChildProcess("libhostile_main.so", on_started);
    for (double end = now_s() + 15; code == NCP_NO_ERROR && atomic_load(&ipc_calls) == 0 && now_s() < end;)
        usleep(2000);
    OHIPCRemoteProxy *proxy = atomic_load(&ipc_proxy);
    if (proxy) {
        for (double end = now_s() + 10; !OH_IPCRemoteProxy_IsRemoteDead(proxy) && now_s() < end;)
            usleep(2000);
        OH_IPCRemoteProxy_Destroy(proxy);
    }
    bool worked = code == NCP_NO_ERROR && atomic_load(&ipc_calls) == 1 && atomic_load(&ipc_code) == NCP_NO_ERROR && proxy;
    if (!worked)
        diag("IPC start: Create %d, %d callbacks, code %d", code, atomic_load(&ipc_calls), atomic_load(&ipc_code));
    return worked;
}

static void scenario_refused(void)
{
    app_setup("fault-supervisor", 4);
    /* Fewer refused starts than these limits would not show their places
     * kept: 4 children of the app, 2 IPC children of the process. */
    FILE *f = fopen(app_conf, "ae");
    fprintf(f, "max_ipc_children_per_process = 2\n");
    fclose(f);
    int status;
    /* the thread runs, and the zygote; an IPC child's connection came and went */
    free(run_child("libtestentry.so:Main", "warm", NULL, &status));
    if (!ipc_start_works())
        diag("the first IPC start did not work");
    struct census base = census_stable();

    int hold[2];
    if (pipe2(hold, O_CLOEXEC) < 0)
        abort();
    hold_r = hold[0];
    int errors = 0, stayed = 0;
    for (int i = 0; i < 6; i++) {
        bool gone;
        errors += refused_args_start(&gone) != NCP_NO_ERROR;
        stayed += !gone;
    }
    ok(errors == 6 && stayed == 0, "%s: 6 starts with the supervisor thread refused: %d returned an error, %d "
       "children ran on", mode_name(), errors, stayed);
    close(hold[1]); /* a child that ran on ends now */
    close(hold[0]);

    int ipc_errors = 0;
    atomic_store(&ipc_calls, 0);
    for (int i = 0; i < 4; i++) {
        atomic_store(&refuse_thread, true);
        ipc_errors += OH_Ability_CreateNativeChildProcess("libhostile_main.so", on_started) != NCP_NO_ERROR;
        atomic_store(&refuse_thread, false);
    }
    usleep(100000);
    ok(ipc_errors == 4 && atomic_load(&ipc_calls) == 0,
       "%s: 4 IPC starts with the thread refused: %d returned an error, %d callbacks ran", mode_name(), ipc_errors,
       atomic_load(&ipc_calls));

    /* The slots and IPC places of the refused starts went back. */
    char *text = run_child("libtestentry.so:Main", "after", NULL, &status);
    ok(strstr(text, "params=after") && WIFEXITED(status) && WEXITSTATUS(status) == 0,
       "then a start works (status 0x%x)", status);
    free(text);
    ok(ipc_start_works(), "and so does an IPC start");
    census_check("refused starts", &base);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (!strcmp(argv[1], "refused"))
            scenario_refused();
        int failed = tap_done();
        rm_rf(app_runtime);
        return failed;
    }
    const char *exec_env[] = { "NCP_SPAWN_MODE=exec", NULL };
    run_scenario(argv[0], "refused", NULL);
    run_scenario(argv[0], "refused", exec_env);
    return tap_done();
}
