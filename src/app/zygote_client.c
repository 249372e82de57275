/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The app's side of the zygote: starts it (a grandchild that execs the
 * runner, so it is not the app's child), asks it for children, and reads
 * the ends it reports.  Requests go straight from the calling thread to the
 * zygote; only the ends go through the supervisor thread.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/fd-util.h"
#include "common/fork_guard.h"
#include "common/log.h"
#include "common/macro.h"
#include "sandbox/parent/cgroup.h"
#include "spawn/spawn.h"
#include "spawn/spawner.h"
#include "registry.h"
#include "supervisor.h"
#include "zygote_client.h"
#include "runner/zygote_proto.h"

extern char **environ;

_Static_assert(NCP_MAX_SPARES_MAX == NCP_ZYG_SPARES_MAX, "max_spares and the zygote's pools agree");

#define N_ARG_PAD NCP_ZYG_NAME_MAX
#define REPLY_TIMEOUT_MS 10000
#define PREPARE_TIMEOUT_MS 5000 /* an isolated spare building its sandbox ahead of need */

static pthread_mutex_t zlock = PTHREAD_MUTEX_INITIALIZER;
static int ctl = -1;          /* guarded by zlock; closed only by ncp_zygote_read_exit() */
/* The spares the zygote gave us, normal and isolated, oldest first (one of
 * a kind, more in a batch: src/runner/zygote_server.c); guarded by zlock. */
static struct {
    struct ncp_spare s[NCP_ZYG_SPARES_MAX];
    size_t n;
} pools[2];
/* What the last isolated start's sandbox was (ncp_sandbox_desc_encode()):
 * isolated spares build it ahead of need.  Guarded by zlock. */
static char *sandbox_blob;
static size_t sandbox_blob_len;
static bool broken;           /* could not start: exec children one by one */
static bool autoreap;         /* ends come from pidfds; set once the zygote runs */

/* Defined by a program that starts one child and exits (ncp-run,
 * src/tools/oneshot.c): a zygote and its spares would be started for that
 * child alone, so its children are exec'd, unless NCP_SPAWN_MODE=zygote.
 * The weak reference stays NULL in every other program. */
extern const int ncp_one_shot_program __attribute__((weak, visibility("default")));

bool ncp_one_shot_start(void)
{
    const char *mode = getenv("NCP_SPAWN_MODE");
    return &ncp_one_shot_program && ncp_one_shot_program && !(mode && strcmp(mode, "zygote") == 0);
}

bool ncp_zygote_enabled(void)
{
    const char *mode = getenv("NCP_SPAWN_MODE");
    if ((mode && strcmp(mode, "exec") == 0) || ncp_one_shot_start())
        return false;
    pthread_mutex_lock(&zlock);
    bool ok = !broken;
    pthread_mutex_unlock(&zlock);
    return ok;
}

/* Appends the file an address belongs to, for the preload list. */
static void append_object_of(void *addr, char *buf, size_t size, size_t *len)
{
    Dl_info info;
    if (!addr || !dladdr(addr, &info) || !info.dli_fname || info.dli_fname[0] != '/')
        return;
    size_t n = strlen(info.dli_fname) + 1;
    if (*len + n < size) {
        memcpy(buf + *len, info.dli_fname, n);
        *len += n;
    }
}

/* The zygote's environment: only what the runner and the dynamic loader
 * read before a child gets its own (each child's comes with its launch
 * spec).  Isolated children are the zygote's forks: whatever it was exec'd
 * with would be in their memory and /proc/self/environ, so none of the
 * app's secrets (tokens, SSH_AUTH_SOCK, the session bus address) go in. */
static bool zygote_env_allowed(const char *kv)
{
    static const char *const keep[] = {
        "NCP_LOG=", "NCP_LANDLOCK_ABI=",
        "NCP_TEST_",                                      /* test hooks (NCP_TEST_CRASH_AT) */
        "LD_LIBRARY_PATH=", "LD_PRELOAD=",                /* read by ld.so once, at exec: what
                                                             normal children's dlopen() uses */
        "ASAN_OPTIONS=", "UBSAN_OPTIONS=", "LSAN_OPTIONS=", /* sanitizer builds */
    };
    for (size_t i = 0; i < ARRAY_SIZE(keep); i++)
        if (strncmp(kv, keep[i], strlen(keep[i])) == 0)
            return true;
    return false;
}

