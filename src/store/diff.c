/* diff.c - what changed between two snapshots, per target and per /24: status, upstream, death point, hops. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "util/grow.h"

struct diff_builder {
    struct pm_diff *d;
    size_t cap;
};

static struct pm_diff_entry *add_entry(struct diff_builder *bd)
{
    /* a diff lists at most every target and /24 of both sides */
    if (PM_GROW(bd->d->entries, bd->cap, bd->d->n + 1, 64, (size_t)4 * PM_STORE_MAX_TARGETS) != PM_OK)
        return NULL;
    struct pm_diff_entry *e = &bd->d->entries[bd->d->n++];
    memset(e, 0, sizeof *e);
    return e;
}

static int addr_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* The lowest TTL a target heard (its hops are sorted by TTL); 0: none. */
static uint8_t lowest_ttl(const struct pm_snapshot *s, const struct pm_snap_target *t)
{
    return t->n_hops && t->first_hop < s->n_hops ? s->hops[t->first_hop].ttl : 0;
}

/* Distinct responding addresses of a target, sorted; *n of them in a
 * malloc'd array. The hops below where it started are filled in from the
 * other targets of its /24 (the stop set: shared, not probed again), so a
 * hop only not re-probed is not taken for a hop that vanished. */
static uint32_t *hop_set(const struct pm_snapshot *s, const struct pm_snap_target *t, uint32_t *n)
{
    uint8_t low = lowest_ttl(s, t);
    uint32_t net = t->dst & 0xffffff00u, lo = (uint32_t)(t - s->targets), hi = lo + 1;
    while (lo > 0 && (s->targets[lo - 1].dst & 0xffffff00u) == net)
        lo--;
    while (hi < s->n_targets && (s->targets[hi].dst & 0xffffff00u) == net)
        hi++;
    size_t room = t->n_hops;
    if (low > 1)
        for (uint32_t k = lo; k < hi; k++)
            if (&s->targets[k] != t)
                room += s->targets[k].n_hops;
    uint32_t *v = malloc((room ? room : 1) * sizeof *v);
    if (!v)
        return NULL;
    uint32_t k = 0;
    for (uint32_t i = 0; i < t->n_hops && (uint64_t)t->first_hop + i < s->n_hops; i++)
        v[k++] = s->hops[t->first_hop + i].from;
    for (uint32_t o = lo; low > 1 && o < hi; o++) {
        const struct pm_snap_target *u = &s->targets[o];
        for (uint32_t i = 0; u != t && i < u->n_hops && (uint64_t)u->first_hop + i < s->n_hops; i++) {
            const struct pm_snap_hop *h = &s->hops[u->first_hop + i];
            if (h->ttl >= low)
                break; /* sorted by TTL */
            v[k++] = h->from;
        }
    }
    qsort(v, k, sizeof *v, addr_cmp);
    uint32_t u = 0;
    for (uint32_t i = 0; i < k; i++)
        if (!u || v[u - 1] != v[i])
            v[u++] = v[i];
    *n = u;
    return v;
}

static void copy_verdict(struct pm_snap_target *dst, const struct pm_snap_target *src)
{
    *dst = *src;
    dst->evidence_json = NULL;
    dst->first_hop = dst->n_hops = 0;
}

