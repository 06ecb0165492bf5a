/* forge_seal.c - lab-only blind forger against sealed probes (bounded in count and time): the full 2^16-identity brute force with the unsealed check word, then a seeded random sweep of every other quoted bit. */
#include <stdio.h>

#include "forge_loop.h"
#include "fuzz_build.h"
#include "pathmortem/match.h"
#include "pathmortem/trace.h"

/* Hard limits whatever the arguments say: this runs only inside the lab. */
#define SEAL_MAX_RANDOM 1000000u
#define SEAL_MAX_SECONDS 40u

enum kind { K_BRUTE_TIMXCEED, K_BRUTE_ECHO, K_RAND_TIMXCEED, K_RAND_UNREACH, K_RAND_ECHO, K__COUNT };
static const char *const kind_names[K__COUNT] = {"brute-time-exceeded", "brute-echo-reply", "random-time-exceeded",
                                                 "random-unreachable", "random-echo-reply"};

static void usage(void)
{
    fprintf(stderr, "usage: pm_forge_seal VANTAGE FORGED_NET TARGET_NET RANDOM_COUNT SECONDS SEED\n"
                    "  e.g. pm_forge_seal 198.18.0.2 198.18.99.0 198.19.176.0 1000000 30 42\n"
                    "  2 x 65536 brute-force packets, then RANDOM_COUNT <= %u random ones, within SECONDS <= %u;\n"
                    "  every address must be in 198.18.0.0/15\n",
            SEAL_MAX_RANDOM, SEAL_MAX_SECONDS);
}

static void ones_fix(uint8_t *icmp, size_t n)
{
    icmp[2] = icmp[3] = 0;
    uint16_t c = (uint16_t)~pm_wire_fold(pm_wire_sum(icmp, n, 0));
    icmp[2] = (uint8_t)(c >> 8);
    icmp[3] = (uint8_t)c;
}

/* Echo replies leave with TTL 250, as the forged errors do (fb_icmp_error):
 * the lab's Linux hosts answer with TTL 64, so the test tells a forged reply
 * from a real one by the IP ID marker and an arrival TTL above 128 - the IP
 * ID alone is not enough, a real router's counter hits 0x7777 or 0x5555 about
 * once in 30,000 replies. */
static void mark_ttl(uint8_t *ip)
{
    ip[8] = 250;
    ip[10] = ip[11] = 0;
    uint16_t c = (uint16_t)~pm_wire_fold(pm_wire_sum(ip, 20, 0));
    ip[10] = (uint8_t)(c >> 8);
    ip[11] = (uint8_t)c;
}

/* Packet i. Brute force (i < 2^17): identity i/2, the check word a forger
 * computes without the secret, a time exceeded from the forged net quoting
 * it or an echo reply spoofed from the target. Random: every quoted field a
 * blind forger does not know drawn at random. */
static size_t build_kind(uint64_t i, uint32_t vantage, uint32_t forged_net, uint32_t target_net, uint64_t *seed,
                         uint8_t *buf, enum kind *k)
{
    uint8_t q[FB_MAX];
    uint32_t from = forged_net | (1 + (uint32_t)(i % 254));
    uint32_t dst = target_net | (forge_rnd(seed) & 0x3ff);
    uint8_t ttl = (uint8_t)(1 + forge_rnd(seed) % 12);
    if (i < 2 * 65536u) {
        struct pm_probe_spec g = {.method = PM_METHOD_ICMP, .src = vantage, .ident = (uint16_t)(i / 2)};
        if (i % 2 == 0) {
            *k = K_BRUTE_TIMXCEED;
            fb_probe(&g, dst, ttl, 0, q);
            return fb_icmp_error(from, vantage, 11, 0, q, 28, buf);
        }
        *k = K_BRUTE_ECHO;
        size_t n = fb_answer(&g, dst, ttl, 0, 0, buf);
        mark_ttl(buf);
        return n;
    }
    struct pm_probe_spec g = {.method = PM_METHOD_ICMP, .src = vantage, .ident = (uint16_t)forge_rnd(seed)};
    size_t qn = fb_probe(&g, dst, ttl, (uint8_t)(forge_rnd(seed) % 3), q);
    /* the unknown bits: check (7), ICMP checksum (16); identity drawn above */
    q[20 + 7] = (uint8_t)((q[20 + 7] & 0x80) | (forge_rnd(seed) & 0x7f));
    q[20 + 2] = (uint8_t)forge_rnd(seed);
    q[20 + 3] = (uint8_t)forge_rnd(seed);
    switch (forge_rnd(seed) % 3) {
    case 0:
        *k = K_RAND_TIMXCEED;
        return fb_icmp_error(from, vantage, 11, 0, q, 28, buf);
    case 1: {
        static const uint8_t codes[] = {0, 1, 3, 9, 10, 13};
        *k = K_RAND_UNREACH;
        return fb_icmp_error(from, vantage, 3, codes[forge_rnd(seed) % sizeof codes], q, 28, buf);
    }
    default: {
        /* echo reply from the target: id, seq, and a random payload tag */
        *k = K_RAND_ECHO;
        size_t n = fb_answer(&g, dst, ttl, 0, 0, buf);
        buf[20 + 7] = q[20 + 7];
        for (size_t j = 28 + 2; j < n; j++)
            buf[j] = (uint8_t)forge_rnd(seed);
        ones_fix(buf + 20, n - 20);
        mark_ttl(buf);
        (void)qn;
        return n;
    }
    }
}

static size_t build(uint64_t i, const struct forge_addrs *a, uint64_t *seed, uint8_t *buf, int *kind)
{
    enum kind k;
    size_t n = build_kind(i, a->vantage, a->forged_net, a->target_net, seed, buf, &k);
    *kind = (int)k;
    return n;
}

int main(int argc, char **argv)
{
    struct forge_addrs a;
    unsigned long count, seconds, seed;
    if (argc != 7 || forge_parse_addrs("pm_forge_seal", argv + 1, &a) ||
        forge_parse_bounded(argv[4], 0, SEAL_MAX_RANDOM, &count) ||
        forge_parse_bounded(argv[5], 1, SEAL_MAX_SECONDS, &seconds) ||
        forge_parse_bounded(argv[6], 0, ~0ul, &seed)) {
        usage();
        return 64;
    }
    const struct forge_kinds kinds = {kind_names, K__COUNT};
    return forge_run("pm_forge_seal", &a, 2 * 65536u + (uint64_t)count, seconds, 0x9e3779b97f4a7c15ull ^ seed,
                     build, &kinds);
}
