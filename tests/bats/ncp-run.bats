#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# ncp-run seen from the shell: options, exit codes, what the child receives.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

setup() {
    export NCP_BUNDLE_NAME=com.example.bats
    LIB="$NCP_TEST_LIBDIR/libtestentry.so"
    TMP="$(mktemp -d "${BATS_TMPDIR:-/tmp}/ncp-run.XXXXXX")"
}

teardown() {
    rm -rf "$TMP"
}

@test "--help and --version" {
    run "$NCP_RUN" --help
    assert_success
    assert_output --partial "Usage: ncp-run"
    run "$NCP_RUN" --version
    assert_success
    assert_output --regexp "^ncp-run \(libchild_process\) [0-9]"
}

@test "usage errors exit 2" {
    run "$NCP_RUN"
    assert_failure 2
    run "$NCP_RUN" --bogus "$LIB:Main"
    assert_failure 2
    run "$NCP_RUN" --isolation-uid "$LIB:Main"
    assert_failure 2
    assert_output --partial "needs --isolated"
}

@test "params and a named fd reach the entry" {
    run "$NCP_RUN" --params "hello world" --fd-out data="$TMP/data" --fd out='&1' "$LIB:Main"
    assert_success
    assert_line "params=hello world"
    assert_line --regexp "^fd data [0-9]+$"
    assert_line --regexp "^fd out [0-9]+$"
    run cat "$TMP/data"
    assert_output "data"
}

@test "--params-file" {
    printf 'from a file' > "$TMP/params"
    run "$NCP_RUN" --params-file "$TMP/params" "$LIB:Main"
    assert_success
    assert_line "params=from a file"
}

@test "the child's exit status comes back" {
    run "$NCP_RUN" --params exit3 "$LIB:Crash"
    assert_failure 3
    run "$NCP_RUN" --params return "$LIB:Crash"
    assert_success
}

@test "a child killed by a signal gives 128+signal and one line saying so" {
    run "$NCP_RUN" --params segv "$LIB:Crash"
    assert_failure 139
    assert_output --regexp "^ncp-run: com\.example\.bats:Native_libtestentry0 \(pid [0-9]+\) killed by SIGSEGV$"
    run "$NCP_RUN" --isolated --name Parser --params abrt "$LIB:Crash"
    assert_failure 134
    assert_output --regexp "^ncp-run: com\.example\.bats:Parser \(pid [0-9]+\) killed by SIGABRT$"
}

@test "the crash line names the pid the library started" {
    NCP_LOG=info run "$NCP_RUN" --name Crasher --params segv "$LIB:Crash"
    assert_failure 139
    pid=$(echo "$output" | sed -n 's/.*started child com\.example\.bats:Crasher (pid \([0-9]*\)).*/\1/p')
    [ -n "$pid" ]
    assert_line "ncp-run: com.example.bats:Crasher (pid $pid) killed by SIGSEGV"
    [ "$(echo "$output" | grep -c '^ncp-run:')" = 1 ]
}

@test "--quiet: the status only, no line" {
    run "$NCP_RUN" --quiet --params segv "$LIB:Crash"
    assert_failure 139
    assert_output ""
    # A clean end prints nothing either way.
    run "$NCP_RUN" --params exit3 "$LIB:Crash"
    assert_failure 3
    refute_output --partial "ncp-run:"
}

@test "names: argv[0] and comm" {
    run "$NCP_RUN" --name Renderer_0123456789 "$LIB:Identity"
    assert_success
    assert_output --partial "comm=erer_0123456789 argv0=com.example.bats:Renderer_0123456789"
    run "$NCP_RUN" "$LIB:Identity"
    assert_output --regexp "argv0=com\.example\.bats:Native_libtestentry[0-9]+"
}

@test "a bare library name is found through NCP_LIBRARY_PATH" {
    run "$NCP_RUN" --params bare libtestentry.so:Main
    assert_success
    assert_line "params=bare"
}

@test "a missing library: exit 126 and a log line saying why" {
    run "$NCP_RUN" "$TMP/libnothere.so:Main"
    assert_failure 126
    assert_output --partial "dlopen failed"
    assert_output --partial "libnothere.so"
}

@test "a missing entry function: exit 126 and why" {
    run "$NCP_RUN" "$LIB:NoSuchEntry"
    assert_failure 126
    assert_output --partial "NoSuchEntry"
}

@test "bad input: the spec's code name, exit 2" {
    run "$NCP_RUN" --name "bad-name" "$LIB:Main"
    assert_failure 2
    assert_output --partial "NCP_ERR_INVALID_PARAM"
    run "$NCP_RUN" "no-colon"
    assert_failure 2
    assert_output --partial "NCP_ERR_INVALID_PARAM"
    head -c 153601 /dev/zero | tr '\0' a > "$TMP/big"
    run "$NCP_RUN" --params-file "$TMP/big" "$LIB:Main"
    assert_failure 2
    assert_output --partial "longer than 153600"
}

