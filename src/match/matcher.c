/* matcher.c - turns captured frames into probe send times and accepted replies; rejects anything that does not quote a probe of this run. */
#include <stdlib.h>
#include <string.h>

#include "match/outstanding.h"
#include "pathmortem/match.h"
#include "util/grow.h"
#include "util/prefetch.h"

/* Per target and TTL: which attempts were sent and which were answered. */
struct attempt_bits {
    uint8_t sent, answered;
};

struct pm_matcher {
    struct pm_probe_spec spec;
    bool have_spec;
    bool learning;           /* spec comes from the capture (analyze) */
    bool want_run;           /* pm_matcher_select_run() was called */
    uint16_t want_ident;
    uint32_t n_runs;         /* distinct runs seen, runs[0] the learned one */
    uint16_t runs[PM_MATCH_MAX_RUNS];
    struct pm_run *run;
    struct pm_outstanding out;
    struct attempt_bits (*bits)[PM_TTL_MAX];
    uint32_t bits_cap;       /* targets covered by bits */
    struct pm_packet *batch; /* PM_MATCH_BATCH decoded packets (pm_matcher_frames); made on first use */
};

int pm_matcher_alloc(const struct pm_probe_spec *spec, struct pm_run *run, struct pm_matcher **out)
{
    struct pm_matcher *m = calloc(1, sizeof *m);
    if (!m)
        return PM_ENOMEM;
    if (pm_outstanding_init(&m->out, PM_MATCH_MAX_OUTSTANDING) != PM_OK) {
        free(m);
        return PM_ENOMEM;
    }
    if (spec) {
        m->spec = *spec;
        m->have_spec = true;
        run->sealed = spec->sealed;
    } else {
        m->learning = true;
    }
    m->run = run;
    *out = m;
    return PM_OK;
}

void pm_matcher_free(struct pm_matcher *m)
{
    if (!m)
        return;
    pm_outstanding_fini(&m->out);
    free(m->bits);
    free(m->batch);
    free(m);
}

void pm_matcher_select_run(struct pm_matcher *m, uint16_t ident)
{
    m->want_run = true;
    m->want_ident = ident;
}

uint32_t pm_matcher_runs(const struct pm_matcher *m, uint16_t *idents, uint32_t max)
{
    for (uint32_t i = 0; i < m->n_runs && i < max; i++)
        idents[i] = m->runs[i];
    return m->n_runs;
}

/* Remembers a run seen in the capture (bounded list). */
static void note_run(struct pm_matcher *m, uint16_t ident)
{
    for (uint32_t i = 0; i < m->n_runs; i++)
        if (m->runs[i] == ident)
            return;
    if (m->n_runs < PM_MATCH_MAX_RUNS)
        m->runs[m->n_runs++] = ident;
}

/* Adopts a spec learned from the capture. */
static void learn(struct pm_matcher *m, const struct pm_probe_spec *spec)
{
    m->spec = *spec;
    m->have_spec = true;
    m->run->method = spec->method;
    m->run->source = spec->src;
    m->run->ident = spec->ident;
    m->run->dport = spec->dport;
    m->run->flow = spec->flow;
    m->run->classic = spec->classic;
    m->run->sealed = spec->sealed;
}

const struct pm_probe_spec *pm_matcher_spec(const struct pm_matcher *m)
{
    return m->have_spec ? &m->spec : NULL;
}

uint32_t pm_matcher_outstanding(const struct pm_matcher *m)
{
    return m->out.count;
}

void pm_matcher_expire(struct pm_matcher *m, uint64_t now_us)
{
    if (now_us > PM_MATCH_LATE_US)
        pm_outstanding_expire(&m->out, now_us - PM_MATCH_LATE_US);
}

