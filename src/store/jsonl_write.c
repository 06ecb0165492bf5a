/* jsonl_write.c - one stored snapshot as one self-describing JSON object (schema pathmortem-snapshot/1). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "store/jsonl.h"
#include "store/jsonutil.h"

static const char *const reply_kinds[] = {"time-exceeded", "unreachable", "echo-reply",
                                          "tcp-synack", "tcp-rst", "other-icmp"};

const char *pm_store_reply_kind_name(uint8_t k)
{
    return k < sizeof reply_kinds / sizeof reply_kinds[0] ? reply_kinds[k] : "?";
}

int pm_store_reply_kind_parse(const char *s, uint8_t *out)
{
    for (size_t i = 0; i < sizeof reply_kinds / sizeof reply_kinds[0]; i++)
        if (!strcmp(s, reply_kinds[i])) {
            *out = (uint8_t)i;
            return PM_OK;
        }
    return PM_EINVAL;
}

static json_t *hop_json(const struct pm_snapshot *s, const struct pm_snap_hop *h)
{
    json_t *o = json_object();
    json_object_set_new(o, "ttl", json_integer(h->ttl));
    json_object_set_new(o, "attempt", json_integer(h->attempt));
    json_object_set_new(o, "from", pm_json_addr(h->from));
    /* only where reverse DNS named it (issue 15): a snapshot without names
     * exports the same bytes as before names were stored */
    const char *name = pm_snapshot_name(s, h->from);
    if (name)
        json_object_set_new(o, "name", json_string(name));
    json_object_set_new(o, "rtt_ms", json_real(h->rtt_ms));
    json_object_set_new(o, "kind", json_string(pm_store_reply_kind_name(h->kind)));
    json_object_set_new(o, "icmp_type", json_integer(h->icmp_type));
    json_object_set_new(o, "icmp_code", json_integer(h->icmp_code));
    json_object_set_new(o, "reply_ttl", json_integer(h->reply_ttl));
    json_object_set_new(o, "quoted_ttl", json_integer(h->quoted_ttl));
    json_object_set_new(o, "asn", json_integer(h->asn));
    return o;
}

static json_t *target_json(const struct pm_snapshot *s, const struct pm_snap_target *t, char *errbuf)
{
    json_t *ev = json_loads(t->evidence_json ? t->evidence_json : "[]", JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_array(ev)) {
        json_decref(ev);
        pm_err(errbuf, PM_ECORRUPT, "stored evidence of a target is not a JSON array");
        return NULL;
    }
    json_t *o = json_object(), *lh = json_object(), *hops = json_array();
    json_object_set_new(o, "dst", pm_json_addr(t->dst));
    json_object_set_new(o, "status", json_string(pm_store_status_name(t->status)));
    json_object_set_new(o, "kind", json_string(pm_store_death_name(t->kind)));
    json_object_set_new(o, "stop", json_string(pm_store_stop_name(t->stop)));
    json_object_set_new(lh, "addr", t->last_addr ? pm_json_addr(t->last_addr) : json_null());
    json_object_set_new(lh, "ttl", json_integer(t->last_ttl));
    json_object_set_new(lh, "asn", json_integer(t->last_asn));
    json_object_set_new(o, "last_hop", lh);
    json_object_set_new(o, "dies_in", pm_json_as(&t->dies_in));
    json_object_set_new(o, "upstream", pm_json_as(&t->upstream));
    json_object_set_new(o, "confidence", json_real(t->confidence));
    json_object_set_new(o, "evidence", ev);
    for (uint32_t i = 0; i < t->n_hops && (uint64_t)t->first_hop + i < s->n_hops; i++)
        json_array_append_new(hops, hop_json(s, &s->hops[t->first_hop + i]));
    json_object_set_new(o, "hops", hops);
    return o;
}

