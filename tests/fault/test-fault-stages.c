/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fault injection: a child that dies (or fails) at each stage of its start,
 * in both spawn modes, normal and isolated, args and IPC children; and a
 * runner that is missing or not executable.  Each case checks what the
 * caller gets (code, exit callback, IPC start callback exactly once, wait
 * status) and ends with the leak census (tests/fault/fault-util.h).
 *
 * Stages and how each is made to fail:
 *   spec      the runner dies before reading its launch spec
 *             (NCP_TEST_CRASH_AT=spec, a test-only hook in src/runner/runner.c)
 *   sandbox   dies before building the sandbox (NCP_TEST_CRASH_AT=sandbox);
 *             fails building it: a malformed policy (NCP_POLICY_FILE)
 *   dlopen    the library's constructor crashes (libbadctor, libhostile)
 *   hand-off  the zygote's waiting child is killed before it gets its work
 *   early     the child is SIGKILLed the moment its start returns
 *   mid-start the constructor blocks and the child is SIGKILLed
 *   connect   OnConnect crashes (libhostile HOSTILE_MODE=crash-connect)
 *   entry     the entry crashes (libtestentry Crash, libhostile crash-main)
 *
 * NCP_TEST_LOOPS=N (make check-loops) runs only the "early" and "hand-off"
 * scenarios, N times in each spawn mode, beside CPU hogs.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/prctl.h>

#include <IPCKit/ipc_kit.h>

#include "fault-util.h"

static const char *mode_name(void)
{
    const char *m = getenv("NCP_SPAWN_MODE");
    return m && !strcmp(m, "exec") ? "exec" : "zygote";
}

/* ---- exit callbacks ---- */

static pthread_mutex_t cb_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cb_cond = PTHREAD_COND_INITIALIZER;
#define MAX_EXITS 256
static struct { int32_t pid, sig; } exits[MAX_EXITS];
static int n_exits;

static void on_exit_cb(int32_t pid, int32_t sig)
{
    pthread_mutex_lock(&cb_lock);
    if (n_exits < MAX_EXITS)
        exits[n_exits].pid = pid, exits[n_exits].sig = sig;
    n_exits++;
    pthread_cond_broadcast(&cb_cond);
    pthread_mutex_unlock(&cb_lock);
}

/* Exit callbacks seen for pid; waits up to timeout_ms for the first one,
 * then a little more to catch a second. */
static int exit_calls_for(int32_t pid, int *sig, int timeout_ms)
{
    int count = 0;
    for (double end = now_s() + timeout_ms / 1000.0; ; usleep(10000)) {
        count = 0;
        pthread_mutex_lock(&cb_lock);
        for (int i = 0; i < n_exits && i < MAX_EXITS; i++)
            if (exits[i].pid == pid) {
                count++;
                *sig = exits[i].sig;
            }
        pthread_mutex_unlock(&cb_lock);
        if (count > 0 || now_s() > end)
            break;
    }
    if (count > 0) {
        usleep(200000);
        count = 0;
        pthread_mutex_lock(&cb_lock);
        for (int i = 0; i < n_exits && i < MAX_EXITS; i++)
            count += exits[i].pid == pid;
        pthread_mutex_unlock(&cb_lock);
    }
    return count;
}

/* ---- the library's log lines of the current round ---- */

/* The [early] rounds keep what the library logged (at debug level) since
 * the round began, and print it when the round went wrong: on a loaded
 * machine the failure is rare, and the lines on stderr are far from the
 * check in the test's log. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char round_log[8192];
static size_t round_log_len;

static void record_log(NCP_LogLevel level, const char *child, int32_t pid, const char *message, void *data)
{
    (void)data;
    static const char *const names[] = { "error", "warn", "info", "debug", "child stderr" };
    const char *lv = (unsigned)level < 5 ? names[level] : "?";
    pthread_mutex_lock(&log_lock);
    size_t room = sizeof(round_log) - round_log_len;
    int n = snprintf(round_log + round_log_len, room, "  %s%s%s: %s\n", lv, child ? " " : "", child ? child : "",
                     message);
    if (n > 0)
        round_log_len += (size_t)n < room ? (size_t)n : room - 1;
    pthread_mutex_unlock(&log_lock);
    (void)pid;
}

static void round_log_clear(void)
{
    pthread_mutex_lock(&log_lock);
    round_log_len = 0;
    round_log[0] = '\0';
    pthread_mutex_unlock(&log_lock);
}

/* Each line as a TAP diagnostic. */
static void round_log_print(void)
{
    pthread_mutex_lock(&log_lock);
    for (char *line = round_log, *nl; *line; line = nl + 1) {
        if (!(nl = strchr(line, '\n')))
            break;
        diag("%.*s", (int)(nl - line), line);
    }
    pthread_mutex_unlock(&log_lock);
}

/* ---- IPC start callbacks ---- */

static atomic_int started_calls, started_code;
static OHIPCRemoteProxy *_Atomic started_proxy;

static void on_started(int code, OHIPCRemoteProxy *proxy)
{
    atomic_store(&started_code, code);
    atomic_store(&started_proxy, proxy);
    atomic_fetch_add(&started_calls, 1);
}

