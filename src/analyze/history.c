/* history.c - facts about routers worth storing from an analysis, so later runs can use them as ownership evidence. */
#include <stdlib.h>
#include <string.h>

#include "analyze/internal.h"

/* The responder of a TTL that is not the target (first in sort order), or 0. */
static uint32_t router_at(const struct pm_target *t, uint8_t ttl)
{
    const struct pm_reply *r;
    uint32_t n = pm_target_hop(t, ttl, &r);
    for (uint32_t i = 0; i < n; i++)
        if (!pm_reply_from_target(t, &r[i]) && r[i].from)
            return r[i].from;
    return 0;
}

int pm_analysis_history_facts(const struct pm_run *run, const struct pm_analysis *a, struct pm_history_fact **out,
                              uint32_t *n_out, char *errbuf)
{
    if (!run || !a || !out || !n_out || a->n_targets != run->n_targets)
        return pm_err(errbuf, PM_EINVAL, "history facts: run and analysis do not match");
    *out = NULL;
    *n_out = 0;
    struct pm_history_fact *f = calloc(a->n_owners ? a->n_owners : 1, sizeof *f);
    struct pm_map idx = {0};
    if (!f)
        return pm_err(errbuf, PM_ENOMEM, "history facts: out of memory");
    uint32_t n = 0;
    for (uint32_t ti = 0; ti < run->n_targets; ti++) {
        const struct pm_target *t = &run->targets[ti];
        const struct pm_verdict *v = &a->verdicts[ti];
        if (v->status != PM_STATUS_REACHED || !v->reached_ttl)
            continue;
        /* walk the responsive hops; each one learns what follows it */
        uint32_t prev = 0;
        for (uint8_t ttl = 1; ttl <= v->reached_ttl && ttl <= PM_TTL_MAX; ttl++) {
            uint32_t cur = ttl == v->reached_ttl ? t->dst : router_at(t, ttl);
            if (!cur)
                continue;
            if (prev && prev != cur) {
                const struct pm_owner *o = pm_analysis_find_owner(a, prev);
                bool created = false;
                uint32_t *slot = o ? pm_map_put(&idx, prev, n, &created) : NULL;
                if (!slot || (created && n >= a->n_owners)) {
                    free(f);
                    pm_map_free(&idx);
                    return o ? pm_err(errbuf, PM_ENOMEM, "history facts: out of memory")
                             : pm_err(errbuf, PM_EINVAL, "history facts: router not in the analysis");
                }
                if (created) {
                    f[n].addr = prev;
                    f[n].owner_asn = o->owner_asn;
                    n++;
                }
                uint32_t next_owner = cur == t->dst ? a->target_asn : pm_analysis_owner(a, cur);
                if (a->target_asn && next_owner == a->target_asn)
                    f[*slot].followed_by_target = true;
            }
            prev = cur == t->dst ? 0 : cur;
        }
    }
    pm_map_free(&idx);
    *out = f;
    *n_out = n;
    return PM_OK;
}
