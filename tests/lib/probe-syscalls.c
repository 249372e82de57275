/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The syscall wall suite's probe (tests/bats/walls-syscalls.bats): a child
 * library whose entry makes one attempt on the kernel's syscall surface and
 * says what happened, as tests/lib/probe.c does:
 *
 *   void Probe(NativeChildProcess_Args args)
 *
 * args.entryParams is "ATTEMPT ARG...".  One line "RESULT: ok DETAIL" or
 * "RESULT: denied ERRNO-NAME [DETAIL]"; an unknown attempt exits 2.
 * Arguments are chosen so that the kernel itself, without the filter, would
 * answer differently (EFAULT, EBADF, success) wherever it can: a test that
 * expects the filter's errno then fails when the filter is gone.
 * No dependency but libc: the probe must load inside the isolated child.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <linux/sched.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <AbilityKit/native_child_process.h>

#define MAX_ARGS 8

static void result_ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void result_ok(const char *fmt, ...)
{
    va_list ap;
    printf("RESULT: ok ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

static void result_denied(int err, const char *detail)
{
    const char *name = strerrorname_np(err);
    printf("RESULT: denied %s%s%s\n", name ? name : "E?", detail ? " " : "", detail ? detail : "");
    fflush(stdout);
}

static void report(long rc, const char *ok_detail)
{
    if (rc < 0)
        result_denied(errno, NULL);
    else
        result_ok("%s (%ld)", ok_detail ? ok_detail : "", rc);
}

/* ---- plain syscalls by name ------------------------------------------ */

struct sys {
    const char *name;
    long nr;
};

static const struct sys syscalls[] = {
    { "mount", SYS_mount }, { "umount2", SYS_umount2 }, { "fsopen", SYS_fsopen }, { "fsconfig", SYS_fsconfig },
    { "fsmount", SYS_fsmount }, { "fspick", SYS_fspick }, { "move_mount", SYS_move_mount },
    { "open_tree", SYS_open_tree }, { "mount_setattr", SYS_mount_setattr }, { "pivot_root", SYS_pivot_root },
    { "chroot", SYS_chroot }, { "unshare", SYS_unshare }, { "setns", SYS_setns }, { "clone3", SYS_clone3 },
    { "keyctl", SYS_keyctl }, { "add_key", SYS_add_key }, { "request_key", SYS_request_key }, { "bpf", SYS_bpf },
    { "perf_event_open", SYS_perf_event_open }, { "userfaultfd", SYS_userfaultfd },
    { "io_uring_setup", SYS_io_uring_setup }, { "io_uring_enter", SYS_io_uring_enter },
    { "io_uring_register", SYS_io_uring_register }, { "kexec_load", SYS_kexec_load },
    { "kexec_file_load", SYS_kexec_file_load }, { "init_module", SYS_init_module },
    { "finit_module", SYS_finit_module }, { "delete_module", SYS_delete_module }, { "reboot", SYS_reboot },
    { "swapon", SYS_swapon }, { "swapoff", SYS_swapoff }, { "acct", SYS_acct }, { "syslog", SYS_syslog },
    { "quotactl", SYS_quotactl }, { "open_by_handle_at", SYS_open_by_handle_at },
    { "name_to_handle_at", SYS_name_to_handle_at }, { "personality", SYS_personality }, { "ptrace", SYS_ptrace },
    { "process_vm_readv", SYS_process_vm_readv }, { "process_vm_writev", SYS_process_vm_writev },
    { "kcmp", SYS_kcmp }, { "memfd_create", SYS_memfd_create }, { "pidfd_getfd", SYS_pidfd_getfd },
#ifdef SYS_modify_ldt
    { "modify_ldt", SYS_modify_ldt },
#endif
    { "getpid", SYS_getpid },
};

/* "sys NAME|NUMBER [ARG...]": the raw syscall; an argument is a number,
 * "self" (our pid), "buf" (a 4 kB buffer), "str" (a pointer to "x") or
 * "null". */
static void do_sys(int argc, char **argv)
{
    static char buf[4096];
    long nr = -1;
    for (size_t i = 0; i < sizeof(syscalls) / sizeof(syscalls[0]); i++)
        if (!strcmp(argv[1], syscalls[i].name))
            nr = syscalls[i].nr;
    if (nr < 0) {
        char *end;
        nr = strtol(argv[1], &end, 0);
        if (*end || nr < 0) {
            printf("probe: unknown syscall %s\n", argv[1]);
            exit(2);
        }
    }
    long a[6] = { 0 };
    for (int i = 2; i < argc && i < 8; i++) {
        if (!strcmp(argv[i], "self"))
            a[i - 2] = getpid();
        else if (!strcmp(argv[i], "buf"))
            a[i - 2] = (long)buf;
        else if (!strcmp(argv[i], "str"))
            a[i - 2] = (long)"x";
        else if (!strcmp(argv[i], "null"))
            a[i - 2] = 0;
        else
            a[i - 2] = (long)strtoull(argv[i], NULL, 0);
    }
    errno = 0;
    report(syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]), argv[1]);
}

