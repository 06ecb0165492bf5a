/* pg_sync.c - rows between the PostgreSQL server and the store's local working copy: a snapshot sent in one transaction (COPY), the server's rows read into the copy. */
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg.h"

/* Parents before children (foreign keys in the working copy). */
static const char *const tables[] = {"snapshots",       "targets",         "hops",  "prefix_rollups", "upstream_rollups",
                                     "prefix_states",   "upstream_states", "pcaps", "names"};
#define N_TABLES (sizeof tables / sizeof tables[0])
#define MAX_COLS 32

/* The column names of table in the working copy, comma-separated: the
 * server's tables have the same columns (pg.c), so one list serves both. */
static int columns(struct pm_store *s, const char *table, char *out, size_t len, int *n, char *errbuf)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT * FROM %s LIMIT 0", table);
    sqlite3_stmt *st;
    int rc = pm_store_prepare(s, sql, &st, errbuf);
    if (rc)
        return rc;
    *n = sqlite3_column_count(st);
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < *n && i < MAX_COLS; i++) {
        int w = snprintf(out + used, len - used, "%s%s", i ? "," : "", sqlite3_column_name(st, i));
        if (w < 0 || (size_t)w >= len - used) {
            rc = pm_err(errbuf, PM_ELIMIT, "too many columns in %s", table);
            break;
        }
        used += (size_t)w;
    }
    if (*n > MAX_COLS)
        rc = pm_err(errbuf, PM_ELIMIT, "too many columns in %s", table);
    sqlite3_finalize(st);
    return rc;
}

/* ---- server -> working copy ---- */

/* Runs query (a SELECT of the local table's columns, in order) on the
 * server and inserts each row into table; q is freed here. */
static int pull_query(struct pm_store *s, const char *table, char *q, char *errbuf)
{
    char cols[1024], sql[1400];
    int n;
    int rc = q ? columns(s, table, cols, sizeof cols, &n, errbuf) : pm_err(errbuf, PM_ENOMEM, "out of memory");
    if (rc) {
        free(q);
        return rc;
    }
    /* OR IGNORE: rows an earlier, overlapping read brought are the same
     * rows (committed snapshots never change) */
    int w = snprintf(sql, sizeof sql, "INSERT OR IGNORE INTO %s (%s) VALUES (?", table, cols);
    for (int i = 1; i < n; i++)
        w += snprintf(sql + w, sizeof sql - (size_t)w, ",?");
    snprintf(sql + w, sizeof sql - (size_t)w, ")");
    sqlite3_stmt *ins;
    if ((rc = pm_store_prepare(s, sql, &ins, errbuf))) {
        free(q);
        return rc;
    }
    int sent = PQsendQuery(s->pg, q) && PQsetSingleRowMode(s->pg);
    free(q);
    if (!sent) {
        sqlite3_finalize(ins);
        return pm_pg_err(s->pg, PM_EIO, "reading the store", errbuf);
    }
    PGresult *r;
    while ((r = PQgetResult(s->pg))) {
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_SINGLE_TUPLE && !rc && PQnfields(r) == n) {
            sqlite3_reset(ins);
            /* as text: the column affinity of the working copy makes
             * numbers of numeric text, and the checked readers refuse
             * anything else, as they would in a file store */
            for (int i = 0; i < n; i++)
                if (PQgetisnull(r, 0, i))
                    sqlite3_bind_null(ins, i + 1);
                else
                    sqlite3_bind_text(ins, i + 1, PQgetvalue(r, 0, i), PQgetlength(r, 0, i), SQLITE_TRANSIENT);
            int sr = sqlite3_step(ins);
            if (sr != SQLITE_DONE)
                rc = pm_store_sqlerr(s, sr, "copying a server row", errbuf);
            else
                s->pg_rows++;
        } else if (st == PGRES_SINGLE_TUPLE && !rc) {
            rc = pm_err(errbuf, PM_ECORRUPT, "store server: %s has %d columns, expected %d", table, PQnfields(r), n);
        } else if (st != PGRES_TUPLES_OK && st != PGRES_SINGLE_TUPLE && !rc) {
            rc = pm_pg_err(s->pg, PM_EIO, "reading the store", errbuf);
        }
        PQclear(r);
    }
    sqlite3_finalize(ins);
    return rc;
}

