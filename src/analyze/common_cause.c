/* common_cause.c - when every path toward the target AS dies, inside two or more upstreams at once, blame the target side. */
#include "analyze/internal.h"
#include "analyze/rules.h"

/* A death the per-path rules put inside the path's own upstream (unreachable
 * or silent, not a filter): the candidates for a shared cause. */
static bool in_own_upstream(const struct pm_verdict *v)
{
    if (v->status != PM_STATUS_DIED || !v->upstream.asn || v->dies_in.asn != v->upstream.asn)
        return false;
    return v->kind == PM_DEATH_NET_UNREACH || v->kind == PM_DEATH_HOST_UNREACH || v->kind == PM_DEATH_SILENT;
}

/* Independent failures of two upstreams at the same moment are unlikely; a
 * target network that vanished (border down, announcement withdrawn) explains
 * both. Applies only when no path of the run entered or reached the target AS. */
int az_common_cause(const struct az_ctx *c, struct pm_verdict *v)
{
    uint32_t T = c->target_asn, ups[2] = {0, 0};
    if (!T)
        return PM_OK;
    for (uint32_t ti = 0; ti < c->run->n_targets; ti++) {
        if (az_tas(c, &c->paths[ti]) != T)
            continue;
        if (v[ti].status == PM_STATUS_REACHED || v[ti].entry_ttl)
            return PM_OK;
        if (!in_own_upstream(&v[ti]))
            continue;
        if (!ups[0])
            ups[0] = v[ti].upstream.asn;
        else if (!ups[1] && v[ti].upstream.asn != ups[0])
            ups[1] = v[ti].upstream.asn;
    }
    if (!ups[1])
        return PM_OK;
    for (uint32_t ti = 0; ti < c->run->n_targets; ti++) {
        if (az_tas(c, &c->paths[ti]) != T || !in_own_upstream(&v[ti]))
            continue;
        az_set_as(c, &v[ti].dies_in, T);
        v[ti].confidence = AZ_COMMON_CAUSE;
        v[ti].rule = PM_RULE_COMMON_CAUSE;
        struct az_notes ns = {0};
        struct az_note *n = az_note(&ns, AZ_N_COMMON_CAUSE);
        n->asn = T;
        n->asn2 = ups[0];
        n->n = ups[1];
        int rc = az_explain(c, &ns, &v[ti]);
        if (rc != PM_OK)
            return rc;
    }
    return PM_OK;
}
