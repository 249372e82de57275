/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The lifetime suite's probe (tests/bats/walls-lifetime.bats) and the
 * holders of the limit tests (tests/unit/test-limits.c): a child library
 * whose code tries to outlive its child, to keep or free its slot, or just
 * runs long.
 *
 *   void Probe(NativeChildProcess_Args args)
 *
 * args.entryParams is "ATTEMPT ARG...", as for tests/lib/probe.c; the probe
 * prints "RESULT: ok DETAIL" or "RESULT: denied ERRNO-NAME [DETAIL]".
 *
 *   orphan TOKEN       leaves a grandchild behind: fork, setsid, fork again;
 *                      the grandchild ignores SIGTERM, SIGHUP and SIGINT,
 *                      takes /dev/null as its stdio, makes itself not
 *                      dumpable (so that its /proc entries are the hardest
 *                      to read), names itself TOKEN "g" (comm, for pgrep on
 *                      the host) and sleeps 60 s (a bound, should the wall
 *                      fail); the child returns.
 *   orphan-stay TOKEN  the same, then the child names itself TOKEN "c" and
 *                      sleeps 60 s (the test kills the app meanwhile).
 *   chain TOKEN        a child of the child (TOKEN "a") that stays, with a
 *                      child of its own (TOKEN "g") that stays too; the
 *                      child returns while both live.
 *   pids               prints its own pid and what a child process of its
 *                      own sees: "pid=P kid-ppid=Q kid-pid=R" (in a PID
 *                      namespace of its own, the child sees parent 0).
 *   unlock-stay        flock(LOCK_UN) on every descriptor, closes all but
 *                      0-2, prints the result and sleeps 60 s.
 *   sleep SECONDS      sleeps, then returns.
 *
 *   void HoldUnlocked(NativeChildProcess_Args args)
 *
 * flock(LOCK_UN) on every descriptor, closes every one but the fd named
 * "hold", then reads "hold" until EOF and returns: a holder of a slot that
 * tries to give its slot back from inside.
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
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <AbilityKit/native_child_process.h>

#define EXPORT __attribute__((visibility("default")))
#define MAX_ARGS 4
#define BOUND_S 60 /* nothing here runs longer, should a wall fail */

EXPORT void Probe(NativeChildProcess_Args args);
EXPORT void HoldUnlocked(NativeChildProcess_Args args);

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
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ESRCH: return "ESRCH";
    case EINVAL: return "EINVAL";
    case ENOSYS: return "ENOSYS";
    default: return "EOTHER";
    }
}

static void bounded_sleep(int seconds)
{
    for (int i = 0; i < seconds && i < BOUND_S; i++)
        sleep(1);
}

static void set_comm(const char *token, const char *suffix)
{
    char name[16];
    snprintf(name, sizeof(name), "%s%s", token, suffix);
    prctl(PR_SET_NAME, name, 0, 0, 0);
}

/* fork, setsid, fork: the grandchild is nobody's child but its reaper's.
 * Returns once it is named and ready, or -1. */
static int leave_orphan(const char *token)
{
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) < 0)
        return -1;
    pid_t mid = fork();
    if (mid < 0)
        return -1;
    if (mid == 0) {
        setsid();
        pid_t g = fork();
        if (g == 0) {
            signal(SIGTERM, SIG_IGN);
            signal(SIGHUP, SIG_IGN);
            signal(SIGINT, SIG_IGN);
            set_comm(token, "g");
            prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
            /* Not the app's stdout: the test reads it until EOF. */
            int null = open("/dev/null", O_RDWR | O_CLOEXEC);
            for (int fd = 0; fd < 3; fd++)
                dup2(null, fd);
            ssize_t _w = write(ready[1], "g", 1);
            (void)_w;
            close(ready[1]);
            bounded_sleep(BOUND_S);
            _exit(0);
        }
        _exit(g > 0 ? 0 : 1);
    }
    close(ready[1]);
    int st = 0;
    waitpid(mid, &st, 0);
    char c;
    ssize_t n = read(ready[0], &c, 1);
    close(ready[0]);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 && n == 1 ? 0 : -1;
}

