/* test_output.c - the output writers on a run built in code: text marks and columns, JSON fields and round trip, CSV, DOT, SVG, HTML escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "output/internal.h"
#include "pathmortem/output.h"
#include "pathmortem/store.h"

#define HOSTILE "Evil, \"Inc\" <script>alert(1)</script>\033[31mRED\033]0;title\007"

static uint32_t A(const char *s)
{
    uint32_t a = 0;
    assert_int_equal(pm_addr_parse(s, &a), PM_OK);
    return a;
}

/* The table lookup the writers see instead of a database. */
static void table_lookup(void *ctx, uint32_t addr, struct pm_geo_info *out)
{
    (void)ctx;
    memset(out, 0, sizeof *out);
    char a[16];
    pm_addr_str(addr, a);
    if (!strcmp(a, "198.18.0.1")) {
        out->asn = 64500;
        strcpy(out->as_name, "Lab Access ISP");
        strcpy(out->country, "RU");
        strcpy(out->city, "Moscow");
    } else if (!strncmp(a, "219.158.", 8)) {
        out->asn = 4837;
        strcpy(out->as_name, "CHINA UNICOM China169 Backbone");
        strcpy(out->country, "CN");
        /* a database may hold bytes that are not UTF-8 */
        strcpy(out->city, strcmp(a, "219.158.1.1") ? "Beijing" : "Bei\xffjing");
    } else if (!strcmp(a, "188.43.225.154")) {
        out->asn = 20485;
        snprintf(out->as_name, sizeof out->as_name, "%s", HOSTILE);
        strcpy(out->country, "RU");
    } else if (!strncmp(a, "188.43.", 7)) {
        out->asn = 20485;
        strcpy(out->as_name, "TransTeleCom");
        strcpy(out->country, "RU");
        strcpy(out->city, "Vladivostok");
    } else if (!strncmp(a, "175.45.17", 9)) {
        out->asn = 131279;
        strcpy(out->as_name, "Star Joint Venture");
        strcpy(out->country, "KP");
        strcpy(out->city, "Pyongyang");
    }
}

static const uint64_t T0 = 1764312855123456ull;

static void reply(struct pm_target *t, const char *from, uint8_t ttl, uint8_t attempt, uint8_t kind, uint8_t type,
                  uint8_t code, uint32_t rtt_us)
{
    struct pm_reply r;
    memset(&r, 0, sizeof r);
    r.from = A(from);
    r.ttl = ttl;
    r.attempt = attempt;
    r.kind = kind;
    r.icmp_type = type;
    r.icmp_code = code;
    r.sent_us = T0 + ttl * 1000u + attempt;
    r.recv_us = r.sent_us + rtt_us;
    r.reply_ttl = (uint8_t)(64 - ttl);
    r.quoted_ttl = kind == PM_REPLY_ECHO_REPLY ? 0 : 1;
    r.reply_ipid = (uint16_t)(1000 + ttl);
    r.quoted_ipid_ok = true;
    struct pm_mpls_stack ms = {0};
    if (ttl == 4 && kind == PM_REPLY_UNREACH) {
        r.has_ext = true;
        ms.n = 1;
        ms.e[0] = (struct pm_mpls_entry){.label = 24001, .tc = 0, .s = 1, .ttl = 1};
    }
    assert_int_equal(pm_target_add_reply_ext(t, &r, NULL, &ms), PM_OK);
}

static void sent(struct pm_target *t, uint8_t ttl, int n)
{
    for (int i = 0; i < n; i++)
        pm_target_note_sent(t, ttl);
}

/* China-side death: ISP, a Unicom hop with one silent probe, a silent hop, then !X at hop 4. */
static void add_china(struct pm_run *run, const char *dst, bool stopset)
{
    struct pm_target *t = pm_run_target(run, A(dst), true);
    assert_non_null(t);
    if (!stopset) {
        sent(t, 1, 3);
        for (uint8_t q = 0; q < 3; q++)
            reply(t, "198.18.0.1", 1, q, PM_REPLY_TIME_EXCEEDED, 11, 0, 412 + q);
    } else {
        t->stopset_ttl = 2;
    }
    sent(t, 2, 3);
    reply(t, "219.158.1.1", 2, 0, PM_REPLY_TIME_EXCEEDED, 11, 0, 30125);
    reply(t, "219.158.1.1", 2, 2, PM_REPLY_TIME_EXCEEDED, 11, 0, 30250);
    sent(t, 3, 3);
    sent(t, 4, 3);
    for (uint8_t q = 0; q < 3; q++)
        reply(t, "219.158.39.42", 4, q, PM_REPLY_UNREACH, 3, 13, 41000 + q);
}

/* Russian side, reached: ECMP at hop 2 (two responders), the target answers at hop 3. */
static void add_russia(struct pm_run *run, const char *dst)
{
    struct pm_target *t = pm_run_target(run, A(dst), true);
    assert_non_null(t);
    sent(t, 1, 3);
    for (uint8_t q = 0; q < 3; q++)
        reply(t, "198.18.0.1", 1, q, PM_REPLY_TIME_EXCEEDED, 11, 0, 400);
    sent(t, 2, 3);
    reply(t, "188.43.225.153", 2, 0, PM_REPLY_TIME_EXCEEDED, 11, 0, 90000);
    reply(t, "188.43.225.154", 2, 1, PM_REPLY_TIME_EXCEEDED, 11, 0, 90500);
    reply(t, "188.43.225.153", 2, 2, PM_REPLY_TIME_EXCEEDED, 11, 0, 90250);
    sent(t, 3, 3);
    for (uint8_t q = 0; q < 3; q++)
        reply(t, dst, 3, q, PM_REPLY_ECHO_REPLY, 0, 0, 120000);
}

struct fixture {
    struct pm_run *run;
    struct pm_analysis *an;
    struct pm_output_ctx ctx;
};

static void set_ref(struct pm_as_ref *r, uint32_t asn, const char *name)
{
    r->asn = asn;
    snprintf(r->name, sizeof r->name, "%s", name);
}

