/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The policy's Landlock sections ("ruleset", "pathBeneath", "netPort"):
 * access right and scope names, the groups ("abi.all", "v3.read_write"),
 * masked to the ABI the child targets.  Parsed in the isolated child; the
 * names also print its Landlock line (ncp_policy_format_fs()).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "landlock_uapi.h"
#include "common/macro.h"
#include "policy.h"
#include "policy_parser.h"

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
        return ncp_policy_fail(ps, where, "must be an array of %s names", kind_noun(kind));
    size_t n = json_object_array_length(arr);
    if (n == 0)
        return ncp_policy_fail(ps, where, "must not be empty");

    uint64_t bits = 0;
    for (size_t i = 0; i < n; i++) {
        json_object *item = json_object_array_get_idx(arr, i);
        char w[256];
        snprintf(w, sizeof(w), "%s[%zu]", where, i);
        if (!json_object_is_type(item, json_type_string))
            return ncp_policy_fail(ps, w, "must be a string (a %s name)", kind_noun(kind));
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
            return ncp_policy_fail(ps, w, "unknown %s \"%s\"", kind_noun(kind), s);
        bits |= b;
    }
    *out = bits & mask;
    return 0;
}

static int parse_one_ruleset(struct parser *ps, json_object *rs, const char *w, const void *ctx)
{
    (void)ctx;
    json_object *v;
    char w2[96];
    int r;
    if (json_object_object_length(rs) == 0)
        return ncp_policy_fail(ps, w, "empty ruleset (needs handledAccessFs, handledAccessNet or scoped)");
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
    return 0;
}

int ncp_policy_parse_ruleset(struct parser *ps, json_object *arr)
{
    return ncp_policy_each_object(ps, arr, "ruleset", "an array of objects", 0,
                                  (const char *const[]){ "handledAccessFs", "handledAccessNet", "scoped", NULL },
                                  parse_one_ruleset, NULL);
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

/* A rule {"allowedAccess": [...], TARGET: [...]} of kind `ctx`. */
static int parse_rule(struct parser *ps, json_object *rule, const char *w, const void *ctx)
{
    const struct rule_kind *rk = ctx;
    json_object *acc, *target;
    char w2[96];
    int r;
    if (!json_object_object_get_ex(rule, "allowedAccess", &acc))
        return ncp_policy_fail(ps, w, "missing \"allowedAccess\"");
    if (!json_object_object_get_ex(rule, rk->target, &target))
        return ncp_policy_fail(ps, w, "missing \"%s\"", rk->target);
    uint64_t bits;
    snprintf(w2, sizeof(w2), "%s.allowedAccess", w);
    if ((r = parse_rights(ps, acc, rk->rights, w2, &bits)) < 0)
        return r;
    snprintf(w2, sizeof(w2), "%s.%s", w, rk->target);
    if (!json_object_is_type(target, json_type_array))
        return ncp_policy_fail(ps, w2, "%s", rk->not_array);
    if (json_object_array_length(target) == 0)
        return ncp_policy_fail(ps, w2, "%s", rk->empty);
    for (size_t k = 0; k < json_object_array_length(target); k++)
        if ((r = rk->each(ps, bits, json_object_array_get_idx(target, k), w2, k)) < 0)
            return r;
    return 0;
}

/* An array of rules, as Landlock's path-beneath and net-port rules. */
static int parse_rules(struct parser *ps, json_object *arr, const struct rule_kind *rk)
{
    return ncp_policy_each_object(ps, arr, rk->name, "an array of objects", 0,
                                  (const char *const[]){ "allowedAccess", rk->target, NULL }, parse_rule, rk);
}

static int path_beneath_parent(struct parser *ps, uint64_t bits, json_object *v, const char *where, size_t k)
{
    char w[128];
    snprintf(w, sizeof(w), "%s[%zu]", where, k);
    if (!json_object_is_type(v, json_type_string))
        return ncp_policy_fail(ps, w, "must be a string (a path)");
    return ncp_policy_expand(ps, bits, json_object_get_string(v), "", w);
}

static int net_port_port(struct parser *ps, uint64_t bits, json_object *v, const char *where, size_t k)
{
    if (!json_object_is_type(v, json_type_int))
        return ncp_policy_fail(ps, where, "[%zu] must be an integer", k);
    int64_t port = json_object_get_int64(v);
    if (port < 0 || port > 65535)
        return ncp_policy_fail(ps, where, "[%zu] %lld is not a port (0-65535)", k, (long long)port);
    struct ncp_policy_port *nports = realloc(ps->p->ports, (ps->p->n_ports + 1) * sizeof(*nports));
    if (!nports)
        return -ENOMEM;
    ps->p->ports = nports;
    nports[ps->p->n_ports++] = (struct ncp_policy_port){ .access = bits, .port = (uint64_t)port };
    return 0;
}

int ncp_policy_parse_path_beneath(struct parser *ps, json_object *arr)
{
    static const struct rule_kind rk = { "pathBeneath", "parent", KIND_FS, "must be an array of paths",
                                         "must not be empty", path_beneath_parent };
    return parse_rules(ps, arr, &rk);
}

int ncp_policy_parse_net_port(struct parser *ps, json_object *arr)
{
    static const struct rule_kind rk = { "netPort", "port", KIND_NET, "must be a non-empty array of port numbers",
                                         "must be a non-empty array of port numbers", net_port_port };
    return parse_rules(ps, arr, &rk);
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
