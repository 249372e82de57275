/* SPDX-License-Identifier: Apache-2.0 */
/* The public start functions: validation in the reference's order, then one
 * path (ncp_start_child) for every kind of child. */
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/fd-util.h"
#include "common/log.h"
#include "common/macro.h"
#include "api_start.h"
#include "sandbox/parent/binds.h"
#include "sandbox/parent/cgroup.h"
#include "sandbox/parent/policy_files.h"
#include "sandbox/parent/userns.h"
#include "common/sandbox_desc.h"
#include "spawn/spawn.h"
#include "launch.h"
#include "registry.h"
#include "supervisor.h"
#include "zygote_client.h"

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

/* Environment variables an isolated child keeps: locale, time zone, paths the
 * API defines.  The rest of the app's environment (tokens, session bus and
 * display addresses) stays outside the sandbox. */
static bool isolated_env_allowed(const char *kv)
{
    static const char *const keep[] = {
        "PATH=", "LANG=", "LANGUAGE=", "TZ=", "TERM=", "NCP_LOG=", "NCP_BUNDLE_NAME=",
        "USER=", "LOGNAME=", "NCP_LANDLOCK_ABI=",
        "NCP_TEST_STEP_TIMES=", /* the runner's step timing (src/common/steps.h), read by an exec'd runner */
    };
    if (strncmp(kv, "LC_", 3) == 0)
        return true;
    for (size_t i = 0; i < ARRAY_SIZE(keep); i++)
        if (strncmp(kv, keep[i], strlen(keep[i])) == 0)
            return true;
    return false;
}

/* Paths an isolated child gets in place of the app's, which do not exist in
 * its sandbox: its private data dir is its home. */
#define N_ISOLATED_PATHS 6

static void isolated_paths(const char *data_dir, char out[N_ISOLATED_PATHS][PATH_MAX + 32])
{
    /* data_dir is $XDG_DATA_HOME/<bundle>: the child's XDG_DATA_HOME is its parent. */
    const char *slash = strrchr(data_dir, '/');
    int parent = slash && slash > data_dir ? (int)(slash - data_dir) : 1;
    snprintf(out[0], PATH_MAX + 32, "HOME=%s", data_dir);
    snprintf(out[1], PATH_MAX + 32, "XDG_DATA_HOME=%.*s", parent, data_dir);
    snprintf(out[2], PATH_MAX + 32, "XDG_CONFIG_HOME=%s/.config", data_dir);
    snprintf(out[3], PATH_MAX + 32, "XDG_CACHE_HOME=%s/.cache", data_dir);
    snprintf(out[4], PATH_MAX + 32, "XDG_STATE_HOME=%s/.state", data_dir);
    snprintf(out[5], PATH_MAX + 32, "TMPDIR=/tmp");
}

/* An exec'd isolated runner has not preloaded the API libraries as the
 * zygote has, and their directory is not in its new root: the runner loads
 * the app's own copies, named here, before it builds the sandbox
 * (src/runner/runner.c), so that the child library's dependency on them is
 * met by what is loaded.  libipc_capi first: libchild_process needs it, and
 * an installed copy has no run path to find it by.  NULL when they cannot be
 * named. */
static char preload[2 * PATH_MAX + 32];

static void build_preload(void)
{
    Dl_info self, ipc;
    void *ipc_sym = dlsym(RTLD_DEFAULT, "OH_IPCParcel_Create");
    if (!dladdr((void *)&ncp_start_child, &self) || !self.dli_fname || self.dli_fname[0] != '/')
        return;
    int n = ipc_sym && dladdr(ipc_sym, &ipc) && ipc.dli_fname && ipc.dli_fname[0] == '/'
                ? snprintf(preload, sizeof(preload), "NCP_RUNNER_PRELOAD=%s:%s", ipc.dli_fname, self.dli_fname)
                : snprintf(preload, sizeof(preload), "NCP_RUNNER_PRELOAD=%s", self.dli_fname);
    if (n < 0 || (size_t)n >= sizeof(preload))
        preload[0] = '\0';
}

static const char *preload_entry(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, build_preload);
    return preload[0] ? preload : NULL;
}

