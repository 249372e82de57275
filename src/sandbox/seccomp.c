/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The isolated child's seccomp filter (libseccomp), the last step of
 * ncp_sandbox_enter(): after it only the runner's own code (receiving the
 * launch spec, dlopen) and then the app's run, so everything ld.so, libc and
 * the runner do afterwards must still be allowed.
 *
 * Two filters, because libseccomp cannot say "allow ioctl except TIOCSTI" in
 * one (an unconditional rule swallows the conditional ones, and a rule
 * compares each argument once):
 *
 *   1. which system calls exist.  Default ENOSYS; every syscall libseccomp
 *      knows for this architecture is allowed, except the denied ones below
 *      (EPERM, or ENOSYS where a library should fall back).  A syscall newer
 *      than libseccomp's table (the xattrat family, listmount, mseal, ...) is
 *      not in the list and gets ENOSYS: a kernel feature the filter was not
 *      written for is refused, not allowed.  Its BPF program is written here
 *      on x86_64 and aarch64 (make_syscalls_prog(): libseccomp takes
 *      milliseconds for it; src/sandbox/seccomp_bpf.c), by libseccomp
 *      elsewhere; libseccomp's table names the syscalls either way.
 *   2. arguments.  Default allow; ioctl TIOCSTI/TIOCLINUX, clone with a
 *      namespace flag, personality other than PER_LINUX or the query, and
 *      socket()/socketpair() of a family other than AF_UNIX, AF_INET,
 *      AF_INET6 and netlink's NETLINK_ROUTE get an errno.
 *      libseccomp's rules say it (build_arguments()); the program is
 *      written here too on x86_64 and aarch64 (src/sandbox/seccomp_bpf.c).
 *
 * The kernel runs both and takes the most restrictive answer.  Both check
 * the architecture: another one (i386 through int 0x80 on x86_64) and x32
 * get ENOSYS.  Nothing kills: a library sees a failure it can handle.  As
 * no rule of filter 1 and few of filter 2 look at arguments, the kernel's
 * seccomp action cache answers nearly every syscall without running them.
 *
 * A policy's "seccomp" section (src/sandbox/policy_additions.c, child_process-policy(5)) can
 * allow more: syscalls of the denied list, and socket families.
 *
 * This file holds the lists, libseccomp's filters and the loading.  It runs
 * in the isolated child (ncp-sandbox.so) and in `ncp-run --doctor`'s
 * throwaway child.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/sched.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include "common/log.h"
#include "common/macro.h"
#include "policy.h"
#include "seccomp_progs.h"

struct denied {
    const char *name;
    int err;
};

/* Flatpak's and Docker's default blocklists, as far as they apply here. */
static const struct denied denied[] = {
    /* Mounts and the new mount API, a new root. */
    { "mount", EPERM }, { "umount", EPERM }, { "umount2", EPERM },
    { "fsopen", EPERM }, { "fsconfig", EPERM }, { "fsmount", EPERM }, { "fspick", EPERM },
    { "move_mount", EPERM }, { "open_tree", EPERM }, { "mount_setattr", EPERM },
    { "pivot_root", EPERM }, { "chroot", EPERM },
    /* New namespaces, or joining one.  clone3's flags are in memory, which
     * seccomp cannot read: ENOSYS makes glibc fall back to clone(), whose
     * flags filter 2 checks. */
    { "unshare", EPERM }, { "setns", EPERM }, { "clone3", ENOSYS },
    /* The kernel keyring. */
    { "keyctl", EPERM }, { "add_key", EPERM }, { "request_key", EPERM },
    /* Large kernel attack surface. */
    { "bpf", EPERM }, { "perf_event_open", EPERM }, { "userfaultfd", EPERM },
    { "io_uring_setup", EPERM }, { "io_uring_enter", EPERM }, { "io_uring_register", EPERM },
    { "modify_ldt", EPERM }, { "uselib", EPERM },
    /* Administration of the machine. */
    { "kexec_load", EPERM }, { "kexec_file_load", EPERM },
    { "init_module", EPERM }, { "finit_module", EPERM }, { "delete_module", EPERM },
    { "create_module", EPERM }, { "query_module", EPERM }, { "get_kernel_syms", EPERM },
    { "reboot", EPERM }, { "swapon", EPERM }, { "swapoff", EPERM }, { "acct", EPERM },
    { "syslog", EPERM }, { "quotactl", EPERM }, { "quotactl_fd", EPERM },
    { "nfsservctl", EPERM }, { "lookup_dcookie", EPERM }, { "_sysctl", EPERM },
    { "ioperm", EPERM }, { "iopl", EPERM }, { "vm86", EPERM }, { "vm86old", EPERM },
    /* Files by handle: a handle names a file outside the new root. */
    { "open_by_handle_at", EPERM }, { "name_to_handle_at", EPERM },
    /* Other processes. */
    { "ptrace", EPERM }, { "process_vm_readv", EPERM }, { "process_vm_writev", EPERM },
    { "kcmp", EPERM }, { "pidfd_getfd", EPERM },
    /* A file that never was on a noexec mount: memfd + fexecve or dlopen
     * would run code the child wrote.  ENOSYS: libraries fall back to a
     * file in /tmp or /dev/shm (noexec) as on kernels before 3.17. */
    { "memfd_create", ENOSYS },
};

