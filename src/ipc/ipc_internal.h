/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libipc_capi internals: the objects behind the opaque API types and the
 * connection that carries them between two processes.
 *
 * A connection (struct ipc_conn) joins this process to one peer process.  It
 * has up to two SOCK_SEQPACKET channels:
 *   out: we send REQUESTs and RELEASEs, the peer sends REPLYs.  Only the
 *        threads waiting for a reply read it (leader/follower, see transact.c).
 *   in:  the peer sends REQUESTs and RELEASEs, we send REPLYs.  Worker threads
 *        block in recvmsg() on it; the kernel hands each frame to one of them,
 *        which serves it itself (serve.c).
 * The side of OH_IPCRemoteProxy_CreateFromSocket() starts with an out channel,
 * the side of OH_IPCRemoteStub_ServeSocket() with an in channel; the first
 * time a side exports an object without having an in channel it creates one
 * and passes the other end along with that frame (IPC_FF_CHANNEL).
 */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "IPCKit/ipc_ext.h"
#include "IPCKit/ipc_kit.h"
#include "ipc/hashmap.h"
#include "ipc/wire.h"

/* Thread-local state without __tls_get_addr() calls on the request path. */
#define _ipc_tls_ __thread __attribute__((tls_model("initial-exec")))

#define IPC_CODE_MAX 0x00ffffffu
#define IPC_DEFAULT_MAX_THREADS 16
#define IPC_MAX_IMPORTS 65536u /* distinct peer objects per connection */
#define IPC_ROOT_HANDLE 0u
/* Bound, in seconds, of what the library itself asks of a peer with no
 * timeout from the app: an interface descriptor, the channel that a peer's
 * objects need, a release (doc/ipc_capi.3). */
#define IPC_PEER_WAIT_S 5
/* Descriptors of a peer held in the requests being served (peerfds.c). */
#define IPC_CONN_MAX_HELD_FDS 64u
/* The same for every peer, plus those waiting for a closer thread (or half
 * of what the reserve leaves of RLIMIT_NOFILE, if less). */
#define IPC_PROC_MAX_HELD_FDS 256u
/* Free descriptor slots kept for the app: at least this, or 1/8 of the limit. */
#define IPC_FD_RESERVE_MIN 64u
/* Memory a peer's requests being served make us hold (peerfds.c): their
 * data, object tables and the objects they bring; past it the peer is not
 * read.  Per connection, and for every peer together. */
#define IPC_CONN_MAX_HELD_BYTES (1u << 20)
#define IPC_PROC_MAX_HELD_BYTES (16u << 20)
/* What one object of a frame costs us at most: its entry in the parcel and,
 * for an object of the peer, a proxy and its slot in the imports. */
#define IPC_OBJ_COST 160u
/* Frames smaller than this are not counted: the workers bound them. */
#define IPC_SMALL_FRAME 4096u
/* A worker keeps its parcels' buffers between requests up to this size. */
#define IPC_KEEP_BUFFER 65536u

/* ---- parcels (parcel.c) ---- */

enum ipc_obj_kind { IPC_OBJ_FD = 1, IPC_OBJ_STUB = 2, IPC_OBJ_PROXY = 3 };

/* Reference counts of the objects below: a new reference needs no order;
 * the one who drops the last (ref_put() true) frees, after every other
 * holder's writes. */
static inline void ref_get(atomic_uint *refs) { atomic_fetch_add_explicit(refs, 1, memory_order_relaxed); }
static inline bool ref_put(atomic_uint *refs) { return atomic_fetch_sub_explicit(refs, 1, memory_order_acq_rel) == 1; }

struct ipc_obj {
    uint32_t offset; /* of its 8-byte slot; the slot holds {kind, index} */
    uint32_t kind;
    bool from_peer; /* IPC_OBJ_FD received from a peer: closed on a closer thread (closer.h) */
    union {
        int fd;
        OHIPCRemoteStub *stub;
        OHIPCRemoteProxy *proxy;
    };
};

