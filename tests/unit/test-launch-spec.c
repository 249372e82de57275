/* SPDX-License-Identifier: Apache-2.0 */
/* Internals: launch-spec encoding and hostile decoding, reports, names,
 * entry splitting, settings parsing. */
#include <stdio.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"
#include "common/launch_spec.h"
#include "app/validate.h"
#include "spawn/spawn.h"
#include "runner/zygote_proto.h"

static int decode(const char *buf, size_t len, size_t n_fds, struct ncp_launch_spec *spec)
{
    struct ncp_launch_header h;
    if (len < sizeof(h))
        return -EBADMSG;
    memcpy(&h, buf, sizeof(h));
    int r = ncp_launch_check_header(&h, n_fds);
    if (r < 0)
        return r;
    if (len - sizeof(h) != h.body_len)
        return -EBADMSG;
    char *body = malloc(h.body_len + 1);
    memcpy(body, buf + sizeof(h), h.body_len);
    memset(spec, 0, sizeof(*spec));
    spec->ipc_fd = -1;
    r = ncp_launch_decode_body(&h, body, spec);
    if (r < 0)
        free(body);
    return r;
}

static void test_roundtrip(void)
{
    const char *names[] = { "a", "bb" };
    char *env[] = { (char *)"A=1", (char *)"PATH=/bin", NULL };
    struct ncp_launch_input in = { .kind = NCP_KIND_ARGS, .flags = NCP_LAUNCH_ISOLATED, .library = "/x/libe.so",
                                   .symbol = "Main", .name = "b:Native_libe0", .params = "p=1", .data_dir = "/d",
                                   .policy = "{}", .policy_len = 2, .n_user_fds = 2, .fd_names = names,
                                   .cwd = "/work", .env = env, .n_env_set = 1 };
    ncp_limits_defaults(&in.limits);
    in.limits.v[NCP_LIM_NPROC] = 77;
    in.limits.v[NCP_LIM_CPU] = NCP_LIMIT_NONE;
    in.limits.set = 1u << NCP_LIM_NPROC;
    char *buf;
    size_t len;
    is_int(ncp_launch_encode(&in, &buf, &len), 0, "encode");
    struct ncp_launch_spec s;
    is_int(decode(buf, len, 2, &s), 0, "decode what was encoded");
    ok(s.kind == NCP_KIND_ARGS && s.flags == NCP_LAUNCH_ISOLATED, "kind and flags survive");
    ok(!strcmp(s.library, "/x/libe.so") && !strcmp(s.symbol, "Main") && !strcmp(s.params, "p=1") &&
       !strcmp(s.data_dir, "/d") && s.policy_len == 2 && !strcmp(s.fd_names[1], "bb") && !strcmp(s.cwd, "/work"),
       "strings survive");
    ok(s.n_env == 2 && !strcmp(s.env[1], "PATH=/bin") && s.env[2] == NULL, "the environment survives");
    is_int((int)s.n_env_set, 1, "and how many of its last variables the start set");
    ok(s.limits.v[NCP_LIM_NPROC] == 77 && s.limits.v[NCP_LIM_CPU] == NCP_LIMIT_NONE &&
       s.limits.v[NCP_LIM_TMPFS_SIZE] == 32u << 20 && s.limits.set == 1u << NCP_LIM_NPROC, "the limits survive");
    free(s.body);
    free(s.env);
    is_int(decode(buf, len, 3, &s), -EBADMSG, "one descriptor too many (a slot lock, as version 1 sent) -> EBADMSG");
    is_int(decode(buf, len, 1, &s), -EBADMSG, "one descriptor too few -> EBADMSG");
    is_int(decode(buf, len - 1, 2, &s), -EBADMSG, "short body -> EBADMSG");
    {
        /* An isolated child's stdout and stderr pipes come after the user fds. */
        struct ncp_launch_input io = in;
        io.flags |= NCP_LAUNCH_STDIO;
        char *b2;
        size_t l2;
        is_int(ncp_launch_encode(&io, &b2, &l2), 0, "encode with stdio");
        struct ncp_launch_spec s2;
        is_int(decode(b2, l2, 4, &s2), 0, "with stdio: the user fds and two more");
        ok(s2.stdio_fds[0] == -1 && s2.stdio_fds[1] == -1, "the decoder leaves the stdio fds to the receiver");
        free(s2.body);
        free(s2.env);
        is_int(decode(b2, l2, 2, &s2), -EBADMSG, "with stdio but without its two fds -> EBADMSG");
        free(b2);
    }

    /* Corrupt every byte of the body in turn: never a crash, never an over-read. */
    int crashes = 0;
    for (size_t i = sizeof(struct ncp_launch_header); i < len; i++) {
        char *copy = malloc(len);
        memcpy(copy, buf, len);
        copy[i] = copy[i] ? 0 : 'x';
        int r = decode(copy, len, 2, &s);
        if (r == 0) {
            free(s.body);
            free(s.env);
        } else if (r != -EBADMSG)
            crashes++;
        free(copy);
    }
    is_int(crashes, 0, "every corrupted body decodes or fails with EBADMSG");

    struct ncp_launch_header h;
    memcpy(&h, buf, sizeof(h));
    h.magic ^= 1;
    is_int(ncp_launch_check_header(&h, 2), -EBADMSG, "bad magic -> EBADMSG");
    memcpy(&h, buf, sizeof(h));
    h.n_user_fds = 17;
    is_int(ncp_launch_check_header(&h, 17), -EBADMSG, "17 user fds -> EBADMSG");
    memcpy(&h, buf, sizeof(h));
    h.body_len = 0xffffffffu;
    is_int(ncp_launch_check_header(&h, 2), -EBADMSG, "huge body -> EBADMSG");
    memcpy(&h, buf, sizeof(h));
    h.kind = 9;
    is_int(ncp_launch_check_header(&h, 2), -EBADMSG, "unknown kind -> EBADMSG");
    memcpy(&h, buf, sizeof(h));
    h.limits[NCP_LIM_NOFILE] = 3;
    is_int(ncp_launch_check_header(&h, 2), -EBADMSG, "a limit out of its range -> EBADMSG");
    memcpy(&h, buf, sizeof(h));
    h.limits_set = 1u << NCP_N_LIMITS;
    is_int(ncp_launch_check_header(&h, 2), -EBADMSG, "an unknown limit marked set -> EBADMSG");
    memcpy(&h, buf, sizeof(h));
    h.n_env_set = 3;
    is_int(ncp_launch_check_header(&h, 2), -EBADMSG, "more variables set by the start than the spec has -> EBADMSG");
    in.n_env_set = 3;
    char *buf2 = NULL;
    size_t len2 = 0;
    is_int(ncp_launch_encode(&in, &buf2, &len2), -EINVAL, "encoding more set variables than there are -> EINVAL");
    free(buf2);
    free(buf);

    struct ncp_report r = { .magic = NCP_REPORT_MAGIC, .stage = NCP_STAGE_DLOPEN, .error = 2 };
    memset(r.detail, 'x', sizeof(r.detail));
    is_int(ncp_report_check(&r), 0, "a report with an unterminated detail is accepted...");
    is_int((int)strlen(r.detail), (int)sizeof(r.detail) - 1, "...and terminated");
    r.stage = 99;
    is_int(ncp_report_check(&r), -EBADMSG, "unknown stage -> EBADMSG");
    r.stage = NCP_STAGE_RUNNING;
    r.error = -5;
    is_int(ncp_report_check(&r), -EBADMSG, "negative errno -> EBADMSG");
}

