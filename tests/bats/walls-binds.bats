#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Bind walls: `ncp-run --ro-bind SRC DEST` / `--bind SRC DEST`
# (NCP_ChildProcessConfigs_AddBind) give an isolated child exactly SRC at
# DEST — read-only, or writable without exec — and nothing around it; binds
# that cannot be made safely are refused with 401.  Attempts are in
# tests/lib/probe.c.  Run as root by `make check`, and as a throwaway user by
# run-walls-unprivileged.sh.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load helpers

setup_file() {
    walls_setup_file
    export BINDS="$WALLS/binds"
    mkdir -p "$BINDS/shared/sub" "$BINDS/other" "$BINDS/rw"
    # Writable by an isolation uid's child too.
    chmod 1777 "$BINDS/rw"
    chmod 0755 "$BINDS" "$BINDS/shared" "$BINDS/shared/sub" "$BINDS/other"
    echo inside >"$BINDS/shared/file"
    echo beside >"$BINDS/beside"
    echo lone >"$BINDS/lone-file"
    chmod 0644 "$BINDS/shared/file" "$BINDS/beside" "$BINDS/lone-file"
    start_helper binds-sock unix "$BINDS/host.sock" "$WALLS/binds-sock.ready"
    wait_for "$WALLS/binds-sock.ready"
}

teardown_file() {
    walls_teardown_file
}

setup() {
    [ -x "$NCP_RUN" ] || skip "ncp-run not built"
    [ -e "$PROBE" ] || skip "libprobe.so not built"
}

# bprobe MODE [ncp-run options...] -- ATTEMPT ARG...; MODE: zygote, exec, uid.
bprobe() {
    local mode=$1 opts=()
    shift
    while [ "$1" != -- ]; do
        opts+=("$1")
        shift
    done
    shift
    case $mode in
        zygote) NCP_SPAWN_MODE=zygote run "$NCP_RUN" --isolated "${opts[@]}" --params "$*" "$PROBE:Probe" ;;
        exec) NCP_SPAWN_MODE=exec run "$NCP_RUN" --isolated "${opts[@]}" --params "$*" "$PROBE:Probe" ;;
        uid) NCP_SPAWN_MODE=zygote run "$NCP_RUN" --isolated --isolation-uid "${opts[@]}" --params "$*" "$PROBE:Probe" ;;
    esac
}

modes() {
    echo zygote
    echo exec
    have_isolation_uid && echo uid
    return 0
}

@test "--ro-bind: the child reads SRC at DEST and cannot write or change it" {
    local mode before
    before=$(stat -c '%a %u %g %Y' "$BINDS/shared/file")
    for mode in $(modes); do
        bprobe "$mode" --ro-bind "$BINDS/shared" /opt/data -- read /opt/data/file
        assert_success
        assert_line "RESULT: ok 7 bytes: inside "
        bprobe "$mode" --ro-bind "$BINDS/shared" /opt/data -- listdir /opt/data
        assert_line --regexp '^RESULT: ok .*file'
        bprobe "$mode" --ro-bind "$BINDS/shared" /opt/data -- write /opt/data/new
        assert_line --regexp '^RESULT: denied E(ROFS|ACCES) /opt/data/new'
        bprobe "$mode" --ro-bind "$BINDS/shared" /opt/data -- write /opt/data/file
        assert_line --regexp '^RESULT: denied E(ROFS|ACCES) /opt/data/file'
        bprobe "$mode" --ro-bind "$BINDS/shared" /opt/data -- truncate /opt/data/file
        assert_line --regexp '^RESULT: denied E[A-Z]+'
        bprobe "$mode" --ro-bind "$BINDS/shared" /opt/data -- mkdir /opt/data/d
        assert_line --regexp '^RESULT: denied E[A-Z]+'
    done
    [ ! -e "$BINDS/shared/new" ]
    [ ! -e "$BINDS/shared/d" ]
    [ "$(cat "$BINDS/shared/file")" = inside ]
    [ "$(stat -c '%a %u %g %Y' "$BINDS/shared/file")" = "$before" ]
}

@test "--ro-bind and --bind: nothing around SRC is reachable, nor SRC's own host path" {
    local mode opt
    for opt in --ro-bind --bind; do
        for mode in $(modes); do
            bprobe "$mode" "$opt" "$BINDS/shared" /opt/data -- read /opt/data/../beside
            assert_line --regexp '^RESULT: denied ENOENT'
            bprobe "$mode" "$opt" "$BINDS/shared" /opt/data -- read "$BINDS/beside"
            assert_line --regexp '^RESULT: denied ENOENT'
            bprobe "$mode" "$opt" "$BINDS/shared" /opt/data -- read "$BINDS/shared/file"
            assert_line --regexp '^RESULT: denied ENOENT'
            bprobe "$mode" "$opt" "$BINDS/shared" /opt/data -- connect-unix /opt/data/../host.sock
            assert_line --regexp '^RESULT: denied E[A-Z]+'
        done
    done
}