struct OHIPCParcel {
    uint8_t *data;
    uint32_t size;     /* bytes of data */
    uint32_t capacity; /* bytes allocated */
    uint32_t wpos;
    uint32_t rpos; /* changed by reads through a const pointer */
    struct ipc_obj *objs; /* sorted by offset */
    uint32_t nobjs, objs_cap;
    uint32_t nfds;
};

/* Releases everything the parcel holds and empties it. */
void ipc_parcel_clear(OHIPCParcel *p);
/* Empties the parcel, releasing its objects but keeping its buffers. */
void ipc_parcel_reset(OHIPCParcel *p);
/* Moves src's content into dst (dst cleared first); src becomes empty. */
void ipc_parcel_move(OHIPCParcel *dst, OHIPCParcel *src);

/* Resolves an object of a received frame into a reference (STUB or PROXY
 * kind set in out).  0 or -errno (the frame is then rejected). */
typedef int (*ipc_resolve_fn)(void *ctx, uint32_t wire_kind, uint32_t handle, struct ipc_obj *out);

/* Fills an empty (reset) parcel from a checked body (ipc_body_check()).  Descriptors
 * the parcel takes are set to -1 in fds.  0 or -errno; on failure the parcel
 * may hold part of the objects (ipc_parcel_clear() releases them). */
int ipc_parcel_from_wire(OHIPCParcel *p, const struct ipc_frame_hdr *h, const uint8_t *body, int *fds,
                         unsigned nfds, ipc_resolve_fn resolve, void *ctx);

/* ---- stubs, proxies, death recipients (object.c) ---- */

/* What the objects the app makes (stubs, death recipients) have alike
 * (object.c): their references, and the app's destroy callback, run with
 * the app's user data when the last one goes.  The user data is also what
 * their other callback gets. */
struct ipc_app_object {
    atomic_uint refs;
    void (*on_destroy)(void *user_data);
    void *user_data;
};

struct OHIPCRemoteStub {
    struct ipc_app_object app;
    char *descriptor;
    OH_OnRemoteRequestCallback on_request;
    OHIPCRemoteProxy *forward; /* forwarder stubs: the proxy requests go to */
};

struct OHIPCDeathRecipient {
    struct ipc_app_object app;
    OH_OnDeathRecipientCallback on_death;
};

struct ipc_recipient_link {
    OHIPCDeathRecipient *recipient;
    struct ipc_recipient_link *next;
};

struct ipc_conn;

struct OHIPCRemoteProxy {
    struct ipc_conn *conn;  /* NULL: local proxy to stub */
    OHIPCRemoteStub *stub;  /* local proxies */
    atomic_uint local_refs; /* local proxies */
    uint32_t handle;        /* remote proxies, and below: under conn->lock */
    unsigned refs;
    uint32_t owed;     /* references received, returned by RELEASE */
    uint32_t backrefs; /* times sent back to the owner */
    char *descriptor;  /* cached interface descriptor */
    struct ipc_recipient_link *recipients;
};

OHIPCRemoteStub *ipc_stub_ref(OHIPCRemoteStub *s);
void ipc_stub_unref(OHIPCRemoteStub *s);
/* A stub that forwards every request to proxy (takes a reference on it). */
OHIPCRemoteStub *ipc_stub_new_forwarder(OHIPCRemoteProxy *proxy);
OHIPCRemoteProxy *ipc_proxy_new_local(OHIPCRemoteStub *stub);
OHIPCRemoteProxy *ipc_proxy_ref(OHIPCRemoteProxy *p);
void ipc_proxy_unref(OHIPCRemoteProxy *p);
void ipc_recipient_unref(OHIPCDeathRecipient *r);
/* Maps a request callback's return value to what the caller gets. */
int ipc_map_status(int status);
/* Serves one request on a stub in the calling thread (local proxies, forwarders
 * and serve.c); sets up the calling context. */
int ipc_stub_invoke(OHIPCRemoteStub *s, uint32_t code, const OHIPCParcel *data, OHIPCParcel *reply,
                    pid_t pid, uid_t uid, bool local, bool oneway);

/* ---- connections (conn.c) ---- */

struct ipc_export {
    OHIPCRemoteStub *stub;
    uint32_t handle;
    bool permanent; /* the root object of a served socket */
    uint64_t sent, released, back_seen, back_expected;
    struct ipc_export *drop_next; /* list of exports dropped under the lock */
};

