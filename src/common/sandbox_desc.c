/* SPDX-License-Identifier: Apache-2.0 */
/* Encoding, hostile-input-safe decoding and comparison of sandbox
 * descriptions (sandbox_desc.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "sandbox_desc.h"
#include "wire_strings.h"

#define PATH_MAX_LEN 4095 /* a path's longest length (PATH_MAX with its NUL) */

static const char *const setting_names[NCP_SANDBOX_N_SETTINGS] = NCP_SANDBOX_SETTINGS;

/* Index of the setting `s` ("KEY=VALUE") sets, or -1. */
static int setting_index(const char *s)
{
    for (size_t k = 0; k < NCP_SANDBOX_N_SETTINGS; k++) {
        size_t n = strlen(setting_names[k]);
        if (strncmp(s, setting_names[k], n) == 0 && s[n] == '=')
            return (int)k;
    }
    return -1;
}

void ncp_sandbox_desc_take_settings(struct ncp_sandbox_desc *d, char *const *env)
{
    d->n_settings = 0;
    for (size_t k = 0; k < NCP_SANDBOX_N_SETTINGS; k++)
        for (char *const *e = env; e && *e; e++)
            if (setting_index(*e) == (int)k) {
                d->settings[d->n_settings++] = *e;
                break;
            }
    d->settings[d->n_settings] = NULL;
}

/* The strings of d in wire order; returns how many. */
static size_t strings_of(const struct ncp_sandbox_desc *d, const char **s)
{
    size_t n = 0;
    s[n++] = d->lib_path;
    s[n++] = d->data_dir;
    s[n++] = d->policy_len ? d->policy : NULL;
    for (size_t i = 0; i < d->n_binds; i++) {
        s[n++] = d->binds[i].src;
        s[n++] = d->binds[i].dest;
    }
    for (size_t i = 0; i < d->n_settings; i++)
        s[n++] = d->settings[i];
    return n;
}

#define MAX_STRINGS (3 + 2 * NCP_MAX_BINDS + NCP_SANDBOX_N_SETTINGS)

int ncp_sandbox_desc_encode(const struct ncp_sandbox_desc *d, char **out, size_t *out_len)
{
    if (d->n_binds > NCP_MAX_BINDS || d->n_settings > NCP_SANDBOX_N_SETTINGS || d->policy_len > NCP_MAX_POLICY)
        return -E2BIG;
    if (d->policy_len && strnlen(d->policy, d->policy_len) != d->policy_len)
        return -EINVAL; /* a NUL inside the text would cut it short on the wire */
    const char *s[MAX_STRINGS];
    size_t n = strings_of(d, s), body = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = ncp_wire_len(s[i]);
        if (len > (i == 2 ? NCP_MAX_POLICY : PATH_MAX_LEN)) /* s[2]: the policy */
            return -E2BIG;
        body += len + 1;
    }
    struct ncp_sandbox_desc_header h;
    memset(&h, 0, sizeof(h));
    h.magic = NCP_SANDBOX_DESC_MAGIC;
    h.version = NCP_SANDBOX_DESC_VERSION;
    h.id_flags = (d->ids.own_uid ? 1u : 0u) | (d->ids.use_helpers ? 2u : 0u);
    h.inside_uid = d->ids.inside_uid;
    h.inside_gid = d->ids.inside_gid;
    h.outside_uid = d->ids.outside_uid;
    h.outside_gid = d->ids.outside_gid;
    h.caller_uid = d->ids.caller_uid;
    h.caller_gid = d->ids.caller_gid;
    h.range_count = d->ids.range_count;
    h.n_binds = (uint32_t)d->n_binds;
    for (size_t i = 0; i < d->n_binds; i++)
        h.bind_writable |= d->binds[i].writable ? 1u << i : 0u;
    h.n_settings = (uint32_t)d->n_settings;
    h.limits_set = d->limits.set;
    h.body_len = (uint32_t)body;
    memcpy(h.limits, d->limits.v, sizeof(h.limits));
    char *buf = malloc(sizeof(h) + body);
    if (!buf)
        return -ENOMEM;
    memcpy(buf, &h, sizeof(h));
    char *p = buf + sizeof(h);
    for (size_t i = 0; i < n; i++)
        p = ncp_wire_put(p, s[i]);
    *out = buf;
    *out_len = sizeof(h) + body;
    return 0;
}

static int check_header(const struct ncp_sandbox_desc_header *h, size_t len)
{
    if (h->magic != NCP_SANDBOX_DESC_MAGIC || h->version != NCP_SANDBOX_DESC_VERSION || h->reserved)
        return -EBADMSG;
    if (h->id_flags >> 2 || h->n_binds > NCP_MAX_BINDS || h->bind_writable >> h->n_binds ||
        h->n_settings > NCP_SANDBOX_N_SETTINGS || h->limits_set >> NCP_N_LIMITS || h->body_len != len - sizeof(*h))
        return -EBADMSG;
    for (unsigned i = 0; i < NCP_N_LIMITS; i++)
        if (ncp_limit_check(i, h->limits[i]) < 0)
            return -EBADMSG;
    return 0;
}

