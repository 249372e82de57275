/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Child start benchmarks, each side by side with its baseline in the same
 * process and the same run (these machines are noisy: compare ratios).
 *
 *   normal child (start -> entry returns -> reaped)  vs  posix_spawn(/bin/true) + waitpid
 *   isolated child                                    vs  bwrap --unshare-user --unshare-net --dev-bind / / /bin/true
 *   512 children back to back: wall time to start all, and until all are reaped
 *   RSS and Pss of an idle normal child
 *
 * Usage: bench_start [ROUNDS]   (default 600)
 */
#include <errno.h>
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
    waitpid(pid, &st, 0);
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

static void compare(const char *name, NativeChildProcess_IsolationMode mode, const char *const *base_argv,
                    const char *base_name, int rounds, double target)
{
    double *a = calloc((size_t)rounds, sizeof(double)), *b = calloc((size_t)rounds, sizeof(double));
    int na = 0, nb = 0;
    /* Interleaved so that both sides see the same machine state. */
    for (int i = 0; i < rounds; i++) {
        double x = child_once(mode);
        if (x >= 0)
            a[na++] = x;
        double y = spawn_true(base_argv);
        if (y >= 0)
            b[nb++] = y;
    }
    struct stats sa = summarize(a, na), sb = summarize(b, nb);
    printf("%s\n", name);
    line(mode == NCP_ISOLATION_MODE_ISOLATED ? "isolated child (start -> reaped)" : "normal child (start -> reaped)", sa);
    line(base_name, sb);
    if (na && nb)
        printf("  ratio %.3f (target <= %.2f)%s\n\n", sa.median / sb.median, target,
               sa.median / sb.median <= target ? "" : "  NOT MET");
    free(a);
    free(b);
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
    printf("idle %s child (median of %d): RSS %.0f kB, Pss %.0f kB%s\n", what, n, r.median, p.median,
           mode == NCP_ISOLATION_MODE_NORMAL ? (r.median <= 1300 ? "  (target <= 1300 kB met)" : "  (target <= 1300 kB NOT MET)") : "");
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

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 600;
    setenv("NCP_BUNDLE_NAME", "com.example.bench", 1);
    if (!getenv("NCP_LOG"))
        setenv("NCP_LOG", "error", 1);
    printf("machine: %ld CPUs; %d rounds each, interleaved with the baseline\n\n", sysconf(_SC_NPROCESSORS_ONLN), rounds);

    const char *true_argv[] = { "/bin/true", NULL };
    for (int i = 0; i < 20; i++) { /* warm-up: supervisor thread, page cache */
        child_once(NCP_ISOLATION_MODE_NORMAL);
        spawn_true(true_argv);
    }
    compare("normal child vs posix_spawn(/bin/true)", NCP_ISOLATION_MODE_NORMAL, true_argv, "posix_spawn(/bin/true) + waitpid", rounds, 0.5);

    const char *bwrap = access("/usr/bin/bwrap", X_OK) == 0 ? "/usr/bin/bwrap" : NULL;
    if (child_once(NCP_ISOLATION_MODE_ISOLATED) < 0)
        printf("isolated child vs bwrap: skipped (isolated children cannot start here)\n\n");
    else if (!bwrap)
        printf("isolated child vs bwrap: skipped (bwrap not installed: apt-get install bubblewrap)\n\n");
    else {
        const char *bw[] = { bwrap, "--unshare-user", "--unshare-net", "--dev-bind", "/", "/", "/bin/true", NULL };
        compare("isolated child vs bwrap", NCP_ISOLATION_MODE_ISOLATED, bw,
                "bwrap --unshare-user --unshare-net (true)", rounds / 3 > 20 ? rounds / 3 : 20, 0.35);
    }
    burst_512();
    idle_memory(NCP_ISOLATION_MODE_NORMAL, "normal");
    idle_memory(NCP_ISOLATION_MODE_ISOLATED, "isolated");
    isolated_kernel_memory();
    return 0;
}
