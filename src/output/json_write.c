/* json_write.c - the "pathmortem/1" JSON document: run, targets with hops and verdicts, summary, owners, streamed target by target. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "output/internal.h"
#include "output/jw.h"

/* The writers below name the schema's fields one after another: runs of
 * jw_* calls look alike here, in planes.c and in the store's JSON, but each
 * names other fields. They are the schema written out, not logic to share. */

/* Three decimals, as the schema says, computed in integers so the same run
 * always gives the same text and a read-back value writes out unchanged. */
static long long milli(double x)
{
    return isfinite(x) ? llround(x * 1000.0) : 0;
}

static void as_ref(struct jw *w, const char *key, const struct pm_as_ref *r, uint32_t addr, bool with_addr)
{
    char name[sizeof r->name];
    memcpy(name, r->name, sizeof name);
    name[sizeof name - 1] = '\0';
    jw_obj(w, key);
    jw_uint0(w, "asn", r->asn);
    jw_str(w, "name", name);
    if (with_addr)
        jw_addr(w, "addr", addr, true);
    jw_end(w, '}');
}

/* Fixed-size strings from structs filled by others: never trust the NUL. */
#define FIELD_STR(w, key, field)            \
    do {                                    \
        char tmp_[sizeof(field)];           \
        memcpy(tmp_, (field), sizeof tmp_); \
        tmp_[sizeof tmp_ - 1] = '\0';       \
        jw_str((w), (key), tmp_);           \
    } while (0)

static void run_json(struct jw *w, const struct pm_run *run, const char *pcap_path)
{
    char buf[40];
    const struct pm_run_stats *s = &run->stats;
    jw_obj(w, "run");
    pm_format_time(run->started_us, buf, sizeof buf);
    jw_str(w, "started", buf);
    pm_format_time(run->ended_us, buf, sizeof buf);
    jw_str(w, "ended", buf);
    /* exact times too: ISO-8601 keeps milliseconds only */
    jw_uint(w, "started_us", run->started_us);
    jw_uint(w, "ended_us", run->ended_us);
    jw_str(w, "method", pm_method_name(run->method));
    jw_addr(w, "source", run->source, false);
    jw_uint(w, "ident", run->ident);
    jw_uint(w, "dport", run->dport);
    jw_uint(w, "flow", run->flow);
    jw_bool(w, "classic", run->classic);
    jw_uint(w, "first_ttl", run->first_ttl);
    jw_uint(w, "max_ttl", run->max_ttl);
    jw_uint(w, "queries", run->queries);
    jw_uint(w, "wait_ms", run->wait_ms);
    /* how replies were verified: "sealed" (the run's secret, live or from
     * the pcap's start record) or "identity" (a pcap without it) */
    /* "foreign": matched by another system's tool (run.input says which) */
    jw_str(w, "assurance", run->sealed ? "sealed" : run->input.format[0] ? "foreign" : "identity");
    FIELD_STR(w, "vantage", run->vantage);
    if (pcap_path) /* the capture of this run, as named on the command line (absent: none written) */
        jw_str(w, "pcap", pcap_path);
    if (run->input.format[0]) { /* read from another system's file (docs/output.md "input") */
        const struct pm_run_input *in = &run->input;
        jw_obj(w, "input");
        FIELD_STR(w, "format", in->format);
        FIELD_STR(w, "tool", in->tool);
        FIELD_STR(w, "version", in->version);
        FIELD_STR(w, "vantage_id", in->vantage_id);
        FIELD_STR(w, "vantage_addr", in->vantage_addr);
        FIELD_STR(w, "inferred", in->inferred);
        FIELD_STR(w, "missing", in->missing);
        jw_uint(w, "results", in->results);
        jw_end(w, '}');
    }
    /* issue 9: a run cut short is never read as an outage */
    jw_bool(w, "complete", run->end == PM_RUN_COMPLETE);
    if (run->end == PM_RUN_COMPLETE)
        jw_null(w, "stopped_by");
    else
        jw_str(w, "stopped_by", pm_run_end_name((enum pm_run_end)run->end));
    jw_obj(w, "stats");
    jw_uint(w, "probes_sent", s->probes_sent);
    jw_uint(w, "probes_captured", s->probes_captured);
    jw_uint(w, "replies_matched", s->replies_matched);
    jw_uint(w, "rejected_unknown", s->rejected_unknown);
    jw_uint(w, "rejected_duplicate", s->rejected_duplicate);
    jw_uint(w, "rejected_late", s->rejected_late);
    jw_uint(w, "rejected_mismatch", s->rejected_mismatch);
    jw_uint(w, "dropped_malformed", s->dropped_malformed);
    jw_uint(w, "capture_drops", s->capture_drops);
    jw_uint(w, "ipid_rewritten", s->ipid_rewritten);
    jw_uint(w, "rejected_foreign", s->rejected_foreign);
    jw_uint(w, "rejected_forged", s->rejected_forged);
    jw_uint(w, "rejected_checksum", s->rejected_checksum);
    jw_uint(w, "rejected_ttl0", s->rejected_ttl0);
    jw_uint(w, "rejected_fragment", s->rejected_fragment);
    jw_uint(w, "rejected_not_answer", s->rejected_not_answer);
    jw_uint(w, "over_limit", s->over_limit);
    jw_end(w, '}');
    jw_arr(w, "databases");
    for (uint32_t i = 0; i < run->n_dbs && i < PM_RUN_MAX_DBS; i++) {
        const struct pm_db_info *d = &run->dbs[i];
        jw_obj(w, NULL);
        FIELD_STR(w, "role", d->role);
        FIELD_STR(w, "path", d->path);
        FIELD_STR(w, "build_date", d->build_date);
        FIELD_STR(w, "sha256", d->sha256);
        jw_end(w, '}');
    }
    jw_end(w, ']');
    jw_end(w, '}');
}

