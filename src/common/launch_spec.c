/* SPDX-License-Identifier: Apache-2.0 */
/* Encoding and hostile-input-safe decoding of launch specs and reports. */
#include <string.h>

#include <AbilityKit/native_child_process.h>

#include "launch_spec.h"
#include "macro.h"
#include "wire_strings.h"

int ncp_launch_encode(const struct ncp_launch_input *in, char **out, size_t *out_len)
{
    const char *strs[] = { in->library, in->symbol, in->name, in->params, in->cwd };
    size_t n_env = 0, env_bytes = 0;
    bool isolated = (in->flags & NCP_LAUNCH_ISOLATED) != 0;
    if (in->n_user_fds > NCP_MAX_FDS)
        return -E2BIG;
    if (isolated != (in->sandbox_len > 0))
        return -EINVAL; /* an isolated child's sandbox, and no other's, is described */
    size_t body = in->sandbox_len;
    for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
        body += ncp_wire_len(strs[i]) + 1;
    for (size_t i = 0; i < in->n_user_fds; i++)
        body += ncp_wire_len(in->fd_names[i]) + 1;
    for (char *const *e = in->env; e && *e; e++) {
        n_env++;
        env_bytes += strlen(*e) + 1;
    }
    if (n_env > NCP_MAX_ENV || env_bytes > NCP_MAX_ENV_BYTES)
        return -E2BIG;
    if (in->n_env_set > n_env)
        return -EINVAL;
    body += env_bytes;
    if (body > NCP_MAX_BODY)
        return -E2BIG;

    size_t total = sizeof(struct ncp_launch_header) + body;
    char *buf = malloc(total);
    if (!buf)
        return -ENOMEM;
    struct ncp_launch_header h = {
        .magic = NCP_LAUNCH_MAGIC, .version = NCP_LAUNCH_VERSION, .kind = in->kind, .flags = in->flags,
        .n_user_fds = (uint32_t)in->n_user_fds, .has_ipc_fd = in->kind == NCP_KIND_IPC,
        .n_env = (uint32_t)n_env, .n_env_set = (uint32_t)in->n_env_set,
        .fd_writable = in->fd_writable,
        .sandbox_len = (uint32_t)in->sandbox_len, .body_len = (uint32_t)body,
    };
    memcpy(buf, &h, sizeof(h));
    char *p = buf + sizeof(h);
    if (in->sandbox_len)
        memcpy(p, in->sandbox, in->sandbox_len);
    p += in->sandbox_len;
    for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
        p = ncp_wire_put(p, strs[i]);
    for (size_t i = 0; i < in->n_user_fds; i++)
        p = ncp_wire_put(p, in->fd_names[i]);
    for (char *const *e = in->env; e && *e; e++)
        p = ncp_wire_put(p, *e);
    *out = buf;
    *out_len = total;
    return 0;
}

int ncp_launch_check_header(const struct ncp_launch_header *h, size_t n_fds_received)
{
    if (h->magic != NCP_LAUNCH_MAGIC || h->version != NCP_LAUNCH_VERSION)
        return -EBADMSG;
    if (h->kind != NCP_KIND_ARGS && h->kind != NCP_KIND_IPC)
        return -EBADMSG;
    if (h->n_user_fds > NCP_MAX_FDS || h->has_ipc_fd > 1 || h->body_len > NCP_MAX_BODY || h->n_env > NCP_MAX_ENV)
        return -EBADMSG;
    if ((h->kind == NCP_KIND_IPC) != (h->has_ipc_fd == 1))
        return -EBADMSG;
    if (h->fd_writable >> h->n_user_fds)
        return -EBADMSG;  /* a mark for a descriptor that is not there */
    if (h->n_env_set > h->n_env || h->sandbox_len > h->body_len ||
        ((h->flags & NCP_LAUNCH_ISOLATED) != 0) != (h->sandbox_len > 0))
        return -EBADMSG;
    /* ipc socket + user fds + stdio */
    if (n_fds_received != h->has_ipc_fd + h->n_user_fds + (h->flags & NCP_LAUNCH_STDIO ? 2u : 0u))
        return -EBADMSG;
    return 0;
}

