/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ncp-run: start one child through the public API, wait for it, and exit
 * with its status (128+signal when it was killed).
 *
 *   ncp-run [--isolated] [--isolation-uid] [--name NAME] [--fd NAME=PATH|NAME=&N]...
 *           [--fd-out NAME=PATH]... [--fd-rw NAME=PATH|NAME=&N]...
 *           [--ro-bind SRC DEST]... [--bind SRC DEST]... [--setenv NAME VALUE]... [--chdir DIR]
 *           [--params STRING | --params-file FILE] [--timeout SECONDS]
 *           [--limit NAME=VALUE]... LIBRARY:ENTRY
 *
 * Exit codes: the child's own; 128+N when killed by signal N; 125 when the
 * child could not be started (the error's name is printed); 126 when the
 * child could not load its library or entry; 2 for usage errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <AbilityKit/native_child_process.h>
#include <AbilityKit/native_child_process_ext.h>

#include "config.h"
#include "doctor.h"
#include "common/macro.h"
#include "app/configs.h"
#include "spawn/spawn.h"
#include "oneshot.h"

#define EXIT_START_FAILED 125

static const char *code_name(int code)
{
    switch (code) {
    case NCP_NO_ERROR: return "NCP_NO_ERROR";
    case NCP_ERR_INVALID_PARAM: return "NCP_ERR_INVALID_PARAM";
    case NCP_ERR_NOT_SUPPORTED: return "NCP_ERR_NOT_SUPPORTED";
    case NCP_ERR_INTERNAL: return "NCP_ERR_INTERNAL";
    case NCP_ERR_BUSY: return "NCP_ERR_BUSY";
    case NCP_ERR_TIMEOUT: return "NCP_ERR_TIMEOUT";
    case NCP_ERR_SERVICE_ERROR: return "NCP_ERR_SERVICE_ERROR";
    case NCP_ERR_MULTI_PROCESS_DISABLED: return "NCP_ERR_MULTI_PROCESS_DISABLED";
    case NCP_ERR_ALREADY_IN_CHILD: return "NCP_ERR_ALREADY_IN_CHILD";
    case NCP_ERR_MAX_CHILD_PROCESSES_REACHED: return "NCP_ERR_MAX_CHILD_PROCESSES_REACHED";
    case NCP_ERR_LIB_LOADING_FAILED: return "NCP_ERR_LIB_LOADING_FAILED";
    case NCP_ERR_CONNECTION_FAILED: return "NCP_ERR_CONNECTION_FAILED";
    case NCP_ERR_CALLBACK_NOT_EXIST: return "NCP_ERR_CALLBACK_NOT_EXIST";
    case NCP_ERR_INVALID_PID: return "NCP_ERR_INVALID_PID";
    default: return "unknown error";
    }
}

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: ncp-run [OPTION]... LIBRARY:ENTRY\n"
            "Start LIBRARY in a child process, call ENTRY(NativeChildProcess_Args), wait for it.\n\n"
            "  --isolated            run the child in the isolated sandbox\n"
            "  --isolation-uid       with --isolated: also give it a host uid of its own\n"
            "  --name NAME           process name (child is called BUNDLE:NAME)\n"
            "  --fd NAME=PATH        pass PATH opened read-only as NAME (never creates it)\n"
            "  --fd NAME=&N          pass this program's descriptor N as NAME\n"
            "  --fd-out NAME=PATH    pass PATH opened write-only as NAME, created or truncated\n"
            "  --fd-rw NAME=PATH     pass the existing PATH opened read-write as NAME; a directory:\n"
            "                        an isolated child may write in it (else it is bound read-only)\n"
            "  --fd-rw NAME=&N       pass descriptor N, a directory an isolated child may write in\n"
            "  --ro-bind SRC DEST    with --isolated: the host's SRC at DEST in the child, read-only\n"
            "  --bind SRC DEST       with --isolated: the host's SRC at DEST in the child, writable\n"
            "  --setenv NAME VALUE   set NAME=VALUE in the child's environment (not NCP_*)\n"
            "  --chdir DIR           the child's working directory (with --isolated: a path in its root)\n"
            "  --params STRING       the entry's parameter string (at most 150 KB)\n"
            "  --params-file FILE    read the parameter string from FILE\n"
            "  --policy FILE         with --isolated: this landlockconfig policy instead of the installed one\n"
            "  --timeout SECONDS     kill the child (SIGKILL) once it has run that long (a wall-time limit)\n"
            "  --limit NAME=VALUE    with --isolated: a resource limit (nproc=256, tmpfs_size=64M, cpu=10,\n"
            "                        fsize=none, ...; see ncp-run(1)); may be repeated\n"
            "  --verbose             log every event (NCP_LOG=debug)\n"
            "  --quiet               no line of ncp-run's own when the child is killed by a signal\n"
            "  --doctor [--json]     report what this machine supports and which walls hold\n"
            "  --help, --version\n\n"
            "Exit status: the child's; 128+N if signal N killed it; 125 if it could not be\n"
            "started; 126 if it could not load its library or entry; 2 for usage errors.\n");
}

