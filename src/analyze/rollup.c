/* rollup.c - verdicts rolled up per prefix and per upstream: counts, dominant upstream, dominant death point; text lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/internal.h"
#include "util/grow.h"

struct dp {
    uint32_t count;
    uint32_t ti;     /* first target with this death point */
};

/* Fills out[g] for n_groups groups; gof[ti] is the group of target ti. */
static int fill(const struct az_ctx *c, const struct pm_verdict *v, const uint32_t *gof, uint32_t n_groups,
                struct pm_rollup *out)
{
    struct pm_map ups = {0}, deaths = {0};
    struct dp *dps = NULL;
    uint32_t n_dps = 0, cap_dps = 0;
    double *confsum = calloc(n_groups ? n_groups : 1, sizeof *confsum);
    uint32_t *upbest = calloc(n_groups ? n_groups : 1, sizeof *upbest);
    int rc = confsum && upbest ? PM_OK : PM_ENOMEM;
    for (uint32_t ti = 0; ti < c->run->n_targets && rc == PM_OK; ti++) {
        struct pm_rollup *r = &out[gof[ti]];
        const struct pm_verdict *x = &v[ti];
        r->total++;
        confsum[gof[ti]] += x->confidence;
        if (x->status == PM_STATUS_REACHED)
            r->reached++;
        else if (x->kind == PM_DEATH_RATE_LIMITED)
            r->rate_limited++;
        else
            r->died++;
        if (x->upstream.asn) {
            uint32_t *u = pm_map_put(&ups, ((uint64_t)gof[ti] << 32) | x->upstream.asn, 0, NULL);
            if (!u) {
                rc = PM_ENOMEM;
                break;
            }
            (*u)++;
        }
        if (x->status != PM_STATUS_DIED || x->kind == PM_DEATH_RATE_LIMITED)
            continue;
        bool created;
        uint32_t *d = pm_map_put(&deaths, ((uint64_t)gof[ti] << 32) | x->last_addr, n_dps, &created);
        if (!d) {
            rc = PM_ENOMEM;
            break;
        }
        if (created) {
            if ((rc = PM_GROW(dps, cap_dps, (size_t)n_dps + 1, 64, PM_MAP_MAX)) != PM_OK)
                break;
            dps[n_dps].count = 0;
            dps[n_dps++].ti = ti;
        }
        dps[*d].count++;
        if (x->last_ttl && x->last_ttl < v[dps[*d].ti].last_ttl)
            dps[*d].ti = ti;   /* the nearest sighting names the hop */
    }
    /* dominant upstream per group: walk the map's slots once */
    for (uint32_t s = 0; s < ups.cap && rc == PM_OK; s++) {
        if (!ups.used[s])
            continue;
        uint32_t g = (uint32_t)(ups.keys[s] >> 32), asn = (uint32_t)ups.keys[s];
        if (ups.vals[s] > upbest[g] || (ups.vals[s] == upbest[g] && asn < out[g].upstream.asn)) {
            upbest[g] = ups.vals[s];
            az_set_as(c, &out[g].upstream, asn);
        }
    }
    for (uint32_t s = 0; s < deaths.cap && rc == PM_OK; s++) {
        if (!deaths.used[s])
            continue;
        uint32_t g = (uint32_t)(deaths.keys[s] >> 32);
        const struct dp *d = &dps[deaths.vals[s]];
        struct pm_rollup *r = &out[g];
        const struct pm_verdict *x = &v[d->ti];
        if (d->count < r->died_same || (d->count == r->died_same && x->last_addr >= r->death_addr))
            continue;
        r->died_same = d->count;
        r->death_addr = x->last_addr;
        r->death_ttl = x->last_ttl;
        r->death_kind = x->kind;
        r->dies_in = x->dies_in;
        r->death_owner_asn = x->last_asn;
        memcpy(r->death_country, x->last_country, sizeof r->death_country);
    }
    for (uint32_t g = 0; g < n_groups && confsum; g++)
        out[g].confidence = out[g].total ? confsum[g] / out[g].total : 0;
    pm_map_free(&ups);
    pm_map_free(&deaths);
    free(dps);
    free(confsum);
    free(upbest);
    return rc;
}

static int cmp_prefix(const void *a, const void *b)
{
    const struct pm_rollup *x = a, *y = b;
    if (x->prefix != y->prefix)
        return x->prefix < y->prefix ? -1 : 1;
    return x->prefix_len < y->prefix_len ? -1 : x->prefix_len > y->prefix_len;
}

static int cmp_upstream(const void *a, const void *b)
{
    const struct pm_rollup *x = a, *y = b;
    uint64_t ka = x->upstream.asn ? x->upstream.asn : UINT64_MAX, kb = y->upstream.asn ? y->upstream.asn : UINT64_MAX;
    return ka < kb ? -1 : ka > kb;
}

