/* SPDX-License-Identifier: Apache-2.0 */
/* Policy files in the landlockconfig JSON schema, parsed with json-c. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "landlock_uapi.h"
#include "common/launch_spec.h"
#include "common/log.h"
#include "common/macro.h"
#include "policy.h"
#include "sandbox.h"

#define POLICY_MAX_DEPTH 16
#define POLICY_MAX_PATHS 4096
#define POLICY_MAX_ENV 64 /* "env" entries */

/* Keep equal to policy/isolated.json (tests/sandbox/test-policy checks it). */
const char ncp_policy_builtin_isolated[] =
    "{\n"
    "  \"abi\": 7,\n"
    "  \"ruleset\": [\n"
    "    { \"handledAccessFs\": [\"abi.all\"], \"scoped\": [\"abstract_unix_socket\", \"signal\"] }\n"
    "  ],\n"
    "  \"pathBeneath\": [\n"
    "    { \"allowedAccess\": [\"execute\", \"read_file\", \"read_dir\"],\n"
    "      \"parent\": [\"/usr\", \"/bin\", \"/sbin\", \"/lib\", \"/lib32\", \"/lib64\", \"/libx32\"] },\n"
    "    { \"allowedAccess\": [\"read_file\", \"read_dir\"],\n"
    "      \"parent\": [\"/etc\", \"/sys/devices/system/cpu\", \"/sys/devices/system/node\", \"/proc/sys\",\n"
    "                 \"/proc/meminfo\", \"/proc/cpuinfo\", \"/proc/stat\", \"/proc/uptime\", \"/proc/loadavg\",\n"
    "                 \"/proc/version\", \"/proc/filesystems\"] }\n"
    "  ]\n"
    "}\n";

struct right_name {
    const char *name;
    uint64_t bit;
};

static const struct right_name fs_rights[] = {
    { "execute", LANDLOCK_ACCESS_FS_EXECUTE },       { "write_file", LANDLOCK_ACCESS_FS_WRITE_FILE },
    { "read_file", LANDLOCK_ACCESS_FS_READ_FILE },   { "read_dir", LANDLOCK_ACCESS_FS_READ_DIR },
    { "remove_dir", LANDLOCK_ACCESS_FS_REMOVE_DIR }, { "remove_file", LANDLOCK_ACCESS_FS_REMOVE_FILE },
    { "make_char", LANDLOCK_ACCESS_FS_MAKE_CHAR },   { "make_dir", LANDLOCK_ACCESS_FS_MAKE_DIR },
    { "make_reg", LANDLOCK_ACCESS_FS_MAKE_REG },     { "make_sock", LANDLOCK_ACCESS_FS_MAKE_SOCK },
    { "make_fifo", LANDLOCK_ACCESS_FS_MAKE_FIFO },   { "make_block", LANDLOCK_ACCESS_FS_MAKE_BLOCK },
    { "make_sym", LANDLOCK_ACCESS_FS_MAKE_SYM },     { "refer", LANDLOCK_ACCESS_FS_REFER },
    { "truncate", LANDLOCK_ACCESS_FS_TRUNCATE },     { "ioctl_dev", LANDLOCK_ACCESS_FS_IOCTL_DEV },
};

static const struct right_name net_rights[] = {
    { "bind_tcp", LANDLOCK_ACCESS_NET_BIND_TCP },
    { "connect_tcp", LANDLOCK_ACCESS_NET_CONNECT_TCP },
};

static const struct right_name scope_names[] = {
    { "abstract_unix_socket", LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET },
    { "signal", LANDLOCK_SCOPE_SIGNAL },
};

enum kind { KIND_FS, KIND_NET, KIND_SCOPE };

struct var {
    char *name;
    char **values;
    size_t n_values;
};

struct parser {
    const char *origin;
    int target_abi;
    int file_abi;
    struct var *vars;
    size_t n_vars;
    char *error;  /* first error, "WHERE: WHAT" */
    struct ncp_policy *p;
};

static int fail(struct parser *ps, const char *where, const char *fmt, ...) _printf_(3, 4);
static int fail(struct parser *ps, const char *where, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    free(ps->error);
    if (asprintf(&ps->error, "%s%s%s", where ? where : "", where ? ": " : "", what) < 0)
        ps->error = NULL;
    return -EINVAL;
}

static uint64_t fs_read_execute(int abi)
{
    uint64_t r = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
    return (r | LANDLOCK_ACCESS_FS_REFER) & ncp_landlock_fs_rights(abi);
}

static uint64_t fs_read_write(int abi) { return ncp_landlock_fs_rights(abi) & ~(uint64_t)LANDLOCK_ACCESS_FS_EXECUTE; }

