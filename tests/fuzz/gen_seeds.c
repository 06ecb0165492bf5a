/* gen_seeds.c - writes the generated seed files of the fuzz corpora (probes, replies, captures, a store, databases, JSON) from the real encoders; run by hand, output committed. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "fuzz_build.h"
#include "pathmortem/geo.h"
#include "pathmortem/match.h"
#include "pathmortem/output.h"
#include "pathmortem/store.h"
#include "pathmortem/trace.h"

#define VANTAGE 0xc6120002u
#define ROUTER(n) (0xc6120500u + (n))
#define TARGET(n) (0xaf2db000u + (n) * 37u)

static const char *out_dir;

static void write_file(const char *sub, const char *name, const void *data, size_t n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", out_dir, sub);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/%s", out_dir, sub, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "gen_seeds: cannot write %s: %s\n", path, strerror(errno));
        exit(1);
    }
}

static int copy_file(const char *from, const char *sub, const char *name)
{
    FILE *f = fopen(from, "rb");
    if (!f)
        return -1;
    static uint8_t buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    write_file(sub, name, buf, n);
    return 0;
}

/* ---- wire: link byte + frame ---- */

static size_t with_link(uint8_t sel, const uint8_t *ip, size_t n, uint8_t *out)
{
    /* sel indexes fuzz_wire.c's table: 0 null, 1 ethernet, 2 raw, 3 sll, 4 ipv4, 5 sll2 */
    size_t h = 0;
    out[0] = sel;
    uint8_t *f = out + 1;
    switch (sel) {
    case 0: f[0] = 2; f[1] = f[2] = f[3] = 0; h = 4; break;           /* AF_INET, host order LE */
    case 1: memset(f, 0, 12); f[12] = 0x08; f[13] = 0x00; h = 14; break;
    case 3: memset(f, 0, 16); f[14] = 0x08; f[15] = 0x00; h = 16; break;
    case 5: memset(f, 0, 20); f[0] = 0x08; f[1] = 0x00; h = 20; break;
    default: h = 0; break;
    }
    memcpy(f + h, ip, n);
    return 1 + h + n;
}

static void gen_wire(void)
{
    uint8_t p[FB_MAX], e[FB_MAX], out[FB_MAX + 64];
    char name[64];
    for (int method = 0; method < 3; method++) {
        struct pm_probe_spec spec = {.method = (uint8_t)method, .src = VANTAGE, .ident = 0x4d2e,
                                     .dport = method == PM_METHOD_TCP ? 80 : 33434};
        size_t pn = fb_probe(&spec, TARGET(1), 3, 1, p);
        for (uint8_t sel = 0; sel < 6; sel++) {
            snprintf(name, sizeof name, "probe-m%d-link%u", method, sel);
            write_file("wire", name, out, with_link(sel, p, pn, out));
        }
        size_t en = fb_icmp_error(ROUTER(1), VANTAGE, 11, 0, p, 28, e);
        snprintf(name, sizeof name, "timxceed28-m%d", method);
        write_file("wire", name, out, with_link(2, e, en, out));
        en = fb_icmp_error(ROUTER(2), VANTAGE, 3, 13, p, pn, e);
        snprintf(name, sizeof name, "unreach-whole-m%d", method);
        write_file("wire", name, out, with_link(1, e, en, out));
        en = fb_answer(&spec, TARGET(1), 3, 1, 0x12, e);
        snprintf(name, sizeof name, "answer-m%d", method);
        write_file("wire", name, out, with_link(2, e, en, out));
    }
    /* RFC 4884: quote padded to 128 bytes, length attribute 32 words, one MPLS object. */
    struct pm_probe_spec spec = {.method = PM_METHOD_UDP, .src = VANTAGE, .ident = 0x4d2e, .dport = 33434};
    size_t pn = fb_probe(&spec, TARGET(2), 5, 0, p);
    uint8_t q[256];
    memset(q, 0, sizeof q);
    memcpy(q, p, pn);
    uint8_t *x = q + 128;
    x[0] = 0x20; x[1] = 0; x[2] = 0; x[3] = 0;                      /* version 2, checksum below */
    x[4] = 0; x[5] = 8; x[6] = 1; x[7] = 1;                          /* MPLS object, 8 bytes */
    x[8] = 0x01; x[9] = 0x86; x[10] = 0xa1; x[11] = 0xfe;            /* label 100010, S, ttl 254 */
    uint16_t cs = (uint16_t)~pm_wire_fold(pm_wire_sum(x, 12, 0));
    x[2] = (uint8_t)(cs >> 8);
    x[3] = (uint8_t)cs;
    size_t en = fb_icmp_error(ROUTER(3), VANTAGE, 11, 0, q, 140, e);
    e[20 + 5] = 32;   /* length attribute: 32 words of quote */
    e[22] = e[23] = 0;
    uint16_t ic = (uint16_t)~pm_wire_fold(pm_wire_sum(e + 20, en - 20, 0));
    e[22] = (uint8_t)(ic >> 8);
    e[23] = (uint8_t)ic;
    write_file("wire", "timxceed-rfc4884-mpls", out, with_link(2, e, en, out));
}

