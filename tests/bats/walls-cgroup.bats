#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# A cgroup v2 per isolated child (src/sandbox/parent/cgroup.c), where one is ours to make:
# the child is born in a cgroup of its own, nothing it starts can leave it,
# and when the child ends everything in it is killed (cgroup.kill) and the
# directory removed -- in zygote and in exec mode.  As root the cgroups are
# made in root's own cgroup; the delegated cases create a cgroup for a
# throwaway user, move the test's process into it and run the child as that
# user.  Every check is made from the host.  Where no cgroup is ours (an
# unprivileged user in a cgroup it does not own, run-walls-unprivileged.sh)
# the tests skip, saying why, and the lifetime walls hold through the zygote
# (walls-lifetime.bats).

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load helpers

LPROBE="$NCP_TEST_LIBDIR/libprobe-lifetime.so"

setup_file() {
    CG=$(mktemp -d "${BATS_TMPDIR:-/tmp}/walls-cgroup.XXXXXX")
    chmod 0755 "$CG"
    export CG
    export HOME="$CG/home"
    export XDG_DATA_HOME="$HOME/.local/share"
    export XDG_RUNTIME_DIR="$CG/run"
    mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
    chmod 0700 "$XDG_RUNTIME_DIR"
}

teardown_file() {
    rm -rf "$CG"
}

setup() {
    [ -x "$NCP_RUN" ] || skip "ncp-run not built"
    [ -e "$LPROBE" ] || skip "libprobe-lifetime.so not built"
    export NCP_BUNDLE_NAME="com.example.cgroup$BATS_TEST_NUMBER"
    # At most 12 characters: comm holds 15, the probe adds one.
    TOKEN="cg$$x$BATS_TEST_NUMBER"
    TOKEN=${TOKEN:0:12}
    MP=$(cgroup2_mount)
    DELEGATED=
}

teardown() {
    local f
    for f in "$CG"/*.pid; do
        [ -e "$f" ] || continue
        kill -KILL "$(cat "$f")" 2>/dev/null || true
        rm -f "$f"
    done
    pkill -KILL -x "${TOKEN}g" 2>/dev/null || true
    pkill -KILL -x "${TOKEN}c" 2>/dev/null || true
    pkill -KILL -x "${TOKEN}a" 2>/dev/null || true
    # A delegated test's cgroups, once their processes are gone.
    if [ -n "$DELEGATED" ]; then
        local i
        for i in $(seq 1 100); do
            rmdir "$MP$DELEGATED"/*/ "$MP$DELEGATED" 2>/dev/null
            [ -d "$MP$DELEGATED" ] || break
            sleep 0.02
        done
    fi
    [ -z "${THROWAWAY:-}" ] || { user=$THROWAWAY; throwaway_user_remove; }
}

need_cgroups() {
    per_child_cgroups || skip "no cgroup per isolated child here: $(per_child_cgroups_why)"
}

# The runs below as root, or as the throwaway user in a delegated cgroup.
AS=()

# app NAME MODE ARGS...: ncp-run --isolated ARGS in the background (MODE:
# zygote or exec), its pid in $CG/NAME.pid and its output in $CG/NAME.log.
app() {
    local name=$1 mode=$2
    shift 2
    # ncp-run's own default is exec mode (src/tools/oneshot.c).
    local spawn=exec
    [ "$mode" = zygote ] && spawn=zygote
    "${AS[@]}" env NCP_SPAWN_MODE="$spawn" "$NCP_RUN" --isolated "$@" </dev/null >"$CG/$name.log" 2>&1 3>&- &
    echo $! >"$CG/$name.pid"
}

# the_child NAME: the pid of the one live process whose comm is NAME (5 s).
the_child() {
    local i pids
    for i in $(seq 1 250); do
        pids=$(live "$1")
        [ -n "$pids" ] && { echo "$pids"; return 0; }
        sleep 0.02
    done
    echo "no live process named $1" >&2
    return 1
}

# own_cgroup_walls MODE PARENT: an isolated child that leaves a double-forked,
# setsid'd, SIGTERM-ignoring grandchild and stays: both are in the child's
# own cgroup, a new directory in PARENT (a cgroup v2 path), not the app's;
# when the child is killed, the grandchild is gone within a second and the
# directory is removed.
own_cgroup_walls() {
    local mode=$1 parent=$2 child grandchild cg
    app "$mode" "$mode" --params "orphan-stay $TOKEN" "$LPROBE:Probe"
    wait_line "$CG/$mode.log" "RESULT: ok orphan left"
    child=$(the_child "${TOKEN}c")
    grandchild=$(the_child "${TOKEN}g")
    cg=$(cgroup_of "$child")
    echo "$mode: child $child in $cg, grandchild $grandchild in $(cgroup_of "$grandchild"), app in $(cgroup_of "$(cat "$CG/$mode.pid")")"
    [[ "$cg" =~ ^${parent%/}/ncp-[0-9]+-[0-9]+-[0-9]+-[0-9]+$ ]]
    [ "$(cgroup_of "$grandchild")" = "$cg" ]
    [ "$(cgroup_of "$(cat "$CG/$mode.pid")")" != "$cg" ]
    [ -d "$MP$cg" ]
    kill -KILL "$child"
    gone_within 1000 "${TOKEN}g"
    local i
    for i in $(seq 1 50); do
        [ -d "$MP$cg" ] || break
        sleep 0.02
    done
    [ ! -d "$MP$cg" ] || { echo "$MP$cg is still there: $(cat "$MP$cg/cgroup.procs")"; false; }
    wait "$(cat "$CG/$mode.pid")" || true
    rm -f "$CG/$mode.pid"
}

