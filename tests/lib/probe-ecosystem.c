/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The probe of walls-ecosystem.bats: what a child can do with what ncp-run
 * hands it (named descriptors, environment, working directory).
 *
 *   void Probe(NativeChildProcess_Args args)
 *
 * args.entryParams is "ATTEMPT ARG...".  Prints "RESULT: ok DETAIL" or
 * "RESULT: denied ERRNO-NAME", like tests/lib/probe.c; an unknown attempt
 * exits 2.  No dependency but libc: it must load in the isolated child.
 *
 *   fd-read NAME           read the descriptor NAME, print what it holds
 *   fd-write NAME          write "written-by-child" to it
 *   fd-truncate NAME       ftruncate it to 0
 *   fd-reopen-write NAME   open /proc/self/fd/N for writing (a second way to write)
 *   fd-mode NAME           print its access mode (rdonly, wronly, rdwr)
 *   env                    print every environment variable, one "ENV NAME=VALUE" line each
 *   cwd                    print the working directory
 *   cwd-up                 print it, chdir("..") 64 times, print where that ends and whether it is "/"
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <AbilityKit/native_child_process.h>

extern char **environ;

static void result_denied(int err)
{
    const char *name = strerrorname_np(err);
    printf("RESULT: denied %s\n", name ? name : "E?");
}

static int named_fd(NativeChildProcess_Args *args, const char *name)
{
    for (NativeChildProcess_Fd *f = args->fdList.head; f; f = f->next)
        if (f->fdName && !strcmp(f->fdName, name))
            return f->fd;
    printf("probe: no descriptor named %s\n", name);
    exit(2);
}

void Probe(NativeChildProcess_Args args);
__attribute__((visibility("default"))) void Probe(NativeChildProcess_Args args)
{
    char *params = strdup(args.entryParams ? args.entryParams : "");
    char *save = NULL;
    const char *a = strtok_r(params, " ", &save);
    const char *p1 = a ? strtok_r(NULL, " ", &save) : NULL;
    a = a ? a : "";
    if (!strncmp(a, "fd-", 3) && !p1) {
        printf("probe: %s needs a descriptor name\n", a);
        exit(2);
    }

    if (!strcmp(a, "fd-read")) {
        char buf[256];
        ssize_t n = pread(named_fd(&args, p1), buf, sizeof(buf) - 1, 0);
        if (n < 0)
            result_denied(errno);
        else
            printf("RESULT: ok %.*s\n", (int)strcspn(buf, "\n") < n ? (int)strcspn(buf, "\n") : (int)n, buf);
    } else if (!strcmp(a, "fd-write")) {
        static const char text[] = "written-by-child\n";
        if (write(named_fd(&args, p1), text, sizeof(text) - 1) < 0)
            result_denied(errno);
        else
            printf("RESULT: ok wrote\n");
    } else if (!strcmp(a, "fd-truncate")) {
        if (ftruncate(named_fd(&args, p1), 0) < 0)
            result_denied(errno);
        else
            printf("RESULT: ok truncated\n");
    } else if (!strcmp(a, "fd-reopen-write")) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/fd/%d", named_fd(&args, p1));
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
            result_denied(errno);
        else if (write(fd, "reopened\n", 9) < 0)
            result_denied(errno);
        else
            printf("RESULT: ok reopened and wrote\n");
    } else if (!strcmp(a, "fd-mode")) {
        int fl = fcntl(named_fd(&args, p1), F_GETFL);
        if (fl < 0)
            result_denied(errno);
        else
            printf("RESULT: ok %s\n", (fl & O_ACCMODE) == O_RDONLY ? "rdonly" : (fl & O_ACCMODE) == O_WRONLY ? "wronly" : "rdwr");
    } else if (!strcmp(a, "env")) {
        for (char **e = environ; *e; e++)
            printf("ENV %s\n", *e);
        printf("RESULT: ok env\n");
    } else if (!strcmp(a, "cwd")) {
        char buf[4096];
        if (!getcwd(buf, sizeof(buf)))
            result_denied(errno);
        else
            printf("RESULT: ok %s\n", buf);
    } else if (!strcmp(a, "cwd-up")) {
        char from[4096], buf[4096];
        struct stat here, root;
        if (!getcwd(from, sizeof(from)))
            strcpy(from, "?");
        for (int i = 0; i < 64; i++)
            if (chdir("..") < 0)
                break;
        if (!getcwd(buf, sizeof(buf)) || stat(".", &here) < 0 || stat("/", &root) < 0)
            result_denied(errno);
        else
            printf("RESULT: ok %s -> %s %s\n", from, buf,
                   here.st_dev == root.st_dev && here.st_ino == root.st_ino ? "is-root" : "not-root");
    } else {
        printf("probe: unknown attempt \"%s\"\n", a);
        exit(2);
    }
    fflush(stdout);
    free(params);
}
