/* test_store_exim.c - diff between snapshots; export -> import -> export gives identical JSON Lines; strict import with line numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_store_util.h"

static struct pm_snapshot *snap_of(uint64_t t, enum tstate a, enum tstate b, unsigned n)
{
    char err[PM_ERRBUF_SIZE];
    struct fixture fx = make_fixture(t, a, b, n);
    struct pm_snapshot *s;
    assert_int_equal(pm_snapshot_from_run(fx.run, fx.an, &s, err), PM_OK);
    free_fixture(&fx);
    return s;
}

static const struct pm_diff_entry *entry(const struct pm_diff *d, const char *key)
{
    for (size_t i = 0; i < d->n; i++)
        if (!strcmp(d->entries[i].key, key))
            return &d->entries[i];
    return NULL;
}

/* A hand-made snapshot of 198.19.176.1 and .2: the first probed from TTL 1
 * (or from 2, stop set), the second the other way round; up2 is .2's upstream. */
static struct pm_snapshot *stopset_snap(bool first_full, uint32_t up2)
{
    struct pm_snapshot *s = calloc(1, sizeof *s);
    s->targets = calloc(2, sizeof *s->targets);
    s->hops = calloc(6, sizeof *s->hops);
    s->n_targets = 2;
    for (uint32_t t = 0; t < 2; t++) {
        struct pm_snap_target *x = &s->targets[t];
        x->dst = ip(198, 19, 176, 1 + t);
        x->status = PM_STATUS_REACHED;
        x->upstream.asn = t ? up2 : 4837;
        x->first_hop = s->n_hops;
        bool full = (t == 0) == first_full;
        uint32_t hops[3] = {ip(198, 18, 0, 1), ip(198, 18, 16, 0), x->dst};
        for (uint32_t h = full ? 0 : 1; h < 3; h++)
            s->hops[s->n_hops++] = (struct pm_snap_hop){.dst = x->dst, .ttl = (uint8_t)(h + 1), .from = hops[h]};
        x->n_hops = s->n_hops - x->first_hop;
    }
    return s;
}

static void free_hand(struct pm_snapshot *s)
{
    free(s->targets);
    free(s->hops);
    free(s);
}

/* Issue 15: hops only not re-probed (below the stop set) never 'vanish';
 * upstreams have their own lines; the summary leaves the targets out. */
static void diff_fills_shared_hops(void **state)
{
    (void)state;
    char err[PM_ERRBUF_SIZE];
    struct pm_snapshot *a = stopset_snap(true, 4837), *b = stopset_snap(false, 4837);
    struct pm_diff *d;
    assert_int_equal(pm_store_diff(a, b, &d, err), PM_OK);
    assert_int_equal(d->n, 0); /* the same path, only probed from another target */
    assert_int_equal(d->unchanged_targets, 2);
    pm_diff_free(d);
    free_hand(b);
    b = stopset_snap(false, 20485);
    assert_int_equal(pm_store_diff(a, b, &d, err), PM_OK);
    const struct pm_diff_entry *e = entry(d, "198.19.176.2");
    assert_non_null(e);
    assert_int_equal(e->changes, PM_DIFF_UPSTREAM); /* no hop appeared or vanished */
    e = entry(d, "AS4837");
    assert_non_null(e);
    assert_true(e->is_upstream);
    assert_int_equal(e->changes, PM_DIFF_REACHED_COUNT);
    assert_int_equal(e->a_total, 2);
    assert_int_equal(e->b_total, 1);
    e = entry(d, "AS20485");
    assert_non_null(e);
    assert_int_equal(e->changes, PM_DIFF_ADDED);
    /* the summary: /24s and upstreams, the target counted, not listed */
    pm_diff_filter(d, 0, 0, false);
    assert_null(entry(d, "198.19.176.2"));
    assert_non_null(entry(d, "AS4837"));
    assert_int_equal(d->unlisted_targets, 1);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(pm_output_diff(f, PM_FMT_TEXT, d, err), PM_OK);
    fclose(f);
    assert_non_null(strstr(buf, "AS4837             2/2 -> 1/1 reached"));
    assert_non_null(strstr(buf, "1 target changed, not listed here (--prefix P lists those inside P)"));
    free(buf);
    pm_diff_free(d);
    /* --prefix: the targets inside it, no upstream lines */
    assert_int_equal(pm_store_diff(a, b, &d, err), PM_OK);
    pm_diff_filter(d, ip(198, 19, 176, 0), 24, false);
    assert_non_null(entry(d, "198.19.176.2"));
    assert_null(entry(d, "AS4837"));
    assert_int_equal(d->unlisted_targets, 0);
    pm_diff_free(d);
    assert_int_equal(pm_store_diff(a, b, &d, err), PM_OK);
    pm_diff_filter(d, ip(198, 19, 177, 0), 24, false);
    assert_null(entry(d, "198.19.176.2"));
    assert_int_equal(d->unlisted_targets, 1);
    pm_diff_free(d);
    free_hand(a);
    free_hand(b);
}

