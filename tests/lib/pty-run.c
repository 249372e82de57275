/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pty-run CMD [ARG...]: runs CMD as the leader of a new session whose
 * controlling terminal is a fresh pseudo-terminal (0-2 on it), copies what
 * it prints to stdout, and exits with its status (128+N if signal N killed
 * it).  Nothing is forwarded to the terminal's input: whatever CMD reads
 * from it was typed into it from inside (TIOCSTI).  For the terminal tests
 * of tests/bats/walls-host.bats.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: pty-run CMD [ARG...]\n");
        return 2;
    }
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) {
        perror("pty-run: posix_openpt");
        return 125;
    }
    const char *slave_name = ptsname(master);
    pid_t pid = fork();
    if (pid < 0) {
        perror("pty-run: fork");
        return 125;
    }
    if (pid == 0) {
        int slave;
        if (setsid() < 0 || (slave = open(slave_name, O_RDWR)) < 0 || ioctl(slave, TIOCSCTTY, 0) < 0) {
            perror("pty-run: terminal");
            _exit(125);
        }
        for (int fd = 0; fd < 3; fd++)
            dup2(slave, fd);
        if (slave > 2)
            close(slave);
        execvp(argv[1], argv + 1);
        perror("pty-run: exec");
        _exit(127);
    }
    char buf[4096];
    for (;;) {
        ssize_t n = read(master, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* EIO: every descriptor of the terminal is closed */
        if (write(1, buf, (size_t)n) < 0)
            break;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}
