/* Finding and reading policy files (the parent side; no JSON here, so the
 * library itself does not need json-c: the runner parses). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "policy.h"

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

static int read_all(int fd, const char *path, char **text, size_t *len)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return log_error_errno(errno, "policy %s: cannot stat", path);
    if (!S_ISREG(st.st_mode))
        return log_error_errno(EINVAL, "policy %s: not a regular file", path);
    if (st.st_size > NCP_POLICY_MAX_SIZE)
        return log_error_errno(EFBIG, "policy %s: larger than %d bytes", path, NCP_POLICY_MAX_SIZE);
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
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
            if (errno != ENOENT)
                return log_error_errno(errno, "policy %s: cannot open", path);
            size_t l = strlen(tried);
            snprintf(tried + l, sizeof(tried) - l, "%s%s", l ? ", " : "", dirs[i]);
            continue;
        }
        log_debug("policy \"%s\": reading %s", name, path);
        return read_all(fd, path, text, len);
    }
    return log_error_errno(ENOENT, "policy \"%s\": no %s.json in %s", name, name, tried);
}


int ncp_policy_read_path(const char *path, char **text, size_t *len)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return log_error_errno(errno, "policy %s: cannot open", path);
    return read_all(fd, path, text, len);
}
