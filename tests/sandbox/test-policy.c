/* SPDX-License-Identifier: Apache-2.0 */
/* Policy files: the landlockconfig schema, ABI resolution, every malformed case, lookup. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/landlock_uapi.h"
#include "common/macro.h"
#include "sandbox/parent/policy_files.h"
#include "sandbox/policy.h"
#include "../tap.h"

static const char *policy_dir(void)
{
    const char *d = getenv("NCP_POLICY_DIR");
    return d && *d ? d : TOP_SRCDIR "/policy";
}

static char *read_text(const char *path, size_t *len)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    char *buf = malloc(1 << 20);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static struct ncp_policy *parse(const char *text, int abi, char **err)
{
    struct ncp_policy *p = NULL;
    int r = ncp_policy_parse(text, strlen(text), "test", abi, NULL, 0, &p, err);
    return r == 0 ? p : NULL;
}

static bool has_path(const struct ncp_policy *p, const char *path, uint64_t access)
{
    for (size_t i = 0; i < p->n_paths; i++)
        if (strcmp(p->paths[i].path, path) == 0 && p->paths[i].access == access)
            return true;
    return false;
}

static bool same_policy(const struct ncp_policy *a, const struct ncp_policy *b)
{
    if (a->abi != b->abi || a->handled_fs != b->handled_fs || a->handled_net != b->handled_net ||
        a->scoped != b->scoped || a->n_paths != b->n_paths || a->n_ports != b->n_ports)
        return false;
    for (size_t i = 0; i < a->n_paths; i++)
        if (strcmp(a->paths[i].path, b->paths[i].path) != 0 || a->paths[i].access != b->paths[i].access)
            return false;
    return true;
}

static void test_shipped_files(void)
{
    char path[4096];
    size_t len;
    snprintf(path, sizeof(path), "%s/isolated.json", policy_dir());
    char *text = read_text(path, &len);
    ok(text != NULL, "policy/isolated.json is readable (%s)", path);
    struct ncp_policy *iso = NULL, *builtin = NULL;
    char *err = NULL;
    int r = ncp_policy_parse(text ? text : "", len, path, 7, NULL, 0, &iso, &err);
    is_int(r, 0, "isolated.json parses");
    if (err)
        diag("%s", err);
    free(err);
    ok(iso && iso->handled_fs == NCP_LANDLOCK_FS_V5, "isolated.json handles every filesystem right of ABI 7");
    ok(iso && iso->scoped == (LANDLOCK_SCOPE_SIGNAL | LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET),
       "isolated.json scopes signals and abstract unix sockets");
    ok(iso && has_path(iso, "/usr", LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE |
                                        LANDLOCK_ACCESS_FS_READ_DIR),
       "isolated.json: /usr is read+execute");
    ok(iso && !has_path(iso, "/", iso ? iso->paths[0].access : 0), "isolated.json grants nothing on /");

    r = ncp_policy_parse(ncp_policy_builtin_isolated, strlen(ncp_policy_builtin_isolated), "built-in", 7, NULL, 0,
                         &builtin, NULL);
    is_int(r, 0, "the built-in isolated policy parses");
    ok(iso && builtin && same_policy(iso, builtin), "the built-in policy equals policy/isolated.json");
    ncp_policy_free(iso);
    ncp_policy_free(builtin);
    free(text);

    snprintf(path, sizeof(path), "%s/normal.json", policy_dir());
    text = read_text(path, &len);
    struct ncp_policy *normal = NULL;
    r = ncp_policy_parse(text ? text : "", len, path, 7, NULL, 0, &normal, NULL);
    is_int(r, 0, "normal.json parses");
    ok(normal && has_path(normal, "/", NCP_LANDLOCK_FS_V5), "normal.json allows everything beneath /");
    ncp_policy_free(normal);
    free(text);
}

static void test_abi_resolution(void)
{
    const char *all = "{\"ruleset\":[{\"handledAccessFs\":[\"abi.all\"],\"scoped\":[\"abi.all\"]}],"
                      "\"pathBeneath\":[{\"allowedAccess\":[\"abi.read_execute\"],\"parent\":[\"/usr\"]},"
                      "{\"allowedAccess\":[\"abi.read_write\"],\"parent\":[\"/tmp\"]}]}";
    struct ncp_policy *p = parse(all, 1, NULL);
    ok(p && p->handled_fs == NCP_LANDLOCK_FS_V1, "abi.all without \"abi\" resolves at the target ABI 1");
    ok(p && p->scoped == 0, "no scopes at ABI 1");
    ok(p && has_path(p, "/usr", LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR),
       "abi.read_execute at ABI 1 has no refer");
    ok(p && has_path(p, "/tmp", NCP_LANDLOCK_FS_V1 & ~(uint64_t)LANDLOCK_ACCESS_FS_EXECUTE),
       "abi.read_write at ABI 1 is every right but execute");
    ncp_policy_free(p);

    p = parse(all, 7, NULL);
    ok(p && p->handled_fs == NCP_LANDLOCK_FS_V5 && p->scoped == NCP_LANDLOCK_SCOPE_V6, "abi.all at ABI 7");
    ncp_policy_free(p);

    /* The file's "abi" decides what the groups mean; the target ABI masks. */
    p = parse("{\"abi\":3,\"ruleset\":[{\"handledAccessFs\":[\"abi.all\"]}]}", 7, NULL);
    ok(p && p->handled_fs == NCP_LANDLOCK_FS_V3, "\"abi\": 3 makes abi.all the ABI 3 rights on an ABI 7 kernel");
    ncp_policy_free(p);
    p = parse("{\"abi\":7,\"ruleset\":[{\"handledAccessFs\":[\"abi.all\",\"ioctl_dev\"]}]}", 2, NULL);
    ok(p && p->handled_fs == NCP_LANDLOCK_FS_V2, "rights the target ABI 2 lacks are dropped");
    ncp_policy_free(p);
    p = parse("{\"ruleset\":[{\"handledAccessFs\":[\"v2.all\"]}]}", 7, NULL);
    ok(p && p->handled_fs == NCP_LANDLOCK_FS_V2, "the older v2.all group");
    ncp_policy_free(p);
    p = parse("{\"ruleset\":[{\"handledAccessFs\":[\"v1.read_write\"]}]}", 7, NULL);
    ok(p && p->handled_fs == (NCP_LANDLOCK_FS_V1 & ~(uint64_t)LANDLOCK_ACCESS_FS_EXECUTE), "v1.read_write");
    ncp_policy_free(p);

    p = parse("{\"ruleset\":[{\"handledAccessFs\":[\"execute\",\"write_file\",\"read_file\",\"read_dir\","
              "\"remove_dir\",\"remove_file\",\"make_char\",\"make_dir\",\"make_reg\",\"make_sock\",\"make_fifo\","
              "\"make_block\",\"make_sym\",\"refer\",\"truncate\",\"ioctl_dev\"]}]}",
              7, NULL);
    ok(p && p->handled_fs == NCP_LANDLOCK_FS_V5, "every access name of the schema");
    ncp_policy_free(p);

    p = parse("{\"ruleset\":[{\"handledAccessNet\":[\"bind_tcp\",\"connect_tcp\"]}],"
              "\"netPort\":[{\"allowedAccess\":[\"bind_tcp\"],\"port\":[8080, 0]}]}",
              7, NULL);
    ok(p && p->handled_net == NCP_LANDLOCK_NET_V4 && p->n_ports == 2 && p->ports[0].port == 8080,
       "handledAccessNet and netPort parse (they are not enforced)");
    ncp_policy_free(p);
}

