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
    export NCP_SPAWN_MODE=zygote
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

# --- the app's stdio ---------------------------------------------------------------

# stdio_attempt MODE-OPTS...: the probe's "stdio" attempts from a child of an
# app (a subshell) whose stdout and stderr are files with a line each and
# whose stdin is a file; afterwards the app prints its own 0-2 flags.
stdio_attempt() {
    local dir="$BATS_TEST_TMPDIR"
    echo APP-STDOUT-LINE >"$dir/out"
    echo APP-STDERR-LINE >"$dir/err"
    : >"$dir/in"
    chmod 0644 "$dir/out" "$dir/err"
    (
        "$NCP_RUN" "$@" --params stdio "$PROBE_HOST:Probe"
        echo "CHILD-STATUS=$?"
        echo "APP-MODES=$(stat -c %a "$dir/out") $(stat -c %a "$dir/err")"
        app=$BASHPID # not the command substitution's
        for fd in 0 1 2; do
            echo "APP-FLAGS-$fd=$(sed -n 's/^flags:[[:space:]]*//p' "/proc/$app/fdinfo/$fd")"
        done
    ) <"$dir/in" >>"$dir/out" 2>>"$dir/err"
    out=$(cat "$dir/out")
    err=$(cat "$dir/err")
}

# Whether an octal open-flags word has O_NONBLOCK (04000).
nonblocking() {
    (( (8#$1 & 8#4000) != 0 ))
}

stdio_walls() {
    stdio_attempt --isolated
    # The child's printf still reaches the app's stdout.
    grep -qx 'CHILD-STATUS=0' <<<"$out"
    grep -qx 'RESULT: ok printed' <<<"$out"
    # ftruncate of fd 1 and 2 fails (a pipe) or did not touch the app's files.
    refute_line_in() { ! grep -qx "$1" <<<"$2"; }
    refute_line_in 'RESULT: ok ftruncate 1' "$out"
    refute_line_in 'RESULT: ok ftruncate 2' "$out"
    [ "$(head -1 <<<"$out")" = APP-STDOUT-LINE ]
    [ "$(head -1 <<<"$err")" = APP-STDERR-LINE ]
    # fchmod of fd 1 and 2 did not reach the app's files.
    grep -qx 'APP-MODES=644 644' <<<"$out" || { grep APP-MODES <<<"$out"; false; }
    # O_NONBLOCK on its 0-2 is not the app's.
    local fd flags
    for fd in 0 1 2; do
        grep -qx "RESULT: ok nonblock $fd" <<<"$out"
        flags=$(sed -n "s/^APP-FLAGS-$fd=//p" <<<"$out")
        [ -n "$flags" ]
        ! nonblocking "$flags" || { echo "the app's fd $fd became nonblocking ($flags)"; false; }
    done
    # Its stderr is the child's, escaped and marked: no line passes for the library's.
    ! grep -q '^child_process\[1\]' <<<"$err"
    grep -q '^child_process\[[0-9]*\]: child .* (pid [0-9]*) stderr: child_process\[1\]: warn: forged by the child$' <<<"$err"
    grep -qF 'stderr: \x1b[31mred\x1b[0m' <<<"$err"
    ! grep -q $'\033' <<<"$err"
}

@test "an isolated child neither truncates nor chmods the app's log files, nor makes its stdio nonblocking (zygote)" {
    export NCP_SPAWN_MODE=zygote
    stdio_walls
    # A normal child keeps the app's stdio: the same attempts reach the app
    # (which shows the checks above can fail).
    stdio_attempt
    grep -qx 'RESULT: ok ftruncate 1' <<<"$out"
    grep -qx 'APP-MODES=600 600' <<<"$out"
    for fd in 0 1 2; do
        nonblocking "$(sed -n "s/^APP-FLAGS-$fd=//p" <<<"$out")"
    done
}

@test "an isolated child neither truncates nor chmods the app's log files, nor makes its stdio nonblocking (exec mode)" {
    NCP_SPAWN_MODE=exec stdio_walls
}

@test "an isolated child's output is all there when the app has waited for it" {
    local mode
    for mode in zygote exec; do
        export NCP_SPAWN_MODE=$mode
        # Five pipes' worth: drained while it runs and to the end after it.
        run --separate-stderr "$NCP_RUN" --isolated --params "stdout-flood 327680" "$PROBE_HOST:Probe"
        assert_success
        [ "${#output}" -eq 327680 ] || { echo "$mode: ${#output} bytes of 327680"; false; }
        grep -q 'stderr: RESULT: ok wrote 327680$' <<<"$stderr"
    done
    unset NCP_SPAWN_MODE
}

@test "an isolated child flooding a stdout nobody reads does not stall the app" {
    local dir="$BATS_TEST_TMPDIR" mode
    mkfifo "$dir/fifo"
    # The app's stdout: a pipe with a reader that never reads.
    exec 7<>"$dir/fifo"
    for mode in zygote exec; do
        export NCP_SPAWN_MODE=$mode
        # Only its stderr is captured here (the note of the first drop may
        # itself meet a full stderr: the one at the end must be there).
        run timeout 60 bash -c '"$@" 2>&1 >"$0"' "$dir/fifo" \
            "$NCP_RUN" --isolated --params "stdout-flood 8000000" "$PROBE_HOST:Probe"
        assert_success
        assert_output --partial 'stderr: RESULT: ok wrote 8000000'
        assert_output --regexp 'child .* \(pid [0-9]+\): [0-9]+ bytes of its stdout and 0 of its stderr were dropped'
    done
    exec 7>&-
    unset NCP_SPAWN_MODE
}

@test "an isolated child of an app with its stdin closed still gets its descriptors" {
    # The app's closed fd 0 is where a passed descriptor would arrive in the
    # runner: it must not be the one its own stdio replaces.
    local mode
    for mode in zygote exec; do
        export NCP_SPAWN_MODE=$mode
        rm -f "$BATS_TEST_TMPDIR/out"
        run "$NCP_RUN" --isolated --fd-out out="$BATS_TEST_TMPDIR/out" --params hello \
            "$NCP_TEST_LIBDIR/libtestentry.so:Main" 0<&-
        assert_success
        grep -qx 'params=hello' "$BATS_TEST_TMPDIR/out" || { echo "$mode: $(cat "$BATS_TEST_TMPDIR/out")"; false; }
    done
    unset NCP_SPAWN_MODE
}
