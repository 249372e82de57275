/* SPDX-License-Identifier: Apache-2.0 */
/* The system settings file: $(sysconfdir)/child_process/child_process.conf.
 *
 *   # comments
 *   multi_process = on            # on|off
 *   max_ipc_children_per_process = 50
 *   max_children_per_app = 512
 *   connect_timeout_ms = 5000
 *   max_spares = 3                # 0 to 8
 *   limit_tmpfs_size = 32M        # isolated children's resource limits, src/common/resource_limits.c:
 *   limit_nproc = none            # limit_NAME = a number (K/M/G/T for bytes) or none
 *
 * A missing file means the defaults; a bad line is logged and ignored.
 *
 * Every start reads the settings, so the last result is kept with the path
 * and the file's identity (device, inode, size, mtime, ctime): a start costs
 * one stat.  A file changed within the last seconds is read again each time,
 * since a quick rewrite may keep its size and timestamp (the way git treats
 * "racily clean" files). */
#include <ctype.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/fd-util.h"
#include "common/fork_guard.h"
#include "common/log.h"
#include "common/macro.h"
#include "spawn.h"

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static int parse_uint(const char *v, unsigned lo, unsigned hi, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long x = strtoul(v, &end, 10);
    if (errno || end == v || *end || x < lo || x > hi)
        return -EINVAL;
    *out = (unsigned)x;
    return 0;
}

static const char *settings_path(void)
{
    const char *env = getenv("NCP_CONFIG_FILE");
    return env && *env ? env : NCP_SYSCONFDIR "/child_process/child_process.conf";
}

/* Parses the file at path into s; *st is the identity of what was read
 * (st_ino 0: missing).  Returns whether the result may be cached. */
static bool settings_read(const char *path, struct ncp_settings *s, struct stat *st)
{
    *s = (struct ncp_settings){ .multi_process = true, .max_ipc_children = 50,
                                .max_children_per_app = 512, .connect_timeout_ms = 5000,
                                .max_spares = NCP_MAX_SPARES_DEFAULT };
    ncp_limits_defaults(&s->limits);
    *st = (struct stat){ 0 };
    FILE *f = fopen(path, "re");
    if (!f) {
        if (errno == ENOENT)
            return true;
        log_warn("settings %s: %s; using defaults", path, strerror(errno));
        return false;
    }
    bool cacheable = fstat(fileno(f), st) == 0 && st->st_ino != 0;
    char line[512];
    unsigned lineno = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *t = trim(line);
        if (!*t)
            continue;
        char *eq = strchr(t, '=');
        if (!eq) {
            log_warn("settings %s:%u: expected KEY = VALUE, ignored", path, lineno);
            continue;
        }
        *eq = '\0';
        char *key = trim(t), *val = trim(eq + 1);
        int r = 0;
        if (strcmp(key, "multi_process") == 0) {
            if (!strcmp(val, "on") || !strcmp(val, "true") || !strcmp(val, "1"))
                s->multi_process = true;
            else if (!strcmp(val, "off") || !strcmp(val, "false") || !strcmp(val, "0"))
                s->multi_process = false;
            else
                r = -EINVAL;
        } else if (strcmp(key, "max_ipc_children_per_process") == 0)
            r = parse_uint(val, 1, 50, &s->max_ipc_children);
        else if (strcmp(key, "max_children_per_app") == 0)
            r = parse_uint(val, 1, 512, &s->max_children_per_app);
        else if (strcmp(key, "connect_timeout_ms") == 0)
            r = parse_uint(val, 10, 600000, &s->connect_timeout_ms);
        else if (strcmp(key, "max_spares") == 0)
            r = parse_uint(val, 0, NCP_MAX_SPARES_MAX, &s->max_spares);
        else if (strncmp(key, "limit_", 6) == 0 && ncp_limit_by_name(key + 6) >= 0) {
            unsigned id = (unsigned)ncp_limit_by_name(key + 6);
            uint64_t v;
            if (ncp_limit_parse(id, val, &v) == 0)
                s->limits.v[id] = v;
            else {
                char range[96];
                ncp_limit_range(id, range, sizeof(range));
                log_warn("settings %s:%u: bad value \"%s\" for %s (%s), ignored", path, lineno, val, key, range);
            }
        } else
            log_warn("settings %s:%u: unknown key \"%s\", ignored", path, lineno, key);
        if (r < 0)
            log_warn("settings %s:%u: bad value \"%s\" for %s, ignored", path, lineno, val, key);
    }
    fclose(f);
    return cacheable;
}

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    bool valid;
    char path[PATH_MAX];
    struct stat st;          /* st_ino 0: the file was missing */
    struct ncp_settings s;
} cache;                     /* guarded by cache_lock */

void ncp_settings_load(struct ncp_settings *s)
{
    const char *path = settings_path();
    if (strlen(path) >= sizeof(cache.path)) {
        struct stat st;
        settings_read(path, s, &st);
        return;
    }
    struct stat now = { 0 };
    bool missing = false;
    if (stat(path, &now) < 0)
        missing = errno == ENOENT;
    pthread_mutex_lock(&cache_lock);
    bool hit = cache.valid && strcmp(cache.path, path) == 0 &&
               (cache.st.st_ino == 0 ? missing : !missing && stat_same_file(&cache.st, &now));
    if (hit)
        *s = cache.s;
    pthread_mutex_unlock(&cache_lock);
    if (hit)
        return;

    struct stat st;
    bool cacheable = settings_read(path, s, &st);
    if (cacheable && st.st_ino != 0 && stat_changed_recently(&st))
        cacheable = false;
    pthread_mutex_lock(&cache_lock);
    cache.valid = cacheable;
    if (cacheable) {
        strcpy(cache.path, path);
        cache.st = st;
        cache.s = *s;
    }
    pthread_mutex_unlock(&cache_lock);
}

/* A fork() in the app while another thread held the lock. */
__attribute__((constructor)) static void settings_init(void) { ncp_fork_guard(&cache_lock, NCP_FORK_RANK_LEAF, NULL); }
