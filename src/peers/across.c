/* across.c - one prefix seen from many vantages: how many reached it, how many saw it die, and in which AS. */
#include <stdlib.h>
#include <string.h>

#include "peers/internal.h"

static int by_key(const void *a, const void *b)
{
    const struct pm_peer_across *x = a, *y = b;
    return strcmp(x->key, y->key);
}

/* One (prefix, vantage) pair: the state of that vantage's latest run. */
struct seen {
    char key[48];
    const char *vantage;
    uint64_t started_us;
    uint8_t state;           /* 0 neither (rate limited only), 1 reached, 2 died */
    uint32_t asn;
    const char *name;
};

static int by_key_vantage(const void *a, const void *b)
{
    const struct seen *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (!c)
        c = strcmp(x->vantage, y->vantage);
    if (!c)
        c = x->started_us < y->started_us ? -1 : x->started_us > y->started_us;
    return c;
}

#define ACROSS_ASNS 16 /* death ASes counted per prefix; more are rare and count as deaths without an AS */

int pm_peers_across(const struct pm_run *const *runs, struct pm_analysis *const *as, uint32_t n,
                    struct pm_peer_across **out, uint32_t *n_out, char *errbuf)
{
    *out = NULL;
    *n_out = 0;
    size_t total = 0;
    for (uint32_t i = 0; i < n; i++)
        total += as[i] ? as[i]->n_prefix : 0;
    if (!total)
        return PM_OK;
    struct seen *sn = calloc(total, sizeof *sn);
    struct pm_peer_across *res = calloc(total, sizeof *res);
    if (!sn || !res) {
        free(sn);
        free(res);
        return pm_err(errbuf, PM_ENOMEM, "out of memory");
    }
    size_t m = 0;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t k = 0; as[i] && k < as[i]->n_prefix; k++) {
            const struct pm_rollup *r = &as[i]->by_prefix[k];
            struct seen *s = &sn[m++];
            snprintf(s->key, sizeof s->key, "%s", r->key);
            s->vantage = runs[i]->input.vantage_id[0] ? runs[i]->input.vantage_id : runs[i]->vantage;
            s->started_us = runs[i]->started_us;
            s->state = r->reached ? 1 : r->died ? 2 : 0;
            s->asn = r->dies_in.asn;
            s->name = r->dies_in.name;
        }
    /* by prefix, vantage, time: the last of each (prefix, vantage) run is the one that counts */
    qsort(sn, m, sizeof *sn, by_key_vantage);
    size_t n_res = 0;
    uint32_t asn[ACROSS_ASNS], cnt[ACROSS_ASNS];
    const char *names[ACROSS_ASNS];
    uint32_t n_asn = 0;
    for (size_t i = 0; i < m; i++) {
        bool new_key = i == 0 || strcmp(sn[i].key, sn[i - 1].key);
        if (new_key) {
            snprintf(res[n_res++].key, sizeof res[0].key, "%s", sn[i].key);
            n_asn = 0;
        }
        if (i + 1 < m && !strcmp(sn[i].key, sn[i + 1].key) && !strcmp(sn[i].vantage, sn[i + 1].vantage))
            continue; /* a later round of this vantage follows */
        struct pm_peer_across *a = &res[n_res - 1];
        a->vantages++;
        if (sn[i].state == 1)
            a->reached++;
        if (sn[i].state != 2)
            continue;
        a->died++;
        uint32_t s = 0;
        while (s < n_asn && asn[s] != sn[i].asn)
            s++;
        if (s == n_asn && n_asn < ACROSS_ASNS) {
            asn[s] = sn[i].asn;
            names[s] = sn[i].name;
            cnt[s] = 0;
            n_asn++;
        }
        if (s < n_asn && ++cnt[s] > a->top_n) {
            a->top_n = cnt[s];
            a->top_asn = asn[s];
            snprintf(a->top_name, sizeof a->top_name, "%s", names[s]);
        }
    }
    free(sn);
    qsort(res, n_res, sizeof *res, by_key);
    *out = res;
    *n_out = (uint32_t)n_res;
    return PM_OK;
}
