/* SPDX-License-Identifier: Apache-2.0 */
/* OHIPCParcel: typed, 4-byte aligned data plus descriptors and objects.
 *
 * The write position always equals the data size (rewinding the write
 * position truncates, as in the reference).  An object (descriptor, stub,
 * proxy) takes an 8-byte slot {kind, index into objs}; a read checks that
 * objs[index] really sits at the read position, so plain data can never be
 * taken for an object. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/closer.h"
#include "ipc/ipc_internal.h"
#include "common/log.h"
#include "common/macro.h"

static inline OHIPCParcel *mut(const OHIPCParcel *p) { return (OHIPCParcel *)p; }
static inline uint32_t pad4(uint32_t n) { return (n + 3u) & ~3u; }

_public_ OHIPCParcel *OH_IPCParcel_Create(void) { return calloc(1, sizeof(OHIPCParcel)); }

static void obj_release(struct ipc_obj *o)
{
    switch (o->kind) {
    case IPC_OBJ_FD:
        /* A peer's descriptor is never closed on the thread that lets go of
         * it (a worker, a caller with a timeout): its last close may block
         * as long as the peer likes (closer.h).  The app's own are closed
         * at once. */
        o->fd = o->from_peer ? ncp_close_later(o->fd) : safe_close(o->fd);
        break;
    case IPC_OBJ_STUB:
        ipc_stub_unref(o->stub);
        break;
    case IPC_OBJ_PROXY:
        ipc_proxy_unref(o->proxy);
        break;
    }
    o->kind = 0;
}

/* Releases the objects whose slot reaches past pos. */
static void drop_objs_after(OHIPCParcel *p, uint32_t pos)
{
    while (p->nobjs > 0 && p->objs[p->nobjs - 1].offset + IPC_OBJ_SLOT > pos) {
        struct ipc_obj *o = &p->objs[--p->nobjs];
        if (o->kind == IPC_OBJ_FD)
            p->nfds--;
        obj_release(o);
    }
}

void ipc_parcel_clear(OHIPCParcel *p)
{
    drop_objs_after(p, 0);
    free(p->objs);
    free(p->data);
    memset(p, 0, sizeof(*p));
}

void ipc_parcel_reset(OHIPCParcel *p)
{
    drop_objs_after(p, 0);
    p->size = p->wpos = p->rpos = 0;
    p->nfds = 0;
}

void ipc_parcel_move(OHIPCParcel *dst, OHIPCParcel *src)
{
    ipc_parcel_clear(dst);
    *dst = *src;
    memset(src, 0, sizeof(*src));
}

_public_ void OH_IPCParcel_Destroy(OHIPCParcel *parcel)
{
    if (!parcel)
        return;
    ipc_parcel_clear(parcel);
    free(parcel);
}

_public_ int OH_IPCParcel_GetDataSize(const OHIPCParcel *p) { return p ? (int)p->size : -1; }
_public_ int OH_IPCParcel_GetWritableBytes(const OHIPCParcel *p) { return p ? (int)(p->capacity - p->wpos) : -1; }
_public_ int OH_IPCParcel_GetReadableBytes(const OHIPCParcel *p)
{
    return p ? (p->size > p->rpos ? (int)(p->size - p->rpos) : 0) : -1;
}
_public_ int OH_IPCParcel_GetReadPosition(const OHIPCParcel *p) { return p ? (int)p->rpos : -1; }
_public_ int OH_IPCParcel_GetWritePosition(const OHIPCParcel *p) { return p ? (int)p->wpos : -1; }

_public_ int OH_IPCParcel_RewindReadPosition(OHIPCParcel *p, uint32_t pos)
{
    if (!p || pos > p->size)
        return OH_IPC_CHECK_PARAM_ERROR;
    p->rpos = pos;
    return OH_IPC_SUCCESS;
}

_public_ int OH_IPCParcel_RewindWritePosition(OHIPCParcel *p, uint32_t pos)
{
    if (!p || pos > p->size)
        return OH_IPC_CHECK_PARAM_ERROR;
    drop_objs_after(p, pos);
    p->wpos = p->size = pos;
    return OH_IPC_SUCCESS;
}

