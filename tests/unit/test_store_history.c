/* test_store_history.c - episodes merged from a synthetic sequence of snapshots, their writers, time parsing, owner hints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>

#include "test_store_util.h"

/* reached, reached, died AS4837 x3, died AS20485, reached - for 175.45.176.0/24;
 * 175.45.177.0/24 reached throughout. */
static const enum tstate seq[] = {TS_REACHED,   TS_REACHED,    TS_DIED_4837, TS_DIED_4837,
                                  TS_DIED_4837, TS_DIED_20485, TS_REACHED};
#define NSEQ (sizeof seq / sizeof seq[0])

struct ctx {
    char dir[64], path[128];
    struct pm_store *s;
};

static int setup(void **state)
{
    struct ctx *c = calloc(1, sizeof *c);
    char err[PM_ERRBUF_SIZE];
    temp_store(c->dir, sizeof c->dir, c->path, sizeof c->path);
    if (pm_store_open(c->path, PM_STORE_CREATE, &c->s, err))
        return -1;
    /* stored out of order on purpose: history follows time, not insertion */
    for (size_t k = 0; k < NSEQ; k++) {
        size_t i = (k * 3) % NSEQ;
        struct fixture fx = make_fixture(T0_US + i * STEP_US, seq[i], TS_REACHED, 3);
        int64_t id;
        int rc = pm_store_save_snapshot(c->s, fx.run, fx.an, NULL, &id, err);
        free_fixture(&fx);
        if (rc)
            return -1;
    }
    if (reopen(&c->s, c->path, PM_STORE_WRITE))
        return -1;
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    struct ctx *c = *state;
    pm_store_close(c->s);
    rm_rf(c->dir);
    free(c);
    return 0;
}

static const struct pm_episode *find(const struct pm_history *h, const char *key, size_t nth)
{
    for (size_t i = 0; i < h->n; i++)
        if (!strcmp(h->episodes[i].key, key) && nth-- == 0)
            return &h->episodes[i];
    return NULL;
}

static size_t count(const struct pm_history *h, const char *key)
{
    size_t n = 0;
    for (size_t i = 0; i < h->n; i++)
        n += !strcmp(h->episodes[i].key, key);
    return n;
}

