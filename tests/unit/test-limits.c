/* SPDX-License-Identifier: Apache-2.0 */
/* The per-app limit across processes, slots that crashes never leak, that
 * children cannot give back from inside nor leave behind, and children that
 * die with their parent. */
#include <dirent.h>
#include <signal.h>

#include "../tap.h"
#include "child-helpers.h"

static int hold_r = -1, hold_w = -1;

/* A child that holds its slot until hold_w closes, after it tried to give
 * the slot back: flock(LOCK_UN) on every descriptor, every one closed but
 * "hold" (tests/lib/probe-lifetime.c). */
static int start_holder(int32_t *pid)
{
    NativeChildProcess_Fd h = { .fdName = (char *)"hold", .fd = hold_r };
    NativeChildProcess_Args args = { .entryParams = (char *)"", .fdList = { .head = &h } };
    NativeChildProcess_Options o = { 0 };
    return OH_Ability_StartNativeChildProcess("libprobe-lifetime.so:HoldUnlocked", args, o, pid);
}

static void new_hold_pipe(void)
{
    int p[2];
    pipe2(p, O_CLOEXEC);
    hold_r = p[0];
    hold_w = p[1];
}

static char *write_conf(const char *text)
{
    char *path = strdup("/tmp/ncp-limits-XXXXXX");
    int fd = mkstemp(path);
    dprintf(fd, "%s", text);
    close(fd);
    return path;
}

/* This program's file.  Not "/proc/self/exe" itself: under valgrind
 * (make check-valgrind) that names valgrind's tool, while readlink() of it
 * is answered with the program's own path. */
static const char *self_exe(void)
{
    static char path[4096];
    ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
    if (n <= 0)
        return "/proc/self/exe";
    path[n] = '\0';
    return path;
}

