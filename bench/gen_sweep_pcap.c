/* gen_sweep_pcap.c - writes a synthetic pcap of a large ICMP sweep (probes and their replies) encoded exactly as pathmortem encodes probes. */
/*
 * usage: gen_sweep_pcap OUT.pcap TARGETS HOPS [ATTEMPTS [DUPS]]
 *
 *   TARGETS   number of targets, a power of two in [256, 1048576], counted up
 *             from 10.0.0.0 (offline only: nothing is ever sent)
 *   HOPS      path length in [2, 30]: TTLs 1..HOPS-1 expire at routers, the
 *             probe with TTL HOPS reaches the target (echo reply)
 *   ATTEMPTS  probes per (target, TTL), each answered (default 1, at most 8):
 *             retries that got answers
 *   DUPS      copies of every reply (default 1, at most 16): duplicates the
 *             matcher must reject
 *
 * Probes come from 198.18.0.2 with a fixed run identity and pathmortem's own
 * probe_encode (linked from libpm_match.a), so `pathmortem analyze` accepts
 * every reply. Routers: hop h of target i is router (i >> shift) where each
 * deeper hop fans out four times, down to one router per /24 of targets, at
 * 172.(16+h).x.y. Time-exceeded messages quote the whole 40-byte probe as it
 * arrived (TTL 1), as Linux routers do. (target, TTL) pairs go out in a
 * scrambled order, 64 probes then their 64 replies, 50k probes/s of
 * capture time, timestamps never decreasing.
 * Prints the number of packets, of (target, TTL) pairs and of distinct addresses.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathmortem/match.h"

#define SRC_ADDR 0xc6120002u /* 198.18.0.2 */
#define TARGET_BASE 0x0a000000u /* 10.0.0.0 */
#define IDENT 0x4ebd
#define BATCH 64
#define PROBE_LEN 40
#define FRAME_MAX 128

static const uint8_t mac_vp[6] = {0x0a, 0xc1, 0xda, 0x47, 0x44, 0xb1};
static const uint8_t mac_gw[6] = {0x82, 0x6b, 0x84, 0xdc, 0x58, 0x3b};

struct out {
    FILE *f;
    uint64_t packets;
};

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

static void putle32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t csum(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)(p[n - 1] << 8);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static void ip_header(uint8_t *ip, uint16_t len, uint16_t id, uint8_t ttl, uint32_t src, uint32_t dst)
{
    memset(ip, 0, 20);
    ip[0] = 0x45;
    put16(ip + 2, len);
    put16(ip + 4, id);
    ip[8] = ttl;
    ip[9] = 1; /* ICMP */
    put32(ip + 12, src);
    put32(ip + 16, dst);
    put16(ip + 10, csum(ip, 20));
}

static int frame(struct out *o, uint64_t ts_us, const uint8_t *dst_mac, const uint8_t *src_mac, const uint8_t *ip,
                 size_t ip_len)
{
    uint8_t rec[16 + 14 + FRAME_MAX];
    size_t len = 14 + ip_len;
    putle32(rec, (uint32_t)(ts_us / 1000000u));
    putle32(rec + 4, (uint32_t)(ts_us % 1000000u));
    putle32(rec + 8, (uint32_t)len);
    putle32(rec + 12, (uint32_t)len);
    memcpy(rec + 16, dst_mac, 6);
    memcpy(rec + 22, src_mac, 6);
    put16(rec + 28, 0x0800);
    memcpy(rec + 30, ip, ip_len);
    o->packets++;
    return fwrite(rec, 1, 16 + len, o->f) == 16 + len ? 0 : -1;
}

/* The probe's IP packet (40 bytes) as pathmortem sends it. */
static void probe_packet(const struct pm_probe_spec *spec, uint32_t dst, uint8_t ttl, uint8_t attempt, uint8_t *ip)
{
    struct pm_probe p;
    pm_probe_encode(spec, dst, ttl, attempt, &p);
    ip_header(ip, PROBE_LEN, p.ip_id, ttl, spec->src, dst);
    memcpy(ip + 20, p.l4, 8);
    memcpy(ip + 28, p.payload, PM_PROBE_PAYLOAD_LEN);
}

static uint32_t router_addr(uint32_t target_index, unsigned bits, unsigned hop)
{
    /* hop 1: one router; each hop deeper: four times as many, at most one per /24 */
    unsigned shift = 2 * (hop - 1) >= bits ? 0 : bits - 2 * (hop - 1);
    if (shift < 8)
        shift = 8;
    uint32_t idx = target_index >> shift;
    return (172u << 24) | ((16u + hop) << 16) | (idx & 0xffffu);
}

/* Reply to a probe: time-exceeded quoting it, or the target's echo reply. */
static size_t reply_packet(const uint8_t *probe, uint32_t dst, unsigned ttl, unsigned hops, uint32_t router,
                           uint16_t id, uint8_t *ip)
{
    uint8_t rttl = (uint8_t)(64 - (ttl - 1));
    if (ttl < hops) {
        uint8_t quoted[PROBE_LEN];
        memcpy(quoted, probe, PROBE_LEN);
        quoted[8] = 1; /* as it arrived at the router */
        put16(quoted + 10, 0);
        put16(quoted + 10, csum(quoted, 20));
        size_t len = 20 + 8 + PROBE_LEN;
        ip_header(ip, (uint16_t)len, id, rttl, router, SRC_ADDR);
        uint8_t *icmp = ip + 20;
        memset(icmp, 0, 8);
        icmp[0] = 11;
        memcpy(icmp + 8, quoted, PROBE_LEN);
        put16(icmp + 2, csum(icmp, 8 + PROBE_LEN));
        return len;
    }
    ip_header(ip, PROBE_LEN, id, rttl, dst, SRC_ADDR);
    memcpy(ip + 20, probe + 20, PROBE_LEN - 20);
    ip[20] = 0; /* echo reply */
    put16(ip + 22, 0);
    put16(ip + 22, csum(ip + 20, PROBE_LEN - 20));
    return PROBE_LEN;
}

