/* json_write.c - the "pathmortem/1" JSON document (jansson): run, targets with hops and verdicts, summary, owners. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "output/internal.h"

/* Builders return NULL on allocation failure; json_object_set_new steals
 * references and tolerates a NULL value by failing, which we propagate. */
#define SET(obj, key, val)                                   \
    do {                                                     \
        if (json_object_set_new((obj), (key), (val)) != 0)   \
            goto fail;                                       \
    } while (0)

static json_t *addr_json(uint32_t a)
{
    char buf[16];
    return json_string(pm_addr_str(a, buf));
}

/* Unknown facts are null rather than 0 or "" so consumers can tell. */
static json_t *asn_json(uint32_t asn)
{
    return asn ? json_integer(asn) : json_null();
}

/* Strings from databases may be any bytes: jansson refuses invalid UTF-8,
 * so such a string is cleaned first rather than dropped. */
static json_t *str_json(const char *s)
{
    if (!s || !*s)
        return json_null();
    json_t *j = json_string(s);
    if (j)
        return j;
    char clean[256];
    pm_output_clean(s, clean, sizeof clean);
    return json_string(clean);
}

/* Three decimals, as the schema says; printed with 15 significant digits so
 * the value reads back to the same bits and writes out the same text. */
static json_t *round3(double x)
{
    return json_real(round(x * 1000.0) / 1000.0);
}

static json_t *as_ref_json(const struct pm_as_ref *r)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    SET(o, "asn", asn_json(r->asn));
    SET(o, "name", str_json(r->name));
    return o;
fail:
    json_decref(o);
    return NULL;
}

static json_t *stats_json(const struct pm_run_stats *s)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    SET(o, "probes_sent", json_integer((json_int_t)s->probes_sent));
    SET(o, "probes_captured", json_integer((json_int_t)s->probes_captured));
    SET(o, "replies_matched", json_integer((json_int_t)s->replies_matched));
    SET(o, "rejected_unknown", json_integer((json_int_t)s->rejected_unknown));
    SET(o, "rejected_duplicate", json_integer((json_int_t)s->rejected_duplicate));
    SET(o, "rejected_late", json_integer((json_int_t)s->rejected_late));
    SET(o, "rejected_mismatch", json_integer((json_int_t)s->rejected_mismatch));
    SET(o, "dropped_malformed", json_integer((json_int_t)s->dropped_malformed));
    SET(o, "capture_drops", json_integer((json_int_t)s->capture_drops));
    SET(o, "ipid_rewritten", json_integer((json_int_t)s->ipid_rewritten));
    return o;
fail:
    json_decref(o);
    return NULL;
}

static json_t *run_json(const struct pm_run *run)
{
    char buf[40];
    json_t *o = json_object(), *dbs = NULL;
    if (!o)
        return NULL;
    pm_format_time(run->started_us, buf, sizeof buf);
    SET(o, "started", json_string(buf));
    pm_format_time(run->ended_us, buf, sizeof buf);
    SET(o, "ended", json_string(buf));
    /* exact times too: ISO-8601 keeps milliseconds only */
    SET(o, "started_us", json_integer((json_int_t)run->started_us));
    SET(o, "ended_us", json_integer((json_int_t)run->ended_us));
    SET(o, "method", json_string(pm_method_name(run->method)));
    SET(o, "source", addr_json(run->source));
    SET(o, "ident", json_integer(run->ident));
    SET(o, "dport", json_integer(run->dport));
    SET(o, "flow", json_integer(run->flow));
    SET(o, "classic", json_boolean(run->classic));
    SET(o, "first_ttl", json_integer(run->first_ttl));
    SET(o, "max_ttl", json_integer(run->max_ttl));
    SET(o, "queries", json_integer(run->queries));
    SET(o, "wait_ms", json_integer(run->wait_ms));
    SET(o, "vantage", str_json(run->vantage[0] ? run->vantage : NULL));
    SET(o, "stats", stats_json(&run->stats));
    dbs = json_array();
    if (!dbs)
        goto fail;
    for (uint32_t i = 0; i < run->n_dbs && i < PM_RUN_MAX_DBS; i++) {
        const struct pm_db_info *d = &run->dbs[i];
        json_t *e = json_object();
        if (!e || json_array_append_new(dbs, e))
            goto fail;
        SET(e, "role", str_json(d->role));
        SET(e, "path", str_json(d->path));
        SET(e, "build_date", str_json(d->build_date));
        SET(e, "sha256", str_json(d->sha256));
    }
    SET(o, "databases", dbs);
    return o;
fail:
    json_decref(o);
    return NULL;
}

