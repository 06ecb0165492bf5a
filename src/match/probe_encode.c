/* probe_encode.c - the bytes each probe carries: run identity, ttl and attempt where ICMP errors quote them, sealed with the run's secret. */
#include <sodium.h>
#include <string.h>

#include "pathmortem/match.h"

/* What each MAC is computed for: one domain byte per use, so the check bits,
 * the flow constants and the payload tag are independent values. */
enum seal_domain { SEAL_CHECK = 1, SEAL_FLOW = 2 };

int pm_probe_spec_seal(struct pm_probe_spec *spec)
{
    if (sodium_init() < 0)
        return PM_EIO;
    randombytes_buf(spec->key, sizeof spec->key);
    spec->sealed = true;
    return PM_OK;
}

static void seal_msg(const struct pm_probe_spec *spec, enum seal_domain d, uint32_t dst, uint8_t ttl, uint8_t attempt,
                     uint8_t msg[16])
{
    const uint8_t m[16] = {(uint8_t)d, spec->method, (uint8_t)(spec->ident >> 8), (uint8_t)spec->ident,
                           (uint8_t)(spec->dport >> 8), (uint8_t)spec->dport, (uint8_t)(spec->flow >> 8),
                           (uint8_t)spec->flow, spec->classic, (uint8_t)(dst >> 24), (uint8_t)(dst >> 16),
                           (uint8_t)(dst >> 8), (uint8_t)dst, ttl, attempt, 0};
    memcpy(msg, m, 16);
}

static uint64_t be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/* SipHash-2-4 (libsodium crypto_shorthash) over everything that names the
 * probe and its run: method, identity, destination port, flow, classic,
 * destination, ttl and attempt. */
static uint64_t seal(const struct pm_probe_spec *spec, enum seal_domain d, uint32_t dst, uint8_t ttl, uint8_t attempt)
{
    uint8_t msg[16], out[crypto_shorthash_BYTES];
    seal_msg(spec, d, dst, ttl, attempt, msg);
    crypto_shorthash(out, msg, sizeof msg, spec->key);
    return be64(out);
}

/* The per-probe MAC, 128 bits in one call (SipHash-2-4 with a 128-bit
 * output, crypto_shorthash_siphashx24): the check bits come from the first
 * half, the payload tag is the second, so a probe costs two SipHash calls
 * (this and the flow constant), a reply check the same. */
static void seal_probe(const struct pm_probe_spec *spec, uint32_t dst, uint8_t ttl, uint8_t attempt, uint64_t *check,
                       uint64_t *tag)
{
    uint8_t msg[16], out[crypto_shorthash_siphashx24_BYTES];
    seal_msg(spec, SEAL_CHECK, dst, ttl, attempt, msg);
    crypto_shorthash_siphashx24(out, msg, sizeof msg, spec->key);
    *check = be64(out);
    *tag = be64(out + 8);
}

/* The unsealed encoding of captures written before the seal (splitmix64
 * finaliser, no secret): kept so those captures still analyse. */
static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* The word from the check half of the per-probe MAC. */
static uint16_t sealed_word(uint8_t ttl, uint8_t attempt, uint64_t check)
{
    uint16_t head = (uint16_t)(((ttl - 1u) & 0x3f) << 10 | (attempt & 7u) << 7);
    uint16_t word = (uint16_t)(head | (check & 0x7f));
    /* 0 means "no checksum" to UDP and 0xffff is sent as 0: keep both
     * decodable (two of the 512 slots then have 127 check values). */
    if (word == 0x0000)
        word = 0x0001;
    else if (word == 0xffff)
        word = 0xfffe;
    return word;
}

uint16_t pm_probe_word(const struct pm_probe_spec *spec, uint32_t dst, uint8_t ttl, uint8_t attempt)
{
    if (spec->sealed) {
        uint64_t check, tag;
        seal_probe(spec, dst, ttl, attempt, &check, &tag);
        return sealed_word(ttl, attempt, check);
    }
    uint16_t head = (uint16_t)(((ttl - 1u) & 0x3f) << 10 | (attempt & 7u) << 7);
    uint64_t h = mix64(((uint64_t)spec->ident << 48) ^ ((uint64_t)dst << 8) ^ ((uint64_t)ttl << 3) ^ attempt);
    uint16_t word = (uint16_t)(head | ((h & 0x7f) | 1));
    if (word == 0xffff)
        word = 0xfffd;
    return word;
}