struct ipc_pending; /* transact.c */

struct ipc_conn {
    atomic_uint refs;
    uint64_t id;
    pthread_mutex_t lock;
    pthread_cond_t cond; /* out channel installed, death */
    bool dead;           /* shut down: every I/O fails */
    bool finalized;      /* death processed by the monitor */
    int out_fd, in_fd;   /* -1 when absent; closed when freed */
    size_t out_max, in_max; /* largest inline datagram per channel */
    pid_t peer_pid;         /* the caller's pid/uid: pinned, or SCM_CREDENTIALS of */
    uid_t peer_uid;         /* the first frame served (SO_PEERCRED until then) */
    bool cred_learned;
    /* The process at the other end, once known for sure (peercred.c): the
     * kernel's record of the socket's peer, a frame's credentials checked
     * against the holders of the socket, or the process the library started
     * (libchild_process, ncp_ipc_proxy_bind_process()).  Its identity is
     * pinned, frames' credentials are ignored, and the connection dies with
     * it (the monitor watches its pidfd, when there is one).  -1 / false
     * otherwise. */
    int peer_pidfd;
    bool peer_pinned;

    /* caller side (transact.c) */
    bool reader_active;
    uint32_t next_id;
    struct ipc_pending *pending;

    /* server side (serve.c): one reader at a time, others on standby */
    atomic_uint in_readers; /* threads in (or promoted to) recvmsg on in_fd */
    atomic_uint reads;      /* frames taken off in_fd */
    unsigned pool_threads;  /* workers alive (under lock) */
    unsigned standby;       /* workers parked on standby_cond */
    unsigned promotions;    /* parked workers told to read */
    pthread_cond_t standby_cond;
    unsigned wd_reads, wd_strikes; /* watchdog samples (monitor thread only) */
    atomic_uint held_fds;          /* peer descriptors in requests being served */
    atomic_uint held_bytes;        /* memory of requests being served (IPC_CONN_MAX_HELD_BYTES) */
    bool fds_refused;              /* a frame was refused for the reserve (logged once) */
    unsigned stray_replies;        /* replies nobody waited for (timed out, or sent twice) */

    /* objects */
    struct ipc_map exports_by_handle; /* handle -> struct ipc_export */
    struct ipc_map exports_by_stub;   /* stub pointer -> struct ipc_export */
    struct ipc_map imports;           /* handle -> OHIPCRemoteProxy (weak) */
    OHIPCRemoteStub *root;            /* the permanent export 0, if any */
    uint32_t next_handle;
    unsigned nexports, nproxies;

    struct ipc_conn *reg_prev, *reg_next; /* monitor.c registry */
    bool registered;
};

struct ipc_conn *ipc_conn_new(void);
struct ipc_conn *ipc_conn_ref(struct ipc_conn *c);
void ipc_conn_unref(struct ipc_conn *c);
/* Shuts the connection down (idempotent): I/O fails, waiters wake, the
 * monitor then fires death recipients.  why is logged when not NULL. */
void ipc_conn_kill(struct ipc_conn *c, const char *why);
/* Called by the monitor once after the connection died. */
void ipc_conn_finalize(struct ipc_conn *c);
/* Installs fd as the in channel and starts serving it.  0 or -errno. */
int ipc_conn_attach_in(struct ipc_conn *c, int fd);
/* Installs fd as the out channel.  0 or -errno. */
int ipc_conn_attach_out(struct ipc_conn *c, int fd);
/* Makes stub the permanent root export (handle 0). */
int ipc_conn_set_root(struct ipc_conn *c, OHIPCRemoteStub *stub);
/* Returns (creating it) the proxy for the peer's object handle, with a new
 * reference; counts_owed: the reference came in a frame. */
OHIPCRemoteProxy *ipc_conn_import(struct ipc_conn *c, uint32_t handle, bool counts_owed, int *err);
/* Drops a remote proxy's reference (object.c calls it). */
void ipc_conn_proxy_unref(OHIPCRemoteProxy *p);
/* Exports stub on c (the handle it has there, or a new one) and counts
 * one more sending of it.  Called with c->lock held.  0 or -ENOMEM. */
