/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the launch spec as the runner receives it, and the
 * stage reports the parent receives from a (possibly hostile) child.
 *
 * Input: byte 0 = number of descriptors "received" with the spec (mod 19:
 * IPC socket + 16 user fds, and two too many); then a struct
 * ncp_launch_header; the rest is the body.  The header's body_len is
 * replaced by the real length of the rest, as the runner reads exactly
 * body_len bytes (src/runner/runner.c, receive_spec).  The same input, from
 * byte 1, is also checked as a struct ncp_report (src/app/child_watch.c,
 * take_report).
 *
 * A decoded spec is encoded again and decoded a second time: the strings
 * and its sandbox's description must survive unchanged (abort otherwise),
 * and the description must encode back to the same bytes (it is
 * canonical).  The input itself is also decoded as a sandbox description
 * alone (the message a waiting isolated child gets,
 * src/runner/zygote_child.c). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/launch_spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_report(const uint8_t *data, size_t size)
{
    struct ncp_report r;
    memset(&r, 0xa5, sizeof(r));
    memcpy(&r, data, size < sizeof(r) ? size : sizeof(r));
    if (ncp_report_check(&r) == 0) {
        /* What the supervisor logs: the stage name and the detail string. */
        if (strlen(r.detail) >= sizeof(r.detail) || !ncp_stage_name(r.stage))
            abort();
    }
    (void)ncp_stage_name(r.stage);
}

static int decode(const struct ncp_launch_header *h0, const uint8_t *body_in, size_t body_len, size_t n_fds,
                  struct ncp_launch_spec *spec)
{
    struct ncp_launch_header h = *h0;
    if (body_len > UINT32_MAX)
        return -EBADMSG;
    h.body_len = (uint32_t)body_len;
    int r = ncp_launch_check_header(&h, n_fds);
    if (r < 0)
        return r;
    /* Exactly body_len bytes, as read_full() delivers them: no terminator. */
    char *body = malloc(h.body_len ? h.body_len : 1);
    if (!body)
        return -ENOMEM;
    if (h.body_len)
        memcpy(body, body_in, h.body_len);
    memset(spec, 0, sizeof(*spec));
    spec->ipc_fd = -1;
    r = ncp_launch_decode_body(&h, body, spec);
    if (r < 0) {
        free(body);
        if (spec->env)
            abort(); /* the decoder frees its own array on failure */
    }
    return r;
}

static void spec_release(struct ncp_launch_spec *s)
{
    free(s->body);
    free(s->env);
}

static int same(const char *a, const char *b) { return strcmp(a, b) == 0; }

/* A decoded description encodes back to the bytes it came from. */
static void check_canonical(const char *bytes, size_t len, const struct ncp_sandbox_desc *d)
{
    char *again = NULL;
    size_t again_len = 0;
    if (ncp_sandbox_desc_encode(d, &again, &again_len) < 0 || again_len != len || memcmp(again, bytes, len) != 0)
        abort();
    free(again);
}

