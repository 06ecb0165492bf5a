/* save.c - writing one snapshot (metadata, verdicts, hops, roll-ups) in a single transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/internal.h"
#include "store/pg.h"

static void bind_text(sqlite3_stmt *st, int i, const char *s, size_t cap)
{
    sqlite3_bind_text(st, i, s, (int)strnlen(s, cap), SQLITE_TRANSIENT);
}

static int insert_rollups(struct pm_store *s, int64_t id, const char *table, const struct pm_snap_rollup *r,
                          uint32_t n, char *errbuf)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO %s (snapshot, key, prefix, prefix_len, upstream_asn, upstream_name, total, reached,"
             " died_same, death_addr, death_ttl, death_kind, dies_in_asn, dies_in_name)"
             " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
             table);
    sqlite3_stmt *st;
    int rc = pm_store_prepare(s, sql, &st, errbuf);
    for (uint32_t i = 0; !rc && i < n; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, id);
        bind_text(st, 2, r[i].key, sizeof r[i].key);
        sqlite3_bind_int64(st, 3, r[i].prefix);
        sqlite3_bind_int64(st, 4, r[i].prefix_len);
        sqlite3_bind_int64(st, 5, r[i].upstream.asn);
        bind_text(st, 6, r[i].upstream.name, sizeof r[i].upstream.name);
        sqlite3_bind_int64(st, 7, r[i].total);
        sqlite3_bind_int64(st, 8, r[i].reached);
        sqlite3_bind_int64(st, 9, r[i].died_same);
        sqlite3_bind_int64(st, 10, r[i].death_addr);
        sqlite3_bind_int64(st, 11, r[i].death_ttl);
        sqlite3_bind_text(st, 12, pm_store_death_name(r[i].death_kind), -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 13, r[i].dies_in.asn);
        bind_text(st, 14, r[i].dies_in.name, sizeof r[i].dies_in.name);
        int sr = sqlite3_step(st);
        if (sr != SQLITE_DONE)
            rc = pm_store_sqlerr(s, sr, "writing a roll-up", errbuf);
    }
    if (st)
        sqlite3_finalize(st);
    return rc;
}

/* given_id 0: SQLite picks the id (a file store); a server store's working
 * copy takes the id the server's sequence gave, so both hold the same id. */
