/* test_analyze_misc.c - compare-methods decisions, roll-up grouping and text, a real-address case, and a 65536-target run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_analyze_lab.h"

static void cmp(uint8_t icmp, uint8_t udp, uint8_t t80, uint8_t t443, struct pm_cmp_result *out)
{
    struct pm_cmp_input in;
    memset(&in, 0, sizeof in);
    in.outcome[PM_CMP_ICMP] = icmp;
    in.outcome[PM_CMP_UDP] = udp;
    in.outcome[PM_CMP_TCP80] = t80;
    in.outcome[PM_CMP_TCP443] = t443;
    in.death_addr = A(219, 158, 39, 42);
    in.death_ttl = 9;
    pm_compare_methods(&in, out);
}

static void compare_methods_filter_or_dead_route(void **state)
{
    (void)state;
    struct pm_cmp_result r;
    /* the public China-side case: UDP gets !X where TCP gets through */
    cmp(PM_CMP_UNREACH_ADMIN, PM_CMP_UNREACH_ADMIN, PM_CMP_REACHED, PM_CMP_REACHED, &r);
    assert_int_equal(r.verdict, PM_CMP_FILTER);
    assert_true(r.confidence >= 0.85);
    assert_string_equal(r.text, "tcp/80, tcp/443 get past 219.158.39.42 (hop 9) while icmp, udp stop there: "
                                "a protocol filter, not a dead route");
    cmp(PM_CMP_DIED_SAME, PM_CMP_DIED_SAME, PM_CMP_DIED_FURTHER, PM_CMP_DIED_SAME, &r);
    assert_int_equal(r.verdict, PM_CMP_FILTER);
    cmp(PM_CMP_DIED_SAME, PM_CMP_DIED_SAME, PM_CMP_DIED_SAME, PM_CMP_DIED_SAME, &r);
    assert_int_equal(r.verdict, PM_CMP_DEAD_ROUTE);
    assert_non_null(strstr(r.text, "Every method (icmp, udp, tcp/80, tcp/443) dies at 219.158.39.42 (hop 9)"));
    cmp(PM_CMP_UNREACH_OTHER, PM_CMP_UNREACH_OTHER, PM_CMP_DIED_SAME, PM_CMP_UNREACH_OTHER, &r);
    assert_int_equal(r.verdict, PM_CMP_DEAD_ROUTE);
    /* only some get !X, the rest die silently there */
    cmp(PM_CMP_DIED_SAME, PM_CMP_UNREACH_ADMIN, PM_CMP_DIED_SAME, PM_CMP_DIED_SAME, &r);
    assert_int_equal(r.verdict, PM_CMP_FILTER);
    assert_non_null(strstr(r.text, "Only udp get"));
    cmp(PM_CMP_UNREACH_ADMIN, PM_CMP_UNREACH_ADMIN, PM_CMP_UNREACH_ADMIN, PM_CMP_UNREACH_ADMIN, &r);
    assert_int_equal(r.verdict, PM_CMP_FILTER);
    assert_true(r.confidence < 0.7);
    cmp(PM_CMP_REACHED, PM_CMP_REACHED, PM_CMP_REACHED, PM_CMP_NOT_PROBED, &r);
    assert_int_equal(r.verdict, PM_CMP_NOT_DEAD);
    cmp(PM_CMP_NOT_PROBED, PM_CMP_NOT_PROBED, PM_CMP_NOT_PROBED, PM_CMP_NOT_PROBED, &r);
    assert_int_equal(r.verdict, PM_CMP_INCONCLUSIVE);
    assert_true(r.confidence == 0);
    cmp(PM_CMP_DIED_EARLIER, PM_CMP_DIED_SAME, PM_CMP_DIED_SAME, PM_CMP_NOT_PROBED, &r);
    assert_int_equal(r.verdict, PM_CMP_INCONCLUSIVE);
    /* a single method that died is a weak dead-route */
    cmp(PM_CMP_DIED_SAME, PM_CMP_NOT_PROBED, PM_CMP_NOT_PROBED, PM_CMP_NOT_PROBED, &r);
    assert_int_equal(r.verdict, PM_CMP_DEAD_ROUTE);
    assert_true(r.confidence <= 0.5);
    /* values out of range count as not probed */
    cmp(200, PM_CMP_REACHED, 99, PM_CMP_REACHED, &r);
    assert_int_equal(r.verdict, PM_CMP_NOT_DEAD);
    assert_string_equal(pm_cmp_verdict_name(PM_CMP_DEAD_ROUTE), "dead-route");
    assert_string_equal(pm_cmp_probe_name(PM_CMP_TCP443), "tcp/443");
    assert_string_equal(pm_death_name(PM_DEATH_ADMIN_PROHIB), "admin-prohibited");
    assert_string_equal(pm_death_name(PM_DEATH_RATE_LIMITED), "rate-limited");
    assert_string_equal(pm_status_name(PM_STATUS_DIED), "died");
}

