#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Installs the build into a scratch DESTDIR, then builds programs written from
# the spec against it with nothing but pkg-config flags, runs them, checks the
# exported symbols and that `make uninstall` removes everything.  TAP output.
set -u
top="${NCP_TOP_BUILDDIR:?}"
src="${NCP_TOP_SRCDIR:?}"
dest="$(mktemp -d "${TMPDIR:-/tmp}/ncp-install.XXXXXX")"
trap 'rm -rf "$dest"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }

echo "1..25"
make -s -C "$top" install DESTDIR="$dest" >"$dest.log" 2>&1
ok $? "make install DESTDIR=..."
[ -s "$dest.log" ] && sed 's/^/# /' "$dest.log" | grep -v "libtool: warning" | head -20
rm -f "$dest.log"

pcdir="$(dirname "$(find "$dest" -name child_process.pc | head -1)")"
runner="$(find "$dest" -name ncp-runner -type f | head -1)"
libdir="$dest$(PKG_CONFIG_PATH="$pcdir" pkg-config --variable=libdir child_process)"
export PKG_CONFIG_PATH="$pcdir" PKG_CONFIG_SYSROOT_DIR="$dest"
cflags="$(pkg-config --cflags child_process)" && libs="$(pkg-config --libs child_process)"
ok $? "pkg-config child_process resolves (with its ipc_capi requirement): $cflags $libs"
case "$runner" in */libexec/child_process/ncp-runner) r=0 ;; *) r=1 ;; esac
ok $r "the runner is installed in libexec/child_process ($runner)"
# Isolated children load the sandbox module; normal ones never carry its libraries.
[ -f "$(dirname "$runner")/ncp-sandbox.so" ] && ! ldd "$runner" | grep -qE 'libnl|libcap-ng|libjson-c'
ok $? "ncp-sandbox.so is next to the runner, which links none of libnl, libcap-ng and json-c"
ncp_run="$(find "$dest" -name ncp-run -type f | head -1)"
! readelf -d "$ncp_run" | grep -qE 'NEEDED.*(libnl|libcap-ng|libjson-c|libseccomp)'
ok $? "ncp-run loads none of the sandbox's libraries (--doctor reaches them through ncp-sandbox.so)"

mkdir -p "$dest/app/lib"
cc ${NCP_TEST_SANITIZE_FLAGS:-} -o "$dest/app/parent" "$src/examples/pass-by-parameter/parent.c" $cflags $libs &&
    cc -shared -fPIC -o "$dest/app/lib/libpassbyparam.so" "$src/examples/pass-by-parameter/child.c" $cflags $libs -pthread
ok $? "the guide's sample builds against the installed tree with only pkg-config flags"

out="$(LD_LIBRARY_PATH="$libdir" NCP_RUNNER="$runner" NCP_LIBRARY_PATH="$dest/app/lib" NCP_CONFIG_FILE=/nonexistent \
       "$dest/app/parent" "$dest/app/out.txt" 2>&1)"
case "$out" in *"child got fd fd1 with params: testParam"*"thread saw params: testParam"*) r=0 ;; *) r=1 ;; esac
ok $r "it runs against the installed library"
[ $r = 0 ] || echo "$out" | sed 's/^/# /'

# The guide's IPC sample: pkg-config child_process ipc_capi, nothing else.
ipc_flags="$(pkg-config --cflags --libs child_process ipc_capi)"
cc ${NCP_TEST_SANITIZE_FLAGS:-} -o "$dest/app/ipc-parent" "$src/examples/ipc/parent.c" $ipc_flags -pthread &&
    cc -shared -fPIC -o "$dest/app/lib/libcalculator.so" "$src/examples/ipc/child.c" $ipc_flags -pthread &&
    out="$(LD_LIBRARY_PATH="$libdir" NCP_RUNNER="$runner" NCP_LIBRARY_PATH="$dest/app/lib" NCP_CONFIG_FILE=/nonexistent \
           "$dest/app/ipc-parent" 2>&1)" && [ "$out" = "123 + 456 = 579" ]
ok $? "the guide's IPC sample builds with pkg-config child_process ipc_capi and answers 579"

# The suites written against the spec, built against the installed tree alone.
cc -shared -fPIC -o "$dest/app/lib/libtestentry.so" "$src/tests/lib/testentry.c" $cflags $libs -pthread &&
    cc -shared -fPIC -o "$dest/app/lib/libbadctor.so" "$src/tests/lib/badctor.c" $cflags &&
    cc -shared -fPIC -o "$dest/app/lib/libprobe-lifetime.so" "$src/tests/lib/probe-lifetime.c" $cflags &&
    cc ${NCP_TEST_SANITIZE_FLAGS:-} -o "$dest/app/test-children" "$src/tests/unit/test-children.c" -I"$src/tests/unit" $cflags $libs -pthread &&
    cc ${NCP_TEST_SANITIZE_FLAGS:-} -o "$dest/app/test-limits" "$src/tests/unit/test-limits.c" -I"$src/tests/unit" $cflags $libs -pthread
