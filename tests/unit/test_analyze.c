/* test_analyze.c - the analyzer on runs that mirror the lab: each fault gives the right death, network, kind and upstream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_analyze_lab.h"

#define T_AS 131279u
#define CU 4837u
#define RT 12389u
#define TTK 20485u

static struct pm_analyze_opts starjv_opts(void)
{
    struct pm_analyze_opts o;
    memset(&o, 0, sizeof o);
    o.watched[0] = CU;
    o.watched[1] = RT;
    o.watched[2] = TTK;
    o.n_watched = 3;
    return o;
}

/* Finishes the run, analyzes it with the lab lookup; dumps verdicts on stderr for failing tests. */
static struct pm_analysis *run_analysis(struct pm_run *run, const struct pm_analyze_opts *o, bool with_lookup)
{
    char err[PM_ERRBUF_SIZE] = "";
    struct pm_analysis *a = NULL;
    pm_trace_finish(run, 5);
    int rc = pm_analyze(run, with_lookup ? lab_lookup : NULL, NULL, o, &a, err);
    if (rc != PM_OK)
        fprintf(stderr, "pm_analyze: %s\n", err);
    assert_int_equal(rc, PM_OK);
    assert_non_null(a);
    if (getenv("PM_TEST_DUMP"))
        lab_dump(run, a);
    return a;
}

/* The healthy lab: .176/.179 via China Unicom, .177/.178 via TransTeleCom. */
static void add_healthy(struct pm_run *run, int n)
{
    lab_hosts(run, 176, n, CN_OK);
    lab_hosts(run, 179, n, CN_OK);
    lab_hosts(run, 177, n, RU_OK);
    lab_hosts(run, 178, n, RU_OK);
}

static void healthy_paths_get_the_right_upstream(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    add_healthy(run, 4);
    struct pm_analyze_opts o = starjv_opts();
    struct pm_analysis *a = run_analysis(run, &o, true);
    assert_int_equal(a->target_asn, T_AS);  /* majority of the targets */
    /* kpbr answers from China Unicom space on both sides but is the Star JV border */
    const struct pm_owner *ow = pm_analysis_find_owner(a, lab_addr("kpbr"));
    assert_non_null(ow);
    assert_int_equal(ow->mapped_asn, CU);
    assert_int_equal(ow->owner_asn, T_AS);
    assert_true(ow->confidence >= 0.8);
    assert_non_null(strstr(ow->reason, "follows both AS4837 and AS20485"));
    assert_int_equal(pm_analysis_owner(a, lab_addr("cu3")), CU);
    assert_int_equal(pm_analysis_owner(a, lab_addr("ttk2")), TTK);
    assert_int_equal(pm_analysis_owner(a, lab_addr("rt1")), RT);
    for (int c = 176; c <= 179; c++) {
        const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, c, 2));
        assert_int_equal(v->status, PM_STATUS_REACHED);
        assert_int_equal(v->kind, PM_DEATH_NONE);
        assert_int_equal(v->dies_in.asn, 0);
        assert_int_equal(v->upstream.asn, (c == 177 || c == 178) ? TTK : CU);
        assert_int_equal(v->upstream_addr, lab_addr((c == 177 || c == 178) ? "ttk2" : "cu3"));
        assert_int_equal(v->entry_ttl, 6);
        assert_int_equal(v->reached_ttl, 7);
        assert_true(v->confidence > 0.8);
        assert_true(lab_evidence_has(v, "Border 198.18.20.5"));
    }
    assert_string_equal(lab_verdict(run, a, A(198, 19, 177, 1))->upstream.name, "TransTeleCom");
    assert_int_equal(a->n_prefix, 4);
    const struct pm_rollup *r = lab_rollup(a, "198.19.177.0/24");
    assert_non_null(r);
    assert_int_equal(r->total, 4);
    assert_int_equal(r->reached, 4);
    assert_int_equal(r->upstream.asn, TTK);
    char line[300];
    pm_rollup_format(r, line, sizeof line);
    assert_string_equal(line, "198.19.177.0/24    reachable 4 live of 4   via TransTeleCom (AS20485)");
    assert_int_equal(a->n_upstream, 2);
    assert_int_equal(a->by_upstream[0].upstream.asn, CU);   /* sorted by ASN */
    assert_int_equal(a->by_upstream[0].total, 8);
    assert_string_equal(a->by_upstream[1].key, "AS20485");
    pm_analysis_free(a);
    pm_run_free(run);
}

/* Only the Russian side traced: kpbr's China Unicom address is a third-party
 * address, known as the border only because the hosts answer right after it. */
static void russian_third_party_alone(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    lab_hosts(run, 177, 3, RU_OK);
    struct pm_analysis *a = run_analysis(run, NULL, true);
    assert_int_equal(pm_analysis_owner(a, lab_addr("kpbr")), T_AS);
    const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 177, 1));
    assert_int_equal(v->status, PM_STATUS_REACHED);
    assert_int_equal(v->upstream.asn, TTK);
    assert_true(lab_evidence_has(v, "interconnect numbered by the provider"));
    pm_analysis_free(a);
    pm_run_free(run);
}

