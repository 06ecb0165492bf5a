/* test_trace.c - the trace model: target index, reply storage, stop reasons and shared-hop derivation from data alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pathmortem/trace.h"

#define A(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static void hop(struct pm_target *t, uint8_t ttl, uint32_t from, uint8_t kind, uint8_t code)
{
    pm_target_note_sent(t, ttl);
    if (!from)
        return;
    struct pm_reply r = {.from = from, .ttl = ttl, .kind = kind, .icmp_code = code,
                         .icmp_type = kind == PM_REPLY_TIME_EXCEEDED ? 11 : kind == PM_REPLY_UNREACH ? 3 : 0};
    assert_int_equal(pm_target_add_reply(t, &r), PM_OK);
}

static void index_finds_targets_after_growth_and_sort(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    for (uint32_t i = 0; i < 5000; i++)
        assert_non_null(pm_run_target(run, A(175, 45, 176, 0) + (4999 - i) * 7, true));
    assert_int_equal(run->n_targets, 5000);
    assert_null(pm_run_target(run, A(1, 2, 3, 4), false));
    pm_trace_finish(run, 5);
    for (uint32_t i = 1; i < run->n_targets; i++)
        assert_true(run->targets[i].dst > run->targets[i - 1].dst);
    for (uint32_t i = 0; i < 5000; i++) {
        struct pm_target *t = pm_run_target(run, A(175, 45, 176, 0) + i * 7, false);
        assert_non_null(t);
        assert_int_equal(t->dst, A(175, 45, 176, 0) + i * 7);
    }
    pm_run_free(run);
}

static void stop_reasons_come_from_the_data(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    run->max_ttl = 3; /* .5 below is probed to the run's maximum */
    uint32_t r1 = A(198, 18, 0, 1), r2 = A(198, 18, 8, 0), r3 = A(198, 18, 16, 0);
    struct pm_target *t = pm_run_target(run, A(198, 19, 176, 1), true);
    hop(t, 1, r1, PM_REPLY_TIME_EXCEEDED, 0);
    hop(t, 2, r2, PM_REPLY_TIME_EXCEEDED, 0);
    hop(t, 3, t->dst, PM_REPLY_ECHO_REPLY, 0);
    hop(t, 16, t->dst, PM_REPLY_ECHO_REPLY, 0); /* beyond the target: still reached at 3 */
    t = pm_run_target(run, A(198, 19, 176, 2), true);
    hop(t, 1, r1, PM_REPLY_TIME_EXCEEDED, 0);
    hop(t, 2, r2, PM_REPLY_UNREACH, 0);
    t = pm_run_target(run, A(198, 19, 176, 3), true);
    hop(t, 1, r1, PM_REPLY_TIME_EXCEEDED, 0);
    hop(t, 2, r2, PM_REPLY_TIME_EXCEEDED, 0);
    hop(t, 3, r3, PM_REPLY_TIME_EXCEEDED, 0);
    hop(t, 4, r2, PM_REPLY_TIME_EXCEEDED, 0);
    hop(t, 5, r3, PM_REPLY_TIME_EXCEEDED, 0);
    t = pm_run_target(run, A(198, 19, 176, 4), true);
    hop(t, 1, r1, PM_REPLY_TIME_EXCEEDED, 0);
    for (uint8_t ttl = 2; ttl <= 6; ttl++)
        hop(t, ttl, 0, 0, 0);
    t = pm_run_target(run, A(198, 19, 176, 5), true);
    hop(t, 1, r1, PM_REPLY_TIME_EXCEEDED, 0);
    hop(t, 2, 0, 0, 0);
    hop(t, 3, r3, PM_REPLY_TIME_EXCEEDED, 0);
    pm_trace_finish(run, 5);
    const uint8_t want[] = {PM_STOP_REACHED, PM_STOP_UNREACHABLE, PM_STOP_LOOP, PM_STOP_GAPLIMIT, PM_STOP_MAXTTL};
    const uint8_t want_ttl[] = {3, 2, 4, 1, 3};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(run->targets[i].stop, want[i]);
        assert_int_equal(run->targets[i].stop_ttl, want_ttl[i]);
    }
    assert_int_equal(pm_target_last_ttl(&run->targets[0]), 3); /* not 16 */
    const struct pm_reply *r;
    assert_int_equal(pm_target_hop(&run->targets[2], 3, &r), 1);
    assert_int_equal(r->from, r3);
    assert_int_equal(pm_target_hop(&run->targets[3], 4, &r), 0);
    assert_string_equal(pm_stop_name(PM_STOP_GAPLIMIT), "gaplimit");
    pm_run_free(run);
}

