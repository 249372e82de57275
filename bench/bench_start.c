/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Child start benchmarks, each side by side with its baseline in the same
 * process and the same run (these machines are noisy: compare ratios).
 *
 *   normal child (start -> entry returns -> reaped)  vs  posix_spawn(/bin/true) + waitpid
 *   isolated child                                    vs  bwrap --unshare-user --unshare-net --dev-bind / / /bin/true
 *   isolated child, default resource limits           vs  the same, every limit off (NCP_ChildProcessConfigs_SetLimit)
 *
 * each three ways: paced (each of our starts after a baseline start: the
 * zygote gets the baseline's time to prepare a spare, the best case),
 * sustained (back to back in blocks: the next start the moment the previous
 * child was reaped, what a batch sees) and concurrent (2 and 8 threads each
 * back to back: children per second).  Then one-shot `ncp-run --isolated`
 * and `ncp-run` against bwrap and posix_spawn as whole processes, the
 * steps of one isolated start, 512 children back to back,
 * and the memory of idle children.  The one-shot rows run `ncp-run` as it is
 * (its child exec'd, no zygote) and as it was (NCP_SPAWN_MODE=zygote) in
 * the same rounds; the steps row is the runner's report of where an
 * isolated start's time goes (NCP_TEST_STEP_TIMES, src/common/steps.h).
 *
 * Usage: bench_start [ROUNDS [one-shot]]   (default 600; one-shot: only those rows, ROUNDS each)
 */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <AbilityKit/native_child_process.h>
#include <AbilityKit/native_child_process_ext.h>

extern char **environ;

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct stats { double median, p99; int n; };

static struct stats summarize(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), cmp);
    struct stats s = { n ? v[n / 2] : 0, n ? v[(int)(n * 0.99) < n ? (int)(n * 0.99) : n - 1] : 0, n };
    return s;
}

static double spawn_true(const char *const *argv)
{
    double t0 = now_us();
    pid_t pid;
    if (posix_spawn(&pid, argv[0], NULL, NULL, (char *const *)argv, environ) != 0)
        return -1;
    int st;
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return -1;
    return now_us() - t0;
}

