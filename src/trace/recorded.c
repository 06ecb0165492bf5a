/* recorded.c - finishes a run rebuilt from a record (a pcap, later a peer's measurement): what the live engine would have set, learned from the data. */
#include "pathmortem/trace.h"

void pm_trace_finish_recorded(struct pm_run *run, uint8_t gaplimit)
{
    /* When the record does not state the live run's --first-ttl (a pcap
     * without its start record), the lowest TTL probed anywhere is it
     * (every /24's first target walks down to it), and shared hops are
     * judged against it as the live run did. */
    if (!run->first_ttl) {
        run->first_ttl = PM_TTL_MAX;
        for (uint32_t i = 0; i < run->n_targets; i++)
            for (uint8_t ttl = 1; ttl < run->first_ttl; ttl++)
                if (run->targets[i].sent[ttl]) {
                    run->first_ttl = ttl;
                    break;
                }
    }
    /* the run's span covers its answered probes and their replies (the
     * model keeps no send time for a probe nobody answered); a span the
     * record stated itself is only widened */
    for (uint32_t i = 0; i < run->n_targets; i++)
        for (uint32_t k = 0; k < run->targets[i].n_replies; k++) {
            const struct pm_reply *r = &run->targets[i].replies[k];
            if (!run->started_us || r->sent_us < run->started_us)
                run->started_us = r->sent_us;
            if (r->recv_us > run->ended_us)
                run->ended_us = r->recv_us;
        }
    pm_trace_finish(run, gaplimit);
}
