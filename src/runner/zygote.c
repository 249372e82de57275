/*
 * The zygote side (protocol in src/zygote_proto.h): a single-threaded server
 * that forks children on request.  One child of each kind in use is forked
 * ahead of need and waits for its work, so a request costs a hand-off, not a
 * fork (nor, for isolated children, the creation of their namespaces).
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "syscall-compat.h"
#include "fd-util.h"
#include "log.h"
#include "macro.h"
#include "runner.h"
#include "sandbox.h"
#include "wait-status.h"
#include "zygote_proto.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

struct clone_args_v0 {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

#define CTL NCP_LAUNCH_FD

/* A child forked ahead of need, waiting on `sock` for its name and launch socket. */
struct warm {
    pid_t pid;
    int pidfd;
    int sock;
};

static struct warm warm_normal = { .pidfd = -1, .sock = -1 }, warm_isolated = { .pidfd = -1, .sock = -1 };
static bool isolated_in_use; /* keep an isolated child warm only once the app uses them */
static bool preloaded;
static bool autoreap;        /* the kernel reaps our children; the app reads their ends from pidfds */
static char *arg_start;      /* the argv area, rewritten with each child's name (/proc/PID/cmdline) */
static size_t arg_len;
static int sig_fd = -1;
static pid_t self;
/* The next waiting child is forked once the last child handed work has
 * ended or had REFILL_DELAY_MS to itself: forking (and creating namespaces)
 * right away would compete with that child for the CPU and the kernel's
 * namespace locks while it starts. */
#define REFILL_DELAY_MS 20
static int refill_after = -1; /* pidfd of the last child handed work */
static long long refill_deadline_ms;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void send_msg(int fd, const struct ncp_zygote_msg *m, int pass_fd)
{
    int r = send_with_fds(fd, m, sizeof(*m), pass_fd >= 0 ? &pass_fd : NULL, pass_fd >= 0 ? 1 : 0);
    if (r < 0 && r != -EPIPE)
        log_warn("zygote: cannot answer the app: %s", strerror(-r));
}

static void preload(const char *paths, size_t len)
{
    for (const char *p = paths; p < paths + len && *p; p += strlen(p) + 1)
        if (!dlopen(p, RTLD_NOW | RTLD_GLOBAL))
            log_debug("zygote: preloading %s failed: %s", p, dlerror());
}

static void set_cmdline(const char *name)
{
    memset(arg_start, 0, arg_len);
    size_t n = strlen(name);
    memcpy(arg_start, name, n < arg_len - 1 ? n : arg_len - 1);
}

/* In a forked child: wait for the work, then become it.  A waiting isolated
 * child first waits for its id maps, then builds what it can of its sandbox. */
_noreturn_ static void child_wait_for_work(bool prepare_sandbox)
{
    sigset_t none;
    sigemptyset(&none);
    /* The app's code gets ordinary SIGCHLD handling, whatever the zygote uses. */
    struct sigaction dfl = { .sa_handler = SIG_DFL };
    sigaction(SIGCHLD, &dfl, NULL);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != self)
        _exit(125);
    /* "<bundle>:ncp-zygote" -> "<bundle>:ncp-spare" while it waits (for ps). */
    char *colon = strrchr(arg_start, ':');
    if (colon && strcmp(colon, ":ncp-zygote") == 0)
        memcpy(colon, ":ncp-spare\0", 12);
    char name[NCP_ZYG_NAME_MAX];
    int launch = -1;
    size_t n_fds = 0;
    ssize_t n;
    if (prepare_sandbox) {
        n = recv_with_fds(NCP_LAUNCH_FD, name, sizeof(name), &launch, 1, &n_fds);
        if (n <= 0 || n_fds != 0)
            _exit(0);
        /* Failure here is not fatal: the sandbox is then built in full later. */
        (void)ncp_sandbox_prepare(getuid(), getgid());
    }
    n = recv_with_fds(NCP_LAUNCH_FD, name, sizeof(name), &launch, 1, &n_fds);
    if (n <= 0 || n_fds != 1) {
        /* Dropped: the zygote died (maybe after it gave our pid to the app).
         * End as its children do when it dies, not as a clean exit. */
        kill(getpid(), SIGKILL);
        _exit(125);
    }
    name[(size_t)n < sizeof(name) ? (size_t)n : sizeof(name) - 1] = '\0';
    /* The launch socket replaces the work socket at fd 3. */
    if (dup2(launch, NCP_LAUNCH_FD) < 0)
        _exit(125);
    close(launch);
    set_cmdline(name);
    ncp_runner_child(name);
}

/* Forks a child that waits for work; *w gets its pid, pidfd and work socket.
 * prepare: it gets a "maps written" message first and prepares its sandbox. */
