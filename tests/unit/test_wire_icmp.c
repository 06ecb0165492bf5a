/* test_wire_icmp.c - ICMP echo replies and errors: quoted ICMP/UDP/TCP probes, quote sizes, IP options, RFC 4884/4950 extensions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_wire_build.h"

static struct pm_packet decode_ok(const struct tb *b)
{
    struct pm_packet p;
    enum pm_wire_drop why = PM_DROP__COUNT;
    int rc = pm_wire_decode_ip(b->d, b->n, &p, &why);
    if (rc != PM_OK)
        fail_msg("decode failed: rc=%d why=%s", rc, pm_wire_drop_name(why));
    assert_int_equal(why, PM_DROP_NONE);
    return p;
}

static void echo_reply(void **state)
{
    (void)state;
    struct tb b = {0};
    size_t ip = tb_ip(&b, PM_PROTO_ICMP, TB_TARGET, TB_VANTAGE, 52, 777, 0);
    size_t ic = tb_icmp(&b, PM_ICMP_ECHOREPLY, 0, 0x4242, 9);
    tb_zero(&b, 32);
    tb_icmp_end(&b, ic);
    tb_ip_end(&b, ip);
    struct pm_packet p = decode_ok(&b);
    assert_int_equal(p.ip.src, TB_TARGET);
    assert_int_equal(p.ip.dst, TB_VANTAGE);
    assert_int_equal(p.ip.ttl, 52);
    assert_int_equal(p.ip.id, 777);
    assert_int_equal(p.ip.ihl, 20);
    assert_int_equal(p.ip.total_len, 60);
    assert_false(p.ip.has_options);
    assert_int_equal(p.l4.proto, PM_PROTO_ICMP);
    assert_int_equal(p.l4.raw_len, 8);
    assert_int_equal(p.l4.icmp_type, PM_ICMP_ECHOREPLY);
    assert_int_equal(p.l4.icmp_id, 0x4242);
    assert_int_equal(p.l4.icmp_seq, 9);
    assert_int_equal(p.l4.icmp_csum, (b.d[22] << 8) | b.d[23]);
    assert_int_equal(p.payload_len, 32);
    assert_false(p.has_quote);
    assert_false(p.has_ext);
}

static void check_quote_ip(const struct pm_packet *p)
{
    assert_true(p->has_quote);
    assert_int_equal(p->ip.src, TB_ROUTER);
    assert_int_equal(p->quoted_ip.src, TB_VANTAGE);
    assert_int_equal(p->quoted_ip.dst, TB_TARGET);
    assert_int_equal(p->quoted_ip.id, 0x1234);
    assert_int_equal(p->quoted_ip.ttl, 1);
}

static void timxceed_udp_28(void **state)
{
    (void)state;
    struct tb q = {0}, b = {0};
    tb_probe_udp(&q, 32);
    tb_error(&b, PM_ICMP_TIMXCEED, 0, &q, 0, TB_QUOTE_28, NULL, 0, 0);
    struct pm_packet p = decode_ok(&b);
    check_quote_ip(&p);
    assert_int_equal(p.l4.icmp_type, PM_ICMP_TIMXCEED);
    assert_int_equal(p.quoted_ip.proto, PM_PROTO_UDP);
    assert_int_equal(p.quoted_ip.total_len, 60); /* claims more than quoted */
    assert_int_equal(p.quoted_len, 28);
    assert_int_equal(p.quoted_l4.raw_len, 8);
    assert_int_equal(p.quoted_l4.sport, 40000);
    assert_int_equal(p.quoted_l4.dport, 33435);
    assert_int_equal(p.quoted_l4.udp_len, 40);
    assert_int_equal(p.quoted_l4.udp_csum, 0xbeef);
    assert_memory_equal(p.quoted_l4.raw, q.d + 20, 8);
    assert_false(p.has_ext);
    assert_false(p.ext_malformed);
}

