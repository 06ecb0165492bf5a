/* test_analyze_rules.c - one fixture per analyzer rule of issue 9 (statuses, network states, attribution, run end), and whole evidence sentences. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_analyze_lab.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(evidence_is_never_cut),
        cmocka_unit_test(add_evidence_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
