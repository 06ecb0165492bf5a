/* timerheap.h - binary min-heap of deadlines (µs) tagged with a target slot and a generation to spot stale entries. */
#ifndef PATHMORTEM_PROBE_TIMERHEAP_H
#define PATHMORTEM_PROBE_TIMERHEAP_H

#include <stdbool.h>
#include <stdint.h>

struct pm_timer {
    uint64_t at_us;
    uint32_t target;
    uint16_t gen;     /* slot generation when armed; a mismatch means stale */
    uint8_t slot;
};

struct pm_timerheap {
    struct pm_timer *v;
    uint32_t n, cap;
};

int pm_timerheap_push(struct pm_timerheap *h, struct pm_timer t);
bool pm_timerheap_peek(const struct pm_timerheap *h, struct pm_timer *out);
void pm_timerheap_pop(struct pm_timerheap *h);
void pm_timerheap_free(struct pm_timerheap *h);

#endif
