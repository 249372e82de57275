#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The wall suite: every test tries one way out of an isolated child (through
# ncp-run and the probe library, tests/lib/probe.c) and asserts it fails;
# where the spec says a normal child shares the thing (the app's data dir, the
# network, the user's files), it asserts that the same attempt works there.
# Run as root by `make check`, and as a throwaway user by
# run-walls-unprivileged.sh.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load helpers

setup_file() {
    walls_setup_file
}

teardown_file() {
    walls_teardown_file
}

setup() {
    [ -x "$NCP_RUN" ] || skip "ncp-run not built"
    [ -e "$PROBE" ] || skip "libprobe.so not built"
    rm -f "$WALLS/sentinel.marker"
}

# --- files ------------------------------------------------------------------

@test "read a secret in the app's data dir" {
    probe isolated read "$DATA/secret"
    assert_denied
    probe normal read "$DATA/secret"
    assert_allowed
    assert_output --partial "app-secret"
}

@test "read a secret in \$HOME" {
    probe isolated read "$HOME/secret"
    assert_denied
    probe normal read "$HOME/secret"
    assert_allowed
    assert_output --partial "home-secret"
}

@test "read a secret under /tmp" {
    probe isolated read "$WALLS/tmp-secret"
    assert_denied
    probe normal read "$WALLS/tmp-secret"
    assert_allowed
}

@test "read /etc/shadow and the host's sysfs" {
    probe isolated read /etc/shadow
    assert_denied
    probe isolated listdir /sys/class/net
    assert_denied
}

@test "write outside the sandbox" {
    local target
    for target in /usr/escaped /etc/escaped /escaped /proc/escaped /dev/escaped "$NCP_TEST_LIBDIR/escaped"; do
        probe isolated write "$target"
        assert_denied
    done
    [ ! -e /usr/escaped ] && [ ! -e /etc/escaped ] && [ ! -e /escaped ] && [ ! -e "$NCP_TEST_LIBDIR/escaped" ]
}

@test "writes to /tmp stay in the child's private /tmp" {
    # $WALLS is under /tmp: the child writes into its own tmpfs, not the host's.
    probe isolated write "$WALLS/escaped"
    assert_allowed
    [ ! -e "$WALLS/escaped" ]
    probe isolated listdir "$WALLS"
    assert_success
    refute_output --partial "tmp-secret"
}

@test "create directories and device nodes outside the sandbox" {
    probe isolated mkdir /newdir
    assert_denied
    probe isolated mkdir /usr/newdir
    assert_denied
    probe isolated mknod /tmp/null-copy
    assert_denied
    [ ! -e /newdir ] && [ ! -e /usr/newdir ]
}

@test "follow a symlink planted in the data dir to outside" {
    probe isolated symlink-follow "$DATA/link-to-home"
    assert_denied
    probe normal symlink-follow "$DATA/link-to-home"
    assert_allowed
    assert_output --partial "home-secret"
}

@test "plant a symlink from the data dir to outside and follow it" {
    probe isolated symlink-escape "$HOME/secret"
    assert_denied
    probe isolated symlink-escape /proc/1/environ
    assert_denied
}

@test "rename across directories" {
    probe isolated rename /etc/hosts "$DATA/hosts"
    assert_denied
    probe isolated rename /usr/bin/true /tmp/true
    assert_denied
    [ -e /usr/bin/true ]
}

@test "link across directories" {
    probe isolated link /usr/bin/true /tmp/true
    assert_denied
    probe isolated link /etc/hosts "$DATA/hosts"
    assert_denied
}

@test "truncate a read-only file" {
    probe isolated truncate /etc/hosts
    assert_denied
    probe isolated truncate "$PROBE"
    assert_denied
    [ -s /etc/hosts ]
    [ -s "$PROBE" ]
}

@test "list the parent's directories" {
    # $HOME holds, in the child, only the path down to the data dir.
    probe isolated listdir "$HOME"
    refute_output --partial "secret"
    probe isolated listdir /home
    assert_denied
    probe isolated listdir /
    assert_denied
    probe isolated listdir /run
    assert_denied
    probe isolated listdir /var
    assert_denied
    probe normal listdir "$HOME"
    assert_allowed
    assert_output --partial "secret"
}

@test "exec a file the child wrote" {
    probe isolated exec-written
    assert_denied
}

# --- processes ----------------------------------------------------------------

@test "read /proc/<parent>/environ" {
    probe isolated read-parent environ
    assert_denied
    probe normal read-parent environ
    assert_allowed
}

@test "read /proc/1/environ" {
    probe isolated read /proc/1/environ
    assert_denied
}

@test "read another process's /proc/PID/cmdline" {
    probe isolated read "/proc/$SENTINEL/cmdline"
    assert_denied
    probe isolated listdir /proc
    assert_denied
    probe normal read "/proc/$SENTINEL/cmdline"
    assert_allowed
    assert_output --partial "wall-helper"
}

@test "signal the parent" {
    probe isolated signal-parent
    assert_denied
    assert_output --partial "EPERM"
    probe normal signal-parent
    assert_allowed
}

