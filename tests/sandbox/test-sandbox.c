/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The user-namespace plan, and ncp_sandbox_enter() end to end in a forked
 * child that unshare()s the isolated child's namespaces (the spawner's
 * clone3 does the same in one call): the parent writes the maps with
 * ncp_userns_apply(), the child builds its sandbox and reports what it sees.
 */
#include "config.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"
#include "sandbox/parent/userns.h"
#include "sandbox/sandbox.h"
#include "../tap.h"

#define NS_FLAGS (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)

static char top[] = "/tmp/ncp-sandbox-test.XXXXXX";
static char data_dir[512], lib_path[512], host_secret[512];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "we");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void test_plan(void)
{
    struct ncp_idmap m;
    is_int(ncp_userns_plan(false, &m), 0, "plan without isolation uid");
    ok(m.inside_uid == geteuid() && m.outside_uid == geteuid() && m.inside_gid == getegid() && !m.own_uid &&
           !m.use_helpers && m.range_count == 0,
       "the caller's ids mapped to themselves");
    struct ncp_idmap r;
    ncp_idmap_resolve(&m, 1234, &r);
    ok(r.inside_uid == m.inside_uid, "resolving a plan without a range changes nothing");

    int rc = ncp_userns_plan(true, &m);
    if (geteuid() == 0) {
        is_int(rc, 0, "root: isolation uid from the reserved range");
        ok(m.own_uid && !m.use_helpers && m.outside_uid == NCP_ISOLATION_ID_BASE &&
               m.range_count == NCP_ISOLATION_ID_COUNT && m.caller_uid == 0,
           "root: range 0x7f000000, 2^24 ids");
        ncp_idmap_resolve(&m, 1234, &r);
        ok(r.inside_uid == NCP_ISOLATION_ID_BASE + 1234 && r.outside_uid == r.inside_uid &&
               r.inside_gid == NCP_ISOLATION_ID_BASE + 1234 && r.range_count == 0,
           "the isolation uid is base + pid");
    } else {
        ok(rc == 0 || rc == -EOPNOTSUPP, "non-root: subuid range or -EOPNOTSUPP (%d)", rc);
        ok(rc != 0 || (m.use_helpers && m.own_uid && m.range_count > 0), "non-root: newuidmap with a subuid range");
        ok(1, "(root-only check skipped)");
    }
    uid_t us;
    gid_t gs;
    uint32_t count;
    bool helpers;
    rc = ncp_userns_isolation_range(&us, &gs, &count, &helpers);
    if (geteuid() == 0)
        ok(rc == 0 && us == NCP_ISOLATION_ID_BASE && count == NCP_ISOLATION_ID_COUNT && !helpers,
           "root's isolation range, without log");
    else
        ok(rc == 0 ? helpers && count > 0 : rc == -ENOENT || rc == -ENOEXEC, "the user's isolation range: %d", rc);
    ncp_userns_explain_failure(ENOSPC); /* must only log */
    ok(1, "explain_failure logs and returns");
}

struct report {
    FILE *out;
};

static void check(FILE *out, const char *name, bool pass, const char *fmt, ...) _printf_(4, 5);
static void check(FILE *out, const char *name, bool pass, const char *fmt, ...)
{
    char detail[512] = "";
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(detail, sizeof(detail), fmt, ap);
        va_end(ap);
    }
    fprintf(out, "%c %s%s%s\n", pass ? '+' : '-', name, detail[0] ? " # " : "", detail);
    fflush(out);
}

static bool status_zero(const char *field, char *got, size_t size)
{
    FILE *f = fopen("/proc/self/status", "re");
    if (!f)
        return false;
    char line[256];
    bool zero = false;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, field, strlen(field)) == 0) {
            snprintf(got, size, "%s", line + strlen(field));
            got[strcspn(got, "\n")] = '\0';
            zero = strspn(line + strlen(field), "\t 0") == strlen(line + strlen(field)) - 1;
        }
    fclose(f);
    return zero;
}