static int create_async(const char *lib, bool isolated)
{
    atomic_store(&started_calls, 0);
    atomic_store(&started_code, -1);
    atomic_store(&started_proxy, NULL);
    Ability_ChildProcessConfigs *c = OH_Ability_CreateChildProcessConfigs();
    OH_Ability_ChildProcessConfigs_SetIsolationMode(c, isolated ? NCP_ISOLATION_MODE_ISOLATED : NCP_ISOLATION_MODE_NORMAL);
    int code = OH_Ability_CreateNativeChildProcessWithConfigs(lib, c, on_started);
    OH_Ability_DestroyChildProcessConfigs(c);
    return code;
}

/* The number of start callbacks after the first one came (or 15 s), with a
 * little more time to catch a second. */
static int started_wait(int *code, OHIPCRemoteProxy **proxy)
{
    for (double end = now_s() + 15; atomic_load(&started_calls) == 0 && now_s() < end;)
        usleep(5000);
    usleep(200000);
    *code = atomic_load(&started_code);
    *proxy = atomic_load(&started_proxy);
    return atomic_load(&started_calls);
}

/* ---- finding a child that is still starting ---- */

/* The pid of the app's live child whose name starts with "<bundle>:Native_<stem>". */
static pid_t find_child(const char *stem, int timeout_ms)
{
    char prefix[256];
    snprintf(prefix, sizeof(prefix), "%s:Native_%s", app_bundle, stem);
    for (double end = now_s() + timeout_ms / 1000.0; now_s() < end; usleep(5000)) {
        DIR *d = opendir("/proc");
        struct dirent *e;
        pid_t found = -1;
        while (d && found < 0 && (e = readdir(d))) {
            char path[300], cmd[512];
            snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
            int fd = e->d_name[0] >= '1' && e->d_name[0] <= '9' ? open(path, O_RDONLY | O_CLOEXEC) : -1;
            ssize_t n = fd >= 0 ? read(fd, cmd, sizeof(cmd) - 1) : -1;
            if (fd >= 0)
                close(fd);
            if (n > 0 && (cmd[n] = '\0', strncmp(cmd, prefix, strlen(prefix)) == 0) && process_alive(atoi(e->d_name)))
                found = atoi(e->d_name);
        }
        if (d)
            closedir(d);
        if (found > 0)
            return found;
    }
    return -1;
}

/* Waits until `lib` is mapped in pid: it is running the library's constructor. */
static bool wait_mapped(pid_t pid, const char *lib, int timeout_ms)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
    for (double end = now_s() + timeout_ms / 1000.0; now_s() < end; usleep(5000)) {
        FILE *f = fopen(path, "re");
        char line[1024];
        bool found = false;
        while (f && !found && fgets(line, sizeof(line), f))
            found = strstr(line, lib) != NULL;
        if (f)
            fclose(f);
        if (found)
            return true;
    }
    return false;
}

/* ---- expectations ---- */

static int start_args(const char *entry, const char *params, bool isolated, int32_t *pid)
{
    NativeChildProcess_Args args = { .entryParams = (char *)params };
    NativeChildProcess_Options o = { .isolationMode = isolated ? NCP_ISOLATION_MODE_ISOLATED : NCP_ISOLATION_MODE_NORMAL };
    return OH_Ability_StartNativeChildProcess(entry, args, o, pid);
}

static const char *how(bool isolated) { return isolated ? "isolated" : "normal"; }

/* An args child that dies of `sig`: code 0 and a pid, the wait status says
 * the signal, one exit callback with pid and signal. */
static void expect_args_killed(const char *what, const char *entry, bool isolated, int sig)
{
    int32_t pid = -1;
    int code = start_args(entry, "segv", isolated, &pid);
    is_int(code, NCP_NO_ERROR, "%s (args, %s, %s): the start returns 0 and a pid", what, how(isolated), mode_name());
    int status = -1, got_sig = 0;
    is_int(NCP_WaitChildProcess(pid, &status, 15000), NCP_NO_ERROR, "%s: its end is reported", what);
    ok(WIFSIGNALED(status) && WTERMSIG(status) == sig, "%s: wait status says signal %d (0x%x)", what, sig, status);
    int calls = exit_calls_for(pid, &got_sig, 5000);
    ok(calls == 1 && got_sig == sig, "%s: one exit callback with pid %d and signal %d (%d calls, signal %d)", what,
       (int)pid, sig, calls, got_sig);
}

/* An IPC child whose start fails: Create returns 0, then exactly one
 * callback with an error code (want_code, or any when 0) and no proxy. */
static void expect_ipc_failed(const char *what, const char *lib, bool isolated, int want_code)
{
    int code = -1;
    OHIPCRemoteProxy *proxy = NULL;
    int sync_code = create_async(lib, isolated);
    is_int(sync_code, NCP_NO_ERROR, "%s (IPC, %s, %s): Create returns 0", what, how(isolated), mode_name());
    int calls = sync_code == NCP_NO_ERROR ? started_wait(&code, &proxy) : 0;
    if (want_code)
        ok(calls == 1 && code == want_code && !proxy, "%s: the callback runs once with %d and no proxy (%d calls, code %d)",
           what, want_code, calls, code);
    else
        ok(calls == 1 && code != NCP_NO_ERROR && code != -1 && !proxy,
           "%s: the callback runs once with an error code and no proxy (%d calls, code %d)", what, calls, code);
    if (proxy)
        OH_IPCRemoteProxy_Destroy(proxy);
}

