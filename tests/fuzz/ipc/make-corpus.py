#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the seed corpus of fuzz_ipc_frame (tests/fuzz/ipc/corpus/).

Each seed: one byte = number of descriptors received with the datagram,
then the datagram (doc/ipc-wire-format.md).  Run from the source tree:
    python3 tests/fuzz/ipc/make-corpus.py
"""
import os
import struct

MAGIC = 0x4B435049
REQUEST, REPLY, RELEASE = 1, 2, 3
ONEWAY, SPILL, CHANNEL, INTERNAL = 1, 2, 4, 8
FD, SENDER, RECEIVER = 1, 2, 3


def hdr(type_, flags=0, id_=1, handle=0, code=1, data_len=0, nobjs=0, nfds=0):
    return struct.pack("<IBBHIIIIIB3x", MAGIC, 1, type_, flags, id_, handle, code, data_len, nobjs, nfds)


def i32(*v):
    return b"".join(struct.pack("<i", x) for x in v)


def string(s):
    b = s.encode() + b"\0"
    return b + b"\0" * (-len(b) % 4)


def token(s):
    return i32(len(s)) + string(s)


def obj(offset, kind, handle):
    return struct.pack("<III", offset, kind, handle)


def frame(nfds, type_, data=b"", objs=(), **kw):
    body = data + b"".join(objs)
    return bytes([nfds]) + hdr(type_, data_len=len(data), nobjs=len(objs), nfds=nfds, **kw) + body


seeds = {
    "add": frame(0, REQUEST, i32(123, 456), code=2),
    "oneway": frame(0, REQUEST, i32(1), flags=ONEWAY, id_=0, code=9),
    "internal": frame(0, REQUEST, flags=INTERNAL, code=1),
    "reply": frame(0, REPLY, i32(579), code=0),
    "reply-user-error": frame(0, REPLY, code=1909123),
    "release": frame(0, RELEASE, struct.pack("<III", 5, 2, 1) + struct.pack("<III", 6, 1, 0), id_=0, code=0),
    "token-string": frame(0, REQUEST, token("ohos.ipc.IAdd") + string("hello") + i32(7), code=3),
    "int64-double": frame(0, REQUEST, struct.pack("<qd", -5, 2.5), code=4),
    "fd": frame(1, REQUEST, i32(0) + b"\0" * 8 + string("x"), (obj(4, FD, 0),), code=5),
    "fds-3": frame(3, REQUEST, b"\0" * 24, (obj(0, FD, 0), obj(8, FD, 1), obj(16, FD, 2)), code=15),
    "objects": frame(0, REQUEST, b"\0" * 24, (obj(0, SENDER, 7), obj(8, RECEIVER, 1), obj(16, SENDER, 7)), code=6),
    "channel": frame(1, REQUEST, b"\0" * 8, (obj(0, SENDER, 1),), flags=CHANNEL, code=6),
    "mixed": frame(2, REQUEST, i32(1) + b"\0" * 8 + string("s") + b"\0" * 8,
                   (obj(4, FD, 0), obj(16, RECEIVER, 2)), flags=CHANNEL, code=6),
    "buffer-4k": frame(0, REQUEST, i32(4096) + bytes(range(256)) * 16, code=8),
}
# A spilled body: header only in the datagram, the body after it becomes
# the sealed memfd (see fuzz_ipc_frame.c).
data = i32(64) + bytes(64)
seeds["spill"] = bytes([1]) + hdr(REQUEST, flags=SPILL, data_len=len(data), nfds=1, code=8) + data
seeds["spill-objs"] = (bytes([2]) + hdr(REQUEST, flags=SPILL, data_len=16, nobjs=1, nfds=2, code=8)
                       + b"\0" * 16 + obj(8, FD, 0))

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
os.makedirs(out, exist_ok=True)
for name, blob in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(blob)
print(f"{len(seeds)} seeds in {out}")