int pm_pg_pull_query(struct pm_store *s, const char *table, const char *query, char *errbuf)
{
    return pull_query(s, table, strdup(query), errbuf);
}

int pm_pg_pull_table(struct pm_store *s, const char *table, const char *where, char *errbuf)
{
    char cols[1024];
    int n;
    int rc = columns(s, table, cols, sizeof cols, &n, errbuf);
    if (rc)
        return rc;
    char *q = malloc(strlen(cols) + strlen(table) + (where ? strlen(where) : 0) + 32);
    if (q)
        sprintf(q, "SELECT %s FROM %s%s%s", cols, table, where ? " WHERE " : "", where ? where : "");
    return pull_query(s, table, q, errbuf);
}

/* Per snapshot, what a load needs beside its snapshots row. */
static const char *const per_snapshot[] = {"targets", "hops", "prefix_rollups", "upstream_rollups", "names"};

int pm_pg_start(struct pm_store *s, char *errbuf)
{
    return pm_store_exec(s, "CREATE TEMP TABLE pm_pulled (id INTEGER PRIMARY KEY)", "starting the working copy",
                         errbuf);
}

int pm_pg_mark_pulled(struct pm_store *s, int64_t id, char *errbuf)
{
    char sql[80];
    snprintf(sql, sizeof sql, "INSERT OR IGNORE INTO pm_pulled (id) VALUES (%lld)", (long long)id);
    return pm_store_exec(s, sql, "noting a snapshot", errbuf);
}

int pm_pg_read_begin(struct pm_store *s, char *errbuf)
{
    int rc = pm_pg_exec(s->pg, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "starting to read", errbuf);
    if (!rc && (rc = pm_store_exec(s, "SAVEPOINT pull", "reading the store", errbuf)))
        PQclear(PQexec(s->pg, "ROLLBACK"));
    return rc;
}

int pm_pg_read_end(struct pm_store *s, int rc)
{
    if (rc)
        sqlite3_exec(s->db, "ROLLBACK TO pull", NULL, NULL, NULL);
    sqlite3_exec(s->db, "RELEASE pull", NULL, NULL, NULL);
    PQclear(PQexec(s->pg, rc ? "ROLLBACK" : "COMMIT"));
    return rc;
}

int pm_pg_need_snapshot(struct pm_store *s, int64_t id, char *errbuf)
{
    int64_t have = 0;
    int rc = pm_store_query_i64(s, "SELECT COUNT(*) FROM pm_pulled WHERE id = ?", &id, 0, 1, &have,
                                "reading the working copy", errbuf);
    if (rc || have)
        return rc;
    if ((rc = pm_pg_read_begin(s, errbuf)))
        return rc;
    /* the row first (foreign keys), then its children, in one server
     * transaction: the snapshot whole or not at all */
    char where[48];
    snprintf(where, sizeof where, "id = %lld", (long long)id);
    rc = pm_pg_pull_table(s, "snapshots", where, errbuf);
    snprintf(where, sizeof where, "snapshot = %lld", (long long)id);
    for (size_t t = 0; !rc && t < sizeof per_snapshot / sizeof per_snapshot[0]; t++)
        rc = pm_pg_pull_table(s, per_snapshot[t], where, errbuf);
    if (!rc)
        rc = pm_pg_mark_pulled(s, id, errbuf);
    return pm_pg_read_end(s, rc);
}

int pm_pg_forget_all(struct pm_store *s, char *errbuf)
{
    s->pg_n_scopes = 0;
    return pm_store_exec(s, "DELETE FROM pm_pulled; DELETE FROM snapshots", "trimming the working copy", errbuf);
}

int pm_pg_forget(struct pm_store *s, int64_t id, char *errbuf)
{
    char sql[200];
    snprintf(sql, sizeof sql,
             "DELETE FROM pm_pulled WHERE id = %lld; DELETE FROM snapshots WHERE id = %lld", (long long)id,
             (long long)id);
    s->pg_n_scopes = 0; /* what was copied is no longer all there */
    return pm_store_exec(s, sql, "trimming the working copy", errbuf);
}

