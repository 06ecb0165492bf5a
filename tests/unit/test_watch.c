/* test_watch.c - the live view's model: replies folded as they arrive (sent, loss, RTTs, jitter, addresses), pause without false loss, the rows shown, the row text, the verdict lines and the JSON report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "pathmortem/watch.h"

#define A(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define DST A(198, 19, 176, 8)

static void lookup(void *ctx, uint32_t addr, struct pm_geo_info *out)
{
    (void)ctx;
    memset(out, 0, sizeof *out);
    out->asn = addr >> 24 == 198 && (addr >> 8 & 0xff) == 176 ? 131279 : 4837;
    snprintf(out->as_name, sizeof out->as_name, "%s", out->asn == 131279 ? "Star JV" : "CHINA UNICOM\x07");
}

/* A probe at ttl sent at sent_us, answered by from after rtt_us (from 0: silence). */
static void probe(struct pm_target *t, uint8_t ttl, uint32_t from, uint8_t kind, uint8_t code, uint64_t sent_us,
                  uint64_t rtt_us)
{
    pm_target_note_sent(t, ttl);
    if (!from)
        return;
    struct pm_reply r = {.from = from, .ttl = ttl, .kind = kind, .icmp_code = code, .sent_us = sent_us,
                         .recv_us = sent_us + rtt_us,
                         .icmp_type = kind == PM_REPLY_TIME_EXCEEDED ? 11 : kind == PM_REPLY_UNREACH ? 3 : 0};
    assert_int_equal(pm_target_add_reply(t, &r), PM_OK);
}

static struct pm_run *one_target(struct pm_watch *w)
{
    struct pm_run *run = pm_run_alloc();
    assert_non_null(run);
    assert_int_equal(pm_watch_begin_cycle(w, run, 1), PM_OK);
    assert_non_null(pm_run_target(run, DST, true));
    return run;
}

static void folds_figures_as_they_arrive(void **state)
{
    (void)state;
    struct pm_watch w;
    pm_watch_init(&w, lookup, NULL);
    struct pm_run *run = one_target(&w);
    struct pm_target *t = &run->targets[0];
    probe(t, 1, A(198, 18, 0, 1), PM_REPLY_TIME_EXCEEDED, 0, 1000000, 1000);
    pm_watch_fold(&w);
    assert_int_equal(w.hops[1].sent, 1);
    assert_int_equal(w.hops[1].received, 1);
    assert_true(w.hops[1].last_ms == 1.0);
    /* the same replies folded again count once */
    pm_watch_fold(&w);
    assert_int_equal(w.hops[1].received, 1);
    probe(t, 1, A(198, 18, 0, 1), PM_REPLY_TIME_EXCEEDED, 0, 2000000, 4000);
    probe(t, 1, 0, 0, 0, 3000000, 0);
    probe(t, 1, A(198, 18, 0, 1), PM_REPLY_TIME_EXCEEDED, 0, 4000000, 2000);
    pm_watch_fold(&w);
    const struct pm_watch_hop *h = &w.hops[1];
    assert_int_equal(h->sent, 4);
    assert_int_equal(h->received, 3);
    assert_true(pm_watch_loss(h) == 25.0);
    assert_true(h->best_ms == 1.0 && h->worst_ms == 4.0 && h->last_ms == 2.0);
    assert_true(h->sum_ms == 7.0);
    /* jitter: |4-1| and |2-4| */
    assert_int_equal(h->n_jitter, 2);
    assert_true(h->jitter_sum_ms == 5.0 && h->last_jitter_ms == 2.0);
    assert_int_equal(h->n_addr, 1);
    assert_int_equal(h->addrs[0].replies, 3);
    assert_int_equal(h->addrs[0].asn, 4837);
    assert_string_equal(h->addrs[0].as_name, "CHINA UNICOM?"); /* a control byte from a database never reaches the screen */
    pm_watch_end_cycle(&w, run, NULL, 0);
    assert_int_equal(w.cycles, 1);
    pm_watch_free(&w);
}