static int compare_target(struct diff_builder *bd, const struct pm_snapshot *A, const struct pm_snap_target *a,
                          const struct pm_snapshot *B, const struct pm_snap_target *b)
{
    uint32_t changes = 0;
    if (!a)
        changes |= PM_DIFF_ADDED;
    if (!b)
        changes |= PM_DIFF_REMOVED;
    uint32_t na = 0, nb = 0, *ha = NULL, *hb = NULL;
    if (a && b) {
        if (a->status != b->status)
            changes |= PM_DIFF_STATUS;
        if (a->upstream.asn != b->upstream.asn)
            changes |= PM_DIFF_UPSTREAM;
        if (a->status == PM_STATUS_DIED && b->status == PM_STATUS_DIED &&
            (a->last_addr != b->last_addr || a->last_ttl != b->last_ttl || a->dies_in.asn != b->dies_in.asn ||
             a->kind != b->kind))
            changes |= PM_DIFF_DEATH;
        ha = hop_set(A, a, &na);
        hb = hop_set(B, b, &nb);
        if (!ha || !hb) {
            free(ha);
            free(hb);
            return PM_ENOMEM;
        }
    }
    struct pm_diff_entry tmp;
    memset(&tmp, 0, sizeof tmp);
    uint32_t i = 0, j = 0;
    while (i < na || j < nb) {
        if (j >= nb || (i < na && ha[i] < hb[j])) {
            if (tmp.n_vanished < PM_DIFF_ADDRS_MAX)
                tmp.vanished[tmp.n_vanished] = ha[i];
            tmp.n_vanished++;
            i++;
        } else if (i >= na || hb[j] < ha[i]) {
            if (tmp.n_appeared < PM_DIFF_ADDRS_MAX)
                tmp.appeared[tmp.n_appeared] = hb[j];
            tmp.n_appeared++;
            j++;
        } else {
            i++;
            j++;
        }
    }
    free(ha);
    free(hb);
    if (tmp.n_appeared || tmp.n_vanished)
        changes |= PM_DIFF_HOPS;
    if (!changes) {
        bd->d->unchanged_targets++;
        return PM_OK;
    }
    struct pm_diff_entry *e = add_entry(bd);
    if (!e)
        return PM_ENOMEM;
    *e = tmp;
    e->changes = changes;
    pm_addr_str(a ? a->dst : b->dst, e->key);
    if (a)
        copy_verdict(&e->a, a);
    if (b)
        copy_verdict(&e->b, b);
    return PM_OK;
}

/* A /24's state as the status of its diff side (reachable and partial
 * networks answer; unknown is nothing probed, never a death). */
static uint8_t prefix_status(uint8_t state)
{
    switch (state) {
    case PM_NET_REACHABLE: case PM_NET_PARTIAL: return PM_STATUS_REACHED;
    case PM_NET_UNKNOWN: return PM_STATUS_NOT_PROBED;
    default: return PM_STATUS_DIED;
    }
}

static int compare_prefixes(struct diff_builder *bd, const struct pm_snapshot *A, const struct pm_snapshot *B)
{
    uint32_t i = 0, j = 0;
    while (i < A->n_targets || j < B->n_targets) {
        uint32_t pa = i < A->n_targets ? A->targets[i].dst & 0xffffff00u : UINT32_MAX;
        uint32_t pb = j < B->n_targets ? B->targets[j].dst & 0xffffff00u : UINT32_MAX;
        uint32_t p = pa < pb ? pa : pb; /* UINT32_MAX is never a /24 base */
        uint32_t ia = i, jb = j;
        while (i < A->n_targets && (A->targets[i].dst & 0xffffff00u) == p && pa == p)
            i++;
        while (j < B->n_targets && (B->targets[j].dst & 0xffffff00u) == p && pb == p)
            j++;
        struct pm_p24 sa, sb;
        bool has_a = i > ia, has_b = j > jb;
        if (has_a)
            pm_store_summarise_24(&A->targets[ia], i - ia, &sa);
        if (has_b)
            pm_store_summarise_24(&B->targets[jb], j - jb, &sb);
        uint32_t changes = 0;
        if (!has_a)
            changes |= PM_DIFF_ADDED;
        if (!has_b)
            changes |= PM_DIFF_REMOVED;
        if (has_a && has_b) {
            if (sa.state != sb.state)
                changes |= PM_DIFF_STATUS;
            if (sa.reached != sb.reached || sa.total != sb.total)
                changes |= PM_DIFF_REACHED_COUNT;
            if (sa.upstream.asn != sb.upstream.asn)
                changes |= PM_DIFF_UPSTREAM;
            if (sa.died && sb.died && sa.dies_in.asn != sb.dies_in.asn)
                changes |= PM_DIFF_DEATH;
        }
        if (!changes)
            continue;
        struct pm_diff_entry *e = add_entry(bd);
        if (!e)
            return PM_ENOMEM;
        e->is_prefix = true;
        e->changes = changes;
        char a[16];
        snprintf(e->key, sizeof e->key, "%s/24", pm_addr_str(p, a));
        if (has_a) {
            e->a_reached = sa.reached, e->a_total = sa.total;
            e->a_state = sa.state;
            e->a.status = prefix_status(sa.state);
            e->a.upstream = sa.upstream, e->a.dies_in = sa.dies_in;
        }
        if (has_b) {
            e->b_reached = sb.reached, e->b_total = sb.total;
            e->b_state = sb.state;
            e->b.status = prefix_status(sb.state);
            e->b.upstream = sb.upstream, e->b.dies_in = sb.dies_in;
        }
    }
    return PM_OK;
}

