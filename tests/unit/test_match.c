/* test_match.c - probe identity encoding and reply matching: what is accepted, what is refused, and why. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "pathmortem/match.h"
#include "test_wire_build.h"

static const struct pm_probe_spec icmp_spec = {.method = PM_METHOD_ICMP, .src = TB_VANTAGE, .ident = 0x5a17};
static const struct pm_probe_spec udp_spec = {.method = PM_METHOD_UDP, .src = TB_VANTAGE, .ident = 0x5a17,
                                              .dport = 33434};
static const struct pm_probe_spec tcp_spec = {.method = PM_METHOD_TCP, .src = TB_VANTAGE, .ident = 0x5a17,
                                              .dport = 80};

/* The probe as the sender puts it on the wire (IPv4 + transport + payload). */
static void wire_probe(const struct pm_probe_spec *s, const struct pm_probe *p, struct tb *b)
{
    b->n = 0;
    uint8_t proto = s->method == PM_METHOD_ICMP ? PM_PROTO_ICMP : s->method == PM_METHOD_UDP ? PM_PROTO_UDP
                                                                                              : PM_PROTO_TCP;
    size_t ip = tb_ip(b, proto, s->src, p->dst, p->ttl, p->ip_id, 0);
    tb_bytes(b, p->l4, 8);
    if (s->method == PM_METHOD_TCP) {
        tb_u32(b, 0);          /* ack */
        tb_u8(b, 5 << 4);      /* data offset */
        tb_u8(b, PM_TCP_SYN);
        tb_u16(b, 5840);
        tb_u16(b, 0);
        tb_u16(b, 0);
    } else {
        tb_bytes(b, p->payload, PM_PROBE_PAYLOAD_LEN);
    }
    tb_ip_end(b, ip);
}

static uint16_t fold_sum(const uint8_t *p, size_t n, uint32_t sum)
{
    return pm_wire_fold(pm_wire_sum(p, n, sum));
}

static void identity_word_round_trips(void **state)
{
    (void)state;
    for (unsigned ttl = 1; ttl <= PM_TTL_MAX; ttl++)
        for (unsigned a = 0; a < PM_PROBE_MAX_ATTEMPTS; a++) {
            uint16_t w = pm_probe_word(&icmp_spec, TB_TARGET, (uint8_t)ttl, (uint8_t)a);
            uint8_t t2, a2;
            pm_probe_word_split(w, &t2, &a2);
            assert_int_equal(t2, ttl);
            assert_int_equal(a2, a);
            assert_int_not_equal(w, 0);
        }
    /* the check bits depend on the run identity and the target */
    struct pm_probe_spec other = icmp_spec;
    other.ident = 0x5a18;
    int differ = 0;
    for (unsigned ttl = 1; ttl <= 32; ttl++)
        differ += pm_probe_word(&icmp_spec, TB_TARGET, (uint8_t)ttl, 0) != pm_probe_word(&other, TB_TARGET, (uint8_t)ttl, 0);
    assert_true(differ >= 28);
}

static void icmp_probes_keep_one_checksum_per_flow(void **state)
{
    (void)state;
    struct pm_probe p;
    uint16_t first = 0;
    for (unsigned ttl = 1; ttl <= 30; ttl++)
        for (unsigned a = 0; a < 3; a++) {
            pm_probe_encode(&icmp_spec, TB_TARGET, (uint8_t)ttl, (uint8_t)a, &p);
            /* a valid ICMP checksum over header + payload */
            uint32_t s = pm_wire_sum(p.l4, 8, 0);
            assert_int_equal(fold_sum(p.payload, PM_PROBE_PAYLOAD_LEN, s), 0xffff);
            uint16_t c = (uint16_t)(p.l4[2] << 8 | p.l4[3]);
            if (!first)
                first = c;
            assert_int_equal(c, first); /* Paris: load balancers hash this field */
            assert_int_equal(p.ip_id, icmp_spec.ident);
        }
    struct pm_probe_spec f2 = icmp_spec;
    f2.flow = 7;
    pm_probe_encode(&f2, TB_TARGET, 5, 0, &p);
    assert_int_not_equal((uint16_t)(p.l4[2] << 8 | p.l4[3]), first);
    /* classic probes let the checksum vary */
    struct pm_probe_spec classic = icmp_spec;
    classic.classic = true;
    struct pm_probe a, b;
    pm_probe_encode(&classic, TB_TARGET, 5, 0, &a);
    pm_probe_encode(&classic, TB_TARGET, 6, 0, &b);
    assert_memory_not_equal(a.l4 + 2, b.l4 + 2, 2);
}

