/* owners.c - infers who owns each router address from all paths of the run (bdrmap/MAP-IT style rules), plus history facts. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/internal.h"
#include "analyze/rules.h"

static void reason(struct az_router *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reason(struct az_router *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof r->reason, fmt, ap);
    va_end(ap);
}

static bool tally_has(const struct az_tally *t, uint32_t asn)
{
    for (int i = 0; i < AZ_TALLY_MAX; i++)
        if (t->cnt[i] && t->asn[i] == asn)
            return true;
    return false;
}

/* The lowest TTL at which each router is a time-exceeded hop of each /24's paths. */
static int collect_te_first(struct az_ctx *c)
{
    for (uint32_t ti = 0; ti < c->run->n_targets; ti++) {
        const struct az_path *p = &c->paths[ti];
        for (uint32_t i = 0; i < p->n; i++) {
            const struct az_hop *h = az_path_hop(c, p, i);
            if (h->kind != PM_REPLY_TIME_EXCEEDED)
                continue;
            bool created;
            uint32_t *slot = pm_map_put(&c->te_first, (uint64_t)p->group << 32 | h->router, h->ttl, &created);
            if (!slot)
                return PM_ENOMEM;
            if (h->ttl < *slot)
                *slot = h->ttl;
        }
    }
    return PM_OK;
}

bool az_next_out_of_place(const struct az_ctx *c, const struct az_path *p, uint32_t i)
{
    if (i + 1 >= p->n)
        return false;
    const struct az_hop *h = az_path_hop(c, p, i), *nh = az_path_hop(c, p, i + 1);
    if (nh->kind != PM_REPLY_UNREACH || nh->router == h->router)
        return false;
    const uint32_t *first = pm_map_get(&c->te_first, (uint64_t)p->group << 32 | nh->router);
    return first && *first <= h->ttl;
}

/* Neighbour statistics from the dominant hops of every path (naive mapping only,
 * so one inference never feeds another: no cascades along a path). */
static void collect_edges(struct az_ctx *c)
{
    uint32_t T = c->target_asn;
    for (uint32_t ti = 0; ti < c->run->n_targets; ti++) {
        const struct az_path *p = &c->paths[ti];
        for (uint32_t i = 0; i < p->n; i++) {
            const struct az_hop *h = az_path_hop(c, p, i);
            struct az_router *r = &c->routers[h->router];
            r->n_paths++;
            /* a router answering time-exceeded and then unreachable at the next TTL
             * (a filter lets the TTL check run first) is one hop, not its own neighbour */
            if (i > 0 && az_path_hop(c, p, i - 1)->router != h->router) {
                const struct az_hop *ph = az_path_hop(c, p, i - 1);
                const struct az_router *pr = &c->routers[ph->router];
                if (pr->mapped)
                    az_tally_add(&r->prev, pr->mapped);
                if (T && pr->hist == 1 && pr->hist_owner != T && ph->ttl + 1 == h->ttl)
                    r->after_handover++;
            }
            if (i + 1 < p->n && (az_path_hop(c, p, i + 1)->router == h->router || az_next_out_of_place(c, p, i))) {
                /* (a refusal from a router this /24's paths show closer to
                 * the vantage is another flow's, not what follows this hop) */
                continue;
            } else if (i + 1 < p->n) {
                uint32_t nm = c->routers[az_path_hop(c, p, i + 1)->router].mapped;
                if (!nm)
                    continue;
                az_tally_add(&r->next, nm);
                if (T && nm == T)
                    r->next_tmapped++;
                else
                    r->next_other++;
            } else if (p->reached_ttl && T && p->dst_asn && p->dst_asn != T) {
                az_tally_add(&r->next, p->dst_asn);   /* hosts of another AS answer after it */
                r->next_other++;
            } else if (p->reached_ttl) {
                if (p->reached_ttl == h->ttl + 1)
                    r->next_dst_adj++;
                else
                    r->next_dst_gap++;
            } else {
                r->next_none++;
            }
        }
    }
}