/* ---- attempts that need a structure ---------------------------------- */

static void do_perf_self(void)
{
    struct perf_event_attr attr = {
        .type = PERF_TYPE_SOFTWARE, .size = sizeof(attr), .config = PERF_COUNT_SW_TASK_CLOCK,
        .exclude_kernel = 1, .exclude_hv = 1, .disabled = 1,
    };
    report(syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0), "perf_event_open on itself");
}

static void do_io_uring(void)
{
    struct {
        uint32_t sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle, features, wq_fd, resv[3];
        uint64_t sq_off[5], cq_off[5];
    } params;
    memset(&params, 0, sizeof(params));
    report(syscall(SYS_io_uring_setup, 1, &params), "io_uring_setup");
}

static void do_userfaultfd(void)
{
    /* UFFD_USER_MODE_ONLY: allowed unprivileged by the kernel. */
    report(syscall(SYS_userfaultfd, O_CLOEXEC | 1), "userfaultfd");
}

static void do_keyring_read(const char *desc)
{
    long id = syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_SESSION_KEYRING, "user", desc, 0);
    if (id < 0) {
        result_denied(errno, "search @s");
        return;
    }
    char buf[256] = "";
    long n = syscall(SYS_keyctl, KEYCTL_READ, id, buf, sizeof(buf) - 1);
    if (n < 0) {
        result_denied(errno, "read");
        return;
    }
    buf[n < (long)sizeof(buf) ? n : (long)sizeof(buf) - 1] = '\0';
    result_ok("read the key %s: %s", desc, buf);
}

static void do_keyring_plant(const char *desc)
{
    report(syscall(SYS_add_key, "user", desc, "planted", 7, KEY_SPEC_SESSION_KEYRING), "key planted in @s");
}

static void do_personality(const char *value)
{
    unsigned long v = strtoul(value, NULL, 0);
    errno = 0;
    long r = syscall(SYS_personality, v);
    report(r, "personality");
}

static void do_ptrace_me(void)
{
    report(ptrace(PTRACE_TRACEME, 0, NULL, NULL), "PTRACE_TRACEME");
}

static void do_vm_readv_self(void)
{
    char src[8] = "secret", dst[8];
    struct iovec local = { dst, sizeof(dst) }, remote = { src, sizeof(src) };
    report(process_vm_readv(getpid(), &local, 1, &remote, 1, 0), "process_vm_readv of itself");
}

static void do_kcmp_self(void)
{
    /* KCMP_FILE (0) of fd 1 with itself. */
    report(syscall(SYS_kcmp, getpid(), getpid(), 0, 1, 1), "kcmp");
}

/* ioctl(fd 1, request | high): the kernel reads the request as 32 bits, so
 * TIOCSTI | 1 << 32 is TIOCSTI. */
static void do_ioctl(const char *which, int high)
{
    unsigned long req = !strcmp(which, "TIOCSTI") ? TIOCSTI : !strcmp(which, "TIOCLINUX") ? TIOCLINUX
                      : !strcmp(which, "FIONREAD") ? FIONREAD : 0;
    if (!req) {
        printf("probe: unknown ioctl %s\n", which);
        exit(2);
    }
    if (high)
        req |= 1ul << 32;
    char c = 'x';
    int n = 0;
    report(syscall(SYS_ioctl, 1, req, req == FIONREAD ? (void *)&n : (void *)&c), which);
}

