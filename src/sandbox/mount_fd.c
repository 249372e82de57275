/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The isolated child's mount helpers: each works on descriptors (open_tree,
 * move_mount, fsopen/fsmount, mount_setattr), never through a path inside
 * the new root, and logs one line when it fails (src/sandbox/mount.c says
 * why).  Run in the isolated child and in a zygote's waiting spare.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"
#include "mount.h"

int ncp_mount_setattr_fd(int fd, unsigned set, bool recursive, const char *what)
{
    struct mount_attr a = { .attr_set = set };
    if (mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a, sizeof(a)) < 0)
        return log_error_errno(errno, "mount: cannot set the flags of %s", what);
    return 0;
}

/* A recursive clone of the tree at `src_fd`, with `attrs` added, attached on `target_fd`. */
int ncp_mount_bind_fd(int src_fd, int target_fd, unsigned attrs, const char *what)
{
    _cleanup_close_ int tree =
        open_tree(src_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
    if (tree < 0)
        return log_error_errno(errno, "mount: cannot clone %s", what);
    int r = ncp_mount_setattr_fd(tree, attrs, true, what);
    if (r < 0)
        return r;
    if (move_mount(tree, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return log_error_errno(errno, "mount: cannot attach %s", what);
    return 0;
}

/* A new tmpfs with `opts` ("mode=1777,uid=..."), attached on `target_fd`;
 * returns a descriptor of its root. */
int ncp_mount_tmpfs_fd(int target_fd, const char *opts, unsigned attrs, const char *what, int *ret)
{
    _cleanup_close_ int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
    if (fs < 0)
        return log_error_errno(errno, "mount: cannot create a tmpfs for %s", what);
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", opts);
    char *save = NULL;
    for (char *o = strtok_r(buf, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(o, '=');
        if (eq)
            *eq = '\0';
        if (fsconfig(fs, FSCONFIG_SET_STRING, o, eq ? eq + 1 : NULL, 0) < 0)
            return log_error_errno(errno, "mount: tmpfs option %s for %s", o, what);
    }
    if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return log_error_errno(errno, "mount: cannot create the tmpfs for %s", what);
    _cleanup_close_ int mfd = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
    if (mfd < 0)
        return log_error_errno(errno, "mount: cannot make a mount of the tmpfs for %s", what);
    if (target_fd >= 0 &&
        move_mount(mfd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return log_error_errno(errno, "mount: cannot attach the tmpfs for %s", what);
    *ret = TAKE_FD(mfd);
    return 0;
}

/* mkdir -p of the relative path `rel` under `root`, never following a symlink;
 * returns an O_PATH descriptor of the last directory. */
int ncp_mount_mkdir_p_at(int root, const char *rel, int *ret)
{
    _cleanup_free_ char *copy = strdup(rel);
    if (!copy)
        return -ENOMEM;
    _cleanup_close_ int cur = openat(root, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (cur < 0)
        return log_error_errno(errno, "mount: cannot open the new root");
    char *save = NULL;
    for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (strcmp(c, ".") == 0 || strcmp(c, "..") == 0)
            return log_error_errno(EINVAL, "mount: path \"%s\" has a . or .. component", rel);
        if (mkdirat(cur, c, 0755) < 0 && errno != EEXIST)
            return log_error_errno(errno, "mount: cannot create /%s (at %s)", rel, c);
        int next = openat(cur, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0)
            return log_error_errno(errno, "mount: cannot enter /%s (at %s, a symlink?)", rel, c);
        close(cur);
        cur = next;
    }
    *ret = TAKE_FD(cur);
    return 0;
}

/* An empty regular file `name` in `dir` to mount a file on; returns its descriptor. */
static int file_target(int dir, const char *name, int *ret)
{
    int fd = openat(dir, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return log_error_errno(errno, "mount: cannot create the mount point %s", name);
    *ret = fd;
    return 0;
}

int ncp_mount_open_source(const char *path, int *ret)
{
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    *ret = fd;
    return 0;
}

/* An absolute path, looked up under `host_build` (the host's NCP_MOUNT_BUILD_DIR, now
 * covered by the new root) when it is beneath NCP_MOUNT_BUILD_DIR. */
int ncp_mount_open_source_at(int host_build, const char *path, int *ret)
{
    size_t n = strlen(NCP_MOUNT_BUILD_DIR);
    int fd;
    if (strncmp(path, NCP_MOUNT_BUILD_DIR, n) == 0 && path[n] == '\0')
        fd = fcntl(host_build, F_DUPFD_CLOEXEC, 3);
    else if (strncmp(path, NCP_MOUNT_BUILD_DIR, n) == 0 && path[n] == '/')
        fd = openat(host_build, path + n + 1, O_PATH | O_CLOEXEC);
    else
        fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    *ret = fd;
    return 0;
}

/* Binds the host path `src` (file or directory) at `name` in `dir`. */
int ncp_mount_bind_at(int dir, const char *name, int src_fd, unsigned attrs, const char *what)
{
    struct stat st;
    if (fstat(src_fd, &st) < 0)
        return log_error_errno(errno, "mount: cannot stat %s", what);
    _cleanup_close_ int target = -1;
    int r;
    if (S_ISDIR(st.st_mode))
        r = ncp_mount_mkdir_p_at(dir, name, &target);
    else
        r = file_target(dir, name, &target);
    if (r < 0)
        return r;
    return ncp_mount_bind_fd(src_fd, target, attrs, what);
}
