/* foreign.c - the probes of any traceroute tool matched to replies by the quoted IP ID, addresses, protocol and transport bytes, without pathmortem's identity. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathmortem/foreign.h"
#include "pathmortem/wire.h"
#include "util/grow.h"
#include "util/map.h"

struct probe {
    uint64_t ts;
    uint32_t src, dst;
    uint32_t prev_id;     /* index + 1 of an earlier probe with the same identity hash (0 none) */
    uint32_t prev_flow;   /* index + 1 of an earlier probe of the same flow (0 none) */
    uint32_t reply;       /* index + 1 of its first reply (0 none) */
    uint32_t tcp_seq;
    uint16_t ipid;
    uint16_t a, b;        /* udp/tcp: sport, dport; icmp: id, seq */
    uint8_t proto, ttl;
    uint8_t l4[8];
    uint16_t ip_len;      /* IP total length as sent */
    bool zero_data;       /* the payload bytes kept are all zero (and there are some) */
};

struct reply {
    uint64_t ts;
    uint32_t from;
    uint16_t ipid;
    uint8_t kind, type, code, reply_ttl, quoted_ttl;
    bool has_ext;
    uint32_t ext;         /* 1 + index into exts (0: no extension objects) */
    struct pm_mpls_stack mpls;
};

struct pm_foreign {
    struct probe *probes;
    uint32_t n_probes, cap_probes;
    struct reply *replies;
    uint32_t n_replies, cap_replies;
    struct pm_ext_set *exts;    /* only replies that carried extension objects have one */
    uint32_t n_exts, cap_exts;
    /* identity hash, flow hash -> index + 1 of the latest probe with it; the
     * earlier ones are chained through prev_id, prev_flow */
    struct pm_map by_id, by_flow;
    struct pm_foreign_counts counts;
};

int pm_foreign_alloc(struct pm_foreign **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? PM_OK : PM_ENOMEM;
}

void pm_foreign_free(struct pm_foreign *f)
{
    if (!f)
        return;
    free(f->probes);
    free(f->replies);
    free(f->exts);
    pm_map_free(&f->by_id);
    pm_map_free(&f->by_flow);
    free(f);
}

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h *= 0xbf58476d1ce4e5b9ull;
    return h ^ (h >> 31);
}

/* The bytes of the transport header a router quotes that identify a probe.
 * A UDP checksum is left out: with checksum offload the sender's capture
 * holds a partial one, while the router quotes the one on the wire. */
static uint8_t id_len(uint8_t proto)
{
    return proto == PM_PROTO_UDP ? 6 : 8;
}

static uint64_t hash_identity(uint32_t src, uint32_t dst, uint8_t proto, uint16_t ipid, const uint8_t *l4)
{
    uint64_t h = mix(mix(mix(1, src), dst), (uint64_t)proto << 16 | ipid);
    for (uint8_t i = 0; i < id_len(proto); i++)
        h = mix(h, l4[i]);
    return h ? h : 1;
}

/* A flow as a reply from the destination names it: ICMP id and sequence, or the ports. */
static uint64_t hash_flow(uint32_t src, uint32_t dst, uint8_t proto, uint16_t a, uint16_t b)
{
    uint64_t h = mix(mix(mix(mix(2, src), dst), proto), (uint64_t)a << 16 | b);
    return h ? h : 1;
}