static double child_once(NativeChildProcess_IsolationMode mode)
{
    NativeChildProcess_Args args = { .entryParams = (char *)"return" };
    NativeChildProcess_Options opts = { .isolationMode = mode };
    int32_t pid;
    double t0 = now_us();
    if (OH_Ability_StartNativeChildProcess("libtestentry.so:Crash", args, opts, &pid) != NCP_NO_ERROR)
        return -1;
    int st;
    if (NCP_WaitChildProcess(pid, &st, 10000) != NCP_NO_ERROR || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return -1;
    return now_us() - t0;
}

static void line(const char *what, struct stats s)
{
    printf("  %-44s median %8.0f us   p99 %8.0f us   (n=%d)\n", what, s.median, s.p99, s.n);
}

static void verdict(double ours, double base, double target)
{
    printf("  ratio %.3f (target <= %.2f)%s\n\n", ours / base, target, ours / base <= target ? "" : "  NOT MET");
}

/* One start of each side: ours (a child of the library) or the baseline (a
 * process spawned from a binary). */
struct side {
    const char *what;
    NativeChildProcess_IsolationMode mode;
    const char *const *argv;  /* the baseline's; NULL for ours */
    Ability_ChildProcessConfigs *configs; /* ours, started with these configs (NULL: with options) */
};

/* A start with configs (the resource-limit rows). */
static double configs_once(Ability_ChildProcessConfigs *configs)
{
    NativeChildProcess_Args args = { .entryParams = (char *)"return" };
    int32_t pid;
    double t0 = now_us();
    if (OH_Ability_StartNativeChildProcessWithConfigs("libtestentry.so:Crash", args, configs, &pid) != NCP_NO_ERROR)
        return -1;
    int st;
    if (NCP_WaitChildProcess(pid, &st, 10000) != NCP_NO_ERROR || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return -1;
    return now_us() - t0;
}

static double once(const struct side *s)
{
    return s->argv ? spawn_true(s->argv) : s->configs ? configs_once(s->configs) : child_once(s->mode);
}

/* Paced: each of our starts follows a baseline start, so the zygote refills
 * its spare in the baseline's time slot.  This is the best case, the one an
 * app that starts a child now and then sees. */
static void paced(const char *name, const struct side *ours, const struct side *base, int rounds, double target)
{
    double *a = calloc((size_t)rounds, sizeof(double)), *b = calloc((size_t)rounds, sizeof(double));
    int na = 0, nb = 0;
    for (int i = 0; i < rounds; i++) {
        double x = once(ours);
        if (x >= 0)
            a[na++] = x;
        double y = once(base);
        if (y >= 0)
            b[nb++] = y;
    }
    struct stats sa = summarize(a, na), sb = summarize(b, nb);
    printf("%s, paced (interleaved with the baseline)\n", name);
    line(ours->what, sa);
    line(base->what, sb);
    if (na && nb)
        verdict(sa.median, sb.median, target);
    free(a);
    free(b);
}

/* Runs `n` starts of one side back to back: each issued the moment the
 * previous one was reaped.  The first of a block is left out of the
 * figures: it follows the other side's block, a pause our zygote could use
 * to get a spare ready.  Returns the wall time of the rest. */
static double block(const struct side *s, int n, double *v, int *nv)
{
    once(s);
    double t0 = now_us();
    for (int i = 1; i < n; i++) {
        double x = once(s);
        if (x >= 0)
            v[(*nv)++] = x;
    }
    return now_us() - t0;
}

/* Sustained: what a batch (a thumbnailer over a folder, a renderer per tab
 * restored at once) sees.  Alternating blocks of each side, so that drift
 * on a shared machine reaches both. */
static void sustained(const char *name, const struct side *ours, const struct side *base, int rounds, double target)
{
    enum { BLOCKS = 4 };
    int per = rounds / BLOCKS > 10 ? rounds / BLOCKS : 10;
    double *a = calloc((size_t)per * BLOCKS, sizeof(double)), *b = calloc((size_t)per * BLOCKS, sizeof(double));
    int na = 0, nb = 0;
    double wa = 0, wb = 0;
    for (int i = 0; i < BLOCKS; i++) {
        wa += block(ours, per, a, &na);
        wb += block(base, per, b, &nb);
    }
    struct stats sa = summarize(a, na), sb = summarize(b, nb);
    printf("%s, sustained (back to back, %d blocks of %d)\n", name, BLOCKS, per - 1);
    line(ours->what, sa);
    line(base->what, sb);
    if (na && nb) {
        printf("  wall time per child: %.0f us vs %.0f us\n", wa / na, wb / nb);
        verdict(sa.median, sb.median, target);
    }
    free(a);
    free(b);
}

/* Concurrent: `threads` threads each start children back to back (or spawn
 * the baseline) for a fixed count; children per second of each side. */
struct worker {
    const struct side *s;
    int n, failed;
    pthread_t t;
};

static void *work(void *p)
{
    struct worker *w = p;
    for (int i = 0; i < w->n; i++)
        w->failed += once(w->s) < 0;
    return NULL;
}

static double rate(const struct side *s, int threads, int per_thread, int *failed)
{
    struct worker w[8];
    double t0 = now_us();
    int started = 0;
    for (int i = 0; i < threads; i++) {
        w[i] = (struct worker){ .s = s, .n = per_thread };
        if (pthread_create(&w[i].t, NULL, work, &w[i]) != 0)
            break;
        started++;
    }
    *failed = 0;
    for (int i = 0; i < started; i++) {
        pthread_join(w[i].t, NULL);
        *failed += w[i].failed;
    }
    double secs = (now_us() - t0) / 1e6;
    return secs > 0 ? (started * per_thread - *failed) / secs : 0;
}

static void concurrent(const char *name, const struct side *ours, const struct side *base, int rounds)
{
    static const int counts[] = { 2, 8 };
    printf("%s, concurrent (each thread back to back)\n", name);
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
        int t = counts[i], per = rounds / t > 5 ? rounds / t : 5, fa, fb;
        double ra = 0, rb = 0;
        /* Two rounds of each side, alternating. */
        for (int k = 0; k < 2; k++) {
            ra += rate(ours, t, per / 2, &fa);
            rb += rate(base, t, per / 2, &fb);
        }
        printf("  %d threads: %-20s %7.0f children/s   %-34s %7.0f/s   time per child ratio %.3f%s\n", t,
               ours->mode == NCP_ISOLATION_MODE_ISOLATED ? "isolated" : "normal", ra / 2, base->what, rb / 2,
               ra > 0 ? rb / ra : 0, fa || fb ? "  (some starts failed)" : "");
    }
    printf("\n");
}

/* A whole process with the environment envp; its wall time in us, or -1.
 * With err_fd >= 0 its stderr goes there. */
static double spawn_env(const char *const *argv, char *const *envp, int err_fd)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    if (err_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
    double t0 = now_us();
    pid_t pid;
    int r = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    if (r != 0)
        return -1;
    int st;
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return -1;
    return now_us() - t0;
}

/* This process's environment with NCP_SPAWN_MODE set to `mode` (NULL:
 * removed) and `extra` ("NAME=VALUE" or NULL) added. */
static char **env_with(const char *mode, const char *extra)
{
    size_t n = 0;
    for (char **e = environ; *e; e++)
        n++;
    char **out = calloc(n + 3, sizeof(char *));
    size_t k = 0;
    for (char **e = environ; *e; e++)
        if (strncmp(*e, "NCP_SPAWN_MODE=", 15) != 0)
            out[k++] = *e;
    if (mode) {
        static char buf[4][64];
        static int next;
        char *b = buf[next++ % 4];
        snprintf(b, 64, "NCP_SPAWN_MODE=%s", mode);
        out[k++] = b;
    }
    if (extra)
        out[k++] = (char *)extra;
    return out;
}

/* ncp-run's binary: in a build tree src/ncp-run is libtool's shell wrapper,
 * which would be measured too: take the binary it runs (this program's own
 * wrapper has put the library's directory in LD_LIBRARY_PATH). */
static const char *ncp_run_path(void)
{
    static char path[4096];
    const char *dir = getenv("NCP_BENCH_BINDIR");
    snprintf(path, sizeof(path), "%s/.libs/ncp-run", dir ? dir : "src");
    if (access(path, X_OK) != 0)
        snprintf(path, sizeof(path), "%s/ncp-run", dir ? dir : "src");
    return access(path, X_OK) == 0 ? path : NULL;
}

/* One-shot from a shell, each a whole process, interleaved round by round:
 * `ncp-run [--isolated]` as it is now (its one child exec'd, no zygote) and
 * as it was (NCP_SPAWN_MODE=zygote: a zygote and two spares for the one
 * child), against bwrap and posix_spawn(/bin/true). */
static void one_shot(const char *bwrap, int rounds)
{
    const char *ncp_run = ncp_run_path();
    if (!ncp_run) {
        printf("one-shot ncp-run: skipped (ncp-run not found)\n\n");
        return;
    }
    const char *iso[] = { ncp_run, "--isolated", "--params", "return", "libtestentry.so:Crash", NULL };
    const char *norm[] = { ncp_run, "--params", "return", "libtestentry.so:Crash", NULL };
    const char *bw[] = { bwrap, "--unshare-user", "--unshare-net", "--dev-bind", "/", "/", "/bin/true", NULL };
    const char *tru[] = { "/bin/true", NULL };
    char **direct = env_with(NULL, NULL), **zygote = env_with("zygote", NULL);
    struct { const char *what; const char *const *argv; char **envp; double *v; int n; } s[] = {
        { "ncp-run --isolated, one-shot (now)", iso, direct, NULL, 0 },
        { "ncp-run --isolated, via a zygote (before)", iso, zygote, NULL, 0 },
        { "bwrap --unshare-user --unshare-net (true)", bw, direct, NULL, 0 },
        { "ncp-run (normal), one-shot (now)", norm, direct, NULL, 0 },
        { "ncp-run (normal), via a zygote (before)", norm, zygote, NULL, 0 },
        { "posix_spawn(/bin/true) + waitpid", tru, direct, NULL, 0 },
    };
    enum { N_SIDES = sizeof(s) / sizeof(s[0]) };
    if (spawn_env(iso, direct, -1) < 0 || spawn_env(iso, zygote, -1) < 0) {
        printf("one-shot ncp-run: skipped (ncp-run --isolated failed)\n\n");
        return;
    }
    for (int i = 0; i < N_SIDES; i++)
        s[i].v = calloc((size_t)rounds, sizeof(double));
    for (int r = 0; r < rounds; r++)
        for (int i = 0; i < N_SIDES; i++) {
            if (!s[i].argv[0])
                continue;
            double x = spawn_env(s[i].argv, s[i].envp, -1);
            if (x >= 0)
                s[i].v[s[i].n++] = x;
        }
    printf("one-shot processes, interleaved (%d rounds)\n", rounds);
    double med[N_SIDES];
    for (int i = 0; i < N_SIDES; i++) {
        qsort(s[i].v, (size_t)s[i].n, sizeof(double), cmp);
        med[i] = s[i].n ? s[i].v[s[i].n / 2] : 0;
        double p90 = s[i].n ? s[i].v[(int)(s[i].n * 0.9) < s[i].n ? (int)(s[i].n * 0.9) : s[i].n - 1] : 0;
        printf("  %-44s median %8.0f us   p90 %8.0f us   (n=%d)\n", s[i].what, med[i], p90, s[i].n);
        free(s[i].v);
    }
    if (med[2] > 0) {
        printf("  before: ratio %.3f to bwrap\n", med[1] / med[2]);
        printf("  now:   ");
        verdict(med[0], med[2], 0.6);
    }
    free(direct);
    free(zygote);
}

/* Where the time of one `ncp-run --isolated` goes: the runner's own report
 * of each step (NCP_TEST_STEP_TIMES=1, src/common/steps.h), medians over `rounds`
 * runs.  "start" is the time from this program's posix_spawn of ncp-run to
 * the runner's first line of code: ncp-run's start, the library, clone3
 * with the namespaces, execve of the runner and its dynamic loading;
 * "exit" what follows the entry's return until ncp-run has been reaped. */
#define MAX_STEPS 40
static void steps(int rounds)
{
    const char *ncp_run = ncp_run_path();
    if (!ncp_run)
        return;
    const char *iso[] = { ncp_run, "--isolated", "--params", "return", "libtestentry.so:Crash", NULL };
    char **envp = env_with(NULL, "NCP_TEST_STEP_TIMES=1");
    char names[MAX_STEPS][32];
    double *v[MAX_STEPS];
    int n_names = 0, n = 0;
    for (int r = 0; r < rounds; r++) {
        FILE *err = tmpfile();
        if (!err)
            break;
        double t0 = now_us();
        double took = spawn_env(iso, envp, fileno(err));
        rewind(err);
        char line[2048], *p = NULL;
        while (fgets(line, sizeof(line), err))
            if ((p = strstr(line, "ncp-steps: ")))
                break;
        fclose(err);
        unsigned long long start;
        if (took < 0 || !p || sscanf(p, "ncp-steps: start=%llu", &start) != 1)
            continue;
        /* start, the steps in order, exit: one column each. */
        double row[MAX_STEPS];
        char row_names[MAX_STEPS][32];
        int k = 0;
        snprintf(row_names[k], 32, "start");
        row[k++] = (double)start - t0;
        double sum = row[0];
        for (char *tok = strtok(strchr(p, ' ') + 1, " \n"); tok && k < MAX_STEPS - 1; tok = strtok(NULL, " \n")) {
            char *eq = strstr(tok, "=+");
            if (!eq)
                continue;
            snprintf(row_names[k], 32, "%.*s", (int)(eq - tok), tok);
            row[k] = atof(eq + 2);
            sum += row[k++];
        }
        snprintf(row_names[k], 32, "exit");
        row[k++] = took - sum;
        if (!n_names) {
            n_names = k;
            for (int i = 0; i < k; i++) {
                memcpy(names[i], row_names[i], 32);
                v[i] = calloc((size_t)rounds, sizeof(double));
            }
        }
        if (k != n_names)
            continue;
        for (int i = 0; i < k; i++)
            v[i][n] = row[i];
        n++;
    }
    free(envp);
    if (!n) {
        printf("steps of ncp-run --isolated: skipped (no step report)\n\n");
        return;
    }
    printf("steps of one ncp-run --isolated (medians of %d; NCP_TEST_STEP_TIMES=1)\n", n);
    double total = 0;
    for (int i = 0; i < n_names; i++) {
        struct stats st = summarize(v[i], n);
        total += st.median;
        printf("  %-24s %7.0f us\n", names[i], st.median);
        free(v[i]);
    }
    printf("  %-24s %7.0f us\n\n", "(sum of medians)", total);
}

static void burst_512(void)
{
    static int32_t pids[512];
    int hold[2];
    if (pipe2(hold, O_CLOEXEC) < 0)
        return;
    NativeChildProcess_Fd h = { .fdName = (char *)"hold", .fd = hold[0] };
    NativeChildProcess_Args args = { .entryParams = (char *)"", .fdList = { .head = &h } };
    NativeChildProcess_Options opts = { 0 };
    double t0 = now_us();
    int n = 0;
    for (; n < 512; n++)
        if (OH_Ability_StartNativeChildProcess("libtestentry.so:Hold", args, opts, &pids[n]) != NCP_NO_ERROR)
            break;
    double started = now_us() - t0;
    close(hold[1]);
    int st;
    for (int i = 0; i < n; i++)
        NCP_WaitChildProcess(pids[i], &st, 30000);
    double reaped = now_us() - t0;
    close(hold[0]);
    printf("512 children back to back\n  started %d in %.1f ms (%.0f us each); all reaped after %.1f ms\n\n",
           n, started / 1000, started / (n ? n : 1), reaped / 1000);
}

static long smaps_kb(int pid, const char *key)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
    FILE *f = fopen(path, "re");
    long v = -1;
    size_t k = strlen(key);
    while (f && fgets(line, sizeof(line), f))
        if (!strncmp(line, key, k) && line[k] == ':')
            v = atol(line + k + 1);
    if (f)
        fclose(f);
    return v;
}

