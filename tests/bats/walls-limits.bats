#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Resource-limit walls: an isolated child runs into its limits (on by
# default), and cannot use up what the host or the real user has.  Attempts
# come from tests/lib/probe-limits.c, each bounded so that a broken limit
# does not take the machine down.  Run as root by `make check`, and as a
# throwaway user by run-walls-unprivileged.sh.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load helpers

LIMPROBE="$NCP_TEST_LIBDIR/libprobe-limits.so"

setup_file() {
    LM=$(mktemp -d "${BATS_TMPDIR:-/tmp}/walls-limits.XXXXXX")
    chmod 0755 "$LM"
    export LM
    export HOME="$LM/home"
    export XDG_DATA_HOME="$HOME/.local/share"
    export XDG_RUNTIME_DIR="$LM/run"
    export NCP_BUNDLE_NAME=com.example.limits
    export DATA="$XDG_DATA_HOME/$NCP_BUNDLE_NAME"
    mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
    chmod 0700 "$XDG_RUNTIME_DIR"
}

teardown_file() {
    rm -rf "$LM"
}

setup() {
    [ -x "$NCP_RUN" ] || skip "ncp-run not built"
    [ -e "$LIMPROBE" ] || skip "libprobe-limits.so not built"
    export NCP_CONFIG_FILE=/nonexistent
}

teardown() {
    if [ -e "$LM/bg.pid" ]; then
        kill -KILL "$(cat "$LM/bg.pid")" 2>/dev/null || true
        rm -f "$LM/bg.pid"
    fi
}

# limits ARGS... -- ATTEMPT...: the probe in an isolated child with ncp-run ARGS.
limits() {
    local opts=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        opts+=("$1")
        shift
    done
    shift
    run "$NCP_RUN" --isolated "${opts[@]}" --params "$*" "$LIMPROBE:Probe"
}

# The RESULT line of FIELD ("nproc"), without "RESULT: FIELD ".
field() {
    printf '%s\n' "$output" | sed -n "s/^RESULT: $1 //p" | head -1
}

# --- defaults -------------------------------------------------------------------

@test "limits are on by default: rlimits, core 0, and the user-namespace ucounts" {
    local hard_nofile
    hard_nofile=$(ulimit -Hn)
    limits -- rlimits
    assert_success
    assert_line "RESULT: core 0 0"
    assert_line "RESULT: fsize 1073741824 1073741824"
    assert_line --regexp '^RESULT: nproc [0-9]+ 1024$'
    if [ "$hard_nofile" = unlimited ] || [ "$hard_nofile" -ge 4096 ]; then
        assert_line --regexp '^RESULT: nofile [0-9]+ 4096$'
    fi
    limits -- ucounts
    assert_success
    assert_line "RESULT: inotify_instances 16"
    assert_line "RESULT: inotify_watches 8192"
    assert_line "RESULT: fanotify_groups 16"
    assert_line "RESULT: fanotify_marks 8192"
    # Normal children are the app's own code: none of the library's limits.
    run "$NCP_RUN" --params ucounts "$LIMPROBE:Probe"
    assert_success
    refute_line "RESULT: inotify_instances 16"
}

@test "an rlimit is never raised above the app's own hard limit" {
    run bash -c 'ulimit -n 300 && NCP_LOG=info "$NCP_RUN" --isolated --params rlimits "$1:Probe" 2>&1' _ "$LIMPROBE"
    assert_success
    assert_line "RESULT: nofile 300 300"
    assert_output --partial "limits: nofile 4096 is above the app's own hard limit 300"
}

# --- processes ------------------------------------------------------------------

@test "a fork loop stops near the configured nproc" {
    # The kernel does not apply RLIMIT_NPROC to host uid 0: a root app's
    # child needs an isolation uid for it (doc/isolation.md).
    local opts=(--limit nproc=64)
    [ "$(id -u)" = 0 ] && opts+=(--isolation-uid)
    limits "${opts[@]}" -- forks 3000
    assert_success
    local n
    n=$(field forks)
    [[ "$n" == *" EAGAIN" ]] || fail "the fork loop was not stopped: $n"
    n=${n%% *}
    [ "$n" -le 64 ] && [ "$n" -ge 40 ] || fail "stopped after $n forks, not near 64"
}

