/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The app's binds into an isolated child's root (NCP_ChildProcessConfigs_AddBind,
 * ncp-run --ro-bind/--bind): which ones can be made.  Checked by the app before
 * the start (so a bad one is a 401) and again by the child before it mounts.
 *
 * A bind is placed after the data dir and the library's directory and before
 * the passed directories (src/sandbox/mount.c).  So none may cover those (the data dir
 * would show the host's, and their mount points would be made inside the
 * bind, on the host when it is writable), nor another bind, for the same
 * reason: the child never creates anything on the host to mount on.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"
#include "binds.h"
#include "sandbox/sandbox.h"

/* Whether `p` is `dir` or beneath it. */
static bool at_or_beneath(const char *p, const char *dir)
{
    size_t n = strlen(dir);
    return strncmp(p, dir, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

int ncp_binds_check(const struct ncp_sandbox_bind *b, size_t n, const char *data_dir, const char *lib_dir, bool sources)
{
    if (n > NCP_MAX_BINDS)
        return log_error_errno(EINVAL, "bind: %zu binds, at most %d", n, NCP_MAX_BINDS);
    for (size_t i = 0; i < n; i++) {
        const char *src = b[i].src, *dest = b[i].dest;
        if (!ncp_path_is_clean(src) || strlen(src) >= 4096)
            return log_error_errno(EINVAL, "bind %s: the source is not an absolute path without . or ..", src ? src : "(null)");
        if (!dest || !ncp_bind_dest_ok(dest))
            return log_error_errno(EINVAL, "bind %s: the destination %s is not an absolute path without . or .., "
                                   "outside /usr, /bin, /sbin, /lib*, /etc, /proc, /dev, /sys and /run/child_process",
                                   src, dest ? dest : "(null)");
        const char *covered = at_or_beneath(data_dir, dest)                    ? data_dir
                              : lib_dir && at_or_beneath(lib_dir, dest)        ? lib_dir
                              : at_or_beneath(NCP_PASSED_DIRS, dest)           ? NCP_PASSED_DIRS
                                                                               : NULL;
        if (covered)
            return log_error_errno(EINVAL, "bind %s: the destination %s would cover %s", src, dest, covered);
        if (lib_dir && at_or_beneath(dest, lib_dir))
            return log_error_errno(EINVAL, "bind %s: the destination %s is inside the library's directory %s, which "
                                   "is bound read-only", src, dest, lib_dir);
        for (size_t k = 0; k < i; k++)
            if (at_or_beneath(dest, b[k].dest) || at_or_beneath(b[k].dest, dest))
                return log_error_errno(EINVAL, "bind %s: the destination %s nests with that of bind %s (%s)", src,
                                       dest, b[k].src, b[k].dest);
        struct stat st;
        if (!sources)
            continue;
        if (stat(src, &st) < 0)
            return log_error_errno(errno, "bind %s: the source cannot be found", src);
        if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
            return log_error_errno(EINVAL, "bind %s: the source is a device (binds are nodev)", src);
    }
    return 0;
}
