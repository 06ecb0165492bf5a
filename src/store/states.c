/* states.c - the state of each /24 and each upstream in each snapshot (reachable, partial, dead in which AS, unknown), computed once at save time for fast history. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "store/pg.h"

/* Targets of one group in one snapshot, bucketed by verdict. The state is the
 * analyzer's network state (pm_rollup_state): reached and host-absent (dark)
 * targets show the network answering, died ones (rate-limited excluded) paths
 * dying; not-probed targets of a run cut short count for neither, so they
 * never make an outage. */
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
    uint32_t total, reached, dark, died, not_probed, n;
    struct bucket b[BUCKETS_MAX];
};

static bool dying(const struct bucket *b)
{
    return b->status == PM_STATUS_DIED && b->kind != PM_DEATH_RATE_LIMITED;
}

/* Reduces the buckets to one state: upstream with most targets (a known ASN
 * first); if nothing was reached, the AS where most died and its biggest
 * death point. */
static void reduce(const struct group_snap *g, struct pm_group_state *st)
{
    memset(st, 0, sizeof *st);
    st->group = g->group;
    st->snap = g->snap;
    st->started_us = g->started_us;
    st->total = g->total;
    st->reached = g->reached;
    st->dark = g->dark;
    st->died = g->died;
    st->not_probed = g->not_probed;
    struct pm_rollup r = {.total = g->total, .reached = g->reached, .dark = g->dark, .died = g->died,
                          .not_probed = g->not_probed};
    st->state = (uint8_t)pm_rollup_state(&r);
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
            st->upstream.asn = g->b[i].up_asn;
            snprintf(st->upstream.name, sizeof st->upstream.name, "%s", g->b[i].up_name);
        }
    }
    if (!g->died)
        return; /* nothing died: no death to name (a partial group names where its dying paths die) */
    best = 0;
    for (uint32_t i = 0; i < g->n; i++) {
        if (!dying(&g->b[i]))
            continue;
        uint32_t sum = 0;
        for (uint32_t j = 0; j < g->n; j++)
            if (dying(&g->b[j]) && g->b[j].dies_asn == g->b[i].dies_asn)
                sum += g->b[j].count;
        if (sum > best || (sum == best && g->b[i].dies_asn < st->dies_in.asn)) {
            best = sum;
            st->dies_in.asn = g->b[i].dies_asn;
            snprintf(st->dies_in.name, sizeof st->dies_in.name, "%s", g->b[i].dies_name);
        }
    }
    best = 0;
    for (uint32_t i = 0; i < g->n; i++)
        if (dying(&g->b[i]) && g->b[i].dies_asn == st->dies_in.asn && g->b[i].count > best) {
            best = g->b[i].count;
            st->death_addr = g->b[i].addr;
            st->death_kind = g->b[i].kind;
        }
}

static int read_bucket(sqlite3_stmt *st, uint32_t *group, int64_t *started, int64_t *sid, struct bucket *b,
                       char *errbuf)
{
    char name[32];
    memset(b, 0, sizeof *b);
    int rc = pm_col_u32(st, 0, group, errbuf);
    if (!rc)
        rc = pm_col_i64(st, 1, 0, INT64_MAX, started, errbuf);
    if (!rc)
        rc = pm_col_i64(st, 2, 1, INT64_MAX, sid, errbuf);
    if (!rc && !(rc = pm_col_text(st, 3, false, name, sizeof name, errbuf)) && pm_store_status_parse(name, &b->status))
        rc = pm_err(errbuf, PM_ECORRUPT, "store row: unknown status '%s'", name);
    if (!rc && !(rc = pm_col_text(st, 4, false, name, sizeof name, errbuf)) && pm_store_death_parse(name, &b->kind))
        rc = pm_err(errbuf, PM_ECORRUPT, "store row: unknown kind '%s'", name);
    if (!rc)
        rc = pm_col_u32(st, 5, &b->dies_asn, errbuf);
    if (!rc)
        rc = pm_col_text(st, 6, false, b->dies_name, sizeof b->dies_name, errbuf);
    if (!rc)
        rc = pm_col_u32(st, 7, &b->up_asn, errbuf);
    if (!rc)
        rc = pm_col_text(st, 8, false, b->up_name, sizeof b->up_name, errbuf);
    if (!rc)
        rc = pm_col_u32(st, 9, &b->addr, errbuf);
    if (!rc)
        rc = pm_col_u32(st, 10, &b->count, errbuf);
    return rc;
}

