/* ratelimit.c - per (prefix, last hop) of silent deaths: what neighbours sharing that hop got beyond it (time-exceeded, unreachables). */
#include <stdlib.h>
#include <string.h>

#include "analyze/internal.h"
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
    memset(rl, 0, sizeof *rl);
}

const struct az_rl_entry *az_rl_find(const struct az_rl *rl, uint32_t group, uint8_t ttl, uint32_t addr)
{
    uint32_t *slot = pm_map_get(&rl->idx, rl_key(group, ttl, addr));
    return slot ? &rl->e[*slot] : NULL;
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
        uint32_t *slot = pm_map_put(&rl->idx, rl_key(p->group, l, a), rl->n, &created);
        if (!slot)
            return PM_ENOMEM;
        if (!created)
            continue;
        int rc = PM_GROW(rl->e, rl->cap, (size_t)rl->n + 1, 64, PM_MAP_MAX);
        if (rc != PM_OK)
            return rc;
        memset(&rl->e[rl->n++], 0, sizeof *rl->e);
    }
    if (!rl->n)
        return PM_OK;
    for (uint32_t ti = 0; ti < c->run->n_targets; ti++) {
        const struct az_path *p = &c->paths[ti];
        uint32_t *slot = pm_map_get(&rl->idx, rl_key(p->group, 0, 0));
        if (slot)
            rl_note(c, &rl->e[*slot], p, 0);
        for (uint32_t i = 0; i < p->n; i++) {
            const struct az_hop *h = az_path_hop(c, p, i);
            slot = pm_map_get(&rl->idx, rl_key(p->group, h->ttl, c->routers[h->router].addr));
            if (slot)
                rl_note(c, &rl->e[*slot], p, h->ttl);
        }
    }
    return PM_OK;
}
