/* gen_addrs.c - writes N pseudo-random IPv4 unicast addresses (1.0.0.0-223.255.255.255), one per line, for bench/geo_lookup.sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: gen_addrs N SEED\n");
        return 64;
    }
    unsigned long long n = strtoull(argv[1], NULL, 10);
    uint64_t x = strtoull(argv[2], NULL, 10) * 0x9E3779B97F4A7C15ull + 1;
    static char buf[1 << 16];
    setvbuf(stdout, buf, _IOFBF, sizeof buf);
    for (unsigned long long i = 0; i < n; i++) {
        uint32_t a;
        do { /* xorshift64*, first octet 1..223 (no 0/8, multicast, reserved) */
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            a = (uint32_t)((x * 0x2545F4914F6CDD1Dull) >> 32);
        } while ((a >> 24) == 0 || (a >> 24) > 223);
        printf("%u.%u.%u.%u\n", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
    }
    return fflush(stdout) ? 74 : 0;
}
