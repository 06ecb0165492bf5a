/* test_peers.c - other systems' traceroute files: RIPE Atlas results read into runs as the files say, and bad input refused by record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pathmortem/peers.h"

#define A(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define GOLDEN PM_SOURCE_DIR "/tests/golden/peers/"

static char *slurp(const char *name, size_t *len)
{
    FILE *f = fopen(name, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static int read_file(const char *name, struct pm_peer_set *set, char *err)
{
    FILE *f = fopen(name, "rb");
    assert_non_null(f);
    uint8_t head[16];
    size_t n = fread(head, 1, sizeof head, f);
    rewind(f);
    int rc = pm_peers_read(f, name, pm_peers_sniff(head, n), 5, set, err);
    fclose(f);
    return rc;
}

/* fw 4500, probe 319: 18 hops of 3 probes, MPLS at hops 10 and 11, silent from 14, the TTL-255 probe silent */
static void atlas_mpls_result_reads_as_the_file_says(void **state)
{
    (void)state;
    struct pm_peer_set set;
    char err[PM_ERRBUF_SIZE] = "";
    assert_int_equal(read_file(GOLDEN "atlas-03.json", &set, err), PM_OK);
    assert_string_equal(set.what, "RIPE Atlas traceroute results");
    assert_int_equal(set.n_runs, 1);
    assert_int_equal(set.n_v6, 0);
    const struct pm_run *run = set.runs[0];
    assert_int_equal(run->method, PM_METHOD_UDP);
    assert_int_equal(run->source, A(192, 172, 226, 243));
    assert_string_equal(run->input.format, "ripe-atlas");
    assert_string_equal(run->input.version, "fw 4500");
    assert_string_equal(run->input.vantage_id, "prb 319");
    assert_string_equal(run->input.vantage_addr, "192.172.226.243");
    assert_non_null(strstr(run->input.inferred, "queries"));
    assert_int_equal(run->n_targets, 1);
    const struct pm_target *t = &run->targets[0];
    assert_int_equal(t->dst, A(121, 244, 76, 25));
    unsigned sent = 0;
    for (unsigned ttl = 1; ttl <= PM_TTL_MAX; ttl++)
        sent += t->sent[ttl];
    assert_int_equal(sent, 54);
    assert_int_equal(t->max_ttl_sent, 18);
    assert_int_equal(t->n_replies, 36);
    assert_int_equal(t->stop, PM_STOP_GAPLIMIT);
    const struct pm_reply *r;
    assert_int_equal(pm_target_hop(t, 10, &r), 3);
    assert_int_equal(r->from, A(66, 110, 59, 1));
    assert_int_equal(r->kind, PM_REPLY_TIME_EXCEEDED);
    assert_int_equal(r->n_mpls, 1);
    assert_int_equal(r->mpls[0].label, 407904);
    assert_true(r->has_ext);
    assert_int_equal(pm_target_hop(t, 13, &r), 3);
    assert_int_equal(r->from, A(66, 198, 144, 2));
    assert_int_equal(r->recv_us - r->sent_us, 268682);
    assert_int_equal(pm_target_hop(t, 14, &r), 0);
    pm_peers_free(&set);
}

/* fw 4610: the destination answers at hop 20 with port unreachable; ittl kept as the quoted TTL */
static void atlas_reached_result_ends_with_port_unreachable(void **state)
{
    (void)state;
    struct pm_peer_set set;
    char err[PM_ERRBUF_SIZE] = "";
    assert_int_equal(read_file(GOLDEN "atlas-10.json", &set, err), PM_OK);
    assert_int_equal(set.n_runs, 1);
    const struct pm_target *t = &set.runs[0]->targets[0];
    assert_int_equal(t->stop, PM_STOP_REACHED);
    assert_int_equal(t->stop_ttl, 20);
    const struct pm_reply *r;
    assert_int_equal(pm_target_hop(t, 20, &r), 3);
    assert_int_equal(r->kind, PM_REPLY_UNREACH);
    assert_int_equal(r->icmp_code, 3);
    bool qttl = false;
    for (uint32_t i = 0; i < t->n_replies; i++)
        qttl |= t->replies[i].quoted_ttl > 1;
    assert_true(qttl); /* the file has ittl on six replies */
    pm_peers_free(&set);
}

/* IPv6 results are listed, never dropped; a probe that could not send is counted */
static void atlas_ipv6_is_listed_and_failures_counted(void **state)
{
    (void)state;
    struct pm_peer_set set;
    char err[PM_ERRBUF_SIZE] = "";
    size_t l1, l2;
    char *a = slurp(GOLDEN "atlas-11.json", &l1), *b = slurp(GOLDEN "atlas-12.json", &l2);
    char *both = malloc(l1 + l2 + 2);
    memcpy(both, a, l1);
    both[l1] = '\n';
    memcpy(both + l1 + 1, b, l2);
    assert_int_equal(pm_peers_read_mem(both, l1 + 1 + l2, 5, &set, err), PM_OK);
    assert_int_equal(set.n_runs, 0);
    assert_int_equal(set.n_v6, 2);
    assert_string_equal(set.v6[0].vantage, "prb 82");
    assert_string_equal(set.v6[0].last, "2001:67c:2e8:13:fad1:11ff:fea9:dd68");
    assert_false(set.v6[0].reached);
    assert_int_equal(set.v6[1].replies, 0);
    pm_peers_free(&set);
    free(a);
    free(b);
    free(both);
}

