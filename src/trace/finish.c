/* finish.c - decides each target's stop reason from the recorded data alone, so live runs and pcap analysis agree. */
#include <stdlib.h>

#include "pathmortem/trace.h"

static int target_cmp(const void *a, const void *b)
{
    const struct pm_target *x = a, *y = b;
    return x->dst < y->dst ? -1 : x->dst > y->dst;
}

/* A loop: the same router address at two TTLs with a different address between. */
static bool has_loop(const struct pm_target *t, uint8_t *at)
{
    uint32_t seen[PM_TTL_MAX + 1] = {0};
    for (uint8_t ttl = 1; ttl <= t->max_ttl_sent && ttl <= PM_TTL_MAX; ttl++) {
        const struct pm_reply *r;
        uint32_t n = pm_target_hop(t, ttl, &r);
        for (uint32_t i = 0; i < n; i++) {
            if (r[i].kind != PM_REPLY_TIME_EXCEEDED)
                continue;
            seen[ttl] = r[i].from;
            break;
        }
        if (!seen[ttl])
            continue;
        for (uint8_t prev = 1; prev + 1 < ttl; prev++) {
            if (seen[prev] == seen[ttl] && seen[prev + 1] && seen[prev + 1] != seen[ttl]) {
                *at = ttl;
                return true;
            }
        }
    }
    return false;
}

static void decide(struct pm_target *t, uint8_t gaplimit)
{
    uint8_t last_answer = 0;
    for (uint32_t i = 0; i < t->n_replies; i++) {
        const struct pm_reply *r = &t->replies[i];
        if (pm_reply_from_target(t, r)) {
            if (t->stop != PM_STOP_REACHED || r->ttl < t->stop_ttl) {
                t->stop = PM_STOP_REACHED;
                t->stop_ttl = r->ttl;
            }
        }
        if (r->ttl > last_answer)
            last_answer = r->ttl;
    }
    if (t->stop == PM_STOP_REACHED)
        return;
    for (uint32_t i = 0; i < t->n_replies; i++) {
        const struct pm_reply *r = &t->replies[i];
        if (r->kind == PM_REPLY_UNREACH) {
            t->stop = PM_STOP_UNREACHABLE;
            t->stop_ttl = r->ttl;
            return;
        }
    }
    uint8_t loop_ttl;
    if (has_loop(t, &loop_ttl)) {
        t->stop = PM_STOP_LOOP;
        t->stop_ttl = loop_ttl;
        return;
    }
    if (t->max_ttl_sent > last_answer && t->max_ttl_sent - last_answer >= gaplimit) {
        t->stop = PM_STOP_GAPLIMIT;
        t->stop_ttl = last_answer;
        return;
    }
    t->stop = PM_STOP_MAXTTL;
    t->stop_ttl = t->max_ttl_sent;
}

void pm_trace_finish(struct pm_run *run, uint8_t gaplimit)
{
    if (run->n_targets > 1) {
        qsort(run->targets, run->n_targets, sizeof *run->targets, target_cmp);
        /* rebuild the index: positions changed */
        for (uint32_t i = 0; i < run->index_cap; i++)
            run->index[i] = 0;
        uint32_t n = run->n_targets;
        struct pm_target *tmp = run->targets;
        run->n_targets = 0;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t h = ((tmp[i].dst * 2654435761u) ^ (tmp[i].dst >> 16)) & (run->index_cap - 1);
            while (run->index[h])
                h = (h + 1) & (run->index_cap - 1);
            run->index[h] = ++run->n_targets;
        }
    }
    for (uint32_t i = 0; i < run->n_targets; i++) {
        struct pm_target *t = &run->targets[i];
        pm_target_sort(t);
        t->stop = PM_STOP_NONE;
        t->stop_ttl = 0;
        decide(t, gaplimit ? gaplimit : 5);
    }
}
