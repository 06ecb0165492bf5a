/* test_match_seal.c - sealed probes: a blind forger's guesses and packets the kernel would drop are refused, each under its own reason; run records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "pathmortem/match.h"
#include "pathmortem/trace.h"
#include "test_wire_build.h"

static struct pm_probe_spec sealed(uint8_t method, uint16_t dport)
{
    struct pm_probe_spec s = {.method = method, .src = TB_VANTAGE, .ident = 0x5a17, .dport = dport};
    assert_int_equal(pm_probe_spec_seal(&s), PM_OK);
    return s;
}

static void wire_probe(const struct pm_probe_spec *s, const struct pm_probe *p, struct tb *b)
{
    b->n = 0;
    uint8_t proto = s->method == PM_METHOD_ICMP ? PM_PROTO_ICMP : s->method == PM_METHOD_UDP ? PM_PROTO_UDP
                                                                                              : PM_PROTO_TCP;
    size_t ip = tb_ip(b, proto, s->src, p->dst, p->ttl, p->ip_id, 0);
    tb_bytes(b, p->l4, 8);
    if (s->method == PM_METHOD_TCP) {
        tb_u32(b, 0);
        tb_u8(b, 5 << 4);
        tb_u8(b, PM_TCP_SYN);
        tb_u16(b, 5840);
        tb_u16(b, 0);
        tb_u16(b, 0);
    } else {
        tb_bytes(b, p->payload, PM_PROBE_PAYLOAD_LEN);
    }
    tb_ip_end(b, ip);
}

struct fx {
    struct pm_run *run;
    struct pm_matcher *m;
    struct pm_probe_spec spec;
};

static enum pm_match_kind feed(struct fx *f, const struct tb *b, uint64_t ts)
{
    struct pm_match_event ev;
    return pm_matcher_frame(f->m, b->d, b->n, PM_LINK_RAW, ts, &ev);
}

static void open_fx(struct fx *f, uint8_t method, uint16_t dport)
{
    f->spec = sealed(method, dport);
    f->run = pm_run_alloc();
    assert_non_null(f->run);
    assert_int_equal(pm_matcher_alloc(&f->spec, f->run, &f->m), PM_OK);
    assert_true(f->run->sealed);
}

static void close_fx(struct fx *f)
{
    pm_matcher_free(f->m);
    pm_run_free(f->run);
}

static void send_probe(struct fx *f, uint8_t ttl, uint8_t attempt, uint64_t ts, struct tb *out)
{
    struct pm_probe p;
    pm_probe_encode(&f->spec, TB_TARGET, ttl, attempt, &p);
    wire_probe(&f->spec, &p, out);
    assert_int_equal(feed(f, out, ts), PM_MATCH_PROBE);
}

static void the_secret_changes_every_keyed_field(void **state)
{
    (void)state;
    struct pm_probe_spec a = sealed(PM_METHOD_UDP, 33434), b = a;
    assert_int_equal(pm_probe_spec_seal(&b), PM_OK);
    assert_memory_not_equal(a.key, b.key, PM_PROBE_KEY_LEN);
    unsigned same_check = 0, same_port = 0;
    for (unsigned ttl = 1; ttl <= 30; ttl++) {
        struct pm_probe pa, pb;
        pm_probe_encode(&a, TB_TARGET, (uint8_t)ttl, 0, &pa);
        pm_probe_encode(&b, TB_TARGET, (uint8_t)ttl, 0, &pb);
        same_check += pa.l4[7] == pb.l4[7];
        same_port += pa.sport == pb.sport;
        /* ttl and attempt still decode without the key */
        uint8_t t, at;
        pm_probe_word_split((uint16_t)(pa.l4[6] << 8 | pa.l4[7]), &t, &at);
        assert_int_equal(t, ttl);
        assert_int_equal(at, 0);
        /* Paris: one source port per flow */
        struct pm_probe first;
        pm_probe_encode(&a, TB_TARGET, 1, 0, &first);
        assert_int_equal(pa.sport, first.sport);
    }
    assert_true(same_check < 10); /* 30 draws of 7 bits: ~0.2 equal expected */
    assert_true(same_port < 30);
    /* ICMP Paris: one checksum per flow, keyed */
    struct pm_probe_spec ia = sealed(PM_METHOD_ICMP, 0), ib = ia;
    assert_int_equal(pm_probe_spec_seal(&ib), PM_OK);
    struct pm_probe p1, p2, q1;
    pm_probe_encode(&ia, TB_TARGET, 3, 0, &p1);
    pm_probe_encode(&ia, TB_TARGET, 9, 2, &p2);
    pm_probe_encode(&ib, TB_TARGET, 3, 0, &q1);
    assert_memory_equal(p1.l4 + 2, p2.l4 + 2, 2);
    assert_memory_not_equal(p1.payload + 4, q1.payload + 4, 8); /* the per-probe tag */
    assert_memory_equal(p1.payload + 2, "pm", 2);
}