/* Makes room for n more bytes (n already padded).  0 or an OH_IPC code. */
static int reserve(OHIPCParcel *p, uint32_t n)
{
    if (n > IPC_PARCEL_MAX || p->wpos > IPC_PARCEL_MAX - n)
        return OH_IPC_PARCEL_WRITE_ERROR;
    uint32_t need = p->wpos + n;
    if (need <= p->capacity)
        return 0;
    uint32_t cap = p->capacity ? p->capacity : 64;
    while (cap < need)
        cap = cap > IPC_PARCEL_MAX / 2 ? IPC_PARCEL_MAX : cap * 2;
    uint8_t *d = realloc(p->data, cap);
    if (!d)
        return OH_IPC_PARCEL_WRITE_ERROR;
    p->data = d;
    p->capacity = cap;
    return 0;
}

/* Appends len bytes (NULL: zeros) padded with zeros to 4. */
static int put(OHIPCParcel *p, const void *src, uint32_t len)
{
    uint32_t padded = pad4(len);
    if (padded < len)
        return OH_IPC_PARCEL_WRITE_ERROR;
    int r = reserve(p, padded);
    if (r)
        return r;
    if (src)
        memcpy(p->data + p->wpos, src, len);
    else
        memset(p->data + p->wpos, 0, len);
    memset(p->data + p->wpos + len, 0, padded - len);
    p->wpos += padded;
    p->size = p->wpos;
    return 0;
}

/* Returns a pointer to len readable bytes at the read position and advances
 * it by the padded length, or NULL. */
static const uint8_t *take(const OHIPCParcel *cp, uint32_t len)
{
    OHIPCParcel *p = mut(cp);
    if (p->rpos > p->size || len > p->size - p->rpos)
        return NULL;
    uint32_t padded = pad4(len);
    if (padded > p->size - p->rpos) /* cannot happen: size is a multiple of 4 */
        return NULL;
    const uint8_t *r = p->data + p->rpos;
    p->rpos += padded;
    return r;
}

#define WRITE_AS(T, WT)                                     \
    do {                                                    \
        if (!parcel)                                        \
            return OH_IPC_CHECK_PARAM_ERROR;                \
        WT _v = (WT)value;                                  \
        return put(parcel, &_v, sizeof(_v));                \
    } while (0)

#define READ_AS(T, WT)                                      \
    do {                                                    \
        if (!parcel || !value)                              \
            return OH_IPC_CHECK_PARAM_ERROR;                \
        const uint8_t *_p = take(parcel, sizeof(WT));       \
        if (!_p)                                            \
            return OH_IPC_PARCEL_READ_ERROR;                \
        WT _v;                                              \
        memcpy(&_v, _p, sizeof(_v));                        \
        *value = (T)_v;                                     \
        return OH_IPC_SUCCESS;                              \
    } while (0)

/* Each scalar type's Write and Read: the name after Write/Read, the C type,
 * and the type it travels as (the narrow integers widened to 32 bits). */
#define SCALAR(Name, T, WT)                                                                         \
    _public_ int OH_IPCParcel_Write##Name(OHIPCParcel *parcel, T value) { WRITE_AS(T, WT); }        \
    _public_ int OH_IPCParcel_Read##Name(const OHIPCParcel *parcel, T *value) { READ_AS(T, WT); }
SCALAR(Int8, int8_t, int32_t)
SCALAR(Int16, int16_t, int32_t)
SCALAR(Int32, int32_t, int32_t)
SCALAR(Int64, int64_t, int64_t)
SCALAR(Uint8, uint8_t, uint32_t)
SCALAR(Uint16, uint16_t, uint32_t)
SCALAR(Uint32, uint32_t, uint32_t)
SCALAR(Uint64, uint64_t, uint64_t)
SCALAR(Float, float, float)
SCALAR(Double, double, double)
#undef SCALAR

_public_ int OH_IPCParcel_WriteString(OHIPCParcel *parcel, const char *str)
{
    if (!parcel || !str)
        return OH_IPC_CHECK_PARAM_ERROR;
    size_t n = strnlen(str, IPC_PARCEL_MAX);
    if (n >= IPC_PARCEL_MAX)
        return OH_IPC_PARCEL_WRITE_ERROR;
    return put(parcel, str, (uint32_t)n + 1);
}

