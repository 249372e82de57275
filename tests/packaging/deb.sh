#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The built Debian packages (TAP), run by `make check-deb` after `make deb`:
#   deb.sh DEB_DIR
# - lintian reports no error and no warning (overrides say why, in
#   contrib/debian/*.lintian-overrides); skipped when lintian is absent;
# - an install of the runtime package alone (dpkg -x into a scratch root, no
#   -dev package: no dpkg -i on the build machine) resolves the platform's
#   name: dlopen("libchild_process.so") and dlopen("libipc_capi.so") load
#   that tree's libraries (not some other copy on the machine), and
#   OH_Ability_StartNativeChildProcess is there;
# - the runtime package holds no header and no pkg-config file, the -dev
#   package no shared object of its own.
set -u
dir=${1:?usage: deb.sh DEB_DIR}
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }

runtime=$(ls "$dir"/libchild-process0_*.deb 2>/dev/null | head -1)
dev=$(ls "$dir"/libchild-process-dev_*.deb 2>/dev/null | head -1)
changes=$(ls "$dir"/*.changes 2>/dev/null | head -1)
if [ -z "$runtime" ] || [ -z "$dev" ]; then
    echo "1..0 # SKIP no .debs in $dir (make deb first)"
    exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ncp-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if command -v lintian >/dev/null 2>&1; then
    # Root is fine for a read-only look at our own packages.
    if lintian --fail-on error,warning "${changes:-$runtime}" >"$tmp/lintian" 2>&1; then
        ok "lintian: no error, no warning ($(grep -c '^[EW]:' "$tmp/lintian") tags)"
    else
        not_ok "lintian: no error, no warning"
    fi
    grep -v 'running with root privileges' "$tmp/lintian" | sed 's/^/#   /'
else
    skip "lintian is not installed (Debian: apt-get install lintian)"
fi

mkdir "$tmp/root"
dpkg-deb -x "$runtime" "$tmp/root"
libdir=$(dirname "$(find "$tmp/root" -name 'libchild_process.so.*' -type f | head -1)")
cat >"$tmp/probe.c" <<'EOC'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
/* dlopen()s each name as a client does; prints where each came from. */
int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        void *h = dlopen(argv[i], RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            printf("%s: %s\n", argv[i], dlerror());
            return 1;
        }
        const char *sym = strncmp(argv[i], "libchild", 8) == 0 ? "OH_Ability_StartNativeChildProcess"
                                                                : "OH_IPCParcel_Create";
        void *f = dlsym(h, sym);
        Dl_info info;
        if (!f || !dladdr(f, &info)) {
            printf("%s: no %s\n", argv[i], sym);
            return 1;
        }
        printf("%s %s %s\n", argv[i], sym, info.dli_fname);
    }
    return 0;
}
EOC
if ! ${CC:-cc} -o "$tmp/probe" "$tmp/probe.c" -ldl; then
    not_ok "the dlopen probe builds"
else
    out=$(LD_LIBRARY_PATH="$libdir" "$tmp/probe" libchild_process.so libipc_capi.so 2>&1)
    # Each symbol from that tree (libipc_capi.so is then the copy that
    # libchild_process.so already loaded by its soname).
    case "$out" in
    "libchild_process.so OH_Ability_StartNativeChildProcess $libdir/libchild_process.so
libipc_capi.so OH_IPCParcel_Create $libdir/libipc_capi.so"*) r=ok ;;
    *) r=not_ok ;;
    esac
    $r "the runtime package alone: dlopen(\"libchild_process.so\") and dlopen(\"libipc_capi.so\") load its libraries"
    echo "$out" | sed "s|$tmp/root|<runtime .deb>|g; s/^/#   /"
fi

if dpkg-deb -c "$runtime" | grep -qE '\.h$|\.pc$'; then
    not_ok "the runtime package holds no header or pkg-config file"
else
    ok "the runtime package holds no header or pkg-config file"
fi
if dpkg-deb -c "$dev" | grep -qE '\.so(\.|$)'; then
    not_ok "the -dev package holds no shared object (its links come with the runtime package)"
else
    ok "the -dev package holds no shared object (its links come with the runtime package)"
fi
echo "1..$n"
exit $failed
