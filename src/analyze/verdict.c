/* verdict.c - per target: reached or died, the death point and kind, the network blamed, the upstream and confidence; the facts behind it go to notes worded by explain.c. */
#include <string.h>

#include "analyze/internal.h"
#include "analyze/rules.h"

/* The state of one target's decision: the verdict being filled and its notes. */
struct vd {
    const struct az_ctx *c;
    const struct pm_target *t;
    const struct az_path *p;
    uint32_t tas;
    struct pm_verdict *v;
    struct az_notes notes;
};

static void note_reason(struct vd *d, enum az_reason_prefix pre, const struct az_router *r)
{
    struct az_note *n = az_note(&d->notes, AZ_N_REASON);
    n->flag = (uint8_t)pre;
    n->addr = r->addr;
    n->text = r->reason;
}

static uint8_t death_of_code(uint8_t code)
{
    switch (pm_wire_icmp_meaning(PM_ICMP_UNREACH, code)) {
    case PM_ICMP_M_NET_UNREACH: return PM_DEATH_NET_UNREACH;
    case PM_ICMP_M_PROTO_UNREACH: case PM_ICMP_M_PORT_UNREACH: return PM_DEATH_PORT_UNREACH;
    case PM_ICMP_M_ADMIN_PROHIB: return PM_DEATH_ADMIN_PROHIB;
    default: return PM_DEATH_HOST_UNREACH;
    }
}

/* A loop: one router at two hops with another between. Scans back to the most
 * recent sighting only (paths have at most PM_TTL_MAX hops: bounded work).
 * Returns the index of the second sighting. */
static uint32_t find_loop(const struct az_ctx *c, const struct az_path *p, uint32_t *first)
{
    for (uint32_t j = 1; j < p->n; j++) {
        uint32_t rj = az_path_hop(c, p, j)->router;
        for (uint32_t i = j; i-- > 0;) {
            if (az_path_hop(c, p, i)->router != rj)
                continue;
            if (j - i >= 2) {
                *first = i;
                return j;
            }
            break;
        }
    }
    return AZ_NONE;
}

static bool tally_empty(const struct az_tally *t)
{
    return !t->cnt[0] && !t->overflow;
}

/* Upstreams / successors seen after the last hop of a dead path: its own
 * prefix's working paths first, then every path through the router. */
static const struct az_tally *follow_up(const struct az_ctx *c, const struct az_path *p, uint32_t ri, bool *same)
{
    const struct az_follow *f = az_follow_group(c, ri, p->group);
    *same = f && !tally_empty(&f->up);
    return *same ? &f->up : &c->routers[ri].all.up;
}

static const struct az_follow *follow_succ(const struct az_ctx *c, const struct az_path *p, uint32_t ri, bool *same)
{
    const struct az_follow *f = az_follow_group(c, ri, p->group);
    *same = f && !tally_empty(&f->succ);
    return *same ? f : &c->routers[ri].all;
}

static bool watched(const struct az_ctx *c, uint32_t asn)
{
    const struct pm_analyze_opts *o = c->opts;
    if (!o || !asn)
        return false;
    for (uint32_t i = 0; i < o->n_watched && i < 8; i++)
        if (o->watched[i] == asn)
            return true;
    return false;
}

static void set_upstream(struct vd *d, const struct az_router *r, uint32_t asn)
{
    az_set_as(d->c, &d->v->upstream, asn);
    if (r)
        d->v->upstream_addr = r->addr;
}

/* The upstream: the last non-target owner before the entry; for paths that
 * never entered, what paths through the last hop used, then watched ASes.
 * Returns its confidence (0: none found). */
