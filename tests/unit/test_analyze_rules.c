/* test_analyze_rules.c - one fixture per analyzer rule of issue 9 (statuses, network states, attribution, run end), and whole evidence sentences. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_analyze_lab.h"
#include "pathmortem/output.h"

#define T_AS 131279u
#define CU 4837u
#define TTK 20485u

/* The lab lookup, but the target AS carries a name longer than any sentence buffer of the old analyzer. */
static const char long_name[] = "Star Joint Venture Co. Ltd. of the Democratic People's Republic of Korea, Pyongyang "
                                "(a name of well over one hundred bytes)";
static void long_lookup(void *ctx, uint32_t addr, struct pm_geo_info *out)
{
    lab_lookup(ctx, addr, out);
    if (out->asn == T_AS)
        snprintf(out->as_name, sizeof out->as_name, "%s", long_name);
}

static struct pm_analysis *analyze(struct pm_run *run, pm_lookup_fn fn)
{
    char err[PM_ERRBUF_SIZE] = "";
    struct pm_analysis *a = NULL;
    struct pm_analyze_opts o;
    memset(&o, 0, sizeof o);
    o.watched[0] = CU;
    o.watched[1] = TTK;
    o.n_watched = 2;
    pm_trace_finish(run, 5);
    int rc = pm_analyze(run, fn, NULL, &o, &a, err);
    if (rc != PM_OK)
        fprintf(stderr, "pm_analyze: %s\n", err);
    assert_int_equal(rc, PM_OK);
    if (getenv("PM_TEST_DUMP"))
        lab_dump(run, a);
    return a;
}

/* Evidence is worded after the decision into strings of their own length:
 * a sentence naming a long AS twice ends with its last word. */
static void evidence_is_never_cut(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    lab_hosts(run, 176, 4, CN_OK);
    lab_hosts(run, 177, 4, RU_OK);
    /* .178 dies silently after ttk2: working paths show the border next */
    lab_hosts(run, 178, 4, "acc tr rt1 ttk1 ttk2 * * * * * *");
    struct pm_analysis *a = analyze(run, long_lookup);
    const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 178, 1));
    assert_int_equal(v->status, PM_STATUS_DIED);
    bool found = false;
    for (uint32_t e = 0; e < v->n_evidence; e++) {
        const char *s = v->evidence[e];
        if (!strstr(s, "the border is silent, blamed on"))
            continue;
        found = true;
        assert_true(strlen(s) > 200);  /* longer than the old fixed buffers */
        char tail[256];
        snprintf(tail, sizeof tail, "blamed on %s (AS131279)", long_name);
        assert_true(strlen(s) > strlen(tail));
        assert_string_equal(s + strlen(s) - strlen(tail), tail);
    }
    assert_true(found);
    pm_analysis_free(a);
    pm_run_free(run);
}

static void add_evidence_limits(void **state)
{
    (void)state;
    struct pm_verdict v;
    memset(&v, 0, sizeof v);
    for (int i = 0; i < PM_EVIDENCE_MAX; i++)
        assert_int_equal(pm_verdict_add_evidence(&v, "sentence %d", i), PM_OK);
    assert_int_equal(pm_verdict_add_evidence(&v, "one too many"), PM_ELIMIT);
    assert_int_equal(v.n_evidence, PM_EVIDENCE_MAX);
    assert_string_equal(v.evidence[7], "sentence 7");
    pm_verdict_clear(&v);
    assert_int_equal(v.n_evidence, 0);
    char big[PM_EVIDENCE_LEN + 1];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(pm_verdict_add_evidence(&v, "%s", big), PM_ELIMIT);
    assert_int_equal(v.n_evidence, 0);
}

/* Issue 9 failure 1: a healthy /24 with 2 live hosts; the border answers
 * host-unreachable for the dark addresses, most of those errors are rate
 * limited away. The /24 is reachable: 2 live, the rest dark, no death. */
static void dark_addresses_are_not_deaths(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    lab_trace(run, A(198, 19, 176, 15), CN_OK);
    lab_trace(run, A(198, 19, 176, 16), CN_OK);
    for (int h = 20; h < 30; h++)
        lab_trace(run, A(198, 19, 176, h), "acc tr cu1 cu2a cu3 kpbr kpbr!H");
    for (int h = 30; h < 60; h++)
        lab_trace(run, A(198, 19, 176, h), "acc tr cu1 cu2a cu3 kpbr * * * * *");
    lab_hosts(run, 177, 2, RU_OK);
    struct pm_analysis *a = analyze(run, lab_lookup);
    const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 176, 20));
    assert_int_equal(v->status, PM_STATUS_HOST_ABSENT);
    assert_int_equal(v->rule, PM_RULE_HOST_UNREACH);
    assert_int_equal(v->kind, PM_DEATH_HOST_UNREACH);
    assert_int_equal(v->dies_in.asn, 0);
    assert_int_equal(v->upstream.asn, CU);
    assert_true(lab_evidence_has(v, "has no host at this address"));
    assert_int_equal(v->last_ttl, 6);   /* kpbr's hop (time-exceeded at 6), not the refused probe's TTL 7 */
    v = lab_verdict(run, a, A(198, 19, 176, 40));
    assert_int_equal(v->status, PM_STATUS_HOST_ABSENT);
    assert_int_equal(v->rule, PM_RULE_DARK);
    assert_int_equal(v->dies_in.asn, 0);
    const struct pm_rollup *r = lab_rollup(a, "198.19.176.0/24");
    assert_int_equal(r->state, PM_NET_REACHABLE);
    assert_int_equal(r->reached, 2);
    assert_int_equal(r->dark, 40);
    assert_int_equal(r->died, 0);
    char line[400];
    pm_rollup_format(r, line, sizeof line);
    assert_string_equal(line, "198.19.176.0/24    reachable 2 live, 40 dark of 42   via China Unicom (AS4837)");
    r = lab_rollup(a, "AS4837");
    assert_int_equal(r->state, PM_NET_REACHABLE);
    pm_analysis_free(a);
    pm_run_free(run);
}

/* Issue 9 failure 2: a China Unicom router lost the route for one /24 and
 * answers host-unreachable (a Linux "unreachable" route). The unreachable is
 * China Unicom's, whatever the code: not a dark address, not Star JV's fault. */
static void unreachable_belongs_to_the_sender(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    lab_hosts(run, 176, 6, "acc tr cu1 cu2a!H");
    lab_hosts(run, 179, 6, CN_OK);
    lab_hosts(run, 177, 6, RU_OK);
    struct pm_analysis *a = analyze(run, lab_lookup);
    const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 176, 3));
    assert_int_equal(v->status, PM_STATUS_DIED);
    assert_int_equal(v->kind, PM_DEATH_HOST_UNREACH);
    assert_int_equal(v->rule, PM_RULE_UNREACH);
    assert_int_equal(v->dies_in.asn, CU);
    assert_int_equal(v->upstream.asn, CU);
    const struct pm_rollup *r = lab_rollup(a, "198.19.176.0/24");
    assert_int_equal(r->state, PM_NET_DEAD);
    char line[400];
    pm_rollup_death_phrase(r, line, sizeof line);
    assert_string_equal(line, "all die in China Unicom (AS4837) at 198.18.17.1 (CN, hop 4), host-unreachable");
    /* the same from net-unreachable */
    pm_analysis_free(a);
    pm_run_free(run);
    run = pm_run_alloc();
    lab_hosts(run, 176, 6, "acc tr cu1 cu2a cu3!N");
    lab_hosts(run, 179, 6, CN_OK);
    a = analyze(run, lab_lookup);
    v = lab_verdict(run, a, A(198, 19, 176, 3));
    assert_int_equal(v->dies_in.asn, CU);
    assert_int_equal(v->last_addr, lab_addr("cu3"));
    assert_int_equal(lab_rollup(a, "AS4837")->state, PM_NET_PARTIAL);
    pm_analysis_free(a);
    pm_run_free(run);
}

