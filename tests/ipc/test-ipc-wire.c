/* SPDX-License-Identifier: Apache-2.0 */
/* The frame decoder on hand-made frames (links the library's internals). */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "../tap.h"
#include "ipc/ipc_internal.h"
#include "ipc/wire.h"
#include "ipc-test-util.h"

struct frame {
    struct ipc_frame_hdr h;
    uint8_t body[256];
};

static size_t mk(struct frame *f, uint8_t type, uint16_t flags, uint32_t id, uint32_t code, uint32_t data_len,
                 uint32_t nobjs, uint8_t nfds)
{
    memset(f, 0, sizeof(*f));
    ipc_frame_hdr_init(&f->h, type, flags, id, 0, code);
    f->h.data_len = data_len;
    f->h.nobjs = nobjs;
    f->h.nfds = nfds;
    return sizeof(f->h) + data_len + nobjs * sizeof(struct ipc_wire_obj);
}

static void put_obj(struct frame *f, uint32_t i, uint32_t off, uint32_t kind, uint32_t handle)
{
    struct ipc_wire_obj o = { off, kind, handle };
    memcpy(f->body + f->h.data_len + i * sizeof(o), &o, sizeof(o));
}

static int parse_and_check(struct frame *f, size_t len, unsigned nfds)
{
    struct ipc_frame_info info;
    int r = ipc_frame_parse(f, len, nfds, &info);
    if (r < 0 || !info.body)
        return r;
    return ipc_body_check(&info, info.body, info.body_len);
}

