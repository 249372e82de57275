/* SPDX-License-Identifier: Apache-2.0 */
/* Parcels, stubs, local proxies and the skeleton, in one process. */
#include <fcntl.h>
#include <float.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../tap.h"
#include "ipc-test-util.h"

#define MAXP 204800

static void test_empty_and_null(void)
{
    OHIPCParcel *p = OH_IPCParcel_Create();
    ok(p != NULL, "create");
    is_int(OH_IPCParcel_GetDataSize(p), 0, "new parcel: data size 0");
    is_int(OH_IPCParcel_GetReadPosition(p), 0, "new parcel: read position 0");
    is_int(OH_IPCParcel_GetWritePosition(p), 0, "new parcel: write position 0");
    is_int(OH_IPCParcel_GetReadableBytes(p), 0, "new parcel: nothing readable");
    is_int(OH_IPCParcel_GetWritableBytes(p), 0, "new parcel: no buffer yet (as the reference)");
    is_int(OH_IPCParcel_GetDataSize(NULL), -1, "GetDataSize(NULL) = -1");
    is_int(OH_IPCParcel_GetWritableBytes(NULL), -1, "GetWritableBytes(NULL) = -1");
    is_int(OH_IPCParcel_GetReadableBytes(NULL), -1, "GetReadableBytes(NULL) = -1");
    is_int(OH_IPCParcel_GetReadPosition(NULL), -1, "GetReadPosition(NULL) = -1");
    is_int(OH_IPCParcel_GetWritePosition(NULL), -1, "GetWritePosition(NULL) = -1");

    int32_t i32;
    int8_t i8;
    is_int(OH_IPCParcel_WriteInt32(NULL, 1), OH_IPC_CHECK_PARAM_ERROR, "WriteInt32(NULL parcel)");
    is_int(OH_IPCParcel_ReadInt32(NULL, &i32), OH_IPC_CHECK_PARAM_ERROR, "ReadInt32(NULL parcel)");
    is_int(OH_IPCParcel_ReadInt32(p, NULL), OH_IPC_CHECK_PARAM_ERROR, "ReadInt32(NULL value)");
    is_int(OH_IPCParcel_ReadInt8(p, &i8), OH_IPC_PARCEL_READ_ERROR, "ReadInt8 on empty parcel");
    is_int(OH_IPCParcel_WriteString(p, NULL), OH_IPC_CHECK_PARAM_ERROR, "WriteString(NULL)");
    ok(OH_IPCParcel_ReadString(NULL) == NULL, "ReadString(NULL)");
    ok(OH_IPCParcel_ReadString(p) == NULL, "ReadString on empty parcel");
    uint8_t b = 1;
    is_int(OH_IPCParcel_WriteBuffer(p, NULL, 4), OH_IPC_CHECK_PARAM_ERROR, "WriteBuffer(NULL buffer)");
    is_int(OH_IPCParcel_WriteBuffer(p, &b, 0), OH_IPC_CHECK_PARAM_ERROR, "WriteBuffer(len 0)");
    is_int(OH_IPCParcel_WriteBuffer(p, &b, -1), OH_IPC_CHECK_PARAM_ERROR, "WriteBuffer(len -1)");
    ok(OH_IPCParcel_ReadBuffer(p, 0) == NULL, "ReadBuffer(len 0)");
    ok(OH_IPCParcel_ReadBuffer(NULL, 4) == NULL, "ReadBuffer(NULL)");
    is_int(OH_IPCParcel_WriteRemoteStub(p, NULL), OH_IPC_CHECK_PARAM_ERROR, "WriteRemoteStub(NULL)");
    is_int(OH_IPCParcel_WriteRemoteProxy(p, NULL), OH_IPC_CHECK_PARAM_ERROR, "WriteRemoteProxy(NULL)");
    ok(OH_IPCParcel_ReadRemoteStub(p) == NULL && OH_IPCParcel_ReadRemoteProxy(p) == NULL,
       "reading objects from an empty parcel gives NULL");
    is_int(OH_IPCParcel_WriteFileDescriptor(p, -1), OH_IPC_CHECK_PARAM_ERROR, "WriteFileDescriptor(-1)");
    is_int(OH_IPCParcel_WriteFileDescriptor(p, 9999), OH_IPC_CHECK_PARAM_ERROR, "WriteFileDescriptor(closed fd)");
    is_int(OH_IPCParcel_ReadFileDescriptor(p, NULL), OH_IPC_CHECK_PARAM_ERROR, "ReadFileDescriptor(NULL)");
    is_int(OH_IPCParcel_Append(p, NULL), OH_IPC_CHECK_PARAM_ERROR, "Append(NULL)");
    is_int(OH_IPCParcel_Append(NULL, p), OH_IPC_CHECK_PARAM_ERROR, "Append to NULL");
    is_int(OH_IPCParcel_RewindReadPosition(NULL, 0), OH_IPC_CHECK_PARAM_ERROR, "RewindReadPosition(NULL)");
    is_int(OH_IPCParcel_RewindWritePosition(NULL, 0), OH_IPC_CHECK_PARAM_ERROR, "RewindWritePosition(NULL)");
    is_int(OH_IPCParcel_GetDataSize(p), 0, "failed calls wrote nothing");
    OH_IPCParcel_Destroy(p);
    OH_IPCParcel_Destroy(NULL);
    ok(1, "Destroy(NULL) is harmless");
}

