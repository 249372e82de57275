/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPC Kit C API: parcels, the serialised data of a request or a reply.
 *
 * Signature-compatible with the reference platform's <IPCKit/ipc_cparcel.h>;
 * implemented for Linux by libipc_capi.
 *
 * A parcel holds at most 204800 bytes.  Every value is stored 4-byte
 * aligned: 8-, 16- and 32-bit integers and floats take 4 bytes, 64-bit
 * integers and doubles take 8, strings and buffers are padded to a multiple
 * of 4.  Reads and writes either succeed completely or leave the parcel
 * unchanged.  A parcel is not thread-safe.
 */
#ifndef CAPI_INCLUDE_IPC_CPARCEL_H
#define CAPI_INCLUDE_IPC_CPARCEL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct OHIPCParcel;
/** Serialised data of a request or a reply. */
typedef struct OHIPCParcel OHIPCParcel;
struct OHIPCRemoteProxy;
/** Handle on a remote object (or on a local stub read back from a parcel). */
typedef struct OHIPCRemoteProxy OHIPCRemoteProxy;
struct OHIPCRemoteStub;
/** A local object that serves requests. */
typedef struct OHIPCRemoteStub OHIPCRemoteStub;

/**
 * @brief Memory allocator used by functions that return a copy of a string.
 * @param len number of bytes to allocate (> 0).
 * @return the memory, or NULL (the function then fails with
 *         OH_IPC_MEM_ALLOCATOR_ERROR).
 */
typedef void *(*OH_IPC_MemAllocator)(int32_t len);

/**
 * @brief Creates an empty parcel (at most 204800 bytes of data).
 * @return the parcel, or NULL when out of memory.  Free with OH_IPCParcel_Destroy().
 */
OHIPCParcel *OH_IPCParcel_Create(void);

/**
 * @brief Destroys a parcel, closing the descriptors and releasing the remote
 *        objects it holds.  NULL is ignored.
 */
void OH_IPCParcel_Destroy(OHIPCParcel *parcel);

/**
 * @brief Size of the data in the parcel, in bytes.
 * @return the size, or -1 if parcel is NULL.
 */
int OH_IPCParcel_GetDataSize(const OHIPCParcel *parcel);

/**
 * @brief Bytes that can be written without growing the parcel's current
 *        buffer (capacity minus write position; 0 for a new parcel, as in the
 *        reference).  The parcel grows on demand up to 204800 bytes.
 * @return the number of bytes, or -1 if parcel is NULL.
 */
int OH_IPCParcel_GetWritableBytes(const OHIPCParcel *parcel);

/**
 * @brief Bytes left to read (data size minus read position).
 * @return the number of bytes, or -1 if parcel is NULL.
 */
int OH_IPCParcel_GetReadableBytes(const OHIPCParcel *parcel);

/**
 * @brief Current read position, in bytes.
 * @return the position, or -1 if parcel is NULL.
 */
int OH_IPCParcel_GetReadPosition(const OHIPCParcel *parcel);

/**
 * @brief Current write position, in bytes.
 * @return the position, or -1 if parcel is NULL.
 */
int OH_IPCParcel_GetWritePosition(const OHIPCParcel *parcel);

/**
 * @brief Moves the read position to newReadPos (0 .. data size).
 * @return OH_IPC_SUCCESS, or OH_IPC_CHECK_PARAM_ERROR for a NULL parcel or
 *         a position past the data.
 */
int OH_IPCParcel_RewindReadPosition(OHIPCParcel *parcel, uint32_t newReadPos);

/**
 * @brief Moves the write position to newWritePos (0 .. data size).  The data
 *        after the new position is discarded (descriptors and objects written
 *        there are released).
 * @return OH_IPC_SUCCESS, or OH_IPC_CHECK_PARAM_ERROR for a NULL parcel or
 *         a position past the data.
 */
int OH_IPCParcel_RewindWritePosition(OHIPCParcel *parcel, uint32_t newWritePos);

/**
 * @brief Writes an int8_t (stored in 4 bytes).
 * @return OH_IPC_SUCCESS, OH_IPC_CHECK_PARAM_ERROR (NULL parcel) or
 *         OH_IPC_PARCEL_WRITE_ERROR (parcel full).
 */
int OH_IPCParcel_WriteInt8(OHIPCParcel *parcel, int8_t value);
/**
 * @brief Reads an int8_t.
 * @return OH_IPC_SUCCESS, OH_IPC_CHECK_PARAM_ERROR (NULL argument) or
 *         OH_IPC_PARCEL_READ_ERROR (not enough data).
 */