int pm_pg_next_id(struct pm_store *s, int64_t *id, char *errbuf)
{
    *id = 0;
    PGresult *r = PQexec(s->pg, "SELECT nextval('snapshots_id_seq')");
    int rc = PM_OK;
    char *end = NULL;
    long long v = 0;
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
        rc = pm_pg_err(s->pg, PM_EIO, "taking a snapshot id", errbuf);
    else if ((v = strtoll(PQgetvalue(r, 0, 0), &end, 10)) < 1 || !end || *end)
        rc = pm_err(errbuf, PM_ECORRUPT, "store server: bad snapshot id");
    PQclear(r);
    *id = rc ? 0 : (int64_t)v;
    return rc;
}

/* ---- working copy -> server ---- */

struct buf {
    char *p;
    size_t n, cap;
};

static int put(struct buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < b->n + n + 1)
            cap *= 2;
        if (cap > PM_STORE_MAX_LINE)
            return PM_ELIMIT;
        char *p = realloc(b->p, cap);
        if (!p)
            return PM_ENOMEM;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    return PM_OK;
}

/* One value in COPY's text format: \N for NULL, backslash escapes for the
 * delimiter, line ends and the backslash itself. */
static int put_value(struct buf *b, sqlite3_stmt *st, int col)
{
    char num[40];
    switch (sqlite3_column_type(st, col)) {
    case SQLITE_NULL: return put(b, "\\N", 2);
    case SQLITE_INTEGER:
        return put(b, num, (size_t)snprintf(num, sizeof num, "%" PRId64, (int64_t)sqlite3_column_int64(st, col)));
    case SQLITE_FLOAT: return put(b, num, (size_t)snprintf(num, sizeof num, "%.17g", sqlite3_column_double(st, col)));
    case SQLITE_BLOB: { /* bytea's hex form, its backslash escaped for COPY */
        const unsigned char *p = sqlite3_column_blob(st, col);
        int n = sqlite3_column_bytes(st, col);
        static const char hex[] = "0123456789abcdef";
        int rc = put(b, "\\\\x", 3);
        for (int i = 0; !rc && i < n; i++) {
            char two[2] = {hex[p[i] >> 4], hex[p[i] & 15]};
            rc = put(b, two, 2);
        }
        return rc;
    }
    default: break;
    }
    const unsigned char *t = sqlite3_column_text(st, col);
    int n = sqlite3_column_bytes(st, col);
    int rc = PM_OK;
    for (int i = 0; !rc && i < n; i++) {
        const char *esc = t[i] == '\\' ? "\\\\" : t[i] == '\t' ? "\\t" : t[i] == '\n' ? "\\n" : t[i] == '\r' ? "\\r" : NULL;
        rc = esc ? put(b, esc, 2) : put(b, (const char *)&t[i], 1);
    }
    return rc;
}

static int copy_table(struct pm_store *s, const char *table, int64_t id, struct buf *b, char *errbuf)
{
    char cols[1024], sql[1400];
    int n;
    int rc = columns(s, table, cols, sizeof cols, &n, errbuf);
    if (rc)
        return rc;
    snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE snapshot = ?", cols, table);
    sqlite3_stmt *st;
    if ((rc = pm_store_prepare(s, sql, &st, errbuf)))
        return rc;
    sqlite3_bind_int64(st, 1, id);
    snprintf(sql, sizeof sql, "COPY %s (%s) FROM STDIN", table, cols);
    PGresult *r = PQexec(s->pg, sql);
    if (PQresultStatus(r) != PGRES_COPY_IN)
        rc = pm_pg_err(s->pg, PM_EIO, "sending rows", errbuf);
    PQclear(r);
    int sr = SQLITE_ROW;
    while (!rc && (sr = sqlite3_step(st)) == SQLITE_ROW) {
        for (int i = 0; !rc && i < n; i++)
            if (!(rc = i ? put(b, "\t", 1) : PM_OK))
                rc = put_value(b, st, i);
        if (!rc)
            rc = put(b, "\n", 1);
        if (!rc && b->n >= 60000) {
            if (PQputCopyData(s->pg, b->p, (int)b->n) != 1)
                rc = pm_pg_err(s->pg, PM_EIO, "sending rows", errbuf);
            b->n = 0;
        } else if (rc && rc != PM_EIO) {
            rc = pm_err(errbuf, rc, "a row of %s is too large to send", table);
        }
    }
    if (!rc && sr != SQLITE_DONE)
        rc = pm_store_sqlerr(s, sr, "reading rows to send", errbuf);
    sqlite3_finalize(st);
    if (PQstatus(s->pg) != CONNECTION_OK || PQtransactionStatus(s->pg) != PQTRANS_ACTIVE)
        return rc ? rc : pm_pg_err(s->pg, PM_EIO, "sending rows", errbuf);
    if (b->n && !rc && PQputCopyData(s->pg, b->p, (int)b->n) != 1)
        rc = pm_pg_err(s->pg, PM_EIO, "sending rows", errbuf);
    b->n = 0;
    /* an error ends the COPY with a failure, so nothing of it is kept */
    if (PQputCopyEnd(s->pg, rc ? "pathmortem stopped sending" : NULL) != 1 && !rc)
        rc = pm_pg_err(s->pg, PM_EIO, "sending rows", errbuf);
    while ((r = PQgetResult(s->pg))) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && !rc)
            rc = pm_pg_err(s->pg, PM_EIO, "storing rows", errbuf);
        PQclear(r);
    }
    return rc;
}

