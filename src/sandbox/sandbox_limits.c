/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The isolated child's resource limits, applied by the child itself before
 * any code of the app runs (src/common/resource_limits.h says where the values come
 * from).  Two kinds:
 *
 *   rlimits  RLIMIT_NPROC, NOFILE, FSIZE, CORE, CPU, AS, DATA.  The limit is
 *            the hard one, and the soft one is lowered to it when above, so a
 *            limit is never raised: the app's own hard limit caps it (the
 *            child keeps the lower of the two, one info line says so).
 *            RLIMIT_CPU's hard limit is one second above the soft one: the
 *            child gets SIGXCPU first, SIGKILL a second later if it goes on.
 *            RLIMIT_NPROC counts the tasks of the child's uid in its own user
 *            namespace, that is the child's processes and threads only; the
 *            kernel does not enforce it for host uid 0 (a root app's child
 *            without an isolation uid).
 *   ucounts  this user namespace's /proc/sys/user/max_{inotify,fanotify}_*:
 *            the kernel counts the child's inotify and fanotify objects
 *            against every user namespace up to the host's, so capping them
 *            here keeps the child from using up the real user's quota
 *            (fs.inotify.max_user_instances, 128 by default).  Writable with
 *            CAP_SYS_RESOURCE in the namespace, as root and unprivileged.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"
#include "sandbox_limits.h"

static const struct {
    unsigned id;
    int resource;
} rlimits[] = {
    { NCP_LIM_NPROC, RLIMIT_NPROC }, { NCP_LIM_NOFILE, RLIMIT_NOFILE }, { NCP_LIM_FSIZE, RLIMIT_FSIZE },
    { NCP_LIM_CORE, RLIMIT_CORE },   { NCP_LIM_CPU, RLIMIT_CPU },       { NCP_LIM_AS, RLIMIT_AS },
    { NCP_LIM_DATA, RLIMIT_DATA },
};

static const struct {
    unsigned id;
    const char *path;
} ucounts[] = {
    { NCP_LIM_INOTIFY_INSTANCES, "/proc/sys/user/max_inotify_instances" },
    { NCP_LIM_INOTIFY_WATCHES, "/proc/sys/user/max_inotify_watches" },
    { NCP_LIM_FANOTIFY_GROUPS, "/proc/sys/user/max_fanotify_groups" },
    { NCP_LIM_FANOTIFY_MARKS, "/proc/sys/user/max_fanotify_marks" },
};

void ncp_limits_merge(struct ncp_limits *l, const uint64_t *policy, const bool *has)
{
    for (unsigned i = 0; i < NCP_N_LIMITS; i++)
        if (!(l->set & (1u << i)) && has && has[i])
            l->v[i] = policy[i];
}

static int set_rlimit(unsigned id, int resource, uint64_t v)
{
    const struct ncp_limit_info *info = ncp_limit_info(id);
    struct rlimit old, now;
    if (getrlimit(resource, &old) < 0)
        return log_error_errno(errno, "limits: cannot read %s", info->enforced_by);
    rlim_t hard = id == NCP_LIM_CPU ? (rlim_t)v + 1 : (rlim_t)v;
    if (hard > old.rlim_max) {
        char want[32];
        ncp_limit_format(id, v, want, sizeof(want));
        log_info("limits: %s %s is above the app's own hard limit %" PRIu64 ": the child keeps that", info->name, want,
                 (uint64_t)old.rlim_max);
        hard = old.rlim_max;
    }
    now.rlim_max = hard;
    now.rlim_cur = old.rlim_cur < (rlim_t)v ? old.rlim_cur : (rlim_t)v;
    if (now.rlim_cur > hard)
        now.rlim_cur = hard;
    if (setrlimit(resource, &now) < 0)
        return log_error_errno(errno, "limits: cannot set %s to %" PRIu64, info->enforced_by, (uint64_t)hard);
    return 0;
}

static int set_ucount(const char *path, uint64_t v)
{
    _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        log_debug("limits: %s is not in this kernel", path);
        return 0;
    }
    char buf[24];
    int n = snprintf(buf, sizeof(buf), "%" PRIu64, v);
    if (fd < 0 || write(fd, buf, (size_t)n) != n)
        return log_error_errno(errno, "limits: cannot write %s (the runner needs CAP_SYS_RESOURCE in its user namespace)",
                               path);
    return 0;
}

int ncp_limits_apply(const struct ncp_limits *l)
{
    int r;
    for (size_t i = 0; i < ARRAY_SIZE(ucounts); i++)
        if (l->v[ucounts[i].id] != NCP_LIMIT_NONE && (r = set_ucount(ucounts[i].path, l->v[ucounts[i].id])) < 0)
            return r;
    for (size_t i = 0; i < ARRAY_SIZE(rlimits); i++)
        if (l->v[rlimits[i].id] != NCP_LIMIT_NONE && (r = set_rlimit(rlimits[i].id, rlimits[i].resource, l->v[rlimits[i].id])) < 0)
            return r;
    if (ncp_log_enabled(NCP_LOG_DEBUG)) {
        char line[768] = "", v[32];
        size_t o = 0;
        for (unsigned i = 0; i < NCP_N_LIMITS && o < sizeof(line); i++) {
            ncp_limit_format(i, l->v[i], v, sizeof(v));
            o += (size_t)snprintf(line + o, sizeof(line) - o, "%s%s=%s", i ? " " : "", ncp_limit_info(i)->name, v);
        }
        log_debug("limits: %s", line);
    }
    return 0;
}
