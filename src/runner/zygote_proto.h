/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The zygote protocol.
 *
 * The zygote is ncp-runner, exec'd in a grandchild of the app (so it is not
 * the app's child: the app's own waitpid() never sees it or its children),
 * with a datagram control socket at fd 3.  It stays single-threaded and forks
 * every child, so children start without an exec, with the API libraries
 * already mapped, and nothing but fork-safe code ever runs in a forked copy of
 * the app.  It lives as long as its control socket: when the
 * app dies, it exits, and its children (parent-death signal) die with it.
 *
 *   control socket, app -> zygote:
 *     HELLO   flags, the most spares of each kind to keep (`value`, 0 to
 *             NCP_ZYG_SPARES_MAX: max_spares of child_process.conf), paths
 *             of libraries to preload, NUL-separated (after the header)
 *     SPAWN   flags, name, id plan; SCM_RIGHTS [the child's end of its launch socket]
 *   the new launch socket, zygote -> app (before the child owns it):
 *     SPAWNED pid; SCM_RIGHTS [pidfd]   |   FAILED errno
 *   control socket, zygote -> app, any time:
 *     EXITED  pid, wait status
 *     SPARE   flags, pid, the zygote's pid; SCM_RIGHTS [pidfd, work socket, isolated: its mount
 *             namespace, which the app holds until the child ended]: a child forked
 *             ahead of need (isolated: in its namespaces, maps written), now
 *             the app's to hand work to.  One of each kind in use, more
 *             (up to HELLO's most) while starts of that kind come back to
 *             back; once they stop, the zygote retires the extra ones:
 *     RETIRED flags, pid: that spare is no longer the zygote's to refill; if
 *             the app still holds it, it closes it (the spare ends when its
 *             work socket closes); if it just took it, the start goes on
 *   control socket, app -> zygote:
 *     TAKEN   flags, pid: that spare got work; the next one is forked once
 *             it ended or had a moment to itself, or at once in a batch
 *
 *   a spare's work socket, app -> spare (src/runner/zygote_child.c):
 *     [isolated spares, at most once] the sandbox to build ahead of need:
 *             the bytes of ncp_sandbox_desc_encode(); the spare answers
 *             PREPARED (0 or errno in `value`)
 *     the work: the child's full name, NUL-terminated; SCM_RIGHTS [the
 *             child's end of its launch socket].  The app sends the launch
 *             spec on that socket as for any child.
 *
 * Children started by SPAWN are forked on demand: when the app holds no
 * spare of the kind, or an isolated child needs other ids than the app's.
 *
 * The app decodes everything it receives as untrusted.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/idmap.h"

#define NCP_ZYGOTE_MAGIC 0x4e43505au /* "NCPZ" */

enum ncp_zygote_type {
    NCP_ZYG_HELLO = 1,
    NCP_ZYG_SPAWN,
    NCP_ZYG_SPAWNED,
    NCP_ZYG_FAILED,
    NCP_ZYG_EXITED,
    NCP_ZYG_SPARE,
    NCP_ZYG_TAKEN,
    NCP_ZYG_PREPARED,
    NCP_ZYG_RETIRED,
};

#define NCP_ZYG_ISOLATED 1u   /* SPAWN: new namespaces */
#define NCP_ZYG_AUTOREAP 2u   /* HELLO: children are reaped by the kernel; the app reads
                               * their ends from pidfds (PIDFD_INFO_EXIT) and no EXITED comes */
#define NCP_ZYG_CGROUP 4u     /* HELLO: each isolated child in a cgroup of its own (src/sandbox/parent/cgroup.c) */
#define NCP_ZYG_NAME_MAX 256
#define NCP_ZYG_SPARES_MAX 8 /* spares of one kind the zygote keeps at most (max_spares) */
#define NCP_ZYG_HELLO_MAX 8192
#define NCP_ZYG_SANDBOX_MAX (64u * 1024u) /* larger sandbox descriptions are not built ahead */

struct ncp_zygote_msg {
    uint32_t magic;
    uint32_t type;
    uint32_t flags;           /* SPAWN, SPARE, TAKEN */
    int32_t pid;              /* SPAWNED, EXITED, SPARE, TAKEN */
    int32_t value;            /* FAILED, PREPARED: errno; EXITED: wait status; SPARE: the zygote's pid */
    struct ncp_idmap plan;    /* SPAWN, isolated: the zygote writes the child's id maps */
    char name[NCP_ZYG_NAME_MAX]; /* SPAWN: the child's full name, NUL-terminated */
};

#define NCP_ZYG_HEADER_SIZE ((size_t)offsetof(struct ncp_zygote_msg, plan))

/* Whether `len` bytes received with `n_fds` descriptors are a message the
 * other side may send: the magic, a known type, the size (a HELLO: the
 * header and its list; any other: the whole struct), the descriptors and the
 * fields that type carries, in range.  Each side checks what it receives
 * here once, then acts on the type. */
static inline bool ncp_zygote_msg_ok(const struct ncp_zygote_msg *m, size_t len, size_t n_fds)
{
    if (len < NCP_ZYG_HEADER_SIZE || m->magic != NCP_ZYGOTE_MAGIC ||
        (m->type != NCP_ZYG_HELLO && len != sizeof(*m)))
        return false;
    switch (m->type) {
    case NCP_ZYG_HELLO:
    case NCP_ZYG_TAKEN:
        return n_fds == 0;
    case NCP_ZYG_SPAWN:
        return n_fds == 1;
    case NCP_ZYG_SPAWNED:
        return n_fds == 1 && m->pid > 0;
    case NCP_ZYG_FAILED:
        return n_fds == 0 && m->value > 0 && m->value < 4096;
    case NCP_ZYG_PREPARED:
        return n_fds == 0 && m->value >= 0 && m->value < 4096;
    case NCP_ZYG_EXITED:
    case NCP_ZYG_RETIRED:
        return n_fds == 0 && m->pid > 0;
    case NCP_ZYG_SPARE:
        return m->pid > 0 && (n_fds == 2 || (n_fds == 3 && (m->flags & NCP_ZYG_ISOLATED)));
    }
    return false;
}
