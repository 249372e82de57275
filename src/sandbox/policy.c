/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Policy files in the landlockconfig JSON schema, parsed with json-c in the
 * isolated child: the document, its variables and the paths they expand
 * to, then each section in a fixed order (policy_landlock.c,
 * policy_additions.c).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/macro.h"
#include "policy.h"
#include "policy_parser.h"

#define POLICY_MAX_DEPTH 16
#define POLICY_MAX_PATHS 4096

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

int ncp_policy_fail(struct parser *ps, const char *where, const char *fmt, ...)
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


static bool valid_var_name(const char *s, size_t len)
{
    if (len == 0 || !isalpha((unsigned char)s[0]))
        return false;
    for (size_t i = 1; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_')
            return false;
    return true;
}

struct var *ncp_policy_find_var(struct parser *ps, const char *name, size_t len)
{
    for (size_t i = 0; i < ps->n_vars; i++)
        if (strlen(ps->vars[i].name) == len && strncmp(ps->vars[i].name, name, len) == 0)
            return &ps->vars[i];
    return NULL;
}

static int add_var_value(struct parser *ps, const char *name, const char *value)
{
    struct var *v = ncp_policy_find_var(ps, name, strlen(name));
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
        return ncp_policy_fail(ps, where, "longer than %d bytes after expanding variables", PATH_MAX);
    if (p->n_paths >= POLICY_MAX_PATHS)
        return ncp_policy_fail(ps, where, "more than %d paths after expanding variables", POLICY_MAX_PATHS);
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
int ncp_policy_expand(struct parser *ps, uint64_t access, const char *tmpl, const char *prefix, const char *where)
{
    size_t plen = strlen(prefix), tlen = strlen(tmpl);
    /* A path Landlock can open is shorter than PATH_MAX: stop there, before
     * a few long values repeated in one template fill memory. */
    if (plen >= PATH_MAX)
        return ncp_policy_fail(ps, where, "longer than %d bytes after expanding variables", PATH_MAX);
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
                return ncp_policy_fail(ps, where, "unclosed variable reference in \"%s\"", tmpl);
            if (!valid_var_name(name, (size_t)(end - name)))
                return ncp_policy_fail(
                    ps, where, "invalid variable name \"%.*s\" (letters, digits and '_', starting with a letter)",
                    (int)(end - name), name);
            struct var *v = ncp_policy_find_var(ps, name, (size_t)(end - name));
            if (!v)
                return ncp_policy_fail(ps, where, "variable \"%.*s\" is not defined", (int)(end - name), name);
            buf[o] = '\0';
            for (size_t i = 0; i < v->n_values; i++) {
                _cleanup_free_ char *np = NULL;
                if (asprintf(&np, "%s%s", buf, v->values[i]) < 0)
                    return -ENOMEM;
                int r = ncp_policy_expand(ps, access, end + 1, np, where);
                if (r < 0)
                    return r;
            }
            return 0;
        }
        buf[o++] = *c;
    }
    buf[o] = '\0';
    if (buf[0] == '\0')
        return ncp_policy_fail(ps, where, "empty path");
    return add_path(ps, access, buf, where);
}

int ncp_policy_check_keys(struct parser *ps, json_object *obj, const char *where, const char *const *allowed)
{
    json_object_object_foreach(obj, key, val) {
        (void)val;
        bool ok = false;
        for (size_t i = 0; allowed[i]; i++)
            if (strcmp(key, allowed[i]) == 0)
                ok = true;
        if (!ok)
            return ncp_policy_fail(ps, where, "unknown field \"%s\"", key);
    }
    return 0;
}