/* Real addresses, parsed only: the public China-side death point of domain.md. */
static void real_lookup(void *ctx, uint32_t addr, struct pm_geo_info *out)
{
    uint8_t announced = ctx ? *(const uint8_t *)ctx : 24;
    if ((addr & 0xfffffc00u) == A(175, 45, 176, 0)) {
        out->asn = 131279;
        snprintf(out->as_name, sizeof out->as_name, "Star JV");
        snprintf(out->country, sizeof out->country, "KP");
        out->asn_prefix_len = announced;
    } else if ((addr & 0xffff8000u) == A(219, 158, 0, 0)) {
        out->asn = 4837;
        snprintf(out->as_name, sizeof out->as_name, "China Unicom");
        snprintf(out->country, sizeof out->country, "CN");
        out->asn_prefix_len = 17;
    } else if ((addr >> 24) == 198) {
        out->asn = 64500;
        out->asn_prefix_len = 15;
    }
}

/* The death kind of each unreachable code comes from the wire's one table:
 * 9, 10, 13 and the precedence refusals 14, 15 are filters; 8 (obsolete
 * "source host isolated") is a host unreachable, as RFC 1812 says to send. */
static void death_kind_per_code(void **state)
{
    (void)state;
    static const struct {
        uint8_t code, kind;
    } rows[] = {
        {0, PM_DEATH_NET_UNREACH},   {1, PM_DEATH_HOST_UNREACH},  {4, PM_DEATH_HOST_UNREACH},
        {6, PM_DEATH_NET_UNREACH},   {8, PM_DEATH_HOST_UNREACH},  {9, PM_DEATH_ADMIN_PROHIB},
        {10, PM_DEATH_ADMIN_PROHIB}, {11, PM_DEATH_NET_UNREACH},  {13, PM_DEATH_ADMIN_PROHIB},
        {14, PM_DEATH_ADMIN_PROHIB}, {15, PM_DEATH_ADMIN_PROHIB}, {99, PM_DEATH_HOST_UNREACH},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct pm_run *run = pm_run_alloc();
        struct pm_target *t = pm_run_target(run, A(175, 45, 176, 9), true);
        assert_non_null(t);
        struct pm_reply r;
        memset(&r, 0, sizeof r);
        for (uint8_t ttl = 1; ttl <= 3; ttl++) {
            pm_target_note_sent(t, ttl);
            r.ttl = ttl;
            r.from = A(198, 18, ttl, 1);
            r.kind = ttl == 3 ? PM_REPLY_UNREACH : PM_REPLY_TIME_EXCEEDED;
            r.icmp_type = ttl == 3 ? 3 : 11;
            r.icmp_code = ttl == 3 ? rows[i].code : 0;
            assert_int_equal(pm_target_add_reply(t, &r), PM_OK);
        }
        pm_trace_finish(run, 5);
        struct pm_analysis *a = NULL;
        char err[PM_ERRBUF_SIZE];
        assert_int_equal(pm_analyze(run, real_lookup, NULL, NULL, &a, err), PM_OK);
        assert_int_equal(a->verdicts[0].status, PM_STATUS_DIED);
        assert_int_equal(a->verdicts[0].kind, rows[i].kind);
        pm_analysis_free(a);
        pm_run_free(run);
    }
}

