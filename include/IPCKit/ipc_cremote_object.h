/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPC Kit C API: remote objects (stubs, proxies, death recipients).
 *
 * Signature-compatible with the reference platform's
 * <IPCKit/ipc_cremote_object.h>; implemented for Linux by libipc_capi over
 * AF_UNIX sockets (see <IPCKit/ipc_ext.h> for how a first connection is made).
 */
#ifndef CAPI_INCLUDE_IPC_CREMOTE_OBJECT_H
#define CAPI_INCLUDE_IPC_CREMOTE_OBJECT_H

#include <stdint.h>

#include "ipc_cparcel.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Serves one request on a stub.
 * @param code the request code, 0x01 .. 0x00ffffff.
 * @param data the request (read-only; do not destroy).
 * @param reply where to write the reply (do not destroy).
 * @param userData the stub's user data.
 * @return OH_IPC_SUCCESS, an OH_IPC_ErrorCode, or a user error code in
 *         [OH_IPC_USER_ERROR_CODE_MIN, OH_IPC_USER_ERROR_CODE_MAX].  Any other
 *         value reaches the caller as OH_IPC_INVALID_USER_ERROR_CODE.  On an
 *         error the reply is not sent.
 */
typedef int (*OH_OnRemoteRequestCallback)(uint32_t code, const OHIPCParcel *data, OHIPCParcel *reply,
                                          void *userData);

/** @brief Called once when a stub is finally destroyed. */
typedef void (*OH_OnRemoteDestroyCallback)(void *userData);

/**
 * @brief Creates a stub.
 * @param descriptor the interface descriptor: non-empty, at most 204800 bytes.
 * @param requestCallback serves the requests (required).  It runs on library
 *        threads, possibly several at a time.
 * @param destroyCallback called when the last reference is gone (optional).
 * @param userData passed to both callbacks.
 * @return the stub, or NULL for invalid arguments.
 */
OHIPCRemoteStub *OH_IPCRemoteStub_Create(const char *descriptor, OH_OnRemoteRequestCallback requestCallback,
                                         OH_OnRemoteDestroyCallback destroyCallback, void *userData);

/**
 * @brief Releases the caller's reference on a stub.  While peers still hold
 *        proxies to it (or a request is being served) it stays alive; the
 *        destroy callback runs when the last reference goes.  NULL is ignored.
 */
void OH_IPCRemoteStub_Destroy(OHIPCRemoteStub *stub);

/**
 * @brief Releases a proxy.  When the last proxy and the last exported object
 *        of a connection are gone, the connection is closed.  NULL is ignored.
 */
void OH_IPCRemoteProxy_Destroy(OHIPCRemoteProxy *proxy);

/** @brief Request modes. */
typedef enum {
    /** Wait for the reply. */
    OH_IPC_REQUEST_MODE_SYNC = 0,
    /** Do not wait; there is no reply. */
    OH_IPC_REQUEST_MODE_ASYNC = 1,
} OH_IPC_RequestMode;

#pragma pack(push, 4)
/** @brief Options of a request. */
typedef struct {
    /** Synchronous or asynchronous. */
    OH_IPC_RequestMode mode;
    /** Synchronous requests: seconds to wait for the reply, 0 = no bound. */
    uint32_t timeout;
    /** Must be NULL. */
    void *reserved;
} OH_IPC_MessageOption;
#pragma pack(pop)

/**
 * @brief Sends a request to the proxy's object.
 * @param code 0x01 .. 0x00ffffff.
 * @param data the request (its descriptors are duplicated into the peer).
 * @param reply receives the reply (its previous content is replaced);
 *        may be NULL only for an asynchronous request.
 * @param option NULL for a synchronous request without timeout;
 *        option->reserved must be NULL.
 * @return OH_IPC_SUCCESS, OH_IPC_CHECK_PARAM_ERROR, OH_IPC_CODE_OUT_OF_RANGE,
 *         OH_IPC_DEAD_REMOTE_OBJECT (peer dead or connection closed, also while
 *         waiting), OH_IPC_INNER_ERROR (for instance the timeout expired), or
 *         the error/user code returned by the remote request callback.
 */
int OH_IPCRemoteProxy_SendRequest(const OHIPCRemoteProxy *proxy, uint32_t code, const OHIPCParcel *data,
                                  OHIPCParcel *reply, const OH_IPC_MessageOption *option);

/**
 * @brief Obtains the interface descriptor of the proxy's object.
 * @param descriptor receives the NUL-terminated descriptor, allocated with
 *        allocator (caller frees it).
 * @param len receives its length including the terminator.
 * @return OH_IPC_SUCCESS, OH_IPC_CHECK_PARAM_ERROR, OH_IPC_DEAD_REMOTE_OBJECT,
 *         OH_IPC_MEM_ALLOCATOR_ERROR or OH_IPC_PARCEL_READ_ERROR.
 */
int OH_IPCRemoteProxy_GetInterfaceDescriptor(OHIPCRemoteProxy *proxy, char **descriptor, int32_t *len,
                                             OH_IPC_MemAllocator allocator);

/** @brief Called once when the remote object's process dies or its connection closes. */
typedef void (*OH_OnDeathRecipientCallback)(void *userData);

/** @brief Called when a death recipient is finally destroyed. */
typedef void (*OH_OnDeathRecipientDestroyCallback)(void *userData);

struct OHIPCDeathRecipient;
/** Receives death notifications. */
typedef struct OHIPCDeathRecipient OHIPCDeathRecipient;

/**
 * @brief Creates a death recipient.
 * @param deathRecipientCallback called on death (required); it runs on a
 *        library thread.
 * @param destroyCallback called when the recipient is finally destroyed (optional).
 * @return the recipient, or NULL for a NULL callback.
 */
OHIPCDeathRecipient *OH_IPCDeathRecipient_Create(OH_OnDeathRecipientCallback deathRecipientCallback,
                                                 OH_OnDeathRecipientDestroyCallback destroyCallback,
                                                 void *userData);

/**
 * @brief Releases the caller's reference; proxies it is registered with keep
 *        theirs until it fires or is removed.  NULL is ignored.
 */
void OH_IPCDeathRecipient_Destroy(OHIPCDeathRecipient *recipient);

/**
 * @brief Registers recipient to be called once when the proxy's remote object dies.
 * @return OH_IPC_SUCCESS, OH_IPC_CHECK_PARAM_ERROR, or OH_IPC_INNER_ERROR if
 *         the object is already dead.
 */
int OH_IPCRemoteProxy_AddDeathRecipient(OHIPCRemoteProxy *proxy, OHIPCDeathRecipient *recipient);

/**
 * @brief Unregisters a recipient.
 * @return OH_IPC_SUCCESS, OH_IPC_CHECK_PARAM_ERROR, or OH_IPC_INNER_ERROR if it
 *         was not registered.
 */
int OH_IPCRemoteProxy_RemoveDeathRecipient(OHIPCRemoteProxy *proxy, OHIPCDeathRecipient *recipient);

/**
 * @brief Whether the proxy's remote object is dead.
 * @return 1 if dead (or proxy is NULL), 0 if alive.
 */
int OH_IPCRemoteProxy_IsRemoteDead(const OHIPCRemoteProxy *proxy);

#ifdef __cplusplus
}
#endif
#endif /* CAPI_INCLUDE_IPC_CREMOTE_OBJECT_H */