int OH_IPCParcel_ReadInt8(const OHIPCParcel *parcel, int8_t *value);
/** @brief Writes an int16_t (stored in 4 bytes).  Errors as OH_IPCParcel_WriteInt8(). */
int OH_IPCParcel_WriteInt16(OHIPCParcel *parcel, int16_t value);
/** @brief Reads an int16_t.  Errors as OH_IPCParcel_ReadInt8(). */
int OH_IPCParcel_ReadInt16(const OHIPCParcel *parcel, int16_t *value);
/** @brief Writes an int32_t.  Errors as OH_IPCParcel_WriteInt8(). */
int OH_IPCParcel_WriteInt32(OHIPCParcel *parcel, int32_t value);
/** @brief Reads an int32_t.  Errors as OH_IPCParcel_ReadInt8(). */
int OH_IPCParcel_ReadInt32(const OHIPCParcel *parcel, int32_t *value);
/** @brief Writes an int64_t (8 bytes).  Errors as OH_IPCParcel_WriteInt8(). */
int OH_IPCParcel_WriteInt64(OHIPCParcel *parcel, int64_t value);
/** @brief Reads an int64_t.  Errors as OH_IPCParcel_ReadInt8(). */
int OH_IPCParcel_ReadInt64(const OHIPCParcel *parcel, int64_t *value);
/** @brief Writes a uint8_t (stored in 4 bytes).  Errors as OH_IPCParcel_WriteInt8(). */
int OH_IPCParcel_WriteUint8(OHIPCParcel *parcel, uint8_t value);
/** @brief Reads a uint8_t.  Errors as OH_IPCParcel_ReadInt8(). */
int OH_IPCParcel_ReadUint8(const OHIPCParcel *parcel, uint8_t *value);
/** @brief Writes a uint16_t (stored in 4 bytes).  Errors as OH_IPCParcel_WriteInt8(). */
int OH_IPCParcel_WriteUint16(OHIPCParcel *parcel, uint16_t value);
/** @brief Reads a uint16_t.  Errors as OH_IPCParcel_ReadInt8(). */
int OH_IPCParcel_ReadUint16(const OHIPCParcel *parcel, uint16_t *value);
/** @brief Writes a uint32_t.  Errors as OH_IPCParcel_WriteInt8(). */
int OH_IPCParcel_WriteUint32(OHIPCParcel *parcel, uint32_t value);
/** @brief Reads a uint32_t.  Errors as OH_IPCParcel_ReadInt8(). */
int OH_IPCParcel_ReadUint32(const OHIPCParcel *parcel, uint32_t *value);
/** @brief Writes a uint64_t (8 bytes).  Errors as OH_IPCParcel_WriteInt8(). */
int OH_IPCParcel_WriteUint64(OHIPCParcel *parcel, uint64_t value);
/** @brief Reads a uint64_t.  Errors as OH_IPCParcel_ReadInt8(). */
int OH_IPCParcel_ReadUint64(const OHIPCParcel *parcel, uint64_t *value);
/** @brief Writes a float (4 bytes).  Errors as OH_IPCParcel_WriteInt8(). */
int OH_IPCParcel_WriteFloat(OHIPCParcel *parcel, float value);
/** @brief Reads a float.  Errors as OH_IPCParcel_ReadInt8(). */
int OH_IPCParcel_ReadFloat(const OHIPCParcel *parcel, float *value);
/** @brief Writes a double (8 bytes).  Errors as OH_IPCParcel_WriteInt8(). */
int OH_IPCParcel_WriteDouble(OHIPCParcel *parcel, double value);
/** @brief Reads a double.  Errors as OH_IPCParcel_ReadInt8(). */
int OH_IPCParcel_ReadDouble(const OHIPCParcel *parcel, double *value);

/**
 * @brief Writes a NUL-terminated string, terminator included, padded to 4 bytes.
 * @return OH_IPC_SUCCESS, OH_IPC_CHECK_PARAM_ERROR (NULL argument) or
 *         OH_IPC_PARCEL_WRITE_ERROR (does not fit).
 */
int OH_IPCParcel_WriteString(OHIPCParcel *parcel, const char *str);

/**
 * @brief Reads a string written by OH_IPCParcel_WriteString().
 * @return a pointer into the parcel, valid until the parcel is written to,
 *         rewound or destroyed (use strlen() for its length); NULL if there is
 *         no terminated string at the read position.
 */
const char *OH_IPCParcel_ReadString(const OHIPCParcel *parcel);

/**
 * @brief Writes len (> 0) raw bytes, padded to 4 bytes.
 * @return OH_IPC_SUCCESS, OH_IPC_CHECK_PARAM_ERROR (NULL argument, len <= 0)
 *         or OH_IPC_PARCEL_WRITE_ERROR (does not fit).
 */
