/* history.c - the store's history (outage episodes) as a text table with "unreachable since" lines, as JSON and as CSV. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output/internal.h"
#include "pathmortem/store.h"
#include "util/json_str.h"

static void minute_str(uint64_t us, char *buf, size_t len)
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm);
}

static void as_str(const struct pm_as_ref *as, char *buf, size_t len)
{
    char name[sizeof as->name];
    pm_output_clean(as->name, name, sizeof name);
    if (!as->asn)
        snprintf(buf, len, "%s", name[0] ? name : "unknown");
    else if (name[0])
        snprintf(buf, len, "%.100s (AS%u)", name, as->asn);
    else
        snprintf(buf, len, "AS%u", as->asn);
}

/* Display columns of cleaned UTF-8 (continuation bytes take none). */
static size_t columns(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xc0) != 0x80;
    return w;
}

/* as_str fitted to a table column of `cols`: the AS name is shortened with
 * "…", never the "(AS131279)" that identifies it. */
static void as_cell(const struct pm_as_ref *as, size_t cols, char *buf, size_t len)
{
    as_str(as, buf, len);
    if (columns(buf) <= cols)
        return;
    char tail[24] = "";
    if (as->asn && as->name[0])
        snprintf(tail, sizeof tail, " (AS%u)", as->asn);
    size_t keep = cols > strlen(tail) + 1 ? cols - strlen(tail) - 1 : 0; /* columns of name before "…" */
    size_t i = 0, w = 0;
    while (buf[i] && w < keep) {
        i++;
        while (((unsigned char)buf[i] & 0xc0) == 0x80)
            i++; /* never split a character */
        w++;
    }
    while (i > 0 && buf[i - 1] == ' ')
        i--;
    /* in place: the name's kept part stays where it is */
    if (i + strlen("…") + strlen(tail) + 1 > len)
        return;
    memmove(buf + i, "…", strlen("…"));
    memcpy(buf + i + strlen("…"), tail, strlen(tail) + 1);
}

/* Pads s to cols display columns. */
static void cell(FILE *f, const char *s, size_t cols)
{
    fputs(s, f);
    for (size_t w = columns(s); w < cols; w++)
        fputc(' ', f);
}

static uint64_t duration_us(const struct pm_episode *e, uint64_t now_us)
{
    uint64_t end = e->end_us ? e->end_us : now_us;
    return end > e->start_us ? end - e->start_us : 0;
}

static int io_result(FILE *f, char *errbuf)
{
    if (fflush(f) != 0 || ferror(f))
        return pm_err(errbuf, PM_EIO, "cannot write the history: %s", strerror(errno ? errno : EIO));
    return PM_OK;
}

static uint64_t route_duration_us(const struct pm_route_episode *r, uint64_t now_us)
{
    uint64_t end = r->end_us ? r->end_us : now_us;
    return end > r->start_us ? end - r->start_us : 0;
}

/* The routing lane: one line per routing episode, under the data plane's. */
static void routes_text(FILE *f, const struct pm_history *h, uint64_t now_us)
{
    if (!h->n_routes)
        return;
    fprintf(f, "\n%-18s %-9s %-30s %-21s %-21s %-21s %-12s %-9s %s\n", "ROUTING", "STATE", "FIRST CHANGE",
            "FIRST EVENT", "START", "END", "DURATION", "SNAPSHOTS", "BOTH PLANES");
    for (size_t i = 0; i < h->n_routes; i++) {
        const struct pm_route_episode *r = &h->routes[i];
        char cause[48], ev[32] = "-", start[32], end[32] = "ongoing", dur[32], concl[sizeof r->conclusion];
        pm_output_clean(r->first_change, cause, sizeof cause);
        if (r->first_change_as && strlen(cause) + 12 < sizeof cause)
            snprintf(cause + strlen(cause), sizeof cause - strlen(cause), " AS%u", r->first_change_as);
        pm_output_clean(r->conclusion, concl, sizeof concl);
        if (r->first_event_us)
            minute_str(r->first_event_us, ev, sizeof ev);
        minute_str(r->start_us, start, sizeof start);
        if (r->end_us)
            minute_str(r->end_us, end, sizeof end);
        pm_format_duration(route_duration_us(r, now_us), dur, sizeof dur);
        fprintf(f, "%-18s %-9s %-30s %-21s %-21s %-21s %-12s %-9u %s\n", r->key,
                r->announced ? "announced" : "withdrawn", cause, ev, start, end, dur, r->snapshots, concl);
    }
}