/* Whether "NAME=..." `kv` sets a name that one of `set` ("NAME=VALUE") sets too. */
static bool env_overridden(const char *kv, const char *const *set, size_t n_set)
{
    size_t n = strcspn(kv, "=");
    for (size_t i = 0; i < n_set; i++)
        if (strncmp(set[i], kv, n) == 0 && set[i][n] == '=')
            return true;
    return false;
}

/* A NULL-terminated copy of the child's environment (pointers into environ,
 * `extra` and `set`): the app's (an isolated child: only what
 * isolated_env_allowed() keeps, and its own paths), then the configs'
 * variables (`set`, n_set of them), which win over both.  Those come last:
 * the spec says how many there are (n_env_set), so that an isolated
 * child's policy ("env") changes only the others. */
static char **child_env(bool isolated, char extra[N_ISOLATED_PATHS][PATH_MAX + 32], const char *const *set,
                        size_t n_set)
{
    size_t n = 0;
    for (char **e = environ; e && *e; e++)
        n++;
    char **envp = calloc(n + N_ISOLATED_PATHS + n_set + 3, sizeof(char *));
    if (!envp)
        return NULL;
    size_t k = 0;
    for (char **e = environ; e && *e; e++) {
        if (strncmp(*e, "NCP_IN_CHILD=", 13) == 0 || (isolated && !isolated_env_allowed(*e)) ||
            env_overridden(*e, set, n_set))
            continue;
        envp[k++] = *e;
    }
    if (isolated)
        for (size_t i = 0; i < N_ISOLATED_PATHS; i++)
            if (!env_overridden(extra[i], set, n_set))
                envp[k++] = extra[i];
    const char *pre = isolated && !ncp_zygote_enabled() ? preload_entry() : NULL;
    if (pre)
        envp[k++] = (char *)pre;
    envp[k++] = (char *)"NCP_IN_CHILD=1";
    for (size_t i = 0; i < n_set; i++)
        envp[k++] = (char *)set[i];
    envp[k] = NULL;
    return envp;
}

static int isolation_prepare(const struct ncp_start_request *req, struct ncp_idmap *ids,
                             char **policy, size_t *policy_len)
{
    /* The probe is a throwaway child in the namespaces, once per process;
     * a one-shot program's only child is that try itself, and a refusal
     * of its clone3 is explained the same way (ncp_start_child()). */
    if (!ncp_one_shot_start() && !ncp_userns_supported()) {
        log_error("isolated child %s: this system cannot create user/mount/network namespaces for uid %u (see `ncp-run --doctor`)",
                  req->name, (unsigned)getuid());
        return -EOPNOTSUPP;
    }
    ncp_cgroup_setup_once();
    int r = ncp_userns_plan(req->isolation_uid, ids);
    if (r < 0)
        return r == -EOPNOTSUPP ? r : -EOPNOTSUPP;
    /* NCP_POLICY_FILE (ncp-run --policy) names a policy file for this process. */
    const char *file = getenv("NCP_POLICY_FILE");
    r = file && *file ? ncp_policy_read_path(file, policy, policy_len) : ncp_policy_read_file("isolated", policy, policy_len);
    if (r < 0)
        return log_error_errno(r, "isolated child %s: cannot read the isolated policy", req->name);
    /* The sandbox's description carries the text as a string: a NUL would
     * cut it short.  Said as the child's parser says it of any bad file. */
    if (memchr(*policy, '\0', *policy_len)) {
        log_error("isolated child %s: policy %s: contains a NUL byte (not a JSON text)", req->name,
                  file && *file ? file : "isolated");
        return -EOPNOTSUPP; /* the caller frees *policy */
    }
    return 0;
}

/* The binds of a request, as the sandbox takes them. */
static size_t request_binds(const struct ncp_start_request *req, struct ncp_sandbox_bind b[NCP_MAX_BINDS])
{
    size_t n = req->n_binds < NCP_MAX_BINDS ? req->n_binds : NCP_MAX_BINDS;
    for (size_t i = 0; i < n; i++)
        b[i] = (struct ncp_sandbox_bind){ req->bind_src[i], req->bind_dest[i], (req->bind_writable >> i) & 1 };
    return n;
}

/* The binds of an isolated request, checked against its data dir and library
 * directory as the child will place them (src/sandbox/parent/binds.c). */
