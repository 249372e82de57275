/* SPDX-License-Identifier: Apache-2.0 */
/* The list OH_Ability_AcquireChildProcessInfos() (libchild_process) builds
 * and the accessors of libability_runtime read: one malloc() block, the
 * entries followed by their names, freed with one free(). */
#pragma once

#include <stdint.h>

#include <AbilityKit/ability_runtime/child_process_info.h>

#define NCP_CHILD_INFOS_MAGIC 0x6e637031u /* "ncp1": a handle of ours */

struct OH_AbilityRuntime_ChildProcessInfo {
    int32_t pid;
    int32_t parent_pid;
    const char *name; /* into the block */
    uint32_t name_size; /* strlen(name) + 1 */
};

struct OH_AbilityRuntime_ChildProcessInfos {
    uint32_t magic;
    uint32_t count;
    struct OH_AbilityRuntime_ChildProcessInfo items[];
};
