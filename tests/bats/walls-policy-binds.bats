#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Policy bind walls: the "binds" section of the isolated policy
# (child_process-policy(5)) gives the isolated children of the apps it names
# exactly those host paths — read-only, or writable without exec — and
# nothing around them, nor another app's; a source this host lacks is
# skipped, a bind that cannot be made stops the child with its reason.
# Attempts are in tests/lib/probe.c.  Run as root by `make check`, and as a
# throwaway user by run-walls-unprivileged.sh.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load helpers

setup_file() {
    walls_setup_file
    export PB="$WALLS/policy-binds"
    mkdir -p "$PB/shared" "$PB/other" "$PB/rw"
    chmod 1777 "$PB/rw"
    chmod 0755 "$PB" "$PB/shared" "$PB/other"
    echo inside >"$PB/shared/file"
    echo beside >"$PB/beside"
    echo other >"$PB/other/file"
    chmod 0644 "$PB/shared/file" "$PB/beside" "$PB/other/file"
    # The shipped policy plus a binds section ($NCP_BUNDLE_NAME is this app).
    policy_with "$WALLS/binds-policy.json" "
        { \"source\": \"$PB/shared\", \"destination\": \"/opt/pol\" },
        { \"source\": \"$PB/rw\", \"destination\": \"/opt/polrw\", \"writable\": true,
          \"bundle\": [\"com.example.nobody\", \"$NCP_BUNDLE_NAME\"] },
        { \"source\": \"$PB/other\", \"destination\": \"/opt/other-app\", \"bundle\": [\"com.example.nobody\"] },
        { \"source\": \"$PB/missing\", \"destination\": \"/opt/missing\" }"
}

teardown_file() {
    walls_teardown_file
}

setup() {
    [ -x "$NCP_RUN" ] || skip "ncp-run not built"
    [ -e "$PROBE" ] || skip "libprobe.so not built"
}

# policy_with FILE ENTRIES: policy/isolated.json with "binds": [ENTRIES].
policy_with() {
    policy_plus "$1" "$(printf '"binds": [%s\n  ]' "$2")"
}

# pprobe MODE POLICY -- ATTEMPT ARG...; MODE: zygote, exec, uid.
pprobe() {
    local mode=$1 policy=$2
    shift 3
    case $mode in
        zygote) NCP_SPAWN_MODE=zygote run "$NCP_RUN" --isolated --policy "$policy" --params "$*" "$PROBE:Probe" ;;
        exec) NCP_SPAWN_MODE=exec run "$NCP_RUN" --isolated --policy "$policy" --params "$*" "$PROBE:Probe" ;;
        uid) NCP_SPAWN_MODE=zygote run "$NCP_RUN" --isolated --isolation-uid --policy "$policy" --params "$*" "$PROBE:Probe" ;;
    esac
}

modes() {
    echo zygote
    echo exec
    have_isolation_uid && echo uid
    return 0
}

@test "policy binds: the app's children read a read-only one and cannot write there" {
    local mode
    for mode in $(modes); do
        pprobe "$mode" "$WALLS/binds-policy.json" -- read /opt/pol/file
        assert_success
        assert_line "RESULT: ok 7 bytes: inside "
        pprobe "$mode" "$WALLS/binds-policy.json" -- write /opt/pol/new
        assert_line --regexp '^RESULT: denied E(ROFS|ACCES) /opt/pol/new'
        pprobe "$mode" "$WALLS/binds-policy.json" -- write /opt/pol/file
        assert_line --regexp '^RESULT: denied E(ROFS|ACCES) /opt/pol/file'
    done
    [ ! -e "$PB/shared/new" ]
    [ "$(cat "$PB/shared/file")" = inside ]
}

@test "policy binds: a writable one for this app takes writes, which reach the host" {
    local mode
    for mode in $(modes); do
        rm -f "$PB/rw/new"
        pprobe "$mode" "$WALLS/binds-policy.json" -- write /opt/polrw/new
        assert_success
        assert_line "RESULT: ok wrote /opt/polrw/new"
        [ -e "$PB/rw/new" ]
    done
}

@test "policy binds: nothing around a source, no other app's bind, no bind of a missing source" {
    local mode
    for mode in $(modes); do
        pprobe "$mode" "$WALLS/binds-policy.json" -- read "$PB/beside"
        assert_success
        assert_line --regexp "^RESULT: denied E(NOENT|ACCES) $PB/beside"
        pprobe "$mode" "$WALLS/binds-policy.json" -- read /opt/pol/../beside
        assert_line --regexp '^RESULT: denied E(NOENT|ACCES)'
        # Another app's entry is not made for this one.
        pprobe "$mode" "$WALLS/binds-policy.json" -- read /opt/other-app/file
        assert_success
        assert_line --regexp '^RESULT: denied E(NOENT|ACCES) /opt/other-app/file'
        # A source this host lacks is skipped; the child still starts.
        pprobe "$mode" "$WALLS/binds-policy.json" -- stat /opt/missing
        assert_success
        assert_line --regexp '^RESULT: denied E(NOENT|ACCES)'
    done
}

@test "policy binds: one that cannot be made stops the child with the reason" {
    policy_with "$WALLS/bad-dest.json" "{ \"source\": \"$PB/shared\", \"destination\": \"/etc/pol\" }"
    pprobe zygote "$WALLS/bad-dest.json" -- read /etc/pol/file
    assert_failure 125
    assert_output --partial 'binds[0]: needs a "destination"'
    refute_line --partial "RESULT:"
    # Over the child's data dir (it would show the host's).
    policy_with "$WALLS/over-data.json" "{ \"source\": \"$PB/shared\", \"destination\": \"$(dirname "$DATA")\" }"
    pprobe zygote "$WALLS/over-data.json" -- read "$DATA/file"
    assert_failure 125
    assert_output --partial "would cover $DATA"
    refute_line --partial "RESULT:"
}
