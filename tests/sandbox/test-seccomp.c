// SPDX-License-Identifier: Apache-2.0
/* The two filters that src/sandbox/seccomp_bpf.c writes answer as
 * libseccomp's programs for the same rules do: the syscall filter for every
 * syscall number, of this architecture and of others, and the argument
 * filter for every argument value its rules tell apart.  Both are run here
 * by a classic-BPF interpreter. */
#include "config.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <linux/netlink.h>
#include <linux/sched.h>
#include <signal.h>
#include <sched.h>

#include "common/macro.h"
#include "sandbox/policy.h"
#include "sandbox/seccomp_progs.h"
#include "../tap.h"

/* Runs a program on one seccomp_data; UINT32_MAX when it does something
 * this interpreter does not know (an instruction, a jump out of it). */
static uint32_t run(const struct sock_fprog *p, const struct seccomp_data *d)
{
    uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };
    for (size_t pc = 0; pc < p->len; pc++) {
        const struct sock_filter *f = &p->filter[pc];
        switch (f->code) {
        case BPF_LD | BPF_W | BPF_ABS:
            if (f->k + 4 > sizeof(*d))
                return UINT32_MAX;
            memcpy(&a, (const char *)d + f->k, 4);
            break;
        case BPF_LD | BPF_IMM: a = f->k; break;
        case BPF_LDX | BPF_IMM: x = f->k; break;
        case BPF_LD | BPF_MEM: a = mem[f->k % BPF_MEMWORDS]; break;
        case BPF_ST: mem[f->k % BPF_MEMWORDS] = a; break;
        case BPF_ALU | BPF_AND | BPF_K: a &= f->k; break;
        case BPF_ALU | BPF_OR | BPF_K: a |= f->k; break;
        case BPF_MISC | BPF_TAX: x = a; break;
        case BPF_MISC | BPF_TXA: a = x; break;
        case BPF_JMP | BPF_JA: pc += f->k; break;
        case BPF_JMP | BPF_JEQ | BPF_K: pc += a == f->k ? f->jt : f->jf; break;
        case BPF_JMP | BPF_JGT | BPF_K: pc += a > f->k ? f->jt : f->jf; break;
        case BPF_JMP | BPF_JGE | BPF_K: pc += a >= f->k ? f->jt : f->jf; break;
        case BPF_JMP | BPF_JSET | BPF_K: pc += (a & f->k) ? f->jt : f->jf; break;
        case BPF_RET | BPF_K: return f->k;
        case BPF_RET | BPF_A: return a;
        default: return UINT32_MAX;
        }
    }
    return UINT32_MAX;
}

/* The two programs' answers to one call, tallied; the first differences are shown. */
struct tally {
    unsigned checked, differ, unknown;
};

static void same_answer(struct tally *t, const struct sock_fprog *ours, const struct sock_fprog *theirs,
                        const struct seccomp_data *d, const char *what)
{
    uint32_t x = run(ours, d), y = run(theirs, d);
    t->checked++;
    t->unknown += x == UINT32_MAX || y == UINT32_MAX;
    if (x != y && t->differ++ < 5)
        diag("%s: arch %#x nr %u args %#llx %#llx %#llx: ours %#x, libseccomp's %#x", what, d->arch, (unsigned)d->nr,
             (unsigned long long)d->args[0], (unsigned long long)d->args[1], (unsigned long long)d->args[2], x, y);
}

/* Both programs for `policy`, compared on every number that matters. */
static void compare(const struct ncp_policy *policy, const char *what)
{
    struct sock_fprog ours = { 0 }, theirs = { 0 };
    unsigned a1, d1, a2, d2;
    int r1 = ncp_seccomp_syscalls_prog(policy, false, &ours, &a1, &d1);
    int r2 = ncp_seccomp_syscalls_prog(policy, true, &theirs, &a2, &d2);
    ok(r1 == 0 && r2 == 0, "%s: both programs made (ours %u instructions, libseccomp's %u)", what, ours.len,
       theirs.len);
    ok(a1 == a2 && d1 == d2, "%s: the same counts (%u allowed, %u denied)", what, a1, d1);
    uint32_t archs[] = { seccomp_arch_native(), AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, AUDIT_ARCH_AARCH64,
                         AUDIT_ARCH_ARM };
    /* Every number of the tables and past them, x32's, the highest ones. */
    static const struct { uint64_t from, to; } ranges[] = {
        { 0, 4200 }, { 0x3fffff00u, 0x40000000u + 1100 }, { 0xffffff00u, 0x100000000ull },
    };
    struct tally t = { 0 };
    for (size_t ai = 0; ai < ARRAY_SIZE(archs); ai++)
        for (size_t ri = 0; ri < ARRAY_SIZE(ranges); ri++)
            for (uint64_t nr = ranges[ri].from; nr < ranges[ri].to; nr++) {
                struct seccomp_data d = { .nr = (int)(uint32_t)nr, .arch = archs[ai] };
                same_answer(&t, &ours, &theirs, &d, what);
            }
    ok(!t.differ && !t.unknown, "%s: the same answer for each of %u (architecture, number) pairs", what, t.checked);
    free(ours.filter);
    free(theirs.filter);
}

/* Argument values the argument filter's rules tell apart, and their
 * neighbours: requests with high bits, each namespace flag, personality's
 * two allowed values, every family below and past FAMILY_MAX, netlink
 * protocols. */
