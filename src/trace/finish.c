/* finish.c - decides each target's stop reason from the recorded data alone, so live runs and pcap analysis agree. */
#include <stdlib.h>
#include <string.h>

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
    /* the gap limit counts the TTLs probed in silence above the last answer,
     * not the span: a walk the stop set or a cut left with holes (probed at
     * 6, then one probe at 16) did not run into it */
    unsigned silent = 0;
    for (unsigned ttl = last_answer + 1u; ttl <= t->max_ttl_sent && ttl <= PM_TTL_MAX; ttl++)
        silent += t->sent[ttl] != 0;
    if (silent >= gaplimit) {
        t->stop = PM_STOP_GAPLIMIT;
        t->stop_ttl = last_answer;
        return;
    }
    /* provisional: prefix_ends() tells maxttl from prefix-end and halted */
    t->stop = PM_STOP_MAXTTL;
    t->stop_ttl = t->max_ttl_sent;
}

/* Where the paths of the /24 made of targets [from, to) end: the lowest TTL
 * any of them was reached or refused at; when none was, the first silent
 * TTL of a path that ran into the gap limit (0: nothing ends). */
static uint8_t prefix_end(const struct pm_run *run, uint32_t from, uint32_t to)
{
    uint8_t end = 0, silent = 0;
    for (uint32_t i = from; i < to; i++) {
        const struct pm_target *t = &run->targets[i];
        if ((t->stop == PM_STOP_REACHED || t->stop == PM_STOP_UNREACHABLE) && t->stop_ttl &&
            (!end || t->stop_ttl < end))
            end = t->stop_ttl;
        if (t->stop == PM_STOP_GAPLIMIT && (!silent || t->stop_ttl + 1 < silent))
            silent = (uint8_t)(t->stop_ttl + 1);
    }
    return end ? end : silent;
}

/* The same for a run cut short, where a silent path counts as walked to its
 * end only when it got as far as the /24's paths were seen to go: the
 * farthest TTL a target of it was reached at (the engine launches a dark
 * address at its /24's farthest host distance; the border's own address,
 * one hop nearer, is no end for the hosts behind it) or the lowest TTL a
 * target was refused at when nearer (the engine stops a silent path there:
 * only the refusal would come back), else the TTL after the farthest answer
 * of a path that ran into the gap limit. */
static uint8_t prefix_far_end(const struct pm_run *run, uint32_t from, uint32_t to)
{
    uint8_t far = 0, refused = 0, silent = 0;
    for (uint32_t i = from; i < to; i++) {
        const struct pm_target *t = &run->targets[i];
        if (t->stop == PM_STOP_REACHED && t->stop_ttl > far)
            far = t->stop_ttl;
        if (t->stop == PM_STOP_UNREACHABLE && t->stop_ttl && (!refused || t->stop_ttl < refused))
            refused = t->stop_ttl;
        if (t->stop == PM_STOP_GAPLIMIT && t->stop_ttl + 1 > silent)
            silent = (uint8_t)(t->stop_ttl + 1);
    }
    uint8_t end = far;
    if (refused && (!end || refused < end))
        end = refused;
    return end ? end : silent;
}

/* The target was walked in silence from its last answer up to the /24's end
 * (every TTL between probed): a walk cut short, or one probe far above its
 * last answer, did not get there. */
static bool walked_to(const struct pm_target *t, uint8_t end)
{
    uint8_t last = 0;
    for (uint32_t i = 0; i < t->n_replies; i++)
        if (t->replies[i].ttl > last)
            last = t->replies[i].ttl;
    if (end > PM_TTL_MAX)
        return false;
    for (unsigned ttl = last + 1u; ttl <= end; ttl++)
        if (!t->sent[ttl])
            return false;
    return true;
}

/* A path that stopped silent below the run's maximum TTL was not stopped by
 * it (issue 9 failure 6: dark targets probed to TTL 7 read "maxttl", max 30).
 * The engine walks a target no further than its /24's other paths end (a
 * dark address there only repeats its neighbours' refusal, or silence):
 * prefix-end (in a run cut short: only when it was walked there, every TTL
 * from its last answer up, else the cut may have stopped it on the way).
 * Anything else ended before its walk did: halted. A run that
 * does not state its maximum TTL (some foreign records) keeps maxttl. */
static void prefix_ends(struct pm_run *run)
{
    if (!run->max_ttl)
        return;
    bool cut = run->end != PM_RUN_COMPLETE;
    for (uint32_t from = 0, to; from < run->n_targets; from = to) {
        uint32_t net = run->targets[from].dst & 0xffffff00u;
        for (to = from + 1; to < run->n_targets && (run->targets[to].dst & 0xffffff00u) == net; to++)
            ;
        uint8_t end = 0;
        bool have_end = false;
        for (uint32_t i = from; i < to; i++) {
            struct pm_target *t = &run->targets[i];
            if (t->stop != PM_STOP_MAXTTL || t->max_ttl_sent >= run->max_ttl)
                continue;
            if (!have_end) {
                end = cut ? prefix_far_end(run, from, to) : prefix_end(run, from, to);
                have_end = true;
            }
            if (end && t->max_ttl_sent >= end && (!cut || walked_to(t, end))) {
                t->stop = PM_STOP_PREFIX_END;
                t->stop_ttl = end;
            } else {
                t->stop = PM_STOP_HALTED;
            }
        }
    }
}

