/* test_pipeline.c - the offline pipeline in the library: pm_run_from_capture on real captures, the recorded-run rules, preset guessing and the compare-methods classifier. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "pathmortem/analyze.h"
#include "pathmortem/capture.h"
#include "pathmortem/input.h"
#include "pathmortem/trace.h"

#define A(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define PCAPS PM_SOURCE_DIR "/tests/golden/pcap/"

static int read_run(const char *path, uint32_t max_frames, struct pm_run **run, char *err)
{
    struct pm_capture *c = NULL;
    int rc = pm_capture_open_file(path, &c, err);
    if (rc != PM_OK)
        return rc;
    struct pm_capture_run_opts o = {.gaplimit = 5, .max_frames = max_frames};
    rc = pm_run_from_capture(c, "x.pcap", &o, run, NULL, err);
    pm_capture_close(c);
    return rc;
}

static uint32_t count_replies(const struct pm_run *run)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < run->n_targets; i++)
        n += run->targets[i].n_replies;
    return n;
}

/* Every way libpcap reads the generator's capture gives the same run: the
 * counts the golden rows pin, a first TTL and a span learned from the data,
 * and stop reasons decided (targets sorted). */
static void capture_becomes_the_same_run(void **state)
{
    (void)state;
    static const char *const files[] = {"ok_icmp_eth.pcap", "ok_tcp_sll.pcap", "ok_udp_raw.pcap",
                                        "ok_bigendian.pcap", "ok_nanosecond.pcap", "ok_pcapng.pcapng"};
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char path[512], err[PM_ERRBUF_SIZE];
        snprintf(path, sizeof path, PCAPS "%s", files[f]);
        struct pm_run *run = NULL;
        assert_int_equal(read_run(path, 0, &run, err), PM_OK);
        assert_int_equal(run->n_targets, 3);
        assert_int_equal(count_replies(run), 12);
        assert_int_equal(run->stats.replies_matched, 12);
        assert_true(run->first_ttl >= 1 && run->first_ttl < PM_TTL_MAX);
        assert_true(run->started_us > 0 && run->ended_us >= run->started_us);
        for (uint32_t i = 0; i < run->n_targets; i++) {
            assert_int_not_equal(run->targets[i].stop, PM_STOP_NONE);
            if (i)
                assert_true(run->targets[i - 1].dst < run->targets[i].dst);
        }
        pm_run_free(run);
    }
}

static void foreign_or_empty_capture_is_refused(void **state)
{
    (void)state;
    static const char *const files[] = {"header_only.pcap", "garbage_frames.pcap", "unknown_linktype.pcap"};
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char path[512], err[PM_ERRBUF_SIZE] = "";
        snprintf(path, sizeof path, PCAPS "%s", files[f]);
        struct pm_run *run = (struct pm_run *)1;
        assert_int_equal(read_run(path, 0, &run, err), PM_ECORRUPT);
        assert_null(run);
        assert_non_null(strstr(err, "x.pcap holds no pathmortem probes"));
        assert_null(strchr(err, '\n'));
    }
}

/* The fuzzer's bound: a capped read sees fewer frames, so fewer replies. */
static void max_frames_bounds_the_read(void **state)
{
    (void)state;
    char err[PM_ERRBUF_SIZE];
    struct pm_run *run = NULL;
    assert_int_equal(read_run(PCAPS "ok_icmp_eth.pcap", 6, &run, err), PM_OK);
    assert_true(count_replies(run) < 12);
    pm_run_free(run);
}

