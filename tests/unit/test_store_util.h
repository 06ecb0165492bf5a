/* test_store_util.h - synthetic runs and analyses for the store tests: two /24s behind China Unicom and TransTeleCom, in chosen states. */
#ifndef PATHMORTEM_TEST_STORE_UTIL_H
#define PATHMORTEM_TEST_STORE_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "pathmortem/analyze.h"
#include "pathmortem/output.h"
#include "pathmortem/store.h"
#include "pathmortem/trace.h"

#define T0_US 1764316800000000ull /* 2025-11-28T08:00:00Z */
#define STEP_US 600000000ull      /* ten minutes */

enum tstate { TS_REACHED, TS_DIED_4837, TS_DIED_20485, TS_REACHED_VIA_20485 };

static uint32_t ip(unsigned a, unsigned b, unsigned c, unsigned d)
{
    return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d;
}

static void add_reply(struct pm_target *t, uint8_t ttl, uint32_t from, uint8_t type, uint8_t code, uint8_t kind,
                      uint64_t base)
{
    struct pm_reply r;
    memset(&r, 0, sizeof r);
    r.from = from;
    r.ttl = ttl;
    r.sent_us = base + ttl * 1000u;
    r.recv_us = r.sent_us + 1500u + ttl * 250u;
    r.icmp_type = type;
    r.icmp_code = code;
    r.kind = kind;
    r.reply_ttl = (uint8_t)(64 - ttl);
    r.quoted_ttl = type == 11 ? 1 : 0;
    pm_target_note_sent(t, ttl);
    pm_target_add_reply(t, &r);
}

struct fixture {
    struct pm_run *run;
    struct pm_analysis *an;
};

static void set_as(struct pm_as_ref *a, uint32_t asn, const char *name)
{
    a->asn = asn;
    snprintf(a->name, sizeof a->name, "%s", name);
}

/* Builds a run over n_per_24 targets in each of 175.45.176.0/24 (state s176)
 * and 175.45.177.0/24 (state s177), with verdicts and roll-ups as the
 * analyzer would give them. */
static struct fixture make_fixture(uint64_t started, enum tstate s176, enum tstate s177, unsigned n_per_24)
{
    struct fixture fx;
    fx.run = pm_run_alloc();
    struct pm_run *run = fx.run;
    run->started_us = started;
    run->ended_us = started + 4200000u;
    run->method = PM_METHOD_ICMP;
    run->source = ip(198, 18, 0, 2);
    snprintf(run->vantage, sizeof run->vantage, "lab-vantage");
    run->n_dbs = 1;
    snprintf(run->dbs[0].role, sizeof run->dbs[0].role, "asn");
    snprintf(run->dbs[0].path, sizeof run->dbs[0].path, "/usr/share/pathmortem/asn.mmdb");
    snprintf(run->dbs[0].build_date, sizeof run->dbs[0].build_date, "2026-11-01");
    snprintf(run->dbs[0].sha256, sizeof run->dbs[0].sha256, "%064d", 7);
    for (unsigned p = 0; p < 2; p++) {
        enum tstate st = p == 0 ? s176 : s177;
        for (unsigned i = 0; i < n_per_24; i++) {
            uint32_t dst = ip(175, 45, 176 + p, 1 + i);
            struct pm_target *t = pm_run_target(run, dst, true);
            uint64_t base = started + i * 10000u;
            add_reply(t, 1, ip(198, 18, 0, 1), 11, 0, PM_REPLY_TIME_EXCEEDED, base);
            bool russian = st == TS_DIED_20485 || st == TS_REACHED_VIA_20485;
            add_reply(t, 2, russian ? ip(188, 43, 225, 153) : ip(219, 158, 1, 1), 11, 0, PM_REPLY_TIME_EXCEEDED, base);
            if (st == TS_DIED_4837) {
                add_reply(t, 3, ip(219, 158, 39, 42), 3, 13, PM_REPLY_UNREACH, base);
                t->stop = PM_STOP_UNREACHABLE;
            } else if (st == TS_DIED_20485) {
                pm_target_note_sent(t, 3);
                t->stop = PM_STOP_GAPLIMIT;
            } else {
                add_reply(t, 3, russian ? ip(188, 43, 225, 154) : ip(219, 158, 39, 42), 11, 0,
                          PM_REPLY_TIME_EXCEEDED, base);
                add_reply(t, 4, ip(175, 45, 176, 254), 11, 0, PM_REPLY_TIME_EXCEEDED, base);
                add_reply(t, 5, dst, 0, 0, PM_REPLY_ECHO_REPLY, base);
                t->stop = PM_STOP_REACHED;
            }
            pm_target_sort(t);
        }
    }
    fx.an = calloc(1, sizeof *fx.an);
    struct pm_analysis *an = fx.an;
    an->target_asn = 131279;
    an->n_targets = run->n_targets;
    an->verdicts = calloc(run->n_targets, sizeof *an->verdicts);
    for (uint32_t k = 0; k < run->n_targets; k++) {
        struct pm_target *t = &run->targets[k];
        struct pm_verdict *v = &an->verdicts[k];
        enum tstate st = (t->dst & 0xff00) == (176u << 8) ? s176 : s177;
        bool russian = st == TS_DIED_20485 || st == TS_REACHED_VIA_20485;
        if (russian)
            set_as(&v->upstream, 20485, "TransTeleCom");
        else
            set_as(&v->upstream, 4837, "China Unicom");
        v->confidence = 0.875;
        pm_verdict_add_evidence(v, "last hop %s", russian ? "188.43.225.153" : "219.158.39.42");
        pm_verdict_add_evidence(v, "quote \" and backslash \\ survive");
        if (st == TS_DIED_4837) {
            v->status = PM_STATUS_DIED;
            v->kind = PM_DEATH_ADMIN_PROHIB;
            v->last_addr = ip(219, 158, 39, 42);
            v->last_ttl = 3;
            v->last_asn = 4837;
            set_as(&v->dies_in, 4837, "China Unicom");
        } else if (st == TS_DIED_20485) {
            v->status = PM_STATUS_DIED;
            v->kind = PM_DEATH_SILENT;
            v->last_addr = ip(188, 43, 225, 153);
            v->last_ttl = 2;
            v->last_asn = 20485;
            set_as(&v->dies_in, 20485, "TransTeleCom");
        } else {
            v->status = PM_STATUS_REACHED;
            v->last_addr = t->dst;
            v->last_ttl = 5;
            v->last_asn = 131279;
        }
    }
    /* owners: what each router address was inferred to belong to */
    static const struct {
        unsigned a, b, c, d;
        uint32_t asn;
    } own[] = {{175, 45, 176, 254, 131279}, {188, 43, 225, 153, 20485}, {188, 43, 225, 154, 20485},
               {198, 18, 0, 1, 64500},      {219, 158, 1, 1, 4837},     {219, 158, 39, 42, 4837}};
    an->n_owners = sizeof own / sizeof own[0];
    an->owners = calloc(an->n_owners, sizeof *an->owners);
    for (uint32_t k = 0; k < an->n_owners; k++) {
        an->owners[k].addr = ip(own[k].a, own[k].b, own[k].c, own[k].d);
        an->owners[k].mapped_asn = an->owners[k].owner_asn = own[k].asn;
    }
    an->n_prefix = 2;
    an->by_prefix = calloc(2, sizeof *an->by_prefix);
    for (unsigned p = 0; p < 2; p++) {
        struct pm_rollup *r = &an->by_prefix[p];
        enum tstate st = p == 0 ? s176 : s177;
        snprintf(r->key, sizeof r->key, "175.45.%u.0/24", 176 + p);
        r->prefix = ip(175, 45, 176 + p, 0);
        r->prefix_len = 24;
        r->total = n_per_24;
        r->reached = st == TS_REACHED || st == TS_REACHED_VIA_20485 ? n_per_24 : 0;
        if (st == TS_DIED_4837) {
            r->died_same = n_per_24;
            r->death_addr = ip(219, 158, 39, 42);
            r->death_ttl = 3;
            r->death_kind = PM_DEATH_ADMIN_PROHIB;
            set_as(&r->dies_in, 4837, "China Unicom");
        }
        set_as(&r->upstream, st == TS_DIED_20485 || st == TS_REACHED_VIA_20485 ? 20485 : 4837,
               st == TS_DIED_20485 || st == TS_REACHED_VIA_20485 ? "TransTeleCom" : "China Unicom");
    }
    an->n_upstream = 1;
    an->by_upstream = calloc(1, sizeof *an->by_upstream);
    snprintf(an->by_upstream[0].key, sizeof an->by_upstream[0].key, "AS4837");
    set_as(&an->by_upstream[0].upstream, 4837, "China Unicom");
    an->by_upstream[0].total = n_per_24;
    return fx;
}