static void test_typed_values(void)
{
    OHIPCParcel *p = OH_IPCParcel_Create();
    int ok_all = 1;
    ok_all &= OH_IPCParcel_WriteInt8(p, INT8_MIN) == 0;
    ok_all &= OH_IPCParcel_WriteInt16(p, INT16_MIN) == 0;
    ok_all &= OH_IPCParcel_WriteInt32(p, INT32_MIN) == 0;
    ok_all &= OH_IPCParcel_WriteInt64(p, INT64_MIN) == 0;
    ok_all &= OH_IPCParcel_WriteUint8(p, UINT8_MAX) == 0;
    ok_all &= OH_IPCParcel_WriteUint16(p, UINT16_MAX) == 0;
    ok_all &= OH_IPCParcel_WriteUint32(p, UINT32_MAX) == 0;
    ok_all &= OH_IPCParcel_WriteUint64(p, UINT64_MAX) == 0;
    ok_all &= OH_IPCParcel_WriteFloat(p, 1.5f) == 0;
    ok_all &= OH_IPCParcel_WriteDouble(p, -DBL_MAX) == 0;
    ok(ok_all, "every typed write succeeds");
    /* 8 x 4-byte slots for the small types and float, 3 x 8 bytes. */
    is_int(OH_IPCParcel_GetDataSize(p), 4 * 7 + 8 * 3, "sizes are 4-byte aligned as the reference");
    is_int(OH_IPCParcel_GetWritePosition(p), 52, "write position follows the data");
    ok(OH_IPCParcel_GetWritableBytes(p) >= 0, "writable bytes is the buffer's room");

    int8_t i8;
    int16_t i16;
    int32_t i32;
    int64_t i64;
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    float f;
    double d;
    ok(OH_IPCParcel_ReadInt8(p, &i8) == 0 && i8 == INT8_MIN, "int8 round trip");
    ok(OH_IPCParcel_ReadInt16(p, &i16) == 0 && i16 == INT16_MIN, "int16 round trip");
    ok(OH_IPCParcel_ReadInt32(p, &i32) == 0 && i32 == INT32_MIN, "int32 round trip");
    ok(OH_IPCParcel_ReadInt64(p, &i64) == 0 && i64 == INT64_MIN, "int64 round trip");
    ok(OH_IPCParcel_ReadUint8(p, &u8) == 0 && u8 == UINT8_MAX, "uint8 round trip");
    ok(OH_IPCParcel_ReadUint16(p, &u16) == 0 && u16 == UINT16_MAX, "uint16 round trip");
    ok(OH_IPCParcel_ReadUint32(p, &u32) == 0 && u32 == UINT32_MAX, "uint32 round trip");
    ok(OH_IPCParcel_ReadUint64(p, &u64) == 0 && u64 == UINT64_MAX, "uint64 round trip");
    ok(OH_IPCParcel_ReadFloat(p, &f) == 0 && f == 1.5f, "float round trip");
    ok(OH_IPCParcel_ReadDouble(p, &d) == 0 && d == -DBL_MAX, "double round trip");
    is_int(OH_IPCParcel_GetReadableBytes(p), 0, "everything read");
    is_int(OH_IPCParcel_ReadInt32(p, &i32), OH_IPC_PARCEL_READ_ERROR, "read past the end fails");
    is_int(OH_IPCParcel_GetReadPosition(p), 52, "a failed read does not move the position");

    /* An int64 needs 8 bytes: 4 left is not enough. */
    OH_IPCParcel_RewindReadPosition(p, 48);
    is_int(OH_IPCParcel_ReadInt64(p, &i64), OH_IPC_PARCEL_READ_ERROR, "int64 across the end fails");
    is_int(OH_IPCParcel_GetReadPosition(p), 48, "position unchanged");

    is_int(OH_IPCParcel_RewindReadPosition(p, 53), OH_IPC_CHECK_PARAM_ERROR, "rewind read past the data fails");
    is_int(OH_IPCParcel_RewindReadPosition(p, 0), 0, "rewind read to 0");
    ok(OH_IPCParcel_ReadInt8(p, &i8) == 0 && i8 == INT8_MIN, "values read again after a rewind");
    is_int(OH_IPCParcel_RewindWritePosition(p, 53), OH_IPC_CHECK_PARAM_ERROR, "rewind write past the data fails");
    is_int(OH_IPCParcel_RewindWritePosition(p, 8), 0, "rewind write to 8");
    is_int(OH_IPCParcel_GetDataSize(p), 8, "rewinding the write position truncates (as the reference)");
    OH_IPCParcel_WriteInt32(p, 77);
    OH_IPCParcel_RewindReadPosition(p, 8);
    ok(OH_IPCParcel_ReadInt32(p, &i32) == 0 && i32 == 77, "writing after a rewind overwrites");
    OH_IPCParcel_Destroy(p);
}