/* Must hold zlock. */
static int start_locked(void)
{
    char bundle[160], name[NCP_MAX_NAME];
    if (ncp_bundle_name(bundle, sizeof(bundle)) < 0)
        snprintf(bundle, sizeof(bundle), "app");
    snprintf(name, sizeof(name), "%s:ncp-zygote", bundle);

    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return log_error_errno(errno, "zygote: socketpair");
    _cleanup_close_ int mine = sv[0], theirs = sv[1];

    /* Spare argv bytes that each child overwrites with its own name. */
    char *argv[N_ARG_PAD + 2];
    argv[0] = name;
    for (int i = 1; i <= N_ARG_PAD; i++)
        argv[i] = (char *)"";
    argv[N_ARG_PAD + 1] = NULL;
    size_t n_env = 0;
    for (char **e = environ; e && *e; e++)
        n_env++;
    _cleanup_free_ char **envp = calloc(n_env + 1, sizeof(char *));
    if (!envp)
        return log_error_errno(ENOMEM, "zygote: environment");
    size_t k = 0;
    for (char **e = environ; e && *e; e++)
        if (zygote_env_allowed(*e))
            envp[k++] = *e;
    struct ncp_report exec_failure = { .magic = NCP_REPORT_MAGIC, .stage = NCP_STAGE_EXEC };
    struct ncp_spawn_params p = {
        .runner = ncp_runner_path(), .argv = argv, .envp = envp, .launch_fd = theirs,
        .detach = true, .parent_pid = getpid(), .exec_failure = &exec_failure,
    };
    int r = ncp_spawn_detached(&p);
    if (r < 0)
        return log_error_errno(r, "zygote: cannot start %s", p.runner);
    theirs = safe_close(theirs);

    /* Preload the API libraries the app's child libraries link. */
    char msg[NCP_ZYG_HEADER_SIZE + NCP_ZYG_HELLO_MAX];
    autoreap = ncp_pidfd_exit_supported();
    struct ncp_cgroup_info cg;
    ncp_cgroup_probe(&cg);
    struct ncp_settings settings;
    ncp_settings_load(&settings);
    struct ncp_zygote_msg hello = { .magic = NCP_ZYGOTE_MAGIC, .type = NCP_ZYG_HELLO,
                                    .flags = (autoreap ? NCP_ZYG_AUTOREAP : 0) | (cg.usable ? NCP_ZYG_CGROUP : 0),
                                    .value = (int32_t)settings.max_spares };
    memcpy(msg, &hello, NCP_ZYG_HEADER_SIZE);
    size_t len = 0;
    append_object_of((void *)&ncp_zygote_enabled, msg + NCP_ZYG_HEADER_SIZE, NCP_ZYG_HELLO_MAX, &len);
    append_object_of(dlsym(RTLD_DEFAULT, "OH_IPCParcel_Create"), msg + NCP_ZYG_HEADER_SIZE, NCP_ZYG_HELLO_MAX, &len);
    msg[NCP_ZYG_HEADER_SIZE + len] = '\0';
    r = send_with_fds(mine, msg, NCP_ZYG_HEADER_SIZE + len + 1, NULL, 0);
    if (r < 0)
        return log_error_errno(r, "zygote: hello");
    r = ncp_supervisor_watch_zygote(mine);
    if (r < 0)
        return r;
    ctl = TAKE_FD(mine);
    log_debug("zygote %s started", name);
    return 0;
}

/* Sends the request under zlock, starting the zygote if needed.  A zygote
 * that died since the last request (killed, out of memory, a runner that
 * could not run) refuses it: once the supervisor thread has seen its socket
 * close, a new one is started, once. */
