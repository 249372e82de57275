/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The wall suite's probe: a child library whose entry tries one escape and
 * says what happened.
 *
 *   void Probe(NativeChildProcess_Args args)
 *
 * args.entryParams is "ATTEMPT ARG...".  The probe prints one line
 * "RESULT: ok DETAIL" or "RESULT: denied ERRNO-NAME [DETAIL]" and returns
 * (exit 0); an unknown attempt exits 2.  Attempts that touch other processes
 * only send SIGWINCH (ignored by default) so a failed wall does no harm.
 * No dependency but libc: the probe must load in the isolated child.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
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

/* Either outcome from a call that returns -1/errno. */
static void report(int rc, const char *ok_detail)
{
    if (rc < 0)
        result_denied(errno, NULL);
    else
        result_ok("%s", ok_detail ? ok_detail : "");
}

static void do_read(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        result_denied(errno, path);
        return;
    }
    char buf[256];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    int err = errno;
    close(fd);
    if (n < 0) {
        result_denied(err, path);
        return;
    }
    buf[n] = '\0';
    for (ssize_t i = 0; i < n; i++)
        if (buf[i] == '\n' || buf[i] == '\0')
            buf[i] = ' ';
    result_ok("%zd bytes: %s", n, buf); /* whole: a sentinel's long path must show */
}

/* The files mapped into this process, one "MAP: path" line each. */
static void do_maps(void)
{
    FILE *f = fopen("/proc/self/maps", "re");
    if (!f) {
        result_denied(errno, "/proc/self/maps");
        return;
    }
    char line[4300], last[4200] = "";
    int n = 0;
    while (fgets(line, sizeof(line), f)) {
        char *path = strchr(line, '/');
        if (!path)
            continue;
        path[strcspn(path, "\n")] = '\0';
        if (strcmp(path, last) != 0) {
            printf("MAP: %s\n", path);
            snprintf(last, sizeof(last), "%s", path);
            n++;
        }
    }
    fclose(f);
    result_ok("%d mappings of files", n);
}

static void do_write(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        result_denied(errno, path);
        return;
    }
    ssize_t n = write(fd, "escaped\n", 8);
    int err = errno;
    close(fd);
    if (n != 8)
        result_denied(err, path);
    else
        result_ok("wrote %s", path);
}

static void do_listdir(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        result_denied(errno, path);
        return;
    }
    char names[512] = "";
    size_t o = 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        n++;
        if (o < sizeof(names) - 1)
            o += (size_t)snprintf(names + o, sizeof(names) - o, "%s%s", o ? "," : "", e->d_name);
        if (o >= sizeof(names))
            o = sizeof(names) - 1;
    }
    closedir(d);
    result_ok("%d entries: %s", n, names);
}

static int connect_addr(int family, const struct sockaddr *sa, socklen_t len)
{
    int s = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -1;
    int rc = connect(s, sa, len);
    int err = errno;
    close(s);
    errno = err;
    return rc;
}

static void do_connect_tcp(const char *hostport)
{
    char host[64];
    snprintf(host, sizeof(host), "%s", hostport);
    char *colon = strrchr(host, ':');
    if (!colon) {
        result_denied(EINVAL, "HOST:PORT expected");
        return;
    }
    *colon = '\0';
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1)) };
    inet_pton(AF_INET, host, &sin.sin_addr);
    report(connect_addr(AF_INET, (struct sockaddr *)&sin, sizeof(sin)), hostport);
}

static void do_connect_unix(const char *path, int abstract)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    socklen_t len;
    if (abstract) {
        size_t n = strnlen(path, sizeof(sun.sun_path) - 1);
        memcpy(sun.sun_path + 1, path, n);
        len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
    } else {
        snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
        len = sizeof(sun);
    }
    report(connect_addr(AF_UNIX, (struct sockaddr *)&sun, len), path);
}

