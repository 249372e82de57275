/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Probe of the host-walls suite (tests/bats/walls-host.bats): attempts on
 * what of the host an isolated child is handed — descriptors, the app's
 * environment, the app's terminal, host objects bound into its root.
 *
 *   void Probe(NativeChildProcess_Args args)
 *
 * args.entryParams is "ATTEMPT ARG..."; the probe prints
 * "RESULT: ok DETAIL" or "RESULT: denied ERRNO-NAME [DETAIL]" (several
 * lines for attempts on a list of paths) and returns; an unknown attempt
 * exits 2.  Attempts that would change a host object if a wall failed
 * change nothing: chmod/chown to the current mode and owner, utimensat to
 * the current times, setxattr(XATTR_REPLACE) of an attribute that does not
 * exist.  Only libc: the probe must load inside the isolated child.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <termios.h>
#include <unistd.h>

#include <AbilityKit/native_child_process.h>

#define MAX_ARGS 64

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

static void report(int rc, const char *detail)
{
    if (rc < 0)
        result_denied(errno, detail);
    else
        result_ok("%s", detail ? detail : "");
}

static int named_fd(NativeChildProcess_Args *args, const char *name)
{
    for (NativeChildProcess_Fd *f = args->fdList.head; f; f = f->next)
        if (!strcmp(f->fdName, name))
            return f->fd;
    return -1;
}

/* --- descriptors ----------------------------------------------------------- */

/* Walks ".." from the directory fd until it stops moving: a host root shows
 * itself by /etc/shadow, which the child's root never holds. */
static void do_dirfd_walk(int fd)
{
    int cur = dup(fd);
    struct stat st, up;
    for (int i = 0; i < 64 && cur >= 0; i++) {
        int next = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (next < 0)
            break;
        if (fstat(cur, &st) == 0 && fstat(next, &up) == 0 && st.st_dev == up.st_dev && st.st_ino == up.st_ino) {
            close(next);
            break;
        }
        close(cur);
        cur = next;
    }
    struct stat sh, top;
    char detail[160];
    /* Where the walk ended, for the test to compare with the host's "/". */
    if (fstat(cur, &top) < 0)
        memset(&top, 0, sizeof(top));
    snprintf(detail, sizeof(detail), "top=%llu:%llu reached the host's root: etc/shadow is there",
             (unsigned long long)top.st_dev, (unsigned long long)top.st_ino);
    report(fstatat(cur, "etc/shadow", &sh, 0), detail);
    close(cur);
}

/* fchmodat, fchownat and utimensat of REL relative to the directory fd
 * (e.g. "../beside"), each a no-op if it were allowed; one line each. */
