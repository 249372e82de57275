#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Messages that must not mislead: the namespace diagnosis comes from what the
# kernel said and is the same at a start and in --doctor, a bare library
# name that is not found says where it was looked for, a bad NCP_LOG is
# reported once, a child's clean end is logged at debug level.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

setup() {
    export NCP_BUNDLE_NAME=com.example.messages
    LIB="$NCP_TEST_LIBDIR/libtestentry.so"
    TMP="$(mktemp -d "${BATS_TMPDIR:-/tmp}/messages.XXXXXX")"
    # A runtime dir of the test's own: in the nested user namespaces below
    # the caller is uid 0, and without one the slot directory would be
    # /tmp/child_process-0, which is the real root's (an unprivileged run
    # then sees it owned by nobody and refuses it).
    export XDG_RUNTIME_DIR="$TMP/run"
    mkdir -m 0700 "$XDG_RUNTIME_DIR"
}

teardown() {
    rm -rf "$TMP"
}

# in_limited_userns CMD...: runs CMD in a user namespace B inside a user
# namespace A that allows one user namespace: B's own limits read
# 2147483647, yet creating another one fails with ENOSPC (A's limit).
in_limited_userns() {
    unshare --user --map-root-user sh -c \
        'echo 1 > /proc/sys/user/max_user_namespaces && exec unshare --user --map-root-user "$@"' sh "$@"
}

@test "inside a sandbox that forbids user namespaces: the cause it is, the same at a start and in --doctor" {
    command -v unshare >/dev/null || skip "unshare not installed"
    in_limited_userns true 2>/dev/null || skip "cannot nest user namespaces here"
    run in_limited_userns cat /proc/sys/user/max_user_namespaces
    assert_output 2147483647

    run in_limited_userns "$NCP_RUN" --isolated "$LIB:Main"
    assert_failure 125
    assert_output --partial "NCP_ERR_NOT_SUPPORTED"
    refute_output --partial "raise the limit"
    assert_output --partial "No space left on device"
    assert_output --partial "forbids nested namespaces"
    start_cause=$(echo "$output" | sed -n 's/.*cannot create the namespaces (No space left on device): \(.*\); fix: .*/\1/p' | head -1)
    [ -n "$start_cause" ]

    in_limited_userns "$NCP_RUN" --doctor --json > "$TMP/report.json" 2>/dev/null || true
    run python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["checks"]["namespaces"]
print(c["holds"]); print(c["reason"])' "$TMP/report.json"
    assert_line --index 0 False
    assert_line --index 1 "$start_cause"
}

@test "a bare library name that is not found says where it was looked for" {
    NCP_LIBRARY_PATH="$TMP/a:$TMP/b" run "$NCP_RUN" libnothere.so:Main
    assert_failure 126
    assert_output --partial "libnothere.so: cannot open shared object file"
    assert_output --partial "looked in NCP_LIBRARY_PATH, LD_LIBRARY_PATH, the app's directory and its ../lib, then /etc/ld.so.cache, /lib, /usr/lib"
    # With --verbose, the app's own places by name.
    NCP_LIBRARY_PATH="$TMP/a:$TMP/b" run "$NCP_RUN" --verbose libnothere.so:Main
    assert_output --partial "library libnothere.so: not in NCP_LIBRARY_PATH ($TMP/a:$TMP/b), LD_LIBRARY_PATH ("
}

@test "a library path that is not found is not called a bare name" {
    run "$NCP_RUN" "$TMP/libnothere.so:Main"
    assert_failure 126
    refute_output --partial "looked in"
}

@test "NCP_LOG=bogus is reported once, and logging goes on at warn" {
    NCP_LOG=bogus run "$NCP_RUN" "$LIB:Main"
    assert_success
    [ "$(echo "$output" | grep -c 'NCP_LOG="bogus" is not error, warn, info or debug; using warn')" = 1 ]
    NCP_LOG=bogus run "$NCP_RUN" --isolated "$LIB:Main"
    [ "$(echo "$output" | grep -c 'NCP_LOG="bogus"')" = 1 ]
    NCP_LOG=DEBUG run "$NCP_RUN" "$LIB:Main"
    refute_output --partial "is not error, warn"
}

@test "a child's clean exit is logged once at debug level, not at info" {
    NCP_LOG=debug run "$NCP_RUN" --name Clean "$LIB:Main"
    assert_success
    [ "$(echo "$output" | grep -c 'debug: child com\.example\.messages:Clean (pid [0-9]*) exited with status 0')" = 1 ]
    NCP_LOG=info run "$NCP_RUN" --name Clean "$LIB:Main"
    refute_output --partial "exited with status"
    NCP_LOG=debug run "$NCP_RUN" --isolated --name Clean "$LIB:Main"
    [ "$(echo "$output" | grep -c 'exited with status 0')" = 1 ]
}
