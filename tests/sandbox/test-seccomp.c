// SPDX-License-Identifier: Apache-2.0
/* The syscall filter that src/sandbox/seccomp.c writes itself answers every syscall
 * number, of this architecture and of others, as libseccomp's program for the
 * same rules does: both are run here by a classic-BPF interpreter. */
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
#include <sys/syscall.h>

#include "common/macro.h"
#include "sandbox/policy.h"
#include "sandbox/sandbox.h"
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
    struct seccomp_data d = { 0 };
    unsigned differ = 0, checked = 0, unknown = 0;
    for (size_t ai = 0; ai < ARRAY_SIZE(archs); ai++)
        for (size_t ri = 0; ri < ARRAY_SIZE(ranges); ri++)
        for (uint64_t nr = ranges[ri].from; nr < ranges[ri].to; nr++) {
            struct seccomp_data native = d;
            native.arch = archs[ai];
            native.nr = (int)(uint32_t)nr;
            uint32_t x = run(&ours, &native), y = run(&theirs, &native);
            checked++;
            unknown += x == UINT32_MAX || y == UINT32_MAX;
            if (x != y && differ++ < 5)
                diag("%s: arch %#x nr %llu: ours %#x, libseccomp's %#x", what, archs[ai], (unsigned long long)nr, x, y);
        }
    ok(!differ && !unknown, "%s: the same answer for each of %u (architecture, number) pairs", what, checked);
    free(ours.filter);
    free(theirs.filter);
}

int main(void)
{
    compare(NULL, "no policy");
    static const char text[] = "{\"ruleset\": [{\"scoped\": [\"signal\"]}],\n"
                               " \"seccomp\": {\"allow\": [\"memfd_create\", \"perf_event_open\", \"bpf\"]}}";
    struct ncp_policy *p = NULL;
    ok(ncp_policy_parse(text, strlen(text), "seccomp", 7, NULL, 0, &p, NULL) == 0 && p, "a policy allowing three");
    compare(p, "the policy's allows");
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