/* ---- scenarios ---- */

static void warm_up(void)
{
    int status;
    free(run_child("libtestentry.so:Main", "warm", NULL, &status));
    int32_t pid;
    if (start_args("libtestentry.so:Main", "warm", true, &pid) == NCP_NO_ERROR)
        NCP_WaitChildProcess(pid, &status, 15000);
    /* an IPC child that crashes in MainProc: the IPC library's pieces are up */
    int code;
    OHIPCRemoteProxy *proxy = NULL;
    if (create_async("libhostile_main.so", false) == NCP_NO_ERROR && started_wait(&code, &proxy) && proxy)
        OH_IPCRemoteProxy_Destroy(proxy);
}

/* Every stage, one process, one spawn mode. */
static void scenario_stages(void)
{
    app_setup("fault-stages", 16);
    OH_Ability_RegisterNativeChildProcessExitCallback(on_exit_cb);
    warm_up();
    struct census base = census_stable();
    /* An isolated child exec'd one by one finds only system libraries and its
     * own library's directory: the build tree's libchild_process and
     * libipc_capi, which libtestentry and libhostile link, are not there (the
     * zygote has them loaded already).  libbadctor links nothing. */
    bool exec_mode = !strcmp(mode_name(), "exec");

    for (int iso = 0; iso < 2; iso++) {
        /* dlopen: the library crashes while it loads */
        expect_args_killed("dlopen: the constructor crashes", "libbadctor.so:Main", iso, SIGSEGV);
        if (iso && exec_mode) {
            ok(1, "# SKIP the other stages, isolated, exec mode: the test libraries' dependencies are outside the sandbox");
            goto policy;
        }
        expect_ipc_failed("dlopen: the constructor crashes", "libhostile_segv.so", iso, NCP_ERR_LIB_LOADING_FAILED);

        /* mid-start: blocked in the constructor, then SIGKILLed */
        int32_t pid = -1;
        is_int(start_args("libhostile_block.so:Main", "", iso, &pid), NCP_NO_ERROR,
               "killed mid-start (args, %s, %s): start returns a pid", how(iso), mode_name());
        ok(wait_mapped(pid, "libhostile_block", 10000), "killed mid-start: the child is in its library's constructor");
        is_int(OH_Ability_KillChildProcess(pid), NCP_NO_ERROR, "killed mid-start: KillChildProcess -> 0");
        int status = -1, sig = 0;
        NCP_WaitChildProcess(pid, &status, 10000);
        ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "killed mid-start: wait status says SIGKILL (0x%x)", status);
        int calls = exit_calls_for(pid, &sig, 5000);
        ok(calls == 1 && sig == SIGKILL, "killed mid-start: one exit callback with SIGKILL (%d, %d)", calls, sig);

        is_int(create_async("libhostile_block.so", iso), NCP_NO_ERROR, "killed mid-start (IPC, %s, %s): Create returns 0",
               how(iso), mode_name());
        pid_t ipid = find_child("libhostile_block", 10000);
        ok(ipid > 0 && wait_mapped(ipid, "libhostile_block", 10000), "killed mid-start (IPC): the child is in its constructor");
        is_int(atomic_load(&started_calls), 0, "killed mid-start (IPC): no callback while it loads");
        is_int(OH_Ability_KillChildProcess(ipid), NCP_NO_ERROR, "killed mid-start (IPC): KillChildProcess -> 0");
        int code = -1;
        OHIPCRemoteProxy *proxy = NULL;
        calls = started_wait(&code, &proxy);
        ok(calls == 1 && code == NCP_ERR_LIB_LOADING_FAILED && !proxy,
           "killed mid-start (IPC): one callback with %d (%d calls, code %d)", NCP_ERR_LIB_LOADING_FAILED, calls, code);

        /* connect: OnConnect crashes */
        expect_ipc_failed("OnConnect crashes", "libhostile_connect.so", iso, 0);

        /* entry: the entry crashes */
        expect_args_killed("the entry crashes", "libtestentry.so:Crash", iso, SIGSEGV);
        is_int(create_async("libhostile_main.so", iso), NCP_NO_ERROR, "MainProc crashes (IPC, %s, %s): Create returns 0",
               how(iso), mode_name());
        calls = started_wait(&code, &proxy);
        ok(calls == 1 && code == NCP_NO_ERROR && proxy, "MainProc crashes: the start succeeded, once (%d calls, code %d)",
           calls, code);
        int dead = 0;
        for (double end = now_s() + 10; proxy && !(dead = OH_IPCRemoteProxy_IsRemoteDead(proxy)) && now_s() < end;)
            usleep(5000);
        ok(dead, "MainProc crashes: the proxy reports the child dead");
        if (proxy)
            OH_IPCRemoteProxy_Destroy(proxy);

    policy:
        if (iso) {
            /* sandbox: a malformed policy fails the build */
            char bad[300];
            snprintf(bad, sizeof(bad), "%s/bad-policy.json", app_runtime);
            FILE *f = fopen(bad, "we");
            fprintf(f, "{\"ruleset\": [{\"handledAccessFs\": [\"no_such_right\"]}]}\n");
            fclose(f);
            setenv("NCP_POLICY_FILE", bad, 1);
            int32_t ppid = -1;
            int pstatus = -1, psig = 0;
            is_int(start_args("libtestentry.so:Main", "", true, &ppid), NCP_NO_ERROR,
                   "the sandbox fails (malformed policy, args, %s): start returns a pid", mode_name());
            NCP_WaitChildProcess(ppid, &pstatus, 15000);
            ok(WIFEXITED(pstatus) && WEXITSTATUS(pstatus) == 125, "the sandbox fails: the child exits 125 (0x%x)", pstatus);
            is_int(exit_calls_for(ppid, &psig, 300), 0, "the sandbox fails: no exit callback (it was not killed)");
            expect_ipc_failed("the sandbox fails (malformed policy)", "libhostile.so", true, NCP_ERR_NOT_SUPPORTED);
            unsetenv("NCP_POLICY_FILE");
        }
        census_check(iso ? "every stage, isolated" : "every stage, normal", &base);
    }
}

