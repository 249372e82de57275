/* SPDX-License-Identifier: Apache-2.0 */
/* A connection to one peer process: its channels, and the objects exported
 * to and imported from the peer (marshal.c translates parcels to frames).
 *
 * Reference counting of exported objects across the connection (the peer may
 * run several threads decoding frames, so a RELEASE can overtake a frame that
 * still names the object):
 *   exporter, per object: sent (times we sent it), released (sum of RELEASE
 *     counts), back_seen (times it came back to us), back_expected (sum of
 *     RELEASE backrefs).  The export is dropped when released == sent and
 *     back_seen >= back_expected.
 *   importer, per proxy: owed (references received), backrefs (times sent
 *     back).  When the proxy goes, one RELEASE {handle, owed, backrefs}. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/closer.h"
#include "ipc/ipc_internal.h"
#include "common/log.h"
#include "common/macro.h"

struct ipc_conn *ipc_conn_new(void)
{
    struct ipc_conn *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    atomic_init(&c->refs, 1);
    pthread_mutex_init(&c->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->cond, &ca);
    pthread_condattr_destroy(&ca);
    pthread_cond_init(&c->standby_cond, NULL);
    c->out_fd = c->in_fd = c->peer_pidfd = -1;
    c->next_handle = 1;
    c->peer_pid = 0;
    c->peer_uid = (uid_t)-1;
    return c;
}

struct ipc_conn *ipc_conn_ref(struct ipc_conn *c)
{
    ref_get(&c->refs);
    return c;
}

static void free_exports(struct ipc_conn *c)
{
    size_t it = 0;
    void *v;
    while (ipc_map_next(&c->exports_by_handle, &it, NULL, &v)) {
        struct ipc_export *e = v;
        ipc_stub_unref(e->stub);
        free(e);
    }
    ipc_map_free(&c->exports_by_handle);
    ipc_map_free(&c->exports_by_stub);
}

void ipc_conn_unref(struct ipc_conn *c)
{
    if (!c || !ref_put(&c->refs))
        return;
    /* No proxy, worker or registration is left. */
    free_exports(c);
    ipc_stub_unref(c->root);
    ipc_map_free(&c->imports);
    /* Their queues may still hold descriptors the peer sent. */
    ncp_close_later(c->out_fd);
    ncp_close_later(c->in_fd);
    safe_close(c->peer_pidfd);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->cond);
    pthread_cond_destroy(&c->standby_cond);
    free(c);
}

void ipc_conn_kill(struct ipc_conn *c, const char *why)
{
    pthread_mutex_lock(&c->lock);
    if (c->dead) {
        pthread_mutex_unlock(&c->lock);
        return;
    }
    c->dead = true;
    if (why)
        log_warn("ipc: connection to pid %d closed: %s", (int)c->peer_pid, why);
    else
        log_debug("ipc: connection to pid %d closed", (int)c->peer_pid);
    /* shutdown() (not close()) so that blocked readers and writers return and
     * the descriptors stay valid until the last reference goes. */
    if (c->out_fd >= 0)
        shutdown(c->out_fd, SHUT_RDWR);
    if (c->in_fd >= 0)
        shutdown(c->in_fd, SHUT_RDWR);
    ipc_transact_wake_all_locked(c);
    pthread_cond_broadcast(&c->cond);
    pthread_cond_broadcast(&c->standby_cond);
    pthread_mutex_unlock(&c->lock);
}

