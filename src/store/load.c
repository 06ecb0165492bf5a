/* load.c - reading snapshots back, every column checked: one snapshot, references like latest~1, id lists. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "store/pg.h"

static int read_as(sqlite3_stmt *st, int col, struct pm_as_ref *as, char *errbuf)
{
    int rc = pm_col_u32(st, col, &as->asn, errbuf);
    return rc ? rc : pm_col_text(st, col + 1, false, as->name, sizeof as->name, errbuf);
}

/* Prepare, bind, step, read the columns: the shape of every query of the
 * store (prune.c, hints.c, history.c); each names its own SQL and columns,
 * which is all there is to them. */
static int read_meta(struct pm_store *s, int64_t id, struct pm_snapshot *snap, char *errbuf)
{
    sqlite3_stmt *st;
    int rc = pm_store_prepare(s,
                              "SELECT id, started_us, ended_us, vantage, method, source, target_asn, params,"
                              " databases, pcap_path, pcap_sha256, exit_status, run_end FROM snapshots WHERE id = ?",
                              &st, errbuf);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int sr = sqlite3_step(st);
    if (sr == SQLITE_DONE) {
        sqlite3_finalize(st);
        return pm_err(errbuf, PM_ENOTFOUND, "no snapshot %lld in the store", (long long)id);
    }
    if (sr != SQLITE_ROW) {
        sqlite3_finalize(st);
        return pm_store_sqlerr(s, sr, "reading a snapshot", errbuf);
    }
    int64_t v;
    char method[16];
    rc = pm_col_i64(st, 0, 1, INT64_MAX, &snap->id, errbuf);
    if (!rc && !(rc = pm_col_i64(st, 1, 0, INT64_MAX, &v, errbuf)))
        snap->started_us = (uint64_t)v;
    if (!rc && !(rc = pm_col_i64(st, 2, 0, INT64_MAX, &v, errbuf)))
        snap->ended_us = (uint64_t)v;
    if (!rc)
        rc = pm_col_text(st, 3, false, snap->vantage, sizeof snap->vantage, errbuf);
    if (!rc && !(rc = pm_col_text(st, 4, false, method, sizeof method, errbuf)) &&
        pm_store_method_parse(method, &snap->method))
        rc = pm_err(errbuf, PM_ECORRUPT, "store row: unknown method");
    if (!rc)
        rc = pm_col_u32(st, 5, &snap->source, errbuf);
    if (!rc)
        rc = pm_col_u32(st, 6, &snap->target_asn, errbuf);
    if (!rc)
        rc = pm_col_strdup(st, 7, false, &snap->params_json, errbuf);
    if (!rc)
        rc = pm_col_strdup(st, 8, false, &snap->databases_json, errbuf);
    if (!rc)
        rc = pm_col_text(st, 9, true, snap->pcap_path, sizeof snap->pcap_path, errbuf);
    if (!rc)
        rc = pm_col_text(st, 10, true, snap->pcap_sha256, sizeof snap->pcap_sha256, errbuf);
    if (!rc && !(rc = pm_col_i64(st, 11, 0, 3, &v, errbuf)))
        snap->exit_status = (int)v;
    char end[16];
    if (!rc && !(rc = pm_col_text(st, 12, false, end, sizeof end, errbuf))) {
        int e = PM_RUN_COMPLETE;
        while (e <= PM_RUN_TIMEOUT && strcmp(end, pm_run_end_name((enum pm_run_end)e)))
            e++;
        if (e > PM_RUN_TIMEOUT)
            rc = pm_err(errbuf, PM_ECORRUPT, "store row: unknown run end '%s'", end);
        else
            snap->end = (uint8_t)e;
    }
    sqlite3_finalize(st);
    return rc;
}

/* COUNT(*) first so arrays are sized once and the caps are checked before allocating. */
static int count_rows(struct pm_store *s, const char *sql, int64_t id, uint32_t cap, uint32_t *n, char *errbuf)
{
    int64_t v;
    int rc = pm_store_query_i64(s, sql, &id, 0, cap, &v, "counting rows", errbuf);
    *n = (uint32_t)v;
    return rc;
}

