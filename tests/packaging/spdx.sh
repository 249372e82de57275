#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Licence notices (TAP): LICENSE is the Apache-2.0 text, and every source
# file of the tree (C, headers, scripts, build fragments, man pages) names
# its licence in an SPDX line near its top.  Data files (JSON policies, fuzz
# corpora) and Markdown documents are not source and are not checked.
set -u
top=${NCP_TOP_SRCDIR:-${srcdir:-.}}
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }

if grep -q 'Apache License' "$top/LICENSE" 2>/dev/null && grep -q 'Version 2.0, January 2004' "$top/LICENSE"; then
    ok "LICENSE holds the Apache-2.0 text"
else
    not_ok "LICENSE holds the Apache-2.0 text"
fi

missing=$(cd "$top" && find src include tests bench examples contrib doc bindings .ci \
        \( -name node_modules -o -name .libs -o -name .deps -o -name corpus -o -name regressions \) -prune -o \
        -type f \( -name '*.c' -o -name '*.h' -o -name '*.cc' -o -name '*.sh' -o -name '*.bats' -o -name '*.bash' \
        -o -name '*.py' -o -name '*.mk' -o -name '*.js' -o -name '*.mjs' -o -name '*.cjs' -o -name '*.ts' \
        -o -name '*.[1-8]' -o -name '*.in' -o -name run -o -name rules \) -print 2>/dev/null |
    grep -v -e '/Makefile\.in$' -e '^tests/fuzz/.*/crash-' | LC_ALL=C sort | while read -r f; do
        head -n 5 "$f" | grep -q 'SPDX-License-Identifier: Apache-2.0' || echo "$f"
    done)
for f in Makefile.am configure.ac; do
    head -n 5 "$top/$f" | grep -q 'SPDX-License-Identifier: Apache-2.0' || missing="$missing $f"
done
if [ -z "$missing" ]; then
    ok "every source file has an SPDX-License-Identifier: Apache-2.0 line"
else
    not_ok "every source file has an SPDX-License-Identifier: Apache-2.0 line"
    for f in $missing; do echo "# missing: $f"; done
fi
echo "1..$n"
exit $failed