/* Writable marks and binds (version 4), and what a hostile header may claim. */
static void test_marks_and_binds(void)
{
    const char *names[] = { "a", "dir" };
    const char *src[] = { "/srv/data", "/home/u/out" }, *dest[] = { "/opt/data", "/opt/out" };
    struct ncp_launch_input in = { .kind = NCP_KIND_ARGS, .flags = NCP_LAUNCH_ISOLATED, .library = "/x/libe.so",
                                   .symbol = "Main", .name = "b:Native_libe0", .params = "", .data_dir = "/d",
                                   .n_user_fds = 2, .fd_names = names, .fd_writable = 2, .n_binds = 2,
                                   .bind_src = src, .bind_dest = dest, .bind_writable = 2, .cwd = "/" };
    ncp_limits_defaults(&in.limits); /* a zeroed nproc or nofile is not a valid limit */
    char *buf;
    size_t len;
    is_int(ncp_launch_encode(&in, &buf, &len), 0, "encode with writable marks and binds");
    struct ncp_launch_spec s;
    is_int(decode(buf, len, 2, &s), 0, "decode it");
    ok(s.fd_writable == 2 && s.n_binds == 2 && s.bind_writable == 2, "marks and the bind count survive");
    ok(!strcmp(s.bind_src[0], "/srv/data") && !strcmp(s.bind_dest[0], "/opt/data") && !strcmp(s.bind_src[1], "/home/u/out") &&
       !strcmp(s.bind_dest[1], "/opt/out") && !strcmp(s.fd_names[1], "dir"), "the binds' paths survive in order");
    free(s.body);
    free(s.env);

    struct ncp_launch_header h;
    memcpy(&h, buf, sizeof(h));
    h.fd_writable = 4;
    is_int(ncp_launch_check_header(&h, 2), -EBADMSG, "a writable mark for a third of two fds -> EBADMSG");
    memcpy(&h, buf, sizeof(h));
    h.bind_writable = 4;
    is_int(ncp_launch_check_header(&h, 2), -EBADMSG, "a writable mark for a third of two binds -> EBADMSG");
    memcpy(&h, buf, sizeof(h));
    h.n_binds = 17;
    is_int(ncp_launch_check_header(&h, 2), -EBADMSG, "17 binds -> EBADMSG");
    memcpy(&h, buf, sizeof(h));
    h.n_binds = 3;
    memcpy(buf, &h, sizeof(h));
    is_int(decode(buf, len, 2, &s), -EBADMSG, "a bind more than the body holds -> EBADMSG");
    free(buf);

    /* A relative bind path is refused by the decoder. */
    const char *rel[] = { "srv" };
    in.n_binds = 1;
    in.bind_src = rel;
    in.bind_writable = 0;
    is_int(ncp_launch_encode(&in, &buf, &len), 0, "encode a relative source");
    is_int(decode(buf, len, 2, &s), -EBADMSG, "a relative bind source -> EBADMSG");
    free(buf);

    /* The sandbox's description holds the binds: a spare builds them. */
    char *a, *b;
    size_t la, lb;
    in.bind_src = src;
    in.n_binds = 2;
    is_int(ncp_launch_encode_sandbox(&in, &a, &la), 0, "the sandbox description with binds");
    in.bind_writable = 1;
    is_int(ncp_launch_encode_sandbox(&in, &b, &lb), 0, "... and with other marks");
    ok(la != lb || memcmp(a, b, la) != 0, "binds' marks change the description");
    free(a);
    free(b);
}

