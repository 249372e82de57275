/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The part of the isolated child's new root that does not depend on the
 * launch spec (src/sandbox/mount.c has the whole layout): the host's
 * system directories, the parts of /etc libraries read, passwd and group
 * written for the child's ids, /dev, /proc and /sys.  Built in the isolated
 * child, or ahead of need in a zygote's waiting spare.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"
#include "mount.h"
#include "sandbox/parent/userns.h"

static const char *const system_dirs[] = { "usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32" };

/* The parts of /etc that libc, the dynamic loader, TLS and font libraries read. */
static const char *const etc_entries[] = {
    "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone", "nsswitch.conf", "host.conf",
    "hosts", "resolv.conf", "gai.conf", "protocols", "services", "ssl", "ca-certificates", "pki",
    "crypto-policies", "fonts", "alternatives", "locale.alias", "locale.conf", "os-release", "mime.types",
    "mtab",
};

static const char *const dev_nodes[] = { "null", "zero", "full", "random", "urandom" };

static const char *const sys_dirs[] = { "sys/devices/system/cpu", "sys/devices/system/node" };

/* What the host has at `host`: 0 and its symlink target in `target` for a
 * symlink, 1 (and *st) for anything else, -ENOENT when there is nothing,
 * -errno when the link cannot be read. */
static int host_entry(const char *host, struct stat *st, char target[static PATH_MAX])
{
    if (lstat(host, st) < 0)
        return -ENOENT;
    if (!S_ISLNK(st->st_mode))
        return 1;
    ssize_t n = readlink(host, target, PATH_MAX - 1);
    if (n < 0)
        return -errno;
    target[n] = '\0';
    return 0;
}

/* The top-level system directories, or their symlinks on a merged-/usr system. */
static int add_system_dirs(int root)
{
    for (size_t i = 0; i < ARRAY_SIZE(system_dirs); i++) {
        char host[64], target[PATH_MAX];
        snprintf(host, sizeof(host), "/%s", system_dirs[i]);
        struct stat st;
        int kind = host_entry(host, &st, target);
        if (kind == -ENOENT)
            continue;
        if (kind < 0)
            return log_error_errno(-kind, "mount: cannot read the symlink %s", host);
        if (kind == 0) {
            if (symlinkat(target, root, system_dirs[i]) < 0)
                return log_error_errno(errno, "mount: cannot create the symlink %s -> %s", host, target);
            continue;
        }
        if (!S_ISDIR(st.st_mode))
            continue;
        _cleanup_close_ int src = -1;
        if (ncp_mount_open_source(host, &src) < 0)
            continue;
        int r = ncp_mount_bind_at(root, system_dirs[i], src, NCP_MOUNT_ATTR_SYS, host);
        if (r < 0)
            return r;
    }
    return 0;
}

static int add_etc(int root)
{
    _cleanup_close_ int etc = -1;
    int r = ncp_mount_mkdir_p_at(root, "etc", &etc);
    if (r < 0)
        return r;
    for (size_t i = 0; i < ARRAY_SIZE(etc_entries); i++) {
        char host[PATH_MAX], target[PATH_MAX];
        snprintf(host, sizeof(host), "/etc/%s", etc_entries[i]);
        struct stat st;
        int kind = host_entry(host, &st, target);
        if (kind < 0)
            continue;
        /* Keep symlinks into /usr (localtime -> zoneinfo: programs read the
         * zone's name from the link); bind what other links point to. */
        if (kind == 0 && (strncmp(target, "/usr/", 5) == 0 || strncmp(target, "../usr/", 7) == 0 ||
                          strcmp(etc_entries[i], "mtab") == 0)) {
            if (symlinkat(target, etc, etc_entries[i]) < 0)
                return log_error_errno(errno, "mount: cannot create the symlink %s", host);
            continue;
        }
        _cleanup_close_ int src = -1;
        if (ncp_mount_open_source(host, &src) < 0)
            continue;  /* dangling symlink (resolv.conf into /run) */
        if ((r = ncp_mount_bind_at(etc, etc_entries[i], src, NCP_MOUNT_ATTR_DATA, host)) < 0)
            return r;
    }
    return 0;
}

/* Keeps the lines of a passwd/group text whose id (third field) is in `ids`. */
static int write_filtered(int etc, const char *name, const char *text, const unsigned *ids, size_t n_ids,
                          const char *extra)
{
    _cleanup_close_ int fd = openat(etc, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return log_error_errno(errno, "mount: cannot create /etc/%s", name);
    size_t cap = strlen(text ? text : "") + strlen(extra ? extra : "") + 1;
    _cleanup_free_ char *out = malloc(cap);
    if (!out)
        return -ENOMEM;
    size_t o = 0;
    for (const char *line = text; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) + 1 : strlen(line);
        const char *f = line;
        for (int k = 0; k < 2 && f; k++) {
            f = memchr(f, ':', len - (size_t)(f - line));
            if (f)
                f++;
        }
        if (f) {
            unsigned long id = strtoul(f, NULL, 10);
            for (size_t k = 0; k < n_ids; k++)
                if (id == ids[k] && isdigit((unsigned char)*f)) {
                    memcpy(out + o, line, len);
                    o += len;
                    if (out[o - 1] != '\n')
                        out[o++] = '\n';  /* the extra byte of cap covers a last line without \n */
                    break;
                }
        }
        line += len;
    }
    if (extra) {
        memcpy(out + o, extra, strlen(extra));
        o += strlen(extra);
    }
    if (o && write(fd, out, o) != (ssize_t)o)
        return log_error_errno(errno, "mount: cannot write /etc/%s", name);
    return 0;
}