/* The snapshots row, unless the server has this run already. */
static int insert_snapshot(struct pm_store *s, int64_t id, bool *dup, char *errbuf)
{
    char cols[1024], sql[1400];
    int n;
    int rc = columns(s, "snapshots", cols, sizeof cols, &n, errbuf);
    if (rc)
        return rc;
    snprintf(sql, sizeof sql, "SELECT %s FROM snapshots WHERE id = ?", cols);
    sqlite3_stmt *st;
    if ((rc = pm_store_prepare(s, sql, &st, errbuf)))
        return rc;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return pm_err(errbuf, PM_ENOTFOUND, "snapshot %lld is not in the working copy", (long long)id);
    }
    char nums[MAX_COLS][40];
    const char *vals[MAX_COLS];
    int w = snprintf(sql, sizeof sql, "INSERT INTO snapshots (%s) VALUES ($1", cols);
    for (int i = 0; i < n; i++) {
        if (i)
            w += snprintf(sql + w, sizeof sql - (size_t)w, ",$%d", i + 1);
        int t = sqlite3_column_type(st, i);
        if (t == SQLITE_NULL)
            vals[i] = NULL;
        else if (t == SQLITE_INTEGER)
            snprintf(nums[i], sizeof nums[i], "%" PRId64, (int64_t)sqlite3_column_int64(st, i)), vals[i] = nums[i];
        else if (t == SQLITE_FLOAT)
            snprintf(nums[i], sizeof nums[i], "%.17g", sqlite3_column_double(st, i)), vals[i] = nums[i];
        else
            vals[i] = (const char *)sqlite3_column_text(st, i);
    }
    /* the run id: one vantage starts one run per microsecond */
    snprintf(sql + w, sizeof sql - (size_t)w, ") ON CONFLICT (started_us, vantage) DO NOTHING");
    PGresult *r = PQexecParams(s->pg, sql, n, NULL, vals, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        rc = pm_pg_err(s->pg, PM_EIO, "storing the snapshot", errbuf);
    else
        *dup = strcmp(PQcmdTuples(r), "1") != 0;
    PQclear(r);
    sqlite3_finalize(st);
    return rc;
}

int pm_pg_push(struct pm_store *s, int64_t id, char *errbuf)
{
    int rc = pm_pg_exec(s->pg, "BEGIN", "starting the snapshot transaction", errbuf);
    if (rc)
        return rc;
    bool dup = false;
    rc = insert_snapshot(s, id, &dup, errbuf);
    if (!rc && dup)
        rc = pm_err(errbuf, PM_EINVAL, PM_STORE_DUP_MSG);
    struct buf b = {0};
    for (size_t i = 1; !rc && i < N_TABLES; i++)
        rc = copy_table(s, tables[i], id, &b, errbuf);
    free(b.p);
    if (!rc)
        return pm_pg_exec(s->pg, "COMMIT", "committing the snapshot", errbuf);
    PQclear(PQexec(s->pg, "ROLLBACK"));
    return rc;
}