static void test_names(void)
{
    char buf[256];
    ncp_lib_stem("libentry.so", buf, sizeof(buf));
    is_str(buf, "libentry", "stem of libentry.so");
    ncp_lib_stem("/opt/app/lib/libfoo.so.1.2", buf, sizeof(buf));
    is_str(buf, "libfoo", "stem of a versioned path");
    ncp_lib_stem("libsolver.so", buf, sizeof(buf));
    is_str(buf, "libsolver", "'.so' inside a name is not the suffix");
    ncp_lib_stem("plugin", buf, sizeof(buf));
    is_str(buf, "plugin", "stem without suffix");
    ok(ncp_process_name_valid("Renderer_1"), "Renderer_1 is a valid name");
    ok(!ncp_process_name_valid("Render-1") && !ncp_process_name_valid("") && !ncp_process_name_valid(NULL), "invalid names");
    is_int(ncp_child_name("com.ex", "GPU", "libx.so", buf, sizeof(buf)), 0, "named child");
    is_str(buf, "com.ex:GPU", "{bundle}:{name}");
    ncp_child_name("com.ex", NULL, "/p/libentry.so", buf, sizeof(buf));
    ok(strncmp(buf, "com.ex:Native_libentry", 22) == 0, "{bundle}:Native_{stem}{N} (%s)", buf);
    setenv("NCP_BUNDLE_NAME", "a/b", 1);
    ok(ncp_bundle_name(buf, sizeof(buf)) < 0, "a bundle name with '/' is refused");
    setenv("NCP_BUNDLE_NAME", "com.example.app", 1);
    ncp_bundle_name(buf, sizeof(buf));
    is_str(buf, "com.example.app", "bundle from NCP_BUNDLE_NAME");
    unsetenv("NCP_BUNDLE_NAME");
    ncp_bundle_name(buf, sizeof(buf));
    is_str(buf, "test-launch-spec", "bundle from the executable's name");
    setenv("XDG_DATA_HOME", "/xdg", 1);
    ncp_data_dir("app", buf, sizeof(buf));
    is_str(buf, "/xdg/app", "data dir under XDG_DATA_HOME");
    unsetenv("XDG_DATA_HOME");
    setenv("HOME", "/home/u", 1);
    ncp_data_dir("app", buf, sizeof(buf));
    is_str(buf, "/home/u/.local/share/app", "data dir default");
}

