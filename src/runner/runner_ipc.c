/* SPDX-License-Identifier: Apache-2.0 */
/* The runner's IPC path: the stub from OnConnect is served on a library
 * thread while MainProc runs on the main thread. */
#include <IPCKit/ipc_ext.h>
#include <dlfcn.h>
#include <stdlib.h>

#include "runner.h"

_noreturn_ void ncp_runner_run_ipc(void *lib, struct ncp_launch_spec *spec)
{
    dlerror();
    OHIPCRemoteStub *(*on_connect)(void) = (OHIPCRemoteStub * (*)(void)) dlsym(lib, "NativeChildProcess_OnConnect");
    if (!on_connect)
        ncp_runner_fail(NCP_STAGE_DLSYM, 0, "symbol NativeChildProcess_OnConnect not found");
    void (*main_proc)(void) = (void (*)(void))dlsym(lib, "NativeChildProcess_MainProc");
    if (!main_proc)
        ncp_runner_fail(NCP_STAGE_DLSYM, 0, "symbol NativeChildProcess_MainProc not found");

    OHIPCRemoteStub *stub = on_connect();
    if (!stub)
        ncp_runner_fail(NCP_STAGE_CONNECT, 0, "NativeChildProcess_OnConnect returned NULL");
    /* Taken from the libipc_capi the app's library loaded, so the stub and
     * the server share one copy of the IPC library. */
    int (*serve)(OHIPCRemoteStub *, int) = (int (*)(OHIPCRemoteStub *, int))dlsym(RTLD_DEFAULT, "OH_IPCRemoteStub_ServeSocket");
    if (!serve)
        ncp_runner_fail(NCP_STAGE_DLSYM, 0, "the library does not use libipc_capi (OH_IPCRemoteStub_ServeSocket not found)");
    int r = serve(stub, spec->ipc_fd);
    spec->ipc_fd = -1; /* owned by the IPC library now */
    if (r != 0)
        ncp_runner_fail(NCP_STAGE_CONNECT, 0, "serving the stub failed with IPC error %d", r);
    ncp_runner_report_running();
    close(NCP_LAUNCH_FD);
    main_proc();
    exit(0);
}
