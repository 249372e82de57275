#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Host walls: what of the host an isolated child is handed must not take it
# further than what it names — the descriptors the app passes, the app's
# environment, the app's terminal, the host objects bound into its root.
# Attempts are in tests/lib/probe-host.c.  Run as root by `make check`, and
# as a throwaway user by run-walls-unprivileged.sh.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load helpers

PROBE_HOST="$NCP_TEST_LIBDIR/libprobe-host.so"
PTY_RUN="$NCP_TOP_BUILDDIR/tests/lib/pty-run"

setup_file() {
    walls_setup_file
}

teardown_file() {
    walls_teardown_file
}

setup() {
    [ -x "$NCP_RUN" ] || skip "ncp-run not built"
    [ -e "$PROBE_HOST" ] || skip "libprobe-host.so not built"
}

# hprobe [ncp-run options...] -- ATTEMPT ARG...
hprobe() {
    local opts=()
    while [ "$1" != -- ]; do
        opts+=("$1")
        shift
    done
    shift
    run "$NCP_RUN" "${opts[@]}" --params "$*" "$PROBE_HOST:Probe"
}

# --- the app's environment --------------------------------------------------

canary_test() {
    local canary reversed
    canary="ncp-canary-$RANDOM$RANDOM-xyzzy"
    local i
    reversed=
    for ((i = ${#canary} - 1; i >= 0; i--)); do reversed+=${canary:i:1}; done
    export NCP_WALL_CANARY="$canary" SSH_AUTH_SOCK="/tmp/ssh-$canary/agent"
    hprobe --isolated -- env-canary "$reversed"
    assert_success
    assert_line "RESULT: ok getenv=absent environ=absent memory=absent"
    # A normal child keeps the app's environment.
    hprobe -- env-canary "$reversed"
    assert_success
    assert_line --regexp '^RESULT: ok getenv=present '
    unset NCP_WALL_CANARY SSH_AUTH_SOCK
}

@test "the app's environment is not in an isolated child's memory (zygote)" {
    unset NCP_SPAWN_MODE
    canary_test
}

@test "the app's environment is not in an isolated child's memory (exec mode)" {
    NCP_SPAWN_MODE=exec canary_test
}

# --- the terminal --------------------------------------------------------------

# app_on_pty ATTEMPT...: an app (bash) on a fresh terminal, its controlling
# one, starts the probe and then checks what reached it: what it can read
# from the terminal, which signals it got, whether it is still in the
# terminal's foreground.
app_on_pty() {
    [ -x "$PTY_RUN" ] || skip "pty-run not built"
    run timeout 60 "$PTY_RUN" bash -c '
        stty -echo -onlcr
        trap "echo APP-GOT-SIGINT" INT
        trap "echo APP-GOT-SIGTSTP" TSTP
        "$@"
        echo "CHILD-STATUS=$?"
        if read -r -t 1 line; then echo "APP-READ=[$line]"; else echo "APP-READ-NOTHING"; fi
        fg=$(ps -o tpgid= -p $$ | tr -d " ")
        pg=$(ps -o pgid= -p $$ | tr -d " ")
        [ "$fg" = "$pg" ] && echo APP-IN-FOREGROUND || echo "APP-IN-BACKGROUND fg=$fg pg=$pg"
    ' app "$@"
}

@test "TIOCSTI into the app's terminal" {
    app_on_pty "$NCP_RUN" --isolated --params 'tiocsti echo_INJECTED\n' "$PROBE_HOST:Probe"
    assert_success
    assert_line --regexp '^RESULT: denied E[A-Z]+ TIOCSTI'
    assert_line "APP-READ-NOTHING"
    # A normal child is the app's trusted code, in its session: it can.
    app_on_pty "$NCP_RUN" --params 'tiocsti echo_INJECTED\n' "$PROBE_HOST:Probe"
    assert_success
    assert_line --partial "APP-READ=[echo INJECTED]"
}

@test "a typed ^C reaches neither the app nor its other children" {
    app_on_pty "$NCP_RUN" --isolated --params 'tiocsti ^C' "$PROBE_HOST:Probe"
    assert_success
    assert_line --regexp '^RESULT: denied E[A-Z]+ TIOCSTI'
    assert_line "CHILD-STATUS=0"
    refute_line "APP-GOT-SIGINT"
    assert_line "APP-READ-NOTHING"
}

@test "tcsetpgrp puts the app in the background" {
    app_on_pty "$NCP_RUN" --isolated --params tcsetpgrp "$PROBE_HOST:Probe"
    assert_success
    assert_line --regexp '^RESULT: denied E[A-Z]+'
    assert_line "APP-IN-FOREGROUND"
    refute_line "APP-GOT-SIGTSTP"
}

@test "an isolated child is a session leader without a terminal; a normal one stays in the app's session" {
    app_on_pty "$NCP_RUN" --isolated --params session "$PROBE_HOST:Probe"
    assert_success
    assert_line "RESULT: ok leader=1 tty_nr=0"
    app_on_pty "$NCP_RUN" --params session "$PROBE_HOST:Probe"
    assert_success
    assert_line --regexp '^RESULT: ok leader=0 tty_nr=[1-9][0-9]*'
}

@test "an isolated child on the app's terminal still writes to it" {
    app_on_pty "$NCP_RUN" --isolated --params session "$PROBE_HOST:Probe"
    assert_success
    assert_line --partial "RESULT: ok leader=1"
    NCP_SPAWN_MODE=exec app_on_pty "$NCP_RUN" --isolated --params session "$PROBE_HOST:Probe"
    assert_success
    assert_line --partial "RESULT: ok leader=1"
}

# --- host objects in the root ------------------------------------------------------

# The host objects bound into every isolated child's root.
host_objects() {
    local p
    for p in /dev/null /dev/zero /dev/full /dev/random /dev/urandom /proc/kmsg /proc/slabinfo \
        /proc/sys/kernel/hostname /proc/sys/user/max_user_namespaces /proc/sys/fs/binfmt_misc \
        /usr/bin/true /usr/lib /etc/hosts /etc/ld.so.cache /sys/devices/system/cpu/online \
        "$NCP_TEST_LIBDIR" "$PROBE_HOST" "$@"; do
        [ -e "$p" ] && echo "$p"
    done
}

modes_of() {
    stat -L -c '%n %a %u %g %Y' "$@"
}

# change_nothing MODE-OPTS... -- EXTRA-PATHS...: chmod, chown, utimensat and
# setxattr on each host object, all refused; their modes, owners and times
# the same afterwards.
change_nothing() {
    local opts=() objects before
    while [ "$1" != -- ]; do
        opts+=("$1")
        shift
    done
    shift
    mapfile -t objects < <(host_objects "$@")
    before=$(modes_of "${objects[@]}")
    hprobe "${opts[@]}" -- change-host "${objects[@]}"
    assert_success
    refute_line --regexp '^RESULT: ok'
    local denied
    denied=$(grep -c '^RESULT: denied' <<<"$output")
    [ "$denied" -eq $((4 * ${#objects[@]})) ] || { echo "$output"; echo "expected $((4 * ${#objects[@]})) refusals, got $denied"; false; }
    [ "$(modes_of "${objects[@]}")" = "$before" ]
}

@test "an isolated child changes no host object bound into its root (chmod, chown, utimensat, setxattr)" {
    # As root the child is host uid 0, owner of every one of them: only the
    # read-only mounts stop it.
    change_nothing --isolated -- 
    if [ "$(id -u)" = 0 ]; then
        assert_line --regexp '^RESULT: denied EROFS chmod /dev/null'
        assert_line --regexp '^RESULT: denied EROFS chmod /proc/kmsg'
        assert_line --regexp '^RESULT: denied EROFS chown /usr/bin/true'
    fi
    NCP_SPAWN_MODE=exec change_nothing --isolated --
    if have_isolation_uid; then
        change_nothing --isolated --isolation-uid --
    fi
}

@test "the read-only device nodes still read and write" {
    local d
    for d in /dev/null /dev/zero /dev/urandom /dev/random; do
        hprobe --isolated -- write-dev "$d"
        assert_line "RESULT: ok wrote to $d"
    done
    hprobe --isolated -- write-dev /dev/full
    assert_line --regexp '^RESULT: denied ENOSPC'
}