static void withdrawal_inside_china_unicom(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    lab_hosts(run, 176, 4, "acc tr cu1 cu2a!N");
    lab_hosts(run, 179, 4, "acc tr cu1 cu2a!N");
    lab_hosts(run, 177, 4, RU_OK);
    lab_hosts(run, 178, 4, RU_OK);
    struct pm_analyze_opts o = starjv_opts();
    struct pm_analysis *a = run_analysis(run, &o, true);
    const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 176, 3));
    assert_int_equal(v->status, PM_STATUS_DIED);
    assert_int_equal(v->kind, PM_DEATH_NET_UNREACH);
    assert_int_equal(v->dies_in.asn, CU);
    assert_string_equal(v->dies_in.name, "China Unicom");
    assert_int_equal(v->upstream.asn, CU);
    assert_int_equal(v->last_addr, lab_addr("cu2a"));
    assert_int_equal(v->last_ttl, 4);
    assert_string_equal(v->last_country, "CN");
    assert_true(v->confidence > 0.7);
    assert_int_equal(lab_verdict(run, a, A(198, 19, 178, 1))->status, PM_STATUS_REACHED);
    const struct pm_rollup *r = lab_rollup(a, "198.19.176.0/24");
    char line[300];
    pm_rollup_format(r, line, sizeof line);
    assert_string_equal(line, "198.19.176.0/24    dead      4 dead paths of 4   via China Unicom (AS4837): all die in "
                              "China Unicom (AS4837) at 198.18.17.1 (CN, hop 4), net-unreachable");
    r = lab_rollup(a, "AS4837");
    assert_non_null(r);
    assert_int_equal(r->died, 8);
    assert_int_equal(r->died_same, 8);
    pm_analysis_free(a);
    pm_run_free(run);
}

static void withdrawal_on_the_russian_side(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    /* TransTeleCom withdrew: its router says net unreachable */
    lab_hosts(run, 177, 3, "acc tr rt1 ttk1!N");
    /* Rostelecom withdrew for .178 only: .178 was entering via TransTeleCom */
    lab_hosts(run, 178, 2, "acc tr rt1!N");
    lab_trace(run, A(198, 19, 178, 9), RU_OK);
    lab_hosts(run, 176, 2, CN_OK);
    struct pm_analyze_opts o = starjv_opts();
    struct pm_analysis *a = run_analysis(run, &o, true);
    const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 177, 2));
    assert_int_equal(v->kind, PM_DEATH_NET_UNREACH);
    assert_int_equal(v->dies_in.asn, TTK);
    assert_int_equal(v->upstream.asn, TTK);
    v = lab_verdict(run, a, A(198, 19, 178, 2));
    assert_int_equal(v->kind, PM_DEATH_NET_UNREACH);
    assert_int_equal(v->dies_in.asn, RT);
    /* rt1 carries working paths of this /24 that enter Star JV via TransTeleCom */
    assert_int_equal(v->upstream.asn, TTK);
    assert_true(lab_evidence_has(v, "Working paths of this prefix through 198.18.32.0"));
    assert_true(lab_evidence_has(v, "Died in Rostelecom (AS12389) before reaching TransTeleCom (AS20485)"));
    pm_analysis_free(a);
    pm_run_free(run);
}

static void silent_drop_inside_an_upstream(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    lab_hosts(run, 176, 4, "acc tr cu1 cu2a * * * * *");
    lab_hosts(run, 179, 4, CN_OK);
    struct pm_analysis *a = run_analysis(run, NULL, true);
    const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 176, 1));
    assert_int_equal(v->status, PM_STATUS_DIED);
    assert_int_equal(v->kind, PM_DEATH_SILENT);
    assert_int_equal(v->dies_in.asn, CU);
    assert_int_equal(v->upstream.asn, CU);
    assert_int_equal(v->first_silent_ttl, 5);
    assert_true(lab_evidence_has(v, "died inside China Unicom"));
    char line[300];
    pm_rollup_format(lab_rollup(a, "198.19.176.0/24"), line, sizeof line);
    assert_non_null(strstr(line, "all die in China Unicom (AS4837) after 198.18.17.1 (CN, hop 4), silent"));
    pm_analysis_free(a);
    pm_run_free(run);
}

static void routing_loop(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    lab_hosts(run, 176, 2, "acc tr cu1 cu2a cu3 cu2a cu3 cu2a cu3");
    lab_hosts(run, 177, 2, RU_OK);
    struct pm_analysis *a = run_analysis(run, NULL, true);
    const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 176, 1));
    assert_int_equal(v->status, PM_STATUS_DIED);
    assert_int_equal(v->kind, PM_DEATH_LOOP);
    assert_int_equal(v->dies_in.asn, CU);
    assert_true(lab_evidence_has(v, "Forwarding loop: 198.18.17.1"));
    pm_analysis_free(a);
    pm_run_free(run);
}

/* The facts the store keeps from healthy lab runs (pm_store_history_facts,
 * docs/analyze.md): per reached path the hop right before the first hop
 * owned by the target AS, with its owner then. */