static void test_strings_buffers(void)
{
    OHIPCParcel *p = OH_IPCParcel_Create();
    is_int(OH_IPCParcel_WriteString(p, "hello"), 0, "write string");
    is_int(OH_IPCParcel_GetDataSize(p), 8, "\"hello\" + NUL padded to 8");
    is_int(OH_IPCParcel_WriteString(p, ""), 0, "write empty string");
    is_int(OH_IPCParcel_WriteString(p, "abc"), 0, "write 3-char string");
    is_int(OH_IPCParcel_GetDataSize(p), 16, "\"\" takes 4 bytes, \"abc\" 4");
    const char *s1 = OH_IPCParcel_ReadString(p);
    const char *s2 = OH_IPCParcel_ReadString(p);
    const char *s3 = OH_IPCParcel_ReadString(p);
    is_str(s1, "hello", "read string");
    is_str(s2, "", "read empty string");
    is_str(s3, "abc", "read third string");
    ok(OH_IPCParcel_ReadString(p) == NULL, "no string past the end");

    uint8_t buf[7] = { 1, 2, 3, 4, 5, 6, 7 };
    OH_IPCParcel_WriteBuffer(p, buf, 7);
    is_int(OH_IPCParcel_GetDataSize(p), 24, "7-byte buffer padded to 8");
    OH_IPCParcel_RewindReadPosition(p, 16);
    ok(OH_IPCParcel_ReadBuffer(p, 9) == NULL, "ReadBuffer beyond the readable bytes gives NULL");
    const uint8_t *r = OH_IPCParcel_ReadBuffer(p, 7);
    ok(r && memcmp(r, buf, 7) == 0, "read buffer");
    is_int(OH_IPCParcel_GetReadPosition(p), 24, "read position skips the padding");

    /* Bytes without a terminator are no string. */
    OHIPCParcel *q = OH_IPCParcel_Create();
    uint8_t x[4] = { 'a', 'b', 'c', 'd' };
    OH_IPCParcel_WriteBuffer(q, x, 4);
    ok(OH_IPCParcel_ReadString(q) == NULL, "unterminated bytes are not a string");
    is_int(OH_IPCParcel_GetReadPosition(q), 0, "position unchanged");
    OH_IPCParcel_Destroy(q);
    OH_IPCParcel_Destroy(p);
}