static void add_probe(struct pm_foreign *f, const struct pm_packet *p, uint64_t ts)
{
    f->counts.candidates++;
    if (f->n_probes >= PM_FOREIGN_MAX_PROBES || p->l4.raw_len < 8) {
        f->counts.over_cap += f->n_probes >= PM_FOREIGN_MAX_PROBES;
        return;
    }
    if (PM_GROW(f->probes, f->cap_probes, f->n_probes + 1, 1024, PM_FOREIGN_MAX_PROBES) != PM_OK) {
        f->counts.over_cap++;
        return;
    }
    struct probe *pr = &f->probes[f->n_probes];
    memset(pr, 0, sizeof *pr);
    pr->ts = ts;
    pr->src = p->ip.src;
    pr->dst = p->ip.dst;
    pr->ipid = p->ip.id;
    pr->proto = p->ip.proto;
    pr->ttl = p->ip.ttl;
    pr->ip_len = p->ip.total_len;
    pr->zero_data = p->payload_kept > 0;
    for (uint8_t i = 0; i < p->payload_kept && i < sizeof p->payload; i++)
        pr->zero_data &= p->payload[i] == 0;
    memcpy(pr->l4, p->l4.raw, sizeof pr->l4);
    if (pr->proto == PM_PROTO_ICMP) {
        pr->a = p->l4.icmp_id;
        pr->b = p->l4.icmp_seq;
    } else {
        pr->a = p->l4.sport;
        pr->b = p->l4.dport;
        pr->tcp_seq = p->l4.tcp_seq;
    }
    uint32_t *si = pm_map_put(&f->by_id, hash_identity(pr->src, pr->dst, pr->proto, pr->ipid, pr->l4), 0, NULL);
    uint32_t *sf = pm_map_put(&f->by_flow, hash_flow(pr->src, pr->dst, pr->proto, pr->a, pr->b), 0, NULL);
    if (!si || !sf) {
        f->counts.over_cap++; /* a new key left at 0 in the other map is an empty chain */
        return;
    }
    pr->prev_id = *si;
    *si = f->n_probes + 1;
    pr->prev_flow = *sf;
    *sf = f->n_probes + 1;
    f->n_probes++;
}

/* Walks the probes that share a hash, latest first, for the first one sent
 * before ts that matches; answered ones are duplicates. Bounded walk. */
#define WALK_MAX 64
/* A reply answers a probe sent at most this long before it (traceroute waits
 * seconds; anything later is another exchange that happens to look alike). */
#define FOREIGN_WINDOW_US (UINT64_C(60) * 1000000u)

static void add_reply(struct pm_foreign *f, uint32_t pi, const struct pm_packet *p, uint64_t ts, uint8_t kind,
                      uint8_t quoted_ttl)
{
    struct probe *pr = &f->probes[pi];
    if (pr->reply) {
        f->counts.duplicates++;
        return;
    }
    if (f->n_replies >= PM_FOREIGN_MAX_REPLIES ||
        PM_GROW(f->replies, f->cap_replies, f->n_replies + 1, 1024, PM_FOREIGN_MAX_REPLIES) != PM_OK) {
        f->counts.over_cap++;
        return;
    }
    struct reply *r = &f->replies[f->n_replies];
    memset(r, 0, sizeof *r);
    r->ts = ts;
    r->from = p->ip.src;
    r->ipid = p->ip.id;
    r->kind = kind;
    r->reply_ttl = p->ip.ttl;
    r->quoted_ttl = quoted_ttl;
    if (p->ip.proto == PM_PROTO_ICMP) {
        r->type = p->l4.icmp_type;
        r->code = p->l4.icmp_code;
    }
    r->has_ext = p->has_ext;
    if (p->ext.n && PM_GROW(f->exts, f->cap_exts, f->n_exts + 1, 64, PM_FOREIGN_MAX_REPLIES) == PM_OK) {
        f->exts[f->n_exts++] = p->ext;
        r->ext = f->n_exts;
    }
    for (uint8_t i = 0; i < p->n_mpls && r->mpls.n < PM_REPLY_MPLS_MAX; i++)
        r->mpls.e[r->mpls.n++] = p->mpls[i];
    pr->reply = ++f->n_replies;
    f->counts.replies_matched++;
}

