/* The app's side of the zygote (protocol in src/zygote_proto.h). */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "sandbox.h"

/* Whether children are forked by the zygote (default) or exec'd one by one
 * (NCP_SPAWN_MODE=exec, and the fallback when the zygote cannot start). */
bool ncp_zygote_enabled(void);
/* Asks the zygote, starting it when needed, for a child that runs on the
 * launch socket whose end launch_child is sent along.  For isolated children
 * the zygote writes the id maps of `plan`.  0 or -errno (logged). */
int ncp_zygote_send(const char *name, bool isolated, const struct ncp_idmap *plan, int launch_child);
/* Reads the zygote's answer on the other end of that launch socket: 0 with
 * *pid and *pidfd, or -errno (logged). */
int ncp_zygote_reply(int launch_parent, pid_t *pid, int *pidfd);
/* Whether the ends of zygote children are read from their pidfds
 * (PIDFD_INFO_EXIT, Linux 6.15) rather than from the zygote's reports. */
bool ncp_zygote_autoreap(void);
/* Supervisor thread: the next end the zygote reported on `fd`.  1 with pid
 * and wait status; 0 when nothing is left; -EPIPE when the zygote is gone
 * (then the socket is closed and the next request starts a new one). */
int ncp_zygote_read_exit(int fd, pid_t *pid, int *status);
/* After fork() in the app: the zygote is the parent's. */
void ncp_zygote_forget(void);