static void pause_counts_no_false_loss(void **state)
{
    (void)state;
    struct pm_watch w;
    pm_watch_init(&w, NULL, NULL);
    struct pm_run *run = one_target(&w);
    struct pm_target *t = &run->targets[0];
    /* sent before the pause; its reply comes during it: counted */
    pm_target_note_sent(t, 2);
    pm_watch_set_paused(&w, true, 5000000);
    struct pm_reply r = {.from = A(198, 18, 8, 0), .ttl = 2, .kind = PM_REPLY_TIME_EXCEEDED, .icmp_type = 11,
                         .sent_us = 4990000, .recv_us = 5010000};
    assert_int_equal(pm_target_add_reply(t, &r), PM_OK);
    /* sent during the pause, answered during it or after the resume: neither counted */
    probe(t, 2, A(198, 18, 8, 0), PM_REPLY_TIME_EXCEEDED, 0, 5500000, 1000);
    pm_target_note_sent(t, 2);
    pm_watch_fold(&w);
    pm_watch_set_paused(&w, false, 6000000);
    r.sent_us = 5900000;
    r.recv_us = 6100000;
    assert_int_equal(pm_target_add_reply(t, &r), PM_OK);
    pm_watch_fold(&w);
    assert_int_equal(w.hops[2].sent, 1);
    assert_int_equal(w.hops[2].received, 1);
    assert_true(pm_watch_loss(&w.hops[2]) == 0.0);
    /* after the resume everything counts again */
    probe(t, 2, A(198, 18, 8, 0), PM_REPLY_TIME_EXCEEDED, 0, 7000000, 1000);
    pm_watch_fold(&w);
    assert_int_equal(w.hops[2].sent, 2);
    assert_int_equal(w.hops[2].received, 2);
    /* reset forgets the figures */
    pm_watch_reset(&w);
    assert_int_equal(w.hops[2].sent, 0);
    pm_watch_end_cycle(&w, NULL, NULL, 0);
    pm_run_free(run);
    pm_watch_free(&w);
}

static void rows_end_at_the_target_and_text_matches(void **state)
{
    (void)state;
    struct pm_watch w;
    pm_watch_init(&w, lookup, NULL);
    struct pm_run *run = one_target(&w);
    struct pm_target *t = &run->targets[0];
    probe(t, 1, A(198, 18, 0, 1), PM_REPLY_TIME_EXCEEDED, 0, 1000, 500);
    probe(t, 2, 0, 0, 0, 1000, 0);
    probe(t, 3, A(198, 18, 17, 1), PM_REPLY_UNREACH, 0, 1000, 700);
    probe(t, 3, A(198, 18, 17, 3), PM_REPLY_TIME_EXCEEDED, 0, 2000, 800);
    probe(t, 3, A(198, 18, 17, 3), PM_REPLY_TIME_EXCEEDED, 0, 3000, 800);
    probe(t, 4, DST, PM_REPLY_ECHO_REPLY, 0, 1000, 900);
    probe(t, 5, DST, PM_REPLY_ECHO_REPLY, 0, 1000, 900);
    probe(t, 6, 0, 0, 0, 1000, 0);
    pm_watch_fold(&w);
    uint8_t last;
    pm_watch_rows(&w, 1, &last);
    assert_int_equal(last, 4); /* past the target, probes only repeat it */
    char line[512];
    pm_watch_format_row(&w, 0, 0, false, line, sizeof line);
    assert_non_null(strstr(line, "Loss%"));
    assert_non_null(strstr(line, "Jttr"));
    pm_watch_format_row(&w, 2, 0, false, line, sizeof line);
    assert_non_null(strstr(line, " 2. ???"));
    assert_non_null(strstr(line, "100.0%"));
    /* hop 3: the address that answered most first, the other on its own line with its mark */
    pm_watch_format_row(&w, 3, 0, false, line, sizeof line);
    assert_non_null(strstr(line, " 3. 198.18.17.3 "));
    assert_non_null(strstr(line, "AS4837"));
    assert_int_equal(pm_watch_extra_rows(&w, 3), 1);
    pm_watch_format_row(&w, 3, 1, false, line, sizeof line);
    assert_non_null(strstr(line, "198.18.17.1 !N"));
    assert_null(strstr(line, "198.18.17.3"));
    pm_watch_format_row(&w, 4, 0, false, line, sizeof line);
    assert_non_null(strstr(line, "198.19.176.8"));
    assert_non_null(strstr(line, "AS131279 Star JV"));
    assert_non_null(strstr(line, "0.0%     1   0.90   0.90   0.90   0.90   0.00"));
    assert_true(line[strlen(line) - 1] != ' ');
    /* a sweep shows no TTL it never probed; a single target shows every TTL up to its end */
    assert_true(pm_watch_row_shown(&w, 2));
    pm_watch_end_cycle(&w, NULL, NULL, 0);
    pm_run_free(run);
    pm_watch_free(&w);
}

