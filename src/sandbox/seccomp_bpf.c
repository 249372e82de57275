/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The seccomp filters' BPF programs written here rather than by libseccomp
 * (src/sandbox/seccomp.c says what the two filters do), on x86_64 and
 * aarch64: libseccomp takes milliseconds for what is a short loop here,
 * in the isolated child's start.  Elsewhere both return -EOPNOTSUPP and
 * libseccomp makes them.  They run in the isolated child (ncp-sandbox.so)
 * and in `ncp-run --doctor`'s throwaway child; tests/sandbox/test-seccomp
 * checks that they answer as libseccomp's programs do.
 */
#include "config.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "common/macro.h"
#include "policy.h"
#include "seccomp_progs.h"

/* The architectures whose filter 1 is written here: one syscall table, no
 * multiplexers.  x86_64's x32 calls (the 0x40000000 bit) are refused as
 * another architecture, as libseccomp's x86_64 filter does. */
static bool prog_arch_ok(uint32_t arch)
{
    return arch == SCMP_ARCH_X86_64 || arch == SCMP_ARCH_AARCH64;
}

#define X32_SYSCALL_BIT 0x40000000u

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static void emit(struct sock_filter *f, size_t *n, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
    f[(*n)++] = (struct sock_filter){ code, jt, jf, k };
}

/* Filter 1 as a BPF program made here: libseccomp needs about 3 ms to make
 * the same one (370 rules, then its tree), the longest step of an exec'd
 * isolated start.  No argument is looked at, so each number has one answer:
 * the program checks the architecture (another: ENOSYS), then compares the
 * number with the start of each run of numbers that share an answer,
 * highest first (about 130 runs, two instructions each).  Since Linux 5.11
 * the kernel computes each number's answer once, when the filter is loaded
 * (an argument-free filter), and never runs the program for it again.
 * tests/sandbox/test-seccomp checks it answers as libseccomp's does. */
