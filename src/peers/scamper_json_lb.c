/* scamper_json_lb.c - sc_warts2json tracelb records into runs as warts.c reads tracelb warts: every link's probes at their TTLs, several next hops kept (ECMP). */
#include <math.h>
#include <string.h>

#include "peers/internal.h"

static int method_lb(const char *m, uint8_t *method)
{
    /* scamper's tracelb methods: udp-dport, udp-sport, icmp-echo, tcp-sport, tcp-ack-sport */
    if (!strncmp(m, "udp-", 4))
        *method = PM_METHOD_UDP;
    else if (!strncmp(m, "icmp-", 5))
        *method = PM_METHOD_ICMP;
    else if (!strncmp(m, "tcp-", 4))
        *method = PM_METHOD_TCP;
    else
        return PM_EINVAL;
    return PM_OK;
}

/* One probe of a link's hop: its replies come from `addr` (the hop's address) unless a reply names its own. */
static int lb_probe(struct pm_peers_ctx *c, struct pm_run *run, struct pm_target *t, json_t *pr, const char *path,
                    const char *addr)
{
    int64_t ttl, attempt = 0;
    uint64_t tx;
    int rc;
    if (!json_is_object(pr))
        return pm_peers_bad(c, PM_ECORRUPT, "%s: expected an object", path);
    if ((rc = pm_peers_jint(c, pr, path, "ttl", true, 1, 255, &ttl)) < 0 ||
        (rc = pm_peers_jint(c, pr, path, "attempt", false, 0, 255, &attempt)) < 0 ||
        (rc = pm_peers_jtime(c, pr, path, "tx", true, &tx)) < 0)
        return rc;
    if (ttl > PM_TTL_MAX) {
        c->deep_hops++;
        return PM_OK;
    }
    json_t *rxs = json_object_get(pr, "replies");
    if (rxs && (!json_is_array(rxs) || json_array_size(rxs) > PM_PEERS_MAX_PER_HOP))
        return pm_peers_bad(c, PM_ECORRUPT, "%s.replies: expected an array of at most %u replies", path,
                            PM_PEERS_MAX_PER_HOP);
    if (!json_array_size(rxs)) {
        pm_target_note_sent(t, (uint8_t)ttl);
        return PM_OK;
    }
    uint32_t kept = 0;
    size_t k;
    json_t *rx;
    json_array_foreach(rxs, k, rx) {
        char p[200], from[48];
        snprintf(p, sizeof p, "%s.replies[%zu]", path, k);
        if (!json_is_object(rx))
            return pm_peers_bad(c, PM_ECORRUPT, "%s: expected an object", p);
        int64_t rttl = 0, ipid = 0, type = 0, code = 0, qttl = 0, flags = -1;
        double rtt = 0;
        uint64_t rxt;
        if ((rc = pm_peers_jstr(c, rx, p, "from", false, from, sizeof from)) < 0 ||
            (rc = pm_peers_jint(c, rx, p, "ttl", false, 0, 255, &rttl)) < 0 ||
            (rc = pm_peers_jint(c, rx, p, "ipid", false, 0, 65535, &ipid)) < 0 ||
            (rc = pm_peers_jint(c, rx, p, "icmp_type", false, 0, 255, &type)) < 0 ||
            (rc = pm_peers_jint(c, rx, p, "icmp_code", false, 0, 255, &code)) < 0 ||
            (rc = pm_peers_jint(c, rx, p, "icmp_q_ttl", false, 0, 255, &qttl)) < 0 ||
            (rc = pm_peers_jint(c, rx, p, "tcp_flags", false, 0, 255, &flags)) < 0 ||
            (rc = pm_peers_jnum(c, rx, p, "rtt", false, 0, 3.6e6, &rtt)) < 0 ||
            (rc = pm_peers_jtime(c, rx, p, "rx", false, &rxt)) < 0)
            return rc;
        if (!from[0]) /* sc_warts2json names the replying address once, on the link's hop */
            snprintf(from, sizeof from, "%s", addr);
        struct pm_reply r;
        memset(&r, 0, sizeof r);
        bool v6;
        if (pm_peers_addr(from, &v6, &r.from) != PM_OK || v6)
            return pm_peers_bad(c, PM_ECORRUPT, "%s: '%.48s' is not an IPv4 address", p, from);
        if (pm_peers_seen_at(t, (uint8_t)ttl, r.from) >= PM_PEERS_LB_PER_ADDR)
            continue;
        r.ttl = (uint8_t)ttl;
        r.attempt = (uint8_t)attempt;
        r.sent_us = tx;
        r.recv_us = rxt ? rxt : tx + (uint64_t)llround(rtt * 1000.0);
        r.reply_ttl = (uint8_t)rttl;
        r.reply_ipid = (uint16_t)ipid;
        if (flags >= 0) {
            r.kind = (flags & 0x04) ? PM_REPLY_TCP_RST : PM_REPLY_TCP_SYNACK;
        } else {
            pm_peers_icmp_kind((uint8_t)type, (uint8_t)code, &r);
            r.quoted_ttl = (uint8_t)qttl;
        }
        if ((rc = pm_peers_lb_keep(c, run, t, &r, NULL, NULL, &kept)) != PM_OK)
            return rc < 0 ? rc : PM_OK;
    }
    return PM_OK;
}

