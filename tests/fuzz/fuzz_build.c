/* fuzz_build.c - packet builders for the matcher fuzzer and the seed generator (checksums correct, so only the fuzzer's mutations are wrong). */
#include <string.h>

#include "fuzz_build.h"
#include "pathmortem/wire.h"

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

static uint16_t csum(const uint8_t *p, size_t n)
{
    return (uint16_t)~pm_wire_fold(pm_wire_sum(p, n, 0));
}

/* 20-byte header; total length and checksum filled in. */
static void ip_header(uint8_t *b, uint8_t proto, uint32_t src, uint32_t dst, uint8_t ttl, uint16_t id,
                      size_t total)
{
    memset(b, 0, 20);
    b[0] = 0x45;
    put16(b + 2, (uint16_t)total);
    put16(b + 4, id);
    put16(b + 6, 0x4000);
    b[8] = ttl;
    b[9] = proto;
    put32(b + 12, src);
    put32(b + 16, dst);
    put16(b + 10, csum(b, 20));
}

size_t fb_probe(const struct pm_probe_spec *spec, uint32_t dst, uint8_t ttl, uint8_t attempt, uint8_t *buf)
{
    struct pm_probe p;
    pm_probe_encode(spec, dst, ttl, attempt, &p);
    size_t n = 20;
    uint8_t proto = spec->method == PM_METHOD_ICMP ? PM_PROTO_ICMP
                    : spec->method == PM_METHOD_UDP ? PM_PROTO_UDP
                                                    : PM_PROTO_TCP;
    memcpy(buf + n, p.l4, 8);
    n += 8;
    if (spec->method == PM_METHOD_TCP) {
        memset(buf + n, 0, 12);
        buf[n + 4] = 0x50;          /* data offset 5 */
        buf[n + 5] = PM_TCP_SYN;
        put16(buf + n + 6, 65535);
        n += 12;
    } else {
        memcpy(buf + n, p.payload, PM_PROBE_PAYLOAD_LEN);
        n += PM_PROBE_PAYLOAD_LEN;
    }
    ip_header(buf, proto, spec->src, dst, ttl, p.ip_id, n);
    return n;
}

size_t fb_icmp_error(uint32_t from, uint32_t to, uint8_t type, uint8_t code, const uint8_t *q, size_t qlen,
                     uint8_t *buf)
{
    if (qlen > FB_MAX - 28)
        qlen = FB_MAX - 28;
    uint8_t *ic = buf + 20;
    memset(ic, 0, 8);
    ic[0] = type;
    ic[1] = code;
    memcpy(ic + 8, q, qlen);
    put16(ic + 2, csum(ic, 8 + qlen));
    ip_header(buf, PM_PROTO_ICMP, from, to, 250, 0x7777, 28 + qlen);
    return 28 + qlen;
}

size_t fb_answer(const struct pm_probe_spec *spec, uint32_t dst, uint8_t ttl, uint8_t attempt, uint8_t tcp_flags,
                 uint8_t *buf)
{
    struct pm_probe p;
    pm_probe_encode(spec, dst, ttl, attempt, &p);
    uint8_t *l4 = buf + 20;
    size_t n;
    if (spec->method == PM_METHOD_TCP) {
        memset(l4, 0, 20);
        put16(l4, p.dport);
        put16(l4 + 2, p.sport);
        put32(l4 + 4, 0x11223344u);
        put32(l4 + 8, p.tcp_seq + 1);
        l4[12] = 0x50;
        l4[13] = tcp_flags;
        n = 20;
        ip_header(buf, PM_PROTO_TCP, dst, spec->src, 60, 0x5555, 20 + n);
    } else {
        /* echo reply (for udp probes this is not what a target sends; the
         * matcher must ignore it, which is worth exercising too) */
        memcpy(l4, p.l4, 8);
        memcpy(l4 + 8, p.payload, PM_PROBE_PAYLOAD_LEN);
        l4[0] = PM_ICMP_ECHOREPLY;
        put16(l4 + 2, 0);
        n = 8 + PM_PROBE_PAYLOAD_LEN;
        put16(l4 + 2, csum(l4, n));
        ip_header(buf, PM_PROTO_ICMP, dst, spec->src, 60, 0x5555, 20 + n);
    }
    return 20 + n;
}
