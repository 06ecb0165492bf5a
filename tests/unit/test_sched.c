/* test_sched.c - the Doubletree scheduler fed with synthetic replies: learned start TTL, per-/24 stop set, dark targets, gap limit, retries, rate limits, loops. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include <string.h>

#include "pathmortem/probe.h"

#include "test_sched_sim.h"

static struct sim *new_sim(void)
{
    struct sim *m = malloc(sizeof *m);
    assert_non_null(m);
    sim_init(m);
    return m;
}

static void end_sim(struct sim *m)
{
    sim_fini(m);
    free(m);
}

static const uint32_t R1 = A(198, 18, 0, 1), R2 = A(198, 18, 1, 1), R3 = A(198, 18, 2, 1), R4 = A(198, 18, 3, 1);

/* The first target of a /24 finds the distance (from the echo reply's TTL);
 * the others start right there and stop one hop lower, at the stop set. */
static void later_targets_start_at_the_learned_distance(void **state)
{
    (void)state;
    struct sim *m = new_sim();
    const uint32_t hops[] = {R1, R2, R3, R4, A(198, 18, 4, 1)};
    struct sim_path *p = sim_path(m, A(198, 19, 176, 0), 5, hops);
    for (uint32_t i = 1; i <= 4; i++) {
        p->live[i] = 1;
        sim_target(m, A(198, 19, 176, i));
    }
    m->interval_us = 5000; /* replies come back before the next send */
    assert_int_equal(sim_run(m, NULL, 120000000), PM_OK);
    assert_int_equal(pm_sched_active(m->s), 0);
    assert_int_equal(pm_sched_finished(m->s), 4);
    /* blind at the split TTL, then back from the distance the reply's TTL tells */
    assert_int_equal(m->sent[0][16], 1);
    for (int ttl = 1; ttl <= 6; ttl++)
        assert_int_equal(m->sent[0][ttl], 1);
    assert_int_equal(sim_probes(m, 0), 7);
    for (uint32_t i = 1; i < 4; i++) {
        assert_int_equal(sim_probes(m, i), 2);
        assert_int_equal(m->sent[i][6], 1);
        assert_int_equal(m->sent[i][5], 1);
    }
    end_sim(m);
}

/* Two /24s reach one border router over two upstreams: the second /24's
 * targets must still walk their own upstream's hops. */
static void the_stop_set_is_kept_per_24(void **state)
{
    (void)state;
    struct sim *m = new_sim();
    const uint32_t border = A(198, 18, 20, 1);
    const uint32_t cu[] = {R1, A(198, 18, 16, 1), A(198, 18, 17, 1), border};
    const uint32_t ru[] = {R1, A(198, 18, 48, 1), A(198, 18, 49, 1), border};
    struct sim_path *a = sim_path(m, A(198, 19, 176, 0), 4, cu);
    struct sim_path *b = sim_path(m, A(198, 19, 177, 0), 4, ru);
    for (uint32_t i = 1; i <= 3; i++) {
        a->live[i] = b->live[i] = 1;
        sim_target(m, A(198, 19, 176, i));
        sim_target(m, A(198, 19, 177, i));
    }
    m->interval_us = 5000;
    assert_int_equal(sim_run(m, NULL, 120000000), PM_OK);
    assert_int_equal(pm_sched_active(m->s), 0);
    /* targets alternate .176/.177: index 1 is the first of .177; its hops 2
     * and 3 (TransTeleCom's routers) are probed though the border was seen */
    assert_int_equal(m->answered[1][2], 1);
    assert_int_equal(m->answered[1][3], 1);
    /* later targets of each /24 stop at that /24's own stop set */
    for (uint32_t i = 2; i < 6; i++)
        assert_int_equal(sim_probes(m, i), 2);
    end_sim(m);
}

/* Dark hosts behind a last router that says host-unreachable: once the /24
 * knows where its paths are refused, a dark target costs three probes at most. */
