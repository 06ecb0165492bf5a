/* across.c - a /24's state across vantages: each vantage's ongoing episode counted by state, the ASes its paths die in, since when. */
#include <stdlib.h>
#include <string.h>

#include "pathmortem/util.h"
#include "store/internal.h"
#include "util/grow.h"

static struct pm_across_entry *entry(struct pm_across *a, size_t *cap, const char *key, char *errbuf)
{
    for (size_t i = 0; i < a->n; i++)
        if (!strcmp(a->entries[i].key, key))
            return &a->entries[i];
    if (PM_GROW(a->entries, *cap, a->n + 1, 64, PM_HISTORY_MAX_EPISODES) != PM_OK) {
        pm_err(errbuf, PM_ENOMEM, "out of memory comparing vantages");
        return NULL;
    }
    struct pm_across_entry *e = &a->entries[a->n++];
    memset(e, 0, sizeof *e);
    snprintf(e->key, sizeof e->key, "%s", key);
    return e;
}

static void note_death(struct pm_across_entry *e, const struct pm_episode *ep)
{
    if (!e->first_us || ep->start_us < e->first_us)
        e->first_us = ep->start_us;
    if (ep->start_us > e->since_us)
        e->since_us = ep->start_us;
    uint32_t k = 0;
    while (k < e->n_dies_in && e->dies_in[k].as.asn != ep->dies_in.asn)
        k++;
    if (k == e->n_dies_in) {
        if (k == PM_ACROSS_DIES_MAX)
            return; /* a fifth AS: counted in the state, not named */
        e->dies_in[k].as = ep->dies_in;
        e->n_dies_in++;
    }
    e->dies_in[k].vantages++;
    /* most vantages first, ties by ASN */
    while (k > 0 && (e->dies_in[k].vantages > e->dies_in[k - 1].vantages ||
                     (e->dies_in[k].vantages == e->dies_in[k - 1].vantages &&
                      e->dies_in[k].as.asn < e->dies_in[k - 1].as.asn))) {
        struct pm_as_ref tas = e->dies_in[k].as;
        uint32_t tn = e->dies_in[k].vantages;
        e->dies_in[k] = e->dies_in[k - 1];
        e->dies_in[k - 1].as = tas;
        e->dies_in[k - 1].vantages = tn;
        k--;
    }
}

/* keys are "a.b.c.0/24": in address order, as history lists them */
static uint32_t key_addr(const char *key)
{
    uint32_t addr = 0;
    uint8_t len;
    return pm_prefix_parse(key, PM_PREFIX_MASK_HOST, &addr, &len, NULL) == PM_OK ? addr : 0;
}

static int by_key(const void *a, const void *b)
{
    uint32_t x = key_addr(((const struct pm_across_entry *)a)->key), y = key_addr(((const struct pm_across_entry *)b)->key);
    return x < y ? -1 : x > y;
}

int pm_history_across(struct pm_history *const *per_vantage, size_t n, struct pm_across **out, char *errbuf)
{
    *out = NULL;
    struct pm_across *a = calloc(1, sizeof *a);
    if (!a)
        return pm_err(errbuf, PM_ENOMEM, "out of memory comparing vantages");
    a->n_vantages = (uint32_t)n;
    size_t cap = 0;
    for (size_t v = 0; v < n; v++) {
        const struct pm_history *h = per_vantage[v];
        for (size_t i = 0; h && i < h->n; i++) {
            const struct pm_episode *ep = &h->episodes[i];
            if (ep->is_upstream || ep->end_us != 0)
                continue; /* only what the vantage's latest snapshot saw */
            struct pm_across_entry *e = entry(a, &cap, ep->key, errbuf);
            if (!e) {
                pm_across_free(a);
                return PM_ENOMEM;
            }
            e->vantages++;
            e->by_state[ep->state < 4 ? ep->state : PM_EPISODE_UNKNOWN]++;
            if (ep->state == PM_EPISODE_DIED || ep->state == PM_EPISODE_PARTIAL)
                note_death(e, ep);
        }
    }
    if (a->n)
        qsort(a->entries, a->n, sizeof *a->entries, by_key);
    *out = a;
    return PM_OK;
}

void pm_across_free(struct pm_across *a)
{
    if (!a)
        return;
    free(a->entries);
    free(a);
}