static double find_upstream(struct vd *d, uint32_t e)
{
    const struct az_ctx *c = d->c;
    const struct az_path *p = d->p;
    uint32_t tas = d->tas;
    if (!tas)
        return 0;
    if (e != AZ_NONE || p->reached_ttl) {
        uint32_t ri, up = az_path_upstream(c, p, e, &ri);
        if (!up)
            return 0;
        const struct az_router *r = &c->routers[ri];
        set_upstream(d, r, up);
        if (r->inferred && r->owner != r->mapped)
            note_reason(d, AZ_RP_UPSTREAM, r);
        return r->conf;
    }
    if (!p->n)
        return 0;
    uint32_t lri = az_path_hop(c, p, p->n - 1)->router;
    bool same;
    uint32_t cnt, top = az_tally_top(follow_up(c, p, lri, &same), &cnt);
    /* other prefixes' working paths through a transit router say nothing
     * about this prefix's upstream (routing is per prefix) */
    if (!same && az_transit(c, c->routers[lri].owner))
        top = 0;
    if (top && top != tas) {
        set_upstream(d, NULL, top);
        struct az_note *n = az_note(&d->notes, AZ_N_UP_WORKING);
        n->flag = same;
        n->addr = c->routers[lri].addr;
        n->asn = tas;
        n->asn2 = top;
        return same ? AZ_UP_WORKING_SAME : AZ_UP_WORKING_ANY;
    }
    for (uint32_t i = p->n; i-- > 0;) {
        const struct az_router *r = &c->routers[az_path_hop(c, p, i)->router];
        if (pm_map_get(&c->transit, r->owner))
            continue;   /* a transit carries the paths to the upstreams: never one itself */
        if (watched(c, r->owner) && r->owner != tas) {
            set_upstream(d, r, r->owner);
            return AZ_UP_WATCHED;
        }
    }
    for (uint32_t i = p->n; i-- > 0;) {
        const struct az_router *r = &c->routers[az_path_hop(c, p, i)->router];
        if (r->owner && r->owner != tas && !az_transit(c, r->owner)) {
            set_upstream(d, r, r->owner);
            return AZ_UP_ANY_OWNER;
        }
    }
    return 0;
}

static void blame(struct vd *d, uint32_t asn, double conf)
{
    az_set_as(d->c, &d->v->dies_in, asn);
    d->v->confidence = conf;
}

/* An unreachable from router R (index ri) with code: attributed to R's
 * inferred owner, whatever the code says. From a router of the target AS a
 * host-unreachable means the network is there and this address is dark. */
static void unreach_blame(struct vd *d, const struct az_router *R, uint8_t code, bool from_dst)
{
    struct pm_verdict *v = d->v;
    uint32_t tas = d->tas;
    if (!from_dst && tas && R->owner == tas && az_host_code(code)) {
        v->status = PM_STATUS_HOST_ABSENT;
        v->rule = PM_RULE_HOST_UNREACH;
        blame(d, 0, AZ_HOST_UNREACH * R->conf);
        struct az_note *n = az_note(&d->notes, AZ_N_HOST_ABSENT);
        n->addr = R->addr;
        n->asn = R->owner;
        n->ttl = v->last_ttl;
        n->code = code;
    } else {
        v->rule = from_dst ? PM_RULE_UNREACH_DST : PM_RULE_UNREACH;
        blame(d, from_dst ? tas : R->owner, AZ_UNREACH * (from_dst ? 1.0 : R->conf));
        struct az_note *n = az_note(&d->notes, AZ_N_UNREACH);
        n->addr = R->addr;
        n->asn = R->owner;
        n->ttl = v->last_ttl;
        n->dkind = v->kind;
        n->code = code;
    }
    if (R->inferred && R->owner != R->mapped)
        note_reason(d, AZ_RP_NONE, R);
}

/* The hop of router U refusing a probe sent with TTL probe_ttl, on a path
 * whose last answer before it was at hop prev: an unreachable is sent for
 * every probe that gets that far, so when the first ones were rate limited
 * it shows up late (a !N at TTL 16 from a router 4 hops away). Its distance
 * is the lowest TTL it answered at in the run; for a router never seen
 * sending time-exceeded, the hops its unreachables travelled back (IP TTL)
 * when lower. Either only if it fits the path (above prev). */
static uint8_t unreach_hop(const struct az_router *U, uint8_t probe_ttl, uint8_t prev)
{
    uint8_t at = probe_ttl;
    if (U->min_ttl && U->min_ttl < at && U->min_ttl > prev)
        at = U->min_ttl;
    if (!U->te_min && U->dist_hint && U->dist_hint < at && U->dist_hint > prev)
        at = U->dist_hint;
    return at;
}

/* Upstream of a path known only by the router that killed its neighbours. */
static void upstream_from(struct vd *d, const struct az_router *U, uint32_t ri)
{
    bool same;
    uint32_t top = az_tally_top(follow_up(d->c, d->p, ri, &same), NULL);
    if (!top && U->owner != d->tas)
        top = U->owner;
    if (top && top != d->tas)
        set_upstream(d, U, top);
}

/* The TTLs at or beyond the nearest sighting of the router whose refusal
 * the neighbours behind entry re got, for a path whose last answer was at l
 * (0: none). */
