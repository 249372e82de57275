#!/usr/bin/env bats
# The examples under examples/ run and do what they say.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

setup() {
    export NCP_LIBRARY_PATH="$NCP_TOP_BUILDDIR/examples/pass-by-parameter/.libs:$NCP_TOP_BUILDDIR/examples/exit-callback/.libs:$NCP_TOP_BUILDDIR/examples/demo/.libs"
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