static void udp_checksum_carries_the_identity(void **state)
{
    (void)state;
    struct pm_probe p;
    for (unsigned ttl = 1; ttl <= 40; ttl++) {
        pm_probe_encode(&udp_spec, TB_TARGET, (uint8_t)ttl, 1, &p);
        uint8_t pseudo[12] = {0xc6, 0x12, 0x00, 0x02, 0xaf, 0x2d, 0xb0, 0x0f, 0, PM_PROTO_UDP, 0,
                              8 + PM_PROBE_PAYLOAD_LEN};
        uint32_t s = pm_wire_sum(pseudo, 12, 0);
        s = pm_wire_sum(p.l4, 8, s);
        assert_int_equal(fold_sum(p.payload, PM_PROBE_PAYLOAD_LEN, s), 0xffff); /* valid checksum */
        assert_int_equal((uint16_t)(p.l4[6] << 8 | p.l4[7]), pm_probe_word(&udp_spec, TB_TARGET, (uint8_t)ttl, 1));
        assert_int_equal(p.dport, 33434);
    }
    struct pm_probe_spec classic = udp_spec;
    classic.classic = true;
    struct pm_probe a, b;
    pm_probe_encode(&classic, TB_TARGET, 5, 0, &a);
    pm_probe_encode(&classic, TB_TARGET, 6, 0, &b);
    assert_int_not_equal(a.dport, b.dport);
    assert_int_equal(a.sport, b.sport);
}

static void tcp_sequence_carries_the_identity(void **state)
{
    (void)state;
    struct pm_probe p;
    pm_probe_encode(&tcp_spec, TB_TARGET, 9, 2, &p);
    assert_int_equal(p.tcp_seq >> 16, tcp_spec.ident);
    assert_int_equal(p.tcp_seq & 0xffff, pm_probe_word(&tcp_spec, TB_TARGET, 9, 2));
    assert_int_equal(p.dport, 80);
}

struct fixture {
    struct pm_run *run;
    struct pm_matcher *m;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->run = pm_run_alloc();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    pm_matcher_free(f->m);
    pm_run_free(f->run);
    free(f);
    return 0;
}

static enum pm_match_kind feed(struct fixture *f, const struct tb *b, uint64_t ts)
{
    struct pm_match_event ev;
    return pm_matcher_frame(f->m, b->d, b->n, PM_LINK_RAW, ts, &ev);
}

/* Sends a probe through the matcher (as the capture of our own packet). */
static void send_probe(struct fixture *f, const struct pm_probe_spec *s, uint8_t ttl, uint8_t attempt, uint64_t ts,
                       struct tb *out)
{
    struct pm_probe p;
    pm_probe_encode(s, TB_TARGET, ttl, attempt, &p);
    wire_probe(s, &p, out);
    assert_int_equal(feed(f, out, ts), PM_MATCH_PROBE);
}

static void accepts_a_time_exceeded_quoting_our_probe(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(pm_matcher_alloc(&icmp_spec, f->run, &f->m), PM_OK);
    struct tb probe, reply;
    send_probe(f, &icmp_spec, 4, 0, 1000000, &probe);
    reply.n = 0;
    tb_error(&reply, PM_ICMP_TIMXCEED, 0, &probe, 0, TB_QUOTE_28, NULL, 0, 0);
    struct pm_match_event ev;
    assert_int_equal(pm_matcher_frame(f->m, reply.d, reply.n, PM_LINK_RAW, 1000450, &ev), PM_MATCH_REPLY);
    assert_int_equal(ev.ttl, 4);
    assert_int_equal(ev.attempt, 0);
    assert_int_equal(ev.reply.from, TB_ROUTER);
    assert_int_equal(ev.reply.recv_us - ev.reply.sent_us, 450); /* RTT from capture timestamps */
    assert_int_equal(ev.reply.kind, PM_REPLY_TIME_EXCEEDED);
    assert_true(ev.reply.quoted_ipid_ok);
    const struct pm_target *t = pm_run_target(f->run, TB_TARGET, false);
    assert_non_null(t);
    assert_int_equal(t->n_replies, 1);
    assert_int_equal(t->sent[4], 1);
    /* the same answer again is a duplicate, never a second hop */
    assert_int_equal(pm_matcher_frame(f->m, reply.d, reply.n, PM_LINK_RAW, 1000500, &ev), PM_MATCH_DUPLICATE);
    assert_int_equal(t->n_replies, 1);
    assert_int_equal(f->run->stats.rejected_duplicate, 1);
}

