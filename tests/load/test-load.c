/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Load tests: many threads starting and killing children, a long run of
 * isolated children, 512 live children.  After each: the census of
 * tests/fault/fault-util.h (descriptors, threads, zombies, slot locks held,
 * live children, host mounts, the app's data dir on the host) must be back
 * to the baseline, and the parent's RSS growth is printed (failing only on
 * gross growth).
 *
 * Sizes (kept short for make check; raise them by hand):
 *   LOAD_SECONDS=20    how long the 50 threads run
 *   LOAD_ISOLATED=1000 isolated children in a row (about 17 ms each from the
 *                      zygote here, so make check runs all 1000)
 *   LOAD_THREADS=50
 */
#include <pthread.h>
#include <stdatomic.h>

#include <IPCKit/ipc_kit.h>

#include "../fault/fault-util.h"

#if defined(__SANITIZE_ADDRESS__)
#define RSS_LIMIT_KB (512 * 1024) /* ASan keeps freed memory in quarantine */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RSS_LIMIT_KB (512 * 1024)
#endif
#endif
#ifndef RSS_LIMIT_KB
#define RSS_LIMIT_KB (64 * 1024)
#endif

static int env_int(const char *name, int dflt)
{
    const char *v = getenv(name);
    return v && atoi(v) > 0 ? atoi(v) : dflt;
}

static bool exec_mode(void)
{
    const char *m = getenv("NCP_SPAWN_MODE");
    return m && !strcmp(m, "exec");
}

static const char *mode_name(void) { return exec_mode() ? "exec" : "zygote"; }

static atomic_int exit_callbacks, exit_callbacks_kill;

static void on_exit_cb(int32_t pid, int32_t sig)
{
    (void)pid;
    atomic_fetch_add(&exit_callbacks, 1);
    if (sig == SIGKILL)
        atomic_fetch_add(&exit_callbacks_kill, 1);
}

static void rss_check(const char *what, const struct census *base)
{
    long grew = rss_kb() - base->rss_kb;
    ok(grew < RSS_LIMIT_KB, "%s: the parent's RSS grew by %ld kB (limit for a failure: %d kB)", what, grew, RSS_LIMIT_KB);
}

/* ---- IPC start results: callbacks carry no context, so they queue ---- */

#define QMAX 256
static pthread_mutex_t qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t qcond = PTHREAD_COND_INITIALIZER;
static struct { int code; OHIPCRemoteProxy *proxy; } queue[QMAX];
static int qhead, qtail;
static atomic_int ipc_callbacks;

static void on_started(int code, OHIPCRemoteProxy *proxy)
{
    atomic_fetch_add(&ipc_callbacks, 1);
    pthread_mutex_lock(&qlock);
    queue[qtail % QMAX].code = code;
    queue[qtail % QMAX].proxy = proxy;
    qtail++;
    pthread_cond_broadcast(&qcond);
    pthread_mutex_unlock(&qlock);
}

static bool pop_started(int *code, OHIPCRemoteProxy **proxy, int timeout_s)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += timeout_s;
    pthread_mutex_lock(&qlock);
    while (qhead == qtail)
        if (pthread_cond_timedwait(&qcond, &qlock, &ts) != 0)
            break;
    bool got = qhead != qtail;
    if (got) {
        *code = queue[qhead % QMAX].code;
        *proxy = queue[qhead % QMAX].proxy;
        qhead++;
    }
    pthread_mutex_unlock(&qlock);
    return got;
}

/* libipcchild (tests/lib/ipcchild.c): code 8 = identity (pid first), 1 = leave. */
static int32_t ipc_identity(OHIPCRemoteProxy *proxy)
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