static uint64_t refusal_reach(const struct az_ctx *c, const struct az_rl_entry *re, uint8_t l)
{
    /* every probe that gets as far as a router without a route draws the
     * unreachable, so any silent TTL at or beyond its nearest sighting counts;
     * the router's distance is the lowest TTL it answered at in the run when
     * that lies beyond l: with its first errors rate limited, a !H can first
     * get through at TTL 16 from a router 6 hops away, and this target's
     * silent probes at 6 and 7 met the same router */
    if (!re || !re->un)
        return 0;
    unsigned from = (unsigned)__builtin_ctzll(re->un);   /* bit index: TTL - 1 */
    uint8_t um = c->routers[re->un_router].min_ttl;
    if (um > l && um - 1u < from)
        from = um - 1u;
    return ~0ull << from;
}

/* The neighbours behind re got a refusal that this path (last answer at l)
 * was probed far enough to have met. */
static bool refusal_applies(const struct vd *d, const struct az_rl_entry *re, uint8_t l)
{
    return re && (refusal_reach(d->c, re, l) & d->p->silent_mask) && re->un_ttl > l;
}

/* The refusal behind re (one there) is the target network's own "no such host". */
static bool target_host_refusal(const struct vd *d, const struct az_rl_entry *re)
{
    return d->tas && d->c->routers[re->un_router].owner == d->tas && az_host_code(re->un_code);
}

/* ... and this path was probed far enough to have met it. */
static bool target_refusal_applies(const struct vd *d, const struct az_rl_entry *re, uint8_t l)
{
    return refusal_applies(d, re, l) && target_host_refusal(d, re);
}

/* Under ICMP rate limiting, which router answered a path last is chance,
 * and about one of the target network's "no such host" a second gets
 * through: the few neighbours that share this path's last hop l may all have
 * lost theirs while others of the /24 got one. When neighbours through l's
 * router got time-exceeded beyond it (the /24's route goes on there) and the
 * target network refused some of the /24's paths beyond l, at TTLs this path
 * was probed at in vain, that refusal stands for this path's: the /24's
 * refusals, or NULL. */
static const struct az_rl_entry *group_refusal(const struct vd *d, const struct az_rl *rl,
                                               const struct az_rl_entry *re, uint8_t l)
{
    if (!re || !(re->te & (l >= 64 ? 0 : ~0ull << l)) || d->p->group >= d->c->n_groups)
        return NULL;
    const struct az_rl_entry *g = az_rl_group_refused(rl, d->p->group);
    return g && target_refusal_applies(d, g, l) ? g : NULL;
}

/* Neighbours sharing the last hop got answers beyond it where this path got
 * none: rate limiting, or their unreachable stands for this path's. A
 * structural silence (a whole half of the /24, as a lost sub-prefix route
 * gives) is not rate limiting; neighbours of other prefixes (other) only
 * stand for an unreachable. 1: decided. */
static int rate_limited(struct vd *d, const struct az_rl_entry *re, const struct az_router *L, uint8_t l,
                        bool structural, bool other)
{
    const struct az_ctx *c = d->c;
    const struct az_path *p = d->p;
    struct pm_verdict *v = d->v;
    bool un_applies = refusal_applies(d, re, l);
    /* a structural silence is this sub-prefix's own death: the target
     * network's "no such host" to the other half says nothing about it */
    if (un_applies && structural && d->tas && c->routers[re->un_router].owner == d->tas)
        un_applies = false;
    /* the target network's own router said "no such host" to the neighbours:
     * that outweighs the time-exceeded a rate-limited router let through */
    bool dark_un = un_applies && target_host_refusal(d, re);
    uint64_t both = re && !structural && !other && !dark_un ? re->te & p->silent_mask : 0;
    if (both) {
        uint8_t m = (uint8_t)(__builtin_ctzll(both) + 1);
        v->kind = PM_DEATH_RATE_LIMITED;
        v->rule = PM_RULE_RATE_LIMITED;
        v->confidence = AZ_RATE_LIMITED;
        struct az_note *n = az_note(&d->notes, AZ_N_RL_NOT_DEATH);
        n->flag = L != NULL;
        n->addr = L ? L->addr : 0;
        n->ttl = m;
        n->n = d->t->sent[m];
        return 1;
    }
    if (!un_applies)
        return 0;
    /* the neighbours' unreachable came from the next router; this target's
     * copy was suppressed (routers rate-limit ICMP errors): same death */
    const struct az_router *U = &c->routers[re->un_router];
    v->kind = death_of_code(re->un_code);
    v->last_addr = U->addr;
    v->last_ttl = unreach_hop(U, re->un_ttl, l);
    v->last_asn = U->owner;
    /* the path got as far as U (its copy of U's refusal was lost), so it
     * was entering through U's side, not through its last answering hop's */
    upstream_from(d, U, re->un_router);
    memcpy(v->last_country, U->country, sizeof v->last_country);
    v->first_silent_ttl = 0;
    unreach_blame(d, U, re->un_code, false);
    v->confidence *= other ? AZ_RL_UNREACH_OTHER : AZ_RL_UNREACH_FACTOR;
    struct az_note *n = az_note(&d->notes, AZ_N_RL_UNREACH);
    n->n = re->un_count;
    n->flag = L != NULL;
    n->addr = L ? L->addr : 0;
    n->dkind = v->kind;
    n->addr2 = U->addr;
    n->ttl = re->un_ttl;
    n->ttl2 = other;
    return 1;
}

