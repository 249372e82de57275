/* SPDX-License-Identifier: Apache-2.0 */
/* How a start's child is created (launch.c), once its spec is encoded and
 * it is registered: by a spare the zygote forked ahead of need, by the
 * zygote forking one now, or by exec'ing the runner from the supervisor
 * thread.  They are tried in that order; each says whether it can serve the
 * start, so none of them knows of the others. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "api_start.h"
#include "child.h"
#include "common/idmap.h"

/* What a start hands its child. */
struct ncp_launch {
    const struct ncp_start_request *req;
    const struct ncp_idmap *plan;
    int launch_parent, launch_child, ipc_child;
    const int *stdio_child;
    const char *spec;
    size_t spec_len;
    const char *sandbox; /* what a spare may have built ahead of need; NULL: none fits */
    size_t sandbox_len;
    const char *runner;  /* the runner to exec, with its environment */
    char **envp;
};

/* Creates the child of *c: 0 with *c the supervisor's (NULL) and *pid set,
 * or -errno (logged) with *c still the caller's. */
int ncp_launch_child(const struct ncp_launch *w, struct ncp_child **c, pid_t *pid);
