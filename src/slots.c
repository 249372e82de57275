/* The per-app child limit, counted so that no crash leaks a slot.
 *
 * Each live child holds an flock(2) on one of max lock files
 * $XDG_RUNTIME_DIR/child_process/<bundle>/slot-NNN.  The parent takes the
 * lock, hands the descriptor to the child through the launch socket and
 * closes its own copy; the lock goes away with the child's last descriptor,
 * whichever way the child (or a parent that crashed mid-start) ends. */
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "log.h"
#include "macro.h"
#include "ncp.h"

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

int ncp_slot_acquire(const char *bundle, unsigned max)
{
    static atomic_uint hint;
    char dir[PATH_MAX];
    int r = slot_dir(bundle, dir, sizeof(dir));
    if (r < 0)
        return r;
    _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return log_error_errno(errno, "open %s", dir);

    /* Start where the last search ended so busy slots are not retried first. */
    unsigned start = atomic_load(&hint) % max;
    for (unsigned i = 0; i < max; i++) {
        unsigned slot = (start + i) % max;
        char name[32];
        snprintf(name, sizeof(name), "slot-%03u", slot);
        /* Read-only: the child holds it, and must not be able to write a host file. */
        int fd = openat(dfd, name, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
            return log_error_errno(errno, "open slot %s/%s", dir, name);
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            atomic_store(&hint, slot + 1);
            return fd;
        }
        int e = errno;
        close(fd);
        if (e != EWOULDBLOCK)
            return log_error_errno(e, "lock slot %s/%s", dir, name);
    }
    return -EAGAIN;
}