/* How --fd, --fd-out and --fd-rw open PATH: the child gets no more access
 * than the option names, and only --fd-out creates (so a typo cannot). */
enum fd_mode { FD_READ, FD_WRITE, FD_READ_WRITE };

static const char *fd_option(enum fd_mode mode)
{
    return mode == FD_READ ? "--fd" : mode == FD_WRITE ? "--fd-out" : "--fd-rw";
}

/* *writable: NAME is a directory an isolated child may write in (--fd-rw). */
static int open_fd_arg(const char *spec, enum fd_mode mode, char **name, int *fd, bool *writable)
{
    *writable = false;
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec || !eq[1]) {
        fprintf(stderr, "ncp-run: %s expects NAME=PATH%s, got \"%s\"\n", fd_option(mode),
                mode != FD_WRITE ? " or NAME=&N" : "", spec);
        return -1;
    }
    *name = strndup(spec, (size_t)(eq - spec));
    const char *target = eq + 1;
    if (target[0] == '&' && mode != FD_WRITE) {
        char *end;
        long n = strtol(target + 1, &end, 10);
        if (!target[1] || *end || n < 0 || n > INT_MAX || fcntl((int)n, F_GETFD) < 0) {
            fprintf(stderr, "ncp-run: %s %s: descriptor %s is not open\n", fd_option(mode), *name, target + 1);
            return -1;
        }
        *fd = (int)n;
        *writable = mode == FD_READ_WRITE; /* the library refuses it for anything but a directory */
        return 0;
    }
    static const int flags[] = {
        [FD_READ] = O_RDONLY,
        [FD_WRITE] = O_WRONLY | O_CREAT | O_TRUNC,
        [FD_READ_WRITE] = O_RDWR,
    };
    *fd = open(target, flags[mode] | O_NOCTTY | O_CLOEXEC, 0666);
    if (*fd < 0 && errno == EISDIR && mode == FD_READ_WRITE) {
        /* A directory is opened for reading; the mark lets an isolated child write in it. */
        *fd = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        *writable = *fd >= 0;
    }
    if (*fd < 0) {
        fprintf(stderr, "ncp-run: %s %s: cannot open %s%s: %s\n", fd_option(mode), *name, target,
                mode == FD_READ ? " for reading" : mode == FD_WRITE ? " for writing" : " for reading and writing",
                strerror(errno));
        return -1;
    }
    return 0;
}

/* The name the library gives the child (its log lines use it): ncp-run starts
 * one child, so an unnamed one is the library's first, number 0, as here. */
static void child_name(const char *entry, const char *configured, char *buf, size_t size)
{
    char bundle[256], lib[PATH_MAX];
    const char *colon = strrchr(entry, ':');
    snprintf(lib, sizeof(lib), "%.*s", colon ? (int)(colon - entry) : (int)strlen(entry), entry);
    if (ncp_bundle_name(bundle, sizeof(bundle)) < 0 || ncp_child_name(bundle, configured, lib, buf, size) < 0)
        snprintf(buf, size, "%s", entry);
}

