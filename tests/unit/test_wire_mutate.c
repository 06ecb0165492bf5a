/* test_wire_mutate.c - deterministic random corruption of valid frames: the decoder must never crash and every result must respect its invariants. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "test_wire_build.h"

#define ROUNDS 200000u /* fixed count, fixed seed: the same cases on every run */

static uint64_t next(uint64_t *s)
{
    /* xorshift64*: reproducible and good enough to pick bytes to spoil */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dull;
}

static void check_invariants(const struct pm_packet *p, size_t caplen)
{
    assert_true(p->ip.ihl >= 20 && p->ip.ihl <= 60 && p->ip.ihl % 4 == 0);
    assert_true(p->ip.total_len >= p->ip.ihl);
    assert_true((p->ip.frag & 0x1fff) == 0);
    assert_true(p->l4.raw_len <= 8);
    assert_true(p->payload_len <= p->ip.total_len - p->ip.ihl);
    assert_true(p->payload_len < caplen);
    assert_true(p->n_mpls <= PM_MPLS_MAX);
    if (p->has_quote) {
        assert_int_equal(p->l4.proto, PM_PROTO_ICMP);
        assert_true(p->quoted_ip.ihl >= 20 && p->quoted_ip.ihl <= 60);
        assert_true(p->quoted_len >= p->quoted_ip.ihl);
        assert_true(p->quoted_len <= p->payload_len);
        assert_true(p->quoted_l4.raw_len <= 8);
        assert_true(p->quoted_l4.raw_len <= p->quoted_len - p->quoted_ip.ihl ||
                    p->quoted_len == p->quoted_ip.total_len);
    } else {
        assert_int_equal(p->n_mpls, 0);
        assert_false(p->has_ext);
    }
    if (!p->has_ext)
        assert_int_equal(p->n_mpls, 0);
    char line[512];
    assert_int_equal(pm_wire_format(p, line, sizeof line), PM_OK);
}

static void random_corruption(void **state)
{
    (void)state;
    static const uint32_t labels[] = {16001, 24000, 3};
    static const int links[] = {PM_LINK_RAW, PM_LINK_IPV4, PM_LINK_ETHERNET, PM_LINK_LINUX_SLL,
                                PM_LINK_LINUX_SLL2, PM_LINK_NULL};
    static struct tb seeds[6];
    struct tb q = {0};
    tb_probe_udp(&q, 12);
    tb_error(&seeds[0], PM_ICMP_TIMXCEED, 0, &q, 0, TB_QUOTE_28, NULL, 0, 0);
    tb_error(&seeds[1], PM_ICMP_TIMXCEED, 0, &q, 0, TB_QUOTE_RFC4884, labels, 3, 4);
    tb_error(&seeds[2], PM_ICMP_UNREACH, 3, &q, 0, TB_QUOTE_LEGACY128, labels, 2, 0);
    tb_error(&seeds[3], PM_ICMP_UNREACH, 13, &q, 0, TB_QUOTE_WHOLE, NULL, 0, 8);
    tb_probe_tcp(&seeds[4], 12);
    tb_probe_icmp(&seeds[5], 20);

    uint64_t s = 0x9e3779b97f4a7c15ull;
    unsigned ok = 0, dropped = 0, by_reason[PM_DROP__COUNT] = {0};
    uint8_t buf[256];
    for (unsigned r = 0; r < ROUNDS; r++) {
        const struct tb *seed = &seeds[next(&s) % 6];
        int link = links[next(&s) % 6];
        size_t hdr = 0;
        /* a plausible link header, so corruption reaches the IP layers */
        memset(buf, 0, 20);
        if (link == PM_LINK_ETHERNET) {
            buf[12] = 0x08;
            hdr = 14;
        } else if (link == PM_LINK_LINUX_SLL) {
            buf[14] = 0x08;
            hdr = 16;
        } else if (link == PM_LINK_LINUX_SLL2) {
            buf[0] = 0x08;
            hdr = 20;
        } else if (link == PM_LINK_NULL) {
            buf[0] = 2;
            hdr = 4;
        }
        size_t n = hdr + seed->n;
        memcpy(buf + hdr, seed->d, seed->n);
        unsigned flips = 1 + (unsigned)(next(&s) % 4);
        for (unsigned f = 0; f < flips; f++) {
            size_t at = next(&s) % n;
            buf[at] = (next(&s) & 1) ? (uint8_t)next(&s) : (uint8_t)(buf[at] ^ (1u << (next(&s) % 8)));
        }
        if (next(&s) % 3 == 0)
            n = next(&s) % (n + 1);
        uint8_t *copy = malloc(n ? n : 1);
        assert_non_null(copy);
        memcpy(copy, buf, n);
        struct pm_packet p;
        enum pm_wire_drop why = PM_DROP__COUNT;
        int rc = pm_wire_decode(copy, n, link, &p, &why);
        free(copy);
        if (rc == PM_OK) {
            assert_int_equal(why, PM_DROP_NONE);
            check_invariants(&p, n);
            ok++;
        } else {
            assert_true(rc < 0);
            assert_true(why > PM_DROP_NONE && why < PM_DROP__COUNT);
            by_reason[why]++;
            dropped++;
        }
    }
    print_message("%u decoded, %u dropped (link %u, ip-short %u, ip-bad %u, fragment %u, l4-short %u, quote-bad %u)\n",
                  ok, dropped, by_reason[PM_DROP_LINK], by_reason[PM_DROP_IP_SHORT],
                  by_reason[PM_DROP_IP_BAD], by_reason[PM_DROP_FRAGMENT], by_reason[PM_DROP_L4_SHORT],
                  by_reason[PM_DROP_QUOTE_BAD]);
    /* Both outcomes and every reason must have been exercised. */
    assert_true(ok > ROUNDS / 10);
    for (int i = PM_DROP_LINK; i < PM_DROP__COUNT; i++)
        assert_true(by_reason[i] > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(random_corruption),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