static void issue_example_line(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    const char *hops[] = {"198.18.0.1", "198.18.1.1", "219.158.1.1", "219.158.2.1", "219.158.3.1",
                          "219.158.4.1", "219.158.5.1", "219.158.6.1"};
    for (int h = 0; h < 256; h++) {
        struct pm_target *t = pm_run_target(run, A(175, 45, 176, h), true);
        assert_non_null(t);
        struct pm_reply r;
        memset(&r, 0, sizeof r);
        for (uint8_t ttl = 1; ttl <= 9; ttl++) {
            pm_target_note_sent(t, ttl);
            r.ttl = ttl;
            r.kind = PM_REPLY_TIME_EXCEEDED;
            if (ttl == 9) {
                r.kind = PM_REPLY_UNREACH;
                r.icmp_code = 13;
                r.from = A(219, 158, 39, 42);
            } else {
                assert_int_equal(pm_addr_parse(hops[ttl - 1], &r.from), PM_OK);
            }
            assert_int_equal(pm_target_add_reply(t, &r), PM_OK);
        }
    }
    pm_trace_finish(run, 5);
    struct pm_analysis *a = NULL;
    char err[PM_ERRBUF_SIZE];
    assert_int_equal(pm_analyze(run, real_lookup, NULL, NULL, &a, err), PM_OK);
    assert_int_equal(a->n_prefix, 1);
    char line[300];
    pm_rollup_format(&a->by_prefix[0], line, sizeof line);
    assert_string_equal(line, "175.45.176.0/24    dead      256 dead paths of 256   via China Unicom (AS4837): all die in "
                              "China Unicom (AS4837) at 219.158.39.42 (CN, hop 9), admin-prohibited");
    assert_int_equal(a->verdicts[0].dies_in.asn, 4837);
    pm_analysis_free(a);

    /* the database says /22 (it merged the four /24s): still per /24 by default */
    uint8_t announced = 22;
    assert_int_equal(pm_analyze(run, real_lookup, &announced, NULL, &a, err), PM_OK);
    assert_int_equal(a->n_prefix, 1);
    assert_string_equal(a->by_prefix[0].key, "175.45.176.0/24");
    pm_analysis_free(a);
    /* asked for announced prefixes: the roll-up follows the database */
    struct pm_analyze_opts o;
    memset(&o, 0, sizeof o);
    o.group_announced = true;
    assert_int_equal(pm_analyze(run, real_lookup, &announced, &o, &a, err), PM_OK);
    assert_int_equal(a->n_prefix, 1);
    assert_string_equal(a->by_prefix[0].key, "175.45.176.0/22");
    assert_int_equal(a->by_prefix[0].prefix_len, 22);
    pm_analysis_free(a);
    /* longer than /24: rolled up per /24 */
    announced = 28;
    assert_int_equal(pm_analyze(run, real_lookup, &announced, &o, &a, err), PM_OK);
    assert_string_equal(a->by_prefix[0].key, "175.45.176.0/24");
    pm_analysis_free(a);
    pm_run_free(run);
}

static void rollup_format_is_bounded(void **state)
{
    (void)state;
    struct pm_rollup r;
    memset(&r, 0, sizeof r);
    snprintf(r.key, sizeof r.key, "10.0.0.0/24");
    r.prefix_len = 24;
    r.total = 10;
    r.reached = 4;
    r.died = 6;
    r.died_same = 5;
    r.death_addr = A(10, 9, 9, 9);
    r.death_ttl = 3;
    r.death_kind = PM_DEATH_SILENT;
    r.death_owner_asn = 64500;
    r.dies_in.asn = 64501;
    snprintf(r.dies_in.name, sizeof r.dies_in.name, "Next");
    r.upstream.asn = 64500;
    r.state = PM_NET_PARTIAL;
    r.death_rule = PM_RULE_SILENT_NEXT_AS;
    char line[400];
    pm_rollup_format(&r, line, sizeof line);
    assert_string_equal(line, "10.0.0.0/24        partial   4 live, 6 dead paths of 10   via AS64500: 5 of the 6 dead die "
                              "after 10.9.9.9 (AS64500, ??, hop 3), silent; blamed on Next (AS64501) (inferred: on "
                              "working paths it follows this hop: its border is silent)");
    char small[20];
    int n = pm_rollup_format(&r, small, sizeof small);
    assert_true(n >= (int)sizeof small);
    assert_int_equal(strlen(small), sizeof small - 1);
}

