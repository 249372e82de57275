/*
 * The zygote protocol.
 *
 * The zygote is ncp-runner, exec'd in a grandchild of the app (so it is not
 * the app's child: the app's own waitpid() never sees it or its children),
 * with a datagram control socket at fd 3.  It stays single-threaded and forks
 * every child, so children start without an exec, with the API libraries
 * already mapped, and nothing but fork-safe code ever runs in a forked copy of
 * the app (design rule 1).  It lives as long as its control socket: when the
 * app dies, it exits, and its children (parent-death signal) die with it.
 *
 *   control socket, app -> zygote:
 *     HELLO   paths of libraries to preload, NUL-separated (after the header)
 *     SPAWN   flags, name, id plan; SCM_RIGHTS [the child's end of its launch socket]
 *   the new launch socket, zygote -> app (before the child owns it):
 *     SPAWNED pid; SCM_RIGHTS [pidfd]   |   FAILED errno
 *   control socket, zygote -> app, any time:
 *     EXITED  pid, wait status
 *
 * The app decodes everything it receives as untrusted.
 */
#pragma once

#include <stdint.h>

#include "sandbox.h"

#define NCP_ZYGOTE_MAGIC 0x4e43505au /* "NCPZ" */

enum ncp_zygote_type {
    NCP_ZYG_HELLO = 1,
    NCP_ZYG_SPAWN,
    NCP_ZYG_SPAWNED,
    NCP_ZYG_FAILED,
    NCP_ZYG_EXITED,
};

#define NCP_ZYG_ISOLATED 1u   /* SPAWN: new namespaces */
#define NCP_ZYG_AUTOREAP 2u   /* HELLO: children are reaped by the kernel; the app reads
                               * their ends from pidfds (PIDFD_INFO_EXIT) and no EXITED comes */
#define NCP_ZYG_NAME_MAX 256
#define NCP_ZYG_HELLO_MAX 8192

struct ncp_zygote_msg {
    uint32_t magic;
    uint32_t type;
    uint32_t flags;           /* SPAWN */
    int32_t pid;              /* SPAWNED, EXITED */
    int32_t value;            /* FAILED: errno; EXITED: wait status */
    struct ncp_idmap plan;    /* SPAWN, isolated: the zygote writes the child's id maps */
    char name[NCP_ZYG_NAME_MAX]; /* SPAWN: the child's full name, NUL-terminated */
};

#define NCP_ZYG_HEADER_SIZE ((size_t)offsetof(struct ncp_zygote_msg, plan))
