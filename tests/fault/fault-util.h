/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the fault-injection and load tests: running a scenario
 * in a fresh process of this program (its TAP lines renumbered into ours),
 * and the leak census every scenario ends with. */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../now.h"
#include "../tap.h"
#include "../unit/child-helpers.h"

/* Whether this process runs under valgrind (make check-valgrind). */
static inline bool under_valgrind(void)
{
    const char *p = getenv("LD_PRELOAD");
    return p && strstr(p, "vgpreload");
}

/* ---- a private app: bundle, runtime dir (slots), data home ---- */

static char app_bundle[64], app_runtime[128], app_data_home[160], app_conf[192];

/* Gives this test run an app of its own: a bundle name, an empty
 * XDG_RUNTIME_DIR for its slot locks and an XDG_DATA_HOME, plus a settings
 * file with the given per-app limit.  Children inherit all of it. */
static inline void app_setup(const char *prefix, unsigned max_children)
{
    snprintf(app_bundle, sizeof(app_bundle), "%s-%d", prefix, (int)getpid());
    snprintf(app_runtime, sizeof(app_runtime), "/tmp/ncp-%s-XXXXXX", prefix);
    if (!mkdtemp(app_runtime))
        abort();
    snprintf(app_data_home, sizeof(app_data_home), "%s/data", app_runtime);
    mkdir(app_data_home, 0700);
    snprintf(app_conf, sizeof(app_conf), "%s/child_process.conf", app_runtime);
    FILE *f = fopen(app_conf, "we");
    fprintf(f, "max_children_per_app = %u\nconnect_timeout_ms = 10000\n", max_children);
    fclose(f);
    setenv("NCP_BUNDLE_NAME", app_bundle, 1);
    setenv("XDG_RUNTIME_DIR", app_runtime, 1);
    setenv("XDG_DATA_HOME", app_data_home, 1);
    setenv("NCP_CONFIG_FILE", app_conf, 1);
}

static inline void rm_rf(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                char sub[4096];
                if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name) < sizeof(sub))
                    rm_rf(sub);
            }
        if (d)
            closedir(d);
        rmdir(path);
    } else
        unlink(path);
}

/* ---- the census ---- */

static inline int count_dir(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static inline int count_threads(void) { return count_dir("/proc/self/task"); }

static inline int count_mounts(void)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return -1;
    int n = 0, c;
    while ((c = fgetc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

static inline long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "re");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = atol(line + 6);
    if (f)
        fclose(f);
    return kb;
}

/* Slot locks held right now: every slot file of the app that cannot be
 * locked.  (lsof-free: we try to take each one.) */
static inline int slots_held(void)
{
    char dir[256];
    snprintf(dir, sizeof(dir), "%s/child_process/%s", app_runtime, app_bundle);
    DIR *d = opendir(dir);
    if (!d)
        return 0; /* no start ever took a slot */
    int held = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, "slot-", 5) != 0)
            continue;
        int fd = openat(dirfd(d), e->d_name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0)
            held++;
        if (fd >= 0)
            close(fd);
    }
    closedir(d);
    return held;
}

/* Live processes of the app other than its zygote and the zygote's spare
 * child, found by name ("<bundle>:..." in /proc/PID/cmdline). */
static inline int app_processes(int *zygotes)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0, z = 0;
    size_t blen = strlen(app_bundle);
    while (d && (e = readdir(d))) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        char path[300], cmd[512];
        snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        ssize_t len = read(fd, cmd, sizeof(cmd) - 1);
        close(fd);
        if (len <= 0)
            continue;
        cmd[len] = '\0';
        if (strncmp(cmd, app_bundle, blen) != 0 || cmd[blen] != ':' || !process_alive(atoi(e->d_name)))
            continue;
        if (!strcmp(cmd + blen, ":ncp-zygote") || !strcmp(cmd + blen, ":ncp-spare"))
            z++;
        else
            n++;
    }
    if (d)
        closedir(d);
    if (zygotes)
        *zygotes = z;
    return n;
}

/* The app's data dir on the host: isolated children get a private tmpfs in
 * their own mount namespace, so nothing may appear here. */
static inline int data_dir_entries(void)
{
    char dir[256];
    snprintf(dir, sizeof(dir), "%s/%s", app_data_home, app_bundle);
    return count_dir(dir); /* -1: does not exist */
}

struct census {
    int fds, threads, zombies, slots, procs, mounts, data;
    long rss_kb;
};

static inline struct census census_take(void)
{
    struct census c = { count_open_fds(), count_threads(), count_zombies(), slots_held(),
                        app_processes(NULL), count_mounts(), data_dir_entries(), rss_kb() };
    return c;
}

