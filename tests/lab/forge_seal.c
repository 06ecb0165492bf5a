/* forge_seal.c - lab-only blind forger against sealed probes (bounded in count and time): the full 2^16-identity brute force with the unsealed check word, then a seeded random sweep of every other quoted bit. */
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
#define SEAL_MAX_RANDOM 1000000u
#define SEAL_MAX_SECONDS 40u
#define LAB_NET 0xc6120000u /* 198.18.0.0/15 */
#define LAB_MASK 0xfffe0000u

enum kind { K_BRUTE_TIMXCEED, K_BRUTE_ECHO, K_RAND_TIMXCEED, K_RAND_UNREACH, K_RAND_ECHO, K__COUNT };
static const char *const kind_names[K__COUNT] = {"brute-time-exceeded", "brute-echo-reply", "random-time-exceeded",
                                                 "random-unreachable", "random-echo-reply"};

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
static size_t build(uint64_t i, uint32_t vantage, uint32_t forged_net, uint32_t target_net, uint64_t *seed,
                    uint8_t *buf, enum kind *k)
{
    uint8_t q[FB_MAX];
    uint32_t from = forged_net | (1 + (uint32_t)(i % 254));
    uint32_t dst = target_net | (rnd(seed) & 0x3ff);
    uint8_t ttl = (uint8_t)(1 + rnd(seed) % 12);
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
    struct pm_probe_spec g = {.method = PM_METHOD_ICMP, .src = vantage, .ident = (uint16_t)rnd(seed)};
    size_t qn = fb_probe(&g, dst, ttl, (uint8_t)(rnd(seed) % 3), q);
    /* the unknown bits: check (7), ICMP checksum (16); identity drawn above */
    q[20 + 7] = (uint8_t)((q[20 + 7] & 0x80) | (rnd(seed) & 0x7f));
    q[20 + 2] = (uint8_t)rnd(seed);
    q[20 + 3] = (uint8_t)rnd(seed);
    switch (rnd(seed) % 3) {
    case 0:
        *k = K_RAND_TIMXCEED;
        return fb_icmp_error(from, vantage, 11, 0, q, 28, buf);
    case 1: {
        static const uint8_t codes[] = {0, 1, 3, 9, 10, 13};
        *k = K_RAND_UNREACH;
        return fb_icmp_error(from, vantage, 3, codes[rnd(seed) % sizeof codes], q, 28, buf);
    }
    default: {
        /* echo reply from the target: id, seq, and a random payload tag */
        *k = K_RAND_ECHO;
        size_t n = fb_answer(&g, dst, ttl, 0, 0, buf);
        buf[20 + 7] = q[20 + 7];
        for (size_t j = 28 + 2; j < n; j++)
            buf[j] = (uint8_t)rnd(seed);
        ones_fix(buf + 20, n - 20);
        mark_ttl(buf);
        (void)qn;
        return n;
    }
    }
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        usage();
        return 64;
    }
    uint32_t vantage, forged_net, target_net;
    char *end;
    unsigned long count = strtoul(argv[4], &end, 10);
    if (parse_addr(argv[1], &vantage) || parse_addr(argv[2], &forged_net) || parse_addr(argv[3], &target_net) ||
        *end || count > SEAL_MAX_RANDOM) {
        usage();
        return 64;
    }
    unsigned long seconds = strtoul(argv[5], &end, 10);
    if (*end || seconds == 0 || seconds > SEAL_MAX_SECONDS) {
        usage();
        return 64;
    }
    unsigned long long seed_arg = strtoull(argv[6], &end, 10);
    if (*end) {
        usage();
        return 64;
    }
    if ((vantage & LAB_MASK) != LAB_NET || (forged_net & LAB_MASK) != LAB_NET || (target_net & LAB_MASK) != LAB_NET) {
        fprintf(stderr, "pm_forge_seal: refusing addresses outside 198.18.0.0/15\n");
        return 64;
    }
    forged_net &= 0xffffff00u;
    target_net &= 0xfffffc00u;
    int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
    if (fd < 0) {
        fprintf(stderr, "pm_forge_seal: raw socket: %s\n", strerror(errno));
        return 77;
    }
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(vantage)};
    uint64_t seed = 0x9e3779b97f4a7c15ull ^ seed_arg;
    uint64_t sent[K__COUNT] = {0}, errors = 0, total_want = 2 * 65536u + count;
    uint64_t start = now_ns(), deadline = start + (uint64_t)seconds * 1000000000u;
    uint64_t gap = (uint64_t)seconds * 1000000000u / total_want;
    uint8_t buf[FB_MAX];
    for (uint64_t i = 0; i < total_want; i++) {
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