/* Socket families allowed by default (filter 2); netlink: NETLINK_ROUTE only
 * (glibc's getaddrinfo and if_nameindex read the interfaces through it). */
static const int default_families[] = { AF_UNIX, AF_INET, AF_INET6 };

static const struct {
    const char *name;
    int family;
} family_names[] = {
    { "AF_UNIX", AF_UNIX }, { "AF_LOCAL", AF_LOCAL }, { "AF_INET", AF_INET }, { "AF_AX25", AF_AX25 },
    { "AF_IPX", AF_IPX }, { "AF_APPLETALK", AF_APPLETALK }, { "AF_NETROM", AF_NETROM },
    { "AF_BRIDGE", AF_BRIDGE }, { "AF_ATMPVC", AF_ATMPVC }, { "AF_X25", AF_X25 }, { "AF_INET6", AF_INET6 },
    { "AF_ROSE", AF_ROSE }, { "AF_DECnet", AF_DECnet }, { "AF_NETBEUI", AF_NETBEUI },
    { "AF_SECURITY", AF_SECURITY }, { "AF_KEY", AF_KEY }, { "AF_NETLINK", AF_NETLINK },
    { "AF_PACKET", AF_PACKET }, { "AF_ASH", AF_ASH }, { "AF_ECONET", AF_ECONET }, { "AF_ATMSVC", AF_ATMSVC },
    { "AF_RDS", AF_RDS }, { "AF_SNA", AF_SNA }, { "AF_IRDA", AF_IRDA }, { "AF_PPPOX", AF_PPPOX },
    { "AF_WANPIPE", AF_WANPIPE }, { "AF_LLC", AF_LLC }, { "AF_IB", AF_IB }, { "AF_MPLS", AF_MPLS },
    { "AF_CAN", AF_CAN }, { "AF_TIPC", AF_TIPC }, { "AF_BLUETOOTH", AF_BLUETOOTH }, { "AF_IUCV", AF_IUCV },
    { "AF_RXRPC", AF_RXRPC }, { "AF_ISDN", AF_ISDN }, { "AF_PHONET", AF_PHONET },
    { "AF_IEEE802154", AF_IEEE802154 }, { "AF_CAIF", AF_CAIF }, { "AF_ALG", AF_ALG }, { "AF_NFC", AF_NFC },
    { "AF_VSOCK", AF_VSOCK }, { "AF_KCM", AF_KCM }, { "AF_QIPCRTR", AF_QIPCRTR }, { "AF_SMC", AF_SMC },
    { "AF_XDP", 44 }, { "AF_MCTP", 45 },
};