static void verdict_lines_and_json_from_the_last_cycle(void **state)
{
    (void)state;
    struct pm_watch w;
    pm_watch_init(&w, lookup, NULL);
    char lines[8][256];
    assert_int_equal(pm_watch_verdict_lines(&w, lines, 8), 0);
    struct pm_run *run = one_target(&w);
    struct pm_target *t = &run->targets[0];
    probe(t, 1, A(198, 18, 0, 1), PM_REPLY_TIME_EXCEEDED, 0, 1000, 500);
    probe(t, 2, DST, PM_REPLY_ECHO_REPLY, 0, 1000, 900);
    pm_watch_fold(&w);
    pm_trace_finish(run, 5);
    struct pm_analysis *a = NULL;
    char err[PM_ERRBUF_SIZE];
    assert_int_equal(pm_analyze(run, lookup, NULL, NULL, &a, err), PM_OK);
    pm_watch_end_cycle(&w, run, a, 1);
    assert_int_equal(pm_watch_verdict_lines(&w, lines, 8), 1);
    assert_non_null(strstr(lines[0], "198.19.176.8: reached at hop 2"));
    /* a cycle cut short keeps the last verdict */
    struct pm_run *cut = one_target(&w);
    pm_watch_end_cycle(&w, NULL, NULL, 2);
    pm_run_free(cut);
    assert_int_equal(pm_watch_verdict_lines(&w, lines, 8), 1);
    assert_int_equal(w.cycles, 2);

    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(pm_watch_write_json(f, &w, "pathmortem watch test", 1, err), PM_OK);
    rewind(f);
    json_error_t je;
    json_t *doc = json_loadf(f, 0, &je);
    fclose(f);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "schema")), "pathmortem-watch/1");
    assert_int_equal(json_integer_value(json_object_get(doc, "cycles")), 2);
    json_t *hops = json_object_get(doc, "hops");
    assert_int_equal(json_array_size(hops), 2);
    json_t *h2 = json_array_get(hops, 1);
    assert_int_equal(json_integer_value(json_object_get(h2, "sent")), 1);
    assert_true(json_real_value(json_object_get(h2, "avg_ms")) == 0.9);
    assert_true(json_is_null(json_object_get(h2, "jitter_ms")));
    json_t *a0 = json_array_get(json_object_get(h2, "addresses"), 0);
    assert_string_equal(json_string_value(json_object_get(a0, "addr")), "198.19.176.8");
    assert_int_equal(json_integer_value(json_object_get(a0, "asn")), 131279);
    json_t *v = json_object_get(doc, "verdict");
    assert_string_equal(json_string_value(json_object_get(v, "status")), "reached");
    json_decref(doc);
    pm_watch_free(&w);
}

