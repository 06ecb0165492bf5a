/* names.c - reverse DNS of the addresses that answered a run, after probing, bounded in count and time. */
#include <stdio.h>

#include "cli/commands.h"
#include "cli/sweep.h"

void pm_cli_resolve_names(struct pm_cli_sweep *s)
{
    char err[PM_ERRBUF_SIZE];
    if (!s->run || s->rdns)
        return;
    if (pm_rdns_open(NULL, &s->rdns, err) != PM_OK) {
        pm_cli_error("%s: no host names: %s", s->cmd, err);
        return;
    }
    uint32_t wanted = 0;
    bool capped = false;
    for (uint32_t i = 0; i < s->run->n_targets && !capped; i++) {
        const struct pm_target *t = &s->run->targets[i];
        for (uint32_t j = 0; j < t->n_replies; j++) {
            uint32_t from = t->replies[j].from;
            if (pm_rdns_state(s->rdns, from) != PM_RDNS_UNKNOWN)
                continue;
            if (wanted >= PM_CLI_NAMES_MAX || pm_rdns_want(s->rdns, from) != PM_OK) {
                capped = true;
                break;
            }
            wanted++;
        }
    }
    pm_rdns_finish(s->rdns, PM_CLI_NAMES_BUDGET_MS);
    struct pm_rdns_stats st;
    pm_rdns_stats(s->rdns, &st);
    s->names = (struct pm_output_names){.asked = st.asked, .named = st.named, .nxdomain = st.nxdomain,
                                        .timeout = st.timeout + st.unanswered, .failed = st.failed};
    if (capped)
        pm_cli_error("%s: host names looked up for the first %u addresses only", s->cmd, wanted);
}