int az_rollups(const struct az_ctx *c, struct pm_analysis *a)
{
    uint32_t n = c->run->n_targets;
    uint32_t *gof = calloc(n ? n : 1, sizeof *gof);
    struct pm_map upidx = {0};
    int rc = gof ? PM_OK : PM_ENOMEM;
    if (rc == PM_OK) {
        a->by_prefix = calloc(c->n_groups ? c->n_groups : 1, sizeof *a->by_prefix);
        rc = a->by_prefix ? PM_OK : PM_ENOMEM;
    }
    if (rc == PM_OK) {
        a->n_prefix = c->n_groups;
        for (uint32_t g = 0; g < c->n_groups; g++) {
            struct pm_rollup *r = &a->by_prefix[g];
            char b[16];
            r->prefix = c->groups[g].prefix;
            r->prefix_len = c->groups[g].len;
            snprintf(r->key, sizeof r->key, "%s/%u", pm_addr_str(r->prefix, b), r->prefix_len);
        }
        for (uint32_t ti = 0; ti < n; ti++)
            gof[ti] = a->verdicts[ti].group;
        rc = fill(c, a->verdicts, gof, c->n_groups, a->by_prefix);
    }
    /* per upstream: one group per upstream ASN seen (0: none found) */
    for (uint32_t ti = 0; ti < n && rc == PM_OK; ti++) {
        uint32_t *slot = pm_map_put(&upidx, (uint64_t)a->verdicts[ti].upstream.asn + 1, upidx.n, NULL);
        if (!slot)
            rc = PM_ENOMEM;
        else
            gof[ti] = *slot;
    }
    if (rc == PM_OK) {
        a->n_upstream = upidx.n;
        a->by_upstream = calloc(upidx.n ? upidx.n : 1, sizeof *a->by_upstream);
        rc = a->by_upstream ? PM_OK : PM_ENOMEM;
    }
    if (rc == PM_OK) {
        rc = fill(c, a->verdicts, gof, a->n_upstream, a->by_upstream);
        for (uint32_t g = 0; g < a->n_upstream; g++) {
            struct pm_rollup *r = &a->by_upstream[g];
            if (r->upstream.asn)
                snprintf(r->key, sizeof r->key, "AS%u", r->upstream.asn);
            else
                snprintf(r->key, sizeof r->key, "unknown");
        }
    }
    if (rc == PM_OK) {
        qsort(a->by_prefix, a->n_prefix, sizeof *a->by_prefix, cmp_prefix);
        qsort(a->by_upstream, a->n_upstream, sizeof *a->by_upstream, cmp_upstream);
        /* verdict.group must follow the sort: map prefix -> new position */
        struct pm_map pos = {0};
        for (uint32_t g = 0; g < a->n_prefix && rc == PM_OK; g++)
            if (!pm_map_put(&pos, ((uint64_t)a->by_prefix[g].prefix << 8) | a->by_prefix[g].prefix_len, g, NULL))
                rc = PM_ENOMEM;
        for (uint32_t ti = 0; ti < n && rc == PM_OK; ti++) {
            const struct az_group *gr = &c->groups[a->verdicts[ti].group];
            uint32_t *p = pm_map_get(&pos, ((uint64_t)gr->prefix << 8) | gr->len);
            a->verdicts[ti].group = p ? *p : 0;
        }
        pm_map_free(&pos);
    }
    pm_map_free(&upidx);
    free(gof);
    return rc;
}

static const char *as_text(const struct pm_as_ref *r, char *buf, size_t len)
{
    if (r->name[0])
        snprintf(buf, len, "%s (AS%u)", r->name, r->asn);
    else
        snprintf(buf, len, "AS%u", r->asn);
    return buf;
}

int pm_rollup_format(const struct pm_rollup *r, char *buf, size_t len)
{
    char up[160], dies[160], ab[16];
    const char *cc = r->death_country[0] ? r->death_country : "??";
    bool per_upstream = r->prefix_len == 0;
    int w = snprintf(buf, len, "%-18s %4u/%u reached", per_upstream && r->upstream.asn ? as_text(&r->upstream, up, sizeof up) : r->key,
                     r->reached, r->total);
    if (w < 0 || (size_t)w >= len)
        return w;
    size_t off = (size_t)w;
#define PUT(...)                                                       \
    do {                                                               \
        int w_ = snprintf(buf + off, len - off, __VA_ARGS__);          \
        if (w_ < 0 || (size_t)w_ >= len - off)                         \
            return (int)off + (w_ < 0 ? 0 : w_);                       \
        off += (size_t)w_;                                             \
    } while (0)
    if (!per_upstream) {
        if (r->upstream.asn)
            PUT("   via %s", as_text(&r->upstream, up, sizeof up));
        else
            PUT("   via an unknown upstream");
    }
    if (r->died) {
        const char *who = r->died_same == r->died && r->died == r->total ? "all" : NULL;
        char cntb[16];
        if (!who) {
            snprintf(cntb, sizeof cntb, "%u", r->died_same);
            who = cntb;
        }
        if (!r->death_addr) {
            PUT(": %u die with no hop answering", r->died);
        } else {
            bool silent = r->death_kind == PM_DEATH_SILENT;
            PUT(": %s die %s %s (AS%u, %s, hop %u), %s", who, silent ? "after" : "at", pm_addr_str(r->death_addr, ab),
                r->death_owner_asn, cc, r->death_ttl, pm_death_name((enum pm_death)r->death_kind));
            if (r->dies_in.asn && r->dies_in.asn != r->death_owner_asn)
                PUT("; blamed on %s", as_text(&r->dies_in, dies, sizeof dies));
        }
    }
    if (r->rate_limited)
        PUT(" (%u silent where neighbours answered: rate-limited, not counted as deaths)", r->rate_limited);
#undef PUT
    return (int)off;
}
