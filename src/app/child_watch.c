/* SPDX-License-Identifier: Apache-2.0 */
/* What the supervisor reads from a live child (child_watch.h). */
#include <string.h>
#include <sys/socket.h>

#include "child_watch.h"
#include "common/closer.h"
#include "common/log.h"
#include "common/macro.h"
#include "ipc_child.h"

/* Linux 6.16: with it off, a sender's SCM_RIGHTS to the socket fails (EPERM).
 * The generic value; the architectures that number socket options their own
 * way (alpha, mips, parisc, sparc) are not targets of this library. */
#ifndef SO_PASSRIGHTS
#define SO_PASSRIGHTS 83
#endif

/* A runner sends at most three reports in its life ("entering", "running",
 * or the stage it failed at).  More is a child flooding the supervisor
 * thread and the app's log: the rest of its launch socket is not read. */
#define NCP_MAX_REPORTS 16

/* Children whose output waits for the app's stdout or stderr (child_stdio.h),
 * alive or ended (then their end is reported once it is out). */
static struct ncp_child *io_waiting;

int ncp_child_watch_launch(struct ncp_child *c)
{
    return c->launch_unwatched ? 0 : ncp_loop_add(c->launch_fd, &c->on_report);
}

int ncp_child_watch_stdio(struct ncp_child *c)
{
    if (!c->own_stdio)
        return 0;
    int r = ncp_loop_add(c->stdio.fd[NCP_STDIO_OUT], &c->on_stdout);
    if (r < 0)
        return r;
    if ((r = ncp_loop_add(c->stdio.fd[NCP_STDIO_ERR], &c->on_stderr)) < 0)
        ncp_loop_del(c->stdio.fd[NCP_STDIO_OUT]);
    return r;
}

/* The zygote's pidfd came before; ncp_child_read_reports() still takes
 * whatever came with the reports (a child sending one gets EPERM). */
void ncp_child_refuse_fds(struct ncp_child *c)
{
    int zero = 0;
    if (c->launch_fd >= 0)
        (void)setsockopt(c->launch_fd, SOL_SOCKET, SO_PASSRIGHTS, &zero, sizeof(zero));
}

void ncp_child_close_launch(struct ncp_child *c)
{
    ncp_child_forget_unwatched(c);
    if (c->launch_fd < 0)
        return;
    ncp_loop_del(c->launch_fd);
    c->launch_fd = ncp_close_later(c->launch_fd);
}

static void handle_report(struct ncp_child *c, const struct ncp_report *r)
{
    c->report = *r;
    c->have_report = true;
    if (r->stage == NCP_STAGE_RUNNING && c->kind == NCP_KIND_IPC && strcmp(r->detail, "entering") == 0) {
        /* The callback waits for "running" (its MainProc is ready). */
        c->entering_main = true;
        return;
    }
    if (r->stage == NCP_STAGE_RUNNING) {
        log_child_debug(c->name, c->pid, " is running");
        if (c->kind == NCP_KIND_IPC)
            ncp_ipc_child_started(c);
        return;
    }
    if (ncp_log_enabled(NCP_LOG_INFO)) {
        /* The detail is the child's text: escaped, so it cannot forge lines. */
        char detail[NCP_LOG_CHILD_TEXT_MAX];
        ncp_log_escape(r->detail, sizeof(r->detail), detail, sizeof(detail));
        log_child_info(c->name, c->pid, " failed at stage %s%s%s; the child reports: \"%s\"",
                 ncp_stage_name(r->stage), r->error ? ": " : "", r->error ? strerror(r->error) : "", detail);
    }
    if (c->kind == NCP_KIND_IPC)
        ncp_ipc_child_failed(c, ncp_stage_info(r->stage)->ipc_code);
}

/* Descriptors a report carried: they have no place in one, and go to a
 * closer; how many. */
static size_t discard_fds(struct msghdr *msg)
{
    size_t n_fds = 0;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
            continue;
        size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < k; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
            ncp_discard_fd(fd);
        }
        n_fds += k;
    }
    return n_fds;
}

/* Receives report bytes.  Descriptors are taken with room for the most a
 * message can carry: with less, the kernel would close the excess itself, on
 * this thread, and a lingering socket would block it. */
static ssize_t recv_report_bytes(struct ncp_child *c)
{
    union {
        char buf[CMSG_SPACE(sizeof(int) * 253)]; /* SCM_MAX_FD */
        struct cmsghdr align;
    } control;
    struct iovec iov = { .iov_base = c->rbuf + c->rlen, .iov_len = sizeof(c->rbuf) - c->rlen };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                          .msg_controllen = sizeof(control.buf) };
    ssize_t n = recvmsg(c->launch_fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0)
        return -errno;
    size_t n_fds = discard_fds(&msg);
    if (n_fds)
        log_child_warn(c->name, c->pid, " sent %zu descriptor(s) on its launch socket; closed", n_fds);
    return n;
}

