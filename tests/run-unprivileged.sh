#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The README's test command as a normal user gets it: `make check` of the
# distribution (`make distdir` of this tree), built and run by a throwaway
# unprivileged user (tests/throwaway-user.sh) in a directory of its own.
# Every C and bats suite then runs unprivileged, not only the walls that
# run-walls-unprivileged.sh re-runs.  .ci/run runs it after the root pass.
#
#   tests/run-unprivileged.sh [MAKE-CHECK-ARGS...]   (from a configured tree, as root)
#
# Exit status: that of `make check` (the failing tests' logs are shown);
# 77 when it cannot run (not root, tools missing).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "run-unprivileged: SKIP: not root (a throwaway user has to be created)" >&2; exit 77; }
for tool in useradd usermod userdel setpriv; do
    command -v "$tool" >/dev/null 2>&1 || { echo "run-unprivileged: SKIP: $tool not found" >&2; exit 77; }
done
[ -f "$top/Makefile" ] || { echo "run-unprivileged: configure $top first" >&2; exit 2; }
jobs=$(nproc 2>/dev/null || echo 2)

# shellcheck source=tests/throwaway-user.sh
. "$top/tests/throwaway-user.sh"
work=
cleanup() {
    [ -n "$work" ] && rm -rf "$work"
    throwaway_user_remove
}
trap cleanup EXIT INT TERM
throwaway_user_make ncpu || { echo "run-unprivileged: cannot create a throwaway user" >&2; exit 77; }

# A directory the user owns, reachable through a world-searchable parent.
work=$(mktemp -d "${TMPDIR:-/tmp}/ncp-unpriv.XXXXXX")
chmod 0755 "$work"
make -C "$top" -s distdir distdir="$work/src" >/dev/null
mkdir -m 0700 "$work/home"
chown -R "$user:$user" "$work"
echo "run-unprivileged: make check as $user (uid $uid, subordinate ids $sub_start-$sub_end) in $work/src"

status=0
setpriv --reuid="$uid" --regid="$gid" --init-groups --inh-caps=-all \
    env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$work/home" LANG=C.UTF-8 \
    bash -c 'cd "$1" && shift && jobs=$1 && shift &&
             ./configure --enable-werror >/dev/null && make -j"$jobs" >/dev/null || exit
             make -j"$jobs" check "$@"' \
    run-unprivileged "$work/src" "$jobs" "$@" || status=$?
if [ "$status" != 0 ]; then
    find "$work/src" -name '*.log' ! -name 'test-suite*.log' -print0 |
        xargs -0 grep -l -E '^(not ok|FAIL|ERROR)' 2>/dev/null | while read -r f; do
            echo "=== ${f#"$work/src/"}"; grep -E -B3 -A15 '^(not ok|# )' "$f" | head -80
        done
fi
exit "$status"
