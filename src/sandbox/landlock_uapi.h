/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Landlock UAPI pieces newer than the installed kernel headers.
 *
 * Debian 12 ships the 6.1 UAPI (ABI 2: up to LANDLOCK_ACCESS_FS_REFER, and a
 * ruleset attribute holding only handled_access_fs).  The kernels we run on
 * go up to ABI 7, so the later constants and the full attribute structures
 * are defined here, with the values of the upstream <linux/landlock.h>:
 *
 *   ABI 1 (5.13)  filesystem rights EXECUTE .. MAKE_SYM
 *   ABI 2 (5.19)  LANDLOCK_ACCESS_FS_REFER
 *   ABI 3 (6.2)   LANDLOCK_ACCESS_FS_TRUNCATE
 *   ABI 4 (6.7)   handled_access_net, LANDLOCK_RULE_NET_PORT, BIND/CONNECT_TCP
 *   ABI 5 (6.10)  LANDLOCK_ACCESS_FS_IOCTL_DEV
 *   ABI 6 (6.12)  scoped: LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET, LANDLOCK_SCOPE_SIGNAL
 *   ABI 7 (6.15)  landlock_restrict_self() log flags
 *
 * The attribute structures carry an ncp_ prefix so they never clash with a
 * newer installed header that defines the same names.
 */
#pragma once

#include <linux/landlock.h>
#include <linux/types.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#endif
#ifndef __NR_landlock_add_rule
#define __NR_landlock_add_rule 445
#endif
#ifndef __NR_landlock_restrict_self
#define __NR_landlock_restrict_self 446
#endif

#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif

/* Filesystem rights. */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif

/* Network rights (ABI 4). */
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#endif
#ifndef LANDLOCK_ACCESS_NET_CONNECT_TCP
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#endif
#define NCP_LANDLOCK_RULE_NET_PORT 2

/* Scopes (ABI 6). */
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#endif
#ifndef LANDLOCK_SCOPE_SIGNAL
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif

/* landlock_restrict_self() flags (ABI 7). */
#ifndef LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF
#define LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF (1U << 0)
#endif
#ifndef LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON
#define LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON (1U << 1)
#endif
#ifndef LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF
#define LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF (1U << 2)
#endif

/* The newest ABI this file knows.  A newer kernel is used at this level. */
#define NCP_LANDLOCK_ABI_MAX 7

/* All filesystem rights of each ABI. */
#define NCP_LANDLOCK_FS_V1 ((1ULL << 13) - 1)
#define NCP_LANDLOCK_FS_V2 (NCP_LANDLOCK_FS_V1 | LANDLOCK_ACCESS_FS_REFER)
#define NCP_LANDLOCK_FS_V3 (NCP_LANDLOCK_FS_V2 | LANDLOCK_ACCESS_FS_TRUNCATE)
#define NCP_LANDLOCK_FS_V5 (NCP_LANDLOCK_FS_V3 | LANDLOCK_ACCESS_FS_IOCTL_DEV)
#define NCP_LANDLOCK_NET_V4 (LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP)
#define NCP_LANDLOCK_SCOPE_V6 (LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL)

/* Rights that make sense on a file that is not a directory. */
#define NCP_LANDLOCK_FS_FILE                                                              \
    (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE | \
     LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV)

/* struct landlock_ruleset_attr as of ABI 6 (sizes 8, 16 and 24 are accepted
 * by the kernels that know them; a larger size with zero tail is accepted
 * by older kernels too). */
struct ncp_landlock_ruleset_attr {
    __u64 handled_access_fs;
    __u64 handled_access_net;
    __u64 scoped;
};

struct ncp_landlock_path_beneath_attr {
    __u64 allowed_access;
    __s32 parent_fd;
} __attribute__((packed));

struct ncp_landlock_net_port_attr {
    __u64 allowed_access;
    __u64 port;
};

static inline int ncp_landlock_create_ruleset(const struct ncp_landlock_ruleset_attr *attr, size_t size,
                                              __u32 flags)
{
    return (int)syscall(__NR_landlock_create_ruleset, attr, size, flags);
}

static inline int ncp_landlock_add_rule(int ruleset_fd, int rule_type, const void *rule_attr, __u32 flags)
{
    return (int)syscall(__NR_landlock_add_rule, ruleset_fd, rule_type, rule_attr, flags);
}

static inline int ncp_landlock_restrict_self(int ruleset_fd, __u32 flags)
{
    return (int)syscall(__NR_landlock_restrict_self, ruleset_fd, flags);
}

/* Every filesystem right the given ABI knows (0 for ABI 0). */
static inline uint64_t ncp_landlock_fs_rights(int abi)
{
    if (abi <= 0)
        return 0;
    if (abi == 1)
        return NCP_LANDLOCK_FS_V1;
    if (abi == 2)
        return NCP_LANDLOCK_FS_V2;
    if (abi <= 4)
        return NCP_LANDLOCK_FS_V3;
    return NCP_LANDLOCK_FS_V5;
}

static inline uint64_t ncp_landlock_net_rights(int abi) { return abi >= 4 ? NCP_LANDLOCK_NET_V4 : 0; }
static inline uint64_t ncp_landlock_scopes(int abi) { return abi >= 6 ? NCP_LANDLOCK_SCOPE_V6 : 0; }
