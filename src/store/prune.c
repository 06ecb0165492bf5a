/* prune.c - pcap retention by age and count, and removal of captures an interrupted save left unreferenced. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/internal.h"
#include "store/pg.h"
#include "util/grow.h"

/* Only files we wrote are ever removed: inside our pcap dir, our suffix, no
 * path tricks. Paths in imported snapshots are untrusted text. */
static bool ours(const struct pm_store *s, const char *path)
{
    size_t dl = strlen(s->pcap_dir), pl = strlen(path);
    if (pl <= dl + 1 || strncmp(path, s->pcap_dir, dl) || path[dl] != '/')
        return false;
    const char *name = path + dl + 1;
    size_t nl = strlen(name);
    return !strchr(name, '/') && name[0] != '.' && nl > 8 && !strcmp(name + nl - 8, ".pcap.gz");
}

static int referenced(struct pm_store *s, const char *path, bool *yes, char *errbuf)
{
    sqlite3_stmt *st;
    int rc = pm_store_prepare(s, "SELECT 1 FROM snapshots WHERE pcap_path = ?", &st, errbuf);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, path, -1, SQLITE_TRANSIENT);
    int sr = sqlite3_step(st);
    sqlite3_finalize(st);
    if (sr != SQLITE_ROW && sr != SQLITE_DONE)
        return pm_store_sqlerr(s, sr, "checking a pcap", errbuf);
    *yes = sr == SQLITE_ROW;
    return PM_OK;
}

static int sweep_orphans(struct pm_store *s, uint32_t *removed, char *errbuf)
{
    DIR *d = opendir(s->pcap_dir);
    if (!d)
        return errno == ENOENT ? PM_OK : pm_err(errbuf, PM_EIO, "cannot list %s: %s", s->pcap_dir, strerror(errno));
    struct dirent *de;
    int rc = PM_OK;
    char path[4096 + 300];
    while (!rc && (de = readdir(d))) {
        size_t nl = strlen(de->d_name);
        bool tmp = nl > 12 && !strcmp(de->d_name + nl - 12, ".pcap.gz.tmp");
        bool gz = nl > 8 && !strcmp(de->d_name + nl - 8, ".pcap.gz");
        /* `snapshot` captures into .capture-PID.pcap beside the store; one of
         * another PID is left by a run that was killed (ours is in use) */
        long pid = 0;
        int used_chars = 0;
        bool capture = sscanf(de->d_name, ".capture-%ld.pcap%n", &pid, &used_chars) == 1 &&
                       (size_t)used_chars == nl && pid != (long)getpid();
        if (capture)
            tmp = true;
        if (!tmp && !gz)
            continue;
        snprintf(path, sizeof path, "%s/%s", s->pcap_dir, de->d_name);
        bool used = false;
        if (gz && (rc = referenced(s, path, &used, errbuf)))
            break;
        /* the writer lock is held: no save is in flight, a .tmp is debris */
        if (!used && unlink(path) == 0)
            (*removed)++;
    }
    closedir(d);
    return rc;
}

/* A server store: the owner's retention functions (pg.c, schema 4) clear
 * the rows; the files among the paths they clear are this vantage's to
 * delete when they are in its own pcap directory. */
/* A failed retention call on a server store: the role's missing grant
 * named (SQLSTATE 42501), else the server's own message. */
static int retention_err(struct pm_store *s, const PGresult *r, const char *what, char *errbuf)
{
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    if (state && !strcmp(state, "42501"))
        return pm_err(errbuf, PM_EPERM, "the store's role may not apply retention (GRANT EXECUTE ON FUNCTION "
                                        "pathmortem_retain_pcaps, pathmortem_retain_hops to it; README)");
    return pm_pg_err(s->pg, PM_EIO, what, errbuf);
}

