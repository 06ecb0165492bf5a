/* history_routes.c - the history's routing lane: episodes per /24 of announced or withdrawn, read from the control plane stored with each snapshot taken with --mrt-dir (its params' "planes"). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathmortem/util.h"
#include "store/internal.h"
#include "util/grow.h"

/* One /24 in one snapshot, before merging. */
struct seen {
    uint32_t addr;
    uint64_t at_us;
    bool announced;
    char cause[32], conclusion[32];
    uint32_t cause_as, cause_time, last_change, ff_seen, ff_total;
};

static int cmp_seen(const void *a, const void *b)
{
    const struct seen *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return x->at_us < y->at_us ? -1 : x->at_us > y->at_us;
}

static bool get_u32(json_t *o, const char *k, uint32_t *out)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > UINT32_MAX)
        return false;
    *out = (uint32_t)json_integer_value(v);
    return true;
}

static bool get_str(json_t *o, const char *k, char *buf, size_t len)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_string(v) || json_string_length(v) >= len)
        return false;
    memcpy(buf, json_string_value(v), json_string_length(v) + 1);
    return true;
}

/* The /24s of one stored params object inside [lo, hi], appended to *v.
 * A row without "planes" (taken without --mrt-dir) adds nothing; one whose
 * planes are malformed is refused (rows are untrusted). */
static int add_row(const char *params, uint64_t at_us, uint32_t lo, uint32_t hi, struct seen **v, size_t *n,
                   size_t *cap, char *errbuf)
{
    json_error_t je;
    json_t *root = json_loads(params, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(root)) {
        json_decref(root);
        return pm_err(errbuf, PM_ECORRUPT, "a stored snapshot's params are not a JSON object");
    }
    json_t *pl = json_object_get(root, "planes"), *arr = pl ? json_object_get(pl, "by_prefix") : NULL;
    int rc = PM_OK;
    if (pl && !json_is_array(arr))
        rc = pm_err(errbuf, PM_ECORRUPT, "a stored snapshot's planes have no by_prefix array");
    for (size_t i = 0; !rc && pl && i < json_array_size(arr); i++) {
        json_t *e = json_array_get(arr, i);
        struct seen x = {.at_us = at_us};
        char pfx[24];
        uint8_t len;
        json_t *ann = json_is_object(e) ? json_object_get(e, "announced") : NULL;
        if (!json_is_boolean(ann) || !get_str(e, "prefix", pfx, sizeof pfx) ||
            pm_prefix_parse(pfx, 0, &x.addr, &len, NULL) != PM_OK || len != 24 ||
            !get_str(e, "first_change", x.cause, sizeof x.cause) ||
            !get_str(e, "conclusion", x.conclusion, sizeof x.conclusion) ||
            !get_u32(e, "first_change_as", &x.cause_as) || !get_u32(e, "first_change_time", &x.cause_time) ||
            !get_u32(e, "last_change", &x.last_change) || !get_u32(e, "ff_seen", &x.ff_seen) ||
            !get_u32(e, "ff_total", &x.ff_total)) {
            rc = pm_err(errbuf, PM_ECORRUPT, "a stored snapshot's planes entry %zu is malformed", i);
            break;
        }
        x.announced = json_is_true(ann);
        if (x.addr < lo || x.addr > hi)
            continue;
        if (PM_GROW(*v, *cap, *n + 1, 64, PM_HISTORY_MAX_EPISODES) != PM_OK) {
            rc = pm_err(errbuf, PM_ELIMIT, "more than %u routing states; narrow the window", PM_HISTORY_MAX_EPISODES);
            break;
        }
        (*v)[(*n)++] = x;
    }
    json_decref(root);
    return rc;
}

/* The change that opened an episode: a withdrawal's first lost side (the
 * first change), an announcement's last change; 0 when none was seen. */
static uint64_t first_event(const struct seen *x)
{
    bool changed = strcmp(x->cause, "no-control-plane-change") && strcmp(x->cause, "never-announced");
    uint32_t t = !x->announced && changed && x->cause_time ? x->cause_time : x->last_change;
    return (uint64_t)t * 1000000u;
}

static uint64_t next_time(const uint64_t *times, size_t n, uint64_t t)
{
    for (size_t i = 0; i < n; i++)
        if (times[i] > t)
            return times[i];
    return 0;
}

