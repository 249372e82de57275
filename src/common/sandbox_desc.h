/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The description of one isolated child's sandbox: everything its build
 * depends on, and nothing else.  The app fills it from the start's configs
 * and the isolated policy, encodes it once, and sends those bytes twice: at
 * the head of the launch spec's body (src/common/launch_spec.h), and alone
 * to a waiting isolated child, which builds that sandbox ahead of need
 * (src/runner/zygote_child.c).  The runner decodes it (as untrusted) and
 * hands it unchanged to the sandbox module (struct ncp_sandbox_config of
 * src/sandbox/sandbox.h); a sandbox built ahead of need is used only if
 * its description equals the one of the launch spec.
 *
 * Wire format (host byte order; both ends are the same machine):
 *   struct ncp_sandbox_desc_header, then `body_len` bytes of NUL-terminated
 *   strings in this order: lib_path ("" for none), data_dir, policy ("" for
 *   the built-in one), n_binds pairs of source and destination, then the
 *   n_settings "NCP_...=value" settings.  The encoding is canonical: two
 *   equal descriptions have the same bytes, so the app compares bytes.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "idmap.h"
#include "resource_limits.h"

#define NCP_SANDBOX_DESC_MAGIC 0x4e435344u /* "NCSD" */
#define NCP_SANDBOX_DESC_VERSION 1u

#define NCP_MAX_BINDS 16
#define NCP_MAX_POLICY (256u * 1024u)
/* The settings the sandbox's build reads from the environment (logging,
 * the Landlock ABI cap): part of what a sandbox is, so part of its
 * description, in this order. */
#define NCP_SANDBOX_SETTINGS { "NCP_LOG", "NCP_LANDLOCK_ABI" }
#define NCP_SANDBOX_N_SETTINGS 2

/* A path the app binds into an isolated child's root
 * (NCP_ChildProcessConfigs_AddBind, ncp-run --ro-bind/--bind): `src` on the
 * host, `dest` in the child's root; read-only (exec allowed) or writable
 * (noexec); nosuid, nodev either way. */
struct ncp_sandbox_bind {
    const char *src, *dest;
    bool writable;
};

/* Strings are borrowed: from the app's request when encoding, from the
 * decoded bytes (which must outlive it) when decoded. */
struct ncp_sandbox_desc {
    struct ncp_idmap ids;     /* the plan: the runner resolves an isolation uid range with its own pid */
    struct ncp_limits limits; /* resolved by the app; the policy's "limits" fill in what the start did not set */
    const char *lib_path;     /* absolute host path of the entry library; NULL when it is found by
                                 the system's default search (then only system dirs are needed) */
    const char *data_dir;     /* absolute path of the app's data dir ($XDG_DATA_HOME/<bundle>) */
    const char *policy;       /* text of the isolated policy (read by the app); NULL: the built-in one */
    size_t policy_len;
    size_t n_binds;
    struct ncp_sandbox_bind binds[NCP_MAX_BINDS]; /* the app's, in its order */
    size_t n_settings;
    const char *settings[NCP_SANDBOX_N_SETTINGS + 1]; /* "NCP_LOG=...": the ones set, in table order; NULL-terminated */
};

struct ncp_sandbox_desc_header {
    uint32_t magic;
    uint32_t version;
    uint32_t id_flags;  /* bit 0: ids.own_uid, bit 1: ids.use_helpers */
    uint32_t inside_uid, inside_gid, outside_uid, outside_gid;
    uint32_t caller_uid, caller_gid, range_count;
    uint32_t n_binds;
    uint32_t bind_writable; /* bit i: bind i is writable */
    uint32_t n_settings;
    uint32_t limits_set;    /* bit i: limits[i] was set by the start */
    uint32_t body_len;
    uint32_t reserved;      /* 0: limits[] starts 8-aligned, with no hidden padding before it */
    uint64_t limits[NCP_N_LIMITS]; /* NCP_LIMIT_NONE when off */
};

/* The settings of `env` (NULL-terminated "KEY=VALUE" strings) that the
 * sandbox depends on, into d->settings (borrowed from env). */
void ncp_sandbox_desc_take_settings(struct ncp_sandbox_desc *d, char *const *env);
/* Encodes d into a new buffer: 0, -E2BIG (too many binds, a policy or a
 * path too long) or -ENOMEM. */
int ncp_sandbox_desc_encode(const struct ncp_sandbox_desc *d, char **out, size_t *out_len);
/* Decodes exactly `len` bytes (untrusted); d's strings then point into
 * msg.  0 or -EBADMSG. */
int ncp_sandbox_desc_decode(const char *msg, size_t len, struct ncp_sandbox_desc *d);
/* Whether two descriptions describe the same sandbox (field by field). */
bool ncp_sandbox_desc_equal(const struct ncp_sandbox_desc *a, const struct ncp_sandbox_desc *b);
