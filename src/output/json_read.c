/* json_read.c - reads a "pathmortem/1" document back into a run, its verdicts and address facts, checking every field. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "output/facts.h"
#include "output/json_get.h"
#include "output/internal.h"

static int read_stats(struct pm_output_rd *r, json_t *o, struct pm_run_stats *s)
{
    static const struct {
        const char *key;
        size_t off;
    } f[] = {
        {"probes_sent", offsetof(struct pm_run_stats, probes_sent)},
        {"probes_captured", offsetof(struct pm_run_stats, probes_captured)},
        {"replies_matched", offsetof(struct pm_run_stats, replies_matched)},
        {"rejected_unknown", offsetof(struct pm_run_stats, rejected_unknown)},
        {"rejected_duplicate", offsetof(struct pm_run_stats, rejected_duplicate)},
        {"rejected_late", offsetof(struct pm_run_stats, rejected_late)},
        {"rejected_mismatch", offsetof(struct pm_run_stats, rejected_mismatch)},
        {"dropped_malformed", offsetof(struct pm_run_stats, dropped_malformed)},
        {"capture_drops", offsetof(struct pm_run_stats, capture_drops)},
        {"ipid_rewritten", offsetof(struct pm_run_stats, ipid_rewritten)},
        {"rejected_foreign", offsetof(struct pm_run_stats, rejected_foreign)},
        {"rejected_forged", offsetof(struct pm_run_stats, rejected_forged)},
        {"rejected_checksum", offsetof(struct pm_run_stats, rejected_checksum)},
        {"rejected_ttl0", offsetof(struct pm_run_stats, rejected_ttl0)},
        {"rejected_fragment", offsetof(struct pm_run_stats, rejected_fragment)},
        {"rejected_not_answer", offsetof(struct pm_run_stats, rejected_not_answer)},
        {"over_limit", offsetof(struct pm_run_stats, over_limit)},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        int64_t v;
        int rc = pm_output_jr_get_int(r, o, f[i].key, false, false, 0, INT64_MAX, &v);
        if (rc < 0)
            return rc;
        if (rc == PM_OK) {
            uint64_t u = (uint64_t)v;
            memcpy((char *)s + f[i].off, &u, sizeof u);
        }
    }
    return PM_OK;
}

/* run.input: where a run read from another system's file came from. */
static int read_input(struct pm_output_rd *r, json_t *o, struct pm_run_input *in)
{
    int rc;
    pm_output_jr_at(r, "run.input");
    if ((rc = pm_output_jr_get_str(r, o, "format", true, in->format, sizeof in->format)) < 0 ||
        (rc = pm_output_jr_get_str(r, o, "tool", false, in->tool, sizeof in->tool)) < 0 ||
        (rc = pm_output_jr_get_str(r, o, "version", false, in->version, sizeof in->version)) < 0 ||
        (rc = pm_output_jr_get_str(r, o, "vantage_id", false, in->vantage_id, sizeof in->vantage_id)) < 0 ||
        (rc = pm_output_jr_get_str(r, o, "vantage_addr", false, in->vantage_addr, sizeof in->vantage_addr)) < 0 ||
        (rc = pm_output_jr_get_str(r, o, "inferred", false, in->inferred, sizeof in->inferred)) < 0 ||
        (rc = pm_output_jr_get_str(r, o, "missing", false, in->missing, sizeof in->missing)) < 0)
        return rc;
    GET_INT(r, o, "results", false, 0, UINT32_MAX, in->results);
    return PM_OK;
}

