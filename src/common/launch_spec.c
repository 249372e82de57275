/* SPDX-License-Identifier: Apache-2.0 */
/* Encoding and hostile-input-safe decoding of launch specs and reports. */
#include <string.h>

#include <AbilityKit/native_child_process.h>

#include "launch_spec.h"
#include "macro.h"

static size_t slen(const char *s) { return s ? strlen(s) : 0; }

static char *put(char *p, const char *s)
{
    size_t n = slen(s);
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p + n + 1;
}

int ncp_launch_encode(const struct ncp_launch_input *in, char **out, size_t *out_len)
{
    const char *strs[] = { in->library, in->symbol, in->name, in->params, in->data_dir };
    size_t body = 0, n_env = 0, env_bytes = 0;
    if (in->n_user_fds > NCP_MAX_FDS || in->policy_len > NCP_MAX_POLICY || in->n_binds > NCP_MAX_LAUNCH_BINDS)
        return -E2BIG;
    for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
        body += slen(strs[i]) + 1;
    body += in->policy_len + 1;
    body += slen(in->cwd) + 1;
    for (size_t i = 0; i < in->n_user_fds; i++)
        body += slen(in->fd_names[i]) + 1;
    for (size_t i = 0; i < in->n_binds; i++)
        body += slen(in->bind_src[i]) + 1 + slen(in->bind_dest[i]) + 1;
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
        .magic = NCP_LAUNCH_MAGIC, .version = NCP_LAUNCH_VERSION, .kind = in->kind,
        .flags = in->flags | (in->ids.own_uid ? NCP_LAUNCH_OWN_UID : 0) | (in->ids.use_helpers ? NCP_LAUNCH_HELPERS : 0),
        .n_user_fds = (uint32_t)in->n_user_fds,
        .has_ipc_fd = in->kind == NCP_KIND_IPC,
        .inside_uid = in->ids.inside_uid, .inside_gid = in->ids.inside_gid,
        .outside_uid = in->ids.outside_uid, .outside_gid = in->ids.outside_gid,
        .caller_uid = in->ids.caller_uid, .caller_gid = in->ids.caller_gid,
        .range_count = in->ids.range_count,
        .n_env = (uint32_t)n_env,
        .fd_writable = in->fd_writable,
        .n_binds = (uint32_t)in->n_binds, .bind_writable = in->bind_writable,
        .body_len = (uint32_t)body,
        .limits_set = in->limits.set,
        .n_env_set = (uint32_t)in->n_env_set,
    };
    memcpy(h.limits, in->limits.v, sizeof(h.limits));
    memcpy(buf, &h, sizeof(h));
    char *p = buf + sizeof(h);
    for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
        p = put(p, strs[i]);
    if (in->policy_len)
        memcpy(p, in->policy, in->policy_len);
    p[in->policy_len] = '\0';
    p += in->policy_len + 1;
    p = put(p, in->cwd);
    for (size_t i = 0; i < in->n_user_fds; i++)
        p = put(p, in->fd_names[i]);
    for (size_t i = 0; i < in->n_binds; i++) {
        p = put(p, in->bind_src[i]);
        p = put(p, in->bind_dest[i]);
    }
    for (char *const *e = in->env; e && *e; e++)
        p = put(p, *e);
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
    if (h->n_binds > NCP_MAX_LAUNCH_BINDS || h->bind_writable >> h->n_binds)
        return -EBADMSG;
    if (h->limits_set >> NCP_N_LIMITS || h->n_env_set > h->n_env)
        return -EBADMSG;
    for (unsigned i = 0; i < NCP_N_LIMITS; i++)
        if (ncp_limit_check(i, h->limits[i]) < 0)
            return -EBADMSG;
    /* ipc socket + user fds + stdio */
    if (n_fds_received != h->has_ipc_fd + h->n_user_fds + (h->flags & NCP_LAUNCH_STDIO ? 2u : 0u))
        return -EBADMSG;
    return 0;
}

/* Takes the next NUL-terminated string of [*p, end); NULL when none is left. */
static const char *take(char **p, char *end, size_t *len)
{
    if (*p >= end)
        return NULL;
    char *nul = memchr(*p, '\0', (size_t)(end - *p));
    if (!nul)
        return NULL;
    const char *s = *p;
    if (len)
        *len = (size_t)(nul - *p);
    *p = nul + 1;
    return s;
}

