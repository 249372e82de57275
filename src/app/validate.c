/* SPDX-License-Identifier: Apache-2.0 */
/* Validation of what callers pass to Start*: the entry string and fd lists. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "common/log.h"
#include "common/macro.h"
#include "api_start.h"
#include "validate.h"
#include "sandbox/sandbox.h"

int ncp_split_entry(const char *entry, char **lib, char **func)
{
    const char *colon = strrchr(entry, ':');
    if (!colon) {
        log_error("entry \"%.64s\" has no ':' between library and function", entry);
        return -EINVAL;
    }
    size_t lib_len = (size_t)(colon - entry);
    if (lib_len == 0 || colon[1] == '\0') {
        log_error("entry \"%.64s\": empty library or function name", entry);
        return -EINVAL;
    }
    if (lib_len > 4095 || strlen(colon + 1) > 255) {
        log_error("entry: library or function name too long");
        return -EINVAL;
    }
    _cleanup_free_ char *l = strndup(entry, lib_len);
    char *f = strdup(colon + 1);
    if (!l || !f) {
        free(f);
        return -ENOMEM;
    }
    *lib = TAKE_PTR(l);
    *func = f;
    return 0;
}

int ncp_collect_fds(const NativeChildProcess_FdList *list, const char **names, int *fds, size_t *n)
{
    size_t count = 0;
    for (const NativeChildProcess_Fd *e = list->head; e; e = e->next) {
        if (count == NCP_MAX_FDS) {
            log_error("more than %d descriptors in the fd list", NCP_MAX_FDS);
            return -EINVAL;
        }
        if (!e->fdName || !*e->fdName || strlen(e->fdName) > NCP_MAX_FD_NAME) {
            log_error("fd list entry %zu: name is NULL, empty or longer than %d characters", count, NCP_MAX_FD_NAME);
            return -EINVAL;
        }
        if (!(e->fd >= 0 && fcntl(e->fd, F_GETFD) >= 0)) {
            log_error("fd \"%s\" = %d is not an open descriptor", e->fdName, (int)e->fd);
            return -EINVAL;
        }
        for (size_t i = 0; i < count; i++)
            if (strcmp(names[i], e->fdName) == 0) {
                log_error("fd name \"%s\" appears twice in the fd list", e->fdName);
                return -EINVAL;
            }
        /* Insertion sort by name: the child receives the list sorted. */
        size_t pos = count;
        while (pos > 0 && strcmp(names[pos - 1], e->fdName) > 0) {
            names[pos] = names[pos - 1];
            fds[pos] = fds[pos - 1];
            pos--;
        }
        names[pos] = e->fdName;
        fds[pos] = e->fd;
        count++;
    }
    *n = count;
    return 0;
}

/* Whether the directory `fd` is still at the path it names here: the
 * isolated child finds it again by that path (src/sandbox/mount.c). */
static bool dir_at_its_path(int fd, char *path, size_t size)
{
    char link[64];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, size - 1);
    if (n < 0) {
        snprintf(path, size, "(unknown: %s)", strerror(errno));
        return false;
    }
    path[n] = '\0';
    struct stat given, found;
    return path[0] == '/' && fstat(fd, &given) == 0 && stat(path, &found) == 0 && S_ISDIR(found.st_mode) &&
           found.st_dev == given.st_dev && found.st_ino == given.st_ino;
}

/* What an isolated child may be given: a directory is bound into its root
 * (its own descriptor replaces the app's), files, pipes and sockets are
 * passed as they are.  What cannot be made safe is refused. */
static int check_isolated_fd(const char *name, int fd, bool *is_dir)
{
    struct stat st;
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fstat(fd, &st) < 0) {
        log_error("fd \"%s\" = %d cannot be examined: %s", name, fd, strerror(errno));
        return -EINVAL;
    }
    if (fl & O_PATH) {
        /* Through /proc/self/fd it reopens what it names with any access the
         * file's mode allows, or connects to it: more than the app gave. */
        log_error("fd \"%s\" = %d is an O_PATH descriptor: an isolated child is given open files, pipes, sockets or "
                  "directories opened for reading, not O_PATH handles", name, fd);
        return -EINVAL;
    }
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
        /* Its ioctls reach the host's device (a terminal, a disk). */
        log_error("fd \"%s\" = %d is a device (%u:%u): an isolated child is not given host devices; pass a pipe "
                  "or a file", name, fd, major(st.st_rdev), minor(st.st_rdev));
        return -EINVAL;
    }
    *is_dir = S_ISDIR(st.st_mode);
    if (!*is_dir)
        return 0;
    char path[PATH_MAX];
    if (!ncp_dir_fd_name_ok(name)) {
        log_error("fd \"%s\" is a directory: its name is its mount point %s/<name> in the isolated child and cannot "
                  "hold '/' or be \".\" or \"..\"", name, NCP_PASSED_DIRS);
        return -EINVAL;
    }
    if (!dir_at_its_path(fd, path, sizeof(path))) {
        log_error("fd \"%s\" = %d: the directory is no longer at %s (moved or removed?), so it cannot be bound "
                  "into the isolated child's root", name, fd, path);
        return -EINVAL;
    }
    return 0;
}

int ncp_check_passed_fds(struct ncp_start_request *req, const char (*writable)[NCP_MAX_FD_NAME + 1], size_t n_writable)
{
    req->fd_writable = 0;
    req->has_dirs = false;
    uint32_t dirs = 0;
    for (size_t i = 0; i < req->n_fds; i++) {
        bool is_dir = false;
        if (req->isolated) {
            if (check_isolated_fd(req->fd_names[i], req->fds[i], &is_dir) < 0)
                return -EINVAL;
        } else {
            struct stat st;
            is_dir = fstat(req->fds[i], &st) == 0 && S_ISDIR(st.st_mode);
        }
        if (is_dir)
            dirs |= 1u << i;
    }
    for (size_t w = 0; w < n_writable; w++) {
        size_t i = 0;
        while (i < req->n_fds && strcmp(req->fd_names[i], writable[w]) != 0)
            i++;
        if (i == req->n_fds) {
            log_error("fd \"%s\" is marked writable but is not in the fd list", writable[w]);
            return -EINVAL;
        }
        if (!(dirs & (1u << i))) {
            log_error("fd \"%s\" is marked writable but is not a directory (a file is written through the mode it "
                      "was opened with)", writable[w]);
            return -EINVAL;
        }
        req->fd_writable |= 1u << i;
    }
    req->has_dirs = req->isolated && dirs;
    return 0;
}