int pm_store_aggregate(struct pm_store *s, bool upstream, int64_t snapshot_id, uint64_t since, uint64_t until,
                       uint32_t lo, uint32_t hi, const char *vantage, pm_state_fn fn, void *ctx, char *errbuf)
{
    /* a server store: one snapshot's targets are there (it is being
     * saved); a window's were copied by the caller (history's scope) */
    if (s->pg && snapshot_id > 0) {
        int rc = pm_pg_need_snapshot(s, snapshot_id, errbuf);
        if (rc)
            return rc;
    }
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT %s AS g, s.started_us, s.id, t.status, t.kind, t.dies_in_asn, MAX(t.dies_in_name),"
             " t.upstream_asn, MAX(t.upstream_name), t.last_addr, COUNT(*)"
             " FROM targets t JOIN snapshots s ON s.id = t.snapshot WHERE %s"
             " GROUP BY g, s.id, t.status, t.kind, t.dies_in_asn, t.upstream_asn, t.last_addr"
             " ORDER BY g, s.started_us, s.id",
             upstream ? "t.upstream_asn" : "t.prefix24",
             snapshot_id > 0 ? "t.snapshot = ?1"
                             : "s.started_us >= ?2 AND s.started_us <= ?3 AND t.prefix24 >= ?4 AND t.prefix24 <= ?5"
                               " AND t.dst >= ?4 AND t.dst <= ?5 AND (?6 IS NULL OR s.vantage = ?6)");
    sqlite3_stmt *st;
    int rc = pm_store_prepare(s, sql, &st, errbuf);
    if (rc)
        return rc;
    if (snapshot_id > 0) {
        sqlite3_bind_int64(st, 1, snapshot_id);
    } else {
        sqlite3_bind_int64(st, 2, (int64_t)since);
        sqlite3_bind_int64(st, 3, until ? (int64_t)until : INT64_MAX);
        sqlite3_bind_int64(st, 4, lo & 0xffffff00u);
        sqlite3_bind_int64(st, 5, hi);
        if (vantage)
            sqlite3_bind_text(st, 6, vantage, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(st, 6);
    }
    struct group_snap *g = calloc(1, sizeof *g);
    if (!g) {
        sqlite3_finalize(st);
        return pm_err(errbuf, PM_ENOMEM, "out of memory building history");
    }
    bool have = false;
    struct pm_group_state state;
    int sr;
    while (!rc && (sr = sqlite3_step(st)) == SQLITE_ROW) {
        uint32_t group;
        int64_t started, sid;
        struct bucket b;
        if ((rc = read_bucket(st, &group, &started, &sid, &b, errbuf)))
            break;
        if (have && (g->group != group || g->snap != sid)) {
            reduce(g, &state);
            if ((rc = fn(ctx, &state, errbuf)))
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
        g->total += b.count;
        if (b.status == PM_STATUS_REACHED)
            g->reached += b.count;
        else if (b.status == PM_STATUS_HOST_ABSENT)
            g->dark += b.count;
        else if (b.status == PM_STATUS_NOT_PROBED)
            g->not_probed += b.count;
        else if (dying(&b))
            g->died += b.count;
        if (g->n < BUCKETS_MAX)
            g->b[g->n++] = b; /* past the cap only the counts are kept */
    }
    if (!rc && sr != SQLITE_DONE)
        rc = pm_store_sqlerr(s, sr, "aggregating targets", errbuf);
    if (!rc && have) {
        reduce(g, &state);
        rc = fn(ctx, &state, errbuf);
    }
    free(g);
    sqlite3_finalize(st);
    return rc;
}

struct writer {
    sqlite3_stmt *st;
    bool v3;                 /* the table has the issue-9 columns */
};

static int write_state(void *ctx, const struct pm_group_state *g, char *errbuf)
{
    const struct writer *w = ctx;
    sqlite3_stmt *st = w->st;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, g->snap);
    sqlite3_bind_int64(st, 2, g->group);
    sqlite3_bind_int64(st, 3, g->total);
    sqlite3_bind_int64(st, 4, g->reached);
    sqlite3_bind_int64(st, 5, g->dies_in.asn);
    sqlite3_bind_text(st, 6, g->dies_in.name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 7, g->upstream.asn);
    sqlite3_bind_text(st, 8, g->upstream.name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 9, g->death_addr);
    sqlite3_bind_text(st, 10, pm_store_death_name(g->death_kind), -1, SQLITE_STATIC);
    if (w->v3) {
        sqlite3_bind_text(st, 11, pm_net_state_name((enum pm_net_state)g->state), -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 12, g->dark);
        sqlite3_bind_int64(st, 13, g->died);
        sqlite3_bind_int64(st, 14, g->not_probed);
    }
    int sr = sqlite3_step(st);
    if (sr != SQLITE_DONE)
        return pm_err(errbuf, PM_EIO, "store: cannot write a state row (%s)", sqlite3_errstr(sr));
    return PM_OK;
}

