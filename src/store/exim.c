/* exim.c - export of snapshots as JSON Lines and strict import: validate every line first, then one transaction per snapshot. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "store/pg.h"
#include "util/grow.h"

int pm_store_export(struct pm_store *s, FILE *f, uint64_t since_us, uint64_t until_us, size_t *n_written,
                    char *errbuf)
{
    return pm_store_export_vantage(s, f, since_us, until_us, NULL, n_written, errbuf);
}

int pm_store_export_vantage(struct pm_store *s, FILE *f, uint64_t since_us, uint64_t until_us, const char *vantage,
                            size_t *n_written, char *errbuf)
{
    int64_t *ids;
    size_t n;
    *n_written = 0;
    int rc = pm_store_list_vantage(s, since_us, until_us, vantage, &ids, &n, errbuf);
    for (size_t i = 0; !rc && i < n; i++) {
        struct pm_snapshot *snap;
        if ((rc = pm_store_load(s, ids[i], &snap, errbuf)))
            break;
        char *line = pm_snapshot_to_jsonl(snap, errbuf);
        pm_snapshot_free(snap);
        /* a server store: written out, the snapshot leaves the working copy
         * (an export of a fleet's years never sits in memory whole) */
        if (line && s->pg && (rc = pm_pg_forget(s, ids[i], errbuf))) {
            free(line);
            break;
        }
        if (!line) {
            rc = PM_ECORRUPT;
            break;
        }
        if (fputs(line, f) == EOF || fputc('\n', f) == EOF)
            rc = pm_err(errbuf, PM_EIO, "cannot write the export: %s", strerror(errno ? errno : EIO));
        free(line);
        if (!rc)
            (*n_written)++;
    }
    free(ids);
    if (!rc && (fflush(f) != 0 || ferror(f)))
        rc = pm_err(errbuf, PM_EIO, "cannot write the export: %s", strerror(errno ? errno : EIO));
    return rc;
}

/* Reads one line (without its newline) into a buffer grown up to
 * PM_STORE_MAX_LINE. Returns 1 for a line, 0 at end of file, <0 on error. */
static int read_line(FILE *f, char **buf, size_t *cap, size_t *len, char *errbuf)
{
    *len = 0;
    int c = EOF;
    while ((c = getc(f)) != EOF && c != '\n') {
        int rc = PM_GROW(*buf, *cap, *len + 2, 65536, PM_STORE_MAX_LINE); /* the byte and a NUL */
        if (rc == PM_ELIMIT)
            return pm_err(errbuf, PM_ELIMIT, "line longer than %u bytes", PM_STORE_MAX_LINE);
        if (rc)
            return pm_err(errbuf, PM_ENOMEM, "out of memory reading a line");
        (*buf)[(*len)++] = (char)c;
    }
    if (ferror(f))
        return pm_err(errbuf, PM_EIO, "cannot read the input");
    if (c == EOF && *len == 0)
        return 0;
    if (*len && (*buf)[*len - 1] == '\r')
        (*len)--;
    return 1;
}

static int exists(struct pm_store *s, const struct pm_snapshot *snap, bool *found, char *errbuf)
{
    sqlite3_stmt *st;
    int rc = pm_store_prepare(s, "SELECT 1 FROM snapshots WHERE started_us = ? AND vantage = ?", &st, errbuf);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, (int64_t)snap->started_us);
    sqlite3_bind_text(st, 2, snap->vantage, -1, SQLITE_TRANSIENT);
    int sr = sqlite3_step(st);
    sqlite3_finalize(st);
    if (sr != SQLITE_ROW && sr != SQLITE_DONE)
        return pm_store_sqlerr(s, sr, "checking for duplicates", errbuf);
    *found = sr == SQLITE_ROW;
    return PM_OK;
}

/* One pass over the input: validate only, or validate and store. */
static int pass(struct pm_store *s, FILE *f, bool store, struct pm_import_stats *st, char *errbuf)
{
    char *buf = NULL, err[PM_ERRBUF_SIZE] = "";
    size_t cap = 0, len, lineno = 0;
    int rc = PM_OK, r;
    while ((r = read_line(f, &buf, &cap, &len, err)) == 1) {
        lineno++;
        size_t k = 0;
        while (k < len && (buf[k] == ' ' || buf[k] == '\t'))
            k++;
        if (k == len)
            continue; /* blank line */
        struct pm_snapshot *snap;
        rc = pm_snapshot_from_jsonl(buf, len, &snap, err);
        if (!rc && store) {
            bool dup = false;
            rc = exists(s, snap, &dup, err);
            if (!rc && dup)
                st->duplicates++;
            else if (!rc && !(rc = pm_store_insert(s, snap, NULL, err)))
                st->imported++;
            else if (PM_STORE_IS_DUP(rc, err)) { /* a server store: another writer sent it meanwhile */
                st->duplicates++;
                rc = PM_OK;
            }
        }
        if (!rc)
            pm_snapshot_free(snap);
        if (rc)
            break;
    }
    if (!rc && r < 0) {
        rc = r;
        lineno++;
    }
    if (rc)
        pm_err(errbuf, rc, "line %zu: %s", lineno, err);
    st->lines = lineno;
    free(buf);
    return rc;
}

int pm_store_import(struct pm_store *s, FILE *f, struct pm_import_stats *st, char *errbuf)
{
    memset(st, 0, sizeof *st);
    if (!s->writable)
        return pm_err(errbuf, PM_EPERM, "store %s is open read-only", s->path);
    /* A seekable file is validated whole first, so a bad line anywhere
     * leaves the store untouched; a pipe is stored as it is read. */
    long start = ftell(f);
    if (start >= 0 && fseek(f, start, SEEK_SET) == 0) {
        int rc = pass(s, f, false, st, errbuf);
        if (rc)
            return rc;
        if (fseek(f, start, SEEK_SET) != 0)
            return pm_err(errbuf, PM_EIO, "cannot rewind the input");
        memset(st, 0, sizeof *st);
    }
    return pass(s, f, true, st, errbuf);
}

int pm_store_import_check(FILE *f, struct pm_import_stats *st, char *errbuf)
{
    memset(st, 0, sizeof *st);
    long start = ftell(f);
    if (start < 0 || fseek(f, start, SEEK_SET) != 0)
        return PM_EUNSUPP; /* a pipe: checked while it is stored */
    int rc = pass(NULL, f, false, st, errbuf);
    if (fseek(f, start, SEEK_SET) != 0 && !rc)
        rc = pm_err(errbuf, PM_EIO, "cannot rewind the input");
    return rc;
}
