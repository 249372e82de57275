/* SPDX-License-Identifier: Apache-2.0 */
/* Landlock: the ABI probe, the NCP_LANDLOCK_ABI cap, and rulesets enforced at
 * the kernel's ABI and at forced lower ones (the downgrade path). */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/landlock_uapi.h"
#include "common/macro.h"
#include "sandbox/policy.h"
#include "sandbox/landlock.h"
#include "../tap.h"

static char tmpdir[] = "/tmp/ncp-landlock-test.XXXXXX";

/* Runs fn in a forked child; returns its exit status (or 200 + signal). */
static int in_child(int (*fn)(int abi), int abi)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(fn(abi));
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + WTERMSIG(st);
}

static int restrict_with(const char *json, int abi)
{
    char *err = NULL;
    struct ncp_policy *p = NULL;
    const struct ncp_policy_var vars[] = { { "tmp", tmpdir } };
    if (ncp_policy_parse(json, strlen(json), "test", abi, vars, 1, &p, &err) < 0) {
        printf("# parse: %s\n", err ? err : "?");
        return -1;
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return -1;
    int r = ncp_landlock_apply(p, NULL, 0, abi);
    ncp_policy_free(p);
    return r;
}

static const char policy_text[] =
    "{\"abi\": 7, \"ruleset\":[{\"handledAccessFs\":[\"abi.all\"],\"scoped\":[\"abi.all\"]}],"
    "\"pathBeneath\":[{\"allowedAccess\":[\"abi.read_execute\"],\"parent\":[\"/usr\"]},"
    "{\"allowedAccess\":[\"read_file\",\"read_dir\",\"write_file\"],\"parent\":[\"${tmp}\"]}]}";

/* Exit codes: 0 all as expected, else the first check that failed. */
static int child_fs_walls(int abi)
{
    if (restrict_with(policy_text, abi) < 0)
        return 1;
    int fd = open("/usr/bin/sh", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 2; /* allowed */
    close(fd);
    fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
    if (fd >= 0 || errno != EACCES)
        return 3; /* denied at every ABI */
    char path[256];
    snprintf(path, sizeof(path), "%s/new", tmpdir);
    fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (fd >= 0 || errno != EACCES)
        return 4; /* make_reg not allowed */
    if (mkdir("/tmp/ncp-landlock-nope", 0755) == 0 || errno != EACCES)
        return 5;
    return 0;
}

/* TRUNCATE is handled from ABI 3 on: O_TRUNC of a writable file fails only there. */
static int child_truncate(int abi)
{
    if (restrict_with(policy_text, abi) < 0)
        return 1;
    char path[256];
    snprintf(path, sizeof(path), "%s/file", tmpdir);
    int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd >= 0) {
        close(fd);
        return 10; /* truncated */
    }
    return errno == EACCES ? 11 : 12;
}

/* The signal scope (ABI 6): the parent is outside the domain. */
static int child_signal(int abi)
{
    if (restrict_with(policy_text, abi) < 0)
        return 1;
    if (kill(getppid(), 0) == 0)
        return 20; /* allowed */
    return errno == EPERM ? 21 : 22;
}

int main(void)
{
    int kabi = ncp_landlock_kernel_abi();
    ok(kabi >= 0, "the kernel's Landlock ABI is probed: %d", kabi);
    if (kabi < 1) {
        printf("1..%d # SKIP the kernel has no Landlock\n", tap_n);
        return 0;
    }
    if (!mkdtemp(tmpdir))
        return 99;
    char path[256];
    snprintf(path, sizeof(path), "%s/file", tmpdir);
    FILE *f = fopen(path, "we");
    fputs("content", f);
    fclose(f);

    unsetenv("NCP_LANDLOCK_ABI");
    int best = kabi > NCP_LANDLOCK_ABI_MAX ? NCP_LANDLOCK_ABI_MAX : kabi;
    is_int(ncp_landlock_abi(), best, "without NCP_LANDLOCK_ABI: the kernel's ABI");
    setenv("NCP_LANDLOCK_ABI", "1", 1);
    is_int(ncp_landlock_abi(), 1, "NCP_LANDLOCK_ABI=1 caps it");
    setenv("NCP_LANDLOCK_ABI", "99", 1);
    is_int(ncp_landlock_abi(), best, "NCP_LANDLOCK_ABI above the kernel's changes nothing");
    setenv("NCP_LANDLOCK_ABI", "junk", 1);
    is_int(ncp_landlock_abi(), best, "a malformed NCP_LANDLOCK_ABI is ignored");
    setenv("NCP_LANDLOCK_ABI", "0", 1);
    is_int(ncp_landlock_abi(), 0, "NCP_LANDLOCK_ABI=0 disables Landlock");
    unsetenv("NCP_LANDLOCK_ABI");

    for (int abi = 1; abi <= best; abi++)
        is_int(in_child(child_fs_walls, abi), 0, "ABI %d: filesystem walls hold", abi);

    is_int(in_child(child_truncate, 2), 10, "ABI 2: truncate is not handled (downgrade drops it)");
    if (best >= 3)
        is_int(in_child(child_truncate, best), 11, "ABI %d: truncate is denied", best);

    is_int(in_child(child_signal, 5), 20, "ABI 5: no signal scope, the parent can be signalled");
    if (best >= 6)
        is_int(in_child(child_signal, best), 21, "ABI %d: the signal scope denies the parent (EPERM)", best);

    unlink(path);
    rmdir(tmpdir);
    return tap_done();
}
