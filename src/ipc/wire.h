/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The frame format of libipc_capi (doc/ipc-wire-format.md) and the functions
 * that put frames on a socket and take them off.
 *
 * ipc_frame_parse() and ipc_body_check() are pure: they decode bytes received
 * from an untrusted peer, check every length, count and index, and touch no
 * state, so the fuzzer (tests/fuzz/ipc/fuzz_ipc_frame.c) drives them directly.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>

#define IPC_FRAME_MAGIC 0x4b435049u /* "IPCK" in little-endian byte order */
#define IPC_FRAME_VERSION 1

/* Largest datagram a peer may send; larger bodies travel in a sealed memfd. */
#define IPC_FRAME_MAX 65536u
/* Descriptors in one frame: the kernel's SCM_MAX_FD. */
#define IPC_FRAME_MAX_FDS 253u
/* Descriptors in one parcel (and frame, besides the spill memfd and a
 * channel), like D-Bus's per-message bound: what a peer may make us hold
 * with one frame.  More is a malformed frame. */
#define IPC_PARCEL_MAX_FDS 32u
/* Data bytes of a parcel. */
#define IPC_PARCEL_MAX 204800u
/* Each object occupies an 8-byte slot in the data. */
#define IPC_OBJ_SLOT 8u

enum ipc_frame_type {
    IPC_FRAME_REQUEST = 1, /* call an object: sent on the caller's out channel */
    IPC_FRAME_REPLY = 2,   /* answer to a synchronous request */
    IPC_FRAME_RELEASE = 3, /* drop references on the receiver's objects */
};

enum ipc_frame_flags {
    IPC_FF_ONEWAY = 0x1,   /* REQUEST: asynchronous, no reply */
    IPC_FF_SPILL = 0x2,    /* body is in an attached sealed memfd */
    IPC_FF_CHANNEL = 0x4,  /* REQUEST: attached socket becomes the receiver's out channel */
    IPC_FF_INTERNAL = 0x8, /* REQUEST: library request (code = enum ipc_internal_code) */
};
#define IPC_FF_ALL 0xfu

enum ipc_internal_code {
    IPC_INTERNAL_GET_DESCRIPTOR = 1,
};

enum ipc_wire_kind {
    IPC_WIRE_FD = 1,         /* handle = index into the frame's parcel descriptors */
    IPC_WIRE_SENDER_OBJ = 2, /* handle = an object the sender exports */
    IPC_WIRE_RECEIVER_OBJ = 3, /* handle = an object the receiver exports (a proxy sent back) */
};

/* 32 bytes, host byte order (both ends run on the same machine). */
struct ipc_frame_hdr {
    uint32_t magic;
    uint8_t version;
    uint8_t type;
    uint16_t flags;
    uint32_t id;       /* request id; the reply carries it back; 0 for oneway/release */
    uint32_t handle;   /* REQUEST: target object; 0 otherwise */
    uint32_t code;     /* REQUEST: request code; REPLY: status; 0 otherwise */
    uint32_t data_len; /* parcel data bytes, multiple of 4, <= IPC_PARCEL_MAX */
    uint32_t nobjs;    /* object table entries after the data */
    uint8_t nfds;      /* descriptors attached with SCM_RIGHTS */
    uint8_t reserved[3];
};

struct ipc_wire_obj {
    uint32_t offset; /* of the object's 8-byte slot in the data */
    uint32_t kind;   /* enum ipc_wire_kind */
    uint32_t handle;
};

struct ipc_wire_release {
    uint32_t handle;
    uint32_t count;    /* references received from the exporter being dropped */
    uint32_t backrefs; /* times the releasing side sent this object back */
};

#define IPC_MAX_BODY (IPC_PARCEL_MAX + (IPC_PARCEL_MAX / IPC_OBJ_SLOT) * sizeof(struct ipc_wire_obj))

/* A parsed frame header.  Descriptor order in SCM_RIGHTS: the parcel's
 * descriptors, then the spill memfd (SPILL), then the channel (CHANNEL). */
