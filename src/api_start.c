/* The public start functions: validation in the reference's order, then one
 * path (ncp_start_child) for every kind of child. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "fd-util.h"
#include "log.h"
#include "macro.h"
#include "ncp.h"
#include "policy.h"
#include "sandbox.h"
#include "supervisor.h"

extern char **environ;

Ability_NativeChildProcess_ErrCode ncp_errno_to_code(int r)
{
    switch (r) {
    case 0: return NCP_NO_ERROR;
    case -EINVAL: return NCP_ERR_INVALID_PARAM;
    case -EAGAIN: return NCP_ERR_MAX_CHILD_PROCESSES_REACHED;
    case -EOPNOTSUPP: return NCP_ERR_NOT_SUPPORTED;
    default: return NCP_ERR_INTERNAL;
    }
}

const char *ncp_runner_path(void)
{
    const char *env = getenv("NCP_RUNNER");
    return env && *env ? env : NCP_LIBEXECDIR "/ncp-runner";
}

/* Environment variables an isolated child keeps: locale, time zone, paths the
 * API defines.  The rest of the app's environment (tokens, session bus and
 * display addresses) stays outside the sandbox. */
static bool isolated_env_allowed(const char *kv)
{
    static const char *const keep[] = {
        "PATH=", "LANG=", "LANGUAGE=", "TZ=", "TERM=", "NCP_LOG=", "NCP_BUNDLE_NAME=",
        "XDG_DATA_HOME=", "HOME=", "USER=", "LOGNAME=", "NCP_LANDLOCK_ABI=",
    };
    if (strncmp(kv, "LC_", 3) == 0)
        return true;
    for (size_t i = 0; i < ARRAY_SIZE(keep); i++)
        if (strncmp(kv, keep[i], strlen(keep[i])) == 0)
            return true;
    return false;
}

/* A NULL-terminated copy of the child's environment (pointers into environ). */
static char **child_env(bool isolated)
{
    size_t n = 0;
    for (char **e = environ; e && *e; e++)
        n++;
    char **envp = calloc(n + 2, sizeof(char *));
    if (!envp)
        return NULL;
    size_t k = 0;
    for (char **e = environ; e && *e; e++) {
        if (strncmp(*e, "NCP_IN_CHILD=", 13) == 0 || (isolated && !isolated_env_allowed(*e)))
            continue;
        envp[k++] = *e;
    }
    envp[k++] = (char *)"NCP_IN_CHILD=1";
    envp[k] = NULL;
    return envp;
}

static int isolation_prepare(const struct ncp_start_request *req, struct ncp_idmap *ids,
                             char **policy, size_t *policy_len)
{
    if (!ncp_userns_supported()) {
        log_error("isolated child %s: this system cannot create user/mount/network namespaces for uid %u (see `ncp-run --doctor`)",
                  req->name, (unsigned)getuid());
        return -EOPNOTSUPP;
    }
    int r = ncp_userns_plan(req->isolation_uid, ids);
    if (r < 0)
        return r == -EOPNOTSUPP ? r : -EOPNOTSUPP;
    r = ncp_policy_read_file("isolated", policy, policy_len);
    if (r < 0)
        return log_error_errno(r, "isolated child %s: cannot read the isolated policy", req->name);
    return 0;
}