static void accepts_whole_packet_quotes_with_mpls(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(pm_matcher_alloc(&udp_spec, f->run, &f->m), PM_OK);
    struct tb probe, reply;
    send_probe(f, &udp_spec, 7, 1, 5000, &probe);
    uint32_t labels[] = {24001, 16005};
    reply.n = 0;
    tb_error(&reply, PM_ICMP_TIMXCEED, 0, &probe, 0, TB_QUOTE_RFC4884, labels, 2, 0);
    struct pm_match_event ev;
    assert_int_equal(pm_matcher_frame(f->m, reply.d, reply.n, PM_LINK_RAW, 6000, &ev), PM_MATCH_REPLY);
    const struct pm_mpls_stack *ms = pm_reply_mpls(ev.target, &ev.reply);
    assert_non_null(ms);
    assert_int_equal(ms->n, 2);
    assert_int_equal(ms->e[0].label, 24001);
    assert_int_equal(ms->e[1].label, 16005);
    assert_true(ev.reply.has_ext);
}

static void refuses_what_quotes_no_probe_of_this_run(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(pm_matcher_alloc(&icmp_spec, f->run, &f->m), PM_OK);
    struct tb probe, never, reply;
    send_probe(f, &icmp_spec, 3, 0, 1000, &probe);
    /* a valid-looking quote of a probe that was never sent (ttl 9) */
    struct pm_probe p;
    pm_probe_encode(&icmp_spec, TB_TARGET, 9, 0, &p);
    wire_probe(&icmp_spec, &p, &never);
    reply.n = 0;
    tb_error(&reply, PM_ICMP_TIMXCEED, 0, &never, 0, TB_QUOTE_28, NULL, 0, 0);
    assert_int_equal(feed(f, &reply, 2000), PM_MATCH_UNKNOWN);
    /* another run's identity: its probes are not ours, its answers are refused */
    struct pm_probe_spec other = icmp_spec;
    other.ident = 0x1234;
    pm_probe_encode(&other, TB_TARGET, 3, 0, &p);
    wire_probe(&other, &p, &never);
    reply.n = 0;
    tb_error(&reply, PM_ICMP_TIMXCEED, 0, &never, 0, TB_QUOTE_28, NULL, 0, 0);
    assert_int_not_equal(feed(f, &reply, 2100), PM_MATCH_REPLY);
    /* the right probe with one quoted transport byte altered */
    struct tb forged = probe;
    forged.d[20 + 4] ^= 0x40; /* ICMP id */
    reply.n = 0;
    tb_error(&reply, PM_ICMP_TIMXCEED, 0, &forged, 0, TB_QUOTE_28, NULL, 0, 0);
    assert_int_equal(feed(f, &reply, 2200), PM_MATCH_FOREIGN);
    /* quoting a UDP packet when we probe with ICMP */
    struct tb udp;
    pm_probe_encode(&udp_spec, TB_TARGET, 3, 0, &p);
    wire_probe(&udp_spec, &p, &udp);
    reply.n = 0;
    tb_error(&reply, PM_ICMP_UNREACH, 3, &udp, 0, TB_QUOTE_28, NULL, 0, 0);
    assert_int_equal(feed(f, &reply, 2300), PM_MATCH_MISMATCH);
    const struct pm_target *t = pm_run_target(f->run, TB_TARGET, false);
    assert_int_equal(t->n_replies, 0);
    /* and the genuine answer still goes through afterwards */
    reply.n = 0;
    tb_error(&reply, PM_ICMP_TIMXCEED, 0, &probe, 0, TB_QUOTE_28, NULL, 0, 0);
    assert_int_equal(feed(f, &reply, 2400), PM_MATCH_REPLY);
    assert_int_equal(f->run->stats.rejected_unknown + f->run->stats.rejected_mismatch + f->run->stats.rejected_foreign,
                     4);
}