static int send_request(const struct ncp_zygote_msg *req, int launch_child)
{
    for (int attempt = 0;; attempt++) {
        pthread_mutex_lock(&zlock);
        int old = ctl;
        int r = old >= 0 ? 0 : start_locked();
        /* Out of descriptors, memory or processes for a moment: this start
         * fails, the next one tries the zygote again. */
        bool passing = r == -EMFILE || r == -ENFILE || r == -ENOMEM || r == -EAGAIN;
        if (r < 0 && !passing)
            broken = true;
        else if (r == 0)
            r = send_with_fds(ctl, req, sizeof(*req), &launch_child, 1);
        pthread_mutex_unlock(&zlock);
        bool gone = old >= 0 && (r == -EPIPE || r == -ECONNRESET || r == -ECONNREFUSED || r == -ENOTCONN);
        if (!gone || attempt > 0)
            return r;
        /* Only the supervisor thread closes the socket: wait until it has
         * (it may be busy for a while on a loaded machine), as long as we
         * would for an answer. */
        for (uint64_t end = ncp_now_ms() + REPLY_TIMEOUT_MS; !ncp_supervisor_is_current() && ncp_now_ms() < end;) {
            pthread_mutex_lock(&zlock);
            bool same = ctl == old;
            pthread_mutex_unlock(&zlock);
            if (!same)
                break;
            usleep(1000);
        }
    }
}

int ncp_zygote_reply(int launch_parent, pid_t *pid, int *pidfd)
{
    /* The zygote's socket too: a zygote that dies after it took the request
     * never answers, and its socket hangs up (once the child it may have
     * forked that instant has let go of its copy).  A copy of our end, as
     * only the supervisor thread closes the original. */
    pthread_mutex_lock(&zlock);
    _cleanup_close_ int zsock = ctl >= 0 ? fcntl(ctl, F_DUPFD_CLOEXEC, 3) : -1;
    pthread_mutex_unlock(&zlock);
    struct pollfd p[2] = { { .fd = launch_parent, .events = POLLIN }, { .fd = zsock } };
    /* The app's signal handlers (SIGCHLD, timers) interrupt poll on this
     * thread: wait on for the rest of the time. */
    uint64_t deadline = ncp_now_ms() + REPLY_TIMEOUT_MS;
    int n;
    for (;;) {
        uint64_t now = ncp_now_ms();
        n = poll(p, 2, now < deadline ? (int)(deadline - now) : 0);
        if (n >= 0 || errno != EINTR)
            break;
    }
    if (n > 0 && !p[0].revents) {
        log_debug("zygote: it died before it answered");
        return -ECONNRESET;
    }
    if (n == 0)
        return log_error_errno(ETIMEDOUT, "zygote: no answer within %d ms", REPLY_TIMEOUT_MS);
    if (n < 0)
        return log_error_errno(errno, "zygote: poll");
    struct ncp_zygote_msg m;
    int fd = -1;
    size_t n_fds = 0;
    /* The launch socket is a stream: the whole message, the pidfd with its first byte. */
    ssize_t got = recv_with_fds(launch_parent, &m, sizeof(m), &fd, 1, &n_fds);
    int r = got > 0 && (size_t)got < sizeof(m) ? read_full(launch_parent, (char *)&m + got, sizeof(m) - (size_t)got) : 0;
    if (got <= 0 || r < 0) {
        if (n_fds)
            close(fd);
        return log_error_errno(got < 0 ? (int)-got : EPIPE, "zygote: no answer (it died?)");
    }
    bool ok = ncp_zygote_msg_ok(&m, sizeof(m), n_fds);
    if (ok && m.type == NCP_ZYG_SPAWNED) {
        *pid = m.pid;
        *pidfd = fd;
        return 0;
    }
    if (n_fds)
        close(fd);
    if (ok && m.type == NCP_ZYG_FAILED)
        return -m.value;
    return log_error_errno(EBADMSG, "zygote: malformed answer");
}

int ncp_zygote_send(const char *name, bool isolated, const struct ncp_idmap *plan, int launch_child)
{
    struct ncp_zygote_msg req = { .magic = NCP_ZYGOTE_MAGIC, .type = NCP_ZYG_SPAWN,
                                  .flags = isolated ? NCP_ZYG_ISOLATED : 0 };
    if (plan)
        req.plan = *plan;
    snprintf(req.name, sizeof(req.name), "%s", name);
    return send_request(&req, launch_child);
}

bool ncp_zygote_autoreap(void)
{
    return __atomic_load_n(&autoreap, __ATOMIC_ACQUIRE);
}

