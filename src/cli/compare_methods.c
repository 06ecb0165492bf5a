/* compare_methods.c - --compare-methods: re-probe each death point with ICMP, UDP, TCP/80 and TCP/443, then say filter or dead route. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/sweep.h"

#define MAX_DEATHS 64 /* distinct death points re-probed (one target each) */

struct death {
    uint32_t addr;
    uint8_t ttl;
    uint32_t target;   /* representative */
    struct pm_cmp_input in;
};

static const struct {
    uint8_t method;
    uint16_t port;
} probes[PM_CMP__N] = {
    [PM_CMP_ICMP] = {PM_METHOD_ICMP, 0},
    [PM_CMP_UDP] = {PM_METHOD_UDP, 33434},
    [PM_CMP_TCP80] = {PM_METHOD_TCP, 80},
    [PM_CMP_TCP443] = {PM_METHOD_TCP, 443},
};

/* What one method got toward one target, relative to the death point. */
static uint8_t outcome(const struct pm_run *run, uint32_t dst, const struct death *d)
{
    const struct pm_target *t = pm_run_find(run, dst);
    if (!t || !t->max_ttl_sent)
        return PM_CMP_NOT_PROBED;
    if (t->stop == PM_STOP_REACHED)
        return PM_CMP_REACHED;
    uint8_t last = 0;
    for (uint32_t i = 0; i < t->n_replies; i++) {
        const struct pm_reply *r = &t->replies[i];
        if (r->kind == PM_REPLY_UNREACH && (r->from == d->addr || r->ttl <= d->ttl + 1u))
            return pm_wire_icmp_meaning(PM_ICMP_UNREACH, r->icmp_code) == PM_ICMP_M_ADMIN_PROHIB
                       ? PM_CMP_UNREACH_ADMIN
                       : PM_CMP_UNREACH_OTHER;
        if (r->kind == PM_REPLY_TIME_EXCEEDED && r->ttl > last)
            last = r->ttl;
    }
    if (last > d->ttl)
        return PM_CMP_DIED_FURTHER;
    return last == d->ttl || (last && d->ttl == 0) ? PM_CMP_DIED_SAME : PM_CMP_DIED_EARLIER;
}

static void add_evidence(struct pm_verdict *v, const char *text)
{
    /* a full verdict keeps its own evidence first (PM_ELIMIT); ENOMEM loses one sentence */
    (void)pm_verdict_add_evidence(v, "compare-methods: %s", text);
}

int pm_cli_compare_methods(struct pm_engine *eng, struct pm_cli_sweep *s)
{
    struct death deaths[MAX_DEATHS];
    uint32_t n = 0;
    const struct pm_analysis *a = s->analysis;
    for (uint32_t i = 0; i < a->n_targets && n < MAX_DEATHS; i++) {
        const struct pm_verdict *v = &a->verdicts[i];
        if (v->status != PM_STATUS_DIED)
            continue;
        bool known = false;
        for (uint32_t k = 0; k < n && !known; k++)
            known = deaths[k].addr == v->last_addr && deaths[k].ttl == v->last_ttl;
        if (!known)
            deaths[n++] = (struct death){.addr = v->last_addr, .ttl = v->last_ttl, .target = s->run->targets[i].dst,
                                         .in = {.death_addr = v->last_addr, .death_ttl = v->last_ttl}};
    }
    if (!n)
        return 0;
    uint32_t *dsts = malloc(n * sizeof *dsts);
    if (!dsts)
        return PM_EXIT_OSERR;
    for (uint32_t k = 0; k < n; k++)
        dsts[k] = deaths[k].target;
    char err[PM_ERRBUF_SIZE];
    for (int m = 0; m < PM_CMP__N; m++) {
        struct pm_run *run = pm_run_alloc();
        if (!run) {
            free(dsts);
            return PM_EXIT_OSERR;
        }
        pm_engine_set_method(eng, probes[m].method, probes[m].port);
        if (pm_engine_run(eng, dsts, n, run, err) != PM_OK) {
            pm_cli_error("compare-methods: %s", err);
            pm_run_free(run);
            free(dsts);
            return PM_EXIT_OSERR;
        }
        pm_trace_finish(run, s->eng.gaplimit);
        for (uint32_t k = 0; k < n; k++)
            deaths[k].in.outcome[m] = outcome(run, deaths[k].target, &deaths[k]);
        pm_run_free(run);
    }
    free(dsts);
    for (uint32_t k = 0; k < n; k++) {
        struct pm_cmp_result res;
        pm_compare_methods(&deaths[k].in, &res);
        for (uint32_t i = 0; i < a->n_targets; i++) {
            struct pm_verdict *v = &s->analysis->verdicts[i];
            if (v->status == PM_STATUS_DIED && v->last_addr == deaths[k].addr && v->last_ttl == deaths[k].ttl)
                add_evidence(v, res.text);
        }
    }
    return 0;
}
