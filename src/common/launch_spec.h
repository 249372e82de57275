/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The launch spec: what the parent tells the runner over the launch socket,
 * and the reports the runner sends back.  Both sides decode what they receive
 * as untrusted (the runner is started by the parent, but the parent reads the
 * reports of a child that may be hostile).
 *
 * Wire format (host byte order; both ends are the same machine):
 *   struct ncp_launch_header, then `body_len` bytes of NUL-terminated strings
 *   in this order: library, symbol, name, params, data_dir, policy, cwd, then
 *   n_user_fds fd names, then n_binds pairs of bind source and destination,
 *   then n_env "KEY=VALUE" environment strings.  The first byte carries, via SCM_RIGHTS, the IPC
 *   socket (IPC children), then the user fds in list order (sorted by name), then with NCP_LAUNCH_STDIO the
 *   write ends of the child's stdout and stderr pipes (src/app/child_stdio.h).
 *   The per-app slot lock is not among them: the parent holds it (src/app/slots.c).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "idmap.h"
#include "resource_limits.h"

#define NCP_LAUNCH_MAGIC 0x4e43504cu /* "NCPL" */
#define NCP_REPORT_MAGIC 0x4e435052u /* "NCPR" */
#define NCP_LAUNCH_VERSION 6u   /* 2: no slot lock among the descriptors; 3: fd_writable; 4: binds; 5: resource limits;
                                   6: n_env_set */
#define NCP_LAUNCH_FD 3              /* the launch socket's number in the runner */

#define NCP_MAX_FDS 16
#define NCP_MAX_LAUNCH_BINDS 16  /* NCP_MAX_BINDS of src/sandbox/sandbox.h */
#define NCP_MAX_FD_NAME 20
#define NCP_MAX_PARAMS (150u * 1024u)
#define NCP_MAX_NAME 256
#define NCP_MAX_POLICY (256u * 1024u)
#define NCP_MAX_ENV_BYTES (256u * 1024u)
#define NCP_MAX_ENV 4096u
#define NCP_MAX_ENV_NAME 128
#define NCP_MAX_ENV_VALUE 4096
#define NCP_MAX_BODY (NCP_MAX_PARAMS + NCP_MAX_POLICY + NCP_MAX_ENV_BYTES + 5u * 4096u + NCP_MAX_FDS * (NCP_MAX_FD_NAME + 1u) + NCP_MAX_LAUNCH_BINDS * 2u * 4096u + 16u)

enum ncp_child_kind { NCP_KIND_ARGS = 1, NCP_KIND_IPC = 2 };

enum ncp_launch_flags {
    NCP_LAUNCH_ISOLATED = 1u << 0,
    NCP_LAUNCH_OWN_UID = 1u << 1,
    NCP_LAUNCH_HELPERS = 1u << 2,
    NCP_LAUNCH_STDIO = 1u << 3,   /* two more fds: the child's stdout and stderr (isolated children) */
    NCP_LAUNCH_CWD = 1u << 4,     /* cwd is the configs' (NCP_ChildProcessConfigs_SetWorkingDir): the child must enter it */
};

struct ncp_launch_header {
    uint32_t magic;
    uint32_t version;
    uint32_t kind;
    uint32_t flags;
    uint32_t n_user_fds;
    uint32_t has_ipc_fd;
    uint32_t inside_uid, inside_gid, outside_uid, outside_gid;
    uint32_t caller_uid, caller_gid;
    uint32_t range_count;  /* isolation uid: the runner picks its ids from the range by its pid */
    uint32_t n_env;
    uint32_t fd_writable;  /* bit i: user fd i is a directory the child may write in (isolated) */
    uint32_t n_binds;
    uint32_t bind_writable;  /* bit i: bind i is writable */
    uint32_t body_len;
    uint32_t limits_set;   /* bit i: limits[i] was set by the start (src/common/resource_limits.h) */
    uint32_t n_env_set;    /* the last n_env_set of the n_env strings are the start's own (SetEnv): the
                              policy's "env" does not change them.  (Also: no hidden padding before
                              limits[], since the sandbox description is compared bytewise.) */
    uint64_t limits[NCP_N_LIMITS]; /* isolated children: the resource limits, NCP_LIMIT_NONE when off */
};

/* Decoded spec; strings point into `body` (owned). */
struct ncp_launch_spec {
    enum ncp_child_kind kind;
    uint32_t flags;
    struct ncp_idmap ids;  /* own_uid, use_helpers: NCP_LAUNCH_OWN_UID, NCP_LAUNCH_HELPERS on the wire */
    struct ncp_limits limits;
    char *body;
    const char *library, *symbol, *name, *params, *data_dir, *policy, *cwd;
    size_t policy_len;
    size_t n_user_fds;
    const char *fd_names[NCP_MAX_FDS];
    int user_fds[NCP_MAX_FDS];
    uint32_t fd_writable;  /* as in the header */
    size_t n_binds;
    const char *bind_src[NCP_MAX_LAUNCH_BINDS], *bind_dest[NCP_MAX_LAUNCH_BINDS];
    uint32_t bind_writable;
    char **env;   /* n_env strings + NULL, pointing into body (owned array) */
    size_t n_env;
    size_t n_env_set; /* as in the header */
    int ipc_fd;   /* -1 when none */
    int stdio_fds[2]; /* NCP_LAUNCH_STDIO: stdout, stderr; else -1 */
};