static struct pm_analysis *hand_analysis(const struct pm_run *run)
{
    struct pm_analysis *a = calloc(1, sizeof *a);
    assert_non_null(a);
    a->n_targets = run->n_targets;
    a->verdicts = calloc(run->n_targets, sizeof *a->verdicts);
    assert_non_null(a->verdicts);
    a->target_asn = 131279;
    uint32_t china = 0, china_all = 0;
    for (uint32_t i = 0; i < run->n_targets; i++) {
        const struct pm_target *t = &run->targets[i];
        struct pm_verdict *v = &a->verdicts[i];
        if (t->stop == PM_STOP_REACHED) {
            v->status = PM_STATUS_REACHED;
            v->kind = PM_DEATH_NONE;
            v->last_addr = A("188.43.225.153");
            v->last_ttl = 2;
            v->last_asn = 20485;
            strcpy(v->last_country, "RU");
            set_ref(&v->upstream, 20485, HOSTILE);
            v->confidence = 0.9;
            v->upstream_addr = A("188.43.225.153");
            v->entry_ttl = 3;
            v->reached_ttl = 3;
        } else {
            v->status = PM_STATUS_DIED;
            v->kind = PM_DEATH_ADMIN_PROHIB;
            v->last_addr = A("219.158.39.42");
            v->last_ttl = 4;
            v->last_asn = 4837;
            strcpy(v->last_country, "CN");
            set_ref(&v->dies_in, 4837, "China Unicom");
            set_ref(&v->upstream, 4837, "China Unicom");
            v->confidence = 2.0 / 3.0;
            v->upstream_addr = A("219.158.39.42");
            v->first_silent_ttl = 3;
            v->mpls = true;
            pm_verdict_add_evidence(v, "219.158.39.42 answered ICMP 3/13 (administratively prohibited) to every probe");
            pm_verdict_add_evidence(v, "AS4837 precedes AS131279 on healthy paths");
            china++;
        }
        china_all++;
    }
    (void)china_all;
    a->n_prefix = 2;
    a->by_prefix = calloc(2, sizeof *a->by_prefix);
    assert_non_null(a->by_prefix);
    struct pm_rollup *p = &a->by_prefix[0];
    strcpy(p->key, "175.45.176.0/24");
    p->prefix = A("175.45.176.0");
    p->prefix_len = 24;
    set_ref(&p->upstream, 4837, "China Unicom");
    p->total = china;
    p->reached = 0;
    p->died = china;
    p->died_same = china;
    p->death_owner_asn = 4837;
    p->confidence = 0.667;
    p->death_addr = A("219.158.39.42");
    p->death_ttl = 4;
    p->death_kind = PM_DEATH_ADMIN_PROHIB;
    set_ref(&p->dies_in, 4837, "China Unicom");
    strcpy(p->death_country, "CN");
    p = &a->by_prefix[1];
    strcpy(p->key, "175.45.177.0/24");
    p->prefix = A("175.45.177.0");
    p->prefix_len = 24;
    set_ref(&p->upstream, 20485, "TransTeleCom");
    p->total = p->reached = run->n_targets - china;
    p->confidence = 0.9;
    for (uint32_t i = 0; i < run->n_targets; i++)
        a->verdicts[i].group = run->targets[i].dst >> 8 == (A("175.45.177.0") >> 8);
    a->n_upstream = 2;
    a->by_upstream = calloc(2, sizeof *a->by_upstream);
    assert_non_null(a->by_upstream);
    a->by_upstream[0] = a->by_prefix[0];
    strcpy(a->by_upstream[0].key, "AS4837");
    a->by_upstream[1] = a->by_prefix[1];
    strcpy(a->by_upstream[1].key, "AS20485");
    a->n_owners = 2;
    a->owners = calloc(2, sizeof *a->owners);
    assert_non_null(a->owners);
    a->owners[0] =
        (struct pm_owner){.addr = A("188.43.225.154"), .mapped_asn = 20485, .owner_asn = 20485, .confidence = 0.8};
    strcpy(a->owners[0].reason, "followed by AS131279");
    a->owners[1] =
        (struct pm_owner){.addr = A("219.158.39.42"), .mapped_asn = 4837, .owner_asn = 131279, .confidence = 0.55};
    strcpy(a->owners[1].reason, "interconnect numbered from the upstream's space");
    return a;
}

static void free_analysis(struct pm_analysis *a)
{
    if (!a)
        return;
    for (uint32_t i = 0; a->verdicts && i < a->n_targets; i++)
        pm_verdict_clear(&a->verdicts[i]);
    free(a->verdicts);
    free(a->owners);
    free(a->by_prefix);
    free(a->by_upstream);
    free(a);
}

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    struct pm_run *run = pm_run_alloc();
    assert_non_null(run);
    run->started_us = T0;
    run->ended_us = T0 + 5000000;
    run->method = PM_METHOD_ICMP;
    run->source = A("198.18.0.2");
    run->ident = 0x4242;
    run->wait_ms = 1000;
    strcpy(run->vantage, "lab-vantage");
    run->stats.probes_sent = 123;
    run->stats.replies_matched = 100;
    run->n_dbs = 1;
    strcpy(run->dbs[0].role, "asn");
    strcpy(run->dbs[0].path, "/usr/share/pathmortem/asn.mmdb");
    strcpy(run->dbs[0].build_date, "2026-11-01");
    memset(run->dbs[0].sha256, 'a', 64);
    char dst[24];
    for (unsigned i = 20; i < 32; i++) {
        snprintf(dst, sizeof dst, "175.45.176.%u", i);
        add_china(run, dst, false);
    }
    add_china(run, "175.45.176.9", true);
    add_russia(run, "175.45.177.5");
    add_russia(run, "175.45.177.6");
    pm_trace_finish(run, 5);
    fx->run = run;
    fx->an = hand_analysis(run);
    fx->ctx.run = run;
    fx->ctx.analysis = fx->an;
    fx->ctx.lookup = table_lookup;
    fx->ctx.pcap_path = "/tmp/run.pcap";
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    free_analysis(fx->an);
    pm_run_free(fx->run);
    free(fx);
    return 0;
}

/* Writes one format into a malloc'd NUL-terminated string. */
static char *render(const struct pm_output_ctx *ctx, enum pm_format fmt)
{
    char *buf = NULL, err[PM_ERRBUF_SIZE] = "";
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    int rc = pm_output_write(f, fmt, ctx, err);
    fclose(f);
    if (rc != PM_OK)
        fail_msg("pm_output_write(%s): %s", pm_format_name(fmt), err);
    return buf;
}

/* The line of s that starts with prefix (after leading spaces), copied. */
static char *line_with(const char *s, const char *needle)
{
    const char *p = strstr(s, needle);
    if (!p)
        return NULL;
    const char *b = p;
    while (b > s && b[-1] != '\n')
        b--;
    const char *e = strchr(p, '\n');
    size_t n = e ? (size_t)(e - b) : strlen(b);
    char *out = malloc(n + 1);
    memcpy(out, b, n);
    out[n] = '\0';
    return out;
}