ok $? "the children and limits suites build with only pkg-config flags"
suite_failed=0
for t in test-children test-limits; do
    LD_LIBRARY_PATH="$libdir" NCP_RUNNER="$runner" NCP_LIBRARY_PATH="$dest/app/lib" NCP_CONFIG_FILE=/nonexistent \
        NCP_POLICY_DIR="$(dirname "$(find "$dest" -name isolated.json | head -1)")" \
        "$dest/app/$t" >"$dest/app/$t.log" 2>&1 || { suite_failed=1; grep -E '^not ok' "$dest/app/$t.log" | sed 's/^/#   /'; }
done
ok $suite_failed "and pass against the installed library, runner and policies ($(grep -c '^ok' "$dest"/app/test-*.log | awk -F: '{s+=$2} END {print s}') checks)"

printf '#include <AbilityKit/native_child_process.h>\n#include <AbilityKit/native_child_process_ext.h>\n#include <IPCKit/ipc_kit.h>\nint main(void){return OH_Ability_IsNativeChildProcessSupported() ? 0 : 1;}\n' >"$dest/app/cxx.cc"
c++ -Wall -Werror -o "$dest/app/cxx" "$dest/app/cxx.cc" $cflags $libs
ok $? "the headers compile unchanged as C++"

bad="$(nm -D --defined-only "$libdir/libchild_process.so" | awk '$2 ~ /[TDBR]/ {print $3}' | grep -v -E '^(OH_Ability_|NCP_)' | grep -v '^CHILD_PROCESS_0$')"
ok $([ -z "$bad" ] && echo 0 || echo 1) "libchild_process exports only the API"
[ -z "$bad" ] || echo "$bad" | sed 's/^/#   /'
bad="$(nm -D --defined-only "$libdir/libability_runtime.so" | awk '$2 ~ /[TDBR]/ {print $3}' | grep -v -E '^OH_AbilityRuntime_' | grep -v '^ABILITY_RUNTIME_0$')"
ok $([ -z "$bad" ] && nm -D --defined-only "$libdir/libability_runtime.so" | grep -q OH_AbilityRuntime_ReleaseChildProcessInfos && echo 0 || echo 1) "libability_runtime exports only the API"
[ -z "$bad" ] || echo "$bad" | sed 's/^/#   /'
# The newest SDK's child-process-info calls, linked the way a port links them.
printf '#include <AbilityKit/native_child_process.h>\n#include <AbilityKit/ability_runtime/child_process_info.h>\n#include <stddef.h>\nint main(void){OH_AbilityRuntime_ChildProcessInfosHandle i = NULL; uint32_t n = 1;\nif (OH_Ability_AcquireChildProcessInfos(&i, &n) != NCP_NO_ERROR || n != 0 || i) return 1;\nOH_AbilityRuntime_ReleaseChildProcessInfos(&i); return OH_AbilityRuntime_ChildProcessInfo_GetPid(NULL, NULL) == ABILITY_RUNTIME_ERROR_CODE_PARAM_INVALID ? 0 : 1;}\n' >"$dest/app/infos.c"
rt_flags="$(pkg-config --cflags --libs child_process ability_runtime)"
ok $? "pkg-config ability_runtime resolves: $rt_flags"
cc ${NCP_TEST_SANITIZE_FLAGS:-} -Wall -Werror -o "$dest/app/infos" "$dest/app/infos.c" $rt_flags &&
    c++ -Wall -Werror -x c++ -o "$dest/app/infos-cxx" "$dest/app/infos.c" $rt_flags &&
    LD_LIBRARY_PATH="$libdir" NCP_BUNDLE_NAME=com.example.installcheck "$dest/app/infos"
ok $? "OH_Ability_AcquireChildProcessInfos and libability_runtime build (C and C++) and run with pkg-config child_process ability_runtime"
soname="$(objdump -p "$libdir/libchild_process.so" | awk '/SONAME/ {print $2}')"
ok $([ "$soname" = libchild_process.so.0 ] && echo 0 || echo 1) "versioned soname ($soname)"

# The Node.js package the way an app gets it (bindings/node/README.md), offline,
# against this installed library (pkg-config) and the system's Node headers:
# `npm pack` of the source package (so its "files" list is what is tested),
# then `npm install` inside the unpacked package, and `npm install <path>`
# from a scratch app that starts a JS child and a native child with it.
node_skip=
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
    node_skip="node or npm is not installed (Debian: apt-get install nodejs npm libnode-dev)"