/* A silent last hop L at l: what working paths (or history) show after it decides who is blamed. */
static void silent_after(struct vd *d, const struct az_router *L, uint8_t l)
{
    const struct az_ctx *c = d->c;
    const struct az_path *p = d->p;
    uint32_t tas = d->tas;
    enum az_note_kind k;
    uint32_t other = tas;
    if (L->owner && L->owner == tas) {
        bool hosts = L->next_dst_adj || L->next_dst_gap;
        blame(d, tas, (hosts ? AZ_SILENT_TARGET_HOSTS : AZ_SILENT_IN_TARGET) * (0.5 + 0.5 * L->conf));
        k = hosts ? AZ_N_SILENT_TARGET_HOSTS : AZ_N_SILENT_IN_TARGET;
        d->v->rule = PM_RULE_SILENT_IN_TARGET;
    } else {
        bool same;
        const struct az_follow *F = follow_succ(c, p, az_path_hop(c, p, p->n - 1)->router, &same);
        uint32_t cs, total = 0, S = az_tally_top(&F->succ, &cs);
        for (int i = 0; i < AZ_TALLY_MAX; i++)
            total += F->succ.cnt[i];
        total += F->succ.overflow;
        bool adj = F->succ_adj >= F->succ_gap;
        double mixed = (cs < total ? AZ_SILENT_MIXED : 1.0) * (same ? 1.0 : AZ_SILENT_OTHER_PREFIX);
        if (S && S == tas) {
            blame(d, tas, (adj ? AZ_SILENT_BORDER_ADJ : AZ_SILENT_BORDER_GAP) * mixed);
            k = adj ? AZ_N_SILENT_BORDER_ADJ : AZ_N_SILENT_BORDER_GAP;
            d->v->rule = adj ? PM_RULE_SILENT_BORDER : PM_RULE_SILENT_BORDER_GAP;
        } else if (S && S == L->owner) {
            blame(d, S, AZ_SILENT_INSIDE * L->conf * mixed);
            k = AZ_N_SILENT_INSIDE;
            d->v->rule = PM_RULE_SILENT_INSIDE;
        } else if (S) {
            blame(d, S, (adj ? AZ_SILENT_NEXT_AS_ADJ : AZ_SILENT_NEXT_AS_GAP) * mixed);
            k = AZ_N_SILENT_NEXT_AS;
            d->v->rule = PM_RULE_SILENT_NEXT_AS;
            other = S;
        } else if (L->hist == 1 && tas) {
            blame(d, tas, AZ_SILENT_HISTORY);
            k = AZ_N_SILENT_HISTORY;
            d->v->rule = PM_RULE_SILENT_HISTORY;
        } else {
            blame(d, L->owner, AZ_SILENT_LAST * L->conf);
            k = AZ_N_SILENT_LAST;
            d->v->rule = PM_RULE_SILENT_LAST;
        }
    }
    struct az_note *n = az_note(&d->notes, k);
    n->addr = L->addr;
    n->asn = L->owner;
    n->asn2 = other;
    n->ttl = l;
}

/* p was probed at TTL want or beyond and nothing came back. A probe past
 * the hosts' distance reaches their network as surely as one at it: the
 * engine launches dark addresses blind at high TTLs and walks back, and a
 * run cut short may leave the exact distance unprobed (issue 9, failure 5). */
static bool silent_from(const struct az_path *p, unsigned want)
{
    if (!want || want > 64 || want > PM_TTL_MAX)
        return false;
    return (p->silent_mask >> (want - 1)) != 0;
}

/* Reached neighbours of the same prefix through L were answered k hops
 * after it; this target was probed that far and nothing answered: the path
 * got where theirs did and the address is dark. 1: decided. */