/* RSS and Pss of idle children (blocked reading a pipe), median of 5: what
 * a child maps of the shared libraries varies a little from child to child. */
static void idle_memory(NativeChildProcess_IsolationMode mode, const char *what)
{
    enum { N = 5 };
    int hold[2];
    if (pipe2(hold, O_CLOEXEC) < 0)
        return;
    NativeChildProcess_Fd h = { .fdName = (char *)"hold", .fd = hold[0] };
    NativeChildProcess_Args args = { .entryParams = (char *)"", .fdList = { .head = &h } };
    NativeChildProcess_Options opts = { .isolationMode = mode };
    int32_t pids[N];
    int n = 0;
    for (; n < N; n++) {
        if (OH_Ability_StartNativeChildProcess("libtestentry.so:Hold", args, opts, &pids[n]) != NCP_NO_ERROR)
            break;
        usleep(50000); /* one at a time, as an app starts them */
    }
    usleep(200000);
    double rss[N], pss[N];
    for (int i = 0; i < n; i++) {
        rss[i] = (double)smaps_kb(pids[i], "Rss");
        pss[i] = (double)smaps_kb(pids[i], "Pss");
    }
    close(hold[1]);
    close(hold[0]);
    int st;
    for (int i = 0; i < n; i++)
        NCP_WaitChildProcess(pids[i], &st, 10000);
    if (!n)
        return;
    struct stats r = summarize(rss, n), p = summarize(pss, n);
    double target = mode == NCP_ISOLATION_MODE_NORMAL ? 1300 : 1500;
    printf("idle %s child (median of %d): RSS %.0f kB, Pss %.0f kB  (target RSS <= %.0f kB%s)\n", what, n, r.median,
           p.median, target, r.median <= target ? " met" : " NOT MET");
}

