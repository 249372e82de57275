/* SPDX-License-Identifier: Apache-2.0 */
/* Validation of what callers pass to Start*: the entry string and fd lists. */
#include <fcntl.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "ncp.h"

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
