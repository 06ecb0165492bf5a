/* schedule.c - which probe each target sends next: forward from a predicted TTL, backward until the stop set, retries, gap limit. */
#include <stdlib.h>
#include <string.h>

#include "pathmortem/common.h"
#include "pathmortem/match.h"
#include "probe/sched_state.h"

/* ---- stop set: routers already discovered (Doubletree's local stop set) ----
 * Keyed by (router, /24 of the target), not by router alone: routing is per
 * destination prefix, so two prefixes can reach one router over different
 * upstreams (the lab's Star JV border router answers with the same address
 * on the China Unicom and the TransTeleCom paths). Sharing the hops below a
 * router is only safe between targets of one /24. */

static uint64_t stop_key(const struct pm_sched *s, const struct tstate *t, uint32_t addr)
{
    return (uint64_t)s->groups[t->group].prefix << 32 | addr;
}

static bool stopset_has(const struct pm_sched *s, const struct tstate *t, uint32_t a)
{
    return a && pm_map_get(&s->stopset, stop_key(s, t, a));
}

static void stopset_add(struct pm_sched *s, const struct tstate *t, uint32_t a)
{
    if (!a)
        return;
    /* past the map's cap the set stops growing: later targets probe more, no
     * answer is lost */
    if (s->stopset.n < PM_MAP_MAX && !pm_map_put(&s->stopset, stop_key(s, t, a), 1, NULL))
        pm_sched_fail(s, PM_ENOMEM);
}

static struct group_info *group_of(struct pm_sched *s, const struct tstate *t)
{
    return &s->groups[t->group];
}

/* Targets per /24 that keep retrying where its refusal is only guessed. */
#define PM_SCHED_CONFIRMERS 3

/* ---- hop slots ---- */

static uint8_t queries(const struct pm_sched *sc)
{
    return sc->o.queries;
}

static void start_hop(struct pm_sched *sc, uint32_t ti, uint8_t which, uint8_t ttl)
{
    struct tstate *t = &sc->ts[ti];
    struct hop_slot *s = &t->slot[which];
    uint16_t gen = (uint16_t)(s->gen + 1);
    memset(s, 0, sizeof *s);
    s->gen = gen;
    s->ttl = ttl;
    s->want = queries(sc);
    t->probed |= 1ull << (ttl - 1);
    for (uint8_t i = 0; i < s->want; i++)
        pm_sched_push(sc, ti, which);
}

static void finish_target(struct pm_sched *sc, uint32_t ti)
{
    struct tstate *t = &sc->ts[ti];
    if (t->flags & TS_FINISHED)
        return;
    t->flags |= TS_FINISHED;
    t->slot[0].gen++;
    t->slot[1].gen++;
    t->slot[0].ttl = t->slot[1].ttl = 0;
    sc->active--;
    sc->finished++;
    struct group_info *g = group_of(sc, t);
    if (!t->reached_ttl && t->last_router_ttl && !(t->flags & TS_LOOP))
        g->last_resp = t->last_router_ttl;
}

static void maybe_finish(struct pm_sched *sc, uint32_t ti)
{
    struct tstate *t = &sc->ts[ti];
    if ((t->flags & TS_FWD_DONE) && (t->flags & TS_BACK_DONE) && !t->slot[0].ttl && !t->slot[1].ttl)
        finish_target(sc, ti);
}

/* Initial TTL of a reply's sender, guessed from the usual defaults. */
static uint8_t distance_from_reply_ttl(uint8_t reply_ttl)
{
    static const uint16_t inits[] = {32, 64, 128, 255};
    for (size_t i = 0; i < sizeof inits / sizeof inits[0]; i++)
        if (reply_ttl <= inits[i])
            return (uint8_t)(inits[i] - reply_ttl + 1);
    return 0;
}

static bool probed(const struct tstate *t, uint8_t ttl)
{
    return ttl >= 1 && ttl <= 64 && (t->probed >> (ttl - 1)) & 1;
}

/* Next backward TTL below `from`, or 0 when backward probing is over. */
static uint8_t next_back(const struct pm_sched *sc, const struct tstate *t, uint8_t from)
{
    uint8_t ttl = from;
    while (ttl >= sc->o.first_ttl && ttl >= 1) {
        if (!probed(t, ttl))
            return ttl;
        /* a router already answered this target here: below it the walk
         * (or the stop set) has been before */
        if (!sc->o.no_stopset && (t->te_mask >> (ttl - 1)) & 1)
            return 0;
        ttl--;
    }
    return 0;
}

