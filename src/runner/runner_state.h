/* SPDX-License-Identifier: Apache-2.0 */
/* What the runner exports for libchild_process loaded into the same child. */
#pragma once

#include <AbilityKit/native_child_process.h>

#define NCP_RUNNER_STATE_MAGIC 0x4e435253u /* "NCRS" */
/* Raised with every change of the struct or of what its fields mean: a
 * library of another build loaded into a child of this runner says so (one
 * log line) and takes nothing from it, rather than misread it. */
#define NCP_RUNNER_STATE_VERSION 2u

struct ncp_runner_state {
    unsigned magic;
    unsigned version;
    int kind;                      /* enum ncp_child_kind */
    NativeChildProcess_Args *args; /* args children: kept for the child's lifetime */
};

/* The runner's side of the handshake: from here on, a library loaded in
 * this process knows it is in a child. */
static inline void ncp_runner_state_announce(struct ncp_runner_state *s)
{
    s->version = NCP_RUNNER_STATE_VERSION;
    s->magic = NCP_RUNNER_STATE_MAGIC;
}

const struct ncp_runner_state *ncp_runner(void);