/* The runner dies at a stage the hook names (NCP_TEST_CRASH_AT, set for
 * this whole process, so its zygote has it too). */
static void scenario_hook(void)
{
    const char *stage = getenv("NCP_TEST_CRASH_AT");
    app_setup("fault-hook", 16);
    OH_Ability_RegisterNativeChildProcessExitCallback(on_exit_cb);
    bool exec_mode = !strcmp(mode_name(), "exec");
    char what[64];
    snprintf(what, sizeof(what), "dies at %s", stage);
    struct census base = { 0 };
    for (int iso = 0; iso < 2; iso++) {
        if (iso && exec_mode) {
            /* An exec'd isolated runner gets the filtered environment: the hook cannot reach it. */
            ok(1, "# SKIP %s, isolated, exec mode: the isolated child's environment drops the hook", what);
            continue;
        }
        if (!iso && !strcmp(stage, "sandbox")) {
            int status;
            char *text = run_child("libtestentry.so:Main", "fine", NULL, &status);
            ok(strstr(text, "params=fine") && WIFEXITED(status) && WEXITSTATUS(status) == 0,
               "normal children have no sandbox stage: they run (%s)", mode_name());
            free(text);
        } else {
            expect_args_killed(what, "libtestentry.so:Main", iso, SIGSEGV);
            expect_ipc_failed(what, "libhostile.so", iso, NCP_ERR_LIB_LOADING_FAILED);
        }
        if (base.fds == 0)
            base = census_stable(); /* the library's own descriptors and thread exist from here on */
    }
    /* The same again, now against the baseline. */
    for (int iso = 0; iso < 2; iso++)
        if (!(iso && exec_mode) && !(!iso && !strcmp(stage, "sandbox"))) {
            int32_t pid = -1;
            int status = -1;
            start_args("libtestentry.so:Main", "", iso, &pid);
            NCP_WaitChildProcess(pid, &status, 15000);
            ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "%s (%s, %s), again: SIGSEGV", what, how(iso),
               mode_name());
        }
    census_check(what, &base);
}

/* Whether the live process pid's name (its cmdline) is "<bundle><suffix>". */
static bool named(pid_t pid, const char *suffix)
{
    char want[256], path[64], cmd[512];
    snprintf(want, sizeof(want), "%s%s", app_bundle, suffix);
    snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, cmd, sizeof(cmd) - 1) : -1;
    if (fd >= 0)
        close(fd);
    return n > 0 && (cmd[n] = '\0', strcmp(cmd, want) == 0) && process_alive(pid);
}

/* The parent of pid (/proc/PID/stat), or -1. */
static pid_t parent_of(pid_t pid)
{
    char path[64], line[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    int ppid = -1;
    if (f && fgets(line, sizeof(line), f)) {
        const char *p = strrchr(line, ')');
        if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
            ppid = -1;
    }
    if (f)
        fclose(f);
    return ppid;
}

/* The first live process named "<bundle><suffix>" whose parent is `parent`
 * (any parent when 0) and, when not_under is given, whose parent is not
 * named "<bundle><not_under>". */
static pid_t find_named(const char *suffix, pid_t parent, const char *not_under)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    pid_t found = -1;
    while (d && found < 0 && (e = readdir(d))) {
        pid_t pid = e->d_name[0] >= '1' && e->d_name[0] <= '9' ? atoi(e->d_name) : 0;
        if (pid <= 0 || !named(pid, suffix))
            continue;
        pid_t pp = parent || not_under ? parent_of(pid) : 0;
        if ((!parent || pp == parent) && (!not_under || !named(pp, not_under)))
            found = pid;
    }
    if (d)
        closedir(d);
    return found;
}

/* The app's zygote.  A child it has just forked bears its name until it
 * renames itself (a spare: ":ncp-spare", then the child's own), and once
 * pids have wrapped around (pid_max may be 32768) that child can come
 * first in /proc: the zygote is the one whose parent is not a zygote. */
