#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Environment and working-directory walls: `ncp-run --setenv NAME VALUE`
# (NCP_ChildProcessConfigs_SetEnv) gives an isolated child exactly those
# variables on top of its reduced environment, never the app's others nor
# the library's NCP_* settings; `--chdir DIR`
# (NCP_ChildProcessConfigs_SetWorkingDir) starts it in DIR of its own root,
# from where ".." ends at that root.  The isolated policy's "env" and "cwd"
# do the same for every child of the app, under the start's own settings.
# Probes: tests/lib/probe-ecosystem.c
# (env, cwd, cwd-up) and tests/lib/probe-host.c (env-canary).  Run as root
# by `make check`, and as a throwaway user by run-walls-unprivileged.sh.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load helpers

ECO_PROBE="$NCP_TEST_LIBDIR/libprobe-ecosystem.so"
PROBE_HOST="$NCP_TEST_LIBDIR/libprobe-host.so"

setup_file() {
    walls_setup_file
    export EXTRA="$WALLS/extra"
    mkdir -p "$EXTRA/shared/sub"
    chmod 0755 "$EXTRA" "$EXTRA/shared" "$EXTRA/shared/sub"
    echo inside >"$EXTRA/shared/file"
    chmod 0644 "$EXTRA/shared/file"
}

teardown_file() {
    walls_teardown_file
}

setup() {
    [ -x "$NCP_RUN" ] || skip "ncp-run not built"
    [ -e "$ECO_PROBE" ] || skip "libprobe-ecosystem.so not built"
    [ -e "$PROBE_HOST" ] || skip "libprobe-host.so not built"
}

# eprobe MODE [ncp-run options...] -- ATTEMPT ARG...; MODE: zygote, exec, uid, normal.
eprobe() {
    local mode=$1 lib=$ECO_PROBE opts=()
    shift
    while [ "$1" != -- ]; do
        opts+=("$1")
        shift
    done
    shift
    [ "$1" = env-canary ] && lib=$PROBE_HOST
    case $mode in
        zygote) NCP_SPAWN_MODE=zygote run "$NCP_RUN" --isolated "${opts[@]}" --params "$*" "$lib:Probe" ;;
        exec) NCP_SPAWN_MODE=exec run "$NCP_RUN" --isolated "${opts[@]}" --params "$*" "$lib:Probe" ;;
        uid) NCP_SPAWN_MODE=zygote run "$NCP_RUN" --isolated --isolation-uid "${opts[@]}" --params "$*" "$lib:Probe" ;;
        normal) NCP_SPAWN_MODE= run "$NCP_RUN" "${opts[@]}" --params "$*" "$lib:Probe" ;;
    esac
}

modes() {
    echo zygote
    echo exec
    have_isolation_uid && echo uid
    return 0
}

# The child's environment, one NAME=VALUE a line, sorted.
env_lines() {
    printf '%s\n' "${lines[@]}" | sed -n 's/^ENV //p' | sort
}

# --- the environment ------------------------------------------------------------

@test "--setenv: an isolated child gets exactly the variables set, on top of its own, and none of the app's others" {
    local mode without with
    export NCP_WALL_APP_ONLY=app-secret
    for mode in $(modes); do
        eprobe "$mode" -- env
        assert_success
        without=$(env_lines)
        eprobe "$mode" --setenv GRANTED_ONE one --setenv GRANTED_TWO "two words" -- env
        assert_success
        with=$(env_lines)
        # Exactly the two set, nothing else added or lost.
        run comm -13 <(echo "$without") <(echo "$with")
        assert_output "$(printf '%s\n' 'GRANTED_ONE=one' 'GRANTED_TWO=two words')"
        run comm -23 <(echo "$without") <(echo "$with")
        assert_output ""
        [[ $with != *NCP_WALL_APP_ONLY* && $with != *app-secret* ]]
    done
    unset NCP_WALL_APP_ONLY
}