static void timxceed_icmp_whole(void **state)
{
    (void)state;
    struct tb q = {0}, b = {0};
    tb_probe_icmp(&q, 64);
    tb_error(&b, PM_ICMP_TIMXCEED, 0, &q, 0, TB_QUOTE_WHOLE, NULL, 0, 0);
    struct pm_packet p = decode_ok(&b);
    check_quote_ip(&p);
    assert_int_equal(p.quoted_len, q.n);
    assert_int_equal(p.quoted_l4.icmp_type, PM_ICMP_ECHO);
    assert_int_equal(p.quoted_l4.icmp_id, 0x4242);
    assert_int_equal(p.quoted_l4.icmp_seq, 7);
    assert_int_equal(p.quoted_l4.icmp_csum, (q.d[22] << 8) | q.d[23]);
    assert_false(p.has_ext);
}

static void unreach_tcp_28_and_whole(void **state)
{
    (void)state;
    struct tb q = {0}, b = {0};
    tb_probe_tcp(&q, 12);
    tb_error(&b, PM_ICMP_UNREACH, 13, &q, 0, TB_QUOTE_28, NULL, 0, 0);
    struct pm_packet p = decode_ok(&b);
    check_quote_ip(&p);
    assert_int_equal(p.l4.icmp_code, 13);
    assert_int_equal(p.quoted_l4.sport, 40000);
    assert_int_equal(p.quoted_l4.dport, 80);
    assert_int_equal(p.quoted_l4.tcp_seq, 0x01020304u);
    assert_false(p.quoted_l4.tcp_full); /* only 8 bytes of TCP quoted */

    struct tb b2 = {0};
    tb_error(&b2, PM_ICMP_UNREACH, 3, &q, 0, TB_QUOTE_WHOLE, NULL, 0, 0);
    p = decode_ok(&b2);
    assert_true(p.quoted_l4.tcp_full);
    assert_int_equal(p.quoted_l4.tcp_flags, PM_TCP_SYN);
    assert_int_equal(p.quoted_len, 52);
}

static void quote_with_ip_options(void **state)
{
    (void)state;
    struct tb q = {0}, b = {0};
    size_t ip = tb_ip(&q, PM_PROTO_UDP, TB_VANTAGE, TB_TARGET, 1, 0x1234, 12);
    tb_udp(&q, 40000, 33435, 16);
    tb_ip_end(&q, ip);
    tb_error(&b, PM_ICMP_TIMXCEED, 0, &q, 0, TB_QUOTE_28, NULL, 0, 8);
    assert_int_equal(b.n, 28 + 8 + 32 + 8);
    struct pm_packet p = decode_ok(&b);
    assert_true(p.ip.has_options);
    assert_int_equal(p.ip.ihl, 28);
    check_quote_ip(&p);
    assert_true(p.quoted_ip.has_options);
    assert_int_equal(p.quoted_ip.ihl, 32);
    assert_int_equal(p.quoted_l4.raw_len, 8);
    assert_int_equal(p.quoted_l4.sport, 40000);
    assert_int_equal(p.quoted_l4.dport, 33435);
}

static void rfc4884_mpls(void **state)
{
    (void)state;
    static const uint32_t one[] = {16001};
    static const uint32_t three[] = {24000, 1048575, 3};
    struct tb q = {0}, b = {0};
    tb_probe_udp(&q, 12);
    tb_error(&b, PM_ICMP_TIMXCEED, 0, &q, 0, TB_QUOTE_RFC4884, one, 1, 0);
    assert_int_equal(b.d[20 + 5], 32);
    struct pm_packet p = decode_ok(&b);
    check_quote_ip(&p);
    assert_int_equal(p.quoted_len, 40);
    assert_int_equal(p.quoted_l4.dport, 33435);
    assert_true(p.has_ext);
    assert_true(p.ext_csum_ok);
    assert_false(p.ext_malformed);
    assert_int_equal(p.n_mpls, 1);
    assert_int_equal(p.mpls[0].label, 16001);
    assert_int_equal(p.mpls[0].tc, 5);
    assert_int_equal(p.mpls[0].s, 1);
    assert_int_equal(p.mpls[0].ttl, 250);

    struct tb b3 = {0};
    tb_error(&b3, PM_ICMP_TIMXCEED, 0, &q, 0, TB_QUOTE_RFC4884, three, 3, 0);
    p = decode_ok(&b3);
    assert_true(p.has_ext);
    assert_true(p.ext_csum_ok);
    assert_int_equal(p.n_mpls, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(p.mpls[i].label, three[i]);
        assert_int_equal(p.mpls[i].ttl, 250 - i);
        assert_int_equal(p.mpls[i].s, i == 2);
    }
}

