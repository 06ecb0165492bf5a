/* hints.c - stored history as evidence for router ownership: routers directly followed by the target AS on reached paths. */
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "store/pg.h"
#include "util/grow.h"

struct acc {
    struct pm_owner_hint *v;
    size_t n, cap;
    int64_t *last_snap; /* parallel: last snapshot counted per hint */
};

static int note(struct acc *a, uint32_t addr, uint32_t addr_asn, uint32_t next_asn, int64_t snap, uint64_t when,
                char *errbuf)
{
    size_t lo = 0, hi = a->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct pm_owner_hint *h = &a->v[mid];
        if (h->addr < addr || (h->addr == addr && h->next_asn < next_asn))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < a->n && a->v[lo].addr == addr && a->v[lo].next_asn == next_asn) {
        struct pm_owner_hint *h = &a->v[lo];
        if (a->last_snap[lo] != snap) {
            h->n_snapshots++;
            a->last_snap[lo] = snap;
        }
        if (when > h->last_seen_us) {
            h->last_seen_us = when;
            h->addr_asn = addr_asn;
        }
        return PM_OK;
    }
    if (a->n >= PM_OWNER_HINTS_MAX)
        return PM_OK; /* cap reached: later routers are not hinted */
    /* two parallel arrays, one capacity: it moves once both have grown */
    size_t cap_v = a->cap, cap_l = a->cap;
    if (PM_GROW(a->v, cap_v, a->n + 1, 64, PM_OWNER_HINTS_MAX) != PM_OK ||
        PM_GROW(a->last_snap, cap_l, a->n + 1, 64, PM_OWNER_HINTS_MAX) != PM_OK)
        return pm_err(errbuf, PM_ENOMEM, "out of memory");
    a->cap = cap_v;
    memmove(&a->v[lo + 1], &a->v[lo], (a->n - lo) * sizeof *a->v);
    memmove(&a->last_snap[lo + 1], &a->last_snap[lo], (a->n - lo) * sizeof *a->last_snap);
    a->v[lo] = (struct pm_owner_hint){.addr = addr, .addr_asn = addr_asn, .next_asn = next_asn, .n_snapshots = 1,
                                      .last_seen_us = when};
    a->last_snap[lo] = snap;
    a->n++;
    return PM_OK;
}

/* A server store computes the hints itself (pm_pg_owner_hints): what
 * comes back is one checked row per hint, already sorted and merged. */
static int server_hints(struct pm_store *s, uint64_t since_us, uint32_t target_asn, struct pm_owner_hint **out,
                        size_t *n, char *errbuf)
{
    int rc = pm_pg_owner_hints(s, since_us, target_asn, NULL, errbuf);
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = pm_store_prepare(s, "SELECT addr, addr_asn, next_asn, n_snapshots, last_seen_us FROM pm_hints"
                                 " ORDER BY addr, next_asn", &st, errbuf);
    struct pm_owner_hint *v = NULL;
    size_t k = 0, cap = 0;
    int sr = SQLITE_DONE;
    while (!rc && (sr = sqlite3_step(st)) == SQLITE_ROW) {
        if (PM_GROW(v, cap, k + 1, 64, PM_OWNER_HINTS_MAX) != PM_OK)
            break; /* the cap: later routers are not hinted, as below */
        struct pm_owner_hint *h = &v[k];
        int64_t last;
        rc = pm_col_u32(st, 0, &h->addr, errbuf);
        if (!rc)
            rc = pm_col_u32(st, 1, &h->addr_asn, errbuf);
        if (!rc)
            rc = pm_col_u32(st, 2, &h->next_asn, errbuf);
        if (!rc)
            rc = pm_col_u32(st, 3, &h->n_snapshots, errbuf);
        if (!rc && !(rc = pm_col_i64(st, 4, 0, INT64_MAX, &last, errbuf)))
            h->last_seen_us = (uint64_t)last;
        if (!rc)
            k++;
    }
    if (!rc && sr != SQLITE_DONE && sr != SQLITE_ROW)
        rc = pm_store_sqlerr(s, sr, "reading ownership hints", errbuf);
    sqlite3_finalize(st);
    if (rc) {
        free(v);
        return rc;
    }
    *out = v;
    *n = k;
    return PM_OK;
}

