/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stdio of isolated children.
 *
 * An isolated child must not hold the app's own stdio open file
 * descriptions: through them it could truncate the app's log file or set
 * O_NONBLOCK on the app's fds 0-2 (a flag of the description, not of the
 * descriptor).  It gets stdio the library owns instead: 0 is /dev/null
 * (opened in its sandbox), 1 and 2 are pipes whose read ends the app's
 * supervisor thread watches.  What arrives is written to the app's stdout
 * as it is and to the app's stderr a line at a time, escaped and marked as
 * the child's:
 *
 *     child_process[APP-PID]: child NAME (pid N) stderr: TEXT
 *
 * Writes to the app's descriptors never wait and never change their flags.
 * When the app's fd does not take output at once, the rest is kept and the
 * child's pipe is not read for a while (the child then waits on its pipe, as
 * any writer to a slow reader does); after NCP_STDIO_GRACE_MS without
 * progress what is kept is dropped, and so is what follows until the app's
 * fd takes output again, with a note: a child that floods a stdout nobody
 * reads must stall neither the thread that delivers every child's callbacks
 * nor itself.  A child's end is reported once its output is out (or that
 * grace ran out).  Normal children keep the app's stdio.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define NCP_STDIO_LINE_MAX 512               /* a longer stderr line is cut into lines of this many bytes */
#define NCP_STDIO_READ_MAX (64u * 1024u)     /* per stream and wakeup: other children get their turn */
#define NCP_STDIO_END_MAX (1024u * 1024u)    /* read at the child's end (a pipe holds at most 1 MiB
                                                unprivileged); what a descendant writes after is lost */
#define NCP_STDIO_GRACE_MS 2000u             /* how long output waits for a full app fd */
#define NCP_STDIO_PENDING_MAX (256u * 1024u) /* output kept for a full app fd, per stream */
#define NCP_STDIO_RETRY_MS 10                /* how often kept output is tried again */

/* What the functions below return. */
#define NCP_STDIO_MORE 0   /* nothing waits: read again when the pipe is readable */
#define NCP_STDIO_EOF 1    /* the stream is done (end of file, or an error): close it */
#define NCP_STDIO_STUCK 2  /* output waits for the app's fd: do not read, retry in NCP_STDIO_RETRY_MS */

enum ncp_stdio_stream { NCP_STDIO_OUT = 0, NCP_STDIO_ERR = 1 };

struct ncp_stdio_kept {
    char *buf;                     /* output the app's fd did not take yet (malloc), or NULL */
    size_t len, off;
    uint64_t since_ms;             /* when it started to wait (CLOCK_MONOTONIC) */
    bool dropping;                 /* the grace ran out: drop until the app's fd takes output again */
};

struct ncp_child_stdio {
    int fd[2];                     /* the app's read ends (nonblocking), -1 when closed */
    char line[NCP_STDIO_LINE_MAX]; /* stderr: the line being assembled */
    size_t line_len;
    struct ncp_stdio_kept kept[2];
    uint64_t dropped[2];           /* bytes the app's descriptors did not take */
    size_t end_read[2];            /* read after the child's end */
    bool noted;                    /* the first drop was said */
    bool finished;                 /* ncp_child_stdio_finish() is done */
};

/* Makes both pipes: the app's ends in s->fd, the child's write ends (blocking,
 * O_CLOEXEC: they go to the child with its launch spec) in child[].  0 or
 * -errno (not logged). */
int ncp_child_stdio_open(struct ncp_child_stdio *s, int child[2]);
/* Supervisor thread: forwards at most `max` bytes the child wrote on the
 * stream; NCP_STDIO_MORE, _EOF or _STUCK. */
int ncp_child_stdio_drain(struct ncp_child_stdio *s, enum ncp_stdio_stream which, const char *name, pid_t pid,
                          size_t max, uint64_t now_ms);
/* Tries kept output again (drops it once the grace ran out): NCP_STDIO_MORE
 * or NCP_STDIO_STUCK. */
int ncp_child_stdio_retry(struct ncp_child_stdio *s, enum ncp_stdio_stream which, const char *name, pid_t pid,
                          uint64_t now_ms);
/* The child ended: forwards what is left in both pipes (all the child wrote
 * is there; at most NCP_STDIO_END_MAX more each), its last unterminated
 * stderr line, and a note of what was dropped.  NCP_STDIO_EOF when done,
 * NCP_STDIO_STUCK when output waits (call it again later).  Closes nothing. */
int ncp_child_stdio_finish(struct ncp_child_stdio *s, const char *name, pid_t pid, uint64_t now_ms);
/* Frees what is kept (the child is freed). */
void ncp_child_stdio_release(struct ncp_child_stdio *s);
