/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a child forked by the zygote (src/runner/zygote_server.c) does until it has
 * work: it takes ahead of need the page faults its start would take, an
 * isolated spare waits for its id maps and builds what it can of its
 * sandbox (the system part at once, all of it once the app says which),
 * and then it becomes the child the work names (ncp_runner_child()).  Runs
 * in that child, between the zygote's fork and the app's start.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "common/fd-util.h"
#include "common/log.h"
#include "common/macro.h"
#include "runner.h"
#include "zygote_proto.h"

/* The zygote, whose child this is, and the argv area it had: rewritten
 * with this child's name (/proc/PID/cmdline). */
static pid_t zygote;
static char *arg_start;
static size_t arg_len;

static void set_cmdline(const char *name)
{
    memset(arg_start, 0, arg_len);
    size_t n = strlen(name);
    memcpy(arg_start, name, n < arg_len - 1 ? n : arg_len - 1);
}

/* In a waiting isolated child: builds the sandbox the app described, ahead
 * of need, with the settings the child will have in its environment
 * (NCP_LOG, NCP_LANDLOCK_ABI).  On success the description is kept for the
 * runner to compare with its launch spec's. */
static int build_ahead(const char *msg, size_t len)
{
    _cleanup_free_ char *blob = malloc(len ? len : 1);
    if (!blob)
        return -ENOMEM;
    memcpy(blob, msg, len);
    struct ncp_sandbox_desc desc;
    int r = ncp_sandbox_desc_decode(blob, len, &desc);
    if (r < 0)
        return r;
    extern char **environ;
    char **saved = environ;
    environ = (char **)desc.settings;
    ncp_log_reset();
    const int keep[] = { NCP_LAUNCH_FD };
    const char *stage = "sandbox";
    r = ncp_runner_build_sandbox(&desc, NULL, 0, zygote, keep, ARRAY_SIZE(keep), &ncp_runner_prebuilt.extras, &stage);
    environ = saved;
    ncp_log_reset();
    if (r < 0)
        return log_debug_errno(r, "zygote: building a sandbox ahead of need failed (%s)", stage);
    ncp_runner_prebuilt.desc = desc;
    ncp_runner_prebuilt.blob = TAKE_PTR(blob);
    return 0;
}

/* Parses "start-end perms" at the head of a /proc/self/maps line. */
static bool parse_map_line(const char *l, const char *end, unsigned long *start, unsigned long *stop, bool *rw_private)
{
    unsigned long v[2] = { 0, 0 };
    for (int k = 0; k < 2; k++) {
        int digits = 0;
        for (; l < end; l++, digits++) {
            char c = *l;
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            if (d < 0)
                break;
            v[k] = v[k] * 16 + (unsigned long)d;
        }
        if (!digits || l >= end || *l != (k == 0 ? '-' : ' '))
            return false;
        l++;
    }
    *start = v[0];
    *stop = v[1];
    *rw_private = end - l >= 4 && memcmp(l, "rw-p", 4) == 0;
    return true;
}

/* Writes each present page of [start, stop) once: whatever lives there, so
 * not through the sanitizers' checks. */
__attribute__((no_sanitize_address)) static void touch_present(unsigned long start, unsigned long stop, size_t page)
{
    unsigned char vec[64];
    for (unsigned long at = start; at < stop; at += page * sizeof(vec)) {
        size_t chunk = stop - at < page * sizeof(vec) ? stop - at : page * sizeof(vec);
        if (mincore((void *)at, chunk, vec) < 0)
            return;
        for (size_t i = 0; i < (chunk + page - 1) / page; i++)
            if (vec[i] & 1) {
                volatile unsigned char *b = (volatile unsigned char *)(at + i * page);
                *b = *b;
            }
    }
}

/* In a waiting child, ahead of need: takes the page faults the start would
 * otherwise take while the app waits.  Every page the zygote had written is
 * shared with it until written again; write each one that is present (not
 * the others: that would only add memory).  Then the library calls of the
 * start's path that nothing before it made, so that their code is mapped.
 * No stdio or formatting here: it would map code and data a start never
 * uses (more memory for every child). */
