/* SPDX-License-Identifier: Apache-2.0 */
/* Nothing an isolated child starts outlives it while the app lives on
 * (tests/bats/walls-lifetime.bats covers the app's own end): what the child
 * leaves behind (tests/lib/probe-lifetime.c) is gone within a second of the
 * child's end, checked by process name; it stays while the child lives,
 * whatever other children end meanwhile. */
#include <dirent.h>
#include <signal.h>

#include "../tap.h"
#include "child-helpers.h"

static int count_named(const char *token, const char *suffix)
{
    char name[32];
    pid_t pids[8];
    snprintf(name, sizeof(name), "%s%s", token, suffix);
    return find_by_comm(name, pids, 8);
}

/* Whether none named token+suffix lives within ms. */
static bool gone_within(const char *token, const char *suffix, int ms)
{
    for (int t = 0; t < ms / 10; t++) {
        if (count_named(token, suffix) == 0)
            return true;
        usleep(10000);
    }
    return false;
}

static void kill_named(const char *token, const char *suffix)
{
    char name[32];
    pid_t pids[8];
    snprintf(name, sizeof(name), "%s%s", token, suffix);
    int n = find_by_comm(name, pids, 8);
    for (int i = 0; i < n; i++)
        kill(pids[i], SIGKILL);
}

static int start(NativeChildProcess_IsolationMode mode, const char *params, int32_t *pid)
{
    NativeChildProcess_Args args = { .entryParams = (char *)params };
    NativeChildProcess_Options o = { .isolationMode = mode };
    return OH_Ability_StartNativeChildProcess("libprobe-lifetime.so:Probe", args, o, pid);
}

static void test_orphan(const char *attempt, const char *what, const char *suffix)
{
    char token[12], params[64];
    snprintf(token, sizeof(token), "ul%d%c", (int)getpid() % 100000, attempt[0]);
    snprintf(params, sizeof(params), "%s %s", attempt, token);
    int32_t pid = -1;
    int st = -1;
    is_int(start(NCP_ISOLATION_MODE_ISOLATED, params, &pid), NCP_NO_ERROR, "%s: the child starts", what);
    is_int(NCP_WaitChildProcess(pid, &st, 10000), NCP_NO_ERROR, "%s: it ends", what);
    ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: cleanly (status 0x%x)", what, st);
    ok(gone_within(token, suffix, 1000), "%s: gone within a second, while the app lives", what);
    if (!strcmp(attempt, "chain"))
        ok(gone_within(token, "a", 1000), "%s: its parent too", what);
    kill_named(token, suffix);
    kill_named(token, "a");
}

static void test_stays_while_child_lives(void)
{
    char token[12], params[64];
    snprintf(token, sizeof(token), "ul%ds", (int)getpid() % 100000);
    snprintf(params, sizeof(params), "orphan-stay %s", token);
    int32_t pid = -1, other = -1;
    int st;
    is_int(start(NCP_ISOLATION_MODE_ISOLATED, params, &pid), NCP_NO_ERROR, "a child that leaves an orphan and stays");
    for (int t = 0; t < 500 && count_named(token, "c") == 0; t++)
        usleep(10000);
    is_int(count_named(token, "g"), 1, "its orphan lives");
    /* Other children's ends are no reason to touch it. */
    is_int(start(NCP_ISOLATION_MODE_ISOLATED, "sleep 0", &other), NCP_NO_ERROR, "another isolated child");
    NCP_WaitChildProcess(other, &st, 10000);
    usleep(200000);
    is_int(count_named(token, "g"), 1, "the orphan still lives after another child ended");
    OH_Ability_KillChildProcess(pid);
    NCP_WaitChildProcess(pid, &st, 10000);
    ok(gone_within(token, "g", 1000), "gone within a second of its child being killed");
    kill_named(token, "g");
}

static void test_normal(void)
{
    char token[12], params[64];
    snprintf(token, sizeof(token), "ul%dn", (int)getpid() % 100000);
    snprintf(params, sizeof(params), "orphan %s", token);
    int32_t pid = -1;
    int st;
    is_int(start(NCP_ISOLATION_MODE_NORMAL, params, &pid), NCP_NO_ERROR, "normal: a child that leaves an orphan");
    NCP_WaitChildProcess(pid, &st, 10000);
    usleep(200000);
    is_int(count_named(token, "g"), 1, "normal: its orphan is the app's own code, and lives on");
    kill_named(token, "g");
}

int main(void)
{
    char bundle[64];
    snprintf(bundle, sizeof(bundle), "lifetime-test-%d", (int)getpid());
    setenv("NCP_BUNDLE_NAME", bundle, 1);
    const char *mode = getenv("NCP_SPAWN_MODE");
    if (mode && !strcmp(mode, "exec")) {
        printf("1..0 # SKIP NCP_SPAWN_MODE=exec: only the zygote contains what isolated children leave behind\n");
        return 0;
    }
    test_orphan("orphan", "double fork + setsid, undumpable", "g");
    test_orphan("chain", "a child's child that stays, with its own child", "g");
    test_stays_while_child_lives();
    test_normal();
    return tap_done();
}