/* For a target not reached, the TTL where its /24's paths end: where its
 * neighbours were refused or reached (0: not known, or no stop set). At and
 * above it a dark address only repeats the refusal its neighbours got (under
 * the same rate limit) or stays silent, so its walks stay below. */
static uint8_t group_end(const struct pm_sched *sc, const struct tstate *t)
{
    if (sc->o.no_stopset || sc->n == 1 || t->reached_ttl)
        return 0;
    const struct group_info *g = &sc->groups[t->group];
    uint8_t end = g->unreach_ttl;
    if (g->dist && (!end || g->dist < end))
        end = g->dist;
    /* nothing reached, nothing refused: the first hop where its finished
     * paths went silent */
    if (!end && g->last_resp && g->last_resp < sc->o.max_ttl)
        end = (uint8_t)(g->last_resp + 1);
    return end;
}

static void start_back(struct pm_sched *sc, uint32_t ti, uint8_t from)
{
    struct tstate *t = &sc->ts[ti];
    if (group_end(sc, t)) {
        /* straight to where the /24's paths end: below its refusal (probes
         * there only draw the refusal again), else at the farthest distance
         * its hosts answered from (silent there, then the last router) */
        const struct group_info *g = group_of(sc, t);
        if (g->unreach_ttl && from >= g->unreach_ttl)
            from = (uint8_t)(g->unreach_ttl - 1);
        if (g->far && from > g->far)
            from = g->far;
        if (!g->unreach_ttl && !g->far && g->last_resp && from > g->last_resp + 1)
            from = (uint8_t)(g->last_resp + 1);
    }
    uint8_t ttl = next_back(sc, t, from);
    if (!ttl) {
        t->flags |= TS_BACK_DONE;
        return;
    }
    t->flags &= (uint8_t)~TS_BACK_DONE;
    start_hop(sc, ti, SLOT_BACK, ttl);
}

void pm_sched_launch(struct pm_sched *sc, uint32_t ti, uint64_t now)
{
    struct tstate *t = &sc->ts[ti];
    t->flags |= TS_LAUNCHED;
    t->start_us = now;
    const struct group_info *g = group_of(sc, t);
    uint8_t s;
    bool trusted = true;
    if (sc->o.no_stopset || sc->n == 1) {
        s = sc->o.first_ttl; /* classic traceroute: walk up from the first TTL */
    } else if (g->far) {
        s = g->far; /* the farthest host distance: a dark address then walks back once */
    } else if (g->unreach_ttl) {
        s = g->unreach_ttl;
    } else if (g->loop_ttl) {
        s = g->loop_ttl;
    } else if (g->last_resp) {
        s = (uint8_t)(g->last_resp + 1);
    } else {
        s = sc->global_dist ? sc->global_dist : sc->o.split_ttl;
        trusted = false;
    }
    if (s < sc->o.first_ttl)
        s = sc->o.first_ttl;
    if (s > sc->o.max_ttl)
        s = sc->o.max_ttl;
    start_hop(sc, ti, SLOT_FWD, s);
    /* With a trusted guess both directions go at once; a blind guess waits
     * for the first answer, which tells the distance. */
    if (trusted)
        start_back(sc, ti, (uint8_t)(s - 1));
}

static void arm(struct pm_sched *sc, uint32_t ti, uint8_t which, uint64_t now)
{
    struct tstate *t = &sc->ts[ti];
    struct hop_slot *s = &t->slot[which];
    uint64_t wait = (uint64_t)sc->o.wait_ms * 1000u;
    /* a retry for a hop that looks rate limited waits at least a second:
     * Linux refills its ICMP and route error budgets one token a second */
    uint8_t plain = (uint8_t)(queries(sc) + sc->o.retries);
    if (s->want > plain && wait < 1000000u)
        wait = 1000000u;
    if (pm_timerheap_push(&sc->timers, (struct pm_timer){.at_us = now + wait, .target = ti, .gen = s->gen, .slot = which}) !=
        PM_OK)
        pm_sched_fail(sc, PM_ENOMEM);
}

void pm_sched_sent(struct pm_sched *sc, uint32_t ti, uint8_t which, uint64_t now)
{
    struct hop_slot *s = &sc->ts[ti].slot[which];
    if (s->sent == s->want)
        arm(sc, ti, which, now);
}

/* The trace model's rule, so the scheduler stops where the analysis will say
 * the target was reached. */
static bool is_target_reply(const struct tstate *t, const struct hop_slot *s)
{
    (void)t;
    return s->from_target;
}

/* Where the reply's own TTL says its sender is, when closer than probed:
 * the prefix learns that TTL at once (its other targets start there), while
 * the target's own walk goes on to confirm it. */