static void diff_reports_changes(void **state)
{
    (void)state;
    char err[PM_ERRBUF_SIZE];
    struct pm_snapshot *a = snap_of(T0_US, TS_REACHED, TS_REACHED, 2);
    struct pm_snapshot *b = snap_of(T0_US + STEP_US, TS_DIED_4837, TS_REACHED_VIA_20485, 2);
    a->id = 1, b->id = 2;
    struct pm_diff *d;
    assert_int_equal(pm_store_diff(a, b, &d, err), PM_OK);
    /* 176: reached -> died in AS4837 */
    const struct pm_diff_entry *e = entry(d, "175.45.176.0/24");
    assert_non_null(e);
    assert_true(e->is_prefix);
    assert_int_equal(e->changes, PM_DIFF_STATUS | PM_DIFF_REACHED_COUNT);
    assert_int_equal(e->a_reached, 2);
    assert_int_equal(e->b_reached, 0);
    assert_int_equal(e->b.dies_in.asn, 4837);
    /* 177: still reached, but now through TransTeleCom */
    e = entry(d, "175.45.177.0/24");
    assert_non_null(e);
    assert_int_equal(e->changes, PM_DIFF_UPSTREAM);
    assert_int_equal(e->a.upstream.asn, 4837);
    assert_int_equal(e->b.upstream.asn, 20485);
    /* a target of 176: status, and the hops past the death point vanished */
    e = entry(d, "175.45.176.1");
    assert_non_null(e);
    assert_int_equal(e->changes, PM_DIFF_STATUS | PM_DIFF_HOPS);
    assert_int_equal(e->n_appeared, 0);
    assert_int_equal(e->n_vanished, 2);
    assert_int_equal(e->vanished[0], ip(175, 45, 176, 1));
    assert_int_equal(e->vanished[1], ip(175, 45, 176, 254));
    assert_int_equal(e->b.kind, PM_DEATH_ADMIN_PROHIB);
    /* a target of 177: upstream switched, Russian routers appeared */
    e = entry(d, "175.45.177.2");
    assert_non_null(e);
    assert_int_equal(e->changes, PM_DIFF_UPSTREAM | PM_DIFF_HOPS);
    assert_int_equal(e->n_appeared, 2);
    assert_int_equal(e->appeared[0], ip(188, 43, 225, 153));
    assert_int_equal(e->n_vanished, 2);
    assert_int_equal(d->unchanged_targets, 0);

    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(pm_output_diff(f, PM_FMT_TEXT, d, err), PM_OK);
    fclose(f);
    assert_non_null(strstr(buf, "175.45.176.0/24    2/2 -> 0/2 reached  [reachable -> dead]  blamed on China Unicom (AS4837)"));
    assert_non_null(strstr(buf, "upstream switched: China Unicom (AS4837) -> TransTeleCom (AS20485)"));
    assert_non_null(strstr(buf, "175.45.176.1       reached via China Unicom (AS4837) -> died at 219.158.39.42 (hop 3) in "
                                "China Unicom (AS4837), admin-prohibited"));
    assert_non_null(strstr(buf, "hops vanished: 175.45.176.1, 175.45.176.254"));
    free(buf);
    f = open_memstream(&buf, &len);
    assert_int_equal(pm_output_diff(f, PM_FMT_JSON, d, err), PM_OK);
    fclose(f);
    assert_non_null(strstr(buf, "\"changes\": [\n        \"status\",\n        \"hops\"\n      ]"));
    free(buf);
    pm_diff_free(d);

    /* death point moved: AS4837 -> AS20485 */
    struct pm_snapshot *c = snap_of(T0_US + 2 * STEP_US, TS_DIED_20485, TS_REACHED_VIA_20485, 2);
    assert_int_equal(pm_store_diff(b, c, &d, err), PM_OK);
    e = entry(d, "175.45.176.2");
    assert_int_equal(e->changes, PM_DIFF_UPSTREAM | PM_DIFF_DEATH | PM_DIFF_HOPS);
    assert_int_equal(e->a.last_addr, ip(219, 158, 39, 42));
    assert_int_equal(e->b.last_addr, ip(188, 43, 225, 153));
    e = entry(d, "175.45.176.0/24");
    assert_int_equal(e->changes, PM_DIFF_UPSTREAM | PM_DIFF_DEATH);
    assert_null(entry(d, "175.45.177.0/24"));
    assert_int_equal(d->unchanged_targets, 2);
    pm_diff_free(d);

    /* the same snapshot against itself: nothing; a smaller one: targets gone */
    assert_int_equal(pm_store_diff(c, c, &d, err), PM_OK);
    assert_int_equal(d->n, 0);
    assert_int_equal(d->unchanged_targets, 4);
    pm_diff_free(d);
    struct pm_snapshot *small = snap_of(T0_US, TS_DIED_20485, TS_REACHED_VIA_20485, 1);
    assert_int_equal(pm_store_diff(c, small, &d, err), PM_OK);
    e = entry(d, "175.45.177.2");
    assert_int_equal(e->changes, PM_DIFF_REMOVED);
    e = entry(d, "175.45.177.0/24");
    assert_int_equal(e->changes, PM_DIFF_REACHED_COUNT);
    pm_diff_free(d);
    pm_snapshot_free(a);
    pm_snapshot_free(b);
    pm_snapshot_free(c);
    pm_snapshot_free(small);
}

