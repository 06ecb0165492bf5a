/* store_write.c - snapshots per second into a store from W concurrent writers, and the store's size per /22 snapshot; the same work for SQLite and PostgreSQL. */
/*
 * usage: store_write STORE WRITERS PER_WRITER   (build and server: bench/store_write.sh)
 *
 * One synthetic /22 snapshot (1,024 targets, four /24s: two reached in 7
 * hops, two dying at hop 4 in AS4837 - 6,144 hop rows) is built once and
 * inserted PER_WRITER times by each of WRITERS processes, each with its own
 * vantage and start times, one transaction per snapshot as `snapshot`
 * does. The writers open the store first, then start together; the time is
 * from the start to the last commit. Prints "snapshots S seconds T rate R
 * open O" (O: the slowest writer's open, which for PostgreSQL copies the
 * store into its working copy).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pathmortem/analyze.h"
#include "pathmortem/store.h"
#include "pathmortem/trace.h"

#define T0_US 1764316800000000ull

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint32_t ip(unsigned a, unsigned b, unsigned c, unsigned d)
{
    return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d;
}

static void reply(struct pm_target *t, uint8_t ttl, uint32_t from, uint8_t type, uint8_t kind, uint64_t base)
{
    struct pm_reply r;
    memset(&r, 0, sizeof r);
    r.from = from;
    r.ttl = ttl;
    r.sent_us = base + ttl * 1000u;
    r.recv_us = r.sent_us + 1500u + ttl * 250u;
    r.icmp_type = type;
    r.kind = kind;
    r.reply_ttl = (uint8_t)(64 - ttl);
    pm_target_note_sent(t, ttl);
    pm_target_add_reply(t, &r);
}

static struct pm_snapshot *build(void)
{
    struct pm_run *run = pm_run_alloc();
    run->started_us = T0_US;
    run->ended_us = T0_US + 9000000u;
    run->method = PM_METHOD_ICMP;
    run->source = ip(198, 18, 0, 2);
    snprintf(run->vantage, sizeof run->vantage, "bench");
    for (unsigned p = 0; p < 4; p++)
        for (unsigned i = 0; i < 256; i++) {
            uint32_t dst = ip(175, 45, 176 + p, i);
            struct pm_target *t = pm_run_target(run, dst, true);
            uint64_t base = T0_US + (p * 256 + i) * 1000u;
            for (uint8_t ttl = 1; ttl <= (p < 2 ? 6 : 4); ttl++)
                reply(t, ttl, ip(198, 18, 16 * ttl, 1 + p), 11, PM_REPLY_TIME_EXCEEDED, base);
            if (p < 2) {
                reply(t, 7, dst, 0, PM_REPLY_ECHO_REPLY, base);
                t->stop = PM_STOP_REACHED;
            } else {
                pm_target_note_sent(t, 5);
                pm_target_note_sent(t, 6);
                t->stop = PM_STOP_GAPLIMIT;
            }
            pm_target_sort(t);
        }
    struct pm_analysis *an = calloc(1, sizeof *an);
    an->target_asn = 131279;
    an->n_targets = run->n_targets;
    an->verdicts = calloc(run->n_targets, sizeof *an->verdicts);
    for (uint32_t k = 0; k < run->n_targets; k++) {
        struct pm_verdict *v = &an->verdicts[k];
        bool reached = ((run->targets[k].dst >> 8) & 3) < 2;
        v->status = reached ? PM_STATUS_REACHED : PM_STATUS_DIED;
        v->kind = reached ? PM_DEATH_NONE : PM_DEATH_SILENT;
        v->last_addr = reached ? run->targets[k].dst : ip(198, 18, 64, 3);
        v->last_ttl = reached ? 7 : 4;
        v->last_asn = reached ? 131279 : 4837;
        v->upstream.asn = 4837;
        snprintf(v->upstream.name, sizeof v->upstream.name, "China Unicom");
        if (!reached) {
            v->dies_in.asn = 4837;
            snprintf(v->dies_in.name, sizeof v->dies_in.name, "China Unicom");
        }
        v->confidence = 0.9;
        pm_verdict_add_evidence(v, "last hop %s", reached ? "the target" : "198.18.64.3");
    }
    an->n_prefix = 4;
    an->by_prefix = calloc(4, sizeof *an->by_prefix);
    for (unsigned p = 0; p < 4; p++) {
        struct pm_rollup *r = &an->by_prefix[p];
        snprintf(r->key, sizeof r->key, "175.45.%u.0/24", 176 + p);
        r->prefix = ip(175, 45, 176 + p, 0);
        r->prefix_len = 24;
        r->total = 256;
        r->reached = p < 2 ? 256 : 0;
        r->upstream.asn = 4837;
    }
    char err[PM_ERRBUF_SIZE];
    struct pm_snapshot *snap;
    if (pm_snapshot_from_run(run, an, &snap, err)) {
        fprintf(stderr, "store_write: %s\n", err);
        exit(1);
    }
    pm_run_free(run);
    pm_analysis_free(an);
    return snap;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: store_write STORE WRITERS PER_WRITER\n");
        return 64;
    }
    const char *store = argv[1];
    int writers = atoi(argv[2]), per = atoi(argv[3]);
    if (writers < 1 || writers > 64 || per < 1 || per > 100000) {
        fprintf(stderr, "store_write: 1-64 writers, 1-100000 snapshots each\n");
        return 64;
    }
    struct pm_snapshot *snap = build();
    int go[2], ready[2], times[2];
    if (pipe(go) || pipe(ready) || pipe(times))
        return 1;
    static unsigned run_no;
    run_no = (unsigned)time(NULL);
    for (int w = 0; w < writers; w++) {
        if (fork() != 0)
            continue;
        char err[PM_ERRBUF_SIZE];
        struct pm_store *s;
        double t0 = now();
        if (pm_store_open(store, PM_STORE_CREATE, &s, err)) {
            fprintf(stderr, "store_write: writer %d: %s\n", w, err);
            _exit(2);
        }
        double opened = now() - t0;
        if (write(ready[1], "r", 1) != 1)
            _exit(2);
        char c;
        if (read(go[0], &c, 1) != 1)
            _exit(2);
        snprintf(snap->vantage, sizeof snap->vantage, "bench-%u-%d", run_no, w);
        for (int i = 0; i < per; i++) {
            snap->started_us = T0_US + (uint64_t)i * 600000000ull;
            snap->ended_us = snap->started_us + 9000000u;
            if (pm_store_insert(s, snap, NULL, err)) {
                fprintf(stderr, "store_write: writer %d, snapshot %d: %s\n", w, i, err);
                _exit(3);
            }
        }
        pm_store_close(s);
        if (write(times[1], &opened, sizeof opened) != sizeof opened)
            _exit(2);
        _exit(0);
    }
    char c;
    for (int w = 0; w < writers; w++)
        if (read(ready[0], &c, 1) != 1)
            return 1;
    double t0 = now();
    for (int w = 0; w < writers; w++)
        if (write(go[1], "g", 1) != 1)
            return 1;
    int failed = 0;
    for (int w = 0; w < writers; w++) {
        int st;
        if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
            failed++;
    }
    double dt = now() - t0, open_max = 0, o;
    for (int w = 0; w < writers - failed; w++)
        if (read(times[0], &o, sizeof o) == sizeof o && o > open_max)
            open_max = o;
    pm_snapshot_free(snap);
    if (failed) {
        fprintf(stderr, "store_write: %d writer(s) failed\n", failed);
        return 1;
    }
    printf("snapshots %d seconds %.3f rate %.1f open %.3f\n", writers * per, dt, writers * per / dt, open_max);
    return 0;
}