int pm_peers_scamper_json_lb(struct pm_peers_ctx *c, json_t *rec)
{
    char method[24], src[48], dst[48];
    int64_t attempts = 0, firsthop = 1, dport = 0, wait = 0;
    uint64_t t0;
    int rc;
    if ((rc = pm_peers_jstr(c, rec, "", "method", true, method, sizeof method)) < 0 ||
        (rc = pm_peers_jstr(c, rec, "", "src", false, src, sizeof src)) < 0 ||
        (rc = pm_peers_jstr(c, rec, "", "dst", true, dst, sizeof dst)) < 0 ||
        (rc = pm_peers_jint(c, rec, "", "attempts", false, 0, 255, &attempts)) < 0 ||
        (rc = pm_peers_jint(c, rec, "", "firsthop", false, 0, 255, &firsthop)) < 0 ||
        (rc = pm_peers_jint(c, rec, "", "dport", false, 0, 65535, &dport)) < 0 ||
        (rc = pm_peers_jint(c, rec, "", "wait_timeout", false, 0, 255, &wait)) < 0 ||
        (rc = pm_peers_jtime(c, rec, "", "start", true, &t0)) < 0)
        return rc;
    struct pm_run proto;
    memset(&proto, 0, sizeof proto);
    if (method_lb(method, &proto.method) != PM_OK)
        return pm_peers_bad(c, PM_ECORRUPT, "method: '%.24s' is not a scamper tracelb method", method);
    pm_peers_scamper_input(c, rec, &proto, "scamper-json-tracelb", src, "quoted-ipid,unanswered-probes");
    const struct pm_run_input *in = &proto.input;
    json_t *nodes = json_object_get(rec, "nodes");
    if (nodes && (!json_is_array(nodes) || json_array_size(nodes) > PM_PEERS_MAX_HOPS * PM_PEERS_MAX_PER_HOP))
        return pm_peers_bad(c, PM_ELIMIT, "nodes: expected an array of at most %u nodes",
                            PM_PEERS_MAX_HOPS * PM_PEERS_MAX_PER_HOP);
    bool v6;
    uint32_t d4, s4 = 0;
    if (pm_peers_addr(dst, &v6, &d4) != PM_OK)
        return pm_peers_bad(c, PM_ECORRUPT, "dst: '%.48s' is not an address", dst);
    size_t i;
    json_t *n;
    if (v6) { /* listed, not analyzed */
        struct pm_peer_v6 v;
        memset(&v, 0, sizeof v);
        snprintf(v.vantage, sizeof v.vantage, "%s", in->vantage_id);
        snprintf(v.dst, sizeof v.dst, "%s", dst);
        v.started_us = t0;
        json_array_foreach(nodes, i, n) {
            char p[32], addr[48];
            snprintf(p, sizeof p, "nodes[%zu]", i);
            if (!json_is_object(n))
                return pm_peers_bad(c, PM_ECORRUPT, "%s: expected an object", p);
            if ((rc = pm_peers_jstr(c, n, p, "addr", true, addr, sizeof addr)) < 0)
                return rc;
            v.replies++;
            snprintf(v.last, sizeof v.last, "%s", addr);
            v.reached |= !strcmp(addr, dst);
        }
        return pm_peers_add_v6(c, &v);
    }
    if (src[0] && pm_peers_addr(src, &v6, &s4) == PM_OK && v6)
        s4 = 0;
    proto.source = s4;
    proto.classic = true; /* the flow varies on purpose, per probe */
    proto.dport = (uint16_t)dport;
    proto.first_ttl = (uint8_t)(firsthop ? firsthop : 1);
    proto.queries = (uint8_t)attempts;
    proto.wait_ms = (uint32_t)wait * 1000u;
    proto.started_us = proto.ended_us = t0;
    struct pm_run *run;
    struct pm_target *t;
    if ((rc = pm_peers_scamper_run(c, &proto, true, d4, &run, &t)) < 0)
        return rc;
    json_array_foreach(nodes, i, n) {
        char p[32], addr[48];
        int64_t qttl = 0;
        snprintf(p, sizeof p, "nodes[%zu]", i);
        if (!json_is_object(n))
            return pm_peers_bad(c, PM_ECORRUPT, "%s: expected an object", p);
        if ((rc = pm_peers_jstr(c, n, p, "addr", true, addr, sizeof addr)) < 0 ||
            (rc = pm_peers_jint(c, n, p, "q_ttl", false, 0, 255, &qttl)) < 0)
            return rc;
        /* the first node was found by probes tracelb does not keep: an answer without a time */
        uint32_t a0;
        if (!i && proto.first_ttl <= PM_TTL_MAX && pm_peers_addr(addr, &v6, &a0) == PM_OK && !v6) {
            struct pm_reply r = {.from = a0, .ttl = proto.first_ttl, .sent_us = t0, .recv_us = t0,
                                 .kind = PM_REPLY_TIME_EXCEEDED, .icmp_type = 11, .quoted_ttl = (uint8_t)qttl,
                                 .no_rtt = true};
            pm_target_note_sent(t, proto.first_ttl);
            if ((rc = pm_peers_add_reply(c, t, &r)) < 0)
                return rc;
        }
        json_t *links = json_object_get(n, "links");
        if (links && (!json_is_array(links) || json_array_size(links) > PM_PEERS_MAX_PER_HOP))
            return pm_peers_bad(c, PM_ECORRUPT, "%s.links: expected an array of at most %u links", p,
                                PM_PEERS_MAX_PER_HOP);
        size_t l, h, k;
        json_t *link, *hop, *pr;
        json_array_foreach(links, l, link) {
            char lp[64];
            snprintf(lp, sizeof lp, "%s.links[%zu]", p, l);
            if (!json_is_array(link) || json_array_size(link) > PM_PEERS_MAX_HOPS)
                return pm_peers_bad(c, PM_ECORRUPT, "%s: expected an array of at most %u hops", lp, PM_PEERS_MAX_HOPS);
            json_array_foreach(link, h, hop) {
                char hp[96], haddr[48];
                snprintf(hp, sizeof hp, "%s[%zu]", lp, h);
                if (!json_is_object(hop))
                    return pm_peers_bad(c, PM_ECORRUPT, "%s: expected an object", hp);
                if ((rc = pm_peers_jstr(c, hop, hp, "addr", true, haddr, sizeof haddr)) < 0)
                    return rc;
                json_t *probes = json_object_get(hop, "probes");
                if (probes && (!json_is_array(probes) || json_array_size(probes) > 4096))
                    return pm_peers_bad(c, PM_ECORRUPT, "%s.probes: expected an array of at most 4096 probes", hp);
                json_array_foreach(probes, k, pr) {
                    char pp[128];
                    snprintf(pp, sizeof pp, "%s.probes[%zu]", hp, k);
                    if ((rc = lb_probe(c, run, t, pr, pp, haddr)) < 0)
                        return rc;
                }
            }
        }
    }
    return PM_OK;
}
