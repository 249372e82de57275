/* SPDX-License-Identifier: Apache-2.0 */
/* How a child ended, taken without waiting for it, and the children whose end
 * is known but not yet how.
 *
 * A child's pidfd turns readable when it becomes a zombie.  The status may
 * come later: a ptracer of the child (its own child may be one) is told of
 * the end first and holds the zombie until it collects it, detaches or dies;
 * until then the real parent's waitid() finds nothing to collect (and blocks
 * without WNOHANG), and a zygote child's PIDFD_INFO_EXIT is not there yet.
 * A zygote child's status may also lag its pidfd by a moment.
 *
 * Such a child stays "ended, status pending": live to the API (a wait waits,
 * its slot stays taken, as the zombie still is in the process table), off
 * the supervisor's epoll (its pidfd stays readable) and asked again on a
 * timer, with a backoff, never in a loop on the supervisor thread.  Its end
 * is reported with its true status once the kernel tells it; none is ever
 * made up for it. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct ncp_child;

/* A child's place in the list of pending ends (supervisor thread only). */
struct ncp_end_wait {
    struct ncp_child *next;
    uint64_t since_ms, next_try_ms; /* CLOCK_MONOTONIC */
    unsigned backoff_ms;
    bool listed, told;              /* in the list; its long wait was logged */
};

/* First retry, and the most a retry waits: a held zombie costs one system
 * call per NCP_END_RETRY_MAX_MS, and its end is reported that long at most
 * after the tracer lets go. */
#define NCP_END_RETRY_MIN_MS 1u
#define NCP_END_RETRY_MAX_MS 100u
/* A wait this long is logged (once): a tracer holds the zombie. */
#define NCP_END_HELD_LOG_MS 1000u

/* One try at the status of c, whose pidfd is readable: 0 with its
 * waitpid-style *status, -EAGAIN while the kernel does not tell it yet, or
 * -errno when it never will (someone else collected it and the kernel keeps
 * no exit status in pidfds, before Linux 6.15).  Never blocks. */
int ncp_end_status_try(const struct ncp_child *c, int *status);

/* Lists c as ended, status pending; the caller took its pidfd off the epoll. */
void ncp_end_status_defer(struct ncp_child *c, uint64_t now_ms);
/* Takes c off the list, if it is on it. */
void ncp_end_status_cancel(struct ncp_child *c);
/* Asks again for the statuses that are due; for each that came (or will
 * never come: r < 0), takes the child off the list and calls ended(c, r,
 * status).  Returns the milliseconds until the next retry, -1 when none
 * waits. */
int ncp_end_status_retry(uint64_t now_ms, void (*ended)(struct ncp_child *c, int r, int status));
/* A fork()ed copy of the app: the children on the list are not its own
 * (they are freed with the rest of the supervisor's). */
void ncp_end_status_forget(void);
