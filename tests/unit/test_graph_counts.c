/* test_graph_counts.c - the path graph counts what the text table counts: per /24 its live, dark and dead targets, per death router the paths dying there, and cluster titles whole (issue 15). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pathmortem/output.h"
#include "test_analyze_lab.h"

static char *render(const struct pm_output_ctx *ctx, enum pm_format fmt)
{
    char *buf = NULL, err[PM_ERRBUF_SIZE] = "";
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    int rc = pm_output_write(f, fmt, ctx, err);
    fclose(f);
    if (rc != PM_OK)
        fail_msg("pm_output_write: %s", err);
    return buf;
}

/* Sum of the counts the graph's target boxes give /24 key in one bucket
 * ("live", "dark", "dead paths"): boxes "KEY\nN word" and single targets
 * "a.b.c.d\nword" whose address lies in the /24. */
static uint32_t graph_count(const char *dot, const char *key, uint32_t prefix, const char *word)
{
    uint32_t sum = 0;
    for (const char *p = strstr(dot, "label=\""); p; p = strstr(p + 1, "label=\"")) {
        const char *l = p + 7;
        char first[64] = "", rest[64] = "";
        const char *nl = strstr(l, "\\n");
        const char *end = strchr(l, '"');
        if (!nl || !end || nl > end || (size_t)(nl - l) >= sizeof first || (size_t)(end - nl - 2) >= sizeof rest)
            continue;
        memcpy(first, l, (size_t)(nl - l));
        memcpy(rest, nl + 2, (size_t)(end - nl - 2));
        unsigned n = 0;
        char w[40] = "";
        if (!strcmp(first, key) && sscanf(rest, "%u %39[a-z -]", &n, w) == 2 && !strcmp(w, word)) {
            sum += n;
            continue;
        }
        unsigned o[4];
        if (sscanf(first, "%u.%u.%u.%u", &o[0], &o[1], &o[2], &o[3]) == 4 &&
            (A(o[0], o[1], o[2], o[3]) & 0xffffff00u) == prefix &&
            ((!strcmp(word, "dead paths") && !strcmp(rest, "dead")) || !strcmp(rest, word)))
            sum++;
    }
    return sum;
}

/* The lab under a China Unicom withdrawal, as the demo's sweep saw it: the
 * first targets of .176 and .179 (lowest addresses, drawn first) heard
 * nothing at cu2a's hop (their copies were rate-limited) and die there only
 * by their neighbours' refusals; the Russian side's /24s have two live hosts
 * and the rest dark behind kpbr (host-unreachable) or silent. */