static int count(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void test_format_names(void **state)
{
    (void)state;
    enum pm_format f;
    assert_int_equal(pm_format_parse("svg", &f), PM_OK);
    assert_int_equal(f, PM_FMT_SVG);
    assert_string_equal(pm_format_name(PM_FMT_HTML), "html");
    assert_int_equal(pm_format_parse("pdf", &f), PM_EINVAL);
}

static void test_marks(void **state)
{
    (void)state;
    struct pm_target t = {.dst = 0x0a000009};
    struct pm_reply r = {.from = 0x0a000001, .kind = PM_REPLY_UNREACH, .icmp_type = 3};
    static const struct {
        uint8_t code;
        const char *mark;
    } cases[] = {
        {0, "!N"},  {1, "!H"},  {2, "!P"},  {3, "!<3>"}, {4, "!F"},     {5, "!S"},       {9, "!X"},
        {10, "!X"}, {13, "!X"}, {14, "!V"}, {15, "!C"},  {12, "!<12>"}, {200, "!<200>"},
    };
    char m[16];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        r.icmp_code = cases[i].code;
        pm_output_mark(&t, &r, m);
        assert_string_equal(m, cases[i].mark);
    }
    /* port unreachable from the target itself: its answer, no mark */
    r.from = t.dst;
    r.icmp_code = 3;
    pm_output_mark(&t, &r, m);
    assert_string_equal(m, "");
    r.kind = PM_REPLY_TIME_EXCEEDED;
    r.icmp_type = 11;
    r.icmp_code = 0;
    pm_output_mark(&t, &r, m);
    assert_string_equal(m, "");
    r.kind = PM_REPLY_OTHER_ICMP;
    r.icmp_type = 12;
    pm_output_mark(&t, &r, m);
    assert_string_equal(m, "!<12/0>");
}

static void test_clean(void **state)
{
    (void)state;
    char out[64];
    pm_output_clean("a\033[2Jb\007c\x7f", out, sizeof out);
    assert_string_equal(out, "a?[2Jb?c?");
    pm_output_clean("csi\xc2\x9b"
                    "31m",
                    out, sizeof out); /* C1 CSI in UTF-8 */
    assert_string_equal(out, "csi?31m");
    pm_output_clean("rtl\xe2\x80\xae"
                    "evil",
                    out, sizeof out); /* U+202E */
    assert_string_equal(out, "rtl?evil");
    pm_output_clean("bad\xff\xc3"
                    "x\xe2\x82",
                    out, sizeof out);
    assert_string_equal(out, "bad?"
                             "?x?"
                             "?");
    pm_output_clean("overlong\xc0\xaf", out, sizeof out);
    assert_string_equal(out, "overlong?"
                             "?");
    pm_output_clean("P\xc3\xb6ngyang \xed\x8f\x89\xec\x96\x91", out, sizeof out); /* Pöngyang 평양 kept */
    assert_string_equal(out, "P\xc3\xb6ngyang \xed\x8f\x89\xec\x96\x91");
    char small[5];
    pm_output_clean("ab\xed\x8f\x89", small, sizeof small); /* never cut a character */
    assert_string_equal(small, "ab");
    pm_output_clean(NULL, small, sizeof small);
    assert_string_equal(small, "");
}

static void test_text_verdicts(void **state)
{
    struct fixture *fx = *state;
    char *out = render(&fx->ctx, PM_FMT_TEXT);
    char *l = line_with(out, "175.45.176.0/24");
    assert_non_null(l);
    assert_string_equal(l, "175.45.176.0/24  dead      13 dead paths of 13   via China Unicom (AS4837): all die in "
                           "China Unicom (AS4837) at 219.158.39.42 (CN, hop 4), admin-prohibited");
    free(l);
    l = line_with(out, "175.45.177.0/24");
    assert_string_equal(l, "175.45.177.0/24  reachable 2 live of 2   via TransTeleCom (AS20485)");
    free(l);
    l = line_with(out, "AS20485  ");
    assert_non_null(l);
    free(l);
    assert_non_null(strstr(out, "pcap: /tmp/run.pcap"));
    assert_null(strchr(out, '\033')); /* no colour asked, and hostile escapes stripped */
    assert_null(strchr(out, '\007'));
    free(out);
}

/* The two lines of issue 4, byte for byte. */
static void test_issue4_example(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    assert_non_null(run);
    for (uint32_t i = 0; i < 512; i++) {
        struct pm_target *t = pm_run_target(run, A("175.45.176.0") + i, true);
        assert_non_null(t);
        pm_target_note_sent(t, 1);
    }
    pm_trace_finish(run, 5);
    struct pm_verdict *v = calloc(512, sizeof *v);
    struct pm_rollup r[2];
    memset(r, 0, sizeof r);
    strcpy(r[0].key, "175.45.176.0/24");
    r[0].total = 256;
    r[0].died = r[0].died_same = 256;
    set_ref(&r[0].upstream, 4837, "China Unicom");
    r[0].death_addr = A("219.158.39.42");
    r[0].death_ttl = 9;
    r[0].death_kind = PM_DEATH_ADMIN_PROHIB;
    r[0].dies_in.asn = 4837;
    strcpy(r[0].death_country, "CN");
    strcpy(r[1].key, "175.45.177.0/24");
    r[1].total = r[1].reached = 256;
    set_ref(&r[1].upstream, 20485, "TransTeleCom");
    struct pm_analysis a = {.n_targets = 512, .verdicts = v, .n_prefix = 2, .by_prefix = r};
    struct pm_output_ctx ctx = {.run = run, .analysis = &a};
    char *out = render(&ctx, PM_FMT_TEXT);
    assert_non_null(strstr(out,
                           "\nverdicts per prefix:\n"
                           "175.45.176.0/24  dead      256 dead paths of 256   via China Unicom (AS4837): all die in "
                           "AS4837 at 219.158.39.42 (CN, hop 9), admin-prohibited\n"
                           "175.45.177.0/24  reachable 256 live of 256   via TransTeleCom (AS20485)\n"));
    free(out);
    free(v);
    pm_run_free(run);
}