static int prune_server(struct pm_store *s, const char *vantage, uint32_t keep_days, uint32_t keep_count,
                        uint64_t now_us, uint32_t *n_removed, char *errbuf)
{
    char d[16], c[16], now[24];
    snprintf(d, sizeof d, "%u", keep_days);
    snprintf(c, sizeof c, "%u", keep_count);
    snprintf(now, sizeof now, "%lld", (long long)(now_us > INT64_MAX ? INT64_MAX : now_us));
    const char *vals[4] = {vantage, d, c, now};
    PGresult *r = PQexecParams(s->pg, "SELECT p FROM pathmortem_retain_pcaps($1, $2::int, $3::int, $4::bigint) p", 4,
                               NULL, vals, NULL, NULL, 0);
    int rc = PM_OK;
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        rc = retention_err(s, r, "applying retention", errbuf);
    }
    for (int i = 0; !rc && i < PQntuples(r); i++) {
        const char *path = PQgetisnull(r, i, 0) ? "" : PQgetvalue(r, i, 0);
        if (!strcmp(path, PM_STORE_PCAP_IN_STORE) || (ours(s, path) && unlink(path) == 0))
            (*n_removed)++;
    }
    PQclear(r);
    /* rows the working copy holds may be among those changed: read again */
    return rc ? rc : pm_pg_forget_all(s, errbuf);
}

int pm_store_prune(struct pm_store *s, uint32_t keep_days, uint32_t keep_count, uint64_t now_us,
                   uint32_t *n_removed, char *errbuf)
{
    return pm_store_prune_vantage(s, NULL, keep_days, keep_count, now_us, n_removed, errbuf);
}

int pm_store_prune_vantage(struct pm_store *s, const char *vantage, uint32_t keep_days, uint32_t keep_count,
                           uint64_t now_us, uint32_t *n_removed, char *errbuf)
{
    *n_removed = 0;
    if (!s->writable)
        return pm_err(errbuf, PM_EPERM, "store %s is open read-only", s->path);
    /* no orphan sweep on a server store's local directory: a spooled
     * snapshot's pcap there is referenced by no row yet */
    if (s->pg)
        return keep_days || keep_count ? prune_server(s, vantage, keep_days, keep_count, now_us, n_removed, errbuf)
                                       : PM_OK;
    uint64_t age = (uint64_t)keep_days * 86400u * 1000000u;
    int64_t cutoff = keep_days && now_us > age ? (int64_t)(now_us - age) : keep_days ? 0 : -1;
    sqlite3_stmt *st;
    int rc = pm_store_prepare(s,
                              "SELECT id, pcap_path FROM snapshots WHERE pcap_path IS NOT NULL AND"
                              " (?3 IS NULL OR vantage = ?3) AND"
                              " ((?1 >= 0 AND started_us < ?1) OR (?2 > 0 AND id NOT IN"
                              " (SELECT id FROM snapshots WHERE ?3 IS NULL OR vantage = ?3"
                              " ORDER BY started_us DESC, id DESC LIMIT ?2)))",
                              &st, errbuf);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, cutoff);
    sqlite3_bind_int64(st, 2, keep_count);
    if (vantage)
        sqlite3_bind_text(st, 3, vantage, -1, SQLITE_TRANSIENT);
    size_t n = 0, cap = 0;
    struct victim {
        int64_t id;
        char path[512];
    } *v = NULL;
    int sr;
    while (!rc && (sr = sqlite3_step(st)) == SQLITE_ROW) {
        if ((rc = PM_GROW(v, cap, n + 1, 64, PM_STORE_MAX_SNAPSHOTS)) != PM_OK) {
            rc = pm_err(errbuf, rc, rc == PM_ELIMIT ? "too many pcaps to prune at once" : "out of memory");
            break;
        }
        rc = pm_col_i64(st, 0, 1, INT64_MAX, &v[n].id, errbuf);
        if (!rc)
            rc = pm_col_text(st, 1, false, v[n].path, sizeof v[n].path, errbuf);
        if (!rc)
            n++;
    }
    if (!rc && sr != SQLITE_DONE)
        rc = pm_store_sqlerr(s, sr, "finding old pcaps", errbuf);
    sqlite3_finalize(st);
    /* forget the files first, then delete them: a crash in between leaves
     * only unreferenced files, which the orphan sweep removes next time */
    if (!rc && n) {
        rc = pm_store_exec(s, "BEGIN IMMEDIATE", "starting retention", errbuf);
        /* a capture inside the store goes with its row (--pcap-to-store) */
        sqlite3_stmt *gone = NULL;
        if (!rc)
            rc = pm_store_prepare(s, "DELETE FROM pcaps WHERE snapshot = ?", &gone, errbuf);
        if (!rc)
            rc = pm_store_prepare(s, "UPDATE snapshots SET pcap_path = NULL, pcap_sha256 = NULL WHERE id = ?", &st,
                                  errbuf);
        for (size_t i = 0; !rc && i < n; i++) {
            sqlite3_reset(gone);
            sqlite3_bind_int64(gone, 1, v[i].id);
            sqlite3_reset(st);
            sqlite3_bind_int64(st, 1, v[i].id);
            if ((sr = sqlite3_step(gone)) != SQLITE_DONE || (sr = sqlite3_step(st)) != SQLITE_DONE)
                rc = pm_store_sqlerr(s, sr, "clearing a pcap path", errbuf);
            else if (!strcmp(v[i].path, PM_STORE_PCAP_IN_STORE))
                (*n_removed)++;
        }
        sqlite3_finalize(gone);
        if (!rc) {
            sqlite3_finalize(st);
            rc = pm_store_exec(s, "COMMIT", "committing retention", errbuf);
        } else {
            sqlite3_finalize(st);
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        }
        for (size_t i = 0; !rc && i < n; i++)
            if (ours(s, v[i].path) && unlink(v[i].path) == 0)
                (*n_removed)++;
    }
    free(v);
    if (!rc)
        rc = sweep_orphans(s, n_removed, errbuf);
    return rc;
}

