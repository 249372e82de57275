/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Between the files of the isolated child's new root (mount.c says how it
 * is built): mount_fd.c's helpers, which mount on descriptors and log one
 * line when they fail, and mount_system.c's part of the root that does not
 * depend on the launch spec.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

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
