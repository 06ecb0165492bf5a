/* history.c - episodes of reachability per /24 and per upstream, merged from consecutive snapshots in the same state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathmortem/util.h"
#include "store/internal.h"
#include "store/pg.h"
#include "util/grow.h"

struct builder {
    struct pm_history *h;
    const uint64_t *times;   /* start of every snapshot in the window, ascending */
    size_t n_times;
    size_t cap;
    bool is_upstream;
    bool open;               /* h->episodes[h->n - 1] may still grow */
    const char *vantage;     /* only this vantage's snapshots (NULL: all) */
    uint32_t open_group;
    struct pm_store *s;
    sqlite3_stmt *name_st;   /* a death point's stored host name */
};

/* The host name stored with snapshot snap for addr (malloc'd), NULL when none. */
static int death_name(struct builder *bd, int64_t snap, uint32_t addr, char **out, char *errbuf)
{
    *out = NULL;
    if (!addr)
        return PM_OK;
    int rc = bd->name_st ? PM_OK
                         : pm_store_prepare(bd->s, "SELECT name FROM names WHERE snapshot = ? AND addr = ?",
                                            &bd->name_st, errbuf);
    if (rc)
        return rc;
    sqlite3_reset(bd->name_st);
    sqlite3_bind_int64(bd->name_st, 1, snap);
    sqlite3_bind_int64(bd->name_st, 2, addr);
    int sr = sqlite3_step(bd->name_st);
    char name[PM_HOSTNAME_MAX + 1];
    if (sr == SQLITE_DONE)
        return PM_OK;
    if (sr != SQLITE_ROW)
        return pm_store_sqlerr(bd->s, sr, "reading a host name", errbuf);
    if ((rc = pm_col_hostname(bd->name_st, 0, name, sizeof name, errbuf)))
        return rc;
    if (name[0] && !(*out = strdup(name)))
        return pm_err(errbuf, PM_ENOMEM, "out of memory building history");
    return PM_OK;
}

static void group_key(uint32_t group, bool is_upstream, char *key, size_t len)
{
    char a[16];
    if (!is_upstream)
        snprintf(key, len, "%s/24", pm_addr_str(group, a));
    else if (group)
        snprintf(key, len, "AS%u", group);
    else
        snprintf(key, len, "unknown");
}

/* Start of the first snapshot after t, or 0 when t is the last one: the
 * moment the episode's state was no longer seen (changed, or the group was
 * absent from that snapshot). */
