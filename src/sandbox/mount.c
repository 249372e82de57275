/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The isolated child's new root: a fresh tmpfs holding only what it needs,
 * entered with pivot_root, the way bubblewrap builds one.
 *
 *   /usr /bin /sbin /lib /lib32 /lib64 /libx32   read-only binds (symlinks copied
 *                                                as symlinks on merged-/usr systems)
 *   /etc/<the files libraries read>              read-only binds, see etc_entries[]
 *   /etc/passwd, /etc/group                      written: root, nobody and the child's ids
 *   /dev                                         tmpfs: null zero full random urandom
 *                                                (host nodes bound), shm (tmpfs), fd,
 *                                                stdin, stdout, stderr (symlinks)
 *   /proc                                        the host's /proc, bound (no PID
 *                                                namespace; Landlock narrows it)
 *   /sys/devices/system/{cpu,node}               read-only binds
 *   /tmp                                         fresh tmpfs
 *   <data dir>                                   fresh tmpfs, 0700, owned by the child
 *
 * The three writable tmpfs (/tmp, /dev/shm, the data dir) are sized by the
 * child's limits (NCP_LIMIT_TMPFS_SIZE, NCP_LIMIT_TMPFS_INODES: size= and
 * nr_inodes=, each its own cap; a write past it fails with ENOSPC).  Their
 * pages are host memory (Shmem), so an unsized one could take half the RAM.
 * They are made with the launch spec (ncp_mount_build_root()), not ahead of
 * need, because a tmpfs cannot be given a size it was made without.
 *
 * Every writable mount (/tmp, /dev/shm, the data dir) is noexec: neither
 * execve, nor ld.so, nor dlopen (mmap with PROT_EXEC) runs a file the child
 * wrote.  memfd_create, the other way to a file of its own, is refused by
 * the seccomp filter (src/sandbox/seccomp.c).
 *   <library dir>                                read-only bind (exec allowed)
 *   <the app's binds>                            at their destinations: read-only (exec
 *                                                allowed) or writable (noexec), nosuid, nodev
 *   /run/child_process/fds/<name>                each directory descriptor the app passed,
 *                                                bound read-only (or writable, when the app
 *                                                asked), nosuid, nodev, noexec; the child's
 *                                                descriptor is replaced by one of the bind
 *
 * Nothing else exists.  Every source is opened (O_PATH) while the host root
 * is still the root, so symlinks resolve as on the host; the tree is then
 * assembled with open_tree/move_mount/fsmount on descriptors, never through
 * paths inside the new root, so nothing planted there can redirect a mount.
 *
 * All of it runs in the isolated child (ncp-sandbox.so); a zygote's
 * waiting spare builds the part that needs no launch spec ahead of need
 * (ncp_mount_prepare_root()).  This file assembles the root from the launch
 * spec; mount_system.c makes the system part (/usr, /etc, /dev, /proc, ...);
 * mount_fd.c has the helpers both use on descriptors.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/launch_spec.h"
#include "common/log.h"
#include "common/macro.h"
#include "mount.h"
#include "sandbox.h"
#include "sandbox/parent/binds.h"

/* --- directories the app passed ------------------------------------------ */

/* A host directory descriptor cannot be bound as it is: its mount belongs to
 * the app's mount namespace, and open_tree(OPEN_TREE_CLONE) refuses (EINVAL)
 * a mount of another namespace (6.18, root and unprivileged alike).  So the
 * directory is found again in this namespace (a copy of the app's) by the
 * path the descriptor names, and it must be the same directory (st_dev,
 * st_ino) or the start fails: a directory moved or replaced since the app
 * opened it is never bound in its place. */