/* Two upstreams by AS: 10.4.0.0/16 China Unicom, 10.20.0.0/16 TransTeleCom, 10.0.0.1 the access. */
static void lookup2(void *ctx, uint32_t addr, struct pm_geo_info *out)
{
    (void)ctx;
    memset(out, 0, sizeof *out);
    if (addr >> 16 == (A(198, 19, 0, 0) >> 16)) {
        out->asn = 131279;
        snprintf(out->as_name, sizeof out->as_name, "Star JV");
    } else if (addr >> 16 == (A(10, 4, 0, 0) >> 16)) {
        out->asn = 4837;
        snprintf(out->as_name, sizeof out->as_name, "CHINA UNICOM");
    } else if (addr >> 16 == (A(10, 20, 0, 0) >> 16)) {
        out->asn = 20485;
        snprintf(out->as_name, sizeof out->as_name, "TransTeleCom");
    } else {
        out->asn = 64500;
        snprintf(out->as_name, sizeof out->as_name, "Access");
    }
}

/* One cycle over two /24s: .176 via China Unicom, .177 via TransTeleCom, each hop answered. */
static struct pm_run *two_upstreams(struct pm_watch *w, uint64_t t0)
{
    struct pm_run *run = pm_run_alloc();
    assert_non_null(run);
    assert_int_equal(pm_watch_begin_cycle(w, run, 4), PM_OK);
    static const uint32_t dsts[] = {A(198, 19, 176, 1), A(198, 19, 177, 1), A(198, 19, 176, 2), A(198, 19, 177, 2)};
    for (int i = 0; i < 4; i++) {
        struct pm_target *t = pm_run_target(run, dsts[i], true);
        assert_non_null(t);
        bool cu = (dsts[i] >> 8 & 0xff) == 176;
        probe(t, 1, A(10, 0, 0, 1), PM_REPLY_TIME_EXCEEDED, 0, t0, 300);
        probe(t, 2, cu ? A(10, 4, 0, 1) : A(10, 20, 0, 1), PM_REPLY_TIME_EXCEEDED, 0, t0, cu ? 20000 : 90000);
        probe(t, 3, cu ? A(10, 4, 1, 1) : A(10, 20, 1, 1), PM_REPLY_TIME_EXCEEDED, 0, t0, cu ? 21000 : 91000);
        probe(t, 4, dsts[i], PM_REPLY_ECHO_REPLY, 0, t0, cu ? 22000 : 92000);
    }
    return run;
}

/* issue 15: `watch PREFIX` showed one table mixing both upstreams at every
 * TTL; each upstream gets a table of its own, from the first cycle on (its
 * targets' own replies decide it: here the path enters Star JV after the
 * upstream's routers; later cycles follow the last cycle's analysis). */
