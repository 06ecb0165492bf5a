/* paths.c - turns each target's replies into a path of dominant responders, fills stop-set hops from donors, groups targets by prefix. */
#include <stdlib.h>
#include <string.h>

#include "analyze/internal.h"
#include "util/grow.h"

/* Replies examined per TTL when picking the dominant responder (bounds the pairwise count). */
#define AZ_HOP_SCAN 32

void az_lookup(struct az_ctx *c, uint32_t addr, struct pm_geo_info *gi)
{
    memset(gi, 0, sizeof *gi);
    if (!c->lookup)
        return;
    c->lookup(c->lookup_ctx, addr, gi);
    /* the callback is outside our control: terminate every string */
    gi->as_name[sizeof gi->as_name - 1] = '\0';
    gi->country[sizeof gi->country - 1] = '\0';
    gi->city[sizeof gi->city - 1] = '\0';
    gi->special_name[sizeof gi->special_name - 1] = '\0';
    if (gi->asn_prefix_len > 32)
        gi->asn_prefix_len = 0;
}

int az_note_asname(struct az_ctx *c, uint32_t asn, const char *name)
{
    if (!asn)
        return PM_OK;
    bool created;
    uint32_t *slot = pm_map_put(&c->asname_idx, asn, c->n_asnames, &created);
    if (!slot)
        return PM_ENOMEM;
    if (!created) {
        struct az_asname *e = &c->asnames[*slot];
        if (!e->name[0] && name && name[0])
            snprintf(e->name, sizeof e->name, "%s", name);
        return PM_OK;
    }
    int rc = PM_GROW(c->asnames, c->cap_asnames, (size_t)c->n_asnames + 1, 64, PM_MAP_MAX);
    if (rc != PM_OK)
        return rc;
    struct az_asname *e = &c->asnames[c->n_asnames++];
    e->asn = asn;
    snprintf(e->name, sizeof e->name, "%s", name ? name : "");
    return PM_OK;
}

const char *az_asname(const struct az_ctx *c, uint32_t asn)
{
    uint32_t *i = pm_map_get(&c->asname_idx, asn);
    return i ? c->asnames[*i].name : "";
}

static uint32_t router_get(struct az_ctx *c, uint32_t addr)
{
    bool created;
    uint32_t *slot = pm_map_put(&c->router_idx, addr, c->n_routers, &created);
    if (!slot)
        return AZ_NONE;
    if (!created)
        return *slot;
    if (PM_GROW(c->routers, c->cap_routers, (size_t)c->n_routers + 1, 256, PM_MAP_MAX) != PM_OK)
        return AZ_NONE;
    struct az_router *r = &c->routers[c->n_routers];
    memset(r, 0, sizeof *r);
    r->addr = addr;
    r->hist = -1;
    struct pm_geo_info gi;
    az_lookup(c, addr, &gi);
    r->mapped = gi.asn;
    memcpy(r->country, gi.country, sizeof r->country);
    r->special = gi.special;
    r->ixp = strstr(gi.special_name, "IXP") != NULL;
    if (az_note_asname(c, gi.asn, gi.as_name) != PM_OK)
        return AZ_NONE;
    return c->n_routers++;
}

static uint32_t group_get(struct az_ctx *c, uint32_t dst, uint8_t plen)
{
    /* per /24, or per announced prefix when asked and shorter than /24 */
    bool announced = c->opts && c->opts->group_announced;
    uint8_t len = (!announced || plen == 0 || plen >= 24) ? 24 : plen;
    uint32_t prefix = dst & (uint32_t)(0xffffffffull << (32 - len));
    bool created;
    uint32_t *slot = pm_map_put(&c->group_idx, ((uint64_t)prefix << 8) | len, c->n_groups, &created);
    if (!slot)
        return AZ_NONE;
    if (!created)
        return *slot;
    if (PM_GROW(c->groups, c->cap_groups, (size_t)c->n_groups + 1, 16, PM_MAP_MAX) != PM_OK)
        return AZ_NONE;
    c->groups[c->n_groups].prefix = prefix;
    c->groups[c->n_groups].len = len;
    return c->n_groups++;
}

