/* atlas.c - RIPE Atlas traceroute results (firmware 4460 and later) into runs, one per probe and round. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "peers/internal.h"

#define ADDR_TXT 48

/* What one reply entry of a hop says. */
struct entry {
    bool timeout, late, dup, error;
    char from[ADDR_TXT], edst[ADDR_TXT], flags[16];
    double rtt;
    int64_t ttl, ittl, err_code, size;
    char err[8];
    struct pm_mpls_stack mpls;
    bool has_ext;
    struct pm_ext_set ext; /* every object: class and type (Atlas gives no bytes), MPLS rebuilt */
};

static int read_icmpext(struct pm_peers_ctx *c, json_t *ext, const char *path, struct entry *e)
{
    if (!json_is_object(ext))
        return pm_peers_bad(c, PM_ECORRUPT, "%s.icmpext: expected an object", path);
    e->has_ext = true;
    json_t *objs = json_object_get(ext, "obj");
    if (!objs)
        return PM_OK;
    if (!json_is_array(objs) || json_array_size(objs) > 64)
        return pm_peers_bad(c, PM_ECORRUPT, "%s.icmpext.obj: expected an array of at most 64 objects", path);
    size_t i;
    json_t *o;
    json_array_foreach(objs, i, o) {
        char p[96];
        snprintf(p, sizeof p, "%s.icmpext.obj[%zu]", path, i);
        if (!json_is_object(o))
            return pm_peers_bad(c, PM_ECORRUPT, "%s: expected an object", p);
        int64_t cls = 0, ctype = 0;
        int rc;
        if ((rc = pm_peers_jint(c, o, p, "class", true, 0, 255, &cls)) < 0 ||
            (rc = pm_peers_jint(c, o, p, "type", true, 0, 255, &ctype)) < 0)
            return rc;
        json_t *mpls = json_object_get(o, "mpls");
        if (!mpls) { /* another object (interface information...): Atlas says its class and type only */
            pm_ext_set_add(&e->ext, (uint8_t)cls, (uint8_t)ctype, PM_EXT_LEN_UNKNOWN, NULL);
            continue;
        }
        if (!json_is_array(mpls) || json_array_size(mpls) > 64)
            return pm_peers_bad(c, PM_ECORRUPT, "%s.mpls: expected an array of at most 64 labels", p);
        size_t k;
        json_t *m;
        uint8_t first = e->mpls.n;
        json_array_foreach(mpls, k, m) {
            char q[160];
            snprintf(q, sizeof q, "%s.mpls[%zu]", p, k);
            if (!json_is_object(m))
                return pm_peers_bad(c, PM_ECORRUPT, "%s: expected an object", q);
            int64_t label, exp = 0, s = 0, ttl = 0;
            if ((rc = pm_peers_jint(c, m, q, "label", true, 0, 0xfffff, &label)) < 0 ||
                (rc = pm_peers_jint(c, m, q, "exp", false, 0, 7, &exp)) < 0 ||
                (rc = pm_peers_jint(c, m, q, "s", false, 0, 1, &s)) < 0 ||
                (rc = pm_peers_jint(c, m, q, "ttl", false, 0, 255, &ttl)) < 0)
                return rc;
            if (e->mpls.n < PM_REPLY_MPLS_MAX)
                e->mpls.e[e->mpls.n++] = (struct pm_mpls_entry){
                    .label = (uint32_t)label, .tc = (uint8_t)exp, .s = (uint8_t)s, .ttl = (uint8_t)ttl};
        }
        if (cls == PM_EXT_CLASS_MPLS && ctype == 1)
            pm_peers_ext_mpls(&e->ext, e->mpls.e + first, (uint8_t)(e->mpls.n - first));
        else /* labels under another class/type: kept as Atlas named it */
            pm_ext_set_add(&e->ext, (uint8_t)cls, (uint8_t)ctype, PM_EXT_LEN_UNKNOWN, NULL);
    }
    return PM_OK;
}

