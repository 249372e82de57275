/* SPDX-License-Identifier: Apache-2.0 */
/* The table of the isolated child's resource limits (src/common/resource_limits.h): one row
 * per limit, shared by the setters, the settings file, the policy parser,
 * ncp-run and the doctor, so that a name means the same everywhere. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "resource_limits.h"
#include "macro.h"

#define KIB 1024ull
#define MIB (1024ull * KIB)
#define GIB (1024ull * MIB)
#define TIB (1024ull * GIB)

/* Defaults: large enough for a decoder or a renderer, small enough that a
 * handful of children cannot take a 2-core, few-GB machine down.  The three
 * tmpfs are capped each (a tmpfs cannot share a cap with another): at most
 * 3 x 32 MiB of host memory per child.  RLIMIT_NOFILE's minimum leaves room
 * for what the runner itself holds (0-2, launch socket, IPC socket, 16 fds). */
static const struct ncp_limit_info table[NCP_N_LIMITS] = {
    [NCP_LIM_TMPFS_SIZE] = { "tmpfs_size", NCP_UNIT_BYTES, 32 * MIB, 64 * KIB, 1 * TIB,
                             "size of each writable tmpfs (data dir, /tmp, /dev/shm)", "tmpfs size=" },
    [NCP_LIM_TMPFS_INODES] = { "tmpfs_inodes", NCP_UNIT_COUNT, 4096, 16, 1u << 30,
                               "files and directories in each writable tmpfs", "tmpfs nr_inodes=" },
    [NCP_LIM_NPROC] = { "nproc", NCP_UNIT_COUNT, 1024, 1, 1u << 22, "processes and threads", "RLIMIT_NPROC" },
    [NCP_LIM_NOFILE] = { "nofile", NCP_UNIT_COUNT, 4096, 64, 1u << 30, "open descriptors per process",
                         "RLIMIT_NOFILE" },
    [NCP_LIM_FSIZE] = { "fsize", NCP_UNIT_BYTES, 1 * GIB, 0, INT64_MAX, "size of a file it writes",
                        "RLIMIT_FSIZE" },
    [NCP_LIM_CORE] = { "core", NCP_UNIT_BYTES, 0, 0, INT64_MAX, "size of a core dump", "RLIMIT_CORE" },
    [NCP_LIM_CPU] = { "cpu", NCP_UNIT_SECONDS, NCP_LIMIT_NONE, 1, UINT32_MAX, "CPU time per process",
                      "RLIMIT_CPU" },
    [NCP_LIM_AS] = { "as", NCP_UNIT_BYTES, NCP_LIMIT_NONE, 16 * MIB, INT64_MAX, "address space per process",
                     "RLIMIT_AS" },
    [NCP_LIM_DATA] = { "data", NCP_UNIT_BYTES, NCP_LIMIT_NONE, 4 * MIB, INT64_MAX,
                       "data segments per process", "RLIMIT_DATA" },
    [NCP_LIM_INOTIFY_INSTANCES] = { "inotify_instances", NCP_UNIT_COUNT, 16, 0, INT32_MAX, "inotify instances",
                                    "user.max_inotify_instances" },
    [NCP_LIM_INOTIFY_WATCHES] = { "inotify_watches", NCP_UNIT_COUNT, 8192, 0, INT32_MAX, "inotify watches",
                                  "user.max_inotify_watches" },
    [NCP_LIM_FANOTIFY_GROUPS] = { "fanotify_groups", NCP_UNIT_COUNT, 16, 0, INT32_MAX, "fanotify groups",
                                  "user.max_fanotify_groups" },
    [NCP_LIM_FANOTIFY_MARKS] = { "fanotify_marks", NCP_UNIT_COUNT, 8192, 0, INT32_MAX, "fanotify marks",
                                 "user.max_fanotify_marks" },
};

const struct ncp_limit_info *ncp_limit_info(unsigned id)
{
    return id < NCP_N_LIMITS ? &table[id] : NULL;
}