static pid_t find_zygote(void)
{
    return find_named(":ncp-zygote", 0, ":ncp-zygote");
}

/* The zygote's waiting child (its "spare", forked ahead of need) dies before
 * it is handed work; and children are SIGKILLed the moment their start
 * returns (in exec mode: around their execve).  Every start must end
 * consistently: code 0 and a pid whose end is reported, with one exit
 * callback when it was killed. */
static void scenario_early(void)
{
    app_setup("fault-early", 16);
    setenv("NCP_LOG", "debug", 1);
    NCP_SetLogHandler(record_log, NULL);
    OH_Ability_RegisterNativeChildProcessExitCallback(on_exit_cb);
    int status;
    free(run_child("libtestentry.so:Main", "warm", NULL, &status));
    struct census base = census_stable();
    bool exec_mode = !strcmp(mode_name(), "exec");

    if (!exec_mode) {
        /* The spare dies while the zygote is stopped; the app drops it and
         * asks the zygote, and the request waits. */
        int right = 0, rounds = 0;
        for (int i = 0; i < 5; i++) {
            /* A zygote with its spare; on a loaded machine either may be
             * missing for a while (the zygote of a round whose start failed
             * is gone): a start brings both. */
            pid_t zygote = -1, spare = -1;
            for (int tries = 0; tries < 3; tries++) {
                zygote = find_zygote();
                for (double end = now_s() + 5; zygote >= 0 && (spare = find_named(":ncp-spare", zygote, NULL)) < 0 &&
                                               now_s() < end;)
                    usleep(5000);
                if (zygote >= 0 && spare >= 0)
                    break;
                diag("round %d: no %s yet; a start to bring one", i, zygote < 0 ? "zygote" : "spare");
                free(run_child("libtestentry.so:Main", "warm", NULL, &status));
            }
            if (zygote < 0 || spare < 0)
                continue;
            rounds++;
            round_log_clear();
            kill(zygote, SIGSTOP);
            kill(spare, SIGKILL);
            /* Dead, not dying: a spare killed during the hand-off is a child
             * killed as it starts (the app holds the spares; see
             * src/runner/zygote_proto.h).  A dead one must never get the work. */
            for (double end = now_s() + 5; process_alive(spare) && now_s() < end;)
                usleep(1000);
            struct start_req { int code; int32_t pid; } r = { -1, -1 };
            int p[2];
            pipe2(p, O_CLOEXEC);
            NativeChildProcess_Fd out = { .fdName = (char *)"out", .fd = p[1] };
            NativeChildProcess_Args args = { .entryParams = (char *)"after", .fdList = { .head = &out } };
            NativeChildProcess_Options o = { 0 };
            /* the start blocks until the zygote answers: let it go from here */
            pid_t waker = fork();
            if (waker == 0) {
                usleep(100000);
                kill(zygote, SIGCONT);
                _exit(0);
            }
            r.code = OH_Ability_StartNativeChildProcess("libtestentry.so:Main", args, o, &r.pid);
            waitpid(waker, NULL, 0);
            close(p[1]);
            char *text = read_until_eof(p[0], 10000);
            close(p[0]);
            status = -1;
            int w = r.code == NCP_NO_ERROR ? (int)NCP_WaitChildProcess(r.pid, &status, 10000) : -1;
            bool good = r.code == NCP_NO_ERROR && strstr(text, "params=after") && WIFEXITED(status) &&
                        WEXITSTATUS(status) == 0;
            right += good;
            if (!good)
            {
                diag("round %d (zygote %d, spare %d): code %d, pid %d, wait %d, status 0x%x, text \"%s\"", i,
                     (int)zygote, (int)spare, r.code, (int)r.pid, w, status, text);
                round_log_print();
            }
            free(text);
        }
        ok(rounds > 0 && right == rounds, "the zygote's waiting child killed before the hand-off: the start still "
           "works (%d of %d)", right, rounds);

        /* The zygote itself killed, and a start at once, before the library
         * has seen it go: the start gets a new zygote.  Right after a start
         * the zygote forks the next spare, and a child it has just forked
         * holds a copy of its socket for a moment (the socket does not hang
         * up yet) and may miss its parent-death signal: neither that spare
         * nor the dead zygote may take the start. */
        right = rounds = 0;
        for (int i = 0; i < 20; i++) {
            pid_t zygote = find_zygote();
            if (zygote < 0) {
                diag("round %d: no zygote to kill (the last start made none?)", i);
                continue;
            }
            rounds++;
            round_log_clear();
            kill(zygote, SIGKILL);
            while (process_alive(zygote))
                usleep(100);
            char *text = run_child("libtestentry.so:Main", "new", NULL, &status);
            bool good = strstr(text, "params=new") && WIFEXITED(status) && WEXITSTATUS(status) == 0;
            right += good;
            if (!good) {
                diag("a start right after the zygote was killed: \"%s\", status 0x%x", text, status);
                round_log_print();
            }
            free(text);
        }
        ok(rounds > 0 && right == rounds, "the zygote killed, a start at once: it works with a new zygote (%d of %d)",
           right, rounds);
    }

    /* SIGKILL the moment the start returns. */
    int consistent = 0, killed = 0;
    enum { N = 20 };
    for (int i = 0; i < N; i++) {
        int32_t pid = -1;
        NativeChildProcess_Args args = { .entryParams = (char *)"" };
        NativeChildProcess_Options o = { 0 };
        round_log_clear();
        int code = OH_Ability_StartNativeChildProcess("libtestentry.so:Main", args, o, &pid);
        int k = code == NCP_NO_ERROR ? (int)OH_Ability_KillChildProcess(pid) : -1;
        status = -1;
        int sig = 0;
        NCP_WaitChildProcess(pid, &status, 10000);
        int calls = exit_calls_for(pid, &sig, WIFSIGNALED(status) ? 3000 : 100);
        bool was_killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
        /* the kill may come too late: then the child had already ended cleanly */
        bool good = code == NCP_NO_ERROR &&
                    ((k == NCP_NO_ERROR && was_killed && calls == 1 && sig == SIGKILL) ||
                     (WIFEXITED(status) && WEXITSTATUS(status) == 0 && calls == 0));
        consistent += good;
        killed += was_killed;
        if (!good) {
            diag("kill right after the start: code %d, kill %d, status 0x%x, %d callbacks (signal %d)", code, k, status,
                 calls, sig);
            round_log_print();
        }
    }
    ok(consistent == N, "SIGKILL right after the start returned (%s): %d of %d ended consistently (%d killed)",
       mode_name(), consistent, N, killed);
    census_check("children killed early", &base);
}

