/* SPDX-License-Identifier: Apache-2.0 */
/* The guide's IPC parent: starts the child, waits up to 3 s for its proxy
 * (as a browser waits for its GPU process), asks it to add, then to leave. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include <AbilityKit/native_child_process.h>
#include <IPCKit/ipc_kit.h>

#define DESCRIPTOR "example.Calculator"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int started = -1;
static OHIPCRemoteProxy *proxy;

static void OnNativeChildProcessStarted(int errCode, OHIPCRemoteProxy *remoteProxy)
{
    pthread_mutex_lock(&lock);
    started = errCode;
    proxy = remoteProxy;
    pthread_cond_signal(&cond);
    pthread_mutex_unlock(&lock);
}

static int call(uint32_t code, int32_t a, int32_t b, int32_t *result)
{
    OHIPCParcel *data = OH_IPCParcel_Create(), *reply = OH_IPCParcel_Create();
    OH_IPCParcel_WriteInterfaceToken(data, DESCRIPTOR);
    OH_IPCParcel_WriteInt32(data, a);
    OH_IPCParcel_WriteInt32(data, b);
    int r = OH_IPCRemoteProxy_SendRequest(proxy, code, data, reply, NULL);
    if (r == OH_IPC_SUCCESS && result)
        r = OH_IPCParcel_ReadInt32(reply, result);
    OH_IPCParcel_Destroy(data);
    OH_IPCParcel_Destroy(reply);
    return r;
}

int main(void)
{
    int ret = OH_Ability_CreateNativeChildProcess("libcalculator.so", OnNativeChildProcessStarted);
    if (ret != NCP_NO_ERROR) {
        fprintf(stderr, "create failed: %d\n", ret);
        return 1;
    }
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 3;
    pthread_mutex_lock(&lock);
    while (started < 0 && pthread_cond_timedwait(&cond, &lock, &deadline) == 0)
        ;
    pthread_mutex_unlock(&lock);
    if (started != NCP_NO_ERROR) {
        fprintf(stderr, "the child did not connect: %d\n", started);
        return 1;
    }
    int32_t sum = 0;
    if (call(2, 123, 456, &sum) != OH_IPC_SUCCESS)
        return 1;
    printf("123 + 456 = %d\n", sum);
    call(1, 0, 0, NULL); /* leave: the child exits when MainProc returns */
    OH_IPCRemoteProxy_Destroy(proxy);
    return sum == 579 ? 0 : 1;
}