static int fork_waiting(bool isolated, bool prepare, struct warm *w)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return -errno;
    int pidfd = -1;
    struct clone_args_v0 args = {
        .flags = CLONE_PIDFD, .pidfd = (uint64_t)(uintptr_t)&pidfd, .exit_signal = SIGCHLD,
    };
    if (isolated)
        args.flags |= CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS;
    long pid = ncp_clone3(&args, sizeof(args));
    if (pid == 0) {
        /* Only the work socket survives, at fd 3: not the control socket,
         * nor other waiting children's sockets. */
        if (dup2(sv[1], NCP_LAUNCH_FD) < 0)
            _exit(125);
        if (syscall(SYS_close_range, NCP_LAUNCH_FD + 1, ~0U, 0) < 0)
            for (int fd = NCP_LAUNCH_FD + 1; fd < 4096; fd++)
                close(fd);
        child_wait_for_work(prepare);
    }
    int e = errno;
    close(sv[1]);
    if (pid < 0) {
        close(sv[0]);
        return -e;
    }
    *w = (struct warm){ .pid = (pid_t)pid, .pidfd = pidfd, .sock = sv[0] };
    return 0;
}

static void drop(struct warm *w)
{
    w->sock = safe_close(w->sock);
    w->pidfd = safe_close(w->pidfd);
    w->pid = 0;
}

/* The id mapping of an isolated child that keeps the app's ids. */
static void plain_plan(struct ncp_idmap *plan)
{
    *plan = (struct ncp_idmap){ .inside_uid = getuid(), .inside_gid = getgid(), .outside_uid = getuid(),
                                .outside_gid = getgid(), .caller_uid = getuid(), .caller_gid = getgid() };
}

static bool plan_is_plain(const struct ncp_idmap *p)
{
    struct ncp_idmap plain;
    plain_plan(&plain);
    return !p->own_uid && !p->use_helpers && p->range_count == 0 && p->inside_uid == plain.inside_uid &&
           p->inside_gid == plain.inside_gid && p->outside_uid == plain.outside_uid && p->outside_gid == plain.outside_gid;
}

/* Reaps every ended child.  Without autoreap the app learns of each end from
 * an EXITED message; with it, from the child's pidfd once it is reaped. */
static void reap_zombies(void)
{
    for (;;) {
        siginfo_t info;
        memset(&info, 0, sizeof(info));
        if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG) < 0 || info.si_pid == 0)
            return;
        if (info.si_pid == warm_normal.pid)
            drop(&warm_normal);
        else if (info.si_pid == warm_isolated.pid)
            drop(&warm_isolated);
        if (autoreap)
            continue;
        struct ncp_zygote_msg m = { .magic = NCP_ZYGOTE_MAGIC, .type = NCP_ZYG_EXITED,
                                    .pid = info.si_pid, .value = ncp_wait_status(&info) };
        send_msg(CTL, &m, -1);
    }
}

static void reap(void)
{
    struct signalfd_siginfo si;
    while (read(sig_fd, &si, sizeof(si)) == sizeof(si))
        ;
    reap_zombies();
}

/* Writes a child's id maps.  The id-map helpers (newuidmap) are our children
 * too and must be waited for: reaping by the kernel pauses meanwhile, and
 * whatever ended in that window is reaped right after. */
static int apply_maps(pid_t pid, const struct ncp_idmap *plan)
{
    struct sigaction plain = { .sa_handler = SIG_DFL }, nocldwait = { .sa_handler = SIG_DFL, .sa_flags = SA_NOCLDWAIT };
    if (autoreap)
        sigaction(SIGCHLD, &plain, NULL);
    int r = ncp_userns_apply(pid, plan);
    if (autoreap) {
        sigaction(SIGCHLD, &nocldwait, NULL);
        reap_zombies();
    }
    return r;
}

/* Keeps one child of each kind in use waiting. */
static void refill(void)
{
    if (!preloaded)
        return;
    if (!warm_normal.pid && fork_waiting(false, false, &warm_normal) < 0)
        drop(&warm_normal);
    if (isolated_in_use && !warm_isolated.pid) {
        struct ncp_idmap plan;
        plain_plan(&plan);
        if (fork_waiting(true, true, &warm_isolated) < 0)
            drop(&warm_isolated);
        else if (apply_maps(warm_isolated.pid, &plan) < 0 ||
                 send_with_fds(warm_isolated.sock, "maps", 5, NULL, 0) < 0) {
            kill(warm_isolated.pid, SIGKILL);
            drop(&warm_isolated);
            isolated_in_use = false; /* cannot prepare them: fork on demand, which reports why */
        }
    }
}

