/* keymap.c - linear-probing hash map of 64-bit keys to bytes, doubling at half full. */
#include <stdlib.h>

#include "pathmortem/common.h"
#include "probe/keymap.h"

static uint32_t slot_of(uint64_t k, uint32_t cap)
{
    k *= 0x9e3779b97f4a7c15ull; /* Fibonacci hashing: the high bits mix every key bit */
    return (uint32_t)(k >> 32) & (cap - 1);
}

static uint32_t find(const struct pm_keymap *m, uint64_t key)
{
    uint32_t h = slot_of(key, m->cap);
    while (m->keys[h] && m->keys[h] != key)
        h = (h + 1) & (m->cap - 1);
    return h;
}

bool pm_keymap_get(const struct pm_keymap *m, uint64_t key, uint8_t *val)
{
    if (!m->cap || !key)
        return false;
    uint32_t h = find(m, key);
    if (!m->keys[h])
        return false;
    *val = m->vals[h];
    return true;
}

static int grow(struct pm_keymap *m)
{
    uint32_t cap = m->cap ? m->cap * 2 : 1024;
    uint64_t *keys = calloc(cap, sizeof *keys);
    uint8_t *vals = malloc(cap);
    if (!keys || !vals) {
        free(keys);
        free(vals);
        return PM_ENOMEM;
    }
    struct pm_keymap bigger = {.keys = keys, .vals = vals, .cap = cap, .n = m->n};
    for (uint32_t i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        uint32_t h = find(&bigger, m->keys[i]);
        keys[h] = m->keys[i];
        vals[h] = m->vals[i];
    }
    pm_keymap_free(m);
    *m = bigger;
    return PM_OK;
}

int pm_keymap_put(struct pm_keymap *m, uint64_t key, uint8_t val)
{
    if (!key)
        return PM_EINVAL;
    if (m->cap) {
        uint32_t h = find(m, key);
        if (m->keys[h]) {
            m->vals[h] = val;
            return PM_OK;
        }
    }
    if (m->n >= PM_KEYMAP_MAX)
        return PM_ELIMIT;
    if ((m->n + 1) * 2 > m->cap) {
        int rc = grow(m);
        if (rc != PM_OK)
            return rc;
    }
    uint32_t h = find(m, key);
    m->keys[h] = key;
    m->vals[h] = val;
    m->n++;
    return PM_OK;
}

void pm_keymap_free(struct pm_keymap *m)
{
    free(m->keys);
    free(m->vals);
    m->keys = NULL;
    m->vals = NULL;
    m->cap = m->n = 0;
}
