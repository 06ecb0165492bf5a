/* verdict.c - per target: reached or died, the death point and kind, the network blamed, the upstream, confidence and evidence. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/internal.h"

void az_evidence(struct pm_verdict *v, const char *fmt, ...)
{
    if (v->n_evidence >= PM_EVIDENCE_MAX)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->evidence[v->n_evidence++], PM_EVIDENCE_LEN, fmt, ap);
    va_end(ap);
}

const char *az_asfmt(const struct az_ctx *c, uint32_t asn, char *buf, size_t len)
{
    const char *name = asn ? az_asname(c, asn) : "";
    if (!asn)
        snprintf(buf, len, "an unknown network");
    else if (name[0])
        snprintf(buf, len, "%s (AS%u)", name, asn);
    else
        snprintf(buf, len, "AS%u", asn);
    return buf;
}

void az_set_as(const struct az_ctx *c, struct pm_as_ref *r, uint32_t asn)
{
    r->asn = asn;
    snprintf(r->name, sizeof r->name, "%s", asn ? az_asname(c, asn) : "");
}

static uint64_t rl_key(uint32_t group, uint8_t ttl, uint32_t addr)
{
    return (((uint64_t)group * (PM_TTL_MAX + 1) + ttl) << 32) | addr;
}

static uint64_t above(uint8_t ttl)
{
    return ttl >= 64 ? 0 : ~0ull << ttl;   /* bits of TTLs > ttl (bit ttl-1 is ttl) */
}

/* The last router of a path that went silent (not unreachable), or AZ_NONE. */
static bool silent_end(const struct az_ctx *c, const struct az_path *p)
{
    if (p->reached_ttl)
        return false;
    return !p->n || az_path_hop(c, p, p->n - 1)->kind != PM_REPLY_UNREACH;
}

void az_rl_free(struct az_rl *rl)
{
    az_map_free(&rl->idx);
    free(rl->e);
    memset(rl, 0, sizeof *rl);
}

/* Neighbour u of a key at hop l contributes what it got beyond l. */
static void rl_note(const struct az_ctx *c, struct az_rl_entry *e, const struct az_path *u, uint8_t l)
{
    e->te |= u->te_mask & above(l);
    uint64_t un = u->un_mask & above(l);
    if (!un)
        return;
    e->un |= un;
    e->un_count++;
    if (!e->un_ttl) {
        /* the unreachable ends u's path: it is u's last hop */
        const struct az_hop *h = az_path_hop(c, u, u->n - 1);
        e->un_router = h->router;
        e->un_ttl = h->ttl;
        e->un_code = h->code;
    }
}

/* Two passes over the targets (no pairwise comparison): register the last
 * hop of every silent death, then let every target OR in what it got beyond
 * each of its hops that is such a key. */
int az_rate_limit_index(const struct az_ctx *c, struct az_rl *rl)
{
    for (uint32_t ti = 0; ti < c->run->n_targets; ti++) {
        const struct az_path *p = &c->paths[ti];
        if (!silent_end(c, p))
            continue;
        uint8_t l = 0;
        uint32_t a = 0;
        if (p->n) {
            const struct az_hop *h = az_path_hop(c, p, p->n - 1);
            l = h->ttl;
            a = c->routers[h->router].addr;
        }
        bool created;
        uint32_t *slot = az_map_put(&rl->idx, rl_key(p->group, l, a), rl->n, &created);
        if (!slot)
            return PM_ENOMEM;
        if (!created)
            continue;
        if (rl->n == rl->cap) {
            uint32_t cap = rl->cap ? rl->cap * 2 : 64;
            struct az_rl_entry *m = realloc(rl->e, (size_t)cap * sizeof *m);
            if (!m)
                return PM_ENOMEM;
            rl->e = m;
            rl->cap = cap;
        }
        memset(&rl->e[rl->n++], 0, sizeof *rl->e);
    }
    if (!rl->n)
        return PM_OK;
    for (uint32_t ti = 0; ti < c->run->n_targets; ti++) {
        const struct az_path *p = &c->paths[ti];
        uint32_t *slot = az_map_get(&rl->idx, rl_key(p->group, 0, 0));
        if (slot)
            rl_note(c, &rl->e[*slot], p, 0);
        for (uint32_t i = 0; i < p->n; i++) {
            const struct az_hop *h = az_path_hop(c, p, i);
            slot = az_map_get(&rl->idx, rl_key(p->group, h->ttl, c->routers[h->router].addr));
            if (slot)
                rl_note(c, &rl->e[*slot], p, h->ttl);
        }
    }
    return PM_OK;
}

