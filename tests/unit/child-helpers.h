/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers for tests that start real children. */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <AbilityKit/native_child_process.h>
#include <AbilityKit/native_child_process_ext.h>

/* Reads until EOF or timeout_ms of silence; returns a malloc'd string. */
static inline char *read_until_eof(int fd, int timeout_ms)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, timeout_ms) <= 0)
            break;
        if (len + 1024 > cap)
            buf = realloc(buf, cap *= 2);
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    return buf;
}

/* Starts entry with params and one "out" pipe; returns the read end in *out_r. */
static inline int start_with_out(const char *entry, const char *params, Ability_ChildProcessConfigs *configs,
                                 int32_t *pid, int *out_r)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    NativeChildProcess_Fd out = { .fdName = (char *)"out", .fd = p[1] };
    NativeChildProcess_Args args = { .entryParams = (char *)params, .fdList = { .head = &out } };
    int code;
    if (configs)
        code = OH_Ability_StartNativeChildProcessWithConfigs(entry, args, configs, pid);
    else {
        NativeChildProcess_Options o = { .isolationMode = NCP_ISOLATION_MODE_NORMAL };
        code = OH_Ability_StartNativeChildProcess(entry, args, o, pid);
    }
    close(p[1]);
    if (code != NCP_NO_ERROR) {
        close(p[0]);
        *out_r = -1;
    } else
        *out_r = p[0];
    return code;
}

/* Runs entry to the end; returns its output and sets *status. */
static inline char *run_child(const char *entry, const char *params, Ability_ChildProcessConfigs *configs, int *status)
{
    int32_t pid = -1;
    int out;
    int code = start_with_out(entry, params, configs, &pid, &out);
    if (code != NCP_NO_ERROR) {
        char *msg = malloc(64);
        snprintf(msg, 64, "start failed: %d", code);
        *status = -1;
        return msg;
    }
    char *text = read_until_eof(out, 10000);
    close(out);
    if (NCP_WaitChildProcess(pid, status, 10000) != NCP_NO_ERROR)
        *status = -1;
    return text;
}

/* The pid a pidfd of ours refers to, or 0 (fdinfo's "Pid:" line). */
static inline int pidfd_pid(int fd)
{
    char path[64], line[128];
    snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
    FILE *f = fopen(path, "re");
    int pid = 0;
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "Pid:", 4) == 0)
            pid = atoi(line + 4);
    if (f)
        fclose(f);
    return pid;
}

/* Whether `pid` is a spare: a child the zygote forked ahead of need, named
 * "<bundle>:ncp-spare" until it gets work. */
static inline bool is_spare(int pid)
{
    char path[64], cmd[512];
    snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, cmd, sizeof(cmd) - 1);
    close(fd);
    cmd[n > 0 ? n : 0] = '\0';
    size_t len = strlen(cmd);
    return len > 10 && strcmp(cmd + len - 10, ":ncp-spare") == 0;
}

/* Descriptors the library holds for its spares (src/runner/zygote_proto.h): each
 * one's pidfd and work socket, and an isolated one's mount namespace.  They
 * come and go as the zygote refills, so leak counts leave them out. */
static inline int spare_fds(void)
{
    char spare_mnt[8][64];
    int n = 0, n_mnt = 0;
    for (int fd = 0; fd < 4096; fd++) {
        char path[64], target[64];
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        ssize_t len = readlink(path, target, sizeof(target) - 1);
        if (len <= 0)
            continue;
        target[len] = '\0';
        int pid = strcmp(target, "anon_inode:[pidfd]") == 0 ? pidfd_pid(fd) : 0;
        if (pid <= 0 || !is_spare(pid))
            continue;
        n += 2;
        snprintf(path, sizeof(path), "/proc/%d/ns/mnt", pid);
        len = readlink(path, target, sizeof(target) - 1);
        if (len > 0 && n_mnt < 8) {
            target[len] = '\0';
            snprintf(spare_mnt[n_mnt++], sizeof(spare_mnt[0]), "%s", target);
        }
    }
    for (int fd = 0; fd < 4096 && n_mnt; fd++) {
        char path[64], target[64];
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        ssize_t len = readlink(path, target, sizeof(target) - 1);
        if (len <= 0 || strncmp(target, "mnt:[", 5) != 0)
            continue;
        target[len] = '\0';
        for (int i = 0; i < n_mnt; i++)
            if (strcmp(target, spare_mnt[i]) == 0)
                n++;
    }
    return n;
}

/* Open descriptors, but for those the library holds for its spares. */
static inline int count_open_fds(void)
{
    int n = 0;
    for (int fd = 0; fd < 4096; fd++)
        if (fcntl(fd, F_GETFD) >= 0)
            n++;
    return n - spare_fds();
}

/* Number of zombie children of this process. */
static inline int count_zombies(void)
{
    char path[64], line[512];
    int zombies = 0;
    snprintf(path, sizeof(path), "/proc/%d/task/%d/children", getpid(), getpid());
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    int kid;
    while (fscanf(f, "%d", &kid) == 1) {
        char stat[64];
        snprintf(stat, sizeof(stat), "/proc/%d/stat", kid);
        FILE *s = fopen(stat, "re");
        if (s && fgets(line, sizeof(line), s)) {
            char *close_paren = strrchr(line, ')');
            if (close_paren && close_paren[2] == 'Z')
                zombies++;
        }
        if (s)
            fclose(s);
    }
    fclose(f);
    return zombies;
}

static inline int process_alive(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    char line[512];
    int alive = 0;
    if (fgets(line, sizeof(line), f)) {
        char *p = strrchr(line, ')');
        alive = p && p[2] != 'Z' && p[2] != 'X';
    }
    fclose(f);
    return alive;
}

/* Live processes whose comm is `name`. */
static inline int find_by_comm(const char *name, pid_t *out, int max)
{
    DIR *d = opendir("/proc");
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d)) && n < max;) {
        pid_t pid = (pid_t)atoi(e->d_name);
        if (pid <= 0)
            continue;
        char path[64], comm[32] = "";
        snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
        FILE *f = fopen(path, "re");
        if (!f)
            continue;
        if (fgets(comm, sizeof(comm), f))
            comm[strcspn(comm, "\n")] = '\0';
        fclose(f);
        if (!strcmp(comm, name) && process_alive(pid))
            out[n++] = pid;
    }
    if (d)
        closedir(d);
    return n;
}
