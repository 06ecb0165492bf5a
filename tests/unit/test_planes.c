/* test_planes.c - both planes joined (pm_planes_join): each named conclusion per /24 and per upstream side from a hand-built control plane and data plane, and the line every output prints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pathmortem/analyze.h"

#define A(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))
#define CU 4837u
#define TTK 20485u
#define KP 131279u

/* One /24 with four targets: per target its status, the upstream its path
 * took, and where it died. */
struct fixture {
    struct pm_run run;
    struct pm_target targets[4];
    struct pm_analysis a;
    struct pm_verdict v[4];
    struct pm_rollup r;
    struct pm_planes p;
    struct pm_plane_unit u;
};

static void target(struct fixture *f, int i, uint8_t status, uint32_t upstream, uint32_t dies_in)
{
    f->targets[i].dst = A(198, 19, 176, 10 + i);
    f->v[i].status = status;
    f->v[i].kind = status == PM_STATUS_DIED ? PM_DEATH_NET_UNREACH : PM_DEATH_NONE;
    f->v[i].upstream.asn = upstream;
    f->v[i].dies_in.asn = dies_in;
}

/* state: the /24's data-plane state as the analyzer would roll it up. */
static void build(struct fixture *f, uint8_t state, uint32_t dies_in, bool visible, const char *cause)
{
    f->run.n_targets = 4;
    f->run.targets = f->targets;
    f->a.n_targets = 4;
    f->a.verdicts = f->v;
    f->a.target_asn = KP;
    f->r.prefix = A(198, 19, 176, 0);
    f->r.prefix_len = 24;
    f->r.state = state;
    f->r.dies_in.asn = dies_in;
    f->a.n_prefix = 1;
    f->a.by_prefix = &f->r;
    f->u.prefix = A(198, 19, 176, 0);
    f->u.len = 24;
    f->u.visible = visible;
    f->u.ff_total = 2;
    f->u.ff_seen = visible ? 2 : 0;
    snprintf(f->u.cause, sizeof f->u.cause, "%s", cause);
    f->p.n = 1;
    f->p.units = &f->u;
}

static void side(struct fixture *f, uint32_t asn, uint32_t now, uint32_t rib)
{
    f->u.sides[f->u.n_sides++] = (struct pm_plane_side){.asn = asn, .ff_seen = now, .ff_seen_rib = rib};
}

static const char *conclusion(struct fixture *f)
{
    pm_planes_join(&f->p, &f->run, &f->a);
    return pm_plane_conclusion_name((enum pm_plane_conclusion)f->u.conclusion);
}

static const char *side_conclusion(const struct fixture *f, uint32_t k)
{
    return pm_side_conclusion_name((enum pm_side_conclusion)f->u.sides[k].conclusion);
}

static void origin_withdrawn_and_paths_die_at_the_upstreams(void **state)
{
    (void)state;
    struct fixture f = {0};
    target(&f, 0, PM_STATUS_DIED, CU, CU);
    target(&f, 1, PM_STATUS_DIED, CU, CU);
    target(&f, 2, PM_STATUS_DIED, TTK, TTK);
    target(&f, 3, PM_STATUS_DIED, TTK, TTK);
    build(&f, PM_NET_DEAD, CU, false, "origin-withdrawal");
    side(&f, CU, 0, 1);
    side(&f, TTK, 0, 1);
    assert_string_equal(conclusion(&f), "withdrawn-dies");
    assert_string_equal(pm_planes_confidence_word(f.u.confidence), "high");
    assert_string_equal(side_conclusion(&f, 0), "lost-dies");
    assert_string_equal(side_conclusion(&f, 1), "lost-dies");
    assert_int_equal(f.u.sides[0].total, 2);
    assert_int_equal(f.u.sides[0].died, 2);
    assert_int_equal(f.u.sides[1].data_state, PM_NET_DEAD);
    /* withdrawn with no change seen since the RIB: routing still explains it, less surely */
    build(&f, PM_NET_DEAD, CU, false, "no-control-plane-change");
    assert_string_equal(conclusion(&f), "withdrawn-dies");
    assert_string_equal(pm_planes_confidence_word(f.u.confidence), "medium");
}