/* A whole report arrived in c->rbuf: false when it ends the reading. */
static bool take_report(struct ncp_child *c)
{
    struct ncp_report r;
    memcpy(&r, c->rbuf, sizeof(r));
    c->rlen = 0;
    if (ncp_report_check(&r) < 0) {
        log_child_warn(c->name, c->pid, " sent a malformed launch report; ignoring the rest");
        return false;
    }
    if (++c->n_reports > NCP_MAX_REPORTS) {
        log_child_warn(c->name, c->pid, " sent more than %d launch reports; ignoring the rest", NCP_MAX_REPORTS);
        return false;
    }
    handle_report(c, &r);
    return true;
}

void ncp_child_read_reports(struct ncp_child *c)
{
    while (c->launch_fd >= 0) {
        ssize_t n = recv_report_bytes(c);
        if (n == -EINTR)
            continue;
        if (n == -EAGAIN || n == -EWOULDBLOCK)
            return;
        if (n <= 0) {
            ncp_child_close_launch(c);
            return;
        }
        c->rlen += (size_t)n;
        if (c->rlen == sizeof(c->rbuf) && !take_report(c))
            ncp_child_close_launch(c);
    }
}

void ncp_child_report_ready(struct ncp_watch *w)
{
    ncp_child_read_reports(container_of(w, struct ncp_child, on_report));
}

static void close_pipe(struct ncp_child *c, enum ncp_stdio_stream which)
{
    if (c->stdio.fd[which] < 0)
        return;
    ncp_loop_del(c->stdio.fd[which]);
    c->stdio.fd[which] = safe_close(c->stdio.fd[which]); /* a pipe: closing never waits */
}

void ncp_child_close_stdio(struct ncp_child *c)
{
    close_pipe(c, NCP_STDIO_OUT);
    close_pipe(c, NCP_STDIO_ERR);
}

static void io_wait(struct ncp_child *c)
{
    ncp_child_list_add(&io_waiting, c, &c->io_waiting, offsetof(struct ncp_child, next_io));
}

static void io_unwait(struct ncp_child *c)
{
    ncp_child_list_remove(&io_waiting, c, &c->io_waiting, offsetof(struct ncp_child, next_io));
}

static struct ncp_watch *stdio_watch(struct ncp_child *c, enum ncp_stdio_stream which)
{
    return which == NCP_STDIO_OUT ? &c->on_stdout : &c->on_stderr;
}

/* Stops or resumes reading a pipe whose output waits for the app's fd. */
static void pause_stdio(struct ncp_child *c, enum ncp_stdio_stream which, bool pause)
{
    ncp_loop_pause(c->stdio.fd[which], stdio_watch(c, which), pause);
    c->stdio_paused[which] = pause;
}

/* The child wrote to its stdout or stderr: a bounded share of it now, so
 * that a flooding child does not keep this thread from the others. */
static void drain_stdio(struct ncp_child *c, enum ncp_stdio_stream which)
{
    int r = ncp_child_stdio_drain(&c->stdio, which, c->name, c->pid, NCP_STDIO_READ_MAX, ncp_now_ms());
    if (r == NCP_STDIO_EOF)
        close_pipe(c, which);
    else if (r == NCP_STDIO_STUCK) {
        pause_stdio(c, which, true);
        io_wait(c);
    }
}

void ncp_child_stdout_ready(struct ncp_watch *w)
{
    drain_stdio(container_of(w, struct ncp_child, on_stdout), NCP_STDIO_OUT);
}

void ncp_child_stderr_ready(struct ncp_watch *w)
{
    drain_stdio(container_of(w, struct ncp_child, on_stderr), NCP_STDIO_ERR);
}

bool ncp_child_flush_output(struct ncp_child *c)
{
    if (!c->own_stdio)
        return true;
    for (int w = NCP_STDIO_OUT; w <= NCP_STDIO_ERR; w++)
        ncp_loop_del(c->stdio.fd[w]);
    if (ncp_child_stdio_finish(&c->stdio, c->name, c->pid, ncp_now_ms()) == NCP_STDIO_STUCK) {
        io_wait(c);
        return false;
    }
    io_unwait(c);
    ncp_child_close_stdio(c);
    return true;
}

int ncp_child_retry_output(void (*flushed)(struct ncp_child *c))
{
    uint64_t now = ncp_now_ms();
    for (struct ncp_child *c = io_waiting, *next; c; c = next) {
        next = c->next_io;
        if (c->state == NCP_CHILD_ENDING) {
            if (ncp_child_stdio_finish(&c->stdio, c->name, c->pid, now) == NCP_STDIO_STUCK)
                continue;
            io_unwait(c);
            ncp_child_close_stdio(c);
            flushed(c);
            continue;
        }
        for (int w = NCP_STDIO_OUT; w <= NCP_STDIO_ERR; w++)
            if (c->stdio_paused[w] && ncp_child_stdio_retry(&c->stdio, w, c->name, c->pid, now) == NCP_STDIO_MORE)
                pause_stdio(c, w, false);
        if (!c->stdio_paused[NCP_STDIO_OUT] && !c->stdio_paused[NCP_STDIO_ERR])
            io_unwait(c);
    }
    return io_waiting ? NCP_STDIO_RETRY_MS : -1;
}

void ncp_child_watch_forget(void) { io_waiting = NULL; }