elif ! [ -f /usr/include/node/node_api.h ] && ! [ -f /usr/local/include/node/node_api.h ] &&
    ! [ -f "$(node -p 'process.config.variables.node_prefix' 2>/dev/null)/include/node/node_api.h" ]; then
    node_skip="no Node.js headers (node_api.h; Debian: apt-get install libnode-dev)"
elif ldd "$libdir/libchild_process.so" | grep -q libasan; then
    node_skip="sanitizer build: libchild_process cannot be loaded into node"
fi
npm_q() { npm --offline --no-audit --no-fund --loglevel=error "$@"; }
if [ -n "$node_skip" ]; then
    ok 0 "# SKIP npm install inside the package: $node_skip"
    ok 0 "# SKIP npm install <path> from an app: $node_skip"
else
    mkdir -p "$dest/npm/app/ets/process" "$dest/npm/lib" &&
        tarball="$(cd "$dest/npm" && npm_q pack "$src/bindings/node" 2>/dev/null | tail -1)" &&
        tar -xzf "$dest/npm/$tarball" -C "$dest/npm" && mv "$dest/npm/package" "$dest/npm/pkg" &&
        (cd "$dest/npm/pkg" && npm_q install >"$dest/npm/install.log" 2>&1) &&
        ldd "$dest/npm/pkg/lib/ncp_node.node" | grep -q "$libdir/libchild_process.so" &&
        [ -f "$dest/npm/pkg/lib/libncp-node-child.so" ]
    r=$?
    ok $r "npm install inside the package (from npm pack) builds the addon offline against the installed library"
    [ $r = 0 ] || sed 's/^/#   /' "$dest/npm/install.log" 2>/dev/null
    rm -f "$dest/npm/pkg/lib/ncp_node.node" "$dest/npm/pkg/lib/libncp-node-child.so"
    printf '#include <stdio.h>\n#include <string.h>\n#include <AbilityKit/native_child_process.h>\nvoid Main(NativeChildProcess_Args a)\n{\n    for (NativeChildProcess_Fd *f = a.fdList.head; f; f = f->next)\n        if (!strcmp(f->fdName, "out")) dprintf(f->fd, "native %%s\\n", a.entryParams);\n}\n' >"$dest/npm/entry.c"
    cat >"$dest/npm/app/ets/process/Hello.js" <<'EOJ'
const fs = require('node:fs');
const { ChildProcess } = require('libchild-process');
module.exports = class Hello extends ChildProcess {
  onStart(args) {
    fs.writeSync(args.fds.out, `js ${args.entryParams}\n`);
    process.exit(0);
  }
};
EOJ
    cat >"$dest/npm/app/main.mjs" <<'EOJ'