/* Slab + KernelStack + PageTables, in kB. */
static long kernel_kb(void)
{
    FILE *f = fopen("/proc/meminfo", "re");
    char key[64];
    long v, sum = 0;
    while (f && fscanf(f, "%63s %ld kB\n", key, &v) == 2)
        if (!strcmp(key, "Slab:") || !strcmp(key, "KernelStack:") || !strcmp(key, "PageTables:"))
            sum += v;
    if (f)
        fclose(f);
    return sum;
}

/* Kernel memory an idle isolated child costs: namespaces, mounts, its tmpfs
 * roots, page tables, measured over 50 of them. */
static void isolated_kernel_memory(void)
{
    enum { N = 50 };
    int hold[2];
    if (pipe2(hold, O_CLOEXEC) < 0)
        return;
    NativeChildProcess_Fd h = { .fdName = (char *)"hold", .fd = hold[0] };
    NativeChildProcess_Args args = { .entryParams = (char *)"", .fdList = { .head = &h } };
    NativeChildProcess_Options opts = { .isolationMode = NCP_ISOLATION_MODE_ISOLATED };
    int32_t pids[N];
    int n = 0;
    usleep(300000);
    long before = kernel_kb();
    for (; n < N; n++)
        if (OH_Ability_StartNativeChildProcess("libtestentry.so:Hold", args, opts, &pids[n]) != NCP_NO_ERROR)
            break;
    usleep(500000);
    long after = kernel_kb();
    close(hold[1]);
    int st;
    for (int i = 0; i < n; i++)
        NCP_WaitChildProcess(pids[i], &st, 10000);
    close(hold[0]);
    if (n)
        printf("kernel memory per idle isolated child (Slab+KernelStack+PageTables over %d): %ld kB\n", n,
               (after - before) / n);
}

