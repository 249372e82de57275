/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ncp-run --doctor: reads the facts (kernel, sysctls, AppArmor, Landlock ABI,
 * subordinate id ranges, the runner) and probes what cannot be read (creating
 * the isolated child's namespaces), then says which walls hold.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <AbilityKit/native_child_process.h>

#include "doctor.h"
#include "macro.h"
#include "ncp.h"
#include "sandbox.h"
#include "spawner.h"

/* -1 when the file does not exist (the knob is not in this kernel). */
static long read_long(const char *path)
{
    FILE *f = fopen(path, "re");
    long v = -1;
    if (f) {
        if (fscanf(f, "%ld", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

struct fact {
    const char *key;
    char value[256];
    bool ok;          /* for walls: holds here */
    const char *note;
};

static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            printf("\\u%04x", *s);
        else
            putchar(*s);
    }
    putchar('"');
}

int ncp_doctor(bool json)
{
    struct utsname u;
    uname(&u);
    long max_userns = read_long("/proc/sys/user/max_user_namespaces");
    long max_netns = read_long("/proc/sys/user/max_net_namespaces");
    long unpriv_clone = read_long("/proc/sys/kernel/unprivileged_userns_clone");
    long aa_restrict = read_long("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
    bool namespaces = ncp_userns_supported();
    int ll_kernel = ncp_landlock_kernel_abi();
    int ll_used = ncp_landlock_abi();
    uid_t us = 0;
    gid_t gs = 0;
    uint32_t count = 0;
    bool helpers = false;
    int range = ncp_userns_isolation_range(&us, &gs, &count, &helpers);
    const char *runner = ncp_runner_path();
    bool runner_ok = access(runner, X_OK) == 0;
    /* Isolated children load it from next to the runner (src/runner/sandbox_loader.c). */
    char candidates[3][NCP_SANDBOX_MODULE_PATH_MAX];
    ncp_sandbox_module_candidates(runner, candidates);
    const char *module = candidates[0];
    bool module_ok = false;
    for (size_t i = 0; i < ARRAY_SIZE(candidates) && !module_ok; i++)
        if ((module_ok = access(candidates[i], R_OK) == 0))
            module = candidates[i];
    bool isolation = namespaces && module_ok;
    struct ncp_settings settings;
    ncp_settings_load(&settings);
    bool supported = OH_Ability_IsNativeChildProcessSupported();
    bool pidfd_exit = ncp_pidfd_exit_supported();

    char isolation_range[128];
    if (range == 0)
        snprintf(isolation_range, sizeof(isolation_range), "uids %u-%u, gids %u-%u%s", (unsigned)us,
                 (unsigned)(us + count - 1), (unsigned)gs, (unsigned)(gs + count - 1),
                 helpers ? " (newuidmap/newgidmap)" : " (reserved range, root)");
    else
        snprintf(isolation_range, sizeof(isolation_range), "none (%s)",
                 range == -ENOEXEC ? "newuidmap/newgidmap missing: apt-get install uidmap"
                                   : "no /etc/subuid and /etc/subgid entry: usermod --add-subuids 100000-165535 --add-subgids 100000-165535 USER");

    struct fact facts[16];
    size_t n = 0;
#define FACT(k, ...) do { facts[n].key = k; snprintf(facts[n].value, sizeof(facts[n].value), __VA_ARGS__); n++; } while (0)
    FACT("kernel", "%s %s", u.sysname, u.release);
    FACT("uid", "%u%s", (unsigned)geteuid(), geteuid() == 0 ? " (root)" : "");
    FACT("user.max_user_namespaces", "%ld", max_userns);
    FACT("user.max_net_namespaces", "%ld", max_netns);
    FACT("kernel.unprivileged_userns_clone", "%s", unpriv_clone < 0 ? "not in this kernel" : unpriv_clone ? "1" : "0");
    FACT("kernel.apparmor_restrict_unprivileged_userns", "%s",
         aa_restrict < 0 ? "not in this kernel" : aa_restrict ? "1 (restricted)" : "0");
    FACT("namespaces (user, mount, network, ipc, uts)", "%s", namespaces ? "can be created (probed)" : "CANNOT be created");
    FACT("landlock ABI", "%d in the kernel, %d used%s", ll_kernel, ll_used, ll_used < ll_kernel ? " (capped)" : "");
    FACT("isolation uid range", "%s", isolation_range);
    FACT("exit status from pidfds (Linux 6.15)", "%s", pidfd_exit ? "yes" : "no (the zygote reports ends)");
    FACT("runner", "%s%s", runner, runner_ok ? "" : " (MISSING or not executable)");
    FACT("sandbox module", "%.200s%s", module, module_ok ? "" : " (MISSING: isolated children cannot start)");
    FACT("multi-process (settings)", "%s", settings.multi_process ? "on" : "OFF");
    FACT("limits", "%u children per app, %u IPC children per process", settings.max_children_per_app, settings.max_ipc_children);

    struct fact walls[12];
    size_t w = 0;
#define WALL(k, holds, why) do { walls[w].key = k; walls[w].ok = (holds); walls[w].note = why; w++; } while (0)
    WALL("children can start at all", supported, "runner present, multi-process on");
    WALL("private filesystem view (nothing of /home, /run, /var, other apps)", isolation, "mount namespace + pivot_root");
    WALL("private data dir, fresh per child", isolation, "tmpfs in the child's mount namespace");
    WALL("loopback-only network (no host TCP/UDP, no host abstract sockets)", isolation, "network namespace");
    WALL("no capabilities, no_new_privs, setuid binaries gain nothing", isolation, "user namespace + libcap-ng + PR_SET_NO_NEW_PRIVS");
    WALL("filesystem rights narrowed by the policy (defence in depth)", ll_used >= 1, "Landlock ABI >= 1");
    WALL("truncation of read-only files refused", ll_used >= 3, "Landlock ABI >= 3");
    WALL("ioctl on devices refused", ll_used >= 5, "Landlock ABI >= 5");
    WALL("no signals to processes outside the sandbox", ll_used >= 6 || isolation, "Landlock ABI >= 6 signal scope; uid mapping");
    WALL("no ptrace of processes outside the sandbox", ll_used >= 1, "Landlock ptrace restriction");
    WALL("a host uid of its own (SetIsolationUid)", isolation && range == 0, "subordinate id range");

    if (json) {
        printf("{\n  \"facts\": {\n");
        for (size_t i = 0; i < n; i++) {
            printf("    ");
            json_string(facts[i].key);
            printf(": ");
            json_string(facts[i].value);
            printf("%s\n", i + 1 < n ? "," : "");
        }
        printf("  },\n  \"walls\": [\n");
        for (size_t i = 0; i < w; i++) {
            printf("    { \"wall\": ");
            json_string(walls[i].key);
            printf(", \"holds\": %s, \"relies_on\": ", walls[i].ok ? "true" : "false");
            json_string(walls[i].note);
            printf(" }%s\n", i + 1 < w ? "," : "");
        }
        printf("  ],\n  \"normal_children\": %s,\n  \"isolated_children\": %s\n}\n", supported ? "true" : "false",
               supported && isolation ? "true" : "false");
    } else {
        printf("libchild_process doctor\n\n");
        for (size_t i = 0; i < n; i++)
            printf("  %-46s %s\n", facts[i].key, facts[i].value);
        printf("\nwalls of an isolated child on this machine:\n\n");
        for (size_t i = 0; i < w; i++)
            printf("  [%s] %-66s (%s)\n", walls[i].ok ? "ok" : "--", walls[i].key, walls[i].note);
        printf("\nnormal children: %s; isolated children: %s\n", supported ? "yes" : "NO",
               supported && isolation ? "yes" : "NO");
        if (!namespaces)
            ncp_userns_explain_failure(EPERM);
        else if (!module_ok)
            printf("isolated children need %s (reinstall)\n", module);
    }
    return supported && isolation ? 0 : 1;
}
