/* SPDX-License-Identifier: Apache-2.0 */
/* Stubs, proxies and death recipients: reference counting and the public
 * remote-object API.  Remote proxies keep their counts under their
 * connection's lock (conn.c); stubs, local proxies and recipients use atomics. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipc/ipc_internal.h"
#include "common/log.h"
#include "common/macro.h"

/* ---- what stubs and death recipients have alike ---- */

static void app_object_init(struct ipc_app_object *o, void (*on_destroy)(void *user_data), void *user_data)
{
    atomic_init(&o->refs, 1);
    o->on_destroy = on_destroy;
    o->user_data = user_data;
}

/* Drops a reference: true when it was the last, once the app's destroy
 * callback has run; then the caller frees the object. */
static bool app_object_put(struct ipc_app_object *o)
{
    if (!ref_put(&o->refs))
        return false;
    if (o->on_destroy)
        o->on_destroy(o->user_data);
    return true;
}

/* ---- stubs ---- */

OHIPCRemoteStub *ipc_stub_ref(OHIPCRemoteStub *s)
{
    ref_get(&s->app.refs);
    return s;
}

void ipc_stub_unref(OHIPCRemoteStub *s)
{
    if (!s || !app_object_put(&s->app))
        return;
    if (s->forward)
        ipc_proxy_unref(s->forward);
    free(s->descriptor);
    free(s);
}

_public_ OHIPCRemoteStub *OH_IPCRemoteStub_Create(const char *descriptor, OH_OnRemoteRequestCallback requestCallback,
                                                  OH_OnRemoteDestroyCallback destroyCallback, void *userData)
{
    if (!descriptor || !requestCallback)
        return NULL;
    size_t n = strnlen(descriptor, IPC_PARCEL_MAX + 1);
    if (n == 0 || n > IPC_PARCEL_MAX)
        return NULL;
    OHIPCRemoteStub *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->descriptor = strndup(descriptor, n);
    if (!s->descriptor) {
        free(s);
        return NULL;
    }
    app_object_init(&s->app, destroyCallback, userData);
    s->on_request = requestCallback;
    return s;
}

_public_ void OH_IPCRemoteStub_Destroy(OHIPCRemoteStub *stub) { ipc_stub_unref(stub); }

static int forward_request(uint32_t code, const OHIPCParcel *data, OHIPCParcel *reply, void *user_data)
{
    OHIPCRemoteProxy *p = user_data;
    OH_IPC_MessageOption opt = { .mode = ipc_ctx_oneway() ? OH_IPC_REQUEST_MODE_ASYNC : OH_IPC_REQUEST_MODE_SYNC };
    return OH_IPCRemoteProxy_SendRequest(p, code, data, reply, &opt);
}

OHIPCRemoteStub *ipc_stub_new_forwarder(OHIPCRemoteProxy *proxy)
{
    OHIPCRemoteStub *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    app_object_init(&s->app, NULL, proxy);
    s->on_request = forward_request;
    s->forward = ipc_proxy_ref(proxy);
    return s;
}

int ipc_map_status(int status)
{
    if (status == OH_IPC_SUCCESS)
        return status;
    if (status >= OH_IPC_ERROR_CODE_BASE && status <= OH_IPC_ERROR_CODE_MAX)
        return status;
    if (status >= OH_IPC_USER_ERROR_CODE_MIN && status <= OH_IPC_USER_ERROR_CODE_MAX)
        return status;
    return OH_IPC_INVALID_USER_ERROR_CODE;
}

int ipc_stub_invoke(OHIPCRemoteStub *s, uint32_t code, const OHIPCParcel *data, OHIPCParcel *reply, pid_t pid,
                    uid_t uid, bool local, bool oneway)
{
    struct ipc_call_ctx ctx = { .pid = pid, .uid = uid, .local = local, .oneway = oneway };
    ipc_ctx_push(&ctx);
    int status = s->on_request(code, data, reply, s->app.user_data);
    ipc_ctx_pop(&ctx);
    status = ipc_map_status(status);
    if (status != OH_IPC_SUCCESS)
        ipc_parcel_reset(reply);
    return status;
}

/* ---- proxies ---- */

OHIPCRemoteProxy *ipc_proxy_new_local(OHIPCRemoteStub *stub)
{
    OHIPCRemoteProxy *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    atomic_init(&p->local_refs, 1);
    p->stub = ipc_stub_ref(stub);
    return p;
}

