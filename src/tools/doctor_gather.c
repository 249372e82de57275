/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ncp-run --doctor: the facts (kernel, sysctls, AppArmor, Landlock ABI,
 * subordinate id ranges, the runner, the settings and the isolated policy's
 * limits), read once, and the probes of what cannot be read: creating the
 * isolated child's namespaces, and the last steps of its sandbox (a fresh
 * session keyring, the seccomp filter) in a throwaway child of ncp-run.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/keyctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <AbilityKit/native_child_process.h>

#include "doctor.h"
#include "common/log.h"
#include "common/macro.h"
#include "spawn/spawn.h"
#include "sandbox/keyring.h"
#include "sandbox/landlock.h"
#include "sandbox/parent/cgroup.h"
#include "sandbox/parent/policy_files.h"
#include "sandbox/parent/userns.h"
#include "sandbox/policy.h"
#include "sandbox/sandbox.h"
#include "spawn/spawner.h"

/* -1 when the file does not exist (the knob is not in this kernel). */
static long read_long(const char *path)
{
    FILE *f = fopen(path, "re");
    long v = -1;
    if (f) {
        if (fscanf(f, "%ld", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

/* ncp-sandbox.so, for the probes that need the sandbox's libraries
 * (json-c, libseccomp, libcap-ng): ncp-run itself links none of them, so a
 * one-shot start does not load them.  NULL when it cannot be loaded. */
static const struct ncp_sandbox_ops *sandbox_ops;

static void load_sandbox_module(const char *path)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    const struct ncp_sandbox_ops *o = h ? dlsym(h, "ncp_sandbox_ops") : NULL;
    if (o && o->version == NCP_SANDBOX_OPS_VERSION)
        sandbox_ops = o;
    else
        log_debug("doctor: cannot load %s: %s", path, h ? "not this ncp-run's version" : dlerror());
}

/* The limits of gather(): the settings', then the isolated policy's section. */
static void gather_limits(struct doctor *d)
{
    struct ncp_limits defaults;
    ncp_limits_defaults(&defaults);
    d->limits = d->settings.limits;
    for (unsigned i = 0; i < NCP_N_LIMITS; i++)
        d->limit_from[i] = d->limits.v[i] == defaults.v[i] ? "default" : "child_process.conf";
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    const char *file = getenv("NCP_POLICY_FILE");
    int r = file && *file ? ncp_policy_read_path(file, &text, &len) : ncp_policy_read_file("isolated", &text, &len);
    if (r < 0)
        return; /* the built-in policy has no limits */
    if (!sandbox_ops)
        return; /* the sandbox_module check says why */
    const struct ncp_policy_var vars[] = { { "data_dir", "/nonexistent" }, { "lib_dir", "/usr/lib" }, { "pid", "1" } };
    struct ncp_policy *p = NULL;
    _cleanup_free_ char *error = NULL;
    if (sandbox_ops->policy_parse(text, len, "isolated", ncp_landlock_abi(), vars, ARRAY_SIZE(vars), &p, &error) < 0) {
        snprintf(d->policy_error, sizeof(d->policy_error), "%s", error ? error : "parse error");
        return;
    }
    for (unsigned i = 0; i < NCP_N_LIMITS; i++)
        if (p->has_limit[i]) {
            d->limits.v[i] = p->limits[i];
            d->limit_from[i] = "policy";
        }
    sandbox_ops->policy_free(p);
}

/* Runs in the throwaway child: the keyring and seccomp steps as
 * ncp_sandbox_enter() takes them, then what they do to a call. */
static void tail_probe_child(struct tail_probe *t)
{
    long before = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 1, 0, 0);
    t->keyctl = before < 0 ? -errno : 0;
    t->keyring = ncp_keyring_join_fresh();
    long after = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0, 0, 0);
    t->keyring_fresh = t->keyring == 0 && before >= 0 && after >= 0 && after != before;
    t->seccomp = sandbox_ops ? sandbox_ops->no_new_privs() : -ENOENT;
    if (t->seccomp == 0)
        t->seccomp = sandbox_ops->seccomp_apply(NULL);
    if (t->seccomp == 0) {
        errno = 0;
        if (syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0, 0, 0) < 0)
            t->denied_errno = errno;
        errno = 0;
        if (syscall(1000, 0, 0, 0) < 0)
            t->unknown_errno = errno;
    }
}

/* Forks the throwaway child (before anything here starts a thread) and
 * reads what it saw.  Probed, not guessed: an outer seccomp filter (a
 * container's) may refuse to stack another, or deny keyctl. */