static int scale_lookups;
static void scale_lookup(void *ctx, uint32_t addr, struct pm_geo_info *out)
{
    scale_lookups++;
    lab_lookup(ctx, addr, out);
    if ((addr >> 16) == A(100, 64, 0, 0) >> 16) {
        out->asn = 65000;
        snprintf(out->as_name, sizeof out->as_name, "Target");
        out->asn_prefix_len = 24;
    }
}

/* 65536 targets x 12 hops: must finish inside the suite (hash tables, no pairwise loops). */
static void scale_65536_targets(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    const uint32_t n = 65536;
    struct pm_reply r;
    memset(&r, 0, sizeof r);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t dst = A(100, 64, 0, 0) + i;
        struct pm_target *t = pm_run_target(run, dst, true);
        assert_non_null(t);
        uint32_t g = i >> 8;   /* the /24 */
        for (uint8_t ttl = 1; ttl <= 12; ttl++) {
            pm_target_note_sent(t, ttl);
            r.ttl = ttl;
            r.kind = PM_REPLY_TIME_EXCEEDED;
            if (ttl <= 4)
                r.from = A(198, 18, 16, ttl);                       /* shared backbone */
            else if (ttl <= 10)
                r.from = A(198, 18, 20, 0) + ((g * 7 + ttl) % 1024); /* per-prefix branches */
            else if (ttl == 11)
                r.from = A(198, 18, 31, 2);                          /* the border, CU-numbered */
            else {
                r.kind = PM_REPLY_ECHO_REPLY;
                r.from = dst;
            }
            if (i % 97 == 0 && ttl == 12)
                continue;    /* a few silent hosts */
            assert_int_equal(pm_target_add_reply(t, &r), PM_OK);
        }
    }
    pm_trace_finish(run, 5);
    struct pm_analysis *a = NULL;
    char err[PM_ERRBUF_SIZE];
    scale_lookups = 0;
    assert_int_equal(pm_analyze(run, scale_lookup, NULL, NULL, &a, err), PM_OK);
    assert_int_equal(a->target_asn, 65000);
    assert_int_equal(a->n_prefix, 256);
    assert_int_equal(pm_analysis_owner(a, A(198, 18, 31, 2)), 65000);
    /* one lookup per target and per distinct responder, not per reply */
    assert_true((uint32_t)scale_lookups <= n + a->n_owners + 1); /* + the vantage's own address */
    uint32_t reached = 0, silent_t = 0;
    for (uint32_t i = 0; i < n; i++) {
        const struct pm_verdict *v = &a->verdicts[i];
        if (v->status == PM_STATUS_REACHED) {
            reached++;
            assert_int_equal(v->upstream.asn, 4837);
        } else if (v->status == PM_STATUS_HOST_ABSENT && v->rule == PM_RULE_DARK && !v->dies_in.asn) {
            silent_t++;   /* the border answered for them, their hosts did not: dark, not dead */
        }
    }
    assert_int_equal(reached, n - (n + 96) / 97);
    assert_int_equal(silent_t, (n + 96) / 97);
    assert_int_equal(a->n_upstream, 1);
    assert_int_equal(a->by_upstream[0].total, n);
    pm_analysis_free(a);
    pm_run_free(run);
}

static uint32_t rnd_state = 0x9e3779b9u;
static uint32_t rnd(void)
{
    /* xorshift32: a fixed sequence, so a failure is reproducible */
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 17;
    rnd_state ^= rnd_state << 5;
    return rnd_state;
}

static void garbage_lookup(void *ctx, uint32_t addr, struct pm_geo_info *out)
{
    (void)ctx;
    /* a hostile callback: unterminated strings, lying prefix length */
    memset(out, 'A', sizeof *out);
    out->asn = (addr >> 8) % 7 == 0 ? 0 : 64512 + (addr >> 8) % 5;
    out->asn_prefix_len = (uint8_t)(addr % 40);
    out->special = (addr & 1) != 0;
}

