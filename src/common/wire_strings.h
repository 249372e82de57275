/* SPDX-License-Identifier: Apache-2.0 */
/* The strings of the wire formats (launch_spec.h, sandbox_desc.h): each
 * NUL-terminated, one after the other, read back without trusting that the
 * sender terminated them. */
#pragma once

#include <stddef.h>
#include <string.h>

static inline size_t ncp_wire_len(const char *s) { return s ? strlen(s) : 0; }

/* Writes s (NULL as "") and its NUL at p; returns what follows. */
static inline char *ncp_wire_put(char *p, const char *s)
{
    size_t n = ncp_wire_len(s);
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p + n + 1;
}

/* Takes the next NUL-terminated string of [*p, end), its length into *len;
 * NULL when none is left. */
static inline const char *ncp_wire_take(const char **p, const char *end, size_t *len)
{
    if (*p >= end)
        return NULL;
    const char *nul = memchr(*p, '\0', (size_t)(end - *p));
    if (!nul)
        return NULL;
    const char *s = *p;
    if (len)
        *len = (size_t)(nul - *p);
    *p = nul + 1;
    return s;
}