static void rfc4884_whole_quote_longer_than_128(void **state)
{
    (void)state;
    static const uint32_t one[] = {77};
    struct tb q = {0}, b = {0};
    tb_probe_icmp(&q, 150); /* 178 bytes, padded to 180 */
    tb_error(&b, PM_ICMP_TIMXCEED, 0, &q, 0, TB_QUOTE_RFC4884, one, 1, 0);
    struct pm_packet p = decode_ok(&b);
    assert_int_equal(p.quoted_len, 178);
    assert_int_equal(p.n_mpls, 1);
    assert_int_equal(p.mpls[0].label, 77);
    assert_true(p.ext_csum_ok);
}

static void legacy_128(void **state)
{
    (void)state;
    static const uint32_t two[] = {100, 200};
    struct tb q = {0}, b = {0};
    tb_probe_udp(&q, 12);
    tb_error(&b, PM_ICMP_TIMXCEED, 0, &q, 0, TB_QUOTE_LEGACY128, two, 2, 0);
    assert_int_equal(b.d[20 + 5], 0);
    struct pm_packet p = decode_ok(&b);
    check_quote_ip(&p);
    assert_true(p.has_ext);
    assert_true(p.ext_csum_ok);
    assert_int_equal(p.n_mpls, 2);
    assert_int_equal(p.mpls[1].label, 200);
}

static void legacy_needs_valid_checksum(void **state)
{
    (void)state;
    static const uint32_t one[] = {100};
    struct tb q = {0}, b = {0};
    tb_probe_udp(&q, 12);
    tb_error(&b, PM_ICMP_TIMXCEED, 0, &q, 0, TB_QUOTE_LEGACY128, one, 1, 0);
    b.d[28 + 128 + 2] ^= 0x55; /* break the extension checksum */
    tb_icmp_end(&b, 20);
    struct pm_packet p = decode_ok(&b);
    /* Without a length attribute a bad checksum is indistinguishable from
     * quoted bytes: treated as part of the quote. */
    assert_false(p.has_ext);
    assert_int_equal(p.n_mpls, 0);
    assert_true(p.has_quote);
}

static void broken_ext_checksum(void **state)
{
    (void)state;
    static const uint32_t one[] = {16001};
    struct tb q = {0}, b = {0};
    tb_probe_udp(&q, 12);
    tb_error(&b, PM_ICMP_TIMXCEED, 0, &q, 0, TB_QUOTE_RFC4884, one, 1, 0);
    b.d[b.n - 1] ^= 0x01; /* flip a TTL bit of the label entry */
    tb_icmp_end(&b, 20);
    struct pm_packet p = decode_ok(&b);
    assert_true(p.has_ext);
    assert_false(p.ext_csum_ok);
    assert_int_equal(p.n_mpls, 1);
    assert_int_equal(p.mpls[0].ttl, 251);
}

static void ext_zero_checksum_means_none_sent(void **state)
{
    (void)state;
    static const uint32_t one[] = {5};
    struct tb q = {0}, b = {0};
    tb_probe_udp(&q, 12);
    tb_error(&b, PM_ICMP_TIMXCEED, 0, &q, 0, TB_QUOTE_RFC4884, one, 1, 0);
    tb_put16(&b, 28 + 128 + 2, 0);
    tb_icmp_end(&b, 20);
    struct pm_packet p = decode_ok(&b);
    assert_true(p.has_ext);
    assert_true(p.ext_csum_ok);
    assert_int_equal(p.n_mpls, 1);
}

