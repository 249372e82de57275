#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The man pages (TAP): each renders with groff and with man(1) at 80 columns
# without a warning, has a NAME line that whatis/apropos can read, and the
# pages keep up with the code: every function of the public headers, every
# ncp-run option and every settings key is documented.
#
# Skips (a TAP "1..0 # SKIP" plan) when neither man nor groff is installed.
set -u

top=${NCP_TOP_SRCDIR:-${srcdir:-.}}
doc=$top/doc
pages=$(ls "$doc"/*.[1-8] 2>/dev/null | LC_ALL=C sort)

have() { command -v "$1" >/dev/null 2>&1; }
if ! have groff && ! have man; then
    echo "1..0 # SKIP neither man nor groff is installed"
    exit 0
fi
if [ -z "$pages" ]; then
    echo "Bail out! no man pages in $doc"
    exit 1
fi

n=0
failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/man-pages.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

ok() { n=$((n + 1)); echo "ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
not_ok() {
    n=$((n + 1)); failed=$((failed + 1))
    echo "not ok $n - $1"
    sed 's/^/#   /' "$tmp/why"
}
# check DESCRIPTION COMMAND...: ok when COMMAND succeeds, its reasons in $tmp/why.
check() {
    d=$1; shift
    : > "$tmp/why"
    if "$@"; then ok "$d"; else not_ok "$d"; fi
}

# --- rendering ------------------------------------------------------------

groff_clean() {
    groff -man -ww -z -Tutf8 "$1" > "$tmp/why" 2>&1 && ! [ -s "$tmp/why" ]
}

man_clean() {
    MANWIDTH=80 MAN_KEEP_FORMATTING= LC_ALL=C.UTF-8 \
        man --warnings=w -E UTF-8 -l "$1" > "$tmp/out" 2> "$tmp/why" || return 1
    [ -s "$tmp/why" ] && return 1
    [ -s "$tmp/out" ] || { echo "no output" > "$tmp/why"; return 1; }
    # Nothing wider than the terminal, no troff escape left unprocessed.
    awk 'length($0) > 80 { print "line " NR " has " length($0) " columns: " $0 }' "$tmp/out" > "$tmp/why"
    grep -n '\\f[BIRP]\|\\-\|\\e' "$tmp/out" >> "$tmp/why"
    ! [ -s "$tmp/why" ]
}

whatis_entry() {
    lexgrog "$1" > "$tmp/why" 2>&1
}

# --- the pages keep up with the code -------------------------------------

# A page as plain text (long lines, so no name is wrapped), for grep.
plain_text() {
    if have groff; then
        groff -man -Tutf8 -P-cbou -rLL=250n "$1" 2>/dev/null
    else
        sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' "$1"
    fi
}

# Names of the functions declared (not merely mentioned in comments) in headers.
declared_functions() {
    grep -h '^[A-Za-z]' "$@" | grep -oE '\b(OH|NCP)_[A-Za-z0-9_]+\(' | tr -d '(' | LC_ALL=C sort -u
}

# Every function declared in the headers $2... appears in page $1.  The
# typed parcel functions may be covered by the page's Type/type list.
documents_functions() {
    page=$1; shift
    declared_functions "$@" > "$tmp/functions"
    [ -s "$tmp/functions" ] || { echo "no function found in $*" > "$tmp/why"; return 1; }
    plain_text "$page" > "$tmp/text"
    while read -r f; do
        grep -q -- "$f" "$tmp/text" && continue
        case $f in
            OH_IPCParcel_Write*|OH_IPCParcel_Read*)
                t=${f#OH_IPCParcel_Write}; t=${t#OH_IPCParcel_Read}
                grep -q 'OH_IPCParcel_WriteType' "$tmp/text" && grep -q "[ ,:]$t/" "$tmp/text" && continue ;;
        esac
        echo "$f is not documented in ${page##*/}"
    done < "$tmp/functions" > "$tmp/why"
    ! [ -s "$tmp/why" ]
}

# Every long option in ncp-run's option table appears in ncp-run(1).
documents_options() {
    sed -n '/struct option options\[\]/,/};/p' "$top/src/tools/ncp-run.c" |
        grep -oE '\{ *"[a-z][a-z-]*"' | grep -oE '[a-z][a-z-]*' > "$tmp/options"
    [ -s "$tmp/options" ] || { echo "no option table found in src/tools/ncp-run.c" > "$tmp/why"; return 1; }
    plain_text "$doc/ncp-run.1" > "$tmp/text"
    while read -r o; do
        grep -qE -- "--$o([^a-z-]|\$)" "$tmp/text" || echo "--$o is not documented in ncp-run.1"
    done < "$tmp/options" > "$tmp/why"
    ! [ -s "$tmp/why" ]
}

# Every key src/spawn/settings.c accepts appears in the page and in the shipped file.
documents_settings() {
    grep -oE 'strcmp\(key, "[a-z_]+"\)' "$top/src/spawn/settings.c" | grep -oE '"[a-z_]+"' | tr -d '"' > "$tmp/keys"
    [ -s "$tmp/keys" ] || { echo "no key found in src/spawn/settings.c" > "$tmp/why"; return 1; }
    while read -r k; do
        grep -q "$k" "$doc/child_process.conf.5" || echo "$k is not documented in child_process.conf.5"
        grep -q "^#*$k = " "$top/contrib/child_process.conf" || echo "$k is missing from contrib/child_process.conf"
    done < "$tmp/keys" > "$tmp/why"
    ! [ -s "$tmp/why" ]
}

# --- run ------------------------------------------------------------------

count=0
for p in $pages; do count=$((count + 3)); done
echo "1..$((count + 5))"

for p in $pages; do
    name=${p##*/}
    if have groff; then check "$name: groff -man -ww renders it without warnings" groff_clean "$p"
    else skip "$name: groff -man -ww" "groff not installed"; fi
    if have man; then check "$name: man -l renders it at 80 columns without warnings" man_clean "$p"
    else skip "$name: man -l" "man not installed"; fi
    if have lexgrog; then check "$name: whatis can read its NAME line" whatis_entry "$p"
    else skip "$name: NAME line" "lexgrog (man-db) not installed"; fi
done

check "libchild_process.3 documents every function of <AbilityKit/*.h>" \
    documents_functions "$doc/libchild_process.3" "$top"/include/AbilityKit/*.h
check "libability_runtime.3 documents every function of <AbilityKit/ability_runtime/*.h>" \
    documents_functions "$doc/libability_runtime.3" "$top"/include/AbilityKit/ability_runtime/*.h
check "ipc_capi.3 documents every function of <IPCKit/*.h>" \
    documents_functions "$doc/ipc_capi.3" "$top"/include/IPCKit/*.h
check "ncp-run.1 documents every ncp-run option" documents_options
check "child_process.conf.5 and contrib/child_process.conf document every settings key" documents_settings

[ "$failed" -eq 0 ]
