/* SPDX-License-Identifier: Apache-2.0 */
/* A small open-addressing hash map from uint64_t keys to non-NULL pointers. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct ipc_map_entry {
    uint64_t key;
    void *value; /* NULL = free slot */
};

struct ipc_map {
    struct ipc_map_entry *slots;
    size_t mask; /* capacity - 1, capacity a power of two (0 when empty) */
    size_t count;
};

/* Returns the value stored for key, or NULL. */
void *ipc_map_get(const struct ipc_map *m, uint64_t key);
/* Stores value (non-NULL) for key, replacing any previous one; 0 or -ENOMEM. */
int ipc_map_put(struct ipc_map *m, uint64_t key, void *value);
/* Removes key; returns the value it had, or NULL. */
void *ipc_map_remove(struct ipc_map *m, uint64_t key);
/* Frees the table (not the values). */
void ipc_map_free(struct ipc_map *m);

/* Iteration: for (size_t i = 0; ipc_map_next(m, &i, &k, &v); ) ...; the map
 * must not be modified while iterating. */
int ipc_map_next(const struct ipc_map *m, size_t *iter, uint64_t *key, void **value);