/* Mutates the first object header of an RFC 4884 message. */
static struct pm_packet with_object_length(uint16_t olen, int version)
{
    static const uint32_t two[] = {100, 200};
    struct tb q = {0}, b = {0};
    tb_probe_udp(&q, 12);
    tb_error(&b, PM_ICMP_TIMXCEED, 0, &q, 0, TB_QUOTE_RFC4884, two, 2, 0);
    size_t ext = 28 + 128;
    b.d[ext] = (uint8_t)((version << 4) | (b.d[ext] & 0x0f));
    tb_put16(&b, ext + 4, olen);
    tb_ext_end(&b, ext);
    tb_icmp_end(&b, 20);
    struct pm_packet p = decode_ok(&b);
    assert_true(p.has_quote); /* the packet stays usable */
    return p;
}

static void malformed_objects(void **state)
{
    (void)state;
    struct pm_packet p = with_object_length(2, 2); /* shorter than its header */
    assert_true(p.has_ext);
    assert_true(p.ext_csum_ok);
    assert_true(p.ext_malformed);
    assert_int_equal(p.n_mpls, 0);

    p = with_object_length(0, 2); /* would loop forever if trusted */
    assert_true(p.ext_malformed);

    p = with_object_length(400, 2); /* overruns the message */
    assert_true(p.ext_malformed);
    assert_int_equal(p.n_mpls, 0);

    p = with_object_length(10, 2); /* ragged: 6 payload bytes, then junk */
    assert_true(p.ext_malformed);
    assert_int_equal(p.n_mpls, 1);

    p = with_object_length(12, 1); /* wrong version: not an extension */
    assert_false(p.has_ext);
    assert_true(p.ext_malformed);
    assert_int_equal(p.n_mpls, 0);

    p = with_object_length(12, 2); /* the untouched case decodes cleanly */
    assert_false(p.ext_malformed);
    assert_int_equal(p.n_mpls, 2);
}

static void mpls_stack_is_capped(void **state)
{
    (void)state;
    uint32_t many[PM_MPLS_MAX + 3];
    for (size_t i = 0; i < PM_MPLS_MAX + 3; i++)
        many[i] = (uint32_t)(1000 + i);
    struct tb q = {0}, b = {0};
    tb_probe_udp(&q, 12);
    tb_error(&b, PM_ICMP_TIMXCEED, 0, &q, 0, TB_QUOTE_RFC4884, many, PM_MPLS_MAX + 3, 0);
    struct pm_packet p = decode_ok(&b);
    assert_int_equal(p.n_mpls, PM_MPLS_MAX);
    assert_int_equal(p.mpls[PM_MPLS_MAX - 1].label, 1000 + PM_MPLS_MAX - 1);
    assert_false(p.ext_malformed);
}

static void length_attribute_beyond_message(void **state)
{
    (void)state;
    static const uint32_t one[] = {16001};
    struct tb q = {0}, b = {0};
    tb_probe_udp(&q, 12);
    tb_error(&b, PM_ICMP_TIMXCEED, 0, &q, 0, TB_QUOTE_RFC4884, one, 1, 0);
    b.d[20 + 5] = 255; /* 1020 bytes: more than there is */
    tb_icmp_end(&b, 20);
    struct pm_packet p = decode_ok(&b);
    check_quote_ip(&p);
    assert_false(p.has_ext);
    assert_int_equal(p.quoted_len, 40);
}

static void length_attribute_too_small(void **state)
{
    (void)state;
    struct tb q = {0}, b = {0};
    tb_probe_udp(&q, 12);
    tb_error(&b, PM_ICMP_UNREACH, 3, &q, 0, TB_QUOTE_28, NULL, 0, 0);
    for (uint8_t words = 1; words < 5; words++) {
        b.d[20 + 5] = words; /* 4..16 bytes cannot hold the quoted header */
        tb_icmp_end(&b, 20);
        struct pm_packet p = decode_ok(&b);
        check_quote_ip(&p);
        assert_int_equal(p.quoted_len, 28);
        assert_int_equal(p.quoted_l4.dport, 33435);
        assert_false(p.has_ext);
    }
    b.d[20 + 5] = 6; /* 24 bytes: trusted, so the quote holds 4 transport bytes */
    tb_icmp_end(&b, 20);
    struct pm_packet p = decode_ok(&b);
    assert_int_equal(p.quoted_len, 24);
    assert_int_equal(p.quoted_l4.raw_len, 4);
    assert_true(p.ext_malformed); /* the 4 bytes after it are no extension */
}