/* Issue 9 failure 6: a path that stopped silent below the run's maximum TTL
 * was not stopped by it. Probed as far as its /24's other paths end (a
 * neighbour reached or refused there): prefix-end at that TTL; with nothing
 * of its /24 ending that low, the walk was cut: halted. Without a stated
 * maximum the run cannot tell: maxttl. */
static void stop_reasons_below_the_maximum_ttl(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    run->max_ttl = 30;
    uint32_t cu2 = A(198, 18, 17, 1), cu3 = A(198, 18, 20, 1), kpbr = A(198, 18, 20, 5);
    struct pm_target *t = pm_run_target(run, A(198, 19, 176, 8), true);   /* a live host at 7 */
    hop(t, 5, cu3, PM_REPLY_TIME_EXCEEDED, 0);
    hop(t, 6, kpbr, PM_REPLY_TIME_EXCEEDED, 0);
    hop(t, 7, t->dst, PM_REPLY_ECHO_REPLY, 0);
    t = pm_run_target(run, A(198, 19, 176, 200), true);                  /* dark: silent at 6 and 7 */
    hop(t, 5, cu3, PM_REPLY_TIME_EXCEEDED, 0);
    hop(t, 6, 0, 0, 0);
    hop(t, 7, 0, 0, 0);
    t = pm_run_target(run, A(198, 19, 176, 201), true);                  /* cut before its /24's end */
    hop(t, 5, cu3, PM_REPLY_TIME_EXCEEDED, 0);
    hop(t, 6, 0, 0, 0);
    t = pm_run_target(run, A(198, 19, 179, 1), true);                    /* refused at 4 */
    hop(t, 3, cu2, PM_REPLY_TIME_EXCEEDED, 0);
    hop(t, 4, cu2, PM_REPLY_UNREACH, 0);
    t = pm_run_target(run, A(198, 19, 179, 2), true);                    /* its copy rate limited */
    hop(t, 3, cu2, PM_REPLY_TIME_EXCEEDED, 0);
    hop(t, 4, 0, 0, 0);
    t = pm_run_target(run, A(198, 19, 178, 1), true);                    /* alone in its /24 */
    hop(t, 1, A(198, 18, 0, 1), PM_REPLY_TIME_EXCEEDED, 0);
    hop(t, 2, 0, 0, 0);
    pm_run_target(run, A(198, 19, 177, 1), true);                        /* never probed */
    pm_trace_finish(run, 5);
    const struct {
        uint32_t dst;
        uint8_t stop, ttl;
    } want[] = {
        {A(198, 19, 176, 8), PM_STOP_REACHED, 7},      {A(198, 19, 176, 200), PM_STOP_PREFIX_END, 7},
        {A(198, 19, 176, 201), PM_STOP_HALTED, 6},     {A(198, 19, 177, 1), PM_STOP_HALTED, 0},
        {A(198, 19, 178, 1), PM_STOP_HALTED, 2},       {A(198, 19, 179, 1), PM_STOP_UNREACHABLE, 4},
        {A(198, 19, 179, 2), PM_STOP_PREFIX_END, 4},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const struct pm_target *x = pm_run_find(run, want[i].dst);
        assert_non_null(x);
        assert_int_equal(x->stop, want[i].stop);
        assert_int_equal(x->stop_ttl, want[i].ttl);
    }
    assert_string_equal(pm_stop_name(PM_STOP_PREFIX_END), "prefix-end");
    assert_string_equal(pm_stop_name(PM_STOP_HALTED), "halted");
    /* a run that does not say how far it probed */
    run->max_ttl = 0;
    pm_trace_finish(run, 5);
    assert_int_equal(pm_run_find(run, A(198, 19, 176, 200))->stop, PM_STOP_MAXTTL);
    pm_run_free(run);
}

