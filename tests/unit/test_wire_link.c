/* test_wire_link.c - link layers: Ethernet, one VLAN tag, Linux SLL/SLL2, raw IPv4, BSD null; non-IPv4 and unknown types refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_wire_build.h"

static struct tb echo_reply(void)
{
    struct tb b = {0};
    size_t ip = tb_ip(&b, PM_PROTO_ICMP, TB_TARGET, TB_VANTAGE, 52, 777, 0);
    size_t ic = tb_icmp(&b, PM_ICMP_ECHOREPLY, 0, 0x4242, 9);
    tb_icmp_end(&b, ic);
    tb_ip_end(&b, ip);
    return b;
}

static void put_ether(struct tb *f, uint16_t type)
{
    for (int i = 0; i < 12; i++)
        tb_u8(f, (uint8_t)(0x10 + i));
    tb_u16(f, type);
}

static void put_sll(struct tb *f, uint16_t proto)
{
    tb_u16(f, 0);      /* to us */
    tb_u16(f, 1);      /* ARPHRD_ETHER */
    tb_u16(f, 6);
    tb_zero(f, 8);
    tb_u16(f, proto);
}

static void put_sll2(struct tb *f, uint16_t proto)
{
    tb_u16(f, proto);
    tb_u16(f, 0);
    tb_u32(f, 3);      /* ifindex */
    tb_u16(f, 1);
    tb_u8(f, 0);
    tb_u8(f, 6);
    tb_zero(f, 8);
}

/* Decodes frame f; returns rc, checks the echo reply inside when OK. */
static int decode(const struct tb *f, int linktype, enum pm_wire_drop *why)
{
    struct pm_packet p;
    int rc = pm_wire_decode(f->d, f->n, linktype, &p, why);
    if (rc == PM_OK) {
        assert_int_equal(*why, PM_DROP_NONE);
        assert_int_equal(p.ip.src, TB_TARGET);
        assert_int_equal(p.l4.icmp_type, PM_ICMP_ECHOREPLY);
        assert_int_equal(p.l4.icmp_seq, 9);
        assert_int_equal(p.payload_len, 0);
    }
    return rc;
}

static void ok_or_fail(const struct tb *f, int linktype)
{
    enum pm_wire_drop why;
    int rc = decode(f, linktype, &why);
    if (rc != PM_OK)
        fail_msg("linktype %d: rc=%d why=%s", linktype, rc, pm_wire_drop_name(why));
}

static void refused(const struct tb *f, int linktype, int want_rc)
{
    enum pm_wire_drop why = PM_DROP_NONE;
    assert_int_equal(decode(f, linktype, &why), want_rc);
    assert_int_equal(why, PM_DROP_LINK);
}

static void ethernet_and_padding(void **state)
{
    (void)state;
    struct tb ip = echo_reply(), f = {0};
    put_ether(&f, 0x0800);
    tb_bytes(&f, ip.d, ip.n);
    tb_zero(&f, 60 - f.n); /* Ethernet minimum frame padding is not payload */
    ok_or_fail(&f, PM_LINK_ETHERNET);
}

static void vlan(void **state)
{
    (void)state;
    struct tb ip = echo_reply(), f = {0};
    put_ether(&f, 0x8100);
    tb_u16(&f, 0x0064); /* VLAN 100 */
    tb_u16(&f, 0x0800);
    tb_bytes(&f, ip.d, ip.n);
    ok_or_fail(&f, PM_LINK_ETHERNET);

    struct tb f2 = {0}; /* two tags: refused */
    put_ether(&f2, 0x88a8);
    tb_u16(&f2, 0x0064);
    tb_u16(&f2, 0x8100);
    tb_u16(&f2, 0x0065);
    tb_u16(&f2, 0x0800);
    tb_bytes(&f2, ip.d, ip.n);
    refused(&f2, PM_LINK_ETHERNET, PM_EINVAL);

    struct tb f3 = {0}; /* tag cut off */
    put_ether(&f3, 0x8100);
    tb_u16(&f3, 0x0064);
    refused(&f3, PM_LINK_ETHERNET, PM_ETRUNC);
}

static void non_ipv4_ethernet(void **state)
{
    (void)state;
    struct tb ip = echo_reply();
    const uint16_t types[] = {0x86dd, 0x0806, 0x0026 /* 802.3 length */};
    for (size_t i = 0; i < 3; i++) {
        struct tb f = {0};
        put_ether(&f, types[i]);
        tb_bytes(&f, ip.d, ip.n);
        refused(&f, PM_LINK_ETHERNET, PM_EINVAL);
    }
    struct tb f = {0};
    put_ether(&f, 0x0800);
    f.n = 13;
    refused(&f, PM_LINK_ETHERNET, PM_ETRUNC);
}