/* One line when the child did not end by itself, so a crash is never silent. */
static void report_signal(const char *entry, const char *configured, int32_t pid, int sig)
{
    char name[512];
    child_name(entry, configured, name, sizeof(name));
    const char *abbrev = sigabbrev_np(sig);
    if (abbrev)
        fprintf(stderr, "ncp-run: %s (pid %d) killed by SIG%s\n", name, (int)pid, abbrev);
    else
        fprintf(stderr, "ncp-run: %s (pid %d) killed by signal %d\n", name, (int)pid, sig);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        fprintf(stderr, "ncp-run: --params-file %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (len + 1 == cap) {
            char *bigger = realloc(buf, cap *= 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
            } else
                buf = bigger;
        }
    }
    fclose(f);
    if (buf)
        buf[len] = '\0';
    return buf;
}

/* --timeout SECONDS: a positive number, fractions allowed, to milliseconds
 * (rounded up, so that a tiny limit is not none). */
static int parse_timeout(const char *arg, int32_t *ms)
{
    char *end;
    errno = 0;
    double s = strtod(arg, &end);
    if (errno || end == arg || *end || !(s > 0) || s > INT32_MAX / 1000.0) {
        fprintf(stderr, "ncp-run: --timeout expects a number of seconds above 0 (at most %d), got \"%s\"\n",
                INT32_MAX / 1000, arg);
        return -1;
    }
    double v = s * 1000.0;
    int32_t r = (int32_t)v;
    *ms = r < v ? r + 1 : r;
    return 0;
}

/* What the options ask of the child. */
struct run_opts {
    bool isolated, isolation_uid, quiet;
    const char *name, *chdir_to;
    int32_t timeout_ms;
    int limit_ids[64];
    int64_t limit_values[64];
    size_t n_limits;
    NativeChildProcess_Fd *head;
    const char *writable[NCP_MAX_FDS + 1];
    size_t n_writable;
    /* One more than the library takes: it says why a start is refused. */
    struct { const char *src, *dest; bool writable; } binds[NCP_MAX_BINDS + 1];
    size_t n_binds;
    struct { const char *name, *value; } env[NCP_MAX_SET_ENV + 1];
    size_t n_env;
};

/* --limit NAME=VALUE: a limit of src/common/resource_limits.c's table. */
static int parse_limit(const char *arg, int *id, int64_t *value)
{
    const char *eq = strchr(arg, '=');
    char name[64];
    snprintf(name, sizeof(name), "%.*s", eq ? (int)(eq - arg) : (int)strlen(arg), arg);
    *id = ncp_limit_by_name(name);
    if (!eq || *id < 0) {
        fprintf(stderr, "ncp-run: --limit expects NAME=VALUE with NAME one of");
        for (unsigned i = 0; i < NCP_N_LIMITS; i++)
            fprintf(stderr, " %s", ncp_limit_info(i)->name);
        fprintf(stderr, "; got \"%s\"\n", arg);
        return -1;
    }
    uint64_t v;
    if (ncp_limit_parse((unsigned)*id, eq + 1, &v) < 0) {
        char range[96];
        ncp_limit_range((unsigned)*id, range, sizeof(range));
        fprintf(stderr, "ncp-run: --limit %s: \"%s\" is not a valid value (%s)\n", name, eq + 1, range);
        return -1;
    }
    *value = v == NCP_LIMIT_NONE ? NCP_LIMIT_UNLIMITED : (int64_t)v;
    return 0;
}