uint8_t pm_target_last_ttl(const struct pm_target *t)
{
    if ((t->stop == PM_STOP_REACHED || t->stop == PM_STOP_UNREACHABLE) && t->stop_ttl)
        return t->stop_ttl;
    return t->max_ttl_sent;
}

/* Map (router, ttl) -> the target that saw it there with the lowest first
 * probed TTL: that target's lower hops stand for targets that stopped
 * probing at this router (Doubletree stop set). Its own table rather than
 * util's pm_map: key and value are three and two fields, and it is dropped
 * when the run is finished. It grows with the distinct (router, /24, TTL)
 * keys, not the replies: a /16's million replies are a few thousand keys,
 * and a table sized from the replies (32 MB) cost a page fault and a cache
 * miss on nearly every key. */
struct seen_slot {
    uint32_t addr;
    uint32_t net;       /* /24 of the target: hops are shared within one /24 only, as the engine does */
    uint8_t ttl;
    uint8_t low;        /* lowest TTL probed by the target */
    uint32_t target;    /* index + 1 */
};

static uint32_t seen_hash(uint32_t addr, uint32_t net, uint8_t ttl)
{
    return (addr * 2654435761u) ^ ((uint32_t)ttl * 40503u) ^ ((net >> 8) * 2246822519u);
}

/* The slot of (addr, net, ttl) in a table of cap slots: its own or the empty one it would take. */
static uint32_t seen_slot_of(const struct seen_slot *seen, uint32_t cap, uint32_t addr, uint32_t net, uint8_t ttl)
{
    uint32_t h = seen_hash(addr, net, ttl) & (cap - 1);
    while (seen[h].target && !(seen[h].addr == addr && seen[h].net == net && seen[h].ttl == ttl))
        h = (h + 1) & (cap - 1);
    return h;
}

/* Doubles the table (load <= 1/2 after); false without memory, the table unchanged. */
static bool seen_grow(struct seen_slot **seen, uint32_t *cap)
{
    uint32_t nc = *cap * 2;
    struct seen_slot *ns = calloc(nc, sizeof *ns);
    if (!ns)
        return false;
    for (uint32_t i = 0; i < *cap; i++)
        if ((*seen)[i].target)
            ns[seen_slot_of(ns, nc, (*seen)[i].addr, (*seen)[i].net, (*seen)[i].ttl)] = (*seen)[i];
    free(*seen);
    *seen = ns;
    *cap = nc;
    return true;
}

/* Keys are at most the replies (< 2^29 with the caps), so 2^30 slots always hold them. */
#define SEEN_CAP_MAX (1u << 30)

static void derive_shared(struct pm_run *run, uint8_t first_ttl)
{
    uint32_t cap = 1024, used = 0;
    struct seen_slot *seen = calloc(cap, sizeof *seen);
    if (!seen)
        return; /* sharing is a presentation aid; without memory it is simply not derived */
    for (uint32_t i = 0; i < run->n_targets; i++) {
        const struct pm_target *t = &run->targets[i];
        uint8_t low = pm_target_first_sent(t);
        for (uint32_t k = 0; k < t->n_replies; k++) {
            const struct pm_reply *r = &t->replies[k];
            if (r->kind != PM_REPLY_TIME_EXCEEDED)
                continue;
            uint32_t net = t->dst & 0xffffff00u;
            uint32_t h = seen_slot_of(seen, cap, r->from, net, r->ttl);
            if (!seen[h].target) {
                if ((used + 1) * 2 > cap) {
                    if (cap >= SEEN_CAP_MAX || !seen_grow(&seen, &cap)) {
                        free(seen);
                        return;
                    }
                    h = seen_slot_of(seen, cap, r->from, net, r->ttl);
                }
                used++;
            }
            if (!seen[h].target || low < seen[h].low)
                seen[h] = (struct seen_slot){r->from, net, r->ttl, low, i + 1};
        }
    }
    for (uint32_t i = 0; i < run->n_targets; i++) {
        struct pm_target *t = &run->targets[i];
        uint8_t low = pm_target_first_sent(t);
        t->stopset_ttl = 0;
        t->shared_via = 0;
        t->donor = 0;
        if (!low || low <= first_ttl)
            continue;
        t->stopset_ttl = low;
        const struct pm_reply *r;
        uint32_t n = pm_target_hop(t, low, &r);
        for (uint32_t k = 0; k < n && !t->shared_via; k++)
            if (r[k].kind == PM_REPLY_TIME_EXCEEDED)
                t->shared_via = r[k].from;
        if (!t->shared_via)
            continue;
        uint32_t h = seen_slot_of(seen, cap, t->shared_via, t->dst & 0xffffff00u, low);
        if (seen[h].target && seen[h].low < low && seen[h].target != i + 1)
            t->donor = seen[h].target;
    }
    free(seen);
}

void pm_trace_finish(struct pm_run *run, uint8_t gaplimit)
{
    if (run->n_targets > 1) {
        qsort(run->targets, run->n_targets, sizeof *run->targets, target_cmp);
        pm_run_reindex(run); /* positions changed */
    }
    for (uint32_t i = 0; i < run->n_targets; i++) {
        struct pm_target *t = &run->targets[i];
        pm_target_sort(t);
        t->stop = PM_STOP_NONE;
        t->stop_ttl = 0;
        decide(t, gaplimit ? gaplimit : 5);
    }
    prefix_ends(run); /* targets are sorted: each /24 is one run of them */
    derive_shared(run, run->first_ttl ? run->first_ttl : 1);
}