static void tail_probe(struct tail_probe *t)
{
    *t = (struct tail_probe){ .keyring = 1, .seccomp = 1 };
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        t->seccomp = -errno;
        return;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        t->seccomp = -errno;
        close(p[0]);
        close(p[1]);
        return;
    }
    if (pid == 0) {
        close(p[0]);
        /* What it finds is in the report: its log lines would only repeat it. */
        int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (null >= 0)
            dup2(null, STDERR_FILENO);
        struct tail_probe c = { .keyring = 1, .keyctl = 0, .seccomp = 1 };
        tail_probe_child(&c);
        _exit(write(p[1], &c, sizeof(c)) == (ssize_t)sizeof(c) ? 0 : 1);
    }
    close(p[1]);
    struct tail_probe c;
    ssize_t n;
    while ((n = read(p[0], &c, sizeof(c))) < 0 && errno == EINTR)
        ;
    close(p[0]);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    if (n == (ssize_t)sizeof(c))
        *t = c;
    else
        t->seccomp = -EPIPE;
}

/* This uid's line of /proc/key-users ("  uid: usage nkeys/ninst qnkeys/maxkeys ..."),
 * or none yet: the quota from the sysctl. */
static void read_key_quota(long *used, long *max)
{
    uid_t uid = geteuid();
    *used = 0;
    *max = read_long(uid == 0 ? "/proc/sys/kernel/keys/root_maxkeys" : "/proc/sys/kernel/keys/maxkeys");
    FILE *f = fopen("/proc/key-users", "re");
    if (!f)
        return;
    char line[256];
    while (fgets(line, sizeof(line), f)) {
        unsigned long u;
        long usage, nkeys, ninst, qn, qmax;
        if (sscanf(line, " %lu: %ld %ld/%ld %ld/%ld", &u, &usage, &nkeys, &ninst, &qn, &qmax) == 6 && u == uid) {
            *used = qn;
            *max = qmax;
        }
    }
    fclose(f);
}

void ncp_doctor_gather(struct doctor *d)
{
    uname(&d->uts);
    d->max_userns = read_long("/proc/sys/user/max_user_namespaces");
    d->max_netns = read_long("/proc/sys/user/max_net_namespaces");
    d->unpriv_clone = read_long("/proc/sys/kernel/unprivileged_userns_clone");
    d->aa_restrict = read_long("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
    d->namespaces = ncp_userns_supported();
    if (!d->namespaces)
        ncp_userns_diagnose(ncp_userns_probe_error(), &d->ns_why);
    d->ll_kernel = ncp_landlock_kernel_abi();
    d->ll_used = ncp_landlock_abi();
    d->range = ncp_userns_isolation_range(&d->range_uid, &d->range_gid, &d->range_count, &d->range_helpers);
    d->runner = ncp_runner_path();
    d->runner_ok = access(d->runner, X_OK) == 0;
    /* Isolated children load it from next to the runner (src/runner/sandbox_loader.c). */
    char candidates[3][NCP_SANDBOX_MODULE_PATH_MAX];
    ncp_sandbox_module_candidates(d->runner, candidates);
    size_t found = 0;
    for (size_t i = 0; i < ARRAY_SIZE(candidates) && !d->module_ok; i++)
        if ((d->module_ok = access(candidates[i], R_OK) == 0))
            found = i;
    _Static_assert(sizeof(d->module) == sizeof(candidates[0]), "one candidate fits");
    memcpy(d->module, candidates[found], sizeof(d->module));
    /* One that cannot be loaded is as good as missing: the runner would not load it either. */
    if (d->module_ok)
        load_sandbox_module(d->module);
    d->module_ok = sandbox_ops != NULL;
    if (sandbox_ops)
        sandbox_ops->seccomp_version(d->seccomp_version, sizeof(d->seccomp_version));
    else
        snprintf(d->seccomp_version, sizeof(d->seccomp_version), "unknown");
    tail_probe(&d->tail);
    read_key_quota(&d->keys_used, &d->keys_max);
    /* An isolated start fails at stage seccomp where the filter cannot be loaded. */
    d->isolation = d->namespaces && d->module_ok && d->tail.seccomp == 0 && d->tail.keyring == 0;
    ncp_settings_load(&d->settings);
    gather_limits(d);
    ncp_cgroup_probe(&d->cgroup);
    d->supported = OH_Ability_IsNativeChildProcessSupported();
    d->pidfd_exit = ncp_pidfd_exit_supported();
}
