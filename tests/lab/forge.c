/* forge.c - lab-only flood of forged ICMP replies toward the vantage (bounded in count and time): wrong identity, probes never sent, wrong quoted addresses or protocol, malformed; every source in a net the real topology never uses. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fuzz_build.h"
#include "pathmortem/match.h"
#include "pathmortem/trace.h"

/* Hard limits whatever the arguments say: this runs only inside the lab. */
#define FORGE_MAX_COUNT 1000000u
#define FORGE_MAX_SECONDS 10u
#define LAB_NET 0xc6120000u     /* 198.18.0.0/15 */
#define LAB_MASK 0xfffe0000u

enum kind { K_WRONG_ID, K_NEVER_SENT, K_QUOTED_SRC, K_QUOTED_PROTO, K_QUOTED_DST, K_UNREACH, K_ECHO, K_MALFORMED,
            K__COUNT };
static const char *const kind_names[K__COUNT] = {"wrong-identity", "never-sent", "wrong-quoted-src",
                                                 "wrong-quoted-proto", "wrong-quoted-dst", "unreach-never-sent",
                                                 "echo-reply-unknown", "malformed"};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint32_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (uint32_t)*s;
}

static int parse_addr(const char *s, uint32_t *out)
{
    struct in_addr a;
    if (inet_pton(AF_INET, s, &a) != 1)
        return -1;
    *out = ntohl(a.s_addr);
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: pm_forge VANTAGE FORGED_NET TARGET_NET COUNT SECONDS\n"
                    "  e.g. pm_forge 198.18.0.2 198.18.99.0 198.19.176.0 200000 10\n"
                    "  every address must be in 198.18.0.0/15; COUNT <= %u, SECONDS <= %u\n",
            FORGE_MAX_COUNT, FORGE_MAX_SECONDS);
}

/* Builds packet number i of the flood into buf; returns its length. */
static size_t build(uint64_t i, uint32_t vantage, uint32_t forged_net, uint32_t target_net, uint64_t *seed,
                    uint8_t *buf, enum kind *k)
{
    uint8_t q[FB_MAX];
    *k = (enum kind)(i % K__COUNT);
    uint32_t from = forged_net | (1 + (uint32_t)(i / K__COUNT) % 254);
    uint32_t dst = target_net | (rnd(seed) & 0x3ff);        /* inside the swept /22 */
    /* Every identity in turn: one in 65536 is the run's, and that one is
     * still refused because ttl > max TTL and attempt 7 are never sent. */
    struct pm_probe_spec spec = {.method = PM_METHOD_ICMP, .src = vantage,
                                 .ident = (uint16_t)(1 + (i / K__COUNT) % 65535), .dport = 33434};
    uint8_t ttl = (uint8_t)(31 + rnd(seed) % 34);
    size_t qn = fb_probe(&spec, dst, ttl, 7, q);
    switch (*k) {
    case K_WRONG_ID:
        /* a plausible probe whose identity bytes are random */
        for (int j = 24; j < 28; j++)
            q[j] = (uint8_t)rnd(seed);
        q[4] = (uint8_t)rnd(seed);
        q[5] = (uint8_t)rnd(seed);
        q[8] = (uint8_t)(1 + rnd(seed) % 30);
        return fb_icmp_error(from, vantage, 11, 0, q, 28, buf);
    case K_NEVER_SENT:
        return fb_icmp_error(from, vantage, 11, 0, q, qn, buf);
    case K_QUOTED_SRC:
        q[12] = 198; q[13] = 18; q[14] = 0; q[15] = 3;
        return fb_icmp_error(from, vantage, 11, 0, q, 28, buf);
    case K_QUOTED_PROTO:
        spec.method = (uint8_t)(i & 1 ? PM_METHOD_UDP : PM_METHOD_TCP);
        qn = fb_probe(&spec, dst, (uint8_t)(1 + rnd(seed) % 30), 0, q);
        return fb_icmp_error(from, vantage, 11, 0, q, 28, buf);
    case K_QUOTED_DST:
        qn = fb_probe(&spec, 0xc612c800u | (rnd(seed) & 0xff), (uint8_t)(1 + rnd(seed) % 30), 0, q);
        return fb_icmp_error(from, vantage, 11, 0, q, 28, buf);
    case K_UNREACH: {
        static const uint8_t codes[] = {0, 1, 3, 9, 10, 13};
        return fb_icmp_error(from, vantage, 3, codes[rnd(seed) % sizeof codes], q, 28, buf);
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
    if (argc != 6) {
        usage();
        return 64;
    }
    uint32_t vantage, forged_net, target_net;
    char *end;
    unsigned long count = strtoul(argv[4], &end, 10);
    if (parse_addr(argv[1], &vantage) || parse_addr(argv[2], &forged_net) || parse_addr(argv[3], &target_net) ||
        *end || count == 0 || count > FORGE_MAX_COUNT) {
        usage();
        return 64;
    }
    unsigned long seconds = strtoul(argv[5], &end, 10);
    if (*end || seconds == 0 || seconds > FORGE_MAX_SECONDS) {
        usage();
        return 64;
    }
    /* Network safety: refuse anything outside the lab range. */
    if ((vantage & LAB_MASK) != LAB_NET || (forged_net & LAB_MASK) != LAB_NET || (target_net & LAB_MASK) != LAB_NET) {
        fprintf(stderr, "pm_forge: refusing addresses outside 198.18.0.0/15\n");
        return 64;
    }
    forged_net &= 0xffffff00u;
    target_net &= 0xfffffc00u;
    int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
    if (fd < 0) {
        fprintf(stderr, "pm_forge: raw socket: %s\n", strerror(errno));
        return 77;
    }
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(vantage)};
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    uint64_t sent[K__COUNT] = {0}, errors = 0;
    uint64_t start = now_ns(), deadline = start + (uint64_t)seconds * 1000000000u;
    /* Spread over the time given: packet i leaves no earlier than start + i * gap. */
    uint64_t gap = (uint64_t)seconds * 1000000000u / count;
    uint8_t buf[FB_MAX];
    uint64_t i;
    for (i = 0; i < count; i++) {
        uint64_t t = now_ns();
        if (t >= deadline)
            break;
        uint64_t due = start + i * gap;
        if (due > t && (i & 63) == 0) {
            struct timespec ts = {0, (long)(due - t)};
            nanosleep(&ts, NULL);
        }
        enum kind k;
        size_t n = build(i, vantage, forged_net, target_net, &seed, buf, &k);
        if (sendto(fd, buf, n, 0, (struct sockaddr *)&to, sizeof to) < 0)
            errors++;
        else
            sent[k]++;
    }
    close(fd);
    double secs = (double)(now_ns() - start) / 1e9;
    uint64_t total = 0;
    for (int k = 0; k < K__COUNT; k++)
        total += sent[k];
    printf("forged %llu packets in %.2f s (%llu send errors):", (unsigned long long)total, secs,
           (unsigned long long)errors);
    for (int k = 0; k < K__COUNT; k++)
        printf(" %s=%llu", kind_names[k], (unsigned long long)sent[k]);
    printf("\n");
    return total > 0 ? 0 : 1;
}
