/* test_wire_ip.c - IPv4 header rules (version, IHL, total length, options, fragments), full UDP/TCP headers and the RFC 1071 checksum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "test_wire_build.h"

static int decode(const struct tb *b, size_t len, struct pm_packet *p, enum pm_wire_drop *why)
{
    return pm_wire_decode_ip(b->d, len, p, why);
}

static struct tb udp_packet(size_t optlen, size_t payload)
{
    struct tb b = {0};
    size_t ip = tb_ip(&b, PM_PROTO_UDP, TB_TARGET, TB_VANTAGE, 50, 4, optlen);
    tb_udp(&b, 53, 40000, payload);
    tb_ip_end(&b, ip);
    return b;
}

/* The plain RFC 1071 loop, one 16-bit word at a time, folded. */
static uint16_t ref_sum(const uint8_t *p, size_t len)
{
    uint64_t acc = 0;
    size_t i = 0;
    for (; i + 1 < len; i += 2)
        acc += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (i < len)
        acc += (uint32_t)p[i] << 8;
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)acc;
}

/* pm_wire_sum adds 32 bits at a time: folded, it equals the word-by-word
 * sum for every length and alignment, chained over even pieces too, and
 * all-zero data still folds to 0 (not 0xffff). */
static void checksum_matches_the_word_loop(void **state)
{
    (void)state;
    uint8_t buf[1100];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof buf; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 16);
    }
    for (size_t off = 0; off < 4; off++)
        for (size_t len = 0; len <= 1096; len += len < 64 ? 1 : 37) {
            assert_int_equal(pm_wire_fold(pm_wire_sum(buf + off, len, 0)), ref_sum(buf + off, len));
            size_t cut = (len / 2) & ~(size_t)1;
            assert_int_equal(pm_wire_fold(pm_wire_sum(buf + off + cut, len - cut, pm_wire_sum(buf + off, cut, 0))),
                             ref_sum(buf + off, len));
        }
    uint8_t zero[13] = {0}, ones[8];
    memset(ones, 0xff, sizeof ones);
    assert_int_equal(pm_wire_fold(pm_wire_sum(zero, sizeof zero, 0)), 0);
    assert_int_equal(pm_wire_fold(pm_wire_sum(ones, sizeof ones, 0)), 0xffff);
}