int pm_store_owner_hints(struct pm_store *s, uint64_t since_us, uint32_t target_asn, struct pm_owner_hint **out,
                         size_t *n, char *errbuf)
{
    *out = NULL;
    *n = 0;
    if (s->pg)
        return server_hints(s, since_us, target_asn, out, n, errbuf);
    sqlite3_stmt *st;
    int rc = pm_store_prepare(s,
                              "SELECT h.snapshot, s.started_us, s.target_asn, h.dst, h.ttl, h.from_addr, h.asn"
                              " FROM hops h JOIN targets t ON t.snapshot = h.snapshot AND t.dst = h.dst"
                              " JOIN snapshots s ON s.id = h.snapshot"
                              " WHERE s.started_us >= ? AND t.status = 'reached'"
                              " ORDER BY h.snapshot, h.dst, h.ttl, h.attempt",
                              &st, errbuf);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, since_us > INT64_MAX ? INT64_MAX : (int64_t)since_us);
    struct acc a = {0};
    int64_t cur_snap = -1;
    uint32_t cur_dst = 0, prev_addr = 0, prev_asn = 0;
    uint8_t prev_ttl = 0;
    bool crossed = false;
    int sr;
    while (!rc && (sr = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t snap, started;
        uint32_t tasn, dst, from, asn;
        uint8_t ttl;
        rc = pm_col_i64(st, 0, 1, INT64_MAX, &snap, errbuf);
        if (!rc)
            rc = pm_col_i64(st, 1, 0, INT64_MAX, &started, errbuf);
        if (!rc)
            rc = pm_col_u32(st, 2, &tasn, errbuf);
        if (!rc)
            rc = pm_col_u32(st, 3, &dst, errbuf);
        if (!rc)
            rc = pm_col_u8(st, 4, PM_TTL_MAX, &ttl, errbuf);
        if (!rc)
            rc = pm_col_u32(st, 5, &from, errbuf);
        if (!rc)
            rc = pm_col_u32(st, 6, &asn, errbuf);
        if (rc)
            break;
        if (snap != cur_snap || dst != cur_dst) {
            cur_snap = snap;
            cur_dst = dst;
            prev_addr = prev_asn = 0;
            prev_ttl = 0;
            crossed = false;
        }
        if (crossed || ttl == prev_ttl)
            continue; /* one reply per TTL; only the first crossing of a path */
        uint32_t want = target_asn ? target_asn : tasn;
        bool in_target = want && (asn == want || from == dst);
        if (in_target && prev_addr && prev_asn != want && prev_addr != from) {
            rc = note(&a, prev_addr, prev_asn, want, snap, (uint64_t)started, errbuf);
            crossed = true;
        }
        if (in_target)
            crossed = true;
        prev_addr = from;
        prev_asn = asn;
        prev_ttl = ttl;
    }
    if (!rc && sr != SQLITE_DONE)
        rc = pm_store_sqlerr(s, sr, "reading hops for ownership hints", errbuf);
    sqlite3_finalize(st);
    free(a.last_snap);
    if (rc) {
        free(a.v);
        return rc;
    }
    *out = a.v;
    *n = a.n;
    return PM_OK;
}

int pm_store_history_facts(struct pm_store *s, uint64_t since_us, uint32_t target_asn, struct pm_history_fact **out,
                           uint32_t *n, char *errbuf)
{
    *out = NULL;
    *n = 0;
    struct pm_owner_hint *h;
    size_t nh;
    int rc = pm_store_owner_hints(s, since_us, target_asn, &h, &nh, errbuf);
    if (rc)
        return rc;
    /* calloc(n ? n : 1), freeing what came before on failure: the store's
     * allocation idiom (prom.c has it too), over other types */
    struct pm_history_fact *f = calloc(nh ? nh : 1, sizeof *f);
    if (!f) {
        free(h);
        return pm_err(errbuf, PM_ENOMEM, "out of memory");
    }
    /* hints are sorted by (addr, next AS): one fact per address */
    uint32_t k = 0;
    for (size_t i = 0; i < nh; i++) {
        if (k && f[k - 1].addr == h[i].addr)
            continue;
        f[k].addr = h[i].addr;
        f[k].followed_by_target = true;
        f[k].owner_asn = h[i].addr_asn;
        k++;
    }
    free(h);
    *out = f;
    *n = k;
    return PM_OK;
}