static void roundtrip(const struct ncp_launch_spec *s, size_t sandbox_len)
{
    struct ncp_launch_input in = {
        .kind = s->kind, .flags = s->flags,
        .sandbox = s->body, .sandbox_len = sandbox_len,
        .library = s->library, .symbol = s->symbol, .name = s->name, .params = s->params, .cwd = s->cwd,
        .n_user_fds = s->n_user_fds, .fd_names = s->fd_names, .fd_writable = s->fd_writable,
        .env = s->env, .n_env_set = s->n_env_set,
    };
    if (sandbox_len)
        check_canonical(s->body, sandbox_len, &s->sandbox);
    char *buf = NULL;
    size_t len = 0;
    if (ncp_launch_encode(&in, &buf, &len) < 0)
        return; /* the encoder's limits are stricter for the environment */
    if (len < sizeof(struct ncp_launch_header))
        abort();
    struct ncp_launch_header h;
    memcpy(&h, buf, sizeof(h));
    struct ncp_launch_spec t;
    size_t n_fds = (s->kind == NCP_KIND_IPC) + s->n_user_fds + (s->flags & NCP_LAUNCH_STDIO ? 2u : 0u);
    if (h.body_len != len - sizeof(h) || decode(&h, (const uint8_t *)buf + sizeof(h), len - sizeof(h), n_fds, &t) < 0)
        abort();
    if (t.kind != s->kind || t.flags != s->flags || t.n_user_fds != s->n_user_fds || t.n_env != s->n_env ||
        !ncp_sandbox_desc_equal(&t.sandbox, &s->sandbox) ||
        !same(t.library, s->library) || !same(t.symbol, s->symbol) || !same(t.name, s->name) ||
        !same(t.params, s->params) || !same(t.cwd, s->cwd) || t.fd_writable != s->fd_writable ||
        t.n_env_set != s->n_env_set)
        abort();
    for (size_t i = 0; i < t.n_user_fds; i++)
        if (!same(t.fd_names[i], s->fd_names[i]))
            abort();
    for (size_t i = 0; i < t.n_env; i++)
        if (!same(t.env[i], s->env[i]))
            abort();
    if (t.env[t.n_env] != NULL)
        abort();
    spec_release(&t);
    free(buf);
}

/* Every string of a description lies inside the bytes it came from. */
static void check_desc_inside(const struct ncp_sandbox_desc *d, const char *start, const char *end)
{
    const char *strs[3 + 2 * NCP_MAX_BINDS + NCP_SANDBOX_N_SETTINGS];
    size_t n = 0;
    strs[n++] = d->lib_path;
    strs[n++] = d->data_dir;
    strs[n++] = d->policy;
    for (size_t i = 0; i < d->n_binds; i++) {
        strs[n++] = d->binds[i].src;
        strs[n++] = d->binds[i].dest;
    }
    for (size_t i = 0; i < d->n_settings; i++)
        strs[n++] = d->settings[i];
    for (size_t i = 0; i < n; i++)
        if (strs[i] && (strs[i] < start || strs[i] + strlen(strs[i]) >= end))
            abort();
    if (d->settings[d->n_settings] != NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    {
        /* Exactly the bytes received, as the waiting child has them. */
        char *copy = malloc(size - 1 ? size - 1 : 1);
        struct ncp_sandbox_desc d;
        if (!copy)
            return 0;
        memcpy(copy, data + 1, size - 1);
        if (ncp_sandbox_desc_decode(copy, size - 1, &d) == 0) {
            check_desc_inside(&d, copy, copy + size - 1);
            check_canonical(copy, size - 1, &d);
        }
        free(copy);
    }
    check_report(data + 1, size - 1);
    if (size < 1 + sizeof(struct ncp_launch_header))
        return 0;
    size_t n_fds = data[0] % (2 + 1 + NCP_MAX_FDS);
    struct ncp_launch_header h;
    memcpy(&h, data + 1, sizeof(h));
    const uint8_t *body = data + 1 + sizeof(h);
    size_t body_len = size - 1 - sizeof(h);
    struct ncp_launch_spec s;
    if (decode(&h, body, body_len, n_fds, &s) == 0) {
        /* What the runner does with a decoded spec: every string is terminated
         * inside the body, the environment array is NULL-terminated. */
        const char *end = s.body + body_len;
        const char *strs[] = { s.library, s.symbol, s.name, s.params, s.cwd };
        for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
            if (strs[i] < s.body || strs[i] + strlen(strs[i]) >= end)
                abort();
        for (size_t i = 0; i < s.n_env; i++)
            if (!strchr(s.env[i], '='))
                abort();
        if (s.env[s.n_env] != NULL)
            abort();
        if (h.sandbox_len)
            check_desc_inside(&s.sandbox, s.body, s.body + h.sandbox_len);
        roundtrip(&s, h.sandbox_len);
        spec_release(&s);
    }
    return 0;
}