/* A blind forger knows the vantage, the target, the method and the port,
 * and recomputes the unsealed check word for each of the 2^16 identities
 * (the attack of issue 10): nothing is accepted, every packet is counted. */
static void a_full_identity_brute_force_is_refused_and_counted(void **state)
{
    (void)state;
    static const uint8_t methods[] = {PM_METHOD_ICMP, PM_METHOD_UDP, PM_METHOD_TCP};
    for (size_t mi = 0; mi < sizeof methods; mi++) {
        struct fx f;
        open_fx(&f, methods[mi], methods[mi] == PM_METHOD_TCP ? 80 : 33434);
        struct tb probe, guess, reply;
        send_probe(&f, 5, 0, 1000, &probe);
        uint64_t sent = 0;
        for (uint32_t id = 0; id <= 0xffff; id++) {
            struct pm_probe_spec g = f.spec;
            g.sealed = false;
            g.ident = (uint16_t)id;
            struct pm_probe p;
            pm_probe_encode(&g, TB_TARGET, 5, 0, &p);
            wire_probe(&g, &p, &guess);
            reply.n = 0;
            tb_error(&reply, PM_ICMP_TIMXCEED, 0, &guess, 0, TB_QUOTE_28, NULL, 0, 0);
            assert_int_not_equal(feed(&f, &reply, 2000), PM_MATCH_REPLY);
            sent++;
        }
        /* and every check value with the right identity */
        for (uint32_t c = 0; c < 128; c++) {
            struct tb q = probe;
            q.d[20 + 7] = (uint8_t)((q.d[20 + 7] & 0x80) | c);
            if (q.d[20 + 7] == probe.d[20 + 7])
                continue;
            reply.n = 0;
            tb_error(&reply, PM_ICMP_TIMXCEED, 0, &q, 0, TB_QUOTE_28, NULL, 0, 0);
            assert_int_not_equal(feed(&f, &reply, 2000), PM_MATCH_REPLY);
            sent++;
        }
        const struct pm_run_stats *st = &f.run->stats;
        assert_int_equal(st->replies_matched, 0);
        assert_int_equal(st->rejected_foreign + st->rejected_forged + st->rejected_unknown + st->rejected_mismatch, sent);
        assert_true(st->rejected_forged >= 127);
        assert_true(st->rejected_foreign >= 65535 - 1);
        /* the genuine answer still goes through */
        reply.n = 0;
        tb_error(&reply, PM_ICMP_TIMXCEED, 0, &probe, 0, TB_QUOTE_28, NULL, 0, 0);
        assert_int_equal(feed(&f, &reply, 3000), PM_MATCH_REPLY);
        close_fx(&f);
    }
}

static void echo_replies_must_return_the_sealed_payload(void **state)
{
    (void)state;
    struct fx f;
    open_fx(&f, PM_METHOD_ICMP, 0);
    struct tb probe, reply;
    send_probe(&f, 12, 0, 100, &probe);
    struct pm_probe p;
    pm_probe_encode(&f.spec, TB_TARGET, 12, 0, &p);
    for (int pass = 0; pass < 3; pass++) {
        reply.n = 0;
        size_t ip = tb_ip(&reply, PM_PROTO_ICMP, TB_TARGET, TB_VANTAGE, 52, 1, 0);
        size_t ic = tb_icmp(&reply, PM_ICMP_ECHOREPLY, 0, f.spec.ident, (uint16_t)(p.l4[6] << 8 | p.l4[7]));
        uint8_t pay[PM_PROBE_PAYLOAD_LEN];
        memcpy(pay, p.payload, sizeof pay);
        if (pass == 0)
            pay[7] ^= 1; /* one tag bit wrong */
        tb_bytes(&reply, pay, pass == 1 ? 8 : sizeof pay); /* pass 1: payload cut */
        tb_icmp_end(&reply, ic);
        tb_ip_end(&reply, ip);
        assert_int_equal(feed(&f, &reply, 200), pass == 2 ? PM_MATCH_REPLY : PM_MATCH_FORGED);
    }
    assert_int_equal(f.run->stats.rejected_forged, 2);
    close_fx(&f);
}