static void unlock_all(int keep)
{
    struct rlimit rl = { 1024, 1024 };
    getrlimit(RLIMIT_NOFILE, &rl);
    int max = rl.rlim_cur > 65536 ? 65536 : (int)rl.rlim_cur;
    for (int fd = 0; fd < max; fd++)
        (void)flock(fd, LOCK_UN);
    for (int fd = 3; fd < max; fd++)
        if (fd != keep)
            close(fd);
}

EXPORT void Probe(NativeChildProcess_Args args)
{
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", args.entryParams ? args.entryParams : "");
    char *argv[MAX_ARGS] = { 0 };
    int argc = 0;
    for (char *save = NULL, *t = strtok_r(buf, " ", &save); t && argc < MAX_ARGS; t = strtok_r(NULL, " ", &save))
        argv[argc++] = t;
    const char *a = argc > 0 ? argv[0] : "";
    const char *p1 = argc > 1 ? argv[1] : "";

    if (!strcmp(a, "orphan") || !strcmp(a, "orphan-stay")) {
        if (!*p1 || leave_orphan(p1) < 0) {
            result("denied %s could not leave an orphan", errno_name(errno));
            return;
        }
        result("ok orphan left");
        if (!strcmp(a, "orphan-stay")) {
            set_comm(p1, "c");
            bounded_sleep(BOUND_S);
        }
    } else if (!strcmp(a, "chain")) {
        int ready[2];
        if (!*p1 || pipe2(ready, O_CLOEXEC) < 0) {
            result("denied EINVAL");
            return;
        }
        pid_t kid = fork();
        if (kid == 0) {
            set_comm(p1, "a");
            int null = open("/dev/null", O_RDWR | O_CLOEXEC);
            for (int fd = 0; fd < 3; fd++)
                dup2(null, fd);
            pid_t g = fork();
            if (g == 0) {
                set_comm(p1, "g");
                ssize_t _w = write(ready[1], "g", 1);
                (void)_w;
                bounded_sleep(BOUND_S);
                _exit(0);
            }
            bounded_sleep(BOUND_S);
            _exit(0);
        }
        close(ready[1]);
        char c;
        result(kid > 0 && read(ready[0], &c, 1) == 1 ? "ok chain left" : "denied EOTHER chain");
        close(ready[0]);
    } else if (!strcmp(a, "pids")) {
        int p[2];
        int seen[2] = { -1, -1 };
        if (pipe2(p, O_CLOEXEC) == 0) {
            pid_t kid = fork();
            if (kid == 0) {
                int v[2] = { (int)getppid(), (int)getpid() };
                ssize_t _w = write(p[1], v, sizeof(v));
                (void)_w;
                _exit(0);
            }
            close(p[1]);
            if (kid < 0 || read(p[0], seen, sizeof(seen)) != sizeof(seen))
                seen[0] = seen[1] = -1;
            close(p[0]);
            waitpid(kid, NULL, 0);
        }
        result("ok pid=%d kid-ppid=%d kid-pid=%d", (int)getpid(), seen[0], seen[1]);
    } else if (!strcmp(a, "unlock-stay")) {
        unlock_all(-1);
        result("ok unlocked and closed every descriptor");
        bounded_sleep(BOUND_S);
    } else if (!strcmp(a, "sleep")) {
        bounded_sleep(atoi(p1));
        result("ok slept");
    } else {
        fprintf(stderr, "probe-lifetime: unknown attempt \"%s\"\n", a);
        exit(2);
    }
}

EXPORT void HoldUnlocked(NativeChildProcess_Args args)
{
    int hold = -1;
    for (NativeChildProcess_Fd *f = args.fdList.head; f; f = f->next)
        if (f->fdName && !strcmp(f->fdName, "hold"))
            hold = f->fd;
    unlock_all(hold);
    char c;
    while (hold >= 0 && read(hold, &c, 1) > 0)
        ;
}