/* Starts the child, waits for it; ncp-run's exit code. */
static int run_child(const char *entry, const struct run_opts *o, char *params, int guard)
{
    Ability_ChildProcessConfigs *configs = OH_Ability_CreateChildProcessConfigs();
    if (!configs)
        return EXIT_START_FAILED;
    int code = NCP_NO_ERROR;
    if (o->name)
        code = OH_Ability_ChildProcessConfigs_SetProcessName(configs, o->name);
    if (code == NCP_NO_ERROR && o->isolated)
        code = OH_Ability_ChildProcessConfigs_SetIsolationMode(configs, NCP_ISOLATION_MODE_ISOLATED);
    if (code == NCP_NO_ERROR && o->isolation_uid)
        code = OH_Ability_ChildProcessConfigs_SetIsolationUid(configs, true);
    if (code == NCP_NO_ERROR && o->timeout_ms)
        code = NCP_ChildProcessConfigs_SetTimeout(configs, o->timeout_ms);
    for (size_t i = 0; code == NCP_NO_ERROR && i < o->n_writable; i++)
        code = NCP_ChildProcessConfigs_SetFdWritable(configs, o->writable[i], true);
    for (size_t i = 0; code == NCP_NO_ERROR && i < o->n_binds; i++)
        code = NCP_ChildProcessConfigs_AddBind(configs, o->binds[i].src, o->binds[i].dest, o->binds[i].writable);
    for (size_t i = 0; i < o->n_limits && code == NCP_NO_ERROR; i++)
        code = NCP_ChildProcessConfigs_SetLimit(configs, (NCP_ChildProcess_Limit)o->limit_ids[i], o->limit_values[i]);
    for (size_t i = 0; code == NCP_NO_ERROR && i < o->n_env; i++)
        code = NCP_ChildProcessConfigs_SetEnv(configs, o->env[i].name, o->env[i].value);
    if (code == NCP_NO_ERROR && o->chdir_to)
        code = NCP_ChildProcessConfigs_SetWorkingDir(configs, o->chdir_to);
    NativeChildProcess_Args args = { .entryParams = params, .fdList = { .head = o->head } };
    int32_t pid = -1;
    if (code == NCP_NO_ERROR)
        code = OH_Ability_StartNativeChildProcessWithConfigs(entry, args, configs, &pid);
    OH_Ability_DestroyChildProcessConfigs(configs);
    /* The child has its own copies now. */
    for (NativeChildProcess_Fd *f = o->head, *next; f; f = next) {
        next = f->next;
        if (f->fd > 2)
            close(f->fd);
        free(f->fdName);
        free(f);
    }
    if (code != NCP_NO_ERROR) {
        fprintf(stderr, "ncp-run: cannot start %s: %s (%d)\n", entry, code_name(code), code);
        return code == NCP_ERR_INVALID_PARAM ? 2 : EXIT_START_FAILED;
    }
    ncp_one_shot_watch(guard, pid);

    int status = 0;
    code = NCP_WaitChildProcess(pid, &status, -1);
    if (code != NCP_NO_ERROR) {
        fprintf(stderr, "ncp-run: waiting for pid %d: %s (%d)\n", (int)pid, code_name(code), code);
        return EXIT_START_FAILED;
    }
    if (WIFSIGNALED(status)) {
        if (!o->quiet)
            report_signal(entry, o->name, pid, WTERMSIG(status));
        return 128 + WTERMSIG(status);
    }
    return WEXITSTATUS(status);
}