_public_ const char *OH_IPCParcel_ReadString(const OHIPCParcel *parcel)
{
    if (!parcel || parcel->rpos >= parcel->size)
        return NULL;
    const char *s = (const char *)parcel->data + parcel->rpos;
    const char *nul = memchr(s, 0, parcel->size - parcel->rpos);
    if (!nul)
        return NULL;
    return (const char *)take(parcel, (uint32_t)(nul - s) + 1);
}

_public_ int OH_IPCParcel_WriteBuffer(OHIPCParcel *parcel, const uint8_t *buffer, int32_t len)
{
    if (!parcel || !buffer || len <= 0)
        return OH_IPC_CHECK_PARAM_ERROR;
    return put(parcel, buffer, (uint32_t)len);
}

_public_ const uint8_t *OH_IPCParcel_ReadBuffer(const OHIPCParcel *parcel, int32_t len)
{
    if (!parcel || len <= 0)
        return NULL;
    return take(parcel, (uint32_t)len);
}

_public_ int OH_IPCParcel_WriteInterfaceToken(OHIPCParcel *parcel, const char *token)
{
    if (!parcel || !token)
        return OH_IPC_CHECK_PARAM_ERROR;
    size_t n = strnlen(token, IPC_PARCEL_MAX);
    if (n >= IPC_PARCEL_MAX - 4)
        return OH_IPC_PARCEL_WRITE_ERROR;
    uint32_t start = parcel->wpos;
    int32_t len = (int32_t)n;
    int r = put(parcel, &len, sizeof(len));
    if (!r)
        r = put(parcel, token, (uint32_t)n + 1);
    if (r)
        parcel->wpos = parcel->size = start;
    return r;
}

_public_ int OH_IPCParcel_ReadInterfaceToken(const OHIPCParcel *parcel, char **token, int32_t *len,
                                             OH_IPC_MemAllocator allocator)
{
    if (!parcel || !token || !len || !allocator)
        return OH_IPC_CHECK_PARAM_ERROR;
    uint32_t start = parcel->rpos;
    int32_t n;
    const uint8_t *p = take(parcel, sizeof(n));
    if (!p)
        return OH_IPC_PARCEL_READ_ERROR;
    memcpy(&n, p, sizeof(n));
    const char *s = n >= 0 && n < INT32_MAX ? (const char *)take(parcel, (uint32_t)n + 1) : NULL;
    if (!s || s[n] != '\0' || memchr(s, 0, (size_t)n)) {
        mut(parcel)->rpos = start;
        return OH_IPC_PARCEL_READ_ERROR;
    }
    char *out = allocator(n + 1);
    if (!out) {
        mut(parcel)->rpos = start;
        return OH_IPC_MEM_ALLOCATOR_ERROR;
    }
    memcpy(out, s, (size_t)n + 1);
    *token = out;
    *len = n + 1;
    return OH_IPC_SUCCESS;
}

/* ---- objects ---- */

static int add_obj(OHIPCParcel *p, const struct ipc_obj *o)
{
    if (p->nobjs == p->objs_cap) {
        uint32_t cap = p->objs_cap ? p->objs_cap * 2 : 4;
        struct ipc_obj *n = realloc(p->objs, cap * sizeof(*n));
        if (!n)
            return OH_IPC_PARCEL_WRITE_ERROR;
        p->objs = n;
        p->objs_cap = cap;
    }
    uint32_t slot[2] = { o->kind, p->nobjs };
    uint32_t off = p->wpos;
    int r = put(p, slot, sizeof(slot));
    if (r)
        return r;
    p->objs[p->nobjs] = *o;
    p->objs[p->nobjs].offset = off;
    p->nobjs++;
    if (o->kind == IPC_OBJ_FD)
        p->nfds++;
    return 0;
}

/* The object whose slot is at the read position, or NULL. */
static struct ipc_obj *peek_obj(const OHIPCParcel *p)
{
    if (p->rpos > p->size || p->size - p->rpos < IPC_OBJ_SLOT)
        return NULL;
    uint32_t slot[2];
    memcpy(slot, p->data + p->rpos, sizeof(slot));
    if (slot[1] >= p->nobjs)
        return NULL;
    struct ipc_obj *o = &p->objs[slot[1]];
    if (o->offset != p->rpos || o->kind != slot[0])
        return NULL;
    return o;
}

