/* seal_cost.c - CPU cost of the probe seal: pm_probe_encode and pm_matcher_frame per call, sealed vs unsealed, interleaved rounds on one core. */
/*
 * usage: seal_cost [ROUNDS [ONLY]]   (default 5; build: see bench/seal_cost.sh)
 *   ONLY: encode-plain, encode-sealed, match-plain or match-sealed runs that
 *   one contender once (for a profiler, e.g. valgrind --tool=callgrind,
 *   whose instruction counts a loaded machine does not disturb)
 *
 * Encodes 2^22 ICMP probes (4 M) per contender and round, and feeds 2^20
 * time-exceeded replies quoting probes of a run through a matcher given the
 * spec (as the live engine does); the same work with the seal and without,
 * alternating, best of ROUNDS. Offline: nothing is sent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz_build.h"
#include "pathmortem/match.h"
#include "pathmortem/trace.h"

#define VANTAGE 0xc6120002u
#define N_ENCODE (1u << 22)
#define N_TARGETS 4096u
#define TTLS 16u

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double encode_ns(const struct pm_probe_spec *spec)
{
    struct pm_probe p;
    uint32_t sink = 0;
    double t0 = now_s();
    for (uint32_t i = 0; i < N_ENCODE; i++) {
        pm_probe_encode(spec, 0x0a000000u + (i >> 4), (uint8_t)(1 + (i & 15)), 0, &p);
        sink += p.l4[7];
    }
    double dt = now_s() - t0;
    if (sink == 1)
        putchar(' ');
    return dt * 1e9 / N_ENCODE;
}

/* probes of N_TARGETS x TTLS, then one time exceeded for each: ns per frame */
static double match_ns(const struct pm_probe_spec *spec, uint8_t *frames, size_t *lens, size_t stride)
{
    uint32_t n = N_TARGETS * TTLS;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t q[FB_MAX];
        size_t qn = fb_probe(spec, 0x0a000000u + i / TTLS, (uint8_t)(1 + i % TTLS), 0, q);
        memcpy(frames + (size_t)(2 * i) * stride, q, qn);
        lens[2 * i] = qn;
        lens[2 * i + 1] = fb_icmp_error(0xc6120501u, VANTAGE, 11, 0, q, 28, frames + (size_t)(2 * i + 1) * stride);
    }
    struct pm_run *run = pm_run_alloc();
    struct pm_matcher *m = NULL;
    if (!run || pm_matcher_alloc(spec, run, &m) != PM_OK)
        exit(1);
    struct pm_match_event ev;
    double t0 = now_s();
    for (uint32_t i = 0; i < 2 * n; i++)
        pm_matcher_frame(m, frames + (size_t)i * stride, lens[i], 101, 1764316800000000ull + i, &ev);
    double dt = now_s() - t0;
    if (run->stats.replies_matched != n) {
        fprintf(stderr, "seal_cost: matched %llu of %u\n", (unsigned long long)run->stats.replies_matched, n);
        exit(1);
    }
    pm_matcher_free(m);
    pm_run_free(run);
    return dt * 1e9 / (2.0 * n);
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 5;
    if (rounds < 1 || rounds > 50)
        rounds = 5;
    struct pm_probe_spec plain = {.method = PM_METHOD_ICMP, .src = VANTAGE, .ident = 0x5a17};
    struct pm_probe_spec sealed = plain;
    if (pm_probe_spec_seal(&sealed) != PM_OK)
        return 1;
    size_t stride = 128;
    uint8_t *frames = malloc((size_t)2 * N_TARGETS * TTLS * stride);
    size_t *lens = malloc((size_t)2 * N_TARGETS * TTLS * sizeof *lens);
    if (!frames || !lens)
        return 1;
    if (argc > 2) {
        const char *only = argv[2];
        if (!strcmp(only, "encode-plain"))
            encode_ns(&plain);
        else if (!strcmp(only, "encode-sealed"))
            encode_ns(&sealed);
        else if (!strcmp(only, "match-plain"))
            match_ns(&plain, frames, lens, stride);
        else if (!strcmp(only, "match-sealed"))
            match_ns(&sealed, frames, lens, stride);
        else
            return 64;
        free(frames);
        free(lens);
        return 0;
    }
    double best[4] = {1e9, 1e9, 1e9, 1e9};
    for (int r = 0; r < rounds; r++) {
        double v[4] = {encode_ns(&plain), encode_ns(&sealed), match_ns(&plain, frames, lens, stride),
                       match_ns(&sealed, frames, lens, stride)};
        for (int k = 0; k < 4; k++)
            if (v[k] < best[k])
                best[k] = v[k];
        printf("round %d: encode %.1f / %.1f ns, match %.1f / %.1f ns per frame (unsealed / sealed)\n", r + 1, v[0],
               v[1], v[2], v[3]);
    }
    printf("best of %d: pm_probe_encode %.1f ns unsealed, %.1f ns sealed (+%.1f ns); pm_matcher_frame %.1f ns "
           "unsealed, %.1f ns sealed (+%.1f ns per frame, half probes, half replies)\n",
           rounds, best[0], best[1], best[1] - best[0], best[2], best[3], best[3] - best[2]);
    free(frames);
    free(lens);
    return 0;
}
