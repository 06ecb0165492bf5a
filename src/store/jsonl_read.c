/* jsonl_read.c - strict reading of one JSON Lines snapshot: every key, type, range and name checked. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "store/jsonl.h"
#include "store/jsonutil.h"

/* Copies a JSON string into a fixed field; too long or holding NUL is an error. */
static int copy_str(json_t *v, char *dst, size_t cap, const char *what, char *errbuf)
{
    if (!json_is_string(v))
        return pm_err(errbuf, PM_EINVAL, "%s: expected a string", what);
    size_t n = json_string_length(v);
    const char *s = json_string_value(v);
    if (n >= cap)
        return pm_err(errbuf, PM_EINVAL, "%s: longer than %zu bytes", what, cap - 1);
    if (memchr(s, 0, n))
        return pm_err(errbuf, PM_EINVAL, "%s: holds a NUL byte", what);
    memcpy(dst, s, n);
    dst[n] = '\0';
    return PM_OK;
}

static int range(json_int_t v, json_int_t lo, json_int_t hi, const char *what, char *errbuf)
{
    if (v < lo || v > hi)
        return pm_err(errbuf, PM_EINVAL, "%s out of range (%lld)", what, (long long)v);
    return PM_OK;
}

static int addr(const char *s, bool null_ok, uint32_t *out, const char *what, char *errbuf)
{
    if (!s && null_ok) {
        *out = 0;
        return PM_OK;
    }
    if (!s || pm_addr_parse(s, out))
        return pm_err(errbuf, PM_EINVAL, "%s: not an IPv4 address", what);
    return PM_OK;
}

static int addr_json(json_t *v, uint32_t *out, const char *what, char *errbuf)
{
    if (json_is_null(v)) {
        *out = 0;
        return PM_OK;
    }
    return addr(json_is_string(v) ? json_string_value(v) : NULL, false, out, what, errbuf);
}

static int unpack_err(const json_error_t *e, const char *what, char *errbuf)
{
    return pm_err(errbuf, PM_EINVAL, "%s: %s", what, e->text);
}

static int read_as(json_int_t asn, json_t *name, struct pm_as_ref *as, const char *what, char *errbuf)
{
    int rc = range(asn, 0, UINT32_MAX, what, errbuf);
    if (!rc)
        as->asn = (uint32_t)asn;
    return rc ? rc : copy_str(name, as->name, sizeof as->name, what, errbuf);
}

/* "name" (issue 15) is the one optional key: lines written before hop
 * names were stored have none. A name goes to s->names (*names_cap). */
static int read_hop(json_t *j, uint32_t dst, struct pm_snap_hop *h, struct pm_snapshot *s, size_t *names_cap,
                    char *errbuf)
{
    json_error_t e;
    json_int_t ttl, attempt, type, code, rttl, qttl, asn;
    const char *from, *kind;
    json_t *name = NULL;
    double rtt;
    if (json_unpack_ex(j, &e, JSON_STRICT, "{s:I, s:I, s:s, s?o, s:F, s:s, s:I, s:I, s:I, s:I, s:I}", "ttl", &ttl,
                       "attempt", &attempt, "from", &from, "name", &name, "rtt_ms", &rtt, "kind", &kind, "icmp_type",
                       &type, "icmp_code", &code, "reply_ttl", &rttl, "quoted_ttl", &qttl, "asn", &asn))
        return unpack_err(&e, "hop", errbuf);
    int rc = range(ttl, 1, PM_TTL_MAX, "hop ttl", errbuf);
    if (!rc)
        rc = range(attempt, 0, 255, "hop attempt", errbuf);
    if (!rc)
        rc = range(type, 0, 255, "hop icmp_type", errbuf);
    if (!rc)
        rc = range(code, 0, 255, "hop icmp_code", errbuf);
    if (!rc)
        rc = range(rttl, 0, 255, "hop reply_ttl", errbuf);
    if (!rc)
        rc = range(qttl, 0, 255, "hop quoted_ttl", errbuf);
    if (!rc)
        rc = range(asn, 0, UINT32_MAX, "hop asn", errbuf);
    if (!rc && (rtt != rtt || rtt > 1e9 || rtt < -1))
        rc = pm_err(errbuf, PM_EINVAL, "hop rtt_ms out of range");
    if (!rc)
        rc = addr(from, false, &h->from, "hop from", errbuf);
    if (!rc && pm_store_reply_kind_parse(kind, &h->kind))
        rc = pm_err(errbuf, PM_EINVAL, "hop kind '%.32s' unknown", kind);
    if (!rc && name && !json_is_null(name)) {
        const char *n = json_string_value(name);
        if (!n || !pm_hostname_valid(n))
            rc = pm_err(errbuf, PM_EINVAL, "hop name must be a host name or null");
        else
            rc = pm_snapshot_add_name(s, h->from, n, names_cap, errbuf);
    }
    if (rc)
        return rc;
    h->dst = dst;
    h->ttl = (uint8_t)ttl;
    h->attempt = (uint8_t)attempt;
    h->rtt_ms = rtt;
    h->icmp_type = (uint8_t)type;
    h->icmp_code = (uint8_t)code;
    h->reply_ttl = (uint8_t)rttl;
    h->quoted_ttl = (uint8_t)qttl;
    h->asn = (uint32_t)asn;
    return PM_OK;
}

