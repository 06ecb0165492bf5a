/* test_peers.c - other systems' traceroute files: RIPE Atlas results read into runs as the files say, and bad input refused by record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
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

/* The same result a day later: a probe's next round (same length, one field changed). */
static char *later(const char *r)
{
    char *c = strdup(r), *p = strstr(c, "\"timestamp\": 1361435986");
    assert_non_null(p);
    memcpy(p, "\"timestamp\": 1361522386", 23);
    return c;
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
    const struct pm_mpls_stack *ms = pm_reply_mpls(t, r);
    assert_non_null(ms);
    assert_int_equal(ms->n, 1);
    assert_int_equal(ms->e[0].label, 407904);
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
    char *r3b = later(r3);
    /* r10 twice: the same result, read once */
    int nl = snprintf(lines, cap, "%s\n%s\n%s\n%s\n%s\n", r0, r3, r10, r3b, r10);
    int na = snprintf(arr, cap, "[%s,\n%s , %s,%s,%s]\n", r0, r3, r10, r3b, r10);
    struct pm_peer_set a, b;
    char err[PM_ERRBUF_SIZE] = "";
    assert_int_equal(pm_peers_read_mem(lines, (size_t)nl, 5, &a, err), PM_OK);
    assert_int_equal(pm_peers_read_mem(arr, (size_t)na, 5, &b, err), PM_OK);
    assert_int_equal(a.n_runs, 4); /* prb 190, prb 319 twice (two rounds), prb 394 */
    assert_int_equal(b.n_runs, a.n_runs);
    assert_int_equal(a.records, 4);
    assert_int_equal(a.skipped, 1);
    assert_non_null(strstr(a.warning, "record 5: the same result"));
    free(r3b);
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
    char *r3b = later(r3);
    int nl = snprintf(lines, cap, "%s\n%s\n%s\n%s\n", r0, r3, r10, r3b);
    free(r3b);
    struct pm_peer_set set;
    char err[PM_ERRBUF_SIZE] = "";
    assert_int_equal(pm_peers_read_mem(lines, (size_t)nl, 5, &set, err), PM_OK);
    struct pm_analysis *as[4];
    struct pm_analyze_opts ao = {0};
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

/* ---- scamper: the reading must agree with scamper's own text rendering ---- */

struct seen_pair {
    uint8_t ttl, type, code, qttl;
    uint32_t addr;
    unsigned rtt_us; /* trace only */
};

static uint32_t parse_v4(const char *s)
{
    unsigned a, b, c, d;
    assert_int_equal(sscanf(s, "%u.%u.%u.%u", &a, &b, &c, &d), 4);
    return A(a, b, c, d);
}

/* "hop  N  ADDR" then " attempt: .., tx: ..s, rtt: R s, .." and " icmp-type: T, icmp-code: C, q-ttl: Q, .." */
static size_t scamper_trace_text(const char *path, struct seen_pair *out, size_t cap)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[512], addr[64];
    size_t n = 0;
    unsigned ttl, a1, t, c, q;
    double tx, rtt;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "hop %u %63s", &ttl, addr) == 2) {
            assert_true(n < cap);
            out[n] = (struct seen_pair){.ttl = (uint8_t)ttl, .addr = parse_v4(addr)};
            n++;
        } else if (n && sscanf(line, " attempt: %u, tx: %lfs, rtt: %lfs", &a1, &tx, &rtt) == 3) {
            out[n - 1].rtt_us = (unsigned)(rtt * 1e6 + 0.5);
        } else if (n && sscanf(line, " icmp-type: %u, icmp-code: %u, q-ttl: %u", &t, &c, &q) == 3) {
            out[n - 1].type = (uint8_t)t;
            out[n - 1].code = (uint8_t)c;
            out[n - 1].qttl = (uint8_t)q;
        }
    }
    fclose(f);
    return n;
}

