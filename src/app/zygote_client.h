/* SPDX-License-Identifier: Apache-2.0 */
/* The app's side of the zygote (protocol in src/runner/zygote_proto.h). */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "common/idmap.h"

/* Whether children are forked by the zygote (default) or exec'd one by one
 * (NCP_SPAWN_MODE=exec, and the fallback when the zygote cannot start). */
bool ncp_zygote_enabled(void);
/* Whether this program starts one child and exits (ncp-run) and makes it
 * itself: no zygote, and nothing probed ahead that the one start will try
 * anyway. */
bool ncp_one_shot_start(void);
/* Asks the zygote, starting it when needed, for a child that runs on the
 * launch socket whose end launch_child is sent along.  For isolated children
 * the zygote writes the id maps of `plan`.  0 or -errno (logged). */
int ncp_zygote_send(const char *name, bool isolated, const struct ncp_idmap *plan, int launch_child);
/* Reads the zygote's answer on the other end of that launch socket: 0 with
 * *pid and *pidfd, -ECONNRESET when the zygote died before it answered
 * (not logged: ask again, and a new zygote answers), or -errno (logged). */
int ncp_zygote_reply(int launch_parent, pid_t *pid, int *pidfd);
/* Whether the ends of zygote children are read from their pidfds
 * (PIDFD_INFO_EXIT, Linux 6.15) rather than from the zygote's reports. */
bool ncp_zygote_autoreap(void);
/* Supervisor thread: the next end the zygote reported on `fd`.  1 with pid
 * and wait status; 0 when nothing is left; -EPIPE when the zygote is gone
 * (then the socket is closed and the next request starts a new one). */
int ncp_zygote_read_exit(int fd, pid_t *pid, int *status);
/* A child the zygote forked ahead of need and gave the app (src/runner/zygote_proto.h). */
struct ncp_spare {
    pid_t pid;
    int pidfd;
    int sock;       /* its work socket */
    int ns_fd;      /* isolated: its mount namespace (see struct ncp_child), or -1 */
    bool isolated;
    char *blob;     /* isolated: the sandbox it was asked to build ahead of need */
    size_t blob_len;
    pid_t zygote;   /* the zygote that forked it */
};
#define NCP_SPARE_NONE ((struct ncp_spare){ .pidfd = -1, .sock = -1, .ns_fd = -1 })
/* Takes the spare of the kind, if one is there and usable: 1 with *out, 0
 * when none is (then ask the zygote with ncp_zygote_send()).  An isolated
 * start passes its sandbox description (NULL when its ids are not the app's:
 * then no spare is taken); a spare that built another sandbox is dropped.
 * The description is remembered for the next isolated spares. */
int ncp_zygote_take_spare(bool isolated, const char *blob, size_t blob_len, struct ncp_spare *out);
/* Hands work to a taken spare: its name and the child's end of the launch
 * socket, and tells the zygote (TAKEN).  The work socket is closed either
 * way.  0 or -errno. */
int ncp_zygote_hand_off(struct ncp_spare *s, const char *name, int launch_child);
void ncp_spare_free(struct ncp_spare *s);
/* The same for a spare let go without work (ncp_registry_disown()). */
void ncp_spare_discard(struct ncp_spare *s);
/* After fork() in the app: the zygote is the parent's. */
void ncp_zygote_forget(void);