/* A JSON array and JSON Lines of the same results give the same runs; a probe's
 * second result to the same destination is its next round */
static void array_and_lines_agree_and_rounds_split(void **state)
{
    (void)state;
    size_t l0, l3, l10;
    char *r0 = slurp(GOLDEN "atlas-00.json", &l0), *r3 = slurp(GOLDEN "atlas-03.json", &l3),
         *r10 = slurp(GOLDEN "atlas-10.json", &l10);
    size_t cap = 2 * (l0 + l3 + l10) + 16;
    char *lines = malloc(cap), *arr = malloc(cap);
    int nl = snprintf(lines, cap, "%s\n%s\n%s\n%s\n", r0, r3, r10, r3);
    int na = snprintf(arr, cap, "[%s,\n%s , %s,%s]\n", r0, r3, r10, r3);
    struct pm_peer_set a, b;
    char err[PM_ERRBUF_SIZE] = "";
    assert_int_equal(pm_peers_read_mem(lines, (size_t)nl, 5, &a, err), PM_OK);
    assert_int_equal(pm_peers_read_mem(arr, (size_t)na, 5, &b, err), PM_OK);
    assert_int_equal(a.n_runs, 4); /* prb 190, prb 319 twice (two rounds), prb 394 */
    assert_int_equal(b.n_runs, a.n_runs);
    assert_int_equal(a.records, 4);
    for (uint32_t i = 0; i < a.n_runs; i++) {
        assert_string_equal(a.runs[i]->input.vantage_id, b.runs[i]->input.vantage_id);
        assert_int_equal(a.runs[i]->targets[0].n_replies, b.runs[i]->targets[0].n_replies);
    }
    assert_string_equal(a.runs[1]->input.vantage_id, "prb 319");
    assert_string_equal(a.runs[3]->input.vantage_id, "prb 319");
    pm_peers_free(&a);
    pm_peers_free(&b);
    free(r0);
    free(r3);
    free(r10);
    free(lines);
    free(arr);
}

static void expect_refused(const char *text, size_t len, int code, const char *substr)
{
    struct pm_peer_set set;
    char err[PM_ERRBUF_SIZE] = "";
    assert_int_equal(pm_peers_read_mem(text, len, 5, &set, err), code);
    if (!strstr(err, substr))
        fail_msg("error '%s' lacks '%s'", err, substr);
    assert_int_equal(set.n_runs, 0); /* nothing half-read is left */
}

static void bad_input_is_refused_with_its_record(void **state)
{
    (void)state;
    size_t l;
    char *good = slurp(GOLDEN "atlas-10.json", &l);
    /* second line cut in half */
    char *cut = malloc(2 * l + 2);
    memcpy(cut, good, l);
    cut[l] = '\n';
    memcpy(cut + l + 1, good, l / 2);
    expect_refused(cut, l + 1 + l / 2, PM_ECORRUPT, "record 2 (line 2): cut short");
    /* wrong type in a field */
    char *typed = strdup(good), *p = strstr(typed, "\"rtt\": 3.031");
    assert_non_null(p);
    memcpy(p, "\"rtt\": \"3.0\"", 12);
    expect_refused(typed, strlen(typed), PM_ECORRUPT, "record 1 (line 1): result[0].result[0].rtt: expected a number");
    /* other kinds are named */
    const char *ping = "{\"af\":4,\"prb_id\":1,\"msm_id\":2,\"type\":\"ping\",\"result\":[]}";
    expect_refused(ping, strlen(ping), PM_EUNSUPP, "RIPE Atlas ping results");
    const char *sping = "{\"type\":\"ping\",\"version\":\"0.4\",\"src\":\"1.2.3.4\"}";
    expect_refused(sping, strlen(sping), PM_EUNSUPP, "scamper ping results");
    const char *doc = "{\"schema\":\"pathmortem/1\",\"run\":{}}";
    expect_refused(doc, strlen(doc), PM_EUNSUPP, "pathmortem JSON document");
    expect_refused("[]", 2, PM_EUNSUPP, "no traceroute results");
    expect_refused("[1]", 3, PM_ECORRUPT, "record 1 (line 1): expected a JSON object");
    free(good);
    free(cut);
    free(typed);
}

