/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The isolated child's user namespace (userns.c), around
 * clone3(CLONE_NEWUSER|NEWNS|NEWNET|NEWIPC|NEWUTS).  Parent side (the app,
 * the zygote, ncp-run): ncp_userns_plan() before the clone decides the id
 * mapping (may fail with -EOPNOTSUPP when an isolation uid is asked for and
 * no range is usable); ncp_userns_apply() right after the clone writes the
 * maps while the child waits for its launch spec.  Also the probe and the
 * explanation of failures (the library, the doctor), and the one step the
 * child does itself (ncp_userns_lock_nested(), src/sandbox/sandbox.c).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/idmap.h"

/* The isolation uid range used when the caller is root: host uids and gids
 * 0x7f000000 + pid (pid_max is at most 2^22, so live children never collide). */
#define NCP_ISOLATION_ID_BASE 0x7f000000u
#define NCP_ISOLATION_ID_COUNT 0x01000000u

/* Final ids of the child `pid` from a plan (no-op for a plan without a range). */
void ncp_idmap_resolve(const struct ncp_idmap *plan, pid_t pid, struct ncp_idmap *out);

/* Parent, before clone: the mapping for a new isolated child.  Logs why on failure. */
int ncp_userns_plan(bool isolation_uid, struct ncp_idmap *out);
/* The isolation-id range this user gets (root: the reserved range; others:
 * their /etc/subuid and /etc/subgid range, used through newuidmap).  No log;
 * -ENOENT without a range, -ENOEXEC without newuidmap/newgidmap.  For
 * `ncp-run --doctor` and OH_Ability_IsNativeChildProcessSupported. */
int ncp_userns_isolation_range(uid_t *uid_start, gid_t *gid_start, uint32_t *count, bool *use_helpers);
/* Parent, after clone: writes uid_map, setgroups and gid_map of the child `pid`. */
int ncp_userns_apply(pid_t pid, const struct ncp_idmap *map);
/* Why the isolated child's namespaces cannot be created, from what the
 * kernel said (`err`, a positive errno) and the settings it depends on:
 * a sysctl, an AppArmor restriction, an enclosing sandbox's limits, ... */
struct ncp_userns_diagnosis {
    char cause[320];
    char fix[256];
};
void ncp_userns_diagnose(int err, struct ncp_userns_diagnosis *d);
/* After creating the namespaces (or mounting in them) failed with `err`: one
 * log line with the diagnosis, the same words `ncp-run --doctor` uses. */
void ncp_userns_explain_failure(int err);
/* Whether this machine can create the isolated child's namespaces for this
 * user (probed once, by a throwaway child; cached). */
bool ncp_userns_supported(void);
/* 0 when the probe succeeded, else the errno the kernel gave it. */
int ncp_userns_probe_error(void);

/* Child side, a step of ncp_sandbox_enter(): no nested namespaces (sets this
 * user namespace's /proc/sys/user/max_*_namespaces to 0; needs
 * CAP_SYS_RESOURCE).  0 or -errno after one log line. */
int ncp_userns_lock_nested(void);
