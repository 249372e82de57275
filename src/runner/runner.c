/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ncp-runner: the program every child runs (installed in libexec).
 *
 * argv[0] is the child's full name.  Fd 3 is the launch socket: the runner
 * reads its launch spec there, builds the sandbox for isolated children,
 * loads the app's library, reports how far it got, and runs the entry.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fd-util.h"
#include "common/log.h"
#include "common/macro.h"
#include "runner.h"
#include "sandbox/parent/userns.h"
#include "sandbox/sandbox.h"
#include "zygote_proto.h"

/* Looked up by libchild_process in this process (src/app/in_child.c). */
__attribute__((visibility("default"))) struct ncp_runner_state ncp_runner_state;
struct ncp_runner_prebuilt ncp_runner_prebuilt;

/* NCP_TEST_STEP_TIMES=1 (src/common/steps.h): each step's time, for `make bench`; NULL when off. */
static struct ncp_steps step_times, *steps;

static void steps_begin(void)
{
    const char *on = getenv("NCP_TEST_STEP_TIMES");
    if (!on || strcmp(on, "1") != 0)
        return;
    steps = &step_times;
    steps->start_us = steps->last_us = ncp_steps_now_us();
}

/* One line on stderr (the child's own, once it has taken it). */
static void steps_print(void)
{
    if (!steps)
        return;
    char line[1024];
    int n = snprintf(line, sizeof(line), "ncp-steps: start=%llu", (unsigned long long)steps->start_us);
    for (unsigned i = 0; i < steps->n && n > 0 && (size_t)n < sizeof(line); i++)
        n += snprintf(line + n, sizeof(line) - (size_t)n, " %s=+%llu", steps->step[i].name,
                      (unsigned long long)steps->step[i].us);
    if (n > 0 && (size_t)n < sizeof(line) - 1) {
        line[n++] = '\n';
        (void)write_full(2, line, (size_t)n);
    }
}

static void report(uint32_t stage, int err, const char *fmt, ...)
{
    struct ncp_report r = { .magic = NCP_REPORT_MAGIC, .stage = stage, .error = err };
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r.detail, sizeof(r.detail), fmt, ap);
    va_end(ap);
    /* The parent may be gone already; nothing else to do then. */
    (void)write_full(NCP_LAUNCH_FD, &r, sizeof(r));
}

_noreturn_ void ncp_runner_fail(uint32_t stage, int err, const char *fmt, ...)
{
    char detail[240];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    log_error("child %s: %s failed: %s%s%s", program_invocation_name, ncp_stage_name(stage), detail,
              err ? ": " : "", err ? strerror(err) : "");
    report(stage, err, "%s", detail);
    _exit(ncp_stage_info(stage)->exit_status);
}

void ncp_runner_report_entering(void)
{
    struct ncp_report r = { .magic = NCP_REPORT_MAGIC, .stage = NCP_STAGE_RUNNING, .detail = "entering" };
    (void)write_full(NCP_LAUNCH_FD, &r, sizeof(r));
}

void ncp_runner_report_running(void)
{
    /* On every start's path: no formatting. */
    struct ncp_report r = { .magic = NCP_REPORT_MAGIC, .stage = NCP_STAGE_RUNNING, .detail = "running" };
    (void)write_full(NCP_LAUNCH_FD, &r, sizeof(r));
}

static int receive_spec(struct ncp_launch_spec *spec)
{
    struct ncp_launch_header h;
    int fds[1 + NCP_MAX_FDS + 2];
    size_t n_fds = 0;
    ssize_t n = recv_with_fds(NCP_LAUNCH_FD, &h, sizeof(h), fds, ARRAY_SIZE(fds), &n_fds);
    if (n < 0)
        return (int)n;
    if (n == 0)
        return -EPIPE;
    int r = 0;
    if ((size_t)n < sizeof(h))
        r = read_full(NCP_LAUNCH_FD, (char *)&h + n, sizeof(h) - (size_t)n);
    if (r == 0)
        r = ncp_launch_check_header(&h, n_fds);
    char *body = r == 0 ? malloc(h.body_len ? h.body_len : 1) : NULL;
    if (r == 0 && !body)
        r = -ENOMEM;
    if (r == 0)
        r = read_full(NCP_LAUNCH_FD, body, h.body_len);
    if (r == 0)
        r = ncp_launch_decode_body(&h, body, spec);
    else
        free(body);
    if (r < 0) {
        for (size_t i = 0; i < n_fds; i++)
            close(fds[i]);
        return r;
    }
    size_t k = 0;
    spec->ipc_fd = h.has_ipc_fd ? fds[k++] : -1;
    for (size_t i = 0; i < spec->n_user_fds; i++)
        spec->user_fds[i] = fds[k++];
    if (spec->flags & NCP_LAUNCH_STDIO) {
        spec->stdio_fds[0] = fds[k++];
        spec->stdio_fds[1] = fds[k++];
    }
    return 0;
}