static int family_of(const char *s)
{
    static const struct {
        const char *name;
        int f;
    } f[] = { { "unix", AF_UNIX }, { "inet", AF_INET }, { "inet6", AF_INET6 }, { "netlink", AF_NETLINK },
              { "packet", AF_PACKET }, { "vsock", AF_VSOCK }, { "alg", AF_ALG }, { "bluetooth", AF_BLUETOOTH },
              { "key", AF_KEY }, { "can", AF_CAN }, { "tipc", AF_TIPC }, { "rds", AF_RDS }, { "xdp", 44 } };
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
        if (!strcmp(s, f[i].name))
            return f[i].f;
    return (int)strtol(s, NULL, 0);
}

/* "socket FAMILY TYPE PROTO [high]": socket(2) through the raw syscall; "high"
 * sets bit 32 of the family (the kernel reads an int). */
static void do_socket(int pair, const char *family, const char *type, const char *proto, int high)
{
    long f = family_of(family);
    if (high)
        f |= 1l << 32;
    int t = !strcmp(type, "stream") ? SOCK_STREAM : !strcmp(type, "dgram") ? SOCK_DGRAM
          : !strcmp(type, "raw") ? SOCK_RAW : !strcmp(type, "seqpacket") ? SOCK_SEQPACKET : atoi(type);
    long p = proto ? strtol(proto, NULL, 0) : 0;
    int sv[2];
    errno = 0;
    long r = pair ? syscall(SYS_socketpair, f, t | SOCK_CLOEXEC, p, sv) : syscall(SYS_socket, f, t | SOCK_CLOEXEC, p);
    report(r, pair ? "socketpair" : "socket");
}

/* clone() with `flags` (a namespace flag): the child, if any, exits at once. */
static void do_clone(const char *flags)
{
    unsigned long f = strtoul(flags, NULL, 0);
    long pid = syscall(SYS_clone, f | SIGCHLD, NULL, NULL, NULL, NULL);
    if (pid == 0)
        _exit(0);
    if (pid > 0)
        waitpid((pid_t)pid, NULL, 0);
    report(pid, "clone");
}

#if defined(__x86_64__)
/* An i386 syscall (getpid, 20) through int 0x80 from this 64-bit process. */
static void do_i386_getpid(void)
{
    long ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
    if (ret < 0 && ret > -4096) {
        errno = (int)-ret;
        report(-1, NULL);
    } else
        result_ok("i386 getpid %ld", ret);
}
#endif

/* ---- running a file the child wrote ---------------------------------- */

static const char *data_dir(void)
{
    static char buf[4096];
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME"), *bundle = getenv("NCP_BUNDLE_NAME");
    if (xdg && *xdg)
        snprintf(buf, sizeof(buf), "%s/%s", xdg, bundle ? bundle : "");
    else
        snprintf(buf, sizeof(buf), "%s/.local/share/%s", home ? home : "", bundle ? bundle : "");
    return buf;
}

static const char *where(const char *dir)
{
    return !strcmp(dir, "data") ? data_dir() : dir;
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return -1;
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (out < 0) {
        close(in);
        return -1;
    }
    char buf[65536];
    ssize_t n;
    int r = 0;
    while ((n = read(in, buf, sizeof(buf))) > 0)
        if (write(out, buf, (size_t)n) != n)
            r = -1;
    close(in);
    close(out);
    return r;
}

/* What ld.so does with a library: map it executable. */
static int map_exec_errno(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
    int e = p == MAP_FAILED ? errno : 0;
    if (p != MAP_FAILED)
        munmap(p, 4096);
    close(fd);
    return e;
}

static const char *ld_so(void)
{
    static const char *const c[] = { "/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1",
                                     "/lib/ld-linux-armhf.so.3", "/lib/ld-linux.so.2" };
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
        if (access(c[i], X_OK) == 0)
            return c[i];
    return c[0];
}

/* "ldso-written DIR": /usr/bin/true copied to DIR (or "data") and run as
 * `ld.so DIR/true-copy`. */
static void do_ldso_written(const char *dir)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/true-copy", where(dir));
    if (copy_file("/usr/bin/true", path, 0755) < 0) {
        result_denied(errno, "copy");
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 2);
        char *args[] = { (char *)ld_so(), path, NULL };
        execv(args[0], args);
        _exit(99);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    int e = map_exec_errno(path);
    unlink(path);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        result_ok("ld.so ran %s", path);
    else
        result_denied(e ? e : EACCES, "ld.so failed");
}

