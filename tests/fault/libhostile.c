/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A child library that misbehaves on purpose (tests/fault/).  What it does is
 * chosen by environment variables the test sets before each start (a child
 * adopts the app's environment of that moment):
 *
 *   HOSTILE_PIDFILE=PATH   write getpid() there first thing (constructor)
 *   HOSTILE_CTOR=segv      crash while being loaded (dlopen)
 *   HOSTILE_CTOR=block     block while being loaded, until killed
 *   HOSTILE_LAUNCH=...     what the constructor writes on the launch socket
 *                          (fd 3, the parent reads stage reports there):
 *       garbage   300 bytes of 0xab          flood     4 MB of garbage
 *       partial   half a report, then exit   badstage  reports with bad fields
 *       fakerun   a forged "running" report
 *       linger    one byte with a TCP socket whose last close() waits
 *                 HOSTILE_LINGER_S (12) seconds for data nobody reads;
 *                 then blocks (the socket's peer lives until it is killed)
 *       forgelog  reports whose detail holds newlines and lines that look
 *                 like the library's own log lines
 *       reportflood  well-formed failure reports, as fast as the socket
 *                 takes them, until the parent stops reading; then blocks
 *   HOSTILE_MODE=...       IPC children, after dlopen:
 *       crash-connect  die in OnConnect             crash-main  die in MainProc
 *       garbage   malformed frames on the IPC socket, then wait
 *       huge      frames announcing huge lengths and counts, then wait
 *       fdflood   frames carrying 250 descriptors each, until refused
 *       noread    the stub's handler never returns: the child stops reading
 *       lingerreply  a malformed reply carrying a lingering TCP socket
 *                 (see linger), sent before the app asks anything
 *   Request codes, in every mode but noread: 2 adds two Int32s, 3 (one-way)
 *   makes the child stop itself (SIGSTOP: silent, its socket open), 4 replies
 *   with its pid and a second stub, 5 and 6 flood a stub of the app with
 *   descriptors (flood_start()), 10 keeps the app's object it carries, 11
 *   sends the app a request with forged credentials, 9 forks a process that
 *   keeps the sockets and exits, 12 sends the app's object two-way requests
 *   for 3 s and never reads their replies.
 *
 * Entry points: NativeChildProcess_OnConnect / _MainProc (IPC) and Main (args).
 *
 * An isolated child keeps only a few of the app's variables, so the same
 * source is also built with a fixed behaviour (tests/hardening.mk):
 * libhostile_segv.so (HOSTILE_CTOR=segv), libhostile_block.so (=block),
 * libhostile_connect.so (HOSTILE_MODE=crash-connect), libhostile_main.so
 * (=crash-main), libhostile_linger.so (HOSTILE_LAUNCH=linger),
 * libhostile_lingerreply.so (HOSTILE_MODE=lingerreply),
 * libhostile_forgelog.so (HOSTILE_LAUNCH=forgelog), libhostile_reportflood.so
 * (HOSTILE_LAUNCH=reportflood), libhostile_zombies.so (no fixed behaviour:
 * its Zombies entry reads what to do from its parameters).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <AbilityKit/native_child_process.h>
#include <IPCKit/ipc_kit.h>

#include "../lingering-socket.h"

/* HOSTILE_NO_IPC: built without libipc_capi (the variants that only attack
 * the launch socket), so that an isolated child exec'd from the build tree,
 * which has no libipc_capi in its sandbox, loads it too. */
#define EXPORT __attribute__((visibility("default")))

EXPORT OHIPCRemoteStub *NativeChildProcess_OnConnect(void);
EXPORT void NativeChildProcess_MainProc(void);
EXPORT void Main(NativeChildProcess_Args args);

#ifndef HOSTILE_CTOR
#define HOSTILE_CTOR ""
#endif
#ifndef HOSTILE_MODE
#define HOSTILE_MODE ""
#endif
#ifndef HOSTILE_LAUNCH
#define HOSTILE_LAUNCH ""
#endif

static const char *env(const char *name)
{
    const char *v = getenv(name);
    if (v && *v)
        return v;
    return !strcmp(name, "HOSTILE_CTOR")     ? HOSTILE_CTOR
           : !strcmp(name, "HOSTILE_MODE")   ? HOSTILE_MODE
           : !strcmp(name, "HOSTILE_LAUNCH") ? HOSTILE_LAUNCH
                                             : "";
}

static int is(const char *name, const char *value) { return strcmp(env(name), value) == 0; }


/* ---- the launch socket (fd 3 while the library loads) ---- */

/* struct ncp_report of src/common/launch_spec.h, written out independently. */
struct report {
    uint32_t magic, stage;
    int32_t error;
    char detail[244];
};
#define REPORT_MAGIC 0x4e435052u

/* HOSTILE_LINGER_S (12) seconds of lingering close() (../lingering-socket.h). */
static int linger_secs(void)
{
    int secs = atoi(env("HOSTILE_LINGER_S"));
    return secs > 0 ? secs : 12;
}

static int send_fd(int sock, const void *buf, size_t len, int fd)
{
    struct iovec iov = { (void *)buf, len };
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } c;
    memset(&c, 0, sizeof(c));
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf, .msg_controllen = sizeof(c.buf) };
    struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof(int));
    return sendmsg(sock, &m, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* MSG_NOSIGNAL: once the parent hangs up on us, writing on is not fatal. */
static void put(const void *p, size_t n) { ssize_t w = send(3, p, n, MSG_NOSIGNAL); (void)w; }

static void misreport(const char *how)
{
    struct report r;
    if (!strcmp(how, "garbage")) {
        char junk[300];
        memset(junk, 0xab, sizeof(junk));
        put(junk, sizeof(junk));
    } else if (!strcmp(how, "flood")) {
        char junk[65536];
        memset(junk, 0x5a, sizeof(junk));
        for (int i = 0; i < 64; i++)
            put(junk, sizeof(junk));
    } else if (!strcmp(how, "partial")) {
        memset(&r, 0, sizeof(r));
        r.magic = REPORT_MAGIC;
        r.stage = 4;
        put(&r, sizeof(r) / 2);
        _exit(9);
    } else if (!strcmp(how, "badstage")) {
        const uint32_t stages[] = { 0, 99, 0xffffffffu };
        for (size_t i = 0; i < 3; i++) {
            memset(&r, 'x', sizeof(r)); /* no terminating NUL in detail */
            r.magic = REPORT_MAGIC;
            r.stage = stages[i];
            r.error = i == 2 ? -5 : 7;
            put(&r, sizeof(r));
        }
    } else if (!strcmp(how, "linger")) {
        int s = lingering_socket(linger_secs());
        if (s >= 0) {
            (void)send_fd(3, "L", 1, s);
            close(s); /* the one in flight is the last */
        }
        for (;;)
            pause(); /* the listener lives as long as we do */
    } else if (!strcmp(how, "forgelog")) {
        for (int i = 0; i < 3; i++) {
            memset(&r, 0, sizeof(r));
            r.magic = REPORT_MAGIC;
            r.stage = 4; /* NCP_STAGE_DLOPEN */
            snprintf(r.detail, sizeof(r.detail), "x\nchild_process[1]: warn: FORGED %d\n\033[2J", i);
            put(&r, sizeof(r));
        }
    } else if (!strcmp(how, "reportflood")) {
        for (unsigned i = 0;; i++) {
            memset(&r, 0, sizeof(r));
            r.magic = REPORT_MAGIC;
            r.stage = 4; /* NCP_STAGE_DLOPEN */
            snprintf(r.detail, sizeof(r.detail), "FLOOD %u", i);
            if (send(3, &r, sizeof(r), MSG_NOSIGNAL) != (ssize_t)sizeof(r))
                break; /* the parent closed its end */
        }
        for (;;)
            pause();
    } else if (!strcmp(how, "fakerun")) {
        memset(&r, 0, sizeof(r));
        r.magic = REPORT_MAGIC;
        r.stage = 7; /* NCP_STAGE_RUNNING, before OnConnect ran */
        snprintf(r.detail, sizeof(r.detail), "forged");
        put(&r, sizeof(r));
    }
}

__attribute__((constructor)) static void hostile_load(void)
{
    const char *pidfile = env("HOSTILE_PIDFILE");
    if (*pidfile) {
        FILE *f = fopen(pidfile, "we");
        if (f) {
            fprintf(f, "%d\n", (int)getpid());
            fclose(f);
        }
    }
    if (*env("HOSTILE_LAUNCH"))
        misreport(env("HOSTILE_LAUNCH"));
    if (is("HOSTILE_CTOR", "segv"))
        raise(SIGSEGV);
    if (is("HOSTILE_CTOR", "block"))
        for (;;)
            pause();
}

/* ---- the IPC socket ---- */

/* The frame header of doc/ipc-wire-format.md, written out independently. */
struct hdr {
    uint32_t magic;
    uint8_t version, type;
    uint16_t flags;
    uint32_t id, handle, code, data_len, nobjs;
    uint8_t nfds, reserved[3];
};
#define MAGIC 0x4b435049u

/* The child's end of the IPC connection: its AF_UNIX SOCK_SEQPACKET socket. */
static int ipc_socket(void)
{
    for (int fd = 3; fd < 1024; fd++) {
        int type = 0, domain = 0;
        socklen_t len = sizeof(int);
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_SEQPACKET &&
            getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 && domain == AF_UNIX)
            return fd;
    }
    return -1;
}