@test "--bind: the child writes in SRC through DEST, cannot run what it wrote there" {
    local mode
    for mode in $(modes); do
        rm -f "$BINDS/rw/new"
        bprobe "$mode" --bind "$BINDS/rw" /opt/data -- write /opt/data/new
        assert_success
        assert_line "RESULT: ok wrote /opt/data/new"
        [ "$(cat "$BINDS/rw/new")" = escaped ]
        bprobe "$mode" --bind "$BINDS/rw" /opt/data -- exec-written-in /opt/data
        assert_line --regexp '^RESULT: denied E(ACCES|PERM)'
        rm -f "$BINDS/rw/new" "$BINDS/rw/true-copy"
    done
}

@test "--bind: ld.so and dlopen of a file the child wrote in DEST fail" {
    local lib="$NCP_TEST_LIBDIR/libprobe-syscalls.so" mode what
    [ -e "$lib" ] || skip "libprobe-syscalls.so not built"
    for mode in $(modes); do
        for what in ldso-written dlopen-written; do
            PROBE=$lib bprobe "$mode" --bind "$BINDS/rw" /opt/data -- "$what" /opt/data
            assert_success
            assert_line --regexp '^RESULT: denied E(PERM|ACCES)'
        done
    done
    # A normal child writing in the same host directory runs both: the
    # attempts above can succeed.
    for what in ldso-written dlopen-written; do
        NCP_SPAWN_MODE=zygote run "$NCP_RUN" --params "$what $BINDS/rw" "$lib:Probe"
        assert_success
        assert_line --regexp "^RESULT: ok (ld.so ran|dlopen'ed) $BINDS/rw/"
    done
    rm -f "$BINDS/rw/true-copy" "$BINDS/rw/copy.so"
}

@test "a bound file: read-only with --ro-bind" {
    bprobe zygote --ro-bind "$BINDS/lone-file" /opt/lone -- read /opt/lone
    assert_success
    assert_line "RESULT: ok 5 bytes: lone "
    bprobe zygote --ro-bind "$BINDS/lone-file" /opt/lone -- write /opt/lone
    assert_line --regexp '^RESULT: denied E(ROFS|ACCES)'
    [ "$(cat "$BINDS/lone-file")" = lone ]
}

@test "two binds side by side give each its own source" {
    echo other >"$BINDS/other/o"
    bprobe zygote --ro-bind "$BINDS/shared" /opt/a --bind "$BINDS/other" /opt/b -- read /opt/b/o
    assert_line "RESULT: ok 6 bytes: other "
    bprobe zygote --ro-bind "$BINDS/shared" /opt/a --bind "$BINDS/other" /opt/b -- write /opt/a/x
    assert_line --regexp '^RESULT: denied E(ROFS|ACCES)'
}

# refused ARGS...: the start fails with 401 (exit status 2) and one line says why.
refused() {
    run "$NCP_RUN" --isolated "$@" --params "read /x" "$PROBE:Probe"
    assert_failure 2
    assert_output --partial 'NCP_ERR_INVALID_PARAM (401)'
}

@test "binds that cannot be made safely are refused with 401 and a line saying why" {
    local dest
    for dest in /usr/x /etc /proc/x /dev/x /sys /lib/x /run /run/child_process /run/child_process/fds/x / relative /opt/../etc; do
        refused --ro-bind "$BINDS/shared" "$dest"
        assert_output --partial 'AddBind: the destination'
    done
    refused --bind relative /opt/x
    assert_output --partial 'AddBind: the source'
    refused --ro-bind "$BINDS/absent" /opt/x
    assert_output --partial 'the source cannot be found'
    refused --ro-bind /dev/null /opt/x
    assert_output --partial 'is a device'
    # Over the data dir (the host's real one would show) and nesting binds.
    refused --ro-bind "$BINDS/shared" "$HOME"
    assert_output --partial 'would cover'
    refused --ro-bind "$BINDS/shared" /opt/a --bind "$BINDS/other" /opt/a/b
    assert_output --partial 'nests with'
    refused --ro-bind "$BINDS/shared" "$NCP_TEST_LIBDIR/sub"
    assert_output --partial "inside the library's directory"
}

@test "--ro-bind and --bind need --isolated" {
    run "$NCP_RUN" --ro-bind "$BINDS/shared" /opt/data --params "read /opt/data/file" "$PROBE:Probe"
    assert_failure 2
    assert_output --partial 'need --isolated'
}