static void test_text_hops(void **state)
{
    struct fixture *fx = *state;
    char *out = render(&fx->ctx, PM_FMT_TEXT);
    /* hop 4 of a China target: three RTTs and the !X mark, ASN, name, place */
    char *l = line_with(out, "219.158.39.42   ");
    assert_non_null(l);
    assert_non_null(strstr(l, "   4  219.158.39.42"));
    assert_non_null(strstr(l, "41.000 ms"));
    assert_non_null(strstr(l, "41.002 ms"));
    assert_non_null(strstr(l, "!X"));
    assert_non_null(strstr(l, "AS4837"));
    assert_non_null(strstr(l, "CHINA UNICOM China169 Backbone"));
    assert_non_null(strstr(l, "CN Beijing"));
    assert_non_null(strstr(l, "owner AS131279 (inferred)"));
    free(l);
    /* hop 2: two answers and one silent probe */
    l = line_with(out, "   2  219.158.1.1");
    assert_non_null(l);
    assert_non_null(strstr(l, "CN Bei?jing"));
    assert_int_equal(count(l, " ms"), 2);
    assert_int_equal(count(l, "*"), 1);
    free(l);
    /* hop 3: all silent */
    l = line_with(out, "   3      ");
    assert_non_null(l);
    assert_int_equal(count(l, "*"), 3);
    free(l);
    /* MPLS stack of the !X reply */
    assert_non_null(strstr(out, "[MPLS: L=24001,E=0,S=1,T=1]"));
    /* the stop-set target: hop 1 was shared */
    assert_non_null(strstr(out, "hop 1 shared with other targets (not re-probed): as on the path to 175.45.176.20"));
    assert_null(strstr(out, "hops 1–1"));
    /* and the shared hop follows, as the donor saw it: the whole path (issue 15) */
    const char *sh = strstr(out, "hop 1 shared with other targets");
    const char *next = strchr(sh, '\n') + 1;
    assert_memory_equal(next, "   1  ", 6);
    /* "reached at hop 3 via …", not "reached at hop 3 — reached via …" */
    l = line_with(out, "to 175.45.177.5: ");
    assert_non_null(l);
    assert_non_null(strstr(l, "reached at hop"));
    assert_null(strstr(l, "— reached"));
    free(l);
    /* the header counts queries in the singular for one */
    char want[64];
    unsigned q = fx->ctx.run->queries;
    snprintf(want, sizeof want, ", %u quer%s per hop, ", q, q == 1 ? "y" : "ies");
    assert_non_null(strstr(out, want));
    assert_null(strstr(out, " 1 queries"));
    /* ECMP: the second responder on its own line without a TTL */
    l = line_with(out, "188.43.225.154");
    assert_non_null(l);
    assert_memory_equal(l, "      188.43.225.154", 20);
    assert_null(strstr(l, "<script>") ? NULL : NULL);
    free(l);
    /* the target's own echo replies carry no mark */
    l = line_with(out, "   3  175.45.177.5");
    assert_non_null(l);
    assert_null(strchr(l, '!'));
    free(l);
    /* verdict header and evidence */
    assert_non_null(strstr(out, "to 175.45.176.9: unreachable at hop 4 — died (admin-prohibited) in China Unicom "
                                "(AS4837) via China Unicom (AS4837), confidence 0.67"));
    assert_non_null(strstr(out, "evidence: AS4837 precedes AS131279 on healthy paths"));
    free(out);
}

/* A name callback: a provider-style name, and a PTR holding an escape sequence. */
static const char *names_cb(void *ctx, uint32_t addr)
{
    (void)ctx;
    if (addr == A("219.158.39.42"))
        return "xe-0-1-0.bjs-cu.chinaunicom.net";
    if (addr == A("219.158.1.1"))
        return "evil\033[2J.example";
    return NULL;
}

static void test_names(void **state)
{
    struct fixture *fx = *state;
    struct pm_output_ctx ctx = fx->ctx;
    ctx.name = names_cb;
    struct pm_output_names ns = {.asked = 5, .named = 2, .nxdomain = 2, .timeout = 1};
    ctx.names_stats = &ns;
    char *out = render(&ctx, PM_FMT_TEXT);
    char *l = line_with(out, "   4  219.158.39.42");
    assert_non_null(l);
    assert_non_null(strstr(l, "219.158.39.42   xe-0-1-0.bjs-cu.chinaunicom.net "));
    free(l);
    assert_null(strstr(out, "evil")); /* never shown: no plain host name */
    assert_non_null(strstr(out, "names: 2 of 5 hop addresses named by reverse DNS, 2 without a name (NXDOMAIN), "
                                "1 timed out"));
    free(out);
    /* JSON: name per reply, null without one, read back by show's reader */
    char err[PM_ERRBUF_SIZE];
    char *doc = pm_output_json_string(&ctx, err);
    assert_non_null(doc);
    assert_non_null(strstr(doc, "\"name\": \"xe-0-1-0.bjs-cu.chinaunicom.net\""));
    assert_non_null(strstr(doc, "\"name\": null"));
    struct pm_output_doc d;
    memset(&d, 0, sizeof d);
    assert_int_equal(pm_output_json_read_doc(doc, strlen(doc), &d, err), PM_OK);
    assert_string_equal(pm_output_facts_name(d.facts, A("219.158.39.42")), "xe-0-1-0.bjs-cu.chinaunicom.net");
    assert_null(pm_output_facts_name(d.facts, A("219.158.1.1")));
    pm_output_doc_free(&d);
    /* a document whose name is no host name is refused */
    char *bad = strstr(doc, "xe-0-1-0.bjs-cu");
    bad[2] = ' ';
    memset(&d, 0, sizeof d);
    assert_int_equal(pm_output_json_read_doc(doc, strlen(doc), &d, err), PM_ECORRUPT);
    assert_non_null(strstr(err, "name"));
    pm_output_doc_free(&d);
    free(doc);
    /* graph and HTML carry the name */
    out = render(&ctx, PM_FMT_DOT);
    assert_non_null(strstr(out, "xe-0-1-0.bjs-cu.chinaunicom.net\\n219.158.39.42"));
    free(out);
}

/* The history table shortens a long AS name, never its ASN (issue 15: "(AS131"). */
static void test_history_asn_whole(void **state)
{
    (void)state;
    struct pm_episode e[2];
    memset(e, 0, sizeof e);
    strcpy(e[0].key, "175.45.176.0/24");
    e[0].state = PM_EPISODE_DIED;
    e[0].dies_in.asn = 131279;
    strcpy(e[0].dies_in.name, "Star Joint Venture Co. Ltd. Pyongyang");
    e[0].upstream.asn = 4837;
    strcpy(e[0].upstream.name, "CHINA UNICOM China169 Backbone Beijing");
    e[0].start_us = 1764316800000000ull;
    e[0].snapshots = 3;
    e[1] = e[0];
    strcpy(e[1].key, "175.45.177.0/24");
    strcpy(e[1].dies_in.name, "Short AS");
    struct pm_history h = {.n = 2, .episodes = e, .first_us = e[0].start_us, .last_us = e[0].start_us,
                           .n_snapshots = 3};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    char err[PM_ERRBUF_SIZE];
    assert_int_equal(pm_output_history(f, PM_FMT_TEXT, &h, e[0].start_us + 60000000u, err), PM_OK);
    fclose(f);
    char *l = line_with(buf, "175.45.176.0/24  ");
    assert_non_null(l);
    if (!strstr(l, "Star Joint Venture Co.… (AS131279) "))
        fail_msg("%s", l);
    assert_non_null(strstr(l, "(AS4837) "));
    free(l);
    l = line_with(buf, "175.45.177.0/24  ");
    assert_non_null(strstr(l, "Short AS (AS131279)   ")); /* short names whole, padded */
    free(l);
    /* the columns stay aligned: START begins at the same column on both lines */
    char *a = strstr(buf, "\n175.45.176.0/24"), *b = strstr(buf, "\n175.45.177.0/24");
    size_t ca = 0, cb = 0; /* display columns, "…" being one */
    for (const char *p = a, *end = strstr(a, "2025-"); p < end; p++)
        ca += ((unsigned char)*p & 0xc0) != 0x80;
    for (const char *p = b, *end = strstr(b, "2025-"); p < end; p++)
        cb += ((unsigned char)*p & 0xc0) != 0x80;
    assert_int_equal(ca, cb);
    free(buf);
}