static void episodes_merge_exactly(void **state)
{
    struct ctx *c = *state;
    char err[PM_ERRBUF_SIZE];
    struct pm_history *h;
    assert_int_equal(pm_store_history(c->s, 0, 0, NULL, &h, err), PM_OK);
    assert_int_equal(h->n_snapshots, NSEQ);
    assert_int_equal(h->first_us, T0_US);
    assert_int_equal(h->last_us, T0_US + 6 * STEP_US);
    assert_int_equal(count(h, "175.45.176.0/24"), 4);
    const struct pm_episode *e = find(h, "175.45.176.0/24", 0);
    assert_false(e->is_upstream);
    assert_int_equal(e->state, PM_EPISODE_REACHED);
    assert_int_equal(e->start_us, T0_US);
    assert_int_equal(e->end_us, T0_US + 2 * STEP_US);
    assert_int_equal(e->snapshots, 2);
    assert_int_equal(e->upstream.asn, 4837);
    e = find(h, "175.45.176.0/24", 1);
    assert_int_equal(e->state, PM_EPISODE_DIED);
    assert_int_equal(e->dies_in.asn, 4837);
    assert_string_equal(e->dies_in.name, "China Unicom");
    assert_int_equal(e->death_addr, ip(219, 158, 39, 42));
    assert_int_equal(e->death_kind, PM_DEATH_ADMIN_PROHIB);
    assert_int_equal(e->start_us, T0_US + 2 * STEP_US);
    assert_int_equal(e->end_us, T0_US + 5 * STEP_US);
    assert_int_equal(e->last_us, T0_US + 4 * STEP_US);
    assert_int_equal(e->snapshots, 3);
    assert_int_equal(e->reached, 0);
    assert_int_equal(e->total, 3);
    e = find(h, "175.45.176.0/24", 2);
    assert_int_equal(e->state, PM_EPISODE_DIED);
    assert_int_equal(e->dies_in.asn, 20485);
    assert_int_equal(e->upstream.asn, 20485);
    assert_int_equal(e->start_us, T0_US + 5 * STEP_US);
    assert_int_equal(e->end_us, T0_US + 6 * STEP_US);
    assert_int_equal(e->snapshots, 1);
    e = find(h, "175.45.176.0/24", 3);
    assert_int_equal(e->state, PM_EPISODE_REACHED);
    assert_int_equal(e->start_us, T0_US + 6 * STEP_US);
    assert_int_equal(e->end_us, 0);
    assert_int_equal(e->snapshots, 1);
    /* the healthy /24 is one ongoing episode */
    assert_int_equal(count(h, "175.45.177.0/24"), 1);
    e = find(h, "175.45.177.0/24", 0);
    assert_int_equal(e->snapshots, NSEQ);
    assert_int_equal(e->end_us, 0);
    /* per upstream: AS20485 appears only in the snapshot where 176 died there */
    assert_int_equal(count(h, "AS20485"), 1);
    e = find(h, "AS20485", 0);
    assert_true(e->is_upstream);
    assert_int_equal(e->state, PM_EPISODE_DIED);
    assert_int_equal(e->snapshots, 1);
    /* absent from the next snapshot: the episode ended there, it is not ongoing */
    assert_int_equal(e->end_us, T0_US + 6 * STEP_US);
    /* AS4837: 177 is reached through it in every snapshot, while 176 dies
     * inside it for three: reachable, partial (some of its paths die), then
     * reachable again (before issue 9 one "reached" episode hid the deaths) */
    assert_int_equal(count(h, "AS4837"), 3);
    assert_int_equal(find(h, "AS4837", 0)->state, PM_EPISODE_REACHED);
    e = find(h, "AS4837", 1);
    assert_int_equal(e->state, PM_EPISODE_PARTIAL);
    assert_int_equal(e->snapshots, 3);
    assert_int_equal(e->dies_in.asn, 4837);
    assert_true(e->reached > 0 && e->died > 0 && e->reached + e->died == e->total);
    assert_int_equal(find(h, "AS4837", 2)->state, PM_EPISODE_REACHED);
    pm_history_free(h);

    /* a window clips the sequence; a prefix filter keeps only its /24s */
    assert_int_equal(pm_store_history(c->s, T0_US + 3 * STEP_US, T0_US + 5 * STEP_US, "175.45.176.0/24", &h, err),
                     PM_OK);
    assert_int_equal(h->n_snapshots, 3);
    assert_int_equal(count(h, "175.45.177.0/24"), 0);
    assert_int_equal(count(h, "175.45.176.0/24"), 2);
    e = find(h, "175.45.176.0/24", 0);
    assert_int_equal(e->start_us, T0_US + 3 * STEP_US);
    assert_int_equal(e->snapshots, 2);
    assert_int_equal(e->end_us, T0_US + 5 * STEP_US);
    pm_history_free(h);
    assert_int_equal(pm_store_history(c->s, 0, 0, "175.45.176.0/33", &h, err), PM_EINVAL);
}

static char *capture(enum pm_format fmt, const struct pm_history *h, uint64_t now)
{
    char *buf = NULL, err[PM_ERRBUF_SIZE];
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(pm_output_history(f, fmt, h, now, err), PM_OK);
    fclose(f);
    return buf;
}

