/* SPDX-License-Identifier: Apache-2.0 */
/* A few pids whose end will come and is nobody's to report: a spare the
 * zygote killed before anyone knew it (src/runner/zygote_server.c), one the app let
 * go without work (src/app/registry.c).  Put one, take it when its end comes;
 * when the ring is full the oldest is forgotten.  Not locked: the owner's
 * lock, or its single thread, guards it. */
#pragma once

#include <stdbool.h>
#include <string.h>
#include <sys/types.h>

struct ncp_pid_ring {
    pid_t *pids;
    unsigned size, next;
};

/* A ring of `size` pids named `name`, at file scope. */
#define NCP_PID_RING(name, size)            \
    static pid_t name##_pids[size];         \
    static struct ncp_pid_ring name = { name##_pids, (size), 0 }

static inline void ncp_pid_ring_put(struct ncp_pid_ring *r, pid_t pid) { r->pids[r->next++ % r->size] = pid; }

/* Whether pid is in the ring; takes it out. */
static inline bool ncp_pid_ring_take(struct ncp_pid_ring *r, pid_t pid)
{
    for (unsigned i = 0; i < r->size; i++)
        if (r->pids[i] == pid) {
            r->pids[i] = 0;
            return true;
        }
    return false;
}

static inline void ncp_pid_ring_clear(struct ncp_pid_ring *r) { memset(r->pids, 0, r->size * sizeof(pid_t)); }