static void on_quote(struct pm_foreign *f, const struct pm_packet *p, uint64_t ts)
{
    const struct pm_ipv4 *q = &p->quoted_ip;
    const struct pm_l4 *ql = &p->quoted_l4;
    if (ql->raw_len < id_len(q->proto)) {
        f->counts.unmatched_errors++;
        return;
    }
    const uint32_t *head = pm_map_get(&f->by_id, hash_identity(q->src, q->dst, q->proto, q->id, ql->raw));
    uint32_t first_dup = 0;
    for (uint32_t k = head ? *head : 0, walked = 0; k && walked < WALK_MAX; k = f->probes[k - 1].prev_id, walked++) {
        const struct probe *pr = &f->probes[k - 1];
        if (pr->src != q->src || pr->dst != q->dst || pr->proto != q->proto || pr->ipid != q->id ||
            memcmp(pr->l4, ql->raw, id_len(q->proto)) || pr->ts > ts)
            continue;
        if (ts - pr->ts > FOREIGN_WINDOW_US)
            break; /* older probes are older still */
        if (pr->reply) {
            first_dup = k;
            continue;
        }
        enum pm_icmp_meaning m = pm_wire_icmp_meaning(p->l4.icmp_type, p->l4.icmp_code);
        uint8_t kind = m == PM_ICMP_M_TIME_EXCEEDED                       ? PM_REPLY_TIME_EXCEEDED
                       : p->l4.icmp_type == PM_ICMP_UNREACH                ? PM_REPLY_UNREACH
                                                                           : PM_REPLY_OTHER_ICMP;
        add_reply(f, k - 1, p, ts, kind, q->ttl);
        return;
    }
    if (first_dup)
        f->counts.duplicates++;
    else
        f->counts.unmatched_errors++;
}

/* An echo reply or a TCP answer from the destination: matched by the flow it names. */
static void on_answer(struct pm_foreign *f, const struct pm_packet *p, uint64_t ts, uint16_t a, uint16_t b,
                      uint8_t kind)
{
    const uint32_t *head = pm_map_get(&f->by_flow, hash_flow(p->ip.dst, p->ip.src, p->ip.proto, a, b));
    for (uint32_t k = head ? *head : 0, walked = 0; k && walked < WALK_MAX; k = f->probes[k - 1].prev_flow, walked++) {
        const struct probe *pr = &f->probes[k - 1];
        if (pr->src != p->ip.dst || pr->dst != p->ip.src || pr->proto != p->ip.proto || pr->a != a || pr->b != b ||
            pr->ts > ts)
            continue;
        if (ts - pr->ts > FOREIGN_WINDOW_US)
            break;
        /* a TCP answer acknowledges the SYN it answers */
        if (pr->proto == PM_PROTO_TCP && p->l4.tcp_full && p->l4.tcp_ack != pr->tcp_seq + 1)
            continue;
        if (pr->reply)
            continue;
        add_reply(f, k - 1, p, ts, kind, 0);
        return;
    }
}

void pm_foreign_frame(struct pm_foreign *f, const uint8_t *frame, size_t caplen, int linktype, uint64_t ts_us)
{
    struct pm_packet p;
    enum pm_wire_drop why = PM_DROP_NONE;
    f->counts.frames++;
    if (pm_wire_decode(frame, caplen, linktype, &p, &why) != PM_OK) {
        if (why == PM_DROP_LINK)
            f->counts.not_ipv4++;
        else
            f->counts.malformed++;
        return;
    }
    f->counts.ipv4++;
    if (p.has_quote) {
        on_quote(f, &p, ts_us);
    } else if (p.ip.proto == PM_PROTO_ICMP && p.l4.icmp_type == PM_ICMP_ECHOREPLY) {
        on_answer(f, &p, ts_us, p.l4.icmp_id, p.l4.icmp_seq, PM_REPLY_ECHO_REPLY);
    } else if (p.ip.proto == PM_PROTO_ICMP && p.l4.icmp_type == PM_ICMP_ECHO) {
        add_probe(f, &p, ts_us);
    } else if (p.ip.proto == PM_PROTO_TCP && (p.l4.tcp_flags & (PM_TCP_SYN | PM_TCP_ACK)) == PM_TCP_SYN) {
        add_probe(f, &p, ts_us);
    } else if (p.ip.proto == PM_PROTO_TCP && p.l4.tcp_flags & (PM_TCP_RST | PM_TCP_SYN)) {
        on_answer(f, &p, ts_us, p.l4.dport, p.l4.sport,
                  p.l4.tcp_flags & PM_TCP_RST ? PM_REPLY_TCP_RST : PM_REPLY_TCP_SYNACK);
    } else if (p.ip.proto == PM_PROTO_UDP) {
        add_probe(f, &p, ts_us);
    }
}

