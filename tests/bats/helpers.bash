# SPDX-License-Identifier: Apache-2.0
# Helpers of the wall suite (walls.bats).
#
# Environment (tests/local.mk sets it; run-walls-unprivileged.sh passes it on):
#   NCP_RUN            the ncp-run binary
#   NCP_TEST_LIBDIR    directory holding libprobe.so
#   NCP_TOP_BUILDDIR   build tree (tests/lib/wall-helper)
#   NCP_POLICY_DIR     the source tree's policy/
#   NCP_TEST_SUID_DIR  optional: a root-owned directory with libprobe.so and a
#                      setuid-root copy of `id` (run-walls-unprivileged.sh makes
#                      one; as root the suite makes its own)

PROBE="$NCP_TEST_LIBDIR/libprobe.so"
WALL_HELPER="${NCP_WALL_HELPER:-$NCP_TOP_BUILDDIR/tests/lib/wall-helper}"

# probe MODE ATTEMPT [ARG...]: runs the probe through ncp-run; MODE is
# isolated, uid (isolated + isolation uid) or normal.
probe() {
    local mode=$1
    shift
    local opts=()
    case $mode in
        isolated) opts=(--isolated) ;;
        uid) opts=(--isolated --isolation-uid) ;;
        normal) opts=() ;;
        *) echo "probe: bad mode $mode" >&2; return 2 ;;
    esac
    run "$NCP_RUN" "${opts[@]}" --params "$*" "${PROBE_LIB:-$PROBE}:Probe"
}

# The attempt ran and was refused.
assert_denied() {
    assert_success
    assert_line --regexp '^RESULT: denied E[A-Z]+'
}

# The attempt ran and worked.
assert_allowed() {
    assert_success
    assert_line --regexp '^RESULT: ok'
}

# Whether this user can get an isolation uid (root, or a subuid range).
have_isolation_uid() {
    [ "$(id -u)" = 0 ] && return 0
    local me
    me=$(id -un)
    grep -qE "^($me|$(id -u)):" /etc/subuid 2>/dev/null && grep -qE "^($me|$(id -u)):" /etc/subgid 2>/dev/null
}

# wait_for FILE: until a helper wrote its ready file (5 s).
wait_for() {
    local i
    for i in $(seq 1 100); do
        [ -s "$1" ] && return 0
        sleep 0.05
    done
    echo "timed out waiting for $1" >&2
    return 1
}

# start_helper NAME ARGS...: starts wall-helper in the background, records its pid.
start_helper() {
    local name=$1
    shift
    "$WALL_HELPER" "$@" </dev/null >"$WALLS/$name.log" 2>&1 &
    echo $! >"$WALLS/$name.pid"
}