static json_t *reply_json(const struct pm_output_ctx *ctx, const struct pm_reply *r)
{
    struct pm_geo_info gi;
    json_t *o = json_object();
    if (!o)
        return NULL;
    pm_output_lookup(ctx, r->from, &gi);
    bool tcp = r->kind == PM_REPLY_TCP_SYNACK || r->kind == PM_REPLY_TCP_RST;
    SET(o, "from", addr_json(r->from));
    SET(o, "rtt_ms", round3((double)pm_output_rtt_us(r) / 1000.0));
    SET(o, "kind", json_string(pm_output_reply_kind_str(r->kind) ? pm_output_reply_kind_str(r->kind) : "other-icmp"));
    /* a TCP answer carries no ICMP type */
    SET(o, "icmp_type", tcp ? json_null() : json_integer(r->icmp_type));
    SET(o, "icmp_code", tcp ? json_null() : json_integer(r->icmp_code));
    SET(o, "asn", asn_json(gi.asn));
    SET(o, "as_name", str_json(gi.as_name));
    SET(o, "country", str_json(gi.country));
    SET(o, "city", str_json(gi.city));
    SET(o, "reply_ttl", json_integer(r->reply_ttl));
    SET(o, "quoted_ttl", json_integer(r->quoted_ttl));
    SET(o, "attempt", json_integer(r->attempt));
    SET(o, "reply_ipid", json_integer(r->reply_ipid));
    SET(o, "quoted_ipid_ok", json_boolean(r->quoted_ipid_ok));
    json_t *mpls = json_array();
    if (!mpls || json_object_set_new(o, "mpls", mpls))
        goto fail;
    for (uint8_t i = 0; i < r->n_mpls && i < PM_REPLY_MPLS_MAX; i++) {
        json_t *e = json_object();
        if (!e || json_array_append_new(mpls, e))
            goto fail;
        SET(e, "label", json_integer(r->mpls[i].label));
        SET(e, "tc", json_integer(r->mpls[i].tc));
        SET(e, "s", json_integer(r->mpls[i].s));
        SET(e, "ttl", json_integer(r->mpls[i].ttl));
    }
    SET(o, "extensions", json_boolean(r->has_ext));
    return o;
fail:
    json_decref(o);
    return NULL;
}

static json_t *verdict_json(const struct pm_verdict *v)
{
    json_t *o = json_object(), *lh;
    if (!o)
        return NULL;
    const char *st = pm_output_status_str(v->status), *kd = pm_output_death_str(v->kind);
    SET(o, "status", json_string(st ? st : "died"));
    SET(o, "kind", v->kind == PM_DEATH_NONE ? json_null() : json_string(kd ? kd : "silent"));
    lh = json_object();
    if (!lh || json_object_set_new(o, "last_hop", lh))
        goto fail;
    SET(lh, "addr", v->last_addr ? addr_json(v->last_addr) : json_null());
    SET(lh, "ttl", v->last_addr ? json_integer(v->last_ttl) : json_null());
    SET(lh, "asn", asn_json(v->last_asn));
    SET(lh, "country", str_json(v->last_country));
    SET(o, "dies_in", as_ref_json(&v->dies_in));
    json_t *up = as_ref_json(&v->upstream);
    if (!up || json_object_set_new(o, "upstream", up))
        goto fail;
    SET(up, "addr", v->upstream_addr ? addr_json(v->upstream_addr) : json_null());
    SET(o, "confidence", round3(v->confidence));
    SET(o, "entry_ttl", v->entry_ttl ? json_integer(v->entry_ttl) : json_null());
    SET(o, "reached_ttl", v->reached_ttl ? json_integer(v->reached_ttl) : json_null());
    SET(o, "first_silent_ttl", v->first_silent_ttl ? json_integer(v->first_silent_ttl) : json_null());
    SET(o, "mpls", json_boolean(v->mpls));
    SET(o, "group", json_integer(v->group));
    json_t *ev = json_array();
    if (!ev || json_object_set_new(o, "evidence", ev))
        goto fail;
    for (uint32_t i = 0; i < v->n_evidence && i < PM_EVIDENCE_MAX; i++) {
        char line[PM_EVIDENCE_LEN];
        memcpy(line, v->evidence[i], sizeof line);
        line[sizeof line - 1] = '\0';
        if (json_array_append_new(ev, str_json(line)))
            goto fail;
    }
    return o;
fail:
    json_decref(o);
    return NULL;
}