static int open_passed_dir(int host_build, const struct ncp_sandbox_dir *d, int *ret)
{
    char link[64], path[PATH_MAX];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", d->fd);
    ssize_t n = readlink(link, path, sizeof(path) - 1);
    if (n < 0)
        return log_error_errno(errno, "mount: fd \"%s\": cannot read the path of the directory", d->name);
    path[n] = '\0';
    struct stat given, found;
    if (fstat(d->fd, &given) < 0 || !S_ISDIR(given.st_mode))
        return log_error_errno(ENOTDIR, "mount: fd \"%s\" is not a directory", d->name);
    int fd = -1, r;
    if (strcmp(path, "/") == 0)
        r = (fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0 ? -errno : 0;
    else if (!ncp_path_is_clean(path))
        r = -ENOENT;  /* "/x (deleted)", or not reachable from the root */
    else
        r = host_build >= 0 ? ncp_mount_open_source_at(host_build, path, &fd) : ncp_mount_open_source(path, &fd);
    if (r < 0)
        return log_error_errno(r, "mount: fd \"%s\": cannot find its directory %s again", d->name, path);
    if (fstat(fd, &found) < 0 || found.st_dev != given.st_dev || found.st_ino != given.st_ino) {
        close(fd);
        return log_error_errno(ESTALE, "mount: fd \"%s\": %s is no longer the directory it names", d->name, path);
    }
    *ret = fd;
    return 0;
}

/* Binds each passed directory at NCP_PASSED_DIRS/<name> in the new root. */
static int bind_passed_dirs(int root, const struct ncp_sandbox_config *cfg, const int *srcs)
{
    for (size_t i = 0; i < cfg->n_dirs; i++) {
        const struct ncp_sandbox_dir *d = &cfg->dirs[i];
        if (!ncp_dir_fd_name_ok(d->name))
            return log_error_errno(EINVAL, "mount: fd name \"%s\" cannot name a mount point", d->name);
        char rel[sizeof(NCP_PASSED_DIRS) + NCP_MAX_FD_NAME + 2];
        snprintf(rel, sizeof(rel), "%s/%s", NCP_PASSED_DIRS + 1, d->name);
        _cleanup_close_ int mp = -1;
        int r = ncp_mount_mkdir_p_at(root, rel, &mp);
        if (r < 0)
            return r;
        /* noexec: Landlock grants no execute there either; the child's own
         * code comes from its library's directory. */
        unsigned attrs =
            MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC | (d->writable ? 0 : MOUNT_ATTR_RDONLY);
        if ((r = ncp_mount_bind_fd(srcs[i], mp, attrs, rel)) < 0)
            return r;
    }
    return 0;
}

/* Inside the new root: the child's descriptor of each passed directory
 * becomes one of its bind, at the same number; the host's is gone. */
static int replace_passed_dirs(const struct ncp_sandbox_config *cfg)
{
    for (size_t i = 0; i < cfg->n_dirs; i++) {
        const struct ncp_sandbox_dir *d = &cfg->dirs[i];
        char path[sizeof(NCP_PASSED_DIRS) + NCP_MAX_FD_NAME + 2];
        snprintf(path, sizeof(path), "%s/%s", NCP_PASSED_DIRS, d->name);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct stat given, bound;
        if (fd < 0 || fstat(fd, &bound) < 0 || fstat(d->fd, &given) < 0)
            return log_error_errno(errno, "mount: fd \"%s\": cannot open %s", d->name, path);
        if (bound.st_dev != given.st_dev || bound.st_ino != given.st_ino)
            return log_error_errno(ESTALE, "mount: fd \"%s\": %s is not the directory passed", d->name, path);
        if (dup3(fd, d->fd, O_CLOEXEC) < 0)
            return log_error_errno(errno, "mount: fd \"%s\": cannot replace the descriptor", d->name);
    }
    return 0;
}

/* --- the app's binds --------------------------------------------------- */

/* Sources opened while the host's tree is in view, as for the library's directory. */
static int open_bind_sources(int host_build, const struct ncp_sandbox_config *cfg, int *srcs, size_t *n)
{
    for (*n = 0; *n < cfg->desc->n_binds; (*n)++) {
        const char *src = cfg->desc->binds[*n].src;
        int r = host_build >= 0 ? ncp_mount_open_source_at(host_build, src, &srcs[*n])
                                : ncp_mount_open_source(src, &srcs[*n]);
        if (r < 0)
            return log_error_errno(r, "mount: bind %s: cannot open the source", src);
    }
    return 0;
}

/* Each bind at its destination: a directory on a directory made for it, a
 * file on an empty file; read-only ones keep exec (the app chose what is in
 * them and the child cannot write there), writable ones are noexec. */
static int add_binds(int root, const struct ncp_sandbox_config *cfg, const int *srcs)
{
    for (size_t i = 0; i < cfg->desc->n_binds; i++) {
        const struct ncp_sandbox_bind *b = &cfg->desc->binds[i];
        unsigned attrs = b->writable ? MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC : NCP_MOUNT_ATTR_SYS;
        struct stat st;
        if (fstat(srcs[i], &st) < 0)
            return log_error_errno(errno, "mount: bind %s: cannot stat the source", b->src);
        int r;
        if (S_ISDIR(st.st_mode)) {
            _cleanup_close_ int mp = -1;
            if ((r = ncp_mount_mkdir_p_at(root, b->dest + 1, &mp)) < 0 ||
                (r = ncp_mount_bind_fd(srcs[i], mp, attrs, b->dest)) < 0)
                return r;
            continue;
        }
        _cleanup_free_ char *copy = strdup(b->dest);
        if (!copy)
            return -ENOMEM;
        char *slash = strrchr(copy, '/');
        *slash = '\0';
        _cleanup_close_ int parent = -1;
        if (*copy)
            r = ncp_mount_mkdir_p_at(root, copy + 1, &parent);
        else
            r = (parent = fcntl(root, F_DUPFD_CLOEXEC, 3)) < 0 ? -errno : 0;
        if (r < 0 || (r = ncp_mount_bind_at(parent, slash + 1, srcs[i], attrs, b->dest)) < 0)
            return r;
    }
    return 0;
}

/* --- the root from the launch spec ------------------------------------- */

/* Whether `p` is `dir` or beneath it. */
static bool is_beneath(const char *p, const char *dir)
{
    size_t n = strlen(dir);
    return strncmp(p, dir, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

/* "mode=1777" plus the size and inode caps of the limits, when set. */
static void tmpfs_opts(const char *base, const struct ncp_limits *l, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%s", base);
    uint64_t bytes = l ? l->v[NCP_LIM_TMPFS_SIZE] : NCP_LIMIT_NONE,
             inodes = l ? l->v[NCP_LIM_TMPFS_INODES] : NCP_LIMIT_NONE;
    if (bytes != NCP_LIMIT_NONE)
        n += snprintf(buf + n, size - (size_t)n, ",size=%llu", (unsigned long long)bytes);
    if (inodes != NCP_LIMIT_NONE)
        snprintf(buf + n, size - (size_t)n, ",nr_inodes=%llu", (unsigned long long)inodes);
}

static int add_tmpfs_dir(int root, const char *path, const char *opts, const char *what)
{
    _cleanup_close_ int mp = -1, m = -1;
    int r = ncp_mount_mkdir_p_at(root, path + 1, &mp);
    if (r < 0)
        return r;
    return ncp_mount_tmpfs_fd(mp, opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, what, &m);
}

/* Built ahead of need: the new root, and the host's NCP_MOUNT_BUILD_DIR directory
 * opened before the new root covered it, to find a library's directory under
 * it later (a lookup from that descriptor walks the host's directory, not the
 * mount on top).  Both are closed before the app's code runs. */
static int prepared_root = -1, prepared_host = -1;
static uid_t prepared_uid;
static gid_t prepared_gid;

int ncp_mount_prepare_root(uid_t uid, gid_t gid)
{
    prepared_root = safe_close(prepared_root);
    prepared_host = safe_close(prepared_host);
    prepared_host = open(NCP_MOUNT_BUILD_DIR, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (prepared_host < 0)
        return log_error_errno(errno, "mount: cannot open %s ahead of need", NCP_MOUNT_BUILD_DIR);
    int r = ncp_mount_build_common(uid, gid, false, &prepared_root);
    if (r < 0) {
        prepared_host = safe_close(prepared_host);
        return r;
    }
    prepared_uid = uid;
    prepared_gid = gid;
    return 0;
}

size_t ncp_mount_prepared_fds(int fds[2])
{
    size_t n = 0;
    if (prepared_root >= 0 && prepared_host >= 0) {
        fds[n++] = prepared_root;
        fds[n++] = prepared_host;
    }
    return n;
}

static int build_root_with(const struct ncp_sandbox_config *cfg, const struct ncp_limits *limits, uid_t uid, gid_t gid,
                           bool use_prepared, const char *lib_dir, int lib_src, const int *bind_srcs,
                           const int *dir_srcs, const char **stage);

int ncp_mount_build_root(const struct ncp_sandbox_config *cfg, const struct ncp_limits *limits, uid_t uid, gid_t gid,
                         const char **stage)
{
    int r;
    *stage = "mount";

    if (!ncp_path_is_clean(cfg->desc->data_dir) || ncp_is_system_path(cfg->desc->data_dir))
        return log_error_errno(EINVAL, "mount: data dir \"%s\" is not an absolute path outside the system dirs",
                               cfg->desc->data_dir ? cfg->desc->data_dir : "(null)");

    /* The library's directory as the caller names it (dlopen and $ORIGIN use
     * that path), bound from where it really is. */
    const bool use_prepared = prepared_root >= 0 && prepared_host >= 0 && uid == prepared_uid &&
                              gid == prepared_gid && !cfg->desc->ids.own_uid;
    _cleanup_close_ int host = use_prepared ? TAKE_FD(prepared_host) : -1;
    _cleanup_free_ char *lib_dir = NULL;
    _cleanup_close_ int lib_src = -1;
    if (cfg->desc->lib_path) {
        if (!ncp_path_is_clean(cfg->desc->lib_path))
            return log_error_errno(EINVAL, "mount: library path \"%s\" is not absolute and clean", cfg->desc->lib_path);
        _cleanup_free_ char *copy = strdup(cfg->desc->lib_path);
        if (!copy || !(lib_dir = strdup(dirname(copy))))
            return -ENOMEM;
        if (ncp_is_system_path(lib_dir) || strcmp(lib_dir, "/") == 0) {
            free(lib_dir);
            lib_dir = NULL;  /* already visible, read-only */
        } else if ((r = host >= 0 ? ncp_mount_open_source_at(host, lib_dir, &lib_src)
                                  : ncp_mount_open_source(lib_dir, &lib_src)) < 0)
            return log_error_errno(r, "mount: cannot open the library's directory %s", lib_dir);
    }

    /* The app's binds and the passed directories, found while the host's tree is in view. */
    if (cfg->n_dirs > NCP_MAX_FDS)
        return log_error_errno(E2BIG, "mount: %zu directory descriptors", cfg->n_dirs);
    if ((r = ncp_binds_check(cfg->desc->binds, cfg->desc->n_binds, cfg->desc->data_dir, lib_dir, false)) < 0)
        return r;
    int dir_srcs[NCP_MAX_FDS], bind_srcs[NCP_MAX_BINDS];
    size_t n_srcs = 0, n_binds = 0;
    r = open_bind_sources(host, cfg, bind_srcs, &n_binds);
    for (; r == 0 && n_srcs < cfg->n_dirs; n_srcs++)
        if ((r = open_passed_dir(host, &cfg->dirs[n_srcs], &dir_srcs[n_srcs])) < 0)
            break;
    r = r < 0 ? r : build_root_with(cfg, limits, uid, gid, use_prepared, lib_dir, lib_src, bind_srcs, dir_srcs, stage);
    for (size_t i = 0; i < n_srcs; i++)
        close(dir_srcs[i]);
    for (size_t i = 0; i < n_binds; i++)
        close(bind_srcs[i]);
    return r;
}

static int build_root_with(const struct ncp_sandbox_config *cfg, const struct ncp_limits *limits, uid_t uid, gid_t gid,
                           bool use_prepared, const char *lib_dir, int lib_src, const int *bind_srcs,
                           const int *dir_srcs, const char **stage)
{
    int r;
    _cleanup_close_ int root = -1;
    if (use_prepared)
        /* Built ahead of need by the zygote's waiting child. */
        root = TAKE_FD(prepared_root);
    else {
        prepared_root = safe_close(prepared_root);
        prepared_host = safe_close(prepared_host);
        if ((r = ncp_mount_build_common(uid, gid, cfg->desc->ids.own_uid, &root)) < 0)
            return r;
    }

    /* /tmp and /dev/shm first: a data dir or library dir beneath /tmp is
     * then created in the new /tmp. */
    char opts[160], base[64];
    tmpfs_opts("mode=1777", limits, opts, sizeof(opts));
    if ((r = add_tmpfs_dir(root, "/tmp", opts, "/tmp")) < 0)
        return r;
    _cleanup_close_ int shm_mp = openat(root, "dev/shm", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), shm = -1;
    if (shm_mp < 0)
        return log_error_errno(errno, "mount: cannot open /dev/shm in the new root");
    if ((r = ncp_mount_tmpfs_fd(shm_mp, opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, "/dev/shm",
                                &shm)) < 0)
        return r;

    /* The data dir and the library's directory, the outer one first, so a
     * data dir inside the library's directory still gets its private tmpfs
     * (and never shows the host's). */
    snprintf(base, sizeof(base), "mode=0700,uid=%u,gid=%u", (unsigned)uid, (unsigned)gid);
    tmpfs_opts(base, limits, opts, sizeof(opts));
    bool data_first = !lib_dir || !is_beneath(cfg->desc->data_dir, lib_dir);
    for (int pass = 0; pass < 2; pass++) {
        if ((pass == 0) == data_first) {
            if ((r = add_tmpfs_dir(root, cfg->desc->data_dir, opts, cfg->desc->data_dir)) < 0)
                return r;
        } else if (lib_dir) {
            _cleanup_close_ int mp = -1;
            if ((r = ncp_mount_mkdir_p_at(root, lib_dir + 1, &mp)) < 0)
                return r;
            if ((r = ncp_mount_bind_fd(lib_src, mp, NCP_MOUNT_ATTR_SYS, lib_dir)) < 0)
                return r;
        }
    }

    if ((r = add_binds(root, cfg, bind_srcs)) < 0 || (r = bind_passed_dirs(root, cfg, dir_srcs)) < 0)
        return r;

    if ((r = ncp_mount_setattr_fd(root, MOUNT_ATTR_RDONLY, false, "the new root")) < 0)
        return r;

    *stage = "pivot_root";
    if (chdir(NCP_MOUNT_BUILD_DIR) < 0)
        return log_error_errno(errno, "pivot_root: cannot enter the new root");
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        return log_error_errno(errno, "pivot_root: failed");
    /* The old root is now stacked on the new one: detach it. */
    if (umount2(".", MNT_DETACH) < 0)
        return log_error_errno(errno, "pivot_root: cannot detach the old root");
    if (chdir("/") < 0)
        return log_error_errno(errno, "pivot_root: cannot enter /");
    *stage = "mount";
    if ((r = replace_passed_dirs(cfg)) < 0)
        return r;
    log_debug("mount: new root ready (data dir %s, library dir %s)", cfg->desc->data_dir, lib_dir ? lib_dir : "-");
    return 0;
}

int ncp_mount_seal_proc(void)
{
    /* Inside the new root, before any code of the app's ran: nothing can
     * have been planted at /proc; still, check that it is the procfs bind. */
    _cleanup_close_ int fd = open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct statfs sf;
    if (fd < 0 || fstatfs(fd, &sf) < 0)
        return log_error_errno(errno, "mount: cannot open /proc to make it read-only");
    if (sf.f_type != PROC_SUPER_MAGIC)
        return log_error_errno(EINVAL, "mount: /proc in the new root is not the procfs");
    return ncp_mount_setattr_fd(fd, MOUNT_ATTR_RDONLY, true, "/proc");
}
