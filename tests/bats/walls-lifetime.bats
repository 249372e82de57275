#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Lifetime walls: nothing an isolated child starts outlives it or the app,
# its per-app slot is out of its reach, and a wall-time limit ends it.
# Attempts come from tests/lib/probe-lifetime.c; every check is made from the
# host, by pid or process name.  Run as root by `make check`, and as a
# throwaway user by run-walls-unprivileged.sh.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load helpers

LPROBE="$NCP_TEST_LIBDIR/libprobe-lifetime.so"

setup_file() {
    LT=$(mktemp -d "${BATS_TMPDIR:-/tmp}/walls-lifetime.XXXXXX")
    chmod 0755 "$LT"
    export LT
    export HOME="$LT/home"
    export XDG_DATA_HOME="$HOME/.local/share"
    export XDG_RUNTIME_DIR="$LT/run"
    mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
    chmod 0700 "$XDG_RUNTIME_DIR"
}

teardown_file() {
    rm -rf "$LT"
}

setup() {
    [ -x "$NCP_RUN" ] || skip "ncp-run not built"
    [ -e "$LPROBE" ] || skip "libprobe-lifetime.so not built"
    # A bundle of its own per test: slots are counted per bundle.
    export NCP_BUNDLE_NAME="com.example.lifetime$BATS_TEST_NUMBER"
    # At most 12 characters: comm holds 15, the probe adds one.
    TOKEN="lt$$x$BATS_TEST_NUMBER"
    TOKEN=${TOKEN:0:12}
    PROBE_LIB="$LPROBE"
}

