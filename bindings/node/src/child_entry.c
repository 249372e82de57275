/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libncp-node-child.so: the native entry a JavaScript child starts with.
 *
 * The app's package starts "<this library>:NodeChildMain" through
 * libchild_process, so a JS child is a library child like any other (named,
 * counted against the per-app limit, sandboxed when isolated, killed with
 * the app).  The entry replaces the runner with a fresh Node.js runtime:
 *
 *     execve(node, { <child's name>, <dir of this library>/bootstrap.js, <fd> })
 *
 * Everything a start carries (the descriptors' names and numbers, then the
 * entry params with the package's header) goes through a pipe whose read end
 * is <fd>: argv and the environment would show it in /proc and cap a string
 * at 128 KiB.  The namespaces, the Landlock domain, no_new_privs, a seccomp
 * filter, the parent-death signal, the slot lock and the given descriptors
 * (the runner cleared their O_CLOEXEC) all survive the exec.
 *
 * The params start with the header lib/index.js writes:
 *     "NCPJS1\n" ("key=value\n")* "\n" <the app's entryParams>
 * This file reads only "node=" from it; lib/bootstrap.js reads the rest.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <AbilityKit/native_child_process.h>

#define EXPORT __attribute__((visibility("default")))
#define HEADER_MAGIC "NCPJS1\n"

EXPORT void NodeChildMain(NativeChildProcess_Args args);

extern char **environ;

_Noreturn static void fail(const char *what, int err)
{
    /* stderr is the app's (normal child) or the library's (isolated): one line. */
    dprintf(STDERR_FILENO, "libncp-node-child: %s: %s\n", what, err ? strerror(err) : "invalid start");
    _exit(127);
}

/* The value of "key=" in the header, copied into buf. */
static int header_value(const char *params, const char *key, char *buf, size_t size)
{
    if (strncmp(params, HEADER_MAGIC, strlen(HEADER_MAGIC)) != 0)
        return -EINVAL;
    size_t klen = strlen(key);
    for (const char *line = params + strlen(HEADER_MAGIC); *line && *line != '\n';) {
        const char *end = strchr(line, '\n');
        if (!end)
            return -EINVAL;
        if ((size_t)(end - line) > klen && strncmp(line, key, klen) == 0 && line[klen] == '=') {
            size_t len = (size_t)(end - line) - klen - 1;
            if (len + 1 > size)
                return -ENAMETOOLONG;
            memcpy(buf, line + klen + 1, len);
            buf[len] = '\0';
            return 0;
        }
        line = end + 1;
    }
    return -ENOENT;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? -errno : -EIO;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The descriptor list, then the params, into a pipe that holds all of it
 * (written before the exec: nobody reads it until node runs). */
static int payload_pipe(const NativeChildProcess_Args *args)
{
    char fds[16 * 48 + 32];
    size_t n = 0, count = 0;
    for (const NativeChildProcess_Fd *f = args->fdList.head; f; f = f->next)
        count++;
    n += (size_t)snprintf(fds + n, sizeof(fds) - n, "%zu\n", count);
    for (const NativeChildProcess_Fd *f = args->fdList.head; f && n < sizeof(fds); f = f->next)
        n += (size_t)snprintf(fds + n, sizeof(fds) - n, "%d %zu %s\n", (int)f->fd, strlen(f->fdName), f->fdName);
    if (n >= sizeof(fds))
        return -E2BIG;
    size_t plen = strlen(args->entryParams);
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -errno;
    size_t need = n + plen;
    /* A pipe may hold a single page when the user's pipe quota is used up. */
    int cap = need > 4096 ? fcntl(p[1], F_SETPIPE_SZ, (int)need) : 4096;
    if (cap < 0 || (size_t)cap < need) {
        int err = cap < 0 ? errno : EMSGSIZE;
        close(p[0]);
        close(p[1]);
        return -err;
    }
    int r = write_all(p[1], fds, n);
    if (r == 0)
        r = write_all(p[1], args->entryParams, plen);
    close(p[1]);
    if (r < 0) {
        close(p[0]);
        return r;
    }
    return p[0];
}

/* argv[0] the runner gave this child: its full name. */
static void own_name(char *buf, size_t size)
{
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, size - 1) : -1;
    if (fd >= 0)
        close(fd);
    buf[n > 0 ? n : 0] = '\0';
    if (!buf[0])
        snprintf(buf, size, "node-child");
}

void NodeChildMain(NativeChildProcess_Args args)
{
    static char node[PATH_MAX], bootstrap[PATH_MAX], name[512], fdarg[16];
    if (!args.entryParams)
        fail("no entry params", 0);
    int r = header_value(args.entryParams, "node", node, sizeof(node));
    if (r < 0 || node[0] != '/')
        fail("the start's header names no node executable", r < 0 ? -r : 0);

    Dl_info info;
    if (!dladdr((void *)NodeChildMain, &info) || !info.dli_fname || !strchr(info.dli_fname, '/'))
        fail("cannot tell where this library lives", 0);
    const char *slash = strrchr(info.dli_fname, '/');
    if (snprintf(bootstrap, sizeof(bootstrap), "%.*s/bootstrap.js", (int)(slash - info.dli_fname), info.dli_fname) >=
        (int)sizeof(bootstrap))
        fail("path of bootstrap.js", ENAMETOOLONG);

    int fd = payload_pipe(&args);
    if (fd < 0)
        fail("passing the start to node", -fd);
    if (fcntl(fd, F_SETFD, 0) < 0)
        fail("passing the start to node", errno);
    snprintf(fdarg, sizeof(fdarg), "%d", fd);
    own_name(name, sizeof(name));

    char *argv[] = { name, bootstrap, fdarg, NULL };
    execve(node, argv, environ);
    fail(node, errno);
}
