/* report.c - `watch --report N`: the figures after N cycles as a table (like mtr -r) or as JSON (schema pathmortem-watch/1). */
#include <errno.h>
#include <math.h>
#include <string.h>

#include <jansson.h>

#include "pathmortem/util.h"
#include "pathmortem/watch.h"
#include "util/json_str.h"

int pm_watch_write_text(FILE *f, const struct pm_watch *w, const char *title, uint8_t first_ttl, char *errbuf)
{
    char line[512], vl[64][256];
    fprintf(f, "%s: %u cycle%s\n", title, w->cycles, w->cycles == 1 ? "" : "s");
    uint32_t nv = pm_watch_verdict_lines(w, vl, 64);
    for (uint32_t i = 0; i < nv; i++)
        fprintf(f, "%s%s\n", nv == 1 ? "verdict: " : "", vl[i]);
    bool names = pm_watch_has_names(w);
    pm_watch_format_row(w, 0, 0, names, line, sizeof line);
    fprintf(f, "%s\n", line);
    /* a sweep: one table per upstream (the screen's), else the one table */
    uint32_t n_tables = w->many && w->n_sections ? w->n_sections : 1;
    for (uint32_t s = 0; s < n_tables; s++) {
        const struct pm_watch *m = w->many && w->n_sections ? w->sections[s] : w;
        if (m != w) {
            pm_watch_section_title(m, line, sizeof line);
            fprintf(f, "%s\n", line);
        }
        uint8_t last;
        pm_watch_rows(m, first_ttl, &last);
        for (uint32_t ttl = first_ttl; ttl <= last; ttl++) {
            if (!pm_watch_row_shown(m, (uint8_t)ttl))
                continue;
            pm_watch_format_row(m, (uint8_t)ttl, 0, names, line, sizeof line);
            fprintf(f, "%s\n", line);
            for (uint32_t i = 1; i <= pm_watch_extra_rows(m, (uint8_t)ttl); i++) {
                pm_watch_format_row(m, (uint8_t)ttl, i, names, line, sizeof line);
                fprintf(f, "%s\n", line);
            }
        }
    }
    if (fflush(f) != 0 || ferror(f))
        return pm_err(errbuf, PM_EIO, "%s", strerror(errno ? errno : EIO));
    return PM_OK;
}

/* Milliseconds rounded to microseconds, so the JSON carries no float noise. */
static json_t *ms(double v)
{
    return json_real(round(v * 1000.0) / 1000.0);
}

static json_t *addr_json(const struct pm_watch *w, const struct pm_watch_addr *a)
{
    json_t *o = json_object();
    json_object_set_new(o, "addr", pm_json_addr(a->addr));
    json_object_set_new(o, "name", a->name[0] && !w->numeric ? pm_json_str(a->name, sizeof a->name) : json_null());
    json_object_set_new(o, "asn", a->asn ? json_integer(a->asn) : json_null());
    json_object_set_new(o, "as_name", a->as_name[0] ? pm_json_str(a->as_name, sizeof a->as_name) : json_null());
    json_object_set_new(o, "replies", json_integer(a->replies));
    json_object_set_new(o, "mark", a->mark[0] ? json_string(a->mark) : json_null());
    json_t *m = json_array();
    for (uint32_t i = 0; i < a->n_mpls; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "label", json_integer(a->mpls[i].label));
        json_object_set_new(e, "tc", json_integer(a->mpls[i].tc));
        json_object_set_new(e, "s", json_integer(a->mpls[i].s));
        json_object_set_new(e, "ttl", json_integer(a->mpls[i].ttl));
        json_array_append_new(m, e);
    }
    json_object_set_new(o, "mpls", m);
    return o;
}

static json_t *hop_json(const struct pm_watch *w, uint8_t ttl)
{
    const struct pm_watch_hop *h = &w->hops[ttl];
    json_t *o = json_object();
    json_object_set_new(o, "ttl", json_integer(ttl));
    json_object_set_new(o, "sent", json_integer(h->sent));
    json_object_set_new(o, "received", json_integer(h->received));
    json_object_set_new(o, "loss_pct", json_real(round(pm_watch_loss(h) * 10.0) / 10.0));
    bool any = h->received > 0;
    json_object_set_new(o, "last_ms", any ? ms(h->last_ms) : json_null());
    json_object_set_new(o, "avg_ms", any ? ms(h->sum_ms / h->received) : json_null());
    json_object_set_new(o, "best_ms", any ? ms(h->best_ms) : json_null());
    json_object_set_new(o, "worst_ms", any ? ms(h->worst_ms) : json_null());
    json_object_set_new(o, "jitter_ms", h->n_jitter ? ms(h->jitter_sum_ms / h->n_jitter) : json_null());
    json_t *as = json_array();
    for (uint32_t i = 0; i < h->n_addr; i++)
        json_array_append_new(as, addr_json(w, &h->addrs[i]));
    json_object_set_new(o, "addresses", as);
    json_object_set_new(o, "other_replies", json_integer(h->other_addrs));
    return o;
}