static void writers(void **state)
{
    struct ctx *c = *state;
    char err[PM_ERRBUF_SIZE];
    /* stop before the recovery: 176 is in an ongoing outage in AS20485 */
    struct pm_history *h;
    assert_int_equal(pm_store_history(c->s, 0, T0_US + 5 * STEP_US, NULL, &h, err), PM_OK);
    uint64_t now = T0_US + 5 * STEP_US + 130 * 60000000ull;
    char *text = capture(PM_FMT_TEXT, h, now);
    if (!strstr(text, "175.45.176.0/24 unreachable since 2025-11-28 08:50 UTC (2 h 10 min), blamed on TransTeleCom "
                      "(AS20485)\n"))
        fail_msg("text lacks the since line:\n%s", text);
    assert_non_null(strstr(text, "6 snapshots from 2025-11-28 08:00 UTC to 2025-11-28 08:50 UTC"));
    assert_null(strstr(text, "175.45.177.0/24 unreachable"));
    free(text);

    char *js = capture(PM_FMT_JSON, h, now);
    json_error_t je;
    json_t *root = json_loads(js, 0, &je);
    assert_non_null(root);
    json_t *eps = json_object_get(root, "episodes");
    assert_true(json_is_array(eps));
    json_t *second = NULL;
    size_t seen176 = 0, i;
    json_t *v;
    json_array_foreach(eps, i, v) {
        if (!strcmp(json_string_value(json_object_get(v, "prefix")), "175.45.176.0/24") && seen176++ == 1)
            second = v;
    }
    assert_int_equal(seen176, 3);
    assert_string_equal(json_string_value(json_object_get(second, "state")), "died");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(second, "dies_in"), "asn")), 4837);
    assert_string_equal(json_string_value(json_object_get(json_object_get(second, "dies_in"), "name")),
                        "China Unicom");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(second, "upstream"), "asn")), 4837);
    assert_string_equal(json_string_value(json_object_get(second, "start")), "2025-11-28T08:20:00.000Z");
    assert_string_equal(json_string_value(json_object_get(second, "end")), "2025-11-28T08:50:00.000Z");
    assert_int_equal(json_integer_value(json_object_get(second, "snapshots")), 3);
    assert_int_equal(json_integer_value(json_object_get(second, "duration_s")), 1800);
    json_t *last = json_array_get(eps, 2);
    assert_true(json_is_null(json_object_get(last, "end")));
    assert_true(json_is_true(json_object_get(last, "ongoing")));
    assert_true(json_array_size(json_object_get(root, "upstream_episodes")) >= 2);
    json_decref(root);
    free(js);

    char *csv = capture(PM_FMT_CSV, h, now);
    assert_non_null(strstr(csv, "scope,key,state,dies_in_asn"));
    assert_non_null(strstr(csv, "prefix,175.45.176.0/24,died,4837,China Unicom,4837,China Unicom,"
                                "2025-11-28T08:20:00.000Z,2025-11-28T08:50:00.000Z,1800,3,0,3\n"));
    free(csv);

    char *svg = capture(PM_FMT_SVG, h, now);
    assert_non_null(strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert_non_null(strstr(svg, ">175.45.176.0/24</text>"));
    assert_non_null(strstr(svg, ">175.45.177.0/24</text>"));
    assert_non_null(strstr(svg, "fill=\"#2ca02c\""));
    assert_non_null(strstr(svg, ">dead, blamed on China Unicom (AS4837)</text>"));
    assert_non_null(strstr(svg, ">dead, blamed on TransTeleCom (AS20485)</text>"));
    assert_non_null(strstr(svg, "</svg>\n"));
    /* time labels (issue 15): the window's ends written out, and labelled ticks between */
    assert_non_null(strstr(svg, ">from 2025-11-28 08:00:00 UTC</text>"));
    assert_non_null(strstr(svg, ">to 2025-11-28 "));
    assert_non_null(strstr(svg, ">11-28 08:30</text>"));
    /* 176 has 3 episodes and 177 one: four bars */
    size_t rects = 0;
    for (const char *p = svg; (p = strstr(p, "<title>")); p++)
        rects++;
    assert_int_equal(rects, 4);
    free(svg);
    pm_history_free(h);
}

/* A window of a few snapshots seconds apart still has its time on the
 * axis: ticks every 5 s, labelled to the second, and both ends. */
