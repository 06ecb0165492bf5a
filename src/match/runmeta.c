/* runmeta.c - the run records a pcap carries (secret, identity, options, end cause): building and strict parsing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathmortem/match.h"

#define MAGIC "pathmortem-run 1\n"

void pm_run_id_format(uint16_t ident, char buf[8])
{
    snprintf(buf, 8, "%04x", ident);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static int text(const struct pm_runmeta *r, char *t, size_t cap)
{
    char id[8], src[16];
    pm_run_id_format(r->spec.ident, id);
    int n;
    if (r->event == PM_RUNMETA_START) {
        char key[2 * PM_PROBE_KEY_LEN + 1];
        for (size_t i = 0; i < PM_PROBE_KEY_LEN; i++)
            snprintf(key + 2 * i, 3, "%02x", r->spec.key[i]);
        n = snprintf(t, cap,
                     MAGIC "event=start\nrun=%s\nmethod=%s\nsrc=%s\nident=%u\ndport=%u\nflow=%u\nclassic=%u\n"
                           "seal=%s\nstarted_us=%llu\nfirst_ttl=%u\nmax_ttl=%u\nqueries=%u\nwait_ms=%u\n",
                     id, pm_method_name((enum pm_method)r->spec.method), pm_addr_str(r->spec.src, src),
                     r->spec.ident, r->spec.dport, r->spec.flow, r->spec.classic ? 1u : 0u,
                     r->spec.sealed ? key : "none", (unsigned long long)r->time_us, r->first_ttl, r->max_ttl,
                     r->queries, r->wait_ms);
    } else if (r->event == PM_RUNMETA_UNSENT) {
        n = snprintf(t, cap, MAGIC "event=unsent\nrun=%s\nident=%u\n", id, r->spec.ident);
        for (unsigned u = 0; u < r->n_unsent && n > 0 && (size_t)n < cap; u++) {
            char p24[16];
            int k = snprintf(t + n, cap - (size_t)n, "p24=%s:", pm_addr_str(r->unsent[u].prefix, p24));
            if (k < 0 || (size_t)k >= cap - (size_t)n)
                return PM_ELIMIT;
            n += k;
            for (size_t i = 0; i < sizeof r->unsent[u].bits && (size_t)n + 3 < cap; i++)
                n += snprintf(t + n, cap - (size_t)n, "%02x", r->unsent[u].bits[i]);
            if ((size_t)n + 2 >= cap)
                return PM_ELIMIT;
            t[n++] = '\n';
            t[n] = 0;
        }
    } else {
        n = snprintf(t, cap, MAGIC "event=end\nrun=%s\nident=%u\nend=%s\nended_us=%llu\nprobes_sent=%llu\n", id,
                     r->spec.ident, pm_run_end_name((enum pm_run_end)r->end), (unsigned long long)r->time_us,
                     (unsigned long long)r->probes_sent);
    }
    return n < 0 || (size_t)n >= cap ? PM_ELIMIT : n;
}

int pm_runmeta_build(const struct pm_runmeta *r, uint8_t *buf, size_t cap, size_t *len)
{
    char t[PM_RUNMETA_MAX];
    int n = text(r, t, sizeof t - 20);
    if (n < 0 || cap < (size_t)n + 20)
        return PM_ELIMIT;
    uint8_t *h = buf;
    memset(h, 0, 20);
    h[0] = 0x45;
    put16(h + 2, (uint16_t)(20 + n));
    put16(h + 6, 0x4000); /* DF */
    h[8] = 0;             /* TTL 0: never forwarded if it ever left the file */
    h[9] = PM_PROTO_RUNMETA;
    put16(h + 10, (uint16_t)~pm_wire_fold(pm_wire_sum(h, 20, 0)));
    memcpy(h + 20, t, (size_t)n);
    *len = (size_t)n + 20;
    return PM_OK;
}

/* Numbers in records: decimal, no sign, within [0, max]. */
static int num(const char *v, unsigned long long max, unsigned long long *out)
{
    if (*v < '0' || *v > '9' || strlen(v) > 20)
        return PM_ECORRUPT;
    char *end;
    unsigned long long x = strtoull(v, &end, 10);
    if (*end || x > max)
        return PM_ECORRUPT;
    *out = x;
    return PM_OK;
}

static int hexbytes(const char *v, uint8_t *key, size_t n)
{
    if (strlen(v) != 2 * n)
        return PM_ECORRUPT;
    for (size_t i = 0; i < n; i++) {
        unsigned b = 0;
        for (int k = 0; k < 2; k++) {
            char ch = v[2 * i + (size_t)k];
            unsigned d = ch >= '0' && ch <= '9' ? (unsigned)(ch - '0') : ch >= 'a' && ch <= 'f' ? (unsigned)(ch - 'a' + 10) : 16u;
            if (d > 15)
                return PM_ECORRUPT;
            b = b << 4 | d;
        }
        key[i] = (uint8_t)b;
    }
    return PM_OK;
}

