/* pg_read.c - what each read of a PostgreSQL store copies into its working copy, filtered by the server: a window of snapshots and their states, the newest snapshots, ownership hints computed in SQL. */
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg.h"

static int64_t clamp(uint64_t v, bool zero_is_max)
{
    return (zero_is_max && v == 0) || v > INT64_MAX ? INT64_MAX : (int64_t)v;
}

/* The server-side condition naming the snapshots of a window and vantage;
 * the vantage goes in as a literal escaped by libpq. malloc'd. */
static char *window_sql(struct pm_store *s, uint64_t since, uint64_t until, const char *vantage)
{
    char *lit = vantage ? PQescapeLiteral(s->pg, vantage, strlen(vantage)) : NULL;
    if (vantage && !lit)
        return NULL;
    size_t len = 128 + (lit ? strlen(lit) : 0);
    char *w = malloc(len);
    if (w)
        snprintf(w, len, "started_us >= %" PRId64 " AND started_us <= %" PRId64 "%s%s", clamp(since, false),
                 clamp(until, true), lit ? " AND vantage = " : "", lit ? lit : "");
    PQfreemem(lit);
    return w;
}

static bool covered(const struct pm_store *s, unsigned what, uint64_t since, uint64_t until, const char *vantage,
                    uint32_t lo, uint32_t hi)
{
    for (size_t i = 0; i < s->pg_n_scopes; i++) {
        const struct pm_pg_scope *c = &s->pg_scopes[i];
        if ((c->what & what) == what && c->since <= since && (c->until == 0 || (until && until <= c->until)) &&
            (c->all || (vantage && !strcmp(c->vantage, vantage))) && c->lo <= lo && c->hi >= hi)
            return true;
    }
    return false;
}

int pm_pg_need_scope(struct pm_store *s, unsigned what, uint64_t since_us, uint64_t until_us, const char *vantage,
                     uint32_t lo, uint32_t hi, char *errbuf)
{
    what |= PM_PG_SNAPS; /* states and targets need their snapshots rows (foreign keys) */
    if (covered(s, what, since_us, until_us, vantage, lo, hi))
        return PM_OK;
    char *win = window_sql(s, since_us, until_us, vantage);
    if (!win)
        return pm_err(errbuf, PM_ENOMEM, "out of memory reading the store");
    size_t len = strlen(win) + 600;
    char *w = malloc(len);
    int rc = w ? pm_pg_read_begin(s, errbuf) : pm_err(errbuf, PM_ENOMEM, "out of memory reading the store");
    if (!rc)
        rc = pm_pg_pull_table(s, "snapshots", win, errbuf);
    if (!rc && (what & PM_PG_STATES)) {
        snprintf(w, len, "snapshot IN (SELECT id FROM snapshots WHERE %s) AND grp >= %u AND grp <= %u", win,
                 lo & 0xffffff00u, hi);
        rc = pm_pg_pull_table(s, "prefix_states", w, errbuf);
        snprintf(w, len, "snapshot IN (SELECT id FROM snapshots WHERE %s)", win);
        if (!rc)
            rc = pm_pg_pull_table(s, "upstream_states", w, errbuf);
        /* the host names of their death points only, not every hop's */
        snprintf(w, len,
                 "snapshot IN (SELECT id FROM snapshots WHERE %s) AND (snapshot, addr) IN (SELECT snapshot, death_addr"
                 " FROM prefix_states WHERE grp >= %u AND grp <= %u UNION SELECT snapshot, death_addr FROM"
                 " upstream_states)",
                 win, lo & 0xffffff00u, hi);
        if (!rc)
            rc = pm_pg_pull_table(s, "names", w, errbuf);
    }
    if (!rc && (what & PM_PG_TARGETS)) {
        snprintf(w, len, "snapshot IN (SELECT id FROM snapshots WHERE %s) AND dst >= %u AND dst <= %u", win, lo, hi);
        rc = pm_pg_pull_table(s, "targets", w, errbuf);
        snprintf(w, len,
                 "snapshot IN (SELECT id FROM snapshots WHERE %s) AND (snapshot, addr) IN (SELECT snapshot, last_addr"
                 " FROM targets WHERE dst >= %u AND dst <= %u)",
                 win, lo, hi);
        if (!rc)
            rc = pm_pg_pull_table(s, "names", w, errbuf);
    }
    if (w)
        rc = pm_pg_read_end(s, rc);
    free(w);
    free(win);
    if (!rc && s->pg_n_scopes < PM_PG_SCOPES) {
        struct pm_pg_scope *c = &s->pg_scopes[s->pg_n_scopes++];
        *c = (struct pm_pg_scope){.what = what, .since = since_us, .until = until_us, .all = !vantage,
                                  .lo = lo, .hi = hi};
        snprintf(c->vantage, sizeof c->vantage, "%s", vantage ? vantage : "");
    }
    return rc;
}

