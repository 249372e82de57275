/* SPDX-License-Identifier: Apache-2.0 */
/* Open addressing with linear probing and backward-shift deletion (no tombstones). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "ipc/hashmap.h"

static size_t hash64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return (size_t)k;
}

void *ipc_map_get(const struct ipc_map *m, uint64_t key)
{
    if (!m->slots)
        return NULL;
    for (size_t i = hash64(key) & m->mask;; i = (i + 1) & m->mask) {
        if (!m->slots[i].value)
            return NULL;
        if (m->slots[i].key == key)
            return m->slots[i].value;
    }
}

static void insert_slot(struct ipc_map_entry *slots, size_t mask, uint64_t key, void *value)
{
    size_t i = hash64(key) & mask;
    while (slots[i].value && slots[i].key != key)
        i = (i + 1) & mask;
    slots[i].key = key;
    slots[i].value = value;
}

static int grow(struct ipc_map *m)
{
    size_t cap = m->slots ? (m->mask + 1) * 2 : 16;
    struct ipc_map_entry *n = calloc(cap, sizeof(*n));
    if (!n)
        return -ENOMEM;
    if (m->slots) {
        for (size_t i = 0; i <= m->mask; i++)
            if (m->slots[i].value)
                insert_slot(n, cap - 1, m->slots[i].key, m->slots[i].value);
        free(m->slots);
    }
    m->slots = n;
    m->mask = cap - 1;
    return 0;
}

int ipc_map_put(struct ipc_map *m, uint64_t key, void *value)
{
    if (!m->slots || (m->count + 1) * 4 > (m->mask + 1) * 3) {
        int r = grow(m);
        if (r < 0)
            return r;
    }
    size_t i = hash64(key) & m->mask;
    while (m->slots[i].value && m->slots[i].key != key)
        i = (i + 1) & m->mask;
    if (!m->slots[i].value)
        m->count++;
    m->slots[i].key = key;
    m->slots[i].value = value;
    return 0;
}

void *ipc_map_remove(struct ipc_map *m, uint64_t key)
{
    if (!m->slots)
        return NULL;
    size_t i = hash64(key) & m->mask;
    while (m->slots[i].value && m->slots[i].key != key)
        i = (i + 1) & m->mask;
    void *old = m->slots[i].value;
    if (!old)
        return NULL;
    m->count--;
    /* Backward-shift the following cluster so lookups never stop early. */
    size_t hole = i;
    for (size_t j = (i + 1) & m->mask; m->slots[j].value; j = (j + 1) & m->mask) {
        size_t home = hash64(m->slots[j].key) & m->mask;
        /* Move j into the hole if its home is not within (hole, j]. */
        if ((j > hole && (home <= hole || home > j)) || (j < hole && home <= hole && home > j)) {
            m->slots[hole] = m->slots[j];
            hole = j;
        }
    }
    m->slots[hole].value = NULL;
    m->slots[hole].key = 0;
    return old;
}

void ipc_map_free(struct ipc_map *m)
{
    free(m->slots);
    m->slots = NULL;
    m->mask = 0;
    m->count = 0;
}

int ipc_map_next(const struct ipc_map *m, size_t *iter, uint64_t *key, void **value)
{
    if (!m->slots)
        return 0;
    for (size_t i = *iter; i <= m->mask; i++) {
        if (m->slots[i].value) {
            if (key)
                *key = m->slots[i].key;
            if (value)
                *value = m->slots[i].value;
            *iter = i + 1;
            return 1;
        }
    }
    *iter = m->mask + 1;
    return 0;
}