static void test_bounds(void)
{
    OHIPCParcel *p = OH_IPCParcel_Create();
    uint8_t *big = calloc(1, MAXP + 8);
    big[0] = 0xab;
    big[MAXP - 1] = 0xcd;
    is_int(OH_IPCParcel_WriteBuffer(p, big, MAXP), 0, "204800 bytes fit");
    is_int(OH_IPCParcel_GetDataSize(p), MAXP, "data size 204800");
    is_int(OH_IPCParcel_WriteInt8(p, 1), OH_IPC_PARCEL_WRITE_ERROR, "one more int8 does not");
    is_int(OH_IPCParcel_WriteString(p, ""), OH_IPC_PARCEL_WRITE_ERROR, "nor an empty string");
    is_int(OH_IPCParcel_GetDataSize(p), MAXP, "failed writes change nothing");
    const uint8_t *r = OH_IPCParcel_ReadBuffer(p, MAXP);
    ok(r && r[0] == 0xab && r[MAXP - 1] == 0xcd, "the whole 204800 bytes read back");
    OH_IPCParcel_RewindWritePosition(p, 0);
    is_int(OH_IPCParcel_WriteBuffer(p, big, MAXP + 1), OH_IPC_PARCEL_WRITE_ERROR, "204801 bytes do not fit");
    is_int(OH_IPCParcel_WriteBuffer(p, big, MAXP - 1), 0, "204799 bytes (padded to 204800) fit");
    OH_IPCParcel_RewindWritePosition(p, 0);
    memset(big, 'x', MAXP + 8);
    big[MAXP - 1] = 0;
    is_int(OH_IPCParcel_WriteString(p, (char *)big), 0, "a 204799-char string (+NUL) fits");
    OH_IPCParcel_RewindWritePosition(p, 0);
    big[MAXP - 1] = 'x';
    big[MAXP] = 0;
    is_int(OH_IPCParcel_WriteString(p, (char *)big), OH_IPC_PARCEL_WRITE_ERROR, "a 204800-char string does not");
    OH_IPCParcel_RewindWritePosition(p, 0);
    for (int i = 0; i < MAXP / 8; i++)
        OH_IPCParcel_WriteInt64(p, i);
    is_int(OH_IPCParcel_WriteInt32(p, 1), OH_IPC_PARCEL_WRITE_ERROR, "int64s fill it to the byte");
    free(big);

    /* Append respects the bound. */
    OHIPCParcel *q = OH_IPCParcel_Create();
    OH_IPCParcel_WriteInt32(q, 5);
    is_int(OH_IPCParcel_Append(p, q), OH_IPC_PARCEL_WRITE_ERROR, "appending to a full parcel fails");
    OH_IPCParcel_Destroy(q);
    OH_IPCParcel_Destroy(p);
}

static void test_token(void)
{
    OHIPCParcel *p = OH_IPCParcel_Create();
    char *tok = NULL;
    int32_t len = 0;
    is_int(OH_IPCParcel_WriteInterfaceToken(p, NULL), OH_IPC_CHECK_PARAM_ERROR, "WriteInterfaceToken(NULL)");
    is_int(OH_IPCParcel_WriteInterfaceToken(p, "ohos.ipc.IAdd"), 0, "write interface token");
    OH_IPCParcel_WriteInt32(p, 9);
    is_int(OH_IPCParcel_ReadInterfaceToken(p, &tok, &len, NULL), OH_IPC_CHECK_PARAM_ERROR, "NULL allocator");
    is_int(OH_IPCParcel_ReadInterfaceToken(p, NULL, &len, test_alloc), OH_IPC_CHECK_PARAM_ERROR, "NULL token");
    is_int(OH_IPCParcel_ReadInterfaceToken(p, &tok, NULL, test_alloc), OH_IPC_CHECK_PARAM_ERROR, "NULL len");
    is_int(OH_IPCParcel_ReadInterfaceToken(p, &tok, &len, null_alloc), OH_IPC_MEM_ALLOCATOR_ERROR,
           "failing allocator -> MEM_ALLOCATOR_ERROR");
    is_int(OH_IPCParcel_GetReadPosition(p), 0, "and the position is unchanged");
    is_int(OH_IPCParcel_ReadInterfaceToken(p, &tok, &len, test_alloc), 0, "read interface token");
    is_str(tok, "ohos.ipc.IAdd", "token text");
    is_int(len, 14, "len counts the terminator");
    free(tok);
    int32_t v;
    ok(OH_IPCParcel_ReadInt32(p, &v) == 0 && v == 9, "data after the token");
    OH_IPCParcel_RewindReadPosition(p, 0);
    OH_IPCParcel_RewindWritePosition(p, 0);
    OH_IPCParcel_WriteInt32(p, 1000);
    tok = NULL;
    is_int(OH_IPCParcel_ReadInterfaceToken(p, &tok, &len, test_alloc), OH_IPC_PARCEL_READ_ERROR,
           "a length running past the data is a read error");
    ok(tok == NULL, "nothing allocated on error");
    OH_IPCParcel_Destroy(p);
}

