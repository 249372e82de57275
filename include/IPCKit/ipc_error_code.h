/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPC Kit C API: error codes.
 *
 * Signature- and value-compatible with the reference platform's
 * <IPCKit/ipc_error_code.h>; implemented for Linux by libipc_capi.
 */
#ifndef CAPI_INCLUDE_IPC_ERROR_CODE_H
#define CAPI_INCLUDE_IPC_ERROR_CODE_H

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief IPC error codes.  Every OH_IPC* function that returns an int
 * returns OH_IPC_SUCCESS or one of these values.
 */
typedef enum {
    /** Success. */
    OH_IPC_SUCCESS = 0,
    /** Start of the IPC error code range. */
    OH_IPC_ERROR_CODE_BASE = 1901000,
    /** Invalid parameter (NULL pointer, value out of range). */
    OH_IPC_CHECK_PARAM_ERROR = OH_IPC_ERROR_CODE_BASE,
    /** Writing to a parcel failed (for instance the 204800-byte bound). */
    OH_IPC_PARCEL_WRITE_ERROR = OH_IPC_ERROR_CODE_BASE + 1,
    /** Reading from a parcel failed (past the end, wrong type). */
    OH_IPC_PARCEL_READ_ERROR = OH_IPC_ERROR_CODE_BASE + 2,
    /** The caller's memory allocator returned NULL. */
    OH_IPC_MEM_ALLOCATOR_ERROR = OH_IPC_ERROR_CODE_BASE + 3,
    /** Request code outside [0x01, 0x00ffffff]. */
    OH_IPC_CODE_OUT_OF_RANGE = OH_IPC_ERROR_CODE_BASE + 4,
    /** The remote object (its process or its connection) is dead. */
    OH_IPC_DEAD_REMOTE_OBJECT = OH_IPC_ERROR_CODE_BASE + 5,
    /** A request callback returned a code outside the allowed ranges. */
    OH_IPC_INVALID_USER_ERROR_CODE = OH_IPC_ERROR_CODE_BASE + 6,
    /** Internal error of the IPC library. */
    OH_IPC_INNER_ERROR = OH_IPC_ERROR_CODE_BASE + 7,
    /** End of the IPC error code range. */
    OH_IPC_ERROR_CODE_MAX = OH_IPC_ERROR_CODE_BASE + 1000,
    /** Smallest code a request callback may return as its own error. */
    OH_IPC_USER_ERROR_CODE_MIN = 1909000,
    /** Largest code a request callback may return as its own error. */
    OH_IPC_USER_ERROR_CODE_MAX = 1909999,
} OH_IPC_ErrorCode;

#ifdef __cplusplus
}
#endif
#endif /* CAPI_INCLUDE_IPC_ERROR_CODE_H */
