/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fault injection in the parent:
 *   kill      the parent is SIGKILLed in the middle of starts (threads
 *             starting normal, isolated and IPC children): no child, zygote
 *             or spare outlives it, no slot lock stays held, no data dir or
 *             mount is left on the host
 *   emfile    RLIMIT_NOFILE lowered step by step so a start cannot create
 *             its sockets (or receive the child's pidfd): each start returns
 *             an error code, or works; a start that failed never leaves a
 *             child running; nothing leaks
 *   enomem    every allocation point of a start made to fail in turn (this
 *             program replaces malloc; not in sanitizer builds): an error
 *             code or a working start, never a crash, nothing leaks
 * Each runs in a fresh process, in both spawn modes.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/resource.h>

#include <IPCKit/ipc_kit.h>

#include "fault-util.h"

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_SANITIZER 1
#endif
#endif

static const char *mode_name(void)
{
    const char *m = getenv("NCP_SPAWN_MODE");
    return m && !strcmp(m, "exec") ? "exec" : "zygote";
}

/* ---- failing allocations ----
 * malloc and friends, replaced for the whole process (glibc lets a program
 * do that), forward to glibc's; when armed on a thread, the Nth allocation
 * of that thread fails. */
#ifndef HAVE_SANITIZER
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
static __thread long fail_countdown = -1;

static bool should_fail(void)
{
    if (fail_countdown < 0)
        return false;
    if (fail_countdown-- == 0) {
        fail_countdown = -2; /* one failure per arming; -2: it happened */
        return true;
    }
    return false;
}

#define EXPORT __attribute__((visibility("default")))
EXPORT void *malloc(size_t n);
EXPORT void *calloc(size_t a, size_t b);
EXPORT void *realloc(void *p, size_t n);
EXPORT void free(void *p);

void *malloc(size_t n)
{
    if (should_fail()) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_malloc(n);
}

void *calloc(size_t a, size_t b)
{
    if (should_fail()) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
    if (should_fail()) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_realloc(p, n);
}

void free(void *p) { __libc_free(p); }
#endif

/* ---- helpers ---- */

/* Whether every writer of fd is gone within timeout_ms (and nothing came). */
static bool silent_eof(int fd, int timeout_ms, char *got, size_t size)
{
    size_t len = 0;
    got[0] = '\0';
    for (double end = now_s() + timeout_ms / 1000.0; now_s() < end;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, 50) <= 0)
            continue;
        ssize_t n = read(fd, got + len, size - len - 1);
        if (n <= 0)
            return len == 0;
        len += (size_t)n;
        got[len] = '\0';
    }
    return false;
}

static atomic_int ipc_calls, ipc_code;
static OHIPCRemoteProxy *_Atomic ipc_proxy;

static void on_started(int code, OHIPCRemoteProxy *proxy)
{
    atomic_store(&ipc_code, code);
    atomic_store(&ipc_proxy, proxy);
    atomic_fetch_add(&ipc_calls, 1);
}

/* One args start with an "out" pipe made beforehand; `before`/`after` run
 * around the start call only (the fault).  Returns the code; checks that an
 * error means no child ran and success means the child ran. */
struct attempt {
    int code;
    bool consistent;
    char detail[160];
};

static struct attempt attempt_args(void (*before)(long), void (*after)(void), long arg)
{
    struct attempt a = { .consistent = false };
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        abort();
    NativeChildProcess_Fd out = { .fdName = (char *)"out", .fd = p[1] };
    NativeChildProcess_Args args = { .entryParams = (char *)"fault", .fdList = { .head = &out } };
    NativeChildProcess_Options o = { .isolationMode = NCP_ISOLATION_MODE_NORMAL };
    int32_t pid = -1;
    before(arg);
    a.code = OH_Ability_StartNativeChildProcess("libtestentry.so:Main", args, o, &pid);
    after();
    close(p[1]);
    char got[512];
    if (a.code == NCP_NO_ERROR) {
        char *text = read_until_eof(p[0], 10000);
        int status = -1;
        NCP_WaitChildProcess(pid, &status, 10000);
        a.consistent = strstr(text, "params=fault") && strstr(text, "end") && WIFEXITED(status) && WEXITSTATUS(status) == 0;
        snprintf(a.detail, sizeof(a.detail), "pid %d, status 0x%x, output %zu bytes", (int)pid, status, strlen(text));
        free(text);
    } else {
        a.consistent = silent_eof(p[0], 3000, got, sizeof(got));
        snprintf(a.detail, sizeof(a.detail), "%s", a.consistent ? "no child ran" : "a child ran anyway!");
    }
    close(p[0]);
    return a;
}