/* The reply TTL of the target's own answer at the hop where it was reached (0: unknown). */
static uint8_t reached_reply_ttl(const struct pm_target *t, uint8_t ttl)
{
    for (uint32_t i = 0; i < t->n_replies; i++)
        if (t->replies[i].ttl == ttl && pm_reply_from_target(t, &t->replies[i]))
            return t->replies[i].reply_ttl;
    return 0;
}

/* A target of the target AS's space that answers itself at the hop where
 * the other paths of its /24 show router R (one router there) is an
 * interface of R: a probe that expires at R is answered by R, so an address
 * reached at R's distance is on R. With the same reply TTL (the same router
 * sending over the same return path, Vanaubel et al., IMC 2013) that is
 * evidence R belongs to the target AS, even when its address is the
 * provider's and the hops before it are silent on every side. */
static int collect_aliases(struct az_ctx *c)
{
    uint32_t T = c->target_asn;
    if (!T)
        return PM_OK;
    struct pm_map at = {0};
    int rc = PM_OK;
    for (uint32_t ti = 0; ti < c->run->n_targets && rc == PM_OK; ti++) {
        const struct az_path *p = &c->paths[ti];
        for (uint32_t i = 0; i < p->n; i++) {
            const struct az_hop *h = az_path_hop(c, p, i);
            bool created;
            uint32_t *slot = pm_map_put(&at, (uint64_t)p->group << 8 | h->ttl, h->router, &created);
            if (!slot) {
                rc = PM_ENOMEM;
                break;
            }
            if (!created && *slot != h->router)
                *slot = AZ_NONE;   /* several routers at that hop (ECMP): no alias */
        }
    }
    for (uint32_t ti = 0; ti < c->run->n_targets && rc == PM_OK; ti++) {
        const struct az_path *p = &c->paths[ti];
        const struct pm_target *t = &c->run->targets[ti];
        if (!p->reached_ttl || p->dst_asn != T)
            continue;
        uint32_t *slot = pm_map_get(&at, (uint64_t)p->group << 8 | p->reached_ttl);
        if (!slot || *slot == AZ_NONE)
            continue;
        struct az_router *r = &c->routers[*slot];
        uint8_t rt = reached_reply_ttl(t, p->reached_ttl);
        if (r->mapped == T || (rt && r->rttl_min && (rt < r->rttl_min || rt > r->rttl_max)))
            continue;
        if (!r->t_alias++)
            r->t_alias_addr = t->dst;
    }
    pm_map_free(&at);
    return rc;
}

static void apply_history(struct az_ctx *c)
{
    const struct pm_analyze_opts *o = c->opts;
    if (!o || !o->history)
        return;
    for (uint32_t i = 0; i < o->n_history; i++) {
        uint32_t *ri = pm_map_get(&c->router_idx, o->history[i].addr);
        if (!ri)
            continue;
        struct az_router *r = &c->routers[*ri];
        r->hist = o->history[i].followed_by_target ? 1 : 0;
        r->hist_owner = o->history[i].owner_asn;
    }
}