static int fd_same_file(int a, int b)
{
    struct stat sa, sb;
    return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev;
}

static void test_fds_and_append(void)
{
    int base = count_fds();
    int pp[2];
    if (pipe2(pp, O_CLOEXEC) < 0)
        abort();
    OHIPCParcel *p = OH_IPCParcel_Create();
    OH_IPCParcel_WriteInt32(p, 1);
    is_int(OH_IPCParcel_WriteFileDescriptor(p, pp[1]), 0, "write a descriptor");
    OH_IPCParcel_WriteInt32(p, 2);
    int32_t v, fd = -1;
    OH_IPCParcel_ReadInt32(p, &v);
    is_int(OH_IPCParcel_ReadFileDescriptor(p, &fd), 0, "read it back");
    ok(fd >= 0 && fd != pp[1] && fd_same_file(fd, pp[1]), "a new descriptor on the same pipe");
    ok(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC), "close-on-exec");
    close(fd);
    OH_IPCParcel_RewindReadPosition(p, 0);
    is_int(OH_IPCParcel_ReadFileDescriptor(p, &fd), OH_IPC_PARCEL_READ_ERROR, "an int is not a descriptor");
    OH_IPCParcel_RewindReadPosition(p, 4);
    ok(OH_IPCParcel_ReadRemoteStub(p) == NULL && OH_IPCParcel_ReadRemoteProxy(p) == NULL,
       "a descriptor is not an object");

    OHIPCParcel *q = OH_IPCParcel_Create();
    OH_IPCParcel_WriteString(q, "head");
    is_int(OH_IPCParcel_Append(q, p), 0, "append a parcel with a descriptor");
    is_int(OH_IPCParcel_Append(q, q), OH_IPC_CHECK_PARAM_ERROR, "append a parcel to itself");
    is_int(OH_IPCParcel_GetDataSize(q), 8 + 16, "appended size");
    is_str(OH_IPCParcel_ReadString(q), "head", "original data first");
    OH_IPCParcel_ReadInt32(q, &v);
    ok(OH_IPCParcel_ReadFileDescriptor(q, &fd) == 0 && fd_same_file(fd, pp[1]) && (fcntl(fd, F_GETFL) & O_ACCMODE) == O_WRONLY,
       "the descriptor travels with the appended data");
    close(fd);
    ok(OH_IPCParcel_ReadInt32(q, &v) == 0 && v == 2, "then the rest");

    /* Rewinding over a descriptor releases it. */
    OH_IPCParcel_RewindWritePosition(q, 8);
    OH_IPCParcel_WriteInt32(q, 3);
    OH_IPCParcel_WriteInt32(q, 4);
    OH_IPCParcel_RewindReadPosition(q, 12);
    is_int(OH_IPCParcel_ReadFileDescriptor(q, &fd), OH_IPC_PARCEL_READ_ERROR,
           "overwritten descriptor slot is no descriptor any more");
    OH_IPCParcel_Destroy(q);

    /* 32 descriptors per parcel (what one frame may make a peer hold). */
    OHIPCParcel *m = OH_IPCParcel_Create();
    int n = 0, wr;
    while ((wr = OH_IPCParcel_WriteFileDescriptor(m, pp[0])) == 0 && n < 1000)
        n++;
    is_int(n, 32, "a parcel holds 32 descriptors");
    is_int(wr, OH_IPC_PARCEL_WRITE_ERROR, "the 33rd: OH_IPC_PARCEL_WRITE_ERROR");
    OH_IPCParcel_Destroy(m);
    OH_IPCParcel_Destroy(p);
    close(pp[0]);
    close(pp[1]);
    is_int(count_fds(), base, "no descriptor leaked by parcels");
}