/* An IPC start under the fault: Create's code, or exactly one callback. */
static bool attempt_ipc(void (*before)(long), void (*after)(void), long arg, int *sync_code, int *code)
{
    atomic_store(&ipc_calls, 0);
    atomic_store(&ipc_proxy, NULL);
    before(arg);
    *sync_code = OH_Ability_CreateNativeChildProcess("libhostile_main.so", on_started);
    after();
    *code = -1;
    if (*sync_code != NCP_NO_ERROR) {
        usleep(50000);
        return atomic_load(&ipc_calls) == 0;
    }
    for (double end = now_s() + 15; atomic_load(&ipc_calls) == 0 && now_s() < end;)
        usleep(2000);
    usleep(100000);
    *code = atomic_load(&ipc_code);
    OHIPCRemoteProxy *proxy = atomic_load(&ipc_proxy);
    if (proxy) {
        /* libhostile_main crashes in MainProc: wait for that, then let go */
        for (double end = now_s() + 10; !OH_IPCRemoteProxy_IsRemoteDead(proxy) && now_s() < end;)
            usleep(2000);
        OH_IPCRemoteProxy_Destroy(proxy);
    }
    return atomic_load(&ipc_calls) == 1 && (*code == NCP_NO_ERROR) == (proxy != NULL);
}

/* ---- EMFILE ---- */

static struct rlimit nofile_saved;

/* The lowest free descriptor number: with the limit there, nothing new opens. */
static int first_free(void)
{
    int fd = 0;
    while (fcntl(fd, F_GETFD) >= 0)
        fd++;
    return fd;
}

/* Leaves `extra` descriptors free to open. */
static void lower_nofile(long extra)
{
    getrlimit(RLIMIT_NOFILE, &nofile_saved);
    struct rlimit r = { .rlim_cur = (rlim_t)(first_free() + extra), .rlim_max = nofile_saved.rlim_max };
    setrlimit(RLIMIT_NOFILE, &r);
}

static void restore_nofile(void) { setrlimit(RLIMIT_NOFILE, &nofile_saved); }

static void emfile_sweep(const char *phase, int max_extra)
{
    int errors = 0, worked = 0, inconsistent = 0;
    char codes[1024] = "";
    for (int k = 0; k <= max_extra; k++) {
        struct attempt a = attempt_args(lower_nofile, restore_nofile, k);
        if (!a.consistent) {
            inconsistent++;
            diag("EMFILE %s, limit +%d: code %d, %s", phase, k, a.code, a.detail);
        }
        a.code == NCP_NO_ERROR ? worked++ : errors++;
        size_t l = strlen(codes);
        snprintf(codes + l, sizeof(codes) - l, "%s%d", l ? "," : "", a.code == NCP_NO_ERROR ? 0 : a.code % 1000);
    }
    diag("EMFILE %s (%s): codes by spare descriptors 0..%d: %s (0 = started, 50 = NCP_ERR_INTERNAL)", phase,
         mode_name(), max_extra, codes);
    ok(inconsistent == 0, "EMFILE, %s (%s): every start either works or returns an error and starts nothing (%d errors, %d started)",
       phase, mode_name(), errors, worked);
    ok(errors > 0 && worked > 0, "EMFILE, %s: the sweep covered both failing and working starts", phase);

    int bad_ipc = 0, ipc_err = 0;
    for (int k = 0; k <= max_extra; k++) {
        int sync_code, code;
        if (!attempt_ipc(lower_nofile, restore_nofile, k, &sync_code, &code)) {
            bad_ipc++;
            diag("EMFILE %s IPC, limit +%d: Create %d, %d callbacks, code %d", phase, k, sync_code,
                 atomic_load(&ipc_calls), code);
        }
        ipc_err += sync_code != NCP_NO_ERROR || code != NCP_NO_ERROR;
    }
    ok(bad_ipc == 0, "EMFILE, %s (IPC): Create fails, or its callback runs exactly once (%d with an error)", phase, ipc_err);
}