static uint32_t store_facts(struct pm_history_fact f[2])
{
    f[0] = (struct pm_history_fact){.addr = lab_addr("cu3"), .followed_by_target = true, .owner_asn = CU};
    f[1] = (struct pm_history_fact){.addr = lab_addr("ttk2"), .followed_by_target = true, .owner_asn = TTK};
    return 2;
}

static void border_router_down(void **state)
{
    (void)state;
    /* what the store keeps from healthy runs (pm_store_history_facts) */
    struct pm_history_fact facts[2];
    uint32_t n_facts = store_facts(facts);

    struct pm_run *run = pm_run_alloc();
    lab_hosts(run, 176, 2, "acc tr cu1 cu2a cu3 * * * * *");
    lab_hosts(run, 177, 2, "acc tr rt1 ttk1 ttk2 * * * * *");
    /* without history: both upstreams die at once and nothing enters Star JV: the common cause */
    struct pm_analysis *a = run_analysis(run, NULL, true);
    const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 176, 1));
    assert_int_equal(v->kind, PM_DEATH_SILENT);
    assert_int_equal(v->dies_in.asn, T_AS);
    assert_true(v->confidence <= 0.5);
    assert_int_equal(v->upstream.asn, CU);
    assert_true(lab_evidence_has(v, "the common cause is on the target side"));
    assert_int_equal(lab_verdict(run, a, A(198, 19, 177, 1))->upstream.asn, TTK);
    pm_analysis_free(a);

    /* one side only, no history: nothing says what follows cu3; blamed on China Unicom, weakly */
    struct pm_run *cn = pm_run_alloc();
    lab_hosts(cn, 176, 2, "acc tr cu1 cu2a cu3 * * * * *");
    a = run_analysis(cn, NULL, true);
    v = lab_verdict(cn, a, A(198, 19, 176, 1));
    assert_int_equal(v->dies_in.asn, CU);
    assert_true(v->confidence < 0.5);
    assert_true(lab_evidence_has(v, "nothing in this run shows what follows it"));
    pm_analysis_free(a);
    pm_run_free(cn);

    /* with history: cu3 and ttk2 hand over to Star JV when healthy: the border is silent */
    struct pm_analyze_opts o = starjv_opts();
    o.target_asn = T_AS;
    o.history = facts;
    o.n_history = n_facts;
    a = run_analysis(run, &o, true);
    v = lab_verdict(run, a, A(198, 19, 176, 1));
    assert_int_equal(v->kind, PM_DEATH_SILENT);
    assert_int_equal(v->dies_in.asn, T_AS);
    assert_int_equal(v->upstream.asn, CU);
    assert_true(lab_evidence_has(v, "stored history"));
    v = lab_verdict(run, a, A(198, 19, 177, 2));
    assert_int_equal(v->dies_in.asn, T_AS);
    assert_int_equal(v->upstream.asn, TTK);
    pm_analysis_free(a);
    pm_run_free(run);
}

/* The lab's border-down fault: with kpbr's links down cu3 and ttk2 have no
 * route left and answer net unreachable. */
static void border_router_down_unreachable(void **state)
{
    (void)state;
    struct pm_history_fact facts[2];
    uint32_t n_facts = store_facts(facts);

    struct pm_run *run = pm_run_alloc();
    lab_hosts(run, 176, 2, "acc tr cu1 cu2a cu3!N");
    lab_hosts(run, 178, 2, "acc tr rt1 ttk1 ttk2!N");
    struct pm_analysis *a = run_analysis(run, NULL, true);
    const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 176, 1));
    assert_int_equal(v->kind, PM_DEATH_NET_UNREACH);
    assert_int_equal(v->dies_in.asn, T_AS);   /* both upstreams lost their route at once */
    assert_true(lab_evidence_has(v, "common cause"));
    pm_analysis_free(a);
    struct pm_run *cn = pm_run_alloc();
    lab_hosts(cn, 176, 2, "acc tr cu1 cu2a cu3!N");
    a = run_analysis(cn, NULL, true);
    /* alone, the data says China Unicom has no route */
    assert_int_equal(lab_verdict(cn, a, A(198, 19, 176, 1))->dies_in.asn, CU);
    pm_analysis_free(a);
    pm_run_free(cn);

    struct pm_analyze_opts o = starjv_opts();
    o.history = facts;
    o.n_history = n_facts;
    a = run_analysis(run, &o, true);
    v = lab_verdict(run, a, A(198, 19, 176, 1));
    assert_int_equal(v->kind, PM_DEATH_NET_UNREACH);
    assert_int_equal(v->dies_in.asn, T_AS);
    assert_int_equal(v->upstream.asn, CU);
    assert_true(lab_evidence_has(v, "common cause"));
    v = lab_verdict(run, a, A(198, 19, 178, 2));
    assert_int_equal(v->dies_in.asn, T_AS);
    assert_int_equal(v->upstream.asn, TTK);
    pm_analysis_free(a);

    /* the same run with one side still working: cu3 forwards .179 to the
     * border and has no route for .176, so China Unicom lacks the route (the
     * unreachable is attributed to the network of the router that sent it,
     * issue 9 failure 2: it was blamed on Star JV before) */
    lab_hosts(run, 179, 2, CN_OK);
    a = run_analysis(run, NULL, true);
    v = lab_verdict(run, a, A(198, 19, 176, 1));
    assert_int_equal(v->dies_in.asn, CU);
    assert_int_equal(v->rule, PM_RULE_UNREACH);
    assert_int_equal(lab_verdict(run, a, A(198, 19, 178, 1))->dies_in.asn, TTK);
    pm_analysis_free(a);
    pm_run_free(run);
}

