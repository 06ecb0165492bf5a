/* map.c - the analyzer's small ASN tallies (its hash map is util's pm_map). */
#include "analyze/internal.h"

void az_tally_add(struct az_tally *t, uint32_t asn)
{
    for (int i = 0; i < AZ_TALLY_MAX; i++) {
        if (t->cnt[i] && t->asn[i] == asn) {
            t->cnt[i]++;
            return;
        }
        if (!t->cnt[i]) {
            t->asn[i] = asn;
            t->cnt[i] = 1;
            return;
        }
    }
    t->overflow++;
}

uint32_t az_tally_distinct(const struct az_tally *t, uint32_t skip1, uint32_t skip2)
{
    uint32_t n = 0;
    for (int i = 0; i < AZ_TALLY_MAX; i++)
        if (t->cnt[i] && t->asn[i] != skip1 && t->asn[i] != skip2)
            n++;
    return n + (t->overflow ? 1 : 0);
}

uint32_t az_tally_top(const struct az_tally *t, uint32_t *count)
{
    uint32_t best = 0, bc = 0;
    for (int i = 0; i < AZ_TALLY_MAX; i++) {
        if (t->cnt[i] > bc) {
            bc = t->cnt[i];
            best = t->asn[i];
        }
    }
    if (count)
        *count = bc;
    return best;
}

void az_tally_two(const struct az_tally *t, uint32_t skip, uint32_t *a, uint32_t *b)
{
    *a = *b = 0;
    for (int i = 0; i < AZ_TALLY_MAX; i++) {
        if (!t->cnt[i] || t->asn[i] == skip || t->asn[i] == 0)
            continue;
        if (!*a)
            *a = t->asn[i];
        else if (!*b && t->asn[i] != *a)
            *b = t->asn[i];
    }
}
