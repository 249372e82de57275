#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The syscall walls of an isolated child: the seccomp filter (src/sandbox/seccomp.c),
# its own session keyring (src/sandbox/keyring.c), noexec on every writable mount
# (src/sandbox/mount.c) and its host name (src/sandbox/uts.c).  Every attempt goes through
# ncp-run and tests/lib/probe-syscalls.c and checks the errno the filter
# gives, which (where the kernel allows it) differs from what the kernel
# itself would answer.  The last tests prove that ordinary code still works
# under the filter.  Run as root by `make check`, and as a throwaway user by
# run-walls-unprivileged.sh.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load helpers

setup_file() {
    export NCP_BUNDLE_NAME=com.example.walls-syscalls
    unset NCP_LANDLOCK_ABI
    SYSW=$(mktemp -d "${BATS_TMPDIR:-/tmp}/walls-syscalls.XXXXXX")
    chmod 0755 "$SYSW"
    export SYSW
    export HOME="$SYSW/home"
    export XDG_DATA_HOME="$HOME/.local/share"
    mkdir -p "$XDG_DATA_HOME/$NCP_BUNDLE_NAME"
    # The isolated policy with a seccomp section that allows the keyring
    # calls, memfd_create and every netlink protocol.
    export ALLOW_POLICY_DIR="$SYSW/policy-allow"
    mkdir -p "$ALLOW_POLICY_DIR"
    {
        head -n -1 "$NCP_POLICY_DIR/isolated.json"
        echo '  , "seccomp": { "allow": ["keyctl", "add_key", "request_key", "memfd_create"],'
        echo '                 "socketFamilies": ["AF_NETLINK"] }'
        echo '}'
    } >"$ALLOW_POLICY_DIR/isolated.json"
}

teardown_file() {
    rm -rf "$SYSW"
}

setup() {
    [ -x "$NCP_RUN" ] || skip "ncp-run not built"
    PROBE_LIB="$NCP_TEST_LIBDIR/libprobe-syscalls.so"
    [ -e "$PROBE_LIB" ] || skip "libprobe-syscalls.so not built"
}

# denied ERRNO MODE ATTEMPT...: the attempt ran and failed with exactly ERRNO.
denied() {
    local err=$1
    shift
    probe isolated "$@"
    assert_success
    assert_line --regexp "^RESULT: denied $err( |\$)"
}

# --- mounts, a new root, namespaces --------------------------------------

@test "the mount family and the new mount API: EPERM" {
    denied EPERM sys mount null null null 0 null
    denied EPERM sys umount2 null 0
    denied EPERM sys fsopen null 0
    denied EPERM sys fsconfig -1 0 null null 0
    denied EPERM sys fsmount -1 0 0
    denied EPERM sys fspick -1 str 0
    denied EPERM sys move_mount -1 str -1 str 0
    denied EPERM sys open_tree -1 str 0
    denied EPERM sys mount_setattr -1 str 0 null 0
}

@test "pivot_root and chroot: EPERM" {
    denied EPERM sys pivot_root null null
    denied EPERM sys chroot null
}

@test "unshare and setns: EPERM" {
    denied EPERM sys unshare 0x10000000   # CLONE_NEWUSER
    denied EPERM sys unshare 0x40000000   # CLONE_NEWNET
    denied EPERM sys setns -1 0
}

@test "clone with each namespace flag: EPERM; clone3: ENOSYS" {
    local f
    # NEWUSER NEWNET NEWNS NEWUTS NEWIPC NEWPID NEWCGROUP
    for f in 0x10000000 0x40000000 0x20000 0x4000000 0x8000000 0x20000000 0x2000000; do
        denied EPERM clone "$f"
    done
    denied ENOSYS sys clone3 null 88
}

# --- the keyring ---------------------------------------------------------

@test "keyctl, add_key, request_key: EPERM" {
    denied EPERM sys keyctl 0 -3 0        # KEYCTL_GET_KEYRING_ID of @s
    denied EPERM keyring-read ncp-walls-key
    denied EPERM keyring-plant ncp-walls-planted
    denied EPERM sys request_key str str null 0
}

