/* SPDX-License-Identifier: Apache-2.0 */
/* The isolated child's resource limits through the C API:
 * NCP_ChildProcessConfigs_SetLimit() validation (401 on nonsense), and a
 * child killed by a limit reported with its signal through the exit
 * callbacks and NCP_WaitChildProcess (SIGXFSZ, SIGXCPU).  The probe is
 * tests/lib/probe-limits.c; tests/bats/walls-limits.bats has the rest. */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>

#include "../tap.h"
#include "child-helpers.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int32_t exit_pid, exit_sig;

static void on_exit_cb(int32_t pid, int32_t sig)
{
    pthread_mutex_lock(&lock);
    exit_pid = pid;
    exit_sig = sig;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
}

/* The signal the exit callback reported for pid (10 s), or 0. */
static int32_t callback_signal(int32_t pid)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 10;
    pthread_mutex_lock(&lock);
    while (exit_pid != pid)
        if (pthread_cond_timedwait(&cond, &lock, &ts) != 0)
            break;
    int32_t sig = exit_pid == pid ? exit_sig : 0;
    pthread_mutex_unlock(&lock);
    return sig;
}

static void test_setter(void)
{
    Ability_ChildProcessConfigs *c = OH_Ability_CreateChildProcessConfigs();
    is_int(NCP_ChildProcessConfigs_SetLimit(NULL, NCP_LIMIT_NPROC, 10), NCP_ERR_INVALID_PARAM, "NULL configs -> 401");
    is_int(NCP_ChildProcessConfigs_SetLimit(c, (NCP_ChildProcess_Limit)99, 10), NCP_ERR_INVALID_PARAM,
           "an unknown limit -> 401");
    is_int(NCP_ChildProcessConfigs_SetLimit(c, (NCP_ChildProcess_Limit)-1, 10), NCP_ERR_INVALID_PARAM,
           "a negative limit id -> 401");
    is_int(NCP_ChildProcessConfigs_SetLimit(c, NCP_LIMIT_NPROC, 0), NCP_ERR_INVALID_PARAM, "nproc 0 -> 401");
    is_int(NCP_ChildProcessConfigs_SetLimit(c, NCP_LIMIT_NPROC, -2), NCP_ERR_INVALID_PARAM, "nproc -2 -> 401");
    is_int(NCP_ChildProcessConfigs_SetLimit(c, NCP_LIMIT_NOFILE, 10), NCP_ERR_INVALID_PARAM,
           "nofile below what the runner holds -> 401");
    is_int(NCP_ChildProcessConfigs_SetLimit(c, NCP_LIMIT_TMPFS_SIZE, 100), NCP_ERR_INVALID_PARAM,
           "a tmpfs of 100 bytes -> 401");
    is_int(NCP_ChildProcessConfigs_SetLimit(c, NCP_LIMIT_CPU, INT64_MAX), NCP_ERR_INVALID_PARAM,
           "cpu INT64_MAX seconds -> 401");
    is_int(NCP_ChildProcessConfigs_SetLimit(c, NCP_LIMIT_INOTIFY_WATCHES, (int64_t)1 << 40), NCP_ERR_INVALID_PARAM,
           "inotify watches above INT_MAX -> 401");
    is_int(NCP_ChildProcessConfigs_SetLimit(c, NCP_LIMIT_NPROC, 64), NCP_NO_ERROR, "nproc 64 -> 0");
    is_int(NCP_ChildProcessConfigs_SetLimit(c, NCP_LIMIT_FSIZE, 0), NCP_NO_ERROR, "fsize 0 -> 0");
    is_int(NCP_ChildProcessConfigs_SetLimit(c, NCP_LIMIT_FSIZE, INT64_MAX), NCP_NO_ERROR, "fsize INT64_MAX -> 0");
    is_int(NCP_ChildProcessConfigs_SetLimit(c, NCP_LIMIT_TMPFS_SIZE, NCP_LIMIT_UNLIMITED), NCP_NO_ERROR,
           "NCP_LIMIT_UNLIMITED -> 0");
    OH_Ability_DestroyChildProcessConfigs(c);
}

/* An isolated probe run under one limit: the waitpid-style status, and the
 * signal the exit callback reported (0: none). */
static int run_limited(NCP_ChildProcess_Limit limit, int64_t value, const char *params, int32_t *cb_sig)
{
    Ability_ChildProcessConfigs *c = OH_Ability_CreateChildProcessConfigs();
    OH_Ability_ChildProcessConfigs_SetIsolationMode(c, NCP_ISOLATION_MODE_ISOLATED);
    NCP_ChildProcessConfigs_SetLimit(c, limit, value);
    int32_t pid = -1;
    int out = -1, status = -1;
    int code = start_with_out("libprobe-limits.so:Probe", params, c, &pid, &out);
    OH_Ability_DestroyChildProcessConfigs(c);
    *cb_sig = 0;
    if (code != NCP_NO_ERROR) {
        diag("start failed: %d", code);
        return -1;
    }
    free(read_until_eof(out, 40000));
    close(out);
    if (NCP_WaitChildProcess(pid, &status, 40000) != NCP_NO_ERROR)
        status = -1;
    *cb_sig = callback_signal(pid);
    return status;
}

int main(void)
{
    setenv("NCP_LOG", "error", 1);
    is_int(OH_Ability_RegisterNativeChildProcessExitCallback(on_exit_cb), NCP_NO_ERROR, "exit callback registered");
    test_setter();

    int32_t sig;
    int status = run_limited(NCP_LIMIT_FSIZE, 1 << 20, "write /tmp/big 4000000", &sig);
    ok(status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGXFSZ, "past RLIMIT_FSIZE: killed by SIGXFSZ (%d)",
       status);
    is_int(sig, SIGXFSZ, "the exit callback reports SIGXFSZ");
    status = run_limited(NCP_LIMIT_CPU, 1, "spin 30", &sig);
    ok(status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU, "past RLIMIT_CPU: killed by SIGXCPU (%d)",
       status);
    is_int(sig, SIGXCPU, "the exit callback reports SIGXCPU");
    return tap_done();
}