@test "multi-process switched off: NCP_ERR_MULTI_PROCESS_DISABLED" {
    echo "multi_process = off" > "$TMP/conf"
    NCP_CONFIG_FILE="$TMP/conf" run "$NCP_RUN" "$LIB:Main"
    assert_failure 125
    assert_output --partial "NCP_ERR_MULTI_PROCESS_DISABLED"
}

@test "the child holds only 0-2 and its fds" {
    run "$NCP_RUN" --fd out='&1' "$LIB:Fds"
    assert_success
    # 0,1,2 and "out" (the slot lock stays with the app)
    assert_output --regexp "^fds=0,1,2,[0-9]+,$"
}

@test "NCP_LOG=info logs the start with the child's name and pid" {
    NCP_LOG=info run "$NCP_RUN" --name Logged "$LIB:Main"
    assert_success
    assert_output --regexp "started child com\.example\.bats:Logged \(pid [0-9]+\)"
}

@test "--doctor tells what this machine has" {
    run "$NCP_RUN" --doctor
    assert_output --partial "Linux $(uname -r)"
    assert_output --partial "uid                                            $(id -u)"
    assert_output --partial "user.max_user_namespaces                       $(cat /proc/sys/user/max_user_namespaces)"
    assert_output --regexp "landlock ABI in the kernel +[0-9]+"
    assert_line --regexp "^normal children: yes; isolated children: (yes|NO)$"
}

@test "--doctor --json follows the schema of doc/doctor.md, with the machine's values" {
    run "$NCP_RUN" --doctor --json
    echo "$output" > "$TMP/report.json"
    run python3 "$NCP_TOP_SRCDIR/tests/tools/check-doctor-json.py" "$NCP_TOP_SRCDIR/doc/doctor.md" \
        uid="$(id -u)" \
        user_max_user_namespaces="$(cat /proc/sys/user/max_user_namespaces)" \
        multi_process=true max_children_per_app=512 max_spares=3 max_ipc_children=50 < "$TMP/report.json"
    assert_success
    run python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["normal_children"], d["checks"]["children_can_start"]["holds"])' "$TMP/report.json"
    assert_output "True True"
}

@test "--doctor --json: a check that fails says why and how to fix it" {
    echo "multi_process = off" > "$TMP/conf"
    NCP_CONFIG_FILE="$TMP/conf" run "$NCP_RUN" --doctor --json
    assert_failure 1
    echo "$output" > "$TMP/report.json"
    run python3 "$NCP_TOP_SRCDIR/tests/tools/check-doctor-json.py" "$NCP_TOP_SRCDIR/doc/doctor.md" < "$TMP/report.json"
    assert_success
    run python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["checks"]["multi_process"]
print(c["value"], c["holds"], c["fix"])' "$TMP/report.json"
    assert_output "False False multi_process = on in child_process.conf(5)"
}

@test "--doctor --json: max_spares shows the setting, 0 to 8 (a value past 8 is refused)" {
    spares() {
        echo "max_spares = $1" > "$TMP/conf"
        NCP_CONFIG_FILE="$TMP/conf" "$NCP_RUN" --doctor --json |
            python3 -c 'import json,sys; c=json.load(sys.stdin)["checks"]["max_spares"]; print(c["value"], c["holds"], c["reason"])'
    }
    run spares 0
    assert_output "0 True max_spares = 0 in the settings: every child is started on demand"
    run spares 8
    assert_output --regexp "^8 True children of each kind started ahead of need"
    run spares 9
    assert_line --regexp "^3 True "
    assert_line --partial 'bad value "9" for max_spares, ignored'
}

@test "--doctor without ncp-sandbox.so next to the runner: the module is missing, and what needs it says so" {
    cp "$NCP_RUNNER" "$TMP/ncp-runner"
    NCP_RUNNER="$TMP/ncp-runner" run "$NCP_RUN" --doctor --json
    echo "$output" > "$TMP/report.json"
    grep -q '"sandbox_module": {[^}]*"holds": true' "$TMP/report.json" &&
        skip "an installed ncp-sandbox.so (the runner's last place to look) was found"
    run python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["checks"]
print(c["sandbox_module"]["holds"], c["libseccomp_version"]["value"], c["seccomp_filter"]["holds"])' "$TMP/report.json"
    assert_output "False unknown False"
}