static char *export_all(struct pm_store *s, size_t *n)
{
    char *buf = NULL, err[PM_ERRBUF_SIZE];
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    int rc = pm_store_export(s, f, 0, 0, n, err);
    if (rc)
        fail_msg("export: %s", err);
    fclose(f);
    return buf;
}

static void export_import_export_is_identical(void **state)
{
    (void)state;
    char d1[64], p1[128], d2[64], p2[128], err[PM_ERRBUF_SIZE];
    temp_store(d1, sizeof d1, p1, sizeof p1);
    temp_store(d2, sizeof d2, p2, sizeof p2);
    struct pm_store *s1, *s2;
    assert_int_equal(pm_store_open(p1, PM_STORE_CREATE, &s1, err), PM_OK);
    char pcap[160];
    snprintf(pcap, sizeof pcap, "%s/run.pcap", d1);
    FILE *pf = fopen(pcap, "wb");
    fputs("capture", pf);
    fclose(pf);
    const enum tstate st[3][2] = {{TS_REACHED, TS_REACHED}, {TS_DIED_4837, TS_REACHED}, {TS_DIED_20485, TS_DIED_4837}};
    for (int i = 0; i < 3; i++) {
        struct fixture fx = make_fixture(T0_US + (uint64_t)i * STEP_US + 123, st[i][0], st[i][1], 3);
        int64_t id;
        assert_int_equal(pm_store_save_snapshot(s1, fx.run, fx.an, i == 1 ? pcap : NULL, &id, err), PM_OK);
        free_fixture(&fx);
    }
    size_t n1, n2, n3;
    char *first = export_all(s1, &n1);
    assert_int_equal(n1, 3);
    assert_non_null(strstr(first, "\"schema\":\"pathmortem-snapshot/1\""));
    assert_non_null(strstr(first, "\"started_us\":1764316800000123"));
    assert_non_null(strstr(first, "\"hops\":[{\"ttl\":1,\"attempt\":0,\"from\":\"198.18.0.1\""));

    char file[160];
    snprintf(file, sizeof file, "%s/x.jsonl", d2);
    FILE *f = fopen(file, "w");
    fputs(first, f);
    fclose(f);
    assert_int_equal(pm_store_open(p2, PM_STORE_CREATE, &s2, err), PM_OK);
    struct pm_import_stats is;
    f = fopen(file, "r");
    assert_int_equal(pm_store_import(s2, f, &is, err), PM_OK);
    fclose(f);
    assert_int_equal(is.imported, 3);
    assert_int_equal(is.duplicates, 0);
    assert_int_equal(is.lines, 3);
    assert_int_equal(reopen(&s2, p2, PM_STORE_WRITE), PM_OK);
    char *second = export_all(s2, &n2);
    assert_int_equal(n2, 3);
    assert_string_equal(first, second);
    /* importing again changes nothing: all duplicates */
    f = fopen(file, "r");
    assert_int_equal(pm_store_import(s2, f, &is, err), PM_OK);
    fclose(f);
    assert_int_equal(is.imported, 0);
    assert_int_equal(is.duplicates, 3);
    assert_int_equal(reopen(&s2, p2, 0), PM_OK);
    char *third = export_all(s2, &n3);
    assert_string_equal(first, third);
    /* history agrees in both stores */
    struct pm_history *h1, *h2;
    assert_int_equal(pm_store_history(s1, 0, 0, NULL, &h1, err), PM_OK);
    assert_int_equal(pm_store_history(s2, 0, 0, NULL, &h2, err), PM_OK);
    assert_int_equal(h1->n, h2->n);
    assert_memory_equal(h1->episodes, h2->episodes, h1->n * sizeof *h1->episodes);
    pm_history_free(h1);
    pm_history_free(h2);
    free(first);
    free(second);
    free(third);
    pm_store_close(s1);
    pm_store_close(s2);
    rm_rf(d1);
    rm_rf(d2);
}

