/* SPDX-License-Identifier: Apache-2.0 */
/* Where programs and libraries are found.
 *
 * The entry library, in the parent, as README.md and LIBRARY LOOKUP in
 * libchild_process(3) say:
 * NCP_LIBRARY_PATH, LD_LIBRARY_PATH, the executable's dir and its ../lib,
 * then the system's default search (left to the child's dlopen). */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"
#include "common/macro.h"
#include "spawn.h"

static bool is_regular_readable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, R_OK) == 0;
}

/* Looks for `name` in each directory of a colon list. */
static int search_list(const char *list, const char *name, char **out)
{
    if (!list)
        return -ENOENT;
    const char *p = list;
    while (*p) {
        const char *colon = strchr(p, ':');
        size_t len = colon ? (size_t)(colon - p) : strlen(p);
        if (len > 0 && len < PATH_MAX) {
            char candidate[PATH_MAX];
            if (snprintf(candidate, sizeof(candidate), "%.*s/%s", (int)len, p, name) < (int)sizeof(candidate) &&
                is_regular_readable(candidate)) {
                char *real = realpath(candidate, NULL);
                if (!real)
                    return errno == ENOMEM ? -ENOMEM : -ENOENT;
                *out = real;
                return 0;
            }
        }
        if (!colon)
            break;
        p = colon + 1;
    }
    return -ENOENT;
}

/* The places ncp_resolve_library() searches for a bare name, for a person. */
static void describe_search(char *buf, size_t size)
{
    const char *ncp = getenv("NCP_LIBRARY_PATH"), *ld = getenv("LD_LIBRARY_PATH");
    char exe[PATH_MAX] = "";
    const char *self = ncp_self_exe();
    if (self && strrchr(self, '/'))
        snprintf(exe, sizeof(exe), "%.*s", (int)(strrchr(self, '/') - self), self);
    snprintf(buf, size, "NCP_LIBRARY_PATH (%s), LD_LIBRARY_PATH (%s)%s%s%s%s", ncp && *ncp ? ncp : "unset",
             ld && *ld ? ld : "unset", exe[0] ? ", " : "", exe, exe[0] ? ", " : "", exe[0] ? exe : "");
    if (exe[0])
        snprintf(buf + strlen(buf), size - strlen(buf), "/../lib");
}

int ncp_resolve_library(const char *name, char **out)
{
    if (strchr(name, '/')) {
        /* A path: made absolute so the child (and its sandbox) find the same file. */
        char *real = realpath(name, NULL);
        if (!real && errno == ENOMEM)
            return -ENOMEM;
        if (!real) {
            /* Leave the failure to the child, as the reference does; it logs why. */
            *out = strdup(name);
            return *out ? 0 : -ENOMEM;
        }
        *out = real;
        return 0;
    }
    /* Only "not there" moves on to the next place: a failure (no memory)
     * must not resolve the name to a different file further down. */
    int r = search_list(getenv("NCP_LIBRARY_PATH"), name, out);
    if (r != -ENOENT)
        return r;
    r = search_list(getenv("LD_LIBRARY_PATH"), name, out);
    if (r != -ENOENT)
        return r;

    const char *self = ncp_self_exe();
    if (self) {
        char exe[PATH_MAX];
        snprintf(exe, sizeof(exe), "%s", self);
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            char dirs[2 * PATH_MAX + 8];
            snprintf(dirs, sizeof(dirs), "%s:%s/../lib", exe, exe);
            r = search_list(dirs, name, out);
            if (r != -ENOENT)
                return r;
        }
    }
    /* The system's default search happens in the child's dlopen(). */
    if (ncp_log_enabled(NCP_LOG_DEBUG)) {
        char places[3 * PATH_MAX];
        describe_search(places, sizeof(places));
        log_debug("library %s: not in %s; left to the system's default search in the child", name, places);
    }
    *out = strdup(name);
    return *out ? 0 : -ENOMEM;
}

static char self_exe[PATH_MAX];
static pthread_once_t self_exe_once = PTHREAD_ONCE_INIT;

static void read_self_exe(void)
{
    ssize_t n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
    self_exe[n > 0 ? n : 0] = '\0';
}

/* Read once: the executable of a process does not change short of execve,
 * which loads this library afresh (a fork()ed copy runs the same file). */
const char *ncp_self_exe(void)
{
    pthread_once(&self_exe_once, read_self_exe);
    return self_exe[0] ? self_exe : NULL;
}

const char *ncp_runner_path(void)
{
    const char *env = getenv("NCP_RUNNER");
    return env && *env ? env : NCP_LIBEXECDIR "/ncp-runner";
}