/* Targets per upstream AS of one snapshot. */
struct up_count {
    struct pm_as_ref as;
    uint32_t reached, died, total;
};
#define DIFF_UPSTREAMS_MAX 4096

static uint32_t count_upstreams(const struct pm_snapshot *s, struct up_count *u)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->n_targets; i++) {
        const struct pm_snap_target *t = &s->targets[i];
        if (!t->upstream.asn)
            continue;
        uint32_t k = 0;
        while (k < n && u[k].as.asn != t->upstream.asn)
            k++;
        if (k == n) {
            if (n >= DIFF_UPSTREAMS_MAX)
                continue;
            memset(&u[n], 0, sizeof u[n]);
            u[n++].as = t->upstream;
        }
        u[k].total++;
        u[k].reached += t->status == PM_STATUS_REACHED || t->status == PM_STATUS_HOST_ABSENT;
        u[k].died += t->status == PM_STATUS_DIED;
    }
    return n;
}

static uint8_t up_state(const struct up_count *c)
{
    if (!c || !c->total || (!c->reached && !c->died))
        return PM_NET_UNKNOWN;
    return !c->died ? PM_NET_REACHABLE : !c->reached ? PM_NET_DEAD : PM_NET_PARTIAL;
}

static int compare_upstreams(struct diff_builder *bd, const struct pm_snapshot *A, const struct pm_snapshot *B)
{
    struct up_count *ua = calloc(DIFF_UPSTREAMS_MAX, sizeof *ua), *ub = calloc(DIFF_UPSTREAMS_MAX, sizeof *ub);
    int rc = ua && ub ? PM_OK : PM_ENOMEM;
    uint32_t na = rc ? 0 : count_upstreams(A, ua), nb = rc ? 0 : count_upstreams(B, ub);
    for (uint32_t side = 0; !rc && side < 2; side++) {
        /* each AS once: A's in A's order, then those only B has */
        for (uint32_t i = 0; !rc && i < (side ? nb : na); i++) {
            const struct up_count *ca = NULL, *cb = NULL;
            uint32_t asn = side ? ub[i].as.asn : ua[i].as.asn;
            for (uint32_t k = 0; k < na && !ca; k++)
                ca = ua[k].as.asn == asn ? &ua[k] : NULL;
            for (uint32_t k = 0; k < nb && !cb; k++)
                cb = ub[k].as.asn == asn ? &ub[k] : NULL;
            if (side && ca)
                continue;
            uint32_t changes = !ca ? PM_DIFF_ADDED : !cb ? PM_DIFF_REMOVED : 0;
            if (ca && cb) {
                if (up_state(ca) != up_state(cb))
                    changes |= PM_DIFF_STATUS;
                if (ca->reached != cb->reached || ca->total != cb->total)
                    changes |= PM_DIFF_REACHED_COUNT;
            }
            if (!changes)
                continue;
            struct pm_diff_entry *e = add_entry(bd);
            if (!e) {
                rc = PM_ENOMEM;
                break;
            }
            e->is_upstream = true;
            e->changes = changes;
            snprintf(e->key, sizeof e->key, "AS%u", asn);
            if (ca) {
                e->a_reached = ca->reached, e->a_total = ca->total, e->a_state = up_state(ca);
                e->a.upstream = ca->as;
                e->a.status = prefix_status(e->a_state);
            }
            if (cb) {
                e->b_reached = cb->reached, e->b_total = cb->total, e->b_state = up_state(cb);
                e->b.upstream = cb->as;
                e->b.status = prefix_status(e->b_state);
            }
        }
    }
    free(ua);
    free(ub);
    return rc;
}

