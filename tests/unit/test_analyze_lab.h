/* test_analyze_lab.h - builds analyzer inputs in code that mirror the network lab: names, ASN blocks, paths as short strings. */
#ifndef TEST_ANALYZE_LAB_H
#define TEST_ANALYZE_LAB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathmortem/analyze.h"
#include "pathmortem/trace.h"

#define A(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

/* Lab blocks -> ASN, as the lab's MMDB maps them. */
struct lab_block {
    uint32_t prefix;
    uint8_t len;
    uint32_t asn;
    const char *name, *cc;
    const char *special;
};
static const struct lab_block lab_blocks[] = {
    {A(198, 18, 0, 0), 21, 64500, "LAB-ACCESS", "DE", NULL},
    {A(198, 18, 8, 0), 21, 64501, "LAB-TRANSIT", "DE", NULL},
    {A(198, 18, 16, 0), 20, 4837, "China Unicom", "CN", NULL},
    {A(198, 18, 32, 0), 20, 12389, "Rostelecom", "RU", NULL},
    {A(198, 18, 48, 0), 20, 20485, "TransTeleCom", "RU", NULL},
    {A(198, 19, 176, 0), 24, 131279, "Star JV", "KP", NULL},
    {A(198, 19, 177, 0), 24, 131279, "Star JV", "KP", NULL},
    {A(198, 19, 178, 0), 24, 131279, "Star JV", "KP", NULL},
    {A(198, 19, 179, 0), 24, 131279, "Star JV", "KP", NULL},
    {A(198, 18, 200, 0), 24, 0, "", "", "IXP"},   /* not in the lab: an IXP LAN for the unit tests */
};

static int lab_lookups; /* test-side counter only */

static inline void lab_lookup(void *ctx, uint32_t addr, struct pm_geo_info *out)
{
    (void)ctx;
    lab_lookups++;
    for (size_t i = 0; i < sizeof lab_blocks / sizeof lab_blocks[0]; i++) {
        const struct lab_block *b = &lab_blocks[i];
        uint32_t mask = (uint32_t)(0xffffffffull << (32 - b->len));
        if ((addr & mask) != b->prefix)
            continue;
        out->asn = b->asn;
        snprintf(out->as_name, sizeof out->as_name, "%s", b->name);
        snprintf(out->country, sizeof out->country, "%s", b->cc);
        out->asn_prefix_len = b->asn ? b->len : 0;
        if (b->special) {
            out->special = true;
            snprintf(out->special_name, sizeof out->special_name, "%s", b->special);
        }
        return;
    }
}

/* Lab routers as tests/lab/topo.sh numbers them, with the address each answers
 * from toward the vantage 198.18.0.2 (tests/lab/paths.tsv). In the default
 * "upstream" numbering kpbr answers from its China Unicom-facing address
 * 198.18.20.5 on both paths; in "own" numbering from 198.19.179.250. */
struct lab_name {
    const char *name;
    uint32_t addr;
};
static const struct lab_name lab_names[] = {
    {"acc", A(198, 18, 0, 1)},     {"tr", A(198, 18, 8, 0)},       {"cu1", A(198, 18, 16, 0)},
    {"cu2a", A(198, 18, 17, 1)},   {"cu2b", A(198, 18, 17, 3)},    {"cu3", A(198, 18, 20, 1)},
    {"kpbr", A(198, 18, 20, 5)},   {"rt1", A(198, 18, 32, 0)},     {"ttk1", A(198, 18, 48, 0)},
    {"ttk2", A(198, 18, 52, 1)},   {"kpown", A(198, 19, 179, 250)},
    {"nomap", A(10, 0, 0, 1)},     {"ixp", A(198, 18, 200, 7)},
};

static inline uint32_t lab_addr(const char *name)
{
    for (size_t i = 0; i < sizeof lab_names / sizeof lab_names[0]; i++)
        if (!strcmp(lab_names[i].name, name))
            return lab_names[i].addr;
    fprintf(stderr, "unknown lab name %s\n", name);
    abort();
}

#define CN_OK "acc tr cu1 cu2a cu3 kpbr DST"
#define RU_OK "acc tr rt1 ttk1 ttk2 kpbr DST"

/* Adds one target whose probes and replies follow spec, one token per TTL:
 *   name      the router answers time-exceeded to all 3 probes
 *   name~k    answers k of the 3
 *   name!N !H !X !P   answers unreachable (codes 0, 1, 13, 3)
 *   name+m    time-exceeded with an MPLS label and quoted TTL 2
 *   *         3 probes, silence
 *   -         not probed (below a stop set)
 *   DST       the target answers (echo reply)
 * Classic ECMP mixes: "cu2a/cu2b" answers from both (2 and 1 replies). */
