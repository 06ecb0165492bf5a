/* forge_loop.h - what the lab's two forgers share: argument checks that keep them inside 198.18.0.0/15, a seeded PRNG, and the paced, bounded send loop. */
#ifndef PM_FORGE_LOOP_H
#define PM_FORGE_LOOP_H

#include <stddef.h>
#include <stdint.h>

/* The addresses a forger works with, host order; all inside the lab range. */
struct forge_addrs {
    uint32_t vantage;    /* where the forged replies go */
    uint32_t forged_net; /* a /24 the topology never uses: sources of forged errors */
    uint32_t target_net; /* the swept /22 */
};

/* Builds packet number i into buf (FB_MAX bytes); returns its length and sets *kind. */
typedef size_t (*forge_build_fn)(uint64_t i, const struct forge_addrs *a, uint64_t *seed, uint8_t *buf,
                                 int *kind);

/* A forger's kinds of packet, named in its summary line. */
struct forge_kinds {
    const char *const *names;
    int count;
};

/* xorshift64: the same sequence for the same seed, so a failure replays. */
uint32_t forge_rnd(uint64_t *s);

/* Parses VANTAGE FORGED_NET TARGET_NET from argv[0..2]; refuses anything outside
 * 198.18.0.0/15 (network safety: these tools send packets). -1 after a message. */
int forge_parse_addrs(const char *prog, char *const argv[3], struct forge_addrs *a);

/* Parses an unsigned decimal in [lo, hi]; -1 if it is not one. */
int forge_parse_bounded(const char *s, unsigned long lo, unsigned long hi, unsigned long *out);

/* Sends count packets from build to a->vantage, spread over seconds and cut at
 * that deadline, then prints "forged N packets in S s (E send errors): kind=n ...".
 * Returns 0 when something was sent, 1 when nothing was, 77 without a raw socket. */
int forge_run(const char *prog, const struct forge_addrs *a, uint64_t count, unsigned long seconds, uint64_t seed,
              forge_build_fn build, const struct forge_kinds *kinds);

#endif