/* The reply's ICMP extension objects as received; RFC 5837 interface information also parsed. */
static void ext_json(struct jw *w, const struct pm_ext_set *e)
{
    jw_arr(w, "ext_objects");
    for (uint8_t i = 0; e && i < e->n && i < PM_EXT_OBJ_MAX; i++) {
        const struct pm_ext_obj *o = &e->obj[i];
        jw_obj(w, NULL);
        jw_uint(w, "class", o->cls);
        jw_uint(w, "type", o->ctype);
        if (o->len == PM_EXT_LEN_UNKNOWN) {
            jw_null(w, "length");
            jw_null(w, "data");
        } else {
            jw_uint(w, "length", o->len);
            char hex[2 * PM_EXT_OBJ_BYTES + 1];
            for (uint8_t k = 0; k < o->kept && k < PM_EXT_OBJ_BYTES; k++)
                snprintf(hex + 2 * k, 3, "%02x", o->data[k]);
            hex[2 * (o->kept < PM_EXT_OBJ_BYTES ? o->kept : PM_EXT_OBJ_BYTES)] = '\0';
            jw_str(w, "data", hex);
        }
        struct pm_ext_ifinfo ii;
        if (o->cls == PM_EXT_CLASS_IFINFO && pm_ext_ifinfo_parse(o, &ii) == PM_OK) {
            jw_obj(w, "interface");
            jw_str(w, "role", pm_ext_ifinfo_role(ii.role));
            if (ii.has_ifindex)
                jw_uint(w, "ifindex", ii.ifindex);
            else
                jw_null(w, "ifindex");
            char a[INET6_ADDRSTRLEN] = "";
            if (ii.has_addr && inet_ntop(ii.addr_v6 ? AF_INET6 : AF_INET, ii.addr, a, sizeof a))
                jw_str(w, "addr", a);
            else
                jw_null(w, "addr");
            if (ii.has_name)
                jw_str(w, "name", ii.name);
            else
                jw_null(w, "name");
            if (ii.has_mtu)
                jw_uint(w, "mtu", ii.mtu);
            else
                jw_null(w, "mtu");
            jw_end(w, '}');
        }
        jw_end(w, '}');
    }
    jw_end(w, ']');
    jw_uint(w, "ext_objects_more", e ? e->more : 0);
}

static void reply_json(struct jw *w, const struct pm_output_ctx *ctx, const struct pm_target *t,
                       const struct pm_reply *r)
{
    struct pm_geo_info gi;
    pm_output_lookup(ctx, r->from, &gi);
    bool tcp = r->kind == PM_REPLY_TCP_SYNACK || r->kind == PM_REPLY_TCP_RST;
    const char *kind = pm_output_reply_kind_str(r->kind);
    jw_obj(w, NULL);
    jw_addr(w, "from", r->from, false);
    const char *name = pm_output_name(ctx, r->from);
    if (name)
        jw_str(w, "name", name);
    else
        jw_null(w, "name");
    if (r->no_rtt) /* the file kept the answer, not its time */
        jw_null(w, "rtt_ms");
    else
        jw_milli(w, "rtt_ms", (long long)pm_output_rtt_us(r));
    jw_str(w, "kind", kind ? kind : "other-icmp");
    if (tcp) { /* a TCP answer carries no ICMP type */
        jw_null(w, "icmp_type");
        jw_null(w, "icmp_code");
    } else {
        jw_uint(w, "icmp_type", r->icmp_type);
        jw_uint(w, "icmp_code", r->icmp_code);
    }
    jw_uint0(w, "asn", gi.asn);
    jw_str(w, "as_name", gi.as_name);
    jw_str(w, "country", gi.country);
    jw_str(w, "city", gi.city);
    jw_uint(w, "reply_ttl", r->reply_ttl);
    jw_uint(w, "quoted_ttl", r->quoted_ttl);
    jw_uint(w, "attempt", r->attempt);
    jw_uint(w, "reply_ipid", r->reply_ipid);
    jw_bool(w, "quoted_ipid_ok", r->quoted_ipid_ok);
    jw_arr(w, "mpls");
    const struct pm_mpls_stack *ms = pm_reply_mpls(t, r);
    for (uint8_t i = 0; ms && i < ms->n; i++) {
        jw_obj(w, NULL);
        jw_uint(w, "label", ms->e[i].label);
        jw_uint(w, "tc", ms->e[i].tc);
        jw_uint(w, "s", ms->e[i].s);
        jw_uint(w, "ttl", ms->e[i].ttl);
        jw_end(w, '}');
    }
    jw_end(w, ']');
    jw_bool(w, "extensions", r->has_ext);
    ext_json(w, pm_reply_ext(t, r));
    jw_end(w, '}');
}