@test "--doctor --json: the seccomp filter and the session keyring are probed" {
    run "$NCP_RUN" --doctor --json
    assert_success
    echo "$output" > "$TMP/report.json"
    run python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["checks"]
for k in ("libseccomp_version", "seccomp_filter", "own_session_keyring", "key_quota_free"):
    print(k, c[k]["value"], c[k]["holds"], c[k]["reason"])' "$TMP/report.json"
    assert_line --regexp '^libseccomp_version [0-9]+\.[0-9]+\.[0-9]+ True '
    assert_line --regexp '^seccomp_filter True True libseccomp [0-9.]+: denied calls get EPERM, unknown ones ENOSYS \(probed\)$'
    assert_line --regexp '^own_session_keyring True True a fresh anonymous session keyring per child'
    assert_line --regexp '^key_quota_free [0-9]+ True each live isolated child'
    run "$NCP_RUN" --doctor
    assert_line --regexp '^  \[ok\] kernel surface narrowed by a seccomp filter +\(libseccomp'
    assert_line --regexp '^  \[ok\] its own session keyring'
}

@test "--doctor where no seccomp filter can be loaded: seccomp_filter fails, as an isolated start does" {
    local nosec="$NCP_TOP_BUILDDIR/tests/lib/no-seccomp"
    [ -x "$nosec" ] || skip "no-seccomp not built"
    run sh -c '"$1" "$2" --doctor --json > "$3"' sh "$nosec" "$NCP_RUN" "$TMP/report.json"
    assert_failure 1
    assert_output ""
    run python3 "$NCP_TOP_SRCDIR/tests/tools/check-doctor-json.py" "$NCP_TOP_SRCDIR/doc/doctor.md" < "$TMP/report.json"
    assert_success
    run python3 -c '
import json, sys
d = json.load(open(sys.argv[1])); c = d["checks"]["seccomp_filter"]
print(d["normal_children"], d["isolated_children"], c["holds"]); print(c["reason"]); print(c["fix"])' "$TMP/report.json"
    assert_line --index 0 "True False False"
    assert_line --index 1 "the filter cannot be loaded here (Invalid argument): isolated children cannot start"
    assert_line --index 2 --partial "CONFIG_SECCOMP_FILTER"
    # What the doctor says is what a start finds.
    run "$nosec" "$NCP_RUN" --isolated "$LIB:Main"
    assert_failure
    assert_output --partial "seccomp: cannot load the argument filter: Invalid argument"
    # A normal child does not need the filter.
    run "$nosec" "$NCP_RUN" "$LIB:Main"
    assert_success
}

@test "--policy needs --isolated and a readable file" {
    run "$NCP_RUN" --policy /nonexistent "$LIB:Main"
    assert_failure 2
    run "$NCP_RUN" --isolated --policy /nonexistent "$LIB:Main"
    assert_failure 2
    assert_output --partial "/nonexistent"
}

@test "an isolated policy with a NUL byte: the start fails at once, saying why" {
    mkdir -p "$TMP/nulpolicy"
    printf '{"a": 1}\0{}' >"$TMP/nulpolicy/isolated.json"
    NCP_POLICY_DIR="$TMP/nulpolicy" run "$NCP_RUN" --isolated "$LIB:Main"
    assert_failure 125
    assert_output --partial "policy isolated: contains a NUL byte (not a JSON text)"
    assert_output --partial "NCP_ERR_NOT_SUPPORTED (801)"
    # A normal child reads no policy.
    NCP_POLICY_DIR="$TMP/nulpolicy" run "$NCP_RUN" "$LIB:Main"
    assert_success
}

@test "NCP_TEST_STEP_TIMES=1: the runner says how long each step of an isolated start took, once; unset, nothing" {
    local mode line
    for mode in exec zygote; do
        NCP_SPAWN_MODE=$mode NCP_TEST_STEP_TIMES=1 run "$NCP_RUN" --isolated "$LIB:Main"
        assert_success
        [ "$(grep -c 'ncp-steps: ' <<<"$output")" -eq 1 ] || { echo "$mode: not one line"; false; }
        line=$(grep -o 'ncp-steps: .*' <<<"$output")
        [[ "$line" =~ ^ncp-steps:\ start=[0-9]+(\ [a-z_+]+=\+[0-9]+)+$ ]] || { echo "$mode: $line"; false; }
        # The spec and the entry's library always; the sandbox's steps when
        # it is built for this start (not by a spare ahead of need).
        grep -q ' idmaps+spec=+[0-9]* .* dlopen=+[0-9]* args=+[0-9]*$' <<<"$line"
        [ "$mode" = zygote ] ||
            grep -q ' root=+[0-9]* .* landlock=+[0-9]* seccomp=+[0-9]* ' <<<"$line"
    done
    run "$NCP_RUN" --isolated "$LIB:Main"
    assert_success
    refute_output --partial "ncp-steps"
}
