/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The isolated child's new root (mount.c says how it is built), in the
 * child (ncp-sandbox.so): first what sandbox.c calls, then what is between
 * the files of the root: mount_fd.c's helpers, which mount on descriptors
 * and log one line when they fail, and mount_system.c's part of the root
 * that does not depend on the launch spec.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/resource_limits.h"
#include "sandbox.h"

/* mount.c: the new root, then pivot_root into it.  `uid`/`gid` own the
 * private data dir; `limits` sizes the writable tmpfs (data dir, /tmp,
 * /dev/shm).  *stage is set to "mount" or "pivot_root".  All four return 0
 * or -errno after one log line. */
int ncp_mount_build_root(const struct ncp_sandbox_config *cfg, const struct ncp_limits *limits, uid_t uid, gid_t gid,
                         const char **stage);
/* mount.c, after pivot_root: /proc (the host's procfs, bound) becomes
 * read-only, recursively, like every other host object in the root.  The
 * sandbox's own writes to /proc/sys (ncp_userns_lock_nested(), ...) must
 * come before it. */
int ncp_mount_seal_proc(void);
/* mount.c, ahead of need: the spec-independent parts of the new root for
 * `uid`/`gid` (no isolation uid); ncp_mount_build_root() uses it when the ids
 * match.  prepared_fds: the descriptors to keep open until then (0 or 2). */
int ncp_mount_prepare_root(uid_t uid, gid_t gid);
size_t ncp_mount_prepared_fds(int fds[2]);

/* ---- between the files of the root ---- */

#define NCP_MOUNT_ATTR_SYS (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)
#define NCP_MOUNT_ATTR_DATA (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)

/* Where the new root is attached in the child's mount namespace while it is built. */
#define NCP_MOUNT_BUILD_DIR "/tmp"

/* mount_fd.c */
int ncp_mount_setattr_fd(int fd, unsigned set, bool recursive, const char *what);
/* A recursive clone of the tree at `src_fd`, with `attrs` added, attached on `target_fd`. */
int ncp_mount_bind_fd(int src_fd, int target_fd, unsigned attrs, const char *what);
/* A new tmpfs with `opts` ("mode=1777,uid=..."), attached on `target_fd`;
 * returns a descriptor of its root. */
int ncp_mount_tmpfs_fd(int target_fd, const char *opts, unsigned attrs, const char *what, int *ret);
/* mkdir -p of the relative path `rel` under `root`, never following a symlink;
 * returns an O_PATH descriptor of the last directory. */
int ncp_mount_mkdir_p_at(int root, const char *rel, int *ret);
/* O_PATH descriptors of host paths: -errno, and no log line, when there is none. */
int ncp_mount_open_source(const char *path, int *ret);
int ncp_mount_open_source_at(int host_build, const char *path, int *ret);
/* Binds the host file or directory `src_fd` at `name` in `dir`. */
int ncp_mount_bind_at(int dir, const char *name, int src_fd, unsigned attrs, const char *what);

/* mount_system.c: makes / a slave tree, then a fresh tmpfs holding the
 * system dirs, /etc, passwd/group (the child's ids; `own`: an isolation
 * uid of its own), /dev, /proc, /sys and the /tmp mount point; *ret is its root. */
int ncp_mount_build_common(uid_t uid, gid_t gid, bool own, int *ret);