static void verdict_json(struct jw *w, const struct pm_verdict *v)
{
    const char *st = pm_output_status_str(v->status), *kd = pm_output_death_str(v->kind);
    jw_obj(w, "verdict");
    jw_str(w, "status", st ? st : "died");
    if (v->kind == PM_DEATH_NONE)
        jw_null(w, "kind");
    else
        jw_str(w, "kind", kd ? kd : "silent");
    jw_obj(w, "last_hop");
    jw_addr(w, "addr", v->last_addr, true);
    jw_uint0(w, "ttl", v->last_addr ? v->last_ttl : 0);
    jw_uint0(w, "asn", v->last_asn);
    FIELD_STR(w, "country", v->last_country);
    jw_end(w, '}');
    as_ref(w, "dies_in", &v->dies_in, 0, false);
    as_ref(w, "upstream", &v->upstream, v->upstream_addr, true);
    jw_milli(w, "confidence", milli(v->confidence));
    jw_uint0(w, "entry_ttl", v->entry_ttl);
    jw_uint0(w, "reached_ttl", v->reached_ttl);
    jw_uint0(w, "first_silent_ttl", v->first_silent_ttl);
    jw_bool(w, "mpls", v->mpls);
    jw_uint(w, "group", v->group);
    jw_str(w, "rule", pm_rule_name((enum pm_rule)v->rule));
    jw_arr(w, "evidence");
    for (uint32_t i = 0; i < v->n_evidence && i < PM_EVIDENCE_MAX; i++)
        jw_str(w, NULL, v->evidence[i] ? v->evidence[i] : ""); /* heap strings, NUL-terminated by their owner */
    jw_end(w, ']');
    jw_end(w, '}');
}

static void target_json(struct jw *w, const struct pm_output_ctx *ctx, uint32_t idx)
{
    const struct pm_run *run = ctx->run;
    const struct pm_target *t = &run->targets[idx];
    jw_obj(w, NULL);
    jw_addr(w, "dst", t->dst, false);
    jw_arr(w, "hops");
    uint8_t last = pm_output_last_hop(t);
    for (uint8_t ttl = pm_output_first_hop(run, t); ttl && ttl <= last; ttl++) {
        if (!pm_output_hop_listed(run, t, ttl))
            continue; /* never probed: not a silent hop */
        const struct pm_reply *r;
        uint32_t n = pm_target_hop(t, ttl, &r);
        jw_obj(w, NULL);
        jw_uint(w, "ttl", ttl);
        jw_uint(w, "probes", t->sent[ttl]);
        jw_arr(w, "replies");
        for (uint32_t k = 0; k < n; k++)
            reply_json(w, ctx, t, &r[k]);
        jw_end(w, ']');
        jw_end(w, '}');
    }
    jw_end(w, ']');
    jw_str(w, "stop", pm_stop_name(t->stop));
    jw_uint(w, "stop_ttl", t->stop_ttl);
    if (t->stopset_ttl) {
        jw_uint(w, "shared_below_ttl", t->stopset_ttl);
        if (t->shared_via)
            jw_addr(w, "shared_via", t->shared_via, false);
        if (t->donor && t->donor <= run->n_targets)
            jw_addr(w, "shared_with", run->targets[t->donor - 1].dst, false);
    }
    const struct pm_verdict *v = pm_output_verdict(ctx, idx);
    if (v)
        verdict_json(w, v);
    jw_end(w, '}');
}