/* The path of this library, to copy it. */
static const char *self_path(void)
{
    Dl_info info;
    extern void Probe(NativeChildProcess_Args args);
    if (dladdr((void *)Probe, &info) && info.dli_fname)
        return info.dli_fname;
    return "/nonexistent";
}

/* "dlopen-written DIR": this library copied to DIR and dlopen()ed. */
static void do_dlopen_written(const char *dir)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/copy.so", where(dir));
    if (copy_file(self_path(), path, 0755) < 0) {
        result_denied(errno, "copy");
        return;
    }
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    int e = map_exec_errno(path);
    unlink(path);
    if (h)
        result_ok("dlopen'ed %s", path);
    else
        result_denied(e ? e : EACCES, dlerror());
}

/* "memfd-exec" / "memfd-dlopen": /usr/bin/true or this library in a memfd,
 * then fexecve() or dlopen("/proc/self/fd/N"). */
static void do_memfd(int exec)
{
    int fd = (int)syscall(SYS_memfd_create, "probe", 0);
    if (fd < 0) {
        result_denied(errno, "memfd_create");
        return;
    }
    int in = open(exec ? "/usr/bin/true" : self_path(), O_RDONLY | O_CLOEXEC);
    char buf[65536];
    ssize_t n;
    while (in >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
        if (write(fd, buf, (size_t)n) != n)
            break;
    if (in >= 0)
        close(in);
    if (exec) {
        pid_t pid = fork();
        if (pid == 0) {
            char *args[] = { "true", NULL };
            extern char **environ;
            fexecve(fd, args, environ);
            _exit(100 + (errno & 0x3f));
        }
        int st = 0;
        waitpid(pid, &st, 0);
        if (WIFEXITED(st) && WEXITSTATUS(st) >= 100)
            result_denied(WEXITSTATUS(st) - 100, "fexecve");
        else
            result_ok("fexecve of a memfd ran (status %d)", st);
        return;
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (h)
        result_ok("dlopen of a memfd");
    else
        result_denied(EACCES, dlerror());
}

/* ---- ordinary code that must keep working ---------------------------- */

static void *thread_main(void *arg)
{
    return (void *)((intptr_t)arg * 2);
}

static void do_threads(void)
{
    pthread_t t[4];
    long sum = 0;
    for (intptr_t i = 0; i < 4; i++)
        if ((errno = pthread_create(&t[i], NULL, thread_main, (void *)i)) != 0) {
            result_denied(errno, "pthread_create");
            return;
        }
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        sum += (intptr_t)r;
    }
    result_ok("4 threads, sum %ld", sum);
}

static void do_getaddrinfo(const char *host)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG }, *res;
    int r = getaddrinfo(host, "80", &hints, &res);
    if (r != 0) {
        printf("RESULT: denied EAI %s\n", gai_strerror(r));
        return;
    }
    char name[64] = "";
    getnameinfo(res->ai_addr, res->ai_addrlen, name, sizeof(name), NULL, 0, NI_NUMERICHOST);
    freeaddrinfo(res);
    result_ok("%s -> %s", host, name);
}

static void do_tcp_loop(void)
{
    int l = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
    socklen_t len = sizeof(a);
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 1) < 0 ||
        getsockname(l, (struct sockaddr *)&a, &len) < 0) {
        result_denied(errno, "listen");
        return;
    }
    int c = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)) < 0) {
        result_denied(errno, "connect");
        return;
    }
    int s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    char buf[8] = "";
    if (s < 0 || write(c, "ping", 4) != 4 || read(s, buf, sizeof(buf)) != 4) {
        result_denied(errno, "echo");
        return;
    }
    result_ok("[::1]:%d %s", ntohs(a.sin6_port), buf);
}