static void test_headers(void)
{
    struct frame f;
    struct ipc_frame_info info;
    size_t n = mk(&f, IPC_FRAME_REQUEST, 0, 1, 7, 8, 0, 0);
    is_int(parse_and_check(&f, n, 0), 0, "a plain request parses");
    is_int(ipc_frame_parse(&f, n - 1, 0, &info), -EBADMSG, "one byte short");
    is_int(ipc_frame_parse(&f, n + 4, 0, &info), -EBADMSG, "trailing bytes");
    is_int(ipc_frame_parse(&f, 31, 0, &info), -EBADMSG, "shorter than a header");
    is_int(ipc_frame_parse(&f, 0, 0, &info), -EBADMSG, "empty");
    is_int(ipc_frame_parse(&f, n, 1, &info), -EBADMSG, "descriptor count mismatch");
    f.h.magic ^= 1;
    is_int(ipc_frame_parse(&f, n, 0, &info), -EBADMSG, "bad magic");
    n = mk(&f, IPC_FRAME_REQUEST, 0, 1, 7, 8, 0, 0);
    f.h.version = 2;
    is_int(ipc_frame_parse(&f, n, 0, &info), -EPROTONOSUPPORT, "unknown version");
    n = mk(&f, 9, 0, 1, 7, 0, 0, 0);
    is_int(ipc_frame_parse(&f, n, 0, &info), -EBADMSG, "unknown type");
    n = mk(&f, IPC_FRAME_REQUEST, 0x80, 1, 7, 0, 0, 0);
    is_int(ipc_frame_parse(&f, n, 0, &info), -EBADMSG, "unknown flag");
    n = mk(&f, IPC_FRAME_REQUEST, 0, 1, 7, 0, 0, 0);
    f.h.reserved[1] = 1;
    is_int(ipc_frame_parse(&f, n, 0, &info), -EBADMSG, "nonzero reserved byte");
    n = mk(&f, IPC_FRAME_REQUEST, 0, 1, 0, 0, 0, 0);
    is_int(ipc_frame_parse(&f, n, 0, &info), -EBADMSG, "request code 0");
    n = mk(&f, IPC_FRAME_REQUEST, 0, 1, 0x01000000, 0, 0, 0);
    is_int(ipc_frame_parse(&f, n, 0, &info), -EBADMSG, "request code 0x01000000");
    n = mk(&f, IPC_FRAME_REQUEST, 0, 0, 7, 0, 0, 0);
    is_int(ipc_frame_parse(&f, n, 0, &info), -EBADMSG, "sync request without id");
    n = mk(&f, IPC_FRAME_REQUEST, IPC_FF_ONEWAY, 5, 7, 0, 0, 0);
    is_int(ipc_frame_parse(&f, n, 0, &info), -EBADMSG, "oneway request with id");
    n = mk(&f, IPC_FRAME_REQUEST, 0, 1, 7, 6, 0, 0);
    is_int(ipc_frame_parse(&f, n, 0, &info), -EBADMSG, "data length not a multiple of 4");
    mk(&f, IPC_FRAME_REQUEST, 0, 1, 7, 0xfffffff0u, 0, 0);
    is_int(ipc_frame_parse(&f, sizeof(f), 0, &info), -E2BIG, "huge data length");
    mk(&f, IPC_FRAME_REQUEST, 0, 1, 7, 204804, 0, 0);
    is_int(ipc_frame_parse(&f, sizeof(f), 0, &info), -E2BIG, "data length 204804");
    n = mk(&f, IPC_FRAME_REQUEST, 0, 1, 7, 8, 2, 0);
    is_int(ipc_frame_parse(&f, n, 0, &info), -EBADMSG, "more objects than slots");
    n = mk(&f, IPC_FRAME_REPLY, IPC_FF_CHANNEL, 1, 0, 0, 0, 1);
    is_int(ipc_frame_parse(&f, n, 1, &info), -EBADMSG, "reply carrying a channel");
    n = mk(&f, IPC_FRAME_RELEASE, 0, 0, 0, 10, 0, 0);
    is_int(ipc_frame_parse(&f, sizeof(f.h) + 12, 0, &info), -EBADMSG, "release of a partial entry");
    n = mk(&f, IPC_FRAME_RELEASE, 0, 0, 0, 24, 0, 0);
    is_int(parse_and_check(&f, n, 0), 0, "release of two entries");
    n = mk(&f, IPC_FRAME_REQUEST, IPC_FF_SPILL, 1, 7, 64, 0, 0);
    is_int(ipc_frame_parse(&f, sizeof(f.h), 0, &info), -EBADMSG, "spill flag without its memfd");
    n = mk(&f, IPC_FRAME_REQUEST, IPC_FF_SPILL, 1, 7, 64, 0, 1);
    is_int(ipc_frame_parse(&f, sizeof(f.h), 1, &info), 0, "spilled body: header only");
    is_int(info.spill_idx, 0, "spill memfd index");
    is_int(ipc_frame_parse(&f, sizeof(f.h) + 64, 1, &info), -EBADMSG, "spilled body plus inline bytes");
    n = mk(&f, IPC_FRAME_REQUEST, IPC_FF_SPILL | IPC_FF_CHANNEL, 1, 7, 8, 1, 3);
    is_int(ipc_frame_parse(&f, sizeof(f.h), 3, &info), 0, "spill + channel + one parcel fd");
    ok(info.n_parcel_fds == 1 && info.spill_idx == 1 && info.channel_idx == 2, "descriptor order");
}