static int merge(struct pm_history *h, const struct seen *v, size_t n, const uint64_t *times, size_t n_times,
                 char *errbuf)
{
    size_t cap = 0;
    for (size_t i = 0; i < n; i++) {
        const struct seen *x = &v[i];
        struct pm_route_episode *last = h->n_routes ? &h->routes[h->n_routes - 1] : NULL;
        char key[48], a[16];
        snprintf(key, sizeof key, "%s/24", pm_addr_str(x->addr, a));
        bool same_key = last && !strcmp(last->key, key);
        if (same_key && last->announced == x->announced && next_time(times, n_times, last->last_us) == x->at_us) {
            last->snapshots++;
            last->last_us = x->at_us;
            last->ff_seen = x->ff_seen;
            last->ff_total = x->ff_total;
            continue;
        }
        if (last && !last->end_us)
            last->end_us = next_time(times, n_times, last->last_us);
        if (PM_GROW(h->routes, cap, h->n_routes + 1, 64, PM_HISTORY_MAX_EPISODES) != PM_OK)
            return pm_err(errbuf, PM_ELIMIT, "more than %u routing episodes; narrow the window",
                          PM_HISTORY_MAX_EPISODES);
        struct pm_route_episode *e = &h->routes[h->n_routes++];
        memset(e, 0, sizeof *e);
        memcpy(e->key, key, sizeof e->key);
        e->announced = x->announced;
        memcpy(e->first_change, x->cause, sizeof e->first_change);
        e->first_change_as = x->cause_as;
        e->first_event_us = first_event(x);
        memcpy(e->conclusion, x->conclusion, sizeof e->conclusion);
        e->ff_seen = x->ff_seen;
        e->ff_total = x->ff_total;
        e->start_us = e->last_us = x->at_us;
        e->snapshots = 1;
    }
    if (h->n_routes && !h->routes[h->n_routes - 1].end_us)
        h->routes[h->n_routes - 1].end_us = next_time(times, n_times, h->routes[h->n_routes - 1].last_us);
    return PM_OK;
}

int pm_store_route_episodes(struct pm_store *s, struct pm_history *h, uint64_t since, uint64_t until, uint32_t lo,
                            uint32_t hi, const char *vantage, char *errbuf)
{
    /* the snapshots that carry a control plane: one taken without --mrt-dir
     * says nothing of routing, so it neither ends nor splits an episode */
    uint64_t *times = NULL;
    size_t n_times = 0, tcap = 0;
    sqlite3_stmt *st;
    int rc = pm_store_prepare(s,
                              "SELECT started_us, params FROM snapshots WHERE started_us >= ?1 AND started_us <= ?2"
                              " AND (?3 IS NULL OR vantage = ?3) AND params LIKE '%\"planes\"%' ORDER BY started_us",
                              &st, errbuf);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, (int64_t)since);
    sqlite3_bind_int64(st, 2, until ? (int64_t)until : INT64_MAX);
    if (vantage)
        sqlite3_bind_text(st, 3, vantage, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 3);
    struct seen *v = NULL;
    size_t n = 0, cap = 0;
    int sr;
    while (!rc && (sr = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t at;
        char *params = NULL;
        if (!(rc = pm_col_i64(st, 0, 0, INT64_MAX, &at, errbuf)) && !(rc = pm_col_strdup(st, 1, false, &params, errbuf)))
            rc = add_row(params, (uint64_t)at, lo, hi, &v, &n, &cap, errbuf);
        free(params);
        if (!rc && (!n_times || times[n_times - 1] != (uint64_t)at)) {
            if (PM_GROW(times, tcap, n_times + 1, 64, PM_STORE_MAX_SNAPSHOTS) != PM_OK)
                rc = pm_err(errbuf, PM_ELIMIT, "too many snapshots; narrow the window");
            else
                times[n_times++] = (uint64_t)at;
        }
    }
    if (!rc && sr != SQLITE_DONE)
        rc = pm_store_sqlerr(s, sr, "reading the routing history", errbuf);
    sqlite3_finalize(st);
    if (!rc) {
        if (n) /* qsort's array may not be NULL, even for no rows */
            qsort(v, n, sizeof *v, cmp_seen);
        rc = merge(h, v, n, times, n_times, errbuf);
    }
    free(v);
    free(times);
    return rc;
}
