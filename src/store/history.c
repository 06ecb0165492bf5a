/* history.c - episodes of reachability per /24 and per upstream, merged from consecutive snapshots in the same state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"

/* Targets of one group (a /24 or an upstream) in one snapshot, bucketed by
 * their verdict. A /24 is "reached" when any target in it was reached: in a
 * real /24 most addresses hold no host and die silently inside the target AS,
 * so "some answered" is what tells the space is reachable. */
#define BUCKETS_MAX 256

struct bucket {
    uint8_t status, kind;
    uint32_t dies_asn, up_asn, addr, count;
    char dies_name[128], up_name[128];
};

struct group_snap {
    uint32_t group;
    int64_t snap;
    uint64_t started_us;
    uint32_t total, reached, n;
    struct bucket b[BUCKETS_MAX];
};

struct builder {
    struct pm_history *h;
    const uint64_t *times;   /* start of every snapshot in the window, ascending */
    size_t n_times;
    size_t cap;
    bool is_upstream;
    bool open;               /* h->episodes[h->n - 1] may still grow */
    uint32_t open_group;
};

static void dominant(const struct group_snap *g, struct pm_episode *e)
{
    /* upstream: a known ASN before an unknown one, then most targets */
    uint32_t best = 0;
    bool best_known = false;
    for (uint32_t i = 0; i < g->n; i++) {
        uint32_t sum = 0;
        for (uint32_t j = 0; j < g->n; j++)
            if (g->b[j].up_asn == g->b[i].up_asn)
                sum += g->b[j].count;
        bool known = g->b[i].up_asn != 0;
        if (i == 0 || (known && !best_known) || (known == best_known && sum > best)) {
            best = sum;
            best_known = known;
            e->upstream.asn = g->b[i].up_asn;
            snprintf(e->upstream.name, sizeof e->upstream.name, "%s", g->b[i].up_name);
        }
    }
    if (e->state != PM_EPISODE_DIED)
        return;
    /* death AS: most died targets; then the biggest death point inside it */
    best = 0;
    for (uint32_t i = 0; i < g->n; i++) {
        if (g->b[i].status != PM_STATUS_DIED)
            continue;
        uint32_t sum = 0;
        for (uint32_t j = 0; j < g->n; j++)
            if (g->b[j].status == PM_STATUS_DIED && g->b[j].dies_asn == g->b[i].dies_asn)
                sum += g->b[j].count;
        if (sum > best || (sum == best && g->b[i].dies_asn < e->dies_in.asn)) {
            best = sum;
            e->dies_in.asn = g->b[i].dies_asn;
            snprintf(e->dies_in.name, sizeof e->dies_in.name, "%s", g->b[i].dies_name);
        }
    }
    best = 0;
    for (uint32_t i = 0; i < g->n; i++)
        if (g->b[i].status == PM_STATUS_DIED && g->b[i].dies_asn == e->dies_in.asn && g->b[i].count > best) {
            best = g->b[i].count;
            e->death_addr = g->b[i].addr;
            e->death_kind = g->b[i].kind;
        }
}

static void group_key(uint32_t group, bool is_upstream, char *key, size_t len)
{
    char a[16];
    if (!is_upstream)
        snprintf(key, len, "%s/24", pm_addr_str(group, a));
    else if (group)
        snprintf(key, len, "AS%u", group);
    else
        snprintf(key, len, "unknown");
}

/* Start of the first snapshot after t, or 0 when t is the last one: the
 * moment the episode's state was no longer seen (changed, or the group was
 * absent from that snapshot). */