static void a_sweep_gets_one_table_per_upstream(void **state)
{
    (void)state;
    struct pm_watch w;
    pm_watch_init(&w, lookup2, NULL);
    struct pm_analyze_opts o = {.target_asn = 131279, .watched = {4837, 20485}, .n_watched = 2};
    char err[PM_ERRBUF_SIZE];
    for (int cycle = 0; cycle < 3; cycle++) {
        struct pm_run *run = two_upstreams(&w, 1000000u * (uint64_t)(cycle + 1));
        pm_watch_fold(&w);
        if (cycle == 0) {
            /* no analysis yet, and already one table per upstream, none mixed */
            assert_int_equal(w.n_sections, 2);
            for (uint32_t i = 0; i < 2; i++) {
                assert_int_equal(w.sections[i]->hops[2].n_addr, 1);
                assert_int_equal(w.sections[i]->hops[2].sent, 2);
                assert_int_equal(w.sections[i]->hops[1].received, 2);
            }
        }
        pm_trace_finish(run, 5);
        struct pm_analysis *a = NULL;
        assert_int_equal(pm_analyze(run, lookup2, NULL, &o, &a, err), PM_OK);
        pm_watch_end_cycle(&w, run, a, 1);
    }
    /* the mixed table has both upstreams at hop 2; each section only its own */
    assert_int_equal(w.hops[2].n_addr, 2);
    assert_int_equal(w.n_sections, 2);
    for (uint32_t i = 0; i < 2; i++) {
        const struct pm_watch *sec = w.sections[i];
        uint32_t want = sec->section_asn == 4837 ? A(10, 4, 0, 1) : A(10, 20, 0, 1);
        assert_true(sec->section_asn == 4837 || sec->section_asn == 20485);
        for (uint8_t ttl = 2; ttl <= 3; ttl++) {
            assert_int_equal(sec->hops[ttl].n_addr, 1);
            assert_int_equal(sec->hops[ttl].addrs[0].asn, sec->section_asn);
        }
        assert_int_equal(sec->hops[2].addrs[0].addr, want);
        /* three cycles, two targets each: 6 probes per hop, none lost */
        assert_int_equal(sec->hops[2].sent, 6);
        assert_int_equal(sec->hops[2].received, 6);
        char title[128];
        pm_watch_section_title(sec, title, sizeof title);
        assert_string_equal(title, sec->section_asn == 4837 ? "via CHINA UNICOM (AS4837)" : "via TransTeleCom (AS20485)");
    }
    /* the report: a title per upstream, each followed by its own rows */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(pm_watch_write_text(f, &w, "t", 1, err), PM_OK);
    fclose(f);
    if (getenv("PM_TEST_DUMP"))
        fputs(buf, stderr);
    char *cu = strstr(buf, "\nvia CHINA UNICOM (AS4837)\n"), *ttk = strstr(buf, "\nvia TransTeleCom (AS20485)\n");
    assert_non_null(cu);
    assert_non_null(ttk);
    char *cu_end = ttk > cu ? ttk : buf + len, *ttk_end = cu > ttk ? cu : buf + len;
    char *p = strstr(cu, "10.4.0.1");
    assert_true(p && p < cu_end);
    p = strstr(cu, "10.20.0.1");
    assert_true(!p || p > cu_end);
    p = strstr(ttk, "10.20.0.1");
    assert_true(p && p < ttk_end);
    p = strstr(ttk, "10.4.0.1");
    assert_true(!p || p > ttk_end);
    free(buf);
    /* JSON: the same per upstream */
    f = tmpfile();
    assert_non_null(f);
    assert_int_equal(pm_watch_write_json(f, &w, "t", 1, err), PM_OK);
    rewind(f);
    json_error_t je;
    json_t *doc = json_loadf(f, 0, &je);
    fclose(f);
    assert_non_null(doc);
    json_t *ups = json_object_get(doc, "upstreams");
    assert_int_equal(json_array_size(ups), 2);
    json_t *u0 = json_array_get(ups, 0);
    json_t *h2 = json_array_get(json_object_get(u0, "hops"), 1);
    assert_int_equal(json_array_size(json_object_get(h2, "addresses")), 1);
    json_decref(doc);
    /* reset clears the sections' figures too */
    pm_watch_reset(&w);
    assert_int_equal(w.sections[0]->hops[2].sent, 0);
    pm_watch_free(&w);
}

/* The first cycle as it arrives: a target is in no table until its replies
 * name its upstream - its path entered the target AS, or a router answered
 * it unreachable, and two hops at least before that belong to one AS more
 * than to any other - then its table gets all it sent and got so far; a
 * target of a /24 whose upstream is known joins it at once (routing is per
 * prefix: most targets are probed only above their /24's shared hops). */
