/* Placeholder: the IPC Kit headers are written with libipc_capi. */
#ifndef CAPI_INCLUDE_IPC_CPARCEL_H
#define CAPI_INCLUDE_IPC_CPARCEL_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
struct OHIPCParcel;
typedef struct OHIPCParcel OHIPCParcel;
struct OHIPCRemoteProxy;
typedef struct OHIPCRemoteProxy OHIPCRemoteProxy;
struct OHIPCRemoteStub;
typedef struct OHIPCRemoteStub OHIPCRemoteStub;
typedef void *(*OH_IPC_MemAllocator)(int32_t len);
#ifdef __cplusplus
}
#endif
#endif