/* "abi.all" or "v3.read_write": the group's rights, or -EINVAL if `s` is no group. */
static int resolve_group(struct parser *ps, enum kind kind, const char *s, uint64_t *out)
{
    int abi;
    const char *rest;
    if (strncmp(s, "abi.", 4) == 0) {
        abi = ps->file_abi > 0 ? ps->file_abi : ps->target_abi;
        rest = s + 4;
    } else if (s[0] == 'v' && isdigit((unsigned char)s[1])) {
        char *end;
        long v = strtol(s + 1, &end, 10);
        if (*end != '.' || v < 1 || v > 1000)
            return -EINVAL;
        abi = (int)v;
        rest = end + 1;
    } else
        return -EINVAL;

    if (strcmp(rest, "all") == 0) {
        *out = kind == KIND_FS ? ncp_landlock_fs_rights(abi)
             : kind == KIND_NET ? ncp_landlock_net_rights(abi)
                                : ncp_landlock_scopes(abi);
        return 0;
    }
    if (kind == KIND_FS && strcmp(rest, "read_execute") == 0) {
        *out = fs_read_execute(abi);
        return 0;
    }
    if (kind == KIND_FS && strcmp(rest, "read_write") == 0) {
        *out = fs_read_write(abi);
        return 0;
    }
    return -EINVAL;
}

static const char *kind_noun(enum kind kind)
{
    return kind == KIND_FS ? "filesystem access right" : kind == KIND_NET ? "network access right" : "scope";
}

/* A non-empty array of right names -> bits (masked to the target ABI). */
static int parse_rights(struct parser *ps, json_object *arr, enum kind kind, const char *where, uint64_t *out)
{
    const struct right_name *names = kind == KIND_FS ? fs_rights : kind == KIND_NET ? net_rights : scope_names;
    size_t n_names = kind == KIND_FS ? ARRAY_SIZE(fs_rights)
                   : kind == KIND_NET ? ARRAY_SIZE(net_rights)
                                      : ARRAY_SIZE(scope_names);
    uint64_t mask = kind == KIND_FS ? ncp_landlock_fs_rights(ps->target_abi)
                  : kind == KIND_NET ? ncp_landlock_net_rights(ps->target_abi)
                                     : ncp_landlock_scopes(ps->target_abi);

    if (!json_object_is_type(arr, json_type_array))
        return fail(ps, where, "must be an array of %s names", kind_noun(kind));
    size_t n = json_object_array_length(arr);
    if (n == 0)
        return fail(ps, where, "must not be empty");

    uint64_t bits = 0;
    for (size_t i = 0; i < n; i++) {
        json_object *item = json_object_array_get_idx(arr, i);
        char w[256];
        snprintf(w, sizeof(w), "%s[%zu]", where, i);
        if (!json_object_is_type(item, json_type_string))
            return fail(ps, w, "must be a string (a %s name)", kind_noun(kind));
        const char *s = json_object_get_string(item);
        uint64_t b = 0;
        bool found = false;
        for (size_t k = 0; k < n_names; k++)
            if (strcmp(s, names[k].name) == 0) {
                b = names[k].bit;
                found = true;
                break;
            }
        if (!found && resolve_group(ps, kind, s, &b) < 0)
            return fail(ps, w, "unknown %s \"%s\"", kind_noun(kind), s);
        bits |= b;
    }
    *out = bits & mask;
    return 0;
}