static void first_cycle_tables_from_the_replies(void **state)
{
    (void)state;
    static const uint32_t watched[] = {4837, 20485};
    for (int with_preset = 1; with_preset >= 0; with_preset--) {
        struct pm_watch w;
        pm_watch_init(&w, lookup2, NULL);
        if (with_preset)
            pm_watch_set_upstreams(&w, 131279, watched, 2);
        struct pm_run *run = pm_run_alloc();
        assert_non_null(run);
        assert_int_equal(pm_watch_begin_cycle(&w, run, 4), PM_OK);
        struct pm_target *cu = pm_run_target(run, A(198, 19, 176, 1), true);
        struct pm_target *ttk = pm_run_target(run, A(198, 19, 177, 1), true);
        struct pm_target *far = pm_run_target(run, A(198, 19, 178, 1), true);
        struct pm_target *cu2 = pm_run_target(run, A(198, 19, 176, 2), true);
        /* cu: !N from China Unicom's third router */
        probe(cu, 1, A(10, 0, 0, 1), PM_REPLY_TIME_EXCEEDED, 0, 1000, 300);
        probe(cu, 2, A(10, 4, 0, 1), PM_REPLY_TIME_EXCEEDED, 0, 1000, 20000);
        probe(cu, 3, A(10, 4, 1, 1), PM_REPLY_TIME_EXCEEDED, 0, 1000, 20500);
        probe(cu, 4, A(10, 4, 2, 1), PM_REPLY_UNREACH, 0, 1000, 21000);
        /* cu2: probed above its /24's shared hops only, its border numbered from the other side's space */
        probe(cu2, 5, A(10, 20, 5, 5), PM_REPLY_TIME_EXCEEDED, 0, 1000, 22000);
        /* ttk: one TransTeleCom hop so far, then silence: nothing decided yet */
        probe(ttk, 1, A(10, 0, 0, 1), PM_REPLY_TIME_EXCEEDED, 0, 1000, 300);
        probe(ttk, 2, A(10, 20, 0, 2), PM_REPLY_TIME_EXCEEDED, 0, 1000, 90000);
        /* far: reached through TransTeleCom */
        probe(far, 1, A(10, 0, 0, 1), PM_REPLY_TIME_EXCEEDED, 0, 1000, 300);
        probe(far, 2, A(10, 20, 0, 1), PM_REPLY_TIME_EXCEEDED, 0, 1000, 90000);
        probe(far, 3, A(10, 20, 1, 1), PM_REPLY_TIME_EXCEEDED, 0, 1000, 90500);
        probe(far, 4, A(198, 19, 178, 1), PM_REPLY_ECHO_REPLY, 0, 1000, 91000);
        pm_watch_fold(&w);
        assert_int_equal(w.n_sections, 2);
        const struct pm_watch *scu = NULL, *sttk = NULL;
        for (uint32_t i = 0; i < w.n_sections; i++)
            if (w.sections[i]->section_asn == 4837)
                scu = w.sections[i];
            else if (w.sections[i]->section_asn == 20485)
                sttk = w.sections[i];
        assert_non_null(scu);
        assert_non_null(sttk);
        assert_int_equal(scu->hops[1].sent, 1);
        assert_int_equal(scu->hops[2].addrs[0].addr, A(10, 4, 0, 1));
        assert_int_equal(scu->hops[5].n_addr, 1); /* cu2, by its /24 */
        assert_int_equal(scu->hops[5].addrs[0].addr, A(10, 20, 5, 5));
        assert_int_equal(sttk->hops[1].sent, 1); /* far alone: ttk has shown no upstream yet */
        assert_int_equal(sttk->hops[2].n_addr, 1);
        assert_int_equal(sttk->hops[5].sent, 0);
        /* ttk reaches its target: all it sent and got so far join TransTeleCom's table */
        probe(ttk, 3, A(10, 20, 1, 2), PM_REPLY_TIME_EXCEEDED, 0, 2000, 90500);
        probe(ttk, 4, A(198, 19, 177, 1), PM_REPLY_ECHO_REPLY, 0, 2000, 91000);
        pm_watch_fold(&w);
        assert_int_equal(w.n_sections, 2);
        assert_int_equal(sttk->hops[1].sent, 2);
        assert_int_equal(sttk->hops[1].received, 2);
        assert_int_equal(sttk->hops[2].n_addr, 2);
        assert_int_equal(sttk->hops[4].received, 2);
        assert_int_equal(scu->hops[1].sent, 1);
        /* the mixed table counted everything all along */
        assert_int_equal(w.hops[1].sent, 3);
        assert_int_equal(w.hops[2].n_addr, 3);
        pm_watch_end_cycle(&w, NULL, NULL, 0);
        pm_run_free(run);
        pm_watch_free(&w);
    }
}

