/* SPDX-License-Identifier: Apache-2.0 */
/* A child's making and freeing (child.h). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "child.h"
#include "common/closer.h"
#include "common/macro.h"
#include "sandbox/parent/cgroup.h"

uint64_t ncp_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct ncp_child *ncp_child_new(const char *name, enum ncp_child_kind kind)
{
    struct ncp_child *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->state = NCP_CHILD_NEW;
    c->refs = 1;
    c->kind = kind;
    c->pidfd = c->launch_fd = c->ipc_fd = c->ns_fd = c->slot_fd = -1;
    c->cgroup = NCP_CGROUP_NONE;
    c->stdio.fd[NCP_STDIO_OUT] = c->stdio.fd[NCP_STDIO_ERR] = -1;
    snprintf(c->name, sizeof(c->name), "%s", name);
    return c;
}

#define LINK(c, link) (*(struct ncp_child **)((char *)(c) + (link)))

void ncp_child_list_add(struct ncp_child **list, struct ncp_child *c, bool *on, size_t link)
{
    if (*on)
        return;
    *on = true;
    LINK(c, link) = *list;
    *list = c;
}

void ncp_child_list_remove(struct ncp_child **list, struct ncp_child *c, bool *on, size_t link)
{
    if (!*on)
        return;
    for (struct ncp_child **p = list; *p; p = &LINK(*p, link))
        if (*p == c) {
            *p = LINK(c, link);
            break;
        }
    *on = false;
}

static unsigned n_unwatched;

bool ncp_child_unwatch_launch(struct ncp_child *c, unsigned max)
{
    if (__atomic_add_fetch(&n_unwatched, 1, __ATOMIC_RELAXED) > max) {
        __atomic_sub_fetch(&n_unwatched, 1, __ATOMIC_RELAXED);
        return false;
    }
    c->launch_unwatched = true;
    return true;
}

void ncp_child_forget_unwatched(struct ncp_child *c)
{
    if (c->launch_unwatched) {
        c->launch_unwatched = false;
        __atomic_sub_fetch(&n_unwatched, 1, __ATOMIC_RELAXED);
    }
}

void ncp_child_free_as(struct ncp_child *c, int (*closer)(int))
{
    ncp_child_forget_unwatched(c);
    ncp_cgroup_forget(&c->cgroup);
    c->slot_fd = safe_close(c->slot_fd);
    c->pidfd = safe_close(c->pidfd);
    c->launch_fd = closer(c->launch_fd);
    c->ipc_fd = closer(c->ipc_fd);
    c->ns_fd = closer(c->ns_fd);
    c->stdio.fd[NCP_STDIO_OUT] = safe_close(c->stdio.fd[NCP_STDIO_OUT]);
    c->stdio.fd[NCP_STDIO_ERR] = safe_close(c->stdio.fd[NCP_STDIO_ERR]);
    ncp_child_stdio_release(&c->stdio);
    free(c);
}

void ncp_child_free(struct ncp_child *c) { ncp_child_free_as(c, ncp_close_later); }
