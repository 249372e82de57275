#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs the wall suites (walls.bats and every walls-*.bats beside it) as a
# throwaway unprivileged user, so the walls are proven for the users the
# library is for, not only for root.
#
# Needs root (to create the user): creates a system user `ncpwPID` with a
# subordinate uid/gid range (for the isolation-uid tests; tests/throwaway-user.sh), a root-owned
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
# shellcheck source=tests/throwaway-user.sh
. "$here/../throwaway-user.sh"
suid_dir=

cleanup() {
    [ -n "$suid_dir" ] && rm -rf "$suid_dir"
    throwaway_user_remove
}

trap cleanup EXIT INT TERM
throwaway_user_make ncpw || skip "cannot create a throwaway user with a subordinate id range"

as_user() {
    setpriv --reuid="$uid" --regid="$gid" --init-groups --inh-caps=-all \
        env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/tmp LANG=C.UTF-8 \
        NCP_RUN="$NCP_RUN" NCP_RUNNER="${NCP_RUNNER:-}" NCP_TEST_LIBDIR="$NCP_TEST_LIBDIR" \
        NCP_LIBRARY_PATH="${NCP_LIBRARY_PATH:-}" NCP_POLICY_DIR="${NCP_POLICY_DIR:-}" \
        NCP_CONFIG_FILE="${NCP_CONFIG_FILE:-/nonexistent}" NCP_TOP_SRCDIR="${NCP_TOP_SRCDIR:-}" \
        NCP_TOP_BUILDDIR="${NCP_TOP_BUILDDIR:-}" NCP_TEST_SUID_DIR="$suid_dir" \
        NCP_TEST_SANITIZE_FLAGS="${NCP_TEST_SANITIZE_FLAGS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
        ASAN_OPTIONS="${ASAN_OPTIONS:-}" \
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
