/* Descriptor helpers: full reads and writes, descriptor passing, checks. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Largest number of descriptors one launch or IPC message carries. */
#define NCP_MAX_PASSED_FDS 32

bool fd_is_open(int fd);
/* 0 when all `len` bytes were written, -errno otherwise (EPIPE never raises SIGPIPE). */
int write_full(int fd, const void *buf, size_t len);
/* 0 when all `len` bytes were read, -EPIPE on a short read at end of file, -errno otherwise. */
int read_full(int fd, void *buf, size_t len);
/* Sends `len` bytes (at least 1) plus `n_fds` descriptors in one sendmsg(). */
int send_with_fds(int sock, const void *buf, size_t len, const int *fds, size_t n_fds);
/* Receives up to `len` bytes and up to `max_fds` descriptors (made O_CLOEXEC).
 * Surplus or truncated descriptors are closed and reported as -EBADMSG.
 * Returns the byte count (0 at end of file) and sets *n_fds. */
ssize_t recv_with_fds(int sock, void *buf, size_t len, int *fds, size_t max_fds, size_t *n_fds);
/* The same with recvmsg() flags (MSG_DONTWAIT). */
ssize_t recv_with_fds_flags(int sock, void *buf, size_t len, int *fds, size_t max_fds, size_t *n_fds, int flags);
/* Number of open descriptors of this process (for tests and leak checks). */
int fd_count(void);