static void test_text_collapse_and_color(void **state)
{
    struct fixture *fx = *state;
    char *out = render(&fx->ctx, PM_FMT_TEXT);
    /* 13 China targets share one path (the stop-set one through its donor's
     * lower hops): 3 shown, 10 listed as a range */
    assert_non_null(strstr(out, "… and 10 more targets on this same path: 175.45.176.22–175.45.176.31"));
    assert_int_equal(count(out, "\nto 175.45.176."), 3);
    /* two reached targets on one path: one block */
    assert_int_equal(count(out, "\nto 175.45.177."), 1);
    free(out);
    fx->ctx.verbose = true;
    out = render(&fx->ctx, PM_FMT_TEXT);
    assert_int_equal(count(out, "\nto 175.45.17"), 15);
    free(out);
    fx->ctx.verbose = false;
    fx->ctx.color = true;
    out = render(&fx->ctx, PM_FMT_TEXT);
    assert_non_null(strstr(out, "\033[31mdied (admin-prohibited)\033[0m"));
    assert_non_null(strstr(out, "\033[32mreached at hop 3\033[0m via"));
    assert_non_null(strstr(out, "\033[2m"));
    assert_null(strstr(out, "\033]0;")); /* the hostile OSC sequence is gone */
    fx->ctx.color = false;
    free(out);
}

static void test_text_rate_limited_rollup(void **state)
{
    struct fixture *fx = *state;
    struct pm_rollup *p = &fx->an->by_prefix[0];
    /* 13 targets: 10 died at the !X router, 2 elsewhere, 1 rate-limited; blamed on the target AS */
    p->died = 12;
    p->died_same = 10;
    p->rate_limited = 1;
    p->death_owner_asn = 4837;
    set_ref(&p->dies_in, 131279, "Star JV");
    p->death_rule = PM_RULE_COMMON_CAUSE; /* the rule behind the blame is named */
    char *out = render(&fx->ctx, PM_FMT_TEXT);
    char *l = line_with(out, "175.45.176.0/24");
    assert_string_equal(l, "175.45.176.0/24  dead      12 dead paths, 1 rate-limited of 13   via China Unicom (AS4837): "
                           "10 of the 12 dead die at 219.158.39.42 (AS4837, CN, hop 4), admin-prohibited; blamed on "
                           "Star JV (AS131279) (inferred: paths die inside two upstreams at once, a common cause on the "
                           "target side)");
    free(l);
    free(out);
}

static void test_text_no_analysis(void **state)
{
    struct fixture *fx = *state;
    struct pm_output_ctx ctx = fx->ctx;
    ctx.analysis = NULL;
    ctx.lookup = NULL;
    char *out = render(&ctx, PM_FMT_TEXT);
    assert_null(strstr(out, "verdicts per prefix"));
    assert_non_null(strstr(out, "15 targets: 2 reached, 13 died"));
    char *l = line_with(out, "   4  219.158.39.42");
    assert_non_null(l);
    assert_non_null(strstr(l, "!X  -"));
    free(l);
    free(out);
}

static json_t *load(const char *s)
{
    json_error_t e;
    json_t *j = json_loads(s, 0, &e);
    if (!j)
        fail_msg("invalid JSON: %s", e.text);
    return j;
}

static void test_json_fields(void **state)
{
    struct fixture *fx = *state;
    char err[PM_ERRBUF_SIZE];
    char *s = pm_output_json_string(&fx->ctx, err);
    assert_non_null(s);
    json_t *d = load(s), *run = json_object_get(d, "run");
    assert_string_equal(json_string_value(json_object_get(d, "schema")), "pathmortem/1");
    assert_string_equal(json_string_value(json_object_get(run, "started")), "2025-11-28T06:54:15.123Z");
    assert_string_equal(json_string_value(json_object_get(run, "method")), "icmp");
    assert_string_equal(json_string_value(json_object_get(run, "source")), "198.18.0.2");
    assert_true(json_is_false(json_object_get(run, "classic")));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(run, "stats"), "probes_sent")), 123);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(json_object_get(run, "databases"), 0), "role")), "asn");
    json_t *targets = json_object_get(d, "targets");
    assert_int_equal(json_array_size(targets), 15);
    json_t *t9 = json_array_get(targets, 0); /* sorted: 175.45.176.9 first */
    assert_string_equal(json_string_value(json_object_get(t9, "dst")), "175.45.176.9");
    assert_int_equal(json_integer_value(json_object_get(t9, "shared_below_ttl")), 2);
    json_t *hops = json_object_get(t9, "hops");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(hops, 0), "ttl")), 2);
    json_t *h3 = json_array_get(hops, 1);
    assert_int_equal(json_integer_value(json_object_get(h3, "ttl")), 3);
    assert_int_equal(json_integer_value(json_object_get(h3, "probes")), 3);
    assert_true(json_is_array(json_object_get(h3, "replies")));
    assert_int_equal(json_array_size(json_object_get(h3, "replies")), 0);
    json_t *r = json_array_get(json_object_get(json_array_get(hops, 2), "replies"), 1);
    assert_string_equal(json_string_value(json_object_get(r, "from")), "219.158.39.42");
    assert_true(json_is_real(json_object_get(r, "rtt_ms")));
    assert_float_equal(json_real_value(json_object_get(r, "rtt_ms")), 41.001, 1e-9);
    assert_int_equal(json_integer_value(json_object_get(r, "icmp_type")), 3);
    assert_int_equal(json_integer_value(json_object_get(r, "icmp_code")), 13);
    assert_int_equal(json_integer_value(json_object_get(r, "asn")), 4837);
    assert_string_equal(json_string_value(json_object_get(r, "as_name")), "CHINA UNICOM China169 Backbone");
    assert_string_equal(json_string_value(json_object_get(r, "country")), "CN");
    assert_true(json_is_true(json_object_get(r, "extensions")));
    json_t *m = json_array_get(json_object_get(r, "mpls"), 0);
    assert_int_equal(json_integer_value(json_object_get(m, "label")), 24001);
    assert_string_equal(json_string_value(json_object_get(t9, "stop")), "unreachable");
    json_t *v = json_object_get(t9, "verdict");
    assert_string_equal(json_string_value(json_object_get(v, "status")), "died");
    assert_string_equal(json_string_value(json_object_get(v, "kind")), "admin-prohibited");
    assert_string_equal(json_string_value(json_object_get(json_object_get(v, "last_hop"), "addr")), "219.158.39.42");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(v, "dies_in"), "asn")), 4837);
    assert_float_equal(json_real_value(json_object_get(v, "confidence")), 0.667, 1e-9);
    assert_int_equal(json_array_size(json_object_get(v, "evidence")), 2);
    assert_string_equal(json_string_value(json_object_get(json_object_get(v, "upstream"), "addr")), "219.158.39.42");
    assert_int_equal(json_integer_value(json_object_get(v, "first_silent_ttl")), 3);
    assert_true(json_is_null(json_object_get(v, "reached_ttl")));
    assert_string_equal(json_string_value(json_object_get(t9, "shared_via")), "219.158.1.1");
    assert_string_equal(json_string_value(json_object_get(t9, "shared_with")), "175.45.176.20");
    json_t *sum = json_object_get(d, "summary");
    json_t *p0 = json_array_get(json_object_get(sum, "by_prefix"), 0);
    assert_string_equal(json_string_value(json_object_get(p0, "prefix")), "175.45.176.0/24");
    assert_string_equal(json_string_value(json_object_get(json_object_get(p0, "death"), "kind")), "admin-prohibited");
    assert_true(json_is_null(json_object_get(json_array_get(json_object_get(sum, "by_prefix"), 1), "death")));
    assert_int_equal(json_array_size(json_object_get(sum, "by_upstream")), 2);
    json_t *ow = json_array_get(json_object_get(d, "owners"), 1);
    assert_int_equal(json_integer_value(json_object_get(ow, "owner_asn")), 131279);
    /* the hostile AS name survives as data, its control bytes escaped */
    assert_null(strchr(s, '\033'));
    assert_non_null(strstr(s, "\\u001b[31mRED"));
    /* bytes that are not UTF-8 are cleaned, so the document stays valid JSON */
    assert_non_null(strstr(s, "\"city\": \"Bei?jing\""));
    json_decref(d);
    /* deterministic */
    char *again = pm_output_json_string(&fx->ctx, err);
    assert_string_equal(s, again);
    free(again);
    free(s);
}

