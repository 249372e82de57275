/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A child's own child ptraces it and holds its zombie
 * (tests/fault/libhostile_ptrace.c does it).  The tracer sees the end first;
 * the app's waitid() and the pidfd's exit status only once it lets go
 * (HOLD_MS later).  Meanwhile:
 *
 *   - another child's start and its exit callback come within BOUND_S (the
 *     supervisor neither busy-polls nor blocks on the held ends);
 *   - once the tracer lets go (it dies, or collects the end as tracer), each
 *     held child's true end is reported: a wait returns its real status, a
 *     clean exit runs no exit callback, a signal runs it with that signal
 *     (never an invented SIGKILL);
 *   - an isolated child's tracer is refused (seccomp: EPERM), and its end is
 *     reported as usual.
 *
 * Each spawn mode runs in a fresh process and ends with the leak census.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "fault-util.h"

/* What a start or an exit callback may take here, loaded: the usual is well
 * under 0.5 s; a held zombie used to cost the supervisor ~2 s each (zygote)
 * or the whole hold (exec). */
#define BOUND_S 3.0
#define HOLD_MS 6000
#define N_HELD 3

static const char *mode_name(void)
{
    const char *m = getenv("NCP_SPAWN_MODE");
    return m && !strcmp(m, "exec") ? "exec" : "zygote";
}

/* ---- exit callbacks, as they came ---- */

#define MAX_CALLS 64
static struct {
    atomic_int pid, sig;
} calls[MAX_CALLS];
static atomic_int n_calls;

static void on_exit_cb(int32_t pid, int32_t sig)
{
    int i = atomic_fetch_add(&n_calls, 1);
    if (i < MAX_CALLS) {
        atomic_store(&calls[i].sig, sig);
        atomic_store(&calls[i].pid, pid);
    }
}

/* The signals the exit callbacks reported for pid: how many calls, and the
 * last signal. */
static int calls_for(pid_t pid, int *sig)
{
    int n = 0, total = atomic_load(&n_calls);
    for (int i = 0; i < total && i < MAX_CALLS; i++)
        if (atomic_load(&calls[i].pid) == pid) {
            n++;
            *sig = atomic_load(&calls[i].sig);
        }
    return n;
}

static double wait_callback(pid_t pid, double secs)
{
    double t0 = now_s();
    int sig;
    while (calls_for(pid, &sig) == 0 && now_s() - t0 < secs)
        usleep(2000);
    return now_s() - t0;
}

/* ---- the held children ---- */

struct held {
    const char *params;   /* HOW RELEASE (HOLD_MS appended) */
    int want;             /* its true waitpid-style status */
    int32_t pid;
    int out;
    char line[64];
};

static Ability_ChildProcessConfigs *configs(bool isolated)
{
    Ability_ChildProcessConfigs *c = OH_Ability_CreateChildProcessConfigs();
    OH_Ability_ChildProcessConfigs_SetIsolationMode(c, isolated ? NCP_ISOLATION_MODE_ISOLATED : NCP_ISOLATION_MODE_NORMAL);
    return c;
}

static int start_held(struct held *h, bool isolated)
{
    char params[64];
    snprintf(params, sizeof(params), "%s %d", h->params, HOLD_MS);
    Ability_ChildProcessConfigs *c = configs(isolated);
    int code = start_with_out("libhostile_ptrace.so:Zombie", params, c, &h->pid, &h->out);
    OH_Ability_DestroyChildProcessConfigs(c);
    return code;
}

/* The child's word on its tracer ("seized", "seize ERRNO"), in 10 s. */
static void read_word(struct held *h)
{
    char *text = h->out >= 0 ? read_until_eof(h->out, 10000) : strdup("");
    snprintf(h->line, sizeof(h->line), "%.*s", (int)strcspn(text, "\n"), text);
    free(text);
    if (h->out >= 0)
        close(h->out);
    h->out = -1;
}

static bool seized(const struct held *h) { return !strcmp(h->line, "seized"); }

/* Another child's start, and its exit callback once killed. */
static void other_child(const char *when)
{
    const char *mode = mode_name();
    int32_t pid = -1;
    int hold[2];
    if (pipe2(hold, O_CLOEXEC) < 0)
        abort();
    NativeChildProcess_Fd fd = { .fdName = (char *)"hold", .fd = hold[0] };
    NativeChildProcess_Args args = { .entryParams = (char *)"", .fdList = { .head = &fd } };
    NativeChildProcess_Options o = { .isolationMode = NCP_ISOLATION_MODE_NORMAL };
    double t0 = now_s();
    int code = OH_Ability_StartNativeChildProcess("libtestentry.so:Hold", args, o, &pid);
    double t_start = now_s() - t0;
    close(hold[0]);
    ok(code == NCP_NO_ERROR && t_start < BOUND_S, "ptrace (%s, %s): another start returns in %.2f s (code %d)", mode,
       when, t_start, code);
    usleep(200000);
    if (code == NCP_NO_ERROR)
        OH_Ability_KillChildProcess(pid);
    double t_exit = code == NCP_NO_ERROR ? wait_callback(pid, 20) : 99;
    int sig = 0;
    int n = code == NCP_NO_ERROR ? calls_for(pid, &sig) : 0;
    ok(n == 1 && sig == SIGKILL && t_exit < BOUND_S,
       "ptrace (%s, %s): its exit callback runs within %.2f s (signal %d)", mode, when, t_exit, sig);
    close(hold[1]);
    if (code == NCP_NO_ERROR)
        NCP_WaitChildProcess(pid, NULL, 10000);
}