void ncp_spare_free(struct ncp_spare *s)
{
    s->pidfd = safe_close(s->pidfd);
    s->sock = safe_close(s->sock);
    s->ns_fd = safe_close(s->ns_fd);
    free(s->blob);
    *s = NCP_SPARE_NONE;
}

void ncp_spare_discard(struct ncp_spare *s)
{
    /* Without autoreap the zygote reports its end like any child's. */
    if (s->pid > 0 && !ncp_zygote_autoreap())
        ncp_registry_disown(s->pid);
    ncp_spare_free(s);
}

static bool blob_equal(const char *a, size_t a_len, const char *b, size_t b_len)
{
    return a && b && a_len == b_len && memcmp(a, b, a_len) == 0;
}

/* Must hold zlock.  Asks an isolated spare to build the last isolated
 * start's sandbox while it waits; it answers PREPARED. */
static void prepare_spare(struct ncp_spare *s)
{
    if (!sandbox_blob || s->blob || s->sock < 0)
        return;
    char *copy = malloc(sandbox_blob_len);
    if (!copy)
        return;
    memcpy(copy, sandbox_blob, sandbox_blob_len);
    if (send(s->sock, sandbox_blob, sandbox_blob_len, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)sandbox_blob_len) {
        free(copy);
        return;
    }
    s->blob = copy;
    s->blob_len = sandbox_blob_len;
}

/* Must hold zlock.  Takes spare i of a pool out of it, keeping the order. */
static struct ncp_spare pool_take(size_t kind, size_t i)
{
    struct ncp_spare s = pools[kind].s[i];
    memmove(&pools[kind].s[i], &pools[kind].s[i + 1], (pools[kind].n - i - 1) * sizeof(s));
    pools[kind].s[--pools[kind].n] = NCP_SPARE_NONE;
    return s;
}

/* Must hold zlock. */
static void pools_free(void)
{
    for (size_t k = 0; k < ARRAY_SIZE(pools); k++)
        while (pools[k].n) {
            struct ncp_spare s = pool_take(k, 0);
            ncp_spare_free(&s);
        }
}

static bool spare_dead(const struct ncp_spare *s)
{
    struct pollfd p = { .fd = s->pidfd, .events = POLLIN };
    return poll(&p, 1, 0) != 0;
}

/* Supervisor thread: a spare from the zygote on `fd`.  Takes the fds. */
static void got_spare(int fd, const struct ncp_zygote_msg *m, int fds[3])
{
    size_t kind = (m->flags & NCP_ZYG_ISOLATED) != 0;
    pthread_mutex_lock(&zlock);
    if (ctl == fd) {
        /* Those killed while they waited (by anyone) go now. */
        for (size_t i = pools[kind].n; i-- > 0;)
            if (spare_dead(&pools[kind].s[i])) {
                struct ncp_spare dead = pool_take(kind, i);
                ncp_spare_discard(&dead);
            }
        if (pools[kind].n == ARRAY_SIZE(pools[kind].s)) {
            struct ncp_spare old = pool_take(kind, 0);
            ncp_spare_discard(&old);
        }
        struct ncp_spare *s = &pools[kind].s[pools[kind].n++];
        *s = (struct ncp_spare){ .pid = m->pid, .pidfd = TAKE_FD(fds[0]), .sock = TAKE_FD(fds[1]),
                                 .ns_fd = TAKE_FD(fds[2]), .isolated = kind, .zygote = m->value };
        if (kind)
            prepare_spare(s);
    }
    pthread_mutex_unlock(&zlock);
    for (size_t i = 0; i < 3; i++)
        safe_close(fds[i]);
}

/* The parent of the process behind pidfd (PIDFD_GET_INFO, Linux 6.13), or
 * from /proc before; 0 when it cannot be told. */
static pid_t parent_of(int pidfd, pid_t pid)
{
    struct ncp_pidfd_info info = { 0 };
    if (ioctl(pidfd, NCP_PIDFD_GET_INFO, &info) == 0)
        return (pid_t)info.ppid;
    char buf[512];
    const char *f = proc_stat_fields(pid, buf, sizeof(buf));
    int ppid = 0;
    return f && sscanf(f, "%*c %d", &ppid) == 1 ? (pid_t)ppid : 0;
}

/* A spare whose zygote died before its parent-death signal was armed
 * outlives it, with another parent, and would take work only to end
 * without doing it; and the zygote's socket may not have hung up yet (a
 * child it forked that instant still holds a copy).  Its parent tells. */