static void other_error_types_quote(void **state)
{
    (void)state;
    struct tb q = {0};
    tb_probe_udp(&q, 12);
    const uint8_t types[] = {PM_ICMP_PARAMPROB, PM_ICMP_SRCQUENCH};
    for (size_t i = 0; i < sizeof types; i++) {
        struct tb b = {0};
        tb_error(&b, types[i], 0, &q, 0, TB_QUOTE_28, NULL, 0, 0);
        struct pm_packet p = decode_ok(&b);
        check_quote_ip(&p);
        assert_int_equal(p.l4.icmp_type, types[i]);
    }
    /* A redirect (type 5) is not an error we decode a quote for. */
    struct tb b = {0};
    tb_error(&b, 5, 1, &q, 0, TB_QUOTE_28, NULL, 0, 0);
    struct pm_packet p = decode_ok(&b);
    assert_false(p.has_quote);
}

static void short_quotes(void **state)
{
    (void)state;
    struct tb q = {0};
    tb_probe_udp(&q, 12);
    for (size_t qlen = 0; qlen <= 28; qlen++) {
        struct tb b = {0};
        size_t ip = tb_ip(&b, PM_PROTO_ICMP, TB_ROUTER, TB_VANTAGE, 250, 1, 0);
        size_t ic = tb_icmp(&b, PM_ICMP_TIMXCEED, 0, 0, 0);
        tb_bytes(&b, q.d, qlen);
        tb_icmp_end(&b, ic);
        tb_ip_end(&b, ip);
        struct pm_packet p;
        enum pm_wire_drop why;
        int rc = pm_wire_decode_ip(b.d, b.n, &p, &why);
        if (qlen < 20) {
            assert_int_not_equal(rc, PM_OK);
            assert_int_equal(why, PM_DROP_QUOTE_BAD);
            assert_false(p.has_quote);
        } else {
            /* Decision: a complete quoted IP header is enough to keep the
             * packet; raw_len says how much transport header is there. */
            assert_int_equal(rc, PM_OK);
            assert_int_equal(p.quoted_l4.raw_len, qlen - 20);
            assert_int_equal(p.quoted_l4.sport, qlen >= 24 ? 40000 : 0);
            assert_int_equal(p.quoted_l4.udp_len, qlen >= 28 ? 20 : 0);
        }
    }
}

static void bad_quoted_headers(void **state)
{
    (void)state;
    struct tb q = {0};
    tb_probe_udp(&q, 12);
    struct {
        size_t off;
        uint8_t val;
    } lies[] = {
        {0, 0x65},  /* version 6 */
        {0, 0x44},  /* IHL 4 */
        {0, 0x4f},  /* IHL 15 > 28 bytes quoted */
        {2, 0x00},  /* total length high byte: total 12 < 20 with the low byte below */
        {7, 0x10},  /* non-first fragment (offset 16 units) */
    };
    for (size_t i = 0; i < sizeof lies / sizeof lies[0]; i++) {
        struct tb qq = q;
        qq.d[lies[i].off] = lies[i].val;
        if (lies[i].off == 2)
            qq.d[3] = 12;
        struct tb b = {0};
        tb_error(&b, PM_ICMP_TIMXCEED, 0, &qq, 28, TB_QUOTE_WHOLE, NULL, 0, 0);
        struct pm_packet p;
        enum pm_wire_drop why;
        assert_int_not_equal(pm_wire_decode_ip(b.d, b.n, &p, &why), PM_OK);
        assert_int_equal(why, PM_DROP_QUOTE_BAD);
    }
}

