/* SPDX-License-Identifier: Apache-2.0 */
/* System calls that the seccomp profiles of older container runtimes refuse
 * with ENOSYS on purpose (so that libc falls back), and that valgrind does
 * not know: each with the fallback the kernel offers.  Raw system calls
 * only: safe between clone and exec, and in the child. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wait-status.h"

/* clone3(2), else clone(2).  Only the fields this project uses carry over
 * (flags, pidfd, exit_signal); anything else stays ENOSYS. */
static inline long ncp_clone3(const void *clone_args, size_t size)
{
    long r = syscall(SYS_clone3, clone_args, size);
    if (r != -1 || errno != ENOSYS)
        return r;
    /* struct clone_args: flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, ... */
    uint64_t a[8] = { 0 };
    memcpy(a, clone_args, size < sizeof(a) ? size : sizeof(a));
    if (a[2] || a[3] || a[5] || a[6] || a[7] || a[4] > 0xff || (a[0] & 0xffull) || (a[0] >> 32)) {
        errno = ENOSYS;
        return -1;
    }
    /* With CLONE_PIDFD, clone(2) stores the pidfd where parent_tid points. */
#if defined(__s390__) || defined(__CRIS__)
    return syscall(SYS_clone, 0UL, (unsigned long)(a[0] | a[4]), (int *)(uintptr_t)a[1], NULL, 0UL);
#else
    return syscall(SYS_clone, (unsigned long)(a[0] | a[4]), 0UL, (int *)(uintptr_t)a[1], NULL, 0UL);
#endif
}

/* struct clone_args up to its cgroup field (CLONE_ARGS_SIZE_VER2, Linux 5.7). */
struct ncp_clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
    uint64_t set_tid, set_tid_size, cgroup;
};
#define NCP_CLONE_INTO_CGROUP 0x200000000ull
#define NCP_CLONE_ARGS_SIZE_VER0 64

/* clone3 with the child born in the cgroup behind cgroup_fd (-1: none).
 * When the kernel, a seccomp profile or valgrind refuses that (ENOSYS,
 * E2BIG before 5.7, ...), the clone is made without it and *placed says
 * so: the caller moves the child itself before it runs anything of its own.
 * Like ncp_clone3(), returns 0 in the child. */
static inline long ncp_clone3_into(struct ncp_clone_args *a, int cgroup_fd, bool *placed)
{
    *placed = false;
    if (cgroup_fd >= 0) {
        struct ncp_clone_args in = *a;
        in.flags |= NCP_CLONE_INTO_CGROUP;
        in.cgroup = (uint64_t)cgroup_fd;
        long r = syscall(SYS_clone3, &in, sizeof(in));
        if (r >= 0) {
            *placed = true;
            return r;
        }
    }
    return ncp_clone3(a, NCP_CLONE_ARGS_SIZE_VER0);
}

/* pidfd_send_signal(2), else kill(2) on pid.  Callers pass the pid of a
 * child whose end they have not collected yet (it is in their registry), so
 * the pid still names it, short of a child forked by the zygote that ended
 * and was reaped by the kernel in the same instant. */
static inline int ncp_pidfd_kill(int pidfd, pid_t pid, int sig)
{
    if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) == 0)
        return 0;
    if (errno != ENOSYS)
        return -errno;
    return kill(pid, sig) == 0 ? 0 : -errno;
}

/* <linux/pidfd.h> of Linux 6.15; Debian 12's headers predate it. */
struct ncp_pidfd_info {
    uint64_t mask, cgroupid;
    uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
    int32_t exit_code;
    uint32_t coredump_mask, spare;
};
#define NCP_PIDFD_GET_INFO _IOWR(0xFF, 11, struct ncp_pidfd_info)
#define NCP_PIDFD_INFO_EXIT 8u

/* The waitpid-style status of the reaped process behind pidfd: 0, -EAGAIN
 * while the kernel has not recorded it yet, or -errno (ENOTTY before 6.15). */
static inline int ncp_pidfd_exit_status(int pidfd, int *status)
{
    struct ncp_pidfd_info info = { .mask = NCP_PIDFD_INFO_EXIT };
    if (ioctl(pidfd, NCP_PIDFD_GET_INFO, &info) < 0)
        return -errno;
    if (!(info.mask & NCP_PIDFD_INFO_EXIT))
        return -EAGAIN;
    *status = info.exit_code;
    return 0;
}

/* Waits for our child behind pidfd: 0 with its waitpid-style status, or
 * -errno.  When someone else collected it first - the app's
 * waitpid(-1, __WALL), or a plain waitpid(-1) once the child has exec'd
 * (execve makes its exit signal SIGCHLD again) - the pidfd still tells how
 * it ended (PIDFD_INFO_EXIT, Linux 6.15). */
static inline int ncp_pidfd_wait(int pidfd, int *status)
{
    siginfo_t si;
    int r;
    do {
        memset(&si, 0, sizeof(si));
        r = waitid((idtype_t)3 /* P_PIDFD */, (id_t)pidfd, &si, WEXITED | __WALL);
    } while (r < 0 && errno == EINTR);
    if (r == 0) {
        *status = ncp_wait_status(&si);
        return 0;
    }
    if (errno != ECHILD)
        return -errno;
    for (int i = 0; i < 2000; i++) {
        r = ncp_pidfd_exit_status(pidfd, status);
        if (r != -EAGAIN && r != -ESRCH)
            return r == 0 ? 0 : -ECHILD;
        usleep(i < 100 ? 10 : 1000);
    }
    return -ECHILD;
}