/* Random runs (as a lying pcap could produce): no crash, invariants hold. */
static void random_runs_keep_invariants(void **state)
{
    (void)state;
    for (int round = 0; round < 20; round++) {
        struct pm_run *run = pm_run_alloc();
        uint32_t nt = 1 + rnd() % 300;
        for (uint32_t i = 0; i < nt; i++) {
            uint32_t dst = A(10, 0, (rnd() % 4), rnd() % 256);
            struct pm_target *t = pm_run_target(run, dst, true);
            assert_non_null(t);
            uint32_t nr = rnd() % 40;
            for (uint32_t k = 0; k < 12; k++)
                pm_target_note_sent(t, (uint8_t)(rnd() % 70));
            for (uint32_t k = 0; k < nr; k++) {
                struct pm_reply r;
                memset(&r, 0, sizeof r);
                r.ttl = (uint8_t)(rnd() % 80);
                r.kind = (uint8_t)(rnd() % 7);
                r.icmp_code = (uint8_t)(rnd() % 20);
                r.from = rnd() % 3 == 0 ? dst : A(10, 9, rnd() % 4, rnd() % 16);
                struct pm_mpls_stack ms = {.n = (uint8_t)(rnd() % 3)};
                r.quoted_ttl = (uint8_t)(rnd() % 4);
                r.attempt = (uint8_t)(rnd() % 4);
                (void)pm_target_add_reply_ext(t, &r, NULL, &ms);
            }
            if (rnd() % 4 == 0)
                t->stopset_ttl = (uint8_t)(rnd() % 70);
        }
        pm_trace_finish(run, 5);
        struct pm_analysis *a = NULL;
        char err[PM_ERRBUF_SIZE];
        struct pm_history_fact hist[3] = {{A(10, 9, 0, 1), true, 64513}, {A(10, 9, 1, 2), false, 0},
                                          {A(10, 9, 2, 3), true, 0}};
        struct pm_analyze_opts o;
        memset(&o, 0, sizeof o);
        o.history = hist;
        o.n_history = 3;
        assert_int_equal(pm_analyze(run, round % 2 ? garbage_lookup : NULL, NULL, &o, &a, err), PM_OK);
        uint32_t total = 0, utotal = 0;
        for (uint32_t i = 0; i < a->n_prefix; i++)
            total += a->by_prefix[i].total;
        for (uint32_t i = 0; i < a->n_upstream; i++)
            utotal += a->by_upstream[i].total;
        assert_int_equal(total, run->n_targets);
        assert_int_equal(utotal, run->n_targets);
        for (uint32_t i = 0; i < run->n_targets; i++) {
            const struct pm_verdict *v = &a->verdicts[i];
            assert_true(v->confidence >= 0 && v->confidence <= 1);
            assert_true((v->status == PM_STATUS_REACHED) == (v->kind == PM_DEATH_NONE));
            assert_true(v->n_evidence <= PM_EVIDENCE_MAX);
            assert_true(v->group < a->n_prefix);
            for (uint32_t e = 0; e < v->n_evidence; e++)
                assert_true(strlen(v->evidence[e]) < PM_EVIDENCE_LEN);
            assert_true(strlen(v->dies_in.name) < sizeof v->dies_in.name);
        }
        for (uint32_t i = 1; i < a->n_owners; i++)
            assert_true(a->owners[i - 1].addr < a->owners[i].addr);
        char line[400];
        for (uint32_t i = 0; i < a->n_prefix; i++)
            assert_true(pm_rollup_format(&a->by_prefix[i], line, sizeof line) > 0);
        pm_analysis_free(a);
        pm_run_free(run);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(compare_methods_filter_or_dead_route),
        cmocka_unit_test(issue_example_line),
        cmocka_unit_test(death_kind_per_code),
        cmocka_unit_test(rollup_format_is_bounded),
        cmocka_unit_test(scale_65536_targets),
        cmocka_unit_test(random_runs_keep_invariants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