#define WARM_MAX_MAPPING (16ul << 20)
static void warm_up(void)
{
    const size_t page = (size_t)getpagesize();
    char buf[2048];
    size_t len = 0;
    _cleanup_close_ int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    for (ssize_t n; fd >= 0 && (n = read(fd, buf + len, sizeof(buf) - len)) > 0;) {
        len += (size_t)n;
        const char *l = buf, *end = buf + len, *nl;
        for (; (nl = memchr(l, '\n', (size_t)(end - l))); l = nl + 1) {
            unsigned long start, stop;
            bool rw_private;
            /* [stack] pages are mostly the zygote's own frames. */
            bool stack = nl - l > 7 && memcmp(nl - 7, "[stack]", 7) == 0;
            /* Large ones are reservations, not data a start touches (the
             * sanitizers' shadow memory is terabytes): skipped. */
            if (parse_map_line(l, nl, &start, &stop, &rw_private) && rw_private && !stack &&
                stop - start <= WARM_MAX_MAPPING)
                touch_present(start, stop, page);
        }
        /* Keep the cut line for the next read (a line never fills the buffer). */
        len = (size_t)(end - l);
        memmove(buf, l, len);
        if (len == sizeof(buf))
            len = 0;
    }
    (void)getenv("NCP_TEST_CRASH_AT");
    (void)dlerror();
    (void)dup2(NCP_LAUNCH_FD, NCP_LAUNCH_FD);
}

/* In a forked child: wait for the work, then become it.  A waiting isolated
 * child first waits for its id maps, then builds what it can of its sandbox:
 * its system part at once, all of it once the app says which. */
_noreturn_ void ncp_zygote_child_wait_for_work(pid_t parent, char *args, size_t args_len, bool prepare_sandbox)
{
    zygote = parent;
    arg_start = args;
    arg_len = args_len;
    sigset_t none;
    sigemptyset(&none);
    /* The app's code gets ordinary SIGCHLD handling, whatever the zygote uses. */
    struct sigaction dfl = { .sa_handler = SIG_DFL };
    sigaction(SIGCHLD, &dfl, NULL);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* The zygote died before the parent-death signal was armed: end as its
     * children do when it dies (killed), not with a status of our own that
     * would pass for a failure of the app's work. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != zygote) {
        kill(getpid(), SIGKILL);
        _exit(125);
    }
    /* "<bundle>:ncp-zygote" -> "<bundle>:ncp-spare" while it waits (for ps). */
    char *colon = strrchr(arg_start, ':');
    if (colon && strcmp(colon, ":ncp-zygote") == 0)
        memcpy(colon, ":ncp-spare\0", 12);
    warm_up();
    char name[NCP_ZYG_NAME_MAX];
    int launch = -1;
    size_t n_fds = 0;
    ssize_t n;
    if (prepare_sandbox) {
        n = recv_with_fds(NCP_LAUNCH_FD, name, sizeof(name), &launch, 1, &n_fds);
        if (n <= 0 || n_fds != 0)
            _exit(0);
        /* Failure here is not fatal: the sandbox is then built in full later. */
        (void)ncp_runner_sandbox_prepare(getuid(), getgid());
    }
    _cleanup_free_ char *msg = prepare_sandbox ? malloc(NCP_ZYG_SANDBOX_MAX) : NULL;
    for (;;) {
        n = msg ? recv_with_fds(NCP_LAUNCH_FD, msg, NCP_ZYG_SANDBOX_MAX, &launch, 1, &n_fds)
                : recv_with_fds(NCP_LAUNCH_FD, name, sizeof(name), &launch, 1, &n_fds);
        if (!msg || n <= 0 || n_fds != 0 || ncp_runner_prebuilt.blob || ncp_runner_prebuilt.failed)
            break;
        /* The sandbox to build ahead of need (once). */
        struct ncp_zygote_msg m = { .magic = NCP_ZYGOTE_MAGIC, .type = NCP_ZYG_PREPARED };
        m.value = -build_ahead(msg, (size_t)n);
        if (m.value)
            ncp_runner_prebuilt.failed = true; /* half built, maybe: not usable */
        (void)send_with_fds(NCP_LAUNCH_FD, &m, sizeof(m), NULL, 0);
    }
    if (n <= 0 || n_fds != 1) {
        /* Dropped: the zygote or the app died (maybe after the app got our pid),
         * or the app let us go.  End as the zygote's children do when it
         * dies, not as a clean exit. */
        kill(getpid(), SIGKILL);
        _exit(125);
    }
    if (msg)
        memcpy(name, msg, (size_t)n < sizeof(name) ? (size_t)n : sizeof(name));
    free(TAKE_PTR(msg)); /* this function does not return: no cleanup would run */
    name[(size_t)n < sizeof(name) ? (size_t)n : sizeof(name) - 1] = '\0';
    /* The launch socket replaces the work socket at fd 3. */
    if (dup2(launch, NCP_LAUNCH_FD) < 0)
        _exit(125);
    close(launch);
    set_cmdline(name);
    ncp_runner_child(name);
}