static int read_run(struct pm_output_rd *r, json_t *o, struct pm_run *run)
{
    int rc;
    json_t *v = NULL;
    char method[8];
    pm_output_jr_at(r, "run");
    if ((rc = pm_output_jr_read_time(r, o, "started", "started_us", true, &run->started_us)) < 0)
        return rc;
    if ((rc = pm_output_jr_read_time(r, o, "ended", "ended_us", false, &run->ended_us)) < 0)
        return rc;
    if ((rc = pm_output_jr_get_str(r, o, "method", true, method, sizeof method)) < 0)
        return rc;
    enum pm_method m;
    if (pm_method_parse(method, &m) != PM_OK)
        return pm_output_jr_bad(r, "method", "not icmp, udp or tcp");
    run->method = (uint8_t)m;
    if ((rc = pm_output_jr_get_addr(r, o, "source", true, &run->source)) < 0)
        return rc;
    GET_INT(r, o, "ident", false, 0, UINT16_MAX, run->ident);
    GET_INT(r, o, "dport", false, 0, UINT16_MAX, run->dport);
    GET_INT(r, o, "flow", false, 0, UINT16_MAX, run->flow);
    if ((rc = pm_output_jr_get_bool(r, o, "classic", &run->classic)) < 0)
        return rc;
    GET_INT(r, o, "first_ttl", false, 1, PM_TTL_MAX, run->first_ttl);
    GET_INT(r, o, "max_ttl", false, 1, 255, run->max_ttl);
    GET_INT(r, o, "queries", false, 0, 255, run->queries);
    GET_INT(r, o, "wait_ms", false, 0, UINT32_MAX, run->wait_ms);
    if ((rc = pm_output_jr_get_str(r, o, "vantage", false, run->vantage, sizeof run->vantage)) < 0)
        return rc;
    char stopped[16] = "";
    if ((rc = pm_output_jr_get_str(r, o, "stopped_by", false, stopped, sizeof stopped)) < 0)
        return rc;
    run->end = PM_RUN_COMPLETE;
    if (rc == PM_OK) {
        int e = PM_RUN_SIGINT;
        while (e <= PM_RUN_TIMEOUT && strcmp(stopped, pm_run_end_name((enum pm_run_end)e)))
            e++;
        if (e > PM_RUN_TIMEOUT)
            return pm_output_jr_bad(r, "stopped_by", "not SIGINT, SIGTERM, SIGHUP or timeout");
        run->end = (uint8_t)e;
    }
    char assurance[16] = "";
    if ((rc = pm_output_jr_get_str(r, o, "assurance", false, assurance, sizeof assurance)) < 0)
        return rc;
    if (rc == PM_OK && strcmp(assurance, "sealed") && strcmp(assurance, "identity") && strcmp(assurance, "foreign"))
        return pm_output_jr_bad(r, "assurance", "not sealed, identity or foreign");
    run->sealed = !strcmp(assurance, "sealed");
    if ((rc = pm_output_jr_get_object(r, o, "input", false, false, &v)) < 0)
        return rc;
    if (rc == PM_OK && (rc = read_input(r, v, &run->input)) < 0)
        return rc;
    pm_output_jr_at(r, "run");
    if ((rc = pm_output_jr_get_object(r, o, "stats", false, false, &v)) < 0)
        return rc;
    if (rc == PM_OK) {
        pm_output_jr_at(r, "run.stats");
        if ((rc = read_stats(r, v, &run->stats)) < 0)
            return rc;
    }
    pm_output_jr_at(r, "run");
    if ((rc = pm_output_jr_get_array(r, o, "databases", false, PM_RUN_MAX_DBS, &v)) < 0)
        return rc;
    if (rc == PM_OK) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            json_t *e = json_array_get(v, i);
            struct pm_db_info *d = &run->dbs[i];
            pm_output_jr_at(r, "run.databases[%zu]", i);
            if (!json_is_object(e))
                return pm_output_jr_bad(r, NULL, "expected an object");
            if ((rc = pm_output_jr_get_str(r, e, "role", true, d->role, sizeof d->role)) < 0 ||
                (rc = pm_output_jr_get_str(r, e, "path", false, d->path, sizeof d->path)) < 0 ||
                (rc = pm_output_jr_get_str(r, e, "build_date", false, d->build_date, sizeof d->build_date)) < 0 ||
                (rc = pm_output_jr_get_str(r, e, "sha256", false, d->sha256, sizeof d->sha256)) < 0)
                return rc;
            run->n_dbs = (uint32_t)i + 1;
        }
    }
    return PM_OK;
}

/* "ext_objects" (absent in documents written before issue 12: none). */
static int read_ext(struct pm_output_rd *r, json_t *o, struct pm_ext_set *e)
{
    json_t *arr;
    int rc;
    memset(e, 0, sizeof *e);
    if ((rc = pm_output_jr_get_array(r, o, "ext_objects", false, PM_EXT_OBJ_MAX, &arr)) < 0)
        return rc;
    if (rc != PM_OK)
        return PM_OK;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *x = json_array_get(arr, i);
        if (!json_is_object(x))
            return pm_output_jr_bad(r, "ext_objects", "entry %zu is not an object", i);
        uint8_t cls = 0, ctype = 0;
        int64_t len = PM_EXT_LEN_UNKNOWN;
        GET_INT(r, x, "class", true, 0, 255, cls);
        GET_INT(r, x, "type", true, 0, 255, ctype);
        if ((rc = pm_output_jr_get_int(r, x, "length", true, true, 0, PM_EXT_LEN_UNKNOWN - 1, &len)) < 0)
            return rc;
        if (rc != PM_OK)
            len = PM_EXT_LEN_UNKNOWN;
        char hex[2 * PM_EXT_OBJ_BYTES + 1] = "";
        uint8_t bytes[PM_EXT_OBJ_BYTES];
        size_t n = 0;
        json_t *d = json_object_get(x, "data");
        if (d && !json_is_null(d)) {
            if ((rc = pm_output_jr_get_str(r, x, "data", true, hex, sizeof hex)) < 0)
                return rc;
            size_t hl = strlen(hex);
            /* the bytes kept: all of the object, or its first PM_EXT_OBJ_BYTES */
            if (hl % 2 || len == PM_EXT_LEN_UNKNOWN || hl / 2 != (size_t)(len < PM_EXT_OBJ_BYTES ? len : PM_EXT_OBJ_BYTES))
                return pm_output_jr_bad(r, "ext_objects", "entry %zu: data is not the object's first bytes in hex", i);
            for (n = 0; n < hl / 2; n++) {
                unsigned v;
                if (sscanf(hex + 2 * n, "%2x", &v) != 1 || !strchr("0123456789abcdef", hex[2 * n]) ||
                    !strchr("0123456789abcdef", hex[2 * n + 1]))
                    return pm_output_jr_bad(r, "ext_objects", "entry %zu: data is not lower-case hex", i);
                bytes[n] = (uint8_t)v;
            }
        } else if (len != PM_EXT_LEN_UNKNOWN) {
            return pm_output_jr_bad(r, "ext_objects", "entry %zu: a length without its data", i);
        }
        pm_ext_set_add(e, cls, ctype, (uint16_t)len, len == PM_EXT_LEN_UNKNOWN ? NULL : bytes);
    }
    GET_INT(r, o, "ext_objects_more", false, 0, 255, e->more);
    return PM_OK;
}