static uint8_t hinted(uint8_t ttl, uint8_t reply_ttl)
{
    uint8_t d = distance_from_reply_ttl(reply_ttl);
    return d && d < ttl ? d : ttl;
}

/* The prefix learns where its paths are refused (ICMP unreachable), so its
 * other targets start right there. */
static void note_unreach(struct pm_sched *sc, struct tstate *t, uint8_t ttl, uint8_t reply_ttl)
{
    if (!t->unreach_ttl || ttl < t->unreach_ttl)
        t->unreach_ttl = ttl;
    struct group_info *g = group_of(sc, t);
    if (!g->refused_ttl || ttl < g->refused_ttl)
        g->refused_ttl = ttl;
    uint8_t at = hinted(ttl, reply_ttl);
    if (!g->unreach_ttl || at < g->unreach_ttl)
        g->unreach_ttl = at;
}

/* The prefix learns the distance as soon as one of its targets answers. */
static void note_reached(struct pm_sched *sc, struct tstate *t, uint8_t ttl, uint8_t reply_ttl)
{
    if (!t->reached_ttl || ttl < t->reached_ttl)
        t->reached_ttl = ttl;
    struct group_info *g = group_of(sc, t);
    uint8_t at = hinted(t->reached_ttl, reply_ttl);
    if (at > g->far)
        g->far = at;
    if (!g->dist || at < g->dist)
        g->dist = at;
    sc->global_dist = at;
}

/* A forward probe at ttl was answered by the target or refused: walk back
 * from the distance the reply's own TTL suggests (when below and not
 * probed yet), else from just below, unless a walk back is under way. */
static void back_from_reply(struct pm_sched *sc, uint32_t ti, uint8_t ttl, uint8_t reply_ttl)
{
    struct tstate *t = &sc->ts[ti];
    uint8_t d = distance_from_reply_ttl(reply_ttl);
    uint8_t from = (uint8_t)(ttl - 1);
    if (d && d < ttl && !probed(t, d))
        from = d;
    if (!t->slot[SLOT_BACK].ttl)
        start_back(sc, ti, from);
}

static void complete_fwd(struct pm_sched *sc, uint32_t ti)
{
    struct tstate *t = &sc->ts[ti];
    struct hop_slot s = t->slot[SLOT_FWD];
    t->slot[SLOT_FWD].ttl = 0;
    t->slot[SLOT_FWD].gen++;
    bool first_fwd = !(t->flags & TS_BACK_DONE) && !t->slot[SLOT_BACK].ttl && !t->last_router_ttl &&
                     !t->reached_ttl && t->probed == (1ull << (s.ttl - 1));
    bool stop = false;
    if (s.answered && is_target_reply(t, &s)) {
        note_reached(sc, t, s.ttl, s.reply_ttl);
        stop = true;
        /* overshot: jump straight to the distance the reply's TTL suggests */
        back_from_reply(sc, ti, s.ttl, s.reply_ttl);
    } else if (s.answered && s.kind == PM_REPLY_UNREACH) {
        /* a router refused: it sits at this TTL or below. Walk back from the
         * distance its reply's TTL suggests until time-exceeded answers
         * again; the lowest refusing TTL is the death point. */
        t->flags |= TS_UNREACH;
        stop = true;
        note_unreach(sc, t, s.ttl, s.reply_ttl);
        back_from_reply(sc, ti, s.ttl, s.reply_ttl);
    } else if (s.answered) {
        t->gap = 0;
        if (s.ttl > t->last_router_ttl)
            t->last_router_ttl = s.ttl;
        t->te_mask |= 1ull << (s.ttl - 1);
        stopset_add(sc, t, s.addr);
        /* a router already seen lower on this path: a loop, stop going up;
         * the prefix's other targets start where the loop begins, so three
         * probes show it to them too */
        const uint32_t *low = pm_map_get(&sc->seen, (uint64_t)ti << 32 | s.addr);
        if (low && *low + 1 < s.ttl) {
            stop = true;
            t->flags |= TS_LOOP;
            struct group_info *g = group_of(sc, t);
            if (!g->loop_ttl || *low < g->loop_ttl)
                g->loop_ttl = (uint8_t)*low;
        }
    } else {
        t->gap++;
        if (t->gap >= sc->o.gaplimit)
            stop = true;
        /* silent where the prefix's other targets were refused: the refusal
         * was rate limited away; going further up would only repeat it */
        const struct group_info *gi = group_of(sc, t);
        if (gi->unreach_ttl && s.ttl >= gi->unreach_ttl)
            stop = true;
        /* silent where the prefix's hosts answer: a dark address */
        uint8_t end = group_end(sc, t);
        if (end && s.ttl >= end)
            stop = true;
    }
    uint8_t next = (uint8_t)(s.ttl + 1);
    if (next > sc->o.max_ttl || (t->reached_ttl && next >= t->reached_ttl) ||
        (t->unreach_ttl && next >= t->unreach_ttl) || probed(t, next))
        stop = true;
    const struct group_info *g = group_of(sc, t);
    if (stop && !s.answered && group_end(sc, t) && g->refused_ttl > s.ttl && !probed(t, g->refused_ttl) &&
        g->refused_ttl <= sc->o.max_ttl) {
        /* silent below the lowest TTL any refusal of the /24 came back at: one
         * probe there, so this path's silence stands beside (and is read as)
         * its neighbours' rate-limited refusal */
        start_hop(sc, ti, SLOT_FWD, g->refused_ttl);
    } else if (stop && !s.answered && group_end(sc, t) && g->unreach_ttl && g->unreach_ttl < s.ttl &&
               !t->unreach_ttl && !probed(t, g->unreach_ttl)) {
        /* silent above the refusing router's own hop, which this path never
         * probed (it was launched blind, before the /24 knew its distance,
         * and walks back from below that hop): one probe there. A dark
         * address draws the refusal again, but a live host behind a filter
         * gets the router's time-exceeded, the only sign that the router
         * routes it and that its path dies there (issue 9 failure 4) */
        start_hop(sc, ti, SLOT_FWD, g->unreach_ttl);
    } else if (stop) {
        t->flags |= TS_FWD_DONE;
    } else {
        start_hop(sc, ti, SLOT_FWD, next);
    }
    if (first_fwd && !t->slot[SLOT_BACK].ttl)
        start_back(sc, ti, (uint8_t)(s.ttl - 1));
    maybe_finish(sc, ti);
}