struct pending {
    uint32_t dst, router;
    uint8_t ttl;
    uint8_t probe[PROBE_LEN];
};

/* The replies to a batch of probes, each DUPS times, after the probes. */
static int flush(struct out *o, const struct pending *batch, int nb, unsigned hops, unsigned long dups, uint16_t *rid,
                 uint64_t *ts)
{
    for (int i = 0; i < nb; i++) {
        uint8_t ip[FRAME_MAX];
        size_t len = reply_packet(batch[i].probe, batch[i].dst, batch[i].ttl, hops, batch[i].router, (*rid)++, ip);
        for (unsigned long d = 0; d < dups; d++) {
            *ts += 1;
            if (frame(o, *ts, mac_vp, mac_gw, ip, len))
                return -1;
        }
    }
    return 0;
}

static int parse(const char *s, unsigned long lo, unsigned long hi, unsigned long *v)
{
    char *end;
    *v = strtoul(s, &end, 10);
    return *s && !*end && *v >= lo && *v <= hi ? 0 : -1;
}

int main(int argc, char **argv)
{
    unsigned long n, hops, attempts = 1, dups = 1;
    if (argc < 4 || argc > 6 || parse(argv[2], 256, 1u << 20, &n) || (n & (n - 1)) ||
        parse(argv[3], 2, 30, &hops) || (argc > 4 && parse(argv[4], 1, PM_PROBE_MAX_ATTEMPTS, &attempts)) ||
        (argc > 5 && parse(argv[5], 1, 16, &dups))) {
        fprintf(stderr, "usage: gen_sweep_pcap OUT.pcap TARGETS(power of 2, 256..1048576) HOPS(2..30) "
                        "[ATTEMPTS(1..8) [DUPS(1..16)]]\n");
        return 64;
    }
    unsigned bits = 0;
    while ((1ul << bits) < n)
        bits++;
    struct out o = {.f = fopen(argv[1], "wb")};
    if (!o.f) {
        perror(argv[1]);
        return 73;
    }
    static char buf[1 << 20];
    setvbuf(o.f, buf, _IOFBF, sizeof buf);
    uint8_t gh[24] = {0};
    putle32(gh, 0xa1b2c3d4u);
    gh[4] = 2;
    gh[6] = 4;
    putle32(gh + 16, 262144);
    putle32(gh + 20, 1); /* Ethernet, as a live capture on a lab veth */
    if (fwrite(gh, 1, sizeof gh, o.f) != sizeof gh) {
        perror(argv[1]);
        return 74;
    }
    struct pm_probe_spec spec = {.method = PM_METHOD_ICMP, .src = SRC_ADDR, .ident = IDENT};

    /* pairs: index = target * hops + (ttl - 1); a full-period LCG over the
     * next power of two scrambles them, values beyond the range are skipped */
    uint64_t pairs = (uint64_t)n * hops, m = 1;
    while (m < pairs)
        m <<= 1;
    uint64_t x = 12345 % m, ts = 1795850000ull * 1000000u;
    uint16_t rid = 1;
    uint64_t done = 0;
    struct pending batch[BATCH];
    int nb = 0;
    for (uint64_t step = 0; step < m; step++) {
        x = (x * 6364136223846793005ull + 1442695040888963407ull) & (m - 1);
        if (x >= pairs)
            continue;
        uint32_t ti = (uint32_t)(x / hops);
        uint8_t ttl = (uint8_t)(x % hops + 1);
        for (uint8_t a = 0; a < attempts; a++) {
            struct pending *b = &batch[nb++];
            b->dst = TARGET_BASE + ti;
            b->router = router_addr(ti, bits, ttl);
            b->ttl = ttl;
            probe_packet(&spec, b->dst, ttl, a, b->probe);
            ts += 20; /* 50k probes per second */
            if (frame(&o, ts, mac_gw, mac_vp, b->probe, PROBE_LEN))
                goto io;
            done++;
            if (nb == BATCH) {
                if (flush(&o, batch, nb, (unsigned)hops, dups, &rid, &ts))
                    goto io;
                nb = 0;
            }
        }
    }
    if (nb && flush(&o, batch, nb, (unsigned)hops, dups, &rid, &ts))
        goto io;
    if (fclose(o.f) != 0) {
        o.f = NULL;
        goto io;
    }
    /* routers: sum over hops of the distinct router indexes at that hop */
    uint64_t routers = 0;
    for (unsigned h = 1; h < hops; h++) {
        unsigned shift = 2 * (h - 1) >= bits ? 0 : bits - 2 * (h - 1);
        if (shift < 8)
            shift = 8;
        routers += shift >= bits ? 1 : (1ull << (bits - shift));
    }
    printf("packets=%llu probes=%llu pairs=%llu targets=%lu routers=%llu addresses=%llu\n",
           (unsigned long long)o.packets, (unsigned long long)done, (unsigned long long)pairs, n,
           (unsigned long long)routers, (unsigned long long)(n + routers + 1));
    return 0;
io:
    perror(argv[1]);
    return 74;
}