void pm_probe_word_split(uint16_t word, uint8_t *ttl, uint8_t *attempt)
{
    *ttl = (uint8_t)((word >> 10) + 1);
    *attempt = (uint8_t)((word >> 7) & 7);
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

/* The flow's keyed constants: the UDP/TCP source port and the ICMP checksum
 * stay the same for every probe of a flow (Paris) yet are unknown to a
 * forger. */
static uint64_t flow_value(const struct pm_probe_spec *spec, unsigned salt)
{
    if (spec->sealed)
        return seal(spec, SEAL_FLOW, 0, (uint8_t)salt, 0);
    return salt == 0 ? mix64(((uint64_t)spec->ident << 16) | spec->flow)
                     : mix64(((uint64_t)spec->ident << 20) ^ spec->flow);
}

static uint16_t flow_port(const struct pm_probe_spec *spec)
{
    return (uint16_t)(33000 + flow_value(spec, 0) % 28000);
}

static const uint8_t filler[PM_PROBE_PAYLOAD_LEN - 2] = "pathmortem";

/* payload[2..]: "pm" and the 8-byte per-probe tag (sealed), or the old filler. */
static void fill_payload(const struct pm_probe_spec *spec, uint64_t tag, uint8_t *payload)
{
    if (!spec->sealed) {
        memcpy(payload + 2, filler, sizeof filler);
        return;
    }
    payload[2] = 'p';
    payload[3] = 'm';
    put32(payload + 4, (uint32_t)(tag >> 32));
    put32(payload + 8, (uint32_t)tag);
}

/* Chooses payload[0..1] so that the checksum over everything comes out as
 * `want`: `sum` is the running sum of all words but the fix and the field. */
static void fix_checksum(uint8_t *payload, uint32_t sum, uint16_t want)
{
    /* fix + sum must fold to ~want: fix = ~want - sum in ones' complement */
    uint16_t s = pm_wire_fold(sum);
    uint16_t fix = pm_wire_fold((uint32_t)(uint16_t)~want + (uint16_t)~s);
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
    uint16_t word;
    uint64_t check = 0, tag = 0;
    if (spec->sealed) {
        seal_probe(spec, dst, ttl, attempt, &check, &tag);
        word = sealed_word(ttl, attempt, check);
    } else {
        word = pm_probe_word(spec, dst, ttl, attempt);
    }
    fill_payload(spec, tag, out->payload);
    uint16_t index = (uint16_t)(((ttl - 1u) & 0x3f) * PM_PROBE_MAX_ATTEMPTS + (attempt & 7u));
    const size_t rest = PM_PROBE_PAYLOAD_LEN - 2;

    switch (spec->method) {
    case PM_METHOD_ICMP: {
        uint8_t *h = out->l4;
        h[0] = PM_ICMP_ECHO;
        h[1] = 0;
        put16(h + 4, spec->ident);
        put16(h + 6, word);
        uint32_t s = pm_wire_sum(out->payload + 2, rest, pm_wire_sum(h, 8, 0));
        if (spec->classic) {
            /* classic: the checksum falls out of the content, so key the
             * fix bytes per probe to keep it unknown to a forger */
            uint16_t fix = spec->sealed ? (uint16_t)(check >> 32) : 0;
            put16(out->payload, fix);
        } else {
            /* Paris: one checksum per flow, keyed */
            uint16_t want = (uint16_t)(0x1000 + flow_value(spec, 1) % 0xe000);
            fix_checksum(out->payload, s, want);
        }
        put16(h + 2, (uint16_t)~pm_wire_fold(pm_wire_sum(out->payload, 2, s)));
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
        uint32_t s = pm_wire_sum(out->payload + 2, rest, pm_wire_sum(h, 8, pm_wire_sum(pseudo, 12, 0)));
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