static void svg_labels_a_short_window(void **state)
{
    (void)state;
    struct pm_episode e;
    memset(&e, 0, sizeof e);
    snprintf(e.key, sizeof e.key, "10.0.0.0/24");
    e.state = PM_EPISODE_REACHED;
    e.start_us = e.last_us = T0_US + 2000000u;
    e.snapshots = 3;
    struct pm_history h = {.n = 1, .episodes = &e, .first_us = T0_US + 2000000u, .last_us = T0_US + 20000000u,
                           .n_snapshots = 3};
    char *svg = capture(PM_FMT_SVG, &h, T0_US + 31000000u);
    assert_non_null(strstr(svg, ">08:00:05</text>"));
    assert_non_null(strstr(svg, ">08:00:30</text>"));
    assert_non_null(strstr(svg, ">from 2025-11-28 08:00:02 UTC</text>"));
    assert_non_null(strstr(svg, ">to 2025-11-28 08:00:31 UTC</text>"));
    free(svg);
}

static void svg_escapes_names(void **state)
{
    (void)state;
    struct pm_episode e;
    memset(&e, 0, sizeof e);
    snprintf(e.key, sizeof e.key, "10.0.0.0/24");
    e.state = PM_EPISODE_DIED;
    e.dies_in.asn = 666;
    snprintf(e.dies_in.name, sizeof e.dies_in.name, "<script>&\"evil'</script>");
    e.start_us = T0_US;
    e.last_us = T0_US;
    e.snapshots = 1;
    struct pm_history h = {.n = 1, .episodes = &e, .first_us = T0_US, .last_us = T0_US, .n_snapshots = 1};
    char *svg = capture(PM_FMT_SVG, &h, T0_US + STEP_US);
    assert_null(strstr(svg, "<script>"));
    assert_non_null(strstr(svg, "&lt;script&gt;&amp;&quot;evil&apos;&lt;/script&gt;"));
    free(svg);
}

static void parses_times(void **state)
{
    (void)state;
    char err[PM_ERRBUF_SIZE];
    uint64_t t, now = T0_US;
    assert_int_equal(pm_parse_time("2025-11-28T08:00:00Z", now, &t, err), PM_OK);
    assert_int_equal(t, T0_US);
    assert_int_equal(pm_parse_time("2025-11-28 08:10", now, &t, err), PM_OK);
    assert_int_equal(t, T0_US + STEP_US);
    assert_int_equal(pm_parse_time("2025-11-28", now, &t, err), PM_OK);
    assert_int_equal(t, T0_US - 8 * 3600000000ull);
    assert_int_equal(pm_parse_time("2025-11-28T17:00:00+09:00", now, &t, err), PM_OK);
    assert_int_equal(t, T0_US);
    assert_int_equal(pm_parse_time("2025-11-28T08:00:00.250Z", now, &t, err), PM_OK);
    assert_int_equal(t, T0_US + 250000);
    assert_int_equal(pm_parse_time("-2h", now, &t, err), PM_OK);
    assert_int_equal(t, T0_US - 7200000000ull);
    assert_int_equal(pm_parse_time("-7d", now, &t, err), PM_OK);
    assert_int_equal(t, T0_US - 7 * 86400000000ull);
    assert_int_equal(pm_parse_time("now", now, &t, err), PM_OK);
    assert_int_equal(t, now);
    const char *bad[] = {"", "-", "-2", "-2x", "2h", "2025-02-30", "2025-13-01", "2025-11-28T25:00", "2025-11-28T08",
                         "2025-11-28T08:00Zjunk", "1969-12-31", "-99999999999d", "2025-11-28 08:00:61"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        if (pm_parse_time(bad[i], now, &t, err) != PM_EINVAL)
            fail_msg("accepted bad time '%s'", bad[i]);
        assert_non_null(strstr(err, "bad time"));
    }
    char d[32];
    pm_format_duration(130 * 60000000ull, d, sizeof d);
    assert_string_equal(d, "2 h 10 min");
    pm_format_duration(45000000ull, d, sizeof d);
    assert_string_equal(d, "45 s");
    pm_format_duration((3 * 86400ull + 4 * 3600) * 1000000ull, d, sizeof d);
    assert_string_equal(d, "3 d 4 h");
}