int ncp_start_child(const struct ncp_start_request *req, int slot_fd, pid_t *pid_out)
{
    const char *runner = ncp_runner_path();
    if (access(runner, X_OK) < 0)
        return log_error_errno(errno, "runner %s is not executable (reinstall, or set NCP_RUNNER)", runner);

    struct ncp_idmap plan = { .inside_uid = getuid(), .inside_gid = getgid(),
                              .outside_uid = getuid(), .outside_gid = getgid(),
                              .caller_uid = getuid(), .caller_gid = getgid() };
    _cleanup_free_ char *policy = NULL;
    size_t policy_len = 0;
    int r;
    if (req->isolated && (r = isolation_prepare(req, &plan, &policy, &policy_len)) < 0)
        return r;

    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return log_error_errno(errno, "child %s: launch socketpair", req->name);
    _cleanup_close_ int launch_parent = sv[0], launch_child = sv[1];
    _cleanup_close_ int ipc_parent = -1, ipc_child = -1;
    if (req->kind == NCP_KIND_IPC) {
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
            return log_error_errno(errno, "child %s: IPC socketpair", req->name);
        ipc_parent = sv[0];
        ipc_child = sv[1];
    }

    _cleanup_free_ char **envp = child_env(req->isolated);
    if (!envp)
        return log_error_errno(ENOMEM, "child %s: environment", req->name);
    char *argv[] = { (char *)req->name, NULL };
    struct ncp_report exec_failure = { .magic = NCP_REPORT_MAGIC, .stage = NCP_STAGE_EXEC };
    snprintf(exec_failure.detail, sizeof(exec_failure.detail), "execve %s", runner);

    _cleanup_free_ struct ncp_child *c = calloc(1, sizeof(*c));
    if (!c)
        return log_error_errno(ENOMEM, "child %s", req->name);
    c->kind = req->kind;
    c->pidfd = c->ipc_fd = -1;
    snprintf(c->name, sizeof(c->name), "%s", req->name);
    c->launch_fd = fcntl(launch_parent, F_DUPFD_CLOEXEC, 3);
    if (c->launch_fd < 0)
        return log_error_errno(errno, "child %s: dup", req->name);
    if (req->kind == NCP_KIND_IPC) {
        c->on_started = req->on_started;
        c->ipc_fd = TAKE_FD(ipc_parent);
        c->deadline_ms = ncp_now_ms() + req->connect_timeout_ms;
    }

    struct ncp_spawn_params params = {
        .runner = runner, .argv = argv, .envp = envp, .launch_fd = launch_child,
        .isolated = req->isolated, .parent_pid = getpid(), .exec_failure = &exec_failure,
    };
    pid_t pid = 0;
    r = ncp_supervisor_spawn(c, &params, req->max_ipc_children, &pid);
    if (r < 0) {
        c->launch_fd = safe_close(c->launch_fd);
        c->ipc_fd = safe_close(c->ipc_fd);
        if (r == -EAGAIN) {
            log_error("child %s: this process already has %u live IPC children", req->name, req->max_ipc_children);
            return r;
        }
        if (req->isolated && (r == -EPERM || r == -EINVAL || r == -ENOSPC || r == -EUSERS)) {
            ncp_userns_explain_failure(-r);
            return -EOPNOTSUPP;
        }
        return log_error_errno(r, "child %s: clone3", req->name);
    }
    TAKE_PTR(c); /* the supervisor owns it now */
    launch_child = safe_close(launch_child);

    if (req->isolated && (r = ncp_userns_apply(pid, &plan)) < 0) {
        ncp_kill_child(pid);
        return -EOPNOTSUPP;
    }
    /* An isolation uid depends on the pid: the runner gets the final ids. */
    struct ncp_idmap ids;
    ncp_idmap_resolve(&plan, pid, &ids);

    struct ncp_launch_input in = {
        .kind = req->kind, .flags = (req->isolated ? NCP_LAUNCH_ISOLATED : 0) |
                                    (ids.own_uid ? NCP_LAUNCH_OWN_UID : 0) |
                                    (ids.use_helpers ? NCP_LAUNCH_HELPERS : 0),
        .inside_uid = ids.inside_uid, .inside_gid = ids.inside_gid,
        .outside_uid = ids.outside_uid, .outside_gid = ids.outside_gid,
        .caller_uid = ids.caller_uid, .caller_gid = ids.caller_gid,
        .library = req->library, .symbol = req->symbol ? req->symbol : "-", .name = req->name,
        .params = req->params ? req->params : "", .data_dir = req->data_dir,
        .policy = policy, .policy_len = policy_len,
        .n_user_fds = req->n_fds, .fd_names = req->fd_names,
    };
    _cleanup_free_ char *spec = NULL;
    size_t spec_len = 0;
    r = ncp_launch_encode(&in, &spec, &spec_len);
    if (r < 0) {
        ncp_kill_child(pid);
        return log_error_errno(r, "child %s: encode launch spec", req->name);
    }
    int fds[2 + NCP_MAX_FDS];
    size_t n_fds = 0;
    fds[n_fds++] = slot_fd;
    if (req->kind == NCP_KIND_IPC)
        fds[n_fds++] = ipc_child;
    for (size_t i = 0; i < req->n_fds; i++)
        fds[n_fds++] = req->fds[i];
    r = send_with_fds(launch_parent, spec, spec_len, fds, n_fds);
    if (r < 0)
        /* The child is already gone (its report says why); it is reaped as usual. */
        log_info("child %s (pid %d): launch spec not delivered: %s", req->name, (int)pid, strerror(-r));
    *pid_out = pid;
    return 0;
}