/* Replies the receiving kernel would drop never become hops. */
static void packets_the_kernel_drops_are_refused_each_under_its_reason(void **state)
{
    (void)state;
    struct fx f;
    open_fx(&f, PM_METHOD_UDP, 33434);
    struct tb probe, reply;
    send_probe(&f, 4, 0, 100, &probe);
    struct {
        const char *what;
        enum pm_match_kind want;
    } cases[] = {
        {"bad ip checksum", PM_MATCH_BAD_CHECKSUM}, {"bad icmp checksum", PM_MATCH_BAD_CHECKSUM},
        {"ttl 0", PM_MATCH_TTL_ZERO},               {"first fragment", PM_MATCH_FRAGMENT},
        {"later fragment", PM_MATCH_FRAGMENT},      {"source quench", PM_MATCH_NOT_ANSWER},
        {"parameter problem", PM_MATCH_NOT_ANSWER}, {"reassembly time exceeded", PM_MATCH_NOT_ANSWER},
        {"unreachable code 16", PM_MATCH_NOT_ANSWER},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        reply.n = 0;
        uint8_t type = PM_ICMP_TIMXCEED, code = 0;
        if (i == 5)
            type = PM_ICMP_SRCQUENCH;
        if (i == 6)
            type = PM_ICMP_PARAMPROB;
        if (i == 7)
            code = 1;
        if (i == 8)
            type = PM_ICMP_UNREACH, code = 16;
        tb_error(&reply, type, code, &probe, 0, TB_QUOTE_28, NULL, 0, 0);
        if (i == 0)
            reply.d[10] ^= 0x55;
        if (i == 1)
            reply.d[20 + 2] ^= 0x55;
        if (i == 2 || i == 3 || i == 4) {
            if (i == 2)
                reply.d[8] = 0;
            if (i == 3)
                tb_put16(&reply, 6, 0x2000);          /* MF, offset 0 */
            if (i == 4)
                tb_put16(&reply, 6, 0x0010);          /* offset 128 */
            tb_ip_end(&reply, 0);
        }
        struct pm_match_event ev;
        enum pm_match_kind k = pm_matcher_frame(f.m, reply.d, reply.n, PM_LINK_RAW, 150, &ev);
        if (k != cases[i].want)
            fail_msg("%s: got %d, want %d", cases[i].what, k, cases[i].want);
    }
    const struct pm_run_stats *st = &f.run->stats;
    assert_int_equal(st->rejected_checksum, 2);
    assert_int_equal(st->rejected_ttl0, 1);
    assert_int_equal(st->rejected_fragment, 2);
    assert_int_equal(st->rejected_not_answer, 4);
    assert_int_equal(st->replies_matched, 0);
    reply.n = 0;
    tb_error(&reply, PM_ICMP_UNREACH, 3, &probe, 0, TB_QUOTE_28, NULL, 0, 0);
    assert_int_equal(feed(&f, &reply, 160), PM_MATCH_REPLY);
    close_fx(&f);
}

/* A UDP quote's only identity is the IP ID: sealed runs need it. */
static void sealed_udp_needs_the_quoted_ip_id(void **state)
{
    (void)state;
    struct fx f;
    open_fx(&f, PM_METHOD_UDP, 33434);
    struct tb probe, reply;
    send_probe(&f, 6, 0, 100, &probe);
    struct tb rewritten = probe;
    tb_put16(&rewritten, 4, 0xbeef);
    reply.n = 0;
    tb_error(&reply, PM_ICMP_TIMXCEED, 0, &rewritten, 0, TB_QUOTE_28, NULL, 0, 0);
    assert_int_equal(feed(&f, &reply, 200), PM_MATCH_FOREIGN);
    close_fx(&f);
}

static void record(struct tb *b, const struct pm_runmeta *r)
{
    size_t len;
    assert_int_equal(pm_runmeta_build(r, b->d, sizeof b->d, &len), PM_OK);
    b->n = len;
}