static void infer_one(struct az_ctx *c, struct az_router *r)
{
    uint32_t T = c->target_asn, M = r->mapped;
    struct az_asbuf mb, tb, ab;
    const char *ma = az_asfmt(c, M, &mb), *ta = az_asfmt(c, T, &tb);
    bool weak = false;  /* naive or inherited: history may override */
    r->inferred = true;
    if (T && M == T) {
        r->owner = T;
        r->conf = AZ_OWN_MAPPED_TARGET;
        r->inferred = false;
        reason(r, "address in %s space", ta);
        return;
    }
    if (M && M == c->source_asn && M != T && r->min_ttl == 1) {
        /* the vantage's own gateway: whatever answers behind it, it is the
         * vantage's network (a one-hop lab or a vantage inside the target's
         * provider would otherwise make it the target's border) */
        r->owner = M;
        r->conf = AZ_OWN_VANTAGE;
        r->inferred = false;
        reason(r, "the first hop, in %s space like the vantage's own address", ma);
        return;
    }
    uint32_t npre = az_tally_distinct(&r->prev, T, 0);
    bool t_follow = r->next_dst_adj + r->next_dst_gap + r->next_tmapped > 0 || r->hist == 1;
    if (T && npre >= 2 && r->next_other == 0 && (t_follow || (M && tally_has(&r->prev, M)))) {
        uint32_t x, y;
        az_tally_two(&r->prev, T, &x, &y);
        r->owner = T;
        r->conf = AZ_OWN_CONVERGE;
        reason(r, "answers from %s but follows both AS%u and AS%u with only AS%u (or nothing) after it: "
               "the AS%u border (third-party or provider-numbered address)",
               M ? ma : "unmapped space", x, y, T, T);
        return;
    }
    if (T && r->next_dst_adj > 0 && r->next_other == 0 && r->next_tmapped == 0 && r->next_dst_gap == 0) {
        r->owner = T;
        r->conf = r->hist == 1 ? AZ_OWN_DST_NEXT_HIST : AZ_OWN_DST_NEXT;
        reason(r, "answers from %s but only AS%u hosts answer right after it (%u paths): "
               "the AS%u border (interconnect numbered by the provider)",
               M ? ma : "unmapped space", T, r->next_dst_adj, T);
        return;
    }
    if (T && r->hist_owner == T && r->hist == 1) {
        r->owner = T;
        r->conf = AZ_OWN_HISTORY;
        reason(r, "stored history: owned by %s and followed by it while healthy", ta);
        return;
    }
    if (T && r->after_handover && r->next_other == 0) {
        r->owner = T;
        r->conf = AZ_OWN_AFTER_HANDOVER;
        reason(r, "right after a router that handed over to AS%u on earlier healthy runs (stored history), "
               "with no other network after it: the AS%u border", T, T);
        return;
    }
    if (T && r->t_alias && r->next_other == 0 && r->next_tmapped == 0) {
        /* not when a router of the target's space follows it: then it is the
         * upstream's border with an interface numbered from the target's side */
        char ab2[16];
        pm_addr_str(r->t_alias_addr, ab2);
        r->owner = T;
        r->conf = AZ_OWN_TARGET_ALIAS;
        reason(r, "answers from %s but %s (%s space) answers itself at its hop on its /24's paths%s, and no "
               "other network's router follows it: one router, the AS%u border",
               M ? ma : "unmapped space", ab2, ta, r->rttl_min ? " with the same reply TTL" : "", T);
        return;
    }
    uint32_t ptop = az_tally_top(&r->prev, NULL), ntop = az_tally_top(&r->next, NULL);
    if (M && r->next_other > 0 && az_tally_distinct(&r->prev, 0, 0) == 1 && az_tally_distinct(&r->next, 0, 0) == 1 &&
        ptop == ntop && ptop != M) {
        r->owner = ptop;
        r->conf = AZ_OWN_THIRD_PARTY;
        reason(r, "answers from %s between hops of AS%u on every path: a third-party address, counted as %s",
               ma, ptop, az_asfmt(c, ptop, &ab));
        return;
    }
    if (!M) {
        weak = true;
        const char *what = r->ixp ? "an IXP address" : r->special ? "a special-use address" : "an address with no ASN";
        uint32_t pick = 0;
        double conf = AZ_OWN_INHERIT;
        if (r->ixp && ntop) {
            pick = ntop;   /* an IXP LAN address is the far-side router's ingress */
            conf = AZ_OWN_INHERIT_BOTH;
        } else if (ptop && ptop == ntop) {
            pick = ptop;
            conf = AZ_OWN_INHERIT_BOTH;
        } else if (ptop) {
            pick = ptop;
        } else if (ntop) {
            pick = ntop;
        }
        r->owner = pick;
        r->conf = pick ? conf : 0.0;
        if (pick)
            reason(r, "%s%s: inherits %s from its neighbours", what, r->mpls ? " inside an MPLS tunnel" : "",
                   az_asfmt(c, pick, &ab));
        else
            reason(r, "%s and no mapped neighbour: owner unknown", what);
    } else {
        weak = true;
        r->owner = M;
        bool consistent = tally_has(&r->prev, M) || tally_has(&r->next, M);
        r->conf = consistent ? AZ_OWN_MAPPED_CONSISTENT : AZ_OWN_MAPPED;
        r->inferred = false;
        reason(r, "address in %s space%s", ma, consistent ? " next to other hops of it" : "");
    }
    if (weak && r->hist_owner && r->hist_owner != r->owner) {
        r->owner = r->hist_owner;
        r->conf = AZ_OWN_HISTORY_OVERRIDE;
        r->inferred = true;
        reason(r, "stored history: owned by %s (the address is in %s)", az_asfmt(c, r->hist_owner, &ab),
               M ? ma : "no mapped space");
    }
}

