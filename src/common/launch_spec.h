/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The launch spec: what the parent tells the runner over the launch socket,
 * and the reports the runner sends back.  Both sides decode what they receive
 * as untrusted (the runner is started by the parent, but the parent reads the
 * reports of a child that may be hostile).
 *
 * Wire format (host byte order; both ends are the same machine):
 *   struct ncp_launch_header, then `body_len` bytes: first, for an isolated
 *   child, the `sandbox_len` bytes of its sandbox's description
 *   (sandbox_desc.h); then NUL-terminated strings in this order: library,
 *   symbol, name, params, cwd, then n_user_fds fd names, then n_env
 *   "KEY=VALUE" environment strings.  The first byte carries, via
 *   SCM_RIGHTS, the IPC socket (IPC children), then the user fds in list
 *   order (sorted by name), then with NCP_LAUNCH_STDIO the write ends of the
 *   child's stdout and stderr pipes (src/app/child_stdio.h).
 *   The per-app slot lock is not among them: the parent holds it (src/app/slots.c).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "sandbox_desc.h"

#define NCP_LAUNCH_MAGIC 0x4e43504cu /* "NCPL" */
#define NCP_REPORT_MAGIC 0x4e435052u /* "NCPR" */
#define NCP_LAUNCH_VERSION 7u   /* 2: no slot lock among the descriptors; 3: fd_writable; 4: binds; 5: resource limits;
                                   6: n_env_set; 7: the sandbox description */
#define NCP_LAUNCH_FD 3              /* the launch socket's number in the runner */

#define NCP_MAX_FDS 16
#define NCP_MAX_FD_NAME 20
#define NCP_MAX_PARAMS (150u * 1024u)
#define NCP_MAX_NAME 256
#define NCP_MAX_ENV_BYTES (256u * 1024u)
#define NCP_MAX_ENV 4096u
#define NCP_MAX_ENV_NAME 128
#define NCP_MAX_ENV_VALUE 4096
/* The sandbox's description (its paths, policy, binds, settings), then the spec's own strings. */
#define NCP_MAX_BODY (NCP_MAX_POLICY + 4u * 4096u + NCP_MAX_BINDS * 2u * 4096u + 4096u + \
                      NCP_MAX_PARAMS + NCP_MAX_ENV_BYTES + 4u * 4096u + NCP_MAX_FDS * (NCP_MAX_FD_NAME + 1u))

enum ncp_child_kind { NCP_KIND_ARGS = 1, NCP_KIND_IPC = 2 };

enum ncp_launch_flags {
    NCP_LAUNCH_ISOLATED = 1u << 0,   /* the body starts with the sandbox's description */
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
    uint32_t n_env;
    uint32_t n_env_set;    /* the last n_env_set of the n_env strings are the start's own (SetEnv): the
                              policy's "env" does not change them */
    uint32_t fd_writable;  /* bit i: user fd i is a directory the child may write in (isolated) */
    uint32_t sandbox_len;  /* NCP_LAUNCH_ISOLATED: the length of the sandbox's description; else 0 */
    uint32_t body_len;     /* with the sandbox's description */
};

/* Decoded spec; strings point into `body` (owned). */
struct ncp_launch_spec {
    enum ncp_child_kind kind;
    uint32_t flags;
    struct ncp_sandbox_desc sandbox; /* NCP_LAUNCH_ISOLATED: what its sandbox is built from */
    char *body;
    const char *library, *symbol, *name, *params, *cwd;
    size_t n_user_fds;
    const char *fd_names[NCP_MAX_FDS];
    int user_fds[NCP_MAX_FDS];
    uint32_t fd_writable;  /* as in the header */
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
    const char *sandbox;  /* NCP_LAUNCH_ISOLATED: ncp_sandbox_desc_encode()'s bytes */
    size_t sandbox_len;
    const char *library, *symbol, *name, *params, *cwd;
    size_t n_user_fds;
    const char *const *fd_names;
    uint32_t fd_writable;
    char *const *env;  /* NULL-terminated */
    size_t n_env_set;  /* how many of env's last strings the start set (NCP_ChildProcessConfigs_SetEnv) */
};

/* Encodes header + body into a new buffer. */
int ncp_launch_encode(const struct ncp_launch_input *in, char **out, size_t *out_len);
/* Validates a header; 0 or -EBADMSG. */
int ncp_launch_check_header(const struct ncp_launch_header *h, size_t n_fds_received);
/* Splits a body into the spec's sandbox description and strings; 0 or
 * -EBADMSG.  Takes ownership of body. */
int ncp_launch_decode_body(const struct ncp_launch_header *h, char *body, struct ncp_launch_spec *spec);
void ncp_launch_spec_free(struct ncp_launch_spec *spec);

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
