/* SPDX-License-Identifier: Apache-2.0 */
/* Lists this process's children (none) through libability_runtime. */
#include <AbilityKit/ability_runtime/child_process_info.h>
#include <AbilityKit/native_child_process.h>
#include <stddef.h>
#include <stdio.h>

int main(void)
{
    OH_AbilityRuntime_ChildProcessInfosHandle infos = NULL;
    uint32_t n = 1;
    if (OH_Ability_AcquireChildProcessInfos(&infos, &n) != NCP_NO_ERROR || n != 0)
        return 1;
    OH_AbilityRuntime_ReleaseChildProcessInfos(&infos);
    printf("children: %u\n", (unsigned)n);
    return 0;
}