static void refuses_late_answers(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(pm_matcher_alloc(&icmp_spec, f->run, &f->m), PM_OK);
    struct tb probe, reply;
    send_probe(f, &icmp_spec, 5, 0, 1000000, &probe);
    reply.n = 0;
    tb_error(&reply, PM_ICMP_TIMXCEED, 0, &probe, 0, TB_QUOTE_28, NULL, 0, 0);
    assert_int_equal(feed(f, &reply, 1000000 + PM_MATCH_LATE_US + 1), PM_MATCH_LATE);
    assert_int_equal(pm_matcher_outstanding(f->m), 0);
}

static void tolerates_a_rewritten_quoted_ip_id(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(pm_matcher_alloc(&icmp_spec, f->run, &f->m), PM_OK);
    struct tb probe, reply;
    send_probe(f, &icmp_spec, 6, 0, 100, &probe);
    struct tb rewritten = probe;
    tb_put16(&rewritten, 4, 0xbeef); /* a middlebox changed the IP ID */
    tb_put16(&rewritten, 8, (uint16_t)(1 << 8 | PM_PROTO_ICMP)); /* and the TTL it quotes is 1 */
    reply.n = 0;
    tb_error(&reply, PM_ICMP_TIMXCEED, 0, &rewritten, 0, TB_QUOTE_28, NULL, 0, 0);
    struct pm_match_event ev;
    assert_int_equal(pm_matcher_frame(f->m, reply.d, reply.n, PM_LINK_RAW, 200, &ev), PM_MATCH_REPLY);
    assert_false(ev.reply.quoted_ipid_ok);
    assert_int_equal(ev.ttl, 6);
    assert_int_equal(f->run->stats.ipid_rewritten, 1);
}

static void accepts_echo_replies_and_tcp_answers_from_the_target(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(pm_matcher_alloc(&icmp_spec, f->run, &f->m), PM_OK);
    struct tb probe, reply;
    send_probe(f, &icmp_spec, 12, 0, 100, &probe);
    struct pm_probe p;
    pm_probe_encode(&icmp_spec, TB_TARGET, 12, 0, &p);
    reply.n = 0;
    size_t ip = tb_ip(&reply, PM_PROTO_ICMP, TB_TARGET, TB_VANTAGE, 52, 1, 0);
    size_t ic = tb_icmp(&reply, PM_ICMP_ECHOREPLY, 0, (uint16_t)(p.l4[4] << 8 | p.l4[5]),
                        (uint16_t)(p.l4[6] << 8 | p.l4[7]));
    tb_bytes(&reply, p.payload, PM_PROBE_PAYLOAD_LEN);
    tb_icmp_end(&reply, ic);
    tb_ip_end(&reply, ip);
    struct pm_match_event ev;
    assert_int_equal(pm_matcher_frame(f->m, reply.d, reply.n, PM_LINK_RAW, 300, &ev), PM_MATCH_REPLY);
    assert_int_equal(ev.reply.kind, PM_REPLY_ECHO_REPLY);
    assert_true(pm_reply_from_target(ev.target, &ev.reply));

    /* TCP: a SYN-ACK answers seq + 1 with the ports swapped */
    struct fixture g = {pm_run_alloc(), NULL};
    assert_int_equal(pm_matcher_alloc(&tcp_spec, g.run, &g.m), PM_OK);
    send_probe(&g, &tcp_spec, 12, 0, 100, &probe);
    pm_probe_encode(&tcp_spec, TB_TARGET, 12, 0, &p);
    reply.n = 0;
    ip = tb_ip(&reply, PM_PROTO_TCP, TB_TARGET, TB_VANTAGE, 52, 1, 0);
    tb_tcp(&reply, p.dport, p.sport, 777, p.tcp_seq + 1, PM_TCP_SYN | PM_TCP_ACK, 0);
    tb_ip_end(&reply, ip);
    assert_int_equal(pm_matcher_frame(g.m, reply.d, reply.n, PM_LINK_RAW, 400, &ev), PM_MATCH_REPLY);
    assert_int_equal(ev.reply.kind, PM_REPLY_TCP_SYNACK);
    /* an ACK for a sequence we never used is not ours */
    reply.n = 0;
    ip = tb_ip(&reply, PM_PROTO_TCP, TB_TARGET, TB_VANTAGE, 52, 1, 0);
    tb_tcp(&reply, p.dport, p.sport, 778, p.tcp_seq + 5, PM_TCP_RST | PM_TCP_ACK, 0);
    tb_ip_end(&reply, ip);
    assert_int_not_equal(pm_matcher_frame(g.m, reply.d, reply.n, PM_LINK_RAW, 500, &ev), PM_MATCH_REPLY);
    pm_matcher_free(g.m);
    pm_run_free(g.run);
}

