/* prune.c - pcap retention by age and count, and removal of captures an interrupted save left unreferenced. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/internal.h"
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

int pm_store_prune(struct pm_store *s, uint32_t keep_days, uint32_t keep_count, uint64_t now_us,
                   uint32_t *n_removed, char *errbuf)
{
    *n_removed = 0;
    if (!s->writable)
        return pm_err(errbuf, PM_EPERM, "store %s is open read-only", s->path);
    /* a server store: the writer role may only insert; retention there is
     * the owner's DELETE (README, "Many vantages, one store") */
    if (s->pg)
        return PM_OK;
    uint64_t age = (uint64_t)keep_days * 86400u * 1000000u;
    int64_t cutoff = keep_days && now_us > age ? (int64_t)(now_us - age) : keep_days ? 0 : -1;
    sqlite3_stmt *st;
    int rc = pm_store_prepare(s,
                              "SELECT id, pcap_path FROM snapshots WHERE pcap_path IS NOT NULL AND"
                              " ((?1 >= 0 AND started_us < ?1) OR (?2 > 0 AND id NOT IN"
                              " (SELECT id FROM snapshots ORDER BY started_us DESC, id DESC LIMIT ?2)))",
                              &st, errbuf);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, cutoff);
    sqlite3_bind_int64(st, 2, keep_count);
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
        if (!rc)
            rc = pm_store_prepare(s, "UPDATE snapshots SET pcap_path = NULL, pcap_sha256 = NULL WHERE id = ?", &st,
                                  errbuf);
        for (size_t i = 0; !rc && i < n; i++) {
            sqlite3_reset(st);
            sqlite3_bind_int64(st, 1, v[i].id);
            if ((sr = sqlite3_step(st)) != SQLITE_DONE)
                rc = pm_store_sqlerr(s, sr, "clearing a pcap path", errbuf);
        }
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
    *n_removed = 0;
    if (!s->writable)
        return pm_err(errbuf, PM_EPERM, "store %s is open read-only", s->path);
    if (!keep_days || s->pg)
        return PM_OK;
    uint64_t age = (uint64_t)keep_days * 86400u * 1000000u;
    if (now_us <= age)
        return PM_OK;
    sqlite3_stmt *st;
    int rc = pm_store_prepare(s,
                              "DELETE FROM hops WHERE snapshot IN (SELECT id FROM snapshots WHERE started_us < ?)",
                              &st, errbuf);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, (int64_t)(now_us - age));
    int sr = sqlite3_step(st);
    if (sr == SQLITE_DONE)
        *n_removed = (uint64_t)sqlite3_changes64(s->db);
    else
        rc = pm_store_sqlerr(s, sr, "removing old hops", errbuf);
    sqlite3_finalize(st);
    return rc;
}