/* Dominant responder at each TTL of one target, from its own replies. */
static int own_hops(struct az_ctx *c, uint32_t ti, struct az_hop *out, uint32_t *n_out)
{
    const struct pm_target *t = &c->run->targets[ti];
    struct az_path *p = &c->paths[ti];
    uint32_t n = 0;
    uint8_t top = t->max_ttl_sent;
    if (t->n_replies && t->replies[t->n_replies - 1].ttl > top)
        top = t->replies[t->n_replies - 1].ttl;
    if (top > PM_TTL_MAX)
        top = PM_TTL_MAX;
    for (uint32_t i = 0; i < t->n_replies; i++) {
        const struct pm_reply *r = &t->replies[i];
        if (r->ttl && r->ttl <= PM_TTL_MAX && pm_reply_from_target(t, r) &&
            (!p->reached_ttl || r->ttl < p->reached_ttl))
            p->reached_ttl = r->ttl;
    }
    for (uint8_t ttl = 1; ttl <= top && ttl > 0; ttl++) {
        if (p->reached_ttl && ttl >= p->reached_ttl)
            break;
        const struct pm_reply *r;
        uint32_t k = pm_target_hop(t, ttl, &r);
        if (!k) {
            if (t->sent[ttl])
                p->silent_mask |= 1ull << (ttl - 1);
            continue;
        }
        /* dominant address: the most replies at this TTL (classic ECMP mixes several) */
        uint32_t best = AZ_NONE, bestn = 0;
        if (k > AZ_HOP_SCAN)
            k = AZ_HOP_SCAN;  /* more replies than queries at one TTL: the first ones decide */
        for (uint32_t i = 0; i < k; i++) {
            if (pm_reply_from_target(t, &r[i]) || r[i].from == 0)
                continue;
            uint32_t cnt = 0;
            for (uint32_t j = 0; j < k; j++)
                cnt += r[j].from == r[i].from && !pm_reply_from_target(t, &r[j]);
            if (cnt > bestn) {
                bestn = cnt;
                best = i;
            }
        }
        if (best == AZ_NONE)
            continue;
        for (uint32_t i = 0; i < k; i++)
            if (r[i].kind == PM_REPLY_TIME_EXCEEDED && r[i].from && !pm_reply_from_target(t, &r[i]))
                p->te_mask |= 1ull << (ttl - 1);
        if (r[best].kind == PM_REPLY_UNREACH)
            p->un_mask |= 1ull << (ttl - 1);
        uint32_t ri = router_get(c, r[best].from);
        if (ri == AZ_NONE)
            return PM_ENOMEM;
        struct az_hop *h = &out[n++];
        memset(h, 0, sizeof *h);
        h->router = ri;
        h->ttl = ttl;
        h->kind = r[best].kind;
        h->code = r[best].icmp_code;
        h->n_reply = bestn > 255 ? 255 : (uint8_t)bestn;
        h->n_sent = t->sent[ttl];
        h->mpls = r[best].mpls != 0; /* a stored stack has at least one label */
        /* an unreachable ends the path: what follows it is noise */
        if (h->kind == PM_REPLY_UNREACH)
            break;
    }
    *n_out = n;
    return PM_OK;
}

/* Hops a reply travelled back, from its IP TTL and the usual initial TTLs
 * (64 for Linux, 255 for most routers' ICMP): its sender's distance on a
 * symmetric path (0: no TTL recorded). */
static uint8_t hops_back(uint8_t reply_ttl)
{
    static const uint16_t inits[] = {32, 64, 128, 255};
    for (size_t i = 0; reply_ttl && i < sizeof inits / sizeof inits[0]; i++)
        if (reply_ttl <= inits[i])
            return (uint8_t)(inits[i] - reply_ttl + 1);
    return 0;
}

