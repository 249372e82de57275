/* SPDX-License-Identifier: Apache-2.0 */
/* Internals: the closer threads (src/common/closer.c), and a fork() of the app while
 * descriptors wait in their queue.  The copy must close the queued ones at
 * once: closing them later, at its first ncp_close_later(), closed whatever
 * the copy had opened under the same numbers meanwhile (a new child's pidfd,
 * which then failed with EBADF). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lingering-socket.h"
#include "../now.h"
#include "../tap.h"
#include "common/closer.h"
#include "common/fd-util.h"

#define LINGER_S 2

static bool closed_within(int fd, double secs)
{
    for (double end = now_s() + secs; fd_is_open(fd) && now_s() < end;)
        usleep(2000);
    return !fd_is_open(fd);
}

static void test_closes(void)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        abort();
    is_int(ncp_close_later(p[0]), -1, "ncp_close_later() returns -1, for assignment");
    ok(closed_within(p[0], 5), "the descriptor is closed on a closer thread");
    close(p[1]);
    is_int(ncp_close_later(-1), -1, "a negative descriptor is ignored");
}

/* Bits the copy reports. */
enum { QUEUED_CLOSED = 1, REUSED_KEPT = 2, COPY_CLOSES = 4 };

static int in_the_copy(int queued)
{
    int r = 0;
    if (!fd_is_open(queued) && errno == EBADF)
        r |= QUEUED_CLOSED;
    /* The copy reuses the number (as its next child's pidfd would), then
     * queues a close of its own. */
    int reuse = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (reuse < 0)
        return r;
    if (reuse != queued) { /* the lowest free number usually is that one */
        if (dup3(reuse, queued, O_CLOEXEC) != queued)
            return r;
        close(reuse);
    }
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return r;
    ncp_close_later(p[1]);
    if (closed_within(p[1], 5))
        r |= COPY_CLOSES;
    if (fd_is_open(queued))
        r |= REUSED_KEPT;
    return r;
}

static void test_fork_with_a_queue(void)
{
    int blockers = 0;
    for (int i = 0; i < NCP_CLOSERS_MAX; i++) {
        int s = lingering_socket(LINGER_S);
        if (s >= 0) {
            ncp_close_later(s);
            blockers++;
        }
    }
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        abort();
    int queued = p[0];
    ncp_close_later(queued);
    /* All closers busy in a lingering close(): the pipe waits in the queue.
     * (Under valgrind the closers' lingering close()s end at once, cut short
     * by its scheduler: skipped there.) */
    size_t pending = ncp_close_pending();
    if (blockers < NCP_CLOSERS_MAX || pending < (size_t)NCP_CLOSERS_MAX + 1 || !fd_is_open(queued)) {
        for (int i = 0; i < 4; i++)
            ok(1, "# SKIP no lingering close() here (loopback TCP: %d of %d sockets, %zu pending)", blockers,
               NCP_CLOSERS_MAX, pending);
        close(p[1]);
        return;
    }
    int res[2];
    if (pipe2(res, O_CLOEXEC) < 0)
        abort();
    pid_t copy = fork();
    if (copy == 0) {
        close(res[0]);
        unsigned char r = (unsigned char)in_the_copy(queued);
        ssize_t w = write(res[1], &r, 1);
        _exit(w == 1 ? 0 : 2);
    }
    close(res[1]);
    unsigned char r = 0;
    ssize_t n = read(res[0], &r, 1);
    close(res[0]);
    waitpid(copy, NULL, 0);
    ok(n == 1 && (r & QUEUED_CLOSED), "the copy of the app closed the descriptor queued at fork() at once");
    ok(n == 1 && (r & REUSED_KEPT), "a descriptor the copy opened under that number stays open past its next close");
    ok(n == 1 && (r & COPY_CLOSES), "the copy's own ncp_close_later() closes on a closer thread of its own");
    ok(closed_within(queued, LINGER_S * NCP_CLOSERS_MAX + 5),
       "in the app the queued descriptor is closed once a lingering close() is over");
    close(p[1]);
}

int main(void)
{
    test_closes();
    test_fork_with_a_queue();
    return tap_done();
}