static void complete_back(struct pm_sched *sc, uint32_t ti)
{
    struct tstate *t = &sc->ts[ti];
    struct hop_slot s = t->slot[SLOT_BACK];
    t->slot[SLOT_BACK].ttl = 0;
    t->slot[SLOT_BACK].gen++;
    uint8_t from = (uint8_t)(s.ttl - 1);
    bool done = false;
    if (s.answered && (is_target_reply(t, &s) || s.kind == PM_REPLY_UNREACH)) {
        /* still beyond the target or the refusing router: keep walking down */
        if (is_target_reply(t, &s))
            note_reached(sc, t, s.ttl, s.reply_ttl);
        else
            note_unreach(sc, t, s.ttl, s.reply_ttl);
        uint8_t d = distance_from_reply_ttl(s.reply_ttl);
        if (d && d < from && !probed(t, d))
            from = d;
    } else if (s.answered) {
        if (s.ttl > t->last_router_ttl)
            t->last_router_ttl = s.ttl;
        t->te_mask |= 1ull << (s.ttl - 1);
        if (!sc->o.no_stopset && stopset_has(sc, t, s.addr))
            done = true;
        stopset_add(sc, t, s.addr);
        /* a router answered here but the hop above was never probed while
         * the target is further: fill the hole going forward */
        uint8_t up = (uint8_t)(s.ttl + 1), end = group_end(sc, t);
        if (!probed(t, up) && up <= sc->o.max_ttl && (!t->reached_ttl || up < t->reached_ttl) &&
            (!t->unreach_ttl || up < t->unreach_ttl) && (!end || up < end) && !t->slot[SLOT_FWD].ttl) {
            t->flags &= (uint8_t)~TS_FWD_DONE;
            t->gap = 0;
            start_hop(sc, ti, SLOT_FWD, up);
        }
    }
    if (done || from < sc->o.first_ttl)
        t->flags |= TS_BACK_DONE;
    else
        start_back(sc, ti, from);
    maybe_finish(sc, ti);
}

static void complete(struct pm_sched *sc, uint32_t ti, uint8_t which)
{
    if (which == SLOT_FWD)
        complete_fwd(sc, ti);
    else
        complete_back(sc, ti);
}

void pm_sched_reply(struct pm_sched *sc, uint32_t ti, const struct pm_reply *r, uint64_t now)
{
    (void)now;
    struct tstate *t = &sc->ts[ti];
    /* even a late reply shows that something at this TTL talks to the /24 */
    if (r->ttl >= 1 && r->ttl <= 64)
        group_of(sc, t)->heard |= 1ull << (r->ttl - 1);
    if (t->flags & TS_FINISHED)
        return;
    for (uint8_t w = 0; w < 2; w++) {
        struct hop_slot *s = &t->slot[w];
        if (!s->ttl || s->ttl != r->ttl)
            continue;
        if (!s->answered) {
            s->addr = r->from;
            s->kind = r->kind;
            s->reply_ttl = r->reply_ttl;
            s->from_target = pm_reply_from_dst(t->dst, r);
        }
        s->answered++;
        if (s->sent == s->want && s->answered >= s->sent)
            complete(sc, ti, w);
        return;
    }
}