/* A descriptor that arrived as one of 0-2 (the app had that one closed)
 * moves up: take_stdio() puts the child's own stdio there. */
static int lift(int fd)
{
    if (fd < 0 || fd > 2)
        return fd;
    int high = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (high < 0)
        ncp_runner_fail(NCP_STAGE_SPEC, errno, "moving descriptor %d above 2", fd);
    close(fd);
    return high;
}

static void lift_fds(struct ncp_launch_spec *spec)
{
    if (!(spec->flags & NCP_LAUNCH_STDIO))
        return;
    spec->ipc_fd = lift(spec->ipc_fd);
    for (size_t i = 0; i < spec->n_user_fds; i++)
        spec->user_fds[i] = lift(spec->user_fds[i]);
    for (size_t i = 0; i < 2; i++)
        spec->stdio_fds[i] = lift(spec->stdio_fds[i]);
}

/* An isolated child's 0-2 (src/app/child_stdio.h): /dev/null of its own root and
 * the pipes the app drains, in place of the app's open file descriptions,
 * which it could otherwise truncate or make nonblocking for the app too.
 * Done before the library is loaded: none of its code sees the app's. */
static void take_stdio(struct ncp_launch_spec *spec)
{
    if (!(spec->flags & NCP_LAUNCH_STDIO))
        return;
    int src[3] = { open("/dev/null", O_RDONLY | O_CLOEXEC), spec->stdio_fds[0], spec->stdio_fds[1] };
    int high[3] = { -1, -1, -1 }, err = 0;
    /* Above 2 first: a source may itself be one of 0-2 (an app with a closed fd). */
    for (int i = 0; i < 3 && !err; i++)
        if (src[i] < 0 || (high[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 3)) < 0)
            err = errno;
    for (int i = 0; i < 3 && !err; i++)
        if (dup2(high[i], i) < 0)
            err = errno;
    for (int i = 0; i < 3; i++) {
        safe_close(high[i]);
        if (src[i] > 2)
            close(src[i]);
    }
    spec->stdio_fds[0] = spec->stdio_fds[1] = -1;
    if (err)
        ncp_runner_fail(NCP_STAGE_SANDBOX, err, "taking the stdio the app made for it");
}

/* The child's descriptors lose O_CLOEXEC: they are the app's now, and its
 * code may exec helpers that expect them. */
static void hand_over_fds(const struct ncp_launch_spec *spec)
{
    for (size_t i = 0; i < spec->n_user_fds; i++)
        fcntl(spec->user_fds[i], F_SETFD, 0);
}

/* The Args the entry receives, and the copy OH_Ability_GetCurrentChildProcessArgs() returns. */
static NativeChildProcess_Args *build_args(const struct ncp_launch_spec *spec)
{
    NativeChildProcess_Args *a = calloc(1, sizeof(*a));
    if (!a || !(a->entryParams = strdup(spec->params)))
        return NULL;
    NativeChildProcess_Fd **tail = &a->fdList.head;
    for (size_t i = 0; i < spec->n_user_fds; i++) {
        NativeChildProcess_Fd *f = calloc(1, sizeof(*f));
        if (!f || !(f->fdName = strdup(spec->fd_names[i])))
            return NULL;
        f->fd = spec->user_fds[i];
        *tail = f;
        tail = &f->next;
    }
    return a;
}

static void set_process_name(const char *name)
{
    /* comm holds 15 characters: keep the end, where the distinguishing part is. */
    size_t len = strlen(name);
    prctl(PR_SET_NAME, len > 15 ? name + len - 15 : name, 0, 0, 0);
}

static void *load_library(const struct ncp_launch_spec *spec)
{
    void *h = dlopen(spec->library, RTLD_NOW | RTLD_GLOBAL);
    if (!h) {
        const char *why = dlerror();
        /* A bare name reaches the runner only when the app did not find it in
         * its own places (src/spawn/libpath.c); say where both looked. */
        if (!strchr(spec->library, '/') && strstr(why, "cannot open shared object file"))
            ncp_runner_fail(NCP_STAGE_DLOPEN, 0, "%s (looked in NCP_LIBRARY_PATH, LD_LIBRARY_PATH, the app's "
                            "directory and its ../lib, then /etc/ld.so.cache, /lib, /usr/lib)", why);
        ncp_runner_fail(NCP_STAGE_DLOPEN, 0, "%s", why);
    }
    return h;
}