static json_t *target_json(const struct pm_output_ctx *ctx, uint32_t idx)
{
    const struct pm_run *run = ctx->run;
    const struct pm_target *t = &run->targets[idx];
    json_t *o = json_object(), *hops;
    if (!o)
        return NULL;
    SET(o, "dst", addr_json(t->dst));
    hops = json_array();
    if (!hops || json_object_set_new(o, "hops", hops))
        goto fail;
    uint8_t last = pm_output_last_hop(t);
    for (uint8_t ttl = pm_output_first_hop(run, t); ttl && ttl <= last; ttl++) {
        const struct pm_reply *r;
        uint32_t n = pm_target_hop(t, ttl, &r);
        json_t *hop = json_object(), *reps;
        if (!hop || json_array_append_new(hops, hop))
            goto fail;
        SET(hop, "ttl", json_integer(ttl));
        SET(hop, "probes", json_integer(t->sent[ttl]));
        reps = json_array();
        if (!reps || json_object_set_new(hop, "replies", reps))
            goto fail;
        for (uint32_t k = 0; k < n; k++)
            if (json_array_append_new(reps, reply_json(ctx, &r[k])))
                goto fail;
    }
    const char *stop = pm_stop_name(t->stop);
    SET(o, "stop", json_string(stop));
    SET(o, "stop_ttl", json_integer(t->stop_ttl));
    if (t->stopset_ttl) {
        SET(o, "shared_below_ttl", json_integer(t->stopset_ttl));
        if (t->shared_via)
            SET(o, "shared_via", addr_json(t->shared_via));
        if (t->donor && t->donor <= run->n_targets)
            SET(o, "shared_with", addr_json(run->targets[t->donor - 1].dst));
    }
    const struct pm_verdict *v = pm_output_verdict(ctx, idx);
    if (v)
        SET(o, "verdict", verdict_json(v));
    return o;
fail:
    json_decref(o);
    return NULL;
}

static json_t *rollup_json(const struct pm_rollup *r, bool is_prefix)
{
    json_t *o = json_object(), *d;
    if (!o)
        return NULL;
    char key[sizeof r->key];
    memcpy(key, r->key, sizeof key);
    key[sizeof key - 1] = '\0';
    SET(o, "key", str_json(key));
    if (is_prefix) {
        char buf[16], pfx[24];
        snprintf(pfx, sizeof pfx, "%s/%u", pm_addr_str(r->prefix, buf), r->prefix_len);
        SET(o, "prefix", json_string(pfx));
    }
    SET(o, "total", json_integer(r->total));
    SET(o, "reached", json_integer(r->reached));
    SET(o, "died", json_integer(r->died));
    SET(o, "rate_limited", json_integer(r->rate_limited));
    SET(o, "confidence", round3(r->confidence));
    SET(o, "upstream", as_ref_json(&r->upstream));
    if (r->total > r->reached && r->died_same) {
        const char *kd = pm_output_death_str(r->death_kind);
        d = json_object();
        if (!d || json_object_set_new(o, "death", d))
            goto fail;
        SET(d, "addr", r->death_addr ? addr_json(r->death_addr) : json_null());
        SET(d, "ttl", r->death_addr ? json_integer(r->death_ttl) : json_null());
        SET(d, "kind", json_string(kd ? kd : "silent"));
        SET(d, "asn", asn_json(r->dies_in.asn));
        SET(d, "name", str_json(r->dies_in.name));
        SET(d, "owner_asn", asn_json(r->death_owner_asn));
        SET(d, "country", str_json(r->death_country));
        SET(d, "count", json_integer(r->died_same));
    } else {
        SET(o, "death", json_null());
    }
    return o;
fail:
    json_decref(o);
    return NULL;
}