static void do_dirfd_change(int fd, const char *rel)
{
    struct stat st;
    char what[600];
    if (fstatat(fd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        snprintf(what, sizeof(what), "stat %s", rel);
        result_denied(errno, what);
        return;
    }
    snprintf(what, sizeof(what), "fchmodat %s", rel);
    report(fchmodat(fd, rel, st.st_mode & 07777, 0), what);
    snprintf(what, sizeof(what), "fchownat %s", rel);
    report(fchownat(fd, rel, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW), what);
    snprintf(what, sizeof(what), "utimensat %s", rel);
    struct timespec t[2] = { st.st_atim, st.st_mtim };
    report(utimensat(fd, rel, t, AT_SYMLINK_NOFOLLOW), what);
}

/* connect() to the socket REL (relative to the directory fd, may use ..)
 * through /proc/self/fd: what Landlock cannot stop once a path is reachable. */
static void do_dirfd_connect(int fd, const char *rel)
{
    char dir[512], *slash;
    snprintf(dir, sizeof(dir), "%s", rel);
    const char *base = rel;
    int d = dup(fd);
    if ((slash = strrchr(dir, '/'))) {
        *slash = '\0';
        base = rel + (slash - dir) + 1;
        close(d);
        d = openat(fd, dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (d < 0) {
            result_denied(errno, dir);
            return;
        }
    }
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    snprintf(sun.sun_path, sizeof(sun.sun_path), "/proc/self/fd/%d/%s", d, base);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    report(s < 0 ? -1 : connect(s, (struct sockaddr *)&sun, sizeof(sun)), "connected to a host socket");
    close(s);
    close(d);
}

static void do_dirfd_read(int fd, const char *name)
{
    int f = openat(fd, name, O_RDONLY | O_CLOEXEC);
    char buf[128] = "";
    ssize_t n = f < 0 ? -1 : read(f, buf, sizeof(buf) - 1);
    if (n < 0) {
        result_denied(errno, name);
    } else {
        buf[n] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        result_ok("read %s: %s", name, buf);
    }
    if (f >= 0)
        close(f);
}

static void do_dirfd_write(int fd, const char *name)
{
    int f = openat(fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (f < 0 || write(f, "from-child\n", 11) != 11)
        result_denied(errno, name);
    else
        result_ok("wrote %s", name);
    if (f >= 0)
        close(f);
}

static void do_dirfd_path(int fd)
{
    char link[64], path[4096];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof(path) - 1);
    if (n < 0) {
        result_denied(errno, link);
        return;
    }
    path[n] = '\0';
    int fl = fcntl(fd, F_GETFL);
    result_ok("path=%s o_path=%d", path, fl >= 0 && (fl & O_PATH) ? 1 : 0);
}

/* --- the app's environment --------------------------------------------------- */

/* Whether the canary (given reversed, so the parameters never hold it) is
 * in getenv(), in /proc/self/environ, and anywhere in the child's own
 * readable memory.  The needle and the read buffer live in one private
 * mapping that the scan skips. */
static void do_env_canary(const char *reversed)
{
    size_t n = strlen(reversed);
    const size_t chunk = 1 << 20;
    char *area = mmap(NULL, chunk + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED || n == 0 || n > 1000) {
        result_denied(ENOMEM, "mmap");
        return;
    }
    char *needle = area + chunk;
    for (size_t i = 0; i < n; i++)
        needle[i] = reversed[n - 1 - i];
    extern char **environ;
    bool in_getenv = false, in_environ = false;
    for (char **e = environ; e && *e; e++)
        if (memmem(*e, strlen(*e), needle, n))
            in_getenv = true;
    int fd = open("/proc/self/environ", O_RDONLY | O_CLOEXEC);
    ssize_t got = fd < 0 ? -1 : read(fd, area, chunk);
    if (got > 0 && memmem(area, (size_t)got, needle, n))
        in_environ = true;
    if (fd >= 0)
        close(fd);

    /* Every readable mapping but ours, through /proc/self/mem. */
    char where[600] = "";
    unsigned long hits = 0;
    FILE *maps = fopen("/proc/self/maps", "re");
    int mem = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
    char line[512];
    while (maps && mem >= 0 && fgets(line, sizeof(line), maps)) {
        unsigned long start, end;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &start, &end, perms) != 3 || perms[0] != 'r')
            continue;
        if (start == (unsigned long)area || strstr(line, "[vvar") || strstr(line, "[vsyscall]"))
            continue;
        /* Reservations of a gigabyte and more are a sanitizer's shadow memory
         * (terabytes of zero pages in an ASan build of the runner), not where
         * an environment is copied: reading them would take hours. */
        if (end - start >= (1ul << 30))
            continue;
        for (unsigned long at = start; at < end; at += chunk - n) {
            size_t len = end - at < chunk ? end - at : chunk;
            ssize_t r = pread(mem, area, len, (off_t)at);
            if (r <= 0)
                break;
            char *hit = memmem(area, (size_t)r, needle, n);
            if (hit) {
                if (!hits++) {
                    line[strcspn(line, "\n")] = '\0';
                    snprintf(where, sizeof(where), "0x%lx in %s", at + (unsigned long)(hit - area), line);
                }
                break;
            }
            if ((size_t)r < len)
                break;
        }
    }
    if (maps)
        fclose(maps);
    if (mem < 0) {
        result_denied(errno, "/proc/self/mem");
        return;
    }
    result_ok("getenv=%s environ=%s memory=%s%s%s", in_getenv ? "present" : "absent",
              in_environ ? "present" : "absent", hits ? "present" : "absent", hits ? " at " : "", where);
}

