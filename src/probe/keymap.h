/* keymap.h - open-addressing map from nonzero 64-bit keys to one byte, for the scheduler's stop set and per-target responders. */
#ifndef PATHMORTEM_PROBE_KEYMAP_H
#define PATHMORTEM_PROBE_KEYMAP_H

#include <stdbool.h>
#include <stdint.h>

/* Past this many entries the map stops growing: an insert returns PM_ELIMIT
 * and the caller decides whether that is harmless (9 bytes per slot, at most
 * twice as many slots as entries: 72 MB at the cap). */
#define PM_KEYMAP_MAX (1u << 22)

struct pm_keymap {
    uint64_t *keys; /* 0: empty slot */
    uint8_t *vals;
    uint32_t cap, n;
};

/* The value stored for key, or false when absent. */
bool pm_keymap_get(const struct pm_keymap *m, uint64_t key, uint8_t *val);
/* Stores key (nonzero) with val, replacing an older value. PM_ENOMEM when the
 * table cannot grow, PM_ELIMIT past PM_KEYMAP_MAX entries (nothing stored). */
int pm_keymap_put(struct pm_keymap *m, uint64_t key, uint8_t val);
void pm_keymap_free(struct pm_keymap *m);

#endif