static int read_targets(struct pm_store *s, struct pm_snapshot *snap, char *errbuf)
{
    uint32_t n;
    int rc = count_rows(s, "SELECT COUNT(*) FROM targets WHERE snapshot = ?", snap->id, PM_STORE_MAX_TARGETS, &n,
                        errbuf);
    if (rc)
        return rc;
    snap->targets = calloc(n ? n : 1, sizeof *snap->targets);
    if (!snap->targets)
        return pm_err(errbuf, PM_ENOMEM, "out of memory reading targets");
    sqlite3_stmt *st;
    rc = pm_store_prepare(s,
                          "SELECT dst, status, kind, stop, last_addr, last_ttl, last_asn, dies_in_asn, dies_in_name,"
                          " upstream_asn, upstream_name, confidence, evidence FROM targets WHERE snapshot = ?"
                          " ORDER BY dst",
                          &st, errbuf);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, snap->id);
    int sr;
    while (!rc && (sr = sqlite3_step(st)) == SQLITE_ROW) {
        if (snap->n_targets >= n) {
            rc = pm_err(errbuf, PM_ECORRUPT, "store changed while reading targets");
            break;
        }
        struct pm_snap_target *t = &snap->targets[snap->n_targets];
        char name[32];
        rc = pm_col_u32(st, 0, &t->dst, errbuf);
        if (!rc && !(rc = pm_col_text(st, 1, false, name, sizeof name, errbuf)) && pm_store_status_parse(name, &t->status))
            rc = pm_err(errbuf, PM_ECORRUPT, "store row: unknown status '%s'", name);
        if (!rc && !(rc = pm_col_text(st, 2, false, name, sizeof name, errbuf)) && pm_store_death_parse(name, &t->kind))
            rc = pm_err(errbuf, PM_ECORRUPT, "store row: unknown kind '%s'", name);
        if (!rc && !(rc = pm_col_text(st, 3, false, name, sizeof name, errbuf)) && pm_store_stop_parse(name, &t->stop))
            rc = pm_err(errbuf, PM_ECORRUPT, "store row: unknown stop '%s'", name);
        if (!rc)
            rc = pm_col_u32(st, 4, &t->last_addr, errbuf);
        if (!rc)
            rc = pm_col_u8(st, 5, 255, &t->last_ttl, errbuf);
        if (!rc)
            rc = pm_col_u32(st, 6, &t->last_asn, errbuf);
        if (!rc)
            rc = read_as(st, 7, &t->dies_in, errbuf);
        if (!rc)
            rc = read_as(st, 9, &t->upstream, errbuf);
        if (!rc)
            rc = pm_col_double(st, 11, &t->confidence, errbuf);
        if (!rc)
            rc = pm_col_strdup(st, 12, false, &t->evidence_json, errbuf);
        snap->n_targets++; /* counted even on error so the evidence is freed */
    }
    if (!rc && sr != SQLITE_DONE)
        rc = pm_store_sqlerr(s, sr, "reading targets", errbuf);
    sqlite3_finalize(st);
    return rc;
}

static int read_hops(struct pm_store *s, struct pm_snapshot *snap, char *errbuf)
{
    uint32_t n;
    int rc = count_rows(s, "SELECT COUNT(*) FROM hops WHERE snapshot = ?", snap->id, PM_STORE_MAX_HOPS, &n, errbuf);
    if (rc)
        return rc;
    snap->hops = calloc(n ? n : 1, sizeof *snap->hops);
    if (!snap->hops)
        return pm_err(errbuf, PM_ENOMEM, "out of memory reading hops");
    sqlite3_stmt *st;
    rc = pm_store_prepare(s,
                          "SELECT dst, ttl, attempt, from_addr, rtt_ms, icmp_type, icmp_code, kind, reply_ttl,"
                          " quoted_ttl, asn FROM hops WHERE snapshot = ? ORDER BY dst, ttl, attempt, from_addr",
                          &st, errbuf);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, snap->id);
    uint32_t ti = 0;
    int sr;
    while (!rc && (sr = sqlite3_step(st)) == SQLITE_ROW) {
        if (snap->n_hops >= n) {
            rc = pm_err(errbuf, PM_ECORRUPT, "store changed while reading hops");
            break;
        }
        struct pm_snap_hop *h = &snap->hops[snap->n_hops];
        rc = pm_col_u32(st, 0, &h->dst, errbuf);
        if (!rc)
            rc = pm_col_u8(st, 1, PM_TTL_MAX, &h->ttl, errbuf);
        if (!rc)
            rc = pm_col_u8(st, 2, 255, &h->attempt, errbuf);
        if (!rc)
            rc = pm_col_u32(st, 3, &h->from, errbuf);
        if (!rc)
            rc = pm_col_double(st, 4, &h->rtt_ms, errbuf);
        if (!rc)
            rc = pm_col_u8(st, 5, 255, &h->icmp_type, errbuf);
        if (!rc)
            rc = pm_col_u8(st, 6, 255, &h->icmp_code, errbuf);
        if (!rc)
            rc = pm_col_u8(st, 7, PM_REPLY_OTHER_ICMP, &h->kind, errbuf);
        if (!rc)
            rc = pm_col_u8(st, 8, 255, &h->reply_ttl, errbuf);
        if (!rc)
            rc = pm_col_u8(st, 9, 255, &h->quoted_ttl, errbuf);
        if (!rc)
            rc = pm_col_u32(st, 10, &h->asn, errbuf);
        if (rc)
            break;
        /* hops and targets are both ordered by dst: walk them together */
        while (ti < snap->n_targets && snap->targets[ti].dst < h->dst)
            ti++;
        if (ti == snap->n_targets || snap->targets[ti].dst != h->dst) {
            rc = pm_err(errbuf, PM_ECORRUPT, "store row: hop of an unknown target");
            break;
        }
        if (!snap->targets[ti].n_hops)
            snap->targets[ti].first_hop = snap->n_hops;
        snap->targets[ti].n_hops++;
        snap->n_hops++;
    }
    if (!rc && sr != SQLITE_DONE)
        rc = pm_store_sqlerr(s, sr, "reading hops", errbuf);
    sqlite3_finalize(st);
    return rc;
}

