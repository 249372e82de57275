/* SPDX-License-Identifier: Apache-2.0 */
// The IPC Kit headers compile unchanged as C++ and link with C linkage.
#include <IPCKit/ipc_ext.h>
#include <IPCKit/ipc_kit.h>

#include <cstdio>

static_assert(sizeof(OH_IPC_MessageOption) == 8 + sizeof(void *), "packed(4) option layout");
static_assert(OH_IPC_CHECK_PARAM_ERROR == 1901000 && OH_IPC_INNER_ERROR == 1901007, "error codes");

int main()
{
    OHIPCParcel *p = OH_IPCParcel_Create();
    int r = OH_IPCParcel_WriteInt32(p, 5);
    int32_t v = 0;
    r |= OH_IPCParcel_ReadInt32(p, &v);
    OH_IPCParcel_Destroy(p);
    bool good = r == 0 && v == 5;
    std::printf("%s 1 - C API callable from C++\n1..1\n", good ? "ok" : "not ok");
    return good ? 0 : 1;
}