/* ---- match: programs in fuzz_match.c's language ---- */

struct prog {
    uint8_t b[4096];
    size_t n;
};

static void pb(struct prog *p, int n, ...)
{
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        p->b[p->n++] = (uint8_t)va_arg(ap, int);
    va_end(ap);
}

static void gen_match(void)
{
    char name[64];
    for (int method = 0; method < 3; method++) {
        for (int learn = 0; learn < 2; learn++) {
            struct prog p = {.n = 0};
            pb(&p, 3, method | (learn ? 0x80 : 0), 0x4d, 0x2e);
            for (int t = 0; t < 3; t++)
                for (int ttl = 0; ttl < 4; ttl++)
                    pb(&p, 5, 0, t, ttl, 0, 1);                                  /* probe */
            pb(&p, 10, 1, 1, 1, 0, 1, 0, 0, 22, 0x40, 99);   /* damaged quoted transport bytes: mismatch */
            for (int t = 0; t < 3; t++)
                for (int ttl = 0; ttl < 3; ttl++)
                    pb(&p, 10, 1, t, ttl, 0, 2, 0, 0, 0, 0, 10 + ttl);          /* time exceeded, 28 bytes */
            for (int t = 0; t < 3; t++)
                pb(&p, 8, 2, t, 3, 0, 2, 0x12, 0, 0);                            /* target answers */
            pb(&p, 10, 1, 0, 0, 0, 1, 0, 0, 0, 0, 10);                           /* duplicate */
            pb(&p, 10, 1, 5, 9, 0, 1, 0, 0, 0, 0, 99);                           /* never sent */
            pb(&p, 10, 1 | 4, 2, 2, 1, 1, 0, 0, 0, 0, 98);                       /* to someone else */
            pb(&p, 5, 0, 4, 6, 0, 1);                                            /* probe, then late answer */
            pb(&p, 10, 1, 4, 6, 0, 255, 2, 0, 0, 0, 97);
            pb(&p, 7, 3, 4, 2, 0x45, 0x00, 0x00, 0x14);                           /* raw: short IPv4 */
            pb(&p, 5, 0, 5, 1, 0, 1);                                            /* probe A now */
            pb(&p, 5, 0, 5, 2, 0, 254);                                          /* probe B an hour earlier */
            pb(&p, 10, 1, 5, 2, 0, 253, 2, 0, 0, 0, 96);                         /* B answered an hour later: late */
            snprintf(name, sizeof name, "run-m%d%s", method, learn ? "-learn" : "");
            write_file("match", name, p.b, p.n);
        }
    }
}

/* ---- pcap: a small capture of a real-looking run ---- */

static void le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

static void le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

struct pcapbuf {
    uint8_t b[1 << 16];
    size_t n;
};

static void pcap_start(struct pcapbuf *c, uint32_t linktype)
{
    le32(c->b, 0xa1b2c3d4u);
    le16(c->b + 4, 2);
    le16(c->b + 6, 4);
    le32(c->b + 8, 0);
    le32(c->b + 12, 0);
    le32(c->b + 16, 1024);
    le32(c->b + 20, linktype);
    c->n = 24;
}