void pm_foreign_counts(const struct pm_foreign *f, struct pm_foreign_counts *out)
{
    *out = f->counts;
}

/* ---- building runs ---- */

/* One (source, protocol, destination): is it a trace? */
struct flow {
    uint32_t src, dst;
    uint8_t proto;
    uint8_t min_ttl, max_ttl;
    bool time_exceeded;
    uint32_t first;   /* probe index of its first probe */
    uint32_t n;
};

static int by_flow_key(const void *a, const void *b)
{
    const struct probe *x = *(const struct probe *const *)a, *y = *(const struct probe *const *)b;
    if (x->src != y->src)
        return x->src < y->src ? -1 : 1;
    if (x->proto != y->proto)
        return x->proto < y->proto ? -1 : 1;
    if (x->dst != y->dst)
        return x->dst < y->dst ? -1 : 1;
    return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static void guess_tool(const struct probe *const *ps, uint32_t n, struct pm_run *run)
{
    struct pm_run_input *in = &run->input;
    bool port_varies = false, seq_mtr = true, tracert = true;
    for (uint32_t i = 1; i < n; i++)
        port_varies |= ps[i]->b != ps[0]->b;
    for (uint32_t i = 0; i < n; i++) {
        seq_mtr &= ps[i]->b >= 33000;
        /* Windows tracert: echo requests of 64 zero data bytes (IP total
         * length 92), where Linux traceroute -I sends 60 bytes of a pattern
         * and mtr 64 in all */
        tracert &= ps[i]->ip_len == 92 && ps[i]->zero_data;
    }
    run->dport = run->method == PM_METHOD_ICMP ? 0 : ps[0]->b;
    run->flow = ps[0]->a;
    if (run->method == PM_METHOD_UDP) {
        run->classic = port_varies;
        snprintf(in->tool, sizeof in->tool, port_varies ? "traceroute (UDP, classic)" : "UDP traceroute (one port)");
    } else if (run->method == PM_METHOD_ICMP) {
        run->classic = true;
        snprintf(in->tool, sizeof in->tool, tracert ? "tracert (Windows)" : seq_mtr ? "mtr (ICMP)" : "ICMP traceroute");
    } else {
        snprintf(in->tool, sizeof in->tool, "TCP traceroute");
    }
}

int pm_foreign_runs(struct pm_foreign *f, struct pm_run ***out, uint32_t *n_out, char *errbuf)
{
    *out = NULL;
    *n_out = 0;
    if (!f->n_probes)
        return PM_OK;
    const struct probe **ps = malloc(f->n_probes * sizeof *ps);
    if (!ps)
        return pm_err(errbuf, PM_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < f->n_probes; i++)
        ps[i] = &f->probes[i];
    qsort(ps, f->n_probes, sizeof *ps, by_flow_key);
    struct pm_run **runs = NULL;
    uint32_t n_runs = 0, cap_runs = 0;
    int rc = PM_OK;
    struct pm_run *run = NULL;
    uint32_t run_src = 0;
    uint8_t run_proto = 0;
    for (uint32_t i = 0; i < f->n_probes && !rc;) {
        /* one flow: same src, proto, dst */
        uint32_t j = i;
        uint8_t lo = 255, hi = 0;
        bool te = false;
        while (j < f->n_probes && ps[j]->src == ps[i]->src && ps[j]->proto == ps[i]->proto && ps[j]->dst == ps[i]->dst) {
            if (ps[j]->ttl && ps[j]->ttl <= PM_TTL_MAX) {
                lo = ps[j]->ttl < lo ? ps[j]->ttl : lo;
                hi = ps[j]->ttl > hi ? ps[j]->ttl : hi;
            }
            te |= ps[j]->reply && f->replies[ps[j]->reply - 1].kind == PM_REPLY_TIME_EXCEEDED;
            j++;
        }
        bool trace = hi && (hi > lo || te);
        if (!trace) {
            i = j;
            continue;
        }
        if (!run || run_src != ps[i]->src || run_proto != ps[i]->proto) {
            if (PM_GROW(runs, cap_runs, n_runs + 1, 4, 65536) != PM_OK || !(run = pm_run_alloc())) {
                rc = pm_err(errbuf, PM_ENOMEM, "out of memory");
                break;
            }
            runs[n_runs++] = run;
            run_src = ps[i]->src;
            run_proto = ps[i]->proto;
            run->source = run_src;
            run->method = run_proto == PM_PROTO_ICMP ? PM_METHOD_ICMP
                          : run_proto == PM_PROTO_TCP ? PM_METHOD_TCP
                                                      : PM_METHOD_UDP;
            run->first_ttl = 0; /* learnt from the data */
            run->max_ttl = 0;
            run->queries = 0;
            run->wait_ms = 0;
            run->started_us = ps[i]->ts;
            char a[16];
            pm_addr_str(run_src, a);
            snprintf(run->vantage, sizeof run->vantage, "host %s", a);
            snprintf(run->input.format, sizeof run->input.format, "pcap");
            snprintf(run->input.vantage_id, sizeof run->input.vantage_id, "host %s", a);
            snprintf(run->input.vantage_addr, sizeof run->input.vantage_addr, "%s", a);
            snprintf(run->input.inferred, sizeof run->input.inferred, "method,tool");
            snprintf(run->input.missing, sizeof run->input.missing, "seal,wait");
            guess_tool(ps + i, j - i, run);
            f->counts.sources++;
        }
        struct pm_target *t = pm_run_target(run, ps[i]->dst, true);
        if (!t) {
            run->stats.over_limit++;
            i = j;
            continue;
        }
        run->input.results++;
        uint8_t attempts[PM_TTL_MAX + 1] = {0};
        for (uint32_t k = i; k < j; k++) {
            const struct probe *pr = ps[k];
            if (!pr->ttl || pr->ttl > PM_TTL_MAX)
                continue;
            pm_target_note_sent(t, pr->ttl);
            run->stats.probes_sent++;
            run->stats.probes_captured++;
            uint8_t attempt = attempts[pr->ttl] < 255 ? attempts[pr->ttl]++ : 255;
            if (pr->ts < run->started_us)
                run->started_us = pr->ts;
            if (!pr->reply)
                continue;
            const struct reply *rp = &f->replies[pr->reply - 1];
            struct pm_reply r = {
                .from = rp->from, .sent_us = pr->ts, .recv_us = rp->ts, .ttl = pr->ttl, .attempt = attempt,
                .kind = rp->kind, .icmp_type = rp->type, .icmp_code = rp->code, .reply_ttl = rp->reply_ttl,
                .quoted_ttl = rp->quoted_ttl, .reply_ipid = rp->ipid,
                .quoted_ipid_ok = rp->kind != PM_REPLY_ECHO_REPLY && rp->kind != PM_REPLY_TCP_SYNACK &&
                                  rp->kind != PM_REPLY_TCP_RST,
                .has_ext = rp->has_ext,
            };
            if (pm_target_add_reply_ext(t, &r, rp->ext ? &f->exts[rp->ext - 1] : NULL, &rp->mpls) != PM_OK) {
                run->stats.over_limit++;
                continue;
            }
            run->stats.replies_matched++;
            if (rp->ts > run->ended_us)
                run->ended_us = rp->ts;
        }
        i = j;
    }
    free(ps);
    if (rc) {
        for (uint32_t k = 0; k < n_runs; k++)
            pm_run_free(runs[k]);
        free(runs);
        return rc;
    }
    for (uint32_t k = 0; k < n_runs; k++) {
        runs[k]->stats.rejected_unknown = f->counts.unmatched_errors;
        runs[k]->stats.rejected_duplicate = f->counts.duplicates;
        runs[k]->stats.dropped_malformed = f->counts.malformed;
    }
    *out = runs;
    *n_out = n_runs;
    return PM_OK;
}
