/* pcap_stored.c - a capture kept inside the store (--pcap-to-store) read back, its bytes checked against the sha256 stored twice. */
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "store/pg.h"
#include "util/sha256.h"

/* The bytes and their sha256 from the server, in binary (no hex text of
 * twice the size); every length is checked before a byte is copied. */
static int fetch_server(struct pm_store *s, int64_t id, unsigned char **out, size_t *len, char sha[65],
                        char *errbuf)
{
    char num[24];
    snprintf(num, sizeof num, "%" PRId64, id);
    const char *vals[1] = {num};
    PGresult *r = PQexecParams(s->pg, "SELECT sha256, data FROM pcaps WHERE snapshot = $1", 1, NULL, vals, NULL,
                               NULL, 1);
    int rc = PM_OK;
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        rc = pm_pg_err(s->pg, PM_EIO, "reading the capture", errbuf);
    else if (PQntuples(r) != 1 || PQnfields(r) != 2 || PQgetisnull(r, 0, 0) || PQgetisnull(r, 0, 1))
        rc = pm_err(errbuf, PM_ENOTFOUND, "snapshot %" PRId64 " has no capture in the store", id);
    else if (PQgetlength(r, 0, 0) != 64 || PQgetlength(r, 0, 1) < 0 ||
             (size_t)PQgetlength(r, 0, 1) > PM_STORE_MAX_PCAP)
        rc = pm_err(errbuf, PM_ECORRUPT, "store row: the capture of snapshot %" PRId64 " is malformed", id);
    if (!rc) {
        memcpy(sha, PQgetvalue(r, 0, 0), 64);
        sha[64] = '\0';
        *len = (size_t)PQgetlength(r, 0, 1);
        *out = malloc(*len ? *len : 1);
        if (!*out)
            rc = pm_err(errbuf, PM_ENOMEM, "out of memory reading the capture");
        else
            memcpy(*out, PQgetvalue(r, 0, 1), *len);
    }
    PQclear(r);
    return rc;
}

static int fetch_file(struct pm_store *s, int64_t id, unsigned char **out, size_t *len, char sha[65], char *errbuf)
{
    sqlite3_stmt *st;
    int rc = pm_store_prepare(s, "SELECT sha256, data FROM pcaps WHERE snapshot = ?", &st, errbuf);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int sr = sqlite3_step(st);
    if (sr == SQLITE_DONE)
        rc = pm_err(errbuf, PM_ENOTFOUND, "snapshot %" PRId64 " has no capture in the store", id);
    else if (sr != SQLITE_ROW)
        rc = pm_store_sqlerr(s, sr, "reading the capture", errbuf);
    else if (!(rc = pm_col_text(st, 0, false, sha, 65, errbuf))) {
        int n = sqlite3_column_bytes(st, 1);
        if (sqlite3_column_type(st, 1) != SQLITE_BLOB || n < 0 || (size_t)n > PM_STORE_MAX_PCAP)
            rc = pm_err(errbuf, PM_ECORRUPT, "store row: the capture of snapshot %" PRId64 " is malformed", id);
        else if (!(*out = malloc(n ? (size_t)n : 1)))
            rc = pm_err(errbuf, PM_ENOMEM, "out of memory reading the capture");
        else {
            memcpy(*out, sqlite3_column_blob(st, 1), (size_t)n);
            *len = (size_t)n;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

int pm_store_pcap_fetch(struct pm_store *s, int64_t id, unsigned char **out, size_t *len, char *errbuf)
{
    *out = NULL;
    *len = 0;
    struct pm_snapshot *snap;
    int rc = pm_store_load(s, id, &snap, errbuf);
    if (rc)
        return rc;
    if (strcmp(snap->pcap_path, PM_STORE_PCAP_IN_STORE)) {
        rc = snap->pcap_path[0] ? pm_err(errbuf, PM_ENOTFOUND, "snapshot %" PRId64 "'s capture is a file, %s", id,
                                         snap->pcap_path)
                                : pm_err(errbuf, PM_ENOTFOUND, "snapshot %" PRId64 " keeps no capture (none was "
                                                               "taken, or retention removed it)", id);
        pm_snapshot_free(snap);
        return rc;
    }
    char sha[65] = "", got[65];
    rc = s->pg ? fetch_server(s, id, out, len, sha, errbuf) : fetch_file(s, id, out, len, sha, errbuf);
    if (!rc) {
        struct pm_sha256 h;
        pm_sha256_init(&h);
        pm_sha256_update(&h, *out, *len);
        pm_sha256_hex(&h, got);
        if (strcmp(got, sha) || strcmp(got, snap->pcap_sha256))
            rc = pm_err(errbuf, PM_ECORRUPT, "the capture of snapshot %" PRId64 " does not match its sha256", id);
    }
    pm_snapshot_free(snap);
    if (rc) {
        free(*out);
        *out = NULL;
        *len = 0;
    }
    return rc;
}
