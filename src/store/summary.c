/* summary.c - per-/24 summary of a stored snapshot (counts, dominant upstream and death AS), shared by diff and Prometheus. */
#include <string.h>

#include "store/internal.h"

#define TALLY_MAX 64

struct tally {
    const struct pm_as_ref *as;
    uint32_t count;
};

static void count(struct tally *tab, uint32_t *n, const struct pm_as_ref *as)
{
    if (!as->asn)
        return;
    uint32_t k;
    for (k = 0; k < *n && tab[k].as->asn != as->asn; k++)
        ;
    if (k == *n) {
        if (*n >= TALLY_MAX)
            return; /* past the cap an AS only loses the vote */
        tab[(*n)++] = (struct tally){as, 0};
    }
    tab[k].count++;
}

static void winner(const struct tally *tab, uint32_t n, struct pm_as_ref *out)
{
    uint32_t best = 0;
    for (uint32_t k = 0; k < n; k++)
        if (tab[k].count > best) {
            best = tab[k].count;
            *out = *tab[k].as;
        }
}

void pm_store_summarise_24(const struct pm_snap_target *t, uint32_t n, struct pm_p24 *p)
{
    struct tally up[TALLY_MAX], dies[TALLY_MAX];
    uint32_t nu = 0, nd = 0;
    memset(p, 0, sizeof *p);
    p->prefix = n ? t[0].dst & 0xffffff00u : 0;
    for (uint32_t i = 0; i < n; i++) {
        p->total++;
        if (t[i].status == PM_STATUS_REACHED) {
            p->reached++;
        } else if (t[i].status == PM_STATUS_HOST_ABSENT) {
            p->dark++;
        } else if (t[i].status == PM_STATUS_NOT_PROBED) {
            p->not_probed++;
        } else if (t[i].kind != PM_DEATH_RATE_LIMITED) {
            p->died++;
            count(dies, &nd, &t[i].dies_in);
        }
        count(up, &nu, &t[i].upstream);
    }
    winner(up, nu, &p->upstream);
    winner(dies, nd, &p->dies_in);
    struct pm_rollup r = {.total = p->total, .reached = p->reached, .dark = p->dark, .died = p->died,
                          .not_probed = p->not_probed};
    p->state = (uint8_t)pm_rollup_state(&r);
}
