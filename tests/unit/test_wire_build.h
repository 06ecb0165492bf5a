/* test_wire_build.h - composes packets byte by byte (with correct checksums) for the wire decoder tests. */
#ifndef PM_TEST_WIRE_BUILD_H
#define PM_TEST_WIRE_BUILD_H

#include <stdint.h>
#include <string.h>

#include "pathmortem/wire.h"

/* Test addresses: the vantage and routers come from the lab range, the
 * target is Star JV space (parsed only, never sent to). */
#define TB_VANTAGE 0xc6120002u /* 198.18.0.2 */
#define TB_ROUTER 0xc6120501u  /* 198.18.5.1 */
#define TB_TARGET 0xaf2db00fu  /* 175.45.176.15 */

struct tb {
    uint8_t d[2048];
    size_t n;
};

static inline void tb_u8(struct tb *b, uint8_t v)
{
    b->d[b->n++] = v;
}

static inline void tb_u16(struct tb *b, uint16_t v)
{
    tb_u8(b, (uint8_t)(v >> 8));
    tb_u8(b, (uint8_t)v);
}

static inline void tb_u32(struct tb *b, uint32_t v)
{
    tb_u16(b, (uint16_t)(v >> 16));
    tb_u16(b, (uint16_t)v);
}

static inline void tb_put16(struct tb *b, size_t at, uint16_t v)
{
    b->d[at] = (uint8_t)(v >> 8);
    b->d[at + 1] = (uint8_t)v;
}

static inline void tb_zero(struct tb *b, size_t n)
{
    memset(b->d + b->n, 0, n);
    b->n += n;
}

static inline void tb_bytes(struct tb *b, const uint8_t *p, size_t n)
{
    memcpy(b->d + b->n, p, n);
    b->n += n;
}

/* Checksum of b[at..end) written at b[at+off]. */
static inline void tb_csum(struct tb *b, size_t at, size_t end, size_t off)
{
    tb_put16(b, at + off, 0);
    tb_put16(b, at + off, (uint16_t)~pm_wire_fold(pm_wire_sum(b->d + at, end - at, 0)));
}

/* IPv4 header with optlen bytes of options (NOP-padded record route style
 * filler); returns its offset. Finish with tb_ip_end once the payload is in. */
static inline size_t tb_ip(struct tb *b, uint8_t proto, uint32_t src, uint32_t dst, uint8_t ttl,
                           uint16_t id, size_t optlen)
{
    size_t at = b->n;
    tb_u8(b, (uint8_t)(0x40 | ((20 + optlen) / 4)));
    tb_u8(b, 0);
    tb_u16(b, 0); /* total length: tb_ip_end */
    tb_u16(b, id);
    tb_u16(b, 0x4000); /* DF */
    tb_u8(b, ttl);
    tb_u8(b, proto);
    tb_u16(b, 0);
    tb_u32(b, src);
    tb_u32(b, dst);
    for (size_t i = 0; i < optlen; i++)
        tb_u8(b, i + 1 == optlen ? 0 /* EOL */ : 1 /* NOP */);
    return at;
}

static inline void tb_ip_end(struct tb *b, size_t at)
{
    tb_put16(b, at + 2, (uint16_t)(b->n - at));
    size_t ihl = (size_t)(b->d[at] & 0x0f) * 4;
    tb_csum(b, at, at + ihl, 10);
}

static inline size_t tb_icmp(struct tb *b, uint8_t type, uint8_t code, uint16_t w1, uint16_t w2)
{
    size_t at = b->n;
    tb_u8(b, type);
    tb_u8(b, code);
    tb_u16(b, 0);
    tb_u16(b, w1);
    tb_u16(b, w2);
    return at;
}

static inline void tb_icmp_end(struct tb *b, size_t at)
{
    tb_csum(b, at, b->n, 2);
}

static inline void tb_udp(struct tb *b, uint16_t sport, uint16_t dport, size_t payload)
{
    tb_u16(b, sport);
    tb_u16(b, dport);
    tb_u16(b, (uint16_t)(8 + payload));
    tb_u16(b, 0xbeef);
    tb_zero(b, payload);
}