static atomic_int destroyed, requests;
static void on_destroy(void *ud) { atomic_fetch_add(&destroyed, 1); (void)ud; }

static int on_request(uint32_t code, const OHIPCParcel *data, OHIPCParcel *reply, void *ud)
{
    (void)ud;
    atomic_fetch_add(&requests, 1);
    int32_t a = 0, b = 0;
    switch (code) {
    case 2:
        OH_IPCParcel_ReadInt32(data, &a);
        OH_IPCParcel_ReadInt32(data, &b);
        OH_IPCParcel_WriteInt32(reply, a + b);
        return 0;
    case 3:
        OH_IPCParcel_WriteInt32(reply, 1);
        return 1909123;
    case 4:
        return 42;
    case 5:
        return OH_IPC_PARCEL_READ_ERROR;
    case 6:
        OH_IPCParcel_WriteInt32(reply, (int32_t)OH_IPCSkeleton_GetCallingPid());
        OH_IPCParcel_WriteInt32(reply, OH_IPCSkeleton_IsLocalCalling());
        OH_IPCParcel_WriteInt32(reply, OH_IPCSkeleton_IsHandlingTransaction());
        return 0;
    }
    return 0;
}

static void test_stub_and_local_proxy(void)
{
    char *big = malloc(MAXP + 2);
    memset(big, 'd', MAXP + 1);
    big[MAXP + 1] = 0;
    ok(OH_IPCRemoteStub_Create(NULL, on_request, NULL, NULL) == NULL, "stub: NULL descriptor refused");
    ok(OH_IPCRemoteStub_Create("", on_request, NULL, NULL) == NULL, "stub: empty descriptor refused");
    ok(OH_IPCRemoteStub_Create("x", NULL, NULL, NULL) == NULL, "stub: NULL request callback refused");
    ok(OH_IPCRemoteStub_Create(big, on_request, NULL, NULL) == NULL, "stub: 204801-byte descriptor refused");
    big[MAXP] = 0;
    OHIPCRemoteStub *s = OH_IPCRemoteStub_Create(big, on_request, on_destroy, NULL);
    ok(s != NULL, "stub: 204800-byte descriptor accepted");
    OH_IPCRemoteStub_Destroy(s);
    is_int(atomic_load(&destroyed), 1, "destroy callback called once");
    atomic_store(&destroyed, 0);
    free(big);

    s = OH_IPCRemoteStub_Create("test.ILocal", on_request, on_destroy, NULL);
    OHIPCParcel *p = OH_IPCParcel_Create();
    is_int(OH_IPCParcel_WriteRemoteStub(p, s), 0, "write a stub");
    OHIPCRemoteStub *s2 = OH_IPCParcel_ReadRemoteStub(p);
    ok(s2 == s, "read the same stub back in-process");
    OH_IPCRemoteStub_Destroy(s2);
    OH_IPCParcel_RewindReadPosition(p, 0);
    OHIPCRemoteProxy *px = OH_IPCParcel_ReadRemoteProxy(p);
    ok(px != NULL, "a local stub read as a proxy gives a local proxy");
    is_int(OH_IPCRemoteProxy_IsRemoteDead(px), 0, "a local proxy is alive");
    is_int(OH_IPCRemoteProxy_IsRemoteDead(NULL), 1, "IsRemoteDead(NULL) = 1");

    OHIPCParcel *d = OH_IPCParcel_Create(), *r = OH_IPCParcel_Create();
    OH_IPCParcel_WriteInt32(d, 123);
    OH_IPCParcel_WriteInt32(d, 456);
    int32_t v = 0;
    is_int(OH_IPCRemoteProxy_SendRequest(px, 2, d, r, NULL), 0, "local request");
    ok(OH_IPCParcel_ReadInt32(r, &v) == 0 && v == 579, "Add(123, 456) = 579 through a local proxy");
    is_int(OH_IPCRemoteProxy_SendRequest(px, 3, d, r, NULL), 1909123, "user error code carried back");
    is_int(OH_IPCParcel_GetDataSize(r), 0, "no reply data on an error");
    is_int(OH_IPCRemoteProxy_SendRequest(px, 4, d, r, NULL), OH_IPC_INVALID_USER_ERROR_CODE, "bad code -> 1901006");
    is_int(OH_IPCRemoteProxy_SendRequest(px, 5, d, r, NULL), OH_IPC_PARCEL_READ_ERROR, "IPC error codes pass");
    is_int(OH_IPCRemoteProxy_SendRequest(px, 0, d, r, NULL), OH_IPC_CODE_OUT_OF_RANGE, "code 0 -> 1901004");
    is_int(OH_IPCRemoteProxy_SendRequest(px, 0x01000000, d, r, NULL), OH_IPC_CODE_OUT_OF_RANGE,
           "code 0x01000000 -> 1901004");
    is_int(OH_IPCRemoteProxy_SendRequest(px, 0x00ffffff, d, r, NULL), 0, "code 0x00ffffff accepted");
    is_int(OH_IPCRemoteProxy_SendRequest(NULL, 2, d, r, NULL), OH_IPC_CHECK_PARAM_ERROR, "NULL proxy");
    is_int(OH_IPCRemoteProxy_SendRequest(px, 2, NULL, r, NULL), OH_IPC_CHECK_PARAM_ERROR, "NULL data");
    is_int(OH_IPCRemoteProxy_SendRequest(px, 2, d, NULL, NULL), OH_IPC_CHECK_PARAM_ERROR, "NULL reply when sync");
    int dummy;
    OH_IPC_MessageOption bad = { OH_IPC_REQUEST_MODE_SYNC, 0, &dummy };
    is_int(OH_IPCRemoteProxy_SendRequest(px, 2, d, r, &bad), OH_IPC_CHECK_PARAM_ERROR, "reserved must be NULL");
    OH_IPC_MessageOption as = { OH_IPC_REQUEST_MODE_ASYNC, 0, NULL };
    int before = atomic_load(&requests);
    is_int(OH_IPCRemoteProxy_SendRequest(px, 2, d, NULL, &as), 0, "async with NULL reply");
    is_int(atomic_load(&requests), before + 1, "async local request served");
    is_int(OH_IPCRemoteProxy_SendRequest(px, 6, d, r, NULL), 0, "context request");
    int32_t pid, local, handling;
    OH_IPCParcel_ReadInt32(r, &pid);
    OH_IPCParcel_ReadInt32(r, &local);
    OH_IPCParcel_ReadInt32(r, &handling);
    ok(pid == getpid() && local == 1 && handling == 1, "local call: own pid, IsLocalCalling, IsHandlingTransaction");

    char *desc = NULL;
    int32_t dlen = 0;
    is_int(OH_IPCRemoteProxy_GetInterfaceDescriptor(px, &desc, &dlen, test_alloc), 0, "descriptor of a local proxy");
    is_str(desc, "test.ILocal", "descriptor text");
    is_int(dlen, 12, "descriptor length counts the terminator");
    free(desc);
    is_int(OH_IPCRemoteProxy_GetInterfaceDescriptor(px, &desc, &dlen, null_alloc), OH_IPC_MEM_ALLOCATOR_ERROR,
           "descriptor with a failing allocator");

    /* Death recipients. */
    ok(OH_IPCDeathRecipient_Create(NULL, NULL, NULL) == NULL, "recipient needs a callback");
    OHIPCDeathRecipient *dr = OH_IPCDeathRecipient_Create(on_destroy, on_destroy, NULL);
    is_int(OH_IPCRemoteProxy_AddDeathRecipient(NULL, dr), OH_IPC_CHECK_PARAM_ERROR, "Add to NULL proxy");
    is_int(OH_IPCRemoteProxy_AddDeathRecipient(px, NULL), OH_IPC_CHECK_PARAM_ERROR, "Add NULL recipient");
    is_int(OH_IPCRemoteProxy_AddDeathRecipient(px, dr), 0, "add recipient to a local proxy");
    is_int(OH_IPCRemoteProxy_RemoveDeathRecipient(px, dr), 0, "remove it");
    is_int(OH_IPCRemoteProxy_RemoveDeathRecipient(px, dr), OH_IPC_INNER_ERROR, "removing twice fails");
    OH_IPCDeathRecipient_Destroy(dr);
    is_int(atomic_load(&destroyed), 1, "recipient destroy callback");
    atomic_store(&destroyed, 0);

    /* A proxy written and read back stays the same object. */
    OHIPCParcel *pp = OH_IPCParcel_Create();
    OH_IPCParcel_WriteRemoteProxy(pp, px);
    OHIPCRemoteProxy *px2 = OH_IPCParcel_ReadRemoteProxy(pp);
    ok(px2 == px, "proxy round trip in-process");
    OH_IPCParcel_RewindReadPosition(pp, 0);
    OHIPCRemoteStub *s3 = OH_IPCParcel_ReadRemoteStub(pp);
    ok(s3 == s, "a local proxy reads back as its stub");
    OH_IPCRemoteStub_Destroy(s3);
    OH_IPCRemoteProxy_Destroy(px2);
    OH_IPCParcel_Destroy(pp);

    OH_IPCParcel_Destroy(d);
    OH_IPCParcel_Destroy(r);
    OH_IPCRemoteProxy_Destroy(px);
    OH_IPCRemoteStub_Destroy(s);
    is_int(atomic_load(&destroyed), 0, "the parcel still holds the stub");
    OH_IPCParcel_Destroy(p);
    is_int(atomic_load(&destroyed), 1, "stub destroyed with its last reference");
}