/* Another process of the same app tries one start and prints the code. */
static int code_from_other_process(const char *self)
{
    int p[2];
    pipe(p);
    pid_t kid = fork();
    if (kid == 0) {
        dup2(p[1], 1);
        execl(self_exe(), self, "try", (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    char *text = read_until_eof(p[0], 10000);
    close(p[0]);
    waitpid(kid, NULL, 0);
    int code = atoi(text);
    free(text);
    return code;
}

static void test_small_limit(void)
{
    char *conf = write_conf("max_children_per_app = 3\n");
    setenv("NCP_CONFIG_FILE", conf, 1);
    new_hold_pipe();
    int32_t pids[4];
    int okays = 0;
    for (int i = 0; i < 3; i++)
        okays += start_holder(&pids[i]) == NCP_NO_ERROR;
    is_int(okays, 3, "limit 3: three children start");
    is_int(start_holder(&pids[3]), NCP_ERR_MAX_CHILD_PROCESSES_REACHED, "the fourth -> 16010006");
    OH_Ability_KillChildProcess(pids[1]);
    int st;
    NCP_WaitChildProcess(pids[1], &st, 10000);
    is_int(start_holder(&pids[1]), NCP_NO_ERROR, "a killed child's slot is free again");
    close(hold_w);
    for (int i = 0; i < 3; i++)
        NCP_WaitChildProcess(pids[i], &st, 10000);
    close(hold_r);
    unlink(conf);
    free(conf);
    setenv("NCP_CONFIG_FILE", "/nonexistent", 1);
}

static void test_512(const char *self)
{
    new_hold_pipe();
    static int32_t pids[513];
    int started = 0;
    for (int i = 0; i < 512; i++)
        if (start_holder(&pids[i]) == NCP_NO_ERROR)
            started++;
        else
            break;
    is_int(started, 512, "512 children of one app start (each unlocks and closes every descriptor it has)");
    is_int(start_holder(&pids[512]), NCP_ERR_MAX_CHILD_PROCESSES_REACHED, "the 513th -> 16010006");
    is_int(code_from_other_process(self), NCP_ERR_MAX_CHILD_PROCESSES_REACHED, "from another process of the same app -> 16010006");
    close(hold_w);
    int ended = 0, st;
    for (int i = 0; i < started; i++)
        ended += NCP_WaitChildProcess(pids[i], &st, 20000) == NCP_NO_ERROR && WIFEXITED(st) && WEXITSTATUS(st) == 0;
    is_int(ended, 512, "all 512 end cleanly when released");
    close(hold_r);
    is_int(count_zombies(), 0, "no zombies after 512 children");
}

/* A normal child leaves a grandchild behind (double fork, setsid) and ends:
 * the grandchild is the app's trusted code and may live on, but it holds
 * no slot, so the app's next start works even at a limit of 1. */
static void test_orphan_holds_no_slot(void)
{
    char *conf = write_conf("max_children_per_app = 1\n");
    setenv("NCP_CONFIG_FILE", conf, 1);
    char token[12], gname[16];
    snprintf(token, sizeof(token), "lim%d", (int)getpid() % 100000);
    snprintf(gname, sizeof(gname), "%sg", token);
    char params[64];
    snprintf(params, sizeof(params), "orphan %s", token);
    NativeChildProcess_Args args = { .entryParams = params };
    NativeChildProcess_Options o = { 0 };
    int32_t pid = -1;
    int st = -1;
    is_int(OH_Ability_StartNativeChildProcess("libprobe-lifetime.so:Probe", args, o, &pid), NCP_NO_ERROR,
           "limit 1: a child that leaves an orphan starts");
    is_int(NCP_WaitChildProcess(pid, &st, 10000), NCP_NO_ERROR, "it ends");
    pid_t orphans[4];
    int n = find_by_comm(gname, orphans, 4);
    is_int(n, 1, "its orphan lives on (a normal child's descendants are the app's)");
    new_hold_pipe();
    int32_t next = -1;
    is_int(start_holder(&next), NCP_NO_ERROR, "the app's next start works: the orphan holds no slot");
    close(hold_w);
    NCP_WaitChildProcess(next, &st, 10000);
    close(hold_r);
    for (int i = 0; i < n; i++)
        kill(orphans[i], SIGKILL);
    unlink(conf);
    free(conf);
    setenv("NCP_CONFIG_FILE", "/nonexistent", 1);
}

static void test_parent_killed(const char *self)
{
    char *conf = write_conf("max_children_per_app = 3\n");
    setenv("NCP_CONFIG_FILE", conf, 1);
    int p[2];
    pipe(p);
    pid_t parent = fork();
    if (parent == 0) {
        dup2(p[1], 1);
        execl(self_exe(), self, "parent", (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    FILE *f = fdopen(p[0], "r");
    int kids[3], n = 0;
    while (n < 3 && fscanf(f, "%d", &kids[n]) == 1)
        n++;
    is_int(n, 3, "a parent process started 3 children");
    int alive = 0;
    for (int i = 0; i < n; i++)
        alive += process_alive(kids[i]);
    is_int(alive, 3, "they run");
    kill(parent, SIGKILL);
    waitpid(parent, NULL, 0);
    for (int t = 0; t < 300; t++) {
        alive = 0;
        for (int i = 0; i < n; i++)
            alive += process_alive(kids[i]);
        if (!alive)
            break;
        usleep(10000);
    }
    is_int(alive, 0, "SIGKILL of the parent kills its children");
    fclose(f);
    /* Their slots came back: the same app can start 3 again. */
    new_hold_pipe();
    int32_t pids[3];
    int okays = 0;
    for (int i = 0; i < 3; i++)
        okays += start_holder(&pids[i]) == NCP_NO_ERROR;
    is_int(okays, 3, "no slot leaked by the killed parent");
    close(hold_w);
    int st;
    for (int i = 0; i < okays; i++)
        NCP_WaitChildProcess(pids[i], &st, 10000);
    close(hold_r);
    unlink(conf);
    free(conf);
    setenv("NCP_CONFIG_FILE", "/nonexistent", 1);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "try") == 0) {
        new_hold_pipe();
        int32_t pid;
        printf("%d\n", start_holder(&pid));
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "parent") == 0) {
        new_hold_pipe();
        for (int i = 0; i < 3; i++) {
            int32_t pid = -1;
            start_holder(&pid);
            printf("%d\n", (int)pid);
        }
        fflush(stdout);
        pause();
        return 0;
    }
    char bundle[64];
    snprintf(bundle, sizeof(bundle), "limits-test-%d", (int)getpid());
    setenv("NCP_BUNDLE_NAME", bundle, 1);
    test_small_limit();
    test_512(argv[0]);
    test_orphan_holds_no_slot();
    test_parent_killed(argv[0]);
    return tap_done();
}