static size_t interesting_values(uint64_t *v, size_t max)
{
    size_t n = 0;
    for (uint64_t f = 0; f < 70 && n < max; f++)
        v[n++] = f;
    static const uint64_t more[] = {
        TIOCSTI, TIOCLINUX, TIOCSTI | 0x100000000ull, TIOCLINUX | 0xffffffff00000000ull, TIOCSTI + 1, 0x5401,
        CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
        CLONE_NEWNET | 0x100000000ull, 0x100000000ull | CLONE_VM, CLONE_VM | CLONE_FS | CLONE_FILES | SIGCHLD,
        CLONE_THREAD | CLONE_SIGHAND | CLONE_VM, 0x7fffffff, 0x80000000u, 0xfffffffeu, 0xffffffffu, 0x1ffffffffull,
        0x100000000ull, 0x100000001ull, 0x10000000aull, 0xffffffff00000000ull, ~0ull, 0x0008, 0x00400000,
    };
    for (size_t i = 0; i < ARRAY_SIZE(more) && n < max; i++)
        v[n++] = more[i];
    return n;
}

static void compare_arguments(const struct ncp_policy *policy, const char *what)
{
    struct sock_fprog ours = { 0 }, theirs = { 0 };
    int r1 = ncp_seccomp_arguments_prog(policy, false, &ours);
    int r2 = ncp_seccomp_arguments_prog(policy, true, &theirs);
    ok(r1 == 0 && r2 == 0, "%s: both argument programs made (ours %u instructions, libseccomp's %u)", what, ours.len,
       theirs.len);
    uint32_t archs[] = { seccomp_arch_native(), AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, AUDIT_ARCH_AARCH64 };
    int nrs[] = { SYS_ioctl, SYS_clone, SYS_personality, SYS_socket, SYS_socketpair, SYS_read, SYS_openat,
                  SYS_ioctl | 0x40000000, SYS_socket | 0x40000000, 4000, -1 };
    uint64_t v[128], w[] = { 0, 1, NETLINK_ROUTE, NETLINK_AUDIT, 0x100000000ull, TIOCSTI, CLONE_NEWUSER };
    size_t n_v = interesting_values(v, ARRAY_SIZE(v));
    struct tally t = { 0 };
    for (size_t ai = 0; ai < ARRAY_SIZE(archs); ai++)
        for (size_t ni = 0; ni < ARRAY_SIZE(nrs); ni++)
            /* Argument `arg` takes each interesting value, the other two each of w[]. */
            for (unsigned arg = 0; arg < 3; arg++)
                for (size_t vi = 0; vi < n_v; vi++)
                    for (size_t o1 = 0; o1 < ARRAY_SIZE(w); o1++)
                        for (size_t o2 = 0; o2 < ARRAY_SIZE(w); o2++) {
                            struct seccomp_data d = { .nr = nrs[ni], .arch = archs[ai] };
                            d.args[arg] = v[vi];
                            d.args[(arg + 1) % 3] = w[o1];
                            d.args[(arg + 2) % 3] = w[o2];
                            d.args[3] = d.args[4] = d.args[5] = w[o1];
                            same_answer(&t, &ours, &theirs, &d, what);
                        }
    ok(!t.differ && !t.unknown, "%s: the same argument answers for each of %u calls", what, t.checked);
    free(ours.filter);
    free(theirs.filter);
}

/* The scan of syscall numbers (NCP_SECCOMP_SCAN_MAX) covers every number
 * libseccomp has a name for here: past it, both programs deny all. */
static void scan_covers_the_table(void)
{
    int known_past = -1, highest = -1;
    for (int nr = 0; nr < 8192; nr++) {
        char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
        if (name && nr >= NCP_SECCOMP_SCAN_MAX && known_past < 0)
            known_past = nr;
        if (name)
            highest = nr;
        free(name);
    }
    ok(known_past < 0, "libseccomp names no syscall at or past the scan's bound %d (its highest: %d)",
       NCP_SECCOMP_SCAN_MAX, highest);
}

int main(void)
{
    scan_covers_the_table();
    compare(NULL, "no policy");
    compare_arguments(NULL, "no policy");
    static const char text[] = "{\"ruleset\": [{\"scoped\": [\"signal\"]}],\n"
                               " \"seccomp\": {\"allow\": [\"memfd_create\", \"perf_event_open\", \"bpf\"]}}";
    struct ncp_policy *p = NULL;
    ok(ncp_policy_parse(text, strlen(text), "seccomp", 7, NULL, 0, &p, NULL) == 0 && p, "a policy allowing three");
    compare(p, "the policy's allows");
    /* Families on top: netlink whole, AF_PACKET, the highest one checked. */
    uint64_t families = p->socket_families;
    compare_arguments(p, "the policy's allows");
    p->socket_families = 1ull << AF_NETLINK | 1ull << AF_PACKET | 1ull << 63;
    compare_arguments(p, "netlink, AF_PACKET and family 63 allowed");
    p->socket_families = families;
    /* Numbers past libseccomp's table: allowed alone, and side by side. */
    int extra[] = { SYS_memfd_create, 1500, 1501, 1503, 4000 };
    int *saved = p->seccomp_allow;
    size_t n_saved = p->n_seccomp_allow;
    p->seccomp_allow = extra;
    p->n_seccomp_allow = ARRAY_SIZE(extra);
    compare(p, "numbers past the table");
    p->seccomp_allow = saved;
    p->n_seccomp_allow = n_saved;
    ncp_policy_free(p);
    return tap_done();
}