static int read_reply(struct pm_output_rd *r, json_t *o, const struct pm_run *run, uint8_t ttl, struct pm_reply *rep,
                      struct pm_ext_set *ext, struct pm_mpls_stack *ms, struct pm_output_facts *facts)
{
    int rc;
    char kind[16];
    memset(rep, 0, sizeof *rep);
    memset(ms, 0, sizeof *ms);
    rep->ttl = ttl;
    if (!json_is_object(o))
        return pm_output_jr_bad(r, NULL, "expected an object");
    if ((rc = pm_output_jr_get_addr(r, o, "from", true, &rep->from)) < 0)
        return rc;
    double rtt = 0;
    if (json_is_null(json_object_get(o, "rtt_ms")))
        rep->no_rtt = true; /* an answer whose time the source file did not keep */
    else if ((rc = pm_output_jr_get_real(r, o, "rtt_ms", true, 0, 3600e3, &rtt)) < 0)
        return rc;
    rep->sent_us = run->started_us;
    rep->recv_us = rep->sent_us + (uint64_t)llround(rtt * 1000.0);
    int64_t type = -1, code = -1;
    if ((rc = pm_output_jr_get_int(r, o, "icmp_type", false, true, 0, 255, &type)) < 0 ||
        (rc = pm_output_jr_get_int(r, o, "icmp_code", false, true, 0, 255, &code)) < 0)
        return rc;
    rc = pm_output_jr_get_str(r, o, "kind", false, kind, sizeof kind);
    if (rc < 0)
        return rc;
    if (rc == PM_OK) {
        if (pm_output_reply_kind_parse(kind, &rep->kind) != PM_OK)
            return pm_output_jr_bad(r, "kind", "unknown reply kind");
    } else if (type == PM_ICMP_TIMXCEED) { /* documents that predate "kind" */
        rep->kind = PM_REPLY_TIME_EXCEEDED;
    } else if (type == PM_ICMP_UNREACH) {
        rep->kind = PM_REPLY_UNREACH;
    } else if (type == PM_ICMP_ECHOREPLY) {
        rep->kind = PM_REPLY_ECHO_REPLY;
    } else if (type >= 0) {
        rep->kind = PM_REPLY_OTHER_ICMP;
    } else {
        return pm_output_jr_bad(r, "kind", "missing, and no icmp_type to infer it from");
    }
    bool tcp = rep->kind == PM_REPLY_TCP_SYNACK || rep->kind == PM_REPLY_TCP_RST;
    if (!tcp && (type < 0 || code < 0))
        return pm_output_jr_bad(r, "icmp_type", "missing for an ICMP reply");
    rep->icmp_type = type < 0 ? 0 : (uint8_t)type;
    rep->icmp_code = code < 0 ? 0 : (uint8_t)code;
    GET_INT(r, o, "reply_ttl", false, 0, 255, rep->reply_ttl);
    GET_INT(r, o, "quoted_ttl", false, 0, 255, rep->quoted_ttl);
    GET_INT(r, o, "attempt", false, 0, 255, rep->attempt);
    GET_INT(r, o, "reply_ipid", false, 0, UINT16_MAX, rep->reply_ipid);
    if ((rc = pm_output_jr_get_bool(r, o, "quoted_ipid_ok", &rep->quoted_ipid_ok)) < 0 ||
        (rc = pm_output_jr_get_bool(r, o, "extensions", &rep->has_ext)) < 0)
        return rc;
    json_t *mpls;
    if ((rc = pm_output_jr_get_array(r, o, "mpls", false, PM_REPLY_MPLS_MAX, &mpls)) < 0)
        return rc;
    if (rc == PM_OK) {
        for (size_t i = 0; i < json_array_size(mpls); i++) {
            json_t *e = json_array_get(mpls, i);
            struct pm_mpls_entry *m = &ms->e[i];
            if (!json_is_object(e))
                return pm_output_jr_bad(r, "mpls", "entry %zu is not an object", i);
            GET_INT(r, e, "label", true, 0, 0xfffff, m->label);
            GET_INT(r, e, "tc", true, 0, 7, m->tc);
            GET_INT(r, e, "s", true, 0, 1, m->s);
            GET_INT(r, e, "ttl", true, 0, 255, m->ttl);
            ms->n = (uint8_t)(i + 1);
        }
    }
    if ((rc = read_ext(r, o, ext)) < 0)
        return rc;
    struct pm_geo_info gi;
    memset(&gi, 0, sizeof gi);
    GET_INT0(r, o, "asn", 0, UINT32_MAX, gi.asn);
    if ((rc = pm_output_jr_get_str(r, o, "as_name", false, gi.as_name, sizeof gi.as_name)) < 0 ||
        (rc = pm_output_jr_get_str(r, o, "country", false, gi.country, sizeof gi.country)) < 0 ||
        (rc = pm_output_jr_get_str(r, o, "city", false, gi.city, sizeof gi.city)) < 0)
        return rc;
    char name[PM_HOSTNAME_MAX + 1] = "";
    if ((rc = pm_output_jr_get_str(r, o, "name", false, name, sizeof name)) < 0)
        return rc; /* absent or null: no name */
    if (rc == PM_OK && !pm_hostname_valid(name))
        return pm_output_jr_bad(r, "name", "is no host name (letters, digits, '-', '_', '.')");
    rc = PM_OK;
    if (gi.asn || gi.as_name[0] || gi.country[0] || gi.city[0])
        rc = pm_output_facts_add(facts, rep->from, &gi);
    if (rc == PM_OK && name[0])
        rc = pm_output_facts_set_name(facts, rep->from, name);
    if (rc == PM_ELIMIT)
        return pm_err(r->errbuf, PM_ELIMIT, "json: more than %u distinct addresses with facts", PM_OUTPUT_FACTS_MAX);
    if (rc)
        return pm_err(r->errbuf, rc, "json: out of memory");
    return PM_OK;
}