void pm_sched_timeout(struct pm_sched *sc, const struct pm_timer *tm, uint64_t now)
{
    struct tstate *t = &sc->ts[tm->target];
    struct hop_slot *s = &t->slot[tm->slot];
    if ((t->flags & TS_FINISHED) || !s->ttl || s->gen != tm->gen)
        return; /* stale */
    if (sc->o.target_timeout_ms && now - t->start_us > (uint64_t)sc->o.target_timeout_ms * 1000u) {
        finish_target(sc, tm->target);
        return;
    }
    /* Silent so far: retry. A hop that answered other targets of this run
     * (its prefix's distance is beyond it) is likely rate limiting, so it
     * gets two more tries, each waiting longer (see arm()). */
    uint8_t allowed = (uint8_t)(queries(sc) + sc->o.retries);
    struct group_info *g = group_of(sc, t);
    bool known_hop = g->dist > s->ttl || g->last_resp >= s->ttl;
    bool stopset_mode = !sc->o.no_stopset && sc->n > 1;
    bool higher_router = s->ttl < 64 && (t->te_mask >> s->ttl) != 0;
    bool mute = false;
    if (stopset_mode && s->ttl <= PM_SCHED_MUTE_TTLS && !s->answered && s->sent == queries(sc)) {
        /* the end of a first wait in silence. Where no target of the /24 has
         * been heard at this TTL a full wait after the first probes went
         * there, and PM_SCHED_MUTE_AFTER of them already waited in vain, the
         * hop does not answer this /24 at all (a mute router, a blackhole):
         * retries cannot draw an answer a rate-limited router would have
         * given by now (its budget refills within the wait), so the others
         * stop at one wait. The first few still retry, so a router that is
         * only slow or briefly out of budget is still heard. */
        uint8_t *n = &g->silent_first[s->ttl - 1];
        mute = !((g->heard >> (s->ttl - 1)) & 1) && *n >= PM_SCHED_MUTE_AFTER;
        if (*n < UINT8_MAX)
            (*n)++;
    }
    if (stopset_mode && !t->reached_ttl && g->refused_ttl && s->ttl >= g->refused_ttl) {
        /* where a neighbour's refusal already came back at or below this TTL
         * the analysis reads this silence as that refusal, rate limited: a
         * retry cannot change the verdict, and would spend the refusing
         * router's budget that the /24's other paths need */
        allowed = queries(sc);
    } else if (stopset_mode && !t->reached_ttl && g->unreach_ttl && s->ttl >= g->unreach_ttl) {
        /* refused only higher up, or only guessed from a reply's TTL: one
         * refusal here decides the verdicts of the /24's silent paths, so
         * this is where the router's budget is worth waiting for, by a few
         * targets of the /24 (all of them would only share the same budget) */
        uint8_t plain = allowed;
        if (s->want > plain || g->confirmers < PM_SCHED_CONFIRMERS) {
            if (s->want == plain)
                g->confirmers++;
            allowed = (uint8_t)(allowed + 2);
        } else {
            allowed = queries(sc);
        }
    } else if (mute) {
        /* (below any refusal or guessed refusal of the /24: those keep the
         * rules above, which wait for the refusing router's budget) */
        allowed = queries(sc);
    } else if (known_hop && tm->slot == SLOT_BACK && stopset_mode && higher_router) {
        /* walking back toward the stop set through a hop its neighbours
         * already showed, below a router this target reached: the hop below
         * tells as much and is another router's ICMP budget, so go there now */
        allowed = queries(sc);
    } else if (known_hop && !(g->unreach_ttl && g->unreach_ttl <= s->ttl)) {
        /* (not where the prefix is refused: there the silence is the refusal
         * itself, rate limited, and the analysis reads it from the neighbours) */
        allowed = (uint8_t)(allowed + 2);
    }
    if (allowed > PM_PROBE_MAX_ATTEMPTS)
        allowed = PM_PROBE_MAX_ATTEMPTS;
    if (!s->answered && s->want < allowed) {
        s->want++;
        pm_sched_push(sc, tm->target, tm->slot);
        return;
    }
    complete(sc, tm->target, tm->slot);
}