static inline struct pm_target *lab_trace(struct pm_run *run, uint32_t dst, const char *spec)
{
    struct pm_target *t = pm_run_target(run, dst, true);
    if (!t)
        abort();
    char buf[512];
    snprintf(buf, sizeof buf, "%s", spec);
    char *save = NULL;
    uint8_t ttl = 0;
    for (char *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        ttl++;
        if (!strcmp(tok, "-"))
            continue;
        for (int q = 0; q < 3; q++)
            pm_target_note_sent(t, ttl);
        if (!strcmp(tok, "*"))
            continue;
        struct pm_reply r;
        memset(&r, 0, sizeof r);
        r.ttl = ttl;
        r.sent_us = 1000000u * ttl;
        r.recv_us = r.sent_us + 500;
        r.reply_ttl = (uint8_t)(64 - ttl);
        if (!strncmp(tok, "DST", 3)) {
            int k = tok[3] == '~' ? atoi(tok + 4) : 3;
            r.kind = PM_REPLY_ECHO_REPLY;
            r.from = dst;
            for (int q = 0; q < k; q++) {
                r.attempt = (uint8_t)q;
                if (pm_target_add_reply(t, &r) != PM_OK)
                    abort();
            }
            continue;
        }
        char name[32];
        snprintf(name, sizeof name, "%s", tok);
        char *mark = strpbrk(name, "~!+/");
        char m = mark ? *mark : 0;
        char arg[16] = "";
        if (mark) {
            snprintf(arg, sizeof arg, "%s", mark + 1);
            *mark = 0;
        }
        r.from = lab_addr(name);
        r.kind = PM_REPLY_TIME_EXCEEDED;
        r.icmp_type = 11;
        r.quoted_ttl = 1;
        int k = 3;
        if (m == '~')
            k = atoi(arg);
        if (m == '!') {
            r.kind = PM_REPLY_UNREACH;
            r.icmp_type = 3;
            r.icmp_code = arg[0] == 'N' ? 0 : arg[0] == 'H' ? 1 : arg[0] == 'X' ? 13 : 3;
        }
        struct pm_mpls_stack ms = {0};
        if (m == '+') {
            ms.n = 1;
            r.has_ext = true;
            ms.e[0].label = 16004;
            ms.e[0].ttl = 1;
            ms.e[0].s = 1;
            r.quoted_ttl = 2;
        }
        for (int q = 0; q < k; q++) {
            r.attempt = (uint8_t)q;
            if (m == '/' && q == 2)
                r.from = lab_addr(arg);
            if (pm_target_add_reply_ext(t, &r, NULL, &ms) != PM_OK)
                abort();
        }
    }
    return t;
}

/* Adds n hosts .1 .. .n of a /24 (third octet c of 198.19.c.0) with one spec. */
static inline void lab_hosts(struct pm_run *run, int c, int n, const char *spec)
{
    for (int h = 1; h <= n; h++)
        lab_trace(run, A(198, 19, c, h), spec);
}

static inline const struct pm_verdict *lab_verdict(const struct pm_run *run, const struct pm_analysis *a, uint32_t dst)
{
    for (uint32_t i = 0; i < run->n_targets; i++)
        if (run->targets[i].dst == dst)
            return &a->verdicts[i];
    fprintf(stderr, "no verdict for %08x\n", dst);
    abort();
}

static inline const struct pm_rollup *lab_rollup(const struct pm_analysis *a, const char *key)
{
    for (uint32_t i = 0; i < a->n_prefix; i++)
        if (!strcmp(a->by_prefix[i].key, key))
            return &a->by_prefix[i];
    for (uint32_t i = 0; i < a->n_upstream; i++)
        if (!strcmp(a->by_upstream[i].key, key))
            return &a->by_upstream[i];
    return NULL;
}

static inline bool lab_evidence_has(const struct pm_verdict *v, const char *needle)
{
    for (uint32_t i = 0; i < v->n_evidence; i++)
        if (strstr(v->evidence[i], needle))
            return true;
    return false;
}

static inline void lab_dump(const struct pm_run *run, const struct pm_analysis *a)
{
    char b[16], line[512];
    for (uint32_t i = 0; i < run->n_targets; i++) {
        const struct pm_verdict *v = &a->verdicts[i];
        fprintf(stderr, "%s %s %s dies_in=%u up=%u conf=%.2f\n", pm_addr_str(run->targets[i].dst, b),
                pm_status_name((enum pm_status)v->status), pm_death_name((enum pm_death)v->kind), v->dies_in.asn,
                v->upstream.asn, v->confidence);
        for (uint32_t e = 0; e < v->n_evidence; e++)
            fprintf(stderr, "    %s\n", v->evidence[e]);
    }
    for (uint32_t i = 0; i < a->n_prefix; i++) {
        pm_rollup_format(&a->by_prefix[i], line, sizeof line);
        fprintf(stderr, "%s\n", line);
    }
    for (uint32_t i = 0; i < a->n_upstream; i++) {
        pm_rollup_format(&a->by_upstream[i], line, sizeof line);
        fprintf(stderr, "%s\n", line);
    }
}

#endif