/* v3: with the columns of schema 3; the 1 -> 2 migration writes without them
 * (they are added by the next migration, and '' reads as before). */
static int states_write(struct pm_store *s, int64_t id, bool v3, char *errbuf)
{
    static const char *const tables[2] = {"prefix_states", "upstream_states"};
    int rc = PM_OK;
    for (int u = 0; !rc && u < 2; u++) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "INSERT INTO %s (snapshot, grp, total, reached, dies_in_asn, dies_in_name, upstream_asn,"
                 " upstream_name, death_addr, death_kind%s) VALUES (?,?,?,?,?,?,?,?,?,?%s)",
                 tables[u], v3 ? ", state, dark, died, not_probed" : "", v3 ? ",?,?,?,?" : "");
        struct writer w = {.v3 = v3};
        if ((rc = pm_store_prepare(s, sql, &w.st, errbuf)))
            break;
        rc = pm_store_aggregate(s, u == 1, id, 0, 0, 0, 0, NULL, write_state, &w, errbuf);
        sqlite3_finalize(w.st);
    }
    return rc;
}

int pm_store_states_write(struct pm_store *s, int64_t id, char *errbuf)
{
    return states_write(s, id, true, errbuf);
}

int pm_store_states_backfill(struct pm_store *s, char *errbuf)
{
    sqlite3_stmt *st;
    int rc = pm_store_prepare(s, "SELECT id FROM snapshots ORDER BY id", &st, errbuf);
    if (rc)
        return rc;
    int sr;
    while (!rc && (sr = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id;
        if (!(rc = pm_col_i64(st, 0, 1, INT64_MAX, &id, errbuf)))
            rc = states_write(s, id, false, errbuf); /* the 1 -> 2 migration's hook */
    }
    if (!rc && sr != SQLITE_DONE)
        rc = pm_store_sqlerr(s, sr, "filling the state tables", errbuf);
    sqlite3_finalize(st);
    return rc;
}

int pm_store_states_read(struct pm_store *s, bool upstream, uint64_t since, uint64_t until, uint32_t lo,
                         uint32_t hi, const char *vantage, pm_state_fn fn, void *ctx, char *errbuf)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT st.grp, s.started_us, s.id, st.total, st.reached, st.dies_in_asn, st.dies_in_name,"
             " st.upstream_asn, st.upstream_name, st.death_addr, st.death_kind, st.state, st.dark, st.died,"
             " st.not_probed"
             " FROM %s st JOIN snapshots s ON s.id = st.snapshot"
             " WHERE s.started_us >= ? AND s.started_us <= ? AND st.grp >= ? AND st.grp <= ?"
             " AND (?5 IS NULL OR s.vantage = ?5)"
             " ORDER BY st.grp, s.started_us, s.id",
             upstream ? "upstream_states" : "prefix_states");
    sqlite3_stmt *st;
    int rc = pm_store_prepare(s, sql, &st, errbuf);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, (int64_t)since);
    sqlite3_bind_int64(st, 2, until ? (int64_t)until : INT64_MAX);
    sqlite3_bind_int64(st, 3, upstream ? 0 : (lo & 0xffffff00u));
    sqlite3_bind_int64(st, 4, upstream ? UINT32_MAX : hi);
    if (vantage)
        sqlite3_bind_text(st, 5, vantage, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 5);
    int sr;
    while (!rc && (sr = sqlite3_step(st)) == SQLITE_ROW) {
        struct pm_group_state g;
        memset(&g, 0, sizeof g);
        int64_t started;
        char kind[32];
        rc = pm_col_u32(st, 0, &g.group, errbuf);
        if (!rc && !(rc = pm_col_i64(st, 1, 0, INT64_MAX, &started, errbuf)))
            g.started_us = (uint64_t)started;
        if (!rc)
            rc = pm_col_i64(st, 2, 1, INT64_MAX, &g.snap, errbuf);
        if (!rc)
            rc = pm_col_u32(st, 3, &g.total, errbuf);
        if (!rc)
            rc = pm_col_u32(st, 4, &g.reached, errbuf);
        if (!rc && g.reached > g.total)
            rc = pm_err(errbuf, PM_ECORRUPT, "store row: state with reached > total");
        if (!rc)
            rc = pm_col_u32(st, 5, &g.dies_in.asn, errbuf);
        if (!rc)
            rc = pm_col_text(st, 6, false, g.dies_in.name, sizeof g.dies_in.name, errbuf);
        if (!rc)
            rc = pm_col_u32(st, 7, &g.upstream.asn, errbuf);
        if (!rc)
            rc = pm_col_text(st, 8, false, g.upstream.name, sizeof g.upstream.name, errbuf);
        if (!rc)
            rc = pm_col_u32(st, 9, &g.death_addr, errbuf);
        if (!rc && !(rc = pm_col_text(st, 10, false, kind, sizeof kind, errbuf)) &&
            pm_store_death_parse(kind, &g.death_kind))
            rc = pm_err(errbuf, PM_ECORRUPT, "store row: unknown death kind '%s'", kind);
        char state[16];
        if (!rc)
            rc = pm_col_text(st, 11, false, state, sizeof state, errbuf);
        if (!rc)
            rc = pm_col_u32(st, 12, &g.dark, errbuf);
        if (!rc)
            rc = pm_col_u32(st, 13, &g.died, errbuf);
        if (!rc)
            rc = pm_col_u32(st, 14, &g.not_probed, errbuf);
        if (!rc && !state[0]) {
            /* a row from before issue 9: reached when any target was */
            g.state = g.reached ? PM_NET_REACHABLE : PM_NET_DEAD;
            g.died = g.total - g.reached;
        } else if (!rc) {
            int k = PM_NET_UNKNOWN;
            while (k < PM_NET__N && strcmp(state, pm_net_state_name((enum pm_net_state)k)))
                k++;
            if (k >= PM_NET__N)
                rc = pm_err(errbuf, PM_ECORRUPT, "store row: unknown network state '%s'", state);
            g.state = (uint8_t)k;
        }
        if (!rc && (uint64_t)g.reached + g.dark + g.died + g.not_probed > g.total)
            rc = pm_err(errbuf, PM_ECORRUPT, "store row: state counts exceed the total");
        if (!rc && g.total)
            rc = fn(ctx, &g, errbuf);
    }
    if (!rc && sr != SQLITE_DONE)
        rc = pm_store_sqlerr(s, sr, "reading history", errbuf);
    sqlite3_finalize(st);
    return rc;
}
