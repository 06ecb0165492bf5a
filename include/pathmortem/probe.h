/* probe.h - the probe engine: opens the raw socket and capture, then sweeps targets with flow-stable TTL-stepped probes. */
#ifndef PATHMORTEM_PROBE_H
#define PATHMORTEM_PROBE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "pathmortem/common.h"
#include "pathmortem/match.h"
#include "pathmortem/trace.h"

struct pm_engine_opts {
    uint8_t method;          /* enum pm_method */
    uint16_t dport;          /* udp: 33434 default; tcp: 80 default */
    uint16_t flow;           /* Paris flow id */
    bool classic;            /* vary hashed fields per probe */
    const char *ifname;      /* NULL: the interface that routes toward the first target */
    uint32_t src;            /* 0: that interface's address */
    uint8_t first_ttl;       /* default 1 */
    uint8_t max_ttl;         /* default 30 */
    uint8_t queries;         /* probes per hop; 0: 3 for one target, 1 for sweeps */
    uint8_t retries;         /* extra probes for a silent hop (default 1) */
    uint8_t gaplimit;        /* silent hops in a row that end forward probing (default PM_GAPLIMIT_DEFAULT) */
    uint8_t split_ttl;       /* first TTL tried when nothing is known about a prefix (default 16) */
    bool no_stopset;         /* probe every hop of every target (no Doubletree stop set) */
    uint32_t wait_ms;        /* wait for a reply (default 2000) */
    uint32_t rate_pps;       /* global probe rate (default 1000) */
    uint32_t target_timeout_ms; /* give up on one target after this (default 60000) */
    uint32_t run_timeout_ms;    /* give up on the whole run after this (0: none) */
    bool progress;           /* progress bar on stderr */
    const char *pcap_path;   /* the pcap's name, for messages and documents (NULL: none) */
    FILE *pcap_file;         /* write every probe and reply to this stream (NULL: none); the engine takes it */
    /* Called from the sweep's loop at most every 50 ms, between reading the
     * capture and sending (watch's live view counts the replies so far, reads
     * keys and draws): run may be read, its replies in arrival order. Returns
     * 0 to go on, 1 to end this sweep now (run->end becomes PM_RUN_SIGINT). */
    int (*tick)(void *ctx, const struct pm_run *run);
    void *tick_ctx;
};

void pm_engine_opts_default(struct pm_engine_opts *o);

struct pm_engine;

/* Privileged part: opens the raw socket (libnet), the capture (libpcap) and
 * the pcap file. first_dst picks the interface and source when not given.
 * After this the caller drops privileges. */
int pm_engine_open(const struct pm_engine_opts *opts, uint32_t first_dst, struct pm_engine **out, char *errbuf);

/* Sweeps the targets (host order, deduplicated by the caller), filling run.
 * Returns PM_OK (measurement failures are data in run, not errors). Starts
 * the sending thread and joins it before returning (docs/probe.md): call it
 * after the privilege drop and the sandbox, which that thread inherits. */
int pm_engine_run(struct pm_engine *e, const uint32_t *targets, uint32_t n_targets, struct pm_run *run,
                  char *errbuf);
void pm_engine_close(struct pm_engine *e);

/* The progress line (without "\r" or newline): a bar of targets done, the
 * counts, elapsed time, the probe rate and, once a target is done, the time
 * left at the rate targets have finished so far ("ETA 12 s"). */
int pm_engine_progress_format(char *buf, size_t len, uint32_t done, uint32_t n, uint64_t probes, uint64_t replies,
                              uint64_t elapsed_us);
/* Writes what the pcap stream buffers so far to its file (watch's "write the
 * pcap so far"); PM_EIO (errbuf set) on a failed write. */
int pm_engine_pcap_flush(struct pm_engine *e, char *errbuf);
/* Keeps one TCP connection of this process (a store server's, made after
 * the engine opened: addresses and ports in host order) out of the capture
 * and the matcher, frames already captured included. */
int pm_engine_exclude_tcp(struct pm_engine *e, uint32_t local, uint16_t local_port, uint32_t peer, uint16_t peer_port,
                          char *errbuf);
/* Finishes the pcap stream; PM_EIO (errbuf set) if any write to it failed. */
int pm_engine_pcap_close(struct pm_engine *e, char *errbuf);
/* Changes the probe method for the next pm_engine_run (each run also gets a
 * fresh identity), so one privileged open serves several sweeps. */
void pm_engine_set_method(struct pm_engine *e, uint8_t method, uint16_t dport);

/* Bytes of engine state per target (for the README's memory statement). */
size_t pm_engine_state_per_target(void);

/* Asks a running sweep to stop at the next loop (from a signal handler).
 * The _cause form also says why (enum pm_run_end): the run's end, which
 * pm_engine_run puts in run->end and in the pcap's end record; the plain
 * form reports PM_RUN_SIGINT unless a cause was given before. */
void pm_engine_request_stop(void);
void pm_engine_request_stop_cause(uint8_t end);

#endif
