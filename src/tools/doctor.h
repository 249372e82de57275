/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ncp-run --doctor: what this machine supports for children, and which walls
 * hold.  Runs in ncp-run; its probes run in throwaway children of it.
 *
 *   doctor_gather.c  reads the facts and probes what cannot be read (struct doctor)
 *   doctor_checks.c  the report's rows: each fact and wall, from struct doctor
 *   doctor.c         the report, as text or JSON
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/utsname.h>

#include "common/resource_limits.h"
#include "sandbox/parent/cgroup.h"
#include "sandbox/parent/userns.h"
#include "sandbox/sandbox.h"
#include "spawn/spawn.h"

/* Prints the report (human text or JSON) to stdout; returns 0 when normal
 * and isolated children both work here, 1 otherwise. */
int ncp_doctor(bool json);

/* What a throwaway child saw when it took the last steps of an isolated
 * child's sandbox (src/sandbox/sandbox.c): a fresh session keyring, then the seccomp
 * filter.  Errors are -errno, 1 when the step did not run. */
struct tail_probe {
    int keyring;          /* joining a fresh session keyring */
    int keyctl;           /* 0, or what keyctl itself got before (-ENOSYS: no keyrings) */
    bool keyring_fresh;   /* the child's session keyring is not the parent's */
    int seccomp;          /* loading the filter */
    int denied_errno;     /* what a denied call (keyctl) got under it */
    int unknown_errno;    /* what a syscall number nobody knows got */
};

/* What the checks look at, gathered once (the namespace probe starts a child). */
struct doctor {
    struct utsname uts;
    long max_userns, max_netns, unpriv_clone, aa_restrict; /* -1: not in this kernel */
    bool namespaces;
    struct ncp_userns_diagnosis ns_why; /* when !namespaces: from what the kernel said to the probe */
    int ll_kernel, ll_used;
    uid_t range_uid;
    gid_t range_gid;
    uint32_t range_count;
    bool range_helpers;
    int range;                /* 0, -ENOENT (no subuid entry), -ENOEXEC (no newuidmap) */
    const char *runner;
    bool runner_ok;
    char module[NCP_SANDBOX_MODULE_PATH_MAX];
    bool module_ok;
    bool isolation;           /* namespaces and the sandbox module */
    struct ncp_settings settings;
    bool supported;
    bool pidfd_exit;
    char seccomp_version[32];
    struct tail_probe tail;
    long keys_used, keys_max;   /* this uid's keys and quota; keys_max -1: no keyrings */
    /* The resource limits an isolated child gets here (no per-start ones):
     * the settings', with the isolated policy's "limits" on top. */
    struct ncp_limits limits;
    const char *limit_from[NCP_N_LIMITS]; /* "default", "child_process.conf", "policy" */
    char policy_error[256];
    struct ncp_cgroup_info cgroup;
};

enum value_type { VALUE_NULL, VALUE_BOOL, VALUE_INT, VALUE_STRING };

/* One check's result; text is the value as the text report shows it. */
struct result {
    enum value_type type;
    bool b;
    long long i;
    char s[256];
    bool holds;
    char text[256];
    char reason[320];
    char fix[320];
};

enum section { FACT, WALL };

struct check {
    const char *key;
    enum section section;
    const char *label;
    void (*run)(const struct doctor *d, struct result *r);
};

/* doctor_gather.c: every fact, read or probed once (the namespace probe and
 * the tail probe start children: before anything here starts a thread). */
void ncp_doctor_gather(struct doctor *d);

/* doctor_checks.c: the rows of the report, in its order. */
extern const struct check ncp_doctor_checks[];
extern const size_t ncp_doctor_n_checks;