/* ---- the runner missing or not executable ---- */

struct start_call {
    int code;
    int32_t pid;
    int create_code;
};

static void do_start(void *arg)
{
    struct start_call *s = arg;
    s->pid = -1;
    s->code = start_args("libtestentry.so:Main", "", false, &s->pid);
    s->create_code = OH_Ability_CreateNativeChildProcess("libhostile_main.so", on_started);
}

static void scenario_runner(void)
{
    app_setup("fault-runner", 16);
    int fds0 = count_open_fds();
    char real[4096];
    snprintf(real, sizeof(real), "%s", getenv("NCP_RUNNER"));
    char path[300];
    struct start_call s;
    atomic_store(&started_calls, 0);

    setenv("NCP_RUNNER", "/nonexistent/ncp-runner", 1);
    char *log = capture_stderr(do_start, &s);
    ok(s.code == NCP_ERR_INTERNAL && s.create_code == NCP_ERR_INTERNAL,
       "runner missing: Start and Create -> NCP_ERR_INTERNAL (%d, %d)", s.code, s.create_code);
    ok(strstr(log, "/nonexistent/ncp-runner") && strstr(log, "No such file"), "runner missing: the log line names the path and why");
    ok(!OH_Ability_IsNativeChildProcessSupported(), "runner missing: IsNativeChildProcessSupported() is false");
    free(log);

    snprintf(path, sizeof(path), "%s/ncp-runner-noexec", app_runtime);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    int in = open(real, O_RDONLY | O_CLOEXEC);
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof(buf))) > 0)
        if (write(fd, buf, (size_t)n) != n)
            break;
    close(in);
    close(fd);
    setenv("NCP_RUNNER", path, 1);
    log = capture_stderr(do_start, &s);
    ok(s.code == NCP_ERR_INTERNAL && s.create_code == NCP_ERR_INTERNAL,
       "runner not executable (mode 0644): Start and Create -> NCP_ERR_INTERNAL (%d, %d)", s.code, s.create_code);
    ok(strstr(log, path) && strstr(log, "Permission denied"), "runner not executable: the log line names the path and why");
    free(log);

    /* Executable, but not a program: execve fails in the child (ENOEXEC). */
    snprintf(path, sizeof(path), "%s/ncp-runner-garbage", app_runtime);
    fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
    memset(buf, 0xab, 4096);
    if (write(fd, buf, 4096) != 4096)
        abort();
    close(fd);
    setenv("NCP_RUNNER", path, 1);
    log = capture_stderr(do_start, &s);
    int status = -1;
    if (s.code == NCP_NO_ERROR) {
        NCP_WaitChildProcess(s.pid, &status, 10000);
        ok(WIFEXITED(status) && WEXITSTATUS(status) == 127, "runner not a program: a pid whose child exits 127 (0x%x)", status);
    } else
        ok(s.code == NCP_ERR_INTERNAL, "runner not a program: NCP_ERR_INTERNAL (%d)", s.code);
    for (double end = now_s() + 10; s.create_code == NCP_NO_ERROR && atomic_load(&started_calls) == 0 && now_s() < end;)
        usleep(5000);
    ok(s.create_code == NCP_ERR_INTERNAL || (s.create_code == NCP_NO_ERROR && atomic_load(&started_calls) == 1 &&
                                             atomic_load(&started_code) != NCP_NO_ERROR),
       "runner not a program (IPC): NCP_ERR_INTERNAL, or one failed callback (%d, %d calls, code %d)", s.create_code,
       atomic_load(&started_calls), atomic_load(&started_code));
    free(log);

    /* The real runner again: starts work. */
    setenv("NCP_RUNNER", real, 1);
    char *text = run_child("libtestentry.so:Main", "back", NULL, &status);
    ok(strstr(text, "params=back") != NULL, "with the runner back, children start again");
    if (!strstr(text, "params=back"))
        diag("the child said \"%s\", status 0x%x", text, status);
    free(text);
    /* What the library keeps from here on: the supervisor's epoll and
     * eventfd and thread, and the zygote's control socket if one runs. */
    struct census base = census_stable();
    int zygotes = 0;
    app_processes(&zygotes);
    base.fds = fds0 + 2 + (zygotes > 0);
    base.threads = 2;
    census_check("runner faults", &base);
}