int ncp_policy_each_object(struct parser *ps, json_object *arr, const char *name, const char *what, size_t max,
                           const char *const *keys, ncp_policy_object_fn each, const void *ctx)
{
    if (!json_object_is_type(arr, json_type_array))
        return ncp_policy_fail(ps, name, "must be %s", what);
    size_t n = json_object_array_length(arr);
    if (n == 0)
        return ncp_policy_fail(ps, name, "must not be empty");
    if (max && n > max)
        return ncp_policy_fail(ps, name, "more than %zu %s", max, name);
    for (size_t i = 0; i < n; i++) {
        char w[64];
        snprintf(w, sizeof(w), "%s[%zu]", name, i);
        json_object *o = json_object_array_get_idx(arr, i);
        if (!json_object_is_type(o, json_type_object))
            return ncp_policy_fail(ps, w, "must be an object");
        int r = ncp_policy_check_keys(ps, o, w, keys);
        if (r < 0 || (r = each(ps, o, w, ctx)) < 0)
            return r;
    }
    return 0;
}

static int parse_variable(struct parser *ps, json_object *v, const char *w, const void *ctx)
{
    (void)ctx;
    json_object *name, *lit;
    if (!json_object_object_get_ex(v, "name", &name) || !json_object_is_type(name, json_type_string))
        return ncp_policy_fail(ps, w, "needs a string \"name\"");
    const char *nm = json_object_get_string(name);
    if (!valid_var_name(nm, strlen(nm)))
        return ncp_policy_fail(
            ps, w, "invalid variable name \"%s\" (letters, digits and '_', starting with a letter)", nm);
    if (!json_object_object_get_ex(v, "literal", &lit))
        return 0;
    if (!json_object_is_type(lit, json_type_array) || json_object_array_length(lit) == 0)
        return ncp_policy_fail(ps, w, "\"literal\" must be a non-empty array of strings");
    for (size_t k = 0; k < json_object_array_length(lit); k++) {
        json_object *s = json_object_array_get_idx(lit, k);
        if (!json_object_is_type(s, json_type_string))
            return ncp_policy_fail(ps, w, "\"literal\"[%zu] must be a string", k);
        int r = add_var_value(ps, nm, json_object_get_string(s));
        if (r < 0)
            return r;
    }
    return 0;
}

static int parse_variables(struct parser *ps, json_object *arr)
{
    return ncp_policy_each_object(ps, arr, "variable", "an array of {\"name\", \"literal\"} objects", 0,
                                  (const char *const[]){ "name", "literal", NULL }, parse_variable, NULL);
}