static uint8_t death_of_code(uint8_t code)
{
    switch (code) {
    case 0: case 6: case 11: return PM_DEATH_NET_UNREACH;
    case 2: case 3: return PM_DEATH_PORT_UNREACH;
    case 8: case 9: case 10: case 13: case 14: case 15: return PM_DEATH_ADMIN_PROHIB;
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

/* The upstream: the last non-target owner before the entry; for paths that
 * never entered, what paths through the last hop used, then watched ASes. */
static void find_upstream(const struct az_ctx *c, const struct az_path *p, uint32_t tas, uint32_t e,
                          struct pm_verdict *v, double *conf)
{
    char a1[160], b[16];
    uint32_t lim = e != AZ_NONE ? e : p->n;
    *conf = 0;
    if (!tas)
        return;
    if (e != AZ_NONE || p->reached_ttl) {
        for (uint32_t i = lim; i-- > 0;) {
            const struct az_router *r = &c->routers[az_path_hop(c, p, i)->router];
            if (r->owner && r->owner != tas) {
                az_set_as(c, &v->upstream, r->owner);
                v->upstream_addr = r->addr;
                *conf = r->conf;
                if (r->inferred && r->owner != r->mapped)
                    az_evidence(v, "Upstream hop %s: %s", pm_addr_str(r->addr, b), r->reason);
                return;
            }
        }
        return;
    }
    if (!p->n)
        return;
    uint32_t lri = az_path_hop(c, p, p->n - 1)->router;
    const struct az_router *last = &c->routers[lri];
    bool same;
    uint32_t cnt, top = az_tally_top(follow_up(c, p, lri, &same), &cnt);
    if (top && top != tas) {
        az_set_as(c, &v->upstream, top);
        *conf = same ? 0.75 : 0.6;
        az_evidence(v, "Working paths%s through %s enter %s via %s: counted as this path's upstream",
                    same ? " of this prefix" : "", pm_addr_str(last->addr, b),
                    az_asname(c, tas)[0] ? az_asname(c, tas) : "the target AS", az_asfmt(c, top, a1, sizeof a1));
        return;
    }
    for (uint32_t i = p->n; i-- > 0;) {
        const struct az_router *r = &c->routers[az_path_hop(c, p, i)->router];
        if (watched(c, r->owner) && r->owner != tas) {
            az_set_as(c, &v->upstream, r->owner);
            v->upstream_addr = r->addr;
            *conf = 0.6;
            return;
        }
    }
    for (uint32_t i = p->n; i-- > 0;) {
        const struct az_router *r = &c->routers[az_path_hop(c, p, i)->router];
        if (r->owner && r->owner != tas) {
            az_set_as(c, &v->upstream, r->owner);
            v->upstream_addr = r->addr;
            *conf = 0.4;
            return;
        }
    }
}

static void blame(const struct az_ctx *c, struct pm_verdict *v, uint32_t asn, double conf)
{
    az_set_as(c, &v->dies_in, asn);
    v->confidence = conf;
}

/* Blame for an unreachable from router R (index ri) with code: its owner, or
 * the target side when R is the upstream's last hop before the target AS. */
static void unreach_blame(const struct az_ctx *c, const struct az_path *p, uint32_t tas, struct pm_verdict *v,
                          const struct az_router *R, uint32_t ri, uint8_t code, bool from_dst)
{
    char b[16], a1[160], a2[160];
    uint32_t who = from_dst ? tas : R->owner;
    double conf = 0.95 * (from_dst ? 1.0 : R->conf);
    bool same;
    const struct az_follow *F = follow_succ(c, p, ri, &same);
    uint32_t cs, S = az_tally_top(&F->succ, &cs);
    bool hands_over = (S == tas && F->succ_adj >= F->succ_gap) || (!S && R->hist == 1);
    if (tas && who != tas && hands_over && (v->kind == PM_DEATH_NET_UNREACH || v->kind == PM_DEATH_HOST_UNREACH)) {
        /* the upstream's border router toward the target lost its route:
         * the far side (border router or announcement) is gone */
        who = tas;
        conf = 0.6;
    }
    blame(c, v, who, conf);
    az_evidence(v, "%s (%s, hop %u) answered %s (ICMP unreachable code %u)%s", pm_addr_str(R->addr, b),
                az_asfmt(c, R->owner, a1, sizeof a1), v->last_ttl, pm_death_name((enum pm_death)v->kind), code,
                v->kind == PM_DEATH_ADMIN_PROHIB ? ": a filter here; compare probe methods to tell a "
                                                   "protocol filter from a dead route" : "");
    if (who != R->owner && who == tas && !from_dst)
        az_evidence(v, "%s is the last hop before %s on %s and its route toward the target is gone: "
                    "the target's border or announcement is gone (or the upstream filtered it there)",
                    pm_addr_str(R->addr, b), az_asfmt(c, tas, a2, sizeof a2), S ? "working paths" : "stored history");
    if (R->inferred && R->owner != R->mapped)
        az_evidence(v, "%s: %s", pm_addr_str(R->addr, b), R->reason);
}

/* Upstream of a path known only by the router that killed its neighbours. */
static void upstream_from(const struct az_ctx *c, const struct az_path *p, uint32_t tas, const struct az_router *U,
                          uint32_t ri, struct pm_verdict *v)
{
    bool same;
    uint32_t top = az_tally_top(follow_up(c, p, ri, &same), NULL);
    if (!top && U->owner != tas)
        top = U->owner;
    if (top && top != tas) {
        az_set_as(c, &v->upstream, top);
        v->upstream_addr = U->addr;
    }
}

static void silent_death(const struct az_ctx *c, const struct az_path *p, uint32_t tas, struct pm_verdict *v,
                         const struct az_rl *rl, const struct pm_target *t)
{
    char b[16], b2[16], a1[160], a2[160];
    v->kind = PM_DEATH_SILENT;
    uint8_t l = 0;
    uint32_t la = 0;
    const struct az_router *L = NULL;
    if (p->n) {
        const struct az_hop *h = az_path_hop(c, p, p->n - 1);
        L = &c->routers[h->router];
        l = h->ttl;
        la = L->addr;
    }
    for (uint8_t ttl = l + 1; ttl && ttl <= PM_TTL_MAX; ttl++) {
        if (p->silent_mask & (1ull << (ttl - 1))) {
            v->first_silent_ttl = ttl;
            break;
        }
    }
    uint32_t *slot = az_map_get(&rl->idx, rl_key(p->group, l, la));
    const struct az_rl_entry *re = slot ? &rl->e[*slot] : NULL;
    uint64_t both = re ? re->te & p->silent_mask : 0;
    if (both) {
        uint8_t m = (uint8_t)(__builtin_ctzll(both) + 1);
        v->kind = PM_DEATH_RATE_LIMITED;
        v->confidence = 0.6;
        az_evidence(v, "Not a death: neighbours in the same prefix%s%s got time-exceeded at hop %u where this "
                    "target's %u probe(s) got nothing - ICMP rate limiting or loss, not a broken route",
                    L ? " sharing hop " : "", L ? pm_addr_str(la, b) : "", m, t->sent[m]);
        return;
    }
    /* every probe that gets as far as a router without a route draws the
     * unreachable, so any silent TTL at or beyond its nearest sighting counts */
    uint64_t un_reach = re && re->un ? ~0ull << __builtin_ctzll(re->un) : 0;
    if (re && (un_reach & p->silent_mask) && re->un_ttl > l) {
        /* the neighbours' unreachable came from the next router; this target's
         * copy was suppressed (routers rate-limit ICMP errors): same death */
        const struct az_router *U = &c->routers[re->un_router];
        v->kind = death_of_code(re->un_code);
        v->last_addr = U->addr;
        v->last_ttl = U->min_ttl && U->min_ttl < re->un_ttl && U->min_ttl > l ? U->min_ttl : re->un_ttl;
        v->last_asn = U->owner;
        /* the path got as far as U (its copy of U's refusal was lost), so it
         * was entering through U's side, not through its last answering hop's */
        upstream_from(c, p, tas, U, re->un_router, v);
        memcpy(v->last_country, U->country, sizeof v->last_country);
        v->first_silent_ttl = 0;
        unreach_blame(c, p, tas, v, U, re->un_router, re->un_code, false);
        v->confidence *= 0.8;
        az_evidence(v, "No reply of its own: %u neighbour(s) in the same prefix%s%s got %s from %s at hop %u; "
                    "this target's copy was rate-limited", re->un_count, L ? " sharing hop " : "",
                    L ? pm_addr_str(la, b) : "", pm_death_name((enum pm_death)v->kind), pm_addr_str(U->addr, b2),
                    re->un_ttl);
        return;
    }
    if (!L) {
        blame(c, v, 0, 0.2);
        az_evidence(v, "No hop answered any probe: the path cannot be placed in a network");
        return;
    }
    az_asfmt(c, L->owner, a1, sizeof a1);
    az_asfmt(c, tas, a2, sizeof a2);
    if (L->owner && L->owner == tas) {
        if (L->next_dst_adj || L->next_dst_gap) {
            blame(c, v, tas, 0.7 * (0.5 + 0.5 * L->conf));
            az_evidence(v, "Silent after %s (%s, hop %u), which other hosts of %s answer behind: "
                        "the path reaches the target network, this host does not answer", pm_addr_str(la, b), a1, l, a2);
        } else {
            blame(c, v, tas, 0.75 * (0.5 + 0.5 * L->conf));
            az_evidence(v, "Silent after %s (%s, hop %u): died inside the target network", pm_addr_str(la, b), a1, l);
        }
        return;
    }
    bool same;
    const struct az_follow *F = follow_succ(c, p, az_path_hop(c, p, p->n - 1)->router, &same);
    uint32_t cs, total = 0, S = az_tally_top(&F->succ, &cs);
    for (int i = 0; i < AZ_TALLY_MAX; i++)
        total += F->succ.cnt[i];
    total += F->succ.overflow;
    if (S) {
        bool adj = F->succ_adj >= F->succ_gap;
        double mixed = (cs < total ? 0.8 : 1.0) * (same ? 1.0 : 0.9);
        if (S == tas) {
            blame(c, v, tas, (adj ? 0.7 : 0.45) * mixed);
            if (adj)
                az_evidence(v, "Silent after %s (%s, hop %u); on working paths the next hop after it is the %s border: "
                            "the border is silent, blamed on %s", pm_addr_str(la, b), a1, l, a2, a2);
            else
                az_evidence(v, "Silent after %s (%s, hop %u); working paths also cross silent hops after it before %s: "
                            "died in that stretch, blamed on %s (it may be the last hops of the upstream)",
                            pm_addr_str(la, b), a1, l, a2, a2);
        } else if (S == L->owner) {
            blame(c, v, S, 0.75 * L->conf * mixed);
            az_evidence(v, "Silent after %s (hop %u); on working paths more hops of %s follow it: died inside %s",
                        pm_addr_str(la, b), l, a1, a1);
        } else {
            char a3[160];
            blame(c, v, S, (adj ? 0.6 : 0.4) * mixed);
            az_evidence(v, "Silent after %s (%s, hop %u); on working paths the next hop is in %s: that hop is silent, "
                        "blamed on %s (the border between the two)", pm_addr_str(la, b), a1, l,
                        az_asfmt(c, S, a3, sizeof a3), a3);
        }
        return;
    }
    if (L->hist == 1 && tas) {
        blame(c, v, tas, 0.6);
        az_evidence(v, "Silent after %s (%s, hop %u); stored history shows it followed by %s while healthy: "
                    "the border is silent, blamed on %s", pm_addr_str(la, b), a1, l, a2, a2);
        return;
    }
    blame(c, v, L->owner, 0.5 * L->conf);
    az_evidence(v, "Silent after %s (%s, hop %u); nothing in this run shows what follows it, so the death is "
                "blamed on the last network that answered (it may be the next network's border)", pm_addr_str(la, b),
                a1, l);
}

void az_verdict(const struct az_ctx *c, uint32_t ti, struct pm_verdict *v, const struct az_rl *rl)
{
    const struct pm_target *t = &c->run->targets[ti];
    const struct az_path *p = &c->paths[ti];
    uint32_t tas = az_tas(c, p);
    char b[16], b2[16], a1[160], a2[160];
    memset(v, 0, sizeof *v);
    v->group = p->group;
    v->reached_ttl = p->reached_ttl;
    const struct az_router *L = p->n ? &c->routers[az_path_hop(c, p, p->n - 1)->router] : NULL;
    if (L) {
        v->last_addr = L->addr;
        v->last_ttl = az_path_hop(c, p, p->n - 1)->ttl;
        /* an unreachable is sent for every probe that reaches the router, so when
         * the first ones were rate-limited it shows up late: its distance is the
         * lowest TTL it answered at in the run, if that fits this path */
        uint8_t prev = p->n > 1 ? az_path_hop(c, p, p->n - 2)->ttl : 0;
        if (az_path_hop(c, p, p->n - 1)->kind == PM_REPLY_UNREACH && L->min_ttl && L->min_ttl < v->last_ttl &&
            L->min_ttl > prev)
            v->last_ttl = L->min_ttl;
        v->last_asn = L->owner;
        memcpy(v->last_country, L->country, sizeof v->last_country);
    }
    uint32_t e = AZ_NONE, mpls_hop = AZ_NONE;
    for (uint32_t i = 0; i < p->n; i++) {
        const struct az_hop *h = az_path_hop(c, p, i);
        const struct az_router *r = &c->routers[h->router];
        if (e == AZ_NONE && tas && r->owner == tas)
            e = i;
        if ((h->mpls || r->mpls) && mpls_hop == AZ_NONE)
            mpls_hop = i;
    }
    if (e != AZ_NONE)
        v->entry_ttl = az_path_hop(c, p, e)->ttl;
    double upconf = 0;

    if (p->reached_ttl) {
        v->status = PM_STATUS_REACHED;
        v->kind = PM_DEATH_NONE;
        find_upstream(c, p, tas, e, v, &upconf);
        az_evidence(v, "Reached: %s answered at hop %u%s%s", pm_addr_str(t->dst, b), p->reached_ttl,
                    v->upstream.asn ? " via " : "", v->upstream.asn ? az_asfmt(c, v->upstream.asn, a1, sizeof a1) : "");
        v->confidence = v->upstream.asn ? 0.6 + 0.35 * upconf : 0.9;
        if (e != AZ_NONE) {
            const struct az_router *er = &c->routers[az_path_hop(c, p, e)->router];
            if (er->inferred && er->owner != er->mapped)
                az_evidence(v, "Border %s: %s", pm_addr_str(er->addr, b), er->reason);
        }
        uint32_t silent = 0;
        uint8_t from = L ? v->last_ttl : 0;
        for (uint8_t ttl = from + 1; ttl < p->reached_ttl; ttl++)
            silent += (p->silent_mask >> (ttl - 1)) & 1;
        if (silent)
            az_evidence(v, "%u silent hop(s) before the target: normal on many paths, not a fault", silent);
    } else {
        v->status = PM_STATUS_DIED;
        find_upstream(c, p, tas, e, v, &upconf);
        uint32_t li = AZ_NONE, lj = find_loop(c, p, &li);
        const struct az_hop *lh = p->n ? az_path_hop(c, p, p->n - 1) : NULL;
        if (lh && lh->kind == PM_REPLY_UNREACH) {
            v->kind = death_of_code(lh->code);
            unreach_blame(c, p, tas, v, L, lh->router, lh->code, L->addr == t->dst);
        } else if (lj != AZ_NONE || t->stop == PM_STOP_LOOP) {
            v->kind = PM_DEATH_LOOP;
            if (lj != AZ_NONE) {
                const struct az_hop *h1 = az_path_hop(c, p, li), *h2 = az_path_hop(c, p, lj);
                const struct az_router *r1 = &c->routers[h1->router];
                const struct az_router *mid = &c->routers[az_path_hop(c, p, li + 1)->router];
                blame(c, v, r1->owner, 0.85 * r1->conf);
                az_evidence(v, "Forwarding loop: %s (%s) at hops %u and %u with %s (%s) between",
                            pm_addr_str(r1->addr, b), az_asfmt(c, r1->owner, a1, sizeof a1), h1->ttl, h2->ttl,
                            pm_addr_str(mid->addr, b2), az_asfmt(c, mid->owner, a2, sizeof a2));
            } else {
                blame(c, v, L ? L->owner : 0, 0.5);
                az_evidence(v, "The trace stopped on a loop (from its stop reason)");
            }
        } else {
            silent_death(c, p, tas, v, rl, t);
        }
        if (L && L->inferred && L->owner != L->mapped && v->kind != PM_DEATH_ADMIN_PROHIB &&
            v->kind < PM_DEATH_LOOP && v->kind != PM_DEATH_NET_UNREACH && v->kind != PM_DEATH_HOST_UNREACH &&
            v->kind != PM_DEATH_PORT_UNREACH)
            az_evidence(v, "Last hop %s: %s", pm_addr_str(L->addr, b), L->reason);
        if (v->kind != PM_DEATH_RATE_LIMITED && v->dies_in.asn && v->upstream.asn &&
            v->dies_in.asn != v->upstream.asn && v->dies_in.asn != tas)
            az_evidence(v, "Died in %s before reaching %s, the upstream used toward the target",
                        az_asfmt(c, v->dies_in.asn, a1, sizeof a1), az_asfmt(c, v->upstream.asn, a2, sizeof a2));
        if (L && L->probes > L->replies && L->replies && v->kind != PM_DEATH_RATE_LIMITED)
            az_evidence(v, "%s answered %u of %u probes across the run: it limits its ICMP rate",
                        pm_addr_str(L->addr, b), L->replies, L->probes);
    }
    if (mpls_hop != AZ_NONE) {
        const struct az_router *r = &c->routers[az_path_hop(c, p, mpls_hop)->router];
        v->mpls = true;
        az_evidence(v, "%s (hop %u) quotes MPLS labels (RFC 4950)%s: hops inside the tunnel belong to %s",
                    pm_addr_str(r->addr, b), az_path_hop(c, p, mpls_hop)->ttl,
                    r->qttl_hint ? " and a quoted TTL > 1, so some hops are hidden" : "",
                    az_asfmt(c, r->owner, a1, sizeof a1));
    }
    if (p->stopset && !p->donor_found)
        az_evidence(v, "Hops below %u were skipped (stop set) and no other target shows them", p->stopset);
    if (v->confidence > 1)
        v->confidence = 1;
    if (v->confidence < 0)
        v->confidence = 0;
}