/* The child's own loopback: listen on 127.0.0.1, connect, exchange a byte. */
static void do_loopback_echo(void)
{
    int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(sin);
    if (l < 0 || bind(l, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(l, 1) < 0 ||
        getsockname(l, (struct sockaddr *)&sin, &len) < 0) {
        result_denied(errno, "listen");
        return;
    }
    int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (connect(c, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
        result_denied(errno, "connect");
        return;
    }
    int a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    char b = 0;
    if (a < 0 || write(c, "x", 1) != 1 || read(a, &b, 1) != 1 || b != 'x') {
        result_denied(errno ? errno : EIO, "exchange");
        return;
    }
    close(a);
    close(c);
    close(l);
    result_ok("127.0.0.1:%d echo", ntohs(sin.sin_port));
}

static void do_count_netdevs(void)
{
    struct if_nameindex *ni = if_nameindex();
    if (!ni) {
        result_denied(errno, NULL);
        return;
    }
    char names[256] = "";
    size_t o = 0;
    int n = 0, s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    for (struct if_nameindex *i = ni; i->if_index; i++) {
        struct ifreq ifr = { 0 };
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", i->if_name);
        int up = s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP);
        if (o < sizeof(names))
            o += (size_t)snprintf(names + o, sizeof(names) - o, "%s%s:%s", n ? "," : "", i->if_name, up ? "up" : "down");
        n++;
    }
    if (s >= 0)
        close(s);
    if_freenameindex(ni);
    result_ok("%d %s", n, names);
}

static void do_caps(void)
{
    FILE *f = fopen("/proc/self/status", "re");
    if (!f) {
        result_denied(errno, NULL);
        return;
    }
    char line[256], out[512] = "";
    size_t o = 0;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "Cap", 3) && strncmp(line, "NoNewPrivs", 10) && strncmp(line, "Seccomp:", 8))
            continue;
        line[strcspn(line, "\n")] = '\0';
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        *colon = '=';
        char *value = colon + 1 + strspn(colon + 1, " \t");
        memmove(colon + 1, value, strlen(value) + 1);
        if (o < sizeof(out))
            o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s", o ? " " : "", line);
    }
    fclose(f);
    result_ok("%s", out);
}

static void do_setuid_bin(char **argv, int argc)
{
    if (argc < 1) {
        result_denied(EINVAL, "PATH expected");
        return;
    }
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        result_denied(errno, "pipe");
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        char *args[MAX_ARGS + 1] = { 0 };
        for (int i = 0; i < argc && i < MAX_ARGS; i++)
            args[i] = argv[i];
        execv(argv[0], args);
        printf("exec failed: %s\n", strerrorname_np(errno));
        _exit(127);
    }
    close(p[1]);
    char buf[256];
    ssize_t n = read(p[0], buf, sizeof(buf) - 1);
    close(p[0]);
    int st;
    waitpid(pid, &st, 0);
    buf[n > 0 ? n : 0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    result_ok("output=%s status=%d", buf, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

static void do_fd_census(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d) {
        result_denied(errno, "/proc/self/fd");
        return;
    }
    char out[2048] = "";
    size_t o = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        int fd = atoi(e->d_name);
        if (fd == dirfd(d))
            continue;
        char path[64], target[256];
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        ssize_t n = readlink(path, target, sizeof(target) - 1);
        target[n > 0 ? n : 0] = '\0';
        if (o < sizeof(out))
            o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%d=%s", o ? " " : "", fd, target);
    }
    closedir(d);
    result_ok("%s", out);
}

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

static void do_uid(void)
{
    gid_t groups[64];
    int ng = getgroups(64, groups);
    struct stat st;
    char owner[64] = "";
    if (stat(data_dir(), &st) == 0)
        snprintf(owner, sizeof(owner), " datadir_uid=%u", (unsigned)st.st_uid);
    result_ok("uid=%u euid=%u gid=%u egid=%u groups=%d%s", (unsigned)getuid(), (unsigned)geteuid(), (unsigned)getgid(),
              (unsigned)getegid(), ng, owner);
}

static void do_stat(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        result_denied(errno, path);
        return;
    }
    result_ok("uid=%u gid=%u mode=%o", (unsigned)st.st_uid, (unsigned)st.st_gid, st.st_mode & 07777);
}

static void do_exec_written_in(const char *dir);

static void do_exec_written(void)
{
    /* Copy /usr/bin/true into the data dir and run it: the data dir is not executable. */
    do_exec_written_in(data_dir());
}