static int parse_root(struct parser *ps, json_object *root)
{
    if (!json_object_is_type(root, json_type_object))
        return ncp_policy_fail(ps, NULL, "the top level must be a JSON object");
    int r = ncp_policy_check_keys(ps, root, "top level",
                                  (const char *const[]){ "abi", "variable", "ruleset", "pathBeneath", "netPort",
                                                         "seccomp", "limits", "binds", "env", "cwd", NULL });
    if (r < 0)
        return r;
    if (json_object_object_length(root) == 0)
        return ncp_policy_fail(ps, NULL, "empty configuration");

    json_object *v;
    if (json_object_object_get_ex(root, "abi", &v)) {
        if (!json_object_is_type(v, json_type_int))
            return ncp_policy_fail(ps, "abi", "must be an integer (a Landlock ABI version)");
        int64_t abi = json_object_get_int64(v);
        if (abi < 1 || abi > INT32_MAX)
            return ncp_policy_fail(ps, "abi", "ABI version must be between 1 and 2^31 - 1, not %lld", (long long)abi);
        ps->file_abi = (int)abi;
        ps->p->abi = (int)abi;
    }
    /* In this order, whatever the file's: variables first, as paths may use them. */
    static const struct {
        const char *key;
        int (*parse)(struct parser *ps, json_object *v);
    } sections[] = {
        { "variable", parse_variables },
        { "ruleset", ncp_policy_parse_ruleset },
        { "pathBeneath", ncp_policy_parse_path_beneath },
        { "netPort", ncp_policy_parse_net_port },
        { "seccomp", ncp_policy_parse_seccomp },
        { "limits", ncp_policy_parse_limits },
        { "binds", ncp_policy_parse_binds },
        { "env", ncp_policy_parse_env },
        { "cwd", ncp_policy_parse_cwd },
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

/* What a parse holds until it ends: the parser's error and variables, and
 * the policy unless it was handed out. */
static void parser_done(struct parser *ps)
{
    free(ps->error);
    free_vars(ps);
    ncp_policy_free(ps->p);
}

static void json_object_putp(json_object **o)
{
    if (*o)
        json_object_put(*o);
}

static void json_tokener_freep(json_tokener **tok)
{
    if (*tok)
        json_tokener_free(*tok);
}

/* What the text must be before it is read as JSON. */
static int check_text(struct parser *ps, const char *text, size_t len)
{
    if (!text || len == 0)
        return ncp_policy_fail(ps, NULL, "empty file");
    if (len > NCP_POLICY_MAX_SIZE)
        return ncp_policy_fail(ps, NULL, "larger than %d bytes", NCP_POLICY_MAX_SIZE);
    if (memchr(text, '\0', len))
        return ncp_policy_fail(ps, NULL, "contains a NUL byte (not a JSON text)");
    return 0;
}

/* The predefined variables (ncp_policy_var), before the file's own. */
static int add_predefined_vars(struct parser *ps, const struct ncp_policy_var *vars, size_t n_vars)
{
    for (size_t i = 0; i < n_vars; i++) {
        int r = add_var_value(ps, vars[i].name, vars[i].value);
        if (r < 0)
            return r;
    }
    return 0;
}

/* The text as one strict JSON value, nested at most POLICY_MAX_DEPTH deep,
 * with nothing but white space after it: *root (the caller's to put). */
static int parse_json(struct parser *ps, const char *text, size_t len, json_object **root)
{
    _cleanup_(json_tokener_freep) json_tokener *tok = json_tokener_new_ex(POLICY_MAX_DEPTH);
    if (!tok)
        return -ENOMEM;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    _cleanup_(json_object_putp) json_object *value = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    int line, col;
    if (jerr == json_tokener_continue)
        return ncp_policy_fail(ps, NULL, "syntax error: unexpected end of file");
    if (jerr != json_tokener_success || !value) {
        position(text, end, &line, &col);
        return ncp_policy_fail(ps, NULL, "syntax error at line %d column %d: %s", line, col,
                               json_tokener_error_desc(jerr));
    }
    for (size_t i = end; i < len; i++)
        if (!isspace((unsigned char)text[i])) {
            position(text, i, &line, &col);
            return ncp_policy_fail(ps, NULL, "syntax error at line %d column %d: text after the JSON value", line,
                                   col);
        }
    *root = TAKE_PTR(value);
    return 0;
}

/* The whole document into ps->p: 0, -ENOMEM, or -EINVAL after
 * ncp_policy_fail() (ps->error says what, unless that ran out of memory). */
static int parse_document(struct parser *ps, const char *text, size_t len, const struct ncp_policy_var *vars,
                          size_t n_vars)
{
    _cleanup_(json_object_putp) json_object *root = NULL;
    int r = check_text(ps, text, len);
    if (r < 0 || (r = add_predefined_vars(ps, vars, n_vars)) < 0 || (r = parse_json(ps, text, len, &root)) < 0)
        return r;
    return parse_root(ps, root);
}

/* The one log line of a failed parse: the policy's error (also handed to
 * the caller in *error), or the errno.  Returns r. */
static int parse_failed(struct parser *ps, int r, char **error)
{
    if (r == -EINVAL && ps->error) {
        log_error("policy %s: %s", ps->origin, ps->error);
        if (error)
            *error = TAKE_PTR(ps->error);
    } else
        log_error_errno(r, "policy %s: cannot parse", ps->origin);
    return r;
}

int ncp_policy_parse(const char *text, size_t len, const char *origin, int target_abi,
                     const struct ncp_policy_var *vars, size_t n_vars, struct ncp_policy **ret, char **error)
{
    _cleanup_(parser_done) struct parser ps = { .origin = origin ? origin : "(policy)", .target_abi = target_abi };

    if (error)
        *error = NULL;
    *ret = NULL;
    if (!(ps.p = calloc(1, sizeof(*ps.p))))
        return -ENOMEM;
    int r = parse_document(&ps, text, len, vars, n_vars);
    if (r < 0)
        return parse_failed(&ps, r, error);
    *ret = TAKE_PTR(ps.p);
    return 0;
}