static int ipc_leave(OHIPCRemoteProxy *proxy)
{
    OHIPCParcel *data = OH_IPCParcel_Create(), *reply = OH_IPCParcel_Create();
    OH_IPCParcel_WriteInterfaceToken(data, "ncp.test.IpcChild");
    int r = OH_IPCRemoteProxy_SendRequest(proxy, 1, data, reply, NULL);
    OH_IPCParcel_Destroy(data);
    OH_IPCParcel_Destroy(reply);
    return r;
}

/* ---- 50 threads ---- */

static atomic_bool stop;
static atomic_int n_starts, n_ends_right, n_bad, n_killed, n_crashed, n_ipc, n_ipc_killed;

static int start_hold(int hold_r, bool isolated, int32_t *pid)
{
    NativeChildProcess_Fd h = { .fdName = (char *)"hold", .fd = hold_r };
    NativeChildProcess_Args args = { .entryParams = (char *)"", .fdList = { .head = &h } };
    NativeChildProcess_Options o = { .isolationMode = isolated ? NCP_ISOLATION_MODE_ISOLATED : NCP_ISOLATION_MODE_NORMAL };
    return OH_Ability_StartNativeChildProcess("libtestentry.so:Hold", args, o, pid);
}

static void *load_thread(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg * 7919u + (unsigned)getpid();
    while (!atomic_load(&stop)) {
        unsigned r = (unsigned)rand_r(&seed) % 10;
        int32_t pid = -1;
        int status = -1;
        if (r <= 7) {
            /* a waiting child, normal or isolated, then killed or released */
            int p[2];
            if (pipe2(p, O_CLOEXEC) < 0) {
                atomic_fetch_add(&n_bad, 1);
                continue;
            }
            bool isolated = r >= 6 && !exec_mode();
            int code = start_hold(p[0], isolated, &pid);
            close(p[0]);
            atomic_fetch_add(&n_starts, 1);
            if (code != NCP_NO_ERROR) {
                atomic_fetch_add(&n_bad, 1);
                diag("start -> %d", code);
                close(p[1]);
                continue;
            }
            usleep((useconds_t)(rand_r(&seed) % 3000));
            bool kill_it = rand_r(&seed) % 2;
            if (kill_it && OH_Ability_KillChildProcess(pid) != NCP_NO_ERROR)
                atomic_fetch_add(&n_bad, 1);
            close(p[1]);
            NCP_WaitChildProcess(pid, &status, 30000);
            bool right = kill_it ? WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL
                                 : WIFEXITED(status) && WEXITSTATUS(status) == 0;
            /* a kill that lands after the release is fine too */
            right |= kill_it && WIFEXITED(status) && WEXITSTATUS(status) == 0;
            atomic_fetch_add(right ? &n_ends_right : &n_bad, 1);
            if (kill_it && WIFSIGNALED(status))
                atomic_fetch_add(&n_killed, 1);
        } else if (r == 8) {
            NativeChildProcess_Args args = { .entryParams = (char *)"segv" };
            NativeChildProcess_Options o = { 0 };
            atomic_fetch_add(&n_starts, 1);
            if (OH_Ability_StartNativeChildProcess("libtestentry.so:Crash", args, o, &pid) != NCP_NO_ERROR) {
                atomic_fetch_add(&n_bad, 1);
                continue;
            }
            NCP_WaitChildProcess(pid, &status, 30000);
            bool right = WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
            atomic_fetch_add(right ? &n_ends_right : &n_bad, 1);
            atomic_fetch_add(&n_crashed, right);
        } else {
            /* an IPC child: connect, ask its pid, then leave or kill */
            atomic_fetch_add(&n_starts, 1);
            atomic_fetch_add(&n_ipc, 1);
            if (OH_Ability_CreateNativeChildProcess("libipcchild.so", on_started) != NCP_NO_ERROR) {
                atomic_fetch_add(&n_bad, 1);
                continue;
            }
            int code = -1;
            OHIPCRemoteProxy *proxy = NULL;
            if (!pop_started(&code, &proxy, 30) || code != NCP_NO_ERROR || !proxy) {
                atomic_fetch_add(&n_bad, 1);
                diag("IPC start: code %d", code);
                continue;
            }
            pid = ipc_identity(proxy);
            bool kill_it = rand_r(&seed) % 2;
            if (kill_it && OH_Ability_KillChildProcess(pid) == NCP_NO_ERROR)
                atomic_fetch_add(&n_ipc_killed, 1); /* IPC children's signal deaths call back too */
            else if (!kill_it)
                ipc_leave(proxy);
            OH_IPCRemoteProxy_Destroy(proxy);
            int w = pid > 0 ? (int)NCP_WaitChildProcess(pid, &status, 30000) : -1;
            atomic_fetch_add(w == NCP_NO_ERROR ? &n_ends_right : &n_bad, 1);
        }
    }
    return NULL;
}

