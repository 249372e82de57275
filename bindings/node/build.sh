#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds the package's two native pieces with the system's C compiler, offline:
#   lib/ncp_node.node         the Node-API addon (links libchild_process)
#   lib/libncp-node-child.so  the entry JS children start with
#
#   build.sh [all|addon|helper] [SRCDIR] [OUTDIR]
#
# `npm install` runs it with no arguments: the library comes from pkg-config
# (child_process), node_api.h from the running node's prefix, /usr/include/node
# or /usr/local/include/node.  The project's `make` runs it with the build
# tree's library (NCP_PKG_CFLAGS, NCP_PKG_LIBS).  Other knobs: CC, CFLAGS,
# NODE, NODE_INCLUDEDIR, PKG_CONFIG.
set -eu

what=${1:-all}
here=$(cd "$(dirname "$0")" && pwd)
src=${2:-$here}
out=${3:-$here/lib}
CC=${CC:-cc}
NODE=${NODE:-node}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
CFLAGS=${CFLAGS:--O2 -g}
WARN="-std=gnu11 -Wall -Wextra -Wno-unused-parameter"

die() {
    echo "libchild-process: $*" >&2
    exit 1
}

node_include() {
    if [ -n "${NODE_INCLUDEDIR:-}" ]; then
        echo "$NODE_INCLUDEDIR"
        return
    fi
    prefix=$("$NODE" -p 'process.config.variables.node_prefix' 2>/dev/null || true)
    for d in "$prefix/include/node" /usr/include/node /usr/local/include/node; do
        if [ -f "$d/node_api.h" ]; then
            echo "$d"
            return
        fi
    done
    die "node_api.h not found: install the Node.js headers (Debian: apt-get install libnode-dev) or set NODE_INCLUDEDIR"
}

ncp_flags() {
    if [ -n "${NCP_PKG_LIBS:-}" ]; then
        NCP_CFLAGS=${NCP_PKG_CFLAGS:-}
        NCP_LIBS=$NCP_PKG_LIBS
        return
    fi
    "$PKG_CONFIG" --exists child_process 2>/dev/null ||
        die "libchild_process not found by $PKG_CONFIG (install it: make install; or set PKG_CONFIG_PATH)"
    NCP_CFLAGS=$("$PKG_CONFIG" --cflags child_process)
    libdir=$("$PKG_CONFIG" --variable=libdir child_process)
    NCP_LIBS="$("$PKG_CONFIG" --libs child_process) -Wl,-rpath,$libdir"
}

build_addon() {
    inc=$(node_include)
    ncp_flags
    # shellcheck disable=SC2086 # word splitting of the flag lists is intended
    $CC $WARN ${NCP_EXTRA_CFLAGS:-} $CFLAGS -fPIC -shared -fvisibility=hidden -pthread \
        -I"$inc" $NCP_CFLAGS "$src/src/addon.c" -o "$out/ncp_node.node" $NCP_LIBS
}

build_helper() {
    ncp_flags
    # shellcheck disable=SC2086
    $CC $WARN ${NCP_EXTRA_CFLAGS:-} $CFLAGS -fPIC -shared -fvisibility=hidden \
        $NCP_CFLAGS "$src/src/child_entry.c" -o "$out/libncp-node-child.so" -ldl
}

mkdir -p "$out"
case $what in
all) build_addon && build_helper ;;
addon) build_addon ;;
helper) build_helper ;;
*) die "usage: build.sh [all|addon|helper] [SRCDIR] [OUTDIR]" ;;
esac
