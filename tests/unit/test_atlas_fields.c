/* test_atlas_fields.c - every RIPE Atlas reply field the analyzer uses (late, dup, edst, err letters and numbers, ittl, x, errors) read as the format says; older results without fw-era fields; other result kinds named; a 1 GiB line refused in bounded memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <cmocka.h>

#include "pathmortem/peers.h"

#define A(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/* prb 7001, UDP classic: hop 1 answered once, then a late answer and a duplicate; hop 2 a
 * timeout, an answer quoting another destination (edst) and one with ittl 2; hop 3 three
 * unreachables (N, A, numeric 9). The second result (prb 7002) is of an older firmware: no fw,
 * proto, paris_id, src_addr or endtime; its first hop could not send, its second answered. */
static const char results[] =
    "[{\"af\": 4, \"dst_addr\": \"198.19.176.10\", \"from\": \"203.0.113.7\", \"fw\": 4790, \"msm_id\": 9001,"
    " \"prb_id\": 7001, \"proto\": \"UDP\", \"paris_id\": 0, \"src_addr\": \"198.18.0.2\", \"timestamp\": 1796300000,"
    " \"endtime\": 1796300009, \"type\": \"traceroute\", \"result\": ["
    "{\"hop\": 1, \"result\": [{\"from\": \"198.18.0.1\", \"rtt\": 0.5, \"size\": 28, \"ttl\": 255},"
    " {\"from\": \"198.18.0.1\", \"late\": 1, \"size\": 28, \"ttl\": 255},"
    " {\"from\": \"198.18.0.1\", \"rtt\": 0.625, \"size\": 28, \"ttl\": 255, \"dup\": true}]},"
    "{\"hop\": 2, \"result\": [{\"x\": \"*\"},"
    " {\"from\": \"198.18.5.1\", \"rtt\": 2.0, \"size\": 28, \"ttl\": 254, \"edst\": \"198.19.9.9\"},"
    " {\"from\": \"198.18.5.1\", \"rtt\": 2.125, \"size\": 28, \"ttl\": 254, \"ittl\": 2, \"itos\": 32}]},"
    "{\"hop\": 3, \"result\": [{\"from\": \"198.18.9.1\", \"rtt\": 3.0, \"size\": 28, \"ttl\": 253, \"err\": \"N\"},"
    " {\"from\": \"198.18.9.1\", \"rtt\": 3.25, \"size\": 28, \"ttl\": 253, \"err\": \"A\"},"
    " {\"from\": \"198.18.9.1\", \"rtt\": 3.5, \"size\": 28, \"ttl\": 253, \"err\": 9}]}]},"
    "{\"af\": 4, \"dst_addr\": \"198.19.177.10\", \"msm_id\": 9002, \"prb_id\": 7002, \"timestamp\": 1796300100,"
    " \"type\": \"traceroute\", \"result\": ["
    "{\"hop\": 1, \"error\": \"sendto failed: Network is unreachable\"},"
    "{\"hop\": 2, \"result\": [{\"from\": \"198.19.177.10\", \"rtt\": 9.0, \"ttl\": 60, \"err\": \"p\"}]}]}]";

static void atlas_reply_fields_read_as_the_format_says(void **state)
{
    (void)state;
    struct pm_peer_set set;
    char err[PM_ERRBUF_SIZE] = "";
    assert_int_equal(pm_peers_read_mem(results, strlen(results), 5, &set, err), PM_OK);
    assert_int_equal(set.n_runs, 2);
    const struct pm_run *run = set.runs[0];
    assert_string_equal(run->input.vantage_id, "prb 7001");
    assert_string_equal(run->input.vantage_addr, "203.0.113.7"); /* from: as the controller saw the probe */
    assert_string_equal(run->input.version, "fw 4790");
    assert_int_equal(run->source, A(198, 18, 0, 2));
    assert_int_equal(run->method, PM_METHOD_UDP);
    assert_true(run->classic); /* paris_id 0 */
    assert_int_equal(run->stats.rejected_late, 1);
    assert_int_equal(run->stats.rejected_duplicate, 1);
    assert_int_equal(run->stats.rejected_mismatch, 1);
    const struct pm_target *t = &run->targets[0];
    const struct pm_reply *r;
    /* hop 1: only the first answer; late and duplicate replies are not probes sent */
    assert_int_equal(t->sent[1], 1);
    assert_int_equal(pm_target_hop(t, 1, &r), 1);
    assert_int_equal(r->kind, PM_REPLY_TIME_EXCEEDED);
    assert_int_equal(r->recv_us - r->sent_us, 500);
    assert_int_equal(r->reply_ttl, 255);
    assert_int_equal(r->quoted_ttl, 1); /* Atlas leaves ittl out when it is 1 */
    /* hop 2: a timeout and the edst answer are probes sent; only the ittl-2 answer is kept */
    assert_int_equal(t->sent[2], 3);
    assert_int_equal(pm_target_hop(t, 2, &r), 1);
    assert_int_equal(r->quoted_ttl, 2);
    assert_int_equal(r->attempt, 2);
    assert_int_equal(r->recv_us - r->sent_us, 2125);
    /* hop 3: N, A and 9 as unreachable codes 0, 13 and 9 */
    assert_int_equal(pm_target_hop(t, 3, &r), 3);
    const uint8_t codes[] = {0, 13, 9};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(r[i].kind, PM_REPLY_UNREACH);
        assert_int_equal(r[i].icmp_type, 3);
        assert_int_equal(r[i].icmp_code, codes[r[i].attempt]);
    }
    assert_int_equal(t->stop, PM_STOP_UNREACHABLE);

    /* the older result: defaults (UDP, classic), no version, the send error counts nothing */
    run = set.runs[1];
    assert_string_equal(run->input.vantage_id, "prb 7002");
    assert_string_equal(run->input.version, "");
    assert_int_equal(run->method, PM_METHOD_UDP);
    assert_true(run->classic);
    t = &run->targets[0];
    assert_int_equal(t->sent[1], 0);
    assert_int_equal(pm_target_hop(t, 2, &r), 1);
    assert_int_equal(r->kind, PM_REPLY_UNREACH);
    assert_int_equal(r->icmp_code, 3); /* p: port unreachable, from the destination */
    assert_int_equal(t->stop, PM_STOP_REACHED);
    pm_peers_free(&set);
}