/* A blackhole at the first China Unicom router: the transit hop is the last to
 * answer, but working paths show the next hop is China Unicom's. */
static void silent_at_a_network_border(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    lab_hosts(run, 176, 3, "acc tr * * * * *");
    lab_hosts(run, 179, 3, CN_OK);
    lab_hosts(run, 177, 3, RU_OK);
    struct pm_analysis *a = run_analysis(run, NULL, true);
    const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 176, 2));
    assert_int_equal(v->kind, PM_DEATH_SILENT);
    assert_int_equal(v->last_addr, lab_addr("tr"));
    /* tr is followed by China Unicom on some working paths and Rostelecom on others, none of this /24 */
    assert_true(v->dies_in.asn == CU || v->dies_in.asn == RT);
    assert_true(v->confidence < 0.6);
    pm_analysis_free(a);
    /* with working paths of the same /24 through tr, they decide the upstream (routing is per
     * prefix) even though more paths through tr go to Rostelecom; and since cu1 answered them at
     * hop 3 where these got nothing, the silence is not a death */
    lab_trace(run, A(198, 19, 176, 77), CN_OK);
    lab_trace(run, A(198, 19, 176, 78), CN_OK);
    lab_hosts(run, 178, 6, RU_OK);
    a = run_analysis(run, NULL, true);
    v = lab_verdict(run, a, A(198, 19, 176, 2));
    assert_int_equal(v->kind, PM_DEATH_RATE_LIMITED);
    assert_int_equal(v->upstream.asn, CU);
    assert_true(lab_evidence_has(v, "Working paths of this prefix through 198.18.8.0"));
    pm_analysis_free(a);
    pm_run_free(run);
}

static void filter_inside_the_target_as(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    lab_hosts(run, 176, 3, "acc tr cu1 cu2a cu3 kpbr!X");
    lab_hosts(run, 179, 3, "acc tr cu1 cu2a cu3 kpbr!X");
    lab_hosts(run, 177, 3, "acc tr rt1 ttk1 ttk2 kpbr!X");
    lab_hosts(run, 178, 3, "acc tr rt1 ttk1 ttk2 kpbr!X");
    struct pm_analysis *a = run_analysis(run, NULL, true);
    assert_int_equal(pm_analysis_owner(a, lab_addr("kpbr")), T_AS);
    const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 176, 1));
    assert_int_equal(v->kind, PM_DEATH_ADMIN_PROHIB);
    assert_int_equal(v->dies_in.asn, T_AS);
    assert_string_equal(v->dies_in.name, "Star JV");
    assert_int_equal(v->upstream.asn, CU);
    v = lab_verdict(run, a, A(198, 19, 178, 3));
    assert_int_equal(v->kind, PM_DEATH_ADMIN_PROHIB);
    assert_int_equal(v->dies_in.asn, T_AS);
    assert_int_equal(v->upstream.asn, TTK);
    char line[300];
    pm_rollup_format(lab_rollup(a, "198.19.178.0/24"), line, sizeof line);
    assert_string_equal(line, "198.19.178.0/24    dead      3 dead paths of 3   via TransTeleCom (AS20485): all die in "
                              "Star JV (AS131279) at 198.18.20.5 (CN, hop 6), admin-prohibited");
    pm_analysis_free(a);
    pm_run_free(run);
}

static void rate_limited_hops_are_not_deaths(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    lab_hosts(run, 176, 6, CN_OK);
    /* two hosts got no answer beyond cu1 while neighbours through cu1 heard cu2a at hop 4 */
    lab_trace(run, A(198, 19, 176, 100), "acc tr cu1 * * * * *");
    lab_trace(run, A(198, 19, 176, 101), "acc tr cu1~1 * * * * *");
    /* partial answers on a reached path change nothing */
    lab_trace(run, A(198, 19, 176, 102), "acc tr~1 cu1 cu2a~2 * kpbr~1 DST~1");
    struct pm_analysis *a = run_analysis(run, NULL, true);
    const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 176, 100));
    assert_int_equal(v->status, PM_STATUS_DIED);
    assert_int_equal(v->kind, PM_DEATH_RATE_LIMITED);
    assert_int_equal(v->dies_in.asn, 0);
    assert_true(lab_evidence_has(v, "Not a death"));
    assert_int_equal(lab_verdict(run, a, A(198, 19, 176, 101))->kind, PM_DEATH_RATE_LIMITED);
    v = lab_verdict(run, a, A(198, 19, 176, 102));
    assert_int_equal(v->status, PM_STATUS_REACHED);
    assert_int_equal(v->upstream.asn, CU);
    const struct pm_rollup *r = lab_rollup(a, "198.19.176.0/24");
    assert_int_equal(r->total, 9);
    assert_int_equal(r->reached, 7);
    assert_int_equal(r->rate_limited, 2);
    assert_int_equal(r->died, 0);
    char line[300];
    pm_rollup_format(r, line, sizeof line);
    assert_non_null(strstr(line, "reachable 7 live, 2 rate-limited of 9"));
    assert_null(strstr(line, "die at"));
    pm_analysis_free(a);
    pm_run_free(run);
}

