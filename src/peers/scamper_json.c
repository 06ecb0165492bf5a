/* scamper_json.c - sc_warts2json output (trace records; tracelb in scamper_json_lb.c) into runs, one per monitor and round, as warts.c reads the warts. */
#include <math.h>
#include <string.h>

#include "peers/internal.h"

static int method_of(const char *m, struct pm_run *proto)
{
    static const struct { const char *name; uint8_t method; bool classic; } tab[] = {
        {"icmp-echo", PM_METHOD_ICMP, true}, {"icmp-echo-paris", PM_METHOD_ICMP, false},
        {"udp", PM_METHOD_UDP, true},        {"udp-paris", PM_METHOD_UDP, false},
        {"tcp", PM_METHOD_TCP, false},       {"tcp-ack", PM_METHOD_TCP, false},
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (!strcmp(m, tab[i].name)) {
            proto->method = tab[i].method;
            proto->classic = tab[i].classic;
            return PM_OK;
        }
    return PM_EINVAL;
}

int pm_peers_jtime(struct pm_peers_ctx *c, json_t *o, const char *path, const char *key, bool req, uint64_t *us)
{
    json_t *t = json_object_get(o, key);
    *us = 0;
    if (!t) {
        if (req)
            return pm_peers_bad(c, PM_ECORRUPT, "%s%s%s is missing", path, path[0] ? "." : "", key);
        return PM_OK;
    }
    if (!json_is_object(t))
        return pm_peers_bad(c, PM_ECORRUPT, "%s%s%s: expected an object {sec, usec}", path, path[0] ? "." : "", key);
    char p[96];
    snprintf(p, sizeof p, "%s%s%s", path, path[0] ? "." : "", key);
    int64_t sec, usec;
    int rc;
    if ((rc = pm_peers_jint(c, t, p, "sec", true, 0, INT64_C(1) << 40, &sec)) < 0 ||
        (rc = pm_peers_jint(c, t, p, "usec", true, 0, 999999, &usec)) < 0)
        return rc;
    *us = (uint64_t)sec * 1000000u + (uint64_t)usec;
    return PM_OK;
}

void pm_peers_scamper_input(const struct pm_peers_ctx *c, json_t *rec, struct pm_run *proto, const char *format,
                            const char *src, const char *missing)
{
    struct pm_run_input *in = &proto->input;
    snprintf(in->format, sizeof in->format, "%s", format);
    snprintf(in->tool, sizeof in->tool, "scamper");
    json_t *ver = json_object_get(rec, "version");
    if (json_is_string(ver))
        snprintf(in->version, sizeof in->version, "json %.24s", json_string_value(ver));
    /* a cycle-start's monitor names the vantage; without one, the source address does */
    if (c->monitor[0])
        snprintf(in->vantage_id, sizeof in->vantage_id, "monitor %.38s", c->monitor);
    else
        snprintf(in->vantage_id, sizeof in->vantage_id, "src %.42s", src);
    snprintf(in->vantage_addr, sizeof in->vantage_addr, "%s", src);
    snprintf(in->missing, sizeof in->missing, "%s", missing);
    snprintf(proto->vantage, sizeof proto->vantage, "scamper %s", in->vantage_id);
}

/* The label stacks into ms; every object (ie_cn, ie_ct, ie_dl; MPLS ones rebuilt as bytes) into e. */
static int read_mpls(struct pm_peers_ctx *c, json_t *hop, const char *path, struct pm_reply *r, struct pm_ext_set *e,
                     struct pm_mpls_stack *ms)
{
    json_t *ext = json_object_get(hop, "icmpext");
    if (!ext)
        return PM_OK;
    if (!json_is_array(ext) || json_array_size(ext) > 64)
        return pm_peers_bad(c, PM_ECORRUPT, "%s.icmpext: expected an array of at most 64 objects", path);
    size_t i, k;
    json_t *o, *m;
    json_array_foreach(ext, i, o) {
        char p[128];
        snprintf(p, sizeof p, "%s.icmpext[%zu]", path, i);
        if (!json_is_object(o))
            return pm_peers_bad(c, PM_ECORRUPT, "%s: expected an object", p);
        r->has_ext = true;
        int64_t cn = 0, ct = 0, dl = PM_EXT_LEN_UNKNOWN;
        int rc;
        if ((rc = pm_peers_jint(c, o, p, "ie_cn", false, 0, 255, &cn)) < 0 ||
            (rc = pm_peers_jint(c, o, p, "ie_ct", false, 0, 255, &ct)) < 0 ||
            (rc = pm_peers_jint(c, o, p, "ie_dl", false, 0, 65535, &dl)) < 0)
            return rc;
        json_t *labels = json_object_get(o, "mpls_labels");
        if (!labels) { /* sc_warts2json gives no bytes of other objects */
            pm_ext_set_add(e, (uint8_t)cn, (uint8_t)ct, (uint16_t)dl, NULL);
            continue;
        }
        uint8_t first = ms->n;
        if (!json_is_array(labels) || json_array_size(labels) > 64)
            return pm_peers_bad(c, PM_ECORRUPT, "%s.mpls_labels: expected an array of at most 64", p);
        json_array_foreach(labels, k, m) {
            char q[200];
            snprintf(q, sizeof q, "%s.mpls_labels[%zu]", p, k);
            if (!json_is_object(m))
                return pm_peers_bad(c, PM_ECORRUPT, "%s: expected an object", q);
            int64_t label, exp = 0, s = 0, ttl = 0;
            if ((rc = pm_peers_jint(c, m, q, "mpls_label", true, 0, 0xfffff, &label)) < 0 ||
                (rc = pm_peers_jint(c, m, q, "mpls_exp", false, 0, 7, &exp)) < 0 ||
                (rc = pm_peers_jint(c, m, q, "mpls_s", false, 0, 1, &s)) < 0 ||
                (rc = pm_peers_jint(c, m, q, "mpls_ttl", false, 0, 255, &ttl)) < 0)
                return rc;
            if (ms->n < PM_REPLY_MPLS_MAX)
                ms->e[ms->n++] = (struct pm_mpls_entry){
                    .label = (uint32_t)label, .tc = (uint8_t)exp, .s = (uint8_t)s, .ttl = (uint8_t)ttl};
        }
        pm_peers_ext_mpls(e, ms->e + first, (uint8_t)(ms->n - first));
    }
    return PM_OK;
}

static int read_trace(struct pm_peers_ctx *c, json_t *rec)
{
    char method[24], src[48], dst[48], stop[16];
    int64_t attempts = 0, firsthop = 1, hoplimit = 0, wait = 0, sport = 0, dport = 0, probec = 0;
    uint64_t t0;
    int rc;
    if ((rc = pm_peers_jstr(c, rec, "", "method", true, method, sizeof method)) < 0 ||
        (rc = pm_peers_jstr(c, rec, "", "src", false, src, sizeof src)) < 0 ||
        (rc = pm_peers_jstr(c, rec, "", "dst", true, dst, sizeof dst)) < 0 ||
        (rc = pm_peers_jstr(c, rec, "", "stop_reason", false, stop, sizeof stop)) < 0 ||
        (rc = pm_peers_jint(c, rec, "", "attempts", false, 0, 255, &attempts)) < 0 ||
        (rc = pm_peers_jint(c, rec, "", "firsthop", false, 0, 255, &firsthop)) < 0 ||
        (rc = pm_peers_jint(c, rec, "", "hoplimit", false, 0, 255, &hoplimit)) < 0 ||
        (rc = pm_peers_jint(c, rec, "", "wait", false, 0, 255, &wait)) < 0 ||
        (rc = pm_peers_jint(c, rec, "", "sport", false, 0, 65535, &sport)) < 0 ||
        (rc = pm_peers_jint(c, rec, "", "dport", false, 0, 65535, &dport)) < 0 ||
        (rc = pm_peers_jint(c, rec, "", "probe_count", false, 0, 1 << 20, &probec)) < 0 ||
        (rc = pm_peers_jtime(c, rec, "", "start", true, &t0)) < 0)
        return rc;
    struct pm_run proto;
    memset(&proto, 0, sizeof proto);
    if (method_of(method, &proto) != PM_OK)
        return pm_peers_bad(c, PM_ECORRUPT, "method: '%.24s' is not a scamper trace method", method);
    pm_peers_scamper_input(c, rec, &proto, "scamper-json", src, "quoted-ipid");
    const struct pm_run_input *in = &proto.input;
    bool v6;
    uint32_t d4, s4 = 0;
    if (pm_peers_addr(dst, &v6, &d4) != PM_OK)
        return pm_peers_bad(c, PM_ECORRUPT, "dst: '%.48s' is not an address", dst);
    json_t *hops = json_object_get(rec, "hops");
    if (hops && (!json_is_array(hops) || json_array_size(hops) > PM_PEERS_MAX_HOPS * PM_PEERS_MAX_PER_HOP))
        return pm_peers_bad(c, PM_ELIMIT, "hops: expected an array of at most %u replies",
                            PM_PEERS_MAX_HOPS * PM_PEERS_MAX_PER_HOP);
    size_t i;
    json_t *h;
    if (v6) {
        struct pm_peer_v6 v;
        memset(&v, 0, sizeof v);
        snprintf(v.vantage, sizeof v.vantage, "%s", in->vantage_id);
        snprintf(v.dst, sizeof v.dst, "%s", dst);
        v.started_us = t0;
        json_array_foreach(hops, i, h) {
            char p[32], addr[48];
            int64_t ttl;
            snprintf(p, sizeof p, "hops[%zu]", i);
            if (!json_is_object(h))
                return pm_peers_bad(c, PM_ECORRUPT, "%s: expected an object", p);
            if ((rc = pm_peers_jstr(c, h, p, "addr", true, addr, sizeof addr)) < 0 ||
                (rc = pm_peers_jint(c, h, p, "probe_ttl", true, 1, 255, &ttl)) < 0)
                return rc;
            v.replies++;
            snprintf(v.last, sizeof v.last, "%s", addr);
            v.last_hop = (uint8_t)ttl;
            v.reached |= !strcmp(addr, dst);
        }
        return pm_peers_add_v6(c, &v);
    }
    if (src[0] && pm_peers_addr(src, &v6, &s4) == PM_OK && v6)
        s4 = 0;
    proto.source = s4;
    proto.dport = (uint16_t)dport;
    proto.flow = (uint16_t)sport;
    proto.first_ttl = (uint8_t)(firsthop ? firsthop : 1);
    proto.queries = (uint8_t)attempts;
    proto.max_ttl = (uint8_t)hoplimit;
    proto.wait_ms = (uint32_t)wait * 1000u;
    proto.started_us = proto.ended_us = t0;
    struct pm_run *run;
    struct pm_target *t;
    if ((rc = pm_peers_scamper_run(c, &proto, false, d4, &run, &t)) < 0)
        return rc;
    uint8_t answered[PM_TTL_MAX + 1] = {0}; /* highest attempt answered per TTL (1-based) */
    int64_t top = 0;
    json_array_foreach(hops, i, h) {
        char p[32], addr[48];
        int64_t ttl, id = 1, rttl = 0, ipid = 0, type = 0, code = 0, qttl = 0;
        double rtt = 0;
        uint64_t tx;
        snprintf(p, sizeof p, "hops[%zu]", i);
        if (!json_is_object(h))
            return pm_peers_bad(c, PM_ECORRUPT, "%s: expected an object", p);
        if ((rc = pm_peers_jstr(c, h, p, "addr", true, addr, sizeof addr)) < 0 ||
            (rc = pm_peers_jint(c, h, p, "probe_ttl", true, 1, 255, &ttl)) < 0 ||
            (rc = pm_peers_jint(c, h, p, "probe_id", false, 0, 255, &id)) < 0 ||
            (rc = pm_peers_jnum(c, h, p, "rtt", false, 0, 3.6e6, &rtt)) < 0 ||
            (rc = pm_peers_jint(c, h, p, "reply_ttl", false, 0, 255, &rttl)) < 0 ||
            (rc = pm_peers_jint(c, h, p, "reply_ipid", false, 0, 65535, &ipid)) < 0 ||
            (rc = pm_peers_jint(c, h, p, "icmp_type", false, 0, 255, &type)) < 0 ||
            (rc = pm_peers_jint(c, h, p, "icmp_code", false, 0, 255, &code)) < 0 ||
            (rc = pm_peers_jint(c, h, p, "icmp_q_ttl", false, 0, 255, &qttl)) < 0 ||
            (rc = pm_peers_jtime(c, h, p, "tx", false, &tx)) < 0)
            return rc;
        if (ttl > PM_TTL_MAX) {
            c->deep_hops++;
            continue;
        }
        struct pm_reply r;
        memset(&r, 0, sizeof r);
        if (pm_peers_addr(addr, &v6, &r.from) != PM_OK || v6)
            return pm_peers_bad(c, PM_ECORRUPT, "%s.addr: '%.48s' is not an IPv4 address", p, addr);
        r.ttl = (uint8_t)ttl;
        r.attempt = (uint8_t)(id ? id - 1 : 0);
        r.sent_us = tx ? tx : t0;
        r.recv_us = r.sent_us + (uint64_t)llround(rtt * 1000.0);
        r.reply_ttl = (uint8_t)rttl;
        r.reply_ipid = (uint16_t)ipid;
        json_t *flags = json_object_get(h, "tcp_flags");
        if (json_is_integer(flags)) {
            r.kind = (json_integer_value(flags) & 0x04) ? PM_REPLY_TCP_RST : PM_REPLY_TCP_SYNACK;
        } else {
            pm_peers_icmp_kind((uint8_t)type, (uint8_t)code, &r);
            r.quoted_ttl = (uint8_t)qttl;
        }
        struct pm_ext_set ext = {0};
        struct pm_mpls_stack mpls = {0};
        if ((rc = read_mpls(c, h, p, &r, &ext, &mpls)) < 0)
            return rc;
        if (r.recv_us > run->ended_us)
            run->ended_us = r.recv_us;
        if ((rc = pm_peers_add_reply_ext(c, t, &r, &ext, &mpls)) < 0)
            return rc;
        uint8_t att = (uint8_t)(id ? id : 1);
        if (att > answered[ttl])
            answered[ttl] = att;
        if (ttl > top)
            top = ttl;
    }
    /* probes per TTL: up to the highest attempt answered, every attempt when silent (as warts.c) */
    int64_t count = 0;
    json_t *hc = json_object_get(rec, "hop_count");
    if (json_is_integer(hc) && json_integer_value(hc) > top)
        top = json_integer_value(hc) > PM_TTL_MAX ? PM_TTL_MAX : json_integer_value(hc);
    for (int64_t ttl = proto.first_ttl; ttl <= top; ttl++) {
        unsigned n = answered[ttl] ? answered[ttl] : (attempts ? (unsigned)attempts : 1u);
        for (unsigned k = 0; k < n; k++)
            pm_target_note_sent(t, (uint8_t)ttl);
        count += n;
    }
    (void)probec;
    (void)count;
    return PM_OK;
}

int pm_peers_scamper_json(struct pm_peers_ctx *c, json_t *rec)
{
    const char *type = json_string_value(json_object_get(rec, "type"));
    if (!strcmp(type, "cycle-start")) {
        int rc = pm_peers_jstr(c, rec, "", "hostname", false, c->monitor, sizeof c->monitor);
        return rc < 0 ? rc : PM_OK;
    }
    if (!strcmp(type, "cycle-stop") || !strcmp(type, "list"))
        return PM_OK;
    c->set->records++;
    if (!strcmp(type, "tracelb"))
        return pm_peers_scamper_json_lb(c, rec);
    return read_trace(c, rec);
}