/* Whether `name` may be set for a child (NCP_ChildProcessConfigs_SetEnv(),
 * the policy's "env"): a portable name ([A-Za-z_][A-Za-z0-9_]*) of at most
 * NCP_MAX_ENV_NAME characters.  NCP_* are the library's own settings, read
 * by the runner while it builds the sandbox (NCP_LOG, NCP_LANDLOCK_ABI, ...)
 * or set by it (NCP_IN_CHILD): never a configs' or a policy's. */
static inline bool ncp_env_name_valid(const char *name)
{
    size_t n = name ? strnlen(name, NCP_MAX_ENV_NAME + 1) : 0;
    if (n == 0 || n > NCP_MAX_ENV_NAME || (name[0] >= '0' && name[0] <= '9') || strncmp(name, "NCP_", 4) == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

/* A spec that holds nothing yet (ncp_launch_spec_free() closes its fds). */
#define NCP_LAUNCH_SPEC_INIT { .ipc_fd = -1, .stdio_fds = { -1, -1 } }

/* Fields the parent fills to encode. */
struct ncp_launch_input {
    enum ncp_child_kind kind;
    uint32_t flags;
    struct ncp_idmap ids;  /* own_uid, use_helpers: NCP_LAUNCH_OWN_UID, NCP_LAUNCH_HELPERS on the wire */
    struct ncp_limits limits;
    const char *library, *symbol, *name, *params, *data_dir, *policy, *cwd;
    size_t policy_len;
    size_t n_user_fds;
    const char *const *fd_names;
    uint32_t fd_writable;
    size_t n_binds;
    const char *const *bind_src, *const *bind_dest;
    uint32_t bind_writable;
    char *const *env;  /* NULL-terminated */
    size_t n_env_set;  /* how many of env's last strings the start set (NCP_ChildProcessConfigs_SetEnv) */
};

/* Encodes header + body into a new buffer. */
int ncp_launch_encode(const struct ncp_launch_input *in, char **out, size_t *out_len);
/* Validates a header; 0 or -EBADMSG. */
int ncp_launch_check_header(const struct ncp_launch_header *h, size_t n_fds_received);
/* Splits a body into the spec's strings; 0 or -EBADMSG.  Takes ownership of body. */
int ncp_launch_decode_body(const struct ncp_launch_header *h, char *body, struct ncp_launch_spec *spec);
void ncp_launch_spec_free(struct ncp_launch_spec *spec);

/* What an isolated child's sandbox depends on -- the flags and ids, the limits, the
 * library, the data dir, the policy, the binds, and NCP_LOG and NCP_LANDLOCK_ABI from the
 * environment -- encoded as a spec without descriptors.  The same request
 * always gives the same bytes: a waiting isolated child builds its sandbox
 * from them ahead of need, and the app and the child compare them with those
 * of the real spec before that sandbox is used. */
int ncp_launch_encode_sandbox(const struct ncp_launch_input *in, char **out, size_t *out_len);
int ncp_launch_encode_sandbox_of(const struct ncp_launch_spec *spec, char **out, size_t *out_len);
/* Decodes those bytes (untrusted); 0 or -EBADMSG/-ENOMEM.  The spec owns its
 * body even on failure: free it with ncp_launch_spec_free(). */
int ncp_launch_decode_sandbox(const void *msg, size_t len, struct ncp_launch_spec *spec);

/* Stages the runner reports.  The last report before exit tells the parent
 * how far the child got. */
enum ncp_report_stage {
    NCP_STAGE_EXEC = 1,      /* execve of the runner failed (sent by the cloned child) */
    NCP_STAGE_SPEC,          /* the launch spec could not be read */
    NCP_STAGE_SANDBOX,       /* building the sandbox failed */
    NCP_STAGE_DLOPEN,        /* the library could not be loaded */
    NCP_STAGE_DLSYM,         /* an entry symbol is missing */
    NCP_STAGE_CONNECT,       /* OnConnect returned NULL or serving failed */
    NCP_STAGE_RUNNING,       /* entry (or MainProc) is about to run: success */
};

struct ncp_report {
    uint32_t magic;
    uint32_t stage;
    int32_t error;    /* positive errno, 0 on success */
    char detail[244]; /* NUL-terminated */
};

struct ncp_stage_info {
    const char *name;  /* in log lines: "child NAME failed at stage dlopen" */
    int exit_status;   /* of a runner that fails at the stage */
    int ipc_code;      /* an Ability_NativeChildProcess_ErrCode for an IPC child's start callback */
};
/* The stage's entry in the one table (launch_spec.c); an entry named
 * "unknown" for a stage that is none. */
const struct ncp_stage_info *ncp_stage_info(uint32_t stage);
const char *ncp_stage_name(uint32_t stage);
/* Validates a report received from a child; 0 or -EBADMSG.  Forces the
 * detail string to be terminated. */
int ncp_report_check(struct ncp_report *r);
