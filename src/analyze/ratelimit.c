/* ratelimit.c - per (prefix, last hop) of silent deaths: what neighbours sharing that hop got beyond it (time-exceeded, unreachables). */
#include <stdlib.h>
#include <string.h>

#include "analyze/internal.h"
#include "analyze/rules.h"
#include "util/grow.h"

static uint64_t rl_key(uint32_t group, uint8_t ttl, uint32_t addr)
{
    return (((uint64_t)group * (PM_TTL_MAX + 1) + ttl) << 32) | addr;
}

static uint64_t above(uint8_t ttl)
{
    return ttl >= 64 ? 0 : ~0ull << ttl;   /* bits of TTLs > ttl (bit ttl-1 is ttl) */
}

/* A path that ended in silence (not an unreachable) without reaching its target. */
static bool silent_end(const struct az_ctx *c, const struct az_path *p)
{
    if (p->reached_ttl)
        return false;
    return !p->n || az_path_hop(c, p, p->n - 1)->kind != PM_REPLY_UNREACH;
}

void az_rl_free(struct az_rl *rl)
{
    pm_map_free(&rl->idx);
    free(rl->e);
    free(rl->group_targets);
    free(rl->died_at);
    free(rl->fault_kind);
    free(rl->group_refused);
    free(rl->half_probed);
    memset(rl, 0, sizeof *rl);
}

const struct az_rl_entry *az_rl_find(const struct az_rl *rl, uint32_t group, uint8_t ttl, uint32_t addr)
{
    uint32_t *slot = pm_map_get(&rl->idx, rl_key(group, ttl, addr));
    return slot ? &rl->e[*slot] : NULL;
}

const struct az_rl_entry *az_rl_group_refused(const struct az_rl *rl, uint32_t group)
{
    return rl->group_refused ? &rl->group_refused[group] : NULL;
}

/* Path u (group g) ends in the target network's own "no such host". */
static void note_group_refusal(const struct az_ctx *c, struct az_rl_entry *e, const struct az_path *u)
{
    if (!u->n || u->reached_ttl)
        return;
    const struct az_hop *h = az_path_hop(c, u, u->n - 1);
    uint32_t tas = az_tas(c, u);
    if (h->kind != PM_REPLY_UNREACH || !tas || c->routers[h->router].owner != tas || h->ttl > 64 ||
        !az_host_code(h->code))
        return;
    if (!e->un_count || h->ttl < e->un_ttl) {
        e->un_router = h->router;
        e->un_ttl = h->ttl;
        e->un_code = h->code;
    }
    e->un |= 1ull << (h->ttl - 1);
    e->un_count++;
}

bool az_rl_structural(const struct az_rl *rl, const struct az_rl_entry *e, uint32_t group, uint32_t dst,
                      uint64_t silent_mask)
{
    if (!e || !e->n_on)
        return false;
    unsigned half = (dst & 0xff) >> 7;  /* words 0-1: .0-.127, 2-3: .128-.255 */
    if (rl->half_probed && e->half_n[half] < AZ_RL_STRUCT_HALF_SHARE * rl->half_probed[2 * (size_t)group + half])
        return false;
    if (e->on[2 * half] || e->on[2 * half + 1])
        return false;
    unsigned other = !half;
    if (!e->half_on[other] || e->half_on[other] < AZ_RL_STRUCT_SHARE * e->half_n[other])
        return false;
    /* a lost route silences the probes that the routers before the loss
     * answer for the other half: a half that is only dark (no live host, the
     * target network's host-unreachables rate limited away) is silent only
     * where the target network itself answers the other half, whose live
     * hosts get its time-exceeded and whose dark addresses get its limited
     * host-unreachables at the same TTL */
    return (e->te_out & silent_mask) != 0;
}