static int field(struct pm_runmeta *r, const char *k, const char *v, unsigned *seen)
{
    unsigned long long x = 0;
    int rc = PM_OK;
    if (!strcmp(k, "event")) {
        r->event = !strcmp(v, "start")    ? PM_RUNMETA_START
                   : !strcmp(v, "end")    ? PM_RUNMETA_END
                   : !strcmp(v, "unsent") ? PM_RUNMETA_UNSENT
                                          : 0;
        rc = r->event ? PM_OK : PM_ECORRUPT;
        *seen |= 1;
    } else if (!strcmp(k, "method")) {
        enum pm_method m;
        rc = pm_method_parse(v, &m);
        r->spec.method = (uint8_t)m;
    } else if (!strcmp(k, "src")) {
        rc = pm_addr_parse(v, &r->spec.src) == PM_OK ? PM_OK : PM_ECORRUPT;
    } else if (!strcmp(k, "ident")) {
        if ((rc = num(v, UINT16_MAX, &x)) == PM_OK && x == 0)
            rc = PM_ECORRUPT;
        r->spec.ident = (uint16_t)x;
        *seen |= 2;
    } else if (!strcmp(k, "dport")) {
        rc = num(v, UINT16_MAX, &x);
        r->spec.dport = (uint16_t)x;
    } else if (!strcmp(k, "flow")) {
        rc = num(v, UINT16_MAX, &x);
        r->spec.flow = (uint16_t)x;
    } else if (!strcmp(k, "classic")) {
        rc = num(v, 1, &x);
        r->spec.classic = x != 0;
    } else if (!strcmp(k, "seal")) {
        r->spec.sealed = strcmp(v, "none") != 0;
        rc = r->spec.sealed ? hexbytes(v, r->spec.key, PM_PROBE_KEY_LEN) : PM_OK;
    } else if (!strcmp(k, "started_us") || !strcmp(k, "ended_us")) {
        rc = num(v, UINT64_MAX, &x);
        r->time_us = x;
    } else if (!strcmp(k, "first_ttl") || !strcmp(k, "max_ttl")) {
        if ((rc = num(v, PM_TTL_MAX, &x)) == PM_OK && x == 0)
            rc = PM_ECORRUPT;
        *(k[0] == 'f' ? &r->first_ttl : &r->max_ttl) = (uint8_t)x;
    } else if (!strcmp(k, "queries")) {
        rc = num(v, PM_PROBE_MAX_ATTEMPTS, &x);
        r->queries = (uint8_t)x;
    } else if (!strcmp(k, "wait_ms")) {
        rc = num(v, UINT32_MAX, &x);
        r->wait_ms = (uint32_t)x;
    } else if (!strcmp(k, "end")) {
        rc = PM_ECORRUPT;
        for (int e = PM_RUN_COMPLETE; e <= PM_RUN_TIMEOUT; e++)
            if (!strcmp(v, pm_run_end_name((enum pm_run_end)e))) {
                r->end = (uint8_t)e;
                rc = PM_OK;
            }
        *seen |= 4;
    } else if (!strcmp(k, "p24")) {
        /* a.b.c.0:<64 hex digits>, at most PM_RUNMETA_UNSENT_MAX of them */
        char *colon = strchr(v, ':');
        uint32_t a = 0;
        rc = PM_ECORRUPT;
        if (colon && r->n_unsent < PM_RUNMETA_UNSENT_MAX) {
            *colon = 0;
            struct pm_runmeta_p24 *u = &r->unsent[r->n_unsent];
            if (pm_addr_parse(v, &a) == PM_OK && (a & 0xff) == 0 &&
                hexbytes(colon + 1, u->bits, sizeof u->bits) == PM_OK) {
                u->prefix = a;
                r->n_unsent++;
                rc = PM_OK;
            }
        }
    } else if (!strcmp(k, "probes_sent")) {
        rc = num(v, UINT64_MAX, &x);
        r->probes_sent = x;
    }
    /* run=, and keys of later versions: skipped (run= is derived from ident) */
    return rc;
}

int pm_runmeta_parse(const uint8_t *payload, size_t len, struct pm_runmeta *out)
{
    memset(out, 0, sizeof *out);
    size_t ml = strlen(MAGIC);
    if (len < ml || len >= PM_RUNMETA_MAX || memcmp(payload, MAGIC, ml) != 0)
        return PM_ECORRUPT;
    char t[PM_RUNMETA_MAX];
    memcpy(t, payload + ml, len - ml);
    t[len - ml] = 0;
    if (strlen(t) != len - ml || (len > ml && t[len - ml - 1] != '\n'))
        return PM_ECORRUPT; /* NUL inside, or a cut last line */
    unsigned seen = 0;
    for (char *line = t, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        *nl = 0;
        char *eq = strchr(line, '=');
        if (!eq || eq == line)
            return PM_ECORRUPT;
        *eq = 0;
        if (field(out, line, eq + 1, &seen) != PM_OK)
            return PM_ECORRUPT;
    }
    if (!(seen & 1) || !(seen & 2))
        return PM_ECORRUPT;
    if (out->event == PM_RUNMETA_START && (!out->spec.src || out->spec.method > PM_METHOD_TCP))
        return PM_ECORRUPT;
    if (out->event == PM_RUNMETA_END && !(seen & 4))
        return PM_ECORRUPT;
    if (out->event == PM_RUNMETA_UNSENT && !out->n_unsent)
        return PM_ECORRUPT;
    return PM_OK;
}
