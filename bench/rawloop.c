/* rawloop.c - the baseline for the engine benchmark: a bare raw-socket loop sending TTL-1 ICMP echo probes as fast as it can. */
/*
 * usage: rawloop SRC FIRST_DST COUNT SECONDS [recv]
 *   sends to FIRST_DST + (i % COUNT) for SECONDS (at most 60).
 *   With "recv", the same loop also drains a raw ICMP socket between bursts
 *   and counts the time-exceeded replies: a bare send-and-receive loop, the
 *   fairer peer of an engine that also reads every reply. Replies are only
 *   counted (type byte after the IP header), never trusted further.
 * Prints one line: "rawloop: sent N in S s = R pps (E errors) [received M = Q rps]".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint16_t csum(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* Reads whatever is queued on the ICMP socket; counts time-exceeded messages. */
static uint64_t drain(int rfd)
{
    uint8_t buf[1600];
    uint64_t got = 0;
    for (int i = 0; i < 1024; i++) { /* bounded: never starve the sender */
        ssize_t n = recv(rfd, buf, sizeof buf, MSG_DONTWAIT);
        if (n < 0)
            break;
        if (n < 21)
            continue;
        size_t ihl = (size_t)(buf[0] & 15) * 4;
        if (ihl >= 20 && (size_t)n > ihl && buf[ihl] == 11)
            got++;
    }
    return got;
}

int main(int argc, char **argv)
{
    if (argc != 5 && !(argc == 6 && strcmp(argv[5], "recv") == 0)) {
        fprintf(stderr, "usage: rawloop SRC FIRST_DST COUNT SECONDS [recv]\n");
        return 64;
    }
    struct in_addr src, dst0;
    if (!inet_aton(argv[1], &src) || !inet_aton(argv[2], &dst0)) {
        fprintf(stderr, "rawloop: bad address\n");
        return 64;
    }
    uint32_t count = (uint32_t)strtoul(argv[3], NULL, 10);
    double secs = strtod(argv[4], NULL);
    if (!count || !(secs > 0 && secs <= 60)) {
        fprintf(stderr, "rawloop: COUNT must be > 0 and SECONDS in (0, 60]\n");
        return 64;
    }
    int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
    if (fd < 0) {
        perror("rawloop: socket");
        return 71;
    }
    int rfd = -1;
    if (argc == 6) {
        rfd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
        if (rfd < 0) {
            perror("rawloop: icmp socket");
            return 71;
        }
        int sz = 64 << 20; /* a large receive buffer, as a capture would have */
        if (setsockopt(rfd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) < 0)
            setsockopt(rfd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    }
    uint8_t pkt[40];
    uint64_t sent = 0, errors = 0, received = 0;
    double start = now(), end = start + secs;
    while (now() < end) {
        for (int burst = 0; burst < 256; burst++) {
            memset(pkt, 0, sizeof pkt);
            uint32_t d = ntohl(dst0.s_addr) + (uint32_t)(sent % count);
            pkt[0] = 0x45;
            pkt[3] = sizeof pkt;
            pkt[4] = (uint8_t)(sent >> 8);
            pkt[5] = (uint8_t)sent;
            pkt[8] = 1; /* TTL 1: the first router answers */
            pkt[9] = IPPROTO_ICMP;
            memcpy(pkt + 12, &src.s_addr, 4);
            uint32_t nd = htonl(d);
            memcpy(pkt + 16, &nd, 4);
            pkt[20] = 8;
            pkt[26] = (uint8_t)(sent >> 8);
            pkt[27] = (uint8_t)sent;
            uint16_t c = csum(pkt + 20, sizeof pkt - 20);
            pkt[22] = (uint8_t)(c >> 8);
            pkt[23] = (uint8_t)c;
            struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = nd};
            if (sendto(fd, pkt, sizeof pkt, 0, (struct sockaddr *)&sin, sizeof sin) < 0)
                errors++;
            else
                sent++;
        }
        if (rfd >= 0)
            received += drain(rfd);
    }
    double el = now() - start;
    if (rfd >= 0) {
        /* the last replies: a short, bounded drain */
        double until = now() + 0.2;
        while (now() < until)
            received += drain(rfd);
    }
    printf("rawloop: sent %llu in %.2f s = %.0f pps (%llu errors)", (unsigned long long)sent, el, (double)sent / el,
           (unsigned long long)errors);
    if (rfd >= 0)
        printf(" received %llu = %.0f rps", (unsigned long long)received, (double)received / el);
    printf("\n");
    return 0;
}