@test "signal a sentinel process" {
    probe isolated kill "$SENTINEL"
    assert_denied
    sleep 0.2
    [ ! -e "$WALLS/sentinel.marker" ]
    probe normal kill "$SENTINEL"
    assert_allowed
    wait_for "$WALLS/sentinel.marker"
}

@test "kill(-1) reaches nobody" {
    probe isolated kill-all
    assert_success
    sleep 0.2
    [ ! -e "$WALLS/sentinel.marker" ]
    kill -0 "$SENTINEL"
}

@test "ptrace a host process" {
    probe isolated ptrace "$SENTINEL"
    assert_denied
    probe isolated ptrace-parent
    assert_denied
    probe normal ptrace "$SENTINEL"
    assert_allowed
}

@test "process_vm_readv a host process" {
    probe isolated process_vm_readv "$SENTINEL"
    assert_denied
    probe normal process_vm_readv "$SENTINEL"
    assert_allowed
}

# --- network ------------------------------------------------------------------

@test "connect to a TCP listener on the host's 127.0.0.1" {
    probe isolated connect-tcp "127.0.0.1:$TCP_PORT"
    assert_denied
    probe normal connect-tcp "127.0.0.1:$TCP_PORT"
    assert_allowed
}

@test "connect to a host abstract unix socket" {
    probe isolated connect-abstract "$ABSTRACT"
    assert_denied
    probe normal connect-abstract "$ABSTRACT"
    assert_allowed
}

@test "connect to a host pathname socket in /tmp" {
    probe isolated connect-unix "$WALLS/host.sock"
    assert_denied
    probe normal connect-unix "$WALLS/host.sock"
    assert_allowed
}

@test "connect to a host pathname socket in /var/tmp" {
    probe isolated connect-unix "$VARTMP/host.sock"
    assert_denied
    probe normal connect-unix "$VARTMP/host.sock"
    assert_allowed
}

@test "connect to a pathname socket in the app's data dir" {
    probe isolated connect-unix "$DATA/host.sock"
    assert_denied
    probe normal connect-unix "$DATA/host.sock"
    assert_allowed
}

@test "connect to a socket in \$XDG_RUNTIME_DIR and to the system bus" {
    probe isolated connect-unix "$XDG_RUNTIME_DIR/bus"
    assert_denied
    probe isolated connect-unix /run/dbus/system_bus_socket
    assert_denied
    probe normal connect-unix "$XDG_RUNTIME_DIR/bus"
    assert_allowed
}

@test "network devices: only lo, and it is up" {
    probe isolated count-netdevs
    assert_success
    assert_line "RESULT: ok 1 lo:up"
}

@test "the isolated child uses its own loopback" {
    probe isolated loopback-echo
    assert_allowed
    probe normal loopback-echo
    assert_allowed
}

# --- privileges -----------------------------------------------------------------

@test "mount, remount and unmount" {
    probe isolated mount
    assert_denied
    probe isolated remount-rw
    assert_denied
    probe isolated umount /proc
    assert_denied
}

@test "unshare(CLONE_NEWUSER) and unshare(CLONE_NEWNET)" {
    probe isolated unshare-user
    assert_denied
    probe isolated unshare-net
    assert_denied
}

@test "setns into a host namespace" {
    probe isolated setns
    assert_denied
}

@test "chroot, sethostname, open_by_handle_at" {
    probe isolated chroot
    assert_denied
    probe isolated sethostname
    assert_denied
    probe isolated open-by-handle
    assert_denied
}

@test "capabilities all zero and NoNewPrivs 1" {
    probe isolated caps
    assert_success
    local f
    for f in CapInh CapPrm CapEff CapBnd CapAmb; do
        assert_output --partial "$f=0000000000000000"
    done
    assert_output --partial "NoNewPrivs=1"
}

@test "a setuid binary gains nothing" {
    local dir=${NCP_TEST_SUID_DIR:-}
    if [ -z "$dir" ]; then
        [ "$(id -u)" = 0 ] || skip "needs root, or NCP_TEST_SUID_DIR"
        dir="$WALLS/suid"
        mkdir -p "$dir"
        cp "$PROBE" "$dir/libprobe.so"
        cp /usr/bin/id "$dir/id"
        chmod 4755 "$dir/id"
        chmod 0755 "$dir"
    fi
    PROBE_LIB="$dir/libprobe.so"
    if [ "$(id -u)" != 0 ]; then
        # Normal children run it with its privilege: the test means something.
        probe normal setuid-bin "$dir/id" -u
        assert_line "RESULT: ok output=0 status=0"
        probe isolated setuid-bin "$dir/id" -u
        assert_line "RESULT: ok output=$(id -u) status=0"
    fi
    if have_isolation_uid; then
        probe uid setuid-bin "$dir/id" -u
        assert_success
        assert_line --regexp '^RESULT: ok output=[0-9]+ status=0$'
        refute_line "RESULT: ok output=0 status=0"
    fi
}

