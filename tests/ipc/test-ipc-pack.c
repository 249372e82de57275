/* SPDX-License-Identifier: Apache-2.0 */
/* <IPCKit/ipc_kit.h> keeps its own struct packing to itself: an includer's
 * #pragma pack survives the include, and OH_IPC_MessageOption keeps the
 * platform's 4-byte packing whatever the includer set. */
#include <stddef.h>

#pragma pack(push, 2)
#include <IPCKit/ipc_kit.h>
struct after_include {
    char c;
    int i;
};
#pragma pack(pop)

struct unpacked {
    char c;
    int i;
};

#include "../tap.h"

int main(void)
{
    tap_plan(3);
    ok(sizeof(struct after_include) == 6, "the includer's #pragma pack(2) still holds after the include (size %zu)",
       sizeof(struct after_include));
    ok(sizeof(struct unpacked) == 8, "and the includer's pop restores the default (size %zu)", sizeof(struct unpacked));
    ok(_Alignof(OH_IPC_MessageOption) == 4 && offsetof(OH_IPC_MessageOption, reserved) == 8 &&
           sizeof(OH_IPC_MessageOption) == 16,
       "OH_IPC_MessageOption is packed to 4 bytes (align %zu, size %zu)", _Alignof(OH_IPC_MessageOption),
       sizeof(OH_IPC_MessageOption));
    return tap_failed ? 1 : 0;
}