static int read_as_ref(struct pm_output_rd *r, json_t *obj, const char *key, struct pm_as_ref *ref)
{
    json_t *o;
    int rc = pm_output_jr_get_object(r, obj, key, false, true, &o);
    memset(ref, 0, sizeof *ref);
    if (rc)
        return rc < 0 ? rc : PM_OK;
    GET_INT0(r, o, "asn", 0, UINT32_MAX, ref->asn);
    rc = pm_output_jr_get_str(r, o, "name", false, ref->name, sizeof ref->name);
    return rc < 0 ? rc : PM_OK;
}

/* "rule" (issue 9, optional: older documents lack it). */
static int read_rule(struct pm_output_rd *r, json_t *o, uint8_t *out)
{
    char s[32];
    int rc = pm_output_jr_get_str(r, o, "rule", false, s, sizeof s);
    *out = PM_RULE_NONE;
    if (rc != PM_OK)
        return rc < 0 ? rc : PM_OK;
    for (unsigned i = 0; i < PM_RULE__N; i++) {
        if (!strcmp(s, pm_rule_name((enum pm_rule)i))) {
            *out = (uint8_t)i;
            return PM_OK;
        }
    }
    return pm_output_jr_bad(r, "rule", "unknown rule");
}

static int read_verdict(struct pm_output_rd *r, json_t *o, struct pm_verdict *v)
{
    int rc;
    char s[24];
    memset(v, 0, sizeof *v);
    if ((rc = pm_output_jr_get_str(r, o, "status", true, s, sizeof s)) < 0)
        return rc;
    if (pm_output_status_parse(s, &v->status) != PM_OK)
        return pm_output_jr_bad(r, "status", "not reached or died");
    if ((rc = pm_output_jr_get_str(r, o, "kind", false, s, sizeof s)) < 0)
        return rc;
    if (rc == PM_OK && pm_output_death_parse(s, &v->kind) != PM_OK)
        return pm_output_jr_bad(r, "kind", "unknown kind of death");
    json_t *lh;
    if ((rc = pm_output_jr_get_object(r, o, "last_hop", false, true, &lh)) < 0)
        return rc;
    if (rc == PM_OK) {
        if ((rc = pm_output_jr_get_addr(r, lh, "addr", false, &v->last_addr)) < 0)
            return rc;
        GET_INT0(r, lh, "ttl", 0, 255, v->last_ttl);
        GET_INT0(r, lh, "asn", 0, UINT32_MAX, v->last_asn);
        if ((rc = pm_output_jr_get_str(r, lh, "country", false, v->last_country, sizeof v->last_country)) < 0)
            return rc;
    }
    if ((rc = read_as_ref(r, o, "dies_in", &v->dies_in)) < 0 || (rc = read_as_ref(r, o, "upstream", &v->upstream)) < 0)
        return rc;
    json_t *up;
    if ((rc = pm_output_jr_get_object(r, o, "upstream", false, true, &up)) < 0)
        return rc;
    if (rc == PM_OK && (rc = pm_output_jr_get_addr(r, up, "addr", false, &v->upstream_addr)) < 0)
        return rc;
    if ((rc = pm_output_jr_get_real(r, o, "confidence", false, 0, 1, &v->confidence)) < 0)
        return rc;
    GET_INT0(r, o, "entry_ttl", 0, 255, v->entry_ttl);
    GET_INT0(r, o, "reached_ttl", 0, 255, v->reached_ttl);
    GET_INT0(r, o, "first_silent_ttl", 0, 255, v->first_silent_ttl);
    if ((rc = pm_output_jr_get_bool(r, o, "mpls", &v->mpls)) < 0)
        return rc;
    GET_INT(r, o, "group", false, 0, PM_TRACE_MAX_TARGETS, v->group);
    if ((rc = read_rule(r, o, &v->rule)) < 0)
        return rc;
    json_t *ev;
    if ((rc = pm_output_jr_get_array(r, o, "evidence", false, PM_EVIDENCE_MAX, &ev)) < 0)
        return rc;
    for (size_t i = 0; rc == PM_OK && i < json_array_size(ev); i++) {
        json_t *e = json_array_get(ev, i);
        if (!json_is_string(e) || json_string_length(e) >= PM_EVIDENCE_LEN ||
            strlen(json_string_value(e)) != json_string_length(e))
            return pm_output_jr_bad(r, "evidence", "entry %zu is not a string under %d bytes", i, PM_EVIDENCE_LEN);
        if ((rc = pm_verdict_add_evidence(v, "%s", json_string_value(e))) != PM_OK)
            return pm_output_jr_bad(r, "evidence", "entry %zu: %s", i, pm_strerror(rc));
    }
    return PM_OK;
}