static void test_json_round_trip(void **state)
{
    struct fixture *fx = *state;
    char err[PM_ERRBUF_SIZE] = "";
    char *s1 = pm_output_json_string(&fx->ctx, err);
    assert_non_null(s1);
    struct pm_output_doc doc;
    int rc = pm_output_json_read_doc(s1, strlen(s1), &doc, err);
    if (rc != PM_OK)
        fail_msg("read back: %s", err);
    assert_non_null(doc.analysis);
    assert_int_equal(doc.run->n_targets, 15);
    /* run.pcap carries the capture's name and reads back */
    assert_non_null(strstr(s1, "\"pcap\": \"/tmp/run.pcap\""));
    assert_non_null(doc.pcap);
    assert_string_equal(doc.pcap, "/tmp/run.pcap");
    struct pm_output_ctx ctx = {.run = doc.run, .analysis = doc.analysis, .lookup = pm_output_facts_lookup,
                                .lookup_ctx = doc.facts, .pcap_path = doc.pcap};
    char *s2 = pm_output_json_string(&ctx, err);
    assert_non_null(s2);
    assert_string_equal(s1, s2);
    /* the text of the imported run matches the original's */
    struct pm_output_ctx orig = fx->ctx;
    char *t1 = render(&orig, PM_FMT_TEXT), *t2 = render(&ctx, PM_FMT_TEXT);
    assert_string_equal(t1, t2);
    free(t1);
    free(t2);
    free(s2);
    pm_output_doc_free(&doc);
    /* the one-line form reads back to the same run */
    char *line = pm_output_json_line(&fx->ctx, err);
    assert_non_null(line);
    assert_null(strchr(line, '\n'));
    assert_true(strlen(line) < strlen(s1));
    assert_int_equal(pm_output_json_read_doc(line, strlen(line), &doc, err), PM_OK);
    ctx.run = doc.run;
    ctx.analysis = doc.analysis;
    ctx.lookup_ctx = doc.facts;
    ctx.pcap_path = doc.pcap;
    s2 = pm_output_json_string(&ctx, err);
    assert_string_equal(s1, s2);
    free(s2);
    free(line);
    pm_output_doc_free(&doc);
    /* run-only reader, and a document without analysis */
    struct pm_output_ctx bare = fx->ctx;
    bare.analysis = NULL;
    bare.lookup = NULL;
    bare.pcap_path = NULL; /* no capture written: no run.pcap, and none read back */
    char *b1 = pm_output_json_string(&bare, err);
    assert_null(strstr(b1, "\"pcap\""));
    assert_int_equal(pm_output_json_read_doc(b1, strlen(b1), &doc, err), PM_OK);
    assert_null(doc.analysis);
    assert_null(doc.pcap);
    bare.run = doc.run;
    char *b2 = pm_output_json_string(&bare, err);
    assert_string_equal(b1, b2);
    assert_null(strstr(b1, "\"verdict\""));
    pm_output_doc_free(&doc);
    free(b1);
    free(b2);
    free(s1);
}

/* Replaces the first occurrence of `from` in doc by `to`. */
static char *mutate(const char *doc, const char *from, const char *to)
{
    const char *p = strstr(doc, from);
    assert_non_null(p);
    size_t n = strlen(doc) - strlen(from) + strlen(to) + 1;
    char *out = malloc(n);
    size_t pre = (size_t)(p - doc);
    memcpy(out, doc, pre);
    strcpy(out + pre, to);
    strcat(out, p + strlen(from));
    return out;
}

static void expect_corrupt(const char *text, const char *what)
{
    char err[PM_ERRBUF_SIZE] = "";
    struct pm_output_doc doc;
    int rc = pm_output_json_read_doc(text, strlen(text), &doc, err);
    if (rc == PM_OK)
        fail_msg("accepted a bad document (%s)", what);
    assert_int_equal(rc, PM_ECORRUPT);
    assert_true(err[0] != '\0');
    assert_null(strchr(err, '\n'));
    assert_null(doc.run);
}