/* Copies /usr/bin/true into DIR and runs it. */
static void do_exec_written_in(const char *dir)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/true-copy", dir);
    int in = open("/usr/bin/true", O_RDONLY | O_CLOEXEC);
    int out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    if (in < 0 || out < 0) {
        result_denied(errno, "copy");
        return;
    }
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof(buf))) > 0)
        if (write(out, buf, (size_t)n) != n)
            break;
    close(in);
    close(out);
    pid_t pid = fork();
    if (pid == 0) {
        char *args[] = { path, NULL };
        execv(path, args);
        _exit(100 + (errno & 0x3f));
    }
    int st;
    waitpid(pid, &st, 0);
    unlink(path);
    if (WIFEXITED(st) && WEXITSTATUS(st) >= 100)
        result_denied(WEXITSTATUS(st) - 100, path);
    else
        result_ok("ran %s", path);
}

static void do_open_by_handle(void)
{
    struct {
        struct file_handle h;
        unsigned char buf[128];
    } fh = { .h.handle_bytes = 128 };
    int mount_id;
    if (name_to_handle_at(AT_FDCWD, "/", &fh.h, &mount_id, 0) < 0) {
        result_denied(errno, "name_to_handle_at");
        return;
    }
    int fd = open_by_handle_at(AT_FDCWD, &fh.h, O_RDONLY | O_CLOEXEC);
    if (fd >= 0)
        close(fd);
    report(fd, "opened by handle");
}

static void do_setns(void)
{
    /* The host's namespaces (pid 1's) first, then any namespace file at all. */
    int fd = open("/proc/1/ns/mnt", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        result_denied(errno, "/proc/1/ns/mnt");
        return;
    }
    int rc = setns(fd, 0);
    close(fd);
    report(rc, "joined pid 1's mount namespace");
}

static void ptrace_attempt(pid_t pid)
{
    if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0) {
        result_denied(errno, NULL);
        return;
    }
    ptrace(PTRACE_DETACH, pid, 0, 0);
    result_ok("seized %d", (int)pid);
}