static void inside(FILE *out, const struct ncp_idmap *ids)
{
    struct ncp_idmap final;
    ncp_idmap_resolve(ids, getpid(), &final);

    check(out, "/home does not exist", access("/home", F_OK) < 0 && errno == ENOENT, NULL);
    check(out, "/run and /var do not exist", access("/run", F_OK) < 0 && access("/var", F_OK) < 0, NULL);
    check(out, "a host file next to the data dir is gone", access(host_secret, F_OK) < 0 && errno == ENOENT, NULL);

    DIR *d = opendir(data_dir);
    int entries = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            entries++;
    if (d)
        closedir(d);
    check(out, "the data dir is there and empty", d && entries == 0, "%d entries", entries);

    char p[600];
    snprintf(p, sizeof(p), "%s/written", data_dir);
    int fd = open(p, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    bool w = fd >= 0 && write(fd, "x", 1) == 1;
    if (fd >= 0)
        close(fd);
    check(out, "the data dir is writable", w, "%s", w ? "" : strerror(errno));
    struct stat st = { 0 };
    bool owned = stat(data_dir, &st) == 0 && st.st_uid == final.inside_uid && (st.st_mode & 0777) == 0700;
    check(out, "the data dir belongs to the child", owned, "uid %u mode %o", (unsigned)st.st_uid,
          st.st_mode & 0777);
    check(out, "the child runs as the planned uid", getuid() == final.inside_uid && getgid() == final.inside_gid,
          "uid %u gid %u", (unsigned)getuid(), (unsigned)getgid());
    check(out, "no supplementary groups with an isolation uid", !ids->own_uid || getgroups(0, NULL) == 0, "%d",
          getgroups(0, NULL));

    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr = { 0 };
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
    bool up = s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP);
    if (s >= 0)
        close(s);
    struct if_nameindex *ni = if_nameindex();
    int n_if = 0;
    for (struct if_nameindex *i = ni; i && i->if_index; i++)
        n_if++;
    if (ni)
        if_freenameindex(ni);
    check(out, "lo is up and the only interface", up && n_if == 1, "%d interfaces", n_if);

    char got[64];
    bool caps = true;
    static const char *const fields[] = { "CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:" };
    for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
        if (!status_zero(fields[i], got, sizeof(got))) {
            caps = false;
            check(out, fields[i], false, "%s", got);
        }
    check(out, "every capability set is empty", caps, NULL);
    FILE *f = fopen("/proc/self/status", "re");
    char line[256];
    bool nnp = false;
    while (f && fgets(line, sizeof(line), f))
        if (strcmp(line, "NoNewPrivs:\t1\n") == 0)
            nnp = true;
    if (f)
        fclose(f);
    check(out, "NoNewPrivs is 1", nnp, NULL);

    fd = open("/proc/1/status", O_RDONLY | O_CLOEXEC);
    check(out, "Landlock denies /proc/1/status", fd < 0 && errno == EACCES, "%s", fd < 0 ? strerror(errno) : "opened");
    d = opendir("/");
    check(out, "Landlock denies listing /", !d && errno == EACCES, "%s", d ? "listed" : strerror(errno));
    if (d)
        closedir(d);
    fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    check(out, "its own /proc entries stay readable", fd >= 0, NULL);
    if (fd >= 0)
        close(fd);
    fd = open("/usr/bin/sh", O_RDONLY | O_CLOEXEC);
    check(out, "system dirs are readable", fd >= 0, NULL);
    if (fd >= 0)
        close(fd);
    fd = open("/usr/ncp-test-write", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    check(out, "system dirs are not writable", fd < 0 && (errno == EROFS || errno == EACCES), "%s",
          fd < 0 ? strerror(errno) : "created");
    fd = open(lib_path, O_RDONLY | O_CLOEXEC);
    check(out, "the library is readable at its host path", fd >= 0, "%s", fd < 0 ? strerror(errno) : "");
    if (fd >= 0)
        close(fd);
    bool nested = unshare(CLONE_NEWUSER) == 0;
    check(out, "no nested user namespace", !nested, "%s", nested ? "created" : strerror(errno));

    f = fopen("/etc/passwd", "re");
    int lines = 0;
    while (f && fgets(line, sizeof(line), f))
        lines++;
    if (f)
        fclose(f);
    check(out, "/etc/passwd holds root, nobody and the child only", f && lines >= 1 && lines <= 3, "%d lines", lines);
}

static void e2e(bool isolation_uid, const char *mode)
{
    struct ncp_idmap plan;
    int r = ncp_userns_plan(isolation_uid, &plan);
    if (r < 0) {
        ok(1, "# SKIP %s: no id range for this user", mode);
        return;
    }

    int sync_p[2], go_p[2];
    if (pipe2(sync_p, O_CLOEXEC) < 0 || pipe2(go_p, O_CLOEXEC) < 0)
        return;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(sync_p[0]);
        close(go_p[1]);
        FILE *out = fdopen(sync_p[1], "w");
        if (unshare(NS_FLAGS) < 0) {
            fprintf(out, "! unshare: %s\n", strerror(errno));
            _exit(1);
        }
        fputs("u\n", out);
        fflush(out);
        char c;
        if (read(go_p[0], &c, 1) != 1)
            _exit(1);
        int keep[] = { sync_p[1], go_p[0] };
        struct ncp_sandbox_desc desc = { .ids = plan, .lib_path = lib_path, .data_dir = data_dir };
        ncp_limits_defaults(&desc.limits);
        struct ncp_sandbox_config cfg = { .desc = &desc, .keep_fds = keep, .n_keep_fds = 2 };
        const char *stage = "?";
        int rc = ncp_sandbox_enter(&cfg, &stage);
        check(out, "ncp_sandbox_enter succeeds", rc == 0, "%s at stage %s", rc ? strerror(-rc) : "", stage);
        if (rc == 0)
            inside(out, &plan);
        fclose(out);
        _exit(0);
    }
    close(sync_p[1]);
    close(go_p[0]);
    FILE *in = fdopen(sync_p[0], "r");
    char line[1024];
    if (!fgets(line, sizeof(line), in) || line[0] != 'u') {
        ok(0, "%s: the child unshared its namespaces (%s)", mode, line);
        fclose(in);
        close(go_p[1]);
        waitpid(pid, NULL, 0);
        return;
    }
    r = ncp_userns_apply(pid, &plan);
    is_int(r, 0, "%s: the parent writes the id maps", mode);
    if (write(go_p[1], "g", 1) != 1)
        return;
    close(go_p[1]);
    int n = 0;
    while (fgets(line, sizeof(line), in)) {
        line[strcspn(line, "\n")] = '\0';
        ok(line[0] == '+', "%s: %s", mode, line + 2);
        n++;
    }
    fclose(in);
    int st;
    waitpid(pid, &st, 0);
    ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 && n >= 20, "%s: the child exited cleanly after %d checks", mode, n);

    /* Nothing the child wrote reached the host's data dir. */
    char p[600];
    snprintf(p, sizeof(p), "%s/written", data_dir);
    ok(access(p, F_OK) < 0, "%s: the child's writes stayed in its own data dir", mode);
}