_public_ int OH_IPCParcel_WriteFileDescriptor(OHIPCParcel *parcel, int32_t fd)
{
    if (!parcel || fd < 0)
        return OH_IPC_CHECK_PARAM_ERROR;
    if (parcel->nfds >= IPC_PARCEL_MAX_FDS)
        return OH_IPC_PARCEL_WRITE_ERROR;
    struct ipc_obj o = { .kind = IPC_OBJ_FD };
    o.fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (o.fd < 0) {
        if (errno == EBADF)
            return OH_IPC_CHECK_PARAM_ERROR;
        log_warn_errno(errno, "ipc: cannot duplicate descriptor %d into a parcel", fd);
        return OH_IPC_PARCEL_WRITE_ERROR;
    }
    int r = add_obj(parcel, &o);
    if (r)
        safe_close(o.fd);
    return r;
}

_public_ int OH_IPCParcel_ReadFileDescriptor(const OHIPCParcel *parcel, int32_t *fd)
{
    if (!parcel || !fd)
        return OH_IPC_CHECK_PARAM_ERROR;
    struct ipc_obj *o = peek_obj(parcel);
    if (!o || o->kind != IPC_OBJ_FD)
        return OH_IPC_PARCEL_READ_ERROR;
    int n = fcntl(o->fd, F_DUPFD_CLOEXEC, 3);
    if (n < 0) {
        log_warn_errno(errno, "ipc: cannot duplicate a descriptor read from a parcel");
        return OH_IPC_PARCEL_READ_ERROR;
    }
    mut(parcel)->rpos += IPC_OBJ_SLOT;
    *fd = n;
    return OH_IPC_SUCCESS;
}

/* Adds a reference to the stub or proxy `o` holds. */
static void obj_ref(const struct ipc_obj *o)
{
    if (o->kind == IPC_OBJ_STUB)
        ipc_stub_ref(o->stub);
    else if (o->kind == IPC_OBJ_PROXY)
        ipc_proxy_ref(o->proxy);
}

/* Writes a stub or a proxy: the parcel holds a reference of its own. */
static int write_ref(OHIPCParcel *parcel, struct ipc_obj o)
{
    obj_ref(&o);
    int r = add_obj(parcel, &o);
    if (r)
        obj_release(&o);
    return r;
}

_public_ int OH_IPCParcel_WriteRemoteStub(OHIPCParcel *parcel, const OHIPCRemoteStub *stub)
{
    if (!parcel || !stub)
        return OH_IPC_CHECK_PARAM_ERROR;
    return write_ref(parcel, (struct ipc_obj){ .kind = IPC_OBJ_STUB, .stub = (OHIPCRemoteStub *)stub });
}

/* Moves the read position past the object slot once `got` was read from it. */
static void *consumed(const OHIPCParcel *parcel, void *got)
{
    if (got)
        mut(parcel)->rpos += IPC_OBJ_SLOT;
    return got;
}

_public_ OHIPCRemoteStub *OH_IPCParcel_ReadRemoteStub(const OHIPCParcel *parcel)
{
    const struct ipc_obj *o = parcel ? peek_obj(parcel) : NULL;
    /* A proxy of a stub of this process (no connection) reads back as the stub. */
    OHIPCRemoteStub *s = !o                                             ? NULL
                         : o->kind == IPC_OBJ_STUB                      ? o->stub
                         : o->kind == IPC_OBJ_PROXY && !o->proxy->conn ? o->proxy->stub
                                                                        : NULL;
    return s ? consumed(parcel, ipc_stub_ref(s)) : NULL;
}

_public_ int OH_IPCParcel_WriteRemoteProxy(OHIPCParcel *parcel, const OHIPCRemoteProxy *proxy)
{
    if (!parcel || !proxy)
        return OH_IPC_CHECK_PARAM_ERROR;
    return write_ref(parcel, (struct ipc_obj){ .kind = IPC_OBJ_PROXY, .proxy = (OHIPCRemoteProxy *)proxy });
}