int pm_store_prune_hops(struct pm_store *s, uint32_t keep_days, uint64_t now_us, uint64_t *n_removed, char *errbuf)
{
    return pm_store_prune_hops_vantage(s, NULL, keep_days, now_us, n_removed, errbuf);
}

static int prune_hops_server(struct pm_store *s, const char *vantage, uint32_t keep_days, uint64_t now_us,
                             uint64_t *n_removed, char *errbuf)
{
    char d[16], now[24];
    snprintf(d, sizeof d, "%u", keep_days);
    snprintf(now, sizeof now, "%lld", (long long)(now_us > INT64_MAX ? INT64_MAX : now_us));
    const char *vals[3] = {vantage, d, now};
    PGresult *r = PQexecParams(s->pg, "SELECT pathmortem_retain_hops($1, $2::int, $3::bigint)", 3, NULL, vals, NULL,
                               NULL, 0);
    int rc = PM_OK;
    char *end = NULL;
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        rc = retention_err(s, r, "applying hop retention", errbuf);
    } else if (PQntuples(r) == 1) {
        long long v = strtoll(PQgetvalue(r, 0, 0), &end, 10);
        *n_removed = v > 0 && end && !*end ? (uint64_t)v : 0;
    }
    PQclear(r);
    return rc ? rc : pm_pg_forget_all(s, errbuf);
}

int pm_store_prune_hops_vantage(struct pm_store *s, const char *vantage, uint32_t keep_days, uint64_t now_us,
                                uint64_t *n_removed, char *errbuf)
{
    *n_removed = 0;
    if (!s->writable)
        return pm_err(errbuf, PM_EPERM, "store %s is open read-only", s->path);
    if (!keep_days)
        return PM_OK;
    if (s->pg)
        return prune_hops_server(s, vantage, keep_days, now_us, n_removed, errbuf);
    uint64_t age = (uint64_t)keep_days * 86400u * 1000000u;
    if (now_us <= age)
        return PM_OK;
    sqlite3_stmt *st;
    int rc = pm_store_prepare(s,
                              "DELETE FROM hops WHERE snapshot IN (SELECT id FROM snapshots WHERE started_us < ?1"
                              " AND (?2 IS NULL OR vantage = ?2))",
                              &st, errbuf);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, (int64_t)(now_us - age));
    if (vantage)
        sqlite3_bind_text(st, 2, vantage, -1, SQLITE_TRANSIENT);
    int sr = sqlite3_step(st);
    if (sr == SQLITE_DONE)
        *n_removed = (uint64_t)sqlite3_changes64(s->db);
    else
        rc = pm_store_sqlerr(s, sr, "removing old hops", errbuf);
    sqlite3_finalize(st);
    return rc;
}