static void test_skeleton(void)
{
    ok(OH_IPCSkeleton_GetCallingPid() == (uint64_t)getpid(), "calling pid outside a request = own pid");
    ok(OH_IPCSkeleton_GetCallingUid() == (uint64_t)getuid(), "calling uid outside a request = own uid");
    is_int(OH_IPCSkeleton_IsLocalCalling(), 1, "IsLocalCalling outside a request");
    is_int(OH_IPCSkeleton_IsHandlingTransaction(), 0, "not handling a transaction");
    ok(OH_IPCSkeleton_GetCallingTokenId() == OH_IPCSkeleton_GetSelfTokenId() &&
           OH_IPCSkeleton_GetFirstTokenId() == OH_IPCSkeleton_GetSelfTokenId(),
       "token ids agree (0 on Linux)");
    is_int(OH_IPCSkeleton_SetMaxWorkThreadNum(0), OH_IPC_CHECK_PARAM_ERROR, "max threads 0 refused");
    is_int(OH_IPCSkeleton_SetMaxWorkThreadNum(33), OH_IPC_CHECK_PARAM_ERROR, "max threads 33 refused");
    is_int(OH_IPCSkeleton_SetMaxWorkThreadNum(32), 0, "max threads 32");
    is_int(OH_IPCSkeleton_SetMaxWorkThreadNum(16), 0, "max threads back to 16");
    char *id = NULL;
    int32_t len = 0;
    is_int(OH_IPCSkeleton_ResetCallingIdentity(NULL, &len, test_alloc), OH_IPC_CHECK_PARAM_ERROR, "reset: NULL");
    is_int(OH_IPCSkeleton_ResetCallingIdentity(&id, &len, null_alloc), OH_IPC_MEM_ALLOCATOR_ERROR,
           "reset: failing allocator");
    is_int(OH_IPCSkeleton_ResetCallingIdentity(&id, &len, test_alloc), 0, "reset calling identity");
    ok(id && (int32_t)strlen(id) + 1 == len, "identity string and length");
    is_int(OH_IPCSkeleton_SetCallingIdentity(id), 0, "set it back");
    is_int(OH_IPCSkeleton_SetCallingIdentity("garbage"), OH_IPC_CHECK_PARAM_ERROR, "malformed identity refused");
    is_int(OH_IPCSkeleton_SetCallingIdentity(NULL), OH_IPC_CHECK_PARAM_ERROR, "NULL identity refused");
    free(id);
    OH_IPCSkeleton_StopWorkThread();
    ok(1, "StopWorkThread without joined threads is harmless");
}

int main(void)
{
    test_empty_and_null();
    test_typed_values();
    test_strings_buffers();
    test_bounds();
    test_token();
    test_fds_and_append();
    test_stub_and_local_proxy();
    test_skeleton();
    return tap_done();
}
