#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The C code blocks of README.md (TAP): each compiles with
# -Wall -Wextra -Werror against the source tree's headers and links against
# the built libraries, as a shared library (-o NAME taken from its first
# line's build command) or, with a main(), as a program; README.md's program
# then runs and starts its library as the README says.
set -u
src=${NCP_TOP_SRCDIR:?}
top=${NCP_TOP_BUILDDIR:?}
cc=${CC:-cc}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/readme-code.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

libs="-L$top/src/.libs -L$top/src/ipc/.libs -Wl,-rpath-link,$top/src/ipc/.libs -lchild_process -lipc_capi"
flags="-std=c11 -Wall -Wextra -Werror -I$src/include"

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; sed 's/^/#   /' "$tmp/why"; }

# Writes each ```c block of $1 to $tmp/<stem>-<k>.c; prints their names.
extract() {
    awk -v out="$tmp/$2" '
        /^```c[[:space:]]*$/ { k++; f = out "-" k ".c"; inblock = 1; next }
        /^```/ && inblock { inblock = 0; close(f); print f; next }
        inblock { print > f }' "$1"
}

docs="$src/README.md"
blocks=0
for doc in $docs; do
    stem=$(basename "$doc" .md)
    prog=
    for c in $(extract "$doc" "$stem"); do
        blocks=$((blocks + 1))
        name=${doc#"$src"/}:block$(basename "$c" .c | sed 's/.*-//')
        if grep -q 'int main(' "$c"; then
            out=${c%.c}
            if $cc ${NCP_TEST_SANITIZE_FLAGS:-} $flags -o "$out" "$c" $libs >"$tmp/why" 2>&1; then
                ok "$name compiles and links as a program"
                [ "$stem" = README ] && prog=$out
            else
                not_ok "$name compiles and links as a program"
            fi
        else
            so=$(sed -n '1s/.*-o \(lib[A-Za-z0-9_-]*\.so\).*/\1/p' "$c")
            out=$tmp/${so:-$(basename "$c" .c).so}
            if $cc ${NCP_TEST_SANITIZE_FLAGS:-} $flags -shared -fPIC -Wl,--no-undefined -o "$out" "$c" $libs >"$tmp/why" 2>&1; then
                ok "$name compiles and links as a shared library${so:+ ($so)}"
            else
                not_ok "$name compiles and links as a shared library"
            fi
        fi
    done
    if [ -n "$prog" ]; then
        # Its stdin and stdout go to the isolated child: a pipe and a file
        # (host devices such as /dev/null are refused to isolated children).
        if echo '{"input": 1}' | LD_LIBRARY_PATH="$top/src/.libs:$top/src/ipc/.libs" NCP_LIBRARY_PATH="$tmp" \
           "$prog" >"$tmp/why" 2>&1; then
            ok "README.md's program runs and its child ends cleanly"
        else
            echo "exit status $?" >>"$tmp/why"
            not_ok "README.md's program runs and its child ends cleanly"
        fi
    fi
done
if [ "$blocks" = 0 ]; then
    echo "Bail out! no C code blocks in README.md"
    exit 1
fi
echo "1..$n"
exit $failed