static void recorded_run_rules(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    struct pm_target *t = pm_run_target(run, A(198, 19, 176, 9), true);
    struct pm_target *u = pm_run_target(run, A(198, 19, 176, 10), true);
    for (uint8_t ttl = 3; ttl <= 5; ttl++)
        pm_target_note_sent(t, ttl);
    pm_target_note_sent(u, 4);
    struct pm_reply r = {.from = A(198, 18, 0, 1), .ttl = 3, .kind = PM_REPLY_TIME_EXCEEDED, .icmp_type = 11,
                         .sent_us = 5000, .recv_us = 5100};
    assert_int_equal(pm_target_add_reply(t, &r), PM_OK);
    r = (struct pm_reply){.from = A(198, 18, 0, 2), .ttl = 4, .kind = PM_REPLY_TIME_EXCEEDED, .icmp_type = 11,
                          .sent_us = 4000, .recv_us = 9000};
    assert_int_equal(pm_target_add_reply(u, &r), PM_OK);
    run->first_ttl = 2; /* stated by the record: kept */
    pm_trace_finish_recorded(run, 5);
    assert_int_equal(run->first_ttl, 2);
    run->first_ttl = 0; /* not stated */
    pm_trace_finish_recorded(run, 5);
    assert_int_equal(run->first_ttl, 3);      /* the lowest TTL probed anywhere */
    assert_int_equal(run->started_us, 4000);  /* earliest answered probe */
    assert_int_equal(run->ended_us, 9000);    /* latest reply */
    assert_int_equal(run->targets[1].stopset_ttl, 4); /* u began above the run's first TTL */
    /* a span the record stated itself is only widened */
    run->started_us = 1000;
    run->ended_us = 20000;
    pm_trace_finish_recorded(run, 5);
    assert_int_equal(run->started_us, 1000);
    assert_int_equal(run->ended_us, 20000);
    pm_run_free(run);
}

static uint32_t addr_at(const void *ctx, uint32_t i)
{
    return ((const uint32_t *)ctx)[i];
}

static void preset_guess(void **state)
{
    (void)state;
    struct pm_presets ps;
    char err[PM_ERRBUF_SIZE];
    memset(&ps, 0, sizeof ps);
    assert_int_equal(pm_presets_load(&ps, PM_SOURCE_DIR "/presets/presets.conf", err), PM_OK);
    const uint32_t lab[] = {A(198, 19, 176, 1), A(198, 19, 179, 200), A(175, 45, 176, 1)};
    const struct pm_preset *p = pm_presets_guess(&ps, 3, addr_at, lab);
    assert_non_null(p);
    assert_string_equal(p->name, "lab-starjv"); /* two of three */
    const uint32_t real[] = {A(175, 45, 177, 1)};
    p = pm_presets_guess(&ps, 1, addr_at, real);
    assert_non_null(p);
    assert_string_equal(p->name, "starjv");
    const uint32_t none[] = {A(8, 8, 8, 8)};
    assert_null(pm_presets_guess(&ps, 1, addr_at, none));
    assert_null(pm_presets_guess(&ps, 0, addr_at, none));
}

/* One method's run toward the death point 198.18.20.1 at hop 5. */
static uint8_t outcome_with(uint8_t kind, uint8_t code, uint8_t ttl, uint32_t from)
{
    struct pm_run *run = pm_run_alloc();
    uint32_t dst = A(198, 19, 176, 9);
    struct pm_target *t = pm_run_target(run, dst, true);
    for (uint8_t h = 1; h <= ttl; h++) {
        pm_target_note_sent(t, h);
        struct pm_reply r = {.from = h == ttl ? from : A(198, 18, h, 1), .ttl = h,
                             .kind = h == ttl ? kind : PM_REPLY_TIME_EXCEEDED,
                             .icmp_type = h == ttl && kind == PM_REPLY_UNREACH ? 3 : 11,
                             .icmp_code = h == ttl ? code : 0};
        if (r.from)
            assert_int_equal(pm_target_add_reply(t, &r), PM_OK);
    }
    pm_trace_finish(run, 5);
    struct pm_cmp_input d = {.death_addr = A(198, 18, 20, 1), .death_ttl = 5};
    uint8_t o = (uint8_t)pm_cmp_outcome_of(run, dst, &d);
    pm_run_free(run);
    return o;
}