int ncp_seccomp_make_syscalls_prog(const struct ncp_policy *policy, struct sock_fprog *out, unsigned *n_allowed,
                                   unsigned *n_denied)
{
    uint32_t arch = seccomp_arch_native();
    if (!prog_arch_ok(arch))
        return -EOPNOTSUPP;
    uint32_t answer[NCP_SECCOMP_SCAN_MAX];
    ncp_seccomp_syscall_answers(policy, answer, n_allowed, n_denied);
    /* Runs as (start, answer), ascending.  Past the table every number is
     * ENOSYS but those the policy allows: the answer changes only at NCP_SECCOMP_SCAN_MAX
     * and at each such v and v + 1, the candidates looked at there. */
    size_t n_allow = policy ? policy->n_seccomp_allow : 0;
    size_t n_cand = 1 + 2 * n_allow;
    _cleanup_free_ uint32_t *cand = malloc(n_cand * sizeof(uint32_t));
    size_t max_runs = NCP_SECCOMP_SCAN_MAX + n_cand;
    _cleanup_free_ uint32_t *start = malloc(max_runs * sizeof(uint32_t)), *act = malloc(max_runs * sizeof(uint32_t));
    if (!cand || !start || !act)
        return -ENOMEM;
    size_t k = 0;
    cand[k++] = NCP_SECCOMP_SCAN_MAX;
    for (size_t i = 0; i < n_allow; i++) {
        uint32_t v = (uint32_t)policy->seccomp_allow[i];
        if (v >= NCP_SECCOMP_SCAN_MAX && v < X32_SYSCALL_BIT) {
            cand[k++] = v;
            cand[k++] = v + 1;
        }
    }
    qsort(cand, k, sizeof(uint32_t), cmp_u32);
    size_t n_runs = 0;
    for (uint32_t nr = 0; nr < NCP_SECCOMP_SCAN_MAX; nr++)
        if (!n_runs || act[n_runs - 1] != answer[nr]) {
            start[n_runs] = nr;
            act[n_runs++] = answer[nr];
        }
    for (size_t i = 0; i < k; i++) {
        uint32_t c = cand[i], a = SCMP_ACT_ERRNO(ENOSYS);
        if (c >= X32_SYSCALL_BIT)
            continue;  /* refused before the runs are compared */
        for (size_t j = 0; j < n_allow; j++)
            if ((uint32_t)policy->seccomp_allow[j] == c)
                a = SCMP_ACT_ALLOW;
        if (act[n_runs - 1] != a) {
            start[n_runs] = c;
            act[n_runs++] = a;
        }
    }
    size_t max = 6 + 2 * n_runs + 1;
    if (max > BPF_MAXINSNS)
        return -E2BIG;
    _cleanup_free_ struct sock_filter *f = malloc(max * sizeof(*f));
    if (!f)
        return -ENOMEM;
    size_t n = 0;
    emit(f, &n, BPF_LD | BPF_W | BPF_ABS, 0, 0, (uint32_t)offsetof(struct seccomp_data, arch));
    emit(f, &n, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, arch);
    emit(f, &n, BPF_RET | BPF_K, 0, 0, SCMP_ACT_ERRNO(ENOSYS));
    emit(f, &n, BPF_LD | BPF_W | BPF_ABS, 0, 0, (uint32_t)offsetof(struct seccomp_data, nr));
    if (arch == SCMP_ARCH_X86_64) {
        emit(f, &n, BPF_JMP | BPF_JGE | BPF_K, 0, 1, X32_SYSCALL_BIT);
        emit(f, &n, BPF_RET | BPF_K, 0, 0, SCMP_ACT_ERRNO(ENOSYS));
    }
    for (size_t i = n_runs; i-- > 1;) {
        emit(f, &n, BPF_JMP | BPF_JGE | BPF_K, 0, 1, start[i]);
        emit(f, &n, BPF_RET | BPF_K, 0, 0, act[i]);
    }
    emit(f, &n, BPF_RET | BPF_K, 0, 0, act[0]);
    out->len = (unsigned short)n;
    out->filter = TAKE_PTR(f);
    return 0;
}

/* Filter 2 as a BPF program made here, for the same reason as filter 1 (its
 * rules and their export take libseccomp about 0.4 ms, a tenth of an
 * isolated start).  build_arguments() is the rule: the program gives the
 * same answer, which tests/sandbox/test-seccomp checks against libseccomp's
 * on every argument value the rules distinguish.  A branch per checked
 * syscall; only their own arguments are loaded, as 32-bit halves (x86_64
 * and aarch64 are little-endian: the low half comes first). */
#if (defined(__x86_64__) || defined(__aarch64__)) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
enum { L_DISPATCH, L_ALLOW, L_EPERM, L_EAFNOSUPPORT, L_BADARCH, L_IOCTL, L_CLONE, L_PERSONALITY, L_SOCKET, L_NETLINK, L_COUNT };
#define L_NEXT (-1)
#define ARGS_PROG_MAX 160

struct bpf_asm {
    struct sock_filter f[ARGS_PROG_MAX];
    int jt[ARGS_PROG_MAX], jf[ARGS_PROG_MAX]; /* labels, or L_NEXT */
    int at[L_COUNT];                          /* where each label is */
    size_t n;
    bool full;
};

static void op(struct bpf_asm *a, uint16_t code, uint32_t k, int jt, int jf)
{
    if (a->n == ARGS_PROG_MAX) {
        a->full = true;
        return;
    }
    a->f[a->n] = (struct sock_filter){ code, 0, 0, k };
    a->jt[a->n] = jt;
    a->jf[a->n++] = jf;
}

static void here(struct bpf_asm *a, int label) { a->at[label] = (int)a->n; }

static void load_arg(struct bpf_asm *a, unsigned i, bool high)
{
    op(a, BPF_LD | BPF_W | BPF_ABS, (uint32_t)(offsetof(struct seccomp_data, args) + 8 * i + (high ? 4 : 0)), 0, 0);
}

