/* sched.c - the scheduler's event interface: allocation, the send queue and launch order, replies and deadlines in, probes out. */
#include <stdlib.h>
#include <string.h>

#include "pathmortem/common.h"
#include "pathmortem/match.h"
#include "probe/sched_state.h"

static int group_cmp(const void *a, const void *b)
{
    const struct group_info *x = a, *y = b;
    return x->prefix < y->prefix ? -1 : x->prefix > y->prefix;
}

/* distinct /24s, sorted, then each target finds its group by bsearch */
static void build_groups(struct pm_sched *s, const uint32_t *targets, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        s->groups[i].prefix = targets[i] & 0xffffff00u;
    qsort(s->groups, n, sizeof *s->groups, group_cmp);
    uint32_t g = 0;
    for (uint32_t i = 0; i < n; i++)
        if (i == 0 || s->groups[i].prefix != s->groups[g - 1].prefix)
            s->groups[g++] = s->groups[i];
    s->n_groups = g;
    for (uint32_t i = 0; i < n; i++) {
        struct tstate *t = &s->ts[i];
        t->dst = targets[i];
        struct group_info key = {.prefix = targets[i] & 0xffffff00u};
        struct group_info *gi = bsearch(&key, s->groups, g, sizeof key, group_cmp);
        t->group = (uint32_t)(gi - s->groups);
    }
}

int pm_sched_alloc(const struct pm_sched_opts *o, const uint32_t *targets, uint32_t n, const uint32_t *order,
                   struct pm_sched **out)
{
    *out = NULL;
    struct pm_sched *s = calloc(1, sizeof *s);
    if (!s)
        return PM_ENOMEM;
    s->o = *o;
    if (!s->o.queries)
        s->o.queries = 1;
    if (s->o.queries > PM_PROBE_MAX_ATTEMPTS)
        s->o.queries = PM_PROBE_MAX_ATTEMPTS;
    if (s->o.queries + s->o.retries > PM_PROBE_MAX_ATTEMPTS)
        s->o.retries = (uint8_t)(PM_PROBE_MAX_ATTEMPTS - s->o.queries);
    if (s->o.first_ttl < 1)
        s->o.first_ttl = 1;
    if (s->o.max_ttl > PM_TTL_MAX)
        s->o.max_ttl = PM_TTL_MAX;
    s->ts = calloc(n ? n : 1, sizeof *s->ts);
    s->groups = calloc(n ? n : 1, sizeof *s->groups);
    s->launch = malloc((n ? n : 1) * sizeof *s->launch);
    if (!s->ts || !s->groups || !s->launch) {
        pm_sched_free(s);
        return PM_ENOMEM;
    }
    s->n = s->active = s->n_launch = n;
    build_groups(s, targets, n);
    for (uint32_t i = 0; i < n; i++)
        s->launch[i] = order ? order[i] : i;
    *out = s;
    return PM_OK;
}

void pm_sched_free(struct pm_sched *s)
{
    if (!s)
        return;
    free(s->ts);
    free(s->groups);
    free(s->launch);
    free(s->queue);
    pm_map_free(&s->stopset);
    pm_map_free(&s->seen);
    pm_timerheap_free(&s->timers);
    free(s);
}

void pm_sched_fail(struct pm_sched *s, int rc)
{
    if (!s->err)
        s->err = rc;
}

void pm_sched_push(struct pm_sched *s, uint32_t target, uint8_t slot)
{
    if (s->q_len == s->q_cap) {
        uint32_t cap = s->q_cap ? s->q_cap * 2 : 1024;
        struct send_req *q = cap > s->q_cap ? malloc((size_t)cap * sizeof *q) : NULL;
        if (!q) {
            pm_sched_fail(s, PM_ENOMEM);
            return;
        }
        for (uint32_t i = 0; i < s->q_len; i++)
            q[i] = s->queue[(s->q_head + i) % s->q_cap];
        free(s->queue);
        s->queue = q;
        s->q_cap = cap;
        s->q_head = 0;
    }
    s->queue[(s->q_head + s->q_len) % s->q_cap] = (struct send_req){target, slot};
    s->q_len++;
}

int pm_sched_next(struct pm_sched *s, uint64_t now_us, struct pm_sched_probe *out)
{
    while (!s->err) {
        if (!s->q_len) {
            if (s->launch_next >= s->n_launch)
                return 0;
            pm_sched_launch(s, s->launch[s->launch_next++], now_us);
            continue;
        }
        struct send_req r = s->queue[s->q_head];
        s->q_head = (s->q_head + 1) % s->q_cap;
        s->q_len--;
        struct tstate *t = &s->ts[r.target];
        struct hop_slot *h = &t->slot[r.slot];
        if ((t->flags & TS_FINISHED) || !h->ttl || h->sent >= h->want)
            continue; /* the hop completed while this send waited */
        *out = (struct pm_sched_probe){.target = r.target, .dst = t->dst, .ttl = h->ttl, .attempt = h->sent};
        h->sent++;
        pm_sched_sent(s, r.target, r.slot, now_us);
        return s->err ? s->err : 1;
    }
    return s->err;
}

int pm_sched_on_reply(struct pm_sched *s, uint32_t target, const struct pm_reply *r, uint64_t now_us)
{
    if (s->err)
        return s->err;
    if (target >= s->n || !r->from)
        return PM_OK;
    /* every responder's lowest TTL, so a router seen again higher up is a loop
     * (past the map's cap a loop ends at the gap limit or max TTL instead) */
    uint64_t key = (uint64_t)target << 32 | r->from;
    uint32_t *low = pm_map_get(&s->seen, key);
    if (low) {
        if (r->ttl < *low)
            *low = r->ttl;
    } else if (s->seen.n < PM_MAP_MAX && !pm_map_put(&s->seen, key, r->ttl, NULL)) {
        pm_sched_fail(s, PM_ENOMEM);
    }
    pm_sched_reply(s, target, r, now_us);
    return s->err;
}

int pm_sched_on_time(struct pm_sched *s, uint64_t now_us)
{
    struct pm_timer tm;
    while (!s->err && pm_timerheap_peek(&s->timers, &tm) && tm.at_us <= now_us) {
        pm_timerheap_pop(&s->timers);
        pm_sched_timeout(s, &tm, now_us);
    }
    return s->err;
}

bool pm_sched_wants_send(const struct pm_sched *s)
{
    return s->q_len || s->launch_next < s->n_launch;
}

bool pm_sched_deadline(const struct pm_sched *s, uint64_t *at_us)
{
    struct pm_timer tm;
    if (!pm_timerheap_peek(&s->timers, &tm))
        return false;
    *at_us = tm.at_us;
    return true;
}

uint32_t pm_sched_active(const struct pm_sched *s)
{
    return s->active;
}

uint32_t pm_sched_finished(const struct pm_sched *s)
{
    return s->finished;
}

size_t pm_sched_state_per_target(void)
{
    return sizeof(struct tstate) + sizeof(struct group_info) + sizeof(uint32_t);
}
