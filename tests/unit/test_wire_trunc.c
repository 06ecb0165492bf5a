/* test_wire_trunc.c - every packet shape cut at every capture length: never a crash, always a drop or a result consistent with the whole packet. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "test_wire_build.h"

struct shape {
    const char *name;
    struct tb pkt;
};

static const uint32_t one_label[] = {16001};
static const uint32_t three_labels[] = {24000, 1048575, 3};

static size_t build_shapes(struct shape *s)
{
    size_t n = 0;
    struct tb q;

    memset(s, 0, 16 * sizeof *s);
    s[n].name = "echo reply";
    {
        struct tb *b = &s[n++].pkt;
        size_t ip = tb_ip(b, PM_PROTO_ICMP, TB_TARGET, TB_VANTAGE, 52, 777, 0);
        size_t ic = tb_icmp(b, PM_ICMP_ECHOREPLY, 0, 0x4242, 9);
        tb_zero(b, 16);
        tb_icmp_end(b, ic);
        tb_ip_end(b, ip);
    }
    memset(&q, 0, sizeof q);
    tb_probe_icmp(&q, 24);
    s[n].name = "timxceed icmp 28";
    tb_error(&s[n++].pkt, PM_ICMP_TIMXCEED, 0, &q, 0, TB_QUOTE_28, NULL, 0, 0);
    s[n].name = "timxceed icmp whole";
    tb_error(&s[n++].pkt, PM_ICMP_TIMXCEED, 0, &q, 0, TB_QUOTE_WHOLE, NULL, 0, 0);
    memset(&q, 0, sizeof q);
    tb_probe_udp(&q, 24);
    s[n].name = "timxceed udp 28";
    tb_error(&s[n++].pkt, PM_ICMP_TIMXCEED, 0, &q, 0, TB_QUOTE_28, NULL, 0, 0);
    s[n].name = "unreach udp whole";
    tb_error(&s[n++].pkt, PM_ICMP_UNREACH, 3, &q, 0, TB_QUOTE_WHOLE, NULL, 0, 0);
    s[n].name = "rfc4884 1 label";
    tb_error(&s[n++].pkt, PM_ICMP_TIMXCEED, 0, &q, 0, TB_QUOTE_RFC4884, one_label, 1, 0);
    s[n].name = "rfc4884 3 labels";
    tb_error(&s[n++].pkt, PM_ICMP_TIMXCEED, 0, &q, 0, TB_QUOTE_RFC4884, three_labels, 3, 0);
    s[n].name = "legacy 128";
    tb_error(&s[n++].pkt, PM_ICMP_TIMXCEED, 0, &q, 0, TB_QUOTE_LEGACY128, three_labels, 3, 0);
    s[n].name = "rfc4884 bad checksum";
    {
        struct tb *b = &s[n++].pkt;
        tb_error(b, PM_ICMP_TIMXCEED, 0, &q, 0, TB_QUOTE_RFC4884, one_label, 1, 0);
        b->d[b->n - 2] ^= 0x10;
        tb_icmp_end(b, 20);
    }
    s[n].name = "options outer and quoted";
    {
        struct tb qo = {0};
        size_t ip = tb_ip(&qo, PM_PROTO_UDP, TB_VANTAGE, TB_TARGET, 1, 0x1234, 16);
        tb_udp(&qo, 40000, 33435, 12);
        tb_ip_end(&qo, ip);
        tb_error(&s[n++].pkt, PM_ICMP_TIMXCEED, 0, &qo, 0, TB_QUOTE_RFC4884, one_label, 1, 12);
    }
    memset(&q, 0, sizeof q);
    tb_probe_tcp(&q, 8);
    s[n].name = "timxceed tcp 28";
    tb_error(&s[n++].pkt, PM_ICMP_TIMXCEED, 0, &q, 0, TB_QUOTE_28, NULL, 0, 0);
    s[n].name = "unreach tcp whole";
    tb_error(&s[n++].pkt, PM_ICMP_UNREACH, 13, &q, 0, TB_QUOTE_WHOLE, NULL, 0, 0);
    s[n].name = "tcp syn-ack";
    {
        struct tb *b = &s[n++].pkt;
        size_t ip = tb_ip(b, PM_PROTO_TCP, TB_TARGET, TB_VANTAGE, 50, 4, 0);
        tb_tcp(b, 80, 40000, 0xa0b0c0d0u, 0x01020305u, PM_TCP_SYN | PM_TCP_ACK, 20);
        tb_ip_end(b, ip);
    }
    return n;
}

static bool ip_equal(const struct pm_ipv4 *a, const struct pm_ipv4 *b)
{
    return a->ihl == b->ihl && a->total_len == b->total_len && a->id == b->id && a->ttl == b->ttl &&
           a->proto == b->proto && a->src == b->src && a->dst == b->dst && a->frag == b->frag;
}

/* What a cut capture may say, given the whole packet decoded to *full. */
static void check_cut(const char *name, size_t cut, int rc, enum pm_wire_drop why,
                      const struct pm_packet *p, const struct pm_packet *full)
{
    if (rc != PM_OK) {
        if (why == PM_DROP_NONE || why >= PM_DROP__COUNT)
            fail_msg("%s cut at %zu: rc=%d without a drop reason", name, cut, rc);
        if (p->has_quote)
            fail_msg("%s cut at %zu: dropped but has_quote", name, cut);
        return;
    }
    if (why != PM_DROP_NONE)
        fail_msg("%s cut at %zu: ok with drop reason %d", name, cut, why);
    if (!ip_equal(&p->ip, &full->ip))
        fail_msg("%s cut at %zu: outer header differs", name, cut);
    if (p->l4.raw_len > 8 || memcmp(p->l4.raw, full->l4.raw, p->l4.raw_len) != 0)
        fail_msg("%s cut at %zu: outer transport bytes differ", name, cut);
    if (p->payload_len > full->payload_len)
        fail_msg("%s cut at %zu: more payload than the whole packet", name, cut);
    if (p->has_quote != full->has_quote)
        fail_msg("%s cut at %zu: quote appeared or vanished", name, cut);
    if (p->has_quote) {
        if (!ip_equal(&p->quoted_ip, &full->quoted_ip))
            fail_msg("%s cut at %zu: quoted header differs", name, cut);
        if (p->quoted_l4.raw_len > full->quoted_l4.raw_len ||
            memcmp(p->quoted_l4.raw, full->quoted_l4.raw, p->quoted_l4.raw_len) != 0)
            fail_msg("%s cut at %zu: quoted transport bytes differ", name, cut);
        if (p->quoted_len > full->quoted_len)
            fail_msg("%s cut at %zu: longer quote than the whole packet", name, cut);
    }
    if (p->n_mpls > PM_MPLS_MAX || p->n_mpls > full->n_mpls)
        fail_msg("%s cut at %zu: %u labels, whole packet has %u", name, cut, p->n_mpls, full->n_mpls);
    for (unsigned i = 0; i < p->n_mpls; i++)
        if (p->mpls[i].label != full->mpls[i].label)
            fail_msg("%s cut at %zu: label %u differs", name, cut, i);
    /* A cut extension can never pass its checksum. */
    if (p->has_ext && p->ext_csum_ok && cut < full->ip.total_len && full->has_ext)
        fail_msg("%s cut at %zu: cut extension claims a good checksum", name, cut);
}