static void owner_hints_from_reached_paths(void **state)
{
    struct ctx *c = *state;
    char err[PM_ERRBUF_SIZE];
    struct pm_owner_hint *h;
    size_t n;
    assert_int_equal(pm_store_owner_hints(c->s, 0, 0, &h, &n, err), PM_OK);
    /* on every reached path 219.158.39.42 (China Unicom) is followed by the Star JV border */
    assert_int_equal(n, 1);
    assert_int_equal(h[0].addr, ip(219, 158, 39, 42));
    assert_int_equal(h[0].addr_asn, 4837);
    assert_int_equal(h[0].next_asn, 131279);
    assert_int_equal(h[0].n_snapshots, NSEQ); /* 177 is reached in every snapshot */
    assert_int_equal(h[0].last_seen_us, T0_US + 6 * STEP_US);
    free(h);
    assert_int_equal(pm_store_owner_hints(c->s, T0_US + 6 * STEP_US + 1, 0, &h, &n, err), PM_OK);
    assert_int_equal(n, 0);
    free(h);
    struct pm_history_fact *f;
    uint32_t nf;
    assert_int_equal(pm_store_history_facts(c->s, 0, 131279, &f, &nf, err), PM_OK);
    assert_int_equal(nf, 1);
    assert_int_equal(f[0].addr, ip(219, 158, 39, 42));
    assert_true(f[0].followed_by_target);
    assert_int_equal(f[0].owner_asn, 4837);
    free(f);
}

/* A /24 across vantages: each vantage's latest state side by side (issue
 * 14: "since 02:05 it dies in AS4837 from all four vantages"). */
static void across_vantages(void **state)
{
    (void)state;
    char dir[64], path[160], err[PM_ERRBUF_SIZE];
    temp_store(dir, sizeof dir, path, sizeof path);
    struct pm_store *s;
    assert_int_equal(pm_store_open(path, PM_STORE_CREATE, &s, err), PM_OK);
    static const struct {
        const char *v;
        unsigned step;
        enum tstate st;
    } runs[] = {{"a", 0, TS_REACHED}, {"a", 1, TS_REACHED}, {"a", 2, TS_DIED_4837}, {"b", 1, TS_DIED_4837},
                {"b", 2, TS_DIED_4837}, {"c", 0, TS_REACHED},   {"c", 1, TS_REACHED},   {"c", 2, TS_REACHED},
                {"d", 0, TS_DIED_4837}, {"d", 1, TS_REACHED}};
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        struct fixture fx = make_fixture(T0_US + runs[i].step * STEP_US, runs[i].st, TS_REACHED, 2);
        snprintf(fx.run->vantage, sizeof fx.run->vantage, "%s", runs[i].v);
        int64_t id;
        assert_int_equal(pm_store_save_snapshot(s, fx.run, fx.an, NULL, &id, err), PM_OK);
        free_fixture(&fx);
    }
    assert_int_equal(reopen(&s, path, 0), PM_OK);
    char(*vs)[64];
    size_t nv;
    assert_int_equal(pm_store_vantages(s, 0, 0, &vs, &nv, err), PM_OK);
    assert_int_equal(nv, 4);
    struct pm_history *h[4];
    for (size_t i = 0; i < nv; i++)
        assert_int_equal(pm_store_history_vantage(s, 0, 0, NULL, vs[i], &h[i], err), PM_OK);
    struct pm_across *a;
    assert_int_equal(pm_history_across(h, nv, &a, err), PM_OK);
    assert_int_equal(a->n_vantages, 4);
    assert_int_equal(a->n, 2);
    const struct pm_across_entry *e = &a->entries[0];
    assert_string_equal(e->key, "175.45.176.0/24");
    assert_int_equal(e->vantages, 4);
    assert_int_equal(e->by_state[PM_EPISODE_DIED], 2);    /* a and b, now */
    assert_int_equal(e->by_state[PM_EPISODE_REACHED], 2); /* c, and d (its death is over) */
    assert_int_equal(e->n_dies_in, 1);
    assert_int_equal(e->dies_in[0].as.asn, 4837);
    assert_int_equal(e->dies_in[0].vantages, 2);
    assert_int_equal(e->first_us, T0_US + STEP_US);     /* b's outage began first */
    assert_int_equal(e->since_us, T0_US + 2 * STEP_US); /* since a's, both see it dead */
    e = &a->entries[1];
    assert_string_equal(e->key, "175.45.177.0/24");
    assert_int_equal(e->by_state[PM_EPISODE_REACHED], 4);
    assert_int_equal(e->since_us, 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(pm_output_across(f, PM_FMT_TEXT, a, T0_US + 3 * STEP_US, err), PM_OK);
    fclose(f);
    if (!strstr(buf, "175.45.176.0/24    dead from 2, reachable from 2 of 4 vantages; dying in China Unicom (AS4837) "
                     "from 2; all of them since 2025-11-28 08:20 UTC (10 min), the first since 2025-11-28 08:10 UTC\n") ||
        !strstr(buf, "175.45.177.0/24    reachable from 4 of 4 vantages\n"))
        fail_msg("across text:\n%s", buf);
    free(buf);
    f = open_memstream(&buf, &len);
    assert_int_equal(pm_output_across(f, PM_FMT_JSON, a, T0_US, err), PM_OK);
    fclose(f);
    json_error_t je;
    json_t *doc = json_loads(buf, 0, &je);
    assert_non_null(doc);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(doc, 0), "died")), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(doc, 0), "since")), "2025-11-28T08:20:00.000Z");
    assert_true(json_is_null(json_object_get(json_array_get(doc, 1), "since")));
    json_decref(doc);
    free(buf);
    pm_across_free(a);
    for (size_t i = 0; i < nv; i++)
        pm_history_free(h[i]);
    free(vs);
    pm_store_close(s);
    rm_rf(dir);
}

