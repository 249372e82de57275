/* SPDX-License-Identifier: Apache-2.0 */
/* Descriptor helpers: full reads and writes, descriptor passing, checks. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

/* Largest number of descriptors one launch or IPC message carries. */
#define NCP_MAX_PASSED_FDS 32

bool fd_is_open(int fd);
/* 0 when all `len` bytes were written, -errno otherwise (EPIPE never raises SIGPIPE). */
int write_full(int fd, const void *buf, size_t len);
/* 0 when all `len` bytes were read, -EPIPE on a short read at end of file, -errno otherwise. */
int read_full(int fd, void *buf, size_t len);
/* The same at offset `off` (pwrite, pread), leaving the file offset alone:
 * for a descriptor whose offset another process shares. */
int pwrite_full(int fd, const void *buf, size_t len, off_t off);
int pread_full(int fd, void *buf, size_t len, off_t off);
/* Sends `len` bytes (at least 1) plus `n_fds` descriptors in one sendmsg().
 * While the kernel refuses descriptors because too many of this user's are
 * in flight (ETOOMANYREFS), it tries again for up to NCP_INFLIGHT_WAIT_MS. */
#define NCP_INFLIGHT_WAIT_MS 3000u
int send_with_fds(int sock, const void *buf, size_t len, const int *fds, size_t n_fds);
/* Attaches `n_fds` descriptors to `msg` as one SCM_RIGHTS message built in
 * `control`, which has room for CMSG_SPACE(sizeof(int) * n_fds) bytes with
 * a cmsghdr's alignment; with none, `msg` gets no control part at all. */
struct msghdr;
void msg_attach_fds(struct msghdr *msg, void *control, const int *fds, size_t n_fds);
/* A send just failed with ETOOMANYREFS: sleeps *pause_ms (start at 1),
 * doubling to 64 ms, and returns true, until the time waited (*waited_ms,
 * start at 0) reaches NCP_INFLIGHT_WAIT_MS. */
bool inflight_wait(unsigned *waited_ms, unsigned *pause_ms);
/* Receives up to `len` bytes and up to `max_fds` descriptors (made O_CLOEXEC).
 * Surplus or truncated descriptors are closed and reported as -EBADMSG.
 * Returns the byte count (0 at end of file) and sets *n_fds. */
ssize_t recv_with_fds(int sock, void *buf, size_t len, int *fds, size_t max_fds, size_t *n_fds);
/* The same with recvmsg() flags (MSG_DONTWAIT). */
ssize_t recv_with_fds_flags(int sock, void *buf, size_t len, int *fds, size_t max_fds, size_t *n_fds, int flags);
/* Number of open descriptors of this process (for tests and leak checks). */
int fd_count(void);
/* A /proc/PID/stat line read into buf, from field 3 (the state letter) on:
 * what follows the last ')', since the name in parentheses may hold
 * anything.  NULL when it cannot be read (the process is gone) or is cut. */
const char *proc_stat_fields(pid_t pid, char *buf, size_t size);
/* The same from an open stat file (read from its start: it can be re-read). */
const char *proc_stat_fields_at(int fd, char *buf, size_t size);

/* For caches of files read by path (settings, policies): whether two stat
 * results are the same file with the same content as far as the inode says
 * (device, inode, size, mtime, ctime)... */
static inline bool stat_same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* ...and whether it changed so recently that a rewrite in the same timestamp
 * tick could go unnoticed (then it is read again each time). */
static inline bool stat_changed_recently(const struct stat *st)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    time_t newest = st->st_mtim.tv_sec > st->st_ctim.tv_sec ? st->st_mtim.tv_sec : st->st_ctim.tv_sec;
    return newest >= now.tv_sec - 2;
}