static void compare_outcomes(void **state)
{
    (void)state;
    const uint32_t death = A(198, 18, 20, 1);
    assert_int_equal(outcome_with(PM_REPLY_UNREACH, 13, 5, death), PM_CMP_UNREACH_ADMIN);
    assert_int_equal(outcome_with(PM_REPLY_UNREACH, 9, 5, death), PM_CMP_UNREACH_ADMIN);
    assert_int_equal(outcome_with(PM_REPLY_UNREACH, 14, 6, A(198, 18, 21, 1)), PM_CMP_UNREACH_ADMIN);
    assert_int_equal(outcome_with(PM_REPLY_UNREACH, 0, 5, death), PM_CMP_UNREACH_OTHER);
    assert_int_equal(outcome_with(PM_REPLY_UNREACH, 8, 5, death), PM_CMP_UNREACH_OTHER);
    assert_int_equal(outcome_with(PM_REPLY_ECHO_REPLY, 0, 7, A(198, 19, 176, 9)), PM_CMP_REACHED);
    /* time exceeded up to hop 5 and silence: died at the same place */
    assert_int_equal(outcome_with(PM_REPLY_TIME_EXCEEDED, 0, 5, A(198, 18, 5, 1)), PM_CMP_DIED_SAME);
    assert_int_equal(outcome_with(PM_REPLY_TIME_EXCEEDED, 0, 8, A(198, 18, 8, 1)), PM_CMP_DIED_FURTHER);
    assert_int_equal(outcome_with(PM_REPLY_TIME_EXCEEDED, 0, 3, A(198, 18, 3, 1)), PM_CMP_DIED_EARLIER);
    struct pm_run *empty = pm_run_alloc();
    struct pm_cmp_input d = {.death_addr = death, .death_ttl = 5};
    assert_int_equal(pm_cmp_outcome_of(empty, A(1, 2, 3, 4), &d), PM_CMP_NOT_PROBED);
    pm_run_free(empty);
}

/* Distinct death points with their first target, and the evidence they leave. */
static void compare_deaths_and_evidence(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    for (int h = 1; h <= 4; h++) {
        struct pm_target *t = pm_run_target(run, A(198, 19, 176, h), true);
        for (uint8_t ttl = 1; ttl <= 3; ttl++) {
            pm_target_note_sent(t, ttl);
            struct pm_reply r = {.from = A(198, 18, ttl, h <= 2 ? 1 : 2), .ttl = ttl, .icmp_type = 11,
                                 .kind = PM_REPLY_TIME_EXCEEDED};
            if (ttl == 3) {
                r.kind = PM_REPLY_UNREACH;
                r.icmp_type = 3;
            }
            assert_int_equal(pm_target_add_reply(t, &r), PM_OK);
        }
    }
    pm_trace_finish(run, 5);
    struct pm_analysis *a = NULL;
    char err[PM_ERRBUF_SIZE];
    assert_int_equal(pm_analyze(run, NULL, NULL, NULL, &a, err), PM_OK);
    struct pm_cmp_input deaths[8];
    uint32_t dsts[8];
    uint32_t n = pm_cmp_deaths(run, a, deaths, dsts, 8);
    assert_int_equal(n, 2);
    assert_int_equal(dsts[0], A(198, 19, 176, 1));
    assert_int_equal(deaths[0].death_addr, A(198, 18, 3, 1));
    assert_int_equal(dsts[1], A(198, 19, 176, 3));
    assert_int_equal(deaths[1].death_addr, A(198, 18, 3, 2));
    assert_int_equal(deaths[1].death_ttl, 3);
    assert_int_equal(pm_cmp_deaths(run, a, deaths, dsts, 1), 1);
    uint32_t before[4];
    for (int i = 0; i < 4; i++)
        before[i] = a->verdicts[i].n_evidence;
    struct pm_cmp_result res;
    memset(&res, 0, sizeof res);
    snprintf(res.text, sizeof res.text, "dead route");
    pm_cmp_attach(a, &deaths[0], &res);
    for (int i = 0; i < 4; i++)
        assert_int_equal(a->verdicts[i].n_evidence, before[i] + (i < 2));
    assert_string_equal(a->verdicts[0].evidence[before[0]], "compare-methods: dead route");
    pm_analysis_free(a);
    pm_run_free(run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(capture_becomes_the_same_run),
        cmocka_unit_test(foreign_or_empty_capture_is_refused),
        cmocka_unit_test(max_frames_bounds_the_read),
        cmocka_unit_test(recorded_run_rules),
        cmocka_unit_test(preset_guess),
        cmocka_unit_test(compare_outcomes),
        cmocka_unit_test(compare_deaths_and_evidence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