@test "an isolated child has a cgroup of its own; what it leaves is killed when it ends, and the cgroup removed (zygote and exec mode)" {
    need_cgroups
    local own
    own=$(cgroup_of $$)
    own_cgroup_walls zygote "$own"
    own_cgroup_walls exec "$own"
}

@test "exec mode: a grandchild and a chain are gone within a second of the child's end" {
    need_cgroups
    NCP_SPAWN_MODE=exec run "$NCP_RUN" --isolated --params "orphan $TOKEN" "$LPROBE:Probe"
    assert_success
    assert_line "RESULT: ok orphan left"
    gone_within 1000 "${TOKEN}g"
    NCP_SPAWN_MODE=exec run "$NCP_RUN" --isolated --params "chain $TOKEN" "$LPROBE:Probe"
    assert_success
    assert_line "RESULT: ok chain left"
    gone_within 1000 "${TOKEN}a"
    gone_within 1000 "${TOKEN}g"
}

@test "a normal child stays in the app's cgroup; with no usable cgroup an isolated one does too" {
    need_cgroups
    "$NCP_RUN" --params "orphan-stay $TOKEN" "$LPROBE:Probe" </dev/null >"$CG/n.log" 2>&1 3>&- &
    echo $! >"$CG/n.pid"
    wait_line "$CG/n.log" "RESULT: ok orphan left"
    [ "$(cgroup_of "$(the_child "${TOKEN}c")")" = "$(cgroup_of $$)" ]
    kill -KILL "$(the_child "${TOKEN}c")"
    pkill -KILL -x "${TOKEN}g"
    local mode
    for mode in zygote exec; do
        NCP_TEST_NO_CGROUP=1 app "off-$mode" "$mode" --params "orphan-stay $TOKEN" "$LPROBE:Probe"
        wait_line "$CG/off-$mode.log" "RESULT: ok orphan left"
        [ "$(cgroup_of "$(the_child "${TOKEN}c")")" = "$(cgroup_of $$)" ]
        kill -KILL "$(the_child "${TOKEN}c")"
        # The zygote still contains what it left (and ncp-run in exec mode
        # does too, as its own subreaper; an app other than ncp-run would not).
        [ $mode = exec ] || gone_within 1000 "${TOKEN}g"
        pkill -KILL -x "${TOKEN}g" || true
    done
}

@test "ncp-run --doctor: cgroup_per_child and cgroup_limits say what holds" {
    run "$NCP_RUN" --doctor
    assert_success
    if per_child_cgroups; then
        assert_line --regexp "^  cgroup per isolated child +yes, in $(cgroup2_mount)"
    else
        assert_line --regexp '^  cgroup per isolated child +none \('
    fi
    if per_child_cgroups && "$NCP_RUN" --doctor | grep -q 'limit: cgroup v2 .*pids.max'; then
        assert_line --regexp '^  limit: cgroup v2 \(memory, pids, cpu\) +pids.max [0-9a-z]+ \(nproc'
    else
        assert_line --regexp '^  limit: cgroup v2 \(memory, pids, cpu\) +none \('
    fi
    NCP_TEST_NO_CGROUP=1 run "$NCP_RUN" --doctor --json
    assert_output --partial '"cgroup_per_child": { "kind": "fact", "label": "cgroup per isolated child", "value": false'
    assert_output --partial 'turned off (NCP_TEST_NO_CGROUP=1)'
}

# --- a subtree delegated to an unprivileged user ------------------------------