static int read_rollups(struct pm_store *s, int64_t id, const char *table, struct pm_snap_rollup **out,
                        uint32_t *count, char *errbuf)
{
    char sql[320];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s WHERE snapshot = ?", table);
    uint32_t n;
    int rc = count_rows(s, sql, id, PM_STORE_MAX_ROLLUPS, &n, errbuf);
    if (rc)
        return rc;
    *out = calloc(n ? n : 1, sizeof **out);
    if (!*out)
        return pm_err(errbuf, PM_ENOMEM, "out of memory reading roll-ups");
    snprintf(sql, sizeof sql,
             "SELECT key, prefix, prefix_len, upstream_asn, upstream_name, total, reached, died_same, death_addr,"
             " death_ttl, death_kind, dies_in_asn, dies_in_name FROM %s WHERE snapshot = ? ORDER BY key",
             table);
    sqlite3_stmt *st;
    if ((rc = pm_store_prepare(s, sql, &st, errbuf)))
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int sr;
    while (!rc && (sr = sqlite3_step(st)) == SQLITE_ROW) {
        if (*count >= n) {
            rc = pm_err(errbuf, PM_ECORRUPT, "store changed while reading roll-ups");
            break;
        }
        struct pm_snap_rollup *r = &(*out)[*count];
        char kind[32];
        rc = pm_col_text(st, 0, false, r->key, sizeof r->key, errbuf);
        if (!rc)
            rc = pm_col_u32(st, 1, &r->prefix, errbuf);
        if (!rc)
            rc = pm_col_u8(st, 2, 32, &r->prefix_len, errbuf);
        if (!rc)
            rc = read_as(st, 3, &r->upstream, errbuf);
        if (!rc)
            rc = pm_col_u32(st, 5, &r->total, errbuf);
        if (!rc)
            rc = pm_col_u32(st, 6, &r->reached, errbuf);
        if (!rc)
            rc = pm_col_u32(st, 7, &r->died_same, errbuf);
        if (!rc)
            rc = pm_col_u32(st, 8, &r->death_addr, errbuf);
        if (!rc)
            rc = pm_col_u8(st, 9, 255, &r->death_ttl, errbuf);
        if (!rc && !(rc = pm_col_text(st, 10, false, kind, sizeof kind, errbuf)) &&
            pm_store_death_parse(kind, &r->death_kind))
            rc = pm_err(errbuf, PM_ECORRUPT, "store row: unknown death kind '%s'", kind);
        if (!rc)
            rc = read_as(st, 11, &r->dies_in, errbuf);
        if (!rc && r->reached > r->total)
            rc = pm_err(errbuf, PM_ECORRUPT, "store row: roll-up %s reached > total", r->key);
        if (!rc)
            (*count)++;
    }
    if (!rc && sr != SQLITE_DONE)
        rc = pm_store_sqlerr(s, sr, "reading roll-ups", errbuf);
    sqlite3_finalize(st);
    return rc;
}

int pm_store_load(struct pm_store *s, int64_t id, struct pm_snapshot **out, char *errbuf)
{
    *out = NULL;
    if (s->pg) { /* a server store: its targets, hops and roll-ups into the working copy first */
        int rc = pm_pg_need_snapshot(s, id, errbuf);
        if (rc)
            return rc;
    }
    struct pm_snapshot *snap = calloc(1, sizeof *snap);
    if (!snap)
        return pm_err(errbuf, PM_ENOMEM, "out of memory reading a snapshot");
    /* one read transaction: a consistent view while the writer goes on */
    int rc = pm_store_exec(s, "BEGIN", "starting a read", errbuf);
    if (rc) {
        free(snap);
        return rc;
    }
    rc = read_meta(s, id, snap, errbuf);
    if (!rc)
        rc = read_targets(s, snap, errbuf);
    if (!rc)
        rc = read_hops(s, snap, errbuf);
    if (!rc)
        rc = read_rollups(s, snap->id, "prefix_rollups", &snap->by_prefix, &snap->n_prefix, errbuf);
    if (!rc)
        rc = read_rollups(s, snap->id, "upstream_rollups", &snap->by_upstream, &snap->n_upstream, errbuf);
    if (!rc)
        rc = pm_store_names_read(s, snap->id, snap, errbuf);
    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (rc) {
        pm_snapshot_free(snap);
        return rc;
    }
    *out = snap;
    return PM_OK;
}

