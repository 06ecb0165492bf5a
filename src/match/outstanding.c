/* outstanding.c - open-addressing table of unanswered probes with send-order expiry (bounded by a stated cap). */
#include <stdlib.h>
#include <string.h>

#include "match/outstanding.h"
#include "pathmortem/common.h"
#include "util/prefetch.h"

static uint32_t slot_of(uint32_t key, uint32_t cap)
{
    return (key * 2654435761u) & (cap - 1);
}

int pm_outstanding_init(struct pm_outstanding *o, uint32_t max)
{
    memset(o, 0, sizeof *o);
    o->max = max;
    o->cap = 4096;
    o->slots = calloc(o->cap, sizeof *o->slots);
    o->ring_cap = 2048;
    o->ring = malloc(o->ring_cap * sizeof *o->ring);
    if (!o->slots || !o->ring) {
        pm_outstanding_fini(o);
        return PM_ENOMEM;
    }
    return PM_OK;
}

void pm_outstanding_fini(struct pm_outstanding *o)
{
    free(o->slots);
    free(o->ring);
    memset(o, 0, sizeof *o);
}

static void insert_slot(struct pm_outstanding_entry *slots, uint32_t cap, const struct pm_outstanding_entry *e)
{
    uint32_t h = slot_of(e->key, cap);
    while (slots[h].key)
        h = (h + 1) & (cap - 1);
    slots[h] = *e;
}

static int grow_table(struct pm_outstanding *o)
{
    uint32_t cap = o->cap * 2;
    struct pm_outstanding_entry *s = calloc(cap, sizeof *s);
    if (!s)
        return PM_ENOMEM;
    for (uint32_t i = 0; i < o->cap; i++)
        if (o->slots[i].key)
            insert_slot(s, cap, &o->slots[i]);
    free(o->slots);
    o->slots = s;
    o->cap = cap;
    return PM_OK;
}

static int grow_ring(struct pm_outstanding *o)
{
    uint32_t cap = o->ring_cap * 2;
    struct pm_outstanding_ring *r = malloc(cap * sizeof *r);
    if (!r)
        return PM_ENOMEM;
    for (uint32_t i = 0; i < o->ring_len; i++)
        r[i] = o->ring[(o->ring_head + i) % o->ring_cap];
    free(o->ring);
    o->ring = r;
    o->ring_cap = cap;
    o->ring_head = 0;
    return PM_OK;
}

struct pm_outstanding_entry *pm_outstanding_find(struct pm_outstanding *o, uint32_t key)
{
    uint32_t k = key + 1;
    uint32_t h = slot_of(k, o->cap);
    while (o->slots[h].key) {
        if (o->slots[h].key == k)
            return &o->slots[h];
        h = (h + 1) & (o->cap - 1);
    }
    return NULL;
}

void pm_outstanding_prefetch(const struct pm_outstanding *o, uint32_t key)
{
    PM_PREFETCH_W(&o->slots[slot_of(key + 1, o->cap)]);
}

/* Backward-shift deletion keeps linear probing correct without tombstones. */
static void delete_at(struct pm_outstanding *o, uint32_t i)
{
    uint32_t mask = o->cap - 1;
    uint32_t j = i;
    for (;;) {
        o->slots[i].key = 0;
        for (;;) {
            j = (j + 1) & mask;
            if (!o->slots[j].key)
                goto done;
            uint32_t home = slot_of(o->slots[j].key, o->cap);
            /* can slot j move to i? only if its home is not in (i, j] */
            bool between = (i <= j) ? (i < home && home <= j) : (i < home || home <= j);
            if (!between)
                break;
        }
        o->slots[i] = o->slots[j];
        i = j;
    }
done:
    o->count--;
}

void pm_outstanding_remove(struct pm_outstanding *o, uint32_t key)
{
    struct pm_outstanding_entry *e = pm_outstanding_find(o, key);
    if (e)
        delete_at(o, (uint32_t)(e - o->slots));
}

static void pop_ring(struct pm_outstanding *o)
{
    struct pm_outstanding_ring r = o->ring[o->ring_head];
    o->ring_head = (o->ring_head + 1) % o->ring_cap;
    o->ring_len--;
    struct pm_outstanding_entry *e = pm_outstanding_find(o, r.key - 1);
    /* the entry may already be answered, or re-added by a later send */
    if (e && e->sent_us == r.sent_us)
        delete_at(o, (uint32_t)(e - o->slots));
}

int pm_outstanding_add(struct pm_outstanding *o, uint32_t key, uint64_t sent_us, const uint8_t l4[8])
{
    int forgot = 0;
    while (o->ring_len >= o->max) {
        pop_ring(o);
        forgot = 1;
    }
    if ((o->count + 1) * 2 > o->cap && grow_table(o) != PM_OK)
        return PM_ENOMEM;
    if (o->ring_len == o->ring_cap && grow_ring(o) != PM_OK)
        return PM_ENOMEM;
    struct pm_outstanding_entry e = {.key = key + 1, .sent_us = sent_us};
    memcpy(e.l4, l4, 8);
    struct pm_outstanding_entry *old = pm_outstanding_find(o, key);
    if (old) {
        *old = e;
    } else {
        insert_slot(o->slots, o->cap, &e);
        o->count++;
    }
    o->ring[(o->ring_head + o->ring_len) % o->ring_cap] = (struct pm_outstanding_ring){key + 1, sent_us};
    o->ring_len++;
    return forgot;
}

void pm_outstanding_expire(struct pm_outstanding *o, uint64_t before_us)
{
    while (o->ring_len && o->ring[o->ring_head].sent_us < before_us)
        pop_ring(o);
}
