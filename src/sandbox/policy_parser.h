/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Between the files of the policy parser, which runs in the isolated child
 * (ncp-sandbox.so) and in `ncp-run --doctor` through it: policy.c parses the
 * document and its variables and calls a parser per section,
 * policy_landlock.c has Landlock's ("ruleset", "pathBeneath", "netPort"),
 * policy_additions.c this project's ("seccomp", "limits", "binds", "env",
 * "cwd").  Each section parser returns 0, -ENOMEM, or -EINVAL after
 * ncp_policy_fail() said where and what.
 */
#pragma once

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "common/macro.h"
#include "policy.h"

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


/* Records the first error, "WHERE: WHAT"; returns -EINVAL. */
int ncp_policy_fail(struct parser *ps, const char *where, const char *fmt, ...) _printf_(3, 4);
/* -EINVAL unless every key of `obj` is one of `allowed` (NULL-terminated). */
int ncp_policy_check_keys(struct parser *ps, json_object *obj, const char *where, const char *const *allowed);
/* One element of a section's array, an object named `where` ("ruleset[2]")
 * for the failures about its fields. */
typedef int (*ncp_policy_object_fn)(struct parser *ps, json_object *o, const char *where, const void *ctx);
/* A section that is a non-empty array (else a failure naming what it must
 * be, `what`: "an array of objects") of at most `max` (0: any number)
 * objects with no keys but `keys`: `each` parses each, in order, until one
 * fails. */
int ncp_policy_each_object(struct parser *ps, json_object *arr, const char *name, const char *what, size_t max,
                           const char *const *keys, ncp_policy_object_fn each, const void *ctx);
struct var *ncp_policy_find_var(struct parser *ps, const char *name, size_t len);
/* Adds the path `tmpl` after `prefix`, with its "${name}" references expanded. */
int ncp_policy_expand(struct parser *ps, uint64_t access, const char *tmpl, const char *prefix, const char *where);

/* policy_landlock.c */
int ncp_policy_parse_ruleset(struct parser *ps, json_object *arr);
int ncp_policy_parse_path_beneath(struct parser *ps, json_object *arr);
int ncp_policy_parse_net_port(struct parser *ps, json_object *arr);
/* policy_additions.c */
int ncp_policy_parse_seccomp(struct parser *ps, json_object *obj);
int ncp_policy_parse_limits(struct parser *ps, json_object *obj);
int ncp_policy_parse_binds(struct parser *ps, json_object *arr);
int ncp_policy_parse_env(struct parser *ps, json_object *obj);
int ncp_policy_parse_cwd(struct parser *ps, json_object *v);