static void *lookup(void *lib, const char *symbol)
{
    dlerror();
    void *sym = dlsym(lib, symbol);
    if (!sym)
        ncp_runner_fail(NCP_STAGE_DLSYM, 0, "symbol %s not found: %s", symbol, dlerror() ?: "NULL");
    return sym;
}

/* The environment and working directory the app had at this start (a child
 * forked by the zygote would otherwise see the zygote's), or those its
 * configs set.  An isolated child enters its directory once in its root
 * (enter_working_dir()).  environ gets a copy of the spec's array, so that
 * what unsetenv() moves leaves the start's own variables where the spec
 * says they are (policy_environment()). */
static void adopt_environment(const struct ncp_launch_spec *spec)
{
    extern char **environ;
    char **copy = malloc((spec->n_env + 1) * sizeof(char *));
    if (!copy)
        ncp_runner_fail(NCP_STAGE_SPEC, ENOMEM, "copying the environment");
    memcpy(copy, spec->env, (spec->n_env + 1) * sizeof(char *));
    environ = copy;
    if ((spec->flags & NCP_LAUNCH_ISOLATED) || !spec->cwd[0] || chdir(spec->cwd) == 0)
        return;
    if (spec->flags & NCP_LAUNCH_CWD)
        ncp_runner_fail(NCP_STAGE_SPEC, errno, "cannot enter the working directory %s", spec->cwd);
    log_debug("child %s: cannot enter the app's directory %s: %s", spec->name, spec->cwd, strerror(errno));
}

/* Whether the start set `name` itself (NCP_ChildProcessConfigs_SetEnv()):
 * one of the spec's last n_env_set variables. */
static bool set_by_start(const struct ncp_launch_spec *spec, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = spec->n_env - spec->n_env_set; i < spec->n_env; i++)
        if (strncmp(spec->env[i], name, n) == 0 && spec->env[i][n] == '=')
            return true;
    return false;
}

/* An isolated child's policy "env" (src/sandbox/policy_additions.c): over the app's variables
 * and the library's paths (HOME, TMPDIR, ...), not over the start's own. */
static void policy_environment(const struct ncp_launch_spec *spec, const struct ncp_sandbox_extras *x)
{
    for (size_t i = 0; i < x->n_env; i++) {
        const char *name = x->env[i].name, *value = x->env[i].value;
        if (set_by_start(spec, name)) {
            log_debug("child %s: the start sets %s: the policy's %s is not used", spec->name, name,
                      value ? "value" : "removal");
            continue;
        }
        if ((value ? setenv(name, value, 1) : unsetenv(name)) < 0)
            ncp_runner_fail(NCP_STAGE_SANDBOX, errno, "the policy's variable %s", name);
    }
}

/* An isolated child's directory, a path in its new root: the start's
 * (configs), else the policy's "cwd", else it stays at the root's "/".
 * After pivot_root, ".." from it ends at that "/". */
static void enter_working_dir(const struct ncp_launch_spec *spec, const char *policy_cwd)
{
    if (spec->flags & NCP_LAUNCH_CWD) {
        if (chdir(spec->cwd) < 0)
            ncp_runner_fail(NCP_STAGE_SANDBOX, errno, "the working directory %s is not in the child's root", spec->cwd);
    } else if (policy_cwd && chdir(policy_cwd) < 0)
        ncp_runner_fail(NCP_STAGE_SANDBOX, errno, "the policy's working directory %s is not in the child's root",
                        policy_cwd);
}

/* The given descriptors that are directories: the sandbox binds what each
 * names into the new root and replaces it (src/sandbox/mount.c).  An O_PATH one
 * never gets here (the app refuses it with 401), nor would it be kept. */
static int passed_dirs(const struct ncp_launch_spec *spec, struct ncp_sandbox_dir *dirs, size_t *n)
{
    *n = 0;
    for (size_t i = 0; i < spec->n_user_fds; i++) {
        struct stat st;
        int fl = fcntl(spec->user_fds[i], F_GETFL);
        if (fl < 0 || fstat(spec->user_fds[i], &st) < 0)
            return log_error_errno(errno, "sandbox: fd \"%s\" cannot be examined", spec->fd_names[i]);
        if (fl & O_PATH)
            return log_error_errno(EINVAL, "sandbox: fd \"%s\" is an O_PATH descriptor", spec->fd_names[i]);
        if (S_ISDIR(st.st_mode))
            dirs[(*n)++] = (struct ncp_sandbox_dir){ .name = spec->fd_names[i], .fd = spec->user_fds[i],
                                                     .writable = (spec->fd_writable >> i) & 1 };
        else if (spec->fd_writable & (1u << i))
            return log_error_errno(EINVAL, "sandbox: fd \"%s\" is marked writable but is not a directory",
                                   spec->fd_names[i]);
    }
    return 0;
}