/* Jumps become offsets; a label behind its jump is an error. */
static int resolve(struct bpf_asm *a)
{
    for (size_t i = 0; i < a->n; i++) {
        struct sock_filter *f = &a->f[i];
        if (BPF_CLASS(f->code) != BPF_JMP)
            continue;
        int to[2] = { a->jt[i], a->jf[i] };
        long off[2];
        for (int j = 0; j < 2; j++)
            off[j] = to[j] == L_NEXT ? 0 : a->at[to[j]] - (long)i - 1;
        if (BPF_OP(f->code) == BPF_JA) {
            if (off[0] < 0)
                return -EINVAL;
            f->k = (uint32_t)off[0];
        } else {
            if (off[0] < 0 || off[0] > 255 || off[1] < 0 || off[1] > 255)
                return -EINVAL;
            f->jt = (uint8_t)off[0];
            f->jf = (uint8_t)off[1];
        }
    }
    return 0;
}

/* The architecture first (another one, and x86_64's x32 calls: ENOSYS),
 * then a branch to each checked syscall's label; any other is allowed. */
static void emit_dispatch(struct bpf_asm *a, uint32_t arch)
{
    op(a, BPF_LD | BPF_W | BPF_ABS, (uint32_t)offsetof(struct seccomp_data, arch), 0, 0);
    op(a, BPF_JMP | BPF_JEQ | BPF_K, arch, L_NEXT, L_BADARCH);
    op(a, BPF_LD | BPF_W | BPF_ABS, (uint32_t)offsetof(struct seccomp_data, nr), 0, 0);
    if (arch == SCMP_ARCH_X86_64) {
        /* x32 calls are another architecture; -1 (a tracer's skipped call)
         * is not, as in libseccomp's program. */
        op(a, BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, L_NEXT, L_DISPATCH);
        op(a, BPF_JMP | BPF_JEQ | BPF_K, 0xffffffffu, L_DISPATCH, L_BADARCH);
    }
    here(a, L_DISPATCH);
    op(a, BPF_JMP | BPF_JEQ | BPF_K, SYS_ioctl, L_IOCTL, L_NEXT);
    op(a, BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, L_CLONE, L_NEXT);
    op(a, BPF_JMP | BPF_JEQ | BPF_K, SYS_personality, L_PERSONALITY, L_NEXT);
    op(a, BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, L_SOCKET, L_NEXT);
    op(a, BPF_JMP | BPF_JEQ | BPF_K, SYS_socketpair, L_SOCKET, L_NEXT);
    op(a, BPF_RET | BPF_K, SCMP_ACT_ALLOW, 0, 0);
}

/* ioctl, clone and personality: one argument each, in its low half. */
static void emit_ioctl_clone_personality(struct bpf_asm *a)
{
    /* ioctl: the request as the kernel reads it, a 32-bit int. */
    here(a, L_IOCTL);
    load_arg(a, 1, false);
    op(a, BPF_JMP | BPF_JEQ | BPF_K, TIOCSTI, L_EPERM, L_NEXT);
    op(a, BPF_JMP | BPF_JEQ | BPF_K, TIOCLINUX, L_EPERM, L_ALLOW);

    /* clone: any namespace flag (all are in the low half). */
    here(a, L_CLONE);
#if defined(__s390__) || defined(__s390x__)
    load_arg(a, 1, false);
#else
    load_arg(a, 0, false);
#endif
    op(a, BPF_JMP | BPF_JSET | BPF_K,
       CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET,
       L_EPERM, L_ALLOW);

    /* personality: PER_LINUX and the query, in the low half. */
    here(a, L_PERSONALITY);
    load_arg(a, 0, false);
    op(a, BPF_JMP | BPF_JEQ | BPF_K, 0, L_ALLOW, L_NEXT);
    op(a, BPF_JMP | BPF_JEQ | BPF_K, 0xffffffffu, L_ALLOW, L_EPERM);
}