static bool dark(struct vd *d, const struct az_router *L, uint8_t l)
{
    const struct az_path *p = d->p;
    const struct az_follow *F = az_follow_group(d->c, az_path_hop(d->c, p, p->n - 1)->router, p->group);
    if (!F || !F->dst_last || !F->dst_dist || !d->tas)
        return false;
    /* on this prefix's working paths the network after L is the target's
     * own (its border, or its hosts): the silence is the target network's,
     * whose border rate-limits; a path silent before another AS is not dark */
    if (az_tally_top(&F->succ, NULL) != d->tas || az_tally_distinct(&F->succ, d->tas, 0))
        return false;
    unsigned want = (unsigned)l + F->dst_dist;
    if (!silent_from(p, want))
        return false;
    struct pm_verdict *v = d->v;
    v->status = PM_STATUS_HOST_ABSENT;
    v->rule = PM_RULE_DARK;
    blame(d, 0, AZ_DARK);
    struct az_note *n = az_note(&d->notes, AZ_N_DARK);
    n->n = F->dst_last;
    n->addr = L->addr;
    n->asn = L->owner;
    n->ttl = l;
    n->ttl2 = F->dst_dist;
    n->ttl3 = (uint8_t)want;
    return true;
}

/* Silent after L in a prefix where a fault is known: at least
 * AZ_PAST_FAULT_SHARE of its targets die before L's hop (a lost sub-prefix
 * route, a filter on one ECMP branch). L is an upstream router that, on the
 * paths that go on from it, hands over at once to one router U of the target
 * network, which refuses dark addresses with host-unreachable in this run; or
 * L is the target network's own, with hosts behind it on the run's reached
 * paths at a distance this path was probed to in vain. The fault
 * explains the prefix's dead paths; this path got past it, into U, whose
 * refusals Linux rate-limits to about one a second after a burst of 5 for the
 * whole run: a second fault at U for exactly the paths that got past the
 * first is the less likely explanation. Only in the second pass (rl->died_at
 * holds the first pass's deaths). 1: decided. */
static bool dark_past_fault(struct vd *d, const struct az_rl *rl, const struct az_router *L, uint8_t l)
{
    const struct az_ctx *c = d->c;
    const struct az_path *p = d->p;
    if (!rl->died_at || !d->tas || !L->owner || p->group >= c->n_groups || !(p->silent_mask & (l >= 64 ? 0 : ~0ull << l)))
        return false;
    const uint32_t *at = &rl->died_at[(size_t)p->group * (PM_TTL_MAX + 1)];
    uint32_t before = 0, most = 0;
    uint8_t most_ttl = 0;
    for (uint8_t t = 1; t < l && t <= PM_TTL_MAX; t++) {
        before += at[t];
        if (at[t] > most) {
            most = at[t];
            most_ttl = t;
        }
    }
    if (!before || before < AZ_PAST_FAULT_SHARE * rl->group_targets[p->group])
        return false;
    const struct az_router *U = L;
    if (L->owner == d->tas) {
        /* already inside the target network: its hosts answer that many
         * hops after L on the paths of every prefix, and this one was probed
         * there in vain (the dark-address rule, with the run's reached paths
         * through L standing for the prefix's own, which the fault killed) */
        unsigned want = (unsigned)l + L->all.dst_dist;
        if (!L->all.dst_last || !L->all.dst_dist || !silent_from(p, want))
            return false;
    } else {
        if (!L->succ_router || L->succ_several || az_tally_top(&L->all.succ, NULL) != d->tas ||
            az_tally_distinct(&L->all.succ, d->tas, 0))
            return false;
        U = &c->routers[L->succ_router - 1];
        if (U->owner != d->tas || !U->host_refused)
            return false;
    }
    struct pm_verdict *v = d->v;
    v->status = PM_STATUS_HOST_ABSENT;
    v->rule = PM_RULE_DARK_PAST_FAULT;
    blame(d, 0, AZ_DARK_PAST_FAULT * U->conf);
    struct az_note *n = az_note(&d->notes, AZ_N_PAST_FAULT);
    n->addr = L->addr;
    n->ttl = l;
    n->n2 = before;
    n->ttl2 = most_ttl;
    n->dkind = rl->fault_kind ? rl->fault_kind[(size_t)p->group * (PM_TTL_MAX + 1) + most_ttl] : PM_DEATH_SILENT;
    n->addr2 = U->addr;
    n->asn = U->owner;
    n->n = U == L ? L->all.dst_last : U->host_refused;
    n->flag = U == L;
    n->ttl3 = L->all.dst_dist;
    return true;
}