/* A baseline: the census once no child of the app runs and two samples
 * 100 ms apart agree (the library may still be closing a child's sockets). */
static inline struct census census_stable(void)
{
    struct census a = census_take(), b = a;
    for (double end = now_s() + 10; now_s() < end; a = b) {
        usleep(100000);
        b = census_take();
        if (b.procs == 0 && b.zombies == 0 && a.fds == b.fds && a.threads == b.threads)
            break;
    }
    return b;
}

/* Waits (up to 10 s) until the children are gone, their ends handled and
 * the census is back at the baseline: exactly at it, as census_check wants
 * it, so that a moment below it (a descriptor or thread of the library's
 * not yet made again) is waited out like one above it. */
static inline struct census census_settle(const struct census *base)
{
    struct census c = census_take();
    for (double end = now_s() + 10; now_s() < end; usleep(20000)) {
        c = census_take();
        if (c.fds == base->fds && c.threads == base->threads && c.zombies == 0 && c.slots == 0 && c.procs == 0 &&
            c.mounts == base->mounts && c.data == base->data)
            break;
    }
    return c;
}

/* One TAP line per kind of leak, with the counts printed. */
static inline void census_check(const char *what, const struct census *base)
{
    struct census c = census_settle(base);
    diag("%s: fds %d (base %d), threads %d (base %d), zombies %d, slots held %d, live children %d, "
         "host mounts %d (base %d), data dir entries %d (base %d), RSS %ld kB (base %ld, %+ld)",
         what, c.fds, base->fds, c.threads, base->threads, c.zombies, c.slots, c.procs, c.mounts, base->mounts,
         c.data, base->data, c.rss_kb, base->rss_kb, c.rss_kb - base->rss_kb);
    ok(c.fds == base->fds && c.threads == base->threads && c.zombies == 0 && c.slots == 0 && c.procs == 0 &&
       c.mounts == base->mounts && c.data == base->data,
       "%s: nothing leaked (descriptors, threads, zombies, slots, children, mounts, data dir)", what);
}

/* ---- scenarios in fresh processes ---- */

/* This program's file, for running it again.  Not "/proc/self/exe" itself:
 * under valgrind that names valgrind's tool, while readlink() of it is
 * answered with the program's own path. */
static inline const char *self_exe(void)
{
    static char path[4096];
    ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
    if (n <= 0)
        return "/proc/self/exe";
    path[n] = '\0';
    return path;
}

/* Runs this program again as `self SCENARIO` with extra environment
 * ("NAME=VALUE" strings, NULL-terminated), renumbering its TAP lines into
 * ours.  A scenario that crashes or exits non-zero fails. */
static inline void run_scenario(const char *self, const char *scenario, const char *const *env)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        abort();
    fflush(stdout);
    pid_t kid = fork();
    if (kid == 0) {
        for (const char *const *e = env; e && *e; e++)
            putenv((char *)*e);
        dup2(p[1], 1);
        execl(self_exe(), self, scenario, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    FILE *f = fdopen(p[0], "r");
    char line[4096];
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        const char *text = NULL;
        int good = 0;
        if (strncmp(line, "ok ", 3) == 0)
            good = 1, text = line + 3;
        else if (strncmp(line, "not ok ", 7) == 0)
            text = line + 7;
        if (text) {
            while (*text >= '0' && *text <= '9')
                text++;
            if (text[0] == ' ' && text[1] == '-' && text[2] == ' ')
                text += 3;
            tap_ok(good, "[%s] %s", scenario, text);
        } else if (line[0] == '#')
            printf("%s\n", line);
        else if (strncmp(line, "1..", 3) != 0)
            printf("# [%s] %s\n", scenario, line);
    }
    fclose(f);
    int st = 0;
    waitpid(kid, &st, 0);
    ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "[%s] the scenario process ended cleanly (status 0x%x)", scenario, st);
}

/* Captures what the library logs (stderr) while `fn` runs. */
static inline char *capture_stderr(void (*fn)(void *), void *arg)
{
    char path[] = "/tmp/ncp-fault-log-XXXXXX";
    int tmp = mkstemp(path);
    unlink(path);
    fflush(stderr);
    int saved = dup(2);
    dup2(tmp, 2);
    fn(arg);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    off_t len = lseek(tmp, 0, SEEK_END);
    char *text = calloc(1, (size_t)len + 1);
    if (pread(tmp, text, (size_t)len, 0) < 0)
        text[0] = '\0';
    close(tmp);
    fputs(text, stderr); /* still in the test's log */
    return text;
}