int az_infer_owners(struct az_ctx *c)
{
    apply_history(c);
    int rc = collect_te_first(c);
    if (rc != PM_OK)
        return rc;
    collect_edges(c);
    rc = collect_aliases(c);
    if (rc != PM_OK)
        return rc;
    for (uint32_t i = 0; i < c->n_routers; i++)
        infer_one(c, &c->routers[i]);
    return PM_OK;
}

const struct az_follow *az_follow_group(const struct az_ctx *c, uint32_t ri, uint32_t g)
{
    uint32_t *i = pm_map_get(&c->follow_idx, ((uint64_t)ri << 32) | g);
    return i ? &c->follows[*i] : NULL;
}

static void follow_add(struct az_follow *f, uint32_t up, uint32_t so, bool adj, uint8_t dist)
{
    if (dist) {
        f->dst_last++;
        if (!f->dst_dist || dist < f->dst_dist)
            f->dst_dist = dist;
    }
    if (up)
        az_tally_add(&f->up, up);
    if (!so)
        return;
    az_tally_add(&f->succ, so);
    if (adj)
        f->succ_adj++;
    else
        f->succ_gap++;
}

/* Registers (last hop, group) of every path that did not reach its target. */
static int follow_keys(struct az_ctx *c)
{
    for (uint32_t ti = 0; ti < c->run->n_targets; ti++) {
        const struct az_path *p = &c->paths[ti];
        if (p->reached_ttl || !p->n)
            continue;
        uint64_t key = ((uint64_t)az_path_hop(c, p, p->n - 1)->router << 32) | p->group;
        if (!pm_map_put(&c->follow_idx, key, c->follow_idx.n, NULL))
            return PM_ENOMEM;
    }
    c->n_follows = c->follow_idx.n;
    c->follows = calloc(c->n_follows ? c->n_follows : 1, sizeof *c->follows);
    return c->follows ? PM_OK : PM_ENOMEM;
}

/* With owners known: the upstream each entering path used, tallied on the
 * routers before its entry, and what (by owner) follows each router. */
static uint32_t entry_of(const struct az_ctx *c, const struct az_path *p, uint32_t tas)
{
    for (uint32_t i = 0; i < p->n && tas; i++)
        if (c->routers[az_path_hop(c, p, i)->router].owner == tas)
            return i;
    return AZ_NONE;
}

/* Transit ASes and the routers each /24 shows per TTL, for az_path_upstream. */
static int upstream_tables(struct az_ctx *c)
{
    for (uint32_t ti = 0; ti < c->run->n_targets; ti++) {
        const struct az_path *p = &c->paths[ti];
        uint32_t tas = az_tas(c, p);
        for (uint32_t i = 0; i < p->n; i++) {
            const struct az_hop *h = az_path_hop(c, p, i);
            bool created;
            uint32_t *slot = pm_map_put(&c->at_ttl, (uint64_t)p->group << 8 | h->ttl, h->router, &created);
            if (!slot)
                return PM_ENOMEM;
            if (!created && *slot != h->router)
                *slot = AZ_NONE;   /* several routers there (ECMP): no fill-in */
        }
        uint32_t e = entry_of(c, p, tas);
        if (!tas || (e == AZ_NONE && !p->reached_ttl))
            continue;
        /* from the entry backward: an AS with another non-target AS after it is a transit */
        uint32_t later1 = 0, later2 = 0;
        for (uint32_t i = e != AZ_NONE ? e : p->n; i-- > 0;) {
            uint32_t o = c->routers[az_path_hop(c, p, i)->router].owner;
            if (!o || o == tas)
                continue;
            if ((later1 && later1 != o) || (later2 && later2 != o))
                if (!pm_map_put(&c->transit, o, 1, NULL))
                    return PM_ENOMEM;
            if (!later1)
                later1 = o;
            else if (o != later1 && !later2)
                later2 = o;
        }
    }
    return PM_OK;
}