static void scenario_threads(void)
{
    int seconds = env_int("LOAD_SECONDS", 20), nthreads = env_int("LOAD_THREADS", 50);
    app_setup("load-threads", 512);
    OH_Ability_RegisterNativeChildProcessExitCallback(on_exit_cb);
    int status;
    free(run_child("libtestentry.so:Main", "warm", NULL, &status));
    struct census base = census_stable();
    pthread_t *t = calloc((size_t)nthreads, sizeof(*t));
    double t0 = now_s();
    for (long i = 0; i < nthreads; i++)
        pthread_create(&t[i], NULL, load_thread, (void *)i);
    sleep((unsigned)seconds);
    atomic_store(&stop, true);
    for (int i = 0; i < nthreads; i++)
        pthread_join(t[i], NULL);
    double took = now_s() - t0;
    free(t);
    diag("%d threads for %.1f s (%s): %d starts (%.0f/s), %d killed, %d crashed, %d IPC, %d ends as expected, %d wrong",
         nthreads, took, mode_name(), atomic_load(&n_starts), atomic_load(&n_starts) / took, atomic_load(&n_killed),
         atomic_load(&n_crashed), atomic_load(&n_ipc), atomic_load(&n_ends_right), atomic_load(&n_bad));
    ok(atomic_load(&n_bad) == 0 && atomic_load(&n_ends_right) == atomic_load(&n_starts),
       "%d threads starting and killing children for %d s (%s): every start worked and every end was right", nthreads,
       seconds, mode_name());
    usleep(200000);
    int want_cb = atomic_load(&n_killed) + atomic_load(&n_crashed) + atomic_load(&n_ipc_killed);
    ok(atomic_load(&exit_callbacks) == want_cb, "exit callbacks: %d, one per killed or crashed child, args or IPC (%d)",
       atomic_load(&exit_callbacks), want_cb);
    is_int(atomic_load(&ipc_callbacks), atomic_load(&n_ipc), "one start callback per IPC child");
    census_check("after the threads", &base);
    rss_check("after the threads", &base);
}

/* ---- isolated children in a row ---- */

static void scenario_isolated(void)
{
    int n = env_int("LOAD_ISOLATED", 1000);
    app_setup("load-isolated", 512);
    int status;
    free(run_child("libtestentry.so:Main", "warm", NULL, &status));
    struct census base = census_stable();
    double t0 = now_s();
    int right = 0;
    for (int i = 0; i < n; i++) {
        int p[2];
        pipe2(p, O_CLOEXEC);
        NativeChildProcess_Fd out = { .fdName = (char *)"out", .fd = p[1] };
        NativeChildProcess_Args args = { .entryParams = (char *)"iso", .fdList = { .head = &out } };
        NativeChildProcess_Options o = { .isolationMode = NCP_ISOLATION_MODE_ISOLATED };
        int32_t pid = -1;
        int code = OH_Ability_StartNativeChildProcess("libtestentry.so:Main", args, o, &pid);
        close(p[1]);
        char *text = code == NCP_NO_ERROR ? read_until_eof(p[0], 15000) : strdup("");
        close(p[0]);
        status = -1;
        if (code == NCP_NO_ERROR)
            NCP_WaitChildProcess(pid, &status, 15000);
        bool good = strstr(text, "params=iso") && strstr(text, "end") && WIFEXITED(status) && WEXITSTATUS(status) == 0;
        right += good;
        if (!good && i - right < 5)
            diag("isolated child %d: code %d, status 0x%x, output \"%s\"", i, code, status, text);
        free(text);
    }
    double took = now_s() - t0;
    diag("%d isolated children in a row (%s): %.1f s, %.1f ms each", n, mode_name(), took, took * 1000 / n);
    is_int(right, n, "%d isolated children in a row all ran and ended cleanly", n);
    census_check("after the isolated children", &base);
    rss_check("after the isolated children", &base);
}