/* 10^6 hops and a line over the record cap: refused with the record, in bounded memory */
static void huge_results_are_refused(void **state)
{
    (void)state;
    const char *head = "{\"af\":4,\"prb_id\":1,\"msm_id\":2,\"type\":\"traceroute\",\"timestamp\":1,"
                       "\"dst_addr\":\"1.2.3.4\",\"result\":[";
    const char *hop = "{\"hop\":1,\"result\":[{\"x\":\"*\"}]},";
    size_t hl = strlen(head), pl = strlen(hop);
    /* 10^5 hops fit under the byte cap: the hop cap refuses them */
    size_t n = 100000, len = hl + n * pl + 2;
    char *buf = malloc(len + 1);
    memcpy(buf, head, hl);
    for (size_t i = 0; i < n; i++)
        memcpy(buf + hl + i * pl, hop, pl);
    memcpy(buf + hl + n * pl - 1, "]}", 2);
    len = hl + n * pl + 1;
    expect_refused(buf, len, PM_ELIMIT, "100000 hops");
    free(buf);
    /* 10^6 hops do not: the record cap refuses them before parsing */
    n = 1000000;
    len = hl + n * pl + 2;
    buf = malloc(len + 1);
    memcpy(buf, head, hl);
    for (size_t i = 0; i < n; i++)
        memcpy(buf + hl + i * pl, hop, pl);
    memcpy(buf + hl + n * pl - 1, "]}", 2);
    len = hl + n * pl + 1;
    expect_refused(buf, len, PM_ELIMIT, "record 1 (line 1): longer than 16 MiB");
    free(buf);
}

/* Verdicts across vantages: each probe counted once, by its latest round */
static void across_counts_each_vantage_once(void **state)
{
    (void)state;
    size_t l0, l3, l10;
    char *r0 = slurp(GOLDEN "atlas-00.json", &l0), *r3 = slurp(GOLDEN "atlas-03.json", &l3),
         *r10 = slurp(GOLDEN "atlas-10.json", &l10);
    size_t cap = 2 * (l0 + l3 + l10) + 16;
    char *lines = malloc(cap);
    int nl = snprintf(lines, cap, "%s\n%s\n%s\n%s\n", r0, r3, r10, r3);
    struct pm_peer_set set;
    char err[PM_ERRBUF_SIZE] = "";
    assert_int_equal(pm_peers_read_mem(lines, (size_t)nl, 5, &set, err), PM_OK);
    struct pm_analysis *as[4];
    struct pm_analyze_opts ao = {.gaplimit = 5};
    assert_int_equal(set.n_runs, 4);
    for (uint32_t i = 0; i < set.n_runs; i++) {
        assert_int_equal(pm_analyze(set.runs[i], NULL, NULL, &ao, &as[i], err), PM_OK);
        double before = as[i]->verdicts[0].confidence;
        pm_peers_qualify(set.runs[i], as[i]);
        assert_true(as[i]->verdicts[0].confidence < before || before == 0);
    }
    struct pm_peer_across *ac;
    uint32_t n;
    assert_int_equal(pm_peers_across((const struct pm_run *const *)set.runs, as, set.n_runs, &ac, &n, err), PM_OK);
    assert_int_equal(n, 2);
    assert_string_equal(ac[0].key, "121.244.76.0/24");
    assert_int_equal(ac[0].vantages, 2); /* prb 190 and prb 319 (two rounds, counted once) */
    assert_int_equal(ac[0].died, 2);
    assert_int_equal(ac[0].reached, 0);
    assert_string_equal(ac[1].key, "220.226.205.0/24");
    assert_int_equal(ac[1].reached, 1);
    free(ac);
    for (uint32_t i = 0; i < set.n_runs; i++)
        pm_analysis_free(as[i]);
    pm_peers_free(&set);
    free(r0);
    free(r3);
    free(r10);
    free(lines);
}

/* Content decides, never the name */
static void sniff_tells_formats_apart(void **state)
{
    (void)state;
    const uint8_t pcap[] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0};
    const uint8_t pcapng[] = {0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0};
    const uint8_t warts[] = {0x12, 0x05, 0x00, 0x01, 0, 0, 0, 8};
    assert_int_equal(pm_peers_sniff(pcap, sizeof pcap), PM_PEER_PCAP);
    assert_int_equal(pm_peers_sniff(pcapng, sizeof pcapng), PM_PEER_PCAP);
    assert_int_equal(pm_peers_sniff(warts, sizeof warts), PM_PEER_WARTS);
    assert_int_equal(pm_peers_sniff((const uint8_t *)"\n  [{", 5), PM_PEER_JSON);
    assert_int_equal(pm_peers_sniff((const uint8_t *)"{\"af\"", 5), PM_PEER_JSON);
    assert_int_equal(pm_peers_sniff((const uint8_t *)"hello", 5), PM_PEER_UNKNOWN);
    assert_int_equal(pm_peers_sniff((const uint8_t *)"", 0), PM_PEER_UNKNOWN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(atlas_mpls_result_reads_as_the_file_says),
        cmocka_unit_test(atlas_reached_result_ends_with_port_unreachable),
        cmocka_unit_test(atlas_ipv6_is_listed_and_failures_counted),
        cmocka_unit_test(array_and_lines_agree_and_rounds_split),
        cmocka_unit_test(bad_input_is_refused_with_its_record),
        cmocka_unit_test(huge_results_are_refused),
        cmocka_unit_test(across_counts_each_vantage_once),
        cmocka_unit_test(sniff_tells_formats_apart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