static int read_entry(struct pm_peers_ctx *c, json_t *o, const char *path, struct entry *e)
{
    int rc;
    memset(e, 0, sizeof *e);
    e->ittl = -1;
    if (!json_is_object(o))
        return pm_peers_bad(c, PM_ECORRUPT, "%s: expected an object", path);
    json_t *x = json_object_get(o, "x");
    if (x) {
        if (!json_is_string(x))
            return pm_peers_bad(c, PM_ECORRUPT, "%s.x: expected a string", path);
        e->timeout = true;
        return PM_OK;
    }
    if (json_object_get(o, "error")) { /* the probe could not send (connect/sendto failed) */
        char msg[128];
        if ((rc = pm_peers_jstr(c, o, path, "error", true, msg, sizeof msg)) < 0)
            return rc;
        e->error = true;
        return PM_OK;
    }
    if ((rc = pm_peers_jstr(c, o, path, "from", true, e->from, sizeof e->from)) < 0)
        return rc;
    int64_t late = 0;
    if ((rc = pm_peers_jint(c, o, path, "late", false, 0, 255, &late)) < 0)
        return rc;
    e->late = rc == PM_OK;
    if ((rc = pm_peers_jbool(c, o, path, "dup", &e->dup)) < 0)
        return rc;
    /* a late reply carries no rtt */
    if ((rc = pm_peers_jnum(c, o, path, "rtt", !e->late, 0, 3.6e6, &e->rtt)) < 0)
        return rc;
    if ((rc = pm_peers_jint(c, o, path, "ttl", false, 0, 255, &e->ttl)) < 0 ||
        (rc = pm_peers_jint(c, o, path, "size", false, 0, 65535, &e->size)) < 0 ||
        (rc = pm_peers_jint(c, o, path, "ittl", false, 0, 255, &e->ittl)) < 0)
        return rc;
    int64_t itos;
    if ((rc = pm_peers_jint(c, o, path, "itos", false, 0, 255, &itos)) < 0 ||
        (rc = pm_peers_jstr(c, o, path, "edst", false, e->edst, sizeof e->edst)) < 0 ||
        (rc = pm_peers_jstr(c, o, path, "flags", false, e->flags, sizeof e->flags)) < 0)
        return rc;
    json_t *err = json_object_get(o, "err");
    e->err_code = -1;
    if (json_is_string(err)) {
        /* N net, H host, A administratively prohibited, P protocol, p port, h beyond scope (IPv6) */
        static const char letters[] = "NHAPph";
        static const int codes[] = {0, 1, 13, 2, 3, 1};
        const char *l = json_string_value(err);
        const char *at = l[0] && !l[1] ? strchr(letters, l[0]) : NULL;
        if (!at)
            return pm_peers_bad(c, PM_ECORRUPT, "%s.err: '%.8s' is not N, H, A, P, p, h or a number", path, l);
        snprintf(e->err, sizeof e->err, "%s", l);
        e->err_code = codes[at - letters];
    } else if (err) {
        if ((rc = pm_peers_jint(c, o, path, "err", true, 0, 255, &e->err_code)) < 0)
            return rc;
        snprintf(e->err, sizeof e->err, "%lld", (long long)e->err_code);
    }
    json_t *ext = json_object_get(o, "icmpext");
    if (ext && (rc = read_icmpext(c, ext, path, e)) < 0)
        return rc;
    return PM_OK;
}

/* The pathmortem reply an Atlas entry stands for (its label stack is e->mpls). */
static void to_reply(const struct entry *e, uint32_t from, uint32_t dst, uint8_t method, uint8_t ttl, uint8_t attempt,
                     uint64_t t0, struct pm_reply *r)
{
    memset(r, 0, sizeof *r);
    r->from = from;
    r->ttl = ttl;
    r->attempt = attempt;
    r->sent_us = t0;
    r->recv_us = t0 + (uint64_t)llround(e->rtt * 1000.0);
    r->reply_ttl = (uint8_t)(e->ttl > 0 ? e->ttl : 0);
    /* Atlas leaves ittl out when it is 1 */
    r->quoted_ttl = (uint8_t)(e->ittl >= 0 ? e->ittl : 1);
    r->has_ext = e->has_ext;
    if (e->err_code >= 0) {
        r->kind = PM_REPLY_UNREACH;
        r->icmp_type = 3;
        r->icmp_code = (uint8_t)e->err_code;
    } else if (from == dst && method == PM_METHOD_UDP) {
        r->kind = PM_REPLY_UNREACH; /* the destination's port unreachable ends a UDP traceroute */
        r->icmp_type = 3;
        r->icmp_code = 3;
    } else if (from == dst && method == PM_METHOD_TCP) {
        r->kind = strchr(e->flags, 'R') ? PM_REPLY_TCP_RST : PM_REPLY_TCP_SYNACK;
    } else if (from == dst) {
        r->kind = PM_REPLY_ECHO_REPLY;
    } else {
        r->kind = PM_REPLY_TIME_EXCEEDED;
        r->icmp_type = 11;
    }
}