static int read_target(struct pm_output_rd *r, json_t *o, size_t idx, struct pm_run *run, struct pm_output_facts *facts,
                       uint32_t prev_dst, struct pm_target **out)
{
    int rc;
    uint32_t dst;
    pm_output_jr_at(r, "targets[%zu]", idx);
    if (!json_is_object(o))
        return pm_output_jr_bad(r, NULL, "expected an object");
    if ((rc = pm_output_jr_get_addr(r, o, "dst", true, &dst)) < 0)
        return rc;
    if (idx > 0 && dst <= prev_dst)
        return pm_output_jr_bad(r, "dst", "targets must be sorted by address without repeats");
    struct pm_target *t = pm_run_target(run, dst, true);
    if (!t)
        return pm_err(r->errbuf, PM_ELIMIT, "json: targets[%zu]: cannot add target (cap %u)", idx,
                      PM_TRACE_MAX_TARGETS);
    *out = t;
    json_t *hops;
    if ((rc = pm_output_jr_get_array(r, o, "hops", true, PM_TTL_MAX, &hops)) < 0)
        return rc;
    int prev_ttl = 0;
    for (size_t h = 0; h < json_array_size(hops); h++) {
        json_t *hop = json_array_get(hops, h), *reps;
        uint8_t ttl = 0, probes = 0;
        pm_output_jr_at(r, "targets[%zu].hops[%zu]", idx, h);
        if (!json_is_object(hop))
            return pm_output_jr_bad(r, NULL, "expected an object");
        GET_INT(r, hop, "ttl", true, 1, PM_TTL_MAX, ttl);
        if (ttl <= prev_ttl)
            return pm_output_jr_bad(r, "ttl", "hops must be in increasing TTL order");
        prev_ttl = ttl;
        GET_INT(r, hop, "probes", false, 0, 255, probes);
        t->sent[ttl] = probes;
        if (probes && ttl > t->max_ttl_sent)
            t->max_ttl_sent = ttl;
        if ((rc = pm_output_jr_get_array(r, hop, "replies", true, PM_TRACE_MAX_REPLIES_PER_TARGET, &reps)) < 0)
            return rc;
        for (size_t k = 0; k < json_array_size(reps); k++) {
            struct pm_reply rep;
            struct pm_ext_set ext;
            struct pm_mpls_stack mpls;
            pm_output_jr_at(r, "targets[%zu].hops[%zu].replies[%zu]", idx, h, k);
            if ((rc = read_reply(r, json_array_get(reps, k), run, ttl, &rep, &ext, &mpls, facts)) < 0)
                return rc;
            if (pm_target_add_reply_ext(t, &rep, &ext, &mpls) != PM_OK)
                return pm_err(r->errbuf, PM_ELIMIT, "json: targets[%zu]: more than %d replies", idx,
                              PM_TRACE_MAX_REPLIES_PER_TARGET);
        }
    }
    pm_output_jr_at(r, "targets[%zu]", idx);
    char stop[16];
    if ((rc = pm_output_jr_get_str(r, o, "stop", true, stop, sizeof stop)) < 0)
        return rc;
    if (pm_output_stop_parse(stop, &t->stop) != PM_OK)
        return pm_output_jr_bad(r, "stop", "not reached, unreachable, gaplimit, maxttl, loop, prefix-end or halted");
    GET_INT(r, o, "stop_ttl", false, 0, 255, t->stop_ttl);
    GET_INT(r, o, "shared_below_ttl", false, 1, PM_TTL_MAX, t->stopset_ttl);
    if ((rc = pm_output_jr_get_addr(r, o, "shared_via", false, &t->shared_via)) < 0)
        return rc;
    return PM_OK;
}