static void graph_counts_match_the_table(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    assert_non_null(run);
    run->method = PM_METHOD_ICMP;
    run->source = A(198, 18, 0, 2);
    int dead_c[] = {176, 179};
    for (int k = 0; k < 2; k++) {
        int c = dead_c[k];
        for (int h = 1; h <= 3; h++)
            lab_trace(run, A(198, 19, c, h), "acc tr cu1 *");
        for (int h = 4; h <= 9; h++)
            lab_trace(run, A(198, 19, c, h), "acc tr cu1 cu2a!N");
    }
    for (int c = 177; c <= 178; c++) {
        lab_trace(run, A(198, 19, c, 1), "acc tr rt1 ttk1 ttk2 * *");
        lab_trace(run, A(198, 19, c, 2), "acc tr rt1 ttk1 ttk2 * *");
        for (int h = 3; h <= 7; h++)
            lab_trace(run, A(198, 19, c, h), "acc tr rt1 ttk1 ttk2 kpbr!H");
        lab_trace(run, A(198, 19, c, 20), RU_OK);
        lab_trace(run, A(198, 19, c, 21), RU_OK);
    }
    pm_trace_finish(run, 5);
    struct pm_analyze_opts o = {.target_asn = 131279, .watched = {4837, 12389, 20485}, .n_watched = 3};
    struct pm_analysis *a = NULL;
    char err[PM_ERRBUF_SIZE] = "";
    assert_int_equal(pm_analyze(run, lab_lookup, NULL, &o, &a, err), PM_OK);
    struct pm_output_ctx ctx = {.run = run, .analysis = a, .lookup = lab_lookup};
    char *dot = render(&ctx, PM_FMT_DOT);
    char *text = render(&ctx, PM_FMT_TEXT);
    if (getenv("PM_TEST_DUMP"))
        fprintf(stderr, "%s\n%s\n", text, dot);
    assert_int_equal(a->n_prefix, 4);
    uint32_t dead_total = 0;
    for (uint32_t i = 0; i < a->n_prefix; i++) {
        const struct pm_rollup *r = &a->by_prefix[i];
        unsigned o0, o1, o2, o3;
        assert_int_equal(sscanf(r->key, "%u.%u.%u.%u", &o0, &o1, &o2, &o3), 4);
        uint32_t prefix = A(o0, o1, o2, o3);
        assert_int_equal(graph_count(dot, r->key, prefix, "live"), r->reached);
        assert_int_equal(graph_count(dot, r->key, prefix, "dark"), r->dark);
        assert_int_equal(graph_count(dot, r->key, prefix, "dead paths"), r->died);
        assert_int_equal(r->reached + r->dark + r->died + r->rate_limited + r->not_probed, r->total);
        if (r->died) {
            assert_int_equal(r->death_addr, lab_addr("cu2a"));
            assert_int_equal(r->died_same, r->died);
            dead_total += r->died;
        }
    }
    /* the table's "the 18 dead die at 198.18.17.1": the octagon counts them all */
    assert_int_equal(dead_total, 18);
    char want[80];
    snprintf(want, sizeof want, "198.18.17.1\\n✗ net-unreachable (%u)", dead_total);
    assert_non_null(strstr(dot, want));
    /* every /24 line of the table names the same counts */
    assert_non_null(strstr(text, "9 dead paths of 9"));
    assert_non_null(strstr(text, "2 live, 7 dark of 9"));
    /* cluster titles carry the whole AS name */
    assert_non_null(strstr(dot, "label=\"AS4837 China Unicom\""));
    free(dot);
    free(text);
    pm_analysis_free(a);
    pm_run_free(run);
}

#define LONG_NAME "CHINA UNICOM China169 Backbone Network of the Northern Provinces"

/* The lab's lookup, with a provider name of 64 characters for AS4837. */
static void long_lookup(void *ctx, uint32_t addr, struct pm_geo_info *out)
{
    memset(out, 0, sizeof *out);
    lab_lookup(ctx, addr, out);
    if (out->asn == 4837)
        snprintf(out->as_name, sizeof out->as_name, "%s", LONG_NAME);
}

static void long_cluster_titles_are_whole(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    assert_non_null(run);
    run->method = PM_METHOD_ICMP;
    lab_trace(run, A(198, 19, 176, 5), CN_OK);
    pm_trace_finish(run, 5);
    struct pm_analysis *a = NULL;
    char err[PM_ERRBUF_SIZE] = "";
    struct pm_analyze_opts o = {.target_asn = 131279};
    assert_int_equal(pm_analyze(run, long_lookup, NULL, &o, &a, err), PM_OK);
    struct pm_output_ctx ctx = {.run = run, .analysis = a, .lookup = long_lookup};
    char *dot = render(&ctx, PM_FMT_DOT);
    if (getenv("PM_TEST_DUMP"))
        fprintf(stderr, "%s\n", dot);
    /* every word, in order, lines broken only at spaces (graphviz's \n), nothing cut */
    assert_non_null(strstr(dot, "label=\"AS4837 CHINA UNICOM China169 Backbone\\nNetwork of the Northern Provinces\""));
    assert_null(strstr(dot, "…"));
    free(dot);
    pm_analysis_free(a);
    pm_run_free(run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(graph_counts_match_the_table),
        cmocka_unit_test(long_cluster_titles_are_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