/* ---- the [early] scenarios in a loop, beside CPU hogs ---- */

/* Processes that spin until killed (or until this one dies). */
static int start_hogs(pid_t *hogs, int n)
{
    int started = 0;
    for (; started < n; started++) {
        pid_t pid = fork();
        if (pid < 0)
            break;
        if (pid == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
            for (volatile unsigned long spin = 0;; spin++)
                ;
        }
        hogs[started] = pid;
    }
    return started;
}

static void stop_hogs(const pid_t *hogs, int n)
{
    for (int i = 0; i < n; i++) {
        kill(hogs[i], SIGKILL);
        waitpid(hogs[i], NULL, 0);
    }
}

/* NCP_TEST_LOOPS=N (make check-loops): the scenarios where a spare, the
 * zygote or a child is killed as a start is under way, N times in each
 * spawn mode, beside NCP_TEST_HOGS (3) processes that keep the CPUs busy:
 * their failures are races that show once in hundreds of rounds on a
 * loaded machine. */
static int loop_early(const char *self, int loops)
{
    const char *exec_env[] = { "NCP_SPAWN_MODE=exec", NULL };
    const char *h = getenv("NCP_TEST_HOGS");
    pid_t hogs[64];
    int n_hogs = start_hogs(hogs, h ? (atoi(h) < 0 ? 0 : atoi(h) > 64 ? 64 : atoi(h)) : 3);
    diag("[early] %d times in each spawn mode, beside %d CPU hogs", loops, n_hogs);
    for (int i = 0; i < loops; i++) {
        diag("loop %d of %d", i + 1, loops);
        run_scenario(self, "early", NULL);
        run_scenario(self, "early", exec_env);
    }
    stop_hogs(hogs, n_hogs);
    return tap_done();
}

/* The zygote's spares, normal and isolated (an isolated spare is in a user
 * namespace of its own). */
static void count_spares(pid_t zygote, int *normal, int *isolated)
{
    char mine[64] = "", path[64], ns[64];
    readlink("/proc/self/ns/user", mine, sizeof(mine) - 1);
    *normal = *isolated = 0;
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        pid_t pid = e->d_name[0] >= '1' && e->d_name[0] <= '9' ? atoi(e->d_name) : 0;
        if (pid <= 0 || !named(pid, ":ncp-spare") || parent_of(pid) != zygote)
            continue;
        snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
        ssize_t n = readlink(path, ns, sizeof(ns) - 1);
        ns[n > 0 ? n : 0] = '\0';
        if (n > 0 && strcmp(ns, mine) != 0)
            (*isolated)++;
        else
            (*normal)++;
    }
    if (d)
        closedir(d);
}

/* Waits up to 5 s for the zygote to hold `want` isolated spares (it forks
 * them in parallel; each renames itself once forked); the last count. */
static int wait_isolated_spares(int want, int *normal)
{
    int isolated = -1;
    for (double end = now_s() + 5; now_s() < end; usleep(10000)) {
        count_spares(find_zygote(), normal, &isolated);
        if (isolated == want)
            break;
    }
    return isolated;
}

/* Ends of spares the app let go without work that the library dropped
 * (without autoreap the zygote reports every child's end). */
static atomic_int dropped_ends;
/* Spares found to have built another sandbox than a start's. */
static atomic_int other_sandbox;
static void count_pool_lines(NCP_LogLevel level, const char *child, int32_t pid, const char *message, void *data)
{
    (void)level, (void)child, (void)pid, (void)data;
    if (strstr(message, "let go without work, dropped"))
        atomic_fetch_add(&dropped_ends, 1);
    if (strstr(message, "built another sandbox: not used"))
        atomic_fetch_add(&other_sandbox, 1);
}

/* max_spares (NCP_TEST_SPARES): isolated starts back to back grow the pool
 * to max_spares while they come, a second of quiet brings it back to one,
 * and what the pool held is all given back. */
