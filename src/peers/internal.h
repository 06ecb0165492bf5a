/* internal.h - what the peers readers share: the reading context, run grouping by vantage, error lines. */
#ifndef PATHMORTEM_PEERS_INTERNAL_H
#define PATHMORTEM_PEERS_INTERNAL_H

#include <jansson.h>

#include "pathmortem/peers.h"

struct pm_peers_ctx {
    struct pm_peer_set *set;
    uint8_t gaplimit;
    uint64_t record;          /* 1-based number of the record being read */
    uint64_t line;            /* line where it starts (0: not a text format) */
    char *errbuf;
    /* grouping: vantage key -> first run, then a chain of its later rounds */
    uint32_t *next;           /* per run: index + 1 of the same vantage's next round (0 none) */
    uint32_t *heads;          /* open addressing over keys: run index + 1 */
    uint32_t heads_cap;
    char (*keys)[64];         /* per run: its grouping key */
    uint32_t cap_runs;
    char monitor[48];         /* scamper: hostname from the last cycle-start record */
    bool first_seen;          /* the first record decided what the file is */
    uint64_t deep_hops;       /* hops beyond PM_TTL_MAX, not kept */
    uint64_t late;            /* replies outside [probe, probe + PM_PEERS_MAX_RTT_US], not kept */
    uint64_t *seen;           /* open addressing over hashes of results already read (0: empty) */
    size_t seen_cap, n_seen;
};

/* Has a result with this identity (vantage, measurement, destination, time)
 * been read already? Remembers it if not. PM_ENOMEM on allocation failure. */
int pm_peers_seen(struct pm_peers_ctx *c, const char *identity, bool *dup);

/* "record N (line L): " + message into errbuf; returns code. */
int pm_peers_bad(struct pm_peers_ctx *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Notes a skipped record (the first reason is kept as the warning). */
void pm_peers_skip(struct pm_peers_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The run of vantage `key` that does not hold dst yet, created from proto
 * (method, source, flow, classic, vantage, input) when every round of the
 * vantage already holds it. *t gets the new target. */
int pm_peers_run_for(struct pm_peers_ctx *c, const struct pm_run *proto, const char *key, uint32_t dst,
                     struct pm_run **run, struct pm_target **t);
/* The same for a scamper trace (lb false) or tracelb record, warts or JSON:
 * one run per vantage, record kind and method, as scamper keeps them. */
int pm_peers_scamper_run(struct pm_peers_ctx *c, const struct pm_run *proto, bool lb, uint32_t dst,
                         struct pm_run **run, struct pm_target **t);
int pm_peers_add_v6(struct pm_peers_ctx *c, const struct pm_peer_v6 *v);
/* The longest time a reply may follow its probe (Atlas caps rtt at an hour too). */
#define PM_PEERS_MAX_RTT_US (UINT64_C(3600) * 1000000u)
/* Appends one reply, refusing past the trace model's per-target cap; a
 * reply outside [sent, sent + PM_PEERS_MAX_RTT_US] is counted, not kept. */
int pm_peers_add_reply(struct pm_peers_ctx *c, struct pm_target *t, const struct pm_reply *r);
/* The same, keeping the reply's extension objects e and label stack m (NULL: none). */
int pm_peers_add_reply_ext(struct pm_peers_ctx *c, struct pm_target *t, const struct pm_reply *r,
                           const struct pm_ext_set *e, const struct pm_mpls_stack *m);
/* An MPLS label stack object (class 1, c-type 1) rebuilt as its bytes, for
 * sources that give the entries but not the object (Atlas, sc_warts2json). */
void pm_peers_ext_mpls(struct pm_ext_set *s, const struct pm_mpls_entry *m, uint8_t n);
/* Learns the inferred parameters and finishes every run. */
void pm_peers_finish(struct pm_peers_ctx *c);
void pm_peers_ctx_free(struct pm_peers_ctx *c);

/* Per format. rec is borrowed. */
int pm_peers_atlas(struct pm_peers_ctx *c, json_t *rec);
int pm_peers_scamper_json(struct pm_peers_ctx *c, json_t *rec);
int pm_peers_scamper_json_lb(struct pm_peers_ctx *c, json_t *rec);
/* scamper's {sec, usec} time at o[key] in µs (0 when absent and not required). */
int pm_peers_jtime(struct pm_peers_ctx *c, json_t *o, const char *path, const char *key, bool req, uint64_t *us);
/* A scamper JSON record's input facts (format, tool, version, vantage, what the
 * format cannot say) into proto, for trace and tracelb records alike. */
void pm_peers_scamper_input(const struct pm_peers_ctx *c, json_t *rec, struct pm_run *proto, const char *format,
                            const char *src, const char *missing);

/* tracelb (warts and JSON): how many replies from one address at one TTL are
 * kept. tracelb sends many flows per hop; a few per address show the hop, the
 * rest would only fill the per-destination cap that several next hops share. */
#define PM_PEERS_LB_PER_ADDR 3
/* tracelb (warts and JSON): keeps one reply r of a node (extension objects
 * e and label stack m, NULL: none) and moves the run's end to it; the first one kept of a
 * probe (*kept counts them) marks the probe sent. 1 when t holds its cap
 * of replies: the record's other replies are left out with one warning
 * and the record is read (tracelb's many flows fill the cap quickly). */
int pm_peers_lb_keep(struct pm_peers_ctx *c, struct pm_run *run, struct pm_target *t, const struct pm_reply *r,
                     const struct pm_ext_set *e, const struct pm_mpls_stack *m, uint32_t *kept);
/* An ICMP reply's type, code and kind (time-exceeded, unreachable, echo reply, other) into r. */
void pm_peers_icmp_kind(uint8_t type, uint8_t code, struct pm_reply *r);
/* Replies of t from `from` at `ttl` so far. */
uint32_t pm_peers_seen_at(const struct pm_target *t, uint8_t ttl, uint32_t from);
int pm_peers_warts(struct pm_peers_ctx *c, FILE *f, const char *name);
int pm_peers_pcap(struct pm_peers_ctx *c, FILE *f, const char *name);

/* Typed members of a JSON object: PM_OK, 1 when absent (and not required), or an error line. */
int pm_peers_jint(struct pm_peers_ctx *c, json_t *o, const char *path, const char *key, bool req, int64_t min,
                  int64_t max, int64_t *out);
int pm_peers_jnum(struct pm_peers_ctx *c, json_t *o, const char *path, const char *key, bool req, double min,
                  double max, double *out);
int pm_peers_jstr(struct pm_peers_ctx *c, json_t *o, const char *path, const char *key, bool req, char *dst,
                  size_t cap);
int pm_peers_jbool(struct pm_peers_ctx *c, json_t *o, const char *path, const char *key, bool *out);

/* Reads dotted-quad or IPv6 text; *v4 set (host order) for IPv4. */
int pm_peers_addr(const char *s, bool *is_v6, uint32_t *v4);

#endif