/* Replaces the first occurrence of from by to in a line. */
static char *mutate(const char *line, const char *from, const char *to)
{
    const char *p = strstr(line, from);
    assert_non_null(p);
    size_t n = strlen(line) - strlen(from) + strlen(to) + 1;
    char *out = malloc(n);
    snprintf(out, n, "%.*s%s%s", (int)(p - line), line, to, p + strlen(from));
    return out;
}

static void bad_lines_import_nothing(void **state)
{
    (void)state;
    char d1[64], p1[128], err[PM_ERRBUF_SIZE];
    temp_store(d1, sizeof d1, p1, sizeof p1);
    struct pm_snapshot *a = snap_of(T0_US, TS_REACHED, TS_DIED_4837, 2);
    char *good = pm_snapshot_to_jsonl(a, err);
    assert_non_null(good);
    pm_snapshot_free(a);
    struct pm_snapshot *b = snap_of(T0_US + STEP_US, TS_REACHED, TS_REACHED, 2);
    char *good2 = pm_snapshot_to_jsonl(b, err);
    pm_snapshot_free(b);
    struct {
        char *line;
        const char *msg;
    } cases[] = {
        {strdup("{not json"), "not valid JSON"},
        {strdup("[1,2]"), "must be a JSON object"},
        {mutate(good, "\"schema\":\"pathmortem-snapshot/1\"", "\"schema\":\"other/1\""), "schema"},
        {mutate(good, "\"vantage\"", "\"extra\":1,\"vantage\""), "snapshot"},
        {mutate(good, "\"dst\":\"175.45.176.1\"", "\"dst\":\"175.45.176.300\""), "not an IPv4 address"},
        {mutate(good, "\"status\":\"died\"", "\"status\":\"dead\""), "status"},
        {mutate(good, "\"ttl\":1,", "\"ttl\":99,"), "hop ttl out of range"},
        {mutate(good, "\"confidence\":0.875", "\"confidence\":7"), "confidence"},
        {mutate(good, "\"exit_status\":1", "\"exit_status\":0"), "exit_status"},
        {mutate(good, "\"started\":\"2025-11-28T08:00:00.000Z\"", "\"started\":\"2025-11-28T09:00:00.000Z\""),
         "disagrees"},
        {mutate(good, "\"dst\":\"175.45.176.2\"", "\"dst\":\"175.45.176.1\""), "increasing address order"},
        {mutate(good, "\"reached\":2", "\"reached\":9"), "roll-up reached out of range"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char file[160];
        snprintf(file, sizeof file, "%s/bad.jsonl", d1);
        FILE *f = fopen(file, "w");
        fprintf(f, "%s\n\n%s\n", good2, cases[i].line); /* line 3 is bad; line 2 blank */
        fclose(f);
        struct pm_store *s;
        assert_int_equal(pm_store_open(p1, PM_STORE_CREATE, &s, err), PM_OK);
        struct pm_import_stats is;
        f = fopen(file, "r");
        err[0] = 0;
        int rc = pm_store_import(s, f, &is, err);
        fclose(f);
        if (rc == PM_OK)
            fail_msg("case %zu accepted", i);
        if (strncmp(err, "line 3: ", 8) || !strstr(err, cases[i].msg))
            fail_msg("case %zu: message '%s' lacks 'line 3: ' or '%s'", i, err, cases[i].msg);
        assert_null(strchr(err, '\n'));
        /* validated whole first: not even the good first line went in */
        int64_t *ids;
        size_t n;
        assert_int_equal(pm_store_list(s, 0, 0, &ids, &n, err), PM_OK);
        assert_int_equal(n, 0);
        free(ids);
        pm_store_close(s);
        free(cases[i].line);
    }
    free(good);
    free(good2);
    rm_rf(d1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(diff_reports_changes),
        cmocka_unit_test(diff_fills_shared_hops),
        cmocka_unit_test(export_import_export_is_identical),
        cmocka_unit_test(bad_lines_import_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