static void scenario_pool(void)
{
    app_setup("fault-pool", 64);
    int max = atoi(getenv("NCP_TEST_SPARES"));
    /* NCP_TEST_PIDFD_EXIT=0: as on kernels before 6.15, where the zygote
     * reports the ends, the retired spares' among them. */
    const char *pe = getenv("NCP_TEST_PIDFD_EXIT");
    bool reported = pe && !strcmp(pe, "0");
    setenv("NCP_LOG", "debug", 1);
    NCP_SetLogHandler(count_pool_lines, NULL);
    FILE *f = fopen(app_conf, "ae");
    fprintf(f, "max_spares = %d\n", max);
    fclose(f);
    Ability_ChildProcessConfigs *c = OH_Ability_CreateChildProcessConfigs();
    OH_Ability_ChildProcessConfigs_SetIsolationMode(c, NCP_ISOLATION_MODE_ISOLATED);
    int status;
    free(run_child("libtestentry.so:Main", "warm", c, &status));
    int normal = 0, idle = wait_isolated_spares(max ? 1 : 0, &normal);
    is_int(idle, max ? 1 : 0, "max_spares = %d: between starts the zygote keeps %d isolated spare(s)", max, max ? 1 : 0);
    struct census base = census_stable();

    int worked = 0, most = 0;
    for (int i = 0; i < 30; i++) {
        char *text = run_child("libtestentry.so:Main", "batch", c, &status);
        worked += strstr(text, "params=batch") && WIFEXITED(status) && WEXITSTATUS(status) == 0;
        free(text);
        int n, iso;
        count_spares(find_zygote(), &n, &iso);
        most = iso > most ? iso : most;
    }
    is_int(worked, 30, "max_spares = %d: 30 isolated starts back to back all run their entry", max);
    int grown = most == max ? max : wait_isolated_spares(max, &normal);
    is_int(grown > most ? grown : most, max, "max_spares = %d: back to back, the pool grows to %d isolated spares",
           max, max);
    if (max > 1) {
        /* A start of another sandbox while the pool holds the batch's: one
         * spare is let go (the zygote then builds one for the new sandbox),
         * not the whole pool. */
        wait_isolated_spares(max, &normal);
        Ability_ChildProcessConfigs *other = OH_Ability_CreateChildProcessConfigs();
        OH_Ability_ChildProcessConfigs_SetIsolationMode(other, NCP_ISOLATION_MODE_ISOLATED);
        NCP_ChildProcessConfigs_SetLimit(other, NCP_LIMIT_NOFILE, 512);
        atomic_store(&other_sandbox, 0);
        char *text = run_child("libtestentry.so:Main", "other", other, &status);
        bool ran = strstr(text, "params=other") && WIFEXITED(status) && WEXITSTATUS(status) == 0;
        free(text);
        OH_Ability_DestroyChildProcessConfigs(other);
        ok(ran && atomic_load(&other_sandbox) == 1, "max_spares = %d: a start of another sandbox runs and lets one "
           "spare of the batch's go, not the pool (%d let go)", max, atomic_load(&other_sandbox));
    }
    usleep(1500000);
    int shrunk = wait_isolated_spares(max ? 1 : 0, &normal);
    is_int(shrunk, max ? 1 : 0, "max_spares = %d: a second after the batch, back to %d", max, max ? 1 : 0);
    OH_Ability_DestroyChildProcessConfigs(c);
    census_check("spare pool", &base);
    if (reported && max > 1)
        ok(atomic_load(&dropped_ends) >= max - 1,
           "ends reported by the zygote: those of the %d retired spares are dropped, never kept for a later child "
           "with the same pid (%d dropped)", max - 1, atomic_load(&dropped_ends));
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (!strcmp(argv[1], "stages"))
            scenario_stages();
        else if (!strcmp(argv[1], "hook"))
            scenario_hook();
        else if (!strcmp(argv[1], "runner"))
            scenario_runner();
        else if (!strcmp(argv[1], "early"))
            scenario_early();
        else if (!strcmp(argv[1], "pool"))
            scenario_pool();
        int failed = tap_done();
        rm_rf(app_runtime);
        return failed;
    }
    const char *loops = getenv("NCP_TEST_LOOPS");
    if (loops && atoi(loops) > 0)
        return loop_early(argv[0], atoi(loops));
    const char *exec_env[] = { "NCP_SPAWN_MODE=exec", NULL };
    run_scenario(argv[0], "stages", NULL);
    run_scenario(argv[0], "stages", exec_env);
    const char *spec_z[] = { "NCP_TEST_CRASH_AT=spec", NULL };
    const char *spec_e[] = { "NCP_TEST_CRASH_AT=spec", "NCP_SPAWN_MODE=exec", NULL };
    const char *sandbox_z[] = { "NCP_TEST_CRASH_AT=sandbox", NULL };
    run_scenario(argv[0], "hook", spec_z);
    run_scenario(argv[0], "hook", spec_e);
    run_scenario(argv[0], "hook", sandbox_z);
    run_scenario(argv[0], "runner", NULL);
    run_scenario(argv[0], "runner", exec_env);
    run_scenario(argv[0], "early", NULL);
    run_scenario(argv[0], "early", exec_env);
    const char *pool3[] = { "NCP_TEST_SPARES=3", NULL }, *pool0[] = { "NCP_TEST_SPARES=0", NULL };
    run_scenario(argv[0], "pool", pool3);
    run_scenario(argv[0], "pool", pool0);
    const char *pool3_reported[] = { "NCP_TEST_SPARES=3", "NCP_TEST_PIDFD_EXIT=0", NULL };
    run_scenario(argv[0], "pool", pool3_reported);
    return tap_done();
}
