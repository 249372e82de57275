/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the IPC tests. */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../now.h"
#include "IPCKit/ipc_ext.h"
#include "IPCKit/ipc_kit.h"

/* The frame header of doc/ipc-wire-format.md, written out independently of
 * the library's own (src/ipc/wire.h), for tests that play a peer by hand. */
struct hdr {
    uint32_t magic;
    uint8_t version, type;
    uint16_t flags;
    uint32_t id, handle, code, data_len, nobjs;
    uint8_t nfds, reserved[3];
};
#define MAGIC 0x4b435049u
enum { REQUEST = 1, REPLY = 2, RELEASE = 3 };

static inline int count_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1; /* the directory's own descriptor */
}

/* count_fds() once it is down to `want` (or after 2 s): the library closes a
 * peer's descriptors on a closer thread, a moment after it let go of them
 * (and may close one of an earlier exchange meanwhile: fewer is possible). */
static inline int count_fds_settled(int want)
{
    int n = count_fds();
    for (int i = 0; i < 200 && n > want; i++) {
        usleep(10000);
        n = count_fds();
    }
    return n;
}

/* Waits (up to secs) until *flag becomes nonzero. */
static inline int wait_flag(volatile int *flag, double secs)
{
    double end = now_s() + secs;
    while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE)) {
        if (now_s() > end)
            return 0;
        usleep(2000);
    }
    return 1;
}

/* Waits (up to secs) until the fd count drops to want (library threads close
 * their channels asynchronously). */
static inline int wait_fds(int want, double secs)
{
    double end = now_s() + secs;
    int n;
    while ((n = count_fds()) > want && now_s() < end)
        usleep(5000);
    return n;
}

static inline void *test_alloc(int32_t len) { return malloc((size_t)len); }
static inline void *null_alloc(int32_t len) { (void)len; return NULL; }

/* Reads with a timeout; returns bytes, 0 at EOF, -1 on timeout/error. */
static inline ssize_t read_timeout(int fd, void *buf, size_t len, int ms)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    if (poll(&p, 1, ms) <= 0)
        return -1;
    return read(fd, buf, len);
}

static inline int seqpacket_pair(int sv[2])
{
    return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv);
}