/* A half-dead /24: half its paths die inside China Unicom, the other half
 * reach hosts or dark addresses. Partial, with the numbers and where the dying
 * ones die. */
static void half_dead_prefix_is_partial(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    for (int h = 1; h <= 4; h++)
        lab_trace(run, A(198, 19, 176, h), CN_OK);
    for (int h = 5; h <= 64; h++)
        lab_trace(run, A(198, 19, 176, h), "acc tr cu1 cu2a cu3 kpbr kpbr!H");
    for (int h = 128; h < 192; h++)
        lab_trace(run, A(198, 19, 176, h), "acc tr cu1 cu2a!N");
    struct pm_analysis *a = analyze(run, lab_lookup);
    const struct pm_rollup *r = lab_rollup(a, "198.19.176.0/24");
    assert_int_equal(r->state, PM_NET_PARTIAL);
    assert_int_equal(r->reached, 4);
    assert_int_equal(r->dark, 60);
    assert_int_equal(r->died, 64);
    assert_int_equal(r->death_addr, lab_addr("cu2a"));
    char line[400];
    pm_rollup_format(r, line, sizeof line);
    assert_string_equal(line, "198.19.176.0/24    partial   4 live, 60 dark, 64 dead paths of 128   via China Unicom "
                              "(AS4837): the 64 dead die in China Unicom (AS4837) at 198.18.17.1 (CN, hop 4), "
                              "net-unreachable");
    pm_analysis_free(a);
    pm_run_free(run);
}

/* Issue 9 failure 5: a run cut short. Targets probed to their end keep their
 * verdicts; the ones the run did not finish are not-probed, never died. */
static void interrupted_run_leaves_targets_not_probed(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    run->max_ttl = 30;
    run->end = PM_RUN_SIGTERM;
    lab_hosts(run, 176, 4, CN_OK);                       /* reached: done */
    lab_hosts(run, 179, 4, "acc tr cu1 cu2a!N");         /* unreachable: done */
    lab_hosts(run, 177, 4, "acc tr rt1");                /* cut at TTL 3 */
    pm_run_target(run, A(198, 19, 178, 1), true);        /* never probed */
    struct pm_analysis *a = analyze(run, lab_lookup);
    assert_int_equal(lab_verdict(run, a, A(198, 19, 176, 1))->status, PM_STATUS_REACHED);
    assert_int_equal(lab_verdict(run, a, A(198, 19, 179, 1))->status, PM_STATUS_DIED);
    const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 177, 2));
    assert_int_equal(v->status, PM_STATUS_NOT_PROBED);
    assert_int_equal(v->rule, PM_RULE_NOT_PROBED);
    assert_int_equal(v->dies_in.asn, 0);
    assert_true(lab_evidence_has(v, "stopped by SIGTERM"));
    assert_true(lab_evidence_has(v, "highest TTL sent 3 of 30"));
    v = lab_verdict(run, a, A(198, 19, 178, 1));
    assert_int_equal(v->status, PM_STATUS_NOT_PROBED);
    const struct pm_rollup *r = lab_rollup(a, "198.19.177.0/24");
    assert_int_equal(r->state, PM_NET_UNKNOWN);
    assert_int_equal(r->not_probed, 4);
    assert_int_equal(r->died, 0);
    char line[400];
    pm_rollup_format(r, line, sizeof line);
    assert_non_null(strstr(line, "unknown   4 not probed of 4"));
    /* the outputs say so first: the text's first line, JSON run.complete/stopped_by */
    struct pm_output_ctx ctx = {.run = run, .analysis = a};
    char *buf = NULL, err[PM_ERRBUF_SIZE];
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(pm_output_write(f, PM_FMT_TEXT, &ctx, err), PM_OK);
    fclose(f);
    assert_true(!strncmp(buf, "INCOMPLETE RUN: stopped by SIGTERM before every target was probed; 5 targets not "
                              "probed (no verdict, not deaths)\n", 93));
    free(buf);
    f = open_memstream(&buf, &len);
    assert_int_equal(pm_output_write(f, PM_FMT_JSON, &ctx, err), PM_OK);
    fclose(f);
    assert_non_null(strstr(buf, "\"complete\": false"));
    assert_non_null(strstr(buf, "\"stopped_by\": \"SIGTERM\""));
    assert_non_null(strstr(buf, "\"status\": \"not-probed\""));
    free(buf);
    pm_analysis_free(a);
    /* the same data from a complete run: the short paths died */
    run->end = PM_RUN_COMPLETE;
    a = analyze(run, lab_lookup);
    assert_int_equal(lab_verdict(run, a, A(198, 19, 177, 2))->status, PM_STATUS_DIED);
    assert_int_equal(lab_verdict(run, a, A(198, 19, 178, 1))->status, PM_STATUS_NOT_PROBED); /* nothing sent */
    /* --timeout says so in its own words */
    pm_analysis_free(a);
    run->end = PM_RUN_TIMEOUT;
    a = analyze(run, lab_lookup);
    assert_true(lab_evidence_has(lab_verdict(run, a, A(198, 19, 177, 2)), "the run timed out"));
    pm_analysis_free(a);
    pm_run_free(run);
}

/* The realistic lab's dark addresses: probed from hop 5 (the /24's lower hops
 * are known), the border's time-exceeded rate limited away, no host: the path
 * got to the target network, whose border follows cu3 on working paths. */
static void dark_behind_a_rate_limited_border(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    lab_trace(run, A(198, 19, 176, 8), CN_OK);
    lab_trace(run, A(198, 19, 176, 9), "- - - - cu3 kpbr DST");
    lab_trace(run, A(198, 19, 176, 10), "- - - - cu3 kpbr kpbr!H");
    for (int h = 20; h < 40; h++)
        lab_trace(run, A(198, 19, 176, h), "- - - - cu3 * * * * *");
    struct pm_analysis *a = analyze(run, lab_lookup);
    const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 176, 25));
    assert_int_equal(v->status, PM_STATUS_HOST_ABSENT);
    assert_int_equal(v->upstream.asn, CU);
    assert_int_equal(lab_rollup(a, "198.19.176.0/24")->state, PM_NET_REACHABLE);
    pm_analysis_free(a);
    pm_run_free(run);
}

/* The realistic lab's healthy /24: its live hosts all in the lower half,
 * the upper half dark, and the border's host-unreachables rate limited so
 * that the one that got through went to the lower half. The upper half is
 * silent after cu3 where the lower half was answered, but only on a few of
 * its paths (the hosts and one !H): no sign of a lost sub-prefix route, the
 * upper half's addresses are dark (issue 9 failure 1: the healthy /24 read
 * partial on every other run). */
