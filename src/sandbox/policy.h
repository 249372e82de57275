/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Isolated children's policies (child_process-policy(5)): the Landlock
 * ruleset in the landlockconfig JSON schema, with this project's additions
 * (binds, limits, seccomp allowances, env, cwd).  policy.c parses a policy
 * into struct ncp_policy inside the child (with policy_landlock.c and
 * policy_additions.c, through policy_parser.h); parent/policy_files.c finds
 * and reads the file for the app, which sends its text with the launch spec.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/resource_limits.h"
#include "sandbox.h"

struct ncp_policy_path {
    char *path;
    uint64_t access;
};

struct ncp_policy_port {
    uint64_t access;
    uint64_t port;
};

/* A "binds" entry that applies to the child's app: `src` on the host at
 * `dest` in the child's root (src/sandbox/parent/binds.c says which can be made). */
struct ncp_policy_bind {
    char *src, *dest;
    bool writable;
};

struct ncp_policy_var {
    const char *name;
    const char *value;
};

struct ncp_policy {
    int abi;
    uint64_t handled_fs;
    uint64_t handled_net;
    uint64_t scoped;
    struct ncp_policy_path *paths;
    size_t n_paths;
    struct ncp_policy_port *ports;
    size_t n_ports;
    /* The "seccomp" section (src/sandbox/seccomp.c): syscalls (numbers of the native
     * architecture) and socket families (bit f: family f) allowed beyond the
     * filter's defaults. */
    int *seccomp_allow;
    size_t n_seccomp_allow;
    uint64_t socket_families;
    /* The "limits" section (src/common/resource_limits.h): values where has_limit[i]. */
    uint64_t limits[NCP_N_LIMITS];
    bool has_limit[NCP_N_LIMITS];
    /* The "binds" section: the entries for the app named by the predefined
     * variable "bundle" (those without "bundle" are every app's). */
    struct ncp_policy_bind *binds;
    size_t n_binds;
    /* "env" and "cwd": what the child's environment and working directory
     * become where the start did not set them (src/runner/runner.c). */
    struct ncp_sandbox_extras extras;
};

extern const char ncp_policy_builtin_isolated[];

int ncp_policy_parse(const char *text, size_t len, const char *origin, int target_abi,
                     const struct ncp_policy_var *vars, size_t n_vars, struct ncp_policy **ret, char **error);
void ncp_policy_free(struct ncp_policy *p);
static inline void ncp_policy_freep(struct ncp_policy **p) { ncp_policy_free(*p); }
/* At most this many bytes (the launch spec's limit, NCP_MAX_POLICY). */
#define NCP_POLICY_MAX_SIZE (256 * 1024)

void ncp_policy_format_fs(uint64_t access, char *buf, size_t size);
void ncp_policy_format_scopes(uint64_t scoped, char *buf, size_t size);