static void test_variables(void)
{
    const struct ncp_policy_var vars[] = { { "data_dir", "/home/u/.local/share/app" }, { "pid", "42" } };
    const char *text = "{\"variable\":[{\"name\":\"sys\",\"literal\":[\"/usr\",\"/opt\"]}],"
                       "\"ruleset\":[{\"handledAccessFs\":[\"read_file\"]}],"
                       "\"pathBeneath\":[{\"allowedAccess\":[\"read_file\"],"
                       "\"parent\":[\"${sys}/lib\",\"${data_dir}\",\"/proc/${pid}\",\"/cost$$5\"]}]}";
    struct ncp_policy *p = NULL;
    int r = ncp_policy_parse(text, strlen(text), "vars", 7, vars, 2, &p, NULL);
    is_int(r, 0, "variables parse");
    ok(p && p->n_paths == 5, "a two-valued variable gives two paths (got %zu)", p ? p->n_paths : 0);
    ok(p && has_path(p, "/usr/lib", LANDLOCK_ACCESS_FS_READ_FILE) && has_path(p, "/opt/lib", LANDLOCK_ACCESS_FS_READ_FILE),
       "${sys}/lib expands to both values");
    ok(p && has_path(p, "/home/u/.local/share/app", LANDLOCK_ACCESS_FS_READ_FILE), "caller variable data_dir");
    ok(p && has_path(p, "/proc/42", LANDLOCK_ACCESS_FS_READ_FILE), "caller variable pid");
    ok(p && has_path(p, "/cost$5", LANDLOCK_ACCESS_FS_READ_FILE), "$$ is a literal $");
    ncp_policy_free(p);
}

