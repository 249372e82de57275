/* SPDX-License-Identifier: Apache-2.0 */
/* The runner's IPC path: the stub from OnConnect is served on library
 * threads while MainProc runs on the main thread.
 *
 * Two orderings matter to code written for the reference platform:
 *   - the parent learns that the child runs (its start callback gets the
 *     proxy) only once MainProc has started: a child may ignore requests that
 *     come before its MainProc is ready.  A helper thread sends the report
 *     when the main thread, inside MainProc, first waits for something, has
 *     used a few milliseconds of CPU there, or MainProc returned;
 *   - when MainProc returns, the replies to requests in flight (typically
 *     the one that made MainProc return) are sent before the process exits. */
#include <IPCKit/ipc_ext.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/fd-util.h"
#include "common/macro.h"
#include "runner.h"

/* How long MainProc may compute before the parent is told anyway, how long
 * the report waits at most, and how long the replies in flight may take. */
#define MAINPROC_CPU_NS (5 * 1000000L)
#define REPORT_WAIT_NS (1000 * 1000000L)
#define FINISH_SERVING_MS 2000

struct main_watch {
    pid_t tid;           /* the main thread, which runs MainProc */
    clockid_t cpu_clock; /* its CPU-time clock */
    atomic_bool entered; /* it is about to call MainProc */
    atomic_bool returned;
};

static int64_t ns_of(clockid_t clock)
{
    struct timespec ts;
    if (clock_gettime(clock, &ts) < 0)
        return -1;
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The main thread's scheduler state letter ('R' running or runnable, 'S',
 * 'D', ...), or 0 when it cannot be read. */
static char thread_state(int fd)
{
    char buf[512];
    const char *f = proc_stat_fields_at(fd, buf, sizeof(buf));
    return f ? f[0] : 0;
}

static void *report_when_main_runs(void *arg)
{
    struct main_watch *w = arg;
    struct timespec pause = { 0, 20000 };
    while (!atomic_load(&w->entered))
        nanosleep(&pause, NULL);
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)w->tid);
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    int64_t cpu0 = ns_of(w->cpu_clock), t0 = ns_of(CLOCK_MONOTONIC);
    for (int blocked = 0;;) {
        if (atomic_load(&w->returned))
            break;
        /* Seen waiting twice in a row: a moment on a lock does not count. */
        char state = thread_state(fd);
        blocked = state != 0 && state != 'R' ? blocked + 1 : 0;
        if (blocked == 2)
            break; /* MainProc waits: it is ready for requests */
        int64_t cpu = ns_of(w->cpu_clock);
        if (cpu < 0 || cpu0 < 0 || cpu - cpu0 >= MAINPROC_CPU_NS)
            break; /* it computes (or cannot be watched): it has started */
        if (ns_of(CLOCK_MONOTONIC) - t0 >= REPORT_WAIT_NS)
            break;
        nanosleep(&pause, NULL);
    }
    ncp_runner_report_running();
    close(NCP_LAUNCH_FD);
    return NULL;
}

_noreturn_ void ncp_runner_run_ipc(void *lib, struct ncp_launch_spec *spec)
{
    dlerror();
    OHIPCRemoteStub *(*on_connect)(void) = (OHIPCRemoteStub * (*)(void)) dlsym(lib, "NativeChildProcess_OnConnect");
    if (!on_connect)
        ncp_runner_fail(NCP_STAGE_DLSYM, 0, "symbol NativeChildProcess_OnConnect not found");
    void (*main_proc)(void) = (void (*)(void))dlsym(lib, "NativeChildProcess_MainProc");
    if (!main_proc)
        ncp_runner_fail(NCP_STAGE_DLSYM, 0, "symbol NativeChildProcess_MainProc not found");

    OHIPCRemoteStub *stub = on_connect();
    if (!stub)
        ncp_runner_fail(NCP_STAGE_CONNECT, 0, "NativeChildProcess_OnConnect returned NULL");
    /* Taken from the libipc_capi the app's library loaded, so the stub and
     * the server share one copy of the IPC library. */
    int (*serve)(OHIPCRemoteStub *, int) = (int (*)(OHIPCRemoteStub *, int))dlsym(RTLD_DEFAULT, "OH_IPCRemoteStub_ServeSocket");
    int (*finish)(int) = (int (*)(int))dlsym(RTLD_DEFAULT, "ncp_ipc_finish_serving");
    if (!serve)
        ncp_runner_fail(NCP_STAGE_DLSYM, 0, "the library does not use libipc_capi (OH_IPCRemoteStub_ServeSocket not found)");

    static struct main_watch watch;
    watch.tid = (pid_t)syscall(SYS_gettid);
    /* From the thread id (pthread_getcpuclockid() would use the id glibc
     * recorded, which is the zygote's in a child it forked with clone3). */
    watch.cpu_clock = (clockid_t)((~(unsigned)watch.tid << 3) | 6); /* CPUCLOCK_PERTHREAD | CPUCLOCK_SCHED */
    pthread_t reporter;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old); /* the helper never takes the app's signals */
    int r = pthread_create(&reporter, NULL, report_when_main_runs, &watch);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (r != 0)
        ncp_runner_fail(NCP_STAGE_CONNECT, r, "starting the thread that reports the start");

    r = serve(stub, spec->ipc_fd);
    spec->ipc_fd = -1; /* owned by the IPC library now */
    if (r != 0)
        ncp_runner_fail(NCP_STAGE_CONNECT, 0, "serving the stub failed with IPC error %d", r);
    ncp_runner_report_entering();
    atomic_store(&watch.entered, true);
    main_proc();
    atomic_store(&watch.returned, true);
    pthread_join(reporter, NULL);
    if (finish)
        (void)finish(FINISH_SERVING_MS);
    exit(0);
}