static struct attempt_bits *bits_for(struct pm_matcher *m, uint32_t tidx, uint8_t ttl)
{
    uint32_t had = m->bits_cap;
    if (PM_GROW(m->bits, m->bits_cap, (size_t)tidx + 1, 256, PM_TRACE_MAX_TARGETS) != PM_OK)
        return NULL;
    if (m->bits_cap > had) /* new targets have sent nothing yet */
        memset(m->bits + had, 0, (size_t)(m->bits_cap - had) * sizeof *m->bits);
    return &m->bits[tidx][ttl - 1];
}

static uint32_t target_index(const struct pm_matcher *m, const struct pm_target *t)
{
    return (uint32_t)(t - m->run->targets);
}

static uint8_t method_proto(uint8_t method)
{
    return method == PM_METHOD_ICMP ? PM_PROTO_ICMP : method == PM_METHOD_UDP ? PM_PROTO_UDP : PM_PROTO_TCP;
}

static uint16_t word_at(const uint8_t raw[8])
{
    return (uint16_t)(raw[6] << 8 | raw[7]);
}

/* Does this outgoing packet look like one of our probes? Learns the spec
 * from the first one when none was given and no start record came first
 * (an unsealed capture). *other is set for a probe of another run. */
static bool is_probe(struct pm_matcher *m, const struct pm_packet *p, uint8_t *ttl, uint8_t *attempt, bool *other)
{
    const struct pm_l4 *l4 = &p->l4;
    *other = false;
    if (l4->raw_len < 8)
        return false;
    uint8_t method;
    if (l4->proto == PM_PROTO_ICMP && l4->icmp_type == PM_ICMP_ECHO && l4->icmp_code == 0)
        method = PM_METHOD_ICMP;
    else if (l4->proto == PM_PROTO_UDP)
        method = PM_METHOD_UDP;
    else if (l4->proto == PM_PROTO_TCP && l4->tcp_full && (l4->tcp_flags & (PM_TCP_SYN | PM_TCP_ACK)) == PM_TCP_SYN)
        method = PM_METHOD_TCP;
    else
        return false;
    pm_probe_word_split(word_at(l4->raw), ttl, attempt);
    if (*ttl != p->ip.ttl)
        return false;
    struct pm_probe_spec cand;
    if (m->have_spec && p->ip.src == m->spec.src && method == m->spec.method && p->ip.id == m->spec.ident) {
        cand = m->spec;
    } else if (m->have_spec && !m->learning) {
        return false;
    } else {
        /* unsealed form: what captures from before the seal carry */
        cand = (struct pm_probe_spec){.method = method, .src = p->ip.src, .ident = p->ip.id,
                                      .dport = method == PM_METHOD_ICMP ? 0 : l4->dport};
    }
    if (method == PM_METHOD_ICMP && l4->icmp_id != cand.ident)
        return false;
    if (method == PM_METHOD_TCP && (l4->tcp_seq >> 16) != cand.ident)
        return false;
    if (word_at(l4->raw) != pm_probe_word(&cand, p->ip.dst, *ttl, *attempt))
        return false;
    if (!m->have_spec) {
        if (m->want_run && cand.ident != m->want_ident) {
            note_run(m, cand.ident);
            *other = true;
            return false;
        }
        note_run(m, cand.ident);
        learn(m, &cand);
    } else if (cand.ident != m->spec.ident || cand.src != m->spec.src || cand.method != m->spec.method) {
        /* a probe of another run in the same capture (mergecap, --compare-methods) */
        note_run(m, cand.ident);
        *other = true;
        return false;
    }
    return true;
}

static enum pm_match_kind on_probe(struct pm_matcher *m, const struct pm_packet *p, uint8_t ttl, uint8_t attempt,
                                   uint64_t ts_us, struct pm_match_event *ev)
{
    struct pm_target *t = pm_run_target(m->run, p->ip.dst, true);
    if (!t)
        return m->run->n_targets >= PM_TRACE_MAX_TARGETS ? PM_MATCH_OVER_LIMIT : PM_MATCH_IGNORED;
    uint32_t tidx = target_index(m, t);
    struct attempt_bits *b = bits_for(m, tidx, ttl);
    if (!b)
        return PM_MATCH_IGNORED;
    if (!(b->sent & (1u << attempt))) {
        b->sent |= (uint8_t)(1u << attempt);
        pm_target_note_sent(t, ttl);
        m->run->stats.probes_captured++;
    }
    pm_outstanding_add(&m->out, pm_outstanding_key(tidx, ttl, attempt), ts_us, p->l4.raw);
    ev->target = t;
    ev->ttl = ttl;
    ev->attempt = attempt;
    return PM_MATCH_PROBE;
}