void ipc_conn_finalize(struct ipc_conn *c)
{
    struct fired {
        OHIPCRemoteProxy *proxy;
        struct ipc_recipient_link *links;
    } *fired = NULL;
    size_t nfired = 0;

    pthread_mutex_lock(&c->lock);
    if (c->finalized) {
        pthread_mutex_unlock(&c->lock);
        return;
    }
    c->finalized = true;
    c->dead = true;
    /* Detach the recipients of every live proxy; they fire exactly once. */
    if (c->imports.count)
        fired = calloc(c->imports.count, sizeof(*fired));
    size_t it = 0;
    void *v;
    while (fired && ipc_map_next(&c->imports, &it, NULL, &v)) {
        OHIPCRemoteProxy *p = v;
        if (!p->recipients)
            continue;
        p->refs++;
        fired[nfired].proxy = p;
        fired[nfired].links = p->recipients;
        p->recipients = NULL;
        nfired++;
    }
    /* The peer's references on our objects are gone with it. */
    struct ipc_map by_handle = c->exports_by_handle, by_stub = c->exports_by_stub;
    memset(&c->exports_by_handle, 0, sizeof(c->exports_by_handle));
    memset(&c->exports_by_stub, 0, sizeof(c->exports_by_stub));
    c->nexports = 0;
    pthread_mutex_unlock(&c->lock);

    if (!fired && c->imports.count)
        log_error("ipc: out of memory: death recipients of a connection not called");
    for (size_t i = 0; i < nfired; i++) {
        for (struct ipc_recipient_link *l = fired[i].links, *n; l; l = n) {
            n = l->next;
            l->recipient->on_death(l->recipient->app.user_data);
            ipc_recipient_unref(l->recipient);
            free(l);
        }
        ipc_proxy_unref(fired[i].proxy);
    }
    free(fired);

    it = 0;
    while (ipc_map_next(&by_handle, &it, NULL, &v)) {
        struct ipc_export *e = v;
        ipc_stub_unref(e->stub);
        free(e);
    }
    ipc_map_free(&by_handle);
    ipc_map_free(&by_stub);
}

/* The peer of the connection's first channel, as the kernel recorded it
 * (peercred.c); called with c->lock held.  Returns whether frames must carry
 * credentials (SO_PASSCRED): only when the record names this process. */
static bool identify_peer_locked(struct ipc_conn *c, int fd)
{
    if (c->peer_pinned || c->cred_learned || c->peer_pid != 0)
        return !c->peer_pinned && !c->cred_learned;
    pid_t pid = 0;
    uid_t uid = (uid_t)-1;
    int pidfd = -1;
    int r = ipc_peer_from_socket(fd, &pid, &uid, &pidfd);
    if (r == 0 || r == -ESRCH) {
        /* That process made the connection; when it is gone already, so is
         * the connection (the monitor sees its pidfd readable, or there is
         * no pidfd and the socket is all there is). */
        __atomic_store_n(&c->peer_pid, pid, __ATOMIC_RELAXED);
        __atomic_store_n(&c->peer_uid, uid, __ATOMIC_RELAXED);
        __atomic_store_n(&c->cred_learned, true, __ATOMIC_RELEASE);
        __atomic_store_n(&c->peer_pinned, true, __ATOMIC_RELEASE);
        __atomic_store_n(&c->peer_pidfd, pidfd, __ATOMIC_RELEASE);
        if (r == -ESRCH)
            log_debug("ipc: the process that made the connection (pid %d) is gone", (int)pid);
        return false;
    }
    if (r == -ENXIO) {
        /* Our own pair: ourselves until a frame says who holds the other end. */
        __atomic_store_n(&c->peer_pid, pid, __ATOMIC_RELAXED);
        __atomic_store_n(&c->peer_uid, uid, __ATOMIC_RELAXED);
    }
    return true;
}

int ipc_conn_attach_in(struct ipc_conn *c, int fd)
{
    pthread_mutex_lock(&c->lock);
    if (c->in_fd >= 0 || c->dead) {
        pthread_mutex_unlock(&c->lock);
        return -EEXIST;
    }
    bool passcred = identify_peer_locked(c, fd);
    c->in_max = ipc_sock_setup(fd, passcred);
    __atomic_store_n(&c->in_fd, fd, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&c->lock);
    return 0;
}

