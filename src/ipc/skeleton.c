/* SPDX-License-Identifier: Apache-2.0 */
/* The IPC context of the current thread: who is calling, while a request
 * callback runs.  Token IDs do not exist on Linux and are reported as 0. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipc/ipc_internal.h"
#include "common/macro.h"

static _ipc_tls_ struct ipc_call_ctx *current;

void ipc_ctx_push(struct ipc_call_ctx *ctx)
{
    ctx->prev = current;
    current = ctx;
}

void ipc_ctx_pop(struct ipc_call_ctx *ctx) { current = ctx->prev; }

bool ipc_ctx_oneway(void) { return current && current->oneway; }

_public_ uint64_t OH_IPCSkeleton_GetCallingTokenId(void) { return 0; }
_public_ uint64_t OH_IPCSkeleton_GetFirstTokenId(void) { return 0; }
_public_ uint64_t OH_IPCSkeleton_GetSelfTokenId(void) { return 0; }

_public_ uint64_t OH_IPCSkeleton_GetCallingPid(void)
{
    return current ? (uint64_t)current->pid : (uint64_t)getpid();
}

_public_ uint64_t OH_IPCSkeleton_GetCallingUid(void)
{
    return current ? (uint64_t)current->uid : (uint64_t)getuid();
}

_public_ int OH_IPCSkeleton_IsLocalCalling(void) { return current ? current->local : 1; }

_public_ int OH_IPCSkeleton_IsHandlingTransaction(void) { return current != NULL; }

#define IDENTITY_FMT "ipc-identity:%d:%u:%d"

_public_ int OH_IPCSkeleton_ResetCallingIdentity(char **identity, int32_t *len, OH_IPC_MemAllocator allocator)
{
    if (!identity || !len || !allocator)
        return OH_IPC_CHECK_PARAM_ERROR;
    char buf[64];
    int n = snprintf(buf, sizeof(buf), IDENTITY_FMT, (int)OH_IPCSkeleton_GetCallingPid(),
                     (unsigned)OH_IPCSkeleton_GetCallingUid(), OH_IPCSkeleton_IsLocalCalling());
    char *out = allocator(n + 1);
    if (!out)
        return OH_IPC_MEM_ALLOCATOR_ERROR;
    memcpy(out, buf, (size_t)n + 1);
    *identity = out;
    *len = n + 1;
    if (current) {
        current->pid = getpid();
        current->uid = getuid();
        current->local = true;
    }
    return OH_IPC_SUCCESS;
}

_public_ int OH_IPCSkeleton_SetCallingIdentity(const char *identity)
{
    int pid, local, end = 0;
    unsigned uid;

    if (!identity || sscanf(identity, IDENTITY_FMT "%n", &pid, &uid, &local, &end) != 3 || identity[end] != '\0' ||
        pid < 0 || (local != 0 && local != 1))
        return OH_IPC_CHECK_PARAM_ERROR;
    if (current) {
        current->pid = pid;
        current->uid = uid;
        current->local = local;
    }
    return OH_IPC_SUCCESS;
}
