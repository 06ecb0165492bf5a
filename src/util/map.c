/* map.c - the capped open-addressing hash map u64 -> u32 shared by the analyzer, the output writers and the store. */
#include <stdlib.h>
#include <string.h>

#include "pathmortem/common.h"
#include "util/map.h"

uint64_t pm_mix64(uint64_t k)
{
    /* splitmix64 finaliser: neighbouring addresses land far apart */
    k ^= k >> 30;
    k *= 0xbf58476d1ce4e5b9ull;
    k ^= k >> 27;
    k *= 0x94d049bb133111ebull;
    k ^= k >> 31;
    return k;
}

void pm_map_free(struct pm_map *m)
{
    free(m->keys);
    free(m->vals);
    free(m->used);
    memset(m, 0, sizeof *m);
}

uint32_t *pm_map_get(const struct pm_map *m, uint64_t key)
{
    if (!m->cap)
        return NULL;
    uint32_t h = (uint32_t)pm_mix64(key) & (m->cap - 1);
    while (m->used[h]) {
        if (m->keys[h] == key)
            return &m->vals[h];
        h = (h + 1) & (m->cap - 1);
    }
    return NULL;
}

static int grow(struct pm_map *m)
{
    uint32_t cap = m->cap ? m->cap * 2 : 256;
    uint64_t *k = calloc(cap, sizeof *k);
    uint32_t *v = calloc(cap, sizeof *v);
    uint8_t *u = calloc(cap, 1);
    if (!k || !v || !u) {
        free(k);
        free(v);
        free(u);
        return PM_ENOMEM;
    }
    for (uint32_t i = 0; i < m->cap; i++) {
        if (!m->used[i])
            continue;
        uint32_t h = (uint32_t)pm_mix64(m->keys[i]) & (cap - 1);
        while (u[h])
            h = (h + 1) & (cap - 1);
        u[h] = 1;
        k[h] = m->keys[i];
        v[h] = m->vals[i];
    }
    free(m->keys);
    free(m->vals);
    free(m->used);
    m->keys = k;
    m->vals = v;
    m->used = u;
    m->cap = cap;
    return PM_OK;
}

uint32_t *pm_map_put(struct pm_map *m, uint64_t key, uint32_t init, bool *created)
{
    uint32_t *v = pm_map_get(m, key);
    if (created)
        *created = false;
    if (v)
        return v;
    if (m->n >= PM_MAP_MAX)
        return NULL;
    if ((m->n + 1) * 2 > m->cap && grow(m) != PM_OK)
        return NULL;
    uint32_t h = (uint32_t)pm_mix64(key) & (m->cap - 1);
    while (m->used[h])
        h = (h + 1) & (m->cap - 1);
    m->used[h] = 1;
    m->keys[h] = key;
    m->vals[h] = init;
    m->n++;
    if (created)
        *created = true;
    return &m->vals[h];
}