struct result {
    int64_t af, prb_id, fw, paris, ts, end, msm;
    char type[16], dst[ADDR_TXT], from[ADDR_TXT], src[ADDR_TXT], proto[8];
};

static int read_header(struct pm_peers_ctx *c, json_t *rec, struct result *h)
{
    int rc;
    memset(h, 0, sizeof *h);
    if ((rc = pm_peers_jint(c, rec, "", "af", true, 4, 6, &h->af)) < 0 ||
        (rc = pm_peers_jint(c, rec, "", "prb_id", true, 0, UINT32_MAX, &h->prb_id)) < 0 ||
        (rc = pm_peers_jint(c, rec, "", "fw", false, 0, 1000000, &h->fw)) < 0 ||
        (rc = pm_peers_jint(c, rec, "", "paris_id", false, 0, 65535, &h->paris)) < 0 ||
        (rc = pm_peers_jint(c, rec, "", "timestamp", true, 0, INT64_C(1) << 40, &h->ts)) < 0 ||
        (rc = pm_peers_jint(c, rec, "", "endtime", false, 0, INT64_C(1) << 40, &h->end)) < 0 ||
        (rc = pm_peers_jint(c, rec, "", "msm_id", false, 0, INT64_MAX, &h->msm)) < 0 ||
        (rc = pm_peers_jstr(c, rec, "", "dst_addr", true, h->dst, sizeof h->dst)) < 0 ||
        (rc = pm_peers_jstr(c, rec, "", "from", false, h->from, sizeof h->from)) < 0 ||
        (rc = pm_peers_jstr(c, rec, "", "src_addr", false, h->src, sizeof h->src)) < 0 ||
        (rc = pm_peers_jstr(c, rec, "", "proto", false, h->proto, sizeof h->proto)) < 0)
        return rc;
    if (h->af == 5)
        return pm_peers_bad(c, PM_ECORRUPT, "af: 5 is neither 4 nor 6");
    return PM_OK;
}

/* Hop i of a result (IPv4 and IPv6 alike): an object with its TTL (*n) and
 * its replies (*res, NULL when it has none); path names it in errors. */
static int read_hop(struct pm_peers_ctx *c, json_t *hop, size_t i, char *path, size_t len, int64_t *n, json_t **res)
{
    snprintf(path, len, "result[%zu]", i);
    if (!json_is_object(hop))
        return pm_peers_bad(c, PM_ECORRUPT, "%s: expected an object", path);
    int rc = pm_peers_jint(c, hop, path, "hop", true, 1, 255, n);
    if (rc < 0)
        return rc;
    *res = json_object_get(hop, "result");
    if (*res && (!json_is_array(*res) || json_array_size(*res) > PM_PEERS_MAX_PER_HOP))
        return pm_peers_bad(c, PM_ECORRUPT, "%s.result: expected an array of at most %u replies", path,
                            PM_PEERS_MAX_PER_HOP);
    return PM_OK;
}