/* Runs one frame (link header + IP packet) through every cut, from a heap
 * copy of exactly cut bytes so ASan sees any read past the end. */
static void cut_everywhere(const char *name, const uint8_t *frame, size_t n, int linktype,
                           size_t link_len)
{
    struct pm_packet full, p;
    enum pm_wire_drop why;
    if (pm_wire_decode(frame, n, linktype, &full, &why) != PM_OK)
        fail_msg("%s: whole packet does not decode (%s)", name, pm_wire_drop_name(why));
    for (size_t cut = 0; cut <= n; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        assert_non_null(copy);
        memcpy(copy, frame, cut);
        why = PM_DROP_NONE;
        int rc = pm_wire_decode(copy, cut, linktype, &p, &why);
        free(copy);
        if (cut < link_len && rc == PM_OK)
            fail_msg("%s: ok with a cut link header (%zu)", name, cut);
        if (cut < link_len + 20 && rc == PM_OK)
            fail_msg("%s: ok with a cut IP header (%zu)", name, cut);
        check_cut(name, cut - (cut > link_len ? link_len : cut), rc, why, &p, &full);
        if (cut == n) {
            assert_int_equal(rc, PM_OK);
            assert_memory_equal(&p, &full, sizeof p);
        }
    }
}

static void every_cut_raw(void **state)
{
    (void)state;
    struct shape s[16];
    size_t n = build_shapes(s);
    assert_int_equal(n, 13);
    for (size_t i = 0; i < n; i++)
        cut_everywhere(s[i].name, s[i].pkt.d, s[i].pkt.n, PM_LINK_RAW, 0);
}