static void silent_death(struct vd *d, const struct az_rl *rl)
{
    const struct az_ctx *c = d->c;
    const struct az_path *p = d->p;
    struct pm_verdict *v = d->v;
    v->kind = PM_DEATH_SILENT;
    uint8_t l = 0;
    const struct az_router *L = NULL;
    if (p->n) {
        const struct az_hop *h = az_path_hop(c, p, p->n - 1);
        L = &c->routers[h->router];
        l = h->ttl;
    }
    for (uint8_t ttl = l + 1; ttl && ttl <= PM_TTL_MAX; ttl++) {
        if (p->silent_mask & (1ull << (ttl - 1))) {
            v->first_silent_ttl = ttl;
            break;
        }
    }
    const struct az_rl_entry *re = az_rl_find(rl, p->group, l, L ? L->addr : 0);
    bool structural = az_rl_structural(rl, re, p->group, d->t->dst, p->silent_mask);
    if (L && !structural && dark(d, L, l))
        return;
    if (L && !structural && dark_past_fault(d, rl, L, l))
        return;
    /* the refusal that decides may have reached only neighbours that were
     * last heard elsewhere (rate limiting picks the last hop) */
    const struct az_rl_entry *ru = re, *gr = NULL;
    if (L && !structural && !target_refusal_applies(d, re, l) && (gr = group_refusal(d, rl, re, l)))
        ru = gr;
    if (rate_limited(d, ru, gr ? NULL : L, l, structural, false))
        return;
    /* nothing answered at all: a refusal other prefixes' paths got at their
     * first hops stands for this one (a large sweep where the first router's
     * unreachables are rate limited: most /24s hear none of their own) */
    /* ... unless the prefix's own paths were answered time-exceeded on the
     * way (under classic ECMP another upstream's refusal must not move it);
     * a prefix that heard only the same first-hop refusals still borrows */
    bool group_blind = !re || !re->te;
    if (!L && group_blind && rate_limited(d, az_rl_find(rl, AZ_RL_ANY_GROUP(c), 0, 0), NULL, 0, true, true))
        return;
    if (!L) {
        v->rule = PM_RULE_NO_HOP;
        blame(d, 0, AZ_NO_HOP);
        az_note(&d->notes, AZ_N_NO_HOP);
        return;
    }
    silent_after(d, L, l);
}

static void loop_death(struct vd *d, uint32_t li, uint32_t lj, const struct az_router *L)
{
    const struct az_ctx *c = d->c;
    const struct az_path *p = d->p;
    d->v->kind = PM_DEATH_LOOP;
    d->v->rule = lj == AZ_NONE ? PM_RULE_LOOP_STOP : PM_RULE_LOOP;
    if (lj == AZ_NONE) {
        blame(d, L ? L->owner : 0, AZ_LOOP_STOP_ONLY);
        az_note(&d->notes, AZ_N_LOOP_STOP);
        return;
    }
    const struct az_hop *h1 = az_path_hop(c, p, li), *h2 = az_path_hop(c, p, lj);
    const struct az_router *r1 = &c->routers[h1->router];
    const struct az_router *mid = &c->routers[az_path_hop(c, p, li + 1)->router];
    blame(d, r1->owner, AZ_LOOP * r1->conf);
    struct az_note *n = az_note(&d->notes, AZ_N_LOOP);
    n->addr = r1->addr;
    n->asn = r1->owner;
    n->ttl = h1->ttl;
    n->ttl2 = h2->ttl;
    n->addr2 = mid->addr;
    n->asn2 = mid->owner;
}

static void reached(struct vd *d, uint32_t e, const struct az_router *L)
{
    const struct az_ctx *c = d->c;
    const struct az_path *p = d->p;
    struct pm_verdict *v = d->v;
    v->status = PM_STATUS_REACHED;
    v->kind = PM_DEATH_NONE;
    v->rule = PM_RULE_REACHED;
    double upconf = find_upstream(d, e);
    struct az_note *n = az_note(&d->notes, AZ_N_REACHED);
    n->addr = d->t->dst;
    n->ttl = p->reached_ttl;
    n->asn = v->upstream.asn;
    v->confidence = v->upstream.asn ? AZ_REACHED_BASE + AZ_REACHED_UP_WEIGHT * upconf : AZ_REACHED_NO_UPSTREAM;
    if (e != AZ_NONE) {
        const struct az_router *er = &c->routers[az_path_hop(c, p, e)->router];
        if (er->inferred && er->owner != er->mapped)
            note_reason(d, AZ_RP_BORDER, er);
    }
    uint32_t silent = 0;
    uint8_t from = L ? v->last_ttl : 0;
    for (uint8_t ttl = from + 1; ttl < p->reached_ttl; ttl++)
        silent += (p->silent_mask >> (ttl - 1)) & 1;
    if (silent)
        az_note(&d->notes, AZ_N_SILENT_HOPS)->n = silent;
}