static void dark_targets_behind_a_refusing_router(void **state)
{
    (void)state;
    struct sim *m = new_sim();
    const uint32_t hops[] = {R1, R2, R3};
    struct sim_path *p = sim_path(m, A(198, 19, 178, 0), 3, hops);
    p->dark = SIM_DARK_HOST_UNREACH;
    for (uint32_t i = 1; i <= 8; i++)
        sim_target(m, A(198, 19, 178, i));
    m->interval_us = 5000;
    assert_int_equal(sim_run(m, NULL, 120000000), PM_OK);
    assert_int_equal(pm_sched_active(m->s), 0);
    assert_true(sim_max_ttl(m, 0) <= 16);
    /* the first reply's TTL puts the refusing router at 3, where the /24's
     * other targets start; this router checks the TTL first (time-exceeded
     * at 3, !H from 4), so each costs the hop below, 3 and 4 */
    for (uint32_t i = 1; i < 8; i++) {
        assert_true(sim_probes(m, i) <= 3);
        assert_int_equal(m->sent[i][4], 1);
        assert_int_equal(m->answered[i][4], 1);
    }
    end_sim(m);
}

/* Silence past the last router: forward probing ends after --gaplimit silent
 * hops, each retried once. (Both targets start blind: the second is launched
 * while the first still waits for its silent hops.) */
static void silent_dark_targets_end_at_the_gap_limit(void **state)
{
    (void)state;
    struct sim *m = new_sim();
    const uint32_t hops[] = {R1, R2, R3};
    sim_path(m, A(198, 19, 179, 0), 3, hops);
    sim_target(m, A(198, 19, 179, 1));
    sim_target(m, A(198, 19, 179, 2));
    m->interval_us = 5000;
    assert_int_equal(sim_run(m, NULL, 600000000), PM_OK);
    assert_int_equal(pm_sched_active(m->s), 0);
    for (uint32_t i = 0; i < 2; i++) {
        /* blind at 16, up to 16 + gaplimit - 1 */
        assert_int_equal(sim_max_ttl(m, i), 20);
        assert_int_equal(m->sent[i][20], 2); /* queries 1 + retries 1 */
        assert_int_equal(m->answered[i][20], 0);
    }
    /* the back walk stops at the first router the other target found */
    assert_int_equal(m->sent[0][1] + m->sent[1][1], 1);
    assert_int_equal(m->answered[0][3] + m->answered[1][3], 2);
    end_sim(m);
}

/* A silent hop of a single target (traceroute mode) gets its retries; the
 * answering hops get exactly their queries. */
static void a_silent_hop_gets_its_retries(void **state)
{
    (void)state;
    struct sim *m = new_sim();
    const uint32_t hops[] = {R1, 0, R3};
    struct sim_path *p = sim_path(m, A(198, 19, 176, 0), 3, hops);
    p->live[9] = 1;
    sim_target(m, A(198, 19, 176, 9));
    m->o.queries = 3;
    assert_int_equal(sim_run(m, NULL, 120000000), PM_OK);
    assert_int_equal(pm_sched_active(m->s), 0);
    assert_int_equal(m->sent[0][1], 3);
    assert_int_equal(m->sent[0][2], 4);
    assert_int_equal(m->sent[0][3], 3);
    assert_int_equal(m->sent[0][4], 3);
    assert_int_equal(sim_max_ttl(m, 0), 4);
    end_sim(m);
}

/* A router that answers once a second (Linux's ICMP rate limit) inside a
 * path whose targets answer: its silence is retried with growing waits, the
 * retries get answers, and the walk goes on past it. */
static void a_rate_limited_router_is_retried_with_longer_waits(void **state)
{
    (void)state;
    struct sim *m = new_sim();
    const uint32_t hops[] = {R1, R2, R3, R4};
    struct sim_path *p = sim_path(m, A(198, 19, 176, 0), 4, hops);
    sim_ratelimit(m, R2, 1000000);
    for (uint32_t i = 1; i <= 12; i++) {
        p->live[i] = 1;
        sim_target(m, A(198, 19, 176, i));
    }
    m->o.no_stopset = true;
    assert_int_equal(sim_run(m, NULL, 600000000), PM_OK);
    assert_int_equal(pm_sched_active(m->s), 0);
    uint32_t extra = 0, late_answer = 0;
    for (uint32_t i = 0; i < m->n; i++) {
        assert_true(m->sent[i][2] <= 4); /* queries + retries + 2 at most */
        assert_int_equal(m->sent[i][5], 1); /* every target reached at 5 */
        assert_int_equal(m->answered[i][5], 1);
        if (m->sent[i][2] > 2)
            extra++;
        if (m->sent[i][2] > 1 && m->answered[i][2])
            late_answer++;
    }
    assert_true(extra > 0);       /* the rate-limited hop got more than --retries */
    assert_true(late_answer > 0); /* and some retry was answered */
    end_sim(m);
}