static int read_target(json_t *j, struct pm_snapshot *s, struct pm_snap_target *t, size_t hops_cap,
                       size_t *names_cap, char *errbuf)
{
    json_error_t e;
    const char *dst, *status, *kind, *stop;
    json_t *laddr, *dname, *uname, *ev, *hops;
    json_int_t lttl, lasn, dasn, uasn;
    double conf;
    if (json_unpack_ex(j, &e, JSON_STRICT,
                       "{s:s, s:s, s:s, s:s, s:{s:o, s:I, s:I}, s:{s:I, s:o}, s:{s:I, s:o}, s:F, s:o, s:o}", "dst",
                       &dst, "status", &status, "kind", &kind, "stop", &stop, "last_hop", "addr", &laddr, "ttl", &lttl,
                       "asn", &lasn, "dies_in", "asn", &dasn, "name", &dname, "upstream", "asn", &uasn, "name",
                       &uname, "confidence", &conf, "evidence", &ev, "hops", &hops))
        return unpack_err(&e, "target", errbuf);
    int rc = addr(dst, false, &t->dst, "target dst", errbuf);
    if (!rc && pm_store_status_parse(status, &t->status))
        rc = pm_err(errbuf, PM_EINVAL, "target status '%.32s' unknown", status);
    if (!rc && pm_store_death_parse(kind, &t->kind))
        rc = pm_err(errbuf, PM_EINVAL, "target kind '%.32s' unknown", kind);
    if (!rc && pm_store_stop_parse(stop, &t->stop))
        rc = pm_err(errbuf, PM_EINVAL, "target stop '%.32s' unknown", stop);
    if (!rc)
        rc = addr_json(laddr, &t->last_addr, "last_hop addr", errbuf);
    if (!rc && !(rc = range(lttl, 0, 255, "last_hop ttl", errbuf)))
        t->last_ttl = (uint8_t)lttl;
    if (!rc && !(rc = range(lasn, 0, UINT32_MAX, "last_hop asn", errbuf)))
        t->last_asn = (uint32_t)lasn;
    if (!rc)
        rc = read_as(dasn, dname, &t->dies_in, "dies_in", errbuf);
    if (!rc)
        rc = read_as(uasn, uname, &t->upstream, "upstream", errbuf);
    if (!rc && (conf != conf || conf < 0 || conf > 1))
        rc = pm_err(errbuf, PM_EINVAL, "target confidence must be within 0..1");
    t->confidence = conf;
    if (!rc && (!json_is_array(ev) || json_array_size(ev) > 1024))
        rc = pm_err(errbuf, PM_EINVAL, "target evidence must be an array of strings");
    for (size_t i = 0; !rc && i < json_array_size(ev); i++) {
        char tmp[PM_EVIDENCE_LEN * 4];
        rc = copy_str(json_array_get(ev, i), tmp, sizeof tmp, "evidence", errbuf);
    }
    if (!rc && !(t->evidence_json = pm_store_json_canon(ev, errbuf)))
        rc = PM_ENOMEM;
    if (!rc && strlen(t->evidence_json) >= PM_STORE_MAX_JSON)
        rc = pm_err(errbuf, PM_ELIMIT, "target evidence too long");
    if (!rc && !json_is_array(hops))
        rc = pm_err(errbuf, PM_EINVAL, "target hops must be an array");
    if (rc)
        return rc;
    t->first_hop = s->n_hops;
    for (size_t i = 0; i < json_array_size(hops); i++) {
        if (s->n_hops >= hops_cap)
            return pm_err(errbuf, PM_ELIMIT, "more hops than the snapshot may hold");
        if ((rc = read_hop(json_array_get(hops, i), t->dst, &s->hops[s->n_hops], s, names_cap, errbuf)))
            return rc;
        s->n_hops++;
        t->n_hops++;
    }
    return PM_OK;
}

