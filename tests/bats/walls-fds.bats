#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Descriptor walls: a directory the app passes to an isolated child gives it
# that directory and nothing around it.  The child's descriptor is one of a
# bind at /run/child_process/fds/NAME in its own root, read-only unless the
# app asked for write (NCP_ChildProcessConfigs_SetFdWritable, ncp-run
# --fd-rw); O_PATH descriptors and devices are refused with 401.  A normal
# child still gets the app's descriptor.  Attempts are in
# tests/lib/probe-host.c.  Run as root by `make check`, and as a throwaway
# user by run-walls-unprivileged.sh.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load helpers

PROBE_HOST="$NCP_TEST_LIBDIR/libprobe-host.so"

setup_file() {
    walls_setup_file
    # The passed directory, a file and a socket beside it, as the host sees them.
    export FDS="$WALLS/fds"
    mkdir -p "$FDS/shared/sub"
    chmod 0755 "$FDS" "$FDS/shared" "$FDS/shared/sub"
    echo inside >"$FDS/shared/file"
    echo beside >"$FDS/beside"
    chmod 0644 "$FDS/shared/file" "$FDS/beside"
    start_helper fds-sock unix "$FDS/host.sock" "$WALLS/fds-sock.ready"
    wait_for "$WALLS/fds-sock.ready"
}

teardown_file() {
    walls_teardown_file
}

setup() {
    [ -x "$NCP_RUN" ] || skip "ncp-run not built"
    [ -e "$PROBE_HOST" ] || skip "libprobe-host.so not built"
}

host_root() {
    stat -c '%d:%i' /
}

# Each way an isolated child is made: forked by the zygote, exec'd, with an
# isolation uid.
isolated_modes() {
    echo zygote
    echo exec
    have_isolation_uid && echo uid
    return 0
}

# in_mode MODE ncp-run-options...: runs hprobe in that mode.
in_mode() {
    local mode=$1
    shift
    case $mode in
        zygote) NCP_SPAWN_MODE=zygote hprobe --isolated "$@" ;;
        exec) NCP_SPAWN_MODE=exec hprobe --isolated "$@" ;;
        uid) NCP_SPAWN_MODE=zygote hprobe --isolated --isolation-uid "$@" ;;
    esac
}

@test "openat(fd, \"..\") from a passed directory never reaches the host's root" {
    local mode root
    root=$(host_root)
    for mode in $(isolated_modes); do
        in_mode "$mode" --fd dir="$FDS/shared" -- dirfd-walk dir
        assert_success
        assert_line --regexp '^RESULT: denied ENOENT top='
        refute_output --partial "top=$root "
    done
    # The same walk from the app's descriptor does (a normal child has it).
    hprobe --fd dir="$FDS/shared" -- dirfd-walk dir
    assert_success
    assert_line --regexp "^RESULT: ok top=$root "
}

@test "the child's descriptor names its bind, not the host path; a normal child's the host path" {
    hprobe --isolated --fd dir="$FDS/shared" -- dirfd-path dir
    assert_success
    assert_line "RESULT: ok path=/run/child_process/fds/dir o_path=0"
    hprobe --fd dir="$FDS/shared" -- dirfd-path dir
    assert_success
    assert_line "RESULT: ok path=$FDS/shared o_path=0"
}

@test "connect() to a host socket beside the passed directory fails" {
    local mode
    for mode in $(isolated_modes); do
        in_mode "$mode" --fd dir="$FDS/shared" -- dirfd-connect dir ../host.sock
        assert_success
        assert_line --regexp '^RESULT: denied E[A-Z]+'
    done
    hprobe --fd dir="$FDS/shared" -- dirfd-connect dir ../host.sock
    assert_success
    assert_line "RESULT: ok connected to a host socket"
}

@test "fchmodat, fchownat and utimensat on a file beside the passed directory fail" {
    local before mode
    before=$(stat -c '%a %u %g %Y' "$FDS/beside")
    for mode in $(isolated_modes); do
        in_mode "$mode" --fd dir="$FDS/shared" -- dirfd-change dir ../beside
        assert_success
        assert_line --regexp '^RESULT: denied ENOENT stat ../beside'
        refute_line --regexp '^RESULT: ok'
        in_mode "$mode" --fd dir="$FDS/shared" -- dirfd-read dir ../beside
        assert_line --regexp '^RESULT: denied ENOENT'
    done
    [ "$(stat -c '%a %u %g %Y' "$FDS/beside")" = "$before" ]
    # The owner's normal child can (the calls change nothing).
    hprobe --fd dir="$FDS/shared" -- dirfd-change dir ../beside
    assert_success
    assert_line "RESULT: ok fchmodat ../beside"
    assert_line "RESULT: ok utimensat ../beside"
}

