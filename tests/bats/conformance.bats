#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# A child's end is logged before a wait returns it: ncp-run on a crashing
# entry exits right after NCP_WaitChildProcess, and the line must be there.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

setup() {
    export NCP_BUNDLE_NAME=com.example.conformance
    LIB="$NCP_TEST_LIBDIR/libtestentry.so"
}

@test "ncp-run on an entry that segfaults: the library's line naming the signal, 20 runs of 20" {
    logged=0
    for i in $(seq 20); do
        run env NCP_LOG=info "$NCP_RUN" --params segv "$LIB:Crash"
        assert_failure 139
        case "$output" in *"was killed by signal 11"*) logged=$((logged + 1)) ;; *) echo "run $i: $output" ;; esac
    done
    [ "$logged" = 20 ]
}
