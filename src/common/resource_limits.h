/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The isolated child's resource limits: names, units, ranges and defaults
 * (src/common/resource_limits.c, shared by the library, the runner and ncp-run), and
 * how the child applies them (src/sandbox/sandbox_limits.h, in ncp-sandbox.so).
 *
 * Where a value comes from, the first that has one:
 *   1. the start: NCP_ChildProcessConfigs_SetLimit() (ncp-run --limit);
 *   2. the app's isolated policy file, its "limits" section (read in the child);
 *   3. the machine's child_process.conf, `limit_NAME = VALUE`;
 *   4. the built-in default of the table.
 * The parent resolves 1, 3 and 4 into struct ncp_limits and marks what the
 * start set; the child lets the policy override the rest (ncp_limits_merge()).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The same numbers as NCP_ChildProcess_Limit in <AbilityKit/native_child_process_ext.h>. */
enum ncp_limit_id {
    NCP_LIM_TMPFS_SIZE,
    NCP_LIM_TMPFS_INODES,
    NCP_LIM_NPROC,
    NCP_LIM_NOFILE,
    NCP_LIM_FSIZE,
    NCP_LIM_CORE,
    NCP_LIM_CPU,
    NCP_LIM_AS,
    NCP_LIM_DATA,
    NCP_LIM_INOTIFY_INSTANCES,
    NCP_LIM_INOTIFY_WATCHES,
    NCP_LIM_FANOTIFY_GROUPS,
    NCP_LIM_FANOTIFY_MARKS,
    NCP_N_LIMITS
};

/* A limit that is off: nothing is set, the app's own limit holds. */
#define NCP_LIMIT_NONE UINT64_MAX

enum ncp_limit_unit { NCP_UNIT_COUNT, NCP_UNIT_BYTES, NCP_UNIT_SECONDS };

struct ncp_limit_info {
    const char *name;          /* "tmpfs_size": the conf key's and the policy's name, ncp-run --limit NAME */
    enum ncp_limit_unit unit;
    uint64_t def;              /* built-in default, NCP_LIMIT_NONE: off */
    uint64_t min, max;         /* accepted values (besides NCP_LIMIT_NONE) */
    const char *what;          /* for the doctor and messages */
    const char *enforced_by;   /* "tmpfs size=", "RLIMIT_NPROC", "user namespace ucount" */
};

struct ncp_limits {
    uint64_t v[NCP_N_LIMITS];
    uint32_t set;              /* bit i: v[i] was set by the start (wins over the policy) */
};

const struct ncp_limit_info *ncp_limit_info(unsigned id);
/* The id of "nproc" (also accepts "-" for "_"); -EINVAL when unknown. */
int ncp_limit_by_name(const char *name);
/* The built-in defaults, none set by the start. */
void ncp_limits_defaults(struct ncp_limits *l);
/* 0 when v (or NCP_LIMIT_NONE) is in the limit's range, else -EINVAL. */
int ncp_limit_check(unsigned id, uint64_t v);
/* "32M", "1G", "4096", "none"/"unlimited" (or "-1") for the limit's unit: 0 or -EINVAL. */
int ncp_limit_parse(unsigned id, const char *s, uint64_t *out);
/* "32 MiB", "1024", "none": what a value means. */
void ncp_limit_format(unsigned id, uint64_t v, char *buf, size_t size);
/* A text naming the whole accepted range, for log lines: "64K..1T bytes or none". */
void ncp_limit_range(unsigned id, char *buf, size_t size);