int ipc_conn_export_locked(struct ipc_conn *c, OHIPCRemoteStub *stub, uint32_t *handle);
/* Looks up our export handle; returns a new stub reference or NULL. */
OHIPCRemoteStub *ipc_conn_lookup_export(struct ipc_conn *c, uint32_t handle);
/* Applies a RELEASE body.  0 or -EBADMSG. */
int ipc_conn_apply_release(struct ipc_conn *c, const uint8_t *body, size_t len);

/* ---- parcels <-> frames (marshal.c) ---- */

/* A frame ready to send: built by ipc_conn_marshal(), sent by ipc_conn_send(). */
struct ipc_out {
    struct ipc_frame_hdr hdr;
    const OHIPCParcel *parcel;
    struct ipc_wire_obj *objs;
    struct ipc_wire_obj objs_small[8];
    int fds[IPC_FRAME_MAX_FDS];
    unsigned nfds;
    int channel_fd; /* peer end of a new in channel to attach, or -1 */
    bool new_in;    /* marshal created our in channel: start serving it */
    bool local_failure; /* ipc_conn_send() failed before anything was sent */
    bool carries_refs;  /* objects whose reference counts the send changes */
    const struct timespec *deadline; /* the caller's bound on the send, or NULL */
};

/* Translates parcel's objects for this connection (exports, handles).
 * 0 or -errno. */
int ipc_conn_marshal(struct ipc_conn *c, const OHIPCParcel *parcel, struct ipc_out *o);
/* Sends o on fd (spilling a large body into a memfd), not past o->deadline,
 * then frees o's resources.  0 or -errno (-ETIME: the deadline passed and
 * nothing was sent); the caller kills the connection on failure. */
int ipc_conn_send(struct ipc_conn *c, int fd, size_t max_inline, struct ipc_out *o);
/* Reads the body of a received frame: inline, or from its spill memfd into
 * *owned (free()d by the caller).  Checks it (ipc_body_check()).  0 or -errno. */
int ipc_frame_body(const struct ipc_frame_info *info, const uint8_t *buf, struct ipc_recv *r,
                   const uint8_t **body, uint8_t **owned);
/* A frame received on an out channel (on_out) or an in channel, parsed
 * into info with result parsed (ipc_frame_parse()): checks it may come
 * there and reads its body (ipc_frame_body()).  NULL, or why the peer's
 * frame is refused. */
const char *ipc_frame_read(int parsed, const struct ipc_frame_info *info, bool on_out, const uint8_t *buf,
                           struct ipc_recv *r, const uint8_t **body, uint8_t **owned);
/* Refuses a malformed frame: its descriptors are discarded and the
 * connection killed with why.  Returns -EBADMSG. */
int ipc_frame_refuse(struct ipc_conn *c, struct ipc_recv *r, const char *why);
/* Decodes a received frame's body into parcel (objects resolved on c; conn.c). */
int ipc_conn_unmarshal(struct ipc_conn *c, const struct ipc_frame_info *info, const uint8_t *body,
                       struct ipc_recv *r, OHIPCParcel *parcel);

/* The per-thread receive buffer (IPC_FRAME_MAX bytes). */
uint8_t *ipc_thread_buffer(void);

/* ---- caller side (transact.c) ---- */

/* Sends a request on the out channel; for a synchronous one waits for the
 * reply into reply.  Returns an OH_IPC code or the remote status. */
int ipc_conn_transact(struct ipc_conn *c, uint32_t handle, uint32_t code, uint16_t flags,
                      const OHIPCParcel *data, OHIPCParcel *reply, uint32_t timeout_s);
/* Wakes every waiting caller (death). Called with c->lock held. */
void ipc_transact_wake_all_locked(struct ipc_conn *c);

/* ---- server side (serve.c) ---- */

/* Starts the first worker thread on the in channel.  0 or -errno. */
int ipc_serve_start(struct ipc_conn *c);
/* Makes sure a thread reads c's in channel (wakes a standby worker or starts
 * one) when none does. */
