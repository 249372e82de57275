#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The two set-up commands of the README, on a fresh Debian 12 machine:
#   contrib/quickstart.sh demo   build, then run the demo (an isolated child
#                                showing what it can and cannot reach)
#   contrib/quickstart.sh test   build, then run every test (`make check`)
# Missing Debian packages are installed when run as root; otherwise the
# script says which to install.
set -euo pipefail

cd "$(dirname "$0")/.."
what="${1:-}"
case "$what" in
    demo|test) ;;
    *) echo "usage: $0 demo|test" >&2; exit 2 ;;
esac

packages=(build-essential autoconf automake libtool pkg-config
          libnl-3-dev libnl-route-3-dev libcap-ng-dev libjson-c-dev libseccomp-dev
          bats bats-assert bats-support uidmap util-linux passwd)
[ "$what" = test ] && packages+=(clang valgrind bubblewrap keyutils cmake)
# `make check-deb` (.ci/run): the Debian packages, built and checked by lintian.
[ "$what" = test ] && packages+=(debhelper dh-apparmor lintian)
# The Node.js package's tests: Debian's nodejs and its headers, unless a node
# with headers is there already (NodeSource's nodejs ships both in one package).
if [ "$what" = test ] && ! { command -v node >/dev/null 2>&1 &&
        { [ -f /usr/include/node/node_api.h ] || [ -f /usr/local/include/node/node_api.h ]; }; }; then
    packages+=(nodejs libnode-dev)
fi
# The API document's TypeScript samples run as printed (doc-samples.test.js),
# and `npm install` of the package (tests/install/check-install.sh).
# (NodeSource's nodejs brings its own npm; Debian's comes in the npm package.)
[ "$what" = test ] && packages+=(node-typescript)
[ "$what" = test ] && ! command -v npm >/dev/null 2>&1 && packages+=(npm)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "quickstart: installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q >/dev/null
        apt-get install -y -q "${missing[@]}" >/dev/null
    else
        echo "quickstart: missing Debian packages; run as root:" >&2
        echo "  apt-get install ${missing[*]}" >&2
        exit 1
    fi
fi

jobs="$(nproc 2>/dev/null || echo 2)"
if [ ! -x configure ] || [ configure.ac -nt configure ]; then
    autoreconf -fi >/dev/null
fi
if [ ! -f Makefile ] || [ configure -nt Makefile ]; then
    ./configure --enable-werror ${NCP_CONFIGURE_FLAGS:-} >/dev/null
fi
make -j"$jobs" >/dev/null

case "$what" in
demo)
    make -j"$jobs" examples/demo/demo examples/demo/libdemo.la >/dev/null
    exec examples/demo/run-demo.sh
    ;;
test)
    status=0
    make -j"$jobs" check || status=$?
    # One closing line for CI: "N passed, N failed", from automake's own summary.
    count() { local v; v="$(sed -n "s/^# $1: *//p" test-suite.log 2>/dev/null | head -1)"; echo "${v:-0}"; }
    pass="$(count PASS)" skip="$(count SKIP)"
    fail=$(( $(count FAIL) + $(count ERROR) + $(count XPASS) ))
    if [ "$status" != 0 ]; then
        find tests examples -name '*.log' ! -name 'test-suite.log' -newer Makefile -print0 2>/dev/null |
            xargs -0 grep -l -E '^(not ok|FAIL|ERROR)' 2>/dev/null | while read -r f; do
                echo "=== $f"; grep -E -B3 -A15 '^(not ok|# )' "$f" | head -80
            done
        [ "$fail" = 0 ] && fail=1
    fi
    echo "$pass passed, $fail failed, $skip skipped"
    exit "$status"
    ;;
esac
