#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The layering rule of src/README.md (TAP), read from the sources: each unit
# includes only the units it may call, a header of another directory is
# named with its directory (the public headers of include/ are everyone's),
# and src/common registers nothing at load time.
# One test per unit; a failure lists the offending lines.
set -u
top=${NCP_TOP_SRCDIR:-${srcdir:-.}}
src=$top/src
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }

if [ ! -d "$src/common" ]; then
    echo "Bail out! no $src/common"
    exit 1
fi

# unit (a directory under src/), then what its files may include from other
# directories: a directory (any header in it) or dir/header.h.
allowed() {
    case $1 in
    common) echo "" ;;
    spawn | ipc | ability_runtime) echo "common" ;;
    sandbox/parent) echo "common sandbox/sandbox.h sandbox/policy.h" ;;
    sandbox) echo "common sandbox/parent/userns.h sandbox/parent/binds.h" ;;
    app) echo "common spawn sandbox/sandbox.h sandbox/parent/userns.h sandbox/parent/cgroup.h sandbox/parent/binds.h sandbox/parent/policy_files.h runner/zygote_proto.h runner/runner_state.h ability_runtime/child_process_info.h" ;;
    runner) echo "common sandbox/sandbox.h sandbox/parent/userns.h sandbox/parent/cgroup.h" ;;
    tools) echo "*" ;;
    esac
}

for unit in common spawn ipc ability_runtime sandbox/parent sandbox app runner tools; do
    may=$(allowed "$unit")
    bad=""
    for f in "$src/$unit"/*.c "$src/$unit"/*.h; do
        [ -f "$f" ] || continue
        rel=${f#"$src/"}
        # "dir/x.h" includes: another directory's header.  Bare "x.h": must
        # sit beside the file (config.h is the build's).
        for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
            case $inc in
            config.h) continue ;;
            */*)
                # the public headers (include/) are everyone's
                [ -f "$top/include/$inc" ] && continue
                dir=${inc%/*}
                [ "$dir" = "$unit" ] && continue
                [ "$may" = "*" ] && [ -f "$src/$inc" ] && continue
                okay=no
                for m in $may; do
                    [ "$m" = "$dir" ] || [ "$m" = "$inc" ] && okay=yes
                done
                [ "$okay" = yes ] && [ -f "$src/$inc" ] || bad="$bad $rel:$inc"
                ;;
            *)
                [ -f "$src/$unit/$inc" ] || bad="$bad $rel:$inc(not-beside-it)"
                ;;
            esac
        done
    done
    if [ -z "$bad" ]; then
        ok "src/$unit includes only what src/README.md allows"
    else
        not_ok "src/$unit includes only what src/README.md allows"
        for b in $bad; do echo "#   $b"; done
    fi
done

# A unit every process links must not run code in a process that never calls it.
ctors=$(grep -ln '__attribute__((constructor))\|__attribute__((destructor))' "$src/common"/*.c 2>/dev/null)
if [ -z "$ctors" ]; then
    ok "src/common has no constructor or destructor"
else
    not_ok "src/common has no constructor or destructor"
    echo "$ctors" | sed 's/^/#   /'
fi

echo "1..$n"
exit $failed