/* The first cycle under the stop set and ICMP rate limiting: no single
 * target of a /24 has both its own answers from two upstream hops and an
 * end. One got TransTeleCom's time-exceeded at 3 and 4, then nothing;
 * another, probed only above them, got one at 5 and the border's !H at 6
 * (numbered from China Unicom's space). Together they name the /24's
 * upstream: the second joins TransTeleCom's table with the hops its /24
 * heard below it, the first follows by its /24. */
static void first_cycle_tables_from_the_24s_shared_hops(void **state)
{
    (void)state;
    static const uint32_t watched[] = {4837, 20485};
    struct pm_watch w;
    pm_watch_init(&w, lookup2, NULL);
    pm_watch_set_upstreams(&w, 131279, watched, 2);
    struct pm_run *run = pm_run_alloc();
    assert_non_null(run);
    assert_int_equal(pm_watch_begin_cycle(&w, run, 2), PM_OK);
    struct pm_target *low = pm_run_target(run, A(198, 19, 177, 9), true);
    struct pm_target *high = pm_run_target(run, A(198, 19, 177, 30), true);
    probe(low, 1, A(10, 0, 0, 1), PM_REPLY_TIME_EXCEEDED, 0, 1000, 300);
    probe(low, 2, A(10, 0, 1, 1), PM_REPLY_TIME_EXCEEDED, 0, 1000, 400);
    probe(low, 3, A(10, 20, 0, 2), PM_REPLY_TIME_EXCEEDED, 0, 1000, 500);
    probe(low, 4, A(10, 20, 1, 2), PM_REPLY_TIME_EXCEEDED, 0, 1000, 600);
    probe(low, 5, 0, 0, 0, 1000, 0);
    probe(high, 5, A(10, 20, 2, 2), PM_REPLY_TIME_EXCEEDED, 0, 1000, 700);
    probe(high, 6, A(10, 4, 9, 9), PM_REPLY_UNREACH, 1, 1000, 800);
    pm_watch_fold(&w);
    assert_int_equal(w.n_sections, 1);
    const struct pm_watch *sttk = w.sections[0];
    assert_int_equal(sttk->section_asn, 20485);
    assert_string_equal(sttk->section_name, "TransTeleCom");
    assert_int_equal(sttk->hops[6].received, 1);
    assert_int_equal(sttk->hops[5].n_addr, 1);
    pm_watch_fold(&w);
    assert_int_equal(w.n_sections, 1);
    assert_int_equal(sttk->hops[3].received, 1);   /* low, by its /24 */
    assert_int_equal(sttk->hops[5].sent, 2);
    pm_watch_end_cycle(&w, NULL, NULL, 0);
    pm_run_free(run);
    pm_watch_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(folds_figures_as_they_arrive),
        cmocka_unit_test(pause_counts_no_false_loss),
        cmocka_unit_test(rows_end_at_the_target_and_text_matches),
        cmocka_unit_test(verdict_lines_and_json_from_the_last_cycle),
        cmocka_unit_test(a_sweep_gets_one_table_per_upstream),
        cmocka_unit_test(first_cycle_tables_from_the_replies),
        cmocka_unit_test(first_cycle_tables_from_the_24s_shared_hops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