static int check_binds(const struct ncp_start_request *req)
{
    struct ncp_sandbox_bind b[NCP_MAX_BINDS];
    if (req->n_binds > NCP_MAX_BINDS)
        return -EINVAL;
    size_t n = request_binds(req, b);
    _cleanup_free_ char *lib_dir = NULL;
    const char *slash = strrchr(req->library, '/');
    if (slash && !(lib_dir = strndup(req->library, slash > req->library ? (size_t)(slash - req->library) : 1)))
        return -ENOMEM;
    return ncp_binds_check(b, n, req->data_dir, lib_dir, true) < 0 ? -EINVAL : 0;
}

/* What an isolated request's sandbox is (src/common/sandbox_desc.h), encoded. */
static int describe_sandbox(const struct ncp_start_request *req, const struct ncp_idmap *plan, const char *policy,
                            size_t policy_len, char *const *envp, char **out, size_t *out_len)
{
    struct ncp_sandbox_desc d = {
        .ids = *plan, .limits = req->limits,
        .lib_path = strchr(req->library, '/') ? req->library : NULL, .data_dir = req->data_dir,
        .policy = policy_len ? policy : NULL, .policy_len = policy_len,
    };
    d.n_binds = request_binds(req, d.binds);
    ncp_sandbox_desc_take_settings(&d, envp);
    return ncp_sandbox_desc_encode(&d, out, out_len);
}

/* The launch spec of a request; ids are the plan (the runner resolves an
 * isolation uid range with its own pid).  For an isolated child with the
 * app's ids, also what its sandbox is (*sandbox; else NULL), so a spare
 * that built that sandbox ahead of need can take it. */
static int encode_spec(const struct ncp_start_request *req, const struct ncp_idmap *plan, const char *policy,
                       size_t policy_len, char *const *envp, char **spec, size_t *len, char **sandbox,
                       size_t *sandbox_len)
{
    /* The configs' directory (one the child must enter); else a normal
     * child's is the app's, an isolated child's its root's "/" (the app's
     * host path means nothing there). */
    char cwd[4096] = "";
    if (req->cwd)
        snprintf(cwd, sizeof(cwd), "%s", req->cwd);
    else if (!req->isolated && !getcwd(cwd, sizeof(cwd)))
        strcpy(cwd, "/");
    _cleanup_free_ char *desc = NULL;
    size_t desc_len = 0;
    int r = req->isolated ? describe_sandbox(req, plan, policy, policy_len, envp, &desc, &desc_len) : 0;
    struct ncp_launch_input in = {
        .kind = req->kind, .flags = (req->isolated ? NCP_LAUNCH_ISOLATED | NCP_LAUNCH_STDIO : 0) |
                                    (req->cwd ? NCP_LAUNCH_CWD : 0),
        .sandbox = desc, .sandbox_len = desc_len,
        .library = req->library, .symbol = req->symbol ? req->symbol : "-", .name = req->name,
        .params = req->params ? req->params : "",
        .n_user_fds = req->n_fds, .fd_names = req->fd_names, .fd_writable = req->fd_writable,
        .cwd = cwd, .env = envp, .n_env_set = req->n_env,
    };
    if (r == 0)
        r = ncp_launch_encode(&in, spec, len);
    if (r < 0)
        return log_error_errno(r, "child %s: encode launch spec", req->name);
    /* A spare's root is built before the start's descriptors come: a
     * directory among them has to be bound by a child built in full. */
    if (req->isolated && ncp_idmap_is_plain(plan) && !req->has_dirs) {
        *sandbox = TAKE_PTR(desc);
        *sandbox_len = desc_len;
    }
    return 0;
}

static void close_pair(int (*p)[2])
{
    (*p)[0] = safe_close((*p)[0]);
    (*p)[1] = safe_close((*p)[1]);
}

