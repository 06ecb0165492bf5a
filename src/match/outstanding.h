/* outstanding.h - the table of probes awaiting an answer: hash by (target, ttl, attempt) plus a send-order ring for expiry. */
#ifndef PATHMORTEM_MATCH_OUTSTANDING_H
#define PATHMORTEM_MATCH_OUTSTANDING_H

#include <stdbool.h>
#include <stdint.h>

struct pm_outstanding_entry {
    uint32_t key;      /* pm_outstanding_key() + 1; 0 marks an empty slot */
    uint32_t pad;
    uint64_t sent_us;
    uint8_t l4[8];     /* the probe's transport bytes, compared with the quote */
};

struct pm_outstanding_ring {
    uint32_t key;
    uint64_t sent_us;
};

struct pm_outstanding {
    struct pm_outstanding_entry *slots;
    uint32_t cap;          /* power of two */
    uint32_t count;
    struct pm_outstanding_ring *ring;
    uint32_t ring_cap, ring_head, ring_len;
    uint32_t max;          /* cap on entries */
};

static inline uint32_t pm_outstanding_key(uint32_t target_index, uint8_t ttl, uint8_t attempt)
{
    return target_index << 9 | (uint32_t)((ttl - 1u) & 0x3f) << 3 | (attempt & 7u);
}

int pm_outstanding_init(struct pm_outstanding *o, uint32_t max);
void pm_outstanding_fini(struct pm_outstanding *o);
/* Adds a probe; when full, the oldest one is forgotten first (counted by the caller via return 1). */
int pm_outstanding_add(struct pm_outstanding *o, uint32_t key, uint64_t sent_us, const uint8_t l4[8]);
struct pm_outstanding_entry *pm_outstanding_find(struct pm_outstanding *o, uint32_t key);
/* A cache hint: the slot a find or add of key will look at first. */
void pm_outstanding_prefetch(const struct pm_outstanding *o, uint32_t key);
void pm_outstanding_remove(struct pm_outstanding *o, uint32_t key);
/* Forgets every probe sent before `before_us`. */
void pm_outstanding_expire(struct pm_outstanding *o, uint64_t before_us);

#endif