static void one_side_dropped_its_paths_die_the_other_reaches(void **state)
{
    (void)state;
    struct fixture f = {0};
    target(&f, 0, PM_STATUS_DIED, CU, CU);
    target(&f, 1, PM_STATUS_DIED, 0, CU); /* died before any upstream was seen: the AS it died in */
    target(&f, 2, PM_STATUS_REACHED, TTK, 0);
    target(&f, 3, PM_STATUS_HOST_ABSENT, TTK, 0);
    build(&f, PM_NET_PARTIAL, CU, true, "one-upstream-dropped");
    f.u.ff_seen = 1; /* half of 2 peers: not visible by IODA's rule */
    f.u.visible = false;
    side(&f, CU, 0, 1);
    side(&f, TTK, 1, 1);
    assert_string_equal(conclusion(&f), "side-dropped-dies");
    assert_string_equal(pm_planes_confidence_word(f.u.confidence), "high");
    assert_string_equal(side_conclusion(&f, 0), "lost-dies");
    assert_string_equal(side_conclusion(&f, 1), "up");
    assert_int_equal(f.u.sides[0].total, 2);
    assert_int_equal(f.u.sides[1].reached, 2);
    char line[256];
    pm_plane_side_format(&f.u.sides[0], f.u.ff_total, line, sizeof line);
    assert_string_equal(line, "via AS4837: carried by 0 of 2 full-feed peers (1 at the RIB); 2 probed through it, "
                              "0 reached: lost-dies");
}

static void announced_via_both_one_side_dies(void **state)
{
    (void)state;
    struct fixture f = {0};
    target(&f, 0, PM_STATUS_DIED, CU, CU);
    target(&f, 1, PM_STATUS_DIED, CU, CU);
    target(&f, 2, PM_STATUS_REACHED, TTK, 0);
    target(&f, 3, PM_STATUS_REACHED, TTK, 0);
    build(&f, PM_NET_PARTIAL, CU, true, "no-control-plane-change");
    side(&f, CU, 1, 1);
    side(&f, TTK, 1, 1);
    assert_string_equal(conclusion(&f), "one-side-dies");
    assert_string_equal(side_conclusion(&f, 0), "carries-dies");
    assert_string_equal(side_conclusion(&f, 1), "up");
}

static void announced_dies_inside_or_upstream_or_up(void **state)
{
    (void)state;
    struct fixture f = {0};
    for (int i = 0; i < 4; i++)
        target(&f, i, PM_STATUS_DIED, CU, KP);
    build(&f, PM_NET_DEAD, KP, true, "no-control-plane-change");
    side(&f, CU, 2, 2);
    assert_string_equal(conclusion(&f), "announced-dies-inside");
    assert_string_equal(side_conclusion(&f, 0), "carries-dies");
    build(&f, PM_NET_DEAD, CU, true, "no-control-plane-change");
    assert_string_equal(conclusion(&f), "announced-dies-upstream");
    for (int i = 0; i < 4; i++)
        target(&f, i, PM_STATUS_REACHED, CU, 0);
    build(&f, PM_NET_REACHABLE, 0, true, "no-control-plane-change");
    assert_string_equal(conclusion(&f), "both-planes-up");
    assert_string_equal(pm_planes_confidence_word(f.u.confidence), "high");
    /* under the 50 % rule, but the side its paths take carries it and they reach: up, medium */
    build(&f, PM_NET_REACHABLE, 0, false, "one-upstream-dropped");
    f.u.sides[0].ff_seen = 1;
    assert_string_equal(conclusion(&f), "both-planes-up");
    assert_string_equal(side_conclusion(&f, 0), "up");
    assert_string_equal(pm_planes_confidence_word(f.u.confidence), "medium");
    /* withdrawn, yet reached: low */
    build(&f, PM_NET_REACHABLE, 0, false, "origin-withdrawal");
    f.u.sides[0].ff_seen = 0;
    assert_string_equal(conclusion(&f), "withdrawn-but-reachable");
    assert_string_equal(side_conclusion(&f, 0), "lost-reaches");
    assert_string_equal(pm_planes_confidence_word(f.u.confidence), "low");
    /* no data plane: the control plane only */
    build(&f, PM_NET_UNKNOWN, 0, false, "origin-withdrawal");
    assert_string_equal(conclusion(&f), "control-plane-only");
}

static void hijack_standing_dies_in_the_hijacker_or_reaches(void **state)
{
    (void)state;
    struct fixture f = {0};
    for (int i = 0; i < 4; i++)
        target(&f, i, PM_STATUS_DIED, CU, 64666);
    build(&f, PM_NET_DEAD, 64666, true, "hijack");
    f.u.cause_as = 64666;
    f.u.cause_standing = true;
    side(&f, CU, 1, 1);
    side(&f, TTK, 1, 1);
    /* announced and carried by both sides: without the hijack rule this is announced-dies-upstream */
    assert_string_equal(conclusion(&f), "hijacked-dies");
    assert_string_equal(pm_planes_confidence_word(f.u.confidence), "high");
    /* dying elsewhere while the hijack stands: less sure it is the cause */
    build(&f, PM_NET_DEAD, CU, true, "route-leak");
    assert_string_equal(conclusion(&f), "hijacked-dies");
    assert_string_equal(pm_planes_confidence_word(f.u.confidence), "medium");
    /* a hijack over before the run explains nothing: the other rules decide */
    f.u.cause_standing = false;
    assert_string_equal(conclusion(&f), "announced-dies-upstream");
    for (int i = 0; i < 4; i++)
        target(&f, i, PM_STATUS_REACHED, CU, 0);
    build(&f, PM_NET_REACHABLE, 0, true, "hijack");
    f.u.cause_standing = true;
    assert_string_equal(conclusion(&f), "hijacked-but-reachable");
    assert_string_equal(pm_planes_confidence_word(f.u.confidence), "medium");
}

