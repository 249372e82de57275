/* System calls that the seccomp profiles of older container runtimes refuse
 * with ENOSYS on purpose (so that libc falls back), and that valgrind does
 * not know: each with the fallback the kernel offers.  Raw system calls
 * only: safe between clone and exec, and in the child. */
#pragma once

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

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
