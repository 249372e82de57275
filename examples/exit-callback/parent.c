/* SPDX-License-Identifier: Apache-2.0 */
/* Exit callbacks: one registered function hears about every child that a
 * signal killed (a browser emulates waitpid this way); clean exits are silent. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include <AbilityKit/native_child_process.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int exits;

static void OnChildExit(int32_t pid, int32_t signal)
{
    pthread_mutex_lock(&lock);
    printf("child %d was killed by signal %d\n", pid, signal);
    fflush(stdout);
    exits++;
    pthread_cond_signal(&cond);
    pthread_mutex_unlock(&lock);
}

static int start(const char *how)
{
    NativeChildProcess_Args args = { .entryParams = (char *)how };
    NativeChildProcess_Options options = { .isolationMode = NCP_ISOLATION_MODE_NORMAL };
    int32_t pid;
    return OH_Ability_StartNativeChildProcess("libexitcb.so:CrashMain", args, options, &pid);
}

int main(void)
{
    if (OH_Ability_RegisterNativeChildProcessExitCallback(OnChildExit) != NCP_NO_ERROR)
        return 1;
    if (start("segv") || start("clean") || start("abort"))
        return 1;
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 10;
    pthread_mutex_lock(&lock);
    while (exits < 2 && pthread_cond_timedwait(&cond, &lock, &deadline) == 0)
        ;
    pthread_mutex_unlock(&lock);
    usleep(200000); /* the clean child must stay silent */
    printf("%d abnormal exits reported\n", exits);
    OH_Ability_UnregisterNativeChildProcessExitCallback(OnChildExit);
    return exits == 2 ? 0 : 1;
}