/* Attaches a control plane to fx: both /24s announced or withdrawn. */
static void with_planes(struct fixture *fx, bool announced, const char *cause, uint32_t cause_time, uint32_t last)
{
    struct pm_planes *p = calloc(1, sizeof *p);
    p->units = calloc(2, sizeof *p->units);
    p->n = 2;
    snprintf(p->source, sizeof p->source, "/var/lib/pathmortem/mrt");
    p->ff_total = 2;
    for (int k = 0; k < 2; k++) {
        struct pm_plane_unit *u = &p->units[k];
        u->prefix = ip(175, 45, 176 + k, 0);
        u->len = 24;
        u->visible = announced;
        u->ff_seen = announced ? 2 : 0;
        u->ff_total = 2;
        snprintf(u->cause, sizeof u->cause, "%s", cause);
        u->cause_as = announced ? 0 : 131279;
        u->cause_time = cause_time;
        u->last_change = last;
        u->conclusion = announced ? PM_PLANES_BOTH_UP : PM_PLANES_WITHDRAWN_DIES;
        u->n_sides = 1;
        u->sides[0] = (struct pm_plane_side){.asn = 4837, .ff_seen = u->ff_seen, .ff_seen_rib = 2};
    }
    fx->an->planes = p;
}

/* Routing lane: announced x2, withdrawn (a snapshot without a control plane
 * in the middle neither ends nor splits it), announced again. */