/* "shared_with" names the donor target by address; it becomes an index once
 * every target is read (the model keeps 1 + index). */
static int resolve_donors(struct pm_output_rd *r, json_t *targets, struct pm_run *run)
{
    for (size_t i = 0; i < json_array_size(targets); i++) {
        uint32_t donor;
        int rc;
        pm_output_jr_at(r, "targets[%zu]", i);
        if ((rc = pm_output_jr_get_addr(r, json_array_get(targets, i), "shared_with", false, &donor)) < 0)
            return rc;
        if (rc == PM_OUTPUT_ABSENT)
            continue;
        struct pm_target *d = pm_run_target(run, donor, false);
        if (!d || d == &run->targets[i])
            return pm_output_jr_bad(r, "shared_with", "names no other target of the run");
        run->targets[i].donor = (uint32_t)(d - run->targets) + 1;
    }
    return PM_OK;
}

static int read_rollup(struct pm_output_rd *r, json_t *o, bool is_prefix, struct pm_rollup *ru)
{
    int rc;
    memset(ru, 0, sizeof *ru);
    if (!json_is_object(o))
        return pm_output_jr_bad(r, NULL, "expected an object");
    if (is_prefix) {
        char pfx[24], *end;
        if ((rc = pm_output_jr_get_str(r, o, "prefix", true, pfx, sizeof pfx)) < 0)
            return rc;
        char *slash = strchr(pfx, '/');
        if (!slash || slash[1] < '0' || slash[1] > '9')
            return pm_output_jr_bad(r, "prefix", "not a.b.c.d/len");
        unsigned long len = strtoul(slash + 1, &end, 10);
        *slash = '\0';
        if (*end || len > 32 || pm_addr_parse(pfx, &ru->prefix) != PM_OK)
            return pm_output_jr_bad(r, "prefix", "not a.b.c.d/len");
        ru->prefix_len = (uint8_t)len;
    }
    if ((rc = pm_output_jr_get_str(r, o, "key", false, ru->key, sizeof ru->key)) < 0)
        return rc;
    GET_INT(r, o, "total", true, 0, PM_TRACE_MAX_TARGETS, ru->total);
    GET_INT(r, o, "reached", true, 0, PM_TRACE_MAX_TARGETS, ru->reached);
    if (ru->reached > ru->total)
        return pm_output_jr_bad(r, "reached", "more than total");
    GET_INT(r, o, "died", false, 0, ru->total - ru->reached, ru->died);
    GET_INT(r, o, "rate_limited", false, 0, ru->total - ru->reached - ru->died, ru->rate_limited);
    GET_INT(r, o, "dark", false, 0, ru->total - ru->reached - ru->died - ru->rate_limited, ru->dark);
    GET_INT(r, o, "not_probed", false, 0, ru->total - ru->reached - ru->died - ru->rate_limited - ru->dark,
            ru->not_probed);
    ru->state = (uint8_t)pm_rollup_state(ru); /* derived: "state" is written for readers, not trusted */
    if ((rc = pm_output_jr_get_real(r, o, "confidence", false, 0, 1, &ru->confidence)) < 0)
        return rc;
    if ((rc = read_as_ref(r, o, "upstream", &ru->upstream)) < 0)
        return rc;
    json_t *d;
    if ((rc = pm_output_jr_get_object(r, o, "death", false, true, &d)) < 0)
        return rc;
    if (rc == PM_OK) {
        char kind[24];
        if ((rc = pm_output_jr_get_addr(r, d, "addr", false, &ru->death_addr)) < 0)
            return rc;
        GET_INT0(r, d, "ttl", 0, 255, ru->death_ttl);
        if ((rc = pm_output_jr_get_str(r, d, "kind", true, kind, sizeof kind)) < 0)
            return rc;
        if (pm_output_death_parse(kind, &ru->death_kind) != PM_OK)
            return pm_output_jr_bad(r, "kind", "unknown kind of death");
        GET_INT0(r, d, "asn", 0, UINT32_MAX, ru->dies_in.asn);
        GET_INT0(r, d, "owner_asn", 0, UINT32_MAX, ru->death_owner_asn);
        if ((rc = pm_output_jr_get_str(r, d, "name", false, ru->dies_in.name, sizeof ru->dies_in.name)) < 0 ||
            (rc = pm_output_jr_get_str(r, d, "country", false, ru->death_country, sizeof ru->death_country)) < 0)
            return rc;
        GET_INT(r, d, "count", true, 0, ru->total, ru->died_same);
        if ((rc = read_rule(r, d, &ru->death_rule)) < 0)
            return rc;
    }
    return PM_OK;
}