static inline void tb_tcp(struct tb *b, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                          uint8_t flags, size_t optlen)
{
    tb_u16(b, sport);
    tb_u16(b, dport);
    tb_u32(b, seq);
    tb_u32(b, ack);
    tb_u8(b, (uint8_t)(((20 + optlen) / 4) << 4));
    tb_u8(b, flags);
    tb_u16(b, 65535);
    tb_u16(b, 0xcafe);
    tb_u16(b, 0);
    for (size_t i = 0; i < optlen; i++)
        tb_u8(b, 1);
}

/* Probes as the engine sends them. */
static inline void tb_probe_udp(struct tb *b, size_t payload)
{
    size_t ip = tb_ip(b, PM_PROTO_UDP, TB_VANTAGE, TB_TARGET, 1, 0x1234, 0);
    tb_udp(b, 40000, 33435, payload);
    tb_ip_end(b, ip);
}

static inline void tb_probe_icmp(struct tb *b, size_t payload)
{
    size_t ip = tb_ip(b, PM_PROTO_ICMP, TB_VANTAGE, TB_TARGET, 1, 0x1234, 0);
    size_t ic = tb_icmp(b, PM_ICMP_ECHO, 0, 0x4242, 7);
    tb_zero(b, payload);
    tb_icmp_end(b, ic);
    tb_ip_end(b, ip);
}

static inline void tb_probe_tcp(struct tb *b, size_t optlen)
{
    size_t ip = tb_ip(b, PM_PROTO_TCP, TB_VANTAGE, TB_TARGET, 1, 0x1234, 0);
    tb_tcp(b, 40000, 80, 0x01020304u, 0, PM_TCP_SYN, optlen);
    tb_ip_end(b, ip);
}

/* RFC 4884 extension: header, then objects appended with tb_ext_mpls. */
static inline size_t tb_ext(struct tb *b)
{
    size_t at = b->n;
    tb_u16(b, 0x2000);
    tb_u16(b, 0);
    return at;
}

static inline void tb_ext_mpls(struct tb *b, const uint32_t *labels, size_t n)
{
    tb_u16(b, (uint16_t)(4 + 4 * n));
    tb_u8(b, 1);
    tb_u8(b, 1);
    for (size_t i = 0; i < n; i++)
        tb_u32(b, (labels[i] << 12) | (5u << 9) | (i + 1 == n ? 0x100u : 0) | (uint32_t)(250 - i));
}

static inline void tb_ext_end(struct tb *b, size_t at)
{
    tb_csum(b, at, b->n, 2);
}

/* How the ICMP error carries the probe. */
enum tb_quote_style {
    TB_QUOTE_28,        /* RFC 792: IP header + 8 bytes */
    TB_QUOTE_WHOLE,     /* RFC 1812: as much as fits */
    TB_QUOTE_RFC4884,   /* length attribute set, padded to 128, extension follows */
    TB_QUOTE_LEGACY128  /* length 0, padded to 128, extension follows */
};

/* An ICMP error from TB_ROUTER to TB_VANTAGE quoting probe q (qlen bytes
 * of it, 0 = style default), with an MPLS extension of nlab labels when the
 * style carries one; outer_opt bytes of IP options on the outer header. */
static inline void tb_error(struct tb *b, uint8_t type, uint8_t code, const struct tb *q, size_t qlen,
                            enum tb_quote_style style, const uint32_t *labels, size_t nlab,
                            size_t outer_opt)
{
    size_t ip = tb_ip(b, PM_PROTO_ICMP, TB_ROUTER, TB_VANTAGE, 250, 0x9999, outer_opt);
    size_t ic = tb_icmp(b, type, code, 0, 0);
    if (qlen == 0)
        qlen = style == TB_QUOTE_28 ? (size_t)(q->d[0] & 0x0f) * 4 + 8 : q->n;
    if (qlen > q->n)
        qlen = q->n;
    tb_bytes(b, q->d, qlen);
    if (style == TB_QUOTE_RFC4884 || style == TB_QUOTE_LEGACY128) {
        size_t padded = qlen < 128 ? 128 : (qlen + 3) / 4 * 4;
        tb_zero(b, padded - qlen);
        if (style == TB_QUOTE_RFC4884)
            b->d[ic + 5] = (uint8_t)(padded / 4);
        size_t ex = tb_ext(b);
        if (nlab)
            tb_ext_mpls(b, labels, nlab);
        tb_ext_end(b, ex);
    }
    tb_icmp_end(b, ic);
    tb_ip_end(b, ip);
}

#endif
