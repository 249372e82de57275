/* SPDX-License-Identifier: Apache-2.0 */
/* IPC children that fail on purpose, chosen by the library's file name
 * (the same source is built three times):
 *   libipcnull.so    OnConnect returns NULL          -> NCP_ERR_CONNECTION_FAILED
 *   libipcnomain.so  no NativeChildProcess_MainProc  -> NCP_ERR_LIB_LOADING_FAILED
 *   libipcslow.so    OnConnect never returns          -> NCP_ERR_TIMEOUT */
#include <unistd.h>

#include <IPCKit/ipc_kit.h>

#define EXPORT __attribute__((visibility("default")))

EXPORT OHIPCRemoteStub *NativeChildProcess_OnConnect(void);
OHIPCRemoteStub *NativeChildProcess_OnConnect(void)
{
#ifdef IPC_SLOW
    for (;;)
        pause();
#endif
    return NULL;
}

#ifndef IPC_NO_MAIN
EXPORT void NativeChildProcess_MainProc(void);
void NativeChildProcess_MainProc(void) {}
#endif