/* Common acceptance path once a reply names (target, ttl, attempt). */
static enum pm_match_kind accept(struct pm_matcher *m, struct pm_target *t, uint8_t ttl, uint8_t attempt,
                                 const uint8_t *expect_l4, size_t cmp_from, size_t cmp_len,
                                 struct pm_reply *r, const struct pm_ext_set *ext, const struct pm_mpls_stack *mpls,
                                 struct pm_match_event *ev)
{
    uint32_t tidx = target_index(m, t);
    struct attempt_bits *b = bits_for(m, tidx, ttl);
    if (!b || !(b->sent & (1u << attempt)))
        return PM_MATCH_UNKNOWN;
    if (b->answered & (1u << attempt))
        return PM_MATCH_DUPLICATE;
    uint32_t key = pm_outstanding_key(tidx, ttl, attempt);
    struct pm_outstanding_entry *e = pm_outstanding_find(&m->out, key);
    if (!e)
        return PM_MATCH_LATE;
    /* Expiry walks the ring in send order and so trusts timestamps to grow;
     * a capture file's need not (nor a live clock that steps): judge this
     * reply by its own timestamps too, so no reply is accepted outside the
     * window or before its probe. */
    if (r->recv_us < e->sent_us || r->recv_us - e->sent_us > PM_MATCH_LATE_US)
        return PM_MATCH_LATE;
    if (memcmp(e->l4 + cmp_from, expect_l4 + cmp_from, cmp_len) != 0)
        return PM_MATCH_MISMATCH;
    r->ttl = ttl;
    r->attempt = attempt;
    r->sent_us = e->sent_us;
    if (pm_target_add_reply_ext(t, r, ext, mpls) != PM_OK)
        return PM_MATCH_IGNORED;
    b->answered |= (uint8_t)(1u << attempt);
    pm_outstanding_remove(&m->out, key);
    ev->target = t;
    ev->ttl = ttl;
    ev->attempt = attempt;
    /* the stored copy, side-table indexes included, rebuilt from r rather than
     * read back from the line just written (that load stalled on the store: 4 %) */
    ev->reply = *r;
    ev->reply.ext = ext && ext->n ? (uint16_t)t->n_ext : 0;
    ev->reply.mpls = mpls && mpls->n ? (uint16_t)t->n_mpls : 0;
    return PM_MATCH_REPLY;
}

static void fill_reply_base(const struct pm_packet *p, uint64_t ts_us, struct pm_reply *r)
{
    memset(r, 0, sizeof *r);
    r->from = p->ip.src;
    r->recv_us = ts_us;
    r->reply_ttl = p->ip.ttl;
    r->reply_ipid = p->ip.id;
    r->icmp_type = p->l4.proto == PM_PROTO_ICMP ? p->l4.icmp_type : 0;
    r->icmp_code = p->l4.proto == PM_PROTO_ICMP ? p->l4.icmp_code : 0;
}

/* ICMP errors that answer a probe, by wire's one ICMP table: time exceeded
 * in transit (code 0: a router on the way; code 1 is a reassembly timeout)
 * and destination unreachable with an assigned code. Source quench,
 * parameter problem and unassigned codes quote a packet but say nothing
 * about where it went. */
static bool answers_probe(uint8_t type, uint8_t code)
{
    switch (pm_wire_icmp_meaning(type, code)) {
    case PM_ICMP_M_TIME_EXCEEDED: return code == 0;
    case PM_ICMP_M_OTHER:
    case PM_ICMP_M_ECHO_REPLY:
    case PM_ICMP_M_SOURCE_QUENCH:
    case PM_ICMP_M_PARAM_PROBLEM:
    case PM_ICMP_M_UNREACH_UNKNOWN: return false;
    default: return true;
    }
}