static int send_frame(int sock, const void *buf, size_t len, const int *fds, unsigned n_fds)
{
    struct iovec iov = { (void *)buf, len };
    union {
        char buf[CMSG_SPACE(sizeof(int) * 253)];
        struct cmsghdr align;
    } c;
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (n_fds) {
        memset(&c, 0, sizeof(c));
        m.msg_control = c.buf;
        m.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
        struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
        memcpy(CMSG_DATA(cm), fds, sizeof(int) * n_fds);
    }
    return sendmsg(sock, &m, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 ? -errno : 0;
}

static void hostile_frames(const char *how)
{
    int sock = ipc_socket();
    if (sock < 0)
        _exit(42);
    if (!strcmp(how, "garbage")) {
        unsigned char junk[64];
        memset(junk, 0xab, sizeof(junk));
        send_frame(sock, junk, 1, NULL, 0);
        send_frame(sock, junk, 3, NULL, 0);
        send_frame(sock, junk, sizeof(junk), NULL, 0);
        struct hdr h = { .magic = MAGIC, .version = 9, .type = 2, .id = 1 };
        send_frame(sock, &h, sizeof(h), NULL, 0);
        h.version = 1;
        h.type = 77;
        send_frame(sock, &h, sizeof(h), NULL, 0);
    } else if (!strcmp(how, "huge")) {
        struct hdr h = { .magic = MAGIC, .version = 1, .type = 2, .id = 1, .data_len = 0xfffffff0u,
                         .nobjs = 0xffffffffu, .nfds = 250 };
        send_frame(sock, &h, sizeof(h), NULL, 0);
        h.type = 1; /* a request with the same lies */
        send_frame(sock, &h, sizeof(h), NULL, 0);
        h.data_len = 1u << 30;
        h.nobjs = 1u << 28;
        h.nfds = 0;
        send_frame(sock, &h, sizeof(h), NULL, 0);
    } else if (!strcmp(how, "lingerreply")) {
        /* A reply frame claiming one descriptor that no object names. */
        int s = lingering_socket(linger_secs());
        struct hdr h = { .magic = MAGIC, .version = 1, .type = 2, .id = 1, .nfds = 1 };
        if (s >= 0) {
            (void)send_fd(sock, &h, sizeof(h), s);
            close(s);
        }
    } else if (!strcmp(how, "fdflood")) {
        int fds[250];
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        for (int i = 0; i < 250; i++)
            fds[i] = null;
        struct hdr h = { .magic = MAGIC, .version = 1, .type = 2, .id = 1, .nfds = 250 };
        for (int i = 0; i < 2000; i++) {
            int r = send_frame(sock, &h, sizeof(h), fds, 250);
            if (r == -EAGAIN) {
                usleep(1000);
                continue;
            }
            if (r < 0)
                break; /* the parent hung up on us */
        }
    }
}

/* ---- the stub ---- */
#ifndef HOSTILE_NO_IPC

static int on_request(uint32_t code, const OHIPCParcel *data, OHIPCParcel *reply, void *user);

/* The objects code 4 hands out: requests on them are served like the root's. */
static OHIPCRemoteStub *second_stub(void)
{
    static OHIPCRemoteStub *s;
    if (!s)
        s = OH_IPCRemoteStub_Create("ncp.test.IHostileSecond", on_request, NULL, NULL);
    return s;
}

/* ---- descriptor floods into the app (codes 5 and 6) ---- */

/* Code 5 carries {mode, fds per request, threads, failures to stop at} and a
 * stub of the app: threads send it requests of code 7 carrying that many
 * descriptors each (mode 1 one-way, 2 two-way; 1 s timeout), each thread
 * until that many of its requests failed (or 20 s passed).  Code 6 waits
 * for them and replies {requests that went through, failed, first error,
 * last error}. */
static OHIPCRemoteProxy *app_stub;
static int flood_mode, flood_fds, flood_stop_after;
static atomic_int flood_ok, flood_failed, flood_first_err, flood_last_err;
static pthread_t flood_threads[8];
static int n_flood_threads;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *flood_main(void *arg)
{
    (void)arg;
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    OH_IPC_MessageOption opt = { .mode = flood_mode == 1 ? OH_IPC_REQUEST_MODE_ASYNC : OH_IPC_REQUEST_MODE_SYNC,
                                 .timeout = 1 };
    int failed = 0;
    for (double end = now() + 20; failed < flood_stop_after && now() < end;) {
        OHIPCParcel *data = OH_IPCParcel_Create(), *reply = OH_IPCParcel_Create();
        int r = 0;
        for (int i = 0; i < flood_fds && r == 0; i++)
            r = OH_IPCParcel_WriteFileDescriptor(data, null);
        if (r == 0)
            r = OH_IPCRemoteProxy_SendRequest(app_stub, 7, data, reply, &opt);
        OH_IPCParcel_Destroy(data);
        OH_IPCParcel_Destroy(reply);
        if (r == 0) {
            atomic_fetch_add(&flood_ok, 1);
            continue;
        }
        int zero = 0;
        atomic_compare_exchange_strong(&flood_first_err, &zero, r);
        atomic_store(&flood_last_err, r);
        atomic_fetch_add(&flood_failed, 1);
        failed++;
    }
    close(null);
    return NULL;
}

static int flood_start(const OHIPCParcel *data)
{
    int32_t threads = 0;
    if (OH_IPCParcel_ReadInt32(data, &flood_mode) || OH_IPCParcel_ReadInt32(data, &flood_fds) ||
        OH_IPCParcel_ReadInt32(data, &threads) || OH_IPCParcel_ReadInt32(data, &flood_stop_after) || threads < 1 ||
        threads > 8)
        return OH_IPC_PARCEL_READ_ERROR;
    if (app_stub)
        OH_IPCRemoteProxy_Destroy(app_stub);
    if (!(app_stub = OH_IPCParcel_ReadRemoteProxy(data)))
        return OH_IPC_PARCEL_READ_ERROR;
    atomic_store(&flood_ok, 0);
    atomic_store(&flood_failed, 0);
    atomic_store(&flood_first_err, 0);
    atomic_store(&flood_last_err, 0);
    for (n_flood_threads = 0; n_flood_threads < threads; n_flood_threads++)
        if (pthread_create(&flood_threads[n_flood_threads], NULL, flood_main, NULL) != 0)
            return OH_IPC_INNER_ERROR;
    return 0;
}

static int flood_report(OHIPCParcel *reply)
{
    for (int i = 0; i < n_flood_threads; i++)
        pthread_join(flood_threads[i], NULL);
    n_flood_threads = 0;
    return OH_IPCParcel_WriteInt32(reply, atomic_load(&flood_ok)) ||
           OH_IPCParcel_WriteInt32(reply, atomic_load(&flood_failed)) ||
           OH_IPCParcel_WriteInt32(reply, atomic_load(&flood_first_err)) ||
           OH_IPCParcel_WriteInt32(reply, atomic_load(&flood_last_err));
}

/* ---- who is calling: forged credentials, an orphan holding the socket ---- */

/* The channel our requests to the app go through: the AF_UNIX
 * SOCK_SEQPACKET socket that the app's first object brought (code 10), i.e.
 * the one that was not there at code 4. */
static unsigned char seqpacket_at_4[1024];
static int app_channel = -1;

static bool is_seqpacket(int fd)
{
    int type = 0, domain = 0;
    socklen_t len = sizeof(int);
    return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_SEQPACKET &&
           getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 && domain == AF_UNIX;
}

static void note_sockets(void)
{
    for (int fd = 3; fd < 1024; fd++)
        seqpacket_at_4[fd] = is_seqpacket(fd);
}

static void find_app_channel(void)
{
    for (int fd = 3; fd < 1024 && app_channel < 0; fd++)
        if (!seqpacket_at_4[fd] && is_seqpacket(fd))
            app_channel = fd;
}

static int out_channel(void) { return app_channel; }

/* A raw one-way request of code 8 to the app's first object (handle 1), with
 * the given credentials; 0 or -errno. */
static int send_code8(int sock, pid_t pid, uid_t uid, gid_t gid)
{
    struct hdr h = { .magic = MAGIC, .version = 1, .type = 1, .flags = 1, .handle = 1, .code = 8 };
    struct iovec iov = { &h, sizeof(h) };
    union {
        char buf[CMSG_SPACE(sizeof(struct ucred))];
        struct cmsghdr align;
    } c;
    memset(&c, 0, sizeof(c));
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf, .msg_controllen = sizeof(c.buf) };
    struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_CREDENTIALS;
    cm->cmsg_len = CMSG_LEN(sizeof(struct ucred));
    struct ucred cr = { .pid = pid, .uid = uid, .gid = gid };
    memcpy(CMSG_DATA(cm), &cr, sizeof(cr));
    return sendmsg(sock, &m, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 ? -errno : 0;
}

/* Code 11: claim to be pid 1, uid 0 (the kernel lets a process with
 * CAP_SYS_ADMIN and CAP_SETUID say so: a normal child of a root app); an
 * unprivileged child can only tell the truth. */
static void forge_credentials(void)
{
    int s = out_channel();
    if (s >= 0 && send_code8(s, 1, 0, 0) < 0)
        send_code8(s, getpid(), getuid(), getgid());
}

/* Code 9: fork a process that keeps every socket, then exit.  A second after
 * it saw us gone it sends raw requests of code 8 to the app for 2 s, then
 * holds the sockets 8 s more. */
static void orphan_and_exit(void)
{
    pid_t me = getpid();
    pid_t kid = fork();
    if (kid == 0) {
        for (double end = now() + 5; getppid() == me && now() < end;)
            usleep(10000);
        usleep(1000000);
        int s = out_channel();
        for (double end = now() + 2; s >= 0 && now() < end; usleep(100000))
            send_code8(s, getpid(), getuid(), getgid());
        usleep(8000000); /* and keeps the socket a while longer */
        _exit(0);
    }
    _exit(0);
}

/* Code 12: two-way requests of code 8 to the app's first object for 3 s, as
 * fast as the channel takes them, and never a reply read. */
static void requests_unread(void)
{
    int s = out_channel();
    struct hdr h = { .magic = MAGIC, .version = 1, .type = 1, .handle = 1, .code = 8 };
    uint32_t id = 1u << 30; /* far from the library's own ids */
    for (double end = now() + 3; s >= 0 && now() < end;) {
        h.id = id++;
        int r = send_frame(s, &h, sizeof(h), NULL, 0);
        if (r == -EAGAIN)
            usleep(1000);
        else if (r < 0)
            break;
    }
}

static int on_request(uint32_t code, const OHIPCParcel *data, OHIPCParcel *reply, void *user)
{
    (void)user;
    if (is("HOSTILE_MODE", "noread"))
        for (;;)
            pause();
    if (code == 3) {
        /* Fall silent (sent one-way): the whole process stops, its socket
         * stays open, nothing more is read or answered. */
        raise(SIGSTOP);
        return 0;
    }
    if (code == 9)
        orphan_and_exit();
    if (code == 10) { /* keep a proxy to the app's object (its channel comes with it) */
        if (app_stub)
            OH_IPCRemoteProxy_Destroy(app_stub);
        find_app_channel();
        return (app_stub = OH_IPCParcel_ReadRemoteProxy(data)) ? 0 : OH_IPC_PARCEL_READ_ERROR;
    }
    if (code == 11) {
        forge_credentials();
        return 0;
    }
    if (code == 12) {
        requests_unread();
        return 0;
    }
    if (code == 5)
        return flood_start(data);
    if (code == 6)
        return flood_report(reply);
    if (code == 4) { /* who we are, and an object of ours besides the root */
        note_sockets();
        return OH_IPCParcel_WriteInt32(reply, (int32_t)getpid()) || OH_IPCParcel_WriteRemoteStub(reply, second_stub());
    }
    int32_t a = 0, b = 0;
    if (code == 2 && OH_IPCParcel_ReadInt32(data, &a) == 0 && OH_IPCParcel_ReadInt32(data, &b) == 0)
        return OH_IPCParcel_WriteInt32(reply, a + b);
    return 0;
}

OHIPCRemoteStub *NativeChildProcess_OnConnect(void)
{
    if (is("HOSTILE_MODE", "crash-connect"))
        raise(SIGSEGV);
    return OH_IPCRemoteStub_Create("ncp.test.IHostile", on_request, NULL, NULL);
}
#else
OHIPCRemoteStub *NativeChildProcess_OnConnect(void) { return NULL; }
#endif

void NativeChildProcess_MainProc(void)
{
    const char *mode = env("HOSTILE_MODE");
    if (!strcmp(mode, "crash-main"))
        raise(SIGSEGV);
    hostile_frames(mode);
    for (;;)
        pause(); /* until killed */
}

/* Zombies, an args entry: entryParams "N hold" or "N exit".  Forks N
 * children that exit at once with status 7 (fewer when fork fails, as at
 * RLIMIT_NPROC), never waits for them, writes "forked K errno E" to the fd
 * named "out", then blocks until killed (hold) or returns (exit): its
 * zombies then go to its reaper. */
EXPORT void Zombies(NativeChildProcess_Args args);
void Zombies(NativeChildProcess_Args args)
{
    int n = 0, out = -1, forked = 0, err = 0;
    char how[16] = "";
    if (!args.entryParams || sscanf(args.entryParams, "%d %15s", &n, how) != 2)
        return;
    for (NativeChildProcess_Fd *f = args.fdList.head; f; f = f->next)
        if (strcmp(f->fdName, "out") == 0)
            out = f->fd;
    for (; forked < n; forked++) {
        pid_t kid = fork();
        if (kid == 0)
            _exit(7);
        if (kid < 0) {
            err = errno;
            break;
        }
    }
    if (out >= 0)
        dprintf(out, "forked %d errno %d\n", forked, err);
    if (!strcmp(how, "hold"))
        for (;;)
            pause();
}

/* Inflight, an args entry: entryParams "HOLD_MS".  Fills its user's budget
 * of descriptors in flight: sends one descriptor 253 times a message into
 * socket pairs it never reads, until the kernel refuses (ETOOMANYREFS, past
 * RLIMIT_NOFILE; root is exempt) or 400 000 are in flight.  Writes "full N"
 * or "nolimit N" to the fd named "out", holds them HOLD_MS, and returns:
 * its sockets close and the budget is free again. */
EXPORT void Inflight(NativeChildProcess_Args args);
void Inflight(NativeChildProcess_Args args)
{
    int hold_ms = 0, out = -1;
    if (!args.entryParams || sscanf(args.entryParams, "%d", &hold_ms) != 1)
        return;
    for (NativeChildProcess_Fd *f = args.fdList.head; f; f = f->next)
        if (strcmp(f->fdName, "out") == 0)
            out = f->fd;
    enum { PER_MSG = 253, MAX_PAIRS = 256 };
    int fds[PER_MSG], pairs[MAX_PAIRS][2], n_pairs = 0;
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    for (int i = 0; i < PER_MSG; i++)
        fds[i] = null;
    long sent = 0;
    bool full = false;
    while (!full && sent < 400000 && n_pairs < MAX_PAIRS &&
           socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pairs[n_pairs]) == 0) {
        n_pairs++;
        for (;;) {
            int r = send_frame(pairs[n_pairs - 1][0], "x", 1, fds, PER_MSG);
            if (r == 0) {
                sent += PER_MSG;
                continue;
            }
            full = r == -ETOOMANYREFS;
            break; /* refused, or this pair's queue is full: the next pair */
        }
    }
    if (out >= 0)
        dprintf(out, "%s %ld\n", full ? "full" : "nolimit", sent);
    usleep((useconds_t)hold_ms * 1000u);
    for (int i = 0; i < n_pairs; i++) {
        close(pairs[i][0]);
        close(pairs[i][1]);
    }
}

/* Args children: writes "ran" to the fd named "out" and returns. */
void Main(NativeChildProcess_Args args)
{
    for (NativeChildProcess_Fd *f = args.fdList.head; f; f = f->next)
        if (strcmp(f->fdName, "out") == 0)
            dprintf(f->fd, "ran\n");
}
