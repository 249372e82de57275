/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The interface of ncp-sandbox.so, the isolated child's walls: what the
 * runner hands it (struct ncp_sandbox_config), what it hands back (struct
 * ncp_sandbox_extras), its two entry points and the ops table through which
 * the runner (src/runner/sandbox_loader.c) and `ncp-run --doctor` reach them;
 * and the rules the paths of a config follow, which the app checks first.
 *
 * The runner calls it after execve, holding CAP_SYS_ADMIN, CAP_NET_ADMIN,
 * CAP_SETUID, CAP_SETGID and CAP_SYS_CHROOT as ambient capabilities inside
 * its own user namespace: ncp_sandbox_enter() (sandbox.c) builds, in this
 * order, the new root (mount.h), loopback up (network.h), the host name
 * (uts.h), the final ids, drops every capability (caps.h), joins a fresh
 * session keyring (keyring.h), sets no_new_privs, applies Landlock
 * (landlock.h, rules from policy.h) and last the seccomp filter
 * (seccomp_progs.h), with the limits (sandbox_limits.h) on the way.  The
 * runner then sets the process name and dlopen()s the library.
 *
 * What is done for the child from outside it, around
 * clone3(CLONE_NEWUSER|NEWNS|NEWNET|NEWIPC|NEWUTS), is in src/sandbox/parent/
 * (userns.h: its id maps; cgroup.h; binds.h; policy_files.h).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "common/idmap.h"
#include "common/resource_limits.h"
#include "common/sandbox_desc.h"
#include "common/steps.h"

/* A directory descriptor the app passed to an isolated child.  A host
 * directory's descriptor would let openat(fd, "..") walk the whole host
 * around the new root, so the child never keeps it: src/sandbox/mount.c binds what
 * it names (found again by its path, checked to be the same directory) at
 * NCP_PASSED_DIRS/<name> in the new root, read-only unless `writable`, and
 * puts a descriptor of that bind in its place (the same number). */
struct ncp_sandbox_dir {
    const char *name;  /* the fd's name: one path component (ncp_dir_fd_name_ok) */
    int fd;
    bool writable;
};
/* Where passed directories are bound in the child's root; it cannot write
 * there (the root is read-only). */
#define NCP_PASSED_DIRS "/run/child_process/fds"

/* Whether `name` can name a passed directory's mount point: no '/', not
 * "." or "..". */
