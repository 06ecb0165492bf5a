/* compare_methods.c - --compare-methods: re-probe each death point with ICMP, UDP, TCP/80 and TCP/443, then say filter or dead route. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/sweep.h"

#define MAX_DEATHS 64 /* distinct death points re-probed (one target each) */

static const struct {
    uint8_t method;
    uint16_t port;
} probes[PM_CMP__N] = {
    [PM_CMP_ICMP] = {PM_METHOD_ICMP, 0},
    [PM_CMP_UDP] = {PM_METHOD_UDP, 33434},
    [PM_CMP_TCP80] = {PM_METHOD_TCP, 80},
    [PM_CMP_TCP443] = {PM_METHOD_TCP, 443},
};

int pm_cli_compare_methods(struct pm_engine *eng, struct pm_cli_sweep *s)
{
    struct pm_cmp_input deaths[MAX_DEATHS];
    uint32_t dsts[MAX_DEATHS];
    uint32_t n = pm_cmp_deaths(s->run, s->analysis, deaths, dsts, MAX_DEATHS);
    if (!n)
        return 0;
    char err[PM_ERRBUF_SIZE];
    for (int m = 0; m < PM_CMP__N; m++) {
        struct pm_run *run = pm_run_alloc();
        if (!run)
            return PM_EXIT_OSERR;
        pm_engine_set_method(eng, probes[m].method, probes[m].port);
        if (pm_engine_run(eng, dsts, n, run, err) != PM_OK) {
            pm_cli_error("compare-methods: %s", err);
            pm_run_free(run);
            return PM_EXIT_OSERR;
        }
        pm_trace_finish(run, s->eng.gaplimit);
        for (uint32_t k = 0; k < n; k++)
            deaths[k].outcome[m] = (uint8_t)pm_cmp_outcome_of(run, dsts[k], &deaths[k]);
        pm_run_free(run);
    }
    for (uint32_t k = 0; k < n; k++) {
        struct pm_cmp_result res;
        pm_compare_methods(&deaths[k], &res);
        pm_cmp_attach(s->analysis, &deaths[k], &res);
    }
    return 0;
}
