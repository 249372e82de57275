/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which binds into an isolated child's root can be made (binds.c): checked
 * by the app before the start (NCP_ChildProcessConfigs_AddBind, ncp-run
 * --ro-bind/--bind; a bad one is a 401), by the policy parser for the
 * policy's "binds", and by the child again before it mounts
 * (src/sandbox/mount.c).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "sandbox/sandbox.h"

/* Whether `p` is one of the directories the new root builds itself (system
 * dirs, /etc, /proc, /dev, /sys) or beneath one. */
static inline bool ncp_is_system_path(const char *p)
{
    static const char *const prefixes[] = { "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
                                            "/etc", "/proc", "/dev", "/sys" };
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        size_t n = strlen(prefixes[i]);
        if (strncmp(p, prefixes[i], n) == 0 && (p[n] == '\0' || p[n] == '/'))
            return true;
    }
    return false;
}

/* Whether `dest` can be a bind's place in the child's root: absolute, clean,
 * not a part the root builds itself, not where passed directories go. */
static inline bool ncp_bind_dest_ok(const char *dest)
{
    size_t n = strlen("/run/child_process");
    return ncp_path_is_clean(dest) && strlen(dest) < 4096 && !ncp_is_system_path(dest) &&
           !(strncmp(dest, "/run/child_process", n) == 0 && (dest[n] == '\0' || dest[n] == '/')) &&
           strcmp(dest, "/run") != 0;
}

/* Whether binds `b` can be made in a root with that data dir and library
 * directory (NULL: none bound); `sources`: also that each source exists and
 * is no device (the app; in the child, a root built ahead of need may cover
 * them).  0, or -EINVAL/-errno after one log line. */
int ncp_binds_check(const struct ncp_sandbox_bind *b, size_t n, const char *data_dir, const char *lib_dir, bool sources);
