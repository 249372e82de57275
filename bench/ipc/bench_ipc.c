/* SPDX-License-Identifier: Apache-2.0 */
/* bench_ipc: the cost of an IPC round trip next to a raw SOCK_SEQPACKET
 * ping-pong between the same two processes.
 *
 * A forked peer echoes 64-byte datagrams on one socket pair (raw) and serves
 * a stub on another (OH_IPCRemoteStub_ServeSocket) whose callback reads a
 * 64-byte buffer and writes it back.  The parent alternates blocks of raw
 * round trips and OH_IPCRemoteProxy_SendRequest calls so that both see the
 * same machine state (drift on a shared machine cancels out), once with both processes pinned to one CPU and once
 * unpinned (five runs each, a fresh peer per run), and prints median and p99
 * of each and their ratio.
 *
 * Usage: bench_ipc [round trips per mode, default 20000] */
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "IPCKit/ipc_ext.h"
#include "IPCKit/ipc_kit.h"

#define MSG 64
/* Alternating phases: long enough for the scheduler to settle on each pair of
 * threads (the client alternates between two peer threads), short enough
 * that both kinds see the same machine state. */
#define BLOCK 2500

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int echo_request(uint32_t code, const OHIPCParcel *data, OHIPCParcel *reply, void *ud)
{
    (void)code, (void)ud;
    const uint8_t *b = OH_IPCParcel_ReadBuffer(data, MSG);
    if (!b)
        return OH_IPC_PARCEL_READ_ERROR;
    return OH_IPCParcel_WriteBuffer(reply, b, MSG);
}

static void peer_main(int raw, int ipc)
{
    OHIPCRemoteStub *s = OH_IPCRemoteStub_Create("bench.IEcho", echo_request, NULL, NULL);
    if (OH_IPCRemoteStub_ServeSocket(s, ipc) != 0)
        _exit(2);
    OH_IPCRemoteStub_Destroy(s);
    char buf[MSG];
    for (;;) {
        ssize_t n = recv(raw, buf, sizeof(buf), 0);
        if (n <= 0)
            _exit(0);
        if (send(raw, buf, (size_t)n, MSG_NOSIGNAL) != n)
            _exit(1);
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct(uint64_t *v, size_t n, double p)
{
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return (double)v[i] / 1000.0;
}

struct result {
    double rm, r99, im, i99;
};

static int run(const char *mode, int pin, size_t n, struct result *res)
{
    cpu_set_t saved;
    sched_getaffinity(0, sizeof(saved), &saved);
    if (pin) {
        cpu_set_t one;
        CPU_ZERO(&one);
        for (int c = 0; c < CPU_SETSIZE; c++)
            if (CPU_ISSET(c, &saved)) {
                CPU_SET(c, &one);
                break;
            }
        if (sched_setaffinity(0, sizeof(one), &one) < 0) {
            perror("sched_setaffinity");
            return 1;
        }
    }
    int raw[2], ipc[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, raw) < 0 ||
        socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ipc) < 0) {
        perror("socketpair");
        return 1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(raw[0]);
        close(ipc[0]);
        peer_main(raw[1], ipc[1]);
    }
    close(raw[1]);
    close(ipc[1]);
    OHIPCRemoteProxy *proxy = OH_IPCRemoteProxy_CreateFromSocket(ipc[0]);
    OHIPCParcel *data = OH_IPCParcel_Create(), *reply = OH_IPCParcel_Create();
    uint8_t msg[MSG];
    memset(msg, 0x5a, sizeof(msg));
    OH_IPCParcel_WriteBuffer(data, msg, MSG);

    uint64_t *tr = calloc(n, sizeof(*tr)), *ti = calloc(n, sizeof(*ti));
    size_t nr = 0, ni = 0, warm = 500;
    char buf[MSG];
    int bad = 0;
    /* Alternate blocks; the first `warm` of each are warm-up. */
    while (ni < n + warm) {
        for (int k = 0; k < BLOCK && nr < n + warm; k++, nr++) {
            uint64_t t = now_ns();
            if (send(raw[0], msg, MSG, MSG_NOSIGNAL) != MSG || recv(raw[0], buf, sizeof(buf), 0) != MSG)
                bad++;
            t = now_ns() - t;
            if (nr >= warm)
                tr[nr - warm] = t;
        }
        for (int k = 0; k < BLOCK && ni < n + warm; k++, ni++) {
            uint64_t t = now_ns();
            if (OH_IPCRemoteProxy_SendRequest(proxy, 1, data, reply, NULL) != 0 ||
                OH_IPCParcel_GetDataSize(reply) != MSG)
                bad++;
            t = now_ns() - t;
            if (ni >= warm)
                ti[ni - warm] = t;
        }
    }
    qsort(tr, n, sizeof(*tr), cmp_u64);
    qsort(ti, n, sizeof(*ti), cmp_u64);
    double rm = pct(tr, n, 0.5), r99 = pct(tr, n, 0.99), im = pct(ti, n, 0.5), i99 = pct(ti, n, 0.99);
    printf("%-9s %7zu %10.2f %10.2f %10.2f %10.2f %8.2fx %8.2fx%s\n", mode, n, rm, r99, im, i99, im / rm, i99 / r99,
           bad ? "  (ERRORS)" : "");
    *res = (struct result){ rm, r99, im, i99 };
    fflush(stdout);

    OH_IPCParcel_Destroy(data);
    OH_IPCParcel_Destroy(reply);
    OH_IPCRemoteProxy_Destroy(proxy);
    close(raw[0]);
    waitpid(pid, NULL, 0);
    free(tr);
    free(ti);
    sched_setaffinity(0, sizeof(saved), &saved);
    return bad != 0;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_d);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define RUNS 5

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000;
    if (n < 100)
        n = 100;
    struct result res[RUNS];
    double a[RUNS], b[RUNS], ratio[RUNS];
    printf("IPC round trip (64-byte request and reply) vs raw SOCK_SEQPACKET 64-byte ping-pong\n");
    printf("times in microseconds; ratio = IPC / raw\n");
    printf("%-9s %7s %10s %10s %10s %10s %9s %9s\n", "mode", "n", "raw p50", "raw p99", "ipc p50", "ipc p99",
           "p50 ratio", "p99 ratio");
    int r = 0;
    for (int mode = 1; mode >= 0; mode--) {
        for (int i = 0; i < RUNS; i++) {
            r |= run(mode ? "pinned" : "unpinned", mode, n, &res[i]);
            a[i] = res[i].rm;
            b[i] = res[i].im;
            ratio[i] = res[i].im / res[i].rm;
        }
        double ma = median(a, RUNS), mb = median(b, RUNS), mr = median(ratio, RUNS);
        printf("%-9s median of %d runs: raw p50 %.2f us, ipc p50 %.2f us, median ratio %.2fx\n",
               mode ? "pinned" : "unpinned", RUNS, ma, mb, mr);
    }
    printf("(unpinned on a small VM: a run is slow when the scheduler puts the two threads of a pair on\n"
           " different CPUs -- raw or IPC alike; compare the pinned rows for the library's own cost)\n");
    return r;
}