/* --- the terminal ---------------------------------------------------------------- */

static void do_tiocsti(const char *text)
{
    char buf[256];
    /* "_", "\n" and "^C" in the argument stand for a space, a newline and an interrupt. */
    size_t o = 0;
    for (const char *p = text; *p && o < sizeof(buf) - 1; p++) {
        if (p[0] == '\\' && p[1] == 'n') {
            buf[o++] = '\n';
            p++;
        } else if (p[0] == '^' && p[1] == 'C') {
            buf[o++] = 3;
            p++;
        } else
            buf[o++] = *p == '_' ? ' ' : *p;
    }
    for (size_t i = 0; i < o; i++)
        if (ioctl(0, TIOCSTI, &buf[i]) < 0) {
            result_denied(errno, "TIOCSTI");
            return;
        }
    result_ok("typed %zu characters into the terminal", o);
}

/* Puts itself in the terminal's foreground: the app is then in the
 * background, and its reads fail. */
static void do_tcsetpgrp(void)
{
    signal(SIGTTOU, SIG_IGN);
    (void)setpgid(0, 0);
    report(tcsetpgrp(0, getpgrp()), "took the terminal's foreground");
}

static void do_session(void)
{
    char stat[1024] = "";
    int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, stat, sizeof(stat) - 1);
    if (fd >= 0)
        close(fd);
    int tty_nr = -1;
    char *paren = n > 0 ? strrchr(stat, ')') : NULL;
    if (paren)
        sscanf(paren + 2, "%*c %*d %*d %*d %d", &tty_nr);
    result_ok("leader=%d tty_nr=%d", getsid(0) == getpid(), tty_nr);
}

/* --- host objects ------------------------------------------------------------------ */

/* chmod, chown, utimensat and setxattr on each path, each a no-op if it
 * were allowed; one line per call. */
static void do_change_host(char **paths, int n)
{
    for (int i = 0; i < n; i++) {
        const char *p = paths[i];
        struct stat st;
        char what[600];
        if (stat(p, &st) < 0) {
            snprintf(what, sizeof(what), "stat %s", p);
            result_denied(errno, what);
            continue;
        }
        snprintf(what, sizeof(what), "chmod %s", p);
        report(chmod(p, st.st_mode & 07777), what);
        snprintf(what, sizeof(what), "chown %s", p);
        report(chown(p, st.st_uid, st.st_gid), what);
        snprintf(what, sizeof(what), "utimensat %s", p);
        struct timespec t[2] = { st.st_atim, st.st_mtim };
        report(utimensat(AT_FDCWD, p, t, 0), what);
        snprintf(what, sizeof(what), "setxattr %s", p);
        int rc = setxattr(p, "user.ncp_probe", "x", 1, XATTR_REPLACE);
        /* ENODATA: the call reached the file system (nothing stopped it). */
        report(rc < 0 && errno == ENODATA ? 0 : rc, what);
    }
}

static void do_write_dev(const char *path)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "x", 1) != 1)
        result_denied(errno, path);
    else
        result_ok("wrote to %s", path);
    if (fd >= 0)
        close(fd);
}

/* stdio: what a child could do to the app's own stdio through its 0-2.
 * ftruncate(1) and (2), and fchmod() of them, must fail or hit a descriptor
 * that is not the app's log file; O_NONBLOCK is set on 0-2 (the app then
 * checks its own flags); a forged library line and a terminal escape go to stderr (the app must
 * show them escaped and marked as the child's); the results are printed. */