int ncp_runner_build_sandbox(const struct ncp_sandbox_desc *desc, const struct ncp_sandbox_dir *dirs, size_t n_dirs,
                             pid_t parent, const int *keep, size_t n_keep, struct ncp_sandbox_extras *extras,
                             const char **stage)
{
    /* Its own session, with no controlling terminal: the app's terminal on
     * 0-2 then stays usable for reading and writing, but TIOCSTI, tcsetpgrp()
     * and job-control signals reach only a terminal that is the caller's
     * controlling one.  The parent-death signal and the zygote's hold (its
     * pidfd, its socket) do not depend on the session. */
    if (getsid(0) != getpid() && setsid() < 0) {
        *stage = "session";
        return log_error_errno(errno, "sandbox: cannot start a new session");
    }
    const struct ncp_sandbox_config cfg = {
        .desc = desc, .keep_fds = keep, .n_keep_fds = n_keep, .dirs = dirs, .n_dirs = n_dirs,
        .steps = steps, .extras = extras,
    };
    int r = ncp_runner_sandbox_enter(&cfg, stage);
    if (r < 0)
        return r;
    /* A change of ids clears the parent-death signal: set it again. */
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (getppid() != parent)
        _exit(125);
    return 0;
}

static void enter_sandbox(const struct ncp_launch_spec *spec, pid_t parent, struct ncp_sandbox_extras *extras)
{
    if (ncp_runner_prebuilt.failed)
        ncp_runner_fail(NCP_STAGE_SANDBOX, 0, "building the sandbox ahead of need failed");
    struct ncp_sandbox_dir dirs[NCP_MAX_FDS];
    size_t n_dirs = 0;
    int r = passed_dirs(spec, dirs, &n_dirs);
    if (r < 0)
        ncp_runner_fail(NCP_STAGE_SANDBOX, -r, "building the sandbox (descriptors)");
    if (ncp_runner_prebuilt.blob) {
        /* Built while this child waited: it must be the one the spec asks for. */
        if (!ncp_sandbox_desc_equal(&spec->sandbox, &ncp_runner_prebuilt.desc))
            ncp_runner_fail(NCP_STAGE_SANDBOX, EINVAL, "the sandbox built ahead of need is not the one asked for");
        /* Its root was built before the descriptors came: a directory among
         * them could not be bound, and must not be kept as it is (the app
         * never hands such a start to a spare). */
        if (n_dirs)
            ncp_runner_fail(NCP_STAGE_SANDBOX, EINVAL, "a directory descriptor came to a sandbox built ahead of need");
        *extras = ncp_runner_prebuilt.extras;
        ncp_runner_prebuilt.extras = (struct ncp_sandbox_extras){ 0 };
        return;
    }
    int keep[2 + NCP_MAX_FDS + 2];
    size_t n_keep = 0;
    keep[n_keep++] = NCP_LAUNCH_FD;
    if (spec->ipc_fd >= 0)
        keep[n_keep++] = spec->ipc_fd;
    for (size_t i = 0; i < spec->n_user_fds; i++)
        keep[n_keep++] = spec->user_fds[i];
    for (size_t i = 0; i < 2; i++)
        if (spec->stdio_fds[i] >= 0)
            keep[n_keep++] = spec->stdio_fds[i];
    const char *stage = "sandbox";
    r = ncp_runner_build_sandbox(&spec->sandbox, dirs, n_dirs, parent, keep, n_keep, extras, &stage);
    /* Namespaces that were created but give no right to mount (an LSM's
     * restriction, such as Ubuntu's AppArmor one): the cause and the fix,
     * as the app's probe says them when it runs one. */
    if (r < 0 && strcmp(stage, "mount") == 0 && (r == -EPERM || r == -EACCES))
        ncp_userns_explain_failure(-r);
    if (r < 0)
        ncp_runner_fail(NCP_STAGE_SANDBOX, -r, "building the sandbox (%s)", stage);
}