OHIPCRemoteProxy *ipc_proxy_ref(OHIPCRemoteProxy *p)
{
    if (!p->conn) {
        ref_get(&p->local_refs);
        return p;
    }
    pthread_mutex_lock(&p->conn->lock);
    p->refs++;
    pthread_mutex_unlock(&p->conn->lock);
    return p;
}

void ipc_proxy_unref(OHIPCRemoteProxy *p)
{
    if (!p)
        return;
    if (p->conn) {
        ipc_conn_proxy_unref(p);
        return;
    }
    if (!ref_put(&p->local_refs))
        return;
    for (struct ipc_recipient_link *l = p->recipients, *n; l; l = n) {
        n = l->next;
        ipc_recipient_unref(l->recipient);
        free(l);
    }
    ipc_stub_unref(p->stub);
    free(p);
}

_public_ void OH_IPCRemoteProxy_Destroy(OHIPCRemoteProxy *proxy) { ipc_proxy_unref(proxy); }

_public_ int OH_IPCRemoteProxy_SendRequest(const OHIPCRemoteProxy *proxy, uint32_t code, const OHIPCParcel *data,
                                           OHIPCParcel *reply, const OH_IPC_MessageOption *option)
{
    bool oneway = false;
    uint32_t timeout = 0;

    if (!proxy || !data)
        return OH_IPC_CHECK_PARAM_ERROR;
    if (option) {
        if (option->reserved)
            return OH_IPC_CHECK_PARAM_ERROR;
        if (option->mode != OH_IPC_REQUEST_MODE_SYNC && option->mode != OH_IPC_REQUEST_MODE_ASYNC)
            return OH_IPC_CHECK_PARAM_ERROR;
        oneway = option->mode == OH_IPC_REQUEST_MODE_ASYNC;
        timeout = option->timeout;
    }
    if (!oneway && !reply)
        return OH_IPC_CHECK_PARAM_ERROR;
    if (code < 1 || code > IPC_CODE_MAX)
        return OH_IPC_CODE_OUT_OF_RANGE;

    if (!proxy->conn) {
        /* A local object: call it right here. */
        OHIPCParcel tmp = { 0 };
        OHIPCParcel *out = reply ? reply : &tmp;
        if (out == data)
            return OH_IPC_CHECK_PARAM_ERROR;
        ipc_parcel_reset(out);
        int st = ipc_stub_invoke(proxy->stub, code, data, out, getpid(), getuid(), true, oneway);
        ipc_parcel_clear(&tmp);
        if (oneway && reply)
            ipc_parcel_reset(reply);
        return oneway ? OH_IPC_SUCCESS : st;
    }
    return ipc_conn_transact(proxy->conn, proxy->handle, code, oneway ? IPC_FF_ONEWAY : 0, data, reply, timeout);
}

static int copy_out(const char *s, char **out, int32_t *len, OH_IPC_MemAllocator allocator)
{
    size_t n = strlen(s) + 1;
    if (n > INT32_MAX)
        return OH_IPC_INNER_ERROR;
    char *m = allocator((int32_t)n);
    if (!m)
        return OH_IPC_MEM_ALLOCATOR_ERROR;
    memcpy(m, s, n);
    *out = m;
    *len = (int32_t)n;
    return OH_IPC_SUCCESS;
}

