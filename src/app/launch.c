/* SPDX-License-Identifier: Apache-2.0 */
/* How a start's child is created (launch.h). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/fd-util.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/syscall-compat.h"
#include "launch.h"
#include "registry.h"
#include "sandbox/parent/cgroup.h"
#include "sandbox/parent/userns.h"
#include "supervisor.h"
#include "zygote_client.h"

/* Sends the spec with its descriptors: the IPC socket, the user fds, the
 * write ends of an isolated child's stdout and stderr pipes. */
static void send_spec(const struct ncp_launch *w)
{
    const struct ncp_start_request *req = w->req;
    int fds[1 + NCP_MAX_FDS + 2];
    size_t n_fds = 0;
    if (req->kind == NCP_KIND_IPC)
        fds[n_fds++] = w->ipc_child;
    for (size_t i = 0; i < req->n_fds; i++)
        fds[n_fds++] = req->fds[i];
    if (w->stdio_child[0] >= 0) {
        fds[n_fds++] = w->stdio_child[0];
        fds[n_fds++] = w->stdio_child[1];
    }
    int r = send_with_fds(w->launch_parent, w->spec, w->spec_len, fds, n_fds);
    if (r < 0)
        /* The child is already gone (its report says why); it ends as usual. */
        log_info("child %s: launch spec not delivered: %s", req->name, strerror(-r));
}

/* The start's limits in the isolated child's cgroup (dir_fd, or -1: the one
 * the zygote made for `pid`), before the child gets its launch spec. */
static int set_cgroup_limits(const struct ncp_start_request *req, int dir_fd, pid_t pid)
{
    if (!req->isolated)
        return 0;
    int r = dir_fd >= 0 ? ncp_cgroup_apply_limits(dir_fd, &req->limits) : ncp_cgroup_apply_limits_of(pid, &req->limits);
    if (r < 0)
        return log_error_errno(r, "child %s: cannot write the limits of its cgroup", req->name);
    return 0;
}

/* Hands the child to a spare the zygote gave us, if one is usable: true
 * with c->pid and c->pidfd set.  The spec follows the hand-off: it is in the
 * launch socket before the spare has woken up to read it. */
static bool start_on_spare(const struct ncp_launch *w, struct ncp_child *c)
{
    const struct ncp_start_request *req = w->req;
    struct ncp_spare s;
    if (ncp_zygote_take_spare(req->isolated, w->sandbox, w->sandbox_len, &s) <= 0)
        return false;
    /* Before it has work: nothing of the app's runs in it yet. */
    int r = set_cgroup_limits(req, -1, s.pid);
    if (r < 0) {
        ncp_spare_discard(&s);
        return false;
    }
    r = ncp_zygote_hand_off(&s, req->name, w->launch_child);
    if (r < 0) {
        /* It died a moment ago (it had nothing yet): ask the zygote instead. */
        log_debug("child %s: spare pid %d could not take it: %s", req->name, (int)s.pid, strerror(-r));
        ncp_spare_discard(&s);
        return false;
    }
    send_spec(w);
    log_debug("child %s: handed to spare pid %d", req->name, (int)s.pid);
    c->pid = s.pid;
    c->pidfd = TAKE_FD(s.pidfd);
    c->ns_fd = TAKE_FD(s.ns_fd);
    c->via_zygote = true;
    ncp_spare_free(&s);
    return true;
}

/* A launcher cannot serve this start: the next one is tried. */
#define LAUNCH_NEXT 1

/* A child that could not be created (or registered): one line with the
 * cause, and the code to return. */
static int creation_failed(const struct ncp_start_request *req, int r)
{
    if (req->isolated && (r == -EPERM || r == -EINVAL || r == -ENOSPC || r == -EUSERS)) {
        ncp_userns_explain_failure(-r);
        return -EOPNOTSUPP;
    }
    if (r == -ETOOMANYREFS)
        return log_error_errno(r, "child %s: cannot create the process: for %u s, the kernel refused to pass its "
                               "descriptors: too many of this user's are in flight (sent over sockets by its "
                               "processes, not yet received)", req->name, NCP_INFLIGHT_WAIT_MS / 1000);
    return log_error_errno(r, "child %s: cannot create the process", req->name);
}

/* Hands a child the zygote made to the supervisor: 0 with *c the
 * supervisor's (NULL) and *pid set, or -errno (logged) with *c still the
 * caller's, as ncp_launch_child() promises. */
static int adopt(const struct ncp_start_request *req, struct ncp_child **c, pid_t *pid)
{
    pid_t child_pid = (*c)->pid; /* once adopted, *c may end and be freed at any time */
    int r = ncp_supervisor_adopt(*c);
    if (r < 0)
        return creation_failed(req, r);
    *c = NULL;
    *pid = child_pid;
    return 0;
}