static int insert_snapshot_row(struct pm_store *s, const struct pm_snapshot *snap, int64_t given_id, int64_t *id,
                               char *errbuf)
{
    sqlite3_stmt *st;
    int rc = pm_store_prepare(s,
                              "INSERT INTO snapshots (started_us, ended_us, vantage, method, source, target_asn,"
                              " params, databases, pcap_path, pcap_sha256, exit_status, run_end, id)"
                              " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                              &st, errbuf);
    if (rc)
        return rc;
    if (snap->started_us > INT64_MAX || snap->ended_us > INT64_MAX) {
        sqlite3_finalize(st);
        return pm_err(errbuf, PM_EINVAL, "snapshot time out of range");
    }
    sqlite3_bind_int64(st, 1, (int64_t)snap->started_us);
    sqlite3_bind_int64(st, 2, (int64_t)snap->ended_us);
    bind_text(st, 3, snap->vantage, sizeof snap->vantage);
    sqlite3_bind_text(st, 4, pm_store_method_name(snap->method), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, snap->source);
    sqlite3_bind_int64(st, 6, snap->target_asn);
    sqlite3_bind_text(st, 7, snap->params_json ? snap->params_json : "{}", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, snap->databases_json ? snap->databases_json : "[]", -1, SQLITE_STATIC);
    if (snap->pcap_path[0]) {
        bind_text(st, 9, snap->pcap_path, sizeof snap->pcap_path);
        bind_text(st, 10, snap->pcap_sha256, sizeof snap->pcap_sha256);
    }
    sqlite3_bind_int(st, 11, snap->exit_status);
    sqlite3_bind_text(st, 12, pm_run_end_name((enum pm_run_end)snap->end), -1, SQLITE_STATIC);
    if (given_id > 0)
        sqlite3_bind_int64(st, 13, given_id);
    int sr = sqlite3_step(st);
    if (sr == SQLITE_CONSTRAINT_UNIQUE)
        rc = pm_err(errbuf, PM_EINVAL, PM_STORE_DUP_MSG);
    else if (sr != SQLITE_DONE)
        rc = pm_store_sqlerr(s, sr, "writing the snapshot", errbuf);
    else
        *id = sqlite3_last_insert_rowid(s->db);
    sqlite3_finalize(st);
    return rc;
}

static int insert_targets(struct pm_store *s, const struct pm_snapshot *snap, int64_t id, char *errbuf)
{
    sqlite3_stmt *tt = NULL, *hh = NULL;
    int rc = pm_store_prepare(s,
                              "INSERT INTO targets (snapshot, dst, prefix24, status, kind, stop, last_addr, last_ttl,"
                              " last_asn, dies_in_asn, dies_in_name, upstream_asn, upstream_name, confidence, evidence)"
                              " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                              &tt, errbuf);
    if (!rc)
        rc = pm_store_prepare(s,
                              "INSERT OR IGNORE INTO hops (snapshot, dst, ttl, attempt, from_addr, rtt_ms, icmp_type,"
                              " icmp_code, kind, reply_ttl, quoted_ttl, asn) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                              &hh, errbuf);
    for (uint32_t i = 0; !rc && i < snap->n_targets; i++) {
        const struct pm_snap_target *t = &snap->targets[i];
        sqlite3_reset(tt);
        sqlite3_bind_int64(tt, 1, id);
        sqlite3_bind_int64(tt, 2, t->dst);
        sqlite3_bind_int64(tt, 3, t->dst & 0xffffff00u);
        sqlite3_bind_text(tt, 4, pm_store_status_name(t->status), -1, SQLITE_STATIC);
        sqlite3_bind_text(tt, 5, pm_store_death_name(t->kind), -1, SQLITE_STATIC);
        sqlite3_bind_text(tt, 6, pm_store_stop_name(t->stop), -1, SQLITE_STATIC);
        sqlite3_bind_int64(tt, 7, t->last_addr);
        sqlite3_bind_int64(tt, 8, t->last_ttl);
        sqlite3_bind_int64(tt, 9, t->last_asn);
        sqlite3_bind_int64(tt, 10, t->dies_in.asn);
        bind_text(tt, 11, t->dies_in.name, sizeof t->dies_in.name);
        sqlite3_bind_int64(tt, 12, t->upstream.asn);
        bind_text(tt, 13, t->upstream.name, sizeof t->upstream.name);
        sqlite3_bind_double(tt, 14, t->confidence);
        sqlite3_bind_text(tt, 15, t->evidence_json ? t->evidence_json : "[]", -1, SQLITE_STATIC);
        int sr = sqlite3_step(tt);
        if (sr != SQLITE_DONE) {
            rc = sr == SQLITE_CONSTRAINT_PRIMARYKEY ? pm_err(errbuf, PM_EINVAL, "target listed twice in one snapshot")
                                                     : pm_store_sqlerr(s, sr, "writing a target", errbuf);
            break;
        }
        if ((uint64_t)t->first_hop + t->n_hops > snap->n_hops) {
            rc = pm_err(errbuf, PM_EINVAL, "target hop slice out of range");
            break;
        }
        for (uint32_t k = 0; !rc && k < t->n_hops; k++) {
            const struct pm_snap_hop *h = &snap->hops[t->first_hop + k];
            sqlite3_reset(hh);
            sqlite3_bind_int64(hh, 1, id);
            sqlite3_bind_int64(hh, 2, t->dst);
            sqlite3_bind_int64(hh, 3, h->ttl);
            sqlite3_bind_int64(hh, 4, h->attempt);
            sqlite3_bind_int64(hh, 5, h->from);
            sqlite3_bind_double(hh, 6, h->rtt_ms);
            sqlite3_bind_int64(hh, 7, h->icmp_type);
            sqlite3_bind_int64(hh, 8, h->icmp_code);
            sqlite3_bind_int64(hh, 9, h->kind);
            sqlite3_bind_int64(hh, 10, h->reply_ttl);
            sqlite3_bind_int64(hh, 11, h->quoted_ttl);
            sqlite3_bind_int64(hh, 12, h->asn);
            sr = sqlite3_step(hh);
            if (sr != SQLITE_DONE)
                rc = pm_store_sqlerr(s, sr, "writing a hop", errbuf);
        }
        if (!rc && s->progress)
            s->progress(s->progress_ctx, i + 1, snap->n_targets);
    }
    sqlite3_finalize(tt);
    sqlite3_finalize(hh);
    return rc;
}

/* The capture inside the store: its row in the same transaction as the snapshot. */
static int insert_pcap(struct pm_store *s, int64_t id, const struct pm_snapshot *snap, const unsigned char *gz,
                       size_t len, char *errbuf)
{
    sqlite3_stmt *st;
    int rc = pm_store_prepare(s, "INSERT INTO pcaps (snapshot, sha256, data) VALUES (?, ?, ?)", &st, errbuf);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    bind_text(st, 2, snap->pcap_sha256, sizeof snap->pcap_sha256);
    sqlite3_bind_blob64(st, 3, gz, len, SQLITE_STATIC);
    int sr = sqlite3_step(st);
    if (sr != SQLITE_DONE)
        rc = pm_store_sqlerr(s, sr, "writing the capture", errbuf);
    sqlite3_finalize(st);
    return rc;
}

int pm_store_insert_pcap(struct pm_store *s, const struct pm_snapshot *snap, const unsigned char *gz, size_t gz_len,
                         int64_t *id, char *errbuf)
{
    if (!s->writable)
        return pm_err(errbuf, PM_EPERM, "store %s is open read-only", s->path);
    int64_t given_id = 0, new_id = 0;
    int rc = s->pg ? pm_pg_next_id(s, &given_id, errbuf) : PM_OK;
    if (!rc)
        rc = pm_store_exec(s, "BEGIN IMMEDIATE", "starting a transaction", errbuf);
    if (rc)
        return rc;
    rc = insert_snapshot_row(s, snap, given_id, &new_id, errbuf);
    if (!rc && s->pg) /* whole in the working copy: never pulled from the server */
        rc = pm_pg_mark_pulled(s, new_id, errbuf);
    if (!rc)
        rc = insert_targets(s, snap, new_id, errbuf);
    if (!rc)
        rc = insert_rollups(s, new_id, "prefix_rollups", snap->by_prefix, snap->n_prefix, errbuf);
    if (!rc)
        rc = insert_rollups(s, new_id, "upstream_rollups", snap->by_upstream, snap->n_upstream, errbuf);
    if (!rc)
        rc = pm_store_names_write(s, new_id, snap, errbuf);
    if (!rc)
        rc = pm_store_states_write(s, new_id, errbuf);
    if (!rc && gz)
        rc = insert_pcap(s, new_id, snap, gz, gz_len, errbuf);
    /* a server store: the server's commit is the one that counts; the
     * working copy keeps the snapshot only when the server took it */
    if (!rc && s->pg)
        rc = pm_pg_push(s, new_id, errbuf);
    if (!rc)
        rc = pm_store_exec(s, "COMMIT", "committing the snapshot", errbuf);
    if (rc) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    if (id)
        *id = new_id;
    return PM_OK;
}

int pm_store_insert(struct pm_store *s, const struct pm_snapshot *snap, int64_t *id, char *errbuf)
{
    return pm_store_insert_pcap(s, snap, NULL, 0, id, errbuf);
}

void pm_store_set_pcap_to_store(struct pm_store *s, bool on) { s->pcap_to_store = on; }

void pm_store_set_names(struct pm_store *s, pm_store_name_fn fn, void *ctx)
{
    s->name_fn = fn;
    s->name_ctx = ctx;
}

static int save(struct pm_store *s, const struct pm_run *run, const struct pm_analysis *analysis,
                const char *pcap_path, int pcap_fd, int64_t *snapshot_id, char *errbuf)
{
    if (!s->writable)
        return pm_err(errbuf, PM_EPERM, "store %s is open read-only", s->path);
    struct pm_snapshot *snap;
    int rc = pm_snapshot_from_run(run, analysis, &snap, errbuf);
    if (!rc && s->name_fn)
        rc = pm_snapshot_set_names(snap, s->name_fn, s->name_ctx, errbuf);
    if (rc) {
        pm_snapshot_free(snap);
        return rc;
    }
    unsigned char *gz = NULL;
    size_t gz_len = 0;
    if (s->pcap_to_store && pcap_fd >= 0) {
        rc = pm_store_pcap_gzip_fd(pcap_fd, &gz, &gz_len, snap->pcap_sha256, errbuf);
        if (!rc)
            snprintf(snap->pcap_path, sizeof snap->pcap_path, "%s", PM_STORE_PCAP_IN_STORE);
        else if (rc != PM_ELIMIT) {
            pm_snapshot_free(snap);
            return rc;
        }
        /* larger than the store takes: it stays a file, as without the option */
    }
    if (!gz && (pcap_path || pcap_fd >= 0)) {
        /* name from the start time plus pid: unique per vantage and run */
        char stamp[32];
        time_t secs = (time_t)(snap->started_us / 1000000);
        struct tm tm;
        gmtime_r(&secs, &tm);
        strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
        char stem[sizeof snap->pcap_path];
        int n = snprintf(stem, sizeof stem, "%s/%s-%ld", s->pcap_dir, stamp, (long)getpid());
        if (n < 0 || (size_t)n + 16 >= sizeof stem)
            rc = pm_err(errbuf, PM_ELIMIT, "pcap path too long");
        if (!rc)
            rc = pcap_fd >= 0 ? pm_store_pcap_copy_fd(pcap_fd, stem, snap->pcap_path, sizeof snap->pcap_path,
                                                      snap->pcap_sha256, errbuf)
                              : pm_store_pcap_copy(pcap_path, stem, snap->pcap_path, sizeof snap->pcap_path,
                                                   snap->pcap_sha256, errbuf);
        if (rc) {
            pm_snapshot_free(snap);
            return rc;
        }
    }
    rc = pm_store_insert_pcap(s, snap, gz, gz_len, snapshot_id, errbuf);
    if (rc && snap->pcap_path[0] && !gz)
        unlink(snap->pcap_path);
    free(gz);
    pm_snapshot_free(snap);
    return rc;
}

int pm_store_save_snapshot(struct pm_store *s, const struct pm_run *run, const struct pm_analysis *analysis,
                           const char *pcap_path, int64_t *snapshot_id, char *errbuf)
{
    return save(s, run, analysis, pcap_path, -1, snapshot_id, errbuf);
}

int pm_store_save_snapshot_fd(struct pm_store *s, const struct pm_run *run, const struct pm_analysis *analysis,
                              int pcap_fd, int64_t *snapshot_id, char *errbuf)
{
    return save(s, run, analysis, NULL, pcap_fd, snapshot_id, errbuf);
}