static void spawn(const struct ncp_zygote_msg *req, int launch_fd)
{
    const bool isolated = req->flags & NCP_ZYG_ISOLATED;
    struct ncp_zygote_msg reply = { .magic = NCP_ZYGOTE_MAGIC, .type = NCP_ZYG_FAILED };
    struct warm w = { .pidfd = -1, .sock = -1 };
    int r = 0;

    if (isolated)
        isolated_in_use = true;
    struct warm *ready = isolated ? (plan_is_plain(&req->plan) ? &warm_isolated : NULL) : &warm_normal;
    /* A ready child killed from outside while it waited (its pidfd is
     * readable; with autoreap no SIGCHLD says so): fork a fresh one rather
     * than hand the app a dead child. */
    struct pollfd gone = { .fd = ready ? ready->pidfd : -1, .events = POLLIN };
    if (ready && ready->pid && poll(&gone, 1, 0) > 0)
        drop(ready);
    if (ready && ready->pid) {
        w = *ready;
        *ready = (struct warm){ .pidfd = -1, .sock = -1 };
        log_debug("zygote: %s child pid %d was ready for %s", isolated ? "isolated" : "normal", (int)w.pid, req->name);
    } else {
        r = fork_waiting(isolated, false, &w);
        if (r == 0 && isolated && (r = apply_maps(w.pid, &req->plan)) < 0) {
            kill(w.pid, SIGKILL);
            drop(&w);
        }
        if (r == 0)
            log_debug("zygote: forked %s child pid %d for %s", isolated ? "isolated" : "normal", (int)w.pid, req->name);
    }
    if (r < 0) {
        reply.value = -r;
        send_msg(launch_fd, &reply, -1);
        close(launch_fd);
        return;
    }
    reply.type = NCP_ZYG_SPAWNED;
    reply.pid = w.pid;
    send_msg(launch_fd, &reply, w.pidfd);
    char name[NCP_ZYG_NAME_MAX];
    memcpy(name, req->name, sizeof(name));
    name[sizeof(name) - 1] = '\0';
    int hr = send_with_fds(w.sock, name, strlen(name) + 1, &launch_fd, 1);
    if (hr < 0) {
        /* It died while waiting: the app sees it end through EXITED. */
        log_warn("zygote: handing work to pid %d failed: %s", (int)w.pid, strerror(-hr));
        kill(w.pid, SIGKILL);
    }
    close(launch_fd);
    refill_after = safe_close(refill_after);
    refill_after = TAKE_FD(w.pidfd);
    refill_deadline_ms = now_ms() + REFILL_DELAY_MS;
    drop(&w);
}

_noreturn_ void ncp_zygote_serve(int argc, char **argv)
{
    self = getpid();
    arg_start = argv[0];
    arg_len = (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) + 1 - argv[0]);
    ncp_runner_state.magic = NCP_RUNNER_STATE_MAGIC;

    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    sig_fd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sig_fd < 0) {
        log_error("zygote: signalfd: %s", strerror(errno));
        _exit(125);
    }

    for (;;) {
        struct pollfd p[3] = { { .fd = CTL, .events = POLLIN }, { .fd = sig_fd, .events = POLLIN },
                               { .fd = refill_after, .events = POLLIN } };
        long long left = refill_after >= 0 ? refill_deadline_ms - now_ms() : -1;
        int n_ready = poll(p, refill_after >= 0 ? 3 : 2, refill_after >= 0 ? (int)(left > 0 ? left : 0) : -1);
        if (n_ready < 0) {
            if (errno == EINTR)
                continue;
            _exit(125);
        }
        if (refill_after >= 0 && (p[2].revents || now_ms() >= refill_deadline_ms)) {
            refill_after = safe_close(refill_after);
            refill();
        }
        if (p[1].revents)
            reap();
        if (!p[0].revents)
            continue;
        char buf[NCP_ZYG_HELLO_MAX + sizeof(struct ncp_zygote_msg)];
        int fd = -1;
        size_t n_fds = 0;
        ssize_t n = recv_with_fds(CTL, buf, sizeof(buf), &fd, 1, &n_fds);
        if (n == 0 || (n < 0 && n != -EBADMSG && n != -EINTR))
            _exit(0); /* the app is gone; our children die with us */
        struct ncp_zygote_msg req;
        memset(&req, 0, sizeof(req));
        if (n > 0)
            memcpy(&req, buf, (size_t)n < sizeof(req) ? (size_t)n : sizeof(req));
        if (n >= (ssize_t)NCP_ZYG_HEADER_SIZE && req.magic == NCP_ZYGOTE_MAGIC && req.type == NCP_ZYG_HELLO && !preloaded) {
            preload(buf + NCP_ZYG_HEADER_SIZE, (size_t)n - NCP_ZYG_HEADER_SIZE);
            preloaded = true;
            if (req.flags & NCP_ZYG_AUTOREAP) {
                struct sigaction nocldwait = { .sa_handler = SIG_DFL, .sa_flags = SA_NOCLDWAIT };
                autoreap = sigaction(SIGCHLD, &nocldwait, NULL) == 0;
            }
            refill();
        } else if (n == (ssize_t)sizeof(req) && req.magic == NCP_ZYGOTE_MAGIC && req.type == NCP_ZYG_SPAWN && n_fds == 1)
            spawn(&req, fd);
        else if (n_fds)
            close(fd);
    }
}