static int read_rollups(struct pm_output_rd *r, json_t *sum, const char *key, bool is_prefix, struct pm_rollup **out,
                        uint32_t *n)
{
    json_t *arr;
    pm_output_jr_at(r, "summary");
    int rc = pm_output_jr_get_array(r, sum, key, false, PM_TRACE_MAX_TARGETS, &arr);
    if (rc)
        return rc < 0 ? rc : PM_OK;
    size_t cnt = json_array_size(arr);
    if (!cnt)
        return PM_OK;
    *out = calloc(cnt, sizeof **out);
    if (!*out)
        return pm_err(r->errbuf, PM_ENOMEM, "json: out of memory");
    for (size_t i = 0; i < cnt; i++) {
        pm_output_jr_at(r, "summary.%s[%zu]", key, i);
        if ((rc = read_rollup(r, json_array_get(arr, i), is_prefix, &(*out)[i])) < 0)
            return rc;
        *n = (uint32_t)i + 1;
    }
    return PM_OK;
}

static int read_owners(struct pm_output_rd *r, json_t *arr, struct pm_analysis *a)
{
    size_t cnt = json_array_size(arr);
    if (!cnt)
        return PM_OK;
    a->owners = calloc(cnt, sizeof *a->owners);
    if (!a->owners)
        return pm_err(r->errbuf, PM_ENOMEM, "json: out of memory");
    for (size_t i = 0; i < cnt; i++) {
        json_t *o = json_array_get(arr, i);
        struct pm_owner *w = &a->owners[i];
        int rc;
        pm_output_jr_at(r, "owners[%zu]", i);
        if (!json_is_object(o))
            return pm_output_jr_bad(r, NULL, "expected an object");
        if ((rc = pm_output_jr_get_addr(r, o, "addr", true, &w->addr)) < 0)
            return rc;
        if (i && w->addr <= a->owners[i - 1].addr)
            return pm_output_jr_bad(r, "addr", "owners must be sorted by address without repeats");
        GET_INT0(r, o, "mapped_asn", 0, UINT32_MAX, w->mapped_asn);
        GET_INT0(r, o, "owner_asn", 0, UINT32_MAX, w->owner_asn);
        if ((rc = pm_output_jr_get_real(r, o, "confidence", false, 0, 1, &w->confidence)) < 0 ||
            (rc = pm_output_jr_get_str(r, o, "reason", false, w->reason, sizeof w->reason)) < 0)
            return rc;
        a->n_owners = (uint32_t)i + 1;
    }
    return PM_OK;
}