static void expect_named(const char *text, const char *name)
{
    struct pm_peer_set set;
    char err[PM_ERRBUF_SIZE] = "";
    assert_int_equal(pm_peers_read_mem(text, strlen(text), 5, &set, err), PM_EUNSUPP);
    if (!strstr(err, name))
        fail_msg("error '%s' lacks '%s'", err, name);
    assert_int_equal(set.n_runs, 0);
}

/* Atlas results of other kinds, and firmware-1 traceroutes (text), are named, not read */
static void other_atlas_kinds_are_named(void **state)
{
    (void)state;
    expect_named("{\"af\":4,\"prb_id\":1,\"msm_id\":2,\"type\":\"dns\",\"result\":{}}", "RIPE Atlas DNS results");
    expect_named("{\"af\":4,\"prb_id\":1,\"msm_id\":2,\"type\":\"http\",\"result\":[]}", "RIPE Atlas HTTP results");
    expect_named("{\"af\":4,\"prb_id\":1,\"msm_id\":2,\"type\":\"sslcert\"}", "RIPE Atlas TLS certificate results");
    expect_named("{\"prb_id\":1,\"msm_id\":2,\"fw\":1,\"result\":\"traceroute to 1.2.3.4 ...\"}",
                 "RIPE Atlas firmware-1 results");
}

/* A 1 GiB line, produced as it is read: refused once the 16 MiB record cap is passed, with its
 * record and line, the rest never read nor held (peak memory well under the line). */
struct gen {
    uint64_t left;
    bool head;
};

static ssize_t gen_read(void *cookie, char *buf, size_t size)
{
    struct gen *g = cookie;
    static const char head[] = "{\"af\":4,\"prb_id\":1,\"msm_id\":2,\"type\":\"traceroute\",\"timestamp\":1,"
                               "\"dst_addr\":\"1.2.3.4\",\"result\":[{\"hop\":1,\"result\":[{\"x\":\"";
    size_t n = 0;
    if (!g->head) {
        memcpy(buf, head, sizeof head - 1 < size ? sizeof head - 1 : size);
        n = sizeof head - 1 < size ? sizeof head - 1 : size;
        g->head = true;
    }
    size_t fill = size - n < g->left ? size - n : (size_t)g->left;
    memset(buf + n, '*', fill);
    g->left -= fill;
    return (ssize_t)(n + fill);
}

static void a_gibibyte_line_is_refused_in_bounded_memory(void **state)
{
    (void)state;
    struct gen g = {.left = UINT64_C(1) << 30};
    cookie_io_functions_t io = {.read = gen_read};
    FILE *f = fopencookie(&g, "r", io);
    assert_non_null(f);
    struct rusage before, after;
    assert_int_equal(getrusage(RUSAGE_SELF, &before), 0);
    struct pm_peer_set set;
    char err[PM_ERRBUF_SIZE] = "";
    assert_int_equal(pm_peers_read(f, "big.json", PM_PEER_JSON, 5, &set, err), PM_ELIMIT);
    fclose(f);
    assert_int_equal(getrusage(RUSAGE_SELF, &after), 0);
    assert_non_null(strstr(err, "record 1 (line 1): longer than 16 MiB"));
    assert_int_equal(set.n_runs, 0);
    /* the reader stopped near the cap, not at the end of the line */
    assert_true(g.left > (UINT64_C(1) << 30) - (UINT64_C(64) << 20));
    /* ru_maxrss is in KiB: the read grew the peak by less than 64 MiB (the cap is 16) */
    assert_true(after.ru_maxrss - before.ru_maxrss < 64 * 1024);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(atlas_reply_fields_read_as_the_format_says),
        cmocka_unit_test(other_atlas_kinds_are_named),
        cmocka_unit_test(a_gibibyte_line_is_refused_in_bounded_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