int pm_output_history_text(FILE *f, const struct pm_history *h, uint64_t now_us, char *errbuf)
{
    if (!h->n_snapshots) {
        fprintf(f, "no snapshots in this window\n");
        return io_result(f, errbuf);
    }
    char a[32], b[32];
    minute_str(h->first_us, a, sizeof a);
    minute_str(h->last_us, b, sizeof b);
    fprintf(f, "%u snapshots from %s to %s\n", h->n_snapshots, a, b);
    bool header_upstream = false;
    for (size_t i = 0; i < h->n; i++) {
        const struct pm_episode *e = &h->episodes[i];
        if (i == 0 || (e->is_upstream && !header_upstream)) {
            header_upstream = e->is_upstream;
            fprintf(f, "\n%-18s %-8s %-34s %-34s %-21s %-21s %-12s %s\n", e->is_upstream ? "UPSTREAM" : "PREFIX",
                    "STATE", "DIES IN", "UPSTREAM", "START", "END", "DURATION", "SNAPSHOTS");
        }
        char dies[160] = "-", up[160], start[32], end[32] = "ongoing", dur[32];
        if (e->state == PM_EPISODE_DIED || e->state == PM_EPISODE_PARTIAL)
            as_cell(&e->dies_in, 34, dies, sizeof dies);
        as_cell(&e->upstream, 34, up, sizeof up);
        minute_str(e->start_us, start, sizeof start);
        if (e->end_us)
            minute_str(e->end_us, end, sizeof end);
        pm_format_duration(duration_us(e, now_us), dur, sizeof dur);
        fprintf(f, "%-18s %-8s ", e->key, pm_episode_state_name((enum pm_episode_state)e->state));
        cell(f, dies, 34);
        fputc(' ', f);
        cell(f, up, 34);
        fprintf(f, " %-21s %-21s %-12s %u\n", start, end, dur, e->snapshots);
    }
    routes_text(f, h, now_us);
    /* the answer to "since when": one line per ongoing outage */
    bool first = true;
    for (size_t i = 0; i < h->n; i++) {
        const struct pm_episode *e = &h->episodes[i];
        if (e->end_us || (e->state != PM_EPISODE_DIED && e->state != PM_EPISODE_PARTIAL))
            continue;
        if (first)
            fputc('\n', f);
        first = false;
        char dies[160], start[32], dur[32];
        as_str(&e->dies_in, dies, sizeof dies);
        minute_str(e->start_us, start, sizeof start);
        pm_format_duration(duration_us(e, now_us), dur, sizeof dur);
        if (e->is_upstream) {
            char up[160];
            as_str(&e->upstream, up, sizeof up);
            fprintf(f, "paths via %s %s since %s (%s), blamed on %s", up,
                    e->state == PM_EPISODE_PARTIAL ? "partly dead" : "dead", start, dur, dies);
        } else {
            fprintf(f, "%s %s since %s (%s), blamed on %s", e->key,
                    e->state == PM_EPISODE_PARTIAL ? "partly unreachable" : "unreachable", start, dur, dies);
        }
        /* where the paths die, as the first snapshot's reverse DNS named it
         * (snapshots stored without names print as they always did) */
        char da[16];
        if (e->death_addr && e->death_name)
            fprintf(f, ", at %s (%s)", pm_addr_str(e->death_addr, da), e->death_name);
        fputc('\n', f);
    }
    return io_result(f, errbuf);
}