/* Two routers answering alternately past hop 3 (a routing loop): forward
 * probing stops when a router shows again two hops higher, not at max TTL;
 * the /24's next target starts where the loop begins. */
static void a_loop_stops_forward_probing(void **state)
{
    (void)state;
    struct sim *m = new_sim();
    const uint32_t hops[] = {R1, R2, A(198, 18, 16, 1), A(198, 18, 17, 1)};
    struct sim_path *p = sim_path(m, A(198, 19, 176, 0), 4, hops);
    p->loop = true;
    sim_target(m, A(198, 19, 176, 1));
    sim_target(m, A(198, 19, 176, 2));
    m->interval_us = 5000;
    assert_int_equal(sim_run(m, NULL, 120000000), PM_OK);
    assert_int_equal(pm_sched_active(m->s), 0);
    assert_int_equal(sim_max_ttl(m, 0), 18);
    /* (the second also walks down at once, so it sees the loop a hop sooner) */
    assert_int_equal(m->sent[1][16], 1);
    assert_true(sim_max_ttl(m, 1) <= 18);
    assert_true(sim_probes(m, 1) <= 4);
    end_sim(m);
}

/* The realistic /24 of the lab: a few live hosts, the rest refused by the
 * border router at its own hop under Linux's route error limit (5, then one
 * a second). Once the /24 is known a dark address costs a handful of probes,
 * every live host is reached, and every dark path's silence sits at or above
 * a TTL where a refusal of the /24 came back (what the analysis reads it by). */
static void a_mostly_dark_24_is_swept_economically(void **state)
{
    (void)state;
    struct sim *m = new_sim();
    const uint32_t kpbr = A(198, 18, 20, 5);
    const uint32_t hops[] = {R1, R2, R3, R4, A(198, 18, 20, 1), kpbr};
    struct sim_path *p = sim_path(m, A(198, 19, 177, 0), 6, hops);
    p->dark = SIM_DARK_HOST_UNREACH;
    p->refuse_at_last = true;
    sim_error_limit(m, kpbr, 5, 1000000);
    const uint8_t live[] = {5, 9, 77};
    for (size_t i = 0; i < sizeof live; i++)
        p->live[live[i]] = 1;
    for (uint32_t i = 0; i < 256; i++)
        sim_target(m, A(198, 19, 177, i));
    m->interval_us = 100; /* 10000 pps */
    m->rtt_us = 500;
    assert_int_equal(sim_run(m, NULL, 600000000), PM_OK);
    assert_int_equal(pm_sched_active(m->s), 0);
    for (size_t i = 0; i < sizeof live; i++)
        assert_int_equal(m->answered[live[i]][7], 1);
    uint8_t refused = 0;
    for (uint32_t i = 0; i < m->n; i++)
        for (uint8_t ttl = 1; ttl <= 30; ttl++)
            if (m->answered[i][ttl] && !p->live[i] && ttl >= 6 && (!refused || ttl < refused))
                refused = ttl;
    assert_true(refused > 0);
    for (uint32_t i = 0; i < m->n; i++)
        if (!p->live[i])
            assert_true(sim_max_ttl(m, i) >= refused);
    /* the TTL walk of the old scheduler cost about 11 probes per dark address */
    assert_true(m->total <= 4 * m->n);
    end_sim(m);
}

/* Two mute routers (no time-exceeded at all) on a blackholed /24 swept at
 * 10,000 pps: all its targets wait at those TTLs together, so the first
 * PM_SCHED_MUTE_AFTER silent waits keep their retries and the others stop
 * at one probe there; the routers that answer are not affected. */