static void test_entry_split(void)
{
    char *lib, *fn;
    is_int(ncp_split_entry("a:b:Main", &lib, &fn), 0, "split");
    ok(!strcmp(lib, "a:b") && !strcmp(fn, "Main"), "at the last ':'");
    free(lib);
    free(fn);
    is_int(ncp_split_entry("nocolon", &lib, &fn), -EINVAL, "no colon");
    is_int(ncp_split_entry(":Main", &lib, &fn), -EINVAL, "empty library");
    is_int(ncp_split_entry("lib.so:", &lib, &fn), -EINVAL, "empty function");
}

static void test_settings(void)
{
    char path[] = "/tmp/ncp-settings-XXXXXX";
    int fd = mkstemp(path);
    dprintf(fd, "multi_process = off\nmax_ipc_children_per_process=7 # comment\nmax_children_per_app = 9999\n"
                "connect_timeout_ms = 250\nmax_spares = 9\nbogus line\nunknown = 1\n"
                "limit_tmpfs_size = 64M\nlimit_cpu = 10\nlimit_nproc = none\nlimit_nofile = 3\nlimit_bogus = 1\n");
    close(fd);
    setenv("NCP_CONFIG_FILE", path, 1);
    struct ncp_settings s;
    ncp_settings_load(&s);
    ok(!s.multi_process, "multi_process = off");
    is_int(s.max_ipc_children, 7, "IPC limit lowered to 7");
    is_int(s.max_children_per_app, 512, "an app limit above 512 is refused, the default stays");
    is_int(s.connect_timeout_ms, 250, "connect timeout");
    is_int(s.max_spares, 3, "max_spares above 8 is refused, the default stays");
    ok(s.limits.v[NCP_LIM_TMPFS_SIZE] == 64u << 20 && s.limits.v[NCP_LIM_CPU] == 10 &&
       s.limits.v[NCP_LIM_NPROC] == NCP_LIMIT_NONE && s.limits.set == 0, "limit_ keys: sizes, seconds, none");
    is_int((int)s.limits.v[NCP_LIM_NOFILE], 4096, "a limit_ value out of range is refused, the default stays");
    unlink(path);
    setenv("NCP_CONFIG_FILE", "/nonexistent", 1);
    ncp_settings_load(&s);
    ok(s.multi_process && s.max_ipc_children == 50 && s.max_children_per_app == 512 && s.max_spares == 3,
       "defaults without a file");
    ok(s.limits.v[NCP_LIM_NPROC] == 1024 && s.limits.v[NCP_LIM_CORE] == 0 && s.limits.v[NCP_LIM_CPU] == NCP_LIMIT_NONE,
       "default limits without a file");
}

