/* SPDX-License-Identifier: Apache-2.0 */
/* The ids of an isolated child: the plan the app makes (src/sandbox/parent/userns.c),
 * carried in the launch spec (src/common/launch_spec.h) to the runner, which
 * resolves it with its own pid and switches to it (src/sandbox/sandbox.c). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <unistd.h>

struct ncp_idmap {
    uid_t inside_uid;   /* the child's uid inside its user namespace */
    gid_t inside_gid;
    uid_t outside_uid;  /* the host uid it maps to */
    gid_t outside_gid;
    bool own_uid;       /* isolation uid: outside ids are not the caller's */
    bool use_helpers;   /* write the maps through newuidmap/newgidmap */
    /* Added for the isolation uid (src/sandbox/parent/userns.c).  The caller's own ids are
     * mapped to themselves too, so the runner can build the mounts as the
     * caller before it switches to the isolation ids.  The isolation ids
     * depend on the child's pid, which is unknown before the clone: the plan
     * holds the start of a range and its size, and both sides (the parent in
     * ncp_userns_apply(), the runner in ncp_sandbox_enter() with getpid())
     * compute inside = outside = start + pid % range_count with
     * ncp_idmap_resolve(). */
    uid_t caller_uid;
    gid_t caller_gid;
    uint32_t range_count; /* 0: the ids above are final */
};

/* The plan of a child that keeps the caller's own ids (no isolation uid). */
static inline void ncp_idmap_plain(struct ncp_idmap *plan)
{
    *plan = (struct ncp_idmap){ .inside_uid = getuid(), .inside_gid = getgid(), .outside_uid = getuid(),
                                .outside_gid = getgid(), .caller_uid = getuid(), .caller_gid = getgid() };
}

/* Whether a plan is that one (field by field: a plan that came over a
 * socket has whatever padding its sender left). */
static inline bool ncp_idmap_is_plain(const struct ncp_idmap *p)
{
    struct ncp_idmap q;
    ncp_idmap_plain(&q);
    return p->inside_uid == q.inside_uid && p->inside_gid == q.inside_gid && p->outside_uid == q.outside_uid &&
           p->outside_gid == q.outside_gid && p->own_uid == q.own_uid && p->use_helpers == q.use_helpers &&
           p->caller_uid == q.caller_uid && p->caller_gid == q.caller_gid && p->range_count == q.range_count;
}
