/* analyze.c - pm_analyze: runs the passes (paths, target AS, ownership, tallies, verdicts, roll-ups) and owns the result. */
#include <stdlib.h>
#include <string.h>

#include "analyze/internal.h"

static void ctx_free(struct az_ctx *c)
{
    pm_map_free(&c->router_idx);
    pm_map_free(&c->group_idx);
    pm_map_free(&c->asname_idx);
    pm_map_free(&c->follow_idx);
    pm_map_free(&c->transit);
    pm_map_free(&c->at_ttl);
    pm_map_free(&c->te_first);
    free(c->follows);
    free(c->routers);
    free(c->hops);
    free(c->paths);
    free(c->groups);
    free(c->asnames);
}

/* Majority ASN of the target addresses (the run's targets are the space under study). */
static int infer_target_asn(struct az_ctx *c)
{
    struct pm_map cnt = {0};
    uint32_t best = 0, bestn = 0;
    for (uint32_t ti = 0; ti < c->run->n_targets; ti++) {
        uint32_t asn = c->paths[ti].dst_asn;
        if (!asn)
            continue;
        uint32_t *n = pm_map_put(&cnt, asn, 0, NULL);
        if (!n) {
            pm_map_free(&cnt);
            return PM_ENOMEM;
        }
        if (++*n > bestn || (*n == bestn && asn < best)) {
            bestn = *n;
            best = asn;
        }
    }
    pm_map_free(&cnt);
    c->target_asn = best;
    return PM_OK;
}

static int owner_cmp(const void *a, const void *b)
{
    const struct pm_owner *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int export_owners(const struct az_ctx *c, struct pm_analysis *a)
{
    a->owners = calloc(c->n_routers ? c->n_routers : 1, sizeof *a->owners);
    if (!a->owners)
        return PM_ENOMEM;
    a->n_owners = c->n_routers;
    for (uint32_t i = 0; i < c->n_routers; i++) {
        const struct az_router *r = &c->routers[i];
        struct pm_owner *o = &a->owners[i];
        o->addr = r->addr;
        o->mapped_asn = r->mapped;
        o->owner_asn = r->owner;
        o->confidence = r->conf;
        memcpy(o->reason, r->reason, sizeof o->reason);
    }
    qsort(a->owners, a->n_owners, sizeof *a->owners, owner_cmp);
    return PM_OK;
}

int pm_analyze(const struct pm_run *run, pm_lookup_fn lookup, void *lookup_ctx, const struct pm_analyze_opts *opts,
               struct pm_analysis **out, char *errbuf)
{
    if (!run || !out)
        return pm_err(errbuf, PM_EINVAL, "analyze: no run or no output");
    *out = NULL;
    if (run->n_targets > PM_TRACE_MAX_TARGETS)
        return pm_err(errbuf, PM_ELIMIT, "analyze: %u targets exceed the cap of %u", run->n_targets,
                      PM_TRACE_MAX_TARGETS);
    if (opts && opts->n_history && !opts->history)
        return pm_err(errbuf, PM_EINVAL, "analyze: %u history facts but no list", opts->n_history);
    struct az_ctx c = {.run = run, .lookup = lookup, .lookup_ctx = lookup_ctx, .opts = opts, .errbuf = errbuf};
    struct az_rl rl = {0};
    struct pm_analysis *a = calloc(1, sizeof *a);
    c.paths = calloc(run->n_targets ? run->n_targets : 1, sizeof *c.paths);
    int rc = a && c.paths ? PM_OK : pm_err(errbuf, PM_ENOMEM, "analyze: out of memory");
    if (rc == PM_OK)
        rc = az_build_paths(&c);
    if (rc == PM_OK) {
        c.target_asn = opts && opts->target_asn ? opts->target_asn : 0;
        struct pm_geo_info gi;
        az_lookup(&c, run->source, &gi);
        c.source_asn = gi.asn;
        if (!c.target_asn && (rc = infer_target_asn(&c)) != PM_OK)
            pm_err(errbuf, rc, "analyze: out of memory");
    }
    if (rc == PM_OK) {
        if ((rc = az_infer_owners(&c)) != PM_OK || (rc = az_path_tallies(&c)) != PM_OK ||
            (rc = az_rate_limit_index(&c, &rl)) != PM_OK)
            pm_err(errbuf, rc, "analyze: out of memory");
    }
    if (rc == PM_OK) {
        a->target_asn = c.target_asn;
        a->n_targets = run->n_targets;
        a->verdicts = calloc(run->n_targets ? run->n_targets : 1, sizeof *a->verdicts);
        if (!a->verdicts)
            rc = pm_err(errbuf, PM_ENOMEM, "analyze: out of memory");
    }
    if (rc == PM_OK)
        az_cut_index(&c);
    for (uint32_t ti = 0; rc == PM_OK && ti < run->n_targets; ti++)
        if ((rc = az_verdict(&c, ti, &a->verdicts[ti], &rl)) != PM_OK)
            pm_err(errbuf, rc, "analyze: out of memory for evidence");
    if (rc == PM_OK && (rc = az_past_fault(&c, &rl, a->verdicts)) != PM_OK)
        pm_err(errbuf, rc, "analyze: out of memory for evidence");
    if (rc == PM_OK && (rc = az_common_cause(&c, a->verdicts)) != PM_OK)
        pm_err(errbuf, rc, "analyze: out of memory for evidence");
    if (rc == PM_OK && (rc = export_owners(&c, a)) != PM_OK)
        pm_err(errbuf, rc, "analyze: out of memory");
    if (rc == PM_OK && (rc = az_rollups(&c, a)) != PM_OK)
        pm_err(errbuf, rc, "analyze: out of memory in roll-ups");
    az_rl_free(&rl);
    ctx_free(&c);
    if (rc != PM_OK) {
        pm_analysis_free(a);
        return rc;
    }
    *out = a;
    return PM_OK;
}

void pm_analysis_free(struct pm_analysis *a)
{
    if (!a)
        return;
    for (uint32_t i = 0; a->verdicts && i < a->n_targets; i++)
        pm_verdict_clear(&a->verdicts[i]);
    free(a->verdicts);
    free(a->owners);
    free(a->by_prefix);
    free(a->by_upstream);
    pm_planes_free(a->planes);
    free(a);
}

/* Lower-bound binary search; pm_target_hop (trace/run.c) has the same shape
 * over replies by TTL. Kept inline in both: one field compared, no callback. */
const struct pm_owner *pm_analysis_find_owner(const struct pm_analysis *a, uint32_t addr)
{
    if (!a || !a->owners)
        return NULL;
    uint32_t lo = 0, hi = a->n_owners;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (a->owners[mid].addr < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < a->n_owners && a->owners[lo].addr == addr ? &a->owners[lo] : NULL;
}

uint32_t pm_analysis_owner(const struct pm_analysis *a, uint32_t addr)
{
    const struct pm_owner *o = pm_analysis_find_owner(a, addr);
    return o ? o->owner_asn : 0;
}