static void test_limit_values(void)
{
    uint64_t v = 0;
    ok(ncp_limit_parse(NCP_LIM_TMPFS_SIZE, "32M", &v) == 0 && v == 32u << 20, "32M");
    ok(ncp_limit_parse(NCP_LIM_FSIZE, "1GiB", &v) == 0 && v == 1u << 30, "1GiB");
    ok(ncp_limit_parse(NCP_LIM_FSIZE, "none", &v) == 0 && v == NCP_LIMIT_NONE, "none");
    ok(ncp_limit_parse(NCP_LIM_NPROC, "16K", &v) < 0, "no size suffix on a count");
    ok(ncp_limit_parse(NCP_LIM_TMPFS_SIZE, "1k", &v) < 0, "below the minimum");
    ok(ncp_limit_parse(NCP_LIM_FSIZE, "99999999999T", &v) < 0, "an overflowing size");
    ok(ncp_limit_parse(NCP_LIM_CPU, "-3", &v) < 0 && ncp_limit_parse(NCP_LIM_CPU, " 3", &v) < 0, "signs and spaces");
    is_int(ncp_limit_by_name("inotify-instances"), NCP_LIM_INOTIFY_INSTANCES, "a name with dashes");
    is_int(ncp_limit_by_name("nope"), -EINVAL, "an unknown name");
    char buf[32];
    ncp_limit_format(NCP_LIM_TMPFS_SIZE, 32u << 20, buf, sizeof(buf));
    is_str(buf, "32 MiB", "formatted size");
}

/* The stage table: every stage a runner reports has a name, the exit status
 * ncp-run(1) documents (126: the app's library or entry; 125: the setup) and
 * the start-callback code of an IPC child; anything else is "unknown". */
static void test_stages(void)
{
    for (uint32_t st = NCP_STAGE_EXEC; st <= NCP_STAGE_RUNNING; st++)
        ok(strcmp(ncp_stage_name(st), "unknown") != 0, "stage %u has a name (%s)", st, ncp_stage_name(st));
    is_str(ncp_stage_name(0), "unknown", "stage 0 is none");
    is_str(ncp_stage_name(NCP_STAGE_RUNNING + 1), "unknown", "a stage past the last is none");
    is_str(ncp_stage_name(UINT32_MAX), "unknown", "UINT32_MAX is none");
    is_int(ncp_stage_info(NCP_STAGE_DLOPEN)->exit_status, 126, "a library that does not load: exit 126");
    is_int(ncp_stage_info(NCP_STAGE_DLSYM)->exit_status, 126, "a missing entry: exit 126");
    is_int(ncp_stage_info(NCP_STAGE_SANDBOX)->exit_status, 125, "a sandbox that cannot be built: exit 125");
    is_int(ncp_stage_info(NCP_STAGE_SPEC)->exit_status, 125, "an unreadable launch spec: exit 125");
    is_int(ncp_stage_info(NCP_STAGE_DLSYM)->ipc_code, NCP_ERR_LIB_LOADING_FAILED, "IPC: dlsym -> 16010007");
    is_int(ncp_stage_info(NCP_STAGE_CONNECT)->ipc_code, NCP_ERR_CONNECTION_FAILED, "IPC: connect -> 16010008");
    is_int(ncp_stage_info(NCP_STAGE_SANDBOX)->ipc_code, NCP_ERR_NOT_SUPPORTED, "IPC: sandbox -> 801");
    is_int(ncp_stage_info(NCP_STAGE_RUNNING)->ipc_code, NCP_NO_ERROR, "IPC: running -> 0");
    is_int(ncp_stage_info(77)->ipc_code, NCP_ERR_INTERNAL, "IPC: an unknown stage -> 16000050");
}