static void sll_and_sll2(void **state)
{
    (void)state;
    struct tb ip = echo_reply(), f = {0}, g = {0}, h = {0};
    put_sll(&f, 0x0800);
    tb_bytes(&f, ip.d, ip.n);
    ok_or_fail(&f, PM_LINK_LINUX_SLL);
    put_sll2(&g, 0x0800);
    tb_bytes(&g, ip.d, ip.n);
    ok_or_fail(&g, PM_LINK_LINUX_SLL2);
    /* The same bytes read as the other cooked format are not IPv4. */
    refused(&g, PM_LINK_LINUX_SLL, PM_EINVAL);
    put_sll2(&h, 0x86dd);
    tb_bytes(&h, ip.d, ip.n);
    refused(&h, PM_LINK_LINUX_SLL2, PM_EINVAL);
    f.n = 15;
    refused(&f, PM_LINK_LINUX_SLL, PM_ETRUNC);
    g.n = 19;
    refused(&g, PM_LINK_LINUX_SLL2, PM_ETRUNC);
}

static void null_both_byte_orders(void **state)
{
    (void)state;
    struct tb ip = echo_reply();
    const uint8_t fams[3][4] = {{2, 0, 0, 0}, {0, 0, 0, 2}, {30, 0, 0, 0} /* AF_INET6 on macOS */};
    for (int i = 0; i < 3; i++) {
        struct tb f = {0};
        tb_bytes(&f, fams[i], 4);
        tb_bytes(&f, ip.d, ip.n);
        if (i < 2)
            ok_or_fail(&f, PM_LINK_NULL);
        else
            refused(&f, PM_LINK_NULL, PM_EINVAL);
    }
    struct tb f = {0};
    tb_u16(&f, 2);
    refused(&f, PM_LINK_NULL, PM_ETRUNC);
}

static void raw_types(void **state)
{
    (void)state;
    struct tb ip = echo_reply();
    ok_or_fail(&ip, PM_LINK_RAW);
    ok_or_fail(&ip, PM_LINK_IPV4);
    struct tb v6 = ip;
    v6.d[0] = 0x60;
    refused(&v6, PM_LINK_RAW, PM_EINVAL);
    /* LINKTYPE_IPV4 promises IPv4: a version 6 header is a bad IPv4 header. */
    struct pm_packet p;
    enum pm_wire_drop why;
    assert_int_equal(pm_wire_decode(v6.d, v6.n, PM_LINK_IPV4, &p, &why), PM_EINVAL);
    assert_int_equal(why, PM_DROP_IP_BAD);
    struct tb empty = {0};
    refused(&empty, PM_LINK_RAW, PM_ETRUNC);
}

static void unknown_link_type(void **state)
{
    (void)state;
    struct tb ip = echo_reply();
    const int types[] = {-1, 2, 105 /* 802.11 */, 127, 100000};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        refused(&ip, types[i], PM_EUNSUPP);
}

static void link_leaves_cursor_on_failure(void **state)
{
    (void)state;
    const uint8_t b[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x86, 0xdd, 0x60};
    struct pm_cursor c;
    pm_cursor_init(&c, b, sizeof b);
    assert_int_equal(pm_wire_link(&c, PM_LINK_ETHERNET), PM_EINVAL);
    assert_int_equal(pm_cursor_remaining(&c), sizeof b);
    assert_int_equal(pm_wire_link(&c, 9999), PM_EUNSUPP);
    assert_int_equal(pm_cursor_remaining(&c), sizeof b);
}

static void null_and_empty_buffers(void **state)
{
    (void)state;
    struct pm_packet p;
    enum pm_wire_drop why;
    assert_int_equal(pm_wire_decode(NULL, 100, PM_LINK_ETHERNET, &p, &why), PM_ETRUNC);
    assert_int_equal(why, PM_DROP_LINK);
    assert_int_equal(pm_wire_decode(NULL, 0, PM_LINK_IPV4, &p, &why), PM_ETRUNC);
    assert_int_equal(why, PM_DROP_IP_SHORT);
    assert_int_equal(pm_wire_decode_ip(NULL, 5, &p, &why), PM_ETRUNC);
    assert_int_equal(why, PM_DROP_IP_SHORT);
    assert_int_equal(pm_wire_decode_ip(NULL, 5, NULL, NULL), PM_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ethernet_and_padding),
        cmocka_unit_test(vlan),
        cmocka_unit_test(non_ipv4_ethernet),
        cmocka_unit_test(sll_and_sll2),
        cmocka_unit_test(null_both_byte_orders),
        cmocka_unit_test(raw_types),
        cmocka_unit_test(unknown_link_type),
        cmocka_unit_test(link_leaves_cursor_on_failure),
        cmocka_unit_test(null_and_empty_buffers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