static void routing_lane(void **state)
{
    (void)state;
    char dir[64], path[128], err[PM_ERRBUF_SIZE];
    temp_store(dir, sizeof dir, path, sizeof path);
    struct pm_store *s;
    assert_int_equal(pm_store_open(path, PM_STORE_CREATE, &s, err), PM_OK);
    uint32_t t_w = (uint32_t)((T0_US + 2 * STEP_US) / 1000000) - 30, t_a = (uint32_t)((T0_US + 5 * STEP_US) / 1000000) - 20;
    for (int i = 0; i < 6; i++) {
        bool died = i >= 2 && i <= 4;
        struct fixture fx = make_fixture(T0_US + (uint64_t)i * STEP_US, died ? TS_DIED_4837 : TS_REACHED, TS_REACHED, 3);
        if (i != 3) {
            if (died)
                with_planes(&fx, false, "origin-withdrawal", t_w, t_w);
            else
                with_planes(&fx, true, "no-control-plane-change", 0, i == 5 ? t_a : 0);
        }
        int64_t id;
        assert_int_equal(pm_store_save_snapshot(s, fx.run, fx.an, NULL, &id, err), PM_OK);
        free_fixture(&fx);
    }
    struct pm_history *h;
    assert_int_equal(pm_store_history(s, 0, 0, "175.45.176.0/24", &h, err), PM_OK);
    assert_int_equal(h->n_routes, 3);
    const struct pm_route_episode *r = h->routes;
    assert_string_equal(r[0].key, "175.45.176.0/24");
    assert_true(r[0].announced && r[0].snapshots == 2 && r[0].first_event_us == 0);
    assert_int_equal(r[0].end_us, T0_US + 2 * STEP_US);
    assert_false(r[1].announced);
    assert_int_equal(r[1].snapshots, 2);
    assert_string_equal(r[1].first_change, "origin-withdrawal");
    assert_int_equal(r[1].first_change_as, 131279);
    assert_int_equal(r[1].first_event_us, (uint64_t)t_w * 1000000u);
    assert_string_equal(r[1].conclusion, "withdrawn-dies");
    assert_int_equal(r[1].end_us, T0_US + 5 * STEP_US);
    assert_true(r[2].announced && r[2].end_us == 0);
    assert_int_equal(r[2].first_event_us, (uint64_t)t_a * 1000000u);
    uint64_t now = T0_US + 6 * STEP_US;
    char *text = capture(PM_FMT_TEXT, h, now);
    if (!strstr(text, "175.45.176.0/24    withdrawn origin-withdrawal AS131279     2025-11-28 08:19 UTC  2025-11-28 08:20 UTC  "
                      "2025-11-28 08:50 UTC  30 min       2         withdrawn-dies\n"))
        { fputs(text, stderr); fail_msg("text lacks the routing line"); }
    free(text);
    char *json = capture(PM_FMT_JSON, h, now);
    json_t *doc = json_loads(json, 0, NULL);
    json_t *re = json_object_get(doc, "routing_episodes");
    assert_int_equal(json_array_size(re), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(re, 1), "state")), "withdrawn");
    assert_string_equal(json_string_value(json_object_get(json_array_get(re, 1), "first_event")),
                        "2025-11-28T08:19:30.000Z");
    json_decref(doc);
    free(json);
    char *csv = capture(PM_FMT_CSV, h, now);
    assert_non_null(strstr(csv, "\nrouting,175.45.176.0/24,withdrawn,,,,,2025-11-28T08:20:00.000Z,2025-11-28T08:50:00.000Z,1800,2,,\n"));
    free(csv);
    char *svg = capture(PM_FMT_SVG, h, now);
    assert_non_null(strstr(svg, "175.45.176.0/24 withdrawn (origin-withdrawal, first event 2025-11-28T08:19:30.000Z; withdrawn-dies)"));
    free(svg);
    pm_history_free(h);
    /* export and import carry the control plane: the other store has the same lane */
    char *buf = NULL;
    size_t len = 0, nw = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(pm_store_export(s, f, 0, 0, &nw, err), PM_OK);
    fclose(f);
    pm_store_close(s);
    rm_rf(dir);
    temp_store(dir, sizeof dir, path, sizeof path);
    assert_int_equal(pm_store_open(path, PM_STORE_CREATE, &s, err), PM_OK);
    f = fmemopen(buf, len, "r");
    struct pm_import_stats ist;
    assert_int_equal(pm_store_import(s, f, &ist, err), PM_OK);
    fclose(f);
    free(buf);
    assert_int_equal(pm_store_history(s, 0, 0, NULL, &h, err), PM_OK);
    assert_int_equal(h->n_routes, 6); /* both /24s */
    pm_history_free(h);
    pm_store_close(s);
    rm_rf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(across_vantages),
        cmocka_unit_test_setup_teardown(episodes_merge_exactly, setup, teardown),
        cmocka_unit_test_setup_teardown(writers, setup, teardown),
        cmocka_unit_test(svg_escapes_names),
        cmocka_unit_test(svg_labels_a_short_window),
        cmocka_unit_test(parses_times),
        cmocka_unit_test(routing_lane),
        cmocka_unit_test_setup_teardown(owner_hints_from_reached_paths, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
