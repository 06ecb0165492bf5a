/* sqlutil.c - SQLite error mapping and checked readers for untrusted column values. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/internal.h"
#include "util/grow.h"

/* SQLite turns a read that fails with EIO into SQLITE_CORRUPT and keeps no
 * errno then: ask the disk ourselves whether the file can still be read and
 * synced. 0 when it can (the store is what is broken). */
static int disk_errno(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno == EIO ? EIO : 0;
    char b[512];
    int e = 0;
    if (pread(fd, b, sizeof b, 0) < 0 || fsync(fd) != 0)
        e = errno;
    close(fd);
    return e == EIO ? EIO : 0;
}

int pm_store_sqlerr(struct pm_store *s, int rc, const char *what, char *errbuf)
{
    const char *msg = s && s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);
    /* A failing disk can surface as "database disk image is malformed" (a
     * read that came back short): say what the system said, and call it a
     * write error, not a corrupt store the user might throw away. */
    int sys = s && s->db ? sqlite3_system_errno(s->db) : 0;
    if (!sys && s && !s->pg && s->path[0] && ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB))
        sys = disk_errno(s->path);
    if (sys == EIO || sys == ENOSPC || sys == EDQUOT || sys == EROFS)
        return pm_err(errbuf, PM_EIO, "store %s: the disk failed: %s (SQLite: %s)", what, strerror(sys), msg);
    int code;
    switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_SCHEMA:
    case SQLITE_MISMATCH:
        code = PM_ECORRUPT;
        break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        code = PM_EBUSY;
        break;
    case SQLITE_NOMEM:
        code = PM_ENOMEM;
        break;
    case SQLITE_CONSTRAINT:
        code = PM_EINVAL;
        break;
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH:
        code = PM_EPERM;
        break;
    default:
        code = PM_EIO;
    }
    return pm_err(errbuf, code, "store %s: %s", what, msg);
}

int pm_store_exec(struct pm_store *s, const char *sql, const char *what, char *errbuf)
{
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? PM_OK : pm_store_sqlerr(s, rc, what, errbuf);
}

int pm_store_prepare(struct pm_store *s, const char *sql, sqlite3_stmt **st, char *errbuf)
{
    int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);
    return rc == SQLITE_OK ? PM_OK : pm_store_sqlerr(s, rc, "preparing a query", errbuf);
}

static const char *colname(sqlite3_stmt *st, int col)
{
    const char *n = sqlite3_column_name(st, col);
    return n ? n : "?";
}

int pm_col_i64(sqlite3_stmt *st, int col, int64_t lo, int64_t hi, int64_t *out, char *errbuf)
{
    if (sqlite3_column_type(st, col) != SQLITE_INTEGER)
        return pm_err(errbuf, PM_ECORRUPT, "store row: column %s is not an integer", colname(st, col));
    int64_t v = sqlite3_column_int64(st, col);
    if (v < lo || v > hi)
        return pm_err(errbuf, PM_ECORRUPT, "store row: column %s out of range (%lld)", colname(st, col),
                      (long long)v);
    *out = v;
    return PM_OK;
}

int pm_col_u32(sqlite3_stmt *st, int col, uint32_t *out, char *errbuf)
{
    int64_t v;
    int rc = pm_col_i64(st, col, 0, UINT32_MAX, &v, errbuf);
    if (!rc)
        *out = (uint32_t)v;
    return rc;
}

int pm_col_u8(sqlite3_stmt *st, int col, uint8_t hi, uint8_t *out, char *errbuf)
{
    int64_t v;
    int rc = pm_col_i64(st, col, 0, hi, &v, errbuf);
    if (!rc)
        *out = (uint8_t)v;
    return rc;
}

int pm_col_double(sqlite3_stmt *st, int col, double *out, char *errbuf)
{
    int t = sqlite3_column_type(st, col);
    if (t != SQLITE_FLOAT && t != SQLITE_INTEGER)
        return pm_err(errbuf, PM_ECORRUPT, "store row: column %s is not a number", colname(st, col));
    double v = sqlite3_column_double(st, col);
    if (v != v || v > 1e15 || v < -1e15)
        return pm_err(errbuf, PM_ECORRUPT, "store row: column %s out of range", colname(st, col));
    *out = v;
    return PM_OK;
}