static bool within(uint32_t addr, uint32_t prefix, uint8_t len)
{
    uint32_t mask = pm_prefix_mask(len);
    return (addr & mask) == (prefix & mask);
}

void pm_diff_filter(struct pm_diff *d, uint32_t prefix, uint8_t prefix_len, bool summary)
{
    size_t k = 0;
    bool scoped = prefix_len > 0;
    for (size_t i = 0; i < d->n; i++) {
        const struct pm_diff_entry *e = &d->entries[i];
        bool keep;
        uint32_t a = 0;
        if (e->is_upstream) {
            keep = !scoped || summary;
        } else {
            /* the key is an address or "a.b.c.0/24": its address part */
            char base[48];
            snprintf(base, sizeof base, "%s", e->key);
            char *slash = strchr(base, '/');
            if (slash)
                *slash = '\0';
            if (pm_addr_parse(base, &a) != PM_OK)
                a = 0;
            bool inside = !scoped || within(a, prefix, prefix_len) ||
                          (e->is_prefix && prefix_len > 24 && within(prefix, a, 24));
            keep = inside && (e->is_prefix || (scoped && !summary));
            if (!e->is_prefix && !keep)
                d->unlisted_targets++;
        }
        if (keep)
            d->entries[k++] = d->entries[i];
    }
    d->n = k;
}

int pm_store_diff(const struct pm_snapshot *a, const struct pm_snapshot *b, struct pm_diff **out, char *errbuf)
{
    *out = NULL;
    struct pm_diff *d = calloc(1, sizeof *d);
    if (!d)
        return pm_err(errbuf, PM_ENOMEM, "out of memory comparing snapshots");
    d->a_id = a->id, d->b_id = b->id;
    d->a_started_us = a->started_us, d->b_started_us = b->started_us;
    struct diff_builder bd = {.d = d};
    int rc = compare_prefixes(&bd, a, b);
    if (!rc)
        rc = compare_upstreams(&bd, a, b);
    uint32_t i = 0, j = 0;
    while (!rc && (i < a->n_targets || j < b->n_targets)) {
        const struct pm_snap_target *ta = i < a->n_targets ? &a->targets[i] : NULL;
        const struct pm_snap_target *tb = j < b->n_targets ? &b->targets[j] : NULL;
        if (ta && tb && ta->dst == tb->dst) {
            rc = compare_target(&bd, a, ta, b, tb);
            i++, j++;
        } else if (ta && (!tb || ta->dst < tb->dst)) {
            rc = compare_target(&bd, a, ta, b, NULL);
            i++;
        } else {
            rc = compare_target(&bd, a, NULL, b, tb);
            j++;
        }
    }
    if (!rc)
        rc = pm_snap_names_copy(a, &d->a_names, &d->a_n_names);
    if (!rc)
        rc = pm_snap_names_copy(b, &d->b_names, &d->b_n_names);
    if (rc) {
        pm_diff_free(d);
        return pm_err(errbuf, PM_ENOMEM, "out of memory comparing snapshots");
    }
    *out = d;
    return PM_OK;
}

void pm_diff_free(struct pm_diff *d)
{
    if (!d)
        return;
    free(d->entries);
    free(d->a_names);
    free(d->b_names);
    free(d);
}
