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

/* The description of a sandbox the other tests start from. */
static void sample_desc(struct ncp_sandbox_desc *d)
{
    static char *env[] = { (char *)"A=1", (char *)"NCP_LANDLOCK_ABI=3", (char *)"NCP_LOG=debug", (char *)"NCP_LOGX=1",
                           NULL };
    *d = (struct ncp_sandbox_desc){ .lib_path = "/x/libe.so", .data_dir = "/d", .policy = "{}", .policy_len = 2,
                                    .n_binds = 2 };
    ncp_idmap_plain(&d->ids);
    ncp_limits_defaults(&d->limits); /* a zeroed nproc or nofile is not a valid limit */
    d->limits.v[NCP_LIM_NPROC] = 77;
    d->limits.set = 1u << NCP_LIM_NPROC;
    d->binds[0] = (struct ncp_sandbox_bind){ "/srv/data", "/opt/data", false };
    d->binds[1] = (struct ncp_sandbox_bind){ "/home/u/out", "/opt/out", true };
    ncp_sandbox_desc_take_settings(d, env);
}

static void test_roundtrip(void)
{
    const char *names[] = { "a", "bb" };
    char *env[] = { (char *)"A=1", (char *)"PATH=/bin", NULL };
    struct ncp_sandbox_desc d;
    sample_desc(&d);
    char *desc;
    size_t desc_len;
    is_int(ncp_sandbox_desc_encode(&d, &desc, &desc_len), 0, "encode a sandbox description");
    struct ncp_launch_input in = { .kind = NCP_KIND_ARGS, .flags = NCP_LAUNCH_ISOLATED, .sandbox = desc,
                                   .sandbox_len = desc_len, .library = "/x/libe.so", .symbol = "Main",
                                   .name = "b:Native_libe0", .params = "p=1", .n_user_fds = 2, .fd_names = names,
                                   .cwd = "/work", .env = env, .n_env_set = 1 };
    char *buf;
    size_t len;
    is_int(ncp_launch_encode(&in, &buf, &len), 0, "encode");
    struct ncp_launch_spec s;
    is_int(decode(buf, len, 2, &s), 0, "decode what was encoded");
    ok(s.kind == NCP_KIND_ARGS && s.flags == NCP_LAUNCH_ISOLATED, "kind and flags survive");
    ok(!strcmp(s.library, "/x/libe.so") && !strcmp(s.symbol, "Main") && !strcmp(s.params, "p=1") &&
       !strcmp(s.fd_names[1], "bb") && !strcmp(s.cwd, "/work"), "strings survive");
    ok(s.n_env == 2 && !strcmp(s.env[1], "PATH=/bin") && s.env[2] == NULL, "the environment survives");
    is_int((int)s.n_env_set, 1, "and how many of its last variables the start set");
    ok(ncp_sandbox_desc_equal(&s.sandbox, &d), "the spec carries the sandbox's description unchanged");
    ok(!strcmp(s.sandbox.data_dir, "/d") && s.sandbox.policy_len == 2 && s.sandbox.limits.v[NCP_LIM_NPROC] == 77 &&
       s.sandbox.limits.set == 1u << NCP_LIM_NPROC && s.sandbox.n_binds == 2 && s.sandbox.binds[1].writable,
       "its fields survive");
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
    h.n_env_set = 3;
    is_int(ncp_launch_check_header(&h, 2), -EBADMSG, "more variables set by the start than the spec has -> EBADMSG");
    memcpy(&h, buf, sizeof(h));
    h.sandbox_len = 0;
    is_int(ncp_launch_check_header(&h, 2), -EBADMSG, "an isolated spec without its sandbox's description -> EBADMSG");
    memcpy(&h, buf, sizeof(h));
    h.flags = 0;
    is_int(ncp_launch_check_header(&h, 2), -EBADMSG, "a normal spec with a sandbox's description -> EBADMSG");
    memcpy(&h, buf, sizeof(h));
    h.sandbox_len = h.body_len + 1;
    is_int(ncp_launch_check_header(&h, 2), -EBADMSG, "a description longer than the body -> EBADMSG");
    memcpy(&h, buf, sizeof(h));
    h.sandbox_len -= 1;
    memcpy(buf, &h, sizeof(h));
    is_int(decode(buf, len, 2, &s), -EBADMSG, "a description cut short by its length in the spec -> EBADMSG");
    in.n_env_set = 3;
    char *buf2 = NULL;
    size_t len2 = 0;
    is_int(ncp_launch_encode(&in, &buf2, &len2), -EINVAL, "encoding more set variables than there are -> EINVAL");
    in.n_env_set = 1;
    in.flags = 0;
    is_int(ncp_launch_encode(&in, &buf2, &len2), -EINVAL, "encoding a normal child with a sandbox -> EINVAL");
    free(buf2);
    free(buf);
    free(desc);

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

/* Writable marks, and a normal child's spec. */
static void test_marks(void)
{
    const char *names[] = { "a", "dir" };
    struct ncp_launch_input in = { .kind = NCP_KIND_ARGS, .library = "/x/libe.so", .symbol = "Main",
                                   .name = "b:Native_libe0", .params = "", .n_user_fds = 2, .fd_names = names,
                                   .fd_writable = 2, .cwd = "/" };
    char *buf;
    size_t len;
    is_int(ncp_launch_encode(&in, &buf, &len), 0, "encode a normal child's spec with writable marks");
    struct ncp_launch_spec s;
    is_int(decode(buf, len, 2, &s), 0, "decode it");
    ok(s.fd_writable == 2 && !strcmp(s.fd_names[1], "dir") && s.sandbox.data_dir == NULL,
       "marks survive; no sandbox is described");
    free(s.body);
    free(s.env);
    struct ncp_launch_header h;
    memcpy(&h, buf, sizeof(h));
    h.fd_writable = 4;
    is_int(ncp_launch_check_header(&h, 2), -EBADMSG, "a writable mark for a third of two fds -> EBADMSG");
    free(buf);
}

/* Decodes a copy of d's encoding changed by `edit`, and says how that went. */
static int decode_edited(const struct ncp_sandbox_desc *d, void (*edit)(struct ncp_sandbox_desc_header *h))
{
    char *buf;
    size_t len;
    if (ncp_sandbox_desc_encode(d, &buf, &len) < 0)
        return -999;
    struct ncp_sandbox_desc_header h;
    memcpy(&h, buf, sizeof(h));
    edit(&h);
    memcpy(buf, &h, sizeof(h));
    struct ncp_sandbox_desc out;
    int r = ncp_sandbox_desc_decode(buf, len, &out);
    free(buf);
    return r;
}
static void edit_magic(struct ncp_sandbox_desc_header *h) { h->magic ^= 1; }
static void edit_version(struct ncp_sandbox_desc_header *h) { h->version++; }
static void edit_reserved(struct ncp_sandbox_desc_header *h) { h->reserved = 1; }
static void edit_bind_mark(struct ncp_sandbox_desc_header *h) { h->bind_writable = 4; }
static void edit_binds(struct ncp_sandbox_desc_header *h) { h->n_binds = 17; }
static void edit_one_bind_more(struct ncp_sandbox_desc_header *h) { h->n_binds = 3; }
static void edit_limit(struct ncp_sandbox_desc_header *h) { h->limits[NCP_LIM_NOFILE] = 3; }
static void edit_limit_set(struct ncp_sandbox_desc_header *h) { h->limits_set = 1u << NCP_N_LIMITS; }
static void edit_id_flags(struct ncp_sandbox_desc_header *h) { h->id_flags = 4; }
static void edit_settings(struct ncp_sandbox_desc_header *h) { h->n_settings = 3; }
static void edit_body_len(struct ncp_sandbox_desc_header *h) { h->body_len++; }

/* Each field of a description changes it, and its encoding. */
static void test_sandbox_desc(void)
{
    struct ncp_sandbox_desc d, e, out;
    sample_desc(&d);
    is_int((int)d.n_settings, 2, "the settings of an environment: NCP_LOG and NCP_LANDLOCK_ABI, no look-alike");
    ok(!strcmp(d.settings[0], "NCP_LOG=debug") && !strcmp(d.settings[1], "NCP_LANDLOCK_ABI=3") && !d.settings[2],
       "in table order, NULL-terminated");
    char *a, *b;
    size_t la, lb;
    is_int(ncp_sandbox_desc_encode(&d, &a, &la), 0, "encode");
    is_int(ncp_sandbox_desc_decode(a, la, &out), 0, "decode");
    ok(ncp_sandbox_desc_equal(&d, &out), "what is decoded equals what was encoded");
    is_int(ncp_sandbox_desc_encode(&out, &b, &lb), 0, "encode it again");
    ok(la == lb && memcmp(a, b, la) == 0, "the encoding is canonical: the same bytes");
    free(b);

    int differ = 0, equal_bytes = 0;
    for (int k = 0; k < 10; k++) {
        e = d;
        switch (k) {
        case 0: e.binds[0].writable = true; break;
        case 1: e.binds[1].dest = "/opt/other"; break;
        case 2: e.n_binds = 1; break;
        case 3: e.limits.v[NCP_LIM_NPROC] = 78; break;
        case 4: e.limits.set = 0; break;
        case 5: e.ids.own_uid = true; break;
        case 6: e.policy = "[]"; break;
        case 7: e.settings[0] = "NCP_LOG=info"; break;
        case 8: e.lib_path = NULL; break;
        case 9: e.data_dir = "/d2"; break;
        }
        differ += !ncp_sandbox_desc_equal(&d, &e);
        if (ncp_sandbox_desc_encode(&e, &b, &lb) == 0) {
            equal_bytes += la == lb && memcmp(a, b, la) == 0;
            free(b);
        }
    }
    is_int(differ, 10, "a change of any field (marks, binds, limits, ids, policy, settings, library, data dir) is seen");
    is_int(equal_bytes, 0, "and changes the bytes");

    is_int(ncp_sandbox_desc_decode(a, la - 1, &out), -EBADMSG, "short -> EBADMSG");
    is_int(ncp_sandbox_desc_decode(a, 10, &out), -EBADMSG, "shorter than its header -> EBADMSG");
    is_int(decode_edited(&d, edit_magic), -EBADMSG, "bad magic -> EBADMSG");
    is_int(decode_edited(&d, edit_version), -EBADMSG, "another version -> EBADMSG");
    is_int(decode_edited(&d, edit_reserved), -EBADMSG, "a reserved field set -> EBADMSG");
    is_int(decode_edited(&d, edit_bind_mark), -EBADMSG, "a writable mark for a third of two binds -> EBADMSG");
    is_int(decode_edited(&d, edit_binds), -EBADMSG, "17 binds -> EBADMSG");
    is_int(decode_edited(&d, edit_one_bind_more), -EBADMSG, "a bind more than the body holds -> EBADMSG");
    is_int(decode_edited(&d, edit_limit), -EBADMSG, "a limit out of its range -> EBADMSG");
    is_int(decode_edited(&d, edit_limit_set), -EBADMSG, "an unknown limit marked set -> EBADMSG");
    is_int(decode_edited(&d, edit_id_flags), -EBADMSG, "an unknown id flag -> EBADMSG");
    is_int(decode_edited(&d, edit_settings), -EBADMSG, "three settings of two -> EBADMSG");
    is_int(decode_edited(&d, edit_body_len), -EBADMSG, "a body length that is not the message's -> EBADMSG");

    /* Hostile strings: a relative bind, settings out of order, twice, or unknown. */
    e = d;
    e.binds[0].src = "srv";
    is_int(ncp_sandbox_desc_encode(&e, &b, &lb), 0, "encode a relative bind source");
    is_int(ncp_sandbox_desc_decode(b, lb, &out), -EBADMSG, "a relative bind source -> EBADMSG");
    free(b);
    const char *bad_settings[][2] = { { "NCP_LANDLOCK_ABI=3", "NCP_LOG=debug" }, { "NCP_LOG=a", "NCP_LOG=b" },
                                      { "NCP_LOG=a", "LD_PRELOAD=/x.so" } };
    int refused = 0;
    for (size_t k = 0; k < 3; k++) {
        e = d;
        e.settings[0] = bad_settings[k][0];
        e.settings[1] = bad_settings[k][1];
        if (ncp_sandbox_desc_encode(&e, &b, &lb) == 0) {
            refused += ncp_sandbox_desc_decode(b, lb, &out) == -EBADMSG;
            free(b);
        }
    }
    is_int(refused, 3, "settings out of order, twice, or not the sandbox's -> EBADMSG");
    e = d;
    e.n_binds = NCP_MAX_BINDS + 1;
    is_int(ncp_sandbox_desc_encode(&e, &b, &lb), -E2BIG, "encoding 17 binds -> E2BIG");

    /* Corrupt every byte of the strings in turn: never a crash, never an over-read. */
    int crashes = 0;
    for (size_t i = sizeof(struct ncp_sandbox_desc_header); i < la; i++) {
        char *copy = malloc(la);
        memcpy(copy, a, la);
        copy[i] = copy[i] ? 0 : 'x';
        int r = ncp_sandbox_desc_decode(copy, la, &out);
        crashes += r != 0 && r != -EBADMSG;
        free(copy);
    }
    is_int(crashes, 0, "every corrupted description decodes or fails with EBADMSG");
    free(a);
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
    test_marks();
    test_sandbox_desc();
    test_names();
    test_entry_split();
    test_settings();
    test_limit_values();
    test_zygote_messages();
    return tap_done();
}