static json_t *rollup_json(const struct pm_snap_rollup *r)
{
    json_t *o = json_object(), *d = json_object();
    json_object_set_new(o, "key", pm_json_str(r->key, sizeof r->key));
    json_object_set_new(o, "prefix", pm_json_addr(r->prefix));
    json_object_set_new(o, "prefix_len", json_integer(r->prefix_len));
    json_object_set_new(o, "upstream", pm_json_as(&r->upstream));
    json_object_set_new(o, "total", json_integer(r->total));
    json_object_set_new(o, "reached", json_integer(r->reached));
    json_object_set_new(o, "died_same", json_integer(r->died_same));
    json_object_set_new(d, "addr", r->death_addr ? pm_json_addr(r->death_addr) : json_null());
    json_object_set_new(d, "ttl", json_integer(r->death_ttl));
    json_object_set_new(d, "kind", json_string(pm_store_death_name(r->death_kind)));
    json_object_set_new(o, "death", d);
    json_object_set_new(o, "dies_in", pm_json_as(&r->dies_in));
    return o;
}

char *pm_snapshot_to_jsonl(const struct pm_snapshot *s, char *errbuf)
{
    json_t *params = json_loads(s->params_json ? s->params_json : "{}", JSON_REJECT_DUPLICATES, NULL);
    json_t *dbs = json_loads(s->databases_json ? s->databases_json : "[]", JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(params) || !json_is_array(dbs)) {
        json_decref(params);
        json_decref(dbs);
        pm_err(errbuf, PM_ECORRUPT, "stored parameters of snapshot %lld are not valid JSON", (long long)s->id);
        return NULL;
    }
    json_t *o = json_object();
    json_object_set_new(o, "schema", json_string(PM_SNAPSHOT_SCHEMA));
    json_object_set_new(o, "started", pm_json_time(s->started_us));
    json_object_set_new(o, "started_us", json_integer((json_int_t)s->started_us));
    json_object_set_new(o, "ended", pm_json_time(s->ended_us));
    json_object_set_new(o, "ended_us", json_integer((json_int_t)s->ended_us));
    json_object_set_new(o, "vantage", pm_json_str(s->vantage, sizeof s->vantage));
    json_object_set_new(o, "method", json_string(pm_store_method_name(s->method)));
    json_object_set_new(o, "source", pm_json_addr(s->source));
    json_object_set_new(o, "target_asn", json_integer(s->target_asn));
    json_object_set_new(o, "params", params);
    json_object_set_new(o, "databases", dbs);
    if (s->pcap_path[0]) {
        json_t *p = json_object();
        json_object_set_new(p, "path", pm_json_str(s->pcap_path, sizeof s->pcap_path));
        json_object_set_new(p, "sha256", pm_json_str(s->pcap_sha256, sizeof s->pcap_sha256));
        json_object_set_new(o, "pcap", p);
    } else {
        json_object_set_new(o, "pcap", json_null());
    }
    json_object_set_new(o, "exit_status", json_integer(s->exit_status));
    if (s->end != PM_RUN_COMPLETE)
        json_object_set_new(o, "stopped_by", json_string(pm_run_end_name((enum pm_run_end)s->end)));
    json_t *targets = json_array(), *pre = json_array(), *ups = json_array();
    json_object_set_new(o, "targets", targets);
    for (uint32_t i = 0; i < s->n_targets; i++) {
        json_t *t = target_json(s, &s->targets[i], errbuf);
        if (!t) {
            json_decref(o);
            return NULL;
        }
        json_array_append_new(targets, t);
    }
    for (uint32_t i = 0; i < s->n_prefix; i++)
        json_array_append_new(pre, rollup_json(&s->by_prefix[i]));
    for (uint32_t i = 0; i < s->n_upstream; i++)
        json_array_append_new(ups, rollup_json(&s->by_upstream[i]));
    json_object_set_new(o, "prefix_rollups", pre);
    json_object_set_new(o, "upstream_rollups", ups);
    char *line = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!line)
        pm_err(errbuf, PM_ENOMEM, "cannot encode snapshot %lld", (long long)s->id);
    return line;
}
