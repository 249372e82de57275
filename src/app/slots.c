/* SPDX-License-Identifier: Apache-2.0 */
/* The per-app child limit, counted so that no crash leaks a slot.
 *
 * Each live child has an flock(2) on one of max lock files
 * $XDG_RUNTIME_DIR/child_process/<bundle>/slot-NNN, held by the app process
 * that started it: the supervisor closes the descriptor once it has seen the
 * child's end through its pidfd (src/app/child_end.c).  The child never gets
 * the descriptor, so its code cannot unlock it, and nothing it leaves behind
 * keeps it.  A crash leaks nothing either: when the app dies, the kernel
 * drops its locks with its descriptors (and its children die with it); when
 * the zygote or the child dies, the app sees the child's end.  The count is
 * per app across all its processes: every process of the bundle takes its
 * slots in the same directory.
 *
 * A held slot also says which child holds it: one line "ncp1 PID PARENT
 * NAME\n", written once the child's pid is known and emptied when the slot is
 * let go, so that OH_Ability_AcquireChildProcessInfos() in any process of the
 * app can list the app's children (ncp_slot_list()).
 *
 * The directory is created and checked once per uid, bundle and
 * XDG_RUNTIME_DIR; later starts check it with one lstat (still the same
 * directory, ours and private; anything else, such as a directory a cleaner
 * removed, is created and checked afresh).  No descriptor is kept: a slot is
 * opened by its full path, under directories only we can change. */
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fork_guard.h"
#include "common/log.h"
#include "common/macro.h"
#include "slots.h"

/* Creates dir (mode 0700) if needed and checks that it is ours and private. */
static int ensure_private_dir(const char *dir)
{
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return -errno;
    struct stat st;
    if (lstat(dir, &st) < 0)
        return -errno;
    if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 0077))
        return -EPERM;
    return 0;
}

static int slot_dir(const char *bundle, char *buf, size_t size)
{
    char base[PATH_MAX];
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    struct stat st;
    if (xdg && xdg[0] == '/' && stat(xdg, &st) == 0 && st.st_uid == geteuid())
        snprintf(base, sizeof(base), "%s/child_process", xdg);
    else {
        /* No session runtime dir (a service, CI): a private dir of our own in /tmp. */
        snprintf(base, sizeof(base), "/tmp/child_process-%u", (unsigned)geteuid());
    }
    int r = ensure_private_dir(base);
    if (r < 0)
        return log_error_errno(r, "slot directory %s unusable (must be a 0700 directory owned by uid %u)", base, (unsigned)geteuid());
    if ((size_t)snprintf(buf, size, "%s/%s", base, bundle) >= size)
        return -ENAMETOOLONG;
    r = ensure_private_dir(buf);
    if (r < 0)
        return log_error_errno(r, "slot directory %s unusable", buf);
    return 0;
}

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    bool valid;
    uid_t uid;
    dev_t dev;
    ino_t ino;
    char xdg[PATH_MAX];     /* XDG_RUNTIME_DIR it was chosen under ("" when unset) */
    char bundle[NAME_MAX + 1];
    char path[PATH_MAX];
} cache;                    /* guarded by cache_lock */

/* The slot directory of bundle in buf, created and checked when it is not
 * the one checked last time. */
static int slot_dir_cached(const char *bundle, char *buf, size_t size)
{
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    if (!xdg)
        xdg = "";
    uid_t uid = geteuid();
    dev_t dev = 0;
    ino_t ino = 0;
    bool hit = false;
    pthread_mutex_lock(&cache_lock);
    if (cache.valid && cache.uid == uid && strcmp(cache.xdg, xdg) == 0 && strcmp(cache.bundle, bundle) == 0 &&
        strlen(cache.path) < size) {
        strcpy(buf, cache.path);
        dev = cache.dev;
        ino = cache.ino;
        hit = true;
    }
    pthread_mutex_unlock(&cache_lock);
    struct stat st;
    if (hit && lstat(buf, &st) == 0 && st.st_dev == dev && st.st_ino == ino && S_ISDIR(st.st_mode) &&
        st.st_uid == uid && !(st.st_mode & 0077))
        return 0;

    int r = slot_dir(bundle, buf, size);
    if (r < 0)
        return r;
    if (lstat(buf, &st) < 0 || strlen(xdg) >= sizeof(cache.xdg) || strlen(bundle) >= sizeof(cache.bundle) ||
        strlen(buf) >= sizeof(cache.path))
        return 0;
    pthread_mutex_lock(&cache_lock);
    cache.valid = true;
    cache.uid = uid;
    cache.dev = st.st_dev;
    cache.ino = st.st_ino;
    strcpy(cache.xdg, xdg);
    strcpy(cache.bundle, bundle);
    strcpy(cache.path, buf);
    pthread_mutex_unlock(&cache_lock);
    return 0;
}