/* Returns the text and its length after checking type, length and NULs. */
static int col_text_raw(sqlite3_stmt *st, int col, bool null_ok, size_t cap, const char **txt,
                        size_t *n, char *errbuf)
{
    int t = sqlite3_column_type(st, col);
    if (t == SQLITE_NULL && null_ok) {
        *txt = NULL;
        *n = 0;
        return PM_OK;
    }
    if (t != SQLITE_TEXT)
        return pm_err(errbuf, PM_ECORRUPT, "store row: column %s is not text", colname(st, col));
    const unsigned char *p = sqlite3_column_text(st, col);
    int len = sqlite3_column_bytes(st, col);
    if (!p || len < 0)
        return pm_err(errbuf, PM_ENOMEM, "store row: column %s could not be read", colname(st, col));
    if ((size_t)len >= cap)
        return pm_err(errbuf, PM_ECORRUPT, "store row: column %s too long (%d bytes)", colname(st, col), len);
    if (memchr(p, 0, (size_t)len))
        return pm_err(errbuf, PM_ECORRUPT, "store row: column %s holds a NUL byte", colname(st, col));
    *txt = (const char *)p;
    *n = (size_t)len;
    return PM_OK;
}

int pm_col_text(sqlite3_stmt *st, int col, bool null_ok, char *buf, size_t len, char *errbuf)
{
    const char *p;
    size_t n;
    int rc = col_text_raw(st, col, null_ok, len, &p, &n, errbuf);
    if (rc)
        return rc;
    if (n)
        memcpy(buf, p, n);
    buf[n] = '\0';
    return PM_OK;
}

int pm_col_strdup(sqlite3_stmt *st, int col, bool null_ok, char **out, char *errbuf)
{
    const char *p;
    size_t n;
    int rc = col_text_raw(st, col, null_ok, PM_STORE_MAX_JSON, &p, &n, errbuf);
    if (rc)
        return rc;
    if (!p) {
        *out = NULL;
        return PM_OK;
    }
    char *d = malloc(n + 1);
    if (!d)
        return pm_err(errbuf, PM_ENOMEM, "out of memory reading the store");
    memcpy(d, p, n);
    d[n] = '\0';
    *out = d;
    return PM_OK;
}

int pm_store_query_i64(struct pm_store *s, const char *sql, const int64_t *arg, int64_t lo, int64_t hi, int64_t *out,
                       const char *what, char *errbuf)
{
    *out = 0;
    sqlite3_stmt *st;
    int rc = pm_store_prepare(s, sql, &st, errbuf);
    if (rc)
        return rc;
    if (arg)
        sqlite3_bind_int64(st, 1, *arg);
    int sr = sqlite3_step(st);
    if (sr == SQLITE_ROW)
        rc = pm_col_i64(st, 0, lo, hi, out, errbuf);
    else
        rc = pm_store_sqlerr(s, sr, what, errbuf);
    sqlite3_finalize(st);
    return rc;
}

int pm_store_window_i64(struct pm_store *s, const char *sql, uint64_t since_us, uint64_t until_us, const char *text3,
                        int64_t lo, int64_t **out, size_t *n, const char *what, char *errbuf)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st;
    int rc = pm_store_prepare(s, sql, &st, errbuf);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, since_us > INT64_MAX ? INT64_MAX : (int64_t)since_us);
    sqlite3_bind_int64(st, 2, until_us == 0 || until_us > INT64_MAX ? INT64_MAX : (int64_t)until_us);
    if (text3)
        sqlite3_bind_text(st, 3, text3, -1, SQLITE_TRANSIENT);
    size_t cap = 0;
    int sr;
    while (!rc && (sr = sqlite3_step(st)) == SQLITE_ROW) {
        if ((rc = PM_GROW(*out, cap, *n + 1, 64, PM_STORE_MAX_SNAPSHOTS)) == PM_ELIMIT) {
            rc = pm_err(errbuf, PM_ELIMIT, "more than %u snapshots in the window; narrow it with --since/--until",
                        PM_STORE_MAX_SNAPSHOTS);
            break;
        }
        if (rc) {
            rc = pm_err(errbuf, PM_ENOMEM, "out of memory %s", what);
            break;
        }
        rc = pm_col_i64(st, 0, lo, INT64_MAX, &(*out)[*n], errbuf);
        if (!rc)
            (*n)++;
    }
    if (!rc && sr != SQLITE_DONE)
        rc = pm_store_sqlerr(s, sr, what, errbuf);
    sqlite3_finalize(st);
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}