static int read_rollup(json_t *j, struct pm_snap_rollup *r, char *errbuf)
{
    json_error_t e;
    json_t *key, *uname, *daddr, *dname;
    const char *prefix, *dkind;
    json_int_t plen, uasn, total, reached, same, dttl, dasn;
    if (json_unpack_ex(j, &e, JSON_STRICT,
                       "{s:o, s:s, s:I, s:{s:I, s:o}, s:I, s:I, s:I, s:{s:o, s:I, s:s}, s:{s:I, s:o}}", "key", &key,
                       "prefix", &prefix, "prefix_len", &plen, "upstream", "asn", &uasn, "name", &uname, "total",
                       &total, "reached", &reached, "died_same", &same, "death", "addr", &daddr, "ttl", &dttl, "kind",
                       &dkind, "dies_in", "asn", &dasn, "name", &dname))
        return unpack_err(&e, "roll-up", errbuf);
    int rc = copy_str(key, r->key, sizeof r->key, "roll-up key", errbuf);
    if (!rc)
        rc = addr(prefix, false, &r->prefix, "roll-up prefix", errbuf);
    if (!rc && !(rc = range(plen, 0, 32, "roll-up prefix_len", errbuf)))
        r->prefix_len = (uint8_t)plen;
    if (!rc)
        rc = read_as(uasn, uname, &r->upstream, "roll-up upstream", errbuf);
    if (!rc && !(rc = range(total, 0, PM_STORE_MAX_TARGETS, "roll-up total", errbuf)))
        r->total = (uint32_t)total;
    if (!rc && !(rc = range(reached, 0, total, "roll-up reached", errbuf)))
        r->reached = (uint32_t)reached;
    if (!rc && !(rc = range(same, 0, total, "roll-up died_same", errbuf)))
        r->died_same = (uint32_t)same;
    if (!rc)
        rc = addr_json(daddr, &r->death_addr, "roll-up death addr", errbuf);
    if (!rc && !(rc = range(dttl, 0, 255, "roll-up death ttl", errbuf)))
        r->death_ttl = (uint8_t)dttl;
    if (!rc && pm_store_death_parse(dkind, &r->death_kind))
        rc = pm_err(errbuf, PM_EINVAL, "roll-up death kind '%.32s' unknown", dkind);
    if (!rc)
        rc = read_as(dasn, dname, &r->dies_in, "roll-up dies_in", errbuf);
    return rc;
}

static int read_rollups(json_t *arr, struct pm_snap_rollup **out, uint32_t *n, const char *what, char *errbuf)
{
    if (!json_is_array(arr))
        return pm_err(errbuf, PM_EINVAL, "%s must be an array", what);
    size_t cnt = json_array_size(arr);
    if (cnt > PM_STORE_MAX_ROLLUPS)
        return pm_err(errbuf, PM_ELIMIT, "too many %s", what);
    *out = calloc(cnt ? cnt : 1, sizeof **out);
    if (!*out)
        return pm_err(errbuf, PM_ENOMEM, "out of memory");
    for (size_t i = 0; i < cnt; i++) {
        int rc = read_rollup(json_array_get(arr, i), &(*out)[i], errbuf);
        if (rc)
            return rc;
        for (size_t k = 0; k < i; k++)
            if (!strcmp((*out)[k].key, (*out)[i].key))
                return pm_err(errbuf, PM_EINVAL, "%s: key %s twice", what, (*out)[i].key);
        (*n)++;
    }
    return PM_OK;
}