enum {
    OPT_ISOLATED = 256, OPT_ISO_UID, OPT_NAME, OPT_FD, OPT_FD_OUT, OPT_FD_RW, OPT_PARAMS, OPT_PARAMS_FILE, OPT_VERBOSE,
    OPT_VERSION, OPT_DOCTOR, OPT_JSON, OPT_POLICY, OPT_QUIET, OPT_TIMEOUT, OPT_RO_BIND, OPT_BIND, OPT_LIMIT, OPT_SETENV,
    OPT_CHDIR
};
static const struct option options[] = {
    { "isolated", no_argument, NULL, OPT_ISOLATED },
    { "isolation-uid", no_argument, NULL, OPT_ISO_UID },
    { "name", required_argument, NULL, OPT_NAME },
    { "fd", required_argument, NULL, OPT_FD },
    { "fd-out", required_argument, NULL, OPT_FD_OUT },
    { "fd-rw", required_argument, NULL, OPT_FD_RW },
    { "ro-bind", required_argument, NULL, OPT_RO_BIND },
    { "bind", required_argument, NULL, OPT_BIND },
    { "setenv", required_argument, NULL, OPT_SETENV },
    { "chdir", required_argument, NULL, OPT_CHDIR },
    { "params", required_argument, NULL, OPT_PARAMS },
    { "params-file", required_argument, NULL, OPT_PARAMS_FILE },
    { "verbose", no_argument, NULL, OPT_VERBOSE },
    { "quiet", no_argument, NULL, OPT_QUIET },
    { "doctor", no_argument, NULL, OPT_DOCTOR },
    { "json", no_argument, NULL, OPT_JSON },
    { "policy", required_argument, NULL, OPT_POLICY },
    { "timeout", required_argument, NULL, OPT_TIMEOUT },
    { "limit", required_argument, NULL, OPT_LIMIT },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, OPT_VERSION },
    {},
};

/* What the command line asks of ncp-run. */
struct cli {
    bool doctor, json;
    const char *policy;
    char *params;
    struct run_opts o;
    NativeChildProcess_Fd **tail; /* where the next --fd goes */
};

static void cli_done(struct cli *c) { free(c->params); }

/* --fd, --fd-out, --fd-rw NAME=...: the descriptor appended to the child's list. */
static int add_fd(struct cli *c, int opt, const char *arg)
{
    NativeChildProcess_Fd *f = calloc(1, sizeof(*f));
    int fd;
    bool w = false;
    enum fd_mode mode = opt == OPT_FD ? FD_READ : opt == OPT_FD_OUT ? FD_WRITE : FD_READ_WRITE;
    if (!f || open_fd_arg(arg, mode, &f->fdName, &fd, &w) < 0) {
        if (f)
            free((char *)f->fdName);
        free(f);
        return -EINVAL;
    }
    /* One more than the library takes: it says why a start is refused. */
    if (w && c->o.n_writable <= NCP_MAX_FDS)
        c->o.writable[c->o.n_writable++] = f->fdName;
    f->fd = fd;
    *c->tail = f;
    c->tail = &f->next;
    return 0;
}

/* --ro-bind, --bind SRC DEST and --setenv NAME VALUE: two arguments, as
 * bubblewrap's; the first is the option's, the second the next word. */
static int add_two_word_option(struct cli *c, int opt, int argc, char **argv)
{
    if (optind >= argc) {
        if (opt == OPT_SETENV)
            fprintf(stderr, "ncp-run: --setenv expects NAME VALUE\n");
        else
            fprintf(stderr, "ncp-run: --%s expects SRC DEST\n", opt == OPT_BIND ? "bind" : "ro-bind");
        return -EINVAL;
    }
    struct run_opts *o = &c->o;
    if (opt == OPT_SETENV && o->n_env <= NCP_MAX_SET_ENV)
        o->env[o->n_env++] = (typeof(o->env[0])){ optarg, argv[optind] };
    else if (opt != OPT_SETENV && o->n_binds <= NCP_MAX_BINDS)
        o->binds[o->n_binds++] = (typeof(o->binds[0])){ optarg, argv[optind], opt == OPT_BIND };
    optind++;
    return 0;
}

static int add_limit(struct run_opts *o, const char *arg)
{
    if (o->n_limits == ARRAY_SIZE(o->limit_ids)) {
        fprintf(stderr, "ncp-run: too many --limit options\n");
        return -EINVAL;
    }
    if (parse_limit(arg, &o->limit_ids[o->n_limits], &o->limit_values[o->n_limits]) < 0)
        return -EINVAL;
    o->n_limits++;
    return 0;
}