/* The quoted identity of a probe of this run, per method. For UDP the IP ID
 * is the only identity field, so a sealed run needs it; ICMP and TCP carry
 * the identity again in the transport bytes, so a rewritten IP ID there is
 * counted (ipid_rewritten) and tolerated (docs/safety.md gives the bits). */
static bool quoted_ident_ok(const struct pm_matcher *m, const struct pm_packet *p)
{
    const struct pm_l4 *ql = &p->quoted_l4;
    switch (m->spec.method) {
    case PM_METHOD_ICMP: return ql->icmp_type == PM_ICMP_ECHO && ql->icmp_id == m->spec.ident;
    case PM_METHOD_UDP: return !m->spec.sealed || p->quoted_ip.id == m->spec.ident;
    default: return (ql->tcp_seq >> 16) == m->spec.ident;
    }
}

static enum pm_match_kind on_icmp_error(struct pm_matcher *m, const struct pm_packet *p, uint64_t ts_us,
                                        struct pm_match_event *ev)
{
    const struct pm_ipv4 *q = &p->quoted_ip;
    if (q->src != m->spec.src)
        return PM_MATCH_IGNORED;
    if (q->proto != method_proto(m->spec.method) || p->quoted_l4.raw_len < 8)
        return PM_MATCH_MISMATCH;
    if (!answers_probe(p->l4.icmp_type, p->l4.icmp_code))
        return PM_MATCH_NOT_ANSWER;
    if (!quoted_ident_ok(m, p))
        return PM_MATCH_FOREIGN;
    uint8_t ttl, attempt;
    pm_probe_word_split(word_at(p->quoted_l4.raw), &ttl, &attempt);
    /* the seal first: it needs only the quote, so a live run (targets
     * known in advance) and its pcap (targets learned from probes) count
     * a forgery alike */
    if (m->spec.sealed) {
        struct pm_probe want;
        pm_probe_encode(&m->spec, q->dst, ttl, attempt, &want);
        if (memcmp(want.l4, p->quoted_l4.raw, 8) != 0)
            return PM_MATCH_FORGED;
    }
    struct pm_target *t = pm_run_target(m->run, q->dst, false);
    if (!t)
        return PM_MATCH_UNKNOWN;
    struct pm_reply r;
    fill_reply_base(p, ts_us, &r);
    r.kind = p->l4.icmp_type == PM_ICMP_TIMXCEED ? PM_REPLY_TIME_EXCEEDED : PM_REPLY_UNREACH;
    r.quoted_ttl = q->ttl;
    r.quoted_ipid_ok = q->id == m->spec.ident;
    r.has_ext = p->has_ext;
    struct pm_mpls_stack mpls = {.n = p->n_mpls < PM_REPLY_MPLS_MAX ? p->n_mpls : PM_REPLY_MPLS_MAX};
    memcpy(mpls.e, p->mpls, mpls.n * sizeof mpls.e[0]);
    enum pm_match_kind k = accept(m, t, ttl, attempt, p->quoted_l4.raw, 0, 8, &r, &p->ext, &mpls, ev);
    if (k == PM_MATCH_REPLY && !r.quoted_ipid_ok)
        m->run->stats.ipid_rewritten++;
    return k;
}

/* An answer from the target itself (echo reply, SYN-ACK or RST), once its
 * identity checked out: the target it names, then the common acceptance. */
static enum pm_match_kind accept_from_target(struct pm_matcher *m, const struct pm_packet *p, uint64_t ts_us,
                                             uint8_t kind, uint8_t ttl, uint8_t attempt, const uint8_t *expect_l4,
                                             size_t cmp_from, size_t cmp_len, struct pm_match_event *ev)
{
    struct pm_target *t = pm_run_target(m->run, p->ip.src, false);
    if (!t)
        return PM_MATCH_UNKNOWN;
    struct pm_reply r;
    fill_reply_base(p, ts_us, &r);
    r.kind = kind;
    return accept(m, t, ttl, attempt, expect_l4, cmp_from, cmp_len, &r, NULL, NULL, ev);
}

