/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The policy's sections that this project adds to the landlockconfig
 * schema: "seccomp" (what the filter allows beyond its defaults), "limits",
 * "binds", "env" and "cwd" (child_process-policy(5)).  Parsed in the
 * isolated child.
 */
#include "config.h"

#include <errno.h>
#include <json-c/json.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/launch_spec.h"
#include "common/macro.h"
#include "policy.h"
#include "policy_parser.h"
#include "sandbox.h"
#include "seccomp_progs.h"
#include "sandbox/parent/binds.h"

#define POLICY_MAX_ENV 64 /* "env" entries */

/* "seccomp": { "allow": [syscall names], "socketFamilies": ["AF_VSOCK", ...] } */
int ncp_policy_parse_seccomp(struct parser *ps, json_object *obj)
{
    if (!json_object_is_type(obj, json_type_object))
        return ncp_policy_fail(ps, "seccomp", "must be an object with \"allow\" and/or \"socketFamilies\"");
    int r = ncp_policy_check_keys(ps, obj, "seccomp", (const char *const[]){ "allow", "socketFamilies", NULL });
    if (r < 0)
        return r;
    json_object *arr;
    if (json_object_object_get_ex(obj, "allow", &arr)) {
        if (!json_object_is_type(arr, json_type_array) || json_object_array_length(arr) == 0)
            return ncp_policy_fail(ps, "seccomp.allow", "must be a non-empty array of system call names");
        size_t n = json_object_array_length(arr);
        if (n > 1024)
            return ncp_policy_fail(ps, "seccomp.allow", "more than 1024 names");
        for (size_t i = 0; i < n; i++) {
            json_object *item = json_object_array_get_idx(arr, i);
            char w[64];
            snprintf(w, sizeof(w), "seccomp.allow[%zu]", i);
            if (!json_object_is_type(item, json_type_string))
                return ncp_policy_fail(ps, w, "must be a string (a system call name)");
            const char *name = json_object_get_string(item);
            if (ncp_seccomp_arg_checked(name))
                return ncp_policy_fail(ps, w,
                                       "\"%s\" is allowed with its arguments checked and cannot be allowed whole%s",
                                       name, strncmp(name, "socket", 6) == 0 ? " (see \"socketFamilies\")" : "");
            int nr = seccomp_syscall_resolve_name(name);
            if (nr == __NR_SCMP_ERROR)
                return ncp_policy_fail(ps, w, "unknown system call \"%s\"", name);
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
            return ncp_policy_fail(ps, "seccomp.socketFamilies", "must be a non-empty array of names (\"AF_VSOCK\")");
        for (size_t i = 0; i < json_object_array_length(arr); i++) {
            json_object *item = json_object_array_get_idx(arr, i);
            char w[64];
            snprintf(w, sizeof(w), "seccomp.socketFamilies[%zu]", i);
            if (!json_object_is_type(item, json_type_string))
                return ncp_policy_fail(ps, w, "must be a string (a socket family, \"AF_VSOCK\")");
            int f = ncp_seccomp_family_by_name(json_object_get_string(item));
            if (f < 0)
                return ncp_policy_fail(ps, w, "unknown socket family \"%s\"", json_object_get_string(item));
            ps->p->socket_families |= 1ull << f;
        }
    }
    return 0;
}

/* "limits": { "nproc": 256, "tmpfs_size": "64M", "cpu": "none" }: the names
 * and values of child_process.conf's limit_* keys (src/common/resource_limits.c). */
int ncp_policy_parse_limits(struct parser *ps, json_object *obj)
{
    if (!json_object_is_type(obj, json_type_object))
        return ncp_policy_fail(ps, "limits", "must be an object of limit names and values (\"nproc\": 256)");
    json_object_object_foreach(obj, key, val)
    {
        char w[64];
        snprintf(w, sizeof(w), "limits.%.40s", key);
        int id = ncp_limit_by_name(key);
        if (id < 0)
            return ncp_policy_fail(ps, w, "unknown limit \"%s\"", key);
        char buf[32];
        const char *text;
        if (json_object_is_type(val, json_type_int) && json_object_get_int64(val) >= -1) {
            snprintf(buf, sizeof(buf), "%lld", (long long)json_object_get_int64(val));
            text = buf;
        } else if (json_object_is_type(val, json_type_string))
            text = json_object_get_string(val);
        else
            return ncp_policy_fail(ps, w, "must be a number, a size string (\"64M\") or \"none\"");
        uint64_t v;
        if (ncp_limit_parse((unsigned)id, text, &v) < 0) {
            char range[96];
            ncp_limit_range((unsigned)id, range, sizeof(range));
            return ncp_policy_fail(ps, w, "\"%s\" is not a valid value (%s)", text, range);
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
        return ncp_policy_fail(ps, where, "\"bundle\" must be a non-empty array of bundle names");
    struct var *v = ncp_policy_find_var(ps, "bundle", strlen("bundle"));
    *mine = false;
    for (size_t k = 0; k < json_object_array_length(list); k++) {
        json_object *s = json_object_array_get_idx(list, k);
        if (!json_object_is_type(s, json_type_string) || json_object_get_string_len(s) == 0)
            return ncp_policy_fail(ps, where, "\"bundle\"[%zu] must be a bundle name", k);
        if (v && v->n_values && strcmp(v->values[0], json_object_get_string(s)) == 0)
            *mine = true;
    }
    return 0;
}

/* "binds": [{ "source": PATH, "destination": PATH, "writable": BOOL, "bundle": [NAME, ...] }]:
 * host paths the administrator binds into the roots of isolated children,
 * as NCP_ChildProcessConfigs_AddBind() does for one app.  Paths are literal. */
static int parse_bind(struct parser *ps, json_object *b, const char *w, const void *ctx)
{
    (void)ctx;
    json_object *src, *dest, *wr;
    int r;
    if (!json_object_object_get_ex(b, "source", &src) || !json_object_is_type(src, json_type_string) ||
        !ncp_path_is_clean(json_object_get_string(src)) || json_object_get_string_len(src) >= 4096)
        return ncp_policy_fail(ps, w, "needs a \"source\": an absolute path other than / without . or .. components");
    if (!json_object_object_get_ex(b, "destination", &dest) || !json_object_is_type(dest, json_type_string) ||
        !ncp_bind_dest_ok(json_object_get_string(dest)))
        return ncp_policy_fail(ps, w,
                               "needs a \"destination\": an absolute path without . or .., outside /usr, /bin, /sbin, "
                               "/lib*, /etc, /proc, /dev, /sys, /run and /run/child_process");
    bool writable = false, mine;
    if (json_object_object_get_ex(b, "writable", &wr)) {
        if (!json_object_is_type(wr, json_type_boolean))
            return ncp_policy_fail(ps, w, "\"writable\" must be true or false");
        writable = json_object_get_boolean(wr);
    }
    if ((r = bind_is_for_app(ps, b, w, &mine)) < 0)
        return r;
    if (!mine)
        return 0;
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
    return 0;
}

int ncp_policy_parse_binds(struct parser *ps, json_object *arr)
{
    return ncp_policy_each_object(ps, arr, "binds", "an array of {\"source\", \"destination\"} objects", NCP_MAX_BINDS,
                                  (const char *const[]){ "source", "destination", "writable", "bundle", NULL },
                                  parse_bind, NULL);
}

/* "env": { "NAME": "VALUE", "OTHER": null }: variables set in (null: removed
 * from) the environment of the app's isolated children, where the start did
 * not set them itself.  Names as NCP_ChildProcessConfigs_SetEnv() takes
 * them; values literal. */
int ncp_policy_parse_env(struct parser *ps, json_object *obj)
{
    if (!json_object_is_type(obj, json_type_object))
        return ncp_policy_fail(
            ps, "env", "must be an object of variable names and values (\"LANG\": \"C.UTF-8\", or null to remove one)");
    if (json_object_object_length(obj) > POLICY_MAX_ENV)
        return ncp_policy_fail(ps, "env", "more than %d variables", POLICY_MAX_ENV);
    struct ncp_sandbox_extras *x = &ps->p->extras;
    json_object_object_foreach(obj, key, val)
    {
        char w[64];
        snprintf(w, sizeof(w), "env.%.40s", key);
        if (!ncp_env_name_valid(key))
            return ncp_policy_fail(ps, w,
                                   "not a variable name the child may be given: 1 to %d characters of [A-Za-z0-9_], "
                                   "not starting with a digit, not NCP_* (the library's own)",
                                   NCP_MAX_ENV_NAME);
        if (val && !json_object_is_type(val, json_type_string))
            return ncp_policy_fail(ps, w, "must be a string, or null to remove the variable");
        if (val && ((size_t)json_object_get_string_len(val) != strlen(json_object_get_string(val)) ||
                    json_object_get_string_len(val) > NCP_MAX_ENV_VALUE))
            return ncp_policy_fail(ps, w, "must be at most %d bytes, without NUL", NCP_MAX_ENV_VALUE);
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
int ncp_policy_parse_cwd(struct parser *ps, json_object *v)
{
    const char *path = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
    if (!ncp_workdir_is_clean(path) || (size_t)json_object_get_string_len(v) != strlen(path))
        return ncp_policy_fail(ps, "cwd",
                               "must be an absolute path without . or .. components (a directory in the child's root)");
    if (!(ps->p->extras.cwd = strdup(path)))
        return -ENOMEM;
    return 0;
}