/* Field by field as docs/store.md's history schema lists them; the store's
 * snapshot params object (store/snapshot.c) has the same set_new shape over
 * other fields: nothing shared but the jansson calls. */
static json_t *episode_json(const struct pm_episode *e, uint64_t now_us)
{
    json_t *o = json_object();
    if (e->is_upstream)
        json_object_set_new(o, "upstream_key", json_string(e->key));
    else
        json_object_set_new(o, "prefix", json_string(e->key));
    bool dying = e->state == PM_EPISODE_DIED || e->state == PM_EPISODE_PARTIAL;
    json_object_set_new(o, "state", json_string(pm_episode_state_name((enum pm_episode_state)e->state)));
    json_object_set_new(o, "dies_in", dying ? pm_json_as(&e->dies_in) : json_null());
    json_object_set_new(o, "upstream", pm_json_as(&e->upstream));
    if (dying) {
        json_t *d = json_object();
        json_object_set_new(d, "addr", e->death_addr ? pm_json_addr(e->death_addr) : json_null());
        json_object_set_new(d, "name", e->death_name ? json_string(e->death_name) : json_null());
        json_object_set_new(d, "kind", json_string(pm_death_name(e->death_kind)));
        json_object_set_new(o, "death", d);
    }
    json_object_set_new(o, "start", pm_json_time(e->start_us));
    json_object_set_new(o, "end", e->end_us ? pm_json_time(e->end_us) : json_null());
    json_object_set_new(o, "ongoing", json_boolean(!e->end_us));
    json_object_set_new(o, "duration_s", json_integer((json_int_t)(duration_us(e, now_us) / 1000000)));
    json_object_set_new(o, "last_snapshot", pm_json_time(e->last_us));
    json_object_set_new(o, "snapshots", json_integer(e->snapshots));
    json_object_set_new(o, "reached", json_integer(e->reached));
    json_object_set_new(o, "total", json_integer(e->total));
    json_object_set_new(o, "dark", json_integer(e->dark));
    json_object_set_new(o, "dead_paths", json_integer(e->died));
    json_object_set_new(o, "not_probed", json_integer(e->not_probed));
    return o;
}

int pm_output_history_json(FILE *f, const struct pm_history *h, uint64_t now_us, char *errbuf)
{
    json_t *root = json_object(), *eps = json_array(), *ups = json_array();
    if (!root || !eps || !ups) {
        json_decref(root);
        json_decref(eps);
        json_decref(ups);
        return pm_err(errbuf, PM_ENOMEM, "out of memory writing history");
    }
    json_object_set_new(root, "schema", json_string("pathmortem-history/1"));
    json_object_set_new(root, "snapshots", json_integer(h->n_snapshots));
    json_object_set_new(root, "first", h->n_snapshots ? pm_json_time(h->first_us) : json_null());
    json_object_set_new(root, "last", h->n_snapshots ? pm_json_time(h->last_us) : json_null());
    json_object_set_new(root, "now", pm_json_time(now_us));
    for (size_t i = 0; i < h->n; i++)
        json_array_append_new(h->episodes[i].is_upstream ? ups : eps, episode_json(&h->episodes[i], now_us));
    json_object_set_new(root, "episodes", eps);
    json_object_set_new(root, "upstream_episodes", ups);
    json_t *routes = json_array();
    for (size_t i = 0; routes && i < h->n_routes; i++) {
        const struct pm_route_episode *r = &h->routes[i];
        json_t *o = json_object();
        json_object_set_new(o, "prefix", json_string(r->key));
        json_object_set_new(o, "state", json_string(r->announced ? "announced" : "withdrawn"));
        json_object_set_new(o, "first_change", pm_json_str(r->first_change, sizeof r->first_change));
        json_object_set_new(o, "first_change_as", r->first_change_as ? json_integer(r->first_change_as) : json_null());
        json_object_set_new(o, "first_event", r->first_event_us ? pm_json_time(r->first_event_us) : json_null());
        json_object_set_new(o, "conclusion", pm_json_str(r->conclusion, sizeof r->conclusion));
        json_object_set_new(o, "full_feed_seen", json_integer(r->ff_seen));
        json_object_set_new(o, "full_feed_peers", json_integer(r->ff_total));
        json_object_set_new(o, "start", pm_json_time(r->start_us));
        json_object_set_new(o, "end", r->end_us ? pm_json_time(r->end_us) : json_null());
        json_object_set_new(o, "ongoing", json_boolean(!r->end_us));
        json_object_set_new(o, "duration_s", json_integer((json_int_t)(route_duration_us(r, now_us) / 1000000)));
        json_object_set_new(o, "snapshots", json_integer(r->snapshots));
        json_array_append_new(routes, o);
    }
    json_object_set_new(root, "routing_episodes", routes ? routes : json_array());
    int rc = json_dumpf(root, f, JSON_INDENT(2)) == 0 ? PM_OK : PM_EIO;
    json_decref(root);
    if (rc)
        return pm_err(errbuf, PM_EIO, "cannot write the history: %s", strerror(errno ? errno : EIO));
    fputc('\n', f);
    return io_result(f, errbuf);
}