static json_t *rollups_json(const struct pm_rollup *r, uint32_t n)
{
    json_t *a = json_array();
    for (uint32_t i = 0; i < n; i++) {
        json_t *o = json_object();
        char line[512];
        pm_rollup_format(&r[i], line, sizeof line);
        json_object_set_new(o, "key", pm_json_str(r[i].key, sizeof r[i].key));
        json_object_set_new(o, "state", json_string(pm_net_state_name((enum pm_net_state)r[i].state)));
        json_object_set_new(o, "total", json_integer(r[i].total));
        json_object_set_new(o, "reached", json_integer(r[i].reached));
        json_object_set_new(o, "died", json_integer(r[i].died));
        json_object_set_new(o, "dark", json_integer(r[i].dark));
        json_object_set_new(o, "line", pm_json_str(line, sizeof line));
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *verdict_json(const struct pm_watch *w)
{
    const struct pm_analysis *a = w->last_analysis;
    const struct pm_run *run = w->last_run;
    if (!a || !run)
        return json_null();
    json_t *o = json_object();
    char vl[64][256];
    uint32_t nv = pm_watch_verdict_lines(w, vl, 64);
    json_t *lines = json_array();
    for (uint32_t i = 0; i < nv; i++)
        json_array_append_new(lines, pm_json_str(vl[i], sizeof vl[i]));
    json_object_set_new(o, "lines", lines);
    if (run->n_targets == 1 && a->n_targets == 1) {
        const struct pm_verdict *v = &a->verdicts[0];
        json_object_set_new(o, "dst", pm_json_addr(run->targets[0].dst));
        json_object_set_new(o, "status", json_string(pm_status_name((enum pm_status)v->status)));
        json_object_set_new(o, "kind", v->status == PM_STATUS_DIED ? json_string(pm_death_name((enum pm_death)v->kind))
                                                                   : json_null());
        json_object_set_new(o, "last_hop", v->last_addr ? pm_json_addr(v->last_addr) : json_null());
        json_object_set_new(o, "last_ttl", json_integer(v->last_ttl));
        json_object_set_new(o, "dies_in", v->dies_in.asn ? pm_json_as(&v->dies_in) : json_null());
        json_object_set_new(o, "upstream", v->upstream.asn ? pm_json_as(&v->upstream) : json_null());
        json_object_set_new(o, "confidence", json_real(round(v->confidence * 100.0) / 100.0));
        json_object_set_new(o, "rule", json_string(pm_rule_name((enum pm_rule)v->rule)));
    }
    json_object_set_new(o, "by_prefix", rollups_json(a->by_prefix, a->n_prefix));
    json_object_set_new(o, "by_upstream", rollups_json(a->by_upstream, a->n_upstream));
    return o;
}

int pm_watch_write_json(FILE *f, const struct pm_watch *w, const char *title, uint8_t first_ttl, char *errbuf)
{
    json_t *doc = json_object();
    if (!doc)
        return pm_err(errbuf, PM_ENOMEM, "out of memory");
    json_object_set_new(doc, "schema", json_string("pathmortem-watch/1"));
    json_object_set_new(doc, "title", pm_json_str(title, 512));
    json_object_set_new(doc, "started", pm_json_time(w->started_us));
    json_object_set_new(doc, "cycles", json_integer(w->cycles));
    const struct pm_run *run = w->last_run;
    if (run) {
        json_object_set_new(doc, "method", json_string(pm_method_name((enum pm_method)run->method)));
        json_object_set_new(doc, "source", pm_json_addr(run->source));
        json_object_set_new(doc, "targets", json_integer(run->n_targets));
    }
    json_t *hops = json_array();
    uint8_t last;
    pm_watch_rows(w, first_ttl, &last);
    for (uint32_t ttl = first_ttl; ttl <= last; ttl++)
        if (pm_watch_row_shown(w, (uint8_t)ttl))
            json_array_append_new(hops, hop_json(w, (uint8_t)ttl));
    json_object_set_new(doc, "hops", hops);
    /* the same figures per upstream (see watch.h for how a target's is decided) */
    json_t *ups = json_array();
    for (uint32_t s = 0; w->many && s < w->n_sections; s++) {
        const struct pm_watch *m = w->sections[s];
        json_t *u = json_object(), *uh = json_array();
        json_object_set_new(u, "asn", m->section_asn ? json_integer(m->section_asn) : json_null());
        json_object_set_new(u, "name", m->section_name[0] ? pm_json_str(m->section_name, sizeof m->section_name)
                                                          : json_null());
        pm_watch_rows(m, first_ttl, &last);
        for (uint32_t ttl = first_ttl; ttl <= last; ttl++)
            if (pm_watch_row_shown(m, (uint8_t)ttl))
                json_array_append_new(uh, hop_json(m, (uint8_t)ttl));
        json_object_set_new(u, "hops", uh);
        json_array_append_new(ups, u);
    }
    json_object_set_new(doc, "upstreams", ups);
    json_object_set_new(doc, "verdict", verdict_json(w));
    errno = 0;
    int rc = json_dumpf(doc, f, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    json_decref(doc);
    if (rc != 0 || fputc('\n', f) == EOF || fflush(f) != 0 || ferror(f))
        return pm_err(errbuf, PM_EIO, "%s", strerror(errno ? errno : EIO));
    return PM_OK;
}
