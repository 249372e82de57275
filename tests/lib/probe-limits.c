/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The limits suite's probe (tests/bats/walls-limits.bats): a child library
 * that runs into its resource limits, each attempt bounded so that a broken
 * limit cannot take the machine down.
 *
 *   void Probe(NativeChildProcess_Args args)
 *
 * args.entryParams is "ATTEMPT ARG..."; the probe prints "RESULT: ..." lines.
 *
 *   rlimits            "RESULT: NAME soft hard" for nproc, nofile, fsize,
 *                      core, cpu, as, data ("inf" for none)
 *   ucounts            "RESULT: NAME VALUE" for this user namespace's
 *                      /proc/sys/user/max_{inotify,fanotify}_*
 *   forks MAX          forks up to MAX children that wait; prints
 *                      "RESULT: forks N ERRNO-NAME|-"; kills them
 *   fill DIR MAX_MB    writes DIR/fill in 64 KiB blocks up to MAX_MB MiB;
 *                      prints "RESULT: fill BYTES ERRNO-NAME|- shmem_kb DELTA"
 *                      (DELTA: the host's Shmem growth in KiB, /proc/meminfo)
 *   files DIR MAX      creates up to MAX empty files in DIR; prints
 *                      "RESULT: files N ERRNO-NAME|-"
 *   write PATH BYTES   writes BYTES bytes to PATH (a file size limit kills
 *                      it with SIGXFSZ); prints "RESULT: wrote N"
 *   spin SECONDS       burns CPU for at most SECONDS (a CPU limit kills it
 *                      with SIGXCPU); prints "RESULT: spun"
 *   alloc MAX_MB       mallocs and touches 16 MiB blocks up to MAX_MB MiB;
 *                      prints "RESULT: alloc MB ERRNO-NAME|-"
 *   inotify MAX HOLD   inotify_init1() up to MAX times, prints
 *                      "RESULT: inotify N ERRNO-NAME|-", keeps them HOLD seconds
 *
 * No dependency but libc: it must load inside the isolated child.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <AbilityKit/native_child_process.h>

#define EXPORT __attribute__((visibility("default")))
#define MAX_ARGS 4

EXPORT void Probe(NativeChildProcess_Args args);

static void result(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void result(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("RESULT: ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
}

static const char *errno_name(int e)
{
    switch (e) {
    case 0: return "-";
    case EAGAIN: return "EAGAIN";
    case ENOSPC: return "ENOSPC";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case EFBIG: return "EFBIG";
    case ENOMEM: return "ENOMEM";
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case EDQUOT: return "EDQUOT";
    default: return "EOTHER";
    }
}

static void print_rlimits(void)
{
    static const struct { const char *name; int res; } lims[] = {
        { "nproc", RLIMIT_NPROC }, { "nofile", RLIMIT_NOFILE }, { "fsize", RLIMIT_FSIZE }, { "core", RLIMIT_CORE },
        { "cpu", RLIMIT_CPU },     { "as", RLIMIT_AS },         { "data", RLIMIT_DATA },
    };
    for (size_t i = 0; i < sizeof(lims) / sizeof(lims[0]); i++) {
        struct rlimit r;
        getrlimit(lims[i].res, &r);
        char soft[32], hard[32];
        snprintf(soft, sizeof(soft), r.rlim_cur == RLIM_INFINITY ? "inf" : "%llu", (unsigned long long)r.rlim_cur);
        snprintf(hard, sizeof(hard), r.rlim_max == RLIM_INFINITY ? "inf" : "%llu", (unsigned long long)r.rlim_max);
        result("%s %s %s", lims[i].name, soft, hard);
    }
}

static void print_ucounts(void)
{
    static const char *const names[] = { "inotify_instances", "inotify_watches", "fanotify_groups", "fanotify_marks" };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char path[96], buf[32] = "?";
        snprintf(path, sizeof(path), "/proc/sys/user/max_%s", names[i]);
        FILE *f = fopen(path, "re");
        if (f) {
            if (!fgets(buf, sizeof(buf), f))
                strcpy(buf, "?");
            fclose(f);
        }
        buf[strcspn(buf, "\n")] = '\0';
        result("%s %s", names[i], buf);
    }
}

static void forks(long max)
{
    pid_t *kids = calloc((size_t)max, sizeof(pid_t));
    long n = 0;
    int err = 0;
    for (; kids && n < max; n++) {
        pid_t p = fork();
        if (p == 0) {
            alarm(30); /* a bound, should the test die before it kills us */
            pause();
            _exit(0);
        }
        if (p < 0) {
            err = errno;
            break;
        }
        kids[n] = p;
    }
    for (long i = 0; i < n; i++)
        kill(kids[i], SIGKILL);
    for (long i = 0; i < n; i++)
        waitpid(kids[i], NULL, 0);
    result("forks %ld %s", n, errno_name(err));
    free(kids);
}

static long shmem_kb(void)
{
    FILE *f = fopen("/proc/meminfo", "re");
    char line[128];
    long kb = -1;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "Shmem: %ld kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

static void fill(const char *dir, long max_mb)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/fill", dir);
    long before = shmem_kb();
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        result("fill 0 %s shmem_kb 0", errno_name(errno));
        return;
    }
    static char block[64 * 1024];
    memset(block, 'x', sizeof(block));
    long long total = 0, limit = (long long)max_mb * 1024 * 1024;
    int err = 0;
    while (total < limit) {
        ssize_t w = write(fd, block, sizeof(block));
        if (w < 0) {
            err = errno;
            break;
        }
        total += w;
        if (w < (ssize_t)sizeof(block)) { /* a short write: the next one says why */
            if (write(fd, block, sizeof(block)) < 0)
                err = errno;
            break;
        }
    }
    long after = shmem_kb();
    result("fill %lld %s shmem_kb %ld", total, errno_name(err), after - before);
    close(fd);
    unlink(path);
}

static void files(const char *dir, long max)
{
    long n = 0;
    int err = 0;
    for (; n < max; n++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/f%ld", dir, n);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) {
            err = errno;
            break;
        }
        close(fd);
    }
    result("files %ld %s", n, errno_name(err));
    for (long i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/f%ld", dir, i);
        unlink(path);
    }
}

