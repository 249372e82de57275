/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A child whose own child ptraces it and holds its zombie.
 *
 * Entry Zombie, params "HOW RELEASE HOLD_MS": forks a tracer that
 * PTRACE_SEIZEs this process and writes "seized" to the fd named "out" (or
 * "seize ERRNO" when the kernel refused), then ends as HOW says:
 *   exit0  returns from Main        exit3  _exit(3)
 *   term   raise(SIGTERM)
 * A tracee's zombie is visible to its tracer only: the real parent's
 * waitid() and the pidfd's exit status see the end only once the tracer
 * lets go.  The tracer never collects the end itself; after HOLD_MS it lets
 * go as RELEASE says:
 *   die    it exits (the kernel detaches it)
 *   wait   it waits for the tracee as its tracer, which hands the end on to
 *          the real parent, then exits
 * Meanwhile it resumes the tracee's signal-delivery stops with their signal
 * (under ptrace, SIGTERM stops the tracee before it kills it).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <AbilityKit/native_child_process.h>

#define EXPORT __attribute__((visibility("default")))

EXPORT void Zombie(NativeChildProcess_Args args);

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static _Noreturn void tracer(pid_t tracee, int report, int hold_ms, int collect)
{
    int err = ptrace(PTRACE_SEIZE, tracee, 0, 0) == 0 ? 0 : errno;
    ssize_t w = write(report, &err, sizeof(err));
    (void)w;
    close(report);
    if (err)
        _exit(0);
    for (double end = now() + hold_ms / 1000.0; now() < end; usleep(1000)) {
        /* Stops only (no WEXITED): the zombie stays where it is. */
        siginfo_t si;
        memset(&si, 0, sizeof(si));
        if (waitid(P_PID, (id_t)tracee, &si, WSTOPPED | WNOHANG | __WALL) == 0 && si.si_pid == tracee &&
            si.si_code == CLD_TRAPPED)
            ptrace(PTRACE_CONT, tracee, 0, si.si_status);
    }
    if (collect) {
        siginfo_t si;
        waitid(P_PID, (id_t)tracee, &si, WEXITED | __WALL);
    }
    _exit(0);
}

void Zombie(NativeChildProcess_Args args)
{
    char how[16] = "", release[16] = "";
    int hold_ms = 0;
    if (!args.entryParams || sscanf(args.entryParams, "%15s %15s %d", how, release, &hold_ms) != 3)
        _exit(90);
    int out = -1;
    for (NativeChildProcess_Fd *f = args.fdList.head; f; f = f->next)
        if (strcmp(f->fdName, "out") == 0)
            out = f->fd;
    /* Where Yama restricts ptrace to descendants, the tracee allows it. */
    (void)prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
    int p[2];
    if (pipe(p) < 0)
        _exit(91);
    pid_t parent = getpid();
    pid_t kid = fork();
    if (kid < 0)
        _exit(92);
    if (kid == 0) {
        /* Holds nothing of the tracee's but the report pipe: the test reads
         * "out" to its end. */
        for (int fd = 3; fd < 1024; fd++)
            if (fd != p[1])
                close(fd);
        tracer(parent, p[1], hold_ms, !strcmp(release, "wait"));
    }
    close(p[1]);
    int err = -1;
    if (read(p[0], &err, sizeof(err)) != (ssize_t)sizeof(err))
        err = -1;
    if (err == 0)
        dprintf(out, "seized\n");
    else
        dprintf(out, "seize %d\n", err);
    close(out);
    if (!strcmp(how, "exit3"))
        _exit(3);
    if (!strcmp(how, "term"))
        raise(SIGTERM);
    /* exit0: returns */
}