int main(void)
{
    setenv("NCP_LOG", "info", 0);
    ncp_log_reset();
    test_plan();
    if (!ncp_userns_supported()) {
        printf("# SKIP this machine cannot create the isolated child's namespaces\n");
        return tap_done();
    }
    ok(1, "user namespaces are supported");

    if (!mkdtemp(top))
        return 99;
    chmod(top, 0755);
    char dir[600];
    snprintf(dir, sizeof(dir), "%s/data", top);
    mkdir(dir, 0755);
    snprintf(data_dir, sizeof(data_dir), "%s/data/com.example.test", top);
    mkdir(data_dir, 0755);
    snprintf(dir, sizeof(dir), "%s/secret", data_dir);
    write_file(dir, "app secret");
    snprintf(dir, sizeof(dir), "%s/lib", top);
    mkdir(dir, 0755);
    snprintf(lib_path, sizeof(lib_path), "%s/lib/libfake.so", top);
    write_file(lib_path, "not really a library");
    chmod(lib_path, 0644);
    snprintf(host_secret, sizeof(host_secret), "%s/host-secret", top);
    write_file(host_secret, "host secret");

    e2e(false, "isolated");
    e2e(true, "isolation uid");

    /* The app keeps its data dir inside the library's directory: the child
     * still gets a private, empty one, not the host's. */
    snprintf(dir, sizeof(dir), "%s/app", top);
    mkdir(dir, 0755);
    snprintf(lib_path, sizeof(lib_path), "%s/app/libfake.so", top);
    write_file(lib_path, "not really a library");
    snprintf(dir, sizeof(dir), "%s/app/data", top);
    mkdir(dir, 0755);
    snprintf(data_dir, sizeof(data_dir), "%s/app/data/com.example.test", top);
    mkdir(data_dir, 0755);
    snprintf(dir, sizeof(dir), "%s/secret", data_dir);
    write_file(dir, "app secret");
    e2e(false, "data dir inside the library's dir");

    char cmd[700];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
    if (system(cmd) != 0)
        diag("could not remove %s", top);
    return tap_done();
}