/* A silent host behind a live border is not rate limiting: the path reached
 * Star JV where its neighbours were answered, so the address is dark. */
static void silent_host_is_not_rate_limited(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    lab_hosts(run, 176, 4, CN_OK);
    lab_trace(run, A(198, 19, 176, 50), "acc tr cu1 cu2a cu3 kpbr * * * * *");
    struct pm_analysis *a = run_analysis(run, NULL, true);
    const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 176, 50));
    assert_int_equal(v->status, PM_STATUS_HOST_ABSENT);
    assert_int_equal(v->rule, PM_RULE_DARK);
    assert_int_equal(v->kind, PM_DEATH_SILENT);
    assert_int_equal(v->dies_in.asn, 0);
    assert_int_equal(v->upstream.asn, CU);
    assert_true(lab_evidence_has(v, "the address is dark"));
    assert_int_equal(lab_rollup(a, "198.19.176.0/24")->state, PM_NET_REACHABLE);
    pm_analysis_free(a);
    pm_run_free(run);
}

static void ecmp_mixtures(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    /* flow-stable probes: half the hosts via cu2a, half via cu2b */
    lab_hosts(run, 176, 3, CN_OK);
    for (int h = 10; h < 13; h++)
        lab_trace(run, A(198, 19, 176, h), "acc tr cu1 cu2b cu3 kpbr DST");
    /* classic probes: both parallel routers answer at hop 4 for one host */
    lab_trace(run, A(198, 19, 176, 20), "acc tr cu1 cu2b/cu2a cu3 kpbr DST");
    lab_hosts(run, 177, 2, RU_OK);
    struct pm_analysis *a = run_analysis(run, NULL, true);
    assert_int_equal(pm_analysis_owner(a, lab_addr("cu2b")), CU);
    assert_int_equal(pm_analysis_owner(a, lab_addr("cu2a")), CU);
    assert_int_equal(pm_analysis_owner(a, lab_addr("kpbr")), T_AS);
    for (int h = 10; h < 13; h++) {
        const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 176, h));
        assert_int_equal(v->status, PM_STATUS_REACHED);
        assert_int_equal(v->upstream.asn, CU);
    }
    const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 176, 20));
    assert_int_equal(v->status, PM_STATUS_REACHED);
    assert_int_equal(v->upstream.asn, CU);
    assert_int_equal(lab_rollup(a, "198.19.176.0/24")->reached, 7);
    pm_analysis_free(a);
    pm_run_free(run);
}

static void mpls_and_unmapped_hops(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    /* cu2a inside an MPLS tunnel; an unmapped address and an IXP address on the way */
    lab_hosts(run, 176, 3, "acc tr ixp cu1 nomap cu2a+m cu3 kpbr DST");
    lab_hosts(run, 177, 2, RU_OK);
    lab_hosts(run, 179, 2, "acc tr ixp cu1 nomap cu2a+m * * * *");
    struct pm_analysis *a = run_analysis(run, NULL, true);
    const struct pm_owner *o = pm_analysis_find_owner(a, lab_addr("nomap"));
    assert_non_null(o);
    assert_int_equal(o->mapped_asn, 0);
    assert_int_equal(o->owner_asn, CU);
    assert_non_null(strstr(o->reason, "no ASN"));
    o = pm_analysis_find_owner(a, lab_addr("ixp"));
    assert_int_equal(o->owner_asn, CU);      /* IXP LAN address: the far side's router */
    assert_non_null(strstr(o->reason, "IXP"));
    const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 176, 1));
    assert_int_equal(v->status, PM_STATUS_REACHED);
    assert_true(v->mpls);
    assert_int_equal(v->upstream.asn, CU);
    assert_true(lab_evidence_has(v, "MPLS labels (RFC 4950) and a quoted TTL > 1"));
    v = lab_verdict(run, a, A(198, 19, 179, 1));
    assert_int_equal(v->kind, PM_DEATH_SILENT);
    assert_int_equal(v->dies_in.asn, CU);
    assert_true(v->mpls);
    pm_analysis_free(a);
    pm_run_free(run);
}

