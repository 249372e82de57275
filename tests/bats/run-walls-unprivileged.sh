#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs the wall suites (walls.bats and every walls-*.bats beside it) as a
# throwaway unprivileged user, so the walls are proven for the users the
# library is for, not only for root.
#
# Needs root (to create the user): creates a system user `ncpwPID` with a
# subordinate uid/gid range (for the isolation-uid tests), a root-owned
# directory with a setuid-root `id` (for the setuid test), then runs
#   bats --tap tests/bats/walls.bats tests/bats/walls-*.bats
# as that user with the suite's environment (NCP_RUN, NCP_TEST_LIBDIR, ...),
# and removes everything again.  Prints TAP.  Without root it skips: exit 77
# when run by hand, a "1..0 # SKIP" plan under automake's TAP driver.
set -eu

skip() {
    if [ -n "${AM_TAP_AWK:-}" ]; then
        echo "1..0 # SKIP $1"
        exit 0
    fi
    echo "run-walls-unprivileged: SKIP: $1" >&2
    exit 77
}

[ "$(id -u)" = 0 ] || skip "not root (a throwaway user has to be created)"
for tool in useradd usermod userdel setpriv bats; do
    command -v "$tool" >/dev/null 2>&1 || skip "$tool not found"
done
: "${NCP_RUN:?NCP_RUN is not set (run through make check)}"
: "${NCP_TEST_LIBDIR:?NCP_TEST_LIBDIR is not set}"

here=$(cd "$(dirname "$0")" && pwd)
# One user per run: two suites may run at once on a shared machine.
user=ncpw$$
suid_dir=

cleanup() {
    [ -n "$suid_dir" ] && rm -rf "$suid_dir"
    if getent passwd "$user" >/dev/null 2>&1; then
        retry usermod --del-subuids "$sub_start-$sub_end" --del-subgids "$sub_start-$sub_end" "$user" >/dev/null 2>&1 || true
        retry userdel "$user" >/dev/null 2>&1 || true
    fi
}

# A subordinate range nobody else uses (ranges are [start, start+65536)).
sub_start=1879048192
while awk -F: -v s="$sub_start" '$2 < s + 65536 && $2 + $3 > s { found = 1 } END { exit !found }' \
        /etc/subuid /etc/subgid 2>/dev/null; do
    sub_start=$((sub_start + 65536))
done
sub_end=$((sub_start + 65535))

# retry CMD...: the shadow tools fail while another process holds their lock.
retry() {
    n=0
    until "$@"; do
        n=$((n + 1))
        [ "$n" -lt 10 ] || return 1
        sleep 1
    done
}

# A user left behind by an interrupted run.
if getent passwd "$user" >/dev/null 2>&1; then
    userdel "$user" >/dev/null 2>&1 || true
fi
trap cleanup EXIT INT TERM
retry useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin --user-group "$user" ||
    skip "cannot create the user $user"
retry usermod --add-subuids "$sub_start-$sub_end" --add-subgids "$sub_start-$sub_end" "$user" ||
    skip "cannot give $user a subordinate id range"
uid=$(id -u "$user")
gid=$(id -g "$user")

as_user() {
    setpriv --reuid="$uid" --regid="$gid" --init-groups --inh-caps=-all \
        env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/tmp LANG=C.UTF-8 \
        NCP_RUN="$NCP_RUN" NCP_RUNNER="${NCP_RUNNER:-}" NCP_TEST_LIBDIR="$NCP_TEST_LIBDIR" \
        NCP_LIBRARY_PATH="${NCP_LIBRARY_PATH:-}" NCP_POLICY_DIR="${NCP_POLICY_DIR:-}" \
        NCP_CONFIG_FILE="${NCP_CONFIG_FILE:-/nonexistent}" NCP_TOP_SRCDIR="${NCP_TOP_SRCDIR:-}" \
        NCP_TOP_BUILDDIR="${NCP_TOP_BUILDDIR:-}" NCP_TEST_SUID_DIR="$suid_dir" \
        "$@"
}

# The user must reach the build tree (a tree under a 0700 home is not).
if ! as_user test -x "$NCP_RUN" || ! as_user test -r "$NCP_TEST_LIBDIR/libprobe.so" ||
    ! as_user test -r "$here/walls.bats"; then
    skip "user $user cannot reach $NCP_RUN, $NCP_TEST_LIBDIR or $here (build in a world-readable directory)"
fi

# A setuid-root program next to a copy of the probe, for "a setuid binary gains nothing".
suid_dir=$(mktemp -d /tmp/ncpwall-suid.XXXXXX)
chmod 0755 "$suid_dir"
cp "$NCP_TEST_LIBDIR/libprobe.so" "$suid_dir/libprobe.so"
cp /usr/bin/id "$suid_dir/id"
chmod 4755 "$suid_dir/id"

suites="$here/walls.bats"
for f in "$here"/walls-*.bats; do
    [ -e "$f" ] && suites="$suites $f"
done
echo "# $(cd "$here" && echo $(for f in $suites; do basename "$f"; done)) as $user (uid $uid, subordinate ids $sub_start-$sub_end)" >&2
status=0
# shellcheck disable=SC2086 # one word per suite
as_user bats --tap $suites || status=$?
exit $status