_public_ OHIPCRemoteProxy *OH_IPCParcel_ReadRemoteProxy(const OHIPCParcel *parcel)
{
    const struct ipc_obj *o = parcel ? peek_obj(parcel) : NULL;
    /* A stub reads back as a proxy that calls it in this process. */
    return consumed(parcel, !o                         ? NULL
                            : o->kind == IPC_OBJ_PROXY ? ipc_proxy_ref(o->proxy)
                            : o->kind == IPC_OBJ_STUB  ? ipc_proxy_new_local(o->stub)
                                                       : NULL);
}

_public_ int OH_IPCParcel_Append(OHIPCParcel *parcel, const OHIPCParcel *data)
{
    if (!parcel || !data || parcel == data)
        return OH_IPC_CHECK_PARAM_ERROR;
    if (parcel->nfds + data->nfds > IPC_PARCEL_MAX_FDS)
        return OH_IPC_PARCEL_WRITE_ERROR;
    uint32_t base = parcel->wpos, base_objs = parcel->nobjs;
    int r = reserve(parcel, data->size);
    if (r)
        return r;
    if (data->nobjs && parcel->nobjs + data->nobjs > parcel->objs_cap) {
        uint32_t cap = parcel->nobjs + data->nobjs;
        struct ipc_obj *n = realloc(parcel->objs, cap * sizeof(*n));
        if (!n)
            return OH_IPC_PARCEL_WRITE_ERROR;
        parcel->objs = n;
        parcel->objs_cap = cap;
    }
    /* Duplicate the objects first: nothing changes if that fails. */
    for (uint32_t i = 0; i < data->nobjs; i++) {
        struct ipc_obj o = data->objs[i];
        if (o.kind == IPC_OBJ_FD) {
            o.fd = fcntl(o.fd, F_DUPFD_CLOEXEC, 3);
            if (o.fd < 0) {
                log_warn_errno(errno, "ipc: cannot duplicate a descriptor while appending a parcel");
                for (uint32_t j = base_objs; j < base_objs + i; j++)
                    obj_release(&parcel->objs[j]);
                return OH_IPC_PARCEL_WRITE_ERROR;
            }
        } else
            obj_ref(&o);
        o.offset += base;
        parcel->objs[base_objs + i] = o;
    }
    if (data->size)
        memcpy(parcel->data + base, data->data, data->size);
    for (uint32_t i = 0; i < data->nobjs; i++) {
        uint32_t slot[2] = { data->objs[i].kind, base_objs + i };
        memcpy(parcel->data + data->objs[i].offset + base, slot, sizeof(slot));
    }
    parcel->nobjs += data->nobjs;
    parcel->nfds += data->nfds;
    parcel->wpos = parcel->size = base + data->size;
    return OH_IPC_SUCCESS;
}

int ipc_parcel_from_wire(OHIPCParcel *p, const struct ipc_frame_hdr *h, const uint8_t *body, int *fds,
                         unsigned nfds, ipc_resolve_fn resolve, void *ctx)
{
    ipc_parcel_reset(p);
    if (h->data_len > p->capacity) {
        uint8_t *d = realloc(p->data, h->data_len);
        if (!d)
            return -ENOMEM;
        p->data = d;
        p->capacity = h->data_len;
    }
    if (h->data_len)
        memcpy(p->data, body, h->data_len);
    p->size = p->wpos = h->data_len;
    if (h->nobjs > p->objs_cap) {
        struct ipc_obj *o = realloc(p->objs, h->nobjs * sizeof(*o));
        if (!o)
            return -ENOMEM;
        p->objs = o;
        p->objs_cap = h->nobjs;
    }
    for (uint32_t i = 0; i < h->nobjs; i++) {
        struct ipc_wire_obj w;
        struct ipc_obj o = { 0 };
        memcpy(&w, body + h->data_len + (size_t)i * sizeof(w), sizeof(w));
        if (w.kind == IPC_WIRE_FD) {
            if (w.handle >= nfds || fds[w.handle] < 0)
                return -EBADMSG;
            o.kind = IPC_OBJ_FD;
            o.from_peer = true;
            o.fd = fds[w.handle];
            fds[w.handle] = -1;
            p->nfds++;
        } else {
            int r = resolve(ctx, w.kind, w.handle, &o);
            if (r < 0)
                return r;
        }
        o.offset = w.offset;
        p->objs[p->nobjs++] = o;
        uint32_t slot[2] = { o.kind, i };
        memcpy(p->data + w.offset, slot, sizeof(slot));
    }
    return 0;
}