/* An IPv6 result: its path is summarised, never dropped. */
static int read_v6(struct pm_peers_ctx *c, const struct result *h, json_t *hops)
{
    struct pm_peer_v6 v;
    memset(&v, 0, sizeof v);
    snprintf(v.vantage, sizeof v.vantage, "prb %lld", (long long)h->prb_id);
    snprintf(v.dst, sizeof v.dst, "%s", h->dst);
    v.started_us = (uint64_t)h->ts * 1000000u;
    size_t i, k;
    json_t *hop, *o;
    json_array_foreach(hops, i, hop) {
        char path[48];
        int64_t n;
        json_t *res;
        int rc = read_hop(c, hop, i, path, sizeof path, &n, &res);
        if (rc < 0)
            return rc;
        if (!res)
            continue;
        json_array_foreach(res, k, o) {
            /* the entry's path is built at both loops, not in read_entry: built
             * there, gcc's truncation check (-Werror) follows it into every
             * member path below; the two loops then keep other replies */
            struct entry e;
            char p2[96];
            snprintf(p2, sizeof p2, "%s.result[%zu]", path, k);
            if ((rc = read_entry(c, o, p2, &e)) < 0)
                return rc;
            if (e.timeout || e.error || e.late || e.dup)
                continue;
            v.replies++;
            snprintf(v.last, sizeof v.last, "%s", e.from);
            v.last_hop = (uint8_t)n;
            if (!strcmp(e.from, h->dst))
                v.reached = true;
        }
    }
    return pm_peers_add_v6(c, &v);
}

/* Does a hop's reply list hold an answer from dst (checked again, typed, by read_entry)? */
static bool deep_answered(json_t *res, const char *dst)
{
    size_t k;
    json_t *o;
    json_array_foreach(res, k, o) {
        json_t *from = json_object_get(o, "from");
        if (json_is_string(from) && !strcmp(json_string_value(from), dst) && !json_object_get(o, "late"))
            return true;
    }
    return false;
}