static void warts_trace_matches_scamper_text(void **state)
{
    (void)state;
    struct seen_pair want[64];
    size_t n = scamper_trace_text(GOLDEN "warts-trace_google_dns_v4_default.txt", want, 64);
    assert_int_equal(n, 6);
    const char *files[] = {GOLDEN "warts-trace_google_dns_v4_default.warts", GOLDEN "warts-trace-v4.json"};
    for (size_t fi = 0; fi < 2; fi++) {
        struct pm_peer_set set;
        char err[PM_ERRBUF_SIZE] = "";
        assert_int_equal(read_file(files[fi], &set, err), PM_OK);
        assert_int_equal(set.n_runs, 1);
        const struct pm_run *run = set.runs[0];
        assert_string_equal(run->input.tool, "scamper");
        assert_string_equal(run->input.vantage_id, "monitor ubuntu-linux-20-04-desktop");
        assert_int_equal(run->source, A(137, 194, 165, 109));
        assert_int_equal(run->method, PM_METHOD_UDP);
        assert_false(run->classic); /* udp paris */
        assert_int_equal(run->queries, 2);
        const struct pm_target *t = &run->targets[0];
        assert_int_equal(t->dst, A(8, 8, 8, 8));
        assert_int_equal(t->n_replies, n);
        for (size_t i = 0; i < n; i++) {
            const struct pm_reply *r;
            assert_int_equal(pm_target_hop(t, want[i].ttl, &r), 1);
            assert_int_equal(r->from, want[i].addr);
            assert_int_equal(r->icmp_type, want[i].type);
            assert_int_equal(r->icmp_code, want[i].code);
            assert_int_equal(r->quoted_ttl, want[i].qttl);
            assert_int_equal(r->recv_us - r->sent_us, want[i].rtt_us);
        }
        /* scamper's stop reason "done" (port unreachable from the destination) is read as reached */
        assert_int_equal(t->stop, PM_STOP_REACHED);
        /* hop 6 silent after both attempts; the answered hops took one probe each: scamper's probec 8 */
        unsigned sent = 0;
        for (unsigned ttl = 1; ttl <= PM_TTL_MAX; ttl++)
            sent += t->sent[ttl];
        assert_int_equal(sent, 8);
        assert_int_equal(t->sent[6], 2);
        pm_peers_free(&set);
    }
}

/* tracelb: every (hop, address) scamper's text shows, with its ICMP type, and no other: the two
 * next hops at TTL 4 and 5 both kept (ECMP), not one path made up */
static void warts_tracelb_keeps_every_next_hop(void **state)
{
    (void)state;
    FILE *f = fopen(GOLDEN "warts-tracelb_google_dns_v4_default.txt", "r");
    assert_non_null(f);
    struct seen_pair want[256];
    struct { uint8_t ttl; uint32_t addr; uint64_t rtt_us; } times[512];
    size_t n = 0, cur = 0, n_times = 0;
    char line[512], addr[64];
    unsigned flow, ttl = 0, att, rttl, t, c;
    double rtt;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "node 0 %63[0-9.], q-ttl", addr) == 1) {
            want[n++] = (struct seen_pair){.ttl = 1, .addr = parse_v4(addr), .type = 11};
        } else if (sscanf(line, "  probe flowid: %u, ttl: %u, attempt: %u", &flow, &ttl, &att) == 3) {
            continue;
        } else if (sscanf(line, "   reply from: %63[0-9.], rtt: %lf, ttl: %u", addr, &rtt, &rttl) == 3) {
            uint32_t a = parse_v4(addr);
            assert_true(n_times < 512);
            times[n_times].ttl = (uint8_t)ttl;
            times[n_times].addr = a;
            times[n_times++].rtt_us = (uint64_t)(rtt * 1e6 + 0.5);
            size_t k = 0;
            while (k < n && !(want[k].ttl == ttl && want[k].addr == a))
                k++;
            if (k == n) {
                assert_true(n < 256);
                want[n++] = (struct seen_pair){.ttl = (uint8_t)ttl, .addr = a};
            }
            cur = k;
        } else if (sscanf(line, "     icmp: %u/%u", &t, &c) == 2) {
            want[cur].type = (uint8_t)t; /* the pair the last reply belongs to */
            want[cur].code = (uint8_t)c;
        }
    }
    fclose(f);
    struct pm_peer_set set;
    char err[PM_ERRBUF_SIZE] = "";
    assert_int_equal(read_file(GOLDEN "warts-tracelb_google_dns_v4_default.warts", &set, err), PM_OK);
    assert_int_equal(set.n_runs, 1);
    assert_string_equal(set.runs[0]->input.format, "warts-tracelb");
    const struct pm_target *tg = &set.runs[0]->targets[0];
    /* every pair of ours is in scamper's text, and every one of scamper's is ours */
    size_t ours = 0;
    for (uint32_t i = 0; i < tg->n_replies; i++) {
        const struct pm_reply *r = &tg->replies[i];
        bool first = true;
        for (uint32_t j = 0; j < i; j++)
            first &= !(tg->replies[j].ttl == r->ttl && tg->replies[j].from == r->from);
        if (!first)
            continue;
        ours++;
        size_t k = 0;
        while (k < n && !(want[k].ttl == r->ttl && want[k].addr == r->from))
            k++;
        assert_true(k < n);
        assert_int_equal(r->icmp_type, want[k].type);
    }
    assert_int_equal(ours, n);
    /* every time is one scamper's text shows for that hop and address; the
     * first node, which scamper shows without a time, has none (not 0 ms) */
    for (uint32_t i = 0; i < tg->n_replies; i++) {
        const struct pm_reply *r = &tg->replies[i];
        if (r->ttl == 1) {
            assert_true(r->no_rtt);
            continue;
        }
        assert_false(r->no_rtt);
        size_t k = 0;
        while (k < n_times && !(times[k].ttl == r->ttl && times[k].addr == r->from &&
                                times[k].rtt_us == r->recv_us - r->sent_us))
            k++;
        assert_true(k < n_times);
    }
    uint32_t at4 = 0, at5 = 0;
    for (size_t k = 0; k < n; k++) {
        at4 += want[k].ttl == 4;
        at5 += want[k].ttl == 5;
    }
    assert_int_equal(at4, 2);
    assert_int_equal(at5, 2);
    assert_int_equal(tg->stop, PM_STOP_REACHED);
    pm_peers_free(&set);
}