/* Counts replies, probes, MPLS and quoted-TTL hints into router records; once per target. */
static int count_stats(struct az_ctx *c, uint32_t ti)
{
    const struct pm_target *t = &c->run->targets[ti];
    for (uint32_t i = 0; i < t->n_replies; i++) {
        const struct pm_reply *r = &t->replies[i];
        if (pm_reply_from_target(t, r) || r->from == 0)
            continue;
        uint32_t ri = router_get(c, r->from);
        if (ri == AZ_NONE)
            return PM_ENOMEM;
        struct az_router *rt = &c->routers[ri];
        rt->replies++;
        if (r->mpls)
            rt->mpls++;
        if (r->kind == PM_REPLY_TIME_EXCEEDED && r->quoted_ttl > 1)
            rt->qttl_hint++;
        if (r->ttl && (!rt->min_ttl || r->ttl < rt->min_ttl))
            rt->min_ttl = r->ttl;
        if (r->kind == PM_REPLY_TIME_EXCEEDED && r->ttl && (!rt->te_min || r->ttl < rt->te_min))
            rt->te_min = r->ttl;
        uint8_t back = r->kind == PM_REPLY_UNREACH ? hops_back(r->reply_ttl) : 0;
        if (back && back <= PM_TTL_MAX && (!rt->dist_hint || back < rt->dist_hint))
            rt->dist_hint = back;
        if (r->reply_ttl && (!rt->rttl_min || r->reply_ttl < rt->rttl_min))
            rt->rttl_min = r->reply_ttl;
        if (r->reply_ttl > rt->rttl_max)
            rt->rttl_max = r->reply_ttl;
    }
    const struct az_path *p = &c->paths[ti];
    for (uint32_t i = 0; i < p->n; i++) {
        const struct az_hop *h = az_path_hop(c, p, i);
        if (!h->borrowed)
            c->routers[h->router].probes += h->n_sent ? h->n_sent : h->n_reply;
    }
    return PM_OK;
}

static int append(struct az_ctx *c, uint32_t ti, const struct az_hop *h, uint32_t n)
{
    /* cap: at most PM_TTL_MAX hops per target, targets capped by the trace model */
    int rc = PM_GROW(c->hops, c->cap_hops, (size_t)c->n_hops + n, 1024, (size_t)PM_TRACE_MAX_TARGETS * PM_TTL_MAX);
    if (rc != PM_OK)
        return rc;
    c->paths[ti].first = c->n_hops;
    c->paths[ti].n = n;
    if (!n)
        return PM_OK;   /* no hop answered: nothing to copy (hops may still be NULL) */
    memcpy(&c->hops[c->n_hops], h, (size_t)n * sizeof *h);
    c->n_hops += n;
    return PM_OK;
}

/* Donor key: (target /24, ttl, router). Hops are borrowed within one /24
 * only, as the engine's stop set shares them: routing is per destination
 * prefix, and two /24s can reach one border router over different upstreams. */
static uint64_t donor_key(uint32_t dst, uint8_t ttl, uint32_t addr)
{
    return (uint64_t)(dst >> 8) << 38 | (uint64_t)((ttl - 1u) & 63u) << 32 | addr;
}

/* The /24's reference path: the first target of the /24 whose path starts at
 * the run's first hops (TTL 64 with address 0 is never a real hop). */
static uint64_t reference_key(uint32_t dst)
{
    return donor_key(dst, 64, 0);
}

/* Registers (/24, ttl, addr) -> target so stop-set targets can borrow the hops below. */
static int register_donor(struct az_ctx *c, struct pm_map *donors, uint32_t ti)
{
    const struct az_path *p = &c->paths[ti];
    uint32_t dst = c->run->targets[ti].dst;
    uint8_t first = c->run->first_ttl ? c->run->first_ttl : 1;
    if (p->n && az_path_hop(c, p, 0)->ttl <= first && !pm_map_put(donors, reference_key(dst), ti, NULL))
        return PM_ENOMEM;
    for (uint32_t i = 0; i < p->n; i++) {
        const struct az_hop *h = az_path_hop(c, p, i);
        uint64_t key = donor_key(dst, h->ttl, c->routers[h->router].addr);
        if (!pm_map_put(donors, key, ti, NULL))
            return PM_ENOMEM;
    }
    return PM_OK;
}

