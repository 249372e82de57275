# SPDX-License-Identifier: Apache-2.0
# Sourced (POSIX sh) by the scripts that run tests as a throwaway
# unprivileged user (tests/bats/run-walls-unprivileged.sh,
# bindings/node/test/run-node-tests.sh,
# tests/run-unprivileged.sh).  Needs root.
#
#   throwaway_user_make PREFIX   creates the system user PREFIX<pid> with a
#                                subordinate uid/gid range nobody else uses
#                                (for the isolation-uid tests); sets user,
#                                uid, gid, sub_start, sub_end; 1 on failure
#   throwaway_user_remove        removes it again (safe to call twice)
#
# One user per run: two suites may run at once on a shared machine.

# retry CMD...: the shadow tools fail while another process holds their lock.
retry() {
    n=0
    until "$@"; do
        n=$((n + 1))
        [ "$n" -lt 10 ] || return 1
        sleep 1
    done
}

throwaway_user_make() {
    user=$1$$
    # A subordinate range nobody else uses (ranges are [start, start+65536)).
    sub_start=1879048192
    while awk -F: -v s="$sub_start" '$2 < s + 65536 && $2 + $3 > s { found = 1 } END { exit !found }' \
            /etc/subuid /etc/subgid 2>/dev/null; do
        sub_start=$((sub_start + 65536))
    done
    sub_end=$((sub_start + 65535))
    # A user left behind by an interrupted run.
    if getent passwd "$user" >/dev/null 2>&1; then
        userdel "$user" >/dev/null 2>&1 || true
    fi
    retry useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
        --user-group "$user" || return 1
    retry usermod --add-subuids "$sub_start-$sub_end" --add-subgids "$sub_start-$sub_end" "$user" || {
        throwaway_user_remove
        return 1
    }
    uid=$(id -u "$user")
    gid=$(id -g "$user")
}

throwaway_user_remove() {
    if [ -n "${user:-}" ] && getent passwd "$user" >/dev/null 2>&1; then
        retry usermod --del-subuids "$sub_start-$sub_end" --del-subgids "$sub_start-$sub_end" "$user" >/dev/null 2>&1 || true
        retry userdel "$user" >/dev/null 2>&1 || true
    fi
}