static int decode_strings(const struct ncp_launch_header *h, const char **p, const char *end,
                          struct ncp_launch_spec *spec)
{
    const char **fields[] = { &spec->library, &spec->symbol, &spec->name, &spec->params, &spec->cwd };
    for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
        size_t len = 0;
        *fields[i] = ncp_wire_take(p, end, &len);
        if (!*fields[i] || len > (fields[i] == &spec->params ? NCP_MAX_PARAMS : 4096))
            return -EBADMSG;
    }
    spec->n_user_fds = h->n_user_fds;
    spec->fd_writable = h->fd_writable;
    for (size_t i = 0; i < h->n_user_fds; i++) {
        size_t len = 0;
        spec->fd_names[i] = ncp_wire_take(p, end, &len);
        if (!spec->fd_names[i] || len == 0 || len > NCP_MAX_FD_NAME)
            return -EBADMSG;
    }
    for (size_t i = 0; i < h->n_env; i++) {
        size_t len = 0;
        spec->env[i] = (char *)ncp_wire_take(p, end, &len);
        if (!spec->env[i] || !memchr(spec->env[i], '=', len))
            return -EBADMSG;
    }
    spec->n_env = h->n_env;
    spec->n_env_set = h->n_env_set;
    if (*p != end || !*spec->library || !*spec->symbol || !*spec->name)
        return -EBADMSG;
    return 0;
}

int ncp_launch_decode_body(const struct ncp_launch_header *h, char *body, struct ncp_launch_spec *spec)
{
    spec->body = body;
    spec->stdio_fds[0] = spec->stdio_fds[1] = -1; /* the receiver sets them */
    spec->kind = (enum ncp_child_kind)h->kind;
    spec->flags = h->flags;
    spec->sandbox = (struct ncp_sandbox_desc){ 0 };
    if (h->sandbox_len && ncp_sandbox_desc_decode(body, h->sandbox_len, &spec->sandbox) < 0)
        return -EBADMSG;
    spec->env = calloc(h->n_env + 1, sizeof(char *));
    if (!spec->env)
        return -ENOMEM;
    const char *p = body + h->sandbox_len;
    int r = decode_strings(h, &p, body + h->body_len, spec);
    if (r < 0) {
        free(spec->env);
        spec->env = NULL;
    }
    return r;
}

void ncp_launch_spec_free(struct ncp_launch_spec *spec)
{
    free(spec->body);
    spec->body = NULL;
    free(spec->env);
    spec->env = NULL;
    for (size_t i = 0; i < spec->n_user_fds; i++)
        spec->user_fds[i] = safe_close(spec->user_fds[i]);
    spec->ipc_fd = safe_close(spec->ipc_fd);
    spec->stdio_fds[0] = safe_close(spec->stdio_fds[0]);
    spec->stdio_fds[1] = safe_close(spec->stdio_fds[1]);
}

/* Every stage once: its name in log lines, the exit status of a runner that
 * fails there (126 when the app's library is at fault, as a shell says of a
 * command it cannot run; 125 when the library's own setup is), and the code
 * an IPC child's start callback gets for it. */
static const struct ncp_stage_info stages[] = {
    [NCP_STAGE_EXEC] = { "exec", 125, NCP_ERR_INTERNAL },
    [NCP_STAGE_SPEC] = { "launch-spec", 125, NCP_ERR_INTERNAL },
    [NCP_STAGE_SANDBOX] = { "sandbox", 125, NCP_ERR_NOT_SUPPORTED },
    [NCP_STAGE_DLOPEN] = { "dlopen", 126, NCP_ERR_LIB_LOADING_FAILED },
    [NCP_STAGE_DLSYM] = { "dlsym", 126, NCP_ERR_LIB_LOADING_FAILED },
    [NCP_STAGE_CONNECT] = { "connect", 125, NCP_ERR_CONNECTION_FAILED },
    [NCP_STAGE_RUNNING] = { "running", 0, NCP_NO_ERROR },
};
static const struct ncp_stage_info unknown_stage = { "unknown", 125, NCP_ERR_INTERNAL };

const struct ncp_stage_info *ncp_stage_info(uint32_t stage)
{
    return stage < ARRAY_SIZE(stages) && stages[stage].name ? &stages[stage] : &unknown_stage;
}

const char *ncp_stage_name(uint32_t stage) { return ncp_stage_info(stage)->name; }

int ncp_report_check(struct ncp_report *r)
{
    if (r->magic != NCP_REPORT_MAGIC || r->stage < NCP_STAGE_EXEC || r->stage > NCP_STAGE_RUNNING)
        return -EBADMSG;
    if (r->error < 0 || r->error > 4095)
        return -EBADMSG;
    r->detail[sizeof(r->detail) - 1] = '\0';
    return 0;
}
