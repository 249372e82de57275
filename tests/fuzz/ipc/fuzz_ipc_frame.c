/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: one datagram as a hostile peer would send it.
 *
 * Input: byte 0 = number of descriptors "received" with the datagram
 * (mod 254), the rest = the datagram.  When the header asks for a spilled
 * body, the bytes after the header become the sealed memfd.  The frame goes
 * through the same decoder as a live connection (ipc_frame_parse,
 * ipc_body_check, ipc_parcel_from_wire) and the resulting parcel is read with
 * every API read function. */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ipc/ipc_internal.h"
#include "ipc/wire.h"

static OHIPCRemoteStub *stub;

static int noop(uint32_t code, const OHIPCParcel *d, OHIPCParcel *r, void *u)
{
    (void)code, (void)d, (void)r, (void)u;
    return 0;
}

/* Objects of "the peer" become local proxies; ours exist for handles < 4. */
static int resolve(void *ctx, uint32_t kind, uint32_t handle, struct ipc_obj *out)
{
    (void)ctx;
    if (kind == IPC_WIRE_SENDER_OBJ) {
        out->kind = IPC_OBJ_PROXY;
        out->proxy = ipc_proxy_new_local(stub);
        return out->proxy ? 0 : -12;
    }
    if (kind == IPC_WIRE_RECEIVER_OBJ && handle < 4) {
        out->kind = IPC_OBJ_STUB;
        out->stub = ipc_stub_ref(stub);
        return 0;
    }
    return -74;
}

static void *alloc(int32_t len) { return malloc((size_t)len); }

static void read_all(OHIPCParcel *p)
{
    int32_t n = OH_IPCParcel_GetDataSize(p);
    for (int32_t pos = 0; pos < n; pos += 4) {
        int8_t i8;
        int64_t i64;
        double d;
        int32_t fd;
        char *tok = NULL;
        int32_t len;
        OH_IPCParcel_RewindReadPosition(p, (uint32_t)pos);
        OH_IPCParcel_ReadInt8(p, &i8);
        OH_IPCParcel_RewindReadPosition(p, (uint32_t)pos);
        OH_IPCParcel_ReadInt64(p, &i64);
        OH_IPCParcel_RewindReadPosition(p, (uint32_t)pos);
        OH_IPCParcel_ReadDouble(p, &d);
        OH_IPCParcel_RewindReadPosition(p, (uint32_t)pos);
        const char *s = OH_IPCParcel_ReadString(p);
        if (s)
            (void)strlen(s);
        OH_IPCParcel_RewindReadPosition(p, (uint32_t)pos);
        (void)OH_IPCParcel_ReadBuffer(p, n - pos);
        OH_IPCParcel_RewindReadPosition(p, (uint32_t)pos);
        if (OH_IPCParcel_ReadInterfaceToken(p, &tok, &len, alloc) == 0)
            free(tok);
        OH_IPCParcel_RewindReadPosition(p, (uint32_t)pos);
        if (OH_IPCParcel_ReadFileDescriptor(p, &fd) == 0)
            close(fd);
        OH_IPCParcel_RewindReadPosition(p, (uint32_t)pos);
        OH_IPCRemoteStub_Destroy(OH_IPCParcel_ReadRemoteStub(p));
        OH_IPCParcel_RewindReadPosition(p, (uint32_t)pos);
        OH_IPCRemoteProxy_Destroy(OH_IPCParcel_ReadRemoteProxy(p));
    }
    OHIPCParcel *q = OH_IPCParcel_Create();
    OH_IPCParcel_Append(q, p);
    OH_IPCParcel_Destroy(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!stub)
        stub = OH_IPCRemoteStub_Create("fuzz", noop, NULL, NULL);
    if (size < 1 || size > IPC_FRAME_MAX + 1)
        return 0;
    unsigned nfds = data[0] % (IPC_FRAME_MAX_FDS + 1);
    /* Frames are received into an aligned buffer (ipc_thread_buffer()). */
    static uint8_t *aligned;
    if (!aligned && !(aligned = malloc(IPC_FRAME_MAX + 1)))
        return 0;
    memcpy(aligned, data + 1, size - 1);
    data = aligned;
    size--;

    struct ipc_recv r = { .nfds = nfds };
    for (unsigned i = 0; i < nfds; i++)
        r.fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);

    struct ipc_frame_info info;
    size_t dlen = size;
    struct ipc_frame_hdr peek = { 0 };
    if (size >= sizeof(peek))
        memcpy(&peek, data, sizeof(peek));
    int spilled = size >= sizeof(peek) && (peek.flags & IPC_FF_SPILL);
    if (spilled)
        dlen = sizeof(struct ipc_frame_hdr);
    if (ipc_frame_parse(data, dlen, nfds, &info) == 0) {
        if (info.spill_idx >= 0 && spilled) {
            /* Put the remaining bytes into a real sealed memfd. */
            close(r.fds[info.spill_idx]);
            struct iovec iov = { (void *)(data + dlen), size - dlen };
            r.fds[info.spill_idx] = ipc_spill_create(&iov, 1, size - dlen);
        }
        const uint8_t *body;
        uint8_t *owned = NULL;
        if (ipc_frame_body(&info, data, &r, &body, &owned) == 0 && info.hdr.type != IPC_FRAME_RELEASE) {
            OHIPCParcel p = { 0 };
            if (ipc_parcel_from_wire(&p, &info.hdr, body, r.fds, info.n_parcel_fds, resolve, NULL) == 0)
                read_all(&p);
            ipc_parcel_clear(&p);
        }
        free(owned);
    }
    ipc_recv_close_fds(&r);
    return 0;
}