static char *slurp(const char *path)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap + 1);
    if (!buf)
        return NULL;
    for (;;) {
        if (len == cap) {
            if (cap >= 16 * 1024 * 1024)
                break;
            char *nb = realloc(buf, cap * 2 + 1);
            if (!nb)
                break;
            buf = nb;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    return buf;
}

static int add_passwd_group(int root, uid_t uid, gid_t gid, bool own)
{
    _cleanup_close_ int etc = -1;
    int r = ncp_mount_mkdir_p_at(root, "etc", &etc);
    if (r < 0)
        return r;
    _cleanup_free_ char *pw = slurp("/etc/passwd");
    _cleanup_free_ char *gr = slurp("/etc/group");
    unsigned uids[] = { 0, 65534, (unsigned)uid }, gids[] = { 0, 65534, (unsigned)gid };
    char upw[160] = "", ugr[96] = "";
    if (own) {
        snprintf(upw, sizeof(upw), "isolated:x:%u:%u:isolated child:/nonexistent:/usr/sbin/nologin\n", (unsigned)uid,
                 (unsigned)gid);
        snprintf(ugr, sizeof(ugr), "isolated:x:%u:\n", (unsigned)gid);
    }
    if ((r = write_filtered(etc, "passwd", pw, uids, own ? 2 : 3, upw)) < 0)
        return r;
    return write_filtered(etc, "group", gr, gids, own ? 2 : 3, ugr);
}

static int add_dev(int root)
{
    _cleanup_close_ int mp = -1, dev = -1;
    int r = ncp_mount_mkdir_p_at(root, "dev", &mp);
    if (r < 0)
        return r;
    if ((r = ncp_mount_tmpfs_fd(mp, "mode=0755,size=64k,nr_inodes=64", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, "/dev",
                                &dev)) < 0)
        return r;
    for (size_t i = 0; i < ARRAY_SIZE(dev_nodes); i++) {
        char host[32];
        snprintf(host, sizeof(host), "/dev/%s", dev_nodes[i]);
        _cleanup_close_ int src = -1;
        if ((r = ncp_mount_open_source(host, &src)) < 0)
            return log_error_errno(r, "mount: cannot open %s", host);
        /* Read-only: the host's node cannot be chmod'ed, chown'ed or
         * touched (a root app's child is host uid 0); reading and writing
         * a device node do not need a writable mount. */
        if ((r = ncp_mount_bind_at(dev, dev_nodes[i], src, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
                                   host)) < 0)
            return r;
    }
    static const char *const links[][2] = {
        { "fd", "/proc/self/fd" },
        { "stdin", "/proc/self/fd/0" },
        { "stdout", "/proc/self/fd/1" },
        { "stderr", "/proc/self/fd/2" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(links); i++)
        if (symlinkat(links[i][1], dev, links[i][0]) < 0)
            return log_error_errno(errno, "mount: cannot create /dev/%s", links[i][0]);
    /* /dev/shm's tmpfs comes with the limits (ncp_mount_build_root()). */
    _cleanup_close_ int shm_mp = -1;
    if ((r = ncp_mount_mkdir_p_at(dev, "shm", &shm_mp)) < 0)
        return r;
    return ncp_mount_setattr_fd(dev, MOUNT_ATTR_RDONLY, false, "/dev");
}

/* /proc is bound writable and made read-only by ncp_mount_seal_proc() once
 * the sandbox has written its /proc/sys settings. */
static int add_proc_sys(int root)
{
    _cleanup_close_ int src = -1;
    int r = ncp_mount_open_source("/proc", &src);
    if (r < 0)
        return log_error_errno(r, "mount: cannot open /proc");
    if ((r = ncp_mount_bind_at(root, "proc", src, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, "/proc")) <
        0)
        return r;
    for (size_t i = 0; i < ARRAY_SIZE(sys_dirs); i++) {
        char host[64];
        snprintf(host, sizeof(host), "/%s", sys_dirs[i]);
        _cleanup_close_ int s = -1;
        if (ncp_mount_open_source(host, &s) < 0)
            continue;
        if ((r = ncp_mount_bind_at(root, sys_dirs[i], s, NCP_MOUNT_ATTR_DATA, host)) < 0)
            return r;
    }
    return 0;
}

/* The parts of the new root that do not depend on the launch spec: system
 * dirs, /etc, passwd/group, /dev, /proc, /sys, the /tmp mount point, on a
 * fresh tmpfs. */
int ncp_mount_build_common(uid_t uid, gid_t gid, bool own, int *ret)
{
    int r;
    if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) {
        r = -errno;
        if (r == -EPERM)
            ncp_userns_explain_failure(EPERM);
        return log_error_errno(r, "mount: cannot make / a slave tree");
    }

    _cleanup_close_ int build = -1, root = -1;
    if ((build = open(NCP_MOUNT_BUILD_DIR, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
        return log_error_errno(errno, "mount: cannot open %s", NCP_MOUNT_BUILD_DIR);
    if ((r = ncp_mount_tmpfs_fd(build, "mode=0755,size=1m,nr_inodes=4096", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
                                "the new root", &root)) < 0)
        return r;

    if ((r = add_system_dirs(root)) < 0 || (r = add_etc(root)) < 0 ||
        (r = add_passwd_group(root, uid, gid, own)) < 0 || (r = add_dev(root)) < 0 ||
        (r = add_proc_sys(root)) < 0)
        return r;
    _cleanup_close_ int tmp = -1;
    if ((r = ncp_mount_mkdir_p_at(root, "tmp", &tmp)) < 0)
        return r;

    *ret = TAKE_FD(root);
    return 0;
}
