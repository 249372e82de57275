/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An IPC child after the reference conformance suite's: its MainProc gets
 * ready (a little work), then runs until the parent sends the exit request;
 * the stub ignores exit requests that come before MainProc is running and
 * replies to every one, after MainProc was told to return.
 *   code 1 = exit: reply {honoured (0/1), pid}
 *   code 2 = state: reply {MainProc running (0/1), pid}
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include <AbilityKit/native_child_process.h>
#include <IPCKit/ipc_kit.h>

#define EXPORT __attribute__((visibility("default")))

EXPORT OHIPCRemoteStub *NativeChildProcess_OnConnect(void);
EXPORT void NativeChildProcess_MainProc(void);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static bool running, leave;

static int on_request(uint32_t code, const OHIPCParcel *data, OHIPCParcel *reply, void *user)
{
    (void)data;
    (void)user;
    int32_t answer;
    switch (code) {
    case 1:
        pthread_mutex_lock(&lock);
        answer = running;
        if (running) {
            leave = true;
            pthread_cond_broadcast(&cond);
        }
        pthread_mutex_unlock(&lock);
        /* Builds its reply after MainProc was told to return. */
        usleep(1000);
        break;
    case 2:
        pthread_mutex_lock(&lock);
        answer = running;
        pthread_mutex_unlock(&lock);
        break;
    default:
        return OH_IPC_CODE_OUT_OF_RANGE;
    }
    OH_IPCParcel_WriteInt32(reply, answer);
    return OH_IPCParcel_WriteInt32(reply, (int32_t)getpid());
}

OHIPCRemoteStub *NativeChildProcess_OnConnect(void)
{
    return OH_IPCRemoteStub_Create("ncp.test.IpcExit", on_request, NULL, NULL);
}

void NativeChildProcess_MainProc(void)
{
    /* Half a millisecond of set-up work on the CPU before it is ready. */
    struct timespec t0, t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
    do
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < 500000L);
    pthread_mutex_lock(&lock);
    running = true;
    while (!leave)
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
}