static void died(struct vd *d, uint32_t e, const struct az_router *L, const struct az_rl *rl)
{
    const struct az_ctx *c = d->c;
    const struct az_path *p = d->p;
    struct pm_verdict *v = d->v;
    v->status = PM_STATUS_DIED;
    find_upstream(d, e);
    uint32_t li = AZ_NONE, lj = find_loop(c, p, &li);
    const struct az_hop *lh = p->n ? az_path_hop(c, p, p->n - 1) : NULL;
    if (lh && lh->kind == PM_REPLY_UNREACH) {
        v->kind = death_of_code(lh->code);
        unreach_blame(d, L, lh->code, L->addr == d->t->dst);
    } else if (lj != AZ_NONE || d->t->stop == PM_STOP_LOOP) {
        loop_death(d, li, lj, L);
    } else {
        silent_death(d, rl);
    }
    if (L && L->inferred && L->owner != L->mapped && (v->kind == PM_DEATH_SILENT || v->kind == PM_DEATH_NONE))
        note_reason(d, AZ_RP_LAST, L);
    if (v->status == PM_STATUS_DIED && v->kind != PM_DEATH_RATE_LIMITED && v->dies_in.asn && v->upstream.asn &&
        v->dies_in.asn != v->upstream.asn && v->dies_in.asn != d->tas) {
        struct az_note *n = az_note(&d->notes, AZ_N_DIED_BEFORE);
        n->asn = v->dies_in.asn;
        n->asn2 = v->upstream.asn;
    }
    if (L && L->probes > L->replies && L->replies && v->kind != PM_DEATH_RATE_LIMITED) {
        struct az_note *n = az_note(&d->notes, AZ_N_RATE);
        n->addr = L->addr;
        n->n = L->replies;
        n->n2 = L->probes;
    }
}

/* A run cut short (az_cut_undecided): the death just decided is replaced
 * by not-probed; the note of kind k (what the path showed, its reason) is
 * returned for the caller to fill. */
static struct az_note *cut_undecided(struct vd *d, enum az_note_kind k)
{
    const struct az_ctx *c = d->c;
    struct pm_verdict *v = d->v;
    v->status = PM_STATUS_NOT_PROBED;
    v->kind = PM_DEATH_NONE;
    v->rule = PM_RULE_NOT_PROBED;
    v->confidence = AZ_CUT_SILENT;
    memset(&v->dies_in, 0, sizeof v->dies_in);
    v->first_silent_ttl = 0;
    d->notes.n = 0;
    struct az_note *n = az_note(&d->notes, k);
    n->dkind = c->run->end;
    n->n = c->groups[d->p->group].unfinished;
    return n;
}

/* ... a silent death, after L (NULL: no hop answered). */
static void cut_silence(struct vd *d, const struct az_router *L)
{
    uint8_t ttl = d->v->last_ttl;
    struct az_note *n = cut_undecided(d, AZ_N_CUT_SILENT);
    n->addr = L ? L->addr : 0;
    n->ttl = L ? ttl : 0;
}

/* A run cut short: a host-unreachable that ended the path came from a
 * router known only by its address's AS, which no path of the run shows
 * followed by anything (a 1 s cut at the lab's kpbr, numbered from China
 * Unicom's space, read two dark addresses of the TransTeleCom side died in
 * China Unicom). Only the paths the cut left unfinished would tell whether
 * it is the target network's border refusing a dark address or a router
 * whose route is lost. */
static bool cut_refusal_undecided(const struct vd *d, const struct az_router *L)
{
    const struct pm_verdict *v = d->v;
    if (!L || v->status != PM_STATUS_DIED || v->kind != PM_DEATH_HOST_UNREACH || L->addr == d->t->dst ||
        !az_cut_undecided(d->c, d->p->group, v->last_ttl))
        return false;
    /* the refuser's owner is in doubt only where it sits at an AS change on
     * this path (a router after hops of its own AS is that AS's) */
    const struct az_path *p = d->p;
    bool placed = L->owner == d->tas;
    if (p->n >= 2) {
        const struct az_router *P = &d->c->routers[az_path_hop(d->c, p, p->n - 2)->router];
        placed = placed || (P->owner && P->owner == L->owner);
    }
    bool followed = !tally_empty(&L->next) || L->next_dst_adj || L->next_dst_gap || L->next_tmapped || L->next_other;
    return !placed && !followed;
}