/* cold: the first starts of the process (no supervisor, no zygote yet;
 * a zygote that cannot start makes the process exec its children).
 * warm: a zygote runs, and the limit bites later in each start. */
static void scenario_emfile(bool cold)
{
    if (under_valgrind()) {
        /* valgrind keeps descriptors of its own at the top of the range and
         * asserts when a clone meets the lowered limit */
        ok(1, "# SKIP EMFILE under valgrind");
        return;
    }
    app_setup("fault-emfile", 64);
    int fds0 = count_open_fds();
    if (cold) {
        /* A first start needs about ten descriptors (the supervisor's, the
         * zygote's sockets, the launch pair); those of earlier tries that
         * closer threads have not closed yet count too when the machine is
         * busy, so the sweep goes past that. */
        emfile_sweep("first starts", 16);
        int status;
        free(run_child("libtestentry.so:Main", "after", NULL, &status));
        struct census base = census_stable();
        int zygotes = 0;
        app_processes(&zygotes);
        if (strcmp(mode_name(), "exec"))
            ok(zygotes > 0, "EMFILE, first starts: with descriptors back, children come from a zygote again "
               "(a passing EMFILE does not switch the process to exec mode for good)");
        base.fds = fds0 + 2 + (zygotes > 0);
        base.threads = 2;
        census_check("EMFILE, first starts", &base);
        return;
    }
    int status;
    free(run_child("libtestentry.so:Main", "warm", NULL, &status));
    struct census base = census_stable();
    emfile_sweep("later starts", 12);
    census_check("EMFILE, later starts", &base);
}

/* ---- ENOMEM ---- */

#ifndef HAVE_SANITIZER
static void arm(long n) { fail_countdown = n; }
static long disarm_left;
static void disarm(void)
{
    disarm_left = fail_countdown;
    fail_countdown = -1;
}
#endif

static void scenario_enomem(void)
{
#ifdef HAVE_SANITIZER
    ok(1, "# SKIP failing allocations: the sanitizer runtime owns malloc in this build");
#else
    if (under_valgrind()) {
        ok(1, "# SKIP failing allocations under valgrind: it replaces malloc, ours included");
        return;
    }
    app_setup("fault-enomem", 64);
    int fds0 = count_open_fds();
    int errors = 0, worked = 0, inconsistent = 0, points = 0;
    /* The first start creates the supervisor thread and the zygote: sweep it too. */
    for (long n = 0; n < 2000; n++) {
        struct attempt a = attempt_args(arm, disarm, n);
        if (!a.consistent) {
            inconsistent++;
            diag("ENOMEM at allocation %ld: code %d, %s", n, a.code, a.detail);
        }
        a.code == NCP_NO_ERROR ? worked++ : errors++;
        if (disarm_left >= 0) {
            points = (int)n; /* the start made fewer than n allocations: all were covered */
            break;
        }
    }
    ok(inconsistent == 0, "ENOMEM (%s): with each of the %d allocations of a start failing in turn, the start "
       "works or returns an error, and starts nothing then (%d errors, %d started)", mode_name(), points, errors, worked);
    ok(points > 0 && errors > 0, "ENOMEM: the sweep reached the end of a start (%d allocation points)", points);

    int bad_ipc = 0, ipc_points = 0, ipc_err = 0;
    for (long n = 0; n < 2000; n++) {
        int sync_code, code;
        if (!attempt_ipc(arm, disarm, n, &sync_code, &code)) {
            bad_ipc++;
            diag("ENOMEM IPC at allocation %ld: Create %d, %d callbacks, code %d", n, sync_code, atomic_load(&ipc_calls), code);
        }
        ipc_err += sync_code != NCP_NO_ERROR;
        if (disarm_left >= 0) {
            ipc_points = (int)n;
            break;
        }
    }
    ok(bad_ipc == 0 && ipc_points > 0, "ENOMEM (IPC): Create fails, or its callback runs exactly once (%d points, %d errors)",
       ipc_points, ipc_err);
    struct census base = census_stable();
    int zygotes = 0;
    app_processes(&zygotes);
    base.fds = fds0 + 2 + (zygotes > 0);
    base.threads = 2;
    census_check("ENOMEM", &base);
#endif
}

/* ---- the parent killed mid-start ---- */