/* One option of the command line (not --help or --version) into *c;
 * -EINVAL, said on stderr, for a usage error. */
static int take_option(struct cli *c, int opt, int argc, char **argv)
{
    switch (opt) {
    case OPT_ISOLATED: c->o.isolated = true; return 0;
    case OPT_ISO_UID: c->o.isolation_uid = true; return 0;
    case OPT_NAME: c->o.name = optarg; return 0;
    case OPT_FD:
    case OPT_FD_OUT:
    case OPT_FD_RW: return add_fd(c, opt, optarg);
    case OPT_RO_BIND:
    case OPT_BIND:
    case OPT_SETENV: return add_two_word_option(c, opt, argc, argv);
    case OPT_CHDIR: c->o.chdir_to = optarg; return 0;
    case OPT_PARAMS: free(c->params); c->params = strdup(optarg); return 0;
    case OPT_PARAMS_FILE: free(c->params); return (c->params = read_file(optarg)) ? 0 : -EINVAL;
    case OPT_VERBOSE: setenv("NCP_LOG", "debug", 1); return 0;
    case OPT_QUIET: c->o.quiet = true; return 0;
    case OPT_DOCTOR: c->doctor = true; return 0;
    case OPT_JSON: c->json = true; return 0;
    case OPT_POLICY: c->policy = optarg; return 0;
    case OPT_TIMEOUT: return parse_timeout(optarg, &c->o.timeout_ms) < 0 ? -EINVAL : 0;
    case OPT_LIMIT: return add_limit(&c->o, optarg);
    default: usage(stderr); return -EINVAL;
    }
}

/* The options that only an isolated child takes; --policy becomes
 * NCP_POLICY_FILE, which the library reads. */
static int check_isolated_options(const struct cli *c)
{
    const struct run_opts *o = &c->o;
    if (c->policy) {
        if (!o->isolated) {
            fprintf(stderr, "ncp-run: --policy needs --isolated\n");
            return -EINVAL;
        }
        if (access(c->policy, R_OK) < 0) {
            fprintf(stderr, "ncp-run: --policy %s: %s\n", c->policy, strerror(errno));
            return -EINVAL;
        }
        setenv("NCP_POLICY_FILE", c->policy, 1);
    }
    if (o->n_binds && !o->isolated) {
        fprintf(stderr, "ncp-run: --ro-bind and --bind need --isolated\n");
        return -EINVAL;
    }
    if (o->n_limits && !o->isolated) {
        fprintf(stderr, "ncp-run: --limit needs --isolated (normal children get no limits of the library)\n");
        return -EINVAL;
    }
    if (o->isolation_uid && !o->isolated) {
        fprintf(stderr, "ncp-run: --isolation-uid needs --isolated\n");
        return -EINVAL;
    }
    return 0;
}

/* run_child(), and without a zygote ncp-run itself kills what an isolated
 * child leaves behind (src/tools/oneshot.c); its guard is forked before the
 * library starts a thread. */
static int run_contained(const char *entry, const struct run_opts *o, char *params)
{
    int guard = -1;
    bool contain = o->isolated && ncp_one_shot();
    if (contain)
        guard = ncp_one_shot_contain();
    int rc = run_child(entry, o, params, guard);
    if (contain)
        ncp_one_shot_finish(guard);
    return rc;
}

int main(int argc, char **argv)
{
    _cleanup_(cli_done) struct cli c = { 0 };
    c.tail = &c.o.head;
    int opt;
    while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (opt == 'h') {
            usage(stdout);
            return 0;
        }
        if (opt == OPT_VERSION) {
            printf("ncp-run (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
            return 0;
        }
        if (take_option(&c, opt, argc, argv) < 0)
            return 2;
    }
    if (c.doctor)
        return ncp_doctor(c.json);
    if (optind != argc - 1) {
        usage(stderr);
        return 2;
    }
    if (check_isolated_options(&c) < 0)
        return 2;
    return run_contained(argv[optind], &c.o, c.params);
}