@test "touching memory past RLIMIT_AS or RLIMIT_DATA fails in the child, and the app lives" {
    # The sanitizers reserve terabytes of address space: no such limit there.
    [ -z "${NCP_TEST_SANITIZE_FLAGS:-}" ] || skip "address-space limits and the sanitizers do not mix"
    local lim out mb
    for lim in as data; do
        limits --limit $lim=256M -- alloc 1024
        assert_success  # ncp-run, the app, got the child's clean exit
        out=$(field alloc)
        [[ "$out" == *" ENOMEM" ]] || fail "$lim: the allocation was not refused: $out"
        mb=${out%% *}
        [ "$mb" -lt 256 ] || fail "$lim: touched $mb MiB under a 256 MiB limit"
    done
}

# --- tmpfs caps -------------------------------------------------------------------

@test "each writable tmpfs stops at its cap with ENOSPC, and host Shmem does not grow past it" {
    local dir out bytes delta
    for dir in /tmp /dev/shm "$DATA"; do
        limits --limit tmpfs_size=8M -- fill "$dir" 64
        assert_success
        out=$(field fill)
        bytes=${out%% *}
        [[ "$out" == *" ENOSPC "* ]] || fail "$dir: no ENOSPC: $out"
        [ "$bytes" -le $((8 * 1024 * 1024)) ] || fail "$dir: wrote $bytes bytes past an 8 MiB cap"
        [ "$bytes" -ge $((7 * 1024 * 1024)) ] || fail "$dir: stopped early at $bytes bytes"
        # The machine is shared: only a growth near the 64 MiB written would
        # mean the cap did not hold.
        delta=${out##* }
        [ "$delta" -lt $((40 * 1024)) ] || fail "$dir: host Shmem grew by $delta kB"
    done
    # The default cap: 32 MiB.
    limits -- fill /dev/shm 64
    assert_success
    assert_line --regexp '^RESULT: fill 33554432 ENOSPC '
}

@test "each writable tmpfs holds at most tmpfs_inodes files" {
    local dir out n
    for dir in /tmp /dev/shm "$DATA"; do
        limits --limit tmpfs_inodes=100 -- files "$dir" 5000
        assert_success
        out=$(field files)
        [[ "$out" == *" ENOSPC" ]] || fail "$dir: no ENOSPC: $out"
        n=${out%% *}
        [ "$n" -le 100 ] || fail "$dir: $n files past a cap of 100"
    done
}

# --- signals of the kernel's limits ------------------------------------------------

@test "RLIMIT_FSIZE: writing past it kills the child with SIGXFSZ, and the log names the limit" {
    NCP_LOG=info limits --limit fsize=1M -- write /tmp/big 4000000
    assert_failure 153
    refute_line --partial "RESULT: wrote"
    assert_output --partial "killed by SIGXFSZ"
    assert_output --partial "file size limit (RLIMIT_FSIZE"
}

@test "RLIMIT_CPU: a spin is stopped with SIGXCPU, and the log names the limit" {
    NCP_LOG=info limits --limit cpu=1 -- spin 30
    assert_failure 152
    refute_line "RESULT: spun"
    assert_output --partial "CPU time limit (RLIMIT_CPU"
}

# --- the real user's quotas -----------------------------------------------------

@test "the child exhausts its own inotify instances; the app's inotify_init1 still works" {
    "$NCP_RUN" --isolated --params "inotify 200 30" "$LIMPROBE:Probe" </dev/null >"$LM/bg.log" 2>&1 &
    echo $! >"$LM/bg.pid"
    local i
    for i in $(seq 1 200); do
        grep -q "RESULT: inotify" "$LM/bg.log" && break
        sleep 0.05
    done
    run cat "$LM/bg.log"
    assert_line "RESULT: inotify 16 EMFILE"
    # While the child holds all it may have.
    run "$NCP_TOP_BUILDDIR/tests/lib/wall-helper" inotify
    assert_success
    assert_output "inotify ok"
}

# --- the ways to configure them -----------------------------------------------

@test "the policy file's limits section changes a limit; the start's value wins over it" {
    sed '1s/{/{ "limits": { "nproc": 77, "tmpfs_size": "4M", "cpu": "none" },/' "$NCP_POLICY_DIR/isolated.json" \
        >"$LM/policy.json"
    limits --policy "$LM/policy.json" -- rlimits
    assert_success
    assert_line --regexp '^RESULT: nproc [0-9]+ 77$'
    limits --policy "$LM/policy.json" -- fill /tmp 16
    assert_success
    assert_line --regexp '^RESULT: fill 4194304 ENOSPC '
    limits --policy "$LM/policy.json" --limit nproc=55 -- rlimits
    assert_success
    assert_line --regexp '^RESULT: nproc [0-9]+ 55$'
    # A bad value fails the start, naming the place.
    sed '1s/{/{ "limits": { "nproc": "lots" },/' "$NCP_POLICY_DIR/isolated.json" >"$LM/bad.json"
    limits --policy "$LM/bad.json" -- rlimits
    assert_failure
    assert_output --partial 'limits.nproc'
}

@test "child_process.conf's limit_ keys change the machine's defaults; a bad one is logged and ignored" {
    printf 'limit_nofile = 256\nlimit_fsize = none\nlimit_nproc = -5\n' >"$LM/limits.conf"
    export NCP_CONFIG_FILE="$LM/limits.conf"
    limits -- rlimits
    assert_success
    assert_line "RESULT: nofile 256 256"
    assert_line --regexp '^RESULT: nproc [0-9]+ 1024$'
    assert_output --partial 'bad value "-5" for limit_nproc'
    if [ "$(ulimit -Hf)" = unlimited ]; then
        assert_line "RESULT: fsize inf inf"
    fi
}

@test "ncp-run --limit: none turns a limit off; nonsense is refused" {
    limits --limit inotify_instances=none -- ucounts
    assert_success
    refute_line "RESULT: inotify_instances 16"
    run "$NCP_RUN" --isolated --limit nproc=0 --params rlimits "$LIMPROBE:Probe"
    assert_failure 2
    assert_output --partial "--limit nproc"
    run "$NCP_RUN" --isolated --limit bogus=1 --params rlimits "$LIMPROBE:Probe"
    assert_failure 2
    assert_output --partial "tmpfs_size"
    run "$NCP_RUN" --isolated --limit tmpfs_size=12Q --params rlimits "$LIMPROBE:Probe"
    assert_failure 2
    run "$NCP_RUN" --limit nproc=10 --params rlimits "$LIMPROBE:Probe"
    assert_failure 2
    assert_output --partial "needs --isolated"
}

@test "ncp-run --doctor shows the limits in force and where they come from, and says there are no cgroup limits" {
    run "$NCP_RUN" --doctor
    assert_line --regexp '^  limit: size of each writable tmpfs +32 MiB \(default\)$'
    assert_line --regexp '^  limit: core dump size \(RLIMIT_CORE\) +0 bytes \(default\)$'
    assert_line --regexp '^  limit: cgroup v2 \(memory, pids, cpu\) +none \('
    printf 'limit_tmpfs_size = 64M\n' >"$LM/doctor.conf"
    NCP_CONFIG_FILE="$LM/doctor.conf" run "$NCP_RUN" --doctor --json
    assert_output --partial '"limit_tmpfs_size": { "kind": "fact", "label": "limit: size of each writable tmpfs", "value": 67108864'
    assert_output --partial '"cgroup_limits": { "kind": "fact", "label": "limit: cgroup v2 (memory, pids, cpu)", "value": false'
}
