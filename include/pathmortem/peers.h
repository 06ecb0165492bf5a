/* peers.h - other systems' traceroute files (RIPE Atlas JSON, scamper warts and JSON) read into pathmortem runs. */
#ifndef PATHMORTEM_PEERS_H
#define PATHMORTEM_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pathmortem/analyze.h"
#include "pathmortem/trace.h"

/* What a file is, decided from its first bytes (never from its name). */
enum pm_peer_kind {
    PM_PEER_UNKNOWN = 0, /* not recognised: left to the pcap reader, which names the problem */
    PM_PEER_PCAP,        /* pcap or pcapng */
    PM_PEER_JSON,        /* JSON: an array or a stream of objects (Atlas, sc_warts2json, ...) */
    PM_PEER_WARTS        /* scamper warts */
};

/* Looks at the first len bytes of a file. */
enum pm_peer_kind pm_peers_sniff(const uint8_t *buf, size_t len);
/* Do the first bytes of a JSON file start a pathmortem export line (schema pathmortem-snapshot)? */
bool pm_peers_is_export(const uint8_t *buf, size_t len);

/* An IPv6 trace: read and reported, not analyzed (the trace model is IPv4). */
struct pm_peer_v6 {
    char vantage[48];     /* "prb 82", "scamper host" */
    char dst[48];
    char last[48];        /* last address that answered ("" none) */
    uint8_t last_hop;     /* its hop (0 none) */
    bool reached;         /* the destination answered */
    uint32_t replies;
    uint64_t started_us;
};

/* Caps of the readers (bounded memory whatever the file says). */
#define PM_PEERS_MAX_RECORD ((size_t)16 << 20)  /* one JSON result or warts record, bytes */
#define PM_PEERS_MAX_RUNS 65536u                /* vantages x rounds */
#define PM_PEERS_MAX_V6 65536u                  /* IPv6 traces listed */
#define PM_PEERS_MAX_HOPS 255u                  /* hops of one result */
#define PM_PEERS_MAX_PER_HOP 64u                /* replies listed at one hop of one result */

/* Everything read from one file: one run per vantage (a vantage that traced
 * the same destination again gets a further run, its next round). */
struct pm_peer_set {
    char what[64];               /* "RIPE Atlas traceroute results", "scamper warts" ... */
    uint32_t n_runs;
    struct pm_run **runs;        /* owned, finished (pm_trace_finish) */
    uint32_t n_v6;
    struct pm_peer_v6 *v6;       /* owned */
    uint64_t records;            /* results/traces read (IPv4 and IPv6) */
    uint64_t skipped;            /* records of other kinds among them (warning) */
    uint64_t failed;             /* measurements that sent nothing (probe errors) */
    char warning[PM_ERRBUF_SIZE];/* first skip reason ("" none) */
    uint8_t gaplimit;            /* used by pm_trace_finish */
};

/* Reads a whole file of kind (from pm_peers_sniff) into *set. A file of
 * another kind (Atlas ping results, scamper ping, a pathmortem document...)
 * gives PM_EUNSUPP with a line naming it; bad input gives PM_ECORRUPT or
 * PM_ELIMIT with "record N (line L): ..." in errbuf. f must be seekable for
 * warts (libscamperfile reads its descriptor from offset 0). */
int pm_peers_read(FILE *f, const char *name, enum pm_peer_kind kind, uint8_t gaplimit, struct pm_peer_set *set,
                  char *errbuf);
/* Same for bytes in memory (fuzzers, tests). Warts needs a file: PM_EUNSUPP. */
int pm_peers_read_mem(const char *buf, size_t len, uint8_t gaplimit, struct pm_peer_set *set, char *errbuf);
void pm_peers_free(struct pm_peer_set *set); /* accepts a zeroed set */

/* After pm_analyze of a run from a foreign file: lowers the confidence of
 * each verdict and roll-up for what the format could not say and states it
 * in the evidence (nothing happens for pathmortem's own runs). */
void pm_peers_qualify(const struct pm_run *run, struct pm_analysis *a);

/* One prefix across vantages: how many saw it reached, died, and where.
 * A vantage counts once, by its latest run that traced the prefix. */
struct pm_peer_across {
    char key[48];              /* "175.45.176.0/24" */
    uint32_t vantages, reached, died;
    uint32_t top_asn;          /* the AS most deaths are in (0 unknown) */
    char top_name[128];
    uint32_t top_n;            /* vantages whose death is in top_asn */
};
/* Merges the prefix roll-ups of n runs and their analyses into *out
 * (malloc'd, caller frees), sorted by key. */
int pm_peers_across(const struct pm_run *const *runs, struct pm_analysis *const *as, uint32_t n,
                    struct pm_peer_across **out, uint32_t *n_out, char *errbuf);

#endif
