/* SPDX-License-Identifier: Apache-2.0 */
/* The runner's way to the sandbox: ncp_sandbox_prepare() and
 * ncp_sandbox_enter() of ncp-sandbox.so (src/sandbox/sandbox_module.c),
 * loaded on first use -- in isolated children only, never in the zygote.
 * The runner links none of src/sandbox/ itself (src/README.md). */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"
#include "runner.h"
#include "sandbox/sandbox.h"

static const struct ncp_sandbox_ops *ops;
static void *module;

/* The candidates of ncp_sandbox_module_candidates(), for this runner. */
static int load(void)
{
    if (ops)
        return 0;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    exe[n > 0 ? n : 0] = '\0';
    char paths[3][NCP_SANDBOX_MODULE_PATH_MAX];
    ncp_sandbox_module_candidates(n > 0 ? exe : NCP_LIBEXECDIR "/ncp-runner", paths);
    const char *why = "not found";
    for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
        if (access(paths[i], R_OK) < 0)
            continue;
        void *h = dlopen(paths[i], RTLD_NOW | RTLD_LOCAL);
        const struct ncp_sandbox_ops *o = h ? dlsym(h, "ncp_sandbox_ops") : NULL;
        if (o && o->version == NCP_SANDBOX_OPS_VERSION) {
            ops = o;
            module = h;
            return 0;
        }
        why = h ? "not the runner's version" : dlerror();
    }
    log_error("sandbox: cannot load ncp-sandbox.so (next to the runner, or in %s): %s", NCP_LIBEXECDIR,
              why ? why : "unknown error");
    return -ENOENT;
}

int ncp_runner_sandbox_prepare(uid_t uid, gid_t gid)
{
    int r = load();
    return r < 0 ? r : ops->prepare(uid, gid);
}

int ncp_runner_sandbox_enter(const struct ncp_sandbox_config *cfg, const char **stage)
{
    int r = load();
    if (r < 0) {
        if (stage)
            *stage = "loading ncp-sandbox.so";
        return r;
    }
    ncp_steps_mark(cfg->steps, "sandbox_module");
    r = ops->enter(cfg, stage);
    if (r < 0)
        return r; /* *stage may point into the module: it stays */
    /* Walled in, the child needs nothing of the module again: unloading it
     * takes libnl, libcap-ng, json-c and libseccomp out of the code the
     * app's library runs beside (nearly 0.9 MB of its RSS). */
    ops = NULL;
    dlclose(TAKE_PTR(module));
    return 0;
}