int ncp_seccomp_family_by_name(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(family_names); i++)
        if (strcmp(name, family_names[i].name) == 0)
            return family_names[i].family;
    return -EINVAL;
}

bool ncp_seccomp_arg_checked(const char *name)
{
    static const char *const names[] = { "ioctl", "clone", "personality", "socket", "socketpair" };
    for (size_t i = 0; i < ARRAY_SIZE(names); i++)
        if (strcmp(name, names[i]) == 0)
            return true;
    return false;
}

void ncp_seccomp_version(char *buf, size_t size)
{
    const struct scmp_version *v = seccomp_version();
    if (v)
        snprintf(buf, size, "%u.%u.%u", v->major, v->minor, v->micro);
    else
        snprintf(buf, size, "unknown");
}

static void ctx_release(scmp_filter_ctx *c)
{
    if (*c)
        seccomp_release(*c);
}
#define _cleanup_seccomp_ __attribute__((cleanup(ctx_release)))

/* A context for the native architecture; other architectures (and x32:
 * libseccomp's x86_64 filters refuse syscall numbers with the x32 bit) get
 * `bad_arch`. */
static int new_ctx(uint32_t def, scmp_filter_ctx *ret)
{
    scmp_filter_ctx c = seccomp_init(def);
    if (!c)
        return log_error_errno(ENOMEM, "seccomp: cannot create a filter");
    int r;
    /* no_new_privs is set already (src/sandbox/caps.c).  SYSRAWRC: a failed load
     * returns the kernel's errno (EPERM under a container's filter that
     * forbids stacking one), not libseccomp's catch-all ECANCELED. */
    if ((r = seccomp_attr_set(c, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ERRNO(ENOSYS))) < 0 ||
        (r = seccomp_attr_set(c, SCMP_FLTATR_CTL_NNP, 0)) < 0 ||
        (r = seccomp_attr_set(c, SCMP_FLTATR_API_SYSRAWRC, 1)) < 0) {
        seccomp_release(c);
        return log_error_errno(r, "seccomp: cannot set the filter's attributes");
    }
    *ret = c;
    return 0;
}

static bool policy_allows(const struct ncp_policy *policy, int nr)
{
    for (size_t i = 0; policy && i < policy->n_seccomp_allow; i++)
        if (policy->seccomp_allow[i] == nr)
            return true;
    return false;
}

/* The denied list by name, for a binary search: a scan looks up some 370
 * names, and comparing each with every entry took 200 us of a start. */
struct denied_index {
    const struct denied *by_name[ARRAY_SIZE(denied)];
};

static int denied_cmp(const void *a, const void *b)
{
    return strcmp((*(const struct denied *const *)a)->name, (*(const struct denied *const *)b)->name);
}

static void denied_index_init(struct denied_index *ix)
{
    for (size_t i = 0; i < ARRAY_SIZE(denied); i++)
        ix->by_name[i] = &denied[i];
    qsort(ix->by_name, ARRAY_SIZE(denied), sizeof(ix->by_name[0]), denied_cmp);
}

static const struct denied *find_denied(const struct denied_index *ix, const char *name)
{
    const struct denied key = { .name = name }, *k = &key;
    const struct denied *const *hit = bsearch(&k, ix->by_name, ARRAY_SIZE(denied), sizeof(ix->by_name[0]), denied_cmp);
    return hit ? *hit : NULL;
}

