/* forge.c - lab-only flood of forged ICMP replies toward the vantage (bounded in count and time): wrong identity, probes never sent, wrong quoted addresses or protocol, malformed; every source in a net the real topology never uses. */
#include <stdio.h>

#include "forge_loop.h"
#include "fuzz_build.h"
#include "pathmortem/match.h"
#include "pathmortem/trace.h"

/* Hard limits whatever the arguments say: this runs only inside the lab. */
#define FORGE_MAX_COUNT 1000000u
#define FORGE_MAX_SECONDS 10u

enum kind { K_WRONG_ID, K_NEVER_SENT, K_QUOTED_SRC, K_QUOTED_PROTO, K_QUOTED_DST, K_UNREACH, K_ECHO, K_MALFORMED,
            K__COUNT };
static const char *const kind_names[K__COUNT] = {"wrong-identity", "never-sent", "wrong-quoted-src",
                                                 "wrong-quoted-proto", "wrong-quoted-dst", "unreach-never-sent",
                                                 "echo-reply-unknown", "malformed"};

static void usage(void)
{
    fprintf(stderr, "usage: pm_forge VANTAGE FORGED_NET TARGET_NET COUNT SECONDS\n"
                    "  e.g. pm_forge 198.18.0.2 198.18.99.0 198.19.176.0 200000 10\n"
                    "  every address must be in 198.18.0.0/15; COUNT <= %u, SECONDS <= %u\n",
            FORGE_MAX_COUNT, FORGE_MAX_SECONDS);
}

/* Builds packet number i of the flood into buf; returns its length. */
static size_t build(uint64_t i, const struct forge_addrs *a, uint64_t *seed, uint8_t *buf, int *kind)
{
    uint8_t q[FB_MAX];
    uint32_t vantage = a->vantage, forged_net = a->forged_net, target_net = a->target_net;
    enum kind kd = (enum kind)(i % K__COUNT);
    *kind = (int)kd;
    uint32_t from = forged_net | (1 + (uint32_t)(i / K__COUNT) % 254);
    uint32_t dst = target_net | (forge_rnd(seed) & 0x3ff);        /* inside the swept /22 */
    /* Every identity in turn: one in 65536 is the run's, and that one is
     * still refused because ttl > max TTL and attempt 7 are never sent. */
    struct pm_probe_spec spec = {.method = PM_METHOD_ICMP, .src = vantage,
                                 .ident = (uint16_t)(1 + (i / K__COUNT) % 65535), .dport = 33434};
    uint8_t ttl = (uint8_t)(31 + forge_rnd(seed) % 34);
    size_t qn = fb_probe(&spec, dst, ttl, 7, q);
    switch (kd) {
    case K_WRONG_ID:
        /* a plausible probe whose identity bytes are random */
        for (int j = 24; j < 28; j++)
            q[j] = (uint8_t)forge_rnd(seed);
        q[4] = (uint8_t)forge_rnd(seed);
        q[5] = (uint8_t)forge_rnd(seed);
        q[8] = (uint8_t)(1 + forge_rnd(seed) % 30);
        return fb_icmp_error(from, vantage, 11, 0, q, 28, buf);
    case K_NEVER_SENT:
        return fb_icmp_error(from, vantage, 11, 0, q, qn, buf);
    case K_QUOTED_SRC:
        q[12] = 198; q[13] = 18; q[14] = 0; q[15] = 3;
        return fb_icmp_error(from, vantage, 11, 0, q, 28, buf);
    case K_QUOTED_PROTO:
        spec.method = (uint8_t)(i & 1 ? PM_METHOD_UDP : PM_METHOD_TCP);
        qn = fb_probe(&spec, dst, (uint8_t)(1 + forge_rnd(seed) % 30), 0, q);
        return fb_icmp_error(from, vantage, 11, 0, q, 28, buf);
    case K_QUOTED_DST:
        qn = fb_probe(&spec, 0xc612c800u | (forge_rnd(seed) & 0xff), (uint8_t)(1 + forge_rnd(seed) % 30), 0, q);
        return fb_icmp_error(from, vantage, 11, 0, q, 28, buf);
    case K_UNREACH: {
        static const uint8_t codes[] = {0, 1, 3, 9, 10, 13};
        return fb_icmp_error(from, vantage, 3, codes[forge_rnd(seed) % sizeof codes], q, 28, buf);
    }
    case K_ECHO: {
        size_t n = fb_answer(&spec, dst, ttl, 7, 0, buf);
        /* from the forged net, not the target: if accepted it would show */
        buf[12] = (uint8_t)(from >> 24); buf[13] = (uint8_t)(from >> 16);
        buf[14] = (uint8_t)(from >> 8); buf[15] = (uint8_t)from;
        return n;
    }
    default: {
        /* an ICMP error whose quote is cut inside the quoted IP header */
        size_t n = fb_icmp_error(from, vantage, 11, 0, q, 28, buf);
        return n - 14;
    }
    }
}

int main(int argc, char **argv)
{
    struct forge_addrs a;
    unsigned long count, seconds;
    if (argc != 6 || forge_parse_addrs("pm_forge", argv + 1, &a) ||
        forge_parse_bounded(argv[4], 1, FORGE_MAX_COUNT, &count) ||
        forge_parse_bounded(argv[5], 1, FORGE_MAX_SECONDS, &seconds)) {
        usage();
        return 64;
    }
    const struct forge_kinds kinds = {kind_names, K__COUNT};
    return forge_run("pm_forge", &a, count, seconds, 0x9e3779b97f4a7c15ull, build, &kinds);
}
