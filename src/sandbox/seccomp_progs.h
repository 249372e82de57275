/* SPDX-License-Identifier: Apache-2.0 */
/* The isolated child's seccomp filter, in the child (ncp-sandbox.so) and
 * `ncp-run --doctor`'s throwaway child (through the module's ops): first
 * what the rest of the sandbox and the tests call (seccomp.c), then what
 * seccomp.c (the lists, libseccomp's filters, the loading) and seccomp_bpf.c
 * (the same programs written without libseccomp) share.  (Not "seccomp.h":
 * that is libseccomp's, which both include.) */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/filter.h> /* struct sock_fprog */

struct ncp_policy;

/* Loads the filter, with what `policy`'s seccomp section allows on top
 * (policy may be NULL).  no_new_privs must be set.  0 or -errno after one
 * log line. */
int ncp_seccomp_apply(const struct ncp_policy *policy);
/* Filter 1's program alone: made by seccomp.c itself where it can (the fast
 * way), or by libseccomp (by_libseccomp, or another architecture). */
int ncp_seccomp_syscalls_prog(const struct ncp_policy *policy, bool by_libseccomp, struct sock_fprog *out,
                              unsigned *n_allowed, unsigned *n_denied);
/* Filter 2's program (the arguments of ioctl, clone, personality, socket and
 * socketpair), made the same two ways. */
int ncp_seccomp_arguments_prog(const struct ncp_policy *policy, bool by_libseccomp, struct sock_fprog *out);
/* The version of the libseccomp in use, "2.5.4". */
void ncp_seccomp_version(char *buf, size_t size);
/* "AF_VSOCK" -> 40; -EINVAL for a name the filter does not know. */
int ncp_seccomp_family_by_name(const char *name);
/* Whether the filter checks the arguments of syscall `name` (ioctl, clone,
 * personality, socket, socketpair): those cannot be allowed whole. */
bool ncp_seccomp_arg_checked(const char *name);

/* ---- between seccomp.c and seccomp_bpf.c ---- */

/* src/sandbox/seccomp_bpf.c: the same two programs written without libseccomp,
 * on x86_64 and aarch64 (-EOPNOTSUPP elsewhere). */
int ncp_seccomp_make_syscalls_prog(const struct ncp_policy *policy, struct sock_fprog *out, unsigned *n_allowed,
                                   unsigned *n_denied);
int ncp_seccomp_make_arguments_prog(const struct ncp_policy *policy, struct sock_fprog *out);
/* Syscall numbers scanned for names: libseccomp knows none past ~470 on
 * x86_64 and aarch64 in 2026 (tests/sandbox/test-seccomp fails if it knows
 * one at or past this bound).  Each number costs libseccomp a pass over its
 * table, longest for a number it does not know: 1024 numbers took 260 us of
 * every isolated child's start, 512 take 100. */
#define NCP_SECCOMP_SCAN_MAX 512
/* Socket families 0..NCP_SECCOMP_FAMILY_MAX-1 are checked one by one; any
 * larger value is denied. */
#define NCP_SECCOMP_FAMILY_MAX 64
/* Filter 1's answer (SCMP_ACT_*) for each syscall number below
 * NCP_SECCOMP_SCAN_MAX, from libseccomp's table and the denied list. */
void ncp_seccomp_syscall_answers(const struct ncp_policy *policy, uint32_t *answer, unsigned *n_allowed,
                                 unsigned *n_denied);
/* The socket families filter 2 allows (bit f: family f): the defaults and the policy's. */
uint64_t ncp_seccomp_allowed_families(const struct ncp_policy *policy);