/* The one ICMP code table: meanings, marks and the end-host rule. */
static void code_table(void **state)
{
    (void)state;
    static const struct {
        uint8_t type, code;
        enum pm_icmp_meaning m;
        const char *mark; /* for type 3 */
    } rows[] = {
        {3, 0, PM_ICMP_M_NET_UNREACH, "!N"},      {3, 1, PM_ICMP_M_HOST_UNREACH, "!H"},
        {3, 2, PM_ICMP_M_PROTO_UNREACH, "!P"},    {3, 3, PM_ICMP_M_PORT_UNREACH, NULL},
        {3, 4, PM_ICMP_M_FRAG_NEEDED, "!F"},      {3, 5, PM_ICMP_M_SRCROUTE_FAILED, "!S"},
        {3, 6, PM_ICMP_M_NET_UNREACH, "!U"},      {3, 7, PM_ICMP_M_HOST_UNREACH, "!W"},
        {3, 8, PM_ICMP_M_HOST_UNREACH, "!I"},     {3, 9, PM_ICMP_M_ADMIN_PROHIB, "!X"},
        {3, 10, PM_ICMP_M_ADMIN_PROHIB, "!X"},    {3, 11, PM_ICMP_M_NET_UNREACH, NULL},
        {3, 12, PM_ICMP_M_HOST_UNREACH, NULL},    {3, 13, PM_ICMP_M_ADMIN_PROHIB, "!X"},
        {3, 14, PM_ICMP_M_ADMIN_PROHIB, "!V"},    {3, 15, PM_ICMP_M_ADMIN_PROHIB, "!C"},
        {3, 16, PM_ICMP_M_UNREACH_UNKNOWN, NULL}, {3, 255, PM_ICMP_M_UNREACH_UNKNOWN, NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        assert_int_equal(pm_wire_icmp_meaning(rows[i].type, rows[i].code), rows[i].m);
        const char *mark = pm_wire_icmp_mark(rows[i].code);
        if (rows[i].mark)
            assert_string_equal(mark, rows[i].mark);
        else
            assert_null(mark);
        assert_int_equal(pm_wire_icmp_from_end_host(rows[i].type, rows[i].code),
                         rows[i].code == 2 || rows[i].code == 3);
    }
    assert_int_equal(pm_wire_icmp_meaning(0, 0), PM_ICMP_M_ECHO_REPLY);
    assert_true(pm_wire_icmp_from_end_host(0, 0));
    assert_int_equal(pm_wire_icmp_meaning(11, 0), PM_ICMP_M_TIME_EXCEEDED);
    assert_int_equal(pm_wire_icmp_meaning(11, 1), PM_ICMP_M_TIME_EXCEEDED);
    assert_false(pm_wire_icmp_from_end_host(11, 0));
    assert_int_equal(pm_wire_icmp_meaning(4, 0), PM_ICMP_M_SOURCE_QUENCH);
    assert_int_equal(pm_wire_icmp_meaning(12, 0), PM_ICMP_M_PARAM_PROBLEM);
    assert_int_equal(pm_wire_icmp_meaning(8, 0), PM_ICMP_M_OTHER);
    assert_int_equal(pm_wire_icmp_meaning(5, 1), PM_ICMP_M_OTHER);
    /* a code 2/3 under another type is no end-host answer */
    assert_false(pm_wire_icmp_from_end_host(11, 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(echo_reply),
        cmocka_unit_test(timxceed_udp_28),
        cmocka_unit_test(timxceed_icmp_whole),
        cmocka_unit_test(unreach_tcp_28_and_whole),
        cmocka_unit_test(quote_with_ip_options),
        cmocka_unit_test(rfc4884_mpls),
        cmocka_unit_test(rfc4884_whole_quote_longer_than_128),
        cmocka_unit_test(legacy_128),
        cmocka_unit_test(legacy_needs_valid_checksum),
        cmocka_unit_test(broken_ext_checksum),
        cmocka_unit_test(ext_zero_checksum_means_none_sent),
        cmocka_unit_test(malformed_objects),
        cmocka_unit_test(mpls_stack_is_capped),
        cmocka_unit_test(length_attribute_beyond_message),
        cmocka_unit_test(length_attribute_too_small),
        cmocka_unit_test(other_error_types_quote),
        cmocka_unit_test(short_quotes),
        cmocka_unit_test(bad_quoted_headers),
        cmocka_unit_test(code_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