int pm_peers_atlas(struct pm_peers_ctx *c, json_t *rec)
{
    struct result h;
    int rc = read_header(c, rec, &h);
    if (rc)
        return rc;
    c->set->records++;
    json_t *hops = json_object_get(rec, "result");
    if (!json_is_array(hops))
        return pm_peers_bad(c, PM_ECORRUPT, "result: expected an array of hops");
    if (json_array_size(hops) > PM_PEERS_MAX_HOPS)
        return pm_peers_bad(c, PM_ELIMIT, "%zu hops (a traceroute has at most %u)", json_array_size(hops),
                            PM_PEERS_MAX_HOPS);
    bool v6;
    uint32_t dst, src = 0, tmp;
    if (pm_peers_addr(h.dst, &v6, &dst) != PM_OK)
        return pm_peers_bad(c, PM_ECORRUPT, "dst_addr: '%.48s' is not an address", h.dst);
    if ((h.af == 6) != v6)
        return pm_peers_bad(c, PM_ECORRUPT, "dst_addr: '%.48s' is not an IPv%lld address", h.dst, (long long)h.af);
    /* the same result twice (files concatenated, pages that overlap) is read once */
    char ident[160];
    bool dup;
    snprintf(ident, sizeof ident, "atlas/%lld/%lld/%s/%lld/%s", (long long)h.prb_id, (long long)h.msm, h.dst,
             (long long)h.ts, h.proto);
    if ((rc = pm_peers_seen(c, ident, &dup)) < 0)
        return rc;
    if (dup) {
        c->set->records--;
        pm_peers_skip(c, "the same result as an earlier one (probe %lld, %s, time %lld), read once",
                      (long long)h.prb_id, h.dst, (long long)h.ts);
        return PM_OK;
    }
    if (v6)
        return read_v6(c, &h, hops);
    if (h.src[0] && pm_peers_addr(h.src, &v6, &tmp) == PM_OK && !v6)
        src = tmp;
    struct pm_run proto;
    memset(&proto, 0, sizeof proto);
    if (!h.proto[0] || !strcmp(h.proto, "UDP"))
        proto.method = PM_METHOD_UDP;
    else if (!strcmp(h.proto, "ICMP"))
        proto.method = PM_METHOD_ICMP;
    else if (!strcmp(h.proto, "TCP"))
        proto.method = PM_METHOD_TCP;
    else
        return pm_peers_bad(c, PM_ECORRUPT, "proto: '%.8s' is not UDP, ICMP or TCP", h.proto);
    proto.source = src;
    proto.flow = (uint16_t)h.paris;
    proto.classic = h.paris == 0; /* paris_id 0: classic traceroute, the flow varies per probe */
    proto.started_us = (uint64_t)h.ts * 1000000u;
    proto.ended_us = (uint64_t)(h.end > h.ts ? h.end : h.ts) * 1000000u;
    snprintf(proto.vantage, sizeof proto.vantage, "RIPE Atlas prb %lld", (long long)h.prb_id);
    struct pm_run_input *in = &proto.input;
    snprintf(in->format, sizeof in->format, "ripe-atlas");
    snprintf(in->tool, sizeof in->tool, "RIPE Atlas");
    if (h.fw)
        snprintf(in->version, sizeof in->version, "fw %lld", (long long)h.fw);
    snprintf(in->vantage_id, sizeof in->vantage_id, "prb %lld", (long long)h.prb_id);
    snprintf(in->vantage_addr, sizeof in->vantage_addr, "%s", h.from);
    /* Atlas reports neither IP IDs nor the quoted header (only its TTL, TOS and a changed destination) */
    snprintf(in->missing, sizeof in->missing, "quoted-header,reply-ipid,wait");
    char key[64];
    snprintf(key, sizeof key, "atlas/%lld/%s", (long long)h.prb_id, pm_method_name(proto.method));
    /* first pass: did this result send anything at all? */
    size_t i, k;
    json_t *hop, *o;
    struct pm_run *run = NULL;
    struct pm_target *t = NULL;
    json_array_foreach(hops, i, hop) {
        char path[48];
        int64_t n;
        json_t *res;
        if ((rc = read_hop(c, hop, i, path, sizeof path, &n, &res)) < 0)
            return rc;
        if (!res) {
            char msg[128];
            if ((rc = pm_peers_jstr(c, hop, path, "error", true, msg, sizeof msg)) < 0)
                return rc;
            continue; /* the probe could not send at this hop */
        }
        if (n > PM_TTL_MAX) {
            /* Atlas ends a silent path with one probe at TTL 255: an answer
             * from the destination there shows it reachable past the silence,
             * kept at the model's top TTL; silence there says nothing new */
            if (!deep_answered(res, h.dst)) {
                if (n != 255)
                    c->deep_hops++;
                continue;
            }
            n = PM_TTL_MAX;
        }
        uint8_t attempt = 0;
        json_array_foreach(res, k, o) {
            struct entry e;
            char p2[96];
            snprintf(p2, sizeof p2, "%s.result[%zu]", path, k);
            if ((rc = read_entry(c, o, p2, &e)) < 0)
                return rc;
            if (e.error)
                continue;
            if (!t && (rc = pm_peers_run_for(c, &proto, key, dst, &run, &t)) < 0)
                return rc;
            if (e.late) { /* an answer to an earlier probe, after its timeout: refused like the matcher does */
                run->stats.rejected_late++;
                continue;
            }
            if (e.dup) {
                run->stats.rejected_duplicate++;
                continue;
            }
            pm_target_note_sent(t, (uint8_t)n);
            uint8_t a = attempt++;
            if (e.timeout)
                continue;
            uint32_t from;
            bool fv6;
            if (pm_peers_addr(e.from, &fv6, &from) != PM_OK || fv6)
                return pm_peers_bad(c, PM_ECORRUPT, "%s.from: '%.48s' is not an IPv4 address", p2, e.from);
            uint32_t edst;
            if (e.edst[0] && (pm_peers_addr(e.edst, &fv6, &edst) != PM_OK || fv6 || edst != dst)) {
                /* the quoted packet went elsewhere: not an answer to this probe */
                run->stats.rejected_mismatch++;
                continue;
            }
            struct pm_reply r;
            to_reply(&e, from, dst, proto.method, (uint8_t)n, a, proto.started_us, &r);
            if ((rc = pm_peers_add_reply_ext(c, t, &r, &e.ext, &e.mpls)) < 0)
                return rc;
        }
    }
    if (!t) { /* nothing was sent: a measurement failure, counted and said */
        c->set->failed++;
        if (!c->set->warning[0])
            snprintf(c->set->warning, sizeof c->set->warning, "record %llu: probe %lld sent nothing to %.48s",
                     (unsigned long long)c->record, (long long)h.prb_id, h.dst);
    }
    return PM_OK;
}