/* The zygote protocol's one check of what either side receives. */
static void test_zygote_messages(void)
{
    struct ncp_zygote_msg m = { .magic = NCP_ZYGOTE_MAGIC, .type = NCP_ZYG_SPAWNED, .pid = 42 };
    const size_t full = sizeof(m);
    ok(ncp_zygote_msg_ok(&m, full, 1), "SPAWNED with a pid and its pidfd is accepted");
    ok(!ncp_zygote_msg_ok(&m, full, 0), "SPAWNED without its pidfd is refused");
    ok(!ncp_zygote_msg_ok(&m, full - 1, 1), "a message one byte short is refused");
    m.pid = 0;
    ok(!ncp_zygote_msg_ok(&m, full, 1), "SPAWNED with pid 0 is refused");
    m = (struct ncp_zygote_msg){ .magic = NCP_ZYGOTE_MAGIC ^ 1, .type = NCP_ZYG_SPAWNED, .pid = 42 };
    ok(!ncp_zygote_msg_ok(&m, full, 1), "a wrong magic is refused");
    m = (struct ncp_zygote_msg){ .magic = NCP_ZYGOTE_MAGIC, .type = 99 };
    ok(!ncp_zygote_msg_ok(&m, full, 0), "an unknown type is refused");
    m = (struct ncp_zygote_msg){ .magic = NCP_ZYGOTE_MAGIC, .type = NCP_ZYG_FAILED, .value = EMFILE };
    ok(ncp_zygote_msg_ok(&m, full, 0), "FAILED with an errno is accepted");
    m.value = 0;
    ok(!ncp_zygote_msg_ok(&m, full, 0), "FAILED with errno 0 is refused");
    m.value = 4096;
    ok(!ncp_zygote_msg_ok(&m, full, 0), "FAILED with errno 4096 is refused");
    m = (struct ncp_zygote_msg){ .magic = NCP_ZYGOTE_MAGIC, .type = NCP_ZYG_PREPARED, .value = 0 };
    ok(ncp_zygote_msg_ok(&m, full, 0), "PREPARED 0 is accepted");
    m.value = -1;
    ok(!ncp_zygote_msg_ok(&m, full, 0), "PREPARED -1 is refused");
    m = (struct ncp_zygote_msg){ .magic = NCP_ZYGOTE_MAGIC, .type = NCP_ZYG_SPARE, .pid = 7 };
    ok(ncp_zygote_msg_ok(&m, full, 2), "a normal SPARE with its pidfd and socket is accepted");
    ok(!ncp_zygote_msg_ok(&m, full, 3), "a normal SPARE with a third descriptor is refused");
    m.flags = NCP_ZYG_ISOLATED;
    ok(ncp_zygote_msg_ok(&m, full, 3), "an isolated SPARE with its mount namespace too is accepted");
    m = (struct ncp_zygote_msg){ .magic = NCP_ZYGOTE_MAGIC, .type = NCP_ZYG_HELLO };
    ok(ncp_zygote_msg_ok(&m, NCP_ZYG_HEADER_SIZE + 10, 0), "HELLO: the header and its list");
    ok(!ncp_zygote_msg_ok(&m, NCP_ZYG_HEADER_SIZE - 1, 0), "HELLO shorter than the header is refused");
    ok(!ncp_zygote_msg_ok(&m, NCP_ZYG_HEADER_SIZE, 1), "HELLO with a descriptor is refused");
    m = (struct ncp_zygote_msg){ .magic = NCP_ZYGOTE_MAGIC, .type = NCP_ZYG_SPAWN };
    ok(ncp_zygote_msg_ok(&m, full, 1) && !ncp_zygote_msg_ok(&m, full, 0) && !ncp_zygote_msg_ok(&m, full, 2),
       "SPAWN: exactly the launch socket");
    m = (struct ncp_zygote_msg){ .magic = NCP_ZYGOTE_MAGIC, .type = NCP_ZYG_TAKEN, .pid = 7 };
    ok(ncp_zygote_msg_ok(&m, full, 0) && !ncp_zygote_msg_ok(&m, full, 1), "TAKEN: no descriptor");
    m = (struct ncp_zygote_msg){ .magic = NCP_ZYGOTE_MAGIC, .type = NCP_ZYG_EXITED, .pid = 7, .value = 0x9 };
    ok(ncp_zygote_msg_ok(&m, full, 0) && !ncp_zygote_msg_ok(&m, full, 1), "EXITED: a pid, no descriptor");
}

int main(void)
{
    setenv("NCP_LOG", "error", 1);
    test_stages();
    test_roundtrip();
    test_marks_and_binds();
    test_names();
    test_entry_split();
    test_settings();
    test_limit_values();
    test_zygote_messages();
    return tap_done();
}