static void dark_half_beside_live_hosts_is_not_structural(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    lab_trace(run, A(198, 19, 176, 8), CN_OK);
    for (int h = 9; h <= 12; h++)
        lab_trace(run, A(198, 19, 176, h), "- - - - cu3 kpbr DST");
    lab_trace(run, A(198, 19, 176, 13), "- - - - cu3 * kpbr!H");
    for (int h = 14; h < 128; h++)
        lab_trace(run, A(198, 19, 176, h), "- - - - cu3 * *");
    for (int h = 128; h < 256; h++)
        lab_trace(run, A(198, 19, 176, h), "- - - - cu3 * *");
    struct pm_analysis *a = analyze(run, lab_lookup);
    for (int h = 128; h < 256; h += 31) {
        const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 176, h));
        assert_int_equal(v->status, PM_STATUS_HOST_ABSENT);
        assert_int_equal(v->dies_in.asn, 0);
    }
    const struct pm_rollup *r = lab_rollup(a, "198.19.176.0/24");
    assert_int_equal(r->state, PM_NET_REACHABLE);
    assert_int_equal(r->died, 0);
    assert_int_equal(r->reached, 5);
    pm_analysis_free(a);
    pm_run_free(run);
}

/* Issue 9 failure 6: cu2a (hop 4) lost the route and its first !N were
 * rate limited; the ones that got through answered probes sent with TTL 16
 * (the engine's first guess), and their IP TTL says they came back 4 hops.
 * The death is cu2a's at hop 4, not "hop 16", for the paths that got a !N
 * and for the ones whose copy was suppressed. */
static void unreachable_labelled_with_the_routers_distance(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    const char *own = "acc tr cu1 * * * * * * * * * * * * cu2a!N";
    const char *lost = "acc tr cu1 * * * * * * * * * * * * *";
    for (int h = 1; h <= 6; h++) {
        struct pm_target *t = lab_trace(run, A(198, 19, 176, h), h <= 2 ? own : lost);
        for (uint32_t k = 0; k < t->n_replies; k++)
            if (t->replies[k].kind == PM_REPLY_UNREACH)
                t->replies[k].reply_ttl = 61; /* sent with 64, three routers on the way back */
    }
    struct pm_analysis *a = analyze(run, lab_lookup);
    for (int h = 1; h <= 6; h++) {
        const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 176, h));
        assert_int_equal(v->status, PM_STATUS_DIED);
        assert_int_equal(v->kind, PM_DEATH_NET_UNREACH);
        assert_int_equal(v->last_addr, lab_addr("cu2a"));
        assert_int_equal(v->last_ttl, 4);
    }
    const struct pm_rollup *r = lab_rollup(a, "198.19.176.0/24");
    assert_int_equal(r->death_ttl, 4);
    char line[400];
    pm_rollup_format(r, line, sizeof line);
    assert_non_null(strstr(line, "at 198.18.17.1 (CN, hop 4)"));
    pm_analysis_free(a);
    /* without the IP TTL (a record that does not keep it) the probe's TTL stands */
    for (uint32_t i = 0; i < run->n_targets; i++)
        for (uint32_t k = 0; k < run->targets[i].n_replies; k++)
            run->targets[i].replies[k].reply_ttl = 0;
    a = analyze(run, lab_lookup);
    assert_int_equal(lab_verdict(run, a, A(198, 19, 176, 1))->last_ttl, 16);
    pm_analysis_free(a);
    pm_run_free(run);
}

/* Half of a /24 loses its route (a blackhole for the /25 at cu3): every
 * target of that half is silent from the first probed hop while the other
 * half's paths go on. Structural, not rate limiting: the paths die, inside
 * China Unicom, after the hops the /24's other targets showed. */
static void structural_silence_is_a_death(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    lab_trace(run, A(198, 19, 176, 1), "acc tr cu1 cu2a * * * * *");   /* probed from hop 1 */
    for (int h = 2; h < 128; h += 3)
        lab_trace(run, A(198, 19, 176, h), "- - - - * * * * *");
    for (int h = 130; h < 256; h += 3)
        lab_trace(run, A(198, 19, 176, h), "- - - - cu3 kpbr kpbr!H");
    lab_hosts(run, 177, 2, RU_OK);   /* the other side shows kpbr as the Star JV border */
    struct pm_analysis *a = analyze(run, lab_lookup);
    const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 176, 50));
    assert_int_equal(v->status, PM_STATUS_DIED);
    assert_int_equal(v->kind, PM_DEATH_SILENT);
    assert_int_equal(v->dies_in.asn, CU);
    assert_int_equal(v->upstream.asn, CU);
    assert_int_equal(v->last_addr, lab_addr("cu2a"));  /* the /24's hops below the stop set */
    assert_int_equal(lab_verdict(run, a, A(198, 19, 176, 133))->status, PM_STATUS_HOST_ABSENT);
    const struct pm_rollup *r = lab_rollup(a, "198.19.176.0/24");
    assert_int_equal(r->state, PM_NET_PARTIAL);
    pm_analysis_free(a);
    pm_run_free(run);
}

/* The realistic lab's healthy .178 (hosts .9 and .77, both in the lower
 * half): the border's host-unreachables for the dark addresses are rate
 * limited, and the few that got through all went to the lower half. The
 * upper half is not a lost route: its probes are silent only at the hops
 * where the target network's own router answers the others (time-exceeded
 * for a live host, a rate-limited !H for a dark address). Nor with China
 * Unicom mute (issue 9 failure 3, mute-cu): the silent hops are everyone's. */
static void a_dark_half_is_not_structural(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    lab_hosts(run, 176, 2, CN_OK);
    lab_hosts(run, 177, 2, RU_OK);
    lab_trace(run, A(198, 19, 178, 9), RU_OK);
    lab_trace(run, A(198, 19, 178, 77), RU_OK);
    for (int h = 10; h < 20; h++)
        lab_trace(run, A(198, 19, 178, h), "- - - - ttk2 kpbr!H");
    for (int h = 20; h < 128; h += 2)
        lab_trace(run, A(198, 19, 178, h), "- - - - ttk2 - *");
    for (int h = 128; h < 256; h += 2)
        lab_trace(run, A(198, 19, 178, h), h % 4 ? "- - - - ttk2 *" : "- - - - ttk2 - *");
    /* .179 behind a mute China Unicom: hosts in the lower half only */
    lab_trace(run, A(198, 19, 179, 3), "acc tr * * * kpbr DST");
    lab_trace(run, A(198, 19, 179, 9), "acc tr * * * kpbr DST");
    for (int h = 128; h < 256; h += 2)
        lab_trace(run, A(198, 19, 179, h), "- tr * * * - *");
    struct pm_analysis *a = analyze(run, lab_lookup);
    for (int h = 130; h <= 132; h += 2) {
        const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 178, h));
        assert_int_equal(v->status, PM_STATUS_HOST_ABSENT);
        assert_int_equal(v->dies_in.asn, 0);
        v = lab_verdict(run, a, A(198, 19, 179, h));
        assert_int_equal(v->status, PM_STATUS_HOST_ABSENT);
        assert_int_equal(v->dies_in.asn, 0);
    }
    assert_int_equal(lab_rollup(a, "198.19.178.0/24")->state, PM_NET_REACHABLE);
    assert_int_equal(lab_rollup(a, "198.19.178.0/24")->died, 0);
    assert_int_equal(lab_rollup(a, "198.19.179.0/24")->state, PM_NET_REACHABLE);
    assert_int_equal(lab_rollup(a, "198.19.179.0/24")->died, 0);
    pm_analysis_free(a);
    pm_run_free(run);
}

