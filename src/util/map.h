/* map.h - the one open-addressing hash map (u64 key -> u32 value), capped, for every module's index tables. */
#ifndef PATHMORTEM_UTIL_MAP_H
#define PATHMORTEM_UTIL_MAP_H

#include <stdbool.h>
#include <stdint.h>

/* Load factor <= 1/2, linear probing, keys mixed (splitmix64) so that
 * neighbouring addresses land far apart. At most PM_MAP_MAX entries, which
 * bounds every table built on it. A zeroed struct is an empty map. */
#define PM_MAP_MAX (1u << 24)
struct pm_map {
    uint64_t *keys;
    uint32_t *vals;
    uint8_t *used;
    uint32_t cap, n;
};
/* The map's key mixer (splitmix64 finaliser), for other hashes that need
 * neighbouring values spread apart (output's path hashes). */
uint64_t pm_mix64(uint64_t k);
void pm_map_free(struct pm_map *m); /* leaves an empty map */
/* Pointer to the value of key, or NULL when absent. */
uint32_t *pm_map_get(const struct pm_map *m, uint64_t key);
/* Pointer to the value of key, inserting init when absent (*created says
 * which; created may be NULL); NULL when memory runs out or PM_MAP_MAX
 * entries are already there. The pointer is valid until the next put. */
uint32_t *pm_map_put(struct pm_map *m, uint64_t key, uint32_t init, bool *created);

#endif