/* sc_warts2json's tracelb of the same measurement reads as the warts does: the same answers at the
 * same TTLs and times (the first node without one); only the unanswered probes, which the JSON
 * leaves out, are missing */
static void scamper_json_tracelb_reads_as_its_warts(void **state)
{
    (void)state;
    struct pm_peer_set w, j;
    char err[PM_ERRBUF_SIZE] = "";
    assert_int_equal(read_file(GOLDEN "warts-tracelb_google_dns_v4_default.warts", &w, err), PM_OK);
    assert_int_equal(read_file(GOLDEN "warts-tracelb-v4.json", &j, err), PM_OK);
    assert_int_equal(j.n_runs, 1);
    const struct pm_run *rj = j.runs[0];
    assert_string_equal(rj->input.format, "scamper-json-tracelb");
    assert_string_equal(rj->input.vantage_id, "monitor ubuntu-linux-20-04-desktop");
    assert_string_equal(rj->vantage, w.runs[0]->vantage); /* the same vantage in history */
    assert_int_equal(rj->method, PM_METHOD_UDP);
    assert_int_equal(rj->queries, 2);
    const struct pm_target *tw = &w.runs[0]->targets[0], *tj = &rj->targets[0];
    assert_int_equal(tj->n_replies, tw->n_replies);
    for (uint32_t i = 0; i < tw->n_replies; i++) {
        const struct pm_reply *a = &tw->replies[i], *b = &tj->replies[i];
        assert_int_equal(b->ttl, a->ttl);
        assert_int_equal(b->from, a->from);
        assert_int_equal(b->attempt, a->attempt);
        assert_int_equal(b->sent_us, a->sent_us);
        assert_int_equal(b->recv_us, a->recv_us);
        assert_int_equal(b->kind, a->kind);
        assert_int_equal(b->quoted_ttl, a->quoted_ttl);
        assert_int_equal(b->no_rtt, a->no_rtt);
    }
    for (unsigned ttl = 1; ttl <= PM_TTL_MAX; ttl++)
        if (ttl != 6) /* the silent hop's probes are in the warts only */
            assert_int_equal(tj->sent[ttl], tw->sent[ttl]);
    assert_int_equal(tj->sent[6], 0);
    assert_int_equal(tj->stop, PM_STOP_REACHED);
    pm_peers_free(&w);
    pm_peers_free(&j);
}

/* IPv6 traces and tracelbs are listed; ping warts is named; a warts file cut inside its trace is refused */
static void warts_ipv6_ping_and_cut(void **state)
{
    (void)state;
    struct pm_peer_set set;
    char err[PM_ERRBUF_SIZE] = "";
    assert_int_equal(read_file(GOLDEN "warts-trace_google_dns_v6_default.warts", &set, err), PM_OK);
    assert_int_equal(set.n_runs, 0);
    assert_int_equal(set.n_v6, 1);
    assert_string_equal(set.v6[0].dst, "2001:4860:4860::8888");
    assert_true(set.v6[0].reached);
    pm_peers_free(&set);
    assert_int_equal(read_file(GOLDEN "warts-tracelb_google_dns_v6_default.warts", &set, err), PM_OK);
    assert_int_equal(set.n_v6, 1);
    pm_peers_free(&set);
    assert_int_equal(read_file(GOLDEN "warts-ping_google_dns_v4_default.warts", &set, err), PM_EUNSUPP);
    assert_string_equal(err, "scamper ping results");
    /* cut 20 bytes before the end: inside the trace record */
    size_t len;
    char *w = slurp(GOLDEN "warts-trace_google_dns_v4_default.warts", &len);
    char path[] = "/tmp/pm-test-peers-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w+b");
    assert_int_equal(fwrite(w, 1, len - 20, f), len - 20);
    rewind(f);
    int rc = pm_peers_read(f, path, PM_PEER_WARTS, 5, &set, err);
    fclose(f);
    unlink(path);
    assert_int_equal(rc, PM_ECORRUPT);
    assert_non_null(strstr(err, "is cut short"));
    free(w);
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
        cmocka_unit_test(warts_trace_matches_scamper_text),
        cmocka_unit_test(warts_tracelb_keeps_every_next_hop),
        cmocka_unit_test(scamper_json_tracelb_reads_as_its_warts),
        cmocka_unit_test(warts_ipv6_ping_and_cut),
        cmocka_unit_test(sniff_tells_formats_apart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
