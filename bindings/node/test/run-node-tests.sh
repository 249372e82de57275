#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The Node.js package's tests (node --test), as TAP for automake's driver:
#   run-node-tests.sh                 as the calling user
#   run-node-tests.sh --unprivileged  as a throwaway unprivileged user (needs
#                                     root to create it; skips otherwise)
# Run through `make check` (the environment comes from tests/local.mk); by
# hand: make check TESTS='bindings/node/test/run-node-tests.sh'.
set -eu

skip() {
    if [ -n "${AM_TAP_AWK:-}" ]; then
        echo "1..0 # SKIP $1"
        exit 0
    fi
    echo "run-node-tests: SKIP: $1" >&2
    exit 77
}

here=$(cd "$(dirname "$0")" && pwd)
: "${NCP_TOP_BUILDDIR:?NCP_TOP_BUILDDIR is not set (run through make check)}"
NODE=${NODE:-node}
pkg=$NCP_TOP_BUILDDIR/bindings/node
[ -f "$pkg/lib/ncp_node.node" ] || skip "the addon is not built ($pkg/lib/ncp_node.node)"
# A sanitizer build's library cannot be loaded into node (the runtime must come first).
if ldd "$pkg/lib/ncp_node.node" 2>/dev/null | grep -q 'libasan\|libubsan'; then
    skip "sanitizer build: libchild_process cannot be loaded into node"
fi
# The test entries (libentry.so) next to the suite's other libraries.
NCP_LIBRARY_PATH=$pkg/test/.libs${NCP_LIBRARY_PATH:+:$NCP_LIBRARY_PATH}
export NCP_LIBRARY_PATH
tests=$(ls "$pkg"/test/*.test.js)

if [ "${1:-}" != --unprivileged ]; then
    # Bounded: no test may hang the suite, and no node survives it.
    # shellcheck disable=SC2086 # one word per test file
    exec timeout -k 10 900 "$NODE" --test --test-reporter=tap $tests
fi

[ "$(id -u)" = 0 ] || skip "not root (a throwaway user has to be created)"
for tool in useradd usermod userdel setpriv; do
    command -v "$tool" >/dev/null 2>&1 || skip "$tool not found"
done
# With a subordinate id range, as a desktop user has one: isolationUid works.
# shellcheck source=tests/throwaway-user.sh
. "$here/../../../tests/throwaway-user.sh"
trap throwaway_user_remove EXIT INT TERM
throwaway_user_make ncpj || skip "cannot create a throwaway user with a subordinate id range"
as_user() {
    setpriv --reuid="$uid" --regid="$gid" --init-groups --inh-caps=-all \
        env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/tmp LANG=C.UTF-8 \
        NCP_RUNNER="${NCP_RUNNER:-}" NCP_LIBRARY_PATH="$NCP_LIBRARY_PATH" NCP_POLICY_DIR="${NCP_POLICY_DIR:-}" \
        NCP_CONFIG_FILE="${NCP_CONFIG_FILE:-/nonexistent}" NCP_TOP_BUILDDIR="$NCP_TOP_BUILDDIR" \
        "$@"
}
as_user test -r "$pkg/lib/ncp_node.node" -a -r "$here/helpers.js" ||
    skip "user $user cannot reach $pkg (build in a world-readable directory)"
echo "# the Node.js package's tests as $user (uid $uid, subordinate ids $sub_start-$sub_end)" >&2
status=0
# shellcheck disable=SC2086
as_user timeout -k 10 900 "$NODE" --test --test-reporter=tap $tests || status=$?
exit $status