static bool valid_var_name(const char *s, size_t len)
{
    if (len == 0 || !isalpha((unsigned char)s[0]))
        return false;
    for (size_t i = 1; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_')
            return false;
    return true;
}

static struct var *find_var(struct parser *ps, const char *name, size_t len)
{
    for (size_t i = 0; i < ps->n_vars; i++)
        if (strlen(ps->vars[i].name) == len && strncmp(ps->vars[i].name, name, len) == 0)
            return &ps->vars[i];
    return NULL;
}

static int add_var_value(struct parser *ps, const char *name, const char *value)
{
    struct var *v = find_var(ps, name, strlen(name));
    if (!v) {
        struct var *nv = realloc(ps->vars, (ps->n_vars + 1) * sizeof(*nv));
        if (!nv)
            return -ENOMEM;
        ps->vars = nv;
        v = &ps->vars[ps->n_vars];
        *v = (struct var){ .name = strdup(name) };
        if (!v->name)
            return -ENOMEM;
        ps->n_vars++;
    }
    for (size_t i = 0; i < v->n_values; i++)
        if (strcmp(v->values[i], value) == 0)
            return 0;
    char **nvals = realloc(v->values, (v->n_values + 1) * sizeof(char *));
    if (!nvals)
        return -ENOMEM;
    v->values = nvals;
    if (!(v->values[v->n_values] = strdup(value)))
        return -ENOMEM;
    v->n_values++;
    return 0;
}

static void free_vars(struct parser *ps)
{
    for (size_t i = 0; i < ps->n_vars; i++) {
        for (size_t k = 0; k < ps->vars[i].n_values; k++)
            free(ps->vars[i].values[k]);
        free(ps->vars[i].values);
        free(ps->vars[i].name);
    }
    free(ps->vars);
}

static int add_path(struct parser *ps, uint64_t access, const char *path, const char *where)
{
    struct ncp_policy *p = ps->p;
    if (strlen(path) >= PATH_MAX)
        return fail(ps, where, "longer than %d bytes after expanding variables", PATH_MAX);
    if (p->n_paths >= POLICY_MAX_PATHS)
        return fail(ps, where, "more than %d paths after expanding variables", POLICY_MAX_PATHS);
    struct ncp_policy_path *np = realloc(p->paths, (p->n_paths + 1) * sizeof(*np));
    if (!np)
        return -ENOMEM;
    p->paths = np;
    if (!(np[p->n_paths].path = strdup(path)))
        return -ENOMEM;
    np[p->n_paths].access = access;
    p->n_paths++;
    return 0;
}

/* Expands "${name}" references of `tmpl` (from `pos`) after `prefix`, adding each result. */
static int expand(struct parser *ps, uint64_t access, const char *tmpl, const char *prefix, const char *where)
{
    size_t plen = strlen(prefix), tlen = strlen(tmpl);
    /* A path Landlock can open is shorter than PATH_MAX: stop there, before
     * a few long values repeated in one template fill memory. */
    if (plen >= PATH_MAX)
        return fail(ps, where, "longer than %d bytes after expanding variables", PATH_MAX);
    _cleanup_free_ char *buf = malloc(plen + tlen + 1);
    if (!buf)
        return -ENOMEM;
    memcpy(buf, prefix, plen);
    size_t o = plen;
    for (const char *c = tmpl; *c; c++) {
        if (c[0] == '$' && c[1] == '$') {
            buf[o++] = '$';
            c++;
            continue;
        }
        if (c[0] == '$' && c[1] == '{') {
            const char *name = c + 2, *end = strchr(name, '}');
            if (!end)
                return fail(ps, where, "unclosed variable reference in \"%s\"", tmpl);
            if (!valid_var_name(name, (size_t)(end - name)))
                return fail(ps, where, "invalid variable name \"%.*s\" (letters, digits and '_', starting with a letter)",
                            (int)(end - name), name);
            struct var *v = find_var(ps, name, (size_t)(end - name));
            if (!v)
                return fail(ps, where, "variable \"%.*s\" is not defined", (int)(end - name), name);
            buf[o] = '\0';
            for (size_t i = 0; i < v->n_values; i++) {
                _cleanup_free_ char *np = NULL;
                if (asprintf(&np, "%s%s", buf, v->values[i]) < 0)
                    return -ENOMEM;
                int r = expand(ps, access, end + 1, np, where);
                if (r < 0)
                    return r;
            }
            return 0;
        }
        buf[o++] = *c;
    }
    buf[o] = '\0';
    if (buf[0] == '\0')
        return fail(ps, where, "empty path");
    return add_path(ps, access, buf, where);
}

static int check_keys(struct parser *ps, json_object *obj, const char *where, const char *const *allowed)
{
    json_object_object_foreach(obj, key, val) {
        (void)val;
        bool ok = false;
        for (size_t i = 0; allowed[i]; i++)
            if (strcmp(key, allowed[i]) == 0)
                ok = true;
        if (!ok)
            return fail(ps, where, "unknown field \"%s\"", key);
    }
    return 0;
}

/* A section that is a non-empty array: its length in *n, else a failure
 * naming what it must be ("an array of objects"). */
static int section_array(struct parser *ps, json_object *arr, const char *name, const char *what, size_t *n)
{
    if (!json_object_is_type(arr, json_type_array))
        return fail(ps, name, "must be %s", what);
    *n = json_object_array_length(arr);
    if (*n == 0)
        return fail(ps, name, "must not be empty");
    return 0;
}

/* Element i of such an array: an object with no keys but `keys`; its name
 * ("ruleset[2]") in w, for the failures about its fields. */
static int section_object(struct parser *ps, json_object *arr, size_t i, const char *name, const char *const *keys,
                          char w[static 64], json_object **out)
{
    snprintf(w, 64, "%s[%zu]", name, i);
    json_object *o = json_object_array_get_idx(arr, i);
    if (!json_object_is_type(o, json_type_object))
        return fail(ps, w, "must be an object");
    int r = check_keys(ps, o, w, keys);
    if (r < 0)
        return r;
    *out = o;
    return 0;
}

static int parse_variables(struct parser *ps, json_object *arr)
{
    size_t n;
    int r = section_array(ps, arr, "variable", "an array of {\"name\", \"literal\"} objects", &n);
    if (r < 0)
        return r;
    for (size_t i = 0; i < n; i++) {
        json_object *v, *name, *lit;
        char w[64];
        if ((r = section_object(ps, arr, i, "variable", (const char *const[]){ "name", "literal", NULL }, w, &v)) < 0)
            return r;
        if (!json_object_object_get_ex(v, "name", &name) || !json_object_is_type(name, json_type_string))
            return fail(ps, w, "needs a string \"name\"");
        const char *nm = json_object_get_string(name);
        if (!valid_var_name(nm, strlen(nm)))
            return fail(ps, w, "invalid variable name \"%s\" (letters, digits and '_', starting with a letter)", nm);
        if (!json_object_object_get_ex(v, "literal", &lit))
            continue;
        if (!json_object_is_type(lit, json_type_array) || json_object_array_length(lit) == 0)
            return fail(ps, w, "\"literal\" must be a non-empty array of strings");
        for (size_t k = 0; k < json_object_array_length(lit); k++) {
            json_object *s = json_object_array_get_idx(lit, k);
            if (!json_object_is_type(s, json_type_string))
                return fail(ps, w, "\"literal\"[%zu] must be a string", k);
            if ((r = add_var_value(ps, nm, json_object_get_string(s))) < 0)
                return r;
        }
    }
    return 0;
}

static int parse_ruleset(struct parser *ps, json_object *arr)
{
    size_t n;
    int r = section_array(ps, arr, "ruleset", "an array of objects", &n);
    if (r < 0)
        return r;
    for (size_t i = 0; i < n; i++) {
        json_object *rs, *v;
        char w[64], w2[96];
        if ((r = section_object(ps, arr, i, "ruleset",
                                (const char *const[]){ "handledAccessFs", "handledAccessNet", "scoped", NULL }, w, &rs)) < 0)
            return r;
        if (json_object_object_length(rs) == 0)
            return fail(ps, w, "empty ruleset (needs handledAccessFs, handledAccessNet or scoped)");
        uint64_t bits;
        if (json_object_object_get_ex(rs, "handledAccessFs", &v)) {
            snprintf(w2, sizeof(w2), "%s.handledAccessFs", w);
            if ((r = parse_rights(ps, v, KIND_FS, w2, &bits)) < 0)
                return r;
            ps->p->handled_fs |= bits;
        }
        if (json_object_object_get_ex(rs, "handledAccessNet", &v)) {
            snprintf(w2, sizeof(w2), "%s.handledAccessNet", w);
            if ((r = parse_rights(ps, v, KIND_NET, w2, &bits)) < 0)
                return r;
            ps->p->handled_net |= bits;
        }
        if (json_object_object_get_ex(rs, "scoped", &v)) {
            snprintf(w2, sizeof(w2), "%s.scoped", w);
            if ((r = parse_rights(ps, v, KIND_SCOPE, w2, &bits)) < 0)
                return r;
            ps->p->scoped |= bits;
        }
    }
    return 0;
}

/* One element of a rule's target array (a path of "parent", a port of
 * "port"), granted `bits`; `where` names the array, k the element. */
typedef int (*rule_target_fn)(struct parser *ps, uint64_t bits, json_object *v, const char *where, size_t k);

struct rule_kind {
    const char *name;     /* "pathBeneath" */
    const char *target;   /* the key of the array each rule grants on: "parent" */
    enum kind rights;     /* what "allowedAccess" names */
    const char *not_array, *empty; /* what is wrong with a target that is not an array, or is empty */
    rule_target_fn each;
};

/* An array of rules {"allowedAccess": [...], TARGET: [...]}, as Landlock's
 * path-beneath and net-port rules. */
static int parse_rules(struct parser *ps, json_object *arr, const struct rule_kind *rk)
{
    size_t n;
    int r = section_array(ps, arr, rk->name, "an array of objects", &n);
    if (r < 0)
        return r;
    for (size_t i = 0; i < n; i++) {
        json_object *rule, *acc, *target;
        char w[64], w2[96];
        if ((r = section_object(ps, arr, i, rk->name, (const char *const[]){ "allowedAccess", rk->target, NULL }, w,
                                &rule)) < 0)
            return r;
        if (!json_object_object_get_ex(rule, "allowedAccess", &acc))
            return fail(ps, w, "missing \"allowedAccess\"");
        if (!json_object_object_get_ex(rule, rk->target, &target))
            return fail(ps, w, "missing \"%s\"", rk->target);
        uint64_t bits;
        snprintf(w2, sizeof(w2), "%s.allowedAccess", w);
        if ((r = parse_rights(ps, acc, rk->rights, w2, &bits)) < 0)
            return r;
        snprintf(w2, sizeof(w2), "%s.%s", w, rk->target);
        if (!json_object_is_type(target, json_type_array))
            return fail(ps, w2, "%s", rk->not_array);
        if (json_object_array_length(target) == 0)
            return fail(ps, w2, "%s", rk->empty);
        for (size_t k = 0; k < json_object_array_length(target); k++)
            if ((r = rk->each(ps, bits, json_object_array_get_idx(target, k), w2, k)) < 0)
                return r;
    }
    return 0;
}

static int path_beneath_parent(struct parser *ps, uint64_t bits, json_object *v, const char *where, size_t k)
{
    char w[128];
    snprintf(w, sizeof(w), "%s[%zu]", where, k);
    if (!json_object_is_type(v, json_type_string))
        return fail(ps, w, "must be a string (a path)");
    return expand(ps, bits, json_object_get_string(v), "", w);
}

static int net_port_port(struct parser *ps, uint64_t bits, json_object *v, const char *where, size_t k)
{
    if (!json_object_is_type(v, json_type_int))
        return fail(ps, where, "[%zu] must be an integer", k);
    int64_t port = json_object_get_int64(v);
    if (port < 0 || port > 65535)
        return fail(ps, where, "[%zu] %lld is not a port (0-65535)", k, (long long)port);
    struct ncp_policy_port *nports = realloc(ps->p->ports, (ps->p->n_ports + 1) * sizeof(*nports));
    if (!nports)
        return -ENOMEM;
    ps->p->ports = nports;
    nports[ps->p->n_ports++] = (struct ncp_policy_port){ .access = bits, .port = (uint64_t)port };
    return 0;
}

static int parse_path_beneath(struct parser *ps, json_object *arr)
{
    static const struct rule_kind rk = { "pathBeneath", "parent", KIND_FS, "must be an array of paths",
                                         "must not be empty", path_beneath_parent };
    return parse_rules(ps, arr, &rk);
}

static int parse_net_port(struct parser *ps, json_object *arr)
{
    static const struct rule_kind rk = { "netPort", "port", KIND_NET, "must be a non-empty array of port numbers",
                                         "must be a non-empty array of port numbers", net_port_port };
    return parse_rules(ps, arr, &rk);
}

/* "seccomp": { "allow": [syscall names], "socketFamilies": ["AF_VSOCK", ...] } */
static int parse_seccomp(struct parser *ps, json_object *obj)
{
    if (!json_object_is_type(obj, json_type_object))
        return fail(ps, "seccomp", "must be an object with \"allow\" and/or \"socketFamilies\"");
    int r = check_keys(ps, obj, "seccomp", (const char *const[]){ "allow", "socketFamilies", NULL });
    if (r < 0)
        return r;
    json_object *arr;
    if (json_object_object_get_ex(obj, "allow", &arr)) {
        if (!json_object_is_type(arr, json_type_array) || json_object_array_length(arr) == 0)
            return fail(ps, "seccomp.allow", "must be a non-empty array of system call names");
        size_t n = json_object_array_length(arr);
        if (n > 1024)
            return fail(ps, "seccomp.allow", "more than 1024 names");
        for (size_t i = 0; i < n; i++) {
            json_object *item = json_object_array_get_idx(arr, i);
            char w[64];
            snprintf(w, sizeof(w), "seccomp.allow[%zu]", i);
            if (!json_object_is_type(item, json_type_string))
                return fail(ps, w, "must be a string (a system call name)");
            const char *name = json_object_get_string(item);
            if (ncp_seccomp_arg_checked(name))
                return fail(ps, w, "\"%s\" is allowed with its arguments checked and cannot be allowed whole%s", name,
                            strncmp(name, "socket", 6) == 0 ? " (see \"socketFamilies\")" : "");
            int nr = seccomp_syscall_resolve_name(name);
            if (nr == __NR_SCMP_ERROR)
                return fail(ps, w, "unknown system call \"%s\"", name);
            if (nr < 0)
                continue;  /* not a system call of this architecture */
            int *na = realloc(ps->p->seccomp_allow, (ps->p->n_seccomp_allow + 1) * sizeof(*na));
            if (!na)
                return -ENOMEM;
            ps->p->seccomp_allow = na;
            na[ps->p->n_seccomp_allow++] = nr;
        }
    }
    if (json_object_object_get_ex(obj, "socketFamilies", &arr)) {
        if (!json_object_is_type(arr, json_type_array) || json_object_array_length(arr) == 0)
            return fail(ps, "seccomp.socketFamilies", "must be a non-empty array of names (\"AF_VSOCK\")");
        for (size_t i = 0; i < json_object_array_length(arr); i++) {
            json_object *item = json_object_array_get_idx(arr, i);
            char w[64];
            snprintf(w, sizeof(w), "seccomp.socketFamilies[%zu]", i);
            if (!json_object_is_type(item, json_type_string))
                return fail(ps, w, "must be a string (a socket family, \"AF_VSOCK\")");
            int f = ncp_seccomp_family_by_name(json_object_get_string(item));
            if (f < 0)
                return fail(ps, w, "unknown socket family \"%s\"", json_object_get_string(item));
            ps->p->socket_families |= 1ull << f;
        }
    }
    return 0;
}

/* "limits": { "nproc": 256, "tmpfs_size": "64M", "cpu": "none" }: the names
 * and values of child_process.conf's limit_* keys (src/common/resource_limits.c). */
static int parse_limits(struct parser *ps, json_object *obj)
{
    if (!json_object_is_type(obj, json_type_object))
        return fail(ps, "limits", "must be an object of limit names and values (\"nproc\": 256)");
    json_object_object_foreach(obj, key, val)
    {
        char w[64];
        snprintf(w, sizeof(w), "limits.%.40s", key);
        int id = ncp_limit_by_name(key);
        if (id < 0)
            return fail(ps, w, "unknown limit \"%s\"", key);
        char buf[32];
        const char *text;
        if (json_object_is_type(val, json_type_int) && json_object_get_int64(val) >= -1) {
            snprintf(buf, sizeof(buf), "%lld", (long long)json_object_get_int64(val));
            text = buf;
        } else if (json_object_is_type(val, json_type_string))
            text = json_object_get_string(val);
        else
            return fail(ps, w, "must be a number, a size string (\"64M\") or \"none\"");
        uint64_t v;
        if (ncp_limit_parse((unsigned)id, text, &v) < 0) {
            char range[96];
            ncp_limit_range((unsigned)id, range, sizeof(range));
            return fail(ps, w, "\"%s\" is not a valid value (%s)", text, range);
        }
        ps->p->limits[id] = v;
        ps->p->has_limit[id] = true;
    }
    return 0;
}

/* Whether a "binds" entry's "bundle" list (absent: every app) names the
 * child's app, the predefined variable "bundle" (none defined: no app). */
static int bind_is_for_app(struct parser *ps, json_object *b, const char *where, bool *mine)
{
    json_object *list;
    *mine = true;
    if (!json_object_object_get_ex(b, "bundle", &list))
        return 0;
    if (!json_object_is_type(list, json_type_array) || json_object_array_length(list) == 0)
        return fail(ps, where, "\"bundle\" must be a non-empty array of bundle names");
    struct var *v = find_var(ps, "bundle", strlen("bundle"));
    *mine = false;
    for (size_t k = 0; k < json_object_array_length(list); k++) {
        json_object *s = json_object_array_get_idx(list, k);
        if (!json_object_is_type(s, json_type_string) || json_object_get_string_len(s) == 0)
            return fail(ps, where, "\"bundle\"[%zu] must be a bundle name", k);
        if (v && v->n_values && strcmp(v->values[0], json_object_get_string(s)) == 0)
            *mine = true;
    }
    return 0;
}

/* "binds": [{ "source": PATH, "destination": PATH, "writable": BOOL, "bundle": [NAME, ...] }]:
 * host paths the administrator binds into the roots of isolated children,
 * as NCP_ChildProcessConfigs_AddBind() does for one app.  Paths are literal. */
static int parse_binds(struct parser *ps, json_object *arr)
{
    size_t n;
    int r = section_array(ps, arr, "binds", "an array of {\"source\", \"destination\"} objects", &n);
    if (r < 0)
        return r;
    if (n > NCP_MAX_BINDS)
        return fail(ps, "binds", "more than %d binds", NCP_MAX_BINDS);
    for (size_t i = 0; i < n; i++) {
        json_object *b, *src, *dest, *wr;
        char w[64];
        if ((r = section_object(ps, arr, i, "binds",
                                (const char *const[]){ "source", "destination", "writable", "bundle", NULL }, w, &b)) < 0)
            return r;
        if (!json_object_object_get_ex(b, "source", &src) || !json_object_is_type(src, json_type_string) ||
            !ncp_path_is_clean(json_object_get_string(src)) || json_object_get_string_len(src) >= 4096)
            return fail(ps, w, "needs a \"source\": an absolute path other than / without . or .. components");
        if (!json_object_object_get_ex(b, "destination", &dest) || !json_object_is_type(dest, json_type_string) ||
            !ncp_bind_dest_ok(json_object_get_string(dest)))
            return fail(ps, w, "needs a \"destination\": an absolute path without . or .., outside /usr, /bin, /sbin, "
                        "/lib*, /etc, /proc, /dev, /sys, /run and /run/child_process");
        bool writable = false, mine;
        if (json_object_object_get_ex(b, "writable", &wr)) {
            if (!json_object_is_type(wr, json_type_boolean))
                return fail(ps, w, "\"writable\" must be true or false");
            writable = json_object_get_boolean(wr);
        }
        if ((r = bind_is_for_app(ps, b, w, &mine)) < 0)
            return r;
        if (!mine)
            continue;
        struct ncp_policy_bind *nb = realloc(ps->p->binds, (ps->p->n_binds + 1) * sizeof(*nb));
        if (!nb)
            return -ENOMEM;
        ps->p->binds = nb;
        nb[ps->p->n_binds] = (struct ncp_policy_bind){ strdup(json_object_get_string(src)),
                                                       strdup(json_object_get_string(dest)), writable };
        if (!nb[ps->p->n_binds].src || !nb[ps->p->n_binds].dest) {
            free(nb[ps->p->n_binds].src);
            free(nb[ps->p->n_binds].dest);
            return -ENOMEM;
        }
        ps->p->n_binds++;
    }
    return 0;
}

/* "env": { "NAME": "VALUE", "OTHER": null }: variables set in (null: removed
 * from) the environment of the app's isolated children, where the start did
 * not set them itself.  Names as NCP_ChildProcessConfigs_SetEnv() takes
 * them; values literal. */
static int parse_env(struct parser *ps, json_object *obj)
{
    if (!json_object_is_type(obj, json_type_object))
        return fail(ps, "env", "must be an object of variable names and values (\"LANG\": \"C.UTF-8\", or null to remove one)");
    if (json_object_object_length(obj) > POLICY_MAX_ENV)
        return fail(ps, "env", "more than %d variables", POLICY_MAX_ENV);
    struct ncp_sandbox_extras *x = &ps->p->extras;
    json_object_object_foreach(obj, key, val)
    {
        char w[64];
        snprintf(w, sizeof(w), "env.%.40s", key);
        if (!ncp_env_name_valid(key))
            return fail(ps, w, "not a variable name the child may be given: 1 to %d characters of [A-Za-z0-9_], "
                        "not starting with a digit, not NCP_* (the library's own)", NCP_MAX_ENV_NAME);
        if (val && !json_object_is_type(val, json_type_string))
            return fail(ps, w, "must be a string, or null to remove the variable");
        if (val && ((size_t)json_object_get_string_len(val) != strlen(json_object_get_string(val)) ||
                    json_object_get_string_len(val) > NCP_MAX_ENV_VALUE))
            return fail(ps, w, "must be at most %d bytes, without NUL", NCP_MAX_ENV_VALUE);
        struct ncp_sandbox_env *ne = realloc(x->env, (x->n_env + 1) * sizeof(*ne));
        if (!ne)
            return -ENOMEM;
        x->env = ne;
        ne[x->n_env] = (struct ncp_sandbox_env){ strdup(key), val ? strdup(json_object_get_string(val)) : NULL };
        if (!ne[x->n_env].name || (val && !ne[x->n_env].value)) {
            free(ne[x->n_env].name);
            free(ne[x->n_env].value);
            return -ENOMEM;
        }
        x->n_env++;
    }
    return 0;
}

/* "cwd": the working directory of the app's isolated children, a literal
 * path in their root, unless the start sets one (SetWorkingDir). */
static int parse_cwd(struct parser *ps, json_object *v)
{
    const char *path = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
    if (!ncp_workdir_is_clean(path) || (size_t)json_object_get_string_len(v) != strlen(path))
        return fail(ps, "cwd", "must be an absolute path without . or .. components (a directory in the child's root)");
    if (!(ps->p->extras.cwd = strdup(path)))
        return -ENOMEM;
    return 0;
}

static int parse_root(struct parser *ps, json_object *root)
{
    if (!json_object_is_type(root, json_type_object))
        return fail(ps, NULL, "the top level must be a JSON object");
    int r = check_keys(ps, root, "top level",
                       (const char *const[]){ "abi", "variable", "ruleset", "pathBeneath", "netPort", "seccomp", "limits",
                                              "binds", "env", "cwd", NULL });
    if (r < 0)
        return r;
    if (json_object_object_length(root) == 0)
        return fail(ps, NULL, "empty configuration");

    json_object *v;
    if (json_object_object_get_ex(root, "abi", &v)) {
        if (!json_object_is_type(v, json_type_int))
            return fail(ps, "abi", "must be an integer (a Landlock ABI version)");
        int64_t abi = json_object_get_int64(v);
        if (abi < 1 || abi > INT32_MAX)
            return fail(ps, "abi", "ABI version must be between 1 and 2^31 - 1, not %lld", (long long)abi);
        ps->file_abi = (int)abi;
        ps->p->abi = (int)abi;
    }
    /* In this order, whatever the file's: variables first, as paths may use them. */
    static const struct {
        const char *key;
        int (*parse)(struct parser *ps, json_object *v);
    } sections[] = {
        { "variable", parse_variables }, { "ruleset", parse_ruleset }, { "pathBeneath", parse_path_beneath },
        { "netPort", parse_net_port },   { "seccomp", parse_seccomp }, { "limits", parse_limits },
        { "binds", parse_binds },        { "env", parse_env },         { "cwd", parse_cwd },
    };
    for (size_t i = 0; i < ARRAY_SIZE(sections); i++)
        if (json_object_object_get_ex(root, sections[i].key, &v) && (r = sections[i].parse(ps, v)) < 0)
            return r;
    return 0;
}

void ncp_policy_free(struct ncp_policy *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_paths; i++)
        free(p->paths[i].path);
    free(p->paths);
    free(p->ports);
    free(p->seccomp_allow);
    for (size_t i = 0; i < p->n_binds; i++) {
        free(p->binds[i].src);
        free(p->binds[i].dest);
    }
    free(p->binds);
    ncp_sandbox_extras_free(&p->extras);
    free(p);
}

