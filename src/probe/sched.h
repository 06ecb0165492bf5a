/* sched.h - the Doubletree scheduler: decides every probe of a sweep from sends, replies and the time it is given; no socket, no clock. */
#ifndef PATHMORTEM_PROBE_SCHED_H
#define PATHMORTEM_PROBE_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "pathmortem/trace.h"

struct pm_sched_opts {
    uint8_t first_ttl, max_ttl;
    uint8_t queries;            /* probes per hop (>= 1) */
    uint8_t retries;            /* extra probes for a silent hop */
    uint8_t gaplimit;           /* silent forward hops in a row that end forward probing */
    uint8_t split_ttl;          /* first TTL when nothing is known */
    bool no_stopset;            /* probe every hop of every target */
    uint32_t wait_ms;           /* wait for the replies of one hop */
    uint32_t target_timeout_ms; /* give up on a target after this (0: never) */
};

/* One probe to put on the wire now. */
struct pm_sched_probe {
    uint32_t target;  /* index into the targets given to pm_sched_alloc */
    uint32_t dst;
    uint8_t ttl;
    uint8_t attempt;  /* 0-based query of this (target, ttl) */
};

struct pm_sched;

/* targets: n addresses (host order, distinct). order: the launch order as a
 * permutation of 0..n-1 (copied), or NULL for the given order. The caller
 * owns the result; PM_ENOMEM when it cannot be built. */
int pm_sched_alloc(const struct pm_sched_opts *o, const uint32_t *targets, uint32_t n, const uint32_t *order,
                   struct pm_sched **out);
void pm_sched_free(struct pm_sched *s);

/* Events. Each returns PM_OK or PM_ENOMEM; after an error the scheduler can
 * only be freed (the run fails rather than silently losing probes). */

/* The next probe due now (launching a new target when no launched one has a
 * probe waiting): 1 with *out filled and counted as sent, 0 when nothing is
 * due, PM_ENOMEM. The caller sends it (a send that fails is a lost probe). */
int pm_sched_next(struct pm_sched *s, uint64_t now_us, struct pm_sched_probe *out);
/* An accepted reply to a probe of target (index). */
int pm_sched_on_reply(struct pm_sched *s, uint32_t target, const struct pm_reply *r, uint64_t now_us);
/* The time has come to now_us: hops whose wait is over are retried or closed. */
int pm_sched_on_time(struct pm_sched *s, uint64_t now_us);

/* True while a probe waits to be sent (for the caller's pacing). */
bool pm_sched_wants_send(const struct pm_sched *s);
/* The earliest pending deadline, false when none. */
bool pm_sched_deadline(const struct pm_sched *s, uint64_t *at_us);
/* Targets not finished yet, and finished. */
uint32_t pm_sched_active(const struct pm_sched *s);
uint32_t pm_sched_finished(const struct pm_sched *s);
/* Bytes of scheduler state per target, before per-reply tables. */
size_t pm_sched_state_per_target(void);

#endif