static uint64_t next_after(const struct builder *bd, uint64_t t)
{
    size_t lo = 0, hi = bd->n_times;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (bd->times[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < bd->n_times ? bd->times[lo] : 0;
}

/* Closes one (group, snapshot) and merges it into the open episode or opens a new one. */
/* The group's last episode: ongoing only if the group was in the latest snapshot. */
static void close_open(struct builder *bd)
{
    if (bd->open && bd->h->n)
        bd->h->episodes[bd->h->n - 1].end_us = next_after(bd, bd->h->episodes[bd->h->n - 1].last_us);
    bd->open = false;
}

static int flush(struct builder *bd, const struct group_snap *g, char *errbuf)
{
    if (!g->total)
        return PM_OK;
    struct pm_episode cur;
    memset(&cur, 0, sizeof cur);
    cur.is_upstream = bd->is_upstream;
    group_key(g->group, bd->is_upstream, cur.key, sizeof cur.key);
    cur.state = g->reached ? PM_EPISODE_REACHED : PM_EPISODE_DIED;
    dominant(g, &cur);
    struct pm_history *h = bd->h;
    if (bd->open && bd->open_group == g->group) {
        struct pm_episode *last = &h->episodes[h->n - 1];
        bool same = last->state == cur.state &&
                    (cur.state == PM_EPISODE_REACHED || last->dies_in.asn == cur.dies_in.asn);
        /* a snapshot in which the group was absent ends the episode too */
        bool adjacent = g->started_us == last->last_us || next_after(bd, last->last_us) == g->started_us;
        if (same && adjacent) {
            last->snapshots++;
            last->last_us = g->started_us;
            last->reached = g->reached;
            last->total = g->total;
            return PM_OK;
        }
        last->end_us = next_after(bd, last->last_us);
    }
    if (bd->open && bd->open_group != g->group)
        close_open(bd);
    if (h->n >= PM_HISTORY_MAX_EPISODES)
        return pm_err(errbuf, PM_ELIMIT, "more than %u episodes; narrow the window", PM_HISTORY_MAX_EPISODES);
    if (h->n == bd->cap) {
        size_t nc = bd->cap ? bd->cap * 2 : 64;
        struct pm_episode *e = realloc(h->episodes, nc * sizeof *e);
        if (!e)
            return pm_err(errbuf, PM_ENOMEM, "out of memory building history");
        h->episodes = e;
        bd->cap = nc;
    }
    cur.start_us = cur.last_us = g->started_us;
    cur.snapshots = 1;
    cur.reached = g->reached;
    cur.total = g->total;
    h->episodes[h->n++] = cur;
    bd->open = true;
    bd->open_group = g->group;
    return PM_OK;
}

static int build(struct pm_store *s, struct builder *bd, uint64_t since, uint64_t until, uint32_t lo, uint32_t hi,
                 char *errbuf)
{
    char sql[1024];
    const char *gcol = bd->is_upstream ? "t.upstream_asn" : "t.prefix24";
    snprintf(sql, sizeof sql,
             "SELECT %s AS g, s.started_us, s.id, t.status, t.kind, t.dies_in_asn, MAX(t.dies_in_name),"
             " t.upstream_asn, MAX(t.upstream_name), t.last_addr, COUNT(*)"
             " FROM targets t JOIN snapshots s ON s.id = t.snapshot"
             " WHERE s.started_us >= ? AND s.started_us <= ? AND t.dst >= ? AND t.dst <= ?"
             " GROUP BY g, s.id, t.status, t.kind, t.dies_in_asn, t.upstream_asn, t.last_addr"
             " ORDER BY g, s.started_us, s.id",
             gcol);
    sqlite3_stmt *st;
    int rc = pm_store_prepare(s, sql, &st, errbuf);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, (int64_t)since);
    sqlite3_bind_int64(st, 2, until ? (int64_t)until : INT64_MAX);
    sqlite3_bind_int64(st, 3, lo);
    sqlite3_bind_int64(st, 4, hi);
    struct group_snap *g = calloc(1, sizeof *g);
    if (!g) {
        sqlite3_finalize(st);
        return pm_err(errbuf, PM_ENOMEM, "out of memory building history");
    }
    bool have = false;
    int sr;
    while (!rc && (sr = sqlite3_step(st)) == SQLITE_ROW) {
        uint32_t group, count;
        int64_t started, sid;
        struct bucket b;
        char name[32];
        memset(&b, 0, sizeof b);
        rc = pm_col_u32(st, 0, &group, errbuf);
        if (!rc)
            rc = pm_col_i64(st, 1, 0, INT64_MAX, &started, errbuf);
        if (!rc)
            rc = pm_col_i64(st, 2, 1, INT64_MAX, &sid, errbuf);
        if (!rc && !(rc = pm_col_text(st, 3, false, name, sizeof name, errbuf)) && pm_store_status_parse(name, &b.status))
            rc = pm_err(errbuf, PM_ECORRUPT, "store row: unknown status '%s'", name);
        if (!rc && !(rc = pm_col_text(st, 4, false, name, sizeof name, errbuf)) && pm_store_death_parse(name, &b.kind))
            rc = pm_err(errbuf, PM_ECORRUPT, "store row: unknown kind '%s'", name);
        if (!rc)
            rc = pm_col_u32(st, 5, &b.dies_asn, errbuf);
        if (!rc)
            rc = pm_col_text(st, 6, false, b.dies_name, sizeof b.dies_name, errbuf);
        if (!rc)
            rc = pm_col_u32(st, 7, &b.up_asn, errbuf);
        if (!rc)
            rc = pm_col_text(st, 8, false, b.up_name, sizeof b.up_name, errbuf);
        if (!rc)
            rc = pm_col_u32(st, 9, &b.addr, errbuf);
        if (!rc)
            rc = pm_col_u32(st, 10, &count, errbuf);
        if (rc)
            break;
        b.count = count;
        if (have && (g->group != group || g->snap != sid)) {
            if ((rc = flush(bd, g, errbuf)))
                break;
            have = false;
        }
        if (!have) {
            memset(g, 0, sizeof *g);
            g->group = group;
            g->snap = sid;
            g->started_us = (uint64_t)started;
            have = true;
        }
        g->total += count;
        if (b.status == PM_STATUS_REACHED)
            g->reached += count;
        if (g->n < BUCKETS_MAX)
            g->b[g->n++] = b; /* past the cap only the counts are kept */
    }
    if (!rc && sr != SQLITE_DONE)
        rc = pm_store_sqlerr(s, sr, "reading history", errbuf);
    if (!rc && have)
        rc = flush(bd, g, errbuf);
    close_open(bd);
    free(g);
    sqlite3_finalize(st);
    return rc;
}

static int load_times(struct pm_store *s, struct builder *bd, uint64_t since, uint64_t until, char *errbuf)
{
    sqlite3_stmt *st;
    int rc = pm_store_prepare(s,
                              "SELECT DISTINCT started_us FROM snapshots WHERE started_us >= ? AND started_us <= ?"
                              " ORDER BY started_us",
                              &st, errbuf);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, (int64_t)since);
    sqlite3_bind_int64(st, 2, until ? (int64_t)until : INT64_MAX);
    uint64_t *v = NULL;
    size_t n = 0, cap = 0;
    int sr;
    while (!rc && (sr = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 256;
            if (nc > PM_STORE_MAX_SNAPSHOTS) {
                rc = pm_err(errbuf, PM_ELIMIT, "more than %u snapshots in the window; narrow it with --since/--until",
                            PM_STORE_MAX_SNAPSHOTS);
                break;
            }
            uint64_t *g = realloc(v, nc * sizeof *g);
            if (!g) {
                rc = pm_err(errbuf, PM_ENOMEM, "out of memory building history");
                break;
            }
            v = g;
            cap = nc;
        }
        int64_t t;
        if (!(rc = pm_col_i64(st, 0, 0, INT64_MAX, &t, errbuf)))
            v[n++] = (uint64_t)t;
    }
    if (!rc && sr != SQLITE_DONE)
        rc = pm_store_sqlerr(s, sr, "reading snapshot times", errbuf);
    sqlite3_finalize(st);
    if (rc) {
        free(v);
        return rc;
    }
    bd->times = v;
    bd->n_times = n;
    return PM_OK;
}

