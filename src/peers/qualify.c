/* qualify.c - what a foreign format could not say lowers the verdicts' confidence, and the evidence says so. */
#include <string.h>

#include "peers/internal.h"

/* A run read from another tool's file was matched by that tool, not checked
 * here against what was sent (no seal, no outstanding probe): its verdicts
 * are worth less than those of a run whose replies pathmortem verified. */
#define PEERS_FOREIGN_FACTOR 0.9
/* Without the quoted header (Atlas) not even the other tool's check can be re-done. */
#define PEERS_NO_QUOTE_FACTOR 0.9
/* Parameters learnt from the data (first TTL, queries) may be wrong at the edges. */
#define PEERS_INFERRED_FACTOR 0.95

void pm_peers_qualify(const struct pm_run *run, struct pm_analysis *a)
{
    const struct pm_run_input *in = &run->input;
    if (!a || !in->format[0])
        return;
    bool no_quote = strstr(in->missing, "quoted-header") != NULL, inferred = in->inferred[0] != '\0';
    double f = PEERS_FOREIGN_FACTOR;
    if (no_quote)
        f *= PEERS_NO_QUOTE_FACTOR;
    if (inferred)
        f *= PEERS_INFERRED_FACTOR;
    for (uint32_t i = 0; i < a->n_targets; i++) {
        struct pm_verdict *v = &a->verdicts[i];
        v->confidence *= f;
        (void)pm_verdict_add_evidence(v, "read from %s %s: replies were matched by %s, not checked by pathmortem%s "
                                         "(confidence lowered)",
                                      in->tool, in->format, in->tool,
                                      no_quote ? ", and the results carry no quoted header" : "");
        if (inferred)
            (void)pm_verdict_add_evidence(v, "%s inferred from the data, not stated in the file", in->inferred);
    }
    for (uint32_t i = 0; i < a->n_prefix; i++)
        a->by_prefix[i].confidence *= f;
    for (uint32_t i = 0; i < a->n_upstream; i++)
        a->by_upstream[i].confidence *= f;
}