@test "the app's session keyring: not readable even where a policy allows keyctl" {
    command -v keyctl >/dev/null || skip "keyctl (keyutils) not installed"
    local key="ncp-walls-key-$$"
    # The control: a normal child shares the app's session keyring.
    run keyctl session - bash -c "keyctl add user $key app-secret @s >/dev/null &&
        exec \"\$NCP_RUN\" --params 'keyring-read $key' \"$PROBE_LIB:Probe\""
    assert_success
    assert_line "RESULT: ok read the key $key: app-secret"
    # An isolated child has a keyring of its own.
    run keyctl session - bash -c "keyctl add user $key app-secret @s >/dev/null &&
        NCP_POLICY_DIR=\"$ALLOW_POLICY_DIR\" exec \"\$NCP_RUN\" --isolated --params 'keyring-read $key' \"$PROBE_LIB:Probe\""
    assert_success
    assert_line --regexp '^RESULT: denied ENOKEY'
    refute_output --partial app-secret
}

@test "a key planted by an isolated child does not reach the app's session keyring" {
    command -v keyctl >/dev/null || skip "keyctl (keyutils) not installed"
    local key="ncp-walls-planted-$$"
    run keyctl session - bash -c "NCP_POLICY_DIR=\"$ALLOW_POLICY_DIR\" \"\$NCP_RUN\" --isolated \
        --params 'keyring-plant $key' \"$PROBE_LIB:Probe\";
        keyctl search @s user $key >/dev/null 2>&1 && echo PLANTED || echo NOT-PLANTED"
    assert_success
    assert_line --regexp '^RESULT: ok key planted'
    assert_line NOT-PLANTED
    refute_line PLANTED
}

# --- kernel attack surface -----------------------------------------------

@test "bpf, perf_event_open on itself, userfaultfd, io_uring: EPERM" {
    denied EPERM sys bpf 0 null 0
    denied EPERM perf-self
    denied EPERM userfaultfd
    denied EPERM io_uring
    denied EPERM sys io_uring_enter -1 0 0 0 null 0
    denied EPERM sys io_uring_register -1 0 null 0
}

@test "kexec, modules, reboot, swap, acct, syslog, quotactl, modify_ldt: EPERM" {
    denied EPERM sys kexec_load 0 0 null 0
    denied EPERM sys kexec_file_load -1 -1 0 null 0
    denied EPERM sys init_module null 0 null
    denied EPERM sys finit_module -1 null 0
    denied EPERM sys delete_module null 0
    denied EPERM sys reboot 0 0 0 null
    denied EPERM sys swapon null 0
    denied EPERM sys swapoff null
    denied EPERM sys acct null
    denied EPERM sys syslog 10 null 0
    denied EPERM sys quotactl 0 null 0 null
    if [ "$(uname -m)" = x86_64 ]; then
        denied EPERM sys modify_ldt 0 buf 16
    fi
}

@test "open_by_handle_at and name_to_handle_at: EPERM" {
    denied EPERM sys open_by_handle_at -1 null 0
    denied EPERM sys name_to_handle_at -1 null null null 0
}

@test "personality: only PER_LINUX and the query" {
    probe isolated personality 0
    assert_line --regexp '^RESULT: ok'
    probe isolated personality 0xffffffff
    assert_line --regexp '^RESULT: ok'
    denied EPERM personality 8          # PER_LINUX32
    denied EPERM personality 0x0040000  # ADDR_NO_RANDOMIZE
    denied EPERM personality 6          # PER_BSD
}

@test "ptrace, process_vm_readv/writev, kcmp, pidfd_getfd: EPERM" {
    denied EPERM ptrace-me
    denied EPERM vm-readv-self
    denied EPERM sys process_vm_writev self null 0 null 0 0
    denied EPERM kcmp-self
    denied EPERM sys pidfd_getfd -1 0 0
}

@test "ioctl TIOCSTI and TIOCLINUX, also with high bits set: EPERM; other ioctls work" {
    denied EPERM ioctl TIOCSTI
    denied EPERM ioctl TIOCSTI high
    denied EPERM ioctl TIOCLINUX
    denied EPERM ioctl TIOCLINUX high
    probe isolated ioctl FIONREAD
    assert_line --regexp '^RESULT: ok'
}

# --- sockets -------------------------------------------------------------

@test "socket families other than unix, inet, inet6 and netlink route: EAFNOSUPPORT" {
    denied EAFNOSUPPORT socket vsock stream 0
    denied EAFNOSUPPORT socket vsock stream 0 high
    denied EAFNOSUPPORT socket packet raw 0
    denied EAFNOSUPPORT socket netlink raw 15   # NETLINK_KOBJECT_UEVENT
    denied EAFNOSUPPORT socket netlink raw 4    # NETLINK_SOCK_DIAG
    denied EAFNOSUPPORT socket alg seqpacket 0
    denied EAFNOSUPPORT socket 200 stream 0
    denied EAFNOSUPPORT socketpair vsock stream 0
    denied EAFNOSUPPORT socketpair netlink raw 4
    local s
    for s in "socket unix stream 0" "socket inet dgram 0" "socket inet6 stream 0" "socket netlink raw 0" \
        "socketpair unix stream 0"; do
        probe isolated $s
        assert_line --regexp '^RESULT: ok'
    done
}