bool az_transit(const struct az_ctx *c, uint32_t asn)
{
    if (!asn)
        return false;
    if (pm_map_get(&c->transit, asn))
        return true;
    const struct pm_analyze_opts *o = c->opts;
    if (!o || !o->n_watched)
        return false;
    for (uint32_t i = 0; i < o->n_watched && i < 8; i++)
        if (o->watched[i] == asn)
            return false;
    return true;
}

uint32_t az_path_upstream(const struct az_ctx *c, const struct az_path *p, uint32_t e, uint32_t *ri)
{
    uint32_t tas = az_tas(c, p), lim = e != AZ_NONE ? e : p->n;
    *ri = AZ_NONE;
    for (uint32_t i = lim; i-- > 0;) {
        const struct az_hop *h = az_path_hop(c, p, i);
        uint32_t o = c->routers[h->router].owner;
        if (!o || o == tas)
            continue;
        uint8_t next = i + 1 < p->n ? az_path_hop(c, p, i + 1)->ttl : p->reached_ttl;
        if (!next || next <= h->ttl + 1 || !az_transit(c, o)) {
            *ri = h->router;
            return o;
        }
        /* silent hops between a transit and the entry: what the /24 shows there */
        for (uint8_t t = (uint8_t)(next - 1); t > h->ttl; t--) {
            uint32_t *r = pm_map_get(&c->at_ttl, (uint64_t)p->group << 8 | t);
            if (!r || *r == AZ_NONE)
                continue;
            uint32_t fo = c->routers[*r].owner;
            if (!fo || fo == tas)
                continue;
            /* the same rule for the filled-in hop: a transit is the upstream
             * only right before the entry (this path's own first hops can be
             * the silent ones, with the transit router at one of them) */
            if (az_transit(c, fo) && t + 1 < next)
                return 0;
            *ri = *r;
            return fo;
        }
        return 0;
    }
    return 0;
}

int az_path_tallies(struct az_ctx *c)
{
    int rc = follow_keys(c);
    if (rc == PM_OK)
        rc = upstream_tables(c);
    if (rc != PM_OK)
        return rc;
    for (uint32_t ti = 0; ti < c->run->n_targets; ti++) {
        const struct az_path *p = &c->paths[ti];
        uint32_t tas = az_tas(c, p);
        uint32_t e = entry_of(c, p, tas), ri;
        uint32_t up = 0, lim = e != AZ_NONE ? e : p->n;
        if (tas && (e != AZ_NONE || p->reached_ttl))
            up = az_path_upstream(c, p, e, &ri);
        for (uint32_t i = 0; i < p->n; i++) {
            const struct az_hop *h = az_path_hop(c, p, i);
            struct az_router *r = &c->routers[h->router];
            uint32_t so = 0;
            bool adj = false;
            if (i + 1 < p->n) {
                const struct az_hop *nh = az_path_hop(c, p, i + 1);
                so = nh->router == h->router || az_next_out_of_place(c, p, i) ? 0 : c->routers[nh->router].owner;
                adj = nh->ttl == h->ttl + 1;
                if (so && adj && r->succ_router != nh->router + 1) {
                    r->succ_several |= r->succ_router != 0;
                    r->succ_router = nh->router + 1;
                }
            } else if (p->reached_ttl) {
                so = tas;
                adj = p->reached_ttl == h->ttl + 1;
            }
            uint32_t u = up && i < lim ? up : 0;
            /* a hop of a reached path, and how far the target is behind it */
            uint8_t dist = p->reached_ttl && p->reached_ttl > h->ttl ? p->reached_ttl - h->ttl : 0;
            if (i + 1 == p->n && h->kind == PM_REPLY_UNREACH && az_host_code(h->code))
                r->host_refused++;
            follow_add(&r->all, u, so, adj, dist);
            uint32_t *fi = c->n_follows ? pm_map_get(&c->follow_idx, ((uint64_t)h->router << 32) | p->group) : NULL;
            if (fi)
                follow_add(&c->follows[*fi], u, so, adj, dist);
        }
    }
    return PM_OK;
}