/* What the resource limits cost an isolated start (src/sandbox/sandbox_limits.c,
 * the tmpfs sizes of src/sandbox/mount.c): the default limits against every limit
 * off.  Sustained (blocks), not paced: a spare is built for the limits of the
 * app's last isolated start, so alternating every start would make each one
 * miss it; the first start of each block is left out. */
static void limits_cost(int rounds)
{
    Ability_ChildProcessConfigs *on = OH_Ability_CreateChildProcessConfigs(), *off = OH_Ability_CreateChildProcessConfigs();
    OH_Ability_ChildProcessConfigs_SetIsolationMode(on, NCP_ISOLATION_MODE_ISOLATED);
    OH_Ability_ChildProcessConfigs_SetIsolationMode(off, NCP_ISOLATION_MODE_ISOLATED);
    for (int l = NCP_LIMIT_TMPFS_SIZE; l <= NCP_LIMIT_FANOTIFY_MARKS; l++)
        NCP_ChildProcessConfigs_SetLimit(off, (NCP_ChildProcess_Limit)l, NCP_LIMIT_UNLIMITED);
    struct side with = { "isolated child, default limits", NCP_ISOLATION_MODE_ISOLATED, NULL, on },
                without = { "isolated child, every limit off", NCP_ISOLATION_MODE_ISOLATED, NULL, off };
    sustained("resource limits: on (default) vs off", &with, &without, rounds, 1.1);
    OH_Ability_DestroyChildProcessConfigs(on);
    OH_Ability_DestroyChildProcessConfigs(off);
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 600;
    setenv("NCP_BUNDLE_NAME", "com.example.bench", 1);
    if (!getenv("NCP_LOG"))
        setenv("NCP_LOG", "error", 1);
    /* `bench_start ROUNDS one-shot`: only the one-shot and steps rows. */
    if (argc > 2 && strcmp(argv[2], "one-shot") == 0) {
        const char *bw = access("/usr/bin/bwrap", X_OK) == 0 ? "/usr/bin/bwrap" : "/bin/false";
        one_shot(bw, rounds);
        steps(rounds);
        return 0;
    }
    printf("machine: %ld CPUs; %d rounds each (isolated: a third; half in the sustained row)\n"
           "paced rows: an app that starts a child now and then; sustained and concurrent rows: batches\n\n",
           sysconf(_SC_NPROCESSORS_ONLN), rounds);

    const char *true_argv[] = { "/bin/true", NULL };
    struct side normal = { "normal child (start -> reaped)", NCP_ISOLATION_MODE_NORMAL, NULL, NULL },
                spawn = { "posix_spawn(/bin/true) + waitpid", 0, true_argv, NULL };
    for (int i = 0; i < 20; i++) { /* warm-up: supervisor thread, page cache */
        once(&normal);
        once(&spawn);
    }
    paced("normal child vs posix_spawn(/bin/true)", &normal, &spawn, rounds, 0.5);
    sustained("normal child vs posix_spawn(/bin/true)", &normal, &spawn, rounds, 0.4);
    concurrent("normal child vs posix_spawn(/bin/true)", &normal, &spawn, rounds);

    const char *bwrap = access("/usr/bin/bwrap", X_OK) == 0 ? "/usr/bin/bwrap" : NULL;
    int iso_rounds = rounds / 3 > 20 ? rounds / 3 : 20;
    struct side isolated = { "isolated child (start -> reaped)", NCP_ISOLATION_MODE_ISOLATED, NULL, NULL };
    if (child_once(NCP_ISOLATION_MODE_ISOLATED) < 0)
        printf("isolated child vs bwrap: skipped (isolated children cannot start here)\n\n");
    else if (!bwrap)
        printf("isolated child vs bwrap: skipped (bwrap not installed: apt-get install bubblewrap)\n\n");
    else {
        const char *bw[] = { bwrap, "--unshare-user", "--unshare-net", "--dev-bind", "/", "/", "/bin/true", NULL };
        struct side base = { "bwrap --unshare-user --unshare-net (true)", 0, bw, NULL };
        paced("isolated child vs bwrap", &isolated, &base, iso_rounds, 0.35);
        /* 300 and more back to back: as many as a batch an app starts at once. */
        sustained("isolated child vs bwrap", &isolated, &base, rounds / 2 + 2 * 4, 0.3);
        concurrent("isolated child vs bwrap", &isolated, &base, iso_rounds);
        one_shot(bwrap, iso_rounds / 2 > 20 ? iso_rounds / 2 : 20);
        steps(iso_rounds / 4 > 20 ? iso_rounds / 4 : 20);
    }
    if (child_once(NCP_ISOLATION_MODE_ISOLATED) >= 0)
        limits_cost(iso_rounds);
    burst_512();
    idle_memory(NCP_ISOLATION_MODE_NORMAL, "normal");
    idle_memory(NCP_ISOLATION_MODE_ISOLATED, "isolated");
    isolated_kernel_memory();
    return 0;
}