/* ---- 512 live children ---- */

static void scenario_live512(void)
{
    app_setup("load-512", 512);
    OH_Ability_RegisterNativeChildProcessExitCallback(on_exit_cb);
    int status;
    free(run_child("libtestentry.so:Main", "warm", NULL, &status));
    struct census base = census_stable();
    int p[2];
    pipe2(p, O_CLOEXEC);
    static int32_t pids[513];
    int started = 0, isolated = 0;
    double t0 = now_s();
    for (int i = 0; i < 512; i++) {
        bool iso = i % 8 == 7 && !exec_mode();
        if (start_hold(p[0], iso, &pids[i]) != NCP_NO_ERROR)
            break;
        started++;
        isolated += iso;
    }
    diag("512 live children (%d isolated, %s) started in %.1f s", isolated, mode_name(), now_s() - t0);
    is_int(started, 512, "512 children of one app live at once");
    is_int(slots_held(), 512, "all 512 slot locks are held");
    is_int(start_hold(p[0], false, &pids[512]), NCP_ERR_MAX_CHILD_PROCESSES_REACHED, "the 513th -> 16010006");
    struct census full = census_take();
    diag("with 512 live children: %d descriptors, %d threads, RSS %ld kB", full.fds, full.threads, full.rss_kb);
    int killed = 0;
    for (int i = 0; i < started; i++)
        killed += OH_Ability_KillChildProcess(pids[i]) == NCP_NO_ERROR;
    is_int(killed, started, "KillChildProcess on every one of them -> 0");
    int right = 0;
    for (int i = 0; i < started; i++)
        right += NCP_WaitChildProcess(pids[i], &status, 30000) == NCP_NO_ERROR && WIFSIGNALED(status) &&
                 WTERMSIG(status) == SIGKILL;
    is_int(right, started, "each ends by SIGKILL");
    for (double end = now_s() + 10; atomic_load(&exit_callbacks_kill) < started && now_s() < end;)
        usleep(10000);
    is_int(atomic_load(&exit_callbacks_kill), started, "one exit callback (SIGKILL) for each");
    close(p[0]);
    close(p[1]);
    census_check("after 512 live children", &base);
    rss_check("after 512 live children", &base);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (!strcmp(argv[1], "threads"))
            scenario_threads();
        else if (!strcmp(argv[1], "isolated"))
            scenario_isolated();
        else if (!strcmp(argv[1], "live512"))
            scenario_live512();
        int failed = tap_done();
        rm_rf(app_runtime);
        return failed;
    }
    run_scenario(argv[0], "threads", NULL);
    run_scenario(argv[0], "isolated", NULL);
    run_scenario(argv[0], "live512", NULL);
    /* exec mode: the threads again, with normal children only (an isolated
     * child exec'd one by one cannot load the build tree's test libraries) */
    const char *exec_env[] = { "NCP_SPAWN_MODE=exec", "LOAD_SECONDS=10", NULL };
    if (!getenv("LOAD_SECONDS"))
        run_scenario(argv[0], "threads", exec_env);
    return tap_done();
}