static void stop_set_targets_borrow_lower_hops(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    lab_hosts(run, 176, 2, CN_OK);
    lab_hosts(run, 177, 2, RU_OK);
    /* backward probing stopped at kpbr (hop 6): hops 1-5 are the donors' */
    struct pm_target *t = lab_trace(run, A(198, 19, 176, 40), "- - - - - kpbr DST");
    t->stopset_ttl = 6;
    t = lab_trace(run, A(198, 19, 177, 40), "- - - - ttk2 kpbr DST");
    t->stopset_ttl = 5;
    /* a dead one, stopped at cu3 */
    t = lab_trace(run, A(198, 19, 179, 40), "- - - - cu3 * * * *");
    t->stopset_ttl = 5;
    /* no donor has this address at that hop: lower hops stay unknown */
    t = lab_trace(run, A(198, 19, 179, 41), "- - - - - - kpbr DST");
    t->stopset_ttl = 7;
    struct pm_analysis *a = run_analysis(run, NULL, true);
    const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 176, 40));
    assert_int_equal(v->status, PM_STATUS_REACHED);
    /* kpbr is shared by both sides; the donor at hop 6 decides which: the first registered (.176) */
    assert_int_equal(v->upstream.asn, CU);
    assert_int_equal(v->upstream_addr, lab_addr("cu3"));
    v = lab_verdict(run, a, A(198, 19, 177, 40));
    assert_int_equal(v->upstream.asn, TTK);
    v = lab_verdict(run, a, A(198, 19, 179, 40));
    assert_int_equal(v->kind, PM_DEATH_SILENT);
    assert_int_equal(v->upstream.asn, CU);
    assert_int_equal(v->dies_in.asn, T_AS);   /* on working paths cu3 hands over to the border */
    v = lab_verdict(run, a, A(198, 19, 179, 41));
    assert_int_equal(v->status, PM_STATUS_REACHED);
    assert_true(lab_evidence_has(v, "stop set"));
    /* a run rebuilt from a pcap does not carry stopset_ttl: the lowest probed TTL
     * stands for it, so the verdicts are the same, evidence included */
    for (uint32_t i = 0; i < run->n_targets; i++)
        run->targets[i].stopset_ttl = 0;
    struct pm_analysis *b = run_analysis(run, NULL, true);
    for (uint32_t i = 0; i < run->n_targets; i++) {
        const struct pm_verdict *x = &a->verdicts[i], *y = &b->verdicts[i];
        assert_int_equal(x->status, y->status);
        assert_int_equal(x->kind, y->kind);
        assert_int_equal(x->upstream.asn, y->upstream.asn);
        assert_int_equal(x->dies_in.asn, y->dies_in.asn);
        assert_true(x->confidence == y->confidence);
        assert_int_equal(x->n_evidence, y->n_evidence);
        for (uint32_t e = 0; e < x->n_evidence; e++)
            assert_string_equal(x->evidence[e], y->evidence[e]);
    }
    pm_analysis_free(b);
    pm_analysis_free(a);
    pm_run_free(run);
}

static void no_lookup_still_sane(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    lab_hosts(run, 176, 2, CN_OK);
    lab_hosts(run, 177, 2, "acc tr rt1 ttk1!N");
    lab_hosts(run, 178, 2, "acc tr rt1 * * * * *");
    lab_hosts(run, 179, 2, "acc tr cu1 cu2a cu3 cu2a cu3 cu2a");
    lab_trace(run, A(198, 19, 180, 1), "* * * * * *");
    struct pm_analysis *a = run_analysis(run, NULL, false);
    assert_int_equal(a->target_asn, 0);
    const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 176, 1));
    assert_int_equal(v->status, PM_STATUS_REACHED);
    assert_int_equal(v->upstream.asn, 0);
    v = lab_verdict(run, a, A(198, 19, 177, 1));
    assert_int_equal(v->kind, PM_DEATH_NET_UNREACH);
    assert_int_equal(v->last_addr, lab_addr("ttk1"));
    assert_int_equal(v->dies_in.asn, 0);
    assert_int_equal(lab_verdict(run, a, A(198, 19, 178, 1))->kind, PM_DEATH_SILENT);
    assert_int_equal(lab_verdict(run, a, A(198, 19, 179, 1))->kind, PM_DEATH_LOOP);
    v = lab_verdict(run, a, A(198, 19, 180, 1));
    assert_int_equal(v->kind, PM_DEATH_SILENT);
    assert_int_equal(v->last_addr, 0);
    assert_true(lab_evidence_has(v, "No hop answered"));
    assert_int_equal(a->n_prefix, 5);
    char line[300];
    pm_rollup_format(lab_rollup(a, "198.19.180.0/24"), line, sizeof line);
    assert_string_equal(line, "198.19.180.0/24    dead      1 dead path of 1   via an unknown upstream: all die with no hop "
                              "answering");
    pm_analysis_free(a);
    pm_run_free(run);
}

static void target_as_from_options_and_bad_input(void **state)
{
    (void)state;
    char err[PM_ERRBUF_SIZE] = "";
    struct pm_analysis *a = (struct pm_analysis *)1;
    assert_int_equal(pm_analyze(NULL, NULL, NULL, NULL, &a, err), PM_EINVAL);
    assert_true(strlen(err) > 0);
    struct pm_run *run = pm_run_alloc();
    struct pm_analyze_opts o = starjv_opts();
    o.n_history = 3;  /* a count without a list */
    assert_int_equal(pm_analyze(run, NULL, NULL, &o, &a, err), PM_EINVAL);
    assert_null(a);
    /* an empty run is fine */
    a = run_analysis(run, NULL, true);
    assert_int_equal(a->n_targets, 0);
    assert_int_equal(a->n_prefix, 0);
    pm_analysis_free(a);
    lab_hosts(run, 176, 2, CN_OK);
    o = starjv_opts();
    o.target_asn = 64999; /* user says the space is another AS: nothing enters it */
    a = run_analysis(run, &o, true);
    assert_int_equal(a->target_asn, 64999);
    const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 176, 1));
    assert_int_equal(v->status, PM_STATUS_REACHED);
    assert_int_equal(v->entry_ttl, 0);
    pm_analysis_free(a);
    pm_run_free(run);
    pm_analysis_free(NULL);
}