/* socket, socketpair: the family as 64 bits, then the `allowed` ones
 * (bit f: family f); netlink's protocol too where netlink is not allowed
 * whole. */
static void emit_socket(struct bpf_asm *a, uint64_t allowed)
{
    here(a, L_SOCKET);
    load_arg(a, 0, true);
    op(a, BPF_JMP | BPF_JEQ | BPF_K, 0, L_NEXT, L_EAFNOSUPPORT);
    load_arg(a, 0, false);
    op(a, BPF_JMP | BPF_JGE | BPF_K, NCP_SECCOMP_FAMILY_MAX, L_EAFNOSUPPORT, L_NEXT);
    for (int f = 0; f < NCP_SECCOMP_FAMILY_MAX; f++)
        if (allowed & (1ull << f))
            op(a, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)f, L_ALLOW, L_NEXT);
    if (allowed & (1ull << AF_NETLINK))
        op(a, BPF_JMP | BPF_JA, 0, L_EAFNOSUPPORT, L_EAFNOSUPPORT);
    else
        op(a, BPF_JMP | BPF_JEQ | BPF_K, AF_NETLINK, L_NETLINK, L_EAFNOSUPPORT);
    /* netlink: NETLINK_ROUTE (0) only, the protocol as 64 bits. */
    here(a, L_NETLINK);
    load_arg(a, 2, true);
    op(a, BPF_JMP | BPF_JEQ | BPF_K, 0, L_NEXT, L_EAFNOSUPPORT);
    load_arg(a, 2, false);
    op(a, BPF_JMP | BPF_JEQ | BPF_K, NETLINK_ROUTE, L_ALLOW, L_EAFNOSUPPORT);
}

/* The answers last: classic BPF jumps forward only. */
static void emit_answers(struct bpf_asm *a)
{
    here(a, L_ALLOW);
    op(a, BPF_RET | BPF_K, SCMP_ACT_ALLOW, 0, 0);
    here(a, L_EPERM);
    op(a, BPF_RET | BPF_K, SCMP_ACT_ERRNO(EPERM), 0, 0);
    here(a, L_EAFNOSUPPORT);
    op(a, BPF_RET | BPF_K, SCMP_ACT_ERRNO(EAFNOSUPPORT), 0, 0);
    here(a, L_BADARCH);
    op(a, BPF_RET | BPF_K, SCMP_ACT_ERRNO(ENOSYS), 0, 0);
}

/* The assembled program, its jumps resolved, into *out (which owns a copy). */
static int take_prog(struct bpf_asm *a, struct sock_fprog *out)
{
    if (a->full)
        return -E2BIG;
    int r = resolve(a);
    if (r < 0)
        return r;
    out->filter = malloc(a->n * sizeof(*out->filter));
    if (!out->filter)
        return -ENOMEM;
    memcpy(out->filter, a->f, a->n * sizeof(*out->filter));
    out->len = (unsigned short)a->n;
    return 0;
}

int ncp_seccomp_make_arguments_prog(const struct ncp_policy *policy, struct sock_fprog *out)
{
    uint32_t arch = seccomp_arch_native();
    if (!prog_arch_ok(arch))
        return -EOPNOTSUPP;
    _cleanup_free_ struct bpf_asm *a = calloc(1, sizeof(*a));
    if (!a)
        return -ENOMEM;
    for (int l = 0; l < L_COUNT; l++)
        a->at[l] = -1;
    emit_dispatch(a, arch);
    emit_ioctl_clone_personality(a);
    emit_socket(a, ncp_seccomp_allowed_families(policy));
    emit_answers(a);
    return take_prog(a, out);
}
#else
/* Another architecture (or byte order) and its argument layout: libseccomp's. */
int ncp_seccomp_make_arguments_prog(const struct ncp_policy *policy, struct sock_fprog *out)
{
    (void)policy;
    (void)out;
    return -EOPNOTSUPP;
}
#endif
