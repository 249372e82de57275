#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the seed corpora of the launch, policy and validate fuzz targets
(tests/fuzz/{launch,policy,validate}/corpus/).  Run from the source tree:
    python3 tests/fuzz/make-seeds.py
Input formats: see the comment at the top of each fuzz_*.c."""
import glob
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))


def write(target, name, data):
    d = os.path.join(HERE, target, "corpus")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# ---- launch: n_fds byte, struct ncp_launch_header, body (src/common/launch_spec.h) ----
# An isolated spec's body starts with its sandbox's description (src/common/sandbox_desc.h).
LAUNCH_MAGIC, REPORT_MAGIC, DESC_MAGIC = 0x4E43504C, 0x4E435052, 0x4E435344
ARGS, IPC = 1, 2
ISOLATED = 1
OWN_UID, HELPERS = 1, 2  # the description's id_flags
NONE = 2**64 - 1
# The default resource limits, in src/common/resource_limits.h's order (tmpfs_size,
# tmpfs_inodes, nproc, nofile, fsize, core, cpu, as, data, inotify
# instances and watches, fanotify groups and marks).
LIMITS = (32 << 20, 4096, 1024, 4096, 1 << 30, 0, NONE, NONE, NONE, 16, 8192, 16, 8192)


def strings(*ss):
    return b"".join(s.encode() + b"\0" for s in ss)


def desc(lib="/opt/app/lib/libentry.so", data_dir="/home/u/.local/share/app", policy="", binds=(), settings=(),
         id_flags=0, ids=(1000, 1000, 1000, 1000, 1000, 1000), range_count=0, limits=LIMITS, limits_set=0):
    body = strings(lib, data_dir, policy)
    body += b"".join(strings(src, dest) for src, dest, _ in binds)
    body += strings(*settings)
    writable = sum(1 << i for i, (_, _, w) in enumerate(binds) if w)
    hdr = struct.pack("<16I", DESC_MAGIC, 1, id_flags, *ids, range_count, len(binds), writable, len(settings),
                      limits_set, len(body), 0)
    return hdr + struct.pack("<%dQ" % len(limits), *limits) + body


def spec(kind=ARGS, flags=0, lib="/opt/app/lib/libentry.so", sym="Main", name="app:Native_libentry0",
         params="", cwd="/home/u", fd_names=(), env=("PATH=/bin",), n_fds=None, body_len=None, fd_writable=0,
         n_env_set=0, sandbox=None):
    if sandbox is None and flags & ISOLATED:
        sandbox = desc(lib=lib)
    sandbox = sandbox or b""
    body = sandbox + strings(lib, sym, name, params, cwd, *fd_names, *env)
    has_ipc = 1 if kind == IPC else 0
    hdr = struct.pack("<11I", LAUNCH_MAGIC, 7, kind, flags, len(fd_names), has_ipc, len(env), n_env_set,
                      fd_writable, len(sandbox), len(body) if body_len is None else body_len)
    if n_fds is None:
        n_fds = has_ipc + len(fd_names)
    return bytes([n_fds]) + hdr + body


def report(stage, error=0, detail="running"):
    return b"\0" + struct.pack("<IIi", REPORT_MAGIC, stage, error) + detail.encode().ljust(244, b"\0")[:244]


POLICY = open(os.path.join(TOP, "policy/isolated.json")).read()
write("launch", "args-minimal", spec())
write("launch", "args-params-fds", spec(params="mode=strict;x=1", fd_names=("in", "out", "log"),
                                        env=("PATH=/usr/bin:/bin", "LANG=C.UTF-8", "NCP_IN_CHILD=1")))
write("launch", "args-16-fds", spec(fd_names=tuple("n%02d" % i for i in range(16))))
write("launch", "ipc", spec(kind=IPC, sym="-", name="app:Native_libipcchild3"))
write("launch", "isolated-policy", spec(flags=ISOLATED, sandbox=desc(policy=POLICY)))
write("launch", "isolated-own-uid", spec(flags=ISOLATED, sandbox=desc(id_flags=OWN_UID | HELPERS,
                                                                      ids=(0, 0, 100000, 100000, 1000, 1000),
                                                                      range_count=65536)))
write("launch", "no-env", spec(env=()))
write("launch", "env-set-by-start", spec(flags=ISOLATED, env=("PATH=/bin", "NCP_IN_CHILD=1", "A=1", "B=2"), n_env_set=2))
write("launch", "isolated-limits", spec(flags=ISOLATED, sandbox=desc(limits=(8 << 20, 100, 64, 256, 1 << 20, 0, 5, NONE,
                                                                             NONE, 0, 0, 0, 0), limits_set=0x1f)))
write("launch", "isolated-binds", spec(flags=ISOLATED, sandbox=desc(binds=(("/srv/data", "/opt/data", False),
                                                                           ("/home/u/out", "/opt/out", True)),
                                                                    settings=("NCP_LOG=debug", "NCP_LANDLOCK_ABI=3"))))
write("launch", "bad-limit", spec(flags=ISOLATED, sandbox=desc(limits=(1,) + LIMITS[1:])))
write("launch", "wrong-fd-count", spec(n_fds=2, fd_names=("a", "b", "c")))
write("launch", "short-body", spec(body_len=4))
# A sandbox's description alone, as a waiting isolated child receives it (after the first byte).
write("launch", "desc-policy", b"\0" + desc(policy=POLICY, settings=("NCP_LOG=info",)))
write("launch", "desc-binds", b"\0" + desc(lib="", binds=(("/srv/a", "/a", True),), settings=("NCP_LANDLOCK_ABI=0",)))
write("launch", "report-running", report(7))
write("launch", "report-sandbox", report(3, 13, "building the sandbox (mount)"))
write("launch", "report-dlopen", report(4, 0, "libx.so: cannot open shared object file"))

# ---- policy: abi byte, variables byte, JSON text ----
for i, path in enumerate(sorted(glob.glob(os.path.join(TOP, "policy", "*.json")))):
    write("policy", "file-" + os.path.basename(path), bytes([7, 7]) + open(path, "rb").read())
POLICIES = [
    '{"ruleset":[{"handledAccessFs":["abi.all"],"scoped":["abi.all"]}],'
    '"pathBeneath":[{"allowedAccess":["abi.read_write"],"parent":["/tmp"]}]}',
    '{"abi":3,"ruleset":[{"handledAccessFs":["abi.all"]}]}',
    '{"ruleset":[{"handledAccessFs":["v2.all","v1.read_write","v5.read_execute"]}]}',
    '{"ruleset":[{"handledAccessNet":["bind_tcp","connect_tcp"]}],'
    '"netPort":[{"allowedAccess":["connect_tcp"],"port":[80,443,0,65535]}]}',
    '{"variable":[{"name":"sys","literal":["/usr","/opt"]}],'
    '"ruleset":[{"handledAccessFs":["abi.all"]}],'
    '"pathBeneath":[{"allowedAccess":["read_file"],"parent":["${sys}/lib","${data_dir}","${lib_dir}/x","/proc/${pid}","$${sys}"]}]}',
    '{"variable":[{"name":"a","literal":["/x","/y"]},{"name":"a","literal":["/z"]}],'
    '"pathBeneath":[{"allowedAccess":["abi.all"],"parent":["${a}${a}${a}"]}]}',
    '{"ruleset": [{"handledAccessFs": ["read_file",]}]}',
    '{"pathBeneath": [{"allowedAccess": ["read_file"], "parent": ["${open"]}]}',
    '{"abi": 2147483647, "ruleset":[{"scoped":["signal","abstract_unix_socket"]}]}',
    '[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]',
    '{"ruleset":[{"handledAccessFs":["\\u0000"]}]}',
]
for i, text in enumerate(POLICIES):
    write("policy", "case-%02d" % i, bytes([7, 7]) + text.encode())
# The binds section, with the bundle variable (bit 4) defined.
BINDS = ('{"binds":[{"source":"/usr/share/fonts","destination":"/opt/fonts"},'
         '{"source":"/srv/spool","destination":"/opt/spool","writable":true,"bundle":["com.example.app","x"]},'
         '{"source":"/srv/x","destination":"/opt/x","bundle":["com.example.other"]}]}')
write("policy", "binds", bytes([7, 0x17]) + BINDS.encode())
write("policy", "binds-bad", bytes([7, 0x17]) + BINDS.replace("/opt/x", "/etc/x").encode())
# The env and cwd sections.
ENV = '{"env":{"LANG":"C.UTF-8","DISPLAY":null,"EMPTY":""},"cwd":"/opt/work"}'
write("policy", "env-cwd", bytes([7, 7]) + ENV.encode())
write("policy", "env-bad", bytes([7, 7]) + ENV.replace("DISPLAY", "NCP_LOG").encode())

# ---- validate: selector byte, input (fuzz_validate.c) ----
V = {
    "entry-plain": (0, b"libentry.so:Main"),
    "entry-colons": (0, b"/opt/a:b/libx.so:Entry"),
    "entry-empty-func": (0, b"libx.so:"),
    "entry-no-colon": (0, b"libx.so"),
    "fds-sorted": (1, b"\x04out\n\x05in\n\x04log"),
    "fds-bad": (1, b"\x00neg\n\x06closed\n\xffnull\n\x04" + b"x" * 21),
    "fds-dup": (1, b"\x04a\n\x05a"),
    "fds-17": (1, b"\n".join(b"\x04n%02d" % i for i in range(17))),
    "name-ok": (2, b"My_Process_01"),
    "name-long": (2, b"a" * 65),
    "name-bad": (2, b"a-b"),
    "settings": (3, open(os.path.join(TOP, "contrib", "child_process.conf"), "rb").read()
                 if os.path.exists(os.path.join(TOP, "contrib", "child_process.conf")) else b"multi_process = on\n"),
    "settings-bad": (3, b"multi_process = maybe\nmax_children_per_app=99999\nconnect_timeout_ms = -1\nfoo\n= 3\n#x\n"
                        b"max_ipc_children_per_process = 50 # c\n" + b"x" * 600 + b"=1\n"),
    "names": (4, b"com.example.app\0Worker_1\0/opt/lib/libentry.so.1.2"),
    "names-stem": (4, b"b\0\0libfoo.sox.so.so"),
    "bundle": (5, b"com.example.app\0/home/u/.local/share"),
    "bundle-bad": (5, b"..\0relative"),
    "resolve-bare": (6, b"/nonexistent\0libx.so"),
    "resolve-path": (6, b"\0./rel/libx.so"),
}
for name, (sel, data) in V.items():
    write("validate", name, bytes([sel]) + data)
