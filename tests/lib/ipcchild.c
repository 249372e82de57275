/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The IPC child the tests start, after the platform guide's sample and the
 * conformance suite's helper: descriptor + interface token checked on every
 * request; code 1 = leave, 2 = Add, 3 = try to create a child.  More codes
 * exercise descriptors, callbacks into the parent, buffers and crashes.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <AbilityKit/native_child_process.h>
#include <IPCKit/ipc_kit.h>

#define EXPORT __attribute__((visibility("default")))
#define DESCRIPTOR "ncp.test.IpcChild"

enum {
    CODE_LEAVE = 1, CODE_ADD = 2, CODE_NESTED = 3, CODE_WRITE_FD = 4, CODE_CALL_BACK = 5,
    CODE_ECHO = 6, CODE_CRASH = 7, CODE_IDENTITY = 8, CODE_USER_ERROR = 9, CODE_BAD_ERROR = 10,
};

EXPORT OHIPCRemoteStub *NativeChildProcess_OnConnect(void);
EXPORT void NativeChildProcess_MainProc(void);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static bool leave;
static int nested_code = -1;

static void *alloc(int32_t len) { return malloc((size_t)len); }

static void on_nested(int code, OHIPCRemoteProxy *proxy)
{
    (void)code;
    if (proxy)
        OH_IPCRemoteProxy_Destroy(proxy);
}

static int on_request(uint32_t code, const OHIPCParcel *data, OHIPCParcel *reply, void *user)
{
    (void)user;
    char *token = NULL;
    int32_t len = 0;
    if (OH_IPCParcel_ReadInterfaceToken(data, &token, &len, alloc) != OH_IPC_SUCCESS || strcmp(token, DESCRIPTOR) != 0) {
        free(token);
        return OH_IPC_PARCEL_READ_ERROR;
    }
    free(token);
    switch (code) {
    case CODE_LEAVE:
        pthread_mutex_lock(&lock);
        leave = true;
        pthread_cond_broadcast(&cond);
        pthread_mutex_unlock(&lock);
        return 0;
    case CODE_ADD: {
        int32_t a, b;
        if (OH_IPCParcel_ReadInt32(data, &a) || OH_IPCParcel_ReadInt32(data, &b))
            return OH_IPC_PARCEL_READ_ERROR;
        return OH_IPCParcel_WriteInt32(reply, a + b);
    }
    case CODE_NESTED:
        nested_code = OH_Ability_CreateNativeChildProcess("libipcchild.so", on_nested);
        return OH_IPCParcel_WriteInt32(reply, nested_code);
    case CODE_WRITE_FD: {
        int32_t fd = -1;
        if (OH_IPCParcel_ReadFileDescriptor(data, &fd))
            return OH_IPC_PARCEL_READ_ERROR;
        ssize_t n = write(fd, "written by the child\n", 21);
        close(fd);
        return OH_IPCParcel_WriteInt32(reply, (int32_t)n);
    }
    case CODE_CALL_BACK: {
        OHIPCRemoteProxy *parent = OH_IPCParcel_ReadRemoteProxy(data);
        if (!parent)
            return OH_IPC_PARCEL_READ_ERROR;
        OHIPCParcel *req = OH_IPCParcel_Create(), *rep = OH_IPCParcel_Create();
        OH_IPCParcel_WriteInt32(req, 20);
        OH_IPCParcel_WriteInt32(req, 22);
        int r = OH_IPCRemoteProxy_SendRequest(parent, 7, req, rep, NULL);
        int32_t sum = -1;
        if (r == 0)
            OH_IPCParcel_ReadInt32(rep, &sum);
        OH_IPCParcel_Destroy(req);
        OH_IPCParcel_Destroy(rep);
        OH_IPCRemoteProxy_Destroy(parent);
        OH_IPCParcel_WriteInt32(reply, r);
        return OH_IPCParcel_WriteInt32(reply, sum);
    }
    case CODE_ECHO: {
        int32_t n;
        if (OH_IPCParcel_ReadInt32(data, &n) || n < 0)
            return OH_IPC_PARCEL_READ_ERROR;
        const uint8_t *buf = OH_IPCParcel_ReadBuffer(data, n);
        if (!buf)
            return OH_IPC_PARCEL_READ_ERROR;
        OH_IPCParcel_WriteInt32(reply, n);
        return OH_IPCParcel_WriteBuffer(reply, buf, n);
    }
    case CODE_CRASH:
        abort();
    case CODE_IDENTITY: {
        char ns[64] = "";
        ssize_t n = readlink("/proc/self/ns/net", ns, sizeof(ns) - 1);
        ns[n > 0 ? n : 0] = '\0';
        OH_IPCParcel_WriteInt32(reply, (int32_t)getpid());
        OH_IPCParcel_WriteInt32(reply, (int32_t)OH_IPCSkeleton_GetCallingPid());
        return OH_IPCParcel_WriteString(reply, ns);
    }
    case CODE_USER_ERROR:
        return 1909001;
    case CODE_BAD_ERROR:
        return 12345;
    default:
        return OH_IPC_CODE_OUT_OF_RANGE;
    }
}

OHIPCRemoteStub *NativeChildProcess_OnConnect(void)
{
    return OH_IPCRemoteStub_Create(DESCRIPTOR, on_request, NULL, NULL);
}

void NativeChildProcess_MainProc(void)
{
    pthread_mutex_lock(&lock);
    while (!leave)
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
}
