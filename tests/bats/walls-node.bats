#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Walls from JavaScript: the JS thumbnailer example (examples/js-thumbnailer)
# makes thumbnails of a folder of images in isolated JS children (the
# Node.js package, bindings/node), and proves what such a child cannot reach:
# the app's data dir, the app's $HOME, the host's loopback.  The same runs in
# normal mode are the control (the checks can fail).  Run as root by
# `make check`, and as a throwaway user by run-walls-unprivileged.sh.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load helpers

APP="$NCP_TOP_SRCDIR/examples/js-thumbnailer/app.js"
PKG="$NCP_TOP_BUILDDIR/bindings/node"

setup_file() {
    walls_setup_file
    # The package as `npm install /path/to/bindings/node` would put it beside
    # the app, without copying the app: through NODE_PATH.
    mkdir -p "$WALLS/node_modules"
    ln -s "$PKG" "$WALLS/node_modules/libchild-process"
}

teardown_file() {
    walls_teardown_file
}

setup() {
    command -v node >/dev/null 2>&1 || skip "node is not installed"
    [ -f "$PKG/lib/ncp_node.node" ] || skip "the Node.js package is not built (configure: node package: no)"
    ! ldd "$PKG/lib/ncp_node.node" 2>/dev/null | grep -q libasan ||
        skip "sanitizer build: libchild_process cannot be loaded into node"
    export NODE_PATH="$WALLS/node_modules"
    export NCP_LIBRARY_PATH="$NCP_TOP_BUILDDIR/examples/thumbnailer/.libs"
    IN="$BATS_TEST_TMPDIR/in" OUT="$BATS_TEST_TMPDIR/out"
    mkdir -p "$IN"
    # three 8x8 gradients, each scaled to 2x2
    local i x y
    for i in 1 2 3; do
        {
            printf 'P5\n8 8\n255\n'
            for y in 0 1 2 3 4 5 6 7; do for x in 0 1 2 3 4 5 6 7; do printf "\\$(printf %03o $((y * 16 + x)))"; done; done
        } >"$IN/img$i.pgm"
    done
}

thumbnails_are_right() {
    local i
    for i in 1 2 3; do
        run head -c 11 "$OUT/img$i.pgm"
        assert_output "$(printf 'P5\n2 2\n255')"
        run bash -c "tail -c 4 '$OUT/img$i.pgm' | od -An -tu1 | tr -s ' '"
        assert_output " 25 29 89 93"
    done
}

@test "js-thumbnailer: isolated JS children scale every image of a folder" {
    run timeout 120 node "$APP" "$IN" "$OUT"
    assert_success
    assert_line --regexp '^img1\.pgm -> .*/img1\.pgm: 2x2 \(js, isolated, pid [0-9]+\)$'
    assert_line "3 images, 3 thumbnails, 0 failed"
    thumbnails_are_right
}

@test "an isolated JS child cannot list the app's data dir or \$HOME, nor reach the host's loopback" {
    run timeout 120 node "$APP" --check-walls --port "$TCP_PORT" "$IN" "$OUT"
    assert_success
    assert_line "3 images, 3 thumbnails, 0 failed"
    # Its data dir is a private empty one at the same path; of $HOME it sees
    # at most the path down to that data dir (.local), never the app's files.
    for i in 1 2 3; do
        assert_line --regexp "^img$i\.pgm: walls: data dir sees \[\], not \[[^]]*secret[^]]*\], home sees \[(\.local)?\], not \[[^]]*secret[^]]*\], host loopback ECONNREFUSED$"
    done
    thumbnails_are_right
}

@test "control: the same JS children in normal mode see the data dir, \$HOME and the host's loopback" {
    run timeout 120 node "$APP" --normal --check-walls --port "$TCP_PORT" "$IN" "$OUT"
    assert_success
    assert_line --regexp "^img1\.pgm: walls: data dir sees \[[^]]*secret[^]]*\], not \[\], home sees \[[^]]*secret[^]]*\], not \[\], host loopback connected$"
}

@test "js-thumbnailer --native: isolated native children started from JS do not see the app's files" {
    [ -e "$NCP_LIBRARY_PATH/libthumbnailer.so" ] || skip "examples/thumbnailer/libthumbnailer.so not built"
    run timeout 120 node "$APP" --native --check-walls "$IN" "$OUT"
    assert_success
    assert_line --regexp '^img2\.pgm -> .*/img2\.pgm: 2x2 \(native, isolated, pid [0-9]+\)$'
    assert_line --regexp "^img2\.pgm: walls: $DATA/[^ ]+ not visible$"
    thumbnails_are_right
    # the control
    run timeout 120 node "$APP" --native --normal --check-walls "$IN" "$OUT"
    assert_line --regexp "^img2\.pgm: walls: $DATA/[^ ]+ visible \(native, normal, pid [0-9]+\)$"
}