static void learns_the_run_from_its_first_probe(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(pm_matcher_alloc(NULL, f->run, &f->m), PM_OK);
    assert_null(pm_matcher_spec(f->m));
    struct tb probe, reply;
    send_probe(f, &udp_spec, 2, 0, 100, &probe);
    const struct pm_probe_spec *s = pm_matcher_spec(f->m);
    assert_non_null(s);
    assert_int_equal(s->method, PM_METHOD_UDP);
    assert_int_equal(s->ident, udp_spec.ident);
    assert_int_equal(s->src, TB_VANTAGE);
    reply.n = 0;
    tb_error(&reply, PM_ICMP_TIMXCEED, 0, &probe, 0, TB_QUOTE_28, NULL, 0, 0);
    assert_int_equal(feed(f, &reply, 150), PM_MATCH_REPLY);
    assert_false(f->run->sealed); /* no start record: matched on the identity alone */
    /* a probe of another run in the same capture is noted, not taken */
    struct pm_probe_spec other = udp_spec;
    other.ident = 0x0101;
    struct pm_probe p;
    pm_probe_encode(&other, TB_TARGET, 2, 0, &p);
    wire_probe(&other, &p, &probe);
    assert_int_equal(feed(f, &probe, 200), PM_MATCH_OTHER_RUN);
    assert_int_equal(f->run->stats.probes_captured, 1);
    uint16_t ids[4];
    assert_int_equal(pm_matcher_runs(f->m, ids, 4), 2);
    assert_int_equal(ids[0], udp_spec.ident);
    assert_int_equal(ids[1], 0x0101);
}

static void garbage_frames_are_counted_not_trusted(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(pm_matcher_alloc(&icmp_spec, f->run, &f->m), PM_OK);
    struct tb probe, reply;
    send_probe(f, &icmp_spec, 3, 0, 100, &probe);
    reply.n = 0;
    tb_error(&reply, PM_ICMP_TIMXCEED, 0, &probe, 0, TB_QUOTE_28, NULL, 0, 0);
    for (size_t cut = 0; cut < reply.n; cut++) {
        struct pm_match_event ev;
        enum pm_match_kind k = pm_matcher_frame(f->m, reply.d, cut, PM_LINK_RAW, 200, &ev);
        assert_int_not_equal(k, PM_MATCH_REPLY);
    }
    assert_int_equal(pm_run_target(f->run, TB_TARGET, false)->n_replies, 0);
    assert_true(f->run->stats.dropped_malformed > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(identity_word_round_trips),
        cmocka_unit_test(icmp_probes_keep_one_checksum_per_flow),
        cmocka_unit_test(udp_checksum_carries_the_identity),
        cmocka_unit_test(tcp_sequence_carries_the_identity),
        cmocka_unit_test_setup_teardown(accepts_a_time_exceeded_quoting_our_probe, setup, teardown),
        cmocka_unit_test_setup_teardown(accepts_whole_packet_quotes_with_mpls, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_what_quotes_no_probe_of_this_run, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_late_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(tolerates_a_rewritten_quoted_ip_id, setup, teardown),
        cmocka_unit_test_setup_teardown(accepts_echo_replies_and_tcp_answers_from_the_target, setup, teardown),
        cmocka_unit_test_setup_teardown(learns_the_run_from_its_first_probe, setup, teardown),
        cmocka_unit_test_setup_teardown(garbage_frames_are_counted_not_trusted, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
