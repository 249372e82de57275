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

echo "1..17"
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