int pm_pg_need_newest(struct pm_store *s, int64_t n, const char *vantage, char *errbuf)
{
    char *win = window_sql(s, 0, 0, vantage);
    if (!win)
        return pm_err(errbuf, PM_ENOMEM, "out of memory reading the store");
    char *w = malloc(strlen(win) + 160);
    int rc = w ? PM_OK : pm_err(errbuf, PM_ENOMEM, "out of memory reading the store");
    if (!rc) {
        sprintf(w, "id IN (SELECT id FROM snapshots WHERE %s ORDER BY started_us DESC, id DESC LIMIT %" PRId64 ")",
                win, n);
        rc = pm_pg_pull_table(s, "snapshots", w, errbuf);
    }
    free(w);
    free(win);
    return rc;
}

int pm_pg_need_row(struct pm_store *s, int64_t id, char *errbuf)
{
    char where[48];
    snprintf(where, sizeof where, "id = %" PRId64, id);
    return pm_pg_pull_table(s, "snapshots", where, errbuf);
}

int pm_pg_need_latest_each(struct pm_store *s, char *errbuf)
{
    return pm_pg_pull_table(s, "snapshots",
                            "id IN (SELECT DISTINCT ON (vantage) id FROM snapshots"
                            " ORDER BY vantage, started_us DESC, id DESC)",
                            errbuf);
}

int pm_pg_count(struct pm_store *s, int64_t *n, char *errbuf)
{
    *n = 0;
    PGresult *r = PQexec(s->pg, "SELECT count(*) FROM snapshots");
    int rc = PM_OK;
    char *end = NULL;
    long long v = -1;
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
        rc = pm_pg_err(s->pg, PM_EIO, "counting snapshots", errbuf);
    else if ((v = strtoll(PQgetvalue(r, 0, 0), &end, 10)) < 0 || !end || *end)
        rc = pm_err(errbuf, PM_ECORRUPT, "store server: bad snapshot count");
    PQclear(r);
    *n = rc ? 0 : (int64_t)v;
    return rc;
}

/* hints.c's rule, on the server: on each reached path, the first reply of
 * each TTL; the first of those inside the target AS (its ASN, or the
 * target itself) and the responding hop before it; that hop, when it is
 * outside the target AS and another address, is a hint. Only the hints go
 * over the network, one row per (router, target AS), not the window's
 * hops. */
int pm_pg_owner_hints(struct pm_store *s, uint64_t since_us, uint32_t target_asn, const char *vantage, char *errbuf)
{
    int rc = pm_store_exec(s,
                           "CREATE TEMP TABLE IF NOT EXISTS pm_hints (addr INTEGER NOT NULL, addr_asn INTEGER NOT NULL,"
                           " next_asn INTEGER NOT NULL, n_snapshots INTEGER NOT NULL, last_seen_us INTEGER NOT NULL);"
                           "DELETE FROM pm_hints",
                           "preparing ownership hints", errbuf);
    char *win = rc ? NULL : window_sql(s, since_us, 0, vantage);
    if (rc || !win)
        return rc ? rc : pm_err(errbuf, PM_ENOMEM, "out of memory reading the store");
    char *q = malloc(strlen(win) + 2048);
    if (!q) {
        free(win);
        return pm_err(errbuf, PM_ENOMEM, "out of memory reading the store");
    }
    sprintf(q,
            "WITH p AS (SELECT h.snapshot, h.dst, h.ttl, h.from_addr, h.asn, s.started_us,"
            "   CASE WHEN %u > 0 THEN %u ELSE s.target_asn END AS want,"
            "   row_number() OVER (PARTITION BY h.snapshot, h.dst, h.ttl ORDER BY h.attempt, h.from_addr) AS rn"
            "  FROM hops h JOIN targets t ON t.snapshot = h.snapshot AND t.dst = h.dst"
            "  JOIN (SELECT id, started_us, target_asn FROM snapshots WHERE %s) s ON s.id = h.snapshot"
            "  WHERE t.status = 'reached'),"
            " f AS (SELECT *, lag(from_addr) OVER w AS prev_addr, lag(asn) OVER w AS prev_asn,"
            "   (want <> 0 AND (asn = want OR from_addr = dst)) AS inside"
            "  FROM p WHERE rn = 1 WINDOW w AS (PARTITION BY snapshot, dst ORDER BY ttl)),"
            " c AS (SELECT DISTINCT ON (snapshot, dst) snapshot, from_addr, prev_addr, prev_asn, want, started_us"
            "  FROM f WHERE inside ORDER BY snapshot, dst, ttl)"
            " SELECT prev_addr, (array_agg(prev_asn ORDER BY started_us DESC, snapshot))[1], want,"
            "  count(DISTINCT snapshot), max(started_us)"
            " FROM c WHERE prev_addr IS NOT NULL AND prev_addr <> 0 AND prev_asn <> want AND prev_addr <> from_addr"
            " GROUP BY prev_addr, want ORDER BY prev_addr, want LIMIT %u",
            target_asn, target_asn, win, PM_OWNER_HINTS_MAX);
    free(win);
    if ((rc = pm_pg_read_begin(s, errbuf))) {
        free(q);
        return rc;
    }
    rc = pm_pg_pull_query(s, "pm_hints", q, errbuf);
    free(q);
    return pm_pg_read_end(s, rc);
}