static enum pm_match_kind on_echo_reply(struct pm_matcher *m, const struct pm_packet *p, uint64_t ts_us,
                                        struct pm_match_event *ev)
{
    if (m->spec.method != PM_METHOD_ICMP)
        return PM_MATCH_IGNORED;
    if (p->l4.icmp_id != m->spec.ident)
        return PM_MATCH_FOREIGN;
    uint8_t ttl, attempt;
    pm_probe_word_split(p->l4.icmp_seq, &ttl, &attempt);
    if (m->spec.sealed) {
        /* the reply echoes id, seq and the whole payload with its tag */
        struct pm_probe want;
        pm_probe_encode(&m->spec, p->ip.src, ttl, attempt, &want);
        if (memcmp(want.l4 + 4, p->l4.raw + 4, 4) != 0 || p->payload_len != PM_PROBE_PAYLOAD_LEN ||
            p->payload_kept < PM_PROBE_PAYLOAD_LEN || memcmp(want.payload, p->payload, PM_PROBE_PAYLOAD_LEN) != 0)
            return PM_MATCH_FORGED;
    }
    /* id and seq (bytes 4-7) are echoed back unchanged */
    return accept_from_target(m, p, ts_us, PM_REPLY_ECHO_REPLY, ttl, attempt, p->l4.raw, 4, 4, ev);
}

static enum pm_match_kind on_tcp(struct pm_matcher *m, const struct pm_packet *p, uint64_t ts_us,
                                 struct pm_match_event *ev)
{
    const struct pm_l4 *l4 = &p->l4;
    if (m->spec.method != PM_METHOD_TCP || !l4->tcp_full || !(l4->tcp_flags & PM_TCP_ACK))
        return PM_MATCH_IGNORED;
    if (!(l4->tcp_flags & (PM_TCP_SYN | PM_TCP_RST)))
        return PM_MATCH_IGNORED;
    uint32_t seq = l4->tcp_ack - 1;
    if ((seq >> 16) != m->spec.ident)
        return PM_MATCH_FOREIGN;
    uint8_t ttl, attempt;
    pm_probe_word_split((uint16_t)seq, &ttl, &attempt);
    /* rebuild the probe's first 8 bytes from the answer: ports swapped, seq = ack - 1 */
    uint8_t expect[8] = {(uint8_t)(l4->dport >> 8), (uint8_t)l4->dport, (uint8_t)(l4->sport >> 8), (uint8_t)l4->sport,
                         (uint8_t)(seq >> 24), (uint8_t)(seq >> 16), (uint8_t)(seq >> 8), (uint8_t)seq};
    if (m->spec.sealed) {
        struct pm_probe want;
        pm_probe_encode(&m->spec, p->ip.src, ttl, attempt, &want);
        if (memcmp(want.l4, expect, 8) != 0)
            return PM_MATCH_FORGED;
    }
    return accept_from_target(m, p, ts_us, (l4->tcp_flags & PM_TCP_RST) ? PM_REPLY_TCP_RST : PM_REPLY_TCP_SYNACK,
                              ttl, attempt, expect, 0, 8, ev);
}

/* What the receiving kernel would have dropped before any socket saw it. */
static enum pm_match_kind kernel_drop(const struct pm_packet *p)
{
    if (p->ip.frag & 0x3fff) /* MF set or an offset: a fragment nobody reassembled */
        return PM_MATCH_FRAGMENT;
    if (p->ip.ttl == 0)
        return PM_MATCH_TTL_ZERO;
    if (!p->ip_csum_ok || p->l4_csum == PM_CSUM_BAD)
        return PM_MATCH_BAD_CHECKSUM;
    return PM_MATCH_IGNORED;
}