static void vm_read_attempt(pid_t pid)
{
    char buf[8];
    struct iovec local = { buf, sizeof(buf) }, remote = { (void *)0x10000, sizeof(buf) };
    if (process_vm_readv(pid, &local, 1, &remote, 1, 0) < 0 && (errno == EPERM || errno == EACCES || errno == ESRCH)) {
        result_denied(errno, NULL);
        return;
    }
    result_ok("permitted (%s)", strerrorname_np(errno) ?: "read");
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
    const char *a = argc > 0 ? argv[0] : "", *p1 = argc > 1 ? argv[1] : NULL, *p2 = argc > 2 ? argv[2] : NULL;
    errno = 0;

#define NEED(n)                                                    \
    do {                                                           \
        if (argc < (n) + 1) {                                      \
            printf("probe: %s needs %d argument(s)\n", a, (n));    \
            exit(2);                                               \
        }                                                          \
    } while (0)

    if (!strcmp(a, "read")) {
        NEED(1);
        do_read(p1);
    } else if (!strcmp(a, "maps")) {
        do_maps();
    } else if (!strcmp(a, "write")) {
        NEED(1);
        do_write(p1);
    } else if (!strcmp(a, "listdir")) {
        NEED(1);
        do_listdir(p1);
    } else if (!strcmp(a, "stat")) {
        NEED(1);
        do_stat(p1);
    } else if (!strcmp(a, "symlink-follow")) {
        NEED(1);
        do_read(p1);
    } else if (!strcmp(a, "symlink-escape")) {
        /* Plant a symlink in the data dir pointing outside, then follow it. */
        NEED(1);
        char link[4200];
        snprintf(link, sizeof(link), "%s/escape-link", data_dir());
        unlink(link);
        if (symlink(p1, link) < 0)
            result_denied(errno, "symlink");
        else
            do_read(link);
    } else if (!strcmp(a, "rename")) {
        NEED(2);
        report(rename(p1, p2), "renamed");
    } else if (!strcmp(a, "link")) {
        NEED(2);
        report(link(p1, p2), "linked");
    } else if (!strcmp(a, "truncate")) {
        NEED(1);
        report(truncate(p1, 0), "truncated");
    } else if (!strcmp(a, "mkdir")) {
        NEED(1);
        report(mkdir(p1, 0755), "created");
    } else if (!strcmp(a, "mknod")) {
        NEED(1);
        report(mknod(p1, S_IFCHR | 0600, makedev(1, 3)), "created a device node");
    } else if (!strcmp(a, "connect-tcp")) {
        NEED(1);
        do_connect_tcp(p1);
    } else if (!strcmp(a, "connect-unix")) {
        NEED(1);
        do_connect_unix(p1, 0);
    } else if (!strcmp(a, "connect-abstract")) {
        NEED(1);
        do_connect_unix(p1, 1);
    } else if (!strcmp(a, "loopback-echo")) {
        do_loopback_echo();
    } else if (!strcmp(a, "count-netdevs")) {
        do_count_netdevs();
    } else if (!strcmp(a, "kill")) {
        NEED(1);
        report(kill((pid_t)atoi(p1), SIGWINCH), "signalled");
    } else if (!strcmp(a, "signal-parent")) {
        report(kill(getppid(), SIGWINCH), "signalled the parent");
    } else if (!strcmp(a, "kill-all")) {
        /* kill(-1) reports success even when every target refused: the test
         * looks at its sentinel instead. */
        report(kill(-1, SIGWINCH), "kill(-1) returned 0");
    } else if (!strcmp(a, "ptrace")) {
        NEED(1);
        ptrace_attempt((pid_t)atoi(p1));
    } else if (!strcmp(a, "ptrace-parent")) {
        ptrace_attempt(getppid());
    } else if (!strcmp(a, "process_vm_readv")) {
        NEED(1);
        vm_read_attempt((pid_t)atoi(p1));
    } else if (!strcmp(a, "read-parent")) {
        NEED(1);
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/%s", (int)getppid(), p1);
        do_read(path);
    } else if (!strcmp(a, "caps")) {
        do_caps();
    } else if (!strcmp(a, "mount")) {
        report(mount("tmpfs", "/tmp", "tmpfs", 0, NULL), "mounted a tmpfs");
    } else if (!strcmp(a, "remount-rw")) {
        report(mount(NULL, "/usr", NULL, MS_REMOUNT | MS_BIND, NULL), "remounted /usr read-write");
    } else if (!strcmp(a, "umount")) {
        NEED(1);
        report(umount2(p1, MNT_DETACH), "unmounted");
    } else if (!strcmp(a, "unshare-user")) {
        report(unshare(CLONE_NEWUSER), "new user namespace");
    } else if (!strcmp(a, "unshare-net")) {
        report(unshare(CLONE_NEWNET), "new network namespace");
    } else if (!strcmp(a, "setns")) {
        do_setns();
    } else if (!strcmp(a, "chroot")) {
        report(chroot("/tmp"), "chrooted");
    } else if (!strcmp(a, "open-by-handle")) {
        do_open_by_handle();
    } else if (!strcmp(a, "setuid-bin")) {
        NEED(1);
        do_setuid_bin(argv + 1, argc - 1);
    } else if (!strcmp(a, "fd-census")) {
        do_fd_census();
    } else if (!strcmp(a, "datadir-write")) {
        char path[4200];
        snprintf(path, sizeof(path), "%s/%s", data_dir(), p1 ? p1 : "probe-written");
        do_write(path);
    } else if (!strcmp(a, "datadir-list")) {
        do_listdir(data_dir());
    } else if (!strcmp(a, "datadir-read")) {
        NEED(1);
        char path[4200];
        snprintf(path, sizeof(path), "%s/%s", data_dir(), p1);
        do_read(path);
    } else if (!strcmp(a, "datadir-stat")) {
        do_stat(data_dir());
    } else if (!strcmp(a, "exec-written-in")) {
        NEED(1);
        do_exec_written_in(p1);
    } else if (!strcmp(a, "exec-written")) {
        do_exec_written();
    } else if (!strcmp(a, "uid")) {
        do_uid();
    } else if (!strcmp(a, "hostname")) {
        char h[256] = "";
        gethostname(h, sizeof(h));
        result_ok("%s", h);
    } else if (!strcmp(a, "sethostname")) {
        report(sethostname("escaped", 7), "hostname changed");
    } else if (!strcmp(a, "bpf")) {
        report((int)syscall(SYS_bpf, 0 /* BPF_MAP_CREATE */, NULL, 0), "bpf");
    } else {
        printf("probe: unknown attempt \"%s\"\n", a);
        fflush(stdout);
        exit(2);
    }
    free(params);
}