/* fork + wait4, the rlimit calls, posix_spawn of a system program. */
static void do_processes(void)
{
    pid_t pid = fork();
    if (pid < 0) {
        result_denied(errno, "fork");
        return;
    }
    if (pid == 0)
        _exit(7);
    int st = 0;
    struct rusage ru;
    if (wait4(pid, &st, 0, &ru) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 7) {
        result_denied(errno ? errno : ECHILD, "wait4");
        return;
    }
    struct rlimit rl;
    if (prlimit(0, RLIMIT_NOFILE, NULL, &rl) < 0 || setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 }) < 0) {
        result_denied(errno, "rlimit");
        return;
    }
    char *args[] = { "true", NULL };
    extern char **environ;
    if ((errno = posix_spawn(&pid, "/usr/bin/true", NULL, NULL, args, environ)) != 0) {
        result_denied(errno, "posix_spawn");
        return;
    }
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        result_denied(ECHILD, "posix_spawn'ed true");
        return;
    }
    result_ok("fork, wait4, prlimit, setrlimit, posix_spawn");
}

static void do_hostname(void)
{
    struct utsname u;
    if (uname(&u) < 0) {
        result_denied(errno, "uname");
        return;
    }
    result_ok("%s %s", u.nodename, u.domainname);
}

void Probe(NativeChildProcess_Args args);
__attribute__((visibility("default"))) void Probe(NativeChildProcess_Args args)
{
    char *params = strdup(args.entryParams ? args.entryParams : "");
    char *argv[MAX_ARGS + 1] = { 0 };
    int argc = 0;
    char *save = NULL;
    for (char *t = strtok_r(params, " ", &save); t && argc < MAX_ARGS; t = strtok_r(NULL, " ", &save))
        argv[argc++] = t;
    const char *a = argc > 0 ? argv[0] : "", *p1 = argc > 1 ? argv[1] : NULL;
    errno = 0;

#define NEED(n)                                                    \
    do {                                                           \
        if (argc < (n) + 1) {                                      \
            printf("probe: %s needs %d argument(s)\n", a, (n));    \
            exit(2);                                               \
        }                                                          \
    } while (0)

    if (!strcmp(a, "sys")) {
        NEED(1);
        do_sys(argc, argv);
    } else if (!strcmp(a, "perf-self")) {
        do_perf_self();
    } else if (!strcmp(a, "io_uring")) {
        do_io_uring();
    } else if (!strcmp(a, "userfaultfd")) {
        do_userfaultfd();
    } else if (!strcmp(a, "keyring-read")) {
        NEED(1);
        do_keyring_read(p1);
    } else if (!strcmp(a, "keyring-plant")) {
        NEED(1);
        do_keyring_plant(p1);
    } else if (!strcmp(a, "personality")) {
        NEED(1);
        do_personality(p1);
    } else if (!strcmp(a, "ptrace-me")) {
        do_ptrace_me();
    } else if (!strcmp(a, "vm-readv-self")) {
        do_vm_readv_self();
    } else if (!strcmp(a, "kcmp-self")) {
        do_kcmp_self();
    } else if (!strcmp(a, "ioctl")) {
        NEED(1);
        do_ioctl(p1, argc > 2 && !strcmp(argv[2], "high"));
    } else if (!strcmp(a, "socket") || !strcmp(a, "socketpair")) {
        NEED(2);
        do_socket(!strcmp(a, "socketpair"), argv[1], argv[2], argc > 3 ? argv[3] : NULL,
                  argc > 4 && !strcmp(argv[4], "high"));
    } else if (!strcmp(a, "clone")) {
        NEED(1);
        do_clone(p1);
#if defined(__x86_64__)
    } else if (!strcmp(a, "i386-getpid")) {
        do_i386_getpid();
#endif
    } else if (!strcmp(a, "ldso-written")) {
        NEED(1);
        do_ldso_written(p1);
    } else if (!strcmp(a, "dlopen-written")) {
        NEED(1);
        do_dlopen_written(p1);
    } else if (!strcmp(a, "memfd-exec")) {
        do_memfd(1);
    } else if (!strcmp(a, "memfd-dlopen")) {
        do_memfd(0);
    } else if (!strcmp(a, "threads")) {
        do_threads();
    } else if (!strcmp(a, "getaddrinfo")) {
        NEED(1);
        do_getaddrinfo(p1);
    } else if (!strcmp(a, "tcp-loop")) {
        do_tcp_loop();
    } else if (!strcmp(a, "processes")) {
        do_processes();
    } else if (!strcmp(a, "hostname")) {
        do_hostname();
    } else {
        printf("probe: unknown attempt \"%s\"\n", a);
        fflush(stdout);
        exit(2);
    }
    free(params);
}
