#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Walls around what ncp-run hands a child on purpose: each test proves the
# child gets exactly what the option names and no more (a descriptor given
# with --fd stays read-only, ...).  The probe is tests/lib/probe-ecosystem.c.
# Run as root by `make check`, and as a throwaway user by
# run-walls-unprivileged.sh.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load helpers

ECO_PROBE="$NCP_TEST_LIBDIR/libprobe-ecosystem.so"

setup() {
    [ -x "$NCP_RUN" ] || skip "ncp-run not built"
    [ -e "$ECO_PROBE" ] || skip "libprobe-ecosystem.so not built"
    export NCP_BUNDLE_NAME=com.example.walls.ecosystem
    unset NCP_LANDLOCK_ABI
    ECO=$(mktemp -d "${BATS_TMPDIR:-/tmp}/walls-ecosystem.XXXXXX")
    chmod 0755 "$ECO"
    export HOME="$ECO/home" XDG_DATA_HOME="$ECO/home/.local/share" XDG_RUNTIME_DIR="$ECO/run"
    mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
    chmod 0700 "$XDG_RUNTIME_DIR"
    echo "the user's input" > "$ECO/input.json"
}

teardown() {
    rm -rf "$ECO"
}

# eco_probe MODE [NCP-RUN OPTION]... -- ATTEMPT [ARG]...: MODE is isolated or normal.
eco_probe() {
    local mode=$1
    shift
    local opts=()
    [ "$mode" = isolated ] && opts=(--isolated)
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        opts+=("$1")
        shift
    done
    shift
    run "$NCP_RUN" "${opts[@]}" --params "$*" "$ECO_PROBE:Probe"
}

# --- named descriptors ----------------------------------------------------------

@test "--fd: an isolated child can read the file, and cannot write, truncate or reopen it for writing" {
    eco_probe isolated --fd in="$ECO/input.json" -- fd-mode in
    assert_success
    assert_line "RESULT: ok rdonly"
    eco_probe isolated --fd in="$ECO/input.json" -- fd-read in
    assert_success
    assert_line "RESULT: ok the user's input"
    eco_probe isolated --fd in="$ECO/input.json" -- fd-write in
    assert_denied
    eco_probe isolated --fd in="$ECO/input.json" -- fd-truncate in
    assert_denied
    eco_probe isolated --fd in="$ECO/input.json" -- fd-reopen-write in
    assert_denied
    run cat "$ECO/input.json"
    assert_output "the user's input"
}

@test "--fd: a normal child gets a read-only descriptor too" {
    eco_probe normal --fd in="$ECO/input.json" -- fd-write in
    assert_denied
    run cat "$ECO/input.json"
    assert_output "the user's input"
}

@test "--fd never creates a file: a typo is an error, not an empty file" {
    run "$NCP_RUN" --isolated --fd in="$ECO/inptu.json" "$ECO_PROBE:Probe"
    assert_failure 2
    assert_output --partial "cannot open $ECO/inptu.json for reading"
    [ ! -e "$ECO/inptu.json" ]
}

@test "--fd-out: the child can write a new file, and cannot read it" {
    eco_probe isolated --fd-out out="$ECO/out.txt" -- fd-write out
    assert_success
    assert_line "RESULT: ok wrote"
    run cat "$ECO/out.txt"
    assert_output "written-by-child"
    # An existing file is truncated first, and is not readable through the descriptor.
    eco_probe isolated --fd-out out="$ECO/out.txt" -- fd-read out
    assert_denied
    [ ! -s "$ECO/out.txt" ]
}

@test "--fd-rw: the child can read and write an existing file; nothing is created" {
    eco_probe isolated --fd-rw db="$ECO/input.json" -- fd-read db
    assert_line "RESULT: ok the user's input"
    eco_probe isolated --fd-rw db="$ECO/input.json" -- fd-write db
    assert_line "RESULT: ok wrote"
    run cat "$ECO/input.json"
    assert_output "written-by-child"
    run "$NCP_RUN" --isolated --fd-rw db="$ECO/absent" "$ECO_PROBE:Probe"
    assert_failure 2
    [ ! -e "$ECO/absent" ]
}