int ipc_conn_attach_out(struct ipc_conn *c, int fd)
{
    pthread_mutex_lock(&c->lock);
    if (c->out_fd >= 0 || c->dead) {
        pthread_mutex_unlock(&c->lock);
        return -EEXIST;
    }
    (void)identify_peer_locked(c, fd);
    c->out_max = ipc_sock_setup(fd, false);
    __atomic_store_n(&c->out_fd, fd, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
    return 0;
}

static int export_insert_locked(struct ipc_conn *c, OHIPCRemoteStub *stub, uint32_t handle, struct ipc_export **out)
{
    struct ipc_export *e = calloc(1, sizeof(*e));
    if (!e)
        return -ENOMEM;
    e->handle = handle;
    if (ipc_map_put(&c->exports_by_handle, handle, e) < 0) {
        free(e);
        return -ENOMEM;
    }
    if (ipc_map_put(&c->exports_by_stub, (uintptr_t)stub, e) < 0) {
        ipc_map_remove(&c->exports_by_handle, handle);
        free(e);
        return -ENOMEM;
    }
    e->stub = ipc_stub_ref(stub);
    c->nexports++;
    *out = e;
    return 0;
}

int ipc_conn_set_root(struct ipc_conn *c, OHIPCRemoteStub *stub)
{
    struct ipc_export *e;
    pthread_mutex_lock(&c->lock);
    int r = export_insert_locked(c, stub, IPC_ROOT_HANDLE, &e);
    if (r == 0) {
        e->permanent = true;
        c->root = ipc_stub_ref(stub);
    }
    pthread_mutex_unlock(&c->lock);
    return r;
}

int ipc_conn_export_locked(struct ipc_conn *c, OHIPCRemoteStub *stub, uint32_t *handle)
{
    struct ipc_export *e = ipc_map_get(&c->exports_by_stub, (uintptr_t)stub);
    if (!e) {
        uint32_t h;
        do
            h = c->next_handle++;
        while (h == IPC_ROOT_HANDLE || ipc_map_get(&c->exports_by_handle, h));
        int r = export_insert_locked(c, stub, h, &e);
        if (r < 0)
            return r;
    }
    e->sent++;
    *handle = e->handle;
    return 0;
}

static void export_maybe_drop_locked(struct ipc_conn *c, struct ipc_export *e, struct ipc_export **dropped)
{
    if (e->permanent || e->released < e->sent || e->back_seen < e->back_expected)
        return;
    ipc_map_remove(&c->exports_by_handle, e->handle);
    ipc_map_remove(&c->exports_by_stub, (uintptr_t)e->stub);
    c->nexports--;
    e->drop_next = *dropped;
    *dropped = e;
}

static void free_dropped(struct ipc_export *e)
{
    while (e) {
        struct ipc_export *n = e->drop_next;
        ipc_stub_unref(e->stub);
        free(e);
        e = n;
    }
}

OHIPCRemoteStub *ipc_conn_lookup_export(struct ipc_conn *c, uint32_t handle)
{
    /* c->root is set before any request can arrive and holds its own
     * reference until the connection is freed. */
    if (handle == IPC_ROOT_HANDLE && c->root)
        return ipc_stub_ref(c->root);
    pthread_mutex_lock(&c->lock);
    struct ipc_export *e = ipc_map_get(&c->exports_by_handle, handle);
    OHIPCRemoteStub *s = e ? ipc_stub_ref(e->stub) : NULL;
    pthread_mutex_unlock(&c->lock);
    return s;
}

int ipc_conn_apply_release(struct ipc_conn *c, const uint8_t *body, size_t len)
{
    struct ipc_export *dropped = NULL;
    int r = 0;

    pthread_mutex_lock(&c->lock);
    for (size_t off = 0; off + sizeof(struct ipc_wire_release) <= len; off += sizeof(struct ipc_wire_release)) {
        struct ipc_wire_release w;
        memcpy(&w, body + off, sizeof(w));
        if (w.handle == IPC_ROOT_HANDLE)
            continue;
        struct ipc_export *e = ipc_map_get(&c->exports_by_handle, w.handle);
        if (!e || w.count > e->sent - e->released) {
            r = -EBADMSG;
            break;
        }
        e->released += w.count;
        e->back_expected += w.backrefs;
        export_maybe_drop_locked(c, e, &dropped);
    }
    bool unused = c->nexports == 0 && c->nproxies == 0;
    pthread_mutex_unlock(&c->lock);
    free_dropped(dropped);
    if (r == 0 && unused)
        ipc_conn_kill(c, NULL);
    return r;
}

OHIPCRemoteProxy *ipc_conn_import(struct ipc_conn *c, uint32_t handle, bool counts_owed, int *err)
{
    pthread_mutex_lock(&c->lock);
    OHIPCRemoteProxy *p = ipc_map_get(&c->imports, handle);
    if (p) {
        p->refs++;
        if (counts_owed && handle != IPC_ROOT_HANDLE)
            p->owed++;
        pthread_mutex_unlock(&c->lock);
        return p;
    }
    if (c->imports.count >= IPC_MAX_IMPORTS) {
        pthread_mutex_unlock(&c->lock);
        *err = -E2BIG;
        return NULL;
    }
    p = calloc(1, sizeof(*p));
    if (!p || ipc_map_put(&c->imports, handle, p) < 0) {
        pthread_mutex_unlock(&c->lock);
        free(p);
        *err = -ENOMEM;
        return NULL;
    }
    p->conn = ipc_conn_ref(c);
    p->handle = handle;
    p->refs = 1;
    p->owed = counts_owed && handle != IPC_ROOT_HANDLE;
    c->nproxies++;
    pthread_mutex_unlock(&c->lock);
    return p;
}

static void send_release(struct ipc_conn *c, const struct ipc_wire_release *rel)
{
    /* OH_IPCRemoteProxy_Destroy() waits for this: never longer than
     * IPC_PEER_WAIT_S, however slowly the peer reads. */
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += IPC_PEER_WAIT_S;
    pthread_mutex_lock(&c->lock);
    /* A reference can arrive just before the frame that brings the channel
     * to its owner; wait for that frame a little. */
    while (c->out_fd < 0 && !c->dead)
        if (pthread_cond_timedwait(&c->cond, &c->lock, &deadline) == ETIMEDOUT)
            break;
    int fd = c->dead ? -1 : c->out_fd;
    pthread_mutex_unlock(&c->lock);
    if (fd < 0) {
        ipc_conn_kill(c, "the peer never sent the channel for its objects");
        return;
    }
    struct ipc_frame_hdr h;
    ipc_frame_hdr_init(&h, IPC_FRAME_RELEASE, 0, 0, 0, 0);
    h.data_len = sizeof(*rel);
    struct iovec iov[2] = { { &h, sizeof(h) }, { (void *)rel, sizeof(*rel) } };
    int r = ipc_sock_send(fd, iov, 2, NULL, 0, &deadline);
    /* A release that cannot go leaves the peer's counts wrong: give up on it. */
    if (r < 0 && r != -EPIPE)
        ipc_conn_kill(c, r == -ETIMEDOUT || r == -ETIME ? "the peer stopped reading" : "sending a release failed");
}

void ipc_conn_proxy_unref(OHIPCRemoteProxy *p)
{
    struct ipc_conn *c = p->conn;

    pthread_mutex_lock(&c->lock);
    if (--p->refs > 0) {
        pthread_mutex_unlock(&c->lock);
        return;
    }
    if (ipc_map_get(&c->imports, p->handle) == p)
        ipc_map_remove(&c->imports, p->handle);
    c->nproxies--;
    struct ipc_wire_release rel = { .handle = p->handle, .count = p->owed, .backrefs = p->backrefs };
    bool release = !c->dead && (p->owed || p->backrefs) && p->handle != IPC_ROOT_HANDLE;
    bool unused = c->nproxies == 0 && c->nexports == 0;
    struct ipc_recipient_link *links = p->recipients;
    p->recipients = NULL;
    pthread_mutex_unlock(&c->lock);

    if (unused)
        ipc_conn_kill(c, NULL);
    else if (release)
        send_release(c, &rel);
    for (struct ipc_recipient_link *n; links; links = n) {
        n = links->next;
        ipc_recipient_unref(links->recipient);
        free(links);
    }
    free(p->descriptor);
    free(p);
    ipc_conn_unref(c);
}

/* ---- received objects ---- */

static int resolve(void *ctx, uint32_t kind, uint32_t handle, struct ipc_obj *out)
{
    struct ipc_conn *c = ctx;
    int err = -EBADMSG;

    if (kind == IPC_WIRE_SENDER_OBJ) {
        OHIPCRemoteProxy *p = ipc_conn_import(c, handle, true, &err);
        if (!p)
            return err;
        out->kind = IPC_OBJ_PROXY;
        out->proxy = p;
        return 0;
    }
    if (kind != IPC_WIRE_RECEIVER_OBJ)
        return -EBADMSG;
    struct ipc_export *dropped = NULL;
    pthread_mutex_lock(&c->lock);
    struct ipc_export *e = ipc_map_get(&c->exports_by_handle, handle);
    if (e) {
        out->kind = IPC_OBJ_STUB;
        out->stub = ipc_stub_ref(e->stub);
        e->back_seen++;
        export_maybe_drop_locked(c, e, &dropped);
    }
    pthread_mutex_unlock(&c->lock);
    free_dropped(dropped); /* never the last reference: out holds one */
    return e ? 0 : -EBADMSG;
}

int ipc_conn_unmarshal(struct ipc_conn *c, const struct ipc_frame_info *info, const uint8_t *body,
                       struct ipc_recv *r, OHIPCParcel *parcel)
{
    return ipc_parcel_from_wire(parcel, &info->hdr, body, r->fds, info->n_parcel_fds, resolve, c);
}
