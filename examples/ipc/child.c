/* SPDX-License-Identifier: Apache-2.0 */
/* The guide's IPC child: a stub whose Add request adds two numbers, and a
 * MainProc that runs until the parent says "leave". */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <AbilityKit/native_child_process.h>
#include <IPCKit/ipc_kit.h>

#define DESCRIPTOR "example.Calculator"
enum { CODE_LEAVE = 1, CODE_ADD = 2 };

OHIPCRemoteStub *NativeChildProcess_OnConnect(void);
void NativeChildProcess_MainProc(void);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static bool leave;

static void *allocate(int32_t len) { return malloc((size_t)len); }

static int OnRequest(uint32_t code, const OHIPCParcel *data, OHIPCParcel *reply, void *userData)
{
    (void)userData;
    char *token = NULL;
    int32_t len = 0;
    if (OH_IPCParcel_ReadInterfaceToken(data, &token, &len, allocate) != OH_IPC_SUCCESS || strcmp(token, DESCRIPTOR)) {
        free(token);
        return OH_IPC_PARCEL_READ_ERROR;
    }
    free(token);
    if (code == CODE_ADD) {
        int32_t a, b;
        if (OH_IPCParcel_ReadInt32(data, &a) || OH_IPCParcel_ReadInt32(data, &b))
            return OH_IPC_PARCEL_READ_ERROR;
        return OH_IPCParcel_WriteInt32(reply, a + b);
    }
    if (code == CODE_LEAVE) {
        pthread_mutex_lock(&lock);
        leave = true;
        pthread_cond_signal(&cond);
        pthread_mutex_unlock(&lock);
        return OH_IPC_SUCCESS;
    }
    return OH_IPC_CODE_OUT_OF_RANGE;
}

OHIPCRemoteStub *NativeChildProcess_OnConnect(void)
{
    return OH_IPCRemoteStub_Create(DESCRIPTOR, OnRequest, NULL, NULL);
}

void NativeChildProcess_MainProc(void)
{
    pthread_mutex_lock(&lock);
    while (!leave)
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
}
