/* SPDX-License-Identifier: Apache-2.0 */
/* The native entries the Node.js tests start (libentry.so, as in the API
 * document's sample). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <AbilityKit/native_child_process.h>

#define EXPORT __attribute__((visibility("default")))

EXPORT void Main(NativeChildProcess_Args args);
EXPORT void Hold(NativeChildProcess_Args args);
EXPORT void Say(NativeChildProcess_Args args);
EXPORT void Extras(NativeChildProcess_Args args);

static int fd_named(NativeChildProcess_Args *args, const char *name)
{
    for (NativeChildProcess_Fd *f = args->fdList.head; f; f = f->next)
        if (strcmp(f->fdName, name) == 0)
            return f->fd;
    return -1;
}

/* The document's Main: reads entryParams and walks the fd list.  Writes what
 * it got to "out": "params=P", then "fd NAME FIRST-LINE-OF-ITS-CONTENT". */
void Main(NativeChildProcess_Args args)
{
    int out = fd_named(&args, "out");
    const char *report = getenv("NCP_JS_TEST_REPORT"); /* the API sample passes no "out" */
    if (out < 0 && report)
        out = open(report, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (out < 0)
        return;
    dprintf(out, "params=%s\n", args.entryParams ? args.entryParams : "(null)");
    for (NativeChildProcess_Fd *f = args.fdList.head; f; f = f->next) {
        if (f->fd == out)
            continue;
        char buf[128] = "";
        ssize_t n = pread(f->fd, buf, sizeof(buf) - 1, 0);
        buf[n > 0 ? n : 0] = '\0';
        char *nl = strchr(buf, '\n');
        if (nl)
            *nl = '\0';
        dprintf(out, "fd %s %s\n", f->fdName, buf);
    }
}

/* Holds its slot until "hold" reaches end of file (or forever without it). */
void Hold(NativeChildProcess_Args args)
{
    int fd = fd_named(&args, "hold");
    char c;
    if (fd < 0)
        for (;;)
            pause();
    while (read(fd, &c, 1) > 0)
        ;
}

/* Writes a line with its params to its stdout, the app's (stdio.test.js). */
void Say(NativeChildProcess_Args args)
{
    printf("native child says: %s\n", args.entryParams ? args.entryParams : "(null)");
    fflush(stdout);
}

/* What the Linux extensions gave it.  entryParams: "NAME,NAME,... PATH".
 * Writes to "out": "env NAME=VALUE" (or "env NAME unset") for each name,
 * "cwd DIR", "read PATH FIRST-LINE" (or "read PATH ERRNO"), and, with a
 * directory "dir", "write OK" or "write ERRNO" for a file made in it. */
void Extras(NativeChildProcess_Args args)
{
    int out = fd_named(&args, "out");
    if (out < 0)
        return;
    char *params = strdup(args.entryParams ? args.entryParams : "");
    char *path = strchr(params, ' ');
    if (path)
        *path++ = '\0';
    for (char *save = NULL, *n = strtok_r(params, ",", &save); n; n = strtok_r(NULL, ",", &save)) {
        const char *v = getenv(n);
        if (v)
            dprintf(out, "env %s=%s\n", n, v);
        else
            dprintf(out, "env %s unset\n", n);
    }
    char cwd[4096];
    dprintf(out, "cwd %s\n", getcwd(cwd, sizeof(cwd)) ? cwd : strerrorname_np(errno));
    if (path && *path) {
        char buf[128] = "";
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
        if (n < 0)
            dprintf(out, "read %s %s\n", path, strerrorname_np(errno));
        else {
            buf[n] = '\0';
            buf[strcspn(buf, "\n")] = '\0';
            dprintf(out, "read %s %s\n", path, buf);
        }
        if (fd >= 0)
            close(fd);
    }
    int dir = fd_named(&args, "dir");
    if (dir >= 0) {
        int fd = openat(dir, "made-by-child", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        dprintf(out, "write %s\n", fd >= 0 ? "OK" : strerrorname_np(errno));
        if (fd >= 0)
            close(fd);
    }
    free(params);
}
