#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The examples under examples/ run and do what they say.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

setup() {
    local e="$NCP_TOP_BUILDDIR/examples"
    export NCP_LIBRARY_PATH="$e/pass-by-parameter/.libs:$e/exit-callback/.libs:$e/demo/.libs:$e/ipc/.libs:$e/thumbnailer/.libs"
    TMP="$(mktemp -d "${BATS_TMPDIR:-/tmp}/examples.XXXXXX")"
}

teardown() {
    rm -rf "$TMP"
}

@test "pass-by-parameter: params and a named fd, also from a thread" {
    run "$NCP_TOP_BUILDDIR/examples/pass-by-parameter/parent" "$TMP/out.txt"
    assert_success
    assert_line "child got fd fd1 with params: testParam"
    assert_line "thread saw params: testParam"
}

@test "exit-callback: two abnormal exits reported, the clean one silent" {
    run "$NCP_TOP_BUILDDIR/examples/exit-callback/parent"
    assert_success
    assert_line --regexp "^child [0-9]+ was killed by signal 11$"
    assert_line --regexp "^child [0-9]+ was killed by signal 6$"
    assert_line "2 abnormal exits reported"
}

@test "ipc: the stub adds, then the child leaves" {
    run "$NCP_TOP_BUILDDIR/examples/ipc/parent"
    assert_success
    assert_line "123 + 456 = 579"
}

@test "thumbnailer: an isolated parser turns in into out and reaches nothing else" {
    # an 8x8 gradient, scaled to 2x2
    printf 'P5\n8 8\n255\n' > "$TMP/in.pgm"
    for y in 0 1 2 3 4 5 6 7; do for x in 0 1 2 3 4 5 6 7; do printf "\\$(printf %03o $((y * 16 + x)))"; done; done >> "$TMP/in.pgm"
    echo secret > "$TMP/secret"
    run "$NCP_TOP_BUILDDIR/examples/thumbnailer/parent" "$TMP/in.pgm" "$TMP/out.pgm" "$TMP/secret"
    assert_success
    run head -c 11 "$TMP/out.pgm"
    assert_output "$(printf 'P5\n2 2\n255')"
    run bash -c "tail -c 4 '$TMP/out.pgm' | od -An -tu1 | tr -s ' '"
    assert_output " 25 29 89 93"
}

@test "demo: the isolated column shows the walls" {
    export NCP_LIBRARY_PATH="$NCP_TOP_BUILDDIR/examples/demo/.libs"
    HOME="$TMP" XDG_DATA_HOME="$TMP/data" run "$NCP_TOP_BUILDDIR/examples/demo/demo"
    assert_success
    assert_line --regexp "^read the app's data dir \(secret.txt\) +yes +no "
    assert_line --regexp "^connect to the host's 127.0.0.1 listener +yes +no "
    assert_line --regexp "^use its own 127.0.0.1 \(listen \+ connect\) +yes +yes "
}