static void free_fixture(struct fixture *fx)
{
    pm_run_free(fx->run);
    pm_analysis_free(fx->an);
}

/* A fresh temp directory; the store path inside it goes to path. Under
 * tests/pg/with-pg.sh (PM_TEST_PG: the private server's libpq keywords) the
 * store is instead a new database on that server, its schema made by
 * pm_store_init, and the temp directory its local (pcap) directory: the
 * same test then runs on the PostgreSQL backend. */
static void temp_store(char *dir, size_t dlen, char *path, size_t plen)
{
    snprintf(dir, dlen, "/tmp/pm-store-test-XXXXXX");
    if (!mkdtemp(dir))
        abort();
    const char *pg = getenv("PM_TEST_PG");
    if (!pg || !*pg) {
        snprintf(path, plen, "%s/store.db", dir);
        return;
    }
    static unsigned serial;
    char admin[512], sql[128], err[PM_ERRBUF_SIZE], shown[256];
    snprintf(admin, sizeof admin, "%s dbname=postgres", pg);
    PGconn *c = PQconnectdb(admin);
    snprintf(sql, sizeof sql, "CREATE DATABASE pmtest_%ld_%u", (long)getpid(), serial);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "temp_store: %s", PQerrorMessage(c));
        abort();
    }
    PQclear(r);
    PQfinish(c);
    int n = snprintf(path, plen, "%s dbname=pmtest_%ld_%u", pg, (long)getpid(), serial++);
    int from;
    if (n < 0 || (size_t)n >= plen || pm_store_init(path, &from, shown, sizeof shown, err) != PM_OK) {
        fprintf(stderr, "temp_store: %s\n", err);
        abort();
    }
    setenv("PATHMORTEM_SPOOL", dir, 1);
}

/* Closes and opens the store again: what a test reads next comes from the
 * store itself (on a server store, from the server, not this handle's copy). */
static inline int reopen(struct pm_store **s, const char *path, int flags)
{
    char err[PM_ERRBUF_SIZE];
    pm_store_close(*s);
    *s = NULL;
    int rc = pm_store_open(path, flags, s, err);
    if (rc)
        fprintf(stderr, "reopen: %s\n", err);
    return rc;
}

static inline bool on_server(void)
{
    const char *pg = getenv("PM_TEST_PG");
    return pg && *pg;
}

static void rm_rf(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

#endif
