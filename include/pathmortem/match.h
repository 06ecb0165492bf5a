/* match.h - probe identity (what each probe carries in the fields an ICMP error quotes) and reply-to-probe matching. */
#ifndef PATHMORTEM_MATCH_H
#define PATHMORTEM_MATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "pathmortem/common.h"
#include "pathmortem/trace.h"
#include "pathmortem/wire.h"

/* Per-run probe parameters. */
struct pm_probe_spec {
    uint8_t method;       /* enum pm_method */
    uint32_t src;         /* host order */
    uint16_t ident;       /* per-run random identity (never 0) */
    uint16_t dport;       /* udp/tcp destination port */
    uint16_t flow;        /* Paris flow id: picks the constant hashed fields */
    bool classic;         /* vary the hashed fields per probe, as classic traceroute */
};

#define PM_PROBE_MAX_ATTEMPTS 8      /* attempts per (target, ttl): 3 bits on the wire */
#define PM_PROBE_PAYLOAD_LEN 12      /* bytes after the transport header (icmp/udp) */

/* One probe as it goes on the wire. Identity lives where every ICMP error
 * quotes it: the IP ID carries the run identity, bytes 6-7 of the transport
 * header (ICMP seq, UDP checksum, low half of the TCP seq) carry
 * (ttl-1):6 | attempt:3 | check:7, the check being a keyed mix of identity,
 * destination, ttl and attempt. Hashed fields (ports, ICMP checksum) stay
 * constant per flow so per-flow load balancers keep one path (Paris). */
struct pm_probe {
    uint32_t dst;
    uint8_t ttl;
    uint8_t attempt;
    uint16_t ip_id;
    uint8_t l4[8];                       /* exact first 8 bytes of the transport header */
    uint8_t payload[PM_PROBE_PAYLOAD_LEN]; /* icmp/udp payload (first 2 bytes: checksum fix) */
    uint16_t sport, dport;               /* udp/tcp */
    uint32_t tcp_seq;
};

/* Fills *out for (dst, ttl 1..64, attempt 0..7). Deterministic. */
void pm_probe_encode(const struct pm_probe_spec *spec, uint32_t dst, uint8_t ttl, uint8_t attempt,
                     struct pm_probe *out);
/* The 16-bit identity word at bytes 6-7; decodes ttl and attempt. */
uint16_t pm_probe_word(const struct pm_probe_spec *spec, uint32_t dst, uint8_t ttl, uint8_t attempt);
void pm_probe_word_split(uint16_t word, uint8_t *ttl, uint8_t *attempt);

/* Outcome of feeding one captured frame to the matcher. */
enum pm_match_kind {
    PM_MATCH_PROBE = 0,      /* one of our probes leaving (send time recorded) */
    PM_MATCH_REPLY,          /* accepted reply, event.reply valid */
    PM_MATCH_IGNORED,        /* not related to this run (other traffic) */
    PM_MATCH_UNKNOWN,        /* claims to answer a probe we never sent: rejected */
    PM_MATCH_DUPLICATE,      /* probe already answered: rejected */
    PM_MATCH_LATE,           /* probe expired: rejected */
    PM_MATCH_MISMATCH,       /* quoted bytes/addresses/protocol differ: rejected */
    PM_MATCH_MALFORMED       /* decoder dropped the frame */
};

struct pm_match_event {
    enum pm_match_kind kind;
    struct pm_target *target;   /* PROBE and REPLY */
    uint8_t ttl, attempt;
    struct pm_reply reply;      /* REPLY: what was stored in the model */
};

/* Replies that come more than this after their probe are late: a fixed
 * window (not the engine's wait) so a live run and the later analysis of its
 * pcap accept exactly the same replies. */
#define PM_MATCH_LATE_US (10u * 1000u * 1000u)
/* Cap on probes awaiting an answer at once (memory bound: ~32 bytes each). */
#define PM_MATCH_MAX_OUTSTANDING (1u << 20)

struct pm_matcher;

/* spec NULL: learn the run (source, method, identity) from the first probe
 * seen, as `analyze` does. The matcher adds targets and replies to run. */
int pm_matcher_alloc(const struct pm_probe_spec *spec, struct pm_run *run, struct pm_matcher **out);
void pm_matcher_free(struct pm_matcher *m);

/* Feeds one captured frame (borrowed) with its capture timestamp. */
enum pm_match_kind pm_matcher_frame(struct pm_matcher *m, const uint8_t *frame, size_t caplen,
                                    int linktype, uint64_t ts_us, struct pm_match_event *ev);
/* Same, from an already decoded packet. */
enum pm_match_kind pm_matcher_packet(struct pm_matcher *m, const struct pm_packet *pkt,
                                     uint64_t ts_us, struct pm_match_event *ev);
/* Forgets probes sent before now - PM_MATCH_LATE_US. */
void pm_matcher_expire(struct pm_matcher *m, uint64_t now_us);
/* The spec in use (learned or given); NULL while nothing learned yet. */
const struct pm_probe_spec *pm_matcher_spec(const struct pm_matcher *m);
/* Probes currently awaiting an answer. */
uint32_t pm_matcher_outstanding(const struct pm_matcher *m);

#endif
