/* snap_names.c - the host names of a snapshot's hop addresses (reverse DNS during the run): gathered, looked up, written and read back checked. */
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "util/grow.h"

static int name_cmp(const void *a, const void *b)
{
    const struct pm_snap_name *x = a, *y = b;
    return (x->addr > y->addr) - (x->addr < y->addr);
}

const char *pm_snapshot_name(const struct pm_snapshot *snap, uint32_t addr)
{
    return snap ? pm_snap_names_find(snap->names, snap->n_names, addr) : NULL;
}

/* A copy of snap's names (for a diff, which outlives its snapshots). */
int pm_snap_names_copy(const struct pm_snapshot *snap, struct pm_snap_name **out, uint32_t *n)
{
    *out = NULL;
    *n = 0;
    if (!snap->n_names)
        return PM_OK;
    if (!(*out = malloc(snap->n_names * sizeof **out)))
        return PM_ENOMEM;
    memcpy(*out, snap->names, snap->n_names * sizeof **out);
    *n = snap->n_names;
    return PM_OK;
}

static int u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

int pm_snapshot_set_names(struct pm_snapshot *snap, pm_store_name_fn fn, void *ctx, char *errbuf)
{
    free(snap->names);
    snap->names = NULL;
    snap->n_names = 0;
    if (!fn || !snap->n_hops)
        return PM_OK;
    uint32_t *addrs = malloc(snap->n_hops * sizeof *addrs);
    if (!addrs)
        return pm_err(errbuf, PM_ENOMEM, "out of memory gathering host names");
    for (uint32_t i = 0; i < snap->n_hops; i++)
        addrs[i] = snap->hops[i].from;
    qsort(addrs, snap->n_hops, sizeof *addrs, u32_cmp);
    size_t cap = 0;
    int rc = PM_OK;
    for (uint32_t i = 0; i < snap->n_hops && snap->n_names < PM_STORE_MAX_NAMES; i++) {
        if ((i && addrs[i] == addrs[i - 1]) || !addrs[i])
            continue;
        const char *name = fn(ctx, addrs[i]);
        if (!name || !pm_hostname_valid(name))
            continue;
        if (PM_GROW(snap->names, cap, snap->n_names + 1, 64, PM_STORE_MAX_NAMES) != PM_OK) {
            rc = pm_err(errbuf, PM_ENOMEM, "out of memory gathering host names");
            break;
        }
        struct pm_snap_name *n = &snap->names[snap->n_names++];
        n->addr = addrs[i];
        snprintf(n->name, sizeof n->name, "%s", name);
    }
    free(addrs);
    return rc;
}

int pm_snapshot_add_name(struct pm_snapshot *snap, uint32_t addr, const char *name, size_t *cap, char *errbuf)
{
    if (!addr || !pm_hostname_valid(name))
        return pm_err(errbuf, PM_EINVAL, "not a host name");
    if (PM_GROW(snap->names, *cap, snap->n_names + 1, 64, PM_STORE_MAX_NAMES) != PM_OK)
        return pm_err(errbuf, PM_ELIMIT, "more than %u host names in one snapshot", PM_STORE_MAX_NAMES);
    struct pm_snap_name *n = &snap->names[snap->n_names++];
    n->addr = addr;
    snprintf(n->name, sizeof n->name, "%s", name);
    return PM_OK;
}

int pm_snapshot_names_sort(struct pm_snapshot *snap, char *errbuf)
{
    if (!snap->n_names)
        return PM_OK;
    qsort(snap->names, snap->n_names, sizeof *snap->names, name_cmp);
    uint32_t k = 0;
    for (uint32_t i = 0; i < snap->n_names; i++) {
        if (k && snap->names[k - 1].addr == snap->names[i].addr) {
            /* one address, one name per run: a second name is a forged or damaged document */
            if (strcmp(snap->names[k - 1].name, snap->names[i].name))
                return pm_err(errbuf, PM_EINVAL, "two names for one address");
            continue;
        }
        snap->names[k++] = snap->names[i];
    }
    snap->n_names = k;
    return PM_OK;
}

int pm_store_names_write(struct pm_store *s, int64_t id, const struct pm_snapshot *snap, char *errbuf)
{
    if (!snap->n_names)
        return PM_OK;
    sqlite3_stmt *st;
    int rc = pm_store_prepare(s, "INSERT INTO names (snapshot, addr, name) VALUES (?, ?, ?)", &st, errbuf);
    for (uint32_t i = 0; !rc && i < snap->n_names; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, snap->names[i].addr);
        sqlite3_bind_text(st, 3, snap->names[i].name, -1, SQLITE_STATIC);
        int sr = sqlite3_step(st);
        if (sr != SQLITE_DONE)
            rc = sr == SQLITE_CONSTRAINT_PRIMARYKEY ? pm_err(errbuf, PM_EINVAL, "two names for one address")
                                                     : pm_store_sqlerr(s, sr, "writing a host name", errbuf);
    }
    if (st)
        sqlite3_finalize(st);
    return rc;
}

int pm_col_hostname(sqlite3_stmt *st, int col, char *out, size_t len, char *errbuf)
{
    out[0] = '\0';
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return PM_OK;
    int rc = pm_col_text(st, col, false, out, len, errbuf);
    if (!rc && !pm_hostname_valid(out))
        rc = pm_err(errbuf, PM_ECORRUPT, "store row: '%.60s' is not a host name", out);
    if (rc)
        out[0] = '\0';
    return rc;
}

int pm_store_names_read(struct pm_store *s, int64_t id, struct pm_snapshot *snap, char *errbuf)
{
    sqlite3_stmt *st;
    int rc = pm_store_prepare(s, "SELECT addr, name FROM names WHERE snapshot = ? ORDER BY addr", &st, errbuf);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    size_t cap = 0;
    int sr = SQLITE_DONE;
    while (!rc && (sr = sqlite3_step(st)) == SQLITE_ROW) {
        if (snap->n_names >= PM_STORE_MAX_NAMES) {
            rc = pm_err(errbuf, PM_ECORRUPT, "store: more than %u host names in snapshot %lld", PM_STORE_MAX_NAMES,
                        (long long)id);
            break;
        }
        if (PM_GROW(snap->names, cap, snap->n_names + 1, 64, PM_STORE_MAX_NAMES) != PM_OK) {
            rc = pm_err(errbuf, PM_ENOMEM, "out of memory reading host names");
            break;
        }
        struct pm_snap_name *n = &snap->names[snap->n_names];
        rc = pm_col_u32(st, 0, &n->addr, errbuf);
        if (!rc && sqlite3_column_type(st, 1) == SQLITE_NULL)
            rc = pm_err(errbuf, PM_ECORRUPT, "store row: a host name is NULL");
        if (!rc)
            rc = pm_col_hostname(st, 1, n->name, sizeof n->name, errbuf);
        if (!rc && (!n->addr || (snap->n_names && snap->names[snap->n_names - 1].addr >= n->addr)))
            rc = pm_err(errbuf, PM_ECORRUPT, "store row: host names out of order");
        if (!rc)
            snap->n_names++;
    }
    if (!rc && sr != SQLITE_DONE)
        rc = pm_store_sqlerr(s, sr, "reading host names", errbuf);
    sqlite3_finalize(st);
    return rc;
}