stop_helpers() {
    local f
    for f in "$WALLS"/*.pid; do
        [ -e "$f" ] || continue
        kill "$(cat "$f")" 2>/dev/null || true
    done
}

# The host side every test shares: a fake home with an app data dir holding a
# secret, a runtime dir, secrets under /tmp, and listeners and a sentinel.
# policy_plus FILE FIELDS: the shipped policy/isolated.json with FIELDS
# ("\"env\": {...}", ...) added at its top level.
policy_plus() {
    { sed '$d' "$NCP_TOP_SRCDIR/policy/isolated.json"; printf '  , %s\n}\n' "$2"; } >"$1"
    chmod 0644 "$1"
}

walls_setup_file() {
    export NCP_BUNDLE_NAME=com.example.walls
    unset NCP_LANDLOCK_ABI
    WALLS=$(mktemp -d "${BATS_TMPDIR:-/tmp}/walls.XXXXXX")
    chmod 0755 "$WALLS"
    export WALLS
    export HOME="$WALLS/home"
    export XDG_DATA_HOME="$HOME/.local/share"
    export XDG_RUNTIME_DIR="$WALLS/run"
    export DATA="$XDG_DATA_HOME/$NCP_BUNDLE_NAME"
    mkdir -p "$DATA" "$XDG_RUNTIME_DIR"
    chmod 0700 "$XDG_RUNTIME_DIR"
    echo home-secret >"$HOME/secret"
    echo app-secret >"$DATA/secret"
    echo tmp-secret >"$WALLS/tmp-secret"
    ln -s "$HOME/secret" "$DATA/link-to-home"

    VARTMP=$(mktemp -d /var/tmp/walls.XXXXXX)
    chmod 0755 "$VARTMP"
    export VARTMP
    export ABSTRACT="ncp-walls-$$-$RANDOM"

    start_helper tcp tcp "$WALLS/tcp.port"
    start_helper tmp-sock unix "$WALLS/host.sock" "$WALLS/tmp-sock.ready"
    start_helper vartmp-sock unix "$VARTMP/host.sock" "$WALLS/vartmp-sock.ready"
    start_helper data-sock unix "$DATA/host.sock" "$WALLS/data-sock.ready"
    start_helper run-sock unix "$XDG_RUNTIME_DIR/bus" "$WALLS/run-sock.ready"
    start_helper abstract abstract "$ABSTRACT" "$WALLS/abstract.ready"
    start_helper sentinel sentinel "$WALLS/sentinel.ready" "$WALLS/sentinel.marker"
    local r
    for r in tcp.port tmp-sock.ready vartmp-sock.ready data-sock.ready run-sock.ready abstract.ready sentinel.ready; do
        wait_for "$WALLS/$r"
    done
    export TCP_PORT
    TCP_PORT=$(cat "$WALLS/tcp.port")
    export SENTINEL
    SENTINEL=$(cat "$WALLS/sentinel.pid")
}

walls_teardown_file() {
    stop_helpers
    rm -rf "$WALLS" "$VARTMP"
}

# hprobe [ncp-run options...] -- ATTEMPT ARG...: runs the attempt of
# libprobe-host.so ($PROBE_HOST, set by the suite) with those options.
hprobe() {
    local opts=()
    while [ "$1" != -- ]; do
        opts+=("$1")
        shift
    done
    shift
    run "$NCP_RUN" "${opts[@]}" --params "$*" "$PROBE_HOST:Probe"
}

# live NAME: pids of live (not zombie) processes whose comm is NAME.
live() {
    local pid state
    for pid in $(pgrep -x "$1"); do
        state=$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$pid/stat" 2>/dev/null) || continue
        [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ] && echo "$pid"
    done
    return 0
}

# gone_within MS NAME: no live process named NAME within MS milliseconds.
gone_within() {
    local i
    for i in $(seq 1 $(($1 / 20))); do
        [ -z "$(live "$2")" ] && return 0
        sleep 0.02
    done
    echo "still alive after $1 ms: $2 ($(live "$2"))" >&2
    return 1
}

# wait_line FILE TEXT: until FILE holds a line with TEXT (10 s).
wait_line() {
    local i
    for i in $(seq 1 200); do
        grep -q -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    echo "timed out waiting for \"$2\" in $1:" >&2
    cat "$1" >&2
    return 1
}

# --- cgroups (src/sandbox/parent/cgroup.c) ---------------------------------------------------

# The mount point of the cgroup v2 hierarchy (empty when none is mounted).
cgroup2_mount() {
    awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break; if ($(i + 1) == "cgroup2" && $4 == "/") { print $5; exit } }' /proc/self/mountinfo
}

# cgroup_of PID: its cgroup v2 path (the "0::" line of /proc/PID/cgroup).
cgroup_of() {
    sed -n 's/^0:://p' "/proc/$1/cgroup"
}

# Whether isolated children get a cgroup of their own here (ncp-run --doctor),
# for this user and the cgroup this shell is in.
per_child_cgroups() {
    "$NCP_RUN" --doctor --json 2>/dev/null | grep -q '"cgroup_per_child": { [^}]*"value": true'
}

# Why not, as the doctor says.
per_child_cgroups_why() {
    "$NCP_RUN" --doctor --json 2>/dev/null | sed -n 's/.*"cgroup_per_child": { [^}]*"reason": "\(\([^"\\]\|\\.\)*\)".*/\1/p'
}