/* ratelimit-cu (failure 3): China Unicom's routers rate limited, kpbr's !H
 * too; the one !H of the /24 that got through came at TTL 16 (the first
 * ones lost), from kpbr, which answered at hop 6 for other /24s. Targets
 * silent at 6 and 7 behind cu3 met kpbr as well: their copy was lost. */
static void a_late_refusal_stands_from_the_routers_distance(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    lab_hosts(run, 177, 2, RU_OK);
    lab_hosts(run, 179, 2, CN_OK);
    lab_trace(run, A(198, 19, 176, 2), "- - - - cu3 * - - - - - - - - - kpbr!H");
    for (int h = 20; h < 30; h++)
        lab_trace(run, A(198, 19, 176, h), "- - - - cu3 * - - - - - - - - - *");
    for (int h = 80; h < 90; h++)
        lab_trace(run, A(198, 19, 176, h), "- - - - cu3 * *");
    struct pm_analysis *a = analyze(run, lab_lookup);
    const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 176, 80));
    assert_int_equal(v->status, PM_STATUS_HOST_ABSENT);
    assert_int_equal(v->rule, PM_RULE_HOST_UNREACH);
    assert_int_equal(v->last_ttl, 6);
    assert_int_equal(lab_verdict(run, a, A(198, 19, 176, 20))->status, PM_STATUS_HOST_ABSENT);
    assert_int_equal(lab_rollup(a, "198.19.176.0/24")->died, 0);
    pm_analysis_free(a);
    pm_run_free(run);
}

/* ratelimit-cu as CI saw it once: which of China Unicom's rate-limited
 * routers answered a dark address last is chance. The one !H of the /24
 * that got through (at TTL 16, from kpbr) came on a path heard at tr only;
 * the few paths heard at cu1 got nothing from kpbr, and one of them cu2a's
 * time-exceeded at hop 4. A dark address heard last at cu1 and silent at 4,
 * 5, 6 and 16 met kpbr like the others: host-absent by the refusal its
 * neighbours through tr got, not a rate-limited death at hop 4. */
static void the_refusal_counts_from_an_earlier_shared_hop(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    lab_hosts(run, 179, 2, CN_OK);
    lab_hosts(run, 176, 3, "- tr * * * * DST");
    lab_trace(run, A(198, 19, 176, 5), "- - - cu2a * kpbr DST");
    lab_trace(run, A(198, 19, 176, 9), "- tr * * * * - - - - - - - - - kpbr!H");
    for (int h = 20; h < 40; h++)
        lab_trace(run, A(198, 19, 176, h), "- tr * * * * * - - - - - - - - *");
    lab_trace(run, A(198, 19, 176, 50), "- - cu1 cu2a * * * - - - - - - - - *");
    for (int h = 60; h < 70; h++)
        lab_trace(run, A(198, 19, 176, h), "- - cu1 * * * - - - - - - - - - *");
    struct pm_analysis *a = analyze(run, lab_lookup);
    for (int h = 60; h < 70; h++) {
        const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 176, h));
        assert_int_equal(v->status, PM_STATUS_HOST_ABSENT);
        assert_int_equal(v->rule, PM_RULE_HOST_UNREACH);
    }
    assert_int_equal(lab_verdict(run, a, A(198, 19, 176, 25))->status, PM_STATUS_HOST_ABSENT);
    assert_int_equal(lab_rollup(a, "198.19.176.0/24")->died, 0);
    pm_analysis_free(a);
    pm_run_free(run);
}

/* ratelimit-cu as a repeated sweep saw it: 3 of the lower half's dark
 * addresses happened to be last heard at cu2a, where 4 of 7 of the upper
 * half's paths went on (a live host, kpbr's one !H). That split is chance,
 * not a lost /25 route: the lower half's other paths were last heard lower
 * down and are dark like these three. */
static void a_few_paths_of_a_half_are_not_structural(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    lab_hosts(run, 179, 2, CN_OK);
    lab_trace(run, A(198, 19, 176, 8), "- tr * * * * DST");
    lab_trace(run, A(198, 19, 176, 9), "- tr * * * * DST");
    for (int h = 20; h < 60; h++)
        lab_trace(run, A(198, 19, 176, h), "- tr * * * * * - - - - - - - - *");
    static const int low[] = {63, 83, 114}, high[] = {144, 178, 186};
    for (int i = 0; i < 3; i++) {
        lab_trace(run, A(198, 19, 176, low[i]), "- - - cu2a * * - - - - - - - - - *");
        lab_trace(run, A(198, 19, 176, high[i]), "- - - cu2a * * - - - - - - - - - *");
        lab_trace(run, A(198, 19, 176, 200 + i), "- - - cu2a cu3 kpbr DST");
    }
    lab_trace(run, A(198, 19, 176, 243), "acc tr cu1 cu2a cu3 - - - - - - - - - - kpbr!H");
    struct pm_analysis *a = analyze(run, lab_lookup);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(lab_verdict(run, a, A(198, 19, 176, low[i]))->status, PM_STATUS_HOST_ABSENT);
        assert_int_equal(lab_verdict(run, a, A(198, 19, 176, high[i]))->status, PM_STATUS_HOST_ABSENT);
    }
    assert_int_equal(lab_rollup(a, "198.19.176.0/24")->died, 0);
    assert_int_equal(lab_rollup(a, "198.19.176.0/24")->state, PM_NET_REACHABLE);
    pm_analysis_free(a);
    pm_run_free(run);
}

/* Issue 9 failure 7: --classic UDP over cu1's ECMP, cu2b refusing UDP. Each
 * probe takes its own flow, so a path can show kpbr at hop 6 and then cu2b's
 * !X at 7, although this /24's paths show cu2b at hop 4: that refusal is
 * another flow's, not what follows kpbr. kpbr stays the Star JV border (it
 * used to become China Unicom's, and the Russian side's upstream with it). */
static void another_flows_refusal_is_not_the_next_hop(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    lab_hosts(run, 177, 4, RU_OK);
    for (int h = 1; h <= 8; h++)
        lab_trace(run, A(198, 19, 176, h), h % 2 ? "acc tr cu1 cu2b cu2b!X" : "acc tr cu1 cu2a cu3 kpbr cu2b!X");
    lab_trace(run, A(198, 19, 176, 9), CN_OK);
    for (int h = 20; h < 40; h++)
        lab_trace(run, A(198, 19, 176, h), "- - - - cu3 *");
    lab_trace(run, A(198, 19, 176, 40), "- - - - cu3 kpbr!H");
    struct pm_analysis *a = analyze(run, lab_lookup);
    assert_int_equal(pm_analysis_owner(a, lab_addr("kpbr")), T_AS);
    assert_int_equal(lab_verdict(run, a, A(198, 19, 177, 2))->upstream.asn, TTK);
    /* the dark addresses behind cu3 read the border's !H, not cu2b's !X */
    const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 176, 25));
    assert_int_equal(v->status, PM_STATUS_HOST_ABSENT);
    pm_analysis_free(a);
    pm_run_free(run);
}