@test "the sandbox's own libraries are gone from the child when its entry runs" {
    # libnl, libcap-ng, json-c, libseccomp and the module that used them
    # built the walls; code the entry could reuse stays out of its reach.
    probe isolated maps
    assert_success
    assert_line --regexp '^MAP: .*/libc\.so'
    assert_line --regexp "^MAP: .*/$(basename "$PROBE")\$"
    refute_line --regexp '^MAP: .*(libnl-|libnl-route|libcap-ng|libjson-c|libseccomp|ncp-sandbox\.so)'
    # A normal child never loaded them.
    probe normal maps
    assert_success
    refute_line --regexp '^MAP: .*(libnl-|libcap-ng|libjson-c|libseccomp|ncp-sandbox\.so)'
}

@test "descriptor census" {
    probe isolated fd-census
    assert_success
    # 0-2 and the launch socket the runtime keeps (the slot lock stays with
    # the app); no directory, nothing of the host's but those.
    local line fds
    line=$(grep '^RESULT: ok' <<<"$output")
    fds=$(wc -w <<<"${line#RESULT: ok }")
    [ "$fds" -le 5 ] || { echo "too many descriptors: $line"; false; }
    [[ "$line" != *"$HOME"* ]]
    [[ "$line" != *"$DATA"* ]]

    echo given >"$WALLS/given"
    run "$NCP_RUN" --isolated --fd given="$WALLS/given" --params fd-census "$PROBE:Probe"
    assert_success
    assert_output --partial "=$WALLS/given"
}

# --- the data dir -----------------------------------------------------------------

@test "the data dir is writable, private and fresh per child" {
    probe isolated datadir-list
    assert_line "RESULT: ok 0 entries: "
    probe isolated datadir-write marker
    assert_allowed
    [ ! -e "$DATA/marker" ]
    # A second child gets a fresh, empty one: the first one's is gone.
    probe isolated datadir-read marker
    assert_denied
    assert_output --partial ENOENT
    probe isolated datadir-stat
    assert_line "RESULT: ok uid=$(id -u) gid=$(id -g) mode=700"
}

@test "normal children share the app's data dir" {
    probe normal datadir-write from-normal
    assert_allowed
    [ -e "$DATA/from-normal" ]
    rm -f "$DATA/from-normal"
}

@test "the isolation uid differs from the caller's and owns the data dir" {
    have_isolation_uid || skip "no subordinate uid range for $(id -un)"
    probe uid uid
    assert_success
    local uid owner
    uid=$(sed -n 's/^RESULT: ok uid=\([0-9]*\) .*/\1/p' <<<"$output")
    owner=$(sed -n 's/^RESULT: ok .* datadir_uid=\([0-9]*\).*/\1/p' <<<"$output")
    [ -n "$uid" ] && [ "$uid" != "$(id -u)" ] && [ "$uid" != 0 ]
    [ "$owner" = "$uid" ]
    assert_output --partial "groups=0"
    probe uid datadir-write marker
    assert_allowed
    probe uid read "$DATA/secret"
    assert_denied
}

# --- Landlock ABI ------------------------------------------------------------------

@test "a forced Landlock downgrade (ABI 1) still starts and holds the fs walls" {
    export NCP_LANDLOCK_ABI=1 NCP_LOG=info
    probe isolated read /proc/1/environ
    assert_denied
    assert_output --partial "landlock: ABI 1"
    probe isolated listdir /
    assert_denied
    probe isolated write /tmp/../etc/escaped
    assert_denied
    probe isolated datadir-write downgraded
    assert_allowed
    probe isolated loopback-echo
    assert_allowed
    unset NCP_LANDLOCK_ABI NCP_LOG
}

@test "the best Landlock ABI is logged" {
    export NCP_LOG=info
    probe isolated uid
    assert_success
    assert_output --regexp "landlock: ABI [0-9]+, enforced: fs\([a-z_,]+\), scopes\("
    unset NCP_LOG
}

# --- failing closed ----------------------------------------------------------------

@test "isolation fails closed, with cause and fix, when user namespaces are disabled" {
    command -v unshare >/dev/null || skip "unshare(1) not found"
    # user.max_user_namespaces = 0 in a user namespace of our own: the host is untouched.
    run unshare --user --map-root-user sh -c \
        'echo 0 > /proc/sys/user/max_user_namespaces && exec "$0" --isolated --params uid "$1:Probe"' "$NCP_RUN" "$PROBE"
    assert_failure 125
    assert_output --partial "NCP_ERR_NOT_SUPPORTED"
    assert_output --partial "user.max_user_namespaces = 0"
    assert_output --partial "sysctl -w user.max_user_namespaces="
    refute_line --regexp '^RESULT:'
    # A normal child still starts there.
    run unshare --user --map-root-user sh -c \
        'echo 0 > /proc/sys/user/max_user_namespaces && exec "$0" --params uid "$1:Probe"' "$NCP_RUN" "$PROBE"
    assert_success
    assert_line --regexp '^RESULT: ok uid='
}