static void position(const char *text, size_t off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else
            (*col)++;
    }
}

int ncp_policy_parse(const char *text, size_t len, const char *origin, int target_abi,
                     const struct ncp_policy_var *vars, size_t n_vars, struct ncp_policy **ret, char **error)
{
    struct parser ps = { .origin = origin ? origin : "(policy)", .target_abi = target_abi };
    json_object *root = NULL;
    json_tokener *tok = NULL;
    int r;

    if (error)
        *error = NULL;
    *ret = NULL;
    if (!(ps.p = calloc(1, sizeof(*ps.p))))
        return -ENOMEM;

    if (!text || len == 0) {
        r = fail(&ps, NULL, "empty file");
        goto out;
    }
    if (len > NCP_POLICY_MAX_SIZE) {
        r = fail(&ps, NULL, "larger than %d bytes", NCP_POLICY_MAX_SIZE);
        goto out;
    }
    if (memchr(text, '\0', len)) {
        r = fail(&ps, NULL, "contains a NUL byte (not a JSON text)");
        goto out;
    }
    for (size_t i = 0; i < n_vars; i++)
        if ((r = add_var_value(&ps, vars[i].name, vars[i].value)) < 0)
            goto out;

    if (!(tok = json_tokener_new_ex(POLICY_MAX_DEPTH))) {
        r = -ENOMEM;
        goto out;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    root = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    int line, col;
    if (jerr == json_tokener_continue) {
        r = fail(&ps, NULL, "syntax error: unexpected end of file");
        goto out;
    }
    if (jerr != json_tokener_success || !root) {
        position(text, end, &line, &col);
        r = fail(&ps, NULL, "syntax error at line %d column %d: %s", line, col, json_tokener_error_desc(jerr));
        goto out;
    }
    for (size_t i = end; i < len; i++)
        if (!isspace((unsigned char)text[i])) {
            position(text, i, &line, &col);
            r = fail(&ps, NULL, "syntax error at line %d column %d: text after the JSON value", line, col);
            goto out;
        }
    if ((r = parse_root(&ps, root)) < 0)
        goto out;
    *ret = TAKE_PTR(ps.p);
    r = 0;

out:
    if (r == -EINVAL && ps.error) {
        log_error("policy %s: %s", ps.origin, ps.error);
        if (error)
            *error = TAKE_PTR(ps.error);
    } else if (r < 0)
        log_error_errno(r, "policy %s: cannot parse", ps.origin);
    free(ps.error);
    free_vars(&ps);
    ncp_policy_free(ps.p);
    if (root)
        json_object_put(root);
    if (tok)
        json_tokener_free(tok);
    return r;
}

static void format_bits(uint64_t bits, const struct right_name *names, size_t n, char *buf, size_t size)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && o < size; i++)
        if (bits & names[i].bit) {
            int w = snprintf(buf + o, size - o, "%s%s", o ? "," : "", names[i].name);
            if (w < 0)
                break;
            o += (size_t)w;
        }
    if (o == 0)
        snprintf(buf, size, "none");
}

void ncp_policy_format_fs(uint64_t access, char *buf, size_t size)
{
    format_bits(access, fs_rights, ARRAY_SIZE(fs_rights), buf, size);
}

void ncp_policy_format_scopes(uint64_t scoped, char *buf, size_t size)
{
    format_bits(scoped, scope_names, ARRAY_SIZE(scope_names), buf, size);
}