static void every_cut_ethernet_vlan(void **state)
{
    (void)state;
    struct shape s[16];
    size_t n = build_shapes(s);
    for (size_t i = 0; i < n; i++) {
        struct tb f = {0};
        tb_zero(&f, 12);
        tb_u16(&f, 0x8100);
        tb_u16(&f, 7);
        tb_u16(&f, 0x0800);
        tb_bytes(&f, s[i].pkt.d, s[i].pkt.n);
        cut_everywhere(s[i].name, f.d, f.n, PM_LINK_ETHERNET, 18);
    }
}

static void every_cut_sll2(void **state)
{
    (void)state;
    struct shape s[16];
    size_t n = build_shapes(s);
    for (size_t i = 0; i < n; i++) {
        struct tb f = {0};
        tb_u16(&f, 0x0800);
        tb_zero(&f, 18);
        tb_bytes(&f, s[i].pkt.d, s[i].pkt.n);
        cut_everywhere(s[i].name, f.d, f.n, PM_LINK_LINUX_SLL2, 20);
    }
}

/* The expected outcome at a few cut points, so the loops above are not the
 * only evidence: a 28-byte UDP quote behind a 20-byte header. */
static void cut_points_of_a_time_exceeded(void **state)
{
    (void)state;
    struct tb q = {0}, b = {0};
    tb_probe_udp(&q, 24);
    tb_error(&b, PM_ICMP_TIMXCEED, 0, &q, 0, TB_QUOTE_28, NULL, 0, 0);
    struct pm_packet p;
    enum pm_wire_drop why;
    struct {
        size_t cut;
        int rc;
        enum pm_wire_drop why;
        uint8_t qraw;
    } want[] = {
        {19, PM_ETRUNC, PM_DROP_IP_SHORT, 0}, {20, PM_ETRUNC, PM_DROP_L4_SHORT, 0},
        {27, PM_ETRUNC, PM_DROP_L4_SHORT, 0}, {28, PM_ETRUNC, PM_DROP_QUOTE_BAD, 0},
        {47, PM_ETRUNC, PM_DROP_QUOTE_BAD, 0}, {48, PM_OK, PM_DROP_NONE, 0},
        {52, PM_OK, PM_DROP_NONE, 4},          {56, PM_OK, PM_DROP_NONE, 8},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        int rc = pm_wire_decode_ip(b.d, want[i].cut, &p, &why);
        assert_int_equal(rc, want[i].rc);
        assert_int_equal(why, want[i].why);
        if (rc == PM_OK)
            assert_int_equal(p.quoted_l4.raw_len, want[i].qraw);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_cut_raw),
        cmocka_unit_test(every_cut_ethernet_vlan),
        cmocka_unit_test(every_cut_sll2),
        cmocka_unit_test(cut_points_of_a_time_exceeded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