/* Issue 9 failure 1, the half-dead lab under snapshot's short wait: the
 * lower half of .176 is lost at cu3 (silent after cu2a), the upper half
 * (dark) passes cu3 and none of kpbr's rate-limited !H for it got through
 * (two or three reach the whole run). On .179's paths cu3 hands over to kpbr
 * at once, and kpbr refuses .177's dark addresses with !H. The lost route
 * explains the dead half; the other is dark behind kpbr, not a second death
 * (it read died by silent-border, and history showed the /24 dead). */
static void a_half_past_the_lost_route_is_dark(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    for (int h = 0; h < 128; h++)
        lab_trace(run, A(198, 19, 176, h), "acc tr cu1 cu2a * * *");
    for (int h = 128; h < 256; h++)
        lab_trace(run, A(198, 19, 176, h), "acc tr cu1 cu2a cu3 * * *");
    lab_hosts(run, 179, 2, CN_OK);
    lab_hosts(run, 177, 2, RU_OK);
    lab_trace(run, A(198, 19, 177, 40), "acc tr rt1 ttk1 ttk2 kpbr!H");
    struct pm_analysis *a = analyze(run, lab_lookup);
    const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 176, 200));
    assert_int_equal(v->status, PM_STATUS_HOST_ABSENT);
    assert_int_equal(v->rule, PM_RULE_DARK_PAST_FAULT);
    assert_int_equal(v->dies_in.asn, 0);
    assert_int_equal(v->upstream.asn, CU);
    assert_true(lab_evidence_has(v, "past the point where 128 path(s) of this prefix die (most at hop 4, silent)"));
    assert_true(lab_evidence_has(v, "hand over at once to 198.18.20.5"));
    v = lab_verdict(run, a, A(198, 19, 176, 5));
    assert_int_equal(v->status, PM_STATUS_DIED);
    assert_int_equal(v->dies_in.asn, CU);
    const struct pm_rollup *r = lab_rollup(a, "198.19.176.0/24");
    assert_int_equal(r->state, PM_NET_PARTIAL);
    assert_int_equal(r->died, 128);
    assert_int_equal(r->dark, 128);
    pm_analysis_free(a);
    pm_run_free(run);
}

/* The same silence after cu3 for the whole /24, with no fault before it: a
 * border that drops the /24 looks exactly so, and nothing of the /24 shows
 * the network there. It stays a death at the silent border (and the /24 dead),
 * as before the rule. */
static void a_silent_border_without_a_fault_stays_a_death(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    for (int h = 0; h < 256; h++)
        lab_trace(run, A(198, 19, 176, h), "acc tr cu1 cu2a cu3 * * *");
    lab_hosts(run, 179, 2, CN_OK);
    lab_hosts(run, 177, 2, RU_OK);
    lab_trace(run, A(198, 19, 177, 40), "acc tr rt1 ttk1 ttk2 kpbr!H");
    struct pm_analysis *a = analyze(run, lab_lookup);
    const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 176, 200));
    assert_int_equal(v->status, PM_STATUS_DIED);
    assert_int_equal(v->rule, PM_RULE_SILENT_BORDER);
    assert_int_equal(lab_rollup(a, "198.19.176.0/24")->state, PM_NET_DEAD);
    pm_analysis_free(a);
    pm_run_free(run);
}

/* Issue 9 failure 7 under --classic: every probe takes its own flow, so most
 * targets of .176 meet cu2b's !X (cu2b at hop 4) on some TTL, labelled at 4,
 * 5 or 6; the flows that cu1 sends to cu2a pass cu3 and go silent where
 * kpbr's !H for dark addresses are rate limited, and .179's dark addresses
 * (kp discards them) go silent after kpbr itself, one hop short of where
 * the Russian side's hosts answer behind kpbr (no live host of .179 got
 * through). Those got past the filter into Star JV: dark, so both /24s are
 * partial (they read dead). */
static void classic_flows_past_the_filter_are_dark(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    for (int h = 0; h < 256; h++) {
        const char *spec = h % 4 == 0 ? "acc tr cu1 cu2b cu2b!X"
                         : h % 4 == 1 ? "acc tr cu1 cu2a cu2b!X"
                         : h % 4 == 2 ? "acc tr cu1 cu2a cu3 cu2b!X"
                                      : "acc tr cu1 cu2b cu3 * *";
        lab_trace(run, A(198, 19, 176, h), spec);
    }
    for (int h = 10; h < 256; h++)
        lab_trace(run, A(198, 19, 179, h), h % 2 ? "acc tr cu1 cu2b cu2b!X" : "acc tr cu1 cu2a cu3 kpbr * *");
    lab_hosts(run, 177, 2, RU_OK);
    lab_trace(run, A(198, 19, 177, 40), "acc tr rt1 ttk1 ttk2 kpbr!H");
    struct pm_analysis *a = analyze(run, lab_lookup);
    const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 176, 3));
    assert_int_equal(v->status, PM_STATUS_HOST_ABSENT);
    assert_int_equal(v->rule, PM_RULE_DARK_PAST_FAULT);
    assert_true(lab_evidence_has(v, "(most at hop 4, admin-prohibited)"));
    v = lab_verdict(run, a, A(198, 19, 176, 2));
    assert_int_equal(v->status, PM_STATUS_DIED);
    assert_int_equal(v->kind, PM_DEATH_ADMIN_PROHIB);
    v = lab_verdict(run, a, A(198, 19, 179, 20));
    assert_int_equal(v->status, PM_STATUS_HOST_ABSENT);
    assert_int_equal(v->rule, PM_RULE_DARK_PAST_FAULT);
    assert_true(lab_evidence_has(v, "hosts answer 1 hop(s) after 198.18.20.5"));
    assert_int_equal(lab_rollup(a, "198.19.176.0/24")->state, PM_NET_PARTIAL);
    assert_int_equal(lab_rollup(a, "198.19.176.0/24")->dark, 64);
    assert_int_equal(lab_rollup(a, "198.19.179.0/24")->state, PM_NET_PARTIAL);
    assert_int_equal(lab_rollup(a, "AS4837")->state, PM_NET_PARTIAL);
    pm_analysis_free(a);
    pm_run_free(run);
}

/* Issue 9 failure 4 with both sides wholly mute and the border dropping
 * everything inward: every path shows tr, three silent hops, then kpbr's
 * China Unicom address and silence. Nothing converges on kpbr, but
 * 198.19.179.254 (Star JV space) answers itself at kpbr's hop on .179's
 * paths with kpbr's reply TTL: one router, the Star JV border. The hosts die
 * in AS131279; no upstream can be named, never the transit before the
 * silence. */
