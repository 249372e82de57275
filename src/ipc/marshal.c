/* SPDX-License-Identifier: Apache-2.0 */
/* Parcels to frames and back for one connection: a parcel's objects
 * translated into the object table of a frame (exports, handles, the
 * channel the first export needs), the frame sent inline or spilled into a
 * memfd, and the body of a received frame read and checked. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/closer.h"
#include "ipc/ipc_internal.h"
#include "common/log.h"
#include "common/macro.h"

static void out_init(struct ipc_out *o, const OHIPCParcel *parcel)
{
    o->parcel = parcel;
    o->objs = NULL;
    o->nfds = 0;
    o->channel_fd = -1;
    o->new_in = false;
    o->local_failure = false;
    o->carries_refs = false;
    o->deadline = NULL;
}

/* Releases what o holds once sent, or once building or sending it failed. */
static void out_done(struct ipc_out *o)
{
    o->channel_fd = safe_close(o->channel_fd);
    if (o->objs != o->objs_small)
        free(o->objs);
    o->objs = NULL;
}

/* Proxies of other connections travel as forwarder stubs, by object index
 * in *fwd (NULL where there is none, and *fwd NULL without any).  Made
 * before taking c->lock: they take their own connection's lock. */
static int make_forwarders(struct ipc_conn *c, const OHIPCParcel *parcel, OHIPCRemoteStub ***fwd)
{
    uint32_t n = parcel->nobjs;
    for (uint32_t i = 0; i < n; i++) {
        const struct ipc_obj *ob = &parcel->objs[i];
        if (ob->kind != IPC_OBJ_PROXY || !ob->proxy->conn || ob->proxy->conn == c)
            continue;
        if (!*fwd && !(*fwd = calloc(n, sizeof(**fwd))))
            return -ENOMEM;
        if (!((*fwd)[i] = ipc_stub_new_forwarder(ob->proxy)))
            return -ENOMEM;
    }
    return 0;
}

static void free_forwarders(OHIPCRemoteStub **fwd, uint32_t n)
{
    if (!fwd)
        return;
    for (uint32_t i = 0; i < n; i++)
        ipc_stub_unref(fwd[i]);
    free(fwd);
}

/* Objects other than descriptors change the connection's tables. */
static bool has_objects(const OHIPCParcel *parcel)
{
    for (uint32_t i = 0; i < parcel->nobjs; i++)
        if (parcel->objs[i].kind != IPC_OBJ_FD)
            return true;
    return false;
}

/* One object of the parcel as an entry of the frame's table; fwd is its
 * forwarder, if it has one.  Under c->lock for objects other than
 * descriptors. */
static int translate_obj_locked(struct ipc_conn *c, const struct ipc_obj *ob, OHIPCRemoteStub *fwd,
                                struct ipc_out *o, struct ipc_wire_obj *w, bool *exported)
{
    w->offset = ob->offset;
    switch (ob->kind) {
    case IPC_OBJ_FD:
        w->kind = IPC_WIRE_FD;
        w->handle = o->nfds;
        o->fds[o->nfds++] = ob->fd;
        return 0;
    case IPC_OBJ_STUB:
        w->kind = IPC_WIRE_SENDER_OBJ;
        *exported = true;
        return ipc_conn_export_locked(c, ob->stub, &w->handle);
    case IPC_OBJ_PROXY:
        if (ob->proxy->conn == c) {
            w->kind = IPC_WIRE_RECEIVER_OBJ;
            w->handle = ob->proxy->handle;
            ob->proxy->backrefs++;
            return 0;
        }
        w->kind = IPC_WIRE_SENDER_OBJ;
        *exported = true;
        return ipc_conn_export_locked(c, ob->proxy->conn ? fwd : ob->proxy->stub, &w->handle);
    default:
        return -EINVAL;
    }
}

/* The first object we export here: open the channel the peer will call it
 * through; its other end travels with this frame.  Under c->lock. */
static int open_in_channel_locked(struct ipc_conn *c, struct ipc_out *o)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return -errno;
    c->in_fd = sv[0];
    o->channel_fd = sv[1];
    o->new_in = true;
    return 0;
}

static int translate_objects(struct ipc_conn *c, const OHIPCParcel *parcel, OHIPCRemoteStub **fwd,
                             struct ipc_out *o)
{
    bool objects = has_objects(parcel), exported = false;
    int r = 0;

    if (objects)
        pthread_mutex_lock(&c->lock);
    for (uint32_t i = 0; i < parcel->nobjs && r == 0; i++)
        r = translate_obj_locked(c, &parcel->objs[i], fwd ? fwd[i] : NULL, o, &o->objs[i], &exported);
    if (r == 0 && exported && c->in_fd < 0 && !c->dead)
        r = open_in_channel_locked(c, o);
    if (objects)
        pthread_mutex_unlock(&c->lock);
    o->carries_refs = objects;
    return r;
}

