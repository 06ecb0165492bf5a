/* rollup.c - verdicts rolled up per prefix and per upstream: counts, dominant upstream, dominant death point; text lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/internal.h"
#include "util/grow.h"

/* The network answered (hosts, or its routers for dark addresses) and paths
 * died: the two together are a partial network; neither is unknown. */
enum pm_net_state pm_rollup_state(const struct pm_rollup *r)
{
    bool answered = r->reached || r->dark, dead = r->died != 0;
    if (dead)
        return answered ? PM_NET_PARTIAL : PM_NET_DEAD;
    return answered ? PM_NET_REACHABLE : PM_NET_UNKNOWN;
}

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
        else if (x->status == PM_STATUS_HOST_ABSENT)
            r->dark++;
        else if (x->status == PM_STATUS_NOT_PROBED)
            r->not_probed++;
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
        /* the death point copied field by field from the verdict that
         * stands for it (peers/set.c's new_run has the same shape over a run) */
        r->died_same = d->count;
        r->death_addr = x->last_addr;
        r->death_ttl = x->last_ttl;
        r->death_kind = x->kind;
        r->dies_in = x->dies_in;
        r->death_owner_asn = x->last_asn;
        r->death_rule = x->rule;
        memcpy(r->death_country, x->last_country, sizeof r->death_country);
    }
    for (uint32_t g = 0; g < n_groups && confsum; g++) {
        out[g].confidence = out[g].total ? confsum[g] / out[g].total : 0;
        out[g].state = (uint8_t)pm_rollup_state(&out[g]);
    }
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

/* Appends with snprintf; on truncation stops and reports the full length. */
#define PUT(...)                                                       \
    do {                                                               \
        int w_ = snprintf(len > off ? buf + off : NULL, len > off ? len - off : 0, __VA_ARGS__); \
        if (w_ < 0)                                                    \
            return (int)off;                                           \
        off += (size_t)w_;                                             \
    } while (0)

int pm_rollup_death_phrase(const struct pm_rollup *r, char *buf, size_t len)
{
    size_t off = 0;
    char up[sizeof r->dies_in.name + 24], ab[16], cntb[48];
    if (len)
        buf[0] = '\0';
    if (!r->died)
        return 0;
    const char *who = cntb;
    if (r->died_same == r->died && r->died == r->total)
        who = "all";
    else if (r->died_same == r->died)
        snprintf(cntb, sizeof cntb, "the %u dead", r->died);
    else
        snprintf(cntb, sizeof cntb, "%u of the %u dead", r->died_same, r->died);
    if (!r->death_addr) {
        PUT("%s die with no hop answering", who);
        return (int)off;
    }
    const char *cc = r->death_country[0] ? r->death_country : "??";
    bool silent = r->death_kind == PM_DEATH_SILENT;
    const char *kind = pm_death_name((enum pm_death)r->death_kind), *why = pm_rule_inference(r->death_rule);
    uint32_t owner = r->death_owner_asn ? r->death_owner_asn : r->dies_in.asn; /* older documents lack it */
    if (r->dies_in.asn && r->dies_in.asn == owner && !why[0]) {
        /* the dying router is inferred to be in the network blamed */
        PUT("%s die in %s %s %s (%s, hop %u), %s", who, as_text(&r->dies_in, up, sizeof up), silent ? "after" : "at",
            pm_addr_str(r->death_addr, ab), cc, r->death_ttl, kind);
        return (int)off;
    }
    PUT("%s die %s %s (AS%u, %s, hop %u), %s", who, silent ? "after" : "at", pm_addr_str(r->death_addr, ab), owner, cc,
        r->death_ttl, kind);
    if (r->dies_in.asn)
        PUT("; blamed on %s (inferred: %s)", as_text(&r->dies_in, up, sizeof up),
            why[0] ? why : "deduced from the paths around it");
    return (int)off;
}

int pm_rollup_format(const struct pm_rollup *r, char *buf, size_t len)
{
    char up[sizeof r->upstream.name + 24];
    size_t off = 0;
    if (len)
        buf[0] = '\0';
    bool per_upstream = r->prefix_len == 0;
    PUT("%-18s %-9s", per_upstream && r->upstream.asn ? as_text(&r->upstream, up, sizeof up) : r->key,
        pm_net_state_name((enum pm_net_state)r->state));
    /* the counts a user weighs the state by: live hosts, dark addresses, dead paths */
    const char *sep = " ";
    if (r->reached || !(r->dark || r->died || r->not_probed || r->rate_limited)) {
        PUT("%s%u live", sep, r->reached);
        sep = ", ";
    }
    if (r->dark) {
        PUT("%s%u dark", sep, r->dark);
        sep = ", ";
    }
    if (r->died) {
        PUT("%s%u dead path%s", sep, r->died, r->died == 1 ? "" : "s");
        sep = ", ";
    }
    if (r->rate_limited) {
        PUT("%s%u rate-limited", sep, r->rate_limited);
        sep = ", ";
    }
    if (r->not_probed)
        PUT("%s%u not probed", sep, r->not_probed);
    PUT(" of %u", r->total);
    if (!per_upstream) {
        if (r->upstream.asn)
            PUT("   via %s", as_text(&r->upstream, up, sizeof up));
        else
            PUT("   via an unknown upstream");
    }
    if (r->died) {
        PUT(": ");
        int w = pm_rollup_death_phrase(r, off < len ? buf + off : NULL, off < len ? len - off : 0);
        if (w > 0)
            off += (size_t)w;
    }
    if (off >= len && len)
        buf[len - 1] = '\0';
    return (int)off;
}
#undef PUT