static void run_records_seal_a_learning_matcher_and_carry_the_end(void **state)
{
    (void)state;
    struct pm_runmeta start = {.event = PM_RUNMETA_START, .spec = sealed(PM_METHOD_ICMP, 0), .time_us = 1000,
                               .first_ttl = 2, .max_ttl = 30, .queries = 1, .wait_ms = 2000};
    struct pm_runmeta back;
    struct tb b;
    record(&b, &start);
    assert_int_equal(pm_runmeta_parse(b.d + 20, b.n - 20, &back), PM_OK);
    assert_int_equal(back.event, PM_RUNMETA_START);
    assert_memory_equal(back.spec.key, start.spec.key, PM_PROBE_KEY_LEN);
    assert_true(back.spec.sealed);
    assert_int_equal(back.spec.ident, start.spec.ident);
    assert_int_equal(back.first_ttl, 2);

    struct fx f = {.run = pm_run_alloc(), .spec = start.spec};
    assert_int_equal(pm_matcher_alloc(NULL, f.run, &f.m), PM_OK);
    assert_int_equal(feed(&f, &b, 1000), PM_MATCH_RECORD);
    assert_true(f.run->sealed);
    assert_int_equal(f.run->first_ttl, 2);
    struct tb probe, reply;
    send_probe(&f, 3, 0, 1100, &probe);
    reply.n = 0;
    tb_error(&reply, PM_ICMP_TIMXCEED, 0, &probe, 0, TB_QUOTE_28, NULL, 0, 0);
    assert_int_equal(feed(&f, &reply, 1200), PM_MATCH_REPLY);
    /* a second run's start record is noted, not taken */
    struct pm_runmeta other = start;
    other.spec.ident = 0x0bad;
    record(&b, &other);
    assert_int_equal(feed(&f, &b, 1300), PM_MATCH_OTHER_RUN);
    uint16_t ids[4];
    assert_int_equal(pm_matcher_runs(f.m, ids, 4), 2);
    /* the end record */
    struct pm_runmeta end = {.event = PM_RUNMETA_END, .spec = start.spec, .time_us = 9000, .end = PM_RUN_SIGTERM,
                             .probes_sent = 42};
    record(&b, &end);
    assert_int_equal(feed(&f, &b, 9000), PM_MATCH_RECORD);
    assert_int_equal(f.run->end, PM_RUN_SIGTERM);
    assert_true(f.run->end_recorded);
    assert_int_equal(f.run->ended_us, 9000);
    /* an unsent record (a cut run) adds the targets it names, with no probe */
    struct pm_runmeta unsent = {.event = PM_RUNMETA_UNSENT, .spec = start.spec, .n_unsent = 2};
    unsent.unsent[0].prefix = 0xc613b000u; /* 198.19.176.0: .0 and .255 */
    unsent.unsent[0].bits[0] = 0x80;
    unsent.unsent[0].bits[31] = 0x01;
    unsent.unsent[1].prefix = 0xc613b100u; /* 198.19.177.9 */
    unsent.unsent[1].bits[1] = 0x40;
    record(&b, &unsent);
    assert_int_equal(pm_runmeta_parse(b.d + 20, b.n - 20, &back), PM_OK);
    assert_int_equal(back.n_unsent, 2);
    assert_memory_equal(back.unsent, unsent.unsent, sizeof unsent.unsent[0] * 2);
    uint32_t before = f.run->n_targets;
    assert_int_equal(feed(&f, &b, 9001), PM_MATCH_RECORD);
    assert_int_equal(f.run->n_targets, before + 3);
    static const uint32_t named[] = {0xc613b000u, 0xc613b0ffu, 0xc613b109u};
    for (size_t i = 0; i < 3; i++) {
        const struct pm_target *t = pm_run_find(f.run, named[i]);
        assert_non_null(t);
        for (unsigned ttl = 1; ttl <= PM_TTL_MAX; ttl++)
            assert_int_equal(t->sent[ttl], 0);
    }
    assert_null(pm_run_find(f.run, 0xc613b001u));
    /* a full record of PM_RUNMETA_UNSENT_MAX all-set bitmaps fits */
    unsent.n_unsent = PM_RUNMETA_UNSENT_MAX;
    for (unsigned u = 0; u < PM_RUNMETA_UNSENT_MAX; u++) {
        unsent.unsent[u].prefix = 0xc6120000u + (u << 8);
        memset(unsent.unsent[u].bits, 0xff, sizeof unsent.unsent[u].bits);
    }
    record(&b, &unsent);
    assert_int_equal(pm_runmeta_parse(b.d + 20, b.n - 20, &back), PM_OK);
    assert_int_equal(back.n_unsent, PM_RUNMETA_UNSENT_MAX);
    /* a broken record is counted, never trusted */
    record(&b, &start);
    b.d[40] = 'X';
    tb_ip_end(&b, 0);
    assert_int_equal(feed(&f, &b, 9100), PM_MATCH_MALFORMED);
    close_fx(&f);

    /* --run: the second run only */
    f.run = pm_run_alloc();
    assert_int_equal(pm_matcher_alloc(NULL, f.run, &f.m), PM_OK);
    pm_matcher_select_run(f.m, 0x0bad);
    record(&b, &start);
    assert_int_equal(feed(&f, &b, 1000), PM_MATCH_OTHER_RUN);
    record(&b, &other);
    assert_int_equal(feed(&f, &b, 1001), PM_MATCH_RECORD);
    assert_int_equal(pm_matcher_spec(f.m)->ident, 0x0bad);
    close_fx(&f);
}