_public_ int OH_IPCRemoteProxy_GetInterfaceDescriptor(OHIPCRemoteProxy *proxy, char **descriptor, int32_t *len,
                                                      OH_IPC_MemAllocator allocator)
{
    if (!proxy || !descriptor || !len || !allocator)
        return OH_IPC_CHECK_PARAM_ERROR;
    if (!proxy->conn) {
        if (proxy->stub->forward)
            return OH_IPCRemoteProxy_GetInterfaceDescriptor(proxy->stub->forward, descriptor, len, allocator);
        return copy_out(proxy->stub->descriptor, descriptor, len, allocator);
    }

    struct ipc_conn *c = proxy->conn;
    pthread_mutex_lock(&c->lock);
    char *cached = proxy->descriptor ? strdup(proxy->descriptor) : NULL;
    pthread_mutex_unlock(&c->lock);
    if (cached) {
        int r = copy_out(cached, descriptor, len, allocator);
        free(cached);
        return r;
    }

    OHIPCParcel *data = OH_IPCParcel_Create(), *reply = OH_IPCParcel_Create();
    int r = OH_IPC_INNER_ERROR;
    if (data && reply) {
        /* The app gave no timeout: a silent peer must not hold it forever. */
        r = ipc_conn_transact(c, proxy->handle, IPC_INTERNAL_GET_DESCRIPTOR, IPC_FF_INTERNAL, data, reply,
                              IPC_PEER_WAIT_S);
        if (r == OH_IPC_SUCCESS) {
            const char *s = OH_IPCParcel_ReadString(reply);
            if (!s)
                r = OH_IPC_PARCEL_READ_ERROR;
            else {
                pthread_mutex_lock(&c->lock);
                if (!proxy->descriptor)
                    proxy->descriptor = strdup(s);
                pthread_mutex_unlock(&c->lock);
                r = copy_out(s, descriptor, len, allocator);
            }
        }
    }
    OH_IPCParcel_Destroy(data);
    OH_IPCParcel_Destroy(reply);
    return r;
}

_public_ int OH_IPCRemoteProxy_IsRemoteDead(const OHIPCRemoteProxy *proxy)
{
    if (!proxy)
        return 1;
    if (!proxy->conn)
        return 0;
    pthread_mutex_lock(&proxy->conn->lock);
    int dead = proxy->conn->dead;
    pthread_mutex_unlock(&proxy->conn->lock);
    return dead;
}

/* ---- death recipients ---- */

_public_ OHIPCDeathRecipient *OH_IPCDeathRecipient_Create(OH_OnDeathRecipientCallback deathRecipientCallback,
                                                          OH_OnDeathRecipientDestroyCallback destroyCallback,
                                                          void *userData)
{
    if (!deathRecipientCallback)
        return NULL;
    OHIPCDeathRecipient *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    app_object_init(&r->app, destroyCallback, userData);
    r->on_death = deathRecipientCallback;
    return r;
}

void ipc_recipient_unref(OHIPCDeathRecipient *r)
{
    if (!r || !app_object_put(&r->app))
        return;
    free(r);
}

_public_ void OH_IPCDeathRecipient_Destroy(OHIPCDeathRecipient *recipient) { ipc_recipient_unref(recipient); }

/* Local proxies never die; their recipient list is guarded by a global lock. */
static pthread_mutex_t local_recipients_lock = PTHREAD_MUTEX_INITIALIZER;

static pthread_mutex_t *recipients_lock(OHIPCRemoteProxy *p)
{
    return p->conn ? &p->conn->lock : &local_recipients_lock;
}

_public_ int OH_IPCRemoteProxy_AddDeathRecipient(OHIPCRemoteProxy *proxy, OHIPCDeathRecipient *recipient)
{
    if (!proxy || !recipient)
        return OH_IPC_CHECK_PARAM_ERROR;
    struct ipc_recipient_link *l = calloc(1, sizeof(*l));
    if (!l)
        return OH_IPC_INNER_ERROR;
    pthread_mutex_t *m = recipients_lock(proxy);
    pthread_mutex_lock(m);
    if (proxy->conn && proxy->conn->finalized) {
        pthread_mutex_unlock(m);
        free(l);
        return OH_IPC_INNER_ERROR;
    }
    ref_get(&recipient->app.refs);
    l->recipient = recipient;
    l->next = proxy->recipients;
    proxy->recipients = l;
    pthread_mutex_unlock(m);
    return OH_IPC_SUCCESS;
}

_public_ int OH_IPCRemoteProxy_RemoveDeathRecipient(OHIPCRemoteProxy *proxy, OHIPCDeathRecipient *recipient)
{
    if (!proxy || !recipient)
        return OH_IPC_CHECK_PARAM_ERROR;
    pthread_mutex_t *m = recipients_lock(proxy);
    pthread_mutex_lock(m);
    struct ipc_recipient_link *found = NULL;
    for (struct ipc_recipient_link **pp = &proxy->recipients; *pp; pp = &(*pp)->next) {
        if ((*pp)->recipient == recipient) {
            found = *pp;
            *pp = found->next;
            break;
        }
    }
    pthread_mutex_unlock(m);
    if (!found)
        return OH_IPC_INNER_ERROR;
    ipc_recipient_unref(found->recipient);
    free(found);
    return OH_IPC_SUCCESS;
}