/* A spare the zygote forked ahead of need, when one can serve the start. */
static int launch_on_spare(const struct ncp_launch *w, struct ncp_child **c, pid_t *pid)
{
    const struct ncp_start_request *req = w->req;
    if (!ncp_zygote_enabled() || (req->isolated && !w->sandbox) || !start_on_spare(w, *c))
        return LAUNCH_NEXT;
    return adopt(req, c, pid);
}

/* A child the zygote forks now, which also writes an isolated child's id
 * maps.  The spec goes out only once we hold the child's pidfd: if the
 * answer cannot be read (EMFILE drops the pidfd, a timeout), the child finds
 * no spec and ends, instead of running unsupervised after the caller was
 * told the start failed. */
static int launch_by_zygote(const struct ncp_launch *w, struct ncp_child **c, pid_t *pid)
{
    const struct ncp_start_request *req = w->req;
    if (!ncp_zygote_enabled())
        return LAUNCH_NEXT;
    int r = ncp_zygote_send(req->name, req->isolated, w->plan, w->launch_child);
    if (r < 0 && !ncp_zygote_enabled())
        return LAUNCH_NEXT; /* the zygote cannot run here: exec this child (and the next) */
    if (r < 0)
        return creation_failed(req, r);
    r = ncp_zygote_reply(w->launch_parent, &(*c)->pid, &(*c)->pidfd);
    /* Killed after it took the request: once more, to its successor. */
    if (r == -ECONNRESET && (r = ncp_zygote_send(req->name, req->isolated, w->plan, w->launch_child)) == 0)
        r = ncp_zygote_reply(w->launch_parent, &(*c)->pid, &(*c)->pidfd);
    if (r == -ECONNRESET)
        log_error("child %s: the zygote died twice before it answered", req->name);
    if (r < 0)
        return creation_failed(req, r);
    /* Without its limits the child gets no spec, and ends. */
    if ((r = set_cgroup_limits(req, -1, (*c)->pid)) < 0) {
        ncp_pidfd_kill((*c)->pidfd, (*c)->pid, SIGKILL);
        return r;
    }
    send_spec(w);
    (*c)->via_zygote = true;
    return adopt(req, c, pid);
}

/* The runner exec'd from the supervisor thread (src/spawn/spawner.c), its id maps
 * written here.  0 with *c the supervisor's and *pid set, or -errno. */
static int launch_by_exec(const struct ncp_launch *w, struct ncp_child **c, pid_t *pid)
{
    const struct ncp_start_request *req = w->req;
    const char *runner = w->runner;
    char *argv[] = { (char *)req->name, NULL };
    struct ncp_report exec_failure = { .magic = NCP_REPORT_MAGIC, .stage = NCP_STAGE_EXEC };
    snprintf(exec_failure.detail, sizeof(exec_failure.detail), "execve %s", runner);
    /* An isolated child's own cgroup, where there is one to make: the
     * supervisor kills it when the child ends (no zygote here to sweep what
     * the child left). */
    int r = req->isolated ? ncp_cgroup_create(&(*c)->cgroup) : -EOPNOTSUPP;
    if (r < 0 && r != -EOPNOTSUPP)
        log_debug("child %s: no cgroup of its own: %s", req->name, strerror(-r));
    if (r == 0 && (r = set_cgroup_limits(req, (*c)->cgroup.fd, 0)) < 0)
        return r;
    struct ncp_spawn_params params = {
        .runner = runner, .argv = argv, .envp = w->envp, .launch_fd = w->launch_child,
        .isolated = req->isolated, .parent_pid = getpid(), .exec_failure = &exec_failure,
        .cgroup_fd = (*c)->cgroup.fd,
    };
    if ((r = ncp_supervisor_spawn(*c, &params, pid)) < 0)
        return creation_failed(req, r);
    *c = NULL; /* the supervisor owns it now */
    /* The runner reads its spec only after the maps are written. */
    if (req->isolated && ncp_userns_apply(*pid, w->plan) < 0) {
        ncp_kill_child(*pid);
        return -EOPNOTSUPP;
    }
    send_spec(w);
    return 0;
}


/* The launchers, in the order they are tried. */
static int (*const launchers[])(const struct ncp_launch *w, struct ncp_child **c, pid_t *pid) = {
    launch_on_spare,
    launch_by_zygote,
    launch_by_exec, /* serves every start */
};

int ncp_launch_child(const struct ncp_launch *w, struct ncp_child **c, pid_t *pid)
{
    int r = LAUNCH_NEXT;
    for (size_t i = 0; i < ARRAY_SIZE(launchers) && r == LAUNCH_NEXT; i++)
        r = launchers[i](w, c, pid);
    return r;
}