struct bad {
    const char *text;
    const char *expect; /* substring of the error message */
};

static void test_malformed(void)
{
    static const struct bad cases[] = {
        { "", "empty file" },
        { "   ", "unexpected end" },
        { "{\"ruleset\": [", "unexpected end" },
        { "{\"ruleset\": [}]}", "line 1 column" },
        { "{\n  \"ruleset\": [\n    {\"handledAccessFs\": [\"read_file\",]}\n  ]\n}", "line 3" },
        { "{\"ruleset\":[{\"handledAccessFs\":[\"read_file\"]}]} trailing", "line 1 column 49" },
        { "{ruleset: []}", "quoted object property name expected" },
        { "[]", "top level must be a JSON object" },
        { "\"text\"", "top level must be a JSON object" },
        { "{}", "empty configuration" },
        { "{\"rulesets\": []}", "unknown field \"rulesets\"" },
        { "{\"abi\": \"7\", \"ruleset\":[{\"scoped\":[\"signal\"]}]}", "abi: must be an integer" },
        { "{\"abi\": 0, \"ruleset\":[{\"scoped\":[\"signal\"]}]}", "between 1 and" },
        { "{\"abi\": 7.5, \"ruleset\":[{\"scoped\":[\"signal\"]}]}", "abi: must be an integer" },
        { "{\"ruleset\": {}}", "ruleset: must be an array" },
        { "{\"ruleset\": []}", "ruleset: must not be empty" },
        { "{\"ruleset\": [42]}", "ruleset[0]: must be an object" },
        { "{\"ruleset\": [{}]}", "ruleset[0]: empty ruleset" },
        { "{\"ruleset\": [{\"handledAccess\": [\"read_file\"]}]}", "ruleset[0]: unknown field \"handledAccess\"" },
        { "{\"ruleset\": [{\"handledAccessFs\": \"read_file\"}]}", "ruleset[0].handledAccessFs: must be an array" },
        { "{\"ruleset\": [{\"handledAccessFs\": []}]}", "ruleset[0].handledAccessFs: must not be empty" },
        { "{\"ruleset\": [{\"handledAccessFs\": [\"raed_file\"]}]}",
          "ruleset[0].handledAccessFs[0]: unknown filesystem access right \"raed_file\"" },
        { "{\"ruleset\": [{\"handledAccessFs\": [\"read_file\", 3]}]}", "handledAccessFs[1]: must be a string" },
        { "{\"ruleset\": [{\"handledAccessFs\": [\"abi.everything\"]}]}", "unknown filesystem access right" },
        { "{\"ruleset\": [{\"handledAccessFs\": [\"v0.all\"]}]}", "unknown filesystem access right" },
        { "{\"ruleset\": [{\"handledAccessNet\": [\"read_file\"]}]}", "unknown network access right" },
        { "{\"ruleset\": [{\"scoped\": [\"ptrace\"]}]}", "unknown scope \"ptrace\"" },
        { "{\"ruleset\": [{\"scoped\": [\"abi.read_write\"]}]}", "unknown scope" },
        { "{\"pathBeneath\": {}}", "pathBeneath: must be an array" },
        { "{\"pathBeneath\": []}", "pathBeneath: must not be empty" },
        { "{\"pathBeneath\": [\"/usr\"]}", "pathBeneath[0]: must be an object" },
        { "{\"pathBeneath\": [{\"parent\": [\"/usr\"]}]}", "pathBeneath[0]: missing \"allowedAccess\"" },
        { "{\"pathBeneath\": [{\"allowedAccess\": [\"read_file\"]}]}", "pathBeneath[0]: missing \"parent\"" },
        { "{\"pathBeneath\": [{\"allowedAccess\": [\"read_file\"], \"parent\": \"/usr\"}]}",
          "pathBeneath[0].parent: must be an array" },
        { "{\"pathBeneath\": [{\"allowedAccess\": [\"read_file\"], \"parent\": []}]}",
          "pathBeneath[0].parent: must not be empty" },
        { "{\"pathBeneath\": [{\"allowedAccess\": [\"read_file\"], \"parent\": [7]}]}",
          "pathBeneath[0].parent[0]: must be a string" },
        { "{\"pathBeneath\": [{\"allowedAccess\": [\"read_file\"], \"parent\": [\"\"]}]}", "empty path" },
        { "{\"pathBeneath\": [{\"allowedAccess\": [\"read_file\"], \"parent\": [\"/x\"], \"mode\": 1}]}",
          "pathBeneath[0]: unknown field \"mode\"" },
        { "{\"pathBeneath\": [{\"allowedAccess\": [\"read_file\"], \"parent\": [\"${nope}/x\"]}]}",
          "variable \"nope\" is not defined" },
        { "{\"pathBeneath\": [{\"allowedAccess\": [\"read_file\"], \"parent\": [\"${open\"]}]}",
          "unclosed variable reference" },
        { "{\"pathBeneath\": [{\"allowedAccess\": [\"read_file\"], \"parent\": [\"${1x}\"]}]}",
          "invalid variable name" },
        { "{\"variable\": [{\"name\": \"a-b\", \"literal\": [\"/x\"]}]}", "invalid variable name \"a-b\"" },
        { "{\"variable\": [{\"literal\": [\"/x\"]}]}", "needs a string \"name\"" },
        { "{\"variable\": [{\"name\": \"a\", \"literal\": []}]}", "\"literal\" must be a non-empty array" },
        { "{\"variable\": [{\"name\": \"a\", \"value\": \"/x\"}]}", "unknown field \"value\"" },
        { "{\"netPort\": [{\"allowedAccess\": [\"bind_tcp\"], \"port\": [70000]}]}", "is not a port" },
        { "{\"netPort\": [{\"allowedAccess\": [\"bind_tcp\"], \"port\": [-1]}]}", "is not a port" },
        { "{\"netPort\": [{\"allowedAccess\": [\"bind_tcp\"], \"port\": [\"80\"]}]}", "must be an integer" },
        { "{\"netPort\": [{\"allowedAccess\": [\"bind_tcp\"]}]}", "netPort[0]: missing \"port\"" },
        { "{\"netPort\": [{\"allowedAccess\": [\"bind_tcp\"], \"port\": []}]}", "non-empty array of port numbers" },
        { "{\"ruleset\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}", "syntax error" },
        { "{\"seccomp\": []}", "seccomp: must be an object" },
        { "{\"seccomp\": {\"deny\": [\"bpf\"]}}", "seccomp: unknown field \"deny\"" },
        { "{\"seccomp\": {\"allow\": []}}", "seccomp.allow: must be a non-empty array" },
        { "{\"seccomp\": {\"allow\": [3]}}", "seccomp.allow[0]: must be a string" },
        { "{\"seccomp\": {\"allow\": [\"bpf\", \"no_such_call\"]}}", "seccomp.allow[1]: unknown system call" },
        { "{\"seccomp\": {\"allow\": [\"ioctl\"]}}", "seccomp.allow[0]: \"ioctl\" is allowed with its arguments" },
        { "{\"seccomp\": {\"allow\": [\"socket\"]}}", "(see \"socketFamilies\")" },
        { "{\"seccomp\": {\"socketFamilies\": [\"AF_NOPE\"]}}", "seccomp.socketFamilies[0]: unknown socket family" },
        { "{\"seccomp\": {\"socketFamilies\": \"AF_VSOCK\"}}", "seccomp.socketFamilies: must be a non-empty array" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char *err = NULL;
        struct ncp_policy *p = (struct ncp_policy *)1;
        int r = ncp_policy_parse(cases[i].text, strlen(cases[i].text), "bad.json", 7, NULL, 0, &p, &err);
        ok(r == -EINVAL && p == NULL && err && strstr(err, cases[i].expect), "malformed %zu rejected: %s", i,
           cases[i].expect);
        if (!(err && strstr(err, cases[i].expect)))
            diag("text %s -> r=%d message \"%s\"", cases[i].text, r, err ? err : "(none)");
        free(err);
    }

    /* A NUL byte inside the text. */
    static const char nul[] = "{\"ruleset\":[{\"scoped\":[\"signal\"]}]}\0{";
    char *err = NULL;
    struct ncp_policy *p = NULL;
    int r = ncp_policy_parse(nul, sizeof(nul) - 1, "nul.json", 7, NULL, 0, &p, &err);
    ok(r == -EINVAL && err && strstr(err, "NUL byte"), "a NUL byte is rejected");
    free(err);

    /* Larger than the launch spec can carry. */
    size_t big = 300 * 1024;
    char *text = malloc(big + 1);
    memset(text, ' ', big);
    memcpy(text, "{\"ruleset\":[{\"scoped\":[\"signal\"]}]}", 35);
    text[big] = '\0';
    err = NULL;
    r = ncp_policy_parse(text, big, "big.json", 7, NULL, 0, &p, &err);
    ok(r == -EINVAL && err && strstr(err, "larger than"), "a policy over 256 KiB is rejected");
    free(err);
    free(text);
}

static void test_read_file(void)
{
    char orig[4096];
    snprintf(orig, sizeof(orig), "%s", policy_dir());
    char dir[] = "/tmp/ncp-policy-test.XXXXXX";
    ok(mkdtemp(dir) != NULL, "temporary policy dir");
    char path[256];
    snprintf(path, sizeof(path), "%s/custom.json", dir);
    FILE *f = fopen(path, "we");
    fputs("{\"ruleset\":[{\"scoped\":[\"signal\"]}]}", f);
    fclose(f);

    setenv("NCP_POLICY_DIR", dir, 1);
    char *text = NULL;
    size_t len = 0;
    int r = ncp_policy_read_file("custom", &text, &len);
    ok(r == 0 && text && len == strlen(text) && strstr(text, "signal"), "NCP_POLICY_DIR is searched first");
    free(text);
    text = NULL;

    r = ncp_policy_read_file("missing", &text, &len);
    is_int(r, -ENOENT, "a missing policy is -ENOENT");
    r = ncp_policy_read_file("../etc/passwd", &text, &len);
    is_int(r, -EINVAL, "a name with a slash is refused");
    r = ncp_policy_read_file("", &text, &len);
    is_int(r, -EINVAL, "an empty name is refused");

    snprintf(path, sizeof(path), "%s/dir.json", dir);
    mkdir(path, 0755);
    r = ncp_policy_read_file("dir", &text, &len);
    is_int(r, -EINVAL, "a directory is not a policy file");
    rmdir(path);

    setenv("NCP_POLICY_DIR", orig, 1);
    r = ncp_policy_read_file("isolated", &text, &len);
    ok(r == 0 && text && strstr(text, "pathBeneath"), "isolated.json is found");
    free(text);

    snprintf(path, sizeof(path), "%s/custom.json", dir);
    unlink(path);
    rmdir(dir);
}

/* The seccomp section: names resolved to this architecture's numbers. */
static void test_seccomp_section(void)
{
    static const char text[] = "{\"ruleset\": [{\"scoped\": [\"signal\"]}],\n"
                               " \"seccomp\": {\"allow\": [\"memfd_create\", \"perf_event_open\"],\n"
                               "             \"socketFamilies\": [\"AF_VSOCK\", \"AF_NETLINK\"]}}";
    struct ncp_policy *p = NULL;
    int r = ncp_policy_parse(text, strlen(text), "seccomp", 7, NULL, 0, &p, NULL);
    ok(r == 0 && p, "a policy with a seccomp section parses");
    ok(p && p->n_seccomp_allow == 2 && p->seccomp_allow[0] == SYS_memfd_create &&
           p->seccomp_allow[1] == SYS_perf_event_open,
       "its syscalls are this architecture's numbers");
    ok(p && p->socket_families == ((1ull << AF_VSOCK) | (1ull << AF_NETLINK)), "its socket families are bits");
    ncp_policy_free(p);
    p = NULL;
    r = ncp_policy_parse(ncp_policy_builtin_isolated, strlen(ncp_policy_builtin_isolated), "built-in", 7, NULL, 0,
                         &p, NULL);
    ok(r == 0 && p && p->n_seccomp_allow == 0 && p->socket_families == 0,
       "the shipped isolated policy allows nothing beyond the filter");
    ncp_policy_free(p);
}

/* The binds section: the entries for the child's app ("bundle"), checked paths. */
static void test_binds_section(void)
{
    static const char text[] =
        "{\"ruleset\": [{\"scoped\": [\"signal\"]}],\n"
        " \"binds\": [{\"source\": \"/usr/share/fonts\", \"destination\": \"/opt/fonts\"},\n"
        "           {\"source\": \"/srv/spool\", \"destination\": \"/opt/spool\", \"writable\": true,\n"
        "            \"bundle\": [\"com.example.other\", \"com.example.app\"]},\n"
        "           {\"source\": \"/srv/secret\", \"destination\": \"/opt/secret\", \"bundle\": [\"com.example.other\"]}]}";
    const struct ncp_policy_var app[] = { { "bundle", "com.example.app" } };
    struct ncp_policy *p = NULL;
    int r = ncp_policy_parse(text, strlen(text), "binds", 7, app, 1, &p, NULL);
    ok(r == 0 && p, "a policy with a binds section parses");
    ok(p && p->n_binds == 2, "the app gets the entries for every app and for it, not another app's (got %zu)",
       p ? p->n_binds : 0);
    ok(p && p->n_binds == 2 && !strcmp(p->binds[0].src, "/usr/share/fonts") && !strcmp(p->binds[0].dest, "/opt/fonts") &&
           !p->binds[0].writable,
       "an entry without \"writable\" is read-only");
    ok(p && p->n_binds == 2 && !strcmp(p->binds[1].dest, "/opt/spool") && p->binds[1].writable,
       "\"writable\": true is kept");
    ncp_policy_free(p);
    p = NULL;
    r = ncp_policy_parse(text, strlen(text), "binds", 7, NULL, 0, &p, NULL);
    ok(r == 0 && p && p->n_binds == 1, "with no bundle known, only the entries for every app");
    ncp_policy_free(p);

    static const struct bad cases[] = {
        { "{\"binds\": []}", "binds: must not be empty" },
        { "{\"binds\": {}}", "binds: must be an array" },
        { "{\"binds\": [1]}", "binds[0]: must be an object" },
        { "{\"binds\": [{\"destination\": \"/opt/x\"}]}", "binds[0]: needs a \"source\"" },
        { "{\"binds\": [{\"source\": \"tmp\", \"destination\": \"/opt/x\"}]}", "binds[0]: needs a \"source\"" },
        { "{\"binds\": [{\"source\": \"/\", \"destination\": \"/opt/x\"}]}", "binds[0]: needs a \"source\"" },
        { "{\"binds\": [{\"source\": \"/a/../b\", \"destination\": \"/opt/x\"}]}", "binds[0]: needs a \"source\"" },
        { "{\"binds\": [{\"source\": \"/srv\"}]}", "binds[0]: needs a \"destination\"" },
        { "{\"binds\": [{\"source\": \"/srv\", \"destination\": \"/etc/x\"}]}", "binds[0]: needs a \"destination\"" },
        { "{\"binds\": [{\"source\": \"/srv\", \"destination\": \"/run/child_process/fds/a\"}]}", "needs a \"destination\"" },
        { "{\"binds\": [{\"source\": \"/srv\", \"destination\": \"/opt/./x\"}]}", "needs a \"destination\"" },
        { "{\"binds\": [{\"source\": \"/srv\", \"destination\": \"/opt/x\", \"writable\": 1}]}", "\"writable\" must be" },
        { "{\"binds\": [{\"source\": \"/srv\", \"destination\": \"/opt/x\", \"bundle\": []}]}", "\"bundle\" must be" },
        { "{\"binds\": [{\"source\": \"/srv\", \"destination\": \"/opt/x\", \"bundle\": [\"\"]}]}", "\"bundle\"[0] must be" },
        { "{\"binds\": [{\"source\": \"/srv\", \"destination\": \"/opt/x\", \"mode\": \"rw\"}]}", "unknown field \"mode\"" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *err = NULL;
        p = NULL;
        r = ncp_policy_parse(cases[i].text, strlen(cases[i].text), "bad.json", 7, app, 1, &p, &err);
        ok(r < 0 && !p && err && strstr(err, cases[i].expect), "binds case %zu refused: %s", i, err ? err : "(none)");
        free(err);
    }
    char many[4096] = "{\"binds\": [";
    for (int i = 0; i < 17; i++)
        snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s{\"source\": \"/srv\", \"destination\": \"/opt/b%d\"}",
                 i ? "," : "", i);
    strcat(many, "]}");
    char *err = NULL;
    p = NULL;
    r = ncp_policy_parse(many, strlen(many), "many.json", 7, app, 1, &p, &err);
    ok(r < 0 && err && strstr(err, "more than 16 binds"), "a 17th bind is refused: %s", err ? err : "(none)");
    free(err);
}

/* The env and cwd sections: what they set, and what they refuse. */
static void test_env_section(void)
{
    static const char text[] = "{\"ruleset\": [{\"scoped\": [\"signal\"]}],\n"
                               " \"env\": {\"LANG\": \"C.UTF-8\", \"DISPLAY\": null, \"EMPTY\": \"\"},\n"
                               " \"cwd\": \"/opt/work\"}";
    struct ncp_policy *p = NULL;
    int r = ncp_policy_parse(text, strlen(text), "env", 7, NULL, 0, &p, NULL);
    ok(r == 0 && p, "a policy with env and cwd sections parses");
    const struct ncp_sandbox_extras *x = p ? &p->extras : NULL;
    ok(x && x->n_env == 3 && !strcmp(x->env[0].name, "LANG") && !strcmp(x->env[0].value, "C.UTF-8"),
       "a variable to set keeps its name and value");
    ok(x && x->n_env == 3 && !strcmp(x->env[1].name, "DISPLAY") && x->env[1].value == NULL,
       "null: a variable to remove");
    ok(x && x->n_env == 3 && !strcmp(x->env[2].value, ""), "an empty value is a value");
    ok(x && x->cwd && !strcmp(x->cwd, "/opt/work"), "the directory is kept");
    ncp_policy_free(p);
    p = NULL;
    r = ncp_policy_parse("{\"cwd\": \"/\"}", 12, "cwd", 7, NULL, 0, &p, NULL);
    ok(r == 0 && p && p->extras.cwd && !strcmp(p->extras.cwd, "/") && p->extras.n_env == 0, "\"cwd\": \"/\" parses");
    ncp_policy_free(p);

    static const struct bad cases[] = {
        { "{\"env\": []}", "env: must be an object" },
        { "{\"env\": {\"NCP_LOG\": \"debug\"}}", "env.NCP_LOG: not a variable name" },
        { "{\"env\": {\"NCP_IN_CHILD\": null}}", "env.NCP_IN_CHILD: not a variable name" },
        { "{\"env\": {\"A=B\": \"x\"}}", "not a variable name" },
        { "{\"env\": {\"1X\": \"x\"}}", "not a variable name" },
        { "{\"env\": {\"\": \"x\"}}", "not a variable name" },
        { "{\"env\": {\"A B\": \"x\"}}", "not a variable name" },
        { "{\"env\": {\"X\": 1}}", "env.X: must be a string, or null" },
        { "{\"env\": {\"X\": [\"a\"]}}", "env.X: must be a string, or null" },
        { "{\"env\": {\"X\": \"a\\u0000b\"}}", "env.X: must be at most 4096 bytes, without NUL" },
        { "{\"cwd\": \"tmp\"}", "cwd: must be an absolute path" },
        { "{\"cwd\": \"/tmp/../etc\"}", "cwd: must be an absolute path" },
        { "{\"cwd\": \"/tmp/.\"}", "cwd: must be an absolute path" },
        { "{\"cwd\": \"\"}", "cwd: must be an absolute path" },
        { "{\"cwd\": null}", "cwd: must be an absolute path" },
        { "{\"cwd\": 7}", "cwd: must be an absolute path" },
        { "{\"cwd\": \"/a\\u0000/b\"}", "cwd: must be an absolute path" },
        { "{\"environment\": {}}", "unknown field \"environment\"" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *err = NULL;
        p = NULL;
        r = ncp_policy_parse(cases[i].text, strlen(cases[i].text), "bad.json", 7, NULL, 0, &p, &err);
        ok(r < 0 && !p && err && strstr(err, cases[i].expect), "env/cwd case %zu refused: %s", i, err ? err : "(none)");
        free(err);
    }
    /* A value of 4097 bytes, and 65 variables. */
    char *big = malloc(8192);
    snprintf(big, 8192, "{\"env\": {\"X\": \"%0*d\"}}", 4097, 0);
    char *err = NULL;
    p = NULL;
    r = ncp_policy_parse(big, strlen(big), "big.json", 7, NULL, 0, &p, &err);
    ok(r < 0 && err && strstr(err, "env.X: must be at most 4096 bytes"), "a value of 4097 bytes is refused: %s",
       err ? err : "(none)");
    free(err);
    strcpy(big, "{\"env\": {");
    for (int i = 0; i < 65; i++)
        snprintf(big + strlen(big), 8192 - strlen(big), "%s\"V%d\": \"x\"", i ? "," : "", i);
    strcat(big, "}}");
    err = NULL;
    p = NULL;
    r = ncp_policy_parse(big, strlen(big), "many.json", 7, NULL, 0, &p, &err);
    ok(r < 0 && err && strstr(err, "env: more than 64 variables"), "a 65th variable is refused: %s", err ? err : "(none)");
    free(err);
    free(big);
}

int main(void)
{
    test_shipped_files();
    test_seccomp_section();
    test_binds_section();
    test_env_section();
    test_abi_resolution();
    test_variables();
    test_malformed();
    test_read_file();
    return tap_done();
}
