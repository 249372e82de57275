/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the sandbox policy parser (src/sandbox/policy.c), fed the JSON
 * text as the runner receives it from the parent.
 *
 * Input: byte 0 = target Landlock ABI (0..8), byte 1 = which of the
 * runner's variables are defined (bit 0 data_dir, bit 1 lib_dir, bit 2 pid,
 * bit 3 a second value for data_dir, bit 4 bundle), the rest = the policy text.  A policy
 * that parses is printed with the formatting helpers, as the runner logs it,
 * and parsed a second time: the result must be the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/parent/binds.h"
#include "sandbox/policy.h"
#include "sandbox/sandbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_policy(const struct ncp_policy *a, const struct ncp_policy *b)
{
    if (a->abi != b->abi || a->handled_fs != b->handled_fs || a->handled_net != b->handled_net ||
        a->scoped != b->scoped || a->n_paths != b->n_paths || a->n_ports != b->n_ports ||
        a->n_seccomp_allow != b->n_seccomp_allow || a->socket_families != b->socket_families)
        return 0;
    if (a->n_binds != b->n_binds)
        return 0;
    for (size_t i = 0; i < a->n_binds; i++)
        if (strcmp(a->binds[i].src, b->binds[i].src) != 0 || strcmp(a->binds[i].dest, b->binds[i].dest) != 0 ||
            a->binds[i].writable != b->binds[i].writable)
            return 0;
    for (size_t i = 0; i < a->n_seccomp_allow; i++)
        if (a->seccomp_allow[i] != b->seccomp_allow[i])
            return 0;
    for (size_t i = 0; i < a->n_paths; i++)
        if (a->paths[i].access != b->paths[i].access || strcmp(a->paths[i].path, b->paths[i].path) != 0)
            return 0;
    for (size_t i = 0; i < a->n_ports; i++)
        if (a->ports[i].access != b->ports[i].access || a->ports[i].port != b->ports[i].port)
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    int abi = data[0] % 9;
    struct ncp_policy_var all[] = {
        { "data_dir", "/home/user/.local/share/app" },
        { "lib_dir", "/opt/app/lib" },
        { "pid", "4242" },
        { "data_dir", "/srv/other" },
        { "bundle", "com.example.app" },
    };
    struct ncp_policy_var vars[5];
    size_t n_vars = 0;
    for (size_t i = 0; i < 5; i++)
        if (data[1] & (1u << i))
            vars[n_vars++] = all[i];
    const char *text = (const char *)data + 2;
    size_t len = size - 2;

    struct ncp_policy *p = NULL;
    char *error = NULL;
    int r = ncp_policy_parse(text, len, "fuzz", abi, vars, n_vars, &p, &error);
    if (r == 0) {
        if (!p || error)
            abort();
        char buf[512];
        ncp_policy_format_fs(p->handled_fs, buf, sizeof(buf));
        ncp_policy_format_scopes(p->scoped, buf, sizeof(buf));
        for (size_t i = 0; i < p->n_paths; i++) {
            /* Every rule path can be opened: not empty, shorter than PATH_MAX
             * (which also bounds what variable expansion may allocate). */
            if (!p->paths[i].path || !p->paths[i].path[0] || strlen(p->paths[i].path) >= 4096)
                abort();
            ncp_policy_format_fs(p->paths[i].access, buf, sizeof(buf));
        }
        for (size_t i = 0; i < p->n_ports; i++)
            if (p->ports[i].port > 65535)
                abort();
        /* Binds the sandbox can place: clean paths, at most 16. */
        if (p->n_binds > 16)
            abort();
        for (size_t i = 0; i < p->n_binds; i++)
            if (!ncp_path_is_clean(p->binds[i].src) || !ncp_bind_dest_ok(p->binds[i].dest))
                abort();
        struct ncp_policy *q = NULL;
        if (ncp_policy_parse(text, len, "fuzz", abi, vars, n_vars, &q, NULL) != 0 || !same_policy(p, q))
            abort();
        ncp_policy_free(q);
    } else if (p)
        abort(); /* a failed parse returns no policy */
    ncp_policy_free(p);
    free(error);
    return 0;
}