static bool spare_orphaned(const struct ncp_spare *s)
{
    pid_t parent = s->zygote > 0 ? parent_of(s->pidfd, s->pid) : 0;
    return parent > 0 && parent != s->zygote;
}

/* Must hold zlock.  The spare of the kind to try first: an isolated one
 * that has built this sandbox already (its answer is waiting), else the
 * oldest that can build it, else the oldest (it built another sandbox:
 * use_spare() lets it go, so that the zygote forks one for this one). */
static struct ncp_spare pick_locked(bool isolated, const char *blob, size_t blob_len)
{
    size_t kind = isolated, n = pools[kind].n, fits = n;
    if (!n)
        return NCP_SPARE_NONE;
    for (size_t i = 0; isolated && i < n; i++) {
        const struct ncp_spare *c = &pools[kind].s[i];
        if (c->blob && !blob_equal(blob, blob_len, c->blob, c->blob_len))
            continue;
        struct pollfd q = { .fd = c->sock, .events = POLLIN };
        if (c->blob && poll(&q, 1, 0) > 0)
            return pool_take(kind, i);
        if (fits == n)
            fits = i;
    }
    return pool_take(kind, fits < n ? fits : 0);
}

/* Whether a spare taken out of the pool can do this start: 1 yes, -EAGAIN
 * not this one (it is dead: try the next), 0 no spare should be tried now
 * (the caller lets this one go: one built for another sandbox, or one that
 * could not build this one). */
static int use_spare(const struct ncp_spare *s, bool isolated, const char *blob, size_t blob_len)
{
    /* Killed while it waited (its pidfd is readable), or its zygote died: not usable. */
    if (spare_dead(s) || spare_orphaned(s))
        return -EAGAIN;
    if (isolated && s->blob) {
        /* Built ahead of need: only for the same sandbox, once it is done. */
        if (!blob_equal(blob, blob_len, s->blob, s->blob_len)) {
            log_debug("isolated spare pid %d built another sandbox: not used", (int)s->pid);
            return 0;
        }
        struct ncp_zygote_msg m;
        struct pollfd q = { .fd = s->sock, .events = POLLIN };
        int n = poll(&q, 1, PREPARE_TIMEOUT_MS);
        ssize_t got = n > 0 ? recv(s->sock, &m, sizeof(m), MSG_DONTWAIT) : -1;
        if (got < 0 || !ncp_zygote_msg_ok(&m, (size_t)got, 0) || m.type != NCP_ZYG_PREPARED || m.value != 0) {
            /* It could not build it (the full start reports why): do not ask the next one. */
            log_debug("isolated spare pid %d did not build its sandbox ahead of need", (int)s->pid);
            pthread_mutex_lock(&zlock);
            if (blob_equal(blob, blob_len, sandbox_blob, sandbox_blob_len)) {
                free(sandbox_blob);
                sandbox_blob = NULL;
            }
            pthread_mutex_unlock(&zlock);
            return 0;
        }
    }
    return 1;
}

int ncp_zygote_take_spare(bool isolated, const char *blob, size_t blob_len, struct ncp_spare *out)
{
    *out = NCP_SPARE_NONE;
    pthread_mutex_lock(&zlock);
    if (isolated && blob && !blob_equal(blob, blob_len, sandbox_blob, sandbox_blob_len)) {
        /* Too large to send (a huge policy): spares are then not prepared,
         * and used as they are. */
        char *copy = blob_len <= NCP_ZYG_SANDBOX_MAX ? malloc(blob_len) : NULL;
        if (copy)
            memcpy(copy, blob, blob_len);
        free(sandbox_blob);
        sandbox_blob = copy;
        sandbox_blob_len = copy ? blob_len : 0;
    }
    pthread_mutex_unlock(&zlock);
    /* Each round takes one spare out of the pool: it ends. */
    for (;;) {
        pthread_mutex_lock(&zlock);
        struct ncp_spare s = pick_locked(isolated, blob, blob_len);
        /* A zygote that died took its spares with it (parent-death signal),
         * even if they are not gone yet: its socket hangs up first. */
        struct pollfd z = { .fd = ctl };
        bool zygote_gone = ctl < 0 || poll(&z, 1, 0) != 0;
        pthread_mutex_unlock(&zlock);
        if (s.pid && zygote_gone)
            ncp_spare_free(&s);
        if (!s.pid)
            return 0;
        int r = use_spare(&s, isolated, blob, blob_len);
        if (r > 0)
            *out = s;
        else
            ncp_spare_discard(&s);
        if (r >= 0)
            return r;
    }
}