/* Filter 1: every syscall libseccomp knows, allowed or denied by name. */
static int build_syscalls(const struct ncp_policy *policy, scmp_filter_ctx *ret, unsigned *n_allowed,
                          unsigned *n_denied)
{
    _cleanup_seccomp_ scmp_filter_ctx c = NULL;
    int r = new_ctx(SCMP_ACT_ERRNO(ENOSYS), &c);
    if (r < 0)
        return r;
    /* A binary tree of syscall numbers, not a list of 370 comparisons. */
    (void)seccomp_attr_set(c, SCMP_FLTATR_CTL_OPTIMIZE, 2);
    *n_allowed = *n_denied = 0;
    struct denied_index ix;
    denied_index_init(&ix);
    for (int nr = 0; nr < NCP_SECCOMP_SCAN_MAX; nr++) {
        _cleanup_free_ char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
        if (!name)
            continue;
        const struct denied *d = find_denied(&ix, name);
        uint32_t action = SCMP_ACT_ALLOW;
        if (d && !policy_allows(policy, nr)) {
            (*n_denied)++;
            if (d->err == ENOSYS)
                continue;  /* the default */
            action = SCMP_ACT_ERRNO((uint32_t)d->err);
        } else
            (*n_allowed)++;
        if ((r = seccomp_rule_add(c, action, nr, 0)) < 0)
            return log_error_errno(r, "seccomp: cannot add the rule for %s", name);
    }
    /* Unknown to this libseccomp but named by the policy: allowed too. */
    for (size_t i = 0; policy && i < policy->n_seccomp_allow; i++) {
        int nr = policy->seccomp_allow[i];
        if (nr >= NCP_SECCOMP_SCAN_MAX && (r = seccomp_rule_add(c, SCMP_ACT_ALLOW, nr, 0)) < 0)
            return log_error_errno(r, "seccomp: cannot add the rule for syscall %d", nr);
    }
    *ret = TAKE_PTR(c);
    return 0;
}

void ncp_seccomp_syscall_answers(const struct ncp_policy *policy, uint32_t *answer, unsigned *n_allowed,
                                 unsigned *n_denied)
{
    *n_allowed = *n_denied = 0;
    struct denied_index ix;
    denied_index_init(&ix);
    for (int nr = 0; nr < NCP_SECCOMP_SCAN_MAX; nr++) {
        answer[nr] = SCMP_ACT_ERRNO(ENOSYS);
        _cleanup_free_ char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
        if (!name)
            continue;
        const struct denied *d = find_denied(&ix, name);
        if (d && !policy_allows(policy, nr)) {
            (*n_denied)++;
            answer[nr] = SCMP_ACT_ERRNO((uint32_t)d->err);
        } else {
            (*n_allowed)++;
            answer[nr] = SCMP_ACT_ALLOW;
        }
    }
}

uint64_t ncp_seccomp_allowed_families(const struct ncp_policy *policy)
{
    uint64_t allowed = policy ? policy->socket_families : 0;
    for (size_t i = 0; i < ARRAY_SIZE(default_families); i++)
        allowed |= 1ull << default_families[i];
    return allowed;
}

#define ADD(action, sys, ...)                                                                       \
    do {                                                                                            \
        if ((r = seccomp_rule_add(c, (action), SCMP_SYS(sys), __VA_ARGS__)) < 0)                    \
            return log_error_errno(r, "seccomp: cannot add an argument rule for " #sys);            \
    } while (0)

/* Filter 2: the arguments of the syscalls that are allowed only in part. */
static int build_arguments(const struct ncp_policy *policy, scmp_filter_ctx *ret)
{
    _cleanup_seccomp_ scmp_filter_ctx c = NULL;
    int r = new_ctx(SCMP_ACT_ALLOW, &c);
    if (r < 0)
        return r;

    /* The kernel reads an ioctl request as a 32-bit int: compare only those
     * bits, or TIOCSTI with a high bit set would pass (CVE-2019-10063). */
    ADD(SCMP_ACT_ERRNO(EPERM), ioctl, 1, SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI));
    ADD(SCMP_ACT_ERRNO(EPERM), ioctl, 1, SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCLINUX));

    /* clone() with any namespace flag (the flags are the first argument,
     * the second on s390). */
    static const uint64_t ns_flags[] = { CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
                                         CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET };
#if defined(__s390__) || defined(__s390x__)
    const unsigned clone_flags_arg = 1;
#else
    const unsigned clone_flags_arg = 0;