static void pcap_add(struct pcapbuf *c, uint64_t ts_us, const uint8_t *ip, size_t n, uint32_t linktype)
{
    uint8_t tmp[FB_MAX + 64];
    size_t h = 0;
    if (linktype == 1) {
        memset(tmp, 0, 12);
        tmp[12] = 0x08;
        tmp[13] = 0;
        h = 14;
    } else if (linktype == 113) {
        memset(tmp, 0, 16);
        tmp[14] = 0x08;
        tmp[15] = 0;
        h = 16;
    }
    memcpy(tmp + h, ip, n);
    if (c->n + 16 + h + n > sizeof c->b)
        return;
    le32(c->b + c->n, (uint32_t)(ts_us / 1000000u));
    le32(c->b + c->n + 4, (uint32_t)(ts_us % 1000000u));
    le32(c->b + c->n + 8, (uint32_t)(h + n));
    le32(c->b + c->n + 12, (uint32_t)(h + n));
    memcpy(c->b + c->n + 16, tmp, h + n);
    c->n += 16 + h + n;
}

/* Probes 3 targets at TTL 1..4; routers answer TTL 1..3; TTL 4 reaches. */
static void run_capture(struct pcapbuf *c, int method, uint32_t linktype)
{
    struct pm_probe_spec spec = {.method = (uint8_t)method, .src = VANTAGE, .ident = 0x4d2e,
                                 .dport = method == PM_METHOD_TCP ? 80 : 33434};
    uint8_t p[FB_MAX], e[FB_MAX];
    uint64_t ts = 1764316800000000ull;
    pcap_start(c, linktype);
    for (int t = 0; t < 3; t++)
        for (uint8_t ttl = 1; ttl <= 4; ttl++) {
            size_t pn = fb_probe(&spec, TARGET(t), ttl, 0, p);
            pcap_add(c, ts, p, pn, linktype);
            ts += 700;
            size_t en;
            if (ttl < 4)
                en = fb_icmp_error(ROUTER(ttl), VANTAGE, 11, 0, p, 28, e);
            else if (method == PM_METHOD_UDP)
                en = fb_icmp_error(TARGET(t), VANTAGE, 3, 3, p, 28, e);
            else
                en = fb_answer(&spec, TARGET(t), ttl, 0, 0x12, e);
            pcap_add(c, ts, e, en, linktype);
            ts += 300;
        }
}

/* A run record (start or end) of spec into the capture. */
static void pcap_record(struct pcapbuf *c, uint64_t ts, const struct pm_probe_spec *spec, uint8_t event,
                        uint32_t linktype)
{
    struct pm_runmeta r = {.event = event, .spec = *spec, .time_us = ts, .first_ttl = 1, .max_ttl = 30,
                           .queries = 1, .wait_ms = 2000, .end = PM_RUN_SIGTERM, .probes_sent = 12};
    uint8_t ip[PM_RUNMETA_MAX];
    size_t n;
    if (pm_runmeta_build(&r, ip, sizeof ip, &n) == PM_OK)
        pcap_add(c, ts, ip, n, linktype);
}

/* Sealed ICMP run over Ethernet (a fixed key, so the files are stable):
 * start record, 3 targets as run_capture, then per target what a forger
 * or a broken network adds (kind: 0 nothing, 1 forgeries, 2 packets the
 * kernel drops), then the end record. ident picks the run. */