/* Builds the path of a stop-set target if a donor is known (or force). 1: done. */
static int fill_stopset(struct az_ctx *c, struct pm_map *donors, uint32_t ti, bool force)
{
    struct az_hop own[PM_TTL_MAX + 1], merged[PM_TTL_MAX + 1];
    uint32_t n_own = 0, n = 0;
    struct az_path *p = &c->paths[ti];
    const struct pm_target *t = &c->run->targets[ti];
    p->reached_ttl = 0;
    p->silent_mask = p->te_mask = p->un_mask = 0;
    int rc = own_hops(c, ti, own, &n_own);
    if (rc != PM_OK)
        return rc;
    uint32_t donor = AZ_NONE;
    for (uint32_t i = 0; i < n_own; i++) {
        if (own[i].ttl != p->stopset)
            continue;
        uint32_t *d = pm_map_get(donors, donor_key(t->dst, own[i].ttl, c->routers[own[i].router].addr));
        if (d)
            donor = *d;
    }
    if (donor == AZ_NONE && !force)
        return 0;
    if (donor == AZ_NONE && (!n_own || own[0].ttl != p->stopset)) {
        /* its own hop at the stop set stayed silent (rate limiting, or the
         * path dies right there): the hops below, which the engine did not
         * probe again because the /24's other targets showed them, are that
         * /24's; per-prefix routing makes them this target's too */
        uint32_t *d = pm_map_get(donors, reference_key(t->dst));
        if (d)
            donor = *d;
    }
    if (donor != AZ_NONE) {
        const struct az_path *dp = &c->paths[donor];
        uint8_t lim = n_own ? own[0].ttl : p->stopset;
        for (uint32_t i = 0; i < dp->n; i++) {
            struct az_hop h = *az_path_hop(c, dp, i);
            if (h.ttl >= lim || h.ttl >= p->stopset)
                break;
            h.borrowed = true;
            merged[n++] = h;
        }
        p->donor_found = true;
    }
    for (uint32_t i = 0; i < n_own; i++)
        merged[n++] = own[i];
    rc = append(c, ti, merged, n);
    if (rc == PM_OK)
        rc = count_stats(c, ti);
    return rc != PM_OK ? rc : 1;
}

/* The stop-set TTL, also when the model does not carry it (a run rebuilt from
 * a pcap): a target whose lowest probed TTL is above the run's first TTL was
 * probed backward down to a hop already known, so the live run and the pcap
 * give the same paths. */
static uint8_t effective_stopset(const struct pm_run *run, const struct pm_target *t)
{
    if (t->stopset_ttl)
        return t->stopset_ttl;
    uint8_t first = run->first_ttl ? run->first_ttl : 1;
    uint8_t low = pm_target_first_sent(t);
    return low > first ? low : 0;
}

int az_build_paths(struct az_ctx *c)
{
    const struct pm_run *run = c->run;
    struct pm_map donors = {0};
    uint8_t *pending = calloc(run->n_targets ? run->n_targets : 1, 1);
    if (!pending)
        return pm_err(c->errbuf, PM_ENOMEM, "analyze: out of memory");
    int rc = PM_OK;
    for (uint32_t ti = 0; ti < run->n_targets && rc == PM_OK; ti++) {
        const struct pm_target *t = &run->targets[ti];
        struct az_path *p = &c->paths[ti];
        struct pm_geo_info gi;
        az_lookup(c, t->dst, &gi);
        p->dst_asn = gi.asn;
        p->stopset = effective_stopset(run, t);
        p->group = group_get(c, t->dst, gi.asn_prefix_len);
        if (p->group == AZ_NONE || az_note_asname(c, gi.asn, gi.as_name) != PM_OK) {
            rc = PM_ENOMEM;
            break;
        }
        if (p->stopset) {
            pending[ti] = 1;
            continue;
        }
        struct az_hop own[PM_TTL_MAX + 1];
        uint32_t n = 0;
        rc = own_hops(c, ti, own, &n);
        if (rc == PM_OK)
            rc = append(c, ti, own, n);
        if (rc == PM_OK)
            rc = count_stats(c, ti);
        if (rc == PM_OK)
            rc = register_donor(c, &donors, ti);
    }
    /* stop-set targets: a few rounds let chains of donors resolve; then give up */
    for (int round = 0; round < 4 && rc == PM_OK; round++) {
        bool last = round == 3, progress = false;
        for (uint32_t ti = 0; ti < run->n_targets && rc == PM_OK; ti++) {
            if (!pending[ti])
                continue;
            int done = fill_stopset(c, &donors, ti, last);
            if (done < 0) {
                rc = done;
                break;
            }
            if (done) {
                pending[ti] = 0;
                progress = true;
                rc = register_donor(c, &donors, ti);
            }
        }
        if (!progress && !last)
            round = 2; /* nothing new to borrow from: go to the forced round */
    }
    pm_map_free(&donors);
    free(pending);
    if (rc != PM_OK)
        return pm_err(c->errbuf, rc, "analyze: %s while building paths", pm_strerror(rc));
    return PM_OK;
}
