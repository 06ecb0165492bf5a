/* fuzz_match.c - fuzzes the matcher with a stream of real probes, replies built from them with fuzzer-chosen damage, and raw frames; checks that only answers to probes of this run are accepted, once each, in time. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_build.h"
#include "pathmortem/match.h"
#include "pathmortem/trace.h"

/*
 * Input language (all bytes fuzzer-chosen; missing bytes end the input):
 *   header: m i1 i2      method m%3 (bit 7: let the matcher learn the run
 *                        from the first probe, as `analyze` does), ident i1:i2
 *   records: op ...      op&3 = 0 probe   t ttl att dt
 *                               1 error   t ttl att dt sel qlen pos xor from
 *                               2 answer  t ttl att dt flags pos xor
 *                               3 raw     len linksel bytes[len]
 * t picks one of 8 targets, dt advances the clock (255: jump past the late
 * window; 254/253: an hour back/forward), pos/xor damage one byte (xor 0:
 * intact), sel picks type/code.
 */

#define N_TARGETS 8
#define VANTAGE 0xc6120002u          /* 198.18.0.2 */
#define SEEN_CAP 4096                /* > records an input of libFuzzer's default max_len can hold */

struct rd {
    const uint8_t *p;
    size_t n;
};

static bool take(struct rd *r, uint8_t *out)
{
    if (r->n == 0)
        return false;
    *out = *r->p++;
    r->n--;
    return true;
}

/* Probes seen leaving and replies accepted, keyed by (dst, ttl, attempt). */
struct seen {
    uint64_t key[SEEN_CAP];
    uint8_t flags[SEEN_CAP];   /* 1: probe seen, 2: reply accepted */
    uint64_t sent_us[SEEN_CAP];
};

static uint64_t key_of(uint32_t dst, uint8_t ttl, uint8_t att)
{
    return ((uint64_t)dst << 16) | ((uint64_t)ttl << 8) | att | (1ull << 60);
}

static size_t slot(struct seen *s, uint64_t k)
{
    size_t i = (size_t)((k * 0x9e3779b97f4a7c15ull) >> 52) % SEEN_CAP;
    while (s->key[i] && s->key[i] != k)
        i = (i + 1) % SEEN_CAP;
    return i;
}

static uint32_t target_addr(uint8_t t)
{
    return 0xaf2db000u + (uint32_t)(t % N_TARGETS) * 37u;   /* 175.45.176.x: parsed, never sent to */
}

/* Capture clocks are not monotonic (files can hold anything, live clocks
 * step): 253 and 254 jump an hour forward and back. */
#define HOUR_US 3600000000ull
static void advance(uint64_t *now, uint8_t dt)
{
    if (dt == 255)
        *now += PM_MATCH_LATE_US + 1000000u;
    else if (dt == 254)
        *now -= HOUR_US;
    else if (dt == 253)
        *now += HOUR_US;
    else
        *now += (uint64_t)dt * 1000u;
}

static void check_event(struct seen *s, enum pm_match_kind k, const struct pm_match_event *ev, uint64_t now)
{
    if (k == PM_MATCH_PROBE) {
        PM_FUZZ_CHECK(ev->target != NULL);
        size_t i = slot(s, key_of(ev->target->dst, ev->ttl, ev->attempt));
        s->key[i] = key_of(ev->target->dst, ev->ttl, ev->attempt);
        s->flags[i] |= 1;
        s->sent_us[i] = now;
    } else if (k == PM_MATCH_REPLY) {
        PM_FUZZ_CHECK(ev->target != NULL);
        size_t i = slot(s, key_of(ev->target->dst, ev->ttl, ev->attempt));
        PM_FUZZ_CHECK(s->flags[i] & 1);        /* answers a probe we saw */
        PM_FUZZ_CHECK(!(s->flags[i] & 2));     /* at most once */
        s->flags[i] |= 2;
        PM_FUZZ_CHECK(ev->reply.recv_us == now);
        PM_FUZZ_CHECK(ev->reply.sent_us <= now);
        PM_FUZZ_CHECK(now - ev->reply.sent_us <= PM_MATCH_LATE_US);  /* never late */
        PM_FUZZ_CHECK(ev->reply.ttl >= 1 && ev->reply.ttl <= PM_TTL_MAX);
    }
}