static void a_mute_hop_is_not_retried_by_every_target(void **state)
{
    (void)state;
    struct sim *m = new_sim();
    const uint32_t hops[] = {R1, R2, 0, 0, 0, 0};
    sim_path(m, A(198, 19, 176, 0), 6, hops); /* silent past R2, every address dark */
    for (uint32_t i = 0; i < 128; i++)
        sim_target(m, A(198, 19, 176, i));
    m->interval_us = 100;
    m->rtt_us = 500;
    assert_int_equal(sim_run(m, NULL, 600000000), PM_OK);
    assert_int_equal(pm_sched_active(m->s), 0);
    for (uint8_t ttl = 3; ttl <= 6; ttl++) {
        uint32_t probed = 0, retried = 0;
        for (uint32_t i = 0; i < m->n; i++) {
            probed += m->sent[i][ttl] > 0;
            retried += m->sent[i][ttl] > 1;
            assert_int_equal(m->answered[i][ttl], 0);
        }
        if (probed <= 8)
            fail_msg("TTL %u probed by only %u targets: the test shows nothing", ttl, probed);
        if (retried > 4 || retried == 0)
            fail_msg("TTL %u: %u of %u targets retried, want 1..4", ttl, retried, probed);
    }
    /* R2 at TTL 2 answered and is not retried */
    uint32_t heard2 = 0;
    for (uint32_t i = 0; i < m->n; i++)
        heard2 += m->answered[i][2];
    assert_true(heard2 > 0);
    end_sim(m);
}

/* A router that answers only now and then (one token a second, a burst of 2)
 * at a TTL every target of the /24 waits at: it is heard, so it is not mute,
 * and later targets still get their retries there. */
static void a_rate_limited_hop_is_not_taken_for_mute(void **state)
{
    (void)state;
    struct sim *m = new_sim();
    const uint32_t hops[] = {R1, R2, R3};
    struct sim_path *p = sim_path(m, A(198, 19, 176, 0), 3, hops); /* every host answers at 4 */
    sim_error_limit(m, R3, 2, 1000000);
    m->rl[m->n_rl - 1].unreach_only = false;
    for (uint32_t i = 0; i < 128; i++)
        p->live[i] = 1;
    for (uint32_t i = 0; i < 128; i++)
        sim_target(m, A(198, 19, 176, i));
    m->interval_us = 100;
    m->rtt_us = 500;
    m->o.no_stopset = false;
    assert_int_equal(sim_run(m, NULL, 600000000), PM_OK);
    assert_int_equal(pm_sched_active(m->s), 0);
    uint32_t retried = 0, heard = 0;
    for (uint32_t i = 0; i < m->n; i++) {
        retried += m->sent[i][3] > 1;
        heard += m->answered[i][3] > 0;
    }
    assert_true(heard > 0);
    if (retried <= 4)
        fail_msg("only %u targets retried the rate-limited hop", retried);
    end_sim(m);
}

/* Issue 9 failure 4: the border router drops everything it would forward
 * to the hosts (the last upstream router before it mute) and refuses the
 * dark addresses under its route error limit. A live host launched blind
 * (before the /24 knew where its paths end) is silent at 16 and walks back
 * from below the border's hop: it must still get a probe at that hop, whose
 * time-exceeded is the only sign that its path goes as far as the border
 * and dies there. */