/* Test-only fault injection (tests/fault/): NCP_TEST_CRASH_AT=STAGE in the
 * runner's own environment (the zygote's, or the exec'd runner's) makes the
 * runner die of SIGSEGV on reaching STAGE: "spec" before it reads its launch
 * spec, "sandbox" before it builds its sandbox.  It can only crash the child
 * it is set for; the other stages have real faults to test with. */
static const char *test_crash_at;

static void test_crash_point(const char *stage)
{
    if (test_crash_at && strcmp(test_crash_at, stage) == 0)
        raise(SIGSEGV);
}

/* An exec'd isolated child: the app's copies of the API libraries, loaded
 * while their files are still reachable (src/app/api_start.c names them), so
 * that the child library's dependency on them needs nothing of the host in
 * the new root.  The zygote's children have them loaded already. */
static void preload_api_libraries(void)
{
    const char *list = getenv("NCP_RUNNER_PRELOAD");
    if (!list)
        return;
    _cleanup_free_ char *copy = strdup(list);
    unsetenv("NCP_RUNNER_PRELOAD"); /* not the app's: not in its environment */
    char *save = NULL;
    for (char *p = copy ? strtok_r(copy, ":", &save) : NULL; p; p = strtok_r(NULL, ":", &save))
        if (p[0] == '/' && !dlopen(p, RTLD_NOW | RTLD_GLOBAL))
            log_debug("child %s: preloading %s failed: %s", program_invocation_name, p, dlerror());
}

_noreturn_ void ncp_runner_child(const char *name)
{
    struct ncp_launch_spec spec = NCP_LAUNCH_SPEC_INIT;
    pid_t parent = getppid();
    ncp_runner_state_announce(&ncp_runner_state);
    test_crash_at = getenv("NCP_TEST_CRASH_AT");
    steps_begin();
    test_crash_point("spec");
    int r = receive_spec(&spec);
    if (r < 0)
        ncp_runner_fail(NCP_STAGE_SPEC, -r, "reading the launch spec");
    /* Exec'd: the parent sends the spec once it has written the id maps. */
    ncp_steps_mark(steps, "idmaps+spec");
    lift_fds(&spec);
    adopt_environment(&spec);
    /* The parent reads an args child's reports only once the child ended
     * (src/app/supervisor.c): whatever the library's code writes to fd 3 while
     * it loads must not block the child when nobody drains it. */
    if (spec.kind == NCP_KIND_ARGS)
        (void)fcntl(NCP_LAUNCH_FD, F_SETFL, O_NONBLOCK);
    if (spec.flags & NCP_LAUNCH_ISOLATED) {
        preload_api_libraries();
        ncp_steps_mark(steps, "preload");
        test_crash_point("sandbox");
        struct ncp_sandbox_extras extras = { 0 };
        enter_sandbox(&spec, parent, &extras);
        policy_environment(&spec, &extras);
        enter_working_dir(&spec, extras.cwd);
        ncp_sandbox_extras_free(&extras);
        take_stdio(&spec);
        ncp_steps_mark(steps, "stdio");
    } else if (ncp_runner_prebuilt.blob || ncp_runner_prebuilt.failed)
        ncp_runner_fail(NCP_STAGE_SANDBOX, EINVAL, "an isolated child was given the work of a normal one");

    set_process_name(name && *name ? name : spec.name);
    ncp_runner_state.kind = (int)spec.kind;
    void *lib = load_library(&spec);
    ncp_steps_mark(steps, "dlopen");

    if (spec.kind == NCP_KIND_IPC)
        ncp_runner_run_ipc(lib, &spec); /* does not return */

    void (*entry)(NativeChildProcess_Args) = (void (*)(NativeChildProcess_Args))lookup(lib, spec.symbol);
    NativeChildProcess_Args *kept = build_args(&spec);
    NativeChildProcess_Args *given = build_args(&spec);
    if (!kept || !given)
        ncp_runner_fail(NCP_STAGE_SPEC, ENOMEM, "copying the arguments");
    hand_over_fds(&spec);
    ncp_runner_state.args = kept;
    ncp_steps_mark(steps, "args");
    steps_print();
    ncp_runner_report_running();
    close(NCP_LAUNCH_FD);
    entry(*given);
    exit(0);
}

int main(int argc, char **argv)
{
    ncp_log_helper_process();
    /* A datagram socket on fd 3 makes this the zygote; a stream socket, one child. */
    int type = 0;
    socklen_t len = sizeof(type);
    if (getsockopt(NCP_LAUNCH_FD, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_SEQPACKET)
        ncp_zygote_serve(argc, argv);
    ncp_runner_child(argv[0]);
}