static void test_objects(void)
{
    struct frame f;
    size_t n = mk(&f, IPC_FRAME_REQUEST, 0, 1, 7, 24, 2, 1);
    put_obj(&f, 0, 0, IPC_WIRE_FD, 0);
    put_obj(&f, 1, 8, IPC_WIRE_SENDER_OBJ, 5);
    is_int(parse_and_check(&f, n, 1), 0, "descriptor and object");
    put_obj(&f, 1, 4, IPC_WIRE_SENDER_OBJ, 5);
    is_int(parse_and_check(&f, n, 1), -EBADMSG, "overlapping slots");
    put_obj(&f, 1, 18, IPC_WIRE_SENDER_OBJ, 5);
    is_int(parse_and_check(&f, n, 1), -EBADMSG, "unaligned slot");
    put_obj(&f, 1, 20, IPC_WIRE_SENDER_OBJ, 5);
    is_int(parse_and_check(&f, n, 1), -EBADMSG, "slot past the data");
    put_obj(&f, 1, 16, 7, 5);
    is_int(parse_and_check(&f, n, 1), -EBADMSG, "unknown object kind");
    put_obj(&f, 1, 16, IPC_WIRE_FD, 0);
    is_int(parse_and_check(&f, n, 1), -EBADMSG, "descriptor referenced twice");
    put_obj(&f, 1, 16, IPC_WIRE_FD, 1);
    is_int(parse_and_check(&f, n, 1), -EBADMSG, "descriptor index out of range");
    put_obj(&f, 0, 8, IPC_WIRE_SENDER_OBJ, 1);
    put_obj(&f, 1, 0, IPC_WIRE_FD, 0);
    is_int(parse_and_check(&f, n, 1), -EBADMSG, "objects out of order");
    n = mk(&f, IPC_FRAME_REQUEST, 0, 1, 7, 16, 1, 2);
    put_obj(&f, 0, 0, IPC_WIRE_FD, 0);
    is_int(parse_and_check(&f, n, 2), -EBADMSG, "a descriptor nobody references");
}

static int resolve_stub(void *ctx, uint32_t kind, uint32_t handle, struct ipc_obj *out)
{
    if (kind != IPC_WIRE_RECEIVER_OBJ || handle != 3)
        return -EBADMSG;
    out->kind = IPC_OBJ_STUB;
    out->stub = ipc_stub_ref(ctx);
    return 0;
}

static int noop(uint32_t c, const OHIPCParcel *d, OHIPCParcel *r, void *u)
{
    (void)c, (void)d, (void)r, (void)u;
    return 0;
}

static void test_from_wire(void)
{
    OHIPCRemoteStub *stub = OH_IPCRemoteStub_Create("w", noop, NULL, NULL);
    int base = count_fds();
    struct frame f;
    mk(&f, IPC_FRAME_REQUEST, 0, 1, 7, 28, 2, 1);
    int32_t v = 99;
    memcpy(f.body, &v, 4);
    put_obj(&f, 0, 4, IPC_WIRE_FD, 0);
    put_obj(&f, 1, 16, IPC_WIRE_RECEIVER_OBJ, 3);
    memset(f.body + 4, 0xee, 8); /* slot bytes from the wire are ignored */
    int fds[1] = { open("/dev/null", O_RDONLY | O_CLOEXEC) };
    OHIPCParcel p = { 0 };
    is_int(ipc_parcel_from_wire(&p, &f.h, f.body, fds, 1, resolve_stub, stub), 0, "build a parcel from a frame");
    is_int(fds[0], -1, "the parcel took the descriptor");
    int32_t got, fd = -1;
    ok(OH_IPCParcel_ReadInt32(&p, &got) == 0 && got == 99, "plain data");
    ok(OH_IPCParcel_ReadFileDescriptor(&p, &fd) == 0 && fd >= 0, "descriptor");
    close(fd);
    ok(OH_IPCParcel_ReadInt32(&p, &got) == 0, "data between objects");
    OHIPCRemoteStub *s = OH_IPCParcel_ReadRemoteStub(&p);
    ok(s == stub, "our own object comes back as the stub");
    OH_IPCRemoteStub_Destroy(s);
    ipc_parcel_clear(&p);

    put_obj(&f, 1, 16, IPC_WIRE_RECEIVER_OBJ, 4);
    fds[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
    OHIPCParcel q = { 0 };
    ok(ipc_parcel_from_wire(&q, &f.h, f.body, fds, 1, resolve_stub, stub) < 0, "unknown object refused");
    ipc_parcel_clear(&q);
    if (fds[0] >= 0)
        close(fds[0]);
    is_int(count_fds_settled(base), base, "no descriptor leaked on either path");
    OH_IPCRemoteStub_Destroy(stub);
}

static void test_spill(void)
{
    uint8_t data[5000];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)i;
    struct iovec iov = { data, sizeof(data) };
    int fd = ipc_spill_create(&iov, 1, sizeof(data));
    ok(fd >= 0, "spill memfd created");
    uint8_t back[5000];
    is_int(ipc_spill_read(fd, back, sizeof(back)), 0, "spill read");
    ok(memcmp(back, data, sizeof(data)) == 0, "spill content");
    is_int(ipc_spill_read(fd, back, 4999), -EBADMSG, "size mismatch refused");
    close(fd);
    int m = memfd_create("x", MFD_CLOEXEC);
    if (ftruncate(m, 5000) < 0)
        abort();
    is_int(ipc_spill_read(m, back, 5000), -EBADMSG, "unsealed memfd refused");
    close(m);
    int pp[2];
    if (pipe(pp) < 0)
        abort();
    is_int(ipc_spill_read(pp[0], back, 0), -EBADMSG, "a pipe refused (reads could block)");
    close(pp[0]);
    close(pp[1]);
}