static void records_parse_strictly(void **state)
{
    (void)state;
    static const char *bad[] = {
        "",
        "pathmortem-run 2\nevent=start\nident=1\n",
        "pathmortem-run 1\nevent=start\nident=0\nsrc=1.2.3.4\n",
        "pathmortem-run 1\nevent=start\nident=70000\nsrc=1.2.3.4\n",
        "pathmortem-run 1\nevent=start\nident=5\nsrc=1.2.3.4\nseal=abc\n",
        "pathmortem-run 1\nevent=start\nident=5\nsrc=1.2.3.4\nmax_ttl=300\n",
        "pathmortem-run 1\nevent=end\nident=5\n",
        "pathmortem-run 1\nevent=end\nident=5\nend=lunch\n",
        "pathmortem-run 1\nevent=start\nident=5\nsrc=1.2.3.4\ncut",
        "pathmortem-run 1\nnoequals\n",
        "pathmortem-run 1\nevent=unsent\nident=5\n",
        "pathmortem-run 1\nevent=unsent\nident=5\np24=198.19.176.1:"
        "0000000000000000000000000000000000000000000000000000000000000000\n",
        "pathmortem-run 1\nevent=unsent\nident=5\np24=198.19.176.0:00ff\n",
        "pathmortem-run 1\nevent=unsent\nident=5\np24=198.19.176.0\n",
        "pathmortem-run 1\nevent=unsent\nident=5\np24=198.19.176.0:"
        "000000000000000000000000000000000000000000000000000000000000000g\n",
    };
    struct pm_runmeta r;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (pm_runmeta_parse((const uint8_t *)bad[i], strlen(bad[i]), &r) != PM_ECORRUPT)
            fail_msg("accepted bad record %zu", i);
    const char *later = "pathmortem-run 1\nevent=end\nident=5\nend=SIGINT\nfuture_field=1\n";
    assert_int_equal(pm_runmeta_parse((const uint8_t *)later, strlen(later), &r), PM_OK);
    assert_int_equal(r.end, PM_RUN_SIGINT);
}

/* issue 10 item 7: a hostile capture naming more than PM_TRACE_MAX_TARGETS
 * destinations. Past the cap, probes toward new targets are counted under
 * over_limit (what analyze names on stderr), not dropped in silence; targets
 * already kept still match. */
static void targets_past_the_cap_are_counted_not_kept(void **state)
{
    (void)state;
    struct fx f;
    open_fx(&f, PM_METHOD_ICMP, 0);
    /* 10.0.0.0 + i: 2^20 distinct addresses, none of them TB_TARGET */
    for (uint32_t i = 0; i < PM_TRACE_MAX_TARGETS; i++)
        assert_non_null(pm_run_target(f.run, 0x0a000000u + i, true));
    assert_int_equal(f.run->n_targets, PM_TRACE_MAX_TARGETS);
    assert_null(pm_run_target(f.run, 0x0b000000u, true));
    struct pm_probe p;
    struct tb b;
    for (int k = 0; k < 3; k++) {
        pm_probe_encode(&f.spec, TB_TARGET, (uint8_t)(1 + k), 0, &p);
        wire_probe(&f.spec, &p, &b);
        assert_int_equal(feed(&f, &b, 100 + (uint64_t)k), PM_MATCH_OVER_LIMIT);
    }
    assert_int_equal(f.run->stats.over_limit, 3);
    assert_int_equal(f.run->n_targets, PM_TRACE_MAX_TARGETS);
    /* a target inside the cap is still probed and kept */
    pm_probe_encode(&f.spec, 0x0a000005u, 1, 0, &p);
    wire_probe(&f.spec, &p, &b);
    assert_int_equal(feed(&f, &b, 200), PM_MATCH_PROBE);
    assert_int_equal(f.run->stats.over_limit, 3);
    close_fx(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_secret_changes_every_keyed_field),
        cmocka_unit_test(a_full_identity_brute_force_is_refused_and_counted),
        cmocka_unit_test(echo_replies_must_return_the_sealed_payload),
        cmocka_unit_test(packets_the_kernel_drops_are_refused_each_under_its_reason),
        cmocka_unit_test(sealed_udp_needs_the_quoted_ip_id),
        cmocka_unit_test(run_records_seal_a_learning_matcher_and_carry_the_end),
        cmocka_unit_test(records_parse_strictly),
        cmocka_unit_test(targets_past_the_cap_are_counted_not_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
