/* SPDX-License-Identifier: Apache-2.0 */
/*
 * no-seccomp COMMAND [ARG...]: runs COMMAND where no further seccomp filter
 * can be loaded: seccomp(2) and prctl(PR_SET_SECCOMP) get EINVAL, as on a
 * kernel without CONFIG_SECCOMP_FILTER.  For the tests of `ncp-run --doctor`
 * and of an isolated start on such a machine (tests/bats/ncp-run.bats).
 */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: no-seccomp COMMAND [ARG...]\n");
        return 2;
    }
    scmp_filter_ctx c = seccomp_init(SCMP_ACT_ALLOW);
    int r;
    if (!c || (r = seccomp_rule_add(c, SCMP_ACT_ERRNO(EINVAL), SCMP_SYS(seccomp), 0)) < 0 ||
        (r = seccomp_rule_add(c, SCMP_ACT_ERRNO(EINVAL), SCMP_SYS(prctl), 1,
                              SCMP_A0(SCMP_CMP_EQ, PR_SET_SECCOMP))) < 0 ||
        (r = seccomp_load(c)) < 0) {
        fprintf(stderr, "no-seccomp: cannot load the filter: %s\n", c ? strerror(-r) : "out of memory");
        return 1;
    }
    seccomp_release(c);
    execvp(argv[1], argv + 1);
    fprintf(stderr, "no-seccomp: %s: %s\n", argv[1], strerror(errno));
    return 127;
}