static void a_live_host_behind_a_filter_is_probed_at_the_border(void **state)
{
    (void)state;
    struct sim *m = new_sim();
    const uint32_t kpbr = A(198, 18, 20, 5);
    const uint32_t hops[] = {R1, R2, R3, R4, 0, kpbr};
    struct sim_path *p = sim_path(m, A(198, 19, 177, 0), 6, hops);
    p->dark = SIM_DARK_HOST_UNREACH;
    p->refuse_at_last = true;
    p->drop_live = true;
    sim_error_limit(m, kpbr, 5, 1000000);
    for (uint32_t i = 0; i < 64; i++) {
        p->live[i] = i % 8 == 5;
        sim_target(m, A(198, 19, 177, i));
    }
    m->interval_us = 100;
    m->rtt_us = 2000;   /* several targets launched before the first answer */
    assert_int_equal(sim_run(m, NULL, 600000000), PM_OK);
    assert_int_equal(pm_sched_active(m->s), 0);
    uint32_t blind = 0;
    for (uint32_t i = 0; i < m->n; i++) {
        if (!p->live[i])
            continue;
        blind += m->sent[i][16] > 0;
        assert_true(m->sent[i][6] > 0);
        assert_int_equal(m->answered[i][6], 1);
    }
    assert_true(blind > 0);   /* the case is exercised */
    assert_true(m->total <= 5 * m->n);
    end_sim(m);
}

/* The launch order given is the order targets start in. */
static void targets_launch_in_the_given_order(void **state)
{
    (void)state;
    struct sim *m = new_sim();
    const uint32_t hops[] = {R1, R2};
    struct sim_path *p = sim_path(m, A(198, 19, 176, 0), 2, hops);
    for (uint32_t i = 1; i <= 3; i++) {
        p->live[i] = 1;
        sim_target(m, A(198, 19, 176, i));
    }
    const uint32_t order[] = {2, 0, 1};
    m->interval_us = 5000;
    assert_int_equal(sim_run(m, order, 120000000), PM_OK);
    /* the first launched target is the blind one */
    assert_int_equal(m->sent[2][16], 1);
    assert_int_equal(m->sent[0][16], 0);
    assert_int_equal(m->sent[1][16], 0);
    end_sim(m);
}

/* issue 15: the progress bar had no rate or ETA */
static void progress_line_has_rate_and_eta(void **state)
{
    (void)state;
    char buf[256];
    /* 256 of 1024 targets in 4 s: 3 x 4 s to go; 20,000 probes in 4 s */
    pm_engine_progress_format(buf, sizeof buf, 256, 1024, 20000, 15000, 4000000);
    assert_non_null(strstr(buf, "256/1024 targets"));
    assert_non_null(strstr(buf, "5000 probes/s"));
    assert_non_null(strstr(buf, "ETA 12 s"));
    assert_non_null(strstr(buf, "[#######       "));
    /* nothing done yet: a rate, no guess at the time left */
    pm_engine_progress_format(buf, sizeof buf, 0, 1024, 500, 0, 1000000);
    assert_non_null(strstr(buf, "500 probes/s"));
    assert_null(strstr(buf, "ETA"));
    /* a long sweep in minutes; the end without an ETA, the bar full */
    pm_engine_progress_format(buf, sizeof buf, 10, 65536, 1000, 10, 10000000);
    assert_non_null(strstr(buf, "ETA 1092 min"));
    pm_engine_progress_format(buf, sizeof buf, 1024, 1024, 20000, 15000, 9000000);
    assert_null(strstr(buf, "ETA"));
    assert_non_null(strstr(buf, "[##############################]"));
    /* the first tenth of a second gives no rate */
    pm_engine_progress_format(buf, sizeof buf, 0, 4, 3, 0, 50000);
    assert_null(strstr(buf, "probes/s"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(later_targets_start_at_the_learned_distance),
        cmocka_unit_test(the_stop_set_is_kept_per_24),
        cmocka_unit_test(progress_line_has_rate_and_eta),
        cmocka_unit_test(dark_targets_behind_a_refusing_router),
        cmocka_unit_test(silent_dark_targets_end_at_the_gap_limit),
        cmocka_unit_test(a_silent_hop_gets_its_retries),
        cmocka_unit_test(a_rate_limited_router_is_retried_with_longer_waits),
        cmocka_unit_test(a_loop_stops_forward_probing),
        cmocka_unit_test(a_mostly_dark_24_is_swept_economically),
        cmocka_unit_test(a_live_host_behind_a_filter_is_probed_at_the_border),
        cmocka_unit_test(targets_launch_in_the_given_order),
        cmocka_unit_test(a_mute_hop_is_not_retried_by_every_target),
        cmocka_unit_test(a_rate_limited_hop_is_not_taken_for_mute),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
