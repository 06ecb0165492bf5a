/* past_fault.c - the second verdict pass: each prefix's deaths per hop, then the silent deaths past them decided again (rule dark-past-fault). */
#include <stdlib.h>

#include "analyze/internal.h"
#include "analyze/rules.h"

/* A silent death (or a rate-limited silence) after hop l in group g, where
 * enough of the group's targets died before l for dark-past-fault to apply. */
static bool candidate(const struct az_rl *rl, uint32_t g, const struct pm_verdict *v)
{
    if (v->status != PM_STATUS_DIED || (v->kind != PM_DEATH_SILENT && v->kind != PM_DEATH_RATE_LIMITED) ||
        !v->last_ttl || v->last_ttl > PM_TTL_MAX)
        return false;
    const uint32_t *at = &rl->died_at[(size_t)g * (PM_TTL_MAX + 1)];
    uint32_t before = 0;
    for (unsigned t = 1; t < v->last_ttl; t++)
        before += at[t];
    return before && before >= AZ_PAST_FAULT_SHARE * rl->group_targets[g];
}

/* The hop a death happened at: for a refusal, the refusing router's own
 * distance (the lowest TTL it answered at in the run): under classic ECMP a
 * filter at hop 4 refuses the probes of TTL 5, 6 and 7 that take its branch,
 * and the verdict labels the refusal after the path's last answer before it. */
static uint8_t death_hop(const struct az_ctx *c, const struct pm_verdict *x)
{
    if (x->kind == PM_DEATH_SILENT || x->kind == PM_DEATH_LOOP)
        return x->last_ttl;
    const uint32_t *ri = pm_map_get(&c->router_idx, x->last_addr);
    uint8_t m = ri ? c->routers[*ri].min_ttl : 0;
    return m && m < x->last_ttl ? m : x->last_ttl;
}

int az_past_fault(const struct az_ctx *c, struct az_rl *rl, struct pm_verdict *v)
{
    size_t ng = c->n_groups ? c->n_groups : 1, w = PM_TTL_MAX + 1;
    rl->group_targets = calloc(ng, sizeof *rl->group_targets);
    rl->died_at = calloc(ng * w, sizeof *rl->died_at);
    rl->fault_kind = calloc(ng * w, sizeof *rl->fault_kind);
    if (!rl->group_targets || !rl->died_at || !rl->fault_kind)
        return PM_ENOMEM;
    bool any = false;
    for (uint32_t ti = 0; ti < c->run->n_targets; ti++) {
        uint32_t g = c->paths[ti].group;
        const struct pm_verdict *x = &v[ti];
        if (g >= c->n_groups)
            continue;
        rl->group_targets[g]++;
        if (x->status != PM_STATUS_DIED || x->kind == PM_DEATH_RATE_LIMITED || !x->last_ttl || x->last_ttl > PM_TTL_MAX)
            continue;
        size_t k = (size_t)g * w + death_hop(c, x);
        if (!rl->died_at[k]++)
            rl->fault_kind[k] = x->kind;
        any = true;
    }
    if (!any)
        return PM_OK;
    /* decided again with the counts of the first pass, which the second
     * does not change: the order of the targets does not matter */
    for (uint32_t ti = 0; ti < c->run->n_targets; ti++) {
        uint32_t g = c->paths[ti].group;
        if (g >= c->n_groups || !candidate(rl, g, &v[ti]))
            continue;
        struct pm_verdict nv;
        int rc = az_verdict(c, ti, &nv, rl);
        if (rc != PM_OK) {
            pm_verdict_clear(&nv);
            return rc;
        }
        if (nv.rule != PM_RULE_DARK_PAST_FAULT) {
            pm_verdict_clear(&nv);
            continue;
        }
        pm_verdict_clear(&v[ti]);
        v[ti] = nv;
    }
    return PM_OK;
}