/* One datagram of three pieces, as ipc_conn_send() gives them: small ones
 * without descriptors go out with send() from one buffer, the rest with
 * sendmsg(); the peer must see the same bytes either way. */
static bool sock_round_trip(int sv[2], size_t body_len, int fd_to_pass)
{
    static uint8_t body[3000], got[4096];
    struct ipc_frame_hdr h;
    ipc_frame_hdr_init(&h, IPC_FRAME_REQUEST, 0, 1, 0, 1);
    for (size_t i = 0; i < sizeof(body); i++)
        body[i] = (uint8_t)(i * 13);
    struct iovec iov[3] = { { &h, sizeof(h) }, { body, body_len / 2 }, { body + body_len / 2, body_len - body_len / 2 } };
    if (ipc_sock_send(sv[0], iov, 3, fd_to_pass >= 0 ? &fd_to_pass : NULL, fd_to_pass >= 0, NULL) < 0)
        return false;
    struct ipc_recv r;
    if (ipc_sock_recv(sv[1], got, sizeof(got), &r, 1000, false) != 1)
        return false;
    bool same = r.len == sizeof(h) + body_len && memcmp(got, &h, sizeof(h)) == 0 &&
                memcmp(got + sizeof(h), body, body_len) == 0 && r.nfds == (fd_to_pass >= 0);
    for (unsigned i = 0; i < r.nfds; i++)
        close(r.fds[i]);
    return same;
}

static void test_sock(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        abort();
    ok(sock_round_trip(sv, 64, -1), "a small frame arrives whole");
    ok(sock_round_trip(sv, 0, -1), "a header alone arrives whole");
    ok(sock_round_trip(sv, 2000, -1), "a larger frame arrives whole");
    ok(sock_round_trip(sv, 64, sv[0]), "a small frame with a descriptor arrives whole, with it");
    close(sv[0]);
    close(sv[1]);
}

static void test_hashmap(void)
{
    struct ipc_map m = { 0 };
    int good = 1;
    for (uint64_t i = 0; i < 5000; i++)
        good &= ipc_map_put(&m, i * 7, (void *)(uintptr_t)(i + 1)) == 0;
    for (uint64_t i = 0; i < 5000; i += 2)
        good &= ipc_map_remove(&m, i * 7) == (void *)(uintptr_t)(i + 1);
    for (uint64_t i = 0; i < 5000; i++)
        good &= ipc_map_get(&m, i * 7) == (i % 2 ? (void *)(uintptr_t)(i + 1) : NULL);
    good &= m.count == 2500;
    size_t it = 0, n = 0;
    while (ipc_map_next(&m, &it, NULL, NULL))
        n++;
    good &= n == 2500;
    ipc_map_free(&m);
    ok(good, "hash map: insert, remove, lookup, iterate");
}

int main(void)
{
    test_headers();
    test_objects();
    test_from_wire();
    test_spill();
    test_sock();
    test_hashmap();
    return tap_done();
}