import fs from 'node:fs';
import { childProcessManager } from 'libchild-process';
const out = fs.openSync(process.argv[2], 'a');
const js = await childProcessManager.startArkChildProcess('./ets/process/Hello.ets', { entryParams: 'npm', fds: { out } });
const a = await childProcessManager.waitChildProcess(js, 30000);
const native = await childProcessManager.startNativeChildProcess('libnpmentry.so:Main', { entryParams: 'npm', fds: { out } });
const b = await childProcessManager.waitChildProcess(native, 30000);
console.log(`${a.exitCode} ${b.exitCode}`);
EOJ
    echo '{ "name": "scratch-app", "version": "1.0.0", "private": true }' >"$dest/npm/app/package.json"
    cc -shared -fPIC -o "$dest/npm/lib/libnpmentry.so" "$dest/npm/entry.c" $cflags &&
        (cd "$dest/npm/app" && npm_q install "$dest/npm/pkg" >"$dest/npm/install.log" 2>&1) &&
        out="$(cd "$dest/npm/app" && LD_LIBRARY_PATH="$libdir" NCP_RUNNER="$runner" NCP_LIBRARY_PATH="$dest/npm/lib" \
            NCP_POLICY_DIR="$(dirname "$(find "$dest" -name isolated.json | head -1)")" NCP_CONFIG_FILE=/nonexistent \
            timeout 60 node main.mjs "$dest/npm/out.txt" 2>&1)" &&
        [ "$out" = "0 0" ] && [ "$(cat "$dest/npm/out.txt")" = "js npm
native npm" ]
    r=$?
    ok $r "npm install <path> from a scratch app, offline: the app starts a JS child and a native child through it"
    [ $r = 0 ] || { echo "${out:-}"; cat "$dest/npm/install.log" "$dest/npm/out.txt"; } 2>/dev/null | sed 's/^/#   /'
    rm -rf "$dest/npm"
fi

# Documents and examples under $(docdir), as the headers and man pages say.
docdir="$(find "$dest" -type d -path '*/share/doc/libchild_process' | head -1)"
missing=
for f in LICENSE isolation.md ipc-wire-format.md doctor.md examples/pass-by-parameter/parent.c \
         examples/pass-by-parameter/child.c examples/ipc/parent.c examples/ipc/child.c examples/exit-callback/parent.c \
         examples/exit-callback/child.c examples/thumbnailer/parent.c examples/thumbnailer/child.c \
         examples/demo/demo.c examples/demo/libdemo.c; do
    [ -f "$docdir/$f" ] || missing="$missing $f"
done
ok $([ -n "$docdir" ] && [ -z "$missing" ] && echo 0 || echo 1) "the licence, documents and examples are installed in ${docdir#"$dest"}"
[ -z "$missing" ] || echo "#   missing:$missing"


# The CMake package: find_package(ChildProcess) from the DESTDIR install alone.
prefix="$dest$(PKG_CONFIG_SYSROOT_DIR= pkg-config --variable=prefix child_process)"
cmcfg="$(find "$dest" -name ChildProcessConfig.cmake | head -1)"
case "$cmcfg" in "$libdir/cmake/ChildProcess/ChildProcessConfig.cmake") r=0 ;; *) r=1 ;; esac
[ -f "$libdir/cmake/ChildProcess/ChildProcessConfigVersion.cmake" ] || r=1
ok $r "the CMake package is installed in libdir/cmake/ChildProcess (${cmcfg#"$dest"})"
if command -v cmake >/dev/null 2>&1; then
    cmb="$dest/app/cmake"
    cmake -S "$src/tests/install/cmake-sample" -B "$cmb" -DCMAKE_PREFIX_PATH="$prefix" \
          -DNCP_EXAMPLES="$docdir/examples" -DCMAKE_C_FLAGS="${NCP_TEST_SANITIZE_FLAGS:-}" >"$dest/cmake.log" 2>&1 &&
        cmake --build "$cmb" >>"$dest/cmake.log" 2>&1
    r=$?
    ok $r "a CMake project builds the installed examples with find_package(ChildProcess) and its imported targets"
    [ $r = 0 ] || tail -20 "$dest/cmake.log" | sed 's/^/#   /'
    out="$(LD_LIBRARY_PATH="$libdir" NCP_RUNNER="$runner" NCP_LIBRARY_PATH="$cmb" NCP_CONFIG_FILE=/nonexistent \
           "$cmb/parent" "$cmb/out.txt" 2>&1)" &&
        case "$out" in *"child got fd fd1 with params: testParam"*) true ;; *) false ;; esac &&
        out="$(LD_LIBRARY_PATH="$libdir" NCP_RUNNER="$runner" NCP_LIBRARY_PATH="$cmb" NCP_CONFIG_FILE=/nonexistent \
               "$cmb/ipc-parent" 2>&1)" && [ "$out" = "123 + 456 = 579" ] &&
        LD_LIBRARY_PATH="$libdir" NCP_BUNDLE_NAME=com.example.installcheck "$cmb/infos" >/dev/null
    r=$?
    ok $r "and what it built runs against the installed library"
    [ $r = 0 ] || echo "$out" | sed 's/^/#   /'
    # A version the package does not promise is refused.
    mkdir -p "$dest/app/cmake-v9"
    printf 'cmake_minimum_required(VERSION 3.13)\nproject(v9 C)\nfind_package(ChildProcess 9.0 REQUIRED)\n' \
        >"$dest/app/cmake-v9/CMakeLists.txt"
    ! cmake -S "$dest/app/cmake-v9" -B "$dest/app/cmake-v9/build" -DCMAKE_PREFIX_PATH="$prefix" >"$dest/cmake.log" 2>&1 &&
        grep -q 'version: 0\.1\.0\|ChildProcessConfigVersion' "$dest/cmake.log"
    ok $? "find_package(ChildProcess 9.0) is refused by the version file"
    rm -f "$dest/cmake.log"
else
    for t in "a CMake project builds the installed examples" "and what it built runs" "find_package(ChildProcess 9.0) is refused"; do
        n=$((n + 1)); echo "ok $n - $t # SKIP cmake not installed"
    done
fi

make -s -C "$top" uninstall DESTDIR="$dest" >/dev/null 2>&1
left="$(find "$dest" -type f -not -path "$dest/app/*")"
ok $([ -z "$left" ] && echo 0 || echo 1) "make uninstall removes every installed file"
[ -z "$left" ] || echo "$left" | sed 's/^/#   /'
# Every directory the install made in the empty DESTDIR went too (the app's
# scratch dir is this test's own).
left="$(find "$dest" -mindepth 1 -type d -not -path "$dest/app" -not -path "$dest/app/*")"
ok $([ -z "$left" ] && echo 0 || echo 1) "make uninstall leaves no directory it created"
[ -z "$left" ] || echo "$left" | sed "s|^$dest|#   |"
exit $failed