teardown() {
    local f
    for f in "$LT"/*.pid; do
        [ -e "$f" ] || continue
        kill -KILL "$(cat "$f")" 2>/dev/null || true
        rm -f "$f"
    done
    # An orphan a failed wall let live, so it does not outlast the suite.
    pkill -KILL -x "${TOKEN}g" 2>/dev/null || true
    pkill -KILL -x "${TOKEN}c" 2>/dev/null || true
    pkill -KILL -x "${TOKEN}a" 2>/dev/null || true
}

# start_bg NAME ARGS...: ncp-run ARGS in the background, its pid in $LT/NAME.pid.
start_bg() {
    local name=$1
    shift
    "$NCP_RUN" "$@" </dev/null >"$LT/$name.log" 2>&1 3>&- &
    echo $! >"$LT/$name.pid"
}

# --- the per-app slot ---------------------------------------------------------

@test "the slot lock is not among the child's descriptors" {
    local mode
    for mode in isolated normal; do
        PROBE_LIB="$PROBE" probe $mode fd-census
        assert_success
        assert_line --regexp '^RESULT: ok'
        refute_output --partial "/slot-"
    done
}

@test "the slot cannot be given back from inside: the limit holds while unlocked children live" {
    printf 'max_children_per_app = 2\n' >"$LT/limit2.conf"
    export NCP_CONFIG_FILE="$LT/limit2.conf"
    # Two apps' processes of one bundle, each child unlocking and closing
    # every descriptor it has, then staying.
    start_bg hold1 --isolated --params "unlock-stay" "$LPROBE:Probe"
    start_bg hold2 --params "unlock-stay" "$LPROBE:Probe"
    wait_line "$LT/hold1.log" "RESULT: ok unlocked"
    wait_line "$LT/hold2.log" "RESULT: ok unlocked"
    local mode
    for mode in isolated normal; do
        probe $mode sleep 0
        assert_failure 125
        assert_output --partial NCP_ERR_MAX_CHILD_PROCESSES_REACHED
    done
    # Their app ends: the slots are free again.
    kill -KILL "$(cat "$LT/hold1.pid")" "$(cat "$LT/hold2.pid")"
    wait
    probe isolated sleep 0
    assert_success
}

# --- the wall-time limit ------------------------------------------------------

@test "ncp-run --timeout: the child is SIGKILLed at the deadline, and the log says why" {
    local mode start took
    for mode in isolated normal; do
        start=$(date +%s%N)
        if [ $mode = isolated ]; then
            run "$NCP_RUN" --isolated --timeout 1 --params "sleep 30" "$LPROBE:Probe"
        else
            run "$NCP_RUN" --timeout 1 --params "sleep 30" "$LPROBE:Probe"
        fi
        took=$((($(date +%s%N) - start) / 1000000))
        assert_failure 137
        assert_output --partial "wall-time limit of 1000 ms"
        [ "$took" -ge 1000 ] && [ "$took" -lt 1500 ] || { echo "$mode: took $took ms"; false; }
    done
    # Within the limit nothing happens; nonsense is refused.
    run "$NCP_RUN" --timeout 5 --params "sleep 0" "$LPROBE:Probe"
    assert_success
    refute_output --partial "wall-time"
    local bad
    for bad in 0 -1 abc 1e9 ""; do
        run "$NCP_RUN" --timeout "$bad" --params "sleep 0" "$LPROBE:Probe"
        assert_failure 2
    done
}

@test "a wall-time limit in exec mode" {
    NCP_SPAWN_MODE=exec run "$NCP_RUN" --timeout 0.3 --params "sleep 30" "$LPROBE:Probe"
    assert_failure 137
    assert_output --partial "wall-time limit of 300 ms"
}

# --- nothing outlives the child -----------------------------------------------
# ncp-run is the app here: it ends with its child.  tests/unit/test-lifetime
# checks the same while the app lives on.
#
# Each check runs both ways ncp-run makes its child: through the zygote
# (NCP_SPAWN_MODE=zygote), which kills what the child left; and by itself,
# its default and NCP_SPAWN_MODE=exec (src/tools/oneshot.c): ncp-run is the
# child subreaper and kills it, and its guard when ncp-run itself is killed.
spawn_modes() {
    echo zygote
    echo exec
    echo default
}

# in_mode MODE COMMAND...: COMMAND with NCP_SPAWN_MODE for MODE (empty: the default).
in_mode() {
    local mode=$1
    shift
    [ "$mode" = default ] && mode=
    NCP_SPAWN_MODE=$mode "$@"
}

@test "a double-forked, setsid'd, SIGTERM-ignoring, undumpable grandchild is gone within a second of the child's end" {
    local mode
    for mode in $(spawn_modes); do
        in_mode "$mode" probe isolated orphan "$TOKEN"
        assert_success
        assert_line "RESULT: ok orphan left"
        gone_within 1000 "${TOKEN}g" || { echo "mode $mode"; false; }
    done
    # The same probe in a normal child: its orphan lives on (the app's own
    # code; see doc/isolation.md), so the check above sees a live one.
    probe normal orphan "$TOKEN"
    assert_success
    [ -n "$(live "${TOKEN}g")" ]
    pkill -KILL -x "${TOKEN}g"
}

@test "a child's child that stays, and its own child, are gone within a second of the child's end" {
    local mode
    for mode in $(spawn_modes); do
        in_mode "$mode" probe isolated chain "$TOKEN"
        assert_success
        assert_line "RESULT: ok chain left"
        gone_within 1000 "${TOKEN}a" || { echo "mode $mode"; false; }
        gone_within 1000 "${TOKEN}g" || { echo "mode $mode"; false; }
    done
}

@test "a grandchild is gone within a second of the app's end (the app SIGKILLed)" {
    local mode i
    for mode in $(spawn_modes); do
        in_mode "$mode" start_bg app --isolated --params "orphan-stay $TOKEN" "$LPROBE:Probe"
        wait_line "$LT/app.log" "RESULT: ok orphan left"
        for i in $(seq 1 100); do
            [ -n "$(live "${TOKEN}c")" ] && break
            sleep 0.02
        done
        [ -n "$(live "${TOKEN}c")" ] && [ -n "$(live "${TOKEN}g")" ]
        kill -KILL "$(cat "$LT/app.pid")"
        gone_within 1000 "${TOKEN}c" || { echo "mode $mode"; false; }
        gone_within 1000 "${TOKEN}g" || { echo "mode $mode"; false; }
        wait
        rm -f "$LT/app.log" "$LT/app.pid"
    done
}

@test "the child keeps the pid the app got" {
    local mode logged
    for mode in isolated normal; do
        NCP_LOG=info probe $mode pids
        assert_success
        logged=$(sed -n 's/.*started child .* (pid \([0-9]*\)).*/\1/p' <<<"$output" | head -1)
        [ -n "$logged" ]
        assert_line --regexp "^RESULT: ok pid=$logged kid-ppid=$logged kid-pid=[0-9]+$"
    done
}