static void count(struct pm_matcher *m, enum pm_match_kind k)
{
    struct pm_run_stats *s = &m->run->stats;
    switch (k) {
    case PM_MATCH_REPLY: s->replies_matched++; break;
    case PM_MATCH_UNKNOWN: s->rejected_unknown++; break;
    case PM_MATCH_DUPLICATE: s->rejected_duplicate++; break;
    case PM_MATCH_LATE: s->rejected_late++; break;
    case PM_MATCH_MISMATCH: s->rejected_mismatch++; break;
    case PM_MATCH_MALFORMED: s->dropped_malformed++; break;
    case PM_MATCH_FOREIGN: s->rejected_foreign++; break;
    case PM_MATCH_FORGED: s->rejected_forged++; break;
    case PM_MATCH_BAD_CHECKSUM: s->rejected_checksum++; break;
    case PM_MATCH_TTL_ZERO: s->rejected_ttl0++; break;
    case PM_MATCH_FRAGMENT: s->rejected_fragment++; break;
    case PM_MATCH_NOT_ANSWER: s->rejected_not_answer++; break;
    case PM_MATCH_OVER_LIMIT: s->over_limit++; break;
    default: break;
    }
}

static enum pm_match_kind on_answer(struct pm_matcher *m, const struct pm_packet *p, uint64_t ts_us,
                                    struct pm_match_event *ev)
{
    bool icmp = p->l4.proto == PM_PROTO_ICMP;
    if (!icmp && p->l4.proto != PM_PROTO_TCP)
        return PM_MATCH_IGNORED;
    enum pm_match_kind k = kernel_drop(p);
    if (k != PM_MATCH_IGNORED)
        return k;
    if (p->has_quote)
        return on_icmp_error(m, p, ts_us, ev);
    if (icmp && p->l4.icmp_type == PM_ICMP_ECHOREPLY && p->l4.raw_len >= 8)
        return on_echo_reply(m, p, ts_us, ev);
    if (!icmp)
        return on_tcp(m, p, ts_us, ev);
    return PM_MATCH_IGNORED;
}

enum pm_match_kind pm_matcher_packet(struct pm_matcher *m, const struct pm_packet *p, uint64_t ts_us,
                                     struct pm_match_event *ev)
{
    memset(ev, 0, sizeof *ev);
    pm_matcher_expire(m, ts_us);
    enum pm_match_kind k = PM_MATCH_IGNORED;
    uint8_t ttl, attempt;
    bool other = false;
    if ((!m->have_spec || p->ip.src == m->spec.src) && is_probe(m, p, &ttl, &attempt, &other))
        k = on_probe(m, p, ttl, attempt, ts_us, ev);
    else if (other)
        k = PM_MATCH_OTHER_RUN;
    else if (!m->have_spec || p->ip.dst != m->spec.src)
        k = PM_MATCH_IGNORED;
    else
        k = on_answer(m, p, ts_us, ev);
    count(m, k);
    ev->kind = k;
    return k;
}

/* A run record (learning matchers): the start record seals the run, the
 * end record says how it ended. */