static const int linktypes[8] = {0, 1, 101, 113, 228, 276, 12, 147};
static const uint8_t err_types[8][2] = {{11, 0}, {11, 1}, {3, 0}, {3, 1}, {3, 3}, {3, 13}, {12, 0}, {4, 0}};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rd r = {data, size};
    uint8_t m, i1, i2;
    if (!take(&r, &m) || !take(&r, &i1) || !take(&r, &i2))
        return 0;
    struct pm_probe_spec spec = {.method = (uint8_t)((m & 0x7f) % 3), .src = VANTAGE,
                                 .ident = (uint16_t)(i1 << 8 | i2), .flow = 0};
    if (spec.ident == 0)
        spec.ident = 1;
    spec.dport = spec.method == PM_METHOD_TCP ? 80 : 33434;
    /* bit 6: a sealed run (a fixed key, so cases replay); a learning
     * matcher then learns it from a start record fed first */
    if (m & 0x40) {
        spec.sealed = true;
        for (int i = 0; i < PM_PROBE_KEY_LEN; i++)
            spec.key[i] = (uint8_t)(i * 29 + i1);
    }
    struct pm_run *run = pm_run_alloc();
    if (!run)
        return 0;
    struct pm_matcher *mt = NULL;
    if (pm_matcher_alloc((m & 0x80) ? NULL : &spec, run, &mt) != PM_OK) {
        pm_run_free(run);
        return 0;
    }
    if ((m & 0xc0) == 0xc0) {
        struct pm_runmeta rec = {.event = PM_RUNMETA_START, .spec = spec, .first_ttl = 1, .max_ttl = 30};
        uint8_t ip[PM_RUNMETA_MAX];
        size_t len;
        struct pm_match_event ev;
        if (pm_runmeta_build(&rec, ip, sizeof ip, &len) == PM_OK)
            PM_FUZZ_CHECK(pm_matcher_frame(mt, ip, len, 101, 1764316800000000ull, &ev) == PM_MATCH_RECORD);
    }
    struct seen *s = calloc(1, sizeof *s);
    if (!s) {
        pm_matcher_free(mt);
        pm_run_free(run);
        return 0;
    }
    uint64_t now = 1764316800000000ull;    /* 2025-11-28, µs */
    uint8_t pkt[FB_MAX], q[FB_MAX];
    uint8_t op;
    while (take(&r, &op)) {
        uint8_t t, ttl, att, dt, a, b, c, d, e;
        struct pm_match_event ev;
        enum pm_match_kind k;
        size_t n;
        switch (op & 3) {
        case 0:
            if (!take(&r, &t) || !take(&r, &ttl) || !take(&r, &att) || !take(&r, &dt))
                goto done;
            advance(&now, dt);
            n = fb_probe(&spec, target_addr(t), (uint8_t)(ttl % PM_TTL_MAX + 1), att % 8, pkt);
            k = pm_matcher_frame(mt, pkt, n, 101, now, &ev);
            break;
        case 1: {
            if (!take(&r, &t) || !take(&r, &ttl) || !take(&r, &att) || !take(&r, &dt) || !take(&r, &a) ||
                !take(&r, &b) || !take(&r, &c) || !take(&r, &d) || !take(&r, &e))
                goto done;
            advance(&now, dt);
            size_t qn = fb_probe(&spec, target_addr(t), (uint8_t)(ttl % PM_TTL_MAX + 1), att % 8, q);
            size_t qlen = b == 0 ? 28 : (size_t)b % (qn + 1);
            if (qlen && d)
                q[c % qlen] ^= d;
            /* op bit 2 sends it to someone else: must be ignored */
            uint32_t to = (op & 4) ? VANTAGE + 1 : VANTAGE;
            n = fb_icmp_error(0xc6126300u | e, to, err_types[a % 8][0], err_types[a % 8][1], q, qlen, pkt);
            k = pm_matcher_frame(mt, pkt, n, 101, now, &ev);
            break;
        }
        case 2:
            if (!take(&r, &t) || !take(&r, &ttl) || !take(&r, &att) || !take(&r, &dt) || !take(&r, &a) ||
                !take(&r, &c) || !take(&r, &d))
                goto done;
            advance(&now, dt);
            n = fb_answer(&spec, target_addr(t), (uint8_t)(ttl % PM_TTL_MAX + 1), att % 8, a, pkt);
            if (d)
                pkt[c % n] ^= d;
            k = pm_matcher_frame(mt, pkt, n, 101, now, &ev);
            break;
        default: {
            if (!take(&r, &a) || !take(&r, &b))
                goto done;
            size_t len = a <= r.n ? a : r.n;
            /* an exact-size copy so reads past the frame are caught */
            uint8_t *f = malloc(len ? len : 1);
            if (!f)
                goto done;
            memcpy(f, r.p, len);
            r.p += len;
            r.n -= len;
            k = pm_matcher_frame(mt, f, len, linktypes[b % 8], now, &ev);
            free(f);
            break;
        }
        }
        PM_FUZZ_CHECK(k == ev.kind);
        check_event(s, k, &ev, now);
        PM_FUZZ_CHECK(pm_matcher_outstanding(mt) <= PM_MATCH_MAX_OUTSTANDING);
    }
done:;
    /* The counters and the model agree; the model is sane after finishing. */
    pm_trace_finish(run, 5);
    uint64_t replies = 0;
    for (uint32_t i = 0; i < run->n_targets; i++) {
        const struct pm_target *tg = &run->targets[i];
        PM_FUZZ_CHECK(tg->n_replies <= PM_TRACE_MAX_REPLIES_PER_TARGET);
        replies += tg->n_replies;
        for (uint32_t j = 0; j < tg->n_replies; j++)
            PM_FUZZ_CHECK(tg->replies[j].ttl >= 1 && tg->replies[j].ttl <= PM_TTL_MAX);
        if (i)
            PM_FUZZ_CHECK(run->targets[i - 1].dst < tg->dst);
    }
    PM_FUZZ_CHECK(replies == run->stats.replies_matched);
    if (getenv("PM_FUZZ_VERBOSE")) {
        const struct pm_run_stats *st = &run->stats;
        fprintf(stderr, "probes %llu matched %llu unknown %llu dup %llu late %llu mismatch %llu malformed %llu\n",
                (unsigned long long)st->probes_captured, (unsigned long long)st->replies_matched,
                (unsigned long long)st->rejected_unknown, (unsigned long long)st->rejected_duplicate,
                (unsigned long long)st->rejected_late, (unsigned long long)st->rejected_mismatch,
                (unsigned long long)st->dropped_malformed);
    }
    free(s);
    pm_matcher_free(mt);
    pm_run_free(run);
    return 0;
}