#endif
    for (size_t i = 0; i < ARRAY_SIZE(ns_flags); i++)
        ADD(SCMP_ACT_ERRNO(EPERM), clone, 1,
            SCMP_CMP(clone_flags_arg, SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]));

    /* personality(): PER_LINUX (0) and the query (0xffffffff) only.  Its
     * 32-bit argument is neither all zeros nor all ones exactly when some
     * bit i is set and bit i+1 (mod 32) is clear: 32 masked comparisons. */
    for (unsigned i = 0; i < 32; i++) {
        uint64_t bit = 1ull << i, next = 1ull << ((i + 1) % 32);
        ADD(SCMP_ACT_ERRNO(EPERM), personality, 1, SCMP_A0(SCMP_CMP_MASKED_EQ, bit | next, bit));
    }

    /* Socket families: each small one not allowed, and every larger value
     * (compared as 64 bits: a value with high bits set is refused even if
     * the kernel would have read it as an allowed family). */
    uint64_t allowed = ncp_seccomp_allowed_families(policy);
    for (int f = 0; f < NCP_SECCOMP_FAMILY_MAX; f++) {
        if (allowed & (1ull << f))
            continue;
        if (f == AF_NETLINK) {
            /* Netlink with any protocol but NETLINK_ROUTE. */
            ADD(SCMP_ACT_ERRNO(EAFNOSUPPORT), socket, 2, SCMP_A0(SCMP_CMP_EQ, (uint64_t)f),
                SCMP_A2(SCMP_CMP_NE, NETLINK_ROUTE));
            ADD(SCMP_ACT_ERRNO(EAFNOSUPPORT), socketpair, 2, SCMP_A0(SCMP_CMP_EQ, (uint64_t)f),
                SCMP_A2(SCMP_CMP_NE, NETLINK_ROUTE));
            continue;
        }
        ADD(SCMP_ACT_ERRNO(EAFNOSUPPORT), socket, 1, SCMP_A0(SCMP_CMP_EQ, (uint64_t)f));
        ADD(SCMP_ACT_ERRNO(EAFNOSUPPORT), socketpair, 1, SCMP_A0(SCMP_CMP_EQ, (uint64_t)f));
    }
    ADD(SCMP_ACT_ERRNO(EAFNOSUPPORT), socket, 1, SCMP_A0(SCMP_CMP_GE, NCP_SECCOMP_FAMILY_MAX));
    ADD(SCMP_ACT_ERRNO(EAFNOSUPPORT), socketpair, 1, SCMP_A0(SCMP_CMP_GE, NCP_SECCOMP_FAMILY_MAX));

    *ret = TAKE_PTR(c);
    return 0;
}


/* The BPF program libseccomp makes of a filter, in memory: it writes it to a
 * descriptor only (2.5 has no export to memory), here a pipe, which holds it
 * (a classic BPF program has at most 4096 instructions, 32 KiB). */
static int export_prog(scmp_filter_ctx c, struct sock_fprog *out)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -errno;
    _cleanup_close_ int rd = p[0];
    int r = seccomp_export_bpf(c, p[1]);
    close(p[1]);
    if (r < 0)
        return r;
    _cleanup_free_ struct sock_filter *f = malloc(BPF_MAXINSNS * sizeof(*f));
    if (!f)
        return -ENOMEM;
    size_t len = 0;
    for (ssize_t n; len < BPF_MAXINSNS * sizeof(*f); len += (size_t)n) {
        n = read(rd, (char *)f + len, BPF_MAXINSNS * sizeof(*f) - len);
        if (n < 0 && errno == EINTR)
            n = 0;
        else if (n < 0)
            return -errno;
        else if (n == 0)
            break;
    }
    if (!len || len % sizeof(*f))
        return -EINVAL;
    out->len = (unsigned short)(len / sizeof(*f));
    out->filter = TAKE_PTR(f);
    return 0;
}