# delegate [LEAF]: as root, a cgroup for a throwaway user under the cgroup v2
# root, chowned as systemd delegates one (the directory, cgroup.procs,
# cgroup.subtree_control, cgroup.threads); with LEAF, a leaf in it where the
# user's processes are put (the delegated cgroup itself then holds none).
# Sets AS to run a command as that user, in that cgroup.
delegate() {
    [ "$(id -u)" = 0 ] || skip "not root: a cgroup is delegated to a throwaway user by root"
    [ -n "$MP" ] && [ -w "$MP" ] || skip "no writable cgroup v2 hierarchy"
    command -v setpriv >/dev/null && command -v useradd >/dev/null || skip "setpriv or useradd not found"
    # shellcheck source=tests/throwaway-user.sh
    . "$NCP_TOP_SRCDIR/tests/throwaway-user.sh"
    throwaway_user_make ncpcg || skip "cannot create a throwaway user"
    THROWAWAY=$user
    local as=(setpriv --reuid="$uid" --regid="$gid" --init-groups --inh-caps=-all)
    "${as[@]}" test -x "$NCP_RUN" -a -r "$LPROBE" ||
        skip "user $user cannot reach $NCP_RUN or $LPROBE (build in a world-readable directory)"
    DELEGATED="/ncp-test-$$-$BATS_TEST_NUMBER"
    local d="$MP$DELEGATED" f
    mkdir "$d"
    for f in "$d" "$d/cgroup.procs" "$d/cgroup.subtree_control" "$d/cgroup.threads"; do
        chown "$uid:$gid" "$f"
    done
    PLACE=$DELEGATED
    if [ -n "${1:-}" ]; then
        PLACE="$DELEGATED/$1"
        "${as[@]}" mkdir "$MP$PLACE"
    fi
    local home="$CG/home-$user"
    mkdir -p "$home/run" "$home/data"
    chmod 0700 "$home/run"
    chown -R "$uid:$gid" "$home"
    # The process moves itself into its cgroup, then becomes the user.
    AS=(bash -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' place "$MP$PLACE"
        "${as[@]}" env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$home" XDG_RUNTIME_DIR="$home/run"
        XDG_DATA_HOME="$home/data" LANG=C.UTF-8 NCP_RUNNER="${NCP_RUNNER:-}" NCP_LIBRARY_PATH="${NCP_LIBRARY_PATH:-}"
        NCP_POLICY_DIR="${NCP_POLICY_DIR:-}" NCP_CONFIG_FILE=/nonexistent NCP_BUNDLE_NAME="$NCP_BUNDLE_NAME")
    run "${AS[@]}" "$NCP_RUN" --doctor
    echo "$output" | grep 'cgroup'
    assert_line --regexp "^  cgroup per isolated child +yes, in $MP$DELEGATED"
}

@test "delegated: an unprivileged user's isolated child gets a cgroup in the user's own, and the same walls" {
    delegate
    own_cgroup_walls zygote "$DELEGATED"
    own_cgroup_walls exec "$DELEGATED"
    # Nothing of ours is left in the delegated cgroup.
    [ -z "$(find "$MP$DELEGATED" -mindepth 1 -type d)" ]
}

@test "delegated, the app in a leaf: the children's cgroups are made beside it, in the delegated one" {
    delegate app
    run "${AS[@]}" "$NCP_RUN" --doctor
    assert_line --regexp "^  cgroup per isolated child +yes, in $MP$DELEGATED \(beside the app's own cgroup\)"
    own_cgroup_walls zygote "$DELEGATED"
    own_cgroup_walls exec "$DELEGATED"
    [ "$(find "$MP$DELEGATED" -mindepth 1 -type d)" = "$MP$DELEGATED/app" ]
}

# --- limits in the child's cgroup ---------------------------------------------

@test "pids.max of the child's cgroup is its nproc, in zygote and exec mode; memory.max and cpu.max are not set" {
    need_cgroups
    # The per-child cgroups are made in the doctor's directory; they get
    # what it enables for its children.
    local dir
    dir=$("$NCP_RUN" --doctor | sed -n 's/^  cgroup per isolated child  *yes, in \([^ ]*\).*/\1/p')
    grep -qw pids "$dir/cgroup.subtree_control" ||
        skip "no pids controller for the children of $dir (cgroup.controllers \"$(cat "$dir/cgroup.controllers")\", cgroup.subtree_control \"$(cat "$dir/cgroup.subtree_control")\"): pids.max cannot be set here, nor faked"
    local mode cg
    for mode in zygote exec; do
        app "$mode" "$mode" --limit nproc=77 --params "orphan-stay $TOKEN" "$LPROBE:Probe"
        wait_line "$CG/$mode.log" "RESULT: ok orphan left"
        cg=$(cgroup_of "$(the_child "${TOKEN}c")")
        [ "$(cat "$MP$cg/pids.max")" = 77 ]
        [ ! -e "$MP$cg/memory.max" ] || [ "$(cat "$MP$cg/memory.max")" = max ]
        [ ! -e "$MP$cg/cpu.max" ] || [[ "$(cat "$MP$cg/cpu.max")" = "max "* ]]
        kill -KILL "$(the_child "${TOKEN}c")"
        gone_within 1000 "${TOKEN}g"
        wait "$(cat "$CG/$mode.pid")" || true
    done
}
