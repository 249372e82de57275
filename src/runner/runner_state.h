/* SPDX-License-Identifier: Apache-2.0 */
/* What the runner exports for libchild_process loaded into the same child. */
#pragma once

#include <AbilityKit/native_child_process.h>

#define NCP_RUNNER_STATE_MAGIC 0x4e435253u /* "NCRS" */

struct ncp_runner_state {
    unsigned magic;
    int kind;                      /* enum ncp_child_kind */
    NativeChildProcess_Args *args; /* args children: kept for the child's lifetime */
};

const struct ncp_runner_state *ncp_runner(void);