static void history_decides_an_owner(void **state)
{
    (void)state;
    /* history about a router the current run shows only dying decides its owner */
    struct pm_run *dead = pm_run_alloc();
    lab_hosts(dead, 176, 2, "acc tr cu1 cu2a cu3 kpbr!X");
    struct pm_analysis *d0 = run_analysis(dead, NULL, true);
    assert_int_equal(pm_analysis_owner(d0, lab_addr("kpbr")), CU);   /* alone it looks like China Unicom */
    struct pm_history_fact hf = {.addr = lab_addr("kpbr"), .followed_by_target = true, .owner_asn = T_AS};
    struct pm_analyze_opts o = starjv_opts();
    o.history = &hf;
    o.n_history = 1;
    struct pm_analysis *d1 = run_analysis(dead, &o, true);
    assert_int_equal(pm_analysis_owner(d1, lab_addr("kpbr")), T_AS);
    assert_int_equal(lab_verdict(dead, d1, A(198, 19, 176, 1))->dies_in.asn, T_AS);
    assert_int_equal(lab_verdict(dead, d0, A(198, 19, 176, 1))->dies_in.asn, CU);
    /* the store keeps only the hop before the first target-AS hop (cu3, owned by
     * China Unicom): what comes right after it is the border */
    struct pm_history_fact sf = {.addr = lab_addr("cu3"), .followed_by_target = true, .owner_asn = CU};
    o.history = &sf;
    struct pm_analysis *d2 = run_analysis(dead, &o, true);
    const struct pm_owner *ow = pm_analysis_find_owner(d2, lab_addr("kpbr"));
    assert_int_equal(ow->owner_asn, T_AS);
    assert_non_null(strstr(ow->reason, "stored history"));
    assert_int_equal(pm_analysis_owner(d2, lab_addr("cu3")), CU);
    assert_int_equal(lab_verdict(dead, d2, A(198, 19, 176, 1))->dies_in.asn, T_AS);
    assert_int_equal(lab_verdict(dead, d2, A(198, 19, 176, 1))->upstream.asn, CU);
    pm_analysis_free(d2);
    pm_analysis_free(d0);
    pm_analysis_free(d1);
    pm_run_free(dead);
}

/* "own" numbering: kpbr answers from Star JV space; nothing to infer, same upstreams. */
static void own_numbering(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    lab_hosts(run, 176, 2, "acc tr cu1 cu2a cu3 kpown DST");
    lab_hosts(run, 178, 2, "acc tr rt1 ttk1 ttk2 kpown DST");
    struct pm_analysis *a = run_analysis(run, NULL, true);
    const struct pm_owner *ow = pm_analysis_find_owner(a, lab_addr("kpown"));
    assert_int_equal(ow->owner_asn, T_AS);
    assert_int_equal(ow->mapped_asn, T_AS);
    assert_int_equal(lab_verdict(run, a, A(198, 19, 176, 1))->upstream.asn, CU);
    assert_int_equal(lab_verdict(run, a, A(198, 19, 178, 2))->upstream.asn, TTK);
    assert_int_equal(pm_analysis_owner(a, lab_addr("cu3")), CU);
    assert_int_equal(pm_analysis_owner(a, lab_addr("ttk2")), TTK);
    pm_analysis_free(a);
    pm_run_free(run);
}

/* What the lab really shows for its filter fault: kpbr answers time-exceeded at
 * hop 6 (the TTL check runs before the filter) and !X at hop 7; stop-set
 * targets start at hop 6. */
static void lab_filter_shape(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    lab_hosts(run, 176, 2, "acc tr cu1 cu2a cu3 kpbr kpbr!X");
    lab_hosts(run, 178, 2, "acc tr rt1 ttk1 ttk2 kpbr kpbr!X");
    struct pm_target *t = lab_trace(run, A(198, 19, 176, 77), "- - - - - kpbr kpbr!X");
    t->stopset_ttl = 6;
    t = lab_trace(run, A(198, 19, 178, 77), "- - - - - kpbr kpbr!X");
    t->stopset_ttl = 6;
    struct pm_analysis *a = run_analysis(run, NULL, true);
    assert_int_equal(pm_analysis_owner(a, lab_addr("kpbr")), T_AS);
    const uint32_t dsts[] = {A(198, 19, 176, 1), A(198, 19, 176, 77), A(198, 19, 178, 2), A(198, 19, 178, 77)};
    for (int i = 0; i < 4; i++) {
        const struct pm_verdict *v = lab_verdict(run, a, dsts[i]);
        assert_int_equal(v->kind, PM_DEATH_ADMIN_PROHIB);
        assert_int_equal(v->dies_in.asn, T_AS);
        assert_int_equal(v->upstream.asn, i < 2 ? CU : TTK);
        assert_int_equal(v->last_ttl, 6); /* kpbr's own hop (issue 9: not the refused probe's TTL 7) */
    }
    pm_analysis_free(a);
    pm_run_free(run);
}