static void cut_refused(struct vd *d, const struct az_router *L)
{
    uint8_t ttl = d->v->last_ttl;
    struct az_note *n = cut_undecided(d, AZ_N_CUT_REFUSED);
    n->addr = L->addr;
    n->asn = L->mapped;
    n->ttl = ttl;
}

int az_verdict(const struct az_ctx *c, uint32_t ti, struct pm_verdict *v, const struct az_rl *rl)
{
    struct vd d = {.c = c, .t = &c->run->targets[ti], .p = &c->paths[ti], .v = v};
    const struct az_path *p = d.p;
    d.tas = az_tas(c, p);
    memset(v, 0, sizeof *v);
    v->group = p->group;
    v->reached_ttl = p->reached_ttl;
    const struct az_router *L = p->n ? &c->routers[az_path_hop(c, p, p->n - 1)->router] : NULL;
    if (L) {
        v->last_addr = L->addr;
        v->last_ttl = az_path_hop(c, p, p->n - 1)->ttl;
        uint8_t prev = p->n > 1 ? az_path_hop(c, p, p->n - 2)->ttl : 0;
        if (az_path_hop(c, p, p->n - 1)->kind == PM_REPLY_UNREACH)
            v->last_ttl = unreach_hop(L, v->last_ttl, prev);
        /* a router that answered time-exceeded at one TTL and refuses at the
         * next (it routes before it filters or finds no host) sits at the
         * first: the death is labelled with the router's hop, not the probe's */
        if (p->n > 1 && az_path_hop(c, p, p->n - 1)->kind == PM_REPLY_UNREACH &&
            az_path_hop(c, p, p->n - 2)->router == az_path_hop(c, p, p->n - 1)->router)
            v->last_ttl = prev;
        v->last_asn = L->owner;
        memcpy(v->last_country, L->country, sizeof v->last_country);
    }
    uint32_t e = AZ_NONE, mpls_hop = AZ_NONE;
    for (uint32_t i = 0; i < p->n; i++) {
        const struct az_hop *h = az_path_hop(c, p, i);
        const struct az_router *r = &c->routers[h->router];
        if (e == AZ_NONE && d.tas && r->owner == d.tas)
            e = i;
        if ((h->mpls || r->mpls) && mpls_hop == AZ_NONE)
            mpls_hop = i;
    }
    if (e != AZ_NONE)
        v->entry_ttl = az_path_hop(c, p, e)->ttl;
    if (!p->reached_ttl && az_unfinished(c->run, d.t)) {
        v->status = PM_STATUS_NOT_PROBED;
        v->rule = PM_RULE_NOT_PROBED;
        v->confidence = AZ_NOT_PROBED;
        struct az_note *n = az_note(&d.notes, AZ_N_NOT_PROBED);
        n->dkind = c->run->end;
        n->ttl = d.t->max_ttl_sent;
        n->ttl2 = c->run->max_ttl;
        return az_explain(c, &d.notes, v);
    }
    if (p->reached_ttl) {
        reached(&d, e, L);
    } else {
        died(&d, e, L, rl);
        if (v->status == PM_STATUS_DIED && v->kind == PM_DEATH_SILENT && az_cut_undecided(c, p->group, v->last_ttl)) {
            cut_silence(&d, L);
            return az_explain(c, &d.notes, v);
        }
        if (cut_refusal_undecided(&d, L)) {
            cut_refused(&d, L);
            return az_explain(c, &d.notes, v);
        }
    }
    if (mpls_hop != AZ_NONE) {
        const struct az_router *r = &c->routers[az_path_hop(c, p, mpls_hop)->router];
        v->mpls = true;
        struct az_note *n = az_note(&d.notes, AZ_N_MPLS);
        n->addr = r->addr;
        n->ttl = az_path_hop(c, p, mpls_hop)->ttl;
        n->flag = r->qttl_hint != 0;
        n->asn = r->owner;
    }
    if (p->stopset && !p->donor_found)
        az_note(&d.notes, AZ_N_STOPSET)->ttl = p->stopset;
    if (v->confidence > 1)
        v->confidence = 1;
    if (v->confidence < 0)
        v->confidence = 0;
    return az_explain(c, &d.notes, v);
}