int ncp_slot_acquire(const char *bundle, unsigned max)
{
    static atomic_uint hint;
    char dir[PATH_MAX];
    int r = slot_dir_cached(bundle, dir, sizeof(dir));
    if (r < 0)
        return r;

    /* Start where the last search ended so busy slots are not retried first. */
    unsigned start = atomic_load(&hint) % max;
    for (unsigned i = 0; i < max; i++) {
        unsigned slot = (start + i) % max;
        char name[PATH_MAX + 16];
        snprintf(name, sizeof(name), "%s/slot-%03u", dir, slot);
        /* Writable for the holder's line (ncp_slot_describe()). */
        int fd = open(name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
            return log_error_errno(errno, "open slot %s", name);
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            atomic_store(&hint, slot + 1);
            /* A holder that died left its line: nobody must read it as ours. */
            (void)ftruncate(fd, 0);
            return fd;
        }
        int e = errno;
        close(fd);
        if (e != EWOULDBLOCK)
            return log_error_errno(e, "lock slot %s", name);
    }
    return -EAGAIN;
}

#define SLOT_LINE_MAX (NCP_MAX_NAME + 48)

void ncp_slot_describe(int fd, pid_t pid, const char *name)
{
    char line[SLOT_LINE_MAX];
    int n = snprintf(line, sizeof(line), "ncp1 %d %d %s\n", (int)pid, (int)getpid(), name);
    /* A name that does not fit, or that could end the line early, is not written. */
    if (fd < 0 || n <= 0 || (size_t)n >= sizeof(line) || strchr(name, '\n'))
        return;
    if (pwrite(fd, line, (size_t)n, 0) != n)
        log_debug("child %s: cannot describe it in its slot: %s", name, strerror(errno));
}

void ncp_slot_clear(int fd)
{
    if (fd >= 0)
        (void)ftruncate(fd, 0);
}

/* Parses a slot's line; 0 or -EINVAL. */
static int parse_line(char *line, struct ncp_slot_entry *e)
{
    char *end = strchr(line, '\n');
    if (!end || strncmp(line, "ncp1 ", 5) != 0)
        return -EINVAL;
    *end = '\0';
    char *p = line + 5, *q;
    errno = 0;
    long pid = strtol(p, &q, 10);
    if (q == p || *q != ' ' || pid <= 0 || pid > INT32_MAX)
        return -EINVAL;
    p = q + 1;
    long parent = strtol(p, &q, 10);
    if (q == p || *q != ' ' || parent <= 0 || parent > INT32_MAX || errno)
        return -EINVAL;
    p = q + 1;
    if (!*p || strlen(p) >= sizeof(e->name))
        return -EINVAL;
    e->pid = (pid_t)pid;
    e->parent = (pid_t)parent;
    strcpy(e->name, p);
    return 0;
}

int ncp_slot_list(const char *bundle, unsigned max, struct ncp_slot_entry **out, size_t *n_out)
{
    char dir[PATH_MAX];
    *out = NULL;
    *n_out = 0;
    int r = slot_dir_cached(bundle, dir, sizeof(dir));
    if (r < 0)
        return r;
    struct ncp_slot_entry *list = NULL;
    size_t n = 0;
    for (unsigned slot = 0; slot < max; slot++) {
        char name[PATH_MAX + 16], line[SLOT_LINE_MAX + 1];
        snprintf(name, sizeof(name), "%s/slot-%03u", dir, slot);
        _cleanup_close_ int fd = open(name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0)
            continue; /* never used */
        /* An empty slot is free (or its child is being started): no lock test,
         * which would make a start that tries this slot at this moment skip it. */
        ssize_t len = pread(fd, line, sizeof(line) - 1, 0);
        if (len <= 0)
            continue;
        line[len] = '\0';
        struct ncp_slot_entry e;
        if (parse_line(line, &e) < 0)
            continue;
        /* A line whose holder died without emptying it: the lock is free. */
        if (flock(fd, LOCK_SH | LOCK_NB) == 0)
            continue;
        if (errno != EWOULDBLOCK)
            continue;
        struct ncp_slot_entry *grown = realloc(list, (n + 1) * sizeof(*list));
        if (!grown) {
            free(list);
            return -ENOMEM;
        }
        list = grown;
        list[n++] = e;
    }
    *out = list;
    *n_out = n;
    return 0;
}

/* A fork() in the app while another thread held the lock. */
__attribute__((constructor)) static void slots_init(void) { ncp_fork_guard(&cache_lock, NCP_FORK_RANK_LEAF, NULL); }
