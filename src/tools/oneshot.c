/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ncp-run starts one child and exits: through the library's zygote that
 * would cost a zygote and two spares (each building a sandbox ahead of need)
 * for that one child.  So ncp-run declares itself a one-shot program and the
 * library exec's the runner for its child directly (NCP_SPAWN_MODE=exec's
 * path); NCP_SPAWN_MODE=zygote still takes the zygote.
 *
 * In exec mode the library cannot contain what an isolated child leaves
 * behind (doc/isolation.md, "Known limits"); ncp-run can, being its own app:
 *
 *  - it makes itself a child subreaper before the child exists, so every
 *    process the child leaves (double-forked, setsid()'d, undumpable) is
 *    reparented to ncp-run, and once the child has ended ncp-run kills each
 *    of its own children that is in another network namespace than its own
 *    (src/runner/orphans.c, as the zygote does), until none is left;
 *
 *  - SIGKILLed, ncp-run can do nothing, and what the child left would be
 *    reparented past it: its guard, a copy of ncp-run made before the
 *    library starts a thread, waits on a socket whose other end only ncp-run
 *    holds.
 *    ncp-run sends it the child's network namespace; "done" once ncp-run has
 *    swept.  End of file without "done" means ncp-run died: the guard kills
 *    every process of the machine in that namespace, until none is left.
 *    It runs in a session of its own (a terminal's or a process group's
 *    signals for ncp-run do not reach it) and holds nothing of ncp-run's but
 *    its stderr, for its one log line.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/fd-util.h"
#include "common/log.h"
#include "common/macro.h"
#include "oneshot.h"
#include "runner/orphans.h"
#include "common/syscall-compat.h"

/* Read by libchild_process (src/app/zygote_client.c); exported by the link (-Wl,--export-dynamic-symbol). */
__attribute__((visibility("default"))) const int ncp_one_shot_program = 1;

bool ncp_one_shot(void)
{
    const char *mode = getenv("NCP_SPAWN_MODE");
    return !(mode && strcmp(mode, "zygote") == 0);
}

enum { MSG_NETNS = 'N', MSG_DONE = 'D' };

struct guard_msg {
    char type;
    ino_t netns;
};

_noreturn_ static void guard_main(int in)
{
    (void)setsid();
    (void)prctl(PR_SET_NAME, "ncp-run-guard", 0, 0, 0);
    /* Nothing of ncp-run's held open but stderr: a reader of its stdout
     * sees the end when ncp-run ends, and the child's files are not kept. */
    if (dup2(in, 0) < 0)
        _exit(1);
    (void)close(1);
    if (syscall(SYS_close_range, 3, ~0U, 0) < 0)
        for (int fd = 3; fd < 1024; fd++)
            (void)close(fd);
    (void)chdir("/");
    ino_t netns = 0;
    struct guard_msg m;
    for (;;) {
        int r = read_full(0, &m, sizeof(m));
        if (r == 0 && m.type == MSG_NETNS) {
            netns = m.netns;
            continue;
        }
        if (r == 0 && m.type == MSG_DONE)
            _exit(0);
        break; /* end of file: ncp-run is gone without having swept */
    }
    if (netns) {
        unsigned n = ncp_orphans_kill_netns(netns);
        if (n)
            log_info("ncp-run-guard: ncp-run ended before its isolated child's processes were killed: killed %u", n);
    }
    _exit(0);
}

int ncp_one_shot_contain(void)
{
    ncp_orphans_enable();
    /* A socket, not a pipe: a guard someone killed makes a write fail (EPIPE), not SIGPIPE ncp-run. */
    int p[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0) {
        log_warn("ncp-run: no guard for the child's processes (socketpair: %s); if ncp-run is killed they may outlive it",
                 strerror(errno));
        return -1;
    }
    /* Not fork(): the library's fork handlers are for a copy of the app,
     * which the guard is not (they would log as one).  ncp-run has no other
     * thread yet, so the copy's libc is consistent. */
    struct { uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls; } args = {
        .exit_signal = SIGCHLD,
    };
    pid_t pid = (pid_t)ncp_clone3(&args, sizeof(args));
    if (pid == 0)
        guard_main(p[0]);
    int err = errno;
    close(p[0]);
    if (pid < 0) {
        close(p[1]);
        log_warn("ncp-run: no guard for the child's processes (fork: %s); if ncp-run is killed they may outlive it",
                 strerror(err));
        return -1;
    }
    return p[1];
}

void ncp_one_shot_watch(int guard, pid_t child)
{
    struct guard_msg m = { .type = MSG_NETNS };
    /* A child gone already has left what it left to us: the sweep finds it. */
    if (guard >= 0 && ncp_orphans_netns_of(child, &m.netns) == 0)
        (void)write_full(guard, &m, sizeof(m));
}

void ncp_one_shot_finish(int guard)
{
    ncp_orphans_kill_all();
    if (guard < 0)
        return;
    struct guard_msg m = { .type = MSG_DONE };
    (void)write_full(guard, &m, sizeof(m));
    close(guard);
}