static void shared_hops_come_from_the_same_slash24(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    uint32_t acc = A(198, 18, 0, 1), cu = A(198, 18, 16, 0), ttk = A(198, 18, 48, 0), border = A(198, 18, 20, 5);
    /* .176/24 via China Unicom, full path */
    struct pm_target *t = pm_run_target(run, A(198, 19, 176, 10), true);
    hop(t, 1, acc, PM_REPLY_TIME_EXCEEDED, 0);
    hop(t, 2, cu, PM_REPLY_TIME_EXCEEDED, 0);
    hop(t, 3, border, PM_REPLY_TIME_EXCEEDED, 0);
    hop(t, 4, t->dst, PM_REPLY_ECHO_REPLY, 0);
    /* .177/24 via TransTeleCom, full path, same border address */
    t = pm_run_target(run, A(198, 19, 177, 10), true);
    hop(t, 1, acc, PM_REPLY_TIME_EXCEEDED, 0);
    hop(t, 2, ttk, PM_REPLY_TIME_EXCEEDED, 0);
    hop(t, 3, border, PM_REPLY_TIME_EXCEEDED, 0);
    hop(t, 4, t->dst, PM_REPLY_ECHO_REPLY, 0);
    /* a .177 target that stopped at the border (stop set) */
    t = pm_run_target(run, A(198, 19, 177, 99), true);
    hop(t, 3, border, PM_REPLY_TIME_EXCEEDED, 0);
    hop(t, 4, t->dst, PM_REPLY_ECHO_REPLY, 0);
    pm_trace_finish(run, 5);
    struct pm_target *s = pm_run_target(run, A(198, 19, 177, 99), false);
    assert_int_equal(s->stopset_ttl, 3);
    assert_int_equal(s->shared_via, border);
    assert_int_not_equal(s->donor, 0);
    assert_int_equal(run->targets[s->donor - 1].dst, A(198, 19, 177, 10)); /* never the .176 one */
    assert_int_equal(pm_run_target(run, A(198, 19, 176, 10), false)->stopset_ttl, 0);
    pm_run_free(run);
}

static void replies_per_target_are_capped(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    struct pm_target *t = pm_run_target(run, A(198, 19, 176, 1), true);
    struct pm_reply r = {.from = 1, .ttl = 1};
    for (int i = 0; i < PM_TRACE_MAX_REPLIES_PER_TARGET; i++)
        assert_int_equal(pm_target_add_reply(t, &r), PM_OK);
    assert_int_equal(pm_target_add_reply(t, &r), PM_ELIMIT);
    pm_run_free(run);
}

static void first_sent_is_the_lowest_ttl_probed(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    struct pm_target *t = pm_run_target(run, A(198, 19, 176, 1), true);
    assert_int_equal(pm_target_first_sent(t), 0); /* never probed */
    pm_target_note_sent(t, 7);
    pm_target_note_sent(t, 4);
    pm_target_note_sent(t, 9);
    assert_int_equal(pm_target_first_sent(t), 4);
    pm_target_note_sent(t, 0);                    /* out of range: not recorded */
    assert_int_equal(pm_target_first_sent(t), 4);
    t = pm_run_target(run, A(198, 19, 176, 2), true);
    pm_target_note_sent(t, PM_TTL_MAX);
    assert_int_equal(pm_target_first_sent(t), PM_TTL_MAX);
    pm_run_free(run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(index_finds_targets_after_growth_and_sort),
        cmocka_unit_test(stop_reasons_come_from_the_data),
        cmocka_unit_test(stop_reasons_below_the_maximum_ttl),
        cmocka_unit_test(shared_hops_come_from_the_same_slash24),
        cmocka_unit_test(replies_per_target_are_capped),
        cmocka_unit_test(first_sent_is_the_lowest_ttl_probed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
