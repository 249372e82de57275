/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host-side targets for the wall suite (tests/bats/walls.bats):
 *
 *   wall-helper tcp READY        listen on 127.0.0.1:<free port>, write the port to READY
 *   wall-helper unix PATH READY  listen on the pathname socket PATH
 *   wall-helper abstract NAME READY   listen on the abstract socket @NAME
 *   wall-helper sentinel READY MARKER  a process to signal and ptrace: appends
 *                                "SIGWINCH" to MARKER for every SIGWINCH it gets
 *
 * Each writes READY once it is listening (or waiting), accepts and closes
 * connections, and runs until killed.
 *
 *   wall-helper inotify          one inotify_init1() of this user (the limits
 *                                suite): prints "inotify ok" or "inotify failed:
 *                                ERROR", exits 0 or 1
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static const char *marker;

static void write_file(const char *path, const char *text)
{
    char tmp[4200];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "we");
    if (!f) {
        perror(tmp);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
    rename(tmp, path);
}

static void on_winch(int sig)
{
    (void)sig;
    int fd = open(marker, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
        ssize_t w = write(fd, "SIGWINCH\n", 9);
        (void)w;
        close(fd);
    }
}

static void serve(int s)
{
    if (listen(s, 16) < 0) {
        perror("listen");
        exit(1);
    }
    for (;;) {
        int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
        if (c >= 0)
            close(c);
    }
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "inotify")) {
        int fd = inotify_init1(IN_CLOEXEC);
        if (fd < 0) {
            printf("inotify failed: %s\n", strerror(errno));
            return 1;
        }
        printf("inotify ok\n");
        return 0;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: wall-helper tcp READY | unix PATH READY | abstract NAME READY | sentinel READY MARKER"
                        " | opath PATH N COMMAND...\n");
        return 2;
    }
    const char *mode = argv[1];
    if (!strcmp(mode, "tcp")) {
        int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(sin);
        if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(s, 16) < 0 ||
            getsockname(s, (struct sockaddr *)&sin, &len) < 0) {
            perror("tcp");
            return 1;
        }
        char port[16];
        snprintf(port, sizeof(port), "%d\n", ntohs(sin.sin_port));
        write_file(argv[2], port);
        serve(s);
    } else if ((!strcmp(mode, "unix") || !strcmp(mode, "abstract")) && argc >= 4) {
        int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un sun = { .sun_family = AF_UNIX };
        socklen_t len;
        if (!strcmp(mode, "abstract")) {
            size_t n = strnlen(argv[2], sizeof(sun.sun_path) - 1);
            memcpy(sun.sun_path + 1, argv[2], n);
            len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
        } else {
            unlink(argv[2]);
            snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", argv[2]);
            len = sizeof(sun);
        }
        if (bind(s, (struct sockaddr *)&sun, len) < 0) {
            perror(argv[2]);
            return 1;
        }
        if (!strcmp(mode, "unix"))
            chmod(argv[2], 0777);
        if (listen(s, 16) < 0) {
            perror("listen");
            return 1;
        }
        write_file(argv[3], "ready\n");
        serve(s);
    } else if (!strcmp(mode, "opath") && argc >= 5) {
        /* PATH opened O_PATH as descriptor N of COMMAND (a shell cannot make one). */
        int fd = open(argv[2], O_PATH);
        int n = atoi(argv[3]);
        if (fd < 0 || (fd != n && (dup2(fd, n) < 0 || close(fd) < 0))) {
            perror(argv[2]);
            return 1;
        }
        execvp(argv[4], argv + 4);
        perror(argv[4]);
        return 127;
    } else if (!strcmp(mode, "sentinel") && argc >= 4) {
        marker = argv[3];
        struct sigaction sa = { .sa_handler = on_winch };
        sigaction(SIGWINCH, &sa, NULL);
        write_file(argv[2], "ready\n");
        for (;;)
            pause();
    }
    fprintf(stderr, "wall-helper: bad arguments\n");
    return 2;
}
