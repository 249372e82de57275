#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The built Debian packages (TAP), run by `make check-deb` after `make deb`:
#   deb.sh DEB_DIR
# - lintian reports no error and no warning (overrides say why, in
#   contrib/debian/*.lintian-overrides); skipped when lintian is absent;
# - the runtime package holds no header and no pkg-config file.
set -u
dir=${1:?usage: deb.sh DEB_DIR}
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }

runtime=$(ls "$dir"/libchild-process0_*.deb 2>/dev/null | head -1)
dev=$(ls "$dir"/libchild-process-dev_*.deb 2>/dev/null | head -1)
changes=$(ls "$dir"/*.changes 2>/dev/null | head -1)
if [ -z "$runtime" ] || [ -z "$dev" ]; then
    echo "1..0 # SKIP no .debs in $dir (make deb first)"
    exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ncp-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if command -v lintian >/dev/null 2>&1; then
    # Root is fine for a read-only look at our own packages.
    if lintian --fail-on error,warning "${changes:-$runtime}" >"$tmp/lintian" 2>&1; then
        ok "lintian: no error, no warning ($(grep -c '^[EW]:' "$tmp/lintian") tags)"
    else
        not_ok "lintian: no error, no warning"
    fi
    grep -v 'running with root privileges' "$tmp/lintian" | sed 's/^/#   /'
else
    skip "lintian is not installed (Debian: apt-get install lintian)"
fi

if dpkg-deb -c "$runtime" | grep -qE '\.h$|\.pc$'; then
    not_ok "the runtime package holds no header or pkg-config file"
else
    ok "the runtime package holds no header or pkg-config file"
fi
echo "1..$n"
exit $failed