int pm_store_resolve(struct pm_store *s, const char *ref, int64_t *id, char *errbuf)
{
    return pm_store_resolve_vantage(s, ref, NULL, id, errbuf);
}

int pm_store_resolve_vantage(struct pm_store *s, const char *ref, const char *vantage, int64_t *id, char *errbuf)
{
    int64_t back = -1;
    if (!strcmp(ref, "latest")) {
        back = 0;
    } else if (!strncmp(ref, "latest~", 7)) {
        char *end;
        errno = 0;
        long v = strtol(ref + 7, &end, 10);
        if (ref[7] < '0' || ref[7] > '9' || *end || errno || v < 0 || v > 100000000)
            return pm_err(errbuf, PM_EINVAL, "bad snapshot reference '%s' (latest, latest~N or an id)", ref);
        back = v;
    } else {
        char *end;
        errno = 0;
        long long v = strtoll(ref, &end, 10);
        if (ref[0] < '0' || ref[0] > '9' || *end || errno || v < 1)
            return pm_err(errbuf, PM_EINVAL, "bad snapshot reference '%s' (latest, latest~N or an id)", ref);
        sqlite3_stmt *st;
        int rc = s->pg ? pm_pg_need_row(s, v, errbuf) : PM_OK;
        if (!rc)
            rc = pm_store_prepare(s, "SELECT id FROM snapshots WHERE id = ?", &st, errbuf);
        if (rc)
            return rc;
        sqlite3_bind_int64(st, 1, v);
        int sr = sqlite3_step(st);
        sqlite3_finalize(st);
        if (sr == SQLITE_DONE)
            return pm_err(errbuf, PM_ENOTFOUND, "no snapshot %lld in the store", v);
        if (sr != SQLITE_ROW)
            return pm_store_sqlerr(s, sr, "finding a snapshot", errbuf);
        *id = v;
        return PM_OK;
    }
    /* a server store: its newest back + 1 rows (of the vantage), so the
     * same query below counts back among them as among the server's */
    int rc = s->pg ? pm_pg_need_newest(s, back + 1, vantage, errbuf) : PM_OK;
    if (rc)
        return rc;
    sqlite3_stmt *st;
    rc = pm_store_prepare(s,
                              "SELECT id FROM snapshots WHERE (?2 IS NULL OR vantage = ?2)"
                              " ORDER BY started_us DESC, id DESC LIMIT 1 OFFSET ?1",
                              &st, errbuf);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, back);
    if (vantage)
        sqlite3_bind_text(st, 2, vantage, -1, SQLITE_TRANSIENT);
    int sr = sqlite3_step(st);
    if (sr == SQLITE_ROW)
        rc = pm_col_i64(st, 0, 1, INT64_MAX, id, errbuf);
    else if (sr == SQLITE_DONE)
        rc = pm_err(errbuf, PM_ENOTFOUND, "no snapshot '%s' in the store", ref);
    else
        rc = pm_store_sqlerr(s, sr, "finding a snapshot", errbuf);
    sqlite3_finalize(st);
    return rc;
}

int pm_store_list(struct pm_store *s, uint64_t since_us, uint64_t until_us, int64_t **ids, size_t *n, char *errbuf)
{
    return pm_store_list_vantage(s, since_us, until_us, NULL, ids, n, errbuf);
}

int pm_store_list_vantage(struct pm_store *s, uint64_t since_us, uint64_t until_us, const char *vantage,
                          int64_t **ids, size_t *n, char *errbuf)
{
    if (s->pg) {
        int rc = pm_pg_need_scope(s, PM_PG_SNAPS, since_us, until_us, vantage, 0, UINT32_MAX, errbuf);
        if (rc) {
            *ids = NULL;
            *n = 0;
            return rc;
        }
    }
    return pm_store_window_i64(s,
                               "SELECT id FROM snapshots WHERE started_us >= ?1 AND started_us <= ?2"
                               " AND (?3 IS NULL OR vantage = ?3) ORDER BY started_us, id",
                               since_us, until_us, vantage, 1, ids, n, "listing snapshots", errbuf);
}