/* Neighbour u of a key at hop l contributes what it got beyond l. */
static void rl_note(const struct az_ctx *c, struct az_rl_entry *e, const struct az_path *u, uint8_t l, uint32_t dst)
{
    e->te |= u->te_mask & above(l);
    uint32_t tas = az_tas(c, u);
    for (uint32_t i = 0; i < u->n; i++) {
        const struct az_hop *h = az_path_hop(c, u, i);
        if (h->ttl > l && h->ttl <= 64 && h->kind == PM_REPLY_TIME_EXCEEDED && c->routers[h->router].owner != tas)
            e->te_out |= 1ull << (h->ttl - 1);
    }
    uint64_t un = u->un_mask & above(l);
    if (un && u->n) {
        /* a refusal from a router the /24's paths show at or before hop l
         * is another flow's (classic ECMP), not what lies beyond the hop */
        const struct az_hop *last = az_path_hop(c, u, u->n - 1);
        const uint32_t *first = pm_map_get(&c->te_first, (uint64_t)u->group << 32 | last->router);
        if (last->kind == PM_REPLY_UNREACH && first && *first <= l)
            un = 0;
    }
    e->half_n[(dst & 0xff) >> 7]++;
    if ((u->te_mask | u->un_mask) & above(l) || u->reached_ttl > l) {
        uint64_t bit = 1ull << (dst & 63);
        uint64_t *w = &e->on[(dst & 0xff) >> 6];
        bool fresh = !(*w & bit);
        e->n_on += fresh;
        e->half_on[(dst & 0xff) >> 7] += fresh;
        *w |= bit;
    }
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
        for (int any = 0; any < 2 && (!any || !p->n); any++) {
            /* any: the run-wide key, only for paths where nothing answered */
            bool created;
            uint32_t *slot = pm_map_put(&rl->idx, rl_key(any ? AZ_RL_ANY_GROUP(c) : p->group, l, a), rl->n, &created);
            if (!slot)
                return PM_ENOMEM;
            if (!created)
                continue;
            int rc = PM_GROW(rl->e, rl->cap, (size_t)rl->n + 1, 64, PM_MAP_MAX);
            if (rc != PM_OK)
                return rc;
            memset(&rl->e[rl->n++], 0, sizeof *rl->e);
        }
    }
    if (c->n_groups) {
        rl->group_refused = calloc(c->n_groups, sizeof *rl->group_refused);
        rl->half_probed = calloc(2 * (size_t)c->n_groups, sizeof *rl->half_probed);
        if (!rl->group_refused || !rl->half_probed)
            return PM_ENOMEM;
        for (uint32_t ti = 0; ti < c->run->n_targets; ti++) {
            const struct az_path *p = &c->paths[ti];
            if (p->group >= c->n_groups)
                continue;
            note_group_refusal(c, &rl->group_refused[p->group], p);
            if (p->n || p->silent_mask || p->reached_ttl)
                rl->half_probed[2 * (size_t)p->group + ((c->run->targets[ti].dst & 0xff) >> 7)]++;
        }
    }
    if (!rl->n)
        return PM_OK;
    for (uint32_t ti = 0; ti < c->run->n_targets; ti++) {
        const struct az_path *p = &c->paths[ti];
        uint32_t dst = c->run->targets[ti].dst;
        uint32_t *slot = pm_map_get(&rl->idx, rl_key(p->group, 0, 0));
        if (slot)
            rl_note(c, &rl->e[*slot], p, 0, dst);
        /* run-wide, only a refusal from the very first hop that answered
         * counts: it is what a path where nothing answered would have met */
        if (p->n == 1 && !p->reached_ttl && (slot = pm_map_get(&rl->idx, rl_key(AZ_RL_ANY_GROUP(c), 0, 0))))
            rl_note(c, &rl->e[*slot], p, 0, dst);
        for (uint32_t i = 0; i < p->n; i++) {
            const struct az_hop *h = az_path_hop(c, p, i);
            slot = pm_map_get(&rl->idx, rl_key(p->group, h->ttl, c->routers[h->router].addr));
            if (slot)
                rl_note(c, &rl->e[*slot], p, h->ttl, dst);
        }
    }
    return PM_OK;
}