static const char *status_text(int st, char *buf, size_t len)
{
    if (WIFEXITED(st))
        snprintf(buf, len, "exit %d", WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        snprintf(buf, len, "signal %d", WTERMSIG(st));
    else
        snprintf(buf, len, "0x%x", st);
    return buf;
}

/* Its end, as the wait and the exit callbacks tell it. */
static void check_end(struct held *h, const char *how)
{
    const char *mode = mode_name();
    int st = -1;
    double t0 = now_s();
    int code = NCP_WaitChildProcess(h->pid, &st, HOLD_MS + 20000);
    double t = now_s() - t0;
    char got[32], want[32];
    ok(code == NCP_NO_ERROR && st == h->want, "ptrace (%s, %s \"%s\"): the wait returns its true end, %s (%s; code %d, "
       "after %.2f s)", mode, how, h->params, status_text(h->want, want, sizeof(want)),
       code == NCP_NO_ERROR ? status_text(st, got, sizeof(got)) : "none", code, t);
    usleep(300000); /* a wrong callback would come with the end */
    int sig = 0, n = calls_for(h->pid, &sig);
    if (WIFSIGNALED(h->want))
        ok(n == 1 && sig == WTERMSIG(h->want), "ptrace (%s, %s \"%s\"): its exit callback runs once with signal %d "
           "(%d calls, signal %d)", mode, how, h->params, WTERMSIG(h->want), n, sig);
    else
        ok(n == 0, "ptrace (%s, %s \"%s\"): a clean exit runs no exit callback (%d calls, signal %d)", mode, how,
           h->params, n, sig);
}

static void normal(void)
{
    const char *mode = mode_name();
    struct held held[N_HELD] = {
        { .params = "exit0 die", .want = 0 },
        { .params = "exit3 wait", .want = 3 << 8 },
        { .params = "term die", .want = SIGTERM },
    };
    for (int i = 0; i < N_HELD; i++) {
        int code = start_held(&held[i], false);
        is_int(code, NCP_NO_ERROR, "ptrace (%s): a normal child \"%s\" starts", mode, held[i].params);
    }
    bool all = true;
    for (int i = 0; i < N_HELD; i++) {
        read_word(&held[i]);
        all = all && seized(&held[i]);
    }
    ok(all, "ptrace (%s): each child's own child ptraces it (%s, %s, %s)", mode, held[0].line, held[1].line,
       held[2].line);
    usleep(300000); /* they ended; their tracers hold the zombies */
    other_child("zombies held");
    for (int i = 0; i < N_HELD; i++)
        check_end(&held[i], "normal");
}

static void isolated(void)
{
    const char *mode = mode_name();
    struct held held[2] = {
        { .params = "exit0 die", .want = 0 },
        { .params = "term die", .want = SIGTERM },
    };
    for (int i = 0; i < 2; i++) {
        int code = start_held(&held[i], true);
        is_int(code, NCP_NO_ERROR, "ptrace (%s): an isolated child \"%s\" starts", mode, held[i].params);
        read_word(&held[i]);
        char want[32];
        snprintf(want, sizeof(want), "seize %d", EPERM);
        is_str(held[i].line, want, "ptrace (%s): an isolated child's own child cannot ptrace it (EPERM)", mode);
        check_end(&held[i], "isolated");
    }
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        setvbuf(stdout, NULL, _IOLBF, 0);
        app_setup("ptrace", 64);
        OH_Ability_RegisterNativeChildProcessExitCallback(on_exit_cb);
        /* warm up: the supervisor, the zygote */
        int32_t pid = -1;
        NativeChildProcess_Args args = { .entryParams = (char *)"" };
        NativeChildProcess_Options o = { .isolationMode = NCP_ISOLATION_MODE_NORMAL };
        if (OH_Ability_StartNativeChildProcess("libtestentry.so:Main", args, o, &pid) == NCP_NO_ERROR)
            NCP_WaitChildProcess(pid, NULL, 10000);
        struct census base = census_stable();
        normal();
        isolated();
        census_check("ptraced children", &base);
        int failed = tap_done();
        rm_rf(app_runtime);
        return failed;
    }
    const char *exec_env[] = { "NCP_SPAWN_MODE=exec", NULL };
    run_scenario(argv[0], "ptrace", NULL);
    run_scenario(argv[0], "ptrace", exec_env);
    return tap_done();
}