void ipc_serve_promote(struct ipc_conn *c);
/* The connection whose request the calling thread is serving, or NULL. */
struct ipc_conn *ipc_serving_conn(void);
void ipc_set_serving_conn(struct ipc_conn *c);
/* Serves one frame received on the in channel, using the worker's parcels
 * (reset on return).  0, or -errno: kill. */
int ipc_serve_frame(struct ipc_conn *c, const uint8_t *buf, struct ipc_recv *r, OHIPCParcel *data,
                    OHIPCParcel *reply);
int ipc_max_threads(void);
/* Exported for ncp-runner (src/runner/runner_ipc.c): waits up to timeout_ms
 * until no request is being served in this process.  0 or -ETIMEDOUT. */
int ncp_ipc_finish_serving(int timeout_ms);
/* Exported for libchild_process (src/app/ipc_child.c): the peer of proxy's
 * connection is process pid, which the library started, behind pidfd.  0 or
 * -errno (-ESRCH: it is gone already; the connection is then dead). */
int ncp_ipc_proxy_bind_process(OHIPCRemoteProxy *proxy, int pidfd, pid_t pid);
/* Creates a detached thread with every signal blocked.  0 or -errno. */
int ipc_thread_spawn(void *(*fn)(void *), void *arg);

/* ---- descriptors peers make us hold (peerfds.c) ---- */

/* Counts n descriptors of c's peer as held / no longer held. */
void ipc_fds_hold(struct ipc_conn *c, unsigned n);
void ipc_fds_release(struct ipc_conn *c, unsigned n);
/* The same for the memory a received frame makes us hold: what
 * ipc_frame_cost() says of it. */
void ipc_bytes_hold(struct ipc_conn *c, unsigned n);
void ipc_bytes_release(struct ipc_conn *c, unsigned n);
unsigned ipc_frame_cost(const struct ipc_frame_info *info);
/* Waits until c's frames may be read again (its and every peer's held
 * descriptors and bytes under their bounds).  false: c died meanwhile. */
bool ipc_fds_wait_budget(struct ipc_conn *c);
/* Free slots kept for the app's own descriptors. */
unsigned ipc_fd_reserve(void);
/* 0, or -EMFILE when received descriptors took slots of the reserve. */
int ipc_fds_check_reserve(const int *fds, unsigned n);

/* ---- who the peer is (peercred.c) ---- */

/* The process the kernel recorded as fd's peer (SO_PEERCRED): its pid, uid
 * and a pidfd of it (-1 where the kernel gives none).  0, -ENXIO (this
 * process made the pair: the record does not name the holder of the other
 * end), -ESRCH (that process is gone or not in our pid namespace) or -errno. */
int ipc_peer_from_socket(int fd, pid_t *pid, uid_t *uid, int *pidfd);
/* Whether process pid holds the other end of fd: 1 (and *pidfd, or -1, a
 * pidfd of it), 0 (it does not), -errno (cannot tell). */
int ipc_peer_verify(int fd, pid_t pid, int *pidfd);

/* ---- registry and death monitor (monitor.c) ---- */

/* Registers c (its current channels) with the monitor.  0 or -errno. */
int ipc_monitor_add(struct ipc_conn *c);
/* Adds one more channel of a registered connection. */
int ipc_monitor_add_fd(struct ipc_conn *c, int fd, bool in_channel);
/* Watches the pidfd of c's peer process: its end kills c. */
int ipc_monitor_add_pidfd(struct ipc_conn *c, int pidfd);
/* Removes c (its fds) from the monitor and the registry. */
void ipc_monitor_remove(struct ipc_conn *c);
/* A worker took a frame: lets the watchdog know the process is serving. */
void ipc_monitor_note_read(void);

/* ---- calling context (skeleton.c) ---- */

struct ipc_call_ctx {
    pid_t pid;
    uid_t uid;
    bool local;
    bool oneway;
    struct ipc_call_ctx *prev;
};
void ipc_ctx_push(struct ipc_call_ctx *ctx);
void ipc_ctx_pop(struct ipc_call_ctx *ctx);
/* Whether the current request is asynchronous (forwarders keep the mode). */
bool ipc_ctx_oneway(void);