@test "--setenv: the app's other variables stay out of getenv and /proc/self/environ" {
    local mode canary reversed i
    canary="ncp-canary-$RANDOM$RANDOM-env"
    reversed=
    for ((i = ${#canary} - 1; i >= 0; i--)); do reversed+=${canary:i:1}; done
    export NCP_WALL_CANARY="$canary" SESSION_TOKEN="$canary"
    for mode in $(modes); do
        eprobe "$mode" --setenv GRANTED yes -- env-canary "$reversed"
        assert_success
        assert_line "RESULT: ok getenv=absent environ=absent memory=absent"
    done
    # What is set does reach the child's getenv().
    unset NCP_WALL_CANARY SESSION_TOKEN
    for mode in $(modes); do
        eprobe "$mode" --setenv GRANTED "$canary" -- env-canary "$reversed"
        assert_success
        assert_line --regexp '^RESULT: ok getenv=present '
    done
}

@test "--setenv: a set variable wins over the inherited one and the library's own paths" {
    local mode
    for mode in $(modes); do
        eprobe "$mode" --setenv PATH /opt/tool/bin --setenv HOME /opt/home -- env
        assert_success
        assert_line "ENV PATH=/opt/tool/bin"
        assert_line "ENV HOME=/opt/home"
        [ "$(printf '%s\n' "${lines[@]}" | grep -c '^ENV PATH=')" = 1 ]
        [ "$(printf '%s\n' "${lines[@]}" | grep -c '^ENV HOME=')" = 1 ]
    done
}

@test "--setenv: the library's NCP_* settings cannot be set, nor nonsense names (401)" {
    local name
    for name in NCP_LOG NCP_LANDLOCK_ABI NCP_IN_CHILD NCP_RUNNER_PRELOAD 'A=B' '1X' '' 'A B'; do
        eprobe zygote --setenv "$name" value -- env
        assert_failure 2
        assert_output --partial 'SetEnv: the name'
        assert_output --partial 'NCP_ERR_INVALID_PARAM (401)'
    done
    eprobe zygote --setenv BIG "$(head -c 4097 /dev/zero | tr '\0' x)" -- env
    assert_failure 2
    assert_output --partial 'longer than 4096 bytes'
}

@test "--setenv: LD_PRELOAD set for the child does not act on the exec'd runner before the sandbox" {
    NCP_SPAWN_MODE=exec run "$NCP_RUN" --isolated --setenv LD_PRELOAD /nonexistent/ncp-preload.so \
        --params env "$ECO_PROBE:Probe"
    assert_success
    assert_line "ENV LD_PRELOAD=/nonexistent/ncp-preload.so"
    refute_output --partial "ld.so"
}

@test "--setenv: a normal child gets the variables too, beside the app's" {
    export NCP_WALL_APP_ONLY=app-value
    eprobe normal --setenv GRANTED yes -- env
    assert_success
    assert_line "ENV GRANTED=yes"
    assert_line "ENV NCP_WALL_APP_ONLY=app-value"
    unset NCP_WALL_APP_ONLY
}

# --- the working directory -----------------------------------------------------

@test "--chdir: an isolated child starts in that directory of its root" {
    local mode
    for mode in $(modes); do
        eprobe "$mode" --chdir /tmp -- cwd
        assert_success
        assert_line "RESULT: ok /tmp"
        eprobe "$mode" --chdir "$DATA" -- cwd
        assert_success
        assert_line "RESULT: ok $DATA"
        eprobe "$mode" --ro-bind "$EXTRA/shared" /opt/data --chdir /opt/data/sub -- cwd
        assert_success
        assert_line "RESULT: ok /opt/data/sub"
        # Without it: the root's "/", not the app's directory.
        eprobe "$mode" -- cwd
        assert_success
        assert_line "RESULT: ok /"
    done
}

@test "--chdir: '..' from it ends at the child's own root" {
    local mode
    for mode in $(modes); do
        eprobe "$mode" --ro-bind "$EXTRA/shared" /opt/data --chdir /opt/data/sub -- cwd-up
        assert_success
        assert_line "RESULT: ok /opt/data/sub -> / is-root"
        eprobe "$mode" --chdir "$DATA" -- cwd-up
        assert_success
        assert_line "RESULT: ok $DATA -> / is-root"
    done
}

@test "--chdir: a directory the child's root does not have fails the start with a reason, even one on the host" {
    local mode
    for mode in $(modes); do
        # $EXTRA exists on the host (under the app's /tmp), not in the child's root.
        eprobe "$mode" --chdir "$EXTRA/shared" -- cwd
        assert_failure 125
        assert_output --partial "the working directory $EXTRA/shared is not in the child's root"
        refute_line --partial "RESULT:"
        eprobe "$mode" --chdir /nonexistent -- cwd
        assert_failure 125
        assert_output --partial "the working directory /nonexistent is not in the child's root"
    done
}

@test "--chdir: a relative or unclean path is refused (401)" {
    local dir
    for dir in tmp /tmp/../etc /tmp/. '' ./x; do
        eprobe zygote --chdir "$dir" -- cwd
        assert_failure 2
        assert_output --partial 'SetWorkingDir:'
        assert_output --partial 'NCP_ERR_INVALID_PARAM (401)'
    done
}

@test "--chdir: a normal child starts in that host directory; one that is none is refused (401)" {
    eprobe normal --chdir "$EXTRA/shared" -- cwd
    assert_success
    assert_line "RESULT: ok $EXTRA/shared"
    eprobe normal --chdir "$EXTRA/shared/file" -- cwd
    assert_failure 2
    assert_output --partial "the working directory $EXTRA/shared/file: Not a directory"
    eprobe normal --chdir "$EXTRA/missing" -- cwd
    assert_failure 2
    assert_output --partial 'NCP_ERR_INVALID_PARAM (401)'
}

# --- the policy's "env" and "cwd" (child_process-policy(5)) -----------------------

@test "policy env: the child gets exactly the policy's variables, loses those it removes, and nothing else changes" {
    local mode without with policy="$WALLS/env-policy.json"
    policy_plus "$policy" '"env": { "POLICY_ONE": "one", "POLICY_TWO": "two words", "LANG": null }'
    export LANG=C.UTF-8
    for mode in $(modes); do
        eprobe "$mode" -- env
        assert_success
        assert_line "ENV LANG=C.UTF-8"
        without=$(env_lines)
        eprobe "$mode" --policy "$policy" -- env
        assert_success
        with=$(env_lines)
        run comm -13 <(echo "$without") <(echo "$with")
        assert_output "$(printf '%s\n' 'POLICY_ONE=one' 'POLICY_TWO=two words')"
        run comm -23 <(echo "$without") <(echo "$with")
        assert_output "LANG=C.UTF-8"
    done
}

@test "policy env: it wins over the app's variables and the library's paths, the start's --setenv wins over it" {
    local mode policy="$WALLS/env-policy.json"
    policy_plus "$policy" '"env": { "HOME": "/tmp", "LANG": "C", "SHARED": "policy" }'
    export LANG=C.UTF-8
    for mode in $(modes); do
        eprobe "$mode" --policy "$policy" -- env
        assert_success
        assert_line "ENV HOME=/tmp"
        assert_line "ENV LANG=C"
        assert_line "ENV SHARED=policy"
        eprobe "$mode" --policy "$policy" --setenv SHARED start --setenv HOME /opt/home -- env
        assert_success
        assert_line "ENV SHARED=start"
        assert_line "ENV HOME=/opt/home"
        assert_line "ENV LANG=C"
        [ "$(printf '%s\n' "${lines[@]}" | grep -c '^ENV SHARED=')" = 1 ]
        [ "$(printf '%s\n' "${lines[@]}" | grep -c '^ENV HOME=')" = 1 ]
    done
}

@test "policy cwd: the child starts in the policy's directory of its root, unless the start gives one" {
    local mode policy="$WALLS/cwd-policy.json"
    policy_plus "$policy" '"cwd": "/usr/share"'
    for mode in $(modes); do
        eprobe "$mode" --policy "$policy" -- cwd-up
        assert_success
        assert_line "RESULT: ok /usr/share -> / is-root"
        eprobe "$mode" --policy "$policy" --chdir "$DATA" -- cwd
        assert_success
        assert_line "RESULT: ok $DATA"
    done
}

@test "policy cwd: a directory the child's root does not have stops the child with its reason, even one on the host" {
    local mode policy="$WALLS/cwd-policy.json"
    # $EXTRA exists on the host (under the app's /tmp), not in the child's root.
    policy_plus "$policy" "\"cwd\": \"$EXTRA/shared\""
    for mode in $(modes); do
        eprobe "$mode" --policy "$policy" -- cwd
        assert_failure 125
        assert_output --partial "the policy's working directory $EXTRA/shared is not in the child's root"
        refute_line --partial "RESULT:"
    done
}

@test "policy env/cwd: the library's NCP_* settings, nonsense names and unclean paths stop the child, naming the field" {
    local policy="$WALLS/bad-policy.json" field
    for field in '"env": { "NCP_LOG": "debug" }' '"env": { "NCP_IN_CHILD": null }' '"env": { "A=B": "x" }' \
                 '"env": { "X": 1 }' '"env": ["X"]' '"cwd": "tmp"' '"cwd": "/tmp/../etc"' '"cwd": null'; do
        policy_plus "$policy" "$field"
        eprobe zygote --policy "$policy" -- env
        assert_failure 125
        assert_output --regexp "policy .*: (env|cwd)"
        refute_line --partial "RESULT:"
    done
}