/* RFC 4180 field: quoted when it holds a comma, quote or line break. */
static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

int pm_output_history_csv(FILE *f, const struct pm_history *h, uint64_t now_us, char *errbuf)
{
    fputs("scope,key,state,dies_in_asn,dies_in_name,upstream_asn,upstream_name,start,end,duration_s,snapshots,"
          "reached,total\n",
          f);
    for (size_t i = 0; i < h->n; i++) {
        const struct pm_episode *e = &h->episodes[i];
        char start[40], end[40] = "";
        pm_format_time(e->start_us, start, sizeof start);
        if (e->end_us)
            pm_format_time(e->end_us, end, sizeof end);
        fprintf(f, "%s,%s,%s,", e->is_upstream ? "upstream" : "prefix", e->key,
                pm_episode_state_name((enum pm_episode_state)e->state));
        if (e->state == PM_EPISODE_DIED || e->state == PM_EPISODE_PARTIAL) {
            fprintf(f, "%u,", e->dies_in.asn);
            csv_field(f, e->dies_in.name);
        } else {
            fputc(',', f);
        }
        fprintf(f, ",%u,", e->upstream.asn);
        csv_field(f, e->upstream.name);
        fprintf(f, ",%s,%s,%llu,%u,%u,%u\n", start, end, (unsigned long long)(duration_us(e, now_us) / 1000000),
                e->snapshots, e->reached, e->total);
    }
    /* the routing lane: scope "routing", state announced or withdrawn, the AS columns empty */
    for (size_t i = 0; i < h->n_routes; i++) {
        const struct pm_route_episode *r = &h->routes[i];
        char start[40], end[40] = "";
        pm_format_time(r->start_us, start, sizeof start);
        if (r->end_us)
            pm_format_time(r->end_us, end, sizeof end);
        fprintf(f, "routing,%s,%s,,,,,%s,%s,%llu,%u,,\n", r->key, r->announced ? "announced" : "withdrawn", start, end,
                (unsigned long long)(route_duration_us(r, now_us) / 1000000), r->snapshots);
    }
    return io_result(f, errbuf);
}

const char *pm_episode_state_name(enum pm_episode_state s)
{
    switch (s) {
    case PM_EPISODE_REACHED: return "reached";
    case PM_EPISODE_DIED: return "died";
    case PM_EPISODE_PARTIAL: return "partial";
    case PM_EPISODE_UNKNOWN: return "unknown";
    }
    return "?";
}