static void a_target_address_at_the_routers_hop_is_the_router(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    lab_hosts(run, 176, 4, "acc tr * * * kpbr * *");
    lab_hosts(run, 177, 4, "acc * * * * kpbr * *");   /* tr's answer lost too: acc is the last before silence */
    lab_hosts(run, 179, 4, "acc tr * * * kpbr * *");
    struct pm_target *t = lab_trace(run, A(198, 19, 179, 254), "acc tr * * * DST");
    struct pm_analysis *a = analyze(run, lab_lookup);
    assert_int_equal(pm_analysis_owner(a, lab_addr("kpbr")), T_AS);
    for (int c = 176; c <= 179; c += 3) {
        const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, c, 2));
        assert_int_equal(v->status, PM_STATUS_DIED);
        assert_int_equal(v->dies_in.asn, T_AS);
        assert_int_equal(v->rule, PM_RULE_SILENT_IN_TARGET);
        assert_int_equal(v->upstream.asn, 0);
    }
    assert_int_equal(lab_verdict(run, a, A(198, 19, 177, 2))->upstream.asn, 0);  /* not LAB-TRANSIT filled in */
    assert_int_equal(lab_verdict(run, a, A(198, 19, 179, 254))->upstream.asn, 0);
    pm_analysis_free(a);
    /* another reply TTL: another router at the same distance, no alias */
    for (uint32_t i = 0; i < t->n_replies; i++)
        if (t->replies[i].from == t->dst)
            t->replies[i].reply_ttl = 40;
    a = analyze(run, lab_lookup);
    assert_int_equal(pm_analysis_owner(a, lab_addr("kpbr")), CU);
    pm_analysis_free(a);
    pm_run_free(run);
    /* own numbering: cu3's end of the cu3-kpbr link is numbered from Star JV
     * space and answers at cu3's hop, but Star JV's router follows cu3 */
    run = pm_run_alloc();
    lab_hosts(run, 176, 4, "acc tr cu1 cu2a cu3 kpown DST");
    lab_hosts(run, 177, 4, "acc tr rt1 ttk1 ttk2 kpown DST");
    lab_trace(run, A(198, 19, 176, 251), "acc tr cu1 cu2a DST");
    lab_trace(run, A(198, 19, 176, 252), "acc tr cu1 cu2a cu3 * *");
    a = analyze(run, lab_lookup);
    assert_int_equal(pm_analysis_owner(a, lab_addr("cu3")), CU);
    pm_analysis_free(a);
    pm_run_free(run);
}

/* Issue 9 failure 8: a large sweep where the first router's net-unreachables
 * are rate limited: most /24s hear none of their own. A target where nothing
 * answered takes the refusal other prefixes' targets got at their first hop. */
static void first_hop_refusal_stands_for_silent_targets(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    for (int c = 180; c < 190; c++)
        for (int h = 1; h <= 8; h++)
            lab_trace(run, A(198, 19, c, h), c == 180 && h == 1 ? "acc!N" : "* * * *");
    struct pm_analysis *a = analyze(run, lab_lookup);
    const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 187, 3));
    assert_int_equal(v->status, PM_STATUS_DIED);
    assert_int_equal(v->kind, PM_DEATH_NET_UNREACH);
    assert_int_equal(v->last_addr, lab_addr("acc"));
    assert_int_equal(v->dies_in.asn, 64500);
    assert_true(lab_evidence_has(v, "of other prefixes"));
    pm_analysis_free(a);
    pm_run_free(run);
}

/* Issue 9 failure 3: China Unicom's time-exceeded rate limited away for one
 * target: the hops its /24 shows at those TTLs fill in, so the transit AS
 * before them is not named its upstream. With every China Unicom router mute
 * for the whole /24 the upstream is unknown, still never the transit. */
static void silent_hops_never_move_the_upstream(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    lab_hosts(run, 176, 3, CN_OK);
    lab_trace(run, A(198, 19, 176, 9), "acc tr * * * kpbr DST");
    lab_hosts(run, 177, 3, RU_OK);
    lab_hosts(run, 179, 3, "acc tr * * * kpbr DST");
    struct pm_analysis *a = analyze(run, lab_lookup);
    const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 176, 9));
    assert_int_equal(v->status, PM_STATUS_REACHED);
    assert_int_equal(v->upstream.asn, CU);
    assert_int_equal(v->upstream_addr, lab_addr("cu3"));
    v = lab_verdict(run, a, A(198, 19, 179, 2));
    assert_int_equal(v->status, PM_STATUS_REACHED);
    assert_int_equal(v->upstream.asn, 0);   /* not LAB-TRANSIT: tr carries both sides */
    assert_int_equal(lab_verdict(run, a, A(198, 19, 177, 2))->upstream.asn, TTK);
    pm_analysis_free(a);
    pm_run_free(run);
}

/* A one-hop lab: the vantage's gateway routes the target /22 and answers
 * net-unreachable for everything else. It stays the vantage's network (its
 * address is in the source's AS), not the target's border, so the deaths are
 * its AS's. */
static void the_first_hop_is_the_vantages_network(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    run->source = A(198, 18, 0, 2);
    lab_hosts(run, 176, 4, "acc DST");
    lab_hosts(run, 180, 4, "acc!N");
    struct pm_analysis *a = analyze(run, lab_lookup);
    assert_int_equal(pm_analysis_owner(a, lab_addr("acc")), 64500);
    const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 180, 2));
    assert_int_equal(v->kind, PM_DEATH_NET_UNREACH);
    assert_int_equal(v->dies_in.asn, 64500);
    pm_analysis_free(a);
    pm_run_free(run);
}

/* Issue 9 failure 5, the silent half: in a run cut short a /24 whose
 * probed targets all went silent after ttk2 (dark addresses behind a border
 * that does not answer them look just so) while some of its targets (its
 * live hosts, perhaps) were never probed and none was reached is no outage:
 * not-probed, the /24 unknown. A complete run, or a cut run that walked
 * every target of the /24 to its end, keeps the death. */