/* Supervisor thread: the zygote retired a spare (a batch of starts is
 * over).  Closing its work socket ends it; one already taken goes on. */
static void retire_spare(int fd, const struct ncp_zygote_msg *m)
{
    size_t kind = (m->flags & NCP_ZYG_ISOLATED) != 0;
    pthread_mutex_lock(&zlock);
    for (size_t i = 0; ctl == fd && i < pools[kind].n; i++)
        if (pools[kind].s[i].pid == m->pid) {
            struct ncp_spare s = pool_take(kind, i);
            ncp_spare_discard(&s);
            break;
        }
    pthread_mutex_unlock(&zlock);
}

/* The zygote forks the next spare once this one had its moment. */
static void tell_taken(pid_t pid, bool isolated)
{
    struct ncp_zygote_msg m = { .magic = NCP_ZYGOTE_MAGIC, .type = NCP_ZYG_TAKEN,
                                .flags = isolated ? NCP_ZYG_ISOLATED : 0, .pid = pid };
    pthread_mutex_lock(&zlock);
    if (ctl >= 0)
        (void)send_with_fds(ctl, &m, sizeof(m), NULL, 0);
    pthread_mutex_unlock(&zlock);
}

int ncp_zygote_hand_off(struct ncp_spare *s, const char *name, int launch_child)
{
    char buf[NCP_ZYG_NAME_MAX];
    snprintf(buf, sizeof(buf), "%s", name);
    int r = send_with_fds(s->sock, buf, strlen(buf) + 1, &launch_child, 1);
    s->sock = safe_close(s->sock);
    if (r < 0)
        return r;
    tell_taken(s->pid, s->isolated);
    return 0;
}

int ncp_zygote_read_exit(int fd, pid_t *pid, int *status)
{
    for (;;) {
        struct ncp_zygote_msg m;
        int fds[3] = { -1, -1, -1 };
        size_t n_fds = 0;
        ssize_t n = recv_with_fds_flags(fd, &m, sizeof(m), fds, ARRAY_SIZE(fds), &n_fds, MSG_DONTWAIT);
        if (n == -EAGAIN || n == -EINTR)
            return 0;
        if (n == -EBADMSG) {
            log_warn("zygote: malformed message ignored");
            continue;
        }
        bool ok = n > 0 && ncp_zygote_msg_ok(&m, (size_t)n, n_fds);
        if (ok && m.type == NCP_ZYG_SPARE) {
            got_spare(fd, &m, fds);
            continue;
        }
        if (ok && m.type == NCP_ZYG_RETIRED) {
            retire_spare(fd, &m);
            continue;
        }
        for (size_t i = 0; i < n_fds; i++)
            close(fds[i]);
        if (n <= 0) {
            log_warn("the zygote is gone; the children it forked died with it");
            pthread_mutex_lock(&zlock);
            /* Under zlock, so that the next zygote, started under it too, is
             * watched only once this one no longer is. */
            ncp_supervisor_unwatch_zygote(fd);
            if (ctl == fd) {
                ctl = -1;
                pools_free();
            }
            close(fd);
            pthread_mutex_unlock(&zlock);
            return -EPIPE;
        }
        if (ok && m.type == NCP_ZYG_EXITED) {
            *pid = m.pid;
            *status = m.value;
            return 1;
        }
        log_warn("zygote: malformed message ignored");
    }
}

/* fork() in the app: a start holds zlock while it hands the child to the
 * registry (fork_guard.h). */
__attribute__((constructor)) static void zygote_client_init(void)
{
    ncp_fork_guard(&zlock, NCP_FORK_RANK_ZYGOTE, NULL);
}

void ncp_zygote_forget(void)
{
    ctl = safe_close(ctl);
    broken = false;
    pools_free();
    free(sandbox_blob);
    sandbox_blob = NULL;
}