static void sealed_capture(struct pcapbuf *c, uint16_t ident, int kind, bool start)
{
    struct pm_probe_spec spec = {.method = PM_METHOD_ICMP, .src = VANTAGE, .ident = ident, .sealed = true};
    for (int i = 0; i < PM_PROBE_KEY_LEN; i++)
        spec.key[i] = (uint8_t)(0x51 + 7 * i + ident);
    uint8_t p[FB_MAX], e[FB_MAX];
    uint64_t ts = 1764316800000000ull + (uint64_t)ident * 1000u;
    if (start)
        pcap_start(c, 1);
    pcap_record(c, ts, &spec, PM_RUNMETA_START, 1);
    for (int t = 0; t < 3; t++)
        for (uint8_t ttl = 1; ttl <= 4; ttl++) {
            size_t pn = fb_probe(&spec, TARGET(t), ttl, 0, p);
            pcap_add(c, ts, p, pn, 1);
            ts += 100;
            if (kind == 1) {
                /* the unsealed check word a forger can compute, and one check bit flipped */
                struct pm_probe_spec g = spec;
                g.sealed = false;
                uint8_t q[FB_MAX];
                size_t qn = fb_probe(&g, TARGET(t), ttl, 0, q);
                size_t en = fb_icmp_error(0xc6126301u, VANTAGE, 11, 0, q, qn < 28 ? qn : 28, e);
                pcap_add(c, ts, e, en, 1);
                memcpy(q, p, pn);
                q[27] ^= 0x01;
                en = fb_icmp_error(0xc6126302u, VANTAGE, 11, 0, q, 28, e);
                pcap_add(c, ts + 1, e, en, 1);
                en = fb_answer(&g, TARGET(t), ttl, 0, 0, e); /* an echo reply without the tag */
                pcap_add(c, ts + 2, e, en, 1);
            } else if (kind == 2) {
                size_t en = fb_icmp_error(ROUTER(ttl), VANTAGE, (uint8_t)(t == 0 ? 4 : t == 1 ? 12 : 11),
                                          (uint8_t)(t == 2 ? 1 : 0), p, 28, e);
                pcap_add(c, ts, e, en, 1); /* source quench, parameter problem, reassembly timeout */
                en = fb_icmp_error(ROUTER(ttl), VANTAGE, 11, 0, p, 28, e);
                e[8] = 0; /* TTL 0 (the header checksum then fails as well: counted once, as TTL 0) */
                pcap_add(c, ts + 1, e, en, 1);
                en = fb_icmp_error(ROUTER(ttl), VANTAGE, 11, 0, p, 28, e);
                e[20 + 2] ^= 0xff; /* ICMP checksum */
                pcap_add(c, ts + 2, e, en, 1);
                en = fb_icmp_error(ROUTER(ttl), VANTAGE, 11, 0, p, 28, e);
                e[6] = 0x20; /* more fragments, offset 0 */
                pcap_add(c, ts + 3, e, en, 1);
            }
            size_t en = ttl < 4 ? fb_icmp_error(ROUTER(ttl), VANTAGE, 11, 0, p, 28, e)
                                : fb_answer(&spec, TARGET(t), ttl, 0, 0, e);
            pcap_add(c, ts + 50, e, en, 1);
            ts += 300;
        }
    pcap_record(c, ts, &spec, PM_RUNMETA_END, 1);
}

static void gen_pcap(void)
{
    static struct pcapbuf c;
    static const uint32_t links[3] = {1, 101, 113};
    char name[64];
    for (int method = 0; method < 3; method++) {
        run_capture(&c, method, links[method]);
        snprintf(name, sizeof name, "run-m%d-link%u.pcap", method, links[method]);
        write_file("pcap", name, c.b, c.n);
    }
    static const char *const sealed_names[3] = {"sealed.pcap", "sealed-forged.pcap", "sealed-kernel-drops.pcap"};
    for (int kind = 0; kind < 3; kind++) {
        sealed_capture(&c, 0x4d2e, kind, true);
        write_file("pcap", sealed_names[kind], c.b, c.n);
    }
    /* two runs in one file, as mergecap or --compare-methods make */
    sealed_capture(&c, 0x4d2e, 0, true);
    sealed_capture(&c, 0x1234, 0, false);
    write_file("pcap", "two-runs.pcap", c.b, c.n);
}

/* ---- a run through the matcher, for the store and JSON seeds ---- */

static struct pm_run *build_run(void)
{
    static struct pcapbuf c;
    run_capture(&c, PM_METHOD_ICMP, 101);
    const char *path = pm_fuzz_file("seed.pcap", c.b, c.n);
    struct pm_run *run = pm_run_alloc();
    struct pm_matcher *m = NULL;
    if (!path || !run || pm_matcher_alloc(NULL, run, &m) != PM_OK)
        exit(1);
    size_t off = 24;
    while (off + 16 <= c.n) {
        uint32_t sec = c.b[off] | c.b[off + 1] << 8 | c.b[off + 2] << 16 | (uint32_t)c.b[off + 3] << 24;
        uint32_t usec = c.b[off + 4] | c.b[off + 5] << 8 | c.b[off + 6] << 16 | (uint32_t)c.b[off + 7] << 24;
        uint32_t len = c.b[off + 8] | c.b[off + 9] << 8 | c.b[off + 10] << 16 | (uint32_t)c.b[off + 11] << 24;
        struct pm_match_event ev;
        pm_matcher_frame(m, c.b + off + 16, len, 101, (uint64_t)sec * 1000000u + usec, &ev);
        off += 16 + len;
    }
    pm_matcher_free(m);
    run->started_us = 1764316800000000ull;
    run->ended_us = run->started_us + 2000000u;
    run->max_ttl = 30;
    run->first_ttl = 1;
    run->queries = 1;
    snprintf(run->vantage, sizeof run->vantage, "seed");
    pm_trace_finish(run, 5);
    return run;
}

