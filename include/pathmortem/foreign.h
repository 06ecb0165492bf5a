/* foreign.h - matching the probes of any traceroute tool (no pathmortem identity) to their replies by what ICMP quotes. */
#ifndef PATHMORTEM_FOREIGN_H
#define PATHMORTEM_FOREIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pathmortem/common.h"
#include "pathmortem/trace.h"

/* Caps (bounded memory whatever the capture holds). */
#define PM_FOREIGN_MAX_PROBES (1u << 20)   /* candidate probes remembered */
#define PM_FOREIGN_MAX_REPLIES (1u << 20)  /* matched replies remembered */

struct pm_foreign;

/* What a capture held, for the caller's messages. */
struct pm_foreign_counts {
    uint64_t frames, ipv4, not_ipv4, malformed;
    uint64_t candidates;        /* packets that could be probes (ICMP echo, UDP, TCP SYN) */
    uint64_t over_cap;          /* candidates or replies past the caps, ignored */
    uint64_t replies_matched, unmatched_errors, duplicates;
    uint32_t sources;           /* distinct sources whose probes form traces */
};

int pm_foreign_alloc(struct pm_foreign **out);
void pm_foreign_free(struct pm_foreign *f); /* accepts NULL */

/* Feeds one captured frame (borrowed). Frames must come in capture order. */
void pm_foreign_frame(struct pm_foreign *f, const uint8_t *frame, size_t caplen, int linktype, uint64_t ts_us);

/* After the last frame: the runs found, one per (source, protocol), each a
 * finished-to-be pm_run (targets, sent[], replies; the caller calls
 * pm_trace_finish) with run.input filled (format "pcap", the tool guessed
 * from the probes, the inferred parameters). A flow counts as a trace when
 * its probes step through at least two TTLs or one is answered by a time
 * exceeded. *runs is malloc'd (caller frees it and every run); *n may be 0. */
int pm_foreign_runs(struct pm_foreign *f, struct pm_run ***runs, uint32_t *n, char *errbuf);
void pm_foreign_counts(const struct pm_foreign *f, struct pm_foreign_counts *out);

#endif