/* Serves the in channel that marshalling just opened.  0 or -errno. */
static int start_in_channel(struct ipc_conn *c)
{
    /* Credentials on frames only where the identity is not pinned. */
    c->in_max = ipc_sock_setup(c->in_fd, !__atomic_load_n(&c->peer_pinned, __ATOMIC_ACQUIRE));
    int r = ipc_monitor_add_fd(c, c->in_fd, true);
    if (r == 0)
        r = ipc_serve_start(c);
    return r;
}

int ipc_conn_marshal(struct ipc_conn *c, const OHIPCParcel *parcel, struct ipc_out *o)
{
    out_init(o, parcel);
    if (!parcel || parcel->nobjs == 0)
        return 0;

    uint32_t n = parcel->nobjs;
    o->objs = n <= ARRAY_SIZE(o->objs_small) ? o->objs_small : calloc(n, sizeof(*o->objs));
    if (!o->objs) {
        o->local_failure = true;
        return -ENOMEM;
    }
    OHIPCRemoteStub **fwd = NULL;
    int r = make_forwarders(c, parcel, &fwd);
    if (r == 0)
        r = translate_objects(c, parcel, fwd, o);
    free_forwarders(fwd, n); /* the exports hold them now */
    if (r == 0 && o->new_in)
        r = start_in_channel(c);
    if (r < 0) {
        out_done(o);
        o->local_failure = true;
    }
    return r;
}

int ipc_conn_send(struct ipc_conn *c, int fd, size_t max_inline, struct ipc_out *o)
{
    const OHIPCParcel *p = o->parcel;
    struct ipc_frame_hdr *h = &o->hdr;
    _cleanup_close_ int spill = -1;

    h->data_len = p ? p->size : 0;
    h->nobjs = p ? p->nobjs : 0;
    struct iovec iov[3] = {
        { h, sizeof(*h) },
        { p ? p->data : NULL, h->data_len },
        { o->objs, (size_t)h->nobjs * sizeof(struct ipc_wire_obj) },
    };
    size_t body = iov[1].iov_len + iov[2].iov_len;
    unsigned nfds = o->nfds;

    o->local_failure = false;
    if (sizeof(*h) + body > max_inline) {
        spill = ipc_spill_create(iov + 1, 2, body);
        if (spill < 0) {
            out_done(o);
            o->local_failure = true;
            return log_warn_errno(spill, "ipc: cannot create a memfd for a %zu-byte parcel", body);
        }
        h->flags |= IPC_FF_SPILL;
        o->fds[nfds++] = spill;
    }
    if (o->channel_fd >= 0) {
        h->flags |= IPC_FF_CHANNEL;
        o->fds[nfds++] = o->channel_fd;
    }
    h->nfds = (uint8_t)nfds;
    int r = ipc_sock_send(fd, iov, spill >= 0 ? 1 : 3, o->fds, nfds, o->deadline);
    out_done(o);
    (void)c;
    return r;
}

int ipc_frame_body(const struct ipc_frame_info *info, const uint8_t *buf, struct ipc_recv *r,
                   const uint8_t **body, uint8_t **owned)
{
    (void)buf;
    *owned = NULL;
    if (info->body)
        *body = info->body;
    else {
        uint8_t *b = malloc(info->body_len ? info->body_len : 1);
        if (!b)
            return -ENOMEM;
        int k = ipc_spill_read(r->fds[info->spill_idx], b, info->body_len);
        r->fds[info->spill_idx] = ncp_close_later(r->fds[info->spill_idx]);
        if (k < 0) {
            free(b);
            return k;
        }
        *body = *owned = b;
    }
    return ipc_body_check(info, *body, info->body_len);
}

const char *ipc_frame_read(int parsed, const struct ipc_frame_info *info, bool on_out, const uint8_t *buf,
                           struct ipc_recv *r, const uint8_t **body, uint8_t **owned)
{
    if (parsed < 0)
        return parsed == -EPROTONOSUPPORT ? "frame of an unknown protocol version" : "malformed frame";
    /* Each channel carries calls one way: replies only on an out channel. */
    if (on_out && info->hdr.type != IPC_FRAME_REPLY)
        return "unexpected frame type on the request channel";
    if (!on_out && info->hdr.type == IPC_FRAME_REPLY)
        return "reply on the serving channel";
    if (ipc_frame_body(info, buf, r, body, owned) < 0)
        return "malformed frame body";
    return NULL;
}

int ipc_frame_refuse(struct ipc_conn *c, struct ipc_recv *r, const char *why)
{
    ipc_recv_discard_fds(r);
    ipc_conn_kill(c, why);
    return -EBADMSG;
}

static pthread_key_t buffer_key;
static pthread_once_t buffer_once = PTHREAD_ONCE_INIT;
static _ipc_tls_ uint8_t *thread_buffer;

static void buffer_key_init(void) { (void)pthread_key_create(&buffer_key, free); }

uint8_t *ipc_thread_buffer(void)
{
    if (!thread_buffer) {
        pthread_once(&buffer_once, buffer_key_init);
        thread_buffer = malloc(IPC_FRAME_MAX);
        if (thread_buffer)
            (void)pthread_setspecific(buffer_key, thread_buffer);
    }
    return thread_buffer;
}