@test "a policy's seccomp section allows more" {
    NCP_POLICY_DIR="$ALLOW_POLICY_DIR" probe isolated socket netlink raw 15
    assert_line --regexp '^RESULT: ok'
    NCP_POLICY_DIR="$ALLOW_POLICY_DIR" probe isolated sys memfd_create str 0
    assert_line --regexp '^RESULT: ok'
    # What it does not name stays denied.
    NCP_POLICY_DIR="$ALLOW_POLICY_DIR" probe isolated perf-self
    assert_line --regexp '^RESULT: denied EPERM'
}

@test "a policy that allows an argument-checked syscall whole is refused" {
    local dir="$SYSW/policy-bad"
    mkdir -p "$dir"
    {
        head -n -1 "$NCP_POLICY_DIR/isolated.json"
        echo '  , "seccomp": { "allow": ["ioctl"] } }'
    } >"$dir/isolated.json"
    NCP_POLICY_DIR="$dir" probe isolated sys getpid
    assert_failure
    assert_output --partial 'seccomp.allow[0]: "ioctl" is allowed with its arguments checked'
}

# --- syscalls the filter does not know, other architectures ---------------

@test "syscalls newer than the filter's table, or none at all: ENOSYS" {
    denied ENOSYS sys 462 0 0 0                 # mseal
    denied ENOSYS sys 463 -1 null 0 null null 0 # setxattrat
    denied ENOSYS sys 457 null null 0           # statmount
    denied ENOSYS sys 467 -1 null 0 null 0      # open_tree_attr
    denied ENOSYS sys 500
}

@test "another architecture's syscalls (i386, x32): ENOSYS" {
    [ "$(uname -m)" = x86_64 ] || skip "x86_64 only"
    denied ENOSYS i386-getpid
    denied ENOSYS sys 0x40000027                # x32 getpid
}

# --- running what the child wrote ---------------------------------------

@test "ld.so of a file written to /tmp, /dev/shm or the data dir fails" {
    local d
    for d in /tmp /dev/shm data; do
        denied EPERM ldso-written "$d"
    done
}

@test "dlopen of a file written to /tmp, /dev/shm or the data dir fails" {
    local d
    for d in /tmp /dev/shm data; do
        denied EPERM dlopen-written "$d"
    done
}

@test "memfd_create + fexecve and memfd_create + dlopen fail" {
    denied ENOSYS memfd-exec
    denied ENOSYS memfd-dlopen
}

# --- the host name --------------------------------------------------------

@test "the host name is not the host's" {
    probe isolated hostname
    assert_success
    assert_line "RESULT: ok localhost (none)"
    if [ "$(uname -n)" != localhost ]; then
        refute_output --partial "$(uname -n)"
    fi
    # A normal child sees the host's.
    probe normal hostname
    assert_line --partial "RESULT: ok $(uname -n) "
}

# --- ordinary code under the filter ----------------------------------------

@test "threads, getaddrinfo on loopback, a local TCP connection work under the filter" {
    probe isolated threads
    assert_line "RESULT: ok 4 threads, sum 12"
    probe isolated getaddrinfo localhost
    assert_line --regexp '^RESULT: ok localhost -> (127\.0\.0\.1|::1)$'
    probe isolated tcp-loop
    assert_line --regexp '^RESULT: ok \[::1\]:[0-9]+ ping$'
}

@test "fork, wait4, prlimit, setrlimit and posix_spawn work under the filter" {
    probe isolated processes
    assert_line "RESULT: ok fork, wait4, prlimit, setrlimit, posix_spawn"
}

@test "the filter is on, and says so once at info level" {
    NCP_LOG=info probe isolated sys getpid
    assert_success
    assert_line --regexp '^RESULT: ok'
    assert_output --regexp 'info: seccomp: filter on \(libseccomp [0-9]+\.[0-9]+\.[0-9]+\)'
    # Once for this child: the spare the zygote builds ahead of need for the
    # next start may say it too, under its own pid, before ncp-run exits.
    local pid
    pid=$(sed -n 's/.*started child .* (pid \([0-9]*\)).*/\1/p' <<<"$output")
    [ -n "$pid" ]
    [ "$(grep -c "^child_process\[$pid\]: info: seccomp: filter on" <<<"$output")" -eq 1 ]
}