static void cut_run_silence_is_no_outage(void **state)
{
    (void)state;
    const char *silent = "acc tr rt1 ttk1 ttk2 * * * * *";   /* gap limit after ttk2 at hop 5 */
    struct pm_run *run = pm_run_alloc();
    run->max_ttl = 30;
    run->end = PM_RUN_SIGTERM;
    lab_hosts(run, 176, 4, CN_OK);
    lab_hosts(run, 177, 4, RU_OK);         /* the border follows ttk2 on working paths */
    lab_hosts(run, 178, 60, silent);
    for (int h = 200; h < 210; h++)
        pm_run_target(run, A(198, 19, 178, h), true);   /* the cut came before these */
    struct pm_analysis *a = analyze(run, lab_lookup);
    const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 178, 1));
    assert_int_equal(run->targets[0].stop, PM_STOP_REACHED);
    assert_int_equal(pm_run_find(run, A(198, 19, 178, 1))->stop, PM_STOP_GAPLIMIT);
    assert_int_equal(v->status, PM_STATUS_NOT_PROBED);
    assert_int_equal(v->rule, PM_RULE_NOT_PROBED);
    assert_int_equal(v->kind, PM_DEATH_NONE);
    assert_int_equal(v->dies_in.asn, 0);
    assert_int_equal(v->last_addr, lab_addr("ttk2"));
    assert_int_equal(v->n_evidence, 1);
    assert_string_equal(v->evidence[0], "Silent after 198.18.52.1 (hop 5), but the run was stopped by SIGTERM while 10 "
                                         "target(s) of this prefix were not yet probed to their end and none was "
                                         "reached beyond this hop: its silence cannot be told from a dark address's, or from a run "
                                         "cut before the border; no verdict");
    const struct pm_rollup *r = lab_rollup(a, "198.19.178.0/24");
    assert_int_equal(r->state, PM_NET_UNKNOWN);
    assert_int_equal(r->died, 0);
    assert_int_equal(r->not_probed, 70);
    assert_int_equal(lab_rollup(a, "198.19.177.0/24")->state, PM_NET_REACHABLE);
    pm_analysis_free(a);
    /* --timeout: its own words */
    run->end = PM_RUN_TIMEOUT;
    a = analyze(run, lab_lookup);
    assert_true(lab_evidence_has(lab_verdict(run, a, A(198, 19, 178, 1)), "but the run timed out while 10 target(s)"));
    pm_analysis_free(a);
    /* the same data from a complete run: the /24 is dead after ttk2 */
    run->end = PM_RUN_COMPLETE;
    a = analyze(run, lab_lookup);
    v = lab_verdict(run, a, A(198, 19, 178, 1));
    assert_int_equal(v->status, PM_STATUS_DIED);
    assert_int_equal(v->rule, PM_RULE_SILENT_BORDER);
    assert_int_equal(lab_rollup(a, "198.19.178.0/24")->state, PM_NET_DEAD);
    pm_analysis_free(a);
    pm_run_free(run);

    /* cut, but every target of the /24 walked to its end: the death stands */
    run = pm_run_alloc();
    run->max_ttl = 30;
    run->end = PM_RUN_SIGTERM;
    lab_hosts(run, 177, 4, RU_OK);
    lab_hosts(run, 178, 60, silent);
    pm_run_target(run, A(198, 19, 179, 1), true);   /* unprobed, but in another /24 */
    a = analyze(run, lab_lookup);
    v = lab_verdict(run, a, A(198, 19, 178, 1));
    assert_int_equal(v->status, PM_STATUS_DIED);
    assert_int_equal(v->rule, PM_RULE_SILENT_BORDER);
    assert_int_equal(lab_rollup(a, "198.19.178.0/24")->state, PM_NET_DEAD);
    pm_analysis_free(a);
    pm_run_free(run);

    /* cut, one target of the /24 reached: its silent ones are judged beside it (dark), not undecided */
    run = pm_run_alloc();
    run->max_ttl = 30;
    run->end = PM_RUN_SIGTERM;
    lab_hosts(run, 177, 4, RU_OK);
    lab_hosts(run, 178, 60, silent);
    lab_trace(run, A(198, 19, 178, 100), RU_OK);
    for (int h = 200; h < 210; h++)
        pm_run_target(run, A(198, 19, 178, h), true);
    a = analyze(run, lab_lookup);
    v = lab_verdict(run, a, A(198, 19, 178, 1));
    assert_int_equal(v->status, PM_STATUS_HOST_ABSENT);
    assert_int_equal(v->rule, PM_RULE_DARK);
    pm_analysis_free(a);
    pm_run_free(run);
}

/* A cut run: a dark address probed at kpbr's hop and then once at TTL 16
 * (the engine's one probe where a neighbour's refusal came back) ran into
 * no gap limit, and was not walked to its /24's hosts at 7 (the border's
 * own address answering at 6 is no end for them): not-probed. One walked to
 * 7 is dark. */
static void cut_run_counts_only_probed_ttls(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    run->max_ttl = 30;
    run->end = PM_RUN_SIGTERM;
    lab_hosts(run, 179, 4, CN_OK);
    lab_trace(run, A(198, 19, 179, 254), "acc tr cu1 cu2a cu3 DST");   /* the border's own address */
    lab_trace(run, A(198, 19, 179, 40), "- - - - - kpbr *");
    lab_trace(run, A(198, 19, 179, 41), "- - - - - kpbr - - - - - - - - - *");
    lab_trace(run, A(198, 19, 179, 42), "- - - - - kpbr");
    lab_hosts(run, 177, 4, RU_OK);
    struct pm_analysis *a = analyze(run, lab_lookup);
    assert_int_equal(pm_run_find(run, A(198, 19, 179, 40))->stop, PM_STOP_PREFIX_END);
    assert_int_equal(pm_run_find(run, A(198, 19, 179, 40))->stop_ttl, 7);
    assert_int_equal(pm_run_find(run, A(198, 19, 179, 41))->stop, PM_STOP_HALTED);
    assert_int_equal(pm_run_find(run, A(198, 19, 179, 42))->stop, PM_STOP_HALTED);
    const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 179, 40));
    assert_int_equal(v->status, PM_STATUS_HOST_ABSENT);
    assert_int_equal(v->rule, PM_RULE_DARK);
    v = lab_verdict(run, a, A(198, 19, 179, 41));
    assert_int_equal(v->status, PM_STATUS_NOT_PROBED);
    assert_true(lab_evidence_has(v, "highest TTL sent 16 of 30"));
    assert_int_equal(lab_verdict(run, a, A(198, 19, 179, 42))->status, PM_STATUS_NOT_PROBED);
    const struct pm_rollup *r = lab_rollup(a, "198.19.179.0/24");
    assert_int_equal(r->state, PM_NET_REACHABLE);
    assert_int_equal(r->died, 0);
    pm_analysis_free(a);
    /* complete: the engine ended those walks itself (prefix-end at the
     * /24's nearest end, 6); .41's silent probe at 16, past the hosts' 7,
     * got to their network: dark, as one at 7 would be. .42, never probed
     * past kpbr, died there. */
    run->end = PM_RUN_COMPLETE;
    a = analyze(run, lab_lookup);
    assert_int_equal(pm_run_find(run, A(198, 19, 179, 41))->stop, PM_STOP_PREFIX_END);
    assert_int_equal(pm_run_find(run, A(198, 19, 179, 42))->stop, PM_STOP_PREFIX_END);
    v = lab_verdict(run, a, A(198, 19, 179, 41));
    assert_int_equal(v->status, PM_STATUS_HOST_ABSENT);
    assert_int_equal(v->rule, PM_RULE_DARK);
    assert_int_equal(lab_verdict(run, a, A(198, 19, 179, 42))->status, PM_STATUS_DIED);
    pm_analysis_free(a);
    pm_run_free(run);
}

/* A 1 s cut of lab.verdict_interrupted (200 probes/s) had reached only the
 * border's own address 198.19.179.254 (at kpbr's hop 6) when 30 dark
 * addresses of its /24 had been probed once at 5, 6 and 7: no host behind
 * kpbr answered yet, most targets had no probe; their silence after kpbr is
 * undecided (not-probed), not a death inside the target network. */
static void cut_run_border_address_is_no_host(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    run->max_ttl = 30;
    run->end = PM_RUN_TIMEOUT;
    lab_trace(run, A(198, 19, 179, 254), "acc tr cu1 cu2a cu3 DST");
    for (int h = 0; h < 30; h++)
        lab_trace(run, A(198, 19, 179, h), "- - - - cu3 kpbr *");
    for (int h = 30; h < 200; h++)
        pm_run_target(run, A(198, 19, 179, h), true);
    lab_hosts(run, 177, 4, RU_OK);
    struct pm_analysis *a = analyze(run, lab_lookup);
    for (int h = 0; h < 30; h++)
        assert_int_equal(lab_verdict(run, a, A(198, 19, 179, h))->status, PM_STATUS_NOT_PROBED);
    assert_true(lab_evidence_has(lab_verdict(run, a, A(198, 19, 179, 3)), "none was reached beyond this hop"));
    const struct pm_rollup *r = lab_rollup(a, "198.19.179.0/24");
    assert_int_equal(r->died, 0);
    assert_int_not_equal(r->state, PM_NET_DEAD);
    assert_int_not_equal(r->state, PM_NET_PARTIAL);
    pm_analysis_free(a);
    /* the same probes in a complete run: the silence is judged (a death) */
    run->end = PM_RUN_COMPLETE;
    a = analyze(run, lab_lookup);
    assert_int_equal(lab_verdict(run, a, A(198, 19, 179, 3))->status, PM_STATUS_DIED);
    pm_analysis_free(a);
    pm_run_free(run);
}