static struct ncp_child *child_new(const struct ncp_start_request *req, int launch_parent, int *ipc_parent)
{
    struct ncp_child *c = ncp_child_new(req->name, req->kind);
    if (!c)
        return NULL;
    c->isolated = req->isolated;
    c->launch_fd = fcntl(launch_parent, F_DUPFD_CLOEXEC, 3);
    if (c->launch_fd < 0) {
        ncp_child_free_as(c, safe_close);
        return NULL;
    }
    if (req->timeout_ms) {
        c->wall_limit_ms = req->timeout_ms;
        c->wall_deadline_ms = ncp_now_ms() + req->timeout_ms;
    }
    if (req->kind == NCP_KIND_IPC) {
        c->on_started = req->on_started;
        c->ipc_fd = TAKE_FD(*ipc_parent);
        c->deadline_ms = ncp_now_ms() + req->connect_timeout_ms;
    }
    return c;
}

static void child_discard(struct ncp_child *c)
{
    if (!c)
        return;
    if (c->ipc_counted)
        ncp_registry_release_ipc();
    /* Its cgroup (exec mode) is empty or holds what must die with it. */
    ncp_cgroup_destroy(&c->cgroup);
    /* never registered: the child never ran code of the app's, so nothing it
     * sent can be queued on its sockets */
    ncp_child_free_as(c, safe_close);
}

int ncp_start_child(const struct ncp_start_request *req, int *slot_fd, pid_t *pid_out)
{
    const char *runner = ncp_runner_path();
    if (access(runner, X_OK) < 0)
        return log_error_errno(errno, "runner %s is not executable (reinstall, or set NCP_RUNNER)", runner);

    struct ncp_idmap plan;
    ncp_idmap_plain(&plan);
    _cleanup_free_ char *policy = NULL;
    size_t policy_len = 0;
    int r;
    if (req->isolated && req->n_binds && (r = check_binds(req)) < 0)
        return r;
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
    char paths[N_ISOLATED_PATHS][PATH_MAX + 32];
    if (req->isolated)
        isolated_paths(req->data_dir, paths);
    _cleanup_free_ char **envp = child_env(req->isolated, paths, req->env, req->n_env);
    /* The configs' variables are the child's, which it takes from its spec,
     * not an exec'd runner's: an LD_PRELOAD among them must not act on the
     * runner's loader before the sandbox (a zygote's child never sees them
     * there either). */
    _cleanup_free_ char **exec_envp = req->n_env ? child_env(req->isolated, paths, NULL, 0) : NULL;
    _cleanup_free_ char *spec = NULL, *sandbox = NULL;
    size_t spec_len = 0, sandbox_len = 0;
    if (!envp || (req->n_env && !exec_envp))
        return log_error_errno(ENOMEM, "child %s: environment", req->name);
    if ((r = encode_spec(req, &plan, policy, policy_len, envp, &spec, &spec_len, &sandbox, &sandbox_len)) < 0)
        return r;

    struct ncp_child *c = child_new(req, launch_parent, &ipc_parent);
    if (!c) /* calloc: ENOMEM, or the launch socket's copy: EMFILE */
        return log_error_errno(errno ? errno : ENOMEM, "child %s: cannot register it", req->name);
    /* The supervisor lets the slot go once it has seen the child end. */
    c->slot_fd = TAKE_FD(*slot_fd);
    if (req->kind == NCP_KIND_IPC) {
        if (ncp_registry_reserve_ipc(req->max_ipc_children) < 0) {
            log_error("child %s: this process already has %u live IPC children", req->name, req->max_ipc_children);
            child_discard(c);
            return -EAGAIN;
        }
        c->ipc_counted = true;
    }
    /* An isolated child gets stdio of the library's, not the app's open file
     * descriptions (src/app/child_stdio.h). */
    _cleanup_(close_pair) int stdio_child[2] = { -1, -1 };
    if (req->isolated) {
        if ((r = ncp_child_stdio_open(&c->stdio, stdio_child)) < 0) {
            child_discard(c);
            return log_error_errno(r, "child %s: stdio pipes", req->name);
        }
        c->own_stdio = true;
    }

    const struct ncp_launch w = { req, &plan, launch_parent, launch_child, ipc_child, stdio_child,
                                  spec, spec_len, sandbox, sandbox_len, runner, exec_envp ? exec_envp : envp };
    pid_t pid = 0;
    if ((r = ncp_launch_child(&w, &c, &pid)) < 0) {
        child_discard(c); /* NULL once the supervisor has it */
        return r;
    }
    *pid_out = pid;
    return 0;
}