static void write_bytes(const char *path, long long bytes)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        result("write-open %s", errno_name(errno));
        return;
    }
    static char block[64 * 1024];
    long long total = 0;
    while (total < bytes) {
        size_t n = bytes - total < (long long)sizeof(block) ? (size_t)(bytes - total) : sizeof(block);
        ssize_t w = write(fd, block, n);
        if (w <= 0)
            break;
        total += w;
    }
    close(fd);
    result("wrote %lld", total);
}

static void spin(long seconds)
{
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    volatile unsigned long x = 0;
    do {
        for (int i = 0; i < 1000000; i++)
            x += (unsigned long)i;
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while (now.tv_sec - start.tv_sec < seconds);
    result("spun");
}

static void alloc(long max_mb)
{
    long mb = 0;
    int err = 0;
    for (; mb + 16 <= max_mb; mb += 16) {
        char *p = malloc(16u << 20);
        if (!p) {
            err = errno ? errno : ENOMEM;
            break;
        }
        memset(p, 1, 16u << 20); /* touched: real memory, not just address space */
    }
    result("alloc %ld %s", mb, errno_name(err));
}

static void inotify(long max, long hold)
{
    long n = 0;
    int err = 0;
    for (; n < max; n++)
        if (inotify_init1(IN_CLOEXEC) < 0) {
            err = errno;
            break;
        }
    result("inotify %ld %s", n, errno_name(err));
    sleep((unsigned)hold);
}

EXPORT void Probe(NativeChildProcess_Args args)
{
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s", args.entryParams ? args.entryParams : "");
    char *argv[MAX_ARGS + 1] = { NULL };
    int argc = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, " ", &save); t && argc < MAX_ARGS; t = strtok_r(NULL, " ", &save))
        argv[argc++] = t;
    const char *a = argc ? argv[0] : "";
    long n1 = argc > 1 ? atol(argv[1]) : 0;
    if (!strcmp(a, "rlimits"))
        print_rlimits();
    else if (!strcmp(a, "ucounts"))
        print_ucounts();
    else if (!strcmp(a, "forks") && n1 > 0 && n1 <= 5000)
        forks(n1);
    else if (!strcmp(a, "fill") && argc == 3 && atol(argv[2]) > 0 && atol(argv[2]) <= 512)
        fill(argv[1], atol(argv[2]));
    else if (!strcmp(a, "files") && argc == 3 && atol(argv[2]) > 0 && atol(argv[2]) <= 100000)
        files(argv[1], atol(argv[2]));
    else if (!strcmp(a, "write") && argc == 3)
        write_bytes(argv[1], atoll(argv[2]));
    else if (!strcmp(a, "spin") && n1 > 0 && n1 <= 60)
        spin(n1);
    else if (!strcmp(a, "alloc") && n1 > 0 && n1 <= 4096)
        alloc(n1);
    else if (!strcmp(a, "inotify") && argc == 3 && n1 > 0 && n1 <= 1024)
        inotify(n1, atol(argv[2]));
    else
        result("usage: unknown attempt \"%s\"", a);
}
