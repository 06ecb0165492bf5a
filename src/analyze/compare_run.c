/* compare_run.c - --compare-methods around the pure decision: which death points to re-probe, what each method's run got there, and the evidence it leaves. */
#include "pathmortem/analyze.h"

uint32_t pm_cmp_deaths(const struct pm_run *run, const struct pm_analysis *a, struct pm_cmp_input *deaths,
                       uint32_t *targets, uint32_t max)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < a->n_targets && i < run->n_targets && n < max; i++) {
        const struct pm_verdict *v = &a->verdicts[i];
        if (v->status != PM_STATUS_DIED)
            continue;
        bool known = false;
        for (uint32_t k = 0; k < n && !known; k++)
            known = deaths[k].death_addr == v->last_addr && deaths[k].death_ttl == v->last_ttl;
        if (known)
            continue;
        deaths[n] = (struct pm_cmp_input){.death_addr = v->last_addr, .death_ttl = v->last_ttl};
        targets[n++] = run->targets[i].dst;
    }
    return n;
}

enum pm_cmp_outcome pm_cmp_outcome_of(const struct pm_run *run, uint32_t dst, const struct pm_cmp_input *death)
{
    const struct pm_target *t = pm_run_find(run, dst);
    if (!t || !t->max_ttl_sent)
        return PM_CMP_NOT_PROBED;
    if (t->stop == PM_STOP_REACHED)
        return PM_CMP_REACHED;
    uint8_t last = 0;
    for (uint32_t i = 0; i < t->n_replies; i++) {
        const struct pm_reply *r = &t->replies[i];
        /* a refusal at the death point or the hop after it (one router may
         * answer with another interface) is that point's answer */
        if (r->kind == PM_REPLY_UNREACH && (r->from == death->death_addr || r->ttl <= death->death_ttl + 1u))
            return pm_wire_icmp_meaning(PM_ICMP_UNREACH, r->icmp_code) == PM_ICMP_M_ADMIN_PROHIB
                       ? PM_CMP_UNREACH_ADMIN
                       : PM_CMP_UNREACH_OTHER;
        if (r->kind == PM_REPLY_TIME_EXCEEDED && r->ttl > last)
            last = r->ttl;
    }
    if (last > death->death_ttl)
        return PM_CMP_DIED_FURTHER;
    return last == death->death_ttl || (last && death->death_ttl == 0) ? PM_CMP_DIED_SAME : PM_CMP_DIED_EARLIER;
}

void pm_cmp_attach(struct pm_analysis *a, const struct pm_cmp_input *death, const struct pm_cmp_result *res)
{
    for (uint32_t i = 0; i < a->n_targets; i++) {
        struct pm_verdict *v = &a->verdicts[i];
        /* a full verdict keeps its own evidence first (PM_ELIMIT); ENOMEM
         * loses one sentence, never the verdict */
        if (v->status == PM_STATUS_DIED && v->last_addr == death->death_addr && v->last_ttl == death->death_ttl)
            (void)pm_verdict_add_evidence(v, "compare-methods: %s", res->text);
    }
}