/* The next string, at most `max` long; NULL when there is none or it is longer. */
static const char *take_max(const char **p, const char *end, size_t max, size_t *len)
{
    size_t n = 0;
    const char *s = ncp_wire_take(p, end, &n);
    if (len)
        *len = n;
    return s && n <= max ? s : NULL;
}

static int decode_binds(const char **p, const char *end, uint32_t writable, struct ncp_sandbox_desc *d)
{
    for (size_t i = 0; i < d->n_binds; i++) {
        const char *src = take_max(p, end, PATH_MAX_LEN, NULL), *dest = take_max(p, end, PATH_MAX_LEN, NULL);
        if (!src || !dest || src[0] != '/' || dest[0] != '/')
            return -EBADMSG;
        d->binds[i] = (struct ncp_sandbox_bind){ src, dest, (writable >> i) & 1 };
    }
    return 0;
}

/* Each setting once, known, in table order. */
static int decode_settings(const char **p, const char *end, struct ncp_sandbox_desc *d)
{
    int last = -1;
    for (size_t i = 0; i < d->n_settings; i++) {
        const char *s = take_max(p, end, PATH_MAX_LEN, NULL);
        int k = s ? setting_index(s) : -1;
        if (k <= last)
            return -EBADMSG;
        d->settings[i] = s;
        last = k;
    }
    d->settings[d->n_settings] = NULL;
    return 0;
}

int ncp_sandbox_desc_decode(const char *msg, size_t len, struct ncp_sandbox_desc *d)
{
    struct ncp_sandbox_desc_header h;
    *d = (struct ncp_sandbox_desc){ 0 };
    if (len < sizeof(h))
        return -EBADMSG;
    memcpy(&h, msg, sizeof(h));
    if (check_header(&h, len) < 0)
        return -EBADMSG;
    d->ids = (struct ncp_idmap){
        .inside_uid = h.inside_uid, .inside_gid = h.inside_gid, .outside_uid = h.outside_uid,
        .outside_gid = h.outside_gid, .own_uid = h.id_flags & 1u, .use_helpers = (h.id_flags & 2u) != 0,
        .caller_uid = h.caller_uid, .caller_gid = h.caller_gid, .range_count = h.range_count,
    };
    memcpy(d->limits.v, h.limits, sizeof(d->limits.v));
    d->limits.set = h.limits_set;
    d->n_binds = h.n_binds;
    d->n_settings = h.n_settings;
    const char *p = msg + sizeof(h), *end = msg + len;
    size_t lib_len = 0, data_len = 0;
    d->lib_path = take_max(&p, end, PATH_MAX_LEN, &lib_len);
    d->data_dir = take_max(&p, end, PATH_MAX_LEN, &data_len);
    d->policy = take_max(&p, end, NCP_MAX_POLICY, &d->policy_len);
    if (!d->lib_path || !d->data_dir || !d->policy || (lib_len && !strchr(d->lib_path, '/')) ||
        decode_binds(&p, end, h.bind_writable, d) < 0 || decode_settings(&p, end, d) < 0 || p != end) {
        *d = (struct ncp_sandbox_desc){ 0 };
        return -EBADMSG;
    }
    if (!lib_len)
        d->lib_path = NULL;
    if (!d->policy_len)
        d->policy = NULL;
    return 0;
}

static bool str_equal(const char *a, const char *b) { return a == b || (a && b && strcmp(a, b) == 0); }

static bool ids_equal(const struct ncp_idmap *a, const struct ncp_idmap *b)
{
    return a->inside_uid == b->inside_uid && a->inside_gid == b->inside_gid && a->outside_uid == b->outside_uid &&
           a->outside_gid == b->outside_gid && a->own_uid == b->own_uid && a->use_helpers == b->use_helpers &&
           a->caller_uid == b->caller_uid && a->caller_gid == b->caller_gid && a->range_count == b->range_count;
}

bool ncp_sandbox_desc_equal(const struct ncp_sandbox_desc *a, const struct ncp_sandbox_desc *b)
{
    if (!ids_equal(&a->ids, &b->ids) || a->limits.set != b->limits.set ||
        memcmp(a->limits.v, b->limits.v, sizeof(a->limits.v)) != 0 || !str_equal(a->lib_path, b->lib_path) ||
        !str_equal(a->data_dir, b->data_dir) || a->policy_len != b->policy_len ||
        (a->policy_len && memcmp(a->policy, b->policy, a->policy_len) != 0) || a->n_binds != b->n_binds ||
        a->n_settings != b->n_settings)
        return false;
    for (size_t i = 0; i < a->n_binds; i++)
        if (!str_equal(a->binds[i].src, b->binds[i].src) || !str_equal(a->binds[i].dest, b->binds[i].dest) ||
            a->binds[i].writable != b->binds[i].writable)
            return false;
    for (size_t i = 0; i < a->n_settings; i++)
        if (!str_equal(a->settings[i], b->settings[i]))
            return false;
    return true;
}
