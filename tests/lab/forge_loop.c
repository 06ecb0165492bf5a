/* forge_loop.c - the lab forgers' shared argument checks, PRNG and paced send loop (bounded in count and time). */
#include "forge_loop.h"

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

#define LAB_NET 0xc6120000u /* 198.18.0.0/15 */
#define LAB_MASK 0xfffe0000u
#define FORGE_MAX_KINDS 16

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint32_t forge_rnd(uint64_t *s)
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

int forge_parse_addrs(const char *prog, char *const argv[3], struct forge_addrs *a)
{
    if (parse_addr(argv[0], &a->vantage) || parse_addr(argv[1], &a->forged_net) ||
        parse_addr(argv[2], &a->target_net))
        return -1;
    if ((a->vantage & LAB_MASK) != LAB_NET || (a->forged_net & LAB_MASK) != LAB_NET ||
        (a->target_net & LAB_MASK) != LAB_NET) {
        fprintf(stderr, "%s: refusing addresses outside 198.18.0.0/15\n", prog);
        return -1;
    }
    a->forged_net &= 0xffffff00u;
    a->target_net &= 0xfffffc00u;
    return 0;
}

int forge_parse_bounded(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int forge_run(const char *prog, const struct forge_addrs *a, uint64_t count, unsigned long seconds, uint64_t seed,
              forge_build_fn build, const struct forge_kinds *kinds)
{
    int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
    if (fd < 0) {
        fprintf(stderr, "%s: raw socket: %s\n", prog, strerror(errno));
        return 77;
    }
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(a->vantage)};
    uint64_t sent[FORGE_MAX_KINDS] = {0}, errors = 0;
    uint64_t start = now_ns(), deadline = start + (uint64_t)seconds * 1000000000u;
    /* Spread over the time given: packet i leaves no earlier than start + i * gap. */
    uint64_t gap = count ? (uint64_t)seconds * 1000000000u / count : 0;
    uint8_t buf[FB_MAX];
    for (uint64_t i = 0; i < count; i++) {
        uint64_t t = now_ns();
        if (t >= deadline)
            break;
        uint64_t due = start + i * gap;
        if (due > t && (i & 63) == 0) {
            struct timespec ts = {0, (long)(due - t)};
            nanosleep(&ts, NULL);
        }
        int k = 0;
        size_t n = build(i, a, &seed, buf, &k);
        if (sendto(fd, buf, n, 0, (struct sockaddr *)&to, sizeof to) < 0)
            errors++;
        else if (k >= 0 && k < kinds->count && k < FORGE_MAX_KINDS)
            sent[k]++;
    }
    close(fd);
    double secs = (double)(now_ns() - start) / 1e9;
    uint64_t total = 0;
    for (int k = 0; k < kinds->count && k < FORGE_MAX_KINDS; k++)
        total += sent[k];
    printf("forged %llu packets in %.2f s (%llu send errors):", (unsigned long long)total, secs,
           (unsigned long long)errors);
    for (int k = 0; k < kinds->count && k < FORGE_MAX_KINDS; k++)
        printf(" %s=%llu", kinds->names[k], (unsigned long long)sent[k]);
    printf("\n");
    return total > 0 ? 0 : 1;
}