static void do_stdio(void)
{
    char what[32];
    for (int fd = 1; fd <= 2; fd++) {
        snprintf(what, sizeof(what), "ftruncate %d", fd);
        report(ftruncate(fd, 0), what);
        snprintf(what, sizeof(what), "fchmod %d", fd);
        report(fchmod(fd, 0600), what);
    }
    for (int fd = 0; fd <= 2; fd++) {
        int fl = fcntl(fd, F_GETFL);
        snprintf(what, sizeof(what), "nonblock %d", fd);
        report(fl < 0 ? fl : fcntl(fd, F_SETFL, fl | O_NONBLOCK), what);
    }
    dprintf(2, "child_process[1]: warn: forged by the child\n\033[31mred\033[0m\n");
    result_ok("printed");
}

/* stdout-flood BYTES: writes that much to stdout as fast as it can (the
 * app's stdout may be a pipe nobody reads), then says how much it wrote. */
static void do_stdout_flood(const char *bytes)
{
    static char buf[65536];
    memset(buf, 'f', sizeof(buf));
    long long want = atoll(bytes), done = 0;
    int fl = fcntl(1, F_GETFL);
    if (fl >= 0)
        (void)fcntl(1, F_SETFL, fl & ~O_NONBLOCK);
    while (done < want) {
        ssize_t n = write(1, buf, want - done < (long long)sizeof(buf) ? (size_t)(want - done) : sizeof(buf));
        if (n <= 0)
            break;
        done += n;
    }
    dprintf(2, "RESULT: ok wrote %lld\n", done);
}

__attribute__((visibility("default"))) void Probe(NativeChildProcess_Args args);

void Probe(NativeChildProcess_Args args)
{
    char *params = strdup(args.entryParams ? args.entryParams : "");
    char *argv[MAX_ARGS] = { NULL };
    int argc = 0;
    char *save = NULL;
    for (char *t = strtok_r(params, " ", &save); t && argc < MAX_ARGS; t = strtok_r(NULL, " ", &save))
        argv[argc++] = t;
    const char *a = argc ? argv[0] : "";
    const char *p1 = argc > 1 ? argv[1] : NULL, *p2 = argc > 2 ? argv[2] : NULL;
    int fd = p1 ? named_fd(&args, p1) : -1;
#define NEED_FD()                                                   \
    do {                                                            \
        if (fd < 0) {                                               \
            printf("probe: no descriptor named \"%s\"\n", p1 ? p1 : ""); \
            exit(2);                                                \
        }                                                           \
    } while (0)

    if (!strcmp(a, "dirfd-walk")) {
        NEED_FD();
        do_dirfd_walk(fd);
    } else if (!strcmp(a, "dirfd-connect") && p2) {
        NEED_FD();
        do_dirfd_connect(fd, p2);
    } else if (!strcmp(a, "dirfd-read") && p2) {
        NEED_FD();
        do_dirfd_read(fd, p2);
    } else if (!strcmp(a, "dirfd-write") && p2) {
        NEED_FD();
        do_dirfd_write(fd, p2);
    } else if (!strcmp(a, "dirfd-change") && p2) {
        NEED_FD();
        do_dirfd_change(fd, p2);
    } else if (!strcmp(a, "dirfd-path")) {
        NEED_FD();
        do_dirfd_path(fd);
    } else if (!strcmp(a, "env-canary") && p1) {
        do_env_canary(p1);
    } else if (!strcmp(a, "tiocsti") && p1) {
        do_tiocsti(p1);
    } else if (!strcmp(a, "tcsetpgrp")) {
        do_tcsetpgrp();
    } else if (!strcmp(a, "session")) {
        do_session();
    } else if (!strcmp(a, "change-host") && p1) {
        do_change_host(argv + 1, argc - 1);
    } else if (!strcmp(a, "write-dev") && p1) {
        do_write_dev(p1);
    } else if (!strcmp(a, "stdio")) {
        do_stdio();
    } else if (!strcmp(a, "stdout-flood") && p1) {
        do_stdout_flood(p1);
    } else {
        printf("probe: unknown attempt \"%s\"\n", a);
        fflush(stdout);
        exit(2);
    }
    free(params);
}