struct ipc_frame_info {
    struct ipc_frame_hdr hdr;
    const uint8_t *body; /* inline body, or NULL when spilled */
    size_t body_len;     /* data_len + nobjs * sizeof(struct ipc_wire_obj) */
    unsigned n_parcel_fds;
    int spill_idx;   /* index of the spill memfd among the fds, or -1 */
    int channel_idx; /* index of the channel socket, or -1 */
};

/* Decodes a datagram of len bytes received with nfds descriptors.
 * 0 on success, -EBADMSG (malformed), -EPROTONOSUPPORT (version) or -E2BIG. */
int ipc_frame_parse(const void *buf, size_t len, unsigned nfds, struct ipc_frame_info *info);

/* Checks a body against its header: object table sorted, inside the data,
 * non-overlapping, known kinds, each parcel descriptor referenced exactly
 * once; RELEASE bodies a whole number of entries.  0 or -EBADMSG. */
int ipc_body_check(const struct ipc_frame_info *info, const uint8_t *body, size_t len);

/* Fills a header. */
void ipc_frame_hdr_init(struct ipc_frame_hdr *h, uint8_t type, uint16_t flags, uint32_t id, uint32_t handle,
                        uint32_t code);

/* Sends one datagram made of iov plus fds (SCM_RIGHTS).  Blocks at most the
 * send timeout (the socket's SO_SNDTIMEO) and, when deadline (CLOCK_MONOTONIC)
 * is not NULL, not past it.  0, -ETIMEDOUT (peer not reading for the send
 * timeout), -ETIME (deadline passed; nothing was sent) or -errno. */
int ipc_sock_send(int fd, const struct iovec *iov, int iovcnt, const int *fds, unsigned nfds,
                  const struct timespec *deadline);

struct ipc_recv {
    size_t len;
    int fds[IPC_FRAME_MAX_FDS];
    unsigned nfds;
    bool have_cred;
    pid_t pid;
    uid_t uid;
};

/* pthread_cancel held off until the scope ends:
 *   _cleanup_(ipc_cancel_restore) int state = ipc_cancel_hold(); */
static inline int ipc_cancel_hold(void)
{
    int state;
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &state);
    return state;
}
static inline void ipc_cancel_restore(const int *state) { pthread_setcancelstate(*state, NULL); }

/* Receives one datagram into buf.  Returns 1 (got one), 0 (peer closed or an
 * empty datagram), -EAGAIN (timeout_ms elapsed; -1 = wait forever, the
 * socket is used in blocking mode), -EPROTO (truncated data or descriptors:
 * every received descriptor is closed) or -errno.  A cancellation point
 * (when the caller's cancel state allows) only until a datagram came. */
int ipc_sock_recv(int fd, uint8_t *buf, size_t buflen, struct ipc_recv *r, int timeout_ms, bool nonblock);

/* Closes r's descriptors that are still >= 0, on a closer thread. */
void ipc_recv_close_fds(struct ipc_recv *r);
/* The same for the descriptors of a frame refused as malformed: sockets
 * among them are reset on close (closer.h, ncp_discard_fd()). */
void ipc_recv_discard_fds(struct ipc_recv *r);

/* Writes a body into a new sealed memfd; returns it or -errno. */
int ipc_spill_create(const struct iovec *iov, int iovcnt, size_t total);
/* Reads a spilled body of exactly len bytes from a peer's memfd after
 * checking it is a sealed (immutable) memfd of that size.  0 or -errno. */
int ipc_spill_read(int fd, uint8_t *buf, size_t len);

/* Checks fd is a connected AF_UNIX SOCK_SEQPACKET socket.  0 or -errno. */
int ipc_sock_check(int fd);
/* Prepares a channel socket: blocking, send timeout.  Returns the largest
 * datagram it can send (<= IPC_FRAME_MAX). */
size_t ipc_sock_setup(int fd, bool passcred);