int ncp_limit_by_name(const char *name)
{
    if (!name)
        return -EINVAL;
    for (unsigned i = 0; i < NCP_N_LIMITS; i++) {
        const char *a = table[i].name, *b = name;
        while (*a && (*a == *b || (*a == '_' && *b == '-'))) {
            a++;
            b++;
        }
        if (!*a && !*b)
            return (int)i;
    }
    return -EINVAL;
}

void ncp_limits_defaults(struct ncp_limits *l)
{
    for (unsigned i = 0; i < NCP_N_LIMITS; i++)
        l->v[i] = table[i].def;
    l->set = 0;
}

int ncp_limit_check(unsigned id, uint64_t v)
{
    if (id >= NCP_N_LIMITS)
        return -EINVAL;
    if (v == NCP_LIMIT_NONE)
        return 0;
    return v >= table[id].min && v <= table[id].max ? 0 : -EINVAL;
}

int ncp_limit_parse(unsigned id, const char *s, uint64_t *out)
{
    if (id >= NCP_N_LIMITS || !s || !*s)
        return -EINVAL;
    if (!strcasecmp(s, "none") || !strcasecmp(s, "unlimited") || !strcmp(s, "-1")) {
        *out = NCP_LIMIT_NONE;
        return 0;
    }
    if (*s < '0' || *s > '9')
        return -EINVAL;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno)
        return -EINVAL;
    uint64_t mul = 1;
    if (table[id].unit == NCP_UNIT_BYTES && *end) {
        switch (*end) {
        case 'k': case 'K': mul = KIB; break;
        case 'm': case 'M': mul = MIB; break;
        case 'g': case 'G': mul = GIB; break;
        case 't': case 'T': mul = TIB; break;
        default: return -EINVAL;
        }
        end++;
        if (*end == 'i' && end[1] == 'B')  /* "32MiB" */
            end += 2;
        else if (*end == 'B')
            end++;
    }
    if (*end || (mul > 1 && x > (uint64_t)INT64_MAX / mul))
        return -EINVAL;
    uint64_t v = (uint64_t)x * mul;
    if (ncp_limit_check(id, v) < 0 || v == NCP_LIMIT_NONE)
        return -EINVAL;
    *out = v;
    return 0;
}

static void format_bytes(uint64_t v, char *buf, size_t size)
{
    static const char *const units[] = { "TiB", "GiB", "MiB", "KiB" };
    static const uint64_t muls[] = { TIB, GIB, MIB, KIB };
    for (size_t i = 0; i < ARRAY_SIZE(muls); i++)
        if (v >= muls[i] && v % muls[i] == 0) {
            snprintf(buf, size, "%" PRIu64 " %s", v / muls[i], units[i]);
            return;
        }
    snprintf(buf, size, "%" PRIu64 " bytes", v);
}

void ncp_limit_format(unsigned id, uint64_t v, char *buf, size_t size)
{
    if (id >= NCP_N_LIMITS || v == NCP_LIMIT_NONE)
        snprintf(buf, size, "none");
    else if (table[id].unit == NCP_UNIT_BYTES)
        format_bytes(v, buf, size);
    else if (table[id].unit == NCP_UNIT_SECONDS)
        snprintf(buf, size, "%" PRIu64 " s", v);
    else
        snprintf(buf, size, "%" PRIu64, v);
}

void ncp_limit_range(unsigned id, char *buf, size_t size)
{
    if (id >= NCP_N_LIMITS) {
        snprintf(buf, size, "?");
        return;
    }
    const struct ncp_limit_info *t = &table[id];
    const char *unit = t->unit == NCP_UNIT_SECONDS ? " seconds" : "";
    char lo[32], hi[32];
    if (t->unit == NCP_UNIT_BYTES) {
        format_bytes(t->min, lo, sizeof(lo));
        format_bytes(t->max, hi, sizeof(hi));
    } else {
        snprintf(lo, sizeof(lo), "%" PRIu64, t->min);
        snprintf(hi, sizeof(hi), "%" PRIu64, t->max);
    }
    if (t->max == INT64_MAX)
        snprintf(buf, size, "%s or more%s, or none", lo, unit);
    else
        snprintf(buf, size, "%s to %s%s, or none", lo, hi, unit);
}