static int span(struct pm_store *s, struct pm_history *h, uint64_t since, uint64_t until, char *errbuf)
{
    sqlite3_stmt *st;
    int rc = pm_store_prepare(s,
                              "SELECT COUNT(*), MIN(started_us), MAX(started_us) FROM snapshots"
                              " WHERE started_us >= ? AND started_us <= ?",
                              &st, errbuf);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, (int64_t)since);
    sqlite3_bind_int64(st, 2, until ? (int64_t)until : INT64_MAX);
    int sr = sqlite3_step(st);
    if (sr != SQLITE_ROW) {
        rc = pm_store_sqlerr(s, sr, "reading history", errbuf);
    } else {
        int64_t n, a = 0, b = 0;
        rc = pm_col_i64(st, 0, 0, INT64_MAX, &n, errbuf);
        if (!rc && n > 0 && !(rc = pm_col_i64(st, 1, 0, INT64_MAX, &a, errbuf)))
            rc = pm_col_i64(st, 2, 0, INT64_MAX, &b, errbuf);
        h->n_snapshots = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
        h->first_us = (uint64_t)a;
        h->last_us = (uint64_t)b;
    }
    sqlite3_finalize(st);
    return rc;
}

int pm_store_history(struct pm_store *s, uint64_t since_us, uint64_t until_us, const char *prefix_filter,
                     struct pm_history **out, char *errbuf)
{
    *out = NULL;
    if (since_us > INT64_MAX || until_us > INT64_MAX)
        return pm_err(errbuf, PM_EINVAL, "time out of range");
    uint32_t lo = 0, hi = UINT32_MAX;
    if (prefix_filter) {
        uint8_t len;
        if (pm_store_prefix_parse(prefix_filter, &lo, &len))
            return pm_err(errbuf, PM_EINVAL, "bad prefix '%s' (expected a.b.c.d/len)", prefix_filter);
        hi = lo | (len ? (uint32_t)(((uint64_t)1 << (32 - len)) - 1) : UINT32_MAX);
    }
    struct pm_history *h = calloc(1, sizeof *h);
    if (!h)
        return pm_err(errbuf, PM_ENOMEM, "out of memory building history");
    int rc = pm_store_exec(s, "BEGIN", "starting a read", errbuf);
    if (!rc) {
        struct builder bd = {.h = h};
        rc = span(s, h, since_us, until_us, errbuf);
        if (!rc)
            rc = load_times(s, &bd, since_us, until_us, errbuf);
        if (!rc)
            rc = build(s, &bd, since_us, until_us, lo, hi, errbuf);
        bd.is_upstream = true;
        if (!rc)
            rc = build(s, &bd, since_us, until_us, lo, hi, errbuf);
        sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
        free((void *)bd.times);
    }
    if (rc) {
        pm_history_free(h);
        return rc;
    }
    *out = h;
    return PM_OK;
}

void pm_history_free(struct pm_history *h)
{
    if (!h)
        return;
    free(h->episodes);
    free(h);
}
