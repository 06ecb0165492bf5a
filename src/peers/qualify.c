/* qualify.c - what a foreign format could not say lowers the verdicts' confidence, and the evidence says so. */
#include <string.h>

#include "peers/internal.h"

/* A run read from a file without the quoted headers was matched by the
 * other tool, not checked here against what was sent: its verdicts are worth
 * less than those of a run whose replies pathmortem verified itself. */
#define PEERS_UNCHECKED_FACTOR 0.85
/* Parameters learnt from the data (first TTL, queries) may be wrong at the edges. */
#define PEERS_INFERRED_FACTOR 0.95

void pm_peers_qualify(const struct pm_run *run, struct pm_analysis *a)
{
    const struct pm_run_input *in = &run->input;
    if (!a || !in->format[0])
        return;
    double f = 1.0;
    bool unchecked = strstr(in->missing, "quoted-header") != NULL, inferred = in->inferred[0] != '\0';
    if (unchecked)
        f *= PEERS_UNCHECKED_FACTOR;
    if (inferred)
        f *= PEERS_INFERRED_FACTOR;
    for (uint32_t i = 0; i < a->n_targets; i++) {
        struct pm_verdict *v = &a->verdicts[i];
        v->confidence *= f;
        if (unchecked)
            (void)pm_verdict_add_evidence(v, "read from %s results that carry no quoted header: replies were "
                                             "matched by %s, not checked by pathmortem (confidence lowered)",
                                          in->tool, in->tool);
        if (inferred)
            (void)pm_verdict_add_evidence(v, "%s inferred from the data, not stated in the file", in->inferred);
    }
    for (uint32_t i = 0; i < a->n_prefix; i++)
        a->by_prefix[i].confidence *= f;
    for (uint32_t i = 0; i < a->n_upstream; i++)
        a->by_upstream[i].confidence *= f;
}