int OH_IPCParcel_WriteBuffer(OHIPCParcel *parcel, const uint8_t *buffer, int32_t len);

/**
 * @brief Reads len (> 0) raw bytes.
 * @return a pointer into the parcel (valid as for OH_IPCParcel_ReadString()),
 *         or NULL for a NULL parcel, len <= 0 or len beyond the readable bytes.
 */
const uint8_t *OH_IPCParcel_ReadBuffer(const OHIPCParcel *parcel, int32_t len);

/**
 * @brief Writes a stub.  Sent to another process it becomes a proxy there,
 *        whose requests are served by this stub in this process.  The parcel
 *        holds a reference on the stub until it is destroyed.
 * @return OH_IPC_SUCCESS, OH_IPC_CHECK_PARAM_ERROR or OH_IPC_PARCEL_WRITE_ERROR.
 */
int OH_IPCParcel_WriteRemoteStub(OHIPCParcel *parcel, const OHIPCRemoteStub *stub);

/**
 * @brief Reads a stub: succeeds when the object at the read position is a
 *        stub of this process (written locally, or one of this process's stubs
 *        sent back by the peer).
 * @return a new reference the caller releases with OH_IPCRemoteStub_Destroy(),
 *         or NULL.
 */
OHIPCRemoteStub *OH_IPCParcel_ReadRemoteStub(const OHIPCParcel *parcel);

/**
 * @brief Writes a proxy.  Sent to the process that hosts its object, it is
 *        read back there as that process's own stub.
 * @return OH_IPC_SUCCESS, OH_IPC_CHECK_PARAM_ERROR or OH_IPC_PARCEL_WRITE_ERROR.
 */
int OH_IPCParcel_WriteRemoteProxy(OHIPCParcel *parcel, const OHIPCRemoteProxy *proxy);

/**
 * @brief Reads a proxy.  For an object of this very process (a local stub)
 *        the proxy calls the stub directly, in the calling thread.
 * @return a new reference the caller releases with
 *         OH_IPCRemoteProxy_Destroy(), or NULL.
 */
OHIPCRemoteProxy *OH_IPCParcel_ReadRemoteProxy(const OHIPCParcel *parcel);

/**
 * @brief Writes a duplicate of fd (the caller keeps and closes its own fd).
 *        A parcel holds at most 250 descriptors.
 * @return OH_IPC_SUCCESS, OH_IPC_CHECK_PARAM_ERROR (NULL parcel, negative
 *         or invalid fd) or OH_IPC_PARCEL_WRITE_ERROR.
 */
int OH_IPCParcel_WriteFileDescriptor(OHIPCParcel *parcel, int32_t fd);

/**
 * @brief Reads a descriptor.  *fd receives a new close-on-exec descriptor
 *        owned by the caller.
 * @return OH_IPC_SUCCESS, OH_IPC_CHECK_PARAM_ERROR or OH_IPC_PARCEL_READ_ERROR.
 */
int OH_IPCParcel_ReadFileDescriptor(const OHIPCParcel *parcel, int32_t *fd);

/**
 * @brief Appends all of data's content (bytes, descriptors, objects) to
 *        parcel at its write position.
 * @return OH_IPC_SUCCESS, OH_IPC_CHECK_PARAM_ERROR or OH_IPC_PARCEL_WRITE_ERROR.
 */
int OH_IPCParcel_Append(OHIPCParcel *parcel, const OHIPCParcel *data);

/**
 * @brief Writes an interface token (identifies the interface a request is for).
 * @return OH_IPC_SUCCESS, OH_IPC_CHECK_PARAM_ERROR or OH_IPC_PARCEL_WRITE_ERROR.
 */
int OH_IPCParcel_WriteInterfaceToken(OHIPCParcel *parcel, const char *token);

/**
 * @brief Reads an interface token into memory from allocator.
 * @param token receives the NUL-terminated token (caller frees it).
 * @param len receives its length including the terminator.
 * @return OH_IPC_SUCCESS, OH_IPC_CHECK_PARAM_ERROR, OH_IPC_PARCEL_READ_ERROR or
 *         OH_IPC_MEM_ALLOCATOR_ERROR.
 */
int OH_IPCParcel_ReadInterfaceToken(const OHIPCParcel *parcel, char **token, int32_t *len,
                                    OH_IPC_MemAllocator allocator);

#ifdef __cplusplus
}
#endif
#endif /* CAPI_INCLUDE_IPC_CPARCEL_H */