static int hold_r = -1;

static void *starter_thread(void *arg)
{
    long id = (long)arg;
    for (long i = 0;; i++) {
        int32_t pid;
        switch ((id + i) % 3) {
        case 0:
        case 1: {
            NativeChildProcess_Fd h = { .fdName = (char *)"hold", .fd = hold_r };
            NativeChildProcess_Args args = { .entryParams = (char *)"", .fdList = { .head = &h } };
            NativeChildProcess_Options o = { .isolationMode = (id + i) % 3 ? NCP_ISOLATION_MODE_ISOLATED : NCP_ISOLATION_MODE_NORMAL };
            OH_Ability_StartNativeChildProcess("libtestentry.so:Hold", args, o, &pid);
            break;
        }
        default:
            OH_Ability_CreateNativeChildProcess("libhostile.so", on_started);
            break;
        }
        if (id == 0 && i == 2) {
            printf("go\n");
            fflush(stdout);
        }
    }
    return NULL;
}

/* Starts children from 4 threads until killed. */
static void scenario_starter(void)
{
    int p[2];
    pipe2(p, O_CLOEXEC);
    hold_r = p[0]; /* the write end stays open: Hold children wait forever */
    pthread_t t[4];
    for (long i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, starter_thread, (void *)i);
    pause();
}

static void scenario_kill(const char *self)
{
    app_setup("fault-kill", 64);
    struct census base = census_take();
    const int delays_ms[] = { 0, 1, 3, 7, 15, 30, 60, 120, 250 };
    int rounds = 0;
    for (size_t i = 0; i < sizeof(delays_ms) / sizeof(delays_ms[0]); i++) {
        int p[2];
        pipe2(p, O_CLOEXEC);
        pid_t kid = fork();
        if (kid == 0) {
            dup2(p[1], 1);
            execl(self_exe(), self, "starter", (char *)NULL);
            _exit(127);
        }
        close(p[1]);
        char go[8] = "";
        struct pollfd pfd = { .fd = p[0], .events = POLLIN };
        if (poll(&pfd, 1, 20000) == 1 && read(p[0], go, sizeof(go) - 1) < 0)
            go[0] = '\0';
        usleep((useconds_t)delays_ms[i] * 1000);
        int live = app_processes(NULL);
        kill(kid, SIGKILL);
        waitpid(kid, NULL, 0);
        close(p[0]);
        rounds++;
        diag("killed the parent %d ms after its first starts, with %d children of the app alive", delays_ms[i], live);
    }
    struct census c = census_settle(&base);
    int zygotes = 0;
    int procs = app_processes(&zygotes);
    diag("after %d parents were SIGKILLed mid-start (%s): live children %d, zygotes/spares %d, slot locks held %d, "
         "zombies %d, data dir entries %d, host mounts %d (base %d)", rounds, mode_name(), procs, zygotes, c.slots,
         c.zombies, c.data, c.mounts, base.mounts);
    ok(procs == 0 && zygotes == 0, "parent SIGKILLed mid-start (%s): no child, zygote or spare outlives it", mode_name());
    ok(c.slots == 0, "parent SIGKILLed mid-start: no slot lock stays held");
    ok(c.data == base.data && c.mounts == base.mounts, "parent SIGKILLed mid-start: no data dir or mount left on the host");
    ok(c.zombies == 0, "parent SIGKILLed mid-start: no zombie left here");
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "starter")) {
        scenario_starter();
        return 0;
    }
    if (argc > 1) {
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (!strcmp(argv[1], "kill"))
            scenario_kill(argv[0]);
        else if (!strcmp(argv[1], "emfile-cold"))
            scenario_emfile(true);
        else if (!strcmp(argv[1], "emfile-warm"))
            scenario_emfile(false);
        else if (!strcmp(argv[1], "enomem"))
            scenario_enomem();
        int failed = tap_done();
        rm_rf(app_runtime);
        return failed;
    }
    const char *exec_env[] = { "NCP_SPAWN_MODE=exec", NULL };
    const char *scenarios[] = { "kill", "emfile-cold", "emfile-warm", "enomem" };
    for (size_t i = 0; i < 4; i++) {
        run_scenario(argv[0], scenarios[i], NULL);
        run_scenario(argv[0], scenarios[i], exec_env);
    }
    return tap_done();
}