int ncp_seccomp_syscalls_prog(const struct ncp_policy *policy, bool by_libseccomp, struct sock_fprog *out,
                              unsigned *n_allowed, unsigned *n_denied)
{
    int r = by_libseccomp ? -EOPNOTSUPP : ncp_seccomp_make_syscalls_prog(policy, out, n_allowed, n_denied);
    if (r != -EOPNOTSUPP)
        return r < 0 ? log_error_errno(r, "seccomp: cannot make the syscall filter") : 0;
    _cleanup_seccomp_ scmp_filter_ctx c = NULL;
    if ((r = build_syscalls(policy, &c, n_allowed, n_denied)) < 0)
        return r;
    if ((r = export_prog(c, out)) < 0)
        return log_error_errno(r, "seccomp: cannot make the syscall filter's program");
    return 0;
}

int ncp_seccomp_arguments_prog(const struct ncp_policy *policy, bool by_libseccomp, struct sock_fprog *out)
{
    int r = by_libseccomp ? -EOPNOTSUPP : ncp_seccomp_make_arguments_prog(policy, out);
    if (r != -EOPNOTSUPP)
        return r < 0 ? log_error_errno(r, "seccomp: cannot make the argument filter") : 0;
    _cleanup_seccomp_ scmp_filter_ctx c = NULL;
    if ((r = build_arguments(policy, &c)) < 0)
        return r;
    if ((r = export_prog(c, out)) < 0)
        return log_error_errno(r, "seccomp: cannot make the argument filter's program");
    return 0;
}

/* Both filters' programs; ncp_seccomp_built_free() frees them. */
struct ncp_seccomp_built {
    struct sock_fprog arguments, syscalls;
    unsigned n_allowed, n_denied;
    bool policy_allows_more;
};

static void ncp_seccomp_built_free(struct ncp_seccomp_built *b);

static int ncp_seccomp_build(const struct ncp_policy *policy, struct ncp_seccomp_built *out)
{
    *out = (struct ncp_seccomp_built){ 0 };
    int r;
    if ((r = ncp_seccomp_syscalls_prog(policy, false, &out->syscalls, &out->n_allowed, &out->n_denied)) < 0 ||
        (r = ncp_seccomp_arguments_prog(policy, false, &out->arguments)) < 0) {
        ncp_seccomp_built_free(out);
        return r;
    }
    out->policy_allows_more = policy && (policy->n_seccomp_allow || policy->socket_families);
    return 0;
}

static void ncp_seccomp_built_free(struct ncp_seccomp_built *b)
{
    free(b->arguments.filter);
    free(b->syscalls.filter);
    b->arguments.filter = b->syscalls.filter = NULL;
}

/* What seccomp_load() does with our attributes (no_new_privs set already,
 * no thread sync, no logging flags). */
static int load_prog(const struct sock_fprog *p)
{
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, p) == 0)
        return 0;
    if (errno == ENOSYS && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, p, 0, 0) == 0)
        return 0;
    return -errno;
}

static int ncp_seccomp_load(const struct ncp_seccomp_built *b)
{
    int r;
    if ((r = load_prog(&b->arguments)) < 0)
        return log_error_errno(r, "seccomp: cannot load the argument filter");
    if ((r = load_prog(&b->syscalls)) < 0)
        return log_error_errno(r, "seccomp: cannot load the syscall filter");
    if (ncp_log_enabled(NCP_LOG_INFO)) {
        char version[32];
        ncp_seccomp_version(version, sizeof(version));
        log_info("seccomp: filter on (libseccomp %s): %u syscalls allowed, %u denied, any other ENOSYS%s", version,
                 b->n_allowed, b->n_denied, b->policy_allows_more ? "; the policy allows more" : "");
    }
    return 0;
}

int ncp_seccomp_apply(const struct ncp_policy *policy)
{
    /* Both built before either is loaded: loading the first must not get
     * in the way of building the second. */
    struct ncp_seccomp_built b;
    int r = ncp_seccomp_build(policy, &b);
    if (r < 0)
        return r;
    r = ncp_seccomp_load(&b);
    ncp_seccomp_built_free(&b);
    return r;
}
