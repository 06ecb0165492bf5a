/* probe_encode.c - the bytes each probe carries: run identity, ttl and attempt where ICMP errors quote them, flow-stable hashed fields. */
#include <string.h>

#include "pathmortem/match.h"

/* A small keyed mix (splitmix64 finaliser): the check bits and the per-flow
 * constants must look random to a forger but be cheap and deterministic. */
static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

uint16_t pm_probe_word(const struct pm_probe_spec *spec, uint32_t dst, uint8_t ttl, uint8_t attempt)
{
    uint64_t h = mix64(((uint64_t)spec->ident << 48) ^ ((uint64_t)dst << 8) ^ ((uint64_t)ttl << 3) ^ attempt);
    uint16_t check = (uint16_t)((h & 0x7f) | 1); /* odd: the word is never 0x0000 */
    uint16_t word = (uint16_t)(((ttl - 1u) & 0x3f) << 10 | (attempt & 7u) << 7 | check);
    if (word == 0xffff) /* a UDP checksum of 0xffff would be sent as 0: keep it decodable */
        word = 0xfffd;
    return word;
}

void pm_probe_word_split(uint16_t word, uint8_t *ttl, uint8_t *attempt)
{
    *ttl = (uint8_t)((word >> 10) + 1);
    *attempt = (uint8_t)((word >> 7) & 7);
}

/* Ones-complement arithmetic for checksum fixing, on wire's RFC 1071 sum. */
static uint16_t oc_add(uint16_t a, uint16_t b)
{
    return pm_wire_fold((uint32_t)a + b);
}

static uint16_t oc_sub(uint16_t a, uint16_t b)
{
    return oc_add(a, (uint16_t)~b);
}

static uint16_t sum_words(const uint8_t *p, size_t n)
{
    return pm_wire_fold(pm_wire_sum(p, n, 0));
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

/* Source port: constant per (run, flow) for Paris probing. */
static uint16_t flow_port(const struct pm_probe_spec *spec)
{
    return (uint16_t)(33000 + mix64(((uint64_t)spec->ident << 16) | spec->flow) % 28000);
}

static const uint8_t filler[PM_PROBE_PAYLOAD_LEN - 2] = "pathmortem";

/* Chooses payload[0..1] so that the checksum over header+payload comes out
 * as `want`: the sum of all words (checksum field excluded) must be ~want. */
static void fix_checksum(uint8_t *payload, uint16_t sum_without_fix, uint16_t want)
{
    uint16_t fix = oc_sub((uint16_t)~want, sum_without_fix);
    put16(payload, fix);
}

void pm_probe_encode(const struct pm_probe_spec *spec, uint32_t dst, uint8_t ttl, uint8_t attempt,
                     struct pm_probe *out)
{
    memset(out, 0, sizeof *out);
    out->dst = dst;
    out->ttl = ttl;
    out->attempt = attempt;
    out->ip_id = spec->ident;
    memcpy(out->payload + 2, filler, sizeof filler);
    uint16_t word = pm_probe_word(spec, dst, ttl, attempt);
    uint16_t index = (uint16_t)(((ttl - 1u) & 0x3f) * PM_PROBE_MAX_ATTEMPTS + (attempt & 7u));

    switch (spec->method) {
    case PM_METHOD_ICMP: {
        uint8_t *h = out->l4;
        h[0] = PM_ICMP_ECHO;
        h[1] = 0;
        put16(h + 4, spec->ident);
        put16(h + 6, word);
        uint16_t s = oc_add(sum_words(h, 8), sum_words(out->payload + 2, sizeof filler));
        /* Paris: constant checksum per flow; classic: whatever falls out */
        uint16_t want = (uint16_t)(0x1000 + mix64(((uint64_t)spec->ident << 20) ^ spec->flow) % 0xe000);
        if (spec->classic)
            put16(out->payload, 0);
        else
            fix_checksum(out->payload, s, want);
        uint16_t total = oc_add(s, sum_words(out->payload, 2));
        put16(h + 2, (uint16_t)~total);
        break;
    }
    case PM_METHOD_UDP: {
        uint8_t *h = out->l4;
        out->sport = flow_port(spec);
        out->dport = spec->classic ? (uint16_t)(spec->dport + index) : spec->dport;
        uint16_t len = 8 + PM_PROBE_PAYLOAD_LEN;
        put16(h, out->sport);
        put16(h + 2, out->dport);
        put16(h + 4, len);
        /* pseudo header + header (checksum 0) + payload must sum to ~word */
        uint8_t pseudo[12];
        put32(pseudo, spec->src);
        put32(pseudo + 4, dst);
        pseudo[8] = 0;
        pseudo[9] = PM_PROTO_UDP;
        put16(pseudo + 10, len);
        uint16_t s = oc_add(sum_words(pseudo, 12), sum_words(h, 8));
        s = oc_add(s, sum_words(out->payload + 2, sizeof filler));
        fix_checksum(out->payload, s, word);
        put16(h + 6, word);
        break;
    }
    case PM_METHOD_TCP: {
        uint8_t *h = out->l4;
        out->sport = spec->classic ? (uint16_t)(flow_port(spec) + index) : flow_port(spec);
        out->dport = spec->dport;
        out->tcp_seq = (uint32_t)spec->ident << 16 | word;
        put16(h, out->sport);
        put16(h + 2, out->dport);
        put32(h + 4, out->tcp_seq);
        break;
    }
    }
}