static inline bool ncp_dir_fd_name_ok(const char *name)
{
    return name && *name && !strchr(name, '/') && strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/* An absolute path other than "/" without "." or ".." components. */
static inline bool ncp_path_is_clean(const char *p)
{
    if (!p || p[0] != '/' || strcmp(p, "/") == 0)
        return false;
    for (const char *c = p; (c = strstr(c, "/.")) != NULL; c++)
        if (c[2] == '\0' || c[2] == '/' || (c[2] == '.' && (c[3] == '\0' || c[3] == '/')))
            return false;
    return true;
}

/* A working directory a start or the policy may give a child: "/", or a
 * clean absolute path shorter than PATH_MAX (4096). */
static inline bool ncp_workdir_is_clean(const char *p)
{
    return p && (strcmp(p, "/") == 0 || (ncp_path_is_clean(p) && strlen(p) < 4096));
}

struct ncp_sandbox_config {
    const struct ncp_sandbox_desc *desc; /* what the sandbox is, as the launch spec described it */
    const int *keep_fds;      /* descriptors the child keeps (launch socket, given fds) */
    size_t n_keep_fds;
    const struct ncp_sandbox_dir *dirs;  /* the given fds that are directories (among keep_fds) */
    size_t n_dirs;
    struct ncp_steps *steps;  /* NCP_TEST_STEP_TIMES: each step's time is marked here (src/common/steps.h); NULL: off */
    struct ncp_sandbox_extras *extras; /* out: the policy's "env" and "cwd", for the runner; NULL: not wanted */
};

/* What the policy asks of the child beyond its walls, which the runner
 * applies after ncp_sandbox_enter() (the start's own settings win):
 * variables to set (value NULL: to remove) and a working directory in the
 * new root (NULL: none).  Owned; ncp_sandbox_extras_free() frees them. */
struct ncp_sandbox_env {
    char *name, *value;
};
struct ncp_sandbox_extras {
    struct ncp_sandbox_env *env;
    size_t n_env;
    char *cwd;
};
static inline void ncp_sandbox_extras_free(struct ncp_sandbox_extras *x)
{
    for (size_t i = 0; i < x->n_env; i++) {
        free(x->env[i].name);
        free(x->env[i].value);
    }
    free(x->env);
    free(x->cwd);
    *x = (struct ncp_sandbox_extras){ 0 };
}

/* Child (runner): builds the whole sandbox.  Returns 0 or -errno; on failure
 * *stage names the step ("descriptors", "mount", "pivot_root", "loopback", "ids", "caps",
 * "no_new_privs", "landlock", "hostname", "keyring", "seccomp", "policy", "limits") and one
 * log line says why. */
int ncp_sandbox_enter(const struct ncp_sandbox_config *cfg, const char **stage);

/* Child, ahead of need (the zygote's waiting isolated child, its id maps
 * written): builds what does not depend on the launch spec — the new root's
 * system parts, loopback up — so ncp_sandbox_enter() only finishes the job.
 * 0 or -errno; on failure ncp_sandbox_enter() builds everything itself. */
int ncp_sandbox_prepare(uid_t uid, gid_t gid);

/* The runner reaches those two through ncp-sandbox.so (src/sandbox/sandbox_module.c,
 * src/runner/sandbox_loader.c), which it loads only in isolated children. */
#define NCP_SANDBOX_OPS_VERSION 7u  /* 2: ncp_sandbox_config.dirs; 3: .binds; 4: .steps; 5: .extras;
                                       6: the doctor's probes; 7: .desc */
#define NCP_SANDBOX_MODULE_PATH_MAX (4096 + 32)
/* Where ncp-sandbox.so is looked for, in order, for the runner at
 * runner_path: next to it, in .libs next to it (the build tree), where it is
 * installed.  The runner loads the first that loads; the doctor reports the
 * first that is there. */
static inline void ncp_sandbox_module_candidates(const char *runner_path, char out[3][NCP_SANDBOX_MODULE_PATH_MAX])
{
    const char *slash = strrchr(runner_path, '/');
    int dir_len = slash ? (int)(slash - runner_path) : 1;
    const char *dir = slash ? runner_path : ".";
    snprintf(out[0], NCP_SANDBOX_MODULE_PATH_MAX, "%.*s/ncp-sandbox.so", dir_len, dir);
    snprintf(out[1], NCP_SANDBOX_MODULE_PATH_MAX, "%.*s/.libs/ncp-sandbox.so", dir_len, dir);
    snprintf(out[2], NCP_SANDBOX_MODULE_PATH_MAX, "%s/ncp-sandbox.so", NCP_LIBEXECDIR);
}
struct ncp_policy;
struct ncp_policy_var;
struct ncp_sandbox_ops {
    unsigned version;
    int (*prepare)(uid_t uid, gid_t gid);
    int (*enter)(const struct ncp_sandbox_config *cfg, const char **stage);
    /* What `ncp-run --doctor` probes (src/tools/doctor_gather.c) through the module,
     * so that ncp-run itself loads none of its libraries. */
    int (*policy_parse)(const char *text, size_t len, const char *origin, int target_abi,
                        const struct ncp_policy_var *vars, size_t n_vars, struct ncp_policy **ret, char **error);
    void (*policy_free)(struct ncp_policy *p);
    int (*no_new_privs)(void);
    int (*seccomp_apply)(const struct ncp_policy *policy);
    void (*seccomp_version)(char *buf, size_t size);
};