static int read_doc(struct pm_output_rd *r, json_t *root, struct pm_output_doc *doc)
{
    int rc;
    char schema[32];
    json_t *o, *targets;
    if (!json_is_object(root))
        return pm_output_jr_bad(r, NULL, "the document is not a JSON object");
    if ((rc = pm_output_jr_get_str(r, root, "schema", true, schema, sizeof schema)) < 0)
        return rc;
    if (strcmp(schema, "pathmortem/1"))
        return pm_output_jr_bad(r, "schema", "not pathmortem/1");
    if ((rc = pm_output_jr_get_object(r, root, "run", true, false, &o)) < 0 || (rc = read_run(r, o, doc->run)) < 0)
        return rc;
    /* run.pcap: optional, so a document without it (analyze, older runs) reads as before */
    char pcap[4096];
    pm_output_jr_at(r, "run");
    if ((rc = pm_output_jr_get_str(r, o, "pcap", false, pcap, sizeof pcap)) < 0)
        return rc;
    if (rc == PM_OK && pcap[0] && !(doc->pcap = strdup(pcap)))
        return pm_err(r->errbuf, PM_ENOMEM, "json: out of memory");
    pm_output_jr_at(r, "%s", "");
    if ((rc = pm_output_jr_get_array(r, root, "targets", true, PM_TRACE_MAX_TARGETS, &targets)) < 0)
        return rc;
    size_t nt = json_array_size(targets);
    json_t *summary = NULL, *owners = NULL;
    if ((rc = pm_output_jr_get_object(r, root, "summary", false, true, &summary)) < 0 ||
        (rc = pm_output_jr_get_array(r, root, "owners", false, PM_OUTPUT_FACTS_MAX, &owners)) < 0)
        return rc;
    bool any_verdict = summary || owners;
    for (size_t i = 0; i < nt && !any_verdict; i++)
        any_verdict = json_object_get(json_array_get(targets, i), "verdict") != NULL;
    if (any_verdict) {
        doc->analysis = calloc(1, sizeof *doc->analysis);
        if (!doc->analysis || (nt && !(doc->analysis->verdicts = calloc(nt, sizeof(struct pm_verdict)))))
            return pm_err(r->errbuf, PM_ENOMEM, "json: out of memory for %zu verdicts", nt);
        doc->analysis->n_targets = (uint32_t)nt;
    }
    uint32_t prev = 0;
    for (size_t i = 0; i < nt; i++) {
        struct pm_target *t = NULL;
        json_t *jt = json_array_get(targets, i), *jv;
        if ((rc = read_target(r, jt, i, doc->run, doc->facts, prev, &t)) < 0)
            return rc;
        prev = t->dst;
        if (!doc->analysis)
            continue;
        if ((rc = pm_output_jr_get_object(r, jt, "verdict", true, false, &jv)) < 0)
            return rc;
        pm_output_jr_at(r, "targets[%zu].verdict", i);
        if ((rc = read_verdict(r, jv, &doc->analysis->verdicts[i])) < 0)
            return rc;
    }
    if ((rc = resolve_donors(r, targets, doc->run)) < 0)
        return rc;
    if (summary) {
        pm_output_jr_at(r, "summary");
        GET_INT0(r, summary, "target_asn", 0, UINT32_MAX, doc->analysis->target_asn);
        if ((rc = read_rollups(r, summary, "by_prefix", true, &doc->analysis->by_prefix, &doc->analysis->n_prefix)) <
                0 ||
            (rc = read_rollups(r, summary, "by_upstream", false, &doc->analysis->by_upstream,
                               &doc->analysis->n_upstream)) < 0)
            return rc;
    }
    if (owners && (rc = read_owners(r, owners, doc->analysis)) < 0)
        return rc;
    json_t *planes = NULL;
    pm_output_jr_at(r, "%s", "");
    if ((rc = pm_output_jr_get_object(r, root, "planes", false, false, &planes)) < 0)
        return rc;
    if (planes && !doc->analysis)
        return pm_output_jr_bad(r, "planes", "both planes without an analysis");
    if (planes && (rc = pm_output_json_read_planes(r, planes, &doc->analysis->planes)) < 0)
        return rc;
    for (size_t i = 0; doc->analysis && i < nt; i++) {
        if (doc->analysis->verdicts[i].group >= (doc->analysis->n_prefix ? doc->analysis->n_prefix : 1)) {
            pm_output_jr_at(r, "targets[%zu].verdict", i);
            return pm_output_jr_bad(r, "group", "no such entry in summary.by_prefix");
        }
    }
    return PM_OK;
}

int pm_output_json_read_doc(const char *text, size_t len, struct pm_output_doc *doc, char *errbuf)
{
    struct pm_output_rd r = {.errbuf = errbuf};
    memset(doc, 0, sizeof *doc);
    if (!text)
        return pm_err(errbuf, PM_EINVAL, "json: no input");
    if (len > PM_OUTPUT_JSON_MAX_BYTES)
        return pm_err(errbuf, PM_ELIMIT, "json: document larger than %zu bytes", PM_OUTPUT_JSON_MAX_BYTES);
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return pm_err(errbuf, PM_ECORRUPT, "json: line %d column %d: %s", jerr.line, jerr.column, jerr.text);
    doc->run = pm_run_alloc();
    doc->facts = pm_output_facts_alloc();
    int rc;
    if (!doc->run || !doc->facts)
        rc = pm_err(errbuf, PM_ENOMEM, "json: out of memory");
    else
        rc = read_doc(&r, root, doc);
    json_decref(root);
    if (rc < 0)
        pm_output_doc_free(doc);
    return rc < 0 ? rc : PM_OK;
}

void pm_output_doc_free(struct pm_output_doc *doc)
{
    if (!doc)
        return;
    pm_run_free(doc->run);
    pm_analysis_free(doc->analysis);
    pm_output_facts_free(doc->facts);
    free(doc->pcap);
    memset(doc, 0, sizeof *doc);
}
