/* SPDX-License-Identifier: Apache-2.0 */
/* Finding and reading policy files (the parent side; no JSON here, so the
 * library itself does not need json-c: the runner parses).
 *
 * Every isolated start reads its policy, so the last file read is kept with
 * its path and identity (device, inode, size, mtime, ctime): an unchanged
 * file costs one stat.  A file changed within the last seconds is read again
 * each time, since a quick rewrite may keep its size and timestamps. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/fd-util.h"
#include "common/fork_guard.h"
#include "common/log.h"
#include "common/macro.h"
#include "policy_files.h"
#include "sandbox/policy.h"

#ifndef NCP_POLICY_SYSCONFDIR
#ifdef NCP_SYSCONFDIR
#define NCP_POLICY_SYSCONFDIR NCP_SYSCONFDIR "/child_process/policy"
#else
#define NCP_POLICY_SYSCONFDIR "/etc/child_process/policy"
#endif
#endif
#ifndef NCP_POLICY_DATADIR
#define NCP_POLICY_DATADIR "/usr/share/child_process/policy"
#endif

static bool valid_policy_name(const char *name)
{
    if (!name || !*name || strlen(name) > 64)
        return false;
    for (const char *c = name; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-')
            return false;
    return true;
}

static int read_all(int fd, const char *path, char **text, size_t *len, struct stat *stp)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return log_error_errno(errno, "policy %s: cannot stat", path);
    if (!S_ISREG(st.st_mode))
        return log_error_errno(EINVAL, "policy %s: not a regular file", path);
    if (st.st_size > NCP_POLICY_MAX_SIZE)
        return log_error_errno(EFBIG, "policy %s: larger than %d bytes", path, NCP_POLICY_MAX_SIZE);
    *stp = st;
    _cleanup_free_ char *buf = malloc((size_t)st.st_size + 1);
    if (!buf)
        return -ENOMEM;
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return log_error_errno(errno, "policy %s: cannot read", path);
        if (n == 0)
            break;
        got += (size_t)n;
    }
    buf[got] = '\0';
    *text = TAKE_PTR(buf);
    *len = got;
    return 0;
}

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char *path;             /* NULL: nothing kept */
    struct stat st;
    char *text;
    size_t len;
} cache;                    /* guarded by cache_lock */

static void cache_clear_locked(void)
{
    free(cache.path);
    free(cache.text);
    cache.path = cache.text = NULL;
}

/* A copy of the kept text of path when the file is unchanged; NULL if not. */
static char *cache_lookup(const char *path, size_t *len)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return NULL;
    char *copy = NULL;
    pthread_mutex_lock(&cache_lock);
    if (cache.path && strcmp(cache.path, path) == 0 && stat_same_file(&cache.st, &st)) {
        copy = malloc(cache.len + 1);
        if (copy) {
            memcpy(copy, cache.text, cache.len + 1);
            *len = cache.len;
        }
    }
    pthread_mutex_unlock(&cache_lock);
    return copy;
}

static void cache_store(const char *path, const struct stat *st, const char *text, size_t len)
{
    char *p = NULL, *t = NULL;
    if (!stat_changed_recently(st)) {
        p = strdup(path);
        t = malloc(len + 1);
        if (t)
            memcpy(t, text, len + 1);
    }
    pthread_mutex_lock(&cache_lock);
    cache_clear_locked();
    if (p && t) {
        cache.path = TAKE_PTR(p);
        cache.text = TAKE_PTR(t);
        cache.st = *st;
        cache.len = len;
    }
    pthread_mutex_unlock(&cache_lock);
    free(p);
    free(t);
}

/* The text of the policy file at path: 0, -ENOENT (not logged) when there is
 * no such file, or -errno (logged). */
static int read_policy(const char *path, char **text, size_t *len)
{
    char *kept = cache_lookup(path, len);
    if (kept) {
        *text = kept;
        return 0;
    }
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return errno == ENOENT ? -ENOENT : log_error_errno(errno, "policy %s: cannot open", path);
    struct stat st;
    int r = read_all(fd, path, text, len, &st);
    if (r < 0)
        return r;
    cache_store(path, &st, *text, *len);
    return 0;
}

int ncp_policy_read_file(const char *name, char **text, size_t *len)
{
    if (!valid_policy_name(name))
        return log_error_errno(EINVAL, "policy name \"%s\" is not valid ([A-Za-z0-9_-], at most 64)",
                               name ? name : "(null)");
    const char *env = getenv("NCP_POLICY_DIR");
    const char *dirs[] = { env && *env ? env : NULL, NCP_POLICY_SYSCONFDIR, NCP_POLICY_DATADIR };
    char tried[1024] = "";

    for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
        if (!dirs[i])
            continue;
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/%s.json", dirs[i], name);
        int r = read_policy(path, text, len);
        if (r == -ENOENT) {
            size_t l = strlen(tried);
            snprintf(tried + l, sizeof(tried) - l, "%s%s", l ? ", " : "", dirs[i]);
            continue;
        }
        if (r == 0)
            log_debug("policy \"%s\": read %s", name, path);
        return r;
    }
    return log_error_errno(ENOENT, "policy \"%s\": no %s.json in %s", name, name, tried);
}


int ncp_policy_read_path(const char *path, char **text, size_t *len)
{
    int r = read_policy(path, text, len);
    if (r == -ENOENT)
        return log_error_errno(ENOENT, "policy %s: cannot open", path);
    return r;
}

/* A fork() in the app while another thread held the lock. */
__attribute__((constructor)) static void policy_files_init(void)
{
    ncp_fork_guard(&cache_lock, NCP_FORK_RANK_LEAF, NULL);
}