static int read_snapshot(json_t *root, struct pm_snapshot *s, char *errbuf)
{
    json_error_t e;
    const char *schema, *started, *ended, *method, *source;
    json_t *vantage, *params, *dbs, *pcap, *targets, *pre, *ups;
    json_int_t started_us, ended_us, tasn, exit_status;
    const char *stopped = NULL; /* issue 9: present only for a run cut short */
    if (json_unpack_ex(root, &e, JSON_STRICT,
                       "{s:s, s:s, s:I, s:s, s:I, s:o, s:s, s:s, s:I, s:o, s:o, s:o, s:I, s:o, s:o, s:o, s?s}", "schema",
                       &schema, "started", &started, "started_us", &started_us, "ended", &ended, "ended_us",
                       &ended_us, "vantage", &vantage, "method", &method, "source", &source, "target_asn", &tasn,
                       "params", &params, "databases", &dbs, "pcap", &pcap, "exit_status", &exit_status, "targets",
                       &targets, "prefix_rollups", &pre, "upstream_rollups", &ups, "stopped_by", &stopped))
        return unpack_err(&e, "snapshot", errbuf);
    if (strcmp(schema, PM_SNAPSHOT_SCHEMA))
        return pm_err(errbuf, PM_EINVAL, "schema '%.40s' is not %s", schema, PM_SNAPSHOT_SCHEMA);
    int rc = range(started_us, 1, INT64_MAX / 2, "started_us", errbuf);
    if (!rc)
        rc = range(ended_us, 0, INT64_MAX / 2, "ended_us", errbuf);
    if (rc)
        return rc;
    s->started_us = (uint64_t)started_us;
    s->ended_us = (uint64_t)ended_us;
    char t[40];
    pm_format_time(s->started_us, t, sizeof t);
    if (strcmp(t, started))
        return pm_err(errbuf, PM_EINVAL, "started '%.40s' disagrees with started_us", started);
    pm_format_time(s->ended_us, t, sizeof t);
    if (strcmp(t, ended))
        return pm_err(errbuf, PM_EINVAL, "ended '%.40s' disagrees with ended_us", ended);
    if ((rc = copy_str(vantage, s->vantage, sizeof s->vantage, "vantage", errbuf)))
        return rc;
    if (pm_store_method_parse(method, &s->method))
        return pm_err(errbuf, PM_EINVAL, "method '%.32s' unknown", method);
    if ((rc = addr(source, false, &s->source, "source", errbuf)) ||
        (rc = range(tasn, 0, UINT32_MAX, "target_asn", errbuf)) ||
        (rc = range(exit_status, 0, 3, "exit_status", errbuf)))
        return rc;
    s->end = PM_RUN_COMPLETE;
    if (stopped) {
        int end = PM_RUN_SIGINT;
        while (end <= PM_RUN_TIMEOUT && strcmp(stopped, pm_run_end_name((enum pm_run_end)end)))
            end++;
        if (end > PM_RUN_TIMEOUT)
            return pm_err(errbuf, PM_EINVAL, "stopped_by '%.32s' is not SIGINT, SIGTERM, SIGHUP or timeout", stopped);
        s->end = (uint8_t)end;
    }
    s->target_asn = (uint32_t)tasn;
    s->exit_status = (int)exit_status;
    if (!json_is_object(params) || !json_is_array(dbs))
        return pm_err(errbuf, PM_EINVAL, "params must be an object and databases an array");
    if (!(s->params_json = pm_store_json_canon(params, errbuf)) ||
        !(s->databases_json = pm_store_json_canon(dbs, errbuf)))
        return PM_ENOMEM;
    if (strlen(s->params_json) >= PM_STORE_MAX_JSON || strlen(s->databases_json) >= PM_STORE_MAX_JSON)
        return pm_err(errbuf, PM_ELIMIT, "params or databases too long");
    if (!json_is_null(pcap)) {
        json_t *path, *sha;
        if (json_unpack_ex(pcap, &e, JSON_STRICT, "{s:o, s:o}", "path", &path, "sha256", &sha))
            return unpack_err(&e, "pcap", errbuf);
        if ((rc = copy_str(path, s->pcap_path, sizeof s->pcap_path, "pcap path", errbuf)) ||
            (rc = copy_str(sha, s->pcap_sha256, sizeof s->pcap_sha256, "pcap sha256", errbuf)))
            return rc;
        if (strlen(s->pcap_sha256) != 64 || strspn(s->pcap_sha256, "0123456789abcdef") != 64)
            return pm_err(errbuf, PM_EINVAL, "pcap sha256 must be 64 lowercase hex digits");
        if (!s->pcap_path[0])
            return pm_err(errbuf, PM_EINVAL, "pcap path is empty");
    }
    if (!json_is_array(targets))
        return pm_err(errbuf, PM_EINVAL, "targets must be an array");
    size_t nt = json_array_size(targets), nh = 0;
    if (nt > PM_STORE_MAX_TARGETS)
        return pm_err(errbuf, PM_ELIMIT, "more than %u targets", PM_STORE_MAX_TARGETS);
    for (size_t i = 0; i < nt; i++) {
        json_t *h = json_object_get(json_array_get(targets, i), "hops");
        nh += json_is_array(h) ? json_array_size(h) : 0;
    }
    if (nh > PM_STORE_MAX_HOPS)
        return pm_err(errbuf, PM_ELIMIT, "more than %u hops", PM_STORE_MAX_HOPS);
    s->targets = calloc(nt ? nt : 1, sizeof *s->targets);
    s->hops = calloc(nh ? nh : 1, sizeof *s->hops);
    if (!s->targets || !s->hops)
        return pm_err(errbuf, PM_ENOMEM, "out of memory");
    size_t names_cap = 0;
    for (size_t i = 0; i < nt; i++) {
        rc = read_target(json_array_get(targets, i), s, &s->targets[i], nh, &names_cap, errbuf);
        s->n_targets++; /* owns its evidence even on error */
        if (rc)
            return rc;
        if (i && s->targets[i].dst <= s->targets[i - 1].dst)
            return pm_err(errbuf, PM_EINVAL, "targets must be in increasing address order without duplicates");
    }
    if ((rc = pm_snapshot_names_sort(s, errbuf)))
        return rc;
    if (pm_snapshot_exit_status(s) != s->exit_status)
        return pm_err(errbuf, PM_EINVAL, "exit_status %d disagrees with the targets", s->exit_status);
    if ((rc = read_rollups(pre, &s->by_prefix, &s->n_prefix, "prefix_rollups", errbuf)))
        return rc;
    return read_rollups(ups, &s->by_upstream, &s->n_upstream, "upstream_rollups", errbuf);
}

int pm_snapshot_from_jsonl(const char *line, size_t len, struct pm_snapshot **out, char *errbuf)
{
    *out = NULL;
    json_error_t e;
    json_t *root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &e);
    if (!root)
        return pm_err(errbuf, PM_EINVAL, "not valid JSON at column %d: %s", e.column, e.text);
    struct pm_snapshot *s = calloc(1, sizeof *s);
    if (!s) {
        json_decref(root);
        return pm_err(errbuf, PM_ENOMEM, "out of memory");
    }
    int rc = json_is_object(root) ? read_snapshot(root, s, errbuf)
                                   : pm_err(errbuf, PM_EINVAL, "a snapshot must be a JSON object");
    json_decref(root);
    if (rc) {
        pm_snapshot_free(s);
        return rc;
    }
    *out = s;
    return PM_OK;
}