int ncp_launch_decode_body(const struct ncp_launch_header *h, char *body, struct ncp_launch_spec *spec)
{
    char *p = body, *end = body + h->body_len;
    const char **fields[] = { &spec->library, &spec->symbol, &spec->name, &spec->params,
                              &spec->data_dir, &spec->policy, &spec->cwd };
    spec->body = body;
    spec->stdio_fds[0] = spec->stdio_fds[1] = -1; /* the receiver sets them */
    spec->kind = (enum ncp_child_kind)h->kind;
    spec->flags = h->flags;
    spec->ids = (struct ncp_idmap){
        .inside_uid = h->inside_uid, .inside_gid = h->inside_gid,
        .outside_uid = h->outside_uid, .outside_gid = h->outside_gid,
        .own_uid = (h->flags & NCP_LAUNCH_OWN_UID) != 0, .use_helpers = (h->flags & NCP_LAUNCH_HELPERS) != 0,
        .caller_uid = h->caller_uid, .caller_gid = h->caller_gid, .range_count = h->range_count,
    };
    memcpy(spec->limits.v, h->limits, sizeof(spec->limits.v));
    spec->limits.set = h->limits_set;
    for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
        size_t len = 0;
        *fields[i] = take(&p, end, &len);
        if (!*fields[i])
            return -EBADMSG;
        if (fields[i] == &spec->policy)
            spec->policy_len = len;
        else if (fields[i] == &spec->params ? len > NCP_MAX_PARAMS : len > 4096)
            return -EBADMSG;
    }
    spec->n_user_fds = h->n_user_fds;
    spec->fd_writable = h->fd_writable;
    for (size_t i = 0; i < h->n_user_fds; i++) {
        size_t len = 0;
        spec->fd_names[i] = take(&p, end, &len);
        if (!spec->fd_names[i] || len == 0 || len > NCP_MAX_FD_NAME)
            return -EBADMSG;
    }
    spec->n_binds = h->n_binds;
    spec->bind_writable = h->bind_writable;
    for (size_t i = 0; i < h->n_binds; i++) {
        size_t ls = 0, ld = 0;
        spec->bind_src[i] = take(&p, end, &ls);
        spec->bind_dest[i] = take(&p, end, &ld);
        if (!spec->bind_src[i] || !spec->bind_dest[i] || spec->bind_src[i][0] != '/' || spec->bind_dest[i][0] != '/' ||
            ls >= 4096 || ld >= 4096)
            return -EBADMSG;
    }
    spec->env = calloc(h->n_env + 1, sizeof(char *));
    if (!spec->env)
        return -ENOMEM;
    for (size_t i = 0; i < h->n_env; i++) {
        size_t len = 0;
        spec->env[i] = (char *)take(&p, end, &len);
        if (!spec->env[i] || !memchr(spec->env[i], '=', len)) {
            free(spec->env);
            spec->env = NULL;
            return -EBADMSG;
        }
    }
    spec->n_env = h->n_env;
    spec->n_env_set = h->n_env_set;
    if (p != end || !*spec->library || !*spec->symbol || !*spec->name) {
        free(spec->env);
        spec->env = NULL;
        return -EBADMSG;
    }
    return 0;
}

int ncp_launch_encode_sandbox(const struct ncp_launch_input *in, char **out, size_t *out_len)
{
    /* The settings the sandbox code reads from the environment. */
    static const char *const keep[] = { "NCP_LOG=", "NCP_LANDLOCK_ABI=" };
    char *env[ARRAY_SIZE(keep) + 1] = { NULL };
    size_t n = 0;
    for (size_t k = 0; k < ARRAY_SIZE(keep); k++)
        for (char *const *e = in->env; e && *e; e++)
            if (strncmp(*e, keep[k], strlen(keep[k])) == 0) {
                env[n++] = *e;
                break;
            }
    struct ncp_launch_input s = {
        /* The stdio pipes and the working directory are the child's, not its sandbox's. */
        .kind = NCP_KIND_ARGS, .flags = in->flags & ~(uint32_t)(NCP_LAUNCH_STDIO | NCP_LAUNCH_CWD),
        .ids = in->ids,
        .limits = in->limits,
        .library = in->library, .symbol = "-", .name = "sandbox", .params = "", .data_dir = in->data_dir,
        .policy = in->policy, .policy_len = in->policy_len, .cwd = "", .env = env,
        .n_binds = in->n_binds, .bind_src = in->bind_src, .bind_dest = in->bind_dest,
        .bind_writable = in->bind_writable,
    };
    return ncp_launch_encode(&s, out, out_len);
}

int ncp_launch_encode_sandbox_of(const struct ncp_launch_spec *spec, char **out, size_t *out_len)
{
    struct ncp_launch_input in = {
        .flags = spec->flags,
        .ids = spec->ids,
        .limits = spec->limits,
        .library = spec->library, .data_dir = spec->data_dir, .policy = spec->policy,
        .policy_len = spec->policy_len, .env = spec->env,
        .n_binds = spec->n_binds, .bind_src = spec->bind_src, .bind_dest = spec->bind_dest,
        .bind_writable = spec->bind_writable,
    };
    return ncp_launch_encode_sandbox(&in, out, out_len);
}

int ncp_launch_decode_sandbox(const void *msg, size_t len, struct ncp_launch_spec *spec)
{
    struct ncp_launch_header h;
    if (len < sizeof(h))
        return -EBADMSG;
    memcpy(&h, msg, sizeof(h));
    /* No descriptors come with it: an args spec without fds. */
    if (h.kind != NCP_KIND_ARGS || h.n_user_fds || h.body_len != len - sizeof(h) || ncp_launch_check_header(&h, 0) < 0)
        return -EBADMSG;
    char *body = malloc(h.body_len ? h.body_len : 1);
    if (!body)
        return -ENOMEM;
    memcpy(body, (const char *)msg + sizeof(h), h.body_len);
    return ncp_launch_decode_body(&h, body, spec); /* spec owns body from here */
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