/* An announced prefix that is none of the /24s: its data plane is the
 * targets inside it, not the /24's roll-up. */
static void announced_more_specific_from_its_targets(void **state)
{
    (void)state;
    struct fixture f = {0};
    /* .10 and .11 (inside 198.19.176.0/25) die in the hijacker; .200 and .201 reach */
    target(&f, 0, PM_STATUS_DIED, CU, 64666);
    target(&f, 1, PM_STATUS_DIED, CU, 64666);
    target(&f, 2, PM_STATUS_REACHED, CU, 0);
    target(&f, 3, PM_STATUS_REACHED, CU, 0);
    f.targets[2].dst = A(198, 19, 176, 200);
    f.targets[3].dst = A(198, 19, 176, 201);
    build(&f, PM_NET_PARTIAL, CU, true, "hijack");
    f.u.prefix = A(198, 19, 176, 0);
    f.u.len = 25;
    f.u.announced = true;
    f.u.visible = false;
    f.u.ff_seen = 1;
    f.u.cause_as = 64666;
    f.u.cause_standing = true;
    side(&f, CU, 1, 0);
    assert_string_equal(conclusion(&f), "hijacked-dies");
    assert_int_equal(f.u.data_state, PM_NET_DEAD);
    /* dying in the hijacker's AS, though the /24's roll-up says AS4837: high */
    assert_string_equal(pm_planes_confidence_word(f.u.confidence), "high");
    assert_int_equal(f.u.sides[0].total, 2);
    /* the covering /22: all four targets, two dead */
    f.u.prefix = A(198, 19, 176, 0);
    f.u.len = 22;
    f.u.cause_standing = false;
    snprintf(f.u.cause, sizeof f.u.cause, "no-control-plane-change");
    f.u.visible = true;
    f.u.n_sides = 0;
    side(&f, CU, 1, 1);
    side(&f, TTK, 1, 1);
    assert_string_equal(conclusion(&f), "announced-dies-upstream");
    assert_int_equal(f.u.data_state, PM_NET_PARTIAL);
    assert_int_equal(f.u.sides[0].total, 4);
    /* none of its targets probed: the control plane only */
    f.u.prefix = A(198, 19, 178, 0);
    f.u.len = 23;
    assert_string_equal(conclusion(&f), "control-plane-only");
}

static void names_and_line(void **state)
{
    (void)state;
    uint8_t c;
    for (int i = 0; i < PM_PLANES__N; i++) {
        assert_int_equal(pm_plane_conclusion_parse(pm_plane_conclusion_name((enum pm_plane_conclusion)i), &c), PM_OK);
        assert_int_equal(c, i);
    }
    assert_int_equal(pm_plane_conclusion_parse("withdrawn", &c), PM_EINVAL);
    assert_string_equal(pm_plane_conclusion_name((enum pm_plane_conclusion)99), "?");
    struct pm_plane_unit u = {.visible = false, .ff_seen = 0, .ff_total = 2, .conclusion = PM_PLANES_WITHDRAWN_DIES,
                              .confidence = 0.9, .data_state = PM_NET_DEAD};
    snprintf(u.cause, sizeof u.cause, "origin-withdrawal");
    snprintf(u.cause_text, sizeof u.cause_text, "withdrawn by its origin AS131279");
    char line[512];
    pm_plane_unit_format(&u, line, sizeof line);
    assert_string_equal(line, "withdrawn-dies (high): withdrawn, seen by 0 of 2 full-feed peers; origin-withdrawal: "
                              "withdrawn by its origin AS131279; data plane: dead");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(origin_withdrawn_and_paths_die_at_the_upstreams),
        cmocka_unit_test(one_side_dropped_its_paths_die_the_other_reaches),
        cmocka_unit_test(announced_via_both_one_side_dies),
        cmocka_unit_test(announced_dies_inside_or_upstream_or_up),
        cmocka_unit_test(hijack_standing_dies_in_the_hijacker_or_reaches),
        cmocka_unit_test(announced_more_specific_from_its_targets),
        cmocka_unit_test(names_and_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