static enum pm_match_kind on_record(struct pm_matcher *m, const uint8_t *payload, size_t len)
{
    struct pm_runmeta r;
    if (pm_runmeta_parse(payload, len, &r) != PM_OK)
        return PM_MATCH_MALFORMED;
    if (!m->learning)
        return PM_MATCH_RECORD;
    bool mine = m->have_spec && r.spec.ident == m->spec.ident;
    if (r.event == PM_RUNMETA_START) {
        if (m->have_spec && !mine) {
            note_run(m, r.spec.ident);
            return PM_MATCH_OTHER_RUN;
        }
        if (m->want_run && r.spec.ident != m->want_ident) {
            note_run(m, r.spec.ident);
            return PM_MATCH_OTHER_RUN;
        }
        if (m->have_spec) /* the same run's start record again: keep the first */
            return PM_MATCH_RECORD;
        note_run(m, r.spec.ident);
        learn(m, &r.spec);
        m->run->started_us = r.time_us;
        /* a record that leaves a TTL out keeps what the model had (a first
         * TTL then comes from the data, pm_trace_finish_recorded): a 0 would
         * make a document the JSON reader refuses */
        if (r.first_ttl)
            m->run->first_ttl = r.first_ttl;
        if (r.max_ttl)
            m->run->max_ttl = r.max_ttl;
        m->run->queries = r.queries;
        m->run->wait_ms = r.wait_ms;
        return PM_MATCH_RECORD;
    }
    if (!mine)
        return PM_MATCH_OTHER_RUN;
    if (r.event == PM_RUNMETA_UNSENT) {
        /* targets the cut came before: the run's, with no probe (past the
         * target cap they are dropped like any other new target) */
        for (unsigned u = 0; u < r.n_unsent; u++)
            for (unsigned o = 0; o < 256; o++)
                if (r.unsent[u].bits[o / 8] & (0x80u >> (o % 8)))
                    (void)pm_run_target(m->run, r.unsent[u].prefix | o, true);
        return PM_MATCH_RECORD;
    }
    m->run->end = r.end;
    m->run->end_recorded = true;
    if (r.time_us)
        m->run->ended_us = r.time_us;
    if (r.probes_sent > m->run->stats.probes_sent)
        m->run->stats.probes_sent = r.probes_sent;
    return PM_MATCH_RECORD;
}

/* pm_matcher_frame once the frame is decoded (rc, why: pm_wire_decode's). */
static enum pm_match_kind frame_decoded(struct pm_matcher *m, const uint8_t *frame, size_t caplen, int linktype,
                                        uint64_t ts_us, const struct pm_packet *pp, int rc, enum pm_wire_drop why,
                                        struct pm_match_event *ev)
{
    if (rc != PM_OK) {
        memset(ev, 0, sizeof *ev);
        /* frames that are simply not IPv4 are other traffic, not malformed;
         * fragments past the first are refused like the first one */
        enum pm_match_kind k = why == PM_DROP_LINK ? PM_MATCH_IGNORED
                               : why == PM_DROP_FRAGMENT ? PM_MATCH_FRAGMENT
                                                         : PM_MATCH_MALFORMED;
        count(m, k);
        ev->kind = k;
        return k;
    }
    if (pp->ip.proto == PM_PROTO_RUNMETA && pp->ip.src == 0 && pp->ip.dst == 0) {
        /* the record's text follows the 20-byte header; find it in the frame */
        memset(ev, 0, sizeof *ev);
        struct pm_cursor c;
        pm_cursor_init(&c, frame, caplen);
        enum pm_match_kind k = PM_MATCH_MALFORMED;
        if (pm_wire_link(&c, linktype) == PM_OK && pm_cursor_skip(&c, pp->ip.ihl) == PM_OK &&
            pm_cursor_remaining(&c) >= (size_t)(pp->ip.total_len - pp->ip.ihl))
            k = on_record(m, pm_cursor_ptr(&c), (size_t)(pp->ip.total_len - pp->ip.ihl));
        count(m, k);
        ev->kind = k;
        return k;
    }
    return pm_matcher_packet(m, pp, ts_us, ev);
}

enum pm_match_kind pm_matcher_frame(struct pm_matcher *m, const uint8_t *frame, size_t caplen, int linktype,
                                    uint64_t ts_us, struct pm_match_event *ev)
{
    struct pm_packet p;
    enum pm_wire_drop why = PM_DROP_NONE;
    int rc = pm_wire_decode(frame, caplen, linktype, &p, &why);
    return frame_decoded(m, frame, caplen, linktype, ts_us, &p, rc, why, ev);
}

/* The target address and probe word a packet will be looked up by, read as
 * the handlers above read them (false: it names no probe of this run). */