/* A 1 s cut of lab.verdict_interrupted after a 4 s one had drained the
 * routers' ICMP budgets: the only paths that got anywhere were the
 * TransTeleCom side's, ended by kpbr's host-unreachable (kpbr answers from
 * China Unicom's space); no path showed kpbr followed by a host, or by the
 * China Unicom side. Who owns kpbr is undecided, and with it whether that is
 * a dark address or China Unicom's lost route: no verdict, not a death in
 * China Unicom. A refusal after hops of the refuser's own AS (cu2a after
 * cu1) stays a death in a cut run. */
static void cut_run_refusal_at_an_as_change_is_undecided(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    run->max_ttl = 30;
    run->end = PM_RUN_TIMEOUT;
    lab_trace(run, A(198, 19, 177, 52), "acc tr rt1 ttk1 ttk2 - - - - - - - - - - kpbr!H");
    lab_trace(run, A(198, 19, 178, 255), "acc tr rt1 ttk1 ttk2 - - - - - - - - - - kpbr!H");
    lab_trace(run, A(198, 19, 176, 3), "acc tr cu1 cu2a!H");
    for (int h = 60; h < 200; h++) {
        pm_run_target(run, A(198, 19, 177, h), true);
        pm_run_target(run, A(198, 19, 178, h), true);
        pm_run_target(run, A(198, 19, 176, h), true);
    }
    struct pm_analysis *a = analyze(run, lab_lookup);
    const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 177, 52));
    assert_int_equal(v->status, PM_STATUS_NOT_PROBED);
    assert_true(lab_evidence_has(v, "no path showed what follows 198.18.20.5"));
    assert_int_equal(lab_verdict(run, a, A(198, 19, 178, 255))->status, PM_STATUS_NOT_PROBED);
    assert_int_equal(lab_rollup(a, "198.19.177.0/24")->died, 0);
    v = lab_verdict(run, a, A(198, 19, 176, 3));
    assert_int_equal(v->status, PM_STATUS_DIED);
    assert_int_equal(v->dies_in.asn, CU);
    pm_analysis_free(a);
    /* the same probes in a complete run: the refusal is judged */
    run->end = PM_RUN_COMPLETE;
    a = analyze(run, lab_lookup);
    assert_int_equal(lab_verdict(run, a, A(198, 19, 177, 52))->status, PM_STATUS_DIED);
    pm_analysis_free(a);
    pm_run_free(run);
}

/* Issue 9, failure 5, as one ASan run of lab.verdict_interrupted saw it: in a
 * SIGTERM-cut run a dark address of a /24 whose hosts were reached (at 7,
 * through ttk2 and kpbr) was launched blind at TTL 14, walked on in silence
 * to the gap limit at 18, and back to ttk2 at 5 and a silent kpbr at 6; the
 * cut came before its probe at 7. It is dark (host-absent), not dead behind
 * ttk2: nothing in the /24 dies. */
static void cut_run_dark_walked_past_hosts(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    run->max_ttl = 30;
    run->end = PM_RUN_SIGTERM;
    lab_hosts(run, 178, 4, RU_OK);
    for (int h = 40; h < 44; h++)
        lab_trace(run, A(198, 19, 178, h), "- - - - ttk2 * - - - - - - - * * * * *");
    lab_hosts(run, 177, 4, RU_OK);
    struct pm_analysis *a = analyze(run, lab_lookup);
    for (int h = 40; h < 44; h++) {
        assert_int_equal(pm_run_find(run, A(198, 19, 178, h))->stop, PM_STOP_GAPLIMIT);
        const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 178, h));
        assert_int_equal(v->status, PM_STATUS_HOST_ABSENT);
        assert_int_equal(v->rule, PM_RULE_DARK);
    }
    const struct pm_rollup *r = lab_rollup(a, "198.19.178.0/24");
    assert_int_equal(r->state, PM_NET_REACHABLE);
    assert_int_equal(r->died, 0);
    pm_analysis_free(a);
    pm_run_free(run);
}

static void names_cover_every_value(void **state)
{
    (void)state;
    for (unsigned i = 0; i < PM_RULE__N; i++) {
        assert_string_not_equal(pm_rule_name((enum pm_rule)i), "?");
        for (unsigned j = 0; j < i; j++)
            assert_string_not_equal(pm_rule_name((enum pm_rule)i), pm_rule_name((enum pm_rule)j));
    }
    assert_string_equal(pm_rule_name((enum pm_rule)PM_RULE__N), "?");
    for (unsigned i = 0; i < PM_STATUS__N; i++)
        assert_string_not_equal(pm_status_name((enum pm_status)i), "?");
    for (unsigned i = 0; i < PM_NET__N; i++)
        assert_string_not_equal(pm_net_state_name((enum pm_net_state)i), "?");
    assert_string_equal(pm_status_name(PM_STATUS_HOST_ABSENT), "host-absent");
    assert_string_equal(pm_net_state_name(PM_NET_PARTIAL), "partial");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(evidence_is_never_cut),
        cmocka_unit_test(add_evidence_limits),
        cmocka_unit_test(dark_addresses_are_not_deaths),
        cmocka_unit_test(unreachable_belongs_to_the_sender),
        cmocka_unit_test(half_dead_prefix_is_partial),
        cmocka_unit_test(a_half_past_the_lost_route_is_dark),
        cmocka_unit_test(a_silent_border_without_a_fault_stays_a_death),
        cmocka_unit_test(classic_flows_past_the_filter_are_dark),
        cmocka_unit_test(interrupted_run_leaves_targets_not_probed),
        cmocka_unit_test(cut_run_silence_is_no_outage),
        cmocka_unit_test(cut_run_counts_only_probed_ttls),
        cmocka_unit_test(cut_run_dark_walked_past_hosts),
        cmocka_unit_test(cut_run_border_address_is_no_host),
        cmocka_unit_test(cut_run_refusal_at_an_as_change_is_undecided),
        cmocka_unit_test(dark_behind_a_rate_limited_border),
        cmocka_unit_test(the_refusal_counts_from_an_earlier_shared_hop),
        cmocka_unit_test(a_few_paths_of_a_half_are_not_structural),
        cmocka_unit_test(structural_silence_is_a_death),
        cmocka_unit_test(dark_half_beside_live_hosts_is_not_structural),
        cmocka_unit_test(unreachable_labelled_with_the_routers_distance),
        cmocka_unit_test(a_dark_half_is_not_structural),
        cmocka_unit_test(a_target_address_at_the_routers_hop_is_the_router),
        cmocka_unit_test(a_late_refusal_stands_from_the_routers_distance),
        cmocka_unit_test(another_flows_refusal_is_not_the_next_hop),
        cmocka_unit_test(first_hop_refusal_stands_for_silent_targets),
        cmocka_unit_test(silent_hops_never_move_the_upstream),
        cmocka_unit_test(the_first_hop_is_the_vantages_network),
        cmocka_unit_test(names_cover_every_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