/* The lab's border-down fault under a fast sweep: cu3 and ttk2 have no route
 * and answer !N, but routers rate-limit ICMP errors, so most targets get
 * silence where their neighbours got the !N. */
static void suppressed_unreachables_inherit_the_death(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    lab_hosts(run, 176, 2, "acc tr cu1 cu2a cu3!N");
    lab_trace(run, A(198, 19, 176, 50), "acc tr cu1 cu2a * * * * *");
    struct pm_target *t = lab_trace(run, A(198, 19, 176, 51), "- - - cu2a * * * * *");
    t->stopset_ttl = 4;
    lab_hosts(run, 177, 1, "acc tr rt1 ttk1 ttk2!N");
    lab_trace(run, A(198, 19, 177, 50), "acc tr rt1 ttk1 * * * * *");
    struct pm_analysis *a = run_analysis(run, NULL, true);
    const struct pm_verdict *v = lab_verdict(run, a, A(198, 19, 176, 50));
    assert_int_equal(v->kind, PM_DEATH_NET_UNREACH);
    assert_int_equal(v->last_addr, lab_addr("cu3"));
    assert_int_equal(v->last_ttl, 5);
    assert_int_equal(v->upstream.asn, CU);
    assert_int_equal(v->dies_in.asn, T_AS);   /* both sides at once: the common cause */
    assert_true(lab_evidence_has(v, "this target's copy was rate-limited"));
    v = lab_verdict(run, a, A(198, 19, 176, 51));
    assert_int_equal(v->kind, PM_DEATH_NET_UNREACH);
    assert_int_equal(v->last_addr, lab_addr("cu3"));
    v = lab_verdict(run, a, A(198, 19, 177, 50));
    assert_int_equal(v->kind, PM_DEATH_NET_UNREACH);
    assert_int_equal(v->last_addr, lab_addr("ttk2"));
    assert_int_equal(v->upstream.asn, TTK);
    const struct pm_rollup *r = lab_rollup(a, "198.19.176.0/24");
    assert_int_equal(r->died, 4);
    assert_int_equal(r->died_same, 4);
    assert_int_equal(r->rate_limited, 0);
    assert_int_equal(r->death_addr, lab_addr("cu3"));
    pm_analysis_free(a);

    /* as the lab shows it: a stop-set target with nothing of its own, and an
     * unreachable that only got through at hop 16 */
    t = lab_trace(run, A(198, 19, 177, 60), "- - - - - - - - - * * * * *");
    t->stopset_ttl = 10;
    lab_trace(run, A(198, 19, 177, 61), "acc tr rt1 ttk1 * * * * * * * * * * * ttk2!N");
    a = run_analysis(run, NULL, true);
    v = lab_verdict(run, a, A(198, 19, 177, 60));
    assert_int_equal(v->kind, PM_DEATH_NET_UNREACH);
    assert_int_equal(v->last_addr, lab_addr("ttk2"));
    assert_int_equal(v->last_ttl, 5);
    assert_int_equal(v->upstream.asn, TTK);
    assert_int_equal(v->dies_in.asn, T_AS);
    v = lab_verdict(run, a, A(198, 19, 177, 61));
    assert_int_equal(v->kind, PM_DEATH_NET_UNREACH);
    assert_int_equal(v->last_ttl, 5);   /* its distance, not the TTL that got through */
    r = lab_rollup(a, "198.19.177.0/24");
    assert_int_equal(r->death_ttl, 5);
    assert_int_equal(r->died_same, 4);
    pm_analysis_free(a);
    pm_run_free(run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(healthy_paths_get_the_right_upstream),
        cmocka_unit_test(russian_third_party_alone),
        cmocka_unit_test(own_numbering),
        cmocka_unit_test(withdrawal_inside_china_unicom),
        cmocka_unit_test(withdrawal_on_the_russian_side),
        cmocka_unit_test(silent_drop_inside_an_upstream),
        cmocka_unit_test(routing_loop),
        cmocka_unit_test(border_router_down),
        cmocka_unit_test(border_router_down_unreachable),
        cmocka_unit_test(silent_at_a_network_border),
        cmocka_unit_test(filter_inside_the_target_as),
        cmocka_unit_test(lab_filter_shape),
        cmocka_unit_test(suppressed_unreachables_inherit_the_death),
        cmocka_unit_test(rate_limited_hops_are_not_deaths),
        cmocka_unit_test(silent_host_is_not_rate_limited),
        cmocka_unit_test(ecmp_mixtures),
        cmocka_unit_test(mpls_and_unmapped_hops),
        cmocka_unit_test(stop_set_targets_borrow_lower_hops),
        cmocka_unit_test(no_lookup_still_sane),
        cmocka_unit_test(target_as_from_options_and_bad_input),
        cmocka_unit_test(history_decides_an_owner),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
