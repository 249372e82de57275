/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a process needs to start children, shared by libchild_process and
 * ncp-run: the settings file, child names and the data directory, where a
 * library and the runner are found, and the clone3 + execve spawner
 * (spawner.h).  Nothing here keeps a child's record: that is the library's
 * (src/app/).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "common/resource_limits.h"

/* ---- names.c: bundle, library stem, child names ---- */
/* The app's bundle name: NCP_BUNDLE_NAME, else the executable's file name. */
int ncp_bundle_name(char *buf, size_t size);
/* Whether s is a valid configured process name: [A-Za-z0-9_]{1,64}. */
bool ncp_process_name_valid(const char *s);
/* "libentry.so.1" -> "libentry". */
void ncp_lib_stem(const char *lib, char *buf, size_t size);
/* The child's full name: "{bundle}:{name}" or "{bundle}:Native_{stem}{N}". */
int ncp_child_name(const char *bundle, const char *configured, const char *lib, char *buf, size_t size);
/* The app's data dir: $XDG_DATA_HOME/<bundle> or ~/.local/share/<bundle>. */
int ncp_data_dir(const char *bundle, char *buf, size_t size);

/* ---- libpath.c ---- */
/* Resolves a library name (README.md, "How names, paths and libraries are
 * found").  *out is an absolute path, or the
 * bare name when only the system's default search can find it. */
int ncp_resolve_library(const char *name, char **out);
/* The calling executable's path (/proc/self/exe, read once), or NULL. */
const char *ncp_self_exe(void);
/* Path of the runner program (NCP_RUNNER overrides). */
const char *ncp_runner_path(void);

/* ---- settings.c ---- */
/* max_spares: one spare of each kind in use; in a batch of starts, up to this many. */
#define NCP_MAX_SPARES_DEFAULT 3
#define NCP_MAX_SPARES_MAX 8
struct ncp_settings {
    bool multi_process;
    unsigned max_ipc_children;      /* per process */
    unsigned max_children_per_app;  /* per bundle, all processes */
    unsigned connect_timeout_ms;
    unsigned max_spares;            /* children of each kind forked ahead of need, at most */
    struct ncp_limits limits;       /* isolated children: defaults and limit_* keys, none `set` */
};
/* Reads the system settings file (NCP_CONFIG_FILE overrides its path). */
void ncp_settings_load(struct ncp_settings *s);