static void gen_json_and_store(const char *tmpdir)
{
    char err[PM_ERRBUF_SIZE];
    struct pm_run *run = build_run();
    struct pm_output_ctx ctx = {.run = run};
    char *doc = pm_output_json_string(&ctx, err);
    if (doc) {
        write_file("json", "run-icmp.json", doc, strlen(doc));
        free(doc);
    } else {
        fprintf(stderr, "gen_seeds: json: %s\n", err);
    }
    char path[512];
    snprintf(path, sizeof path, "%s/seed-store.db", tmpdir);
    unlink(path);
    struct pm_store *s = NULL;
    if (pm_store_open(path, PM_STORE_CREATE, &s, err) != PM_OK) {
        fprintf(stderr, "gen_seeds: store: %s\n", err);
        pm_run_free(run);
        return;
    }
    int64_t id;
    for (int i = 0; i < 2; i++) {
        run->started_us += 600000000ull * (uint64_t)i;
        if (pm_store_save_snapshot(s, run, NULL, NULL, &id, err) != PM_OK)
            fprintf(stderr, "gen_seeds: save: %s\n", err);
    }
    char jl[512];
    snprintf(jl, sizeof jl, "%s/seed.jsonl", tmpdir);
    FILE *f = fopen(jl, "w");
    size_t nw = 0;
    if (f) {
        pm_store_export(s, f, 0, 0, &nw, err);
        fclose(f);
        /* one snapshot per line: the first line is a JSON Lines seed */
        char line[1 << 16];
        f = fopen(jl, "r");
        if (f && fgets(line, sizeof line, f))
            write_file("json", "snapshot.jsonl", line, strlen(line));
        if (f)
            fclose(f);
        unlink(jl);
    }
    pm_store_close(s);
    copy_file(path, "store", "two-snapshots.db");
    char side[600];
    unlink(path);
    snprintf(side, sizeof side, "%s.lock", path);
    unlink(side);
    snprintf(path, sizeof path, "%s/pcaps", tmpdir);
    rmdir(path);
    pm_run_free(run);
}

static void gen_mmdb(const char *src_dir, const char *tmpdir)
{
    char err[PM_ERRBUF_SIZE];
    char csv[2][512], out[512];
    snprintf(csv[0], sizeof csv[0], "%s/geo/starjv-asn.csv", src_dir);
    snprintf(csv[1], sizeof csv[1], "%s/geo/starjv-city.csv", src_dir);
    for (int k = 0; k < 2; k++) {
        const char *paths[1] = {csv[k]};
        snprintf(out, sizeof out, "%s/seed-%d.mmdb", tmpdir, k);
        struct pm_geo_build_stats st;
        if (pm_geo_build(k == 0 ? PM_GEO_KIND_ASN : PM_GEO_KIND_CITY, paths, 1, out, 1764316800u, NULL, &st, err) !=
            PM_OK) {
            fprintf(stderr, "gen_seeds: mmdb: %s\n", err);
            continue;
        }
        copy_file(out, "mmdb", k == 0 ? "starjv-asn.mmdb" : "starjv-city.mmdb");
        unlink(out);
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s CORPUS_DIR SOURCE_DIR\n", argv[0]);
        return 2;
    }
    out_dir = argv[1];
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char tmpdir[256];
    snprintf(tmpdir, sizeof tmpdir, "%s/pm-seeds-%ld", tmp, (long)getpid());
    if (mkdir(tmpdir, 0700) != 0)
        return 1;
    gen_wire();
    gen_match();
    gen_pcap();
    gen_json_and_store(tmpdir);
    gen_mmdb(argv[2], tmpdir);
    rmdir(tmpdir);
    return 0;
}
