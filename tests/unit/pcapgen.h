/* pcapgen.h - writing a pcap byte by byte in unit tests: Ethernet frames of hand-built IPv4 packets, checksums, the file header. */
#ifndef PM_TEST_PCAPGEN_H
#define PM_TEST_PCAPGEN_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct cap {
    FILE *f;
    uint64_t now;    /* µs */
    uint16_t ipid;   /* the vantage's IP ID counter */
};

static inline void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

static inline uint16_t csum(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static inline void le32(FILE *f, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    assert_int_equal(fwrite(b, 1, 4, f), 4);
}

/* One Ethernet frame holding the IPv4 packet ip[0..len), at cap->now. */
static inline void frame(struct cap *c, const uint8_t *ip, size_t len)
{
    le32(c->f, (uint32_t)(c->now / 1000000u));
    le32(c->f, (uint32_t)(c->now % 1000000u));
    le32(c->f, (uint32_t)len + 14);
    le32(c->f, (uint32_t)len + 14);
    static const uint8_t eth[14] = {0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00};
    assert_int_equal(fwrite(eth, 1, sizeof eth, c->f), sizeof eth);
    assert_int_equal(fwrite(ip, 1, len, c->f), len);
}

/* An IPv4 header at p for a payload of n bytes; returns the header length. */
static inline size_t ip_hdr(uint8_t *p, uint32_t src, uint32_t dst, uint8_t proto, uint8_t ttl, uint16_t id, size_t n)
{
    memset(p, 0, 20);
    p[0] = 0x45;
    put16(p + 2, (uint16_t)(20 + n));
    put16(p + 4, id);
    p[8] = ttl;
    p[9] = proto;
    put32(p + 12, src);
    put32(p + 16, dst);
    put16(p + 10, csum(p, 20));
    return 20;
}

/* A pcap file (Ethernet) in a temp file, positioned for frames. */
static inline void pcap_begin(struct cap *c, uint64_t start_us)
{
    c->f = tmpfile();
    c->now = start_us;
    assert_non_null(c->f);
    le32(c->f, 0xa1b2c3d4);
    uint8_t ver[4] = {2, 0, 4, 0};
    assert_int_equal(fwrite(ver, 1, 4, c->f), 4);
    le32(c->f, 0);
    le32(c->f, 0);
    le32(c->f, 65535);
    le32(c->f, 1); /* Ethernet */
}

#endif