static uint64_t next_after(const struct builder *bd, uint64_t t)
{
    size_t lo = 0, hi = bd->n_times;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (bd->times[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < bd->n_times ? bd->times[lo] : 0;
}

/* Closes one (group, snapshot) and merges it into the open episode or opens a new one. */
/* The group's last episode: ongoing only if the group was in the latest snapshot. */
static void close_open(struct builder *bd)
{
    if (bd->open && bd->h->n)
        bd->h->episodes[bd->h->n - 1].end_us = next_after(bd, bd->h->episodes[bd->h->n - 1].last_us);
    bd->open = false;
}

static int flush(void *ctx, const struct pm_group_state *g, char *errbuf)
{
    struct builder *bd = ctx;
    if (!g->total)
        return PM_OK;
    struct pm_episode cur;
    memset(&cur, 0, sizeof cur);
    cur.is_upstream = bd->is_upstream;
    group_key(g->group, bd->is_upstream, cur.key, sizeof cur.key);
    switch (g->state) {
    case PM_NET_REACHABLE: cur.state = PM_EPISODE_REACHED; break;
    case PM_NET_DEAD: cur.state = PM_EPISODE_DIED; break;
    case PM_NET_PARTIAL: cur.state = PM_EPISODE_PARTIAL; break;
    default: cur.state = PM_EPISODE_UNKNOWN; break;
    }
    cur.upstream = g->upstream;
    if (cur.state == PM_EPISODE_DIED || cur.state == PM_EPISODE_PARTIAL) {
        cur.dies_in = g->dies_in;
        cur.death_addr = g->death_addr;
        cur.death_kind = g->death_kind;
    }
    struct pm_history *h = bd->h;
    if (bd->open && bd->open_group == g->group) {
        struct pm_episode *last = &h->episodes[h->n - 1];
        bool same = last->state == cur.state &&
                    (cur.state == PM_EPISODE_REACHED || cur.state == PM_EPISODE_UNKNOWN ||
                     last->dies_in.asn == cur.dies_in.asn);
        /* a snapshot in which the group was absent ends the episode too */
        bool adjacent = g->started_us == last->last_us || next_after(bd, last->last_us) == g->started_us;
        if (same && adjacent) {
            last->snapshots++;
            last->last_us = g->started_us;
            last->reached = g->reached;
            last->total = g->total;
            last->dark = g->dark;
            last->died = g->died;
            last->not_probed = g->not_probed;
            return PM_OK;
        }
        last->end_us = next_after(bd, last->last_us);
    }
    if (bd->open && bd->open_group != g->group)
        close_open(bd);
    if (h->n >= PM_HISTORY_MAX_EPISODES)
        return pm_err(errbuf, PM_ELIMIT, "more than %u episodes; narrow the window", PM_HISTORY_MAX_EPISODES);
    if (PM_GROW(h->episodes, bd->cap, h->n + 1, 64, PM_HISTORY_MAX_EPISODES) != PM_OK)
        return pm_err(errbuf, PM_ENOMEM, "out of memory building history");
    int rc = death_name(bd, g->snap, cur.death_addr, &cur.death_name, errbuf);
    if (rc)
        return rc;
    cur.start_us = cur.last_us = g->started_us;
    cur.snapshots = 1;
    cur.reached = g->reached;
    cur.total = g->total;
    cur.dark = g->dark;
    cur.died = g->died;
    cur.not_probed = g->not_probed;
    h->episodes[h->n++] = cur;
    bd->open = true;
    bd->open_group = g->group;
    return PM_OK;
}

/* Prefix episodes from the stored states; upstream episodes too, unless a
 * prefix filter asks for the upstreams of some targets only: then they are
 * aggregated from those targets' rows. */
static int build(struct pm_store *s, struct builder *bd, uint64_t since, uint64_t until, uint32_t lo, uint32_t hi,
                 bool filtered, char *errbuf)
{
    int rc;
    if (bd->is_upstream && filtered)
        rc = pm_store_aggregate(s, true, 0, since, until, lo, hi, bd->vantage, flush, bd, errbuf);
    else
        rc = pm_store_states_read(s, bd->is_upstream, since, until, lo, hi, bd->vantage, flush, bd, errbuf);
    close_open(bd);
    return rc;
}

static void bind_vantage(sqlite3_stmt *st, int i, const char *vantage)
{
    if (vantage)
        sqlite3_bind_text(st, i, vantage, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static int load_times(struct pm_store *s, struct builder *bd, uint64_t since, uint64_t until, char *errbuf)
{
    int64_t *v;
    size_t n;
    int rc = pm_store_window_i64(s,
                                 "SELECT DISTINCT started_us FROM snapshots WHERE started_us >= ?1 AND started_us <= ?2"
                                 " AND (?3 IS NULL OR vantage = ?3) ORDER BY started_us",
                                 since, until, bd->vantage, 0, &v, &n, "reading snapshot times", errbuf);
    if (rc)
        return rc;
    bd->times = (uint64_t *)v; /* checked >= 0 */
    bd->n_times = n;
    return PM_OK;
}

static int span(struct pm_store *s, struct pm_history *h, uint64_t since, uint64_t until, const char *vantage,
                char *errbuf)
{
    sqlite3_stmt *st;
    int rc = pm_store_prepare(s,
                              "SELECT COUNT(*), MIN(started_us), MAX(started_us) FROM snapshots"
                              " WHERE started_us >= ? AND started_us <= ? AND (?3 IS NULL OR vantage = ?3)",
                              &st, errbuf);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, (int64_t)since);
    sqlite3_bind_int64(st, 2, until ? (int64_t)until : INT64_MAX);
    bind_vantage(st, 3, vantage);
    int sr = sqlite3_step(st);
    if (sr != SQLITE_ROW) {
        rc = pm_store_sqlerr(s, sr, "reading history", errbuf);
    } else {
        int64_t n, a = 0, b = 0;
        rc = pm_col_i64(st, 0, 0, INT64_MAX, &n, errbuf);
        if (!rc && n > 0 && !(rc = pm_col_i64(st, 1, 0, INT64_MAX, &a, errbuf)))
            rc = pm_col_i64(st, 2, 0, INT64_MAX, &b, errbuf);
        h->n_snapshots = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
        h->first_us = (uint64_t)a;
        h->last_us = (uint64_t)b;
    }
    sqlite3_finalize(st);
    return rc;
}

int pm_store_history(struct pm_store *s, uint64_t since_us, uint64_t until_us, const char *prefix_filter,
                     struct pm_history **out, char *errbuf)
{
    return pm_store_history_vantage(s, since_us, until_us, prefix_filter, NULL, out, errbuf);
}

int pm_store_history_vantage(struct pm_store *s, uint64_t since_us, uint64_t until_us, const char *prefix_filter,
                             const char *vantage, struct pm_history **out, char *errbuf)
{
    *out = NULL;
    if (since_us > INT64_MAX || until_us > INT64_MAX)
        return pm_err(errbuf, PM_EINVAL, "time out of range");
    uint32_t lo = 0, hi = UINT32_MAX;
    if (prefix_filter) {
        uint8_t len;
        if (pm_prefix_parse(prefix_filter, PM_PREFIX_MASK_HOST, &lo, &len, NULL))
            return pm_err(errbuf, PM_EINVAL, "bad prefix '%s' (expected a.b.c.d/len)", prefix_filter);
        hi = lo | (len ? (uint32_t)(((uint64_t)1 << (32 - len)) - 1) : UINT32_MAX);
    }
    /* a server store: the window's snapshot rows and states (and with a
     * prefix, its targets there), filtered by the server; every vantage's,
     * so --by-vantage copies the window once */
    if (s->pg) {
        int rc = pm_pg_need_scope(s, PM_PG_STATES | (prefix_filter ? PM_PG_TARGETS : 0), since_us, until_us, NULL,
                                  lo, hi, errbuf);
        if (rc)
            return rc;
    }
    struct pm_history *h = calloc(1, sizeof *h);
    if (!h)
        return pm_err(errbuf, PM_ENOMEM, "out of memory building history");
    int rc = pm_store_exec(s, "BEGIN", "starting a read", errbuf);
    if (!rc) {
        struct builder bd = {.h = h, .vantage = vantage, .s = s};
        rc = span(s, h, since_us, until_us, vantage, errbuf);
        if (!rc)
            rc = load_times(s, &bd, since_us, until_us, errbuf);
        if (!rc)
            rc = build(s, &bd, since_us, until_us, lo, hi, prefix_filter != NULL, errbuf);
        bd.is_upstream = true;
        if (!rc)
            rc = build(s, &bd, since_us, until_us, lo, hi, prefix_filter != NULL, errbuf);
        if (!rc)
            rc = pm_store_route_episodes(s, h, since_us, until_us, lo, hi, vantage, errbuf);
        if (bd.name_st)
            sqlite3_finalize(bd.name_st);
        sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
        free((void *)bd.times);
    }
    if (rc) {
        pm_history_free(h);
        return rc;
    }
    *out = h;
    return PM_OK;
}

void pm_history_free(struct pm_history *h)
{
    if (!h)
        return;
    for (size_t i = 0; h->episodes && i < h->n; i++)
        free(h->episodes[i].death_name);
    free(h->episodes);
    free(h->routes);
    free(h);
}

int pm_store_vantages(struct pm_store *s, uint64_t since_us, uint64_t until_us, char (**out)[64], size_t *n,
                      char *errbuf)
{
    *out = NULL;
    *n = 0;
    if (s->pg) {
        int rc = pm_pg_need_scope(s, PM_PG_SNAPS, since_us, until_us, NULL, 0, UINT32_MAX, errbuf);
        if (rc)
            return rc;
    }
    return pm_store_vantages_local(s, since_us, until_us, out, n, errbuf);
}

int pm_store_vantages_local(struct pm_store *s, uint64_t since_us, uint64_t until_us, char (**out)[64], size_t *n,
                            char *errbuf)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st;
    int rc = pm_store_prepare(s,
                              "SELECT DISTINCT vantage FROM snapshots WHERE started_us >= ? AND started_us <= ?"
                              " ORDER BY vantage",
                              &st, errbuf);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, (int64_t)since_us);
    sqlite3_bind_int64(st, 2, until_us ? (int64_t)until_us : INT64_MAX);
    char(*v)[64] = NULL;
    size_t cap = 0, k = 0;
    int sr;
    while (!rc && (sr = sqlite3_step(st)) == SQLITE_ROW) {
        if ((rc = PM_GROW(v, cap, k + 1, 16, PM_STORE_MAX_SNAPSHOTS)) != PM_OK) {
            rc = pm_err(errbuf, rc, "too many vantages");
            break;
        }
        if (!(rc = pm_col_text(st, 0, false, v[k], sizeof v[k], errbuf)))
            k++;
    }
    if (!rc && sr != SQLITE_DONE)
        rc = pm_store_sqlerr(s, sr, "reading vantages", errbuf);
    sqlite3_finalize(st);
    if (rc) {
        free(v);
        return rc;
    }
    *out = v;
    *n = k;
    return PM_OK;
}