static bool lookup_key(const struct pm_matcher *m, const struct pm_packet *p, uint32_t *dst, uint16_t *word)
{
    if (!m->have_spec)
        return false;
    const struct pm_l4 *l4 = &p->l4;
    if (p->ip.src == m->spec.src) {
        *dst = p->ip.dst;
        *word = word_at(l4->raw);
        return l4->raw_len >= 8;
    }
    if (p->ip.dst != m->spec.src)
        return false;
    if (p->has_quote) {
        *dst = p->quoted_ip.dst;
        *word = word_at(p->quoted_l4.raw);
        return p->quoted_l4.raw_len >= 8;
    }
    *dst = p->ip.src;
    *word = l4->proto == PM_PROTO_ICMP ? l4->icmp_seq : (uint16_t)(l4->tcp_ack - 1);
    return l4->proto == PM_PROTO_ICMP || l4->proto == PM_PROTO_TCP;
}

/* The second round of hints, once the index slot is in the cache: the
 * target record, its attempt bits and the outstanding slot. Returns the
 * target's position, or UINT32_MAX (none yet: a first probe). */
static uint32_t prefetch_target(const struct pm_matcher *m, uint32_t dst, uint16_t word)
{
    const struct pm_target *t = pm_run_find(m->run, dst);
    if (!t)
        return UINT32_MAX;
    uint32_t tidx = (uint32_t)(t - m->run->targets);
    uint8_t ttl, attempt;
    pm_probe_word_split(word, &ttl, &attempt);
    /* a record of 136 bytes at an 8-byte boundary spans at most three lines */
    PM_PREFETCH_W(t);
    PM_PREFETCH_W((const char *)t + 64);
    PM_PREFETCH_W((const char *)t + sizeof *t - 1);
    if (ttl >= 1 && ttl <= PM_TTL_MAX && tidx < m->bits_cap)
        PM_PREFETCH_W(&m->bits[tidx][ttl - 1]);
    pm_outstanding_prefetch(&m->out, pm_outstanding_key(tidx, ttl, attempt));
    return tidx;
}

void pm_matcher_frames(struct pm_matcher *m, const struct pm_match_frame *f, uint32_t n, int linktype)
{
    struct pm_match_event ev;
    if (!m->batch)
        m->batch = malloc(PM_MATCH_BATCH * sizeof *m->batch);
    if (!m->batch || n > PM_MATCH_BATCH) { /* no room to look ahead: one at a time, the same results */
        for (uint32_t i = 0; i < n; i++)
            pm_matcher_frame(m, f[i].data, f[i].caplen, linktype, f[i].ts_us, &ev);
        return;
    }
    int rc[PM_MATCH_BATCH];
    enum pm_wire_drop why[PM_MATCH_BATCH];
    uint32_t dst[PM_MATCH_BATCH], tidx[PM_MATCH_BATCH];
    uint16_t word[PM_MATCH_BATCH];
    bool keyed[PM_MATCH_BATCH];
    /* decoding reads only the frame, so decoding ahead changes nothing */
    for (uint32_t i = 0; i < n; i++) {
        why[i] = PM_DROP_NONE;
        rc[i] = pm_wire_decode(f[i].data, f[i].caplen, linktype, &m->batch[i], &why[i]);
        keyed[i] = rc[i] == PM_OK && lookup_key(m, &m->batch[i], &dst[i], &word[i]);
        if (keyed[i])
            pm_run_prefetch(m->run, dst[i]);
    }
    for (uint32_t i = 0; i < n; i++)
        tidx[i] = keyed[i] ? prefetch_target(m, dst[i], word[i]) : UINT32_MAX;
    for (uint32_t i = 0; i < n; i++) {
        /* a reply further on appends to its target's replies: that line too */
        uint32_t ahead = i + 8;
        if (ahead < n && tidx[ahead] < m->run->n_targets && m->batch[ahead].ip.src != m->spec.src) {
            const struct pm_target *t = &m->run->targets[tidx[ahead]];
            if (t->replies && t->n_replies < t->cap_replies)
                PM_PREFETCH_W(&t->replies[t->n_replies]);
        }
        frame_decoded(m, f[i].data, f[i].caplen, linktype, f[i].ts_us, &m->batch[i], rc[i], why[i], &ev);
    }
}