static void test_json_garbage(void **state)
{
    struct fixture *fx = *state;
    char err[PM_ERRBUF_SIZE];
    expect_corrupt("", "empty");
    expect_corrupt("not json", "text");
    expect_corrupt("[]", "array");
    expect_corrupt("{\"schema\":\"pathmortem/2\"}", "schema");
    expect_corrupt("{\"schema\":\"pathmortem/1\",\"run\":{}}", "no started");
    char *s = pm_output_json_string(&fx->ctx, err);
    static const struct {
        const char *from, *to, *what;
    } cases[] = {
        {"\"ttl\": 2", "\"ttl\": \"2\"", "ttl as a string"},
        {"\"ttl\": 2", "\"ttl\": 65", "ttl above the cap"},
        {"\"ttl\": 2", "\"ttl\": 2.5", "ttl as a real"},
        {"\"rtt_ms\": 30.125", "\"rtt_ms\": -1", "negative rtt"},
        {"\"from\": \"219.158.1.1\"", "\"from\": \"219.158.1.300\"", "bad address"},
        {"\"from\": \"219.158.1.1\"", "\"from\": null", "null address"},
        {"\"stop\": \"unreachable\"", "\"stop\": \"sideways\"", "unknown stop"},
        {"\"dst\": \"175.45.176.9\"", "\"dst\": \"175.45.177.9\"", "targets out of order"},
        {"\"country\": \"CN\"", "\"country\": \"CHN\"", "string too long for its field"},
        {"\"as_name\": \"CHINA", "\"as_name\": \"\\u0000CHINA", "NUL inside a string"},
        {"\"status\": \"died\"", "\"status\": \"dead\"", "unknown status"},
        {"\"confidence\": 0.667", "\"confidence\": 1.5", "confidence above 1"},
        {"\"label\": 24001", "\"label\": 2000000", "MPLS label above 20 bits"},
        {"\"hops\": [", "\"hops\": {", "hops not an array"},
        {"\"method\": \"icmp\"", "\"method\": \"sctp\"", "unknown method"},
        {"\"schema\": \"pathmortem/1\",", "\"schema\": \"pathmortem/1\", \"schema\": \"x\",", "duplicate key"},
        {"\"prefix\": \"175.45.176.0/24\"", "\"prefix\": \"175.45.176.0/33\"", "prefix length"},
        {"\"shared_with\": \"175.45.176.20\"", "\"shared_with\": \"175.45.176.99\"", "donor not in the run"},
        {"\"group\": 0", "\"group\": 7", "group beyond by_prefix"},
        {"\"died\": 13", "\"died\": 14", "more died than total"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *bad = mutate(s, cases[i].from, cases[i].to);
        expect_corrupt(bad, cases[i].what);
        free(bad);
    }
    /* truncated at many lengths: never accepted, never a crash */
    size_t n = strlen(s);
    for (size_t cut = 0; cut < n; cut += n / 97 + 1) {
        struct pm_output_doc doc;
        assert_int_not_equal(pm_output_json_read_doc(s, cut, &doc, err), PM_OK);
    }
    free(s);
}

/* Deterministic byte mutations of a valid document: every result is either
 * a clean read (which must then write out without trouble) or a one-line
 * error; under the sanitizer build this also proves no overread or leak. */
static void test_json_mutations(void **state)
{
    struct fixture *fx = *state;
    char err[PM_ERRBUF_SIZE];
    char *s = pm_output_json_string(&fx->ctx, err);
    size_t n = strlen(s);
    char *m = malloc(n + 1);
    uint32_t x = 12345;
    unsigned ok = 0, bad = 0;
    static const char junk[] = "{}[]\",:0123456789-.eEtrufalsn \\\xff\x01";
    for (int round = 0; round < 1500; round++) {
        memcpy(m, s, n + 1);
        for (int k = 0; k < 1 + round % 4; k++) {
            x = x * 1103515245u + 12345u;
            size_t at = (x >> 8) % n;
            x = x * 1103515245u + 12345u;
            m[at] = junk[(x >> 8) % (sizeof junk - 1)];
        }
        struct pm_output_doc doc;
        err[0] = '\0';
        int rc = pm_output_json_read_doc(m, n, &doc, err);
        if (rc == PM_OK) {
            struct pm_output_ctx ctx = {
                .run = doc.run, .analysis = doc.analysis, .lookup = pm_output_facts_lookup, .lookup_ctx = doc.facts};
            char *again = pm_output_json_string(&ctx, err);
            assert_non_null(again);
            free(again);
            pm_output_doc_free(&doc);
            ok++;
        } else {
            assert_true(rc < 0);
            assert_true(err[0] != '\0');
            assert_null(strchr(err, '\n'));
            bad++;
        }
    }
    assert_true(bad > 500); /* the mutations do break documents */
    free(m);
    free(s);
    (void)ok;
}

static void test_csv(void **state)
{
    struct fixture *fx = *state;
    char *out = render(&fx->ctx, PM_FMT_CSV);
    assert_memory_equal(out,
                        "dst,status,kind,stop,last_hop_addr,last_hop_ttl,last_hop_asn,dies_in_asn,dies_in_name,"
                        "upstream_asn,upstream_name,confidence,hops_probed,replies\r\n",
                        strlen("dst,status,kind,stop,last_hop_addr,last_hop_ttl,last_hop_asn,dies_in_asn,dies_in_name,"
                               "upstream_asn,upstream_name,confidence,hops_probed,replies\r\n"));
    char *l = line_with(out, "175.45.176.9,");
    assert_string_equal(l, "175.45.176.9,died,admin-prohibited,unreachable,219.158.39.42,4,4837,4837,China Unicom,"
                           "4837,China Unicom,0.667,3,5\r");
    free(l);
    /* commas and quotes in an AS name: quoted, quotes doubled, control bytes gone */
    l = line_with(out, "175.45.177.5,");
    assert_string_equal(l, "175.45.177.5,reached,,reached,188.43.225.153,2,20485,,,20485,"
                           "\"Evil, \"\"Inc\"\" <script>alert(1)</script>?[31mRED?]0;title?\",0.900,3,9\r");
    free(l);
    assert_int_equal(count(out, "\r\n"), 16);
    free(out);
    /* a name that a spreadsheet would run as a formula is neutralised */
    snprintf(fx->an->verdicts[0].dies_in.name, sizeof fx->an->verdicts[0].dies_in.name, "=HYPERLINK(\"x\")");
    out = render(&fx->ctx, PM_FMT_CSV);
    assert_non_null(strstr(out, ",\"'=HYPERLINK(\"\"x\"\")\","));
    free(out);
}

/* Display columns of one line (UTF-8 continuation bytes take none). */
static size_t cols_of(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        w += ((unsigned char)s[i] & 0xc0) != 0x80;
    return w;
}

/* A narrow terminal (issue 15): each hop stays on one line of the width, the
 * city gives way first, then the AS name (cut with "…"), and every ASN, the
 * address and the RTT are whole; an unlimited width prints them all. */
static void test_text_hops_fit_the_width(void **state)
{
    struct fixture *fx = *state;
    fx->ctx.width = 0;
    char *wide = render(&fx->ctx, PM_FMT_TEXT);
    assert_non_null(strstr(wide, "CHINA UNICOM China169 Backbone  CN Beijing"));
    /* 64: three RTT cells, address and ASN take 66 columns, so rows wrap (at
     * spaces: the ASN moves whole onto the next line); from 72 each row fits */
    unsigned widths[] = {64, 72, 80, 100};
    for (size_t k = 0; k < sizeof widths / sizeof widths[0]; k++) {
        fx->ctx.width = widths[k];
        char *out = render(&fx->ctx, PM_FMT_TEXT);
        unsigned hop_lines = 0;
        for (const char *l = out; *l;) {
            const char *e = strchr(l, '\n');
            size_t n = e ? (size_t)(e - l) : strlen(l);
            unsigned ttl;
            char addr[20], line[512];
            snprintf(line, sizeof line, "%.*s", (int)n, l);
            /* a hop row: "   3  219.158.39.42 ..." */
            if (widths[k] >= 72 && sscanf(line, "%u %19s", &ttl, addr) == 2 && strchr(addr, '.') &&
                !strncmp(line, "   ", 3) && strstr(line, " ms")) {
                hop_lines++;
                if (cols_of(l, n) > widths[k])
                    fail_msg("width %u: hop row of %zu columns: %.*s", widths[k], cols_of(l, n), (int)n, l);
                if (getenv("PM_TEST_DUMP"))
                    fprintf(stderr, "%.*s\n", (int)n, l);
                /* the row's ASN (or "-") is on the row itself, not wrapped onto a next line */
                const char *as = strstr(line, "  AS");
                assert_true((as && as[4] >= '0' && as[4] <= '9') || strstr(line, "  -  "));
            }
            l = e ? e + 1 : l + n;
        }
        assert_true(widths[k] < 72 || hop_lines > 3);
        /* every ASN of the wide text is in the narrow one */
        for (const char *a = strstr(wide, "AS"); a; a = strstr(a + 2, "AS")) {
            if (a[2] < '0' || a[2] > '9')
                continue;
            char asn[16];
            size_t m = 2;
            while (m < 12 && a[m] >= '0' && a[m] <= '9')
                m++;
            snprintf(asn, sizeof asn, "%.*s", (int)m, a);
            if (!strstr(out, asn))
                fail_msg("width %u: %s is gone", widths[k], asn);
        }
        if (widths[k] == 100) {
            assert_null(strstr(out, "CN Beijing")); /* the city gave way */
            assert_non_null(strstr(out, "…"));       /* and the AS name was cut, not wrapped */
        }
        free(out);
    }
    fx->ctx.width = 0;
    free(wide);
}

static void test_dot(void **state)
{
    struct fixture *fx = *state;
    char *out = render(&fx->ctx, PM_FMT_DOT);
    assert_non_null(strstr(out, "digraph pathmortem"));
    assert_non_null(strstr(out, "subgraph cluster_AS4837"));
    assert_non_null(strstr(out, "subgraph cluster_AS20485"));
    assert_non_null(strstr(out, "subgraph cluster_AS64500"));
    /* the router whose owner was inferred sits in the target's AS */
    assert_non_null(strstr(out, "subgraph cluster_AS131279"));
    assert_non_null(strstr(out, "AS4837 CHINA UNICOM China169 Backbone\""));
    /* 13 China targets collapse into one node, counted as the per-/24 line counts them */
    assert_non_null(strstr(out, "175.45.176.0/24\\n13 dead paths"));
    assert_non_null(strstr(out, "175.45.177.0/24\\n2 live"));
    assert_non_null(strstr(out, "octagon"));
    assert_non_null(strstr(out, "admin-prohibited"));
    assert_non_null(strstr(out, "1 silent"));
    assert_null(strchr(out, '\033'));
    /* laid out down the page, with a legend (issue 15) */
    assert_non_null(strstr(out, "rankdir=TB"));
    assert_non_null(strstr(out, "label=\"legend\\l"));
    assert_non_null(strstr(out, "red octagon: where paths die"));
    free(out);
}

/* Many routers and many /24s: the caps hold and the graph says so. */
static void test_dot_caps(void **state)
{
    (void)state;
    struct pm_run *run = pm_run_alloc();
    assert_non_null(run);
    for (uint32_t i = 0; i < 400; i++) {
        struct pm_target *t = pm_run_target(run, A("198.19.0.1") + (i << 8), true);
        assert_non_null(t);
        pm_target_note_sent(t, 1);
        pm_target_note_sent(t, 2);
        struct pm_reply r = {.from = A("198.18.0.1") + i, .ttl = 1, .kind = PM_REPLY_TIME_EXCEEDED, .icmp_type = 11};
        assert_int_equal(pm_target_add_reply(t, &r), PM_OK);
        r.from = t->dst;
        r.ttl = 2;
        r.kind = PM_REPLY_ECHO_REPLY;
        r.icmp_type = 0;
        assert_int_equal(pm_target_add_reply(t, &r), PM_OK);
    }
    pm_trace_finish(run, 5);
    struct pm_output_ctx ctx = {.run = run};
    char *out = render(&ctx, PM_FMT_DOT);
    assert_non_null(strstr(out, "collapsed: at most 300 routers drawn"));
    assert_non_null(strstr(out, "other targets ("));
    assert_int_equal(count(out, "\"r198.18."), 300 * 3); /* each drawn router: its node, one edge in, one out */
    assert_true(count(out, "label=\"198.19.") <= 200);
    free(out);
    pm_run_free(run);
}

static void test_svg(void **state)
{
    struct fixture *fx = *state;
    strcpy(fx->run->vantage, "<script>v</script>&\\N");
    char *out = render(&fx->ctx, PM_FMT_SVG);
    assert_true(!strncmp(out, "<?xml", 5) || !strncmp(out, "<svg", 4));
    size_t n = strlen(out);
    while (n && (out[n - 1] == '\n' || out[n - 1] == ' '))
        n--;
    assert_true(n > 6);
    assert_memory_equal(out + n - 6, "</svg>", 6);
    assert_int_equal(count(out, "<svg"), 1);
    assert_null(strstr(out, "<script"));
    free(out);
}

static void test_html(void **state)
{
    struct fixture *fx = *state;
    /* hostile strings in a verdict table, the graph and the run line */
    snprintf(fx->an->by_prefix[1].upstream.name, sizeof fx->an->by_prefix[1].upstream.name, "%s", HOSTILE);
    strcpy(fx->run->vantage, "<script>v</script>");
    char *out = render(&fx->ctx, PM_FMT_HTML);
    assert_memory_equal(out, "<!DOCTYPE html>", 15);
    assert_non_null(strstr(out, "</html>"));
    assert_null(strstr(out, "<script"));
    assert_null(strstr(out, "<?xml"));
    assert_non_null(strstr(out, "&lt;script&gt;"));
    assert_null(strchr(out, '\033'));
    assert_non_null(strstr(out, "<svg"));
    assert_non_null(strstr(out, "Verdicts per prefix"));
    assert_non_null(strstr(out, "175.45.176.0/24"));
    /* no external resources */
    assert_null(strstr(out, "src=\"http"));
    assert_null(strstr(out, "href=\"http"));
    assert_null(strstr(out, "<link"));
    /* died targets in detail, 3 per path */
    assert_int_equal(count(out, "<h3 id=\"t175.45.176."), 3);
    assert_null(strstr(out, "<h3 id=\"t175.45.177."));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_names),
        cmocka_unit_test(test_marks),
        cmocka_unit_test(test_clean),
        cmocka_unit_test_setup_teardown(test_text_verdicts, setup, teardown),
        cmocka_unit_test(test_issue4_example),
        cmocka_unit_test_setup_teardown(test_text_hops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names, setup, teardown),
        cmocka_unit_test(test_history_asn_whole),
        cmocka_unit_test_setup_teardown(test_text_collapse_and_color, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_rate_limited_rollup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_no_analysis, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_garbage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_mutations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_hops_fit_the_width, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dot, setup, teardown),
        cmocka_unit_test(test_dot_caps),
        cmocka_unit_test_setup_teardown(test_svg, setup, teardown),
        cmocka_unit_test_setup_teardown(test_html, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