@test "the child reads the passed directory; it cannot write or change anything in it" {
    local mode before
    before=$(stat -c '%a %u %g %Y' "$FDS/shared/file")
    for mode in $(isolated_modes); do
        in_mode "$mode" --fd dir="$FDS/shared" -- dirfd-read dir file
        assert_success
        assert_line "RESULT: ok read file: inside"
        in_mode "$mode" --fd dir="$FDS/shared" -- dirfd-write dir new
        assert_success
        assert_line --regexp '^RESULT: denied E(ROFS|ACCES) new'
        in_mode "$mode" --fd dir="$FDS/shared" -- dirfd-write dir file
        assert_line --regexp '^RESULT: denied E(ROFS|ACCES) file'
        in_mode "$mode" --fd dir="$FDS/shared" -- dirfd-change dir file
        refute_line --regexp '^RESULT: ok'
    done
    [ ! -e "$FDS/shared/new" ]
    [ "$(cat "$FDS/shared/file")" = inside ]
    [ "$(stat -c '%a %u %g %Y' "$FDS/shared/file")" = "$before" ]
}

@test "--fd-rw on a directory: the child writes there, and nowhere around it" {
    rm -f "$FDS/shared/written"
    hprobe --isolated --fd-rw dir="$FDS/shared" -- dirfd-write dir written
    assert_success
    assert_line "RESULT: ok wrote written"
    [ "$(cat "$FDS/shared/written")" = from-child ]
    rm -f "$FDS/shared/written"
    NCP_SPAWN_MODE=exec hprobe --isolated --fd-rw dir="$FDS/shared" -- dirfd-write dir written
    assert_line "RESULT: ok wrote written"
    rm -f "$FDS/shared/written"
    # ... from a descriptor too, and still not beside it.
    exec 7<"$FDS/shared"
    hprobe --isolated --fd-rw 'dir=&7' -- dirfd-write dir ../written
    exec 7<&-
    assert_line --regexp '^RESULT: denied E[A-Z]+'
    [ ! -e "$FDS/written" ]
    hprobe --isolated --fd-rw dir="$FDS/shared" -- dirfd-walk dir
    refute_output --partial "top=$(host_root) "
}

@test "a device descriptor is refused with 401 and a line saying why; a normal child gets it" {
    run "$NCP_RUN" --isolated --fd dev=/dev/null --params "dirfd-path dev" "$PROBE_HOST:Probe"
    assert_failure 2
    assert_output --partial 'fd "dev" = '
    assert_output --partial 'is a device'
    assert_output --partial 'NCP_ERR_INVALID_PARAM (401)'
    run "$NCP_RUN" --fd dev=/dev/null --params "dirfd-path dev" "$PROBE_HOST:Probe"
    assert_success
    assert_line --regexp '^RESULT: ok path=/dev/null'
}

@test "an O_PATH descriptor is refused with 401 and a line saying why" {
    local d
    for d in "$FDS/shared" "$FDS/beside"; do
        run "$WALL_HELPER" opath "$d" 7 "$NCP_RUN" --isolated --fd 'p=&7' --params "dirfd-path p" "$PROBE_HOST:Probe"
        assert_failure 2
        assert_output --partial 'fd "p" = 7 is an O_PATH descriptor'
        assert_output --partial 'NCP_ERR_INVALID_PARAM (401)'
    done
}

@test "files, pipes and sockets are passed as they are" {
    hprobe --isolated --fd f="$FDS/shared/file" -- dirfd-path f
    assert_success
    assert_line "RESULT: ok path=$FDS/shared/file o_path=0"
    run bash -c 'echo piped | "$0" --isolated --fd p="&0" --params "dirfd-path p" "$1:Probe"' "$NCP_RUN" "$PROBE_HOST"
    assert_success
    assert_line --regexp '^RESULT: ok path=pipe:'
}

@test "a writable mark needs a directory: on a file it is refused with 401" {
    exec 5<"$FDS/shared/file"
    run "$NCP_RUN" --isolated --fd-rw 'f=&5' --params "dirfd-path f" "$PROBE_HOST:Probe"
    exec 5<&-
    assert_failure 2
    assert_output --partial 'fd "f" is marked writable but is not a directory'
    assert_output --partial 'NCP_ERR_INVALID_PARAM (401)'
}
