/* SPDX-License-Identifier: Apache-2.0 */
/* What seccomp.c (the lists, libseccomp's filters, the loading) and
 * seccomp_bpf.c (the same programs written without libseccomp) share; only
 * they include it.  The module's interface is in sandbox.h. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <linux/filter.h>

#include "sandbox.h"

/* src/sandbox/seccomp_bpf.c: the same two programs written without libseccomp,
 * on x86_64 and aarch64 (-EOPNOTSUPP elsewhere). */
int ncp_seccomp_make_syscalls_prog(const struct ncp_policy *policy, struct sock_fprog *out, unsigned *n_allowed,
                                   unsigned *n_denied);
int ncp_seccomp_make_arguments_prog(const struct ncp_policy *policy, struct sock_fprog *out);
/* Syscall numbers scanned for names (x86_64 is at ~470 in 2025). */
#define NCP_SECCOMP_SCAN_MAX 1024
/* Socket families 0..NCP_SECCOMP_FAMILY_MAX-1 are checked one by one; any
 * larger value is denied. */
#define NCP_SECCOMP_FAMILY_MAX 64
/* Filter 1's answer (SCMP_ACT_*) for each syscall number below
 * NCP_SECCOMP_SCAN_MAX, from libseccomp's table and the denied list. */
void ncp_seccomp_syscall_answers(const struct ncp_policy *policy, uint32_t *answer, unsigned *n_allowed,
                                 unsigned *n_denied);
/* The socket families filter 2 allows (bit f: family f): the defaults and the policy's. */
uint64_t ncp_seccomp_allowed_families(const struct ncp_policy *policy);
