/* SPDX-License-Identifier: Apache-2.0 */
/* clone3 + execve of the runner.
 *
 * The caller may be multithreaded, so the child side of the clone runs only
 * raw system calls and async-signal-safe libc wrappers on data prepared
 * before the clone: no malloc, no locks, no stdio, no logging. */
#include <fcntl.h>
#include <stdio.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "common/syscall-compat.h"
#include "spawner.h"
#include "common/log.h"
#include "common/macro.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#endif

struct clone_args_v0 {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* What the isolated runner needs until it has built its sandbox; it drops
 * every capability before the app's code runs. */
static const int ambient_caps[] = {
    CAP_SYS_ADMIN,    /* mounts */
    CAP_NET_ADMIN,    /* loopback up */
    CAP_SETUID,       /* isolation ids */
    CAP_SETGID,
    CAP_SETPCAP,      /* securebits, bounding set */
    CAP_SYS_RESOURCE, /* the nested-namespace limits */
};

static int raise_ambient(void)
{
    struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &hdr, data) < 0)
        return -1;
    for (size_t i = 0; i < ARRAY_SIZE(ambient_caps); i++)
        data[ambient_caps[i] / 32].inheritable |= 1u << (ambient_caps[i] % 32);
    if (syscall(SYS_capset, &hdr, data) < 0)
        return -1;
    for (size_t i = 0; i < ARRAY_SIZE(ambient_caps); i++)
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, ambient_caps[i], 0, 0) < 0)
            return -1;
    return 0;
}

_noreturn_ static void child_fail(const struct ncp_spawn_params *p, int err)
{
    struct ncp_report r;
    memcpy(&r, p->exec_failure, sizeof(r));
    r.error = err;
    ssize_t _unused_ w = write(NCP_LAUNCH_FD, &r, sizeof(r));
    _exit(127);
}

_noreturn_ static void child_main(const struct ncp_spawn_params *p)
{
    sigset_t none;
    struct sigaction dfl;
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&none);
    /* The supervisor thread blocks every signal and the app may ignore some;
     * the runner starts clean. */
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            sigaction(sig, &dfl, NULL);
    sigprocmask(SIG_SETMASK, &none, NULL);

    if (p->detach) {
        /* The grandchild goes on; this copy exits at once and is reaped. */
        struct clone_args_v0 again = { .exit_signal = SIGCHLD };
        long r = ncp_clone3(&again, sizeof(again));
        if (r != 0)
            _exit(r < 0 ? 127 : 0);
    } else {
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
            _exit(127);
        /* The parent may have died before the line above: then nobody reaps us. */
        if (getppid() != p->parent_pid)
            _exit(127);
    }

    /* 0-2 are the app's stdio, kept by the runner and by normal children.
     * Some runtimes mark them O_CLOEXEC (Node.js does): then the runner would
     * start without them and its own sockets would take fds 0-2, where its
     * log lines and a child's printf() would go.  This is our copy of the
     * descriptor table: clearing the flag here leaves the app's alone. */
    for (int fd = 0; fd <= 2; fd++) {
        int flags = fcntl(fd, F_GETFD);
        if (flags >= 0 && (flags & FD_CLOEXEC))
            (void)fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
    }
    if (p->launch_fd == NCP_LAUNCH_FD) {
        if (fcntl(NCP_LAUNCH_FD, F_SETFD, 0) < 0)
            _exit(127);
    } else if (dup2(p->launch_fd, NCP_LAUNCH_FD) < 0)
        _exit(127);
    /* Only 0-2 and the launch socket cross into the child, even when the app
     * leaks descriptors without O_CLOEXEC. */
    if (syscall(SYS_close_range, NCP_LAUNCH_FD + 1, ~0U, 0) < 0)
        for (int fd = NCP_LAUNCH_FD + 1; fd < 65536; fd++)
            close(fd);

    if (p->isolated && raise_ambient() < 0)
        child_fail(p, errno);

    execve(p->runner, p->argv, p->envp);
    child_fail(p, errno);
}

/* The parent's side of a child clone3 could not create in its cgroup: it
 * moves it there.  The child cannot have forked yet: an exec'd isolated
 * runner waits for its id maps, written after this. */
static void place_in_cgroup(int cgroup_fd, pid_t pid)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
    int fd = openat(cgroup_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, buf, (size_t)n) != n)
        log_debug("child pid %d runs outside its cgroup: %s", (int)pid, strerror(errno));
    safe_close(fd);
}

int ncp_spawn_clone(const struct ncp_spawn_params *p, pid_t *pid, int *pidfd)
{
    int fd = -1;
    struct ncp_clone_args args = {
        .flags = CLONE_PIDFD,
        .pidfd = (uint64_t)(uintptr_t)&fd,
        /* No SIGCHLD to the app for the moment before the exec.  execve()
         * makes the exit signal SIGCHLD again, so from then on the app's
         * waitpid(-1) can collect our child: the documented limit of exec
         * mode (end_status.c still learns its end from the pidfd). */
        .exit_signal = 0,
    };
    if (p->isolated)
        args.flags |= CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS;

    bool placed;
    long r = ncp_clone3_into(&args, p->cgroup_fd > 0 ? p->cgroup_fd : -1, &placed);
    if (r < 0)
        return -errno;
    if (r == 0)
        child_main(p);
    if (p->cgroup_fd > 0 && !placed)
        place_in_cgroup(p->cgroup_fd, (pid_t)r);
    *pid = (pid_t)r;
    *pidfd = fd;
    return 0;
}

int ncp_spawn_detached(const struct ncp_spawn_params *p)
{
    pid_t pid;
    int pidfd;
    int r = ncp_spawn_clone(p, &pid, &pidfd);
    if (r < 0)
        return r;
    int status = 0;
    r = ncp_pidfd_wait(pidfd, &status);
    close(pidfd);
    if (r == 0 && status != 0)
        r = -ECHILD;
    return r;
}

bool ncp_pidfd_exit_supported(void)
{
    static int supported = -1;
    int s = __atomic_load_n(&supported, __ATOMIC_ACQUIRE);
    if (s >= 0)
        return s;
    /* The tests' way to the path of kernels before 6.15 (the zygote reports ends). */
    const char *forced = getenv("NCP_TEST_PIDFD_EXIT");
    if (forced && strcmp(forced, "0") == 0) {
        __atomic_store_n(&supported, 0, __ATOMIC_RELEASE);
        return false;
    }
    /* A throwaway child that exits at once: after reaping it, does its pidfd tell? */
    int pidfd = -1;
    struct clone_args_v0 args = { .flags = CLONE_PIDFD, .pidfd = (uint64_t)(uintptr_t)&pidfd, .exit_signal = 0 };
    long pid = ncp_clone3(&args, sizeof(args));
    if (pid == 0)
        _exit(7);
    s = 0;
    if (pid > 0) {
        siginfo_t si;
        int status = 0;
        if (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED | __WALL) == 0 &&
            ncp_pidfd_exit_status(pidfd, &status) == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 7)
            s = 1;
        close(pidfd);
    }
    __atomic_store_n(&supported, s, __ATOMIC_RELEASE);
    return s;
}