static void rollup_json(struct jw *w, const struct pm_rollup *r, bool is_prefix)
{
    jw_obj(w, NULL);
    FIELD_STR(w, "key", r->key);
    if (is_prefix) {
        char buf[16], pfx[24];
        snprintf(pfx, sizeof pfx, "%s/%u", pm_addr_str(r->prefix, buf), r->prefix_len);
        jw_str(w, "prefix", pfx);
    }
    jw_uint(w, "total", r->total);
    jw_uint(w, "reached", r->reached);
    jw_uint(w, "died", r->died);
    jw_uint(w, "rate_limited", r->rate_limited);
    jw_str(w, "state", pm_net_state_name(pm_rollup_state(r)));
    jw_uint(w, "dark", r->dark);
    jw_uint(w, "not_probed", r->not_probed);
    jw_milli(w, "confidence", milli(r->confidence));
    as_ref(w, "upstream", &r->upstream, 0, false);
    if (r->total > r->reached && r->died_same) {
        const char *kd = pm_output_death_str(r->death_kind);
        jw_obj(w, "death");
        jw_addr(w, "addr", r->death_addr, true);
        jw_uint0(w, "ttl", r->death_addr ? r->death_ttl : 0);
        jw_str(w, "kind", kd ? kd : "silent");
        jw_uint0(w, "asn", r->dies_in.asn);
        FIELD_STR(w, "name", r->dies_in.name);
        jw_uint0(w, "owner_asn", r->death_owner_asn);
        FIELD_STR(w, "country", r->death_country);
        jw_uint(w, "count", r->died_same);
        jw_str(w, "rule", pm_rule_name((enum pm_rule)r->death_rule));
        jw_end(w, '}');
    } else {
        jw_null(w, "death");
    }
    jw_end(w, '}');
}

static void analysis_json(struct jw *w, const struct pm_analysis *a)
{
    jw_obj(w, "summary");
    jw_uint0(w, "target_asn", a->target_asn);
    jw_arr(w, "by_prefix");
    for (uint32_t i = 0; i < a->n_prefix; i++)
        rollup_json(w, &a->by_prefix[i], true);
    jw_end(w, ']');
    jw_arr(w, "by_upstream");
    for (uint32_t i = 0; i < a->n_upstream; i++)
        rollup_json(w, &a->by_upstream[i], false);
    jw_end(w, ']');
    jw_end(w, '}');
    if (a->planes)
        pm_output_planes_json(w, a->planes);
    jw_arr(w, "owners");
    for (uint32_t i = 0; i < a->n_owners; i++) {
        const struct pm_owner *o = &a->owners[i];
        jw_obj(w, NULL);
        jw_addr(w, "addr", o->addr, false);
        jw_uint0(w, "mapped_asn", o->mapped_asn);
        jw_uint0(w, "owner_asn", o->owner_asn);
        jw_milli(w, "confidence", milli(o->confidence));
        FIELD_STR(w, "reason", o->reason);
        jw_end(w, '}');
    }
    jw_end(w, ']');
}

/* The document without a trailing newline. Memory stays flat: each target
 * is written as soon as it is formatted. */
static int stream(FILE *f, const struct pm_output_ctx *ctx, bool compact, char *errbuf)
{
    if (!f || !ctx || !ctx->run)
        return pm_err(errbuf, PM_EINVAL, "json output: no run");
    struct jw w;
    jw_init(&w, f, compact);
    jw_obj(&w, NULL);
    jw_str(&w, "schema", "pathmortem/1");
    run_json(&w, ctx->run, ctx->pcap_path);
    jw_arr(&w, "targets");
    for (uint32_t i = 0; i < ctx->run->n_targets; i++)
        target_json(&w, ctx, i);
    jw_end(&w, ']');
    if (ctx->analysis)
        analysis_json(&w, ctx->analysis);
    jw_end(&w, '}');
    /* errno is still the failed write's: the writer makes no other call that sets it */
    return ferror(f) ? pm_err(errbuf, PM_EIO, "json output: write failed: %s", strerror(errno ? errno : EIO)) : PM_OK;
}

int pm_output_json_stream(FILE *f, const struct pm_output_ctx *ctx, char *errbuf)
{
    return stream(f, ctx, false, errbuf);
}

static char *to_string(const struct pm_output_ctx *ctx, bool compact, char *errbuf)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        pm_err(errbuf, PM_ENOMEM, "json output: out of memory");
        return NULL;
    }
    int rc = stream(f, ctx, compact, errbuf);
    if (fclose(f) != 0 && rc == PM_OK)
        rc = pm_err(errbuf, PM_ENOMEM, "json output: out of memory");
    if (rc != PM_OK) {
        free(buf);
        return NULL;
    }
    return buf;
}

char *pm_output_json_string(const struct pm_output_ctx *ctx, char *errbuf)
{
    return to_string(ctx, false, errbuf);
}

char *pm_output_json_line(const struct pm_output_ctx *ctx, char *errbuf)
{
    return to_string(ctx, true, errbuf);
}