static void checksum_rfc1071(void **state)
{
    (void)state;
    /* RFC 1071 section 3 example: sum 0x2ddf0, folded 0xddf2. */
    const uint8_t v[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    assert_int_equal(pm_wire_fold(pm_wire_sum(v, sizeof v, 0)), 0xddf2);
    /* Chained over even pieces equals one pass. */
    assert_int_equal(pm_wire_fold(pm_wire_sum(v + 4, 4, pm_wire_sum(v, 4, 0))), 0xddf2);
    /* Odd length pads with a zero byte. */
    const uint8_t o[] = {0xab, 0xcd, 0xef};
    assert_int_equal(pm_wire_fold(pm_wire_sum(o, 3, 0)), 0xabcd + 0xef00 - 0xffff);
    assert_int_equal(pm_wire_fold(pm_wire_sum(o, 0, 0)), 0);
    /* A header with its checksum in place sums to 0xffff. */
    struct tb b = udp_packet(0, 4);
    assert_int_equal(pm_wire_fold(pm_wire_sum(b.d, 20, 0)), 0xffff);
    /* A long buffer of 0xff bytes never overflows the accumulator. */
    static uint8_t big[1 << 20];
    memset(big, 0xff, sizeof big);
    assert_int_equal(pm_wire_fold(pm_wire_sum(big, sizeof big, 0xffffffffu)), 0xffff);
}

static void udp_full(void **state)
{
    (void)state;
    struct tb b = udp_packet(0, 30);
    struct pm_packet p;
    enum pm_wire_drop why;
    assert_int_equal(decode(&b, b.n, &p, &why), PM_OK);
    assert_int_equal(p.l4.proto, PM_PROTO_UDP);
    assert_int_equal(p.l4.sport, 53);
    assert_int_equal(p.l4.dport, 40000);
    assert_int_equal(p.l4.udp_len, 38);
    assert_int_equal(p.payload_len, 30);
    assert_false(p.has_quote);
    /* Too short for a UDP header. */
    assert_int_equal(decode(&b, 27, &p, &why), PM_ETRUNC);
    assert_int_equal(why, PM_DROP_L4_SHORT);
}

static void tcp_full(void **state)
{
    (void)state;
    struct tb b = {0};
    size_t ip = tb_ip(&b, PM_PROTO_TCP, TB_TARGET, TB_VANTAGE, 50, 4, 0);
    tb_tcp(&b, 80, 40000, 0xa0b0c0d0u, 0x01020305u, PM_TCP_SYN | PM_TCP_ACK, 20);
    tb_zero(&b, 5);
    tb_ip_end(&b, ip);
    struct pm_packet p;
    enum pm_wire_drop why;
    assert_int_equal(decode(&b, b.n, &p, &why), PM_OK);
    assert_true(p.l4.tcp_full);
    assert_int_equal(p.l4.sport, 80);
    assert_int_equal(p.l4.dport, 40000);
    assert_int_equal(p.l4.tcp_seq, 0xa0b0c0d0u);
    assert_int_equal(p.l4.tcp_ack, 0x01020305u);
    assert_int_equal(p.l4.tcp_flags, PM_TCP_SYN | PM_TCP_ACK);
    assert_int_equal(p.payload_len, 5);
    assert_memory_equal(p.l4.raw, b.d + 20, 8);

    /* Options cut by the snaplen: still a usable SYN-ACK, no payload. */
    assert_int_equal(decode(&b, 20 + 30, &p, &why), PM_OK);
    assert_true(p.l4.tcp_full);
    assert_int_equal(p.l4.tcp_ack, 0x01020305u);
    assert_int_equal(p.payload_len, 0);

    /* Fewer than 20 bytes of TCP. */
    assert_int_equal(decode(&b, 39, &p, &why), PM_ETRUNC);
    assert_int_equal(why, PM_DROP_L4_SHORT);

    /* Data offset below 5 is a lie. */
    b.d[32] = 0x40;
    assert_int_equal(decode(&b, b.n, &p, &why), PM_EINVAL);
    assert_int_equal(why, PM_DROP_L4_SHORT);
}

static void other_protocol_kept_raw(void **state)
{
    (void)state;
    struct tb b = {0};
    size_t ip = tb_ip(&b, 47 /* GRE */, TB_TARGET, TB_VANTAGE, 50, 4, 0);
    tb_u32(&b, 0x00000800);
    tb_ip_end(&b, ip);
    struct pm_packet p;
    enum pm_wire_drop why;
    assert_int_equal(decode(&b, b.n, &p, &why), PM_OK);
    assert_int_equal(p.l4.proto, 47);
    assert_int_equal(p.l4.raw_len, 4);
    assert_int_equal(p.payload_len, 4);
}

static void version_and_ihl(void **state)
{
    (void)state;
    struct tb b = udp_packet(0, 8);
    struct pm_packet p;
    enum pm_wire_drop why;
    const uint8_t bad_first[] = {0x65, 0x35, 0x44, 0x40, 0x00, 0xf5};
    for (size_t i = 0; i < sizeof bad_first; i++) {
        struct tb c = b;
        c.d[0] = bad_first[i];
        assert_int_equal(decode(&c, c.n, &p, &why), PM_EINVAL);
        assert_int_equal(why, PM_DROP_IP_BAD);
    }
    /* IHL 15 (60 bytes) in a 36-byte datagram: total_len < header, a lie. */
    struct tb c = b;
    c.d[0] = 0x4f;
    assert_int_equal(decode(&c, c.n, &p, &why), PM_EINVAL);
    assert_int_equal(why, PM_DROP_IP_BAD);
    /* Honest 60-byte header cut by the capture at 40 bytes: short, not bad. */
    struct tb o = udp_packet(40, 8);
    assert_int_equal(decode(&o, 40, &p, &why), PM_ETRUNC);
    assert_int_equal(why, PM_DROP_IP_SHORT);
    /* Fewer than 20 bytes. */
    for (size_t n = 0; n < 20; n++) {
        assert_int_equal(decode(&b, n, &p, &why), PM_ETRUNC);
        assert_int_equal(why, PM_DROP_IP_SHORT);
    }
}

static void total_length(void **state)
{
    (void)state;
    struct tb b = udp_packet(0, 8);
    struct pm_packet p;
    enum pm_wire_drop why;
    /* Shorter than the header. */
    for (uint16_t t = 0; t < 20; t++) {
        struct tb c = b;
        tb_put16(&c, 2, t);
        assert_int_equal(decode(&c, c.n, &p, &why), PM_EINVAL);
        assert_int_equal(why, PM_DROP_IP_BAD);
    }
    /* Longer than captured (snaplen): accepted, payload limited to what is there. */
    struct tb c = b;
    tb_put16(&c, 2, 1500);
    assert_int_equal(decode(&c, c.n, &p, &why), PM_OK);
    assert_int_equal(p.ip.total_len, 1500);
    assert_int_equal(p.payload_len, 8);
    /* Shorter than captured: trailing bytes are not payload. */
    struct tb d = b;
    tb_zero(&d, 20);
    assert_int_equal(decode(&d, d.n, &p, &why), PM_OK);
    assert_int_equal(p.payload_len, 8);
    /* total_len cuts into the UDP header. */
    struct tb e = b;
    tb_put16(&e, 2, 24);
    assert_int_equal(decode(&e, e.n, &p, &why), PM_ETRUNC);
    assert_int_equal(why, PM_DROP_L4_SHORT);
}

static void options_and_fragments(void **state)
{
    (void)state;
    struct pm_packet p;
    enum pm_wire_drop why;
    struct tb o = udp_packet(40, 6);
    assert_int_equal(decode(&o, o.n, &p, &why), PM_OK);
    assert_true(p.ip.has_options);
    assert_int_equal(p.ip.ihl, 60);
    assert_int_equal(p.l4.sport, 53);
    assert_int_equal(p.payload_len, 6);

    struct tb f = udp_packet(0, 8);
    tb_put16(&f, 6, 0x2000); /* MF, offset 0: first fragment, decodable */
    assert_int_equal(decode(&f, f.n, &p, &why), PM_OK);
    tb_put16(&f, 6, 0x0001); /* offset 8: no transport header */
    assert_int_equal(decode(&f, f.n, &p, &why), PM_EINVAL);
    assert_int_equal(why, PM_DROP_FRAGMENT);
}

static void ipv4_cursor_contract(void **state)
{
    (void)state;
    struct tb b = udp_packet(4, 8);
    tb_zero(&b, 10); /* trailer beyond total_len */
    struct pm_cursor c;
    struct pm_ipv4 ip;
    pm_cursor_init(&c, b.d, b.n);
    assert_int_equal(pm_wire_ipv4(&c, false, &ip), PM_OK);
    assert_int_equal(pm_cursor_remaining(&c), 16);
    assert_ptr_equal(pm_cursor_ptr(&c), b.d + 24);
    assert_int_equal(ip.src, TB_TARGET);
    assert_int_equal(ip.proto, PM_PROTO_UDP);
    assert_int_equal(ip.frag, 0x4000);
    assert_int_equal(ip.csum, (b.d[10] << 8) | b.d[11]);
    /* On failure the cursor does not move. */
    b.d[0] = 0x55;
    pm_cursor_init(&c, b.d, b.n);
    assert_int_equal(pm_wire_ipv4(&c, false, &ip), PM_EINVAL);
    assert_int_equal(pm_cursor_remaining(&c), b.n);
}

static void drop_names(void **state)
{
    (void)state;
    const char *want[] = {"none", "link", "ip-short", "ip-bad", "fragment", "l4-short", "quote-bad"};
    for (int i = 0; i < PM_DROP__COUNT; i++)
        assert_string_equal(pm_wire_drop_name((enum pm_wire_drop)i), want[i]);
    assert_string_equal(pm_wire_drop_name(PM_DROP__COUNT), "unknown");
}

static void format_summary(void **state)
{
    (void)state;
    struct tb q = {0}, b = {0};
    static const uint32_t lab[] = {16001};
    tb_probe_udp(&q, 12);
    tb_error(&b, PM_ICMP_TIMXCEED, 0, &q, 0, TB_QUOTE_RFC4884, lab, 1, 0);
    struct pm_packet p;
    enum pm_wire_drop why;
    assert_int_equal(decode(&b, b.n, &p, &why), PM_OK);
    char s[256];
    assert_int_equal(pm_wire_format(&p, s, sizeof s), PM_OK);
    assert_string_equal(s, "ip 198.18.5.1>198.18.0.2 ttl=250 id=39321 icmp 11/0 quote{ip 198.18.0.2>175.45.176.15 "
                           "ttl=1 id=4660 udp 40000>33435 len=20} qlen=40 ext{csum=ok mpls=16001/5/1/250}");
    char tiny[20];
    assert_int_equal(pm_wire_format(&p, tiny, sizeof tiny), PM_ELIMIT);
    assert_int_equal(strlen(tiny) < sizeof tiny, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(checksum_rfc1071),
        cmocka_unit_test(checksum_matches_the_word_loop),
        cmocka_unit_test(udp_full),
        cmocka_unit_test(tcp_full),
        cmocka_unit_test(other_protocol_kept_raw),
        cmocka_unit_test(version_and_ihl),
        cmocka_unit_test(total_length),
        cmocka_unit_test(options_and_fragments),
        cmocka_unit_test(ipv4_cursor_contract),
        cmocka_unit_test(drop_names),
        cmocka_unit_test(format_summary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