static json_t *summary_json(const struct pm_analysis *a)
{
    json_t *o = json_object(), *arr;
    if (!o)
        return NULL;
    SET(o, "target_asn", asn_json(a->target_asn));
    arr = json_array();
    if (!arr || json_object_set_new(o, "by_prefix", arr))
        goto fail;
    for (uint32_t i = 0; i < a->n_prefix; i++)
        if (json_array_append_new(arr, rollup_json(&a->by_prefix[i], true)))
            goto fail;
    arr = json_array();
    if (!arr || json_object_set_new(o, "by_upstream", arr))
        goto fail;
    for (uint32_t i = 0; i < a->n_upstream; i++)
        if (json_array_append_new(arr, rollup_json(&a->by_upstream[i], false)))
            goto fail;
    return o;
fail:
    json_decref(o);
    return NULL;
}

static json_t *owners_json(const struct pm_analysis *a)
{
    json_t *arr = json_array();
    if (!arr)
        return NULL;
    for (uint32_t i = 0; i < a->n_owners; i++) {
        const struct pm_owner *w = &a->owners[i];
        json_t *o = json_object();
        if (!o || json_array_append_new(arr, o))
            goto fail;
        char reason[PM_EVIDENCE_LEN];
        memcpy(reason, w->reason, sizeof reason);
        reason[sizeof reason - 1] = '\0';
        SET(o, "addr", addr_json(w->addr));
        SET(o, "mapped_asn", asn_json(w->mapped_asn));
        SET(o, "owner_asn", asn_json(w->owner_asn));
        SET(o, "confidence", round3(w->confidence));
        SET(o, "reason", str_json(reason));
    }
    return arr;
fail:
    json_decref(arr);
    return NULL;
}

static json_t *document(const struct pm_output_ctx *ctx)
{
    json_t *doc = json_object(), *targets;
    if (!doc)
        return NULL;
    SET(doc, "schema", json_string("pathmortem/1"));
    SET(doc, "run", run_json(ctx->run));
    targets = json_array();
    if (!targets || json_object_set_new(doc, "targets", targets))
        goto fail;
    for (uint32_t i = 0; i < ctx->run->n_targets; i++)
        if (json_array_append_new(targets, target_json(ctx, i)))
            goto fail;
    if (ctx->analysis) {
        SET(doc, "summary", summary_json(ctx->analysis));
        SET(doc, "owners", owners_json(ctx->analysis));
    }
    return doc;
fail:
    json_decref(doc);
    return NULL;
}

#define DUMP_FLAGS (JSON_INDENT(1) | JSON_REAL_PRECISION(15) | JSON_PRESERVE_ORDER)

char *pm_output_json_string(const struct pm_output_ctx *ctx, char *errbuf)
{
    if (!ctx || !ctx->run) {
        pm_err(errbuf, PM_EINVAL, "json output: no run");
        return NULL;
    }
    json_t *doc = document(ctx);
    if (!doc) {
        pm_err(errbuf, PM_ENOMEM, "json output: out of memory building the document");
        return NULL;
    }
    char *s = json_dumps(doc, DUMP_FLAGS);
    json_decref(doc);
    if (!s)
        pm_err(errbuf, PM_ENOMEM, "json output: out of memory writing the document");
    return s;
}
