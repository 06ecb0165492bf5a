/* match.h - probe identity (what each probe carries in the fields an ICMP error quotes) and reply-to-probe matching. */
#ifndef PATHMORTEM_MATCH_H
#define PATHMORTEM_MATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "pathmortem/common.h"
#include "pathmortem/trace.h"
#include "pathmortem/wire.h"

#define PM_PROBE_KEY_LEN 16         /* SipHash-2-4 key: libsodium crypto_shorthash_KEYBYTES */

/* Per-run probe parameters. */
struct pm_probe_spec {
    uint8_t method;       /* enum pm_method */
    uint32_t src;         /* host order */
    uint16_t ident;       /* per-run random identity (never 0) */
    uint16_t dport;       /* udp/tcp destination port */
    uint16_t flow;        /* Paris flow id: picks the constant hashed fields */
    bool classic;         /* vary the hashed fields per probe, as classic traceroute */
    /* Sealed runs (every run this version starts): the check bits, the
     * flow's hashed fields and the payload tag are a keyed MAC (SipHash-2-4)
     * under this per-run random secret, so a forger who never sees a probe
     * cannot compute them (docs/safety.md, "Sealed probes"). Unsealed specs
     * reproduce the encoding of captures written before the seal, which
     * `analyze` can still read, with a stated lower assurance. */
    bool sealed;
    uint8_t key[PM_PROBE_KEY_LEN];
};

/* Fills spec->key from the system's random source and sets sealed.
 * PM_EIO when libsodium cannot initialise (no entropy source). */
int pm_probe_spec_seal(struct pm_probe_spec *spec);

#define PM_PROBE_MAX_ATTEMPTS 8      /* attempts per (target, ttl): 3 bits on the wire */
#define PM_PROBE_PAYLOAD_LEN 12      /* bytes after the transport header (icmp/udp) */

/* One probe as it goes on the wire. Identity lives where every ICMP error
 * quotes it: the IP ID carries the run identity, bytes 6-7 of the transport
 * header (ICMP seq, UDP checksum, low half of the TCP seq) carry
 * (ttl-1):6 | attempt:3 | check:7, the check being a MAC of identity,
 * destination, ttl and attempt under the run's secret. Hashed fields (UDP/TCP
 * source port, ICMP checksum) are keyed too and stay constant per flow so
 * per-flow load balancers keep one path (Paris). The ICMP/UDP payload is
 * fix:2 "pm" tag:8, the tag a per-probe MAC that an echo reply returns. */
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

/* Run records: the facts `analyze` needs to verify a capture the way the
 * live run did (the secret, the identity, the probing options) and how the
 * run ended, written into the pcap as an IPv4 packet 0.0.0.0 > 0.0.0.0 with
 * protocol 253 (RFC 3692 experimental) and TTL 0 whose payload is text:
 * "pathmortem-run 1\n" then key=value lines (docs/wire.md, "Run records").
 * Unknown keys are skipped, so later versions can add fields. */
#define PM_PROTO_RUNMETA 253
#define PM_RUNMETA_MAX 1024          /* bytes of one record, IPv4 header included */

/* event=unsent: in a run cut short, the targets it never sent a probe to, as
 * /24 bitmaps (a pcap records probes, not the target list, and a /24's
 * unsent targets are what keeps a silent /24 undecided, analyze/cut.c) */
enum pm_runmeta_event { PM_RUNMETA_START = 1, PM_RUNMETA_END = 2, PM_RUNMETA_UNSENT = 3 };
#define PM_RUNMETA_UNSENT_MAX 10     /* /24 bitmaps per unsent record (85 bytes each) */

struct pm_runmeta_p24 {
    uint32_t prefix;   /* a.b.c.0, host order */
    uint8_t bits[32];  /* bit i (bits[i/8] & 0x80 >> i%8): a.b.c.i never sent a probe */
};

struct pm_runmeta {
    uint8_t event;                /* enum pm_runmeta_event */
    struct pm_probe_spec spec;    /* start: method, src, ident, dport, flow, classic, key */
    uint64_t time_us;             /* start: started_us; end: ended_us */
    uint8_t first_ttl, max_ttl, queries;
    uint32_t wait_ms;
    uint8_t end;                  /* end: enum pm_run_end */
    uint64_t probes_sent;         /* end */
    uint8_t n_unsent;             /* unsent: the bitmaps below */
    struct pm_runmeta_p24 unsent[PM_RUNMETA_UNSENT_MAX];
};

/* Builds the whole IPv4 packet of a record into buf. PM_ELIMIT when cap is too small. */
int pm_runmeta_build(const struct pm_runmeta *r, uint8_t *buf, size_t cap, size_t *len);
/* Parses the payload of a protocol-253 packet from 0.0.0.0. PM_OK, or
 * PM_ECORRUPT (not a record of a version this build reads, or a field out
 * of range: the record is then ignored and counted). */
int pm_runmeta_parse(const uint8_t *payload, size_t len, struct pm_runmeta *out);
/* "5a17": the name a run goes by in messages and `analyze --run`. */
void pm_run_id_format(uint16_t ident, char buf[8]);

/* Outcome of feeding one captured frame to the matcher. */
enum pm_match_kind {
    PM_MATCH_PROBE = 0,      /* one of our probes leaving (send time recorded) */
    PM_MATCH_REPLY,          /* accepted reply, event.reply valid */
    PM_MATCH_IGNORED,        /* not related to this run (other traffic) */
    PM_MATCH_UNKNOWN,        /* claims to answer a probe we never sent: rejected */
    PM_MATCH_DUPLICATE,      /* probe already answered: rejected */
    PM_MATCH_LATE,           /* probe expired: rejected */
    PM_MATCH_MISMATCH,       /* quoted bytes/addresses/protocol differ: rejected */
    PM_MATCH_MALFORMED,      /* decoder dropped the frame */
    PM_MATCH_FOREIGN,        /* answer-shaped, but carries another identity: rejected */
    PM_MATCH_FORGED,         /* names a probe slot of this run but fails its seal: rejected */
    PM_MATCH_BAD_CHECKSUM,   /* IPv4 header or ICMP checksum wrong: rejected */
    PM_MATCH_TTL_ZERO,       /* arrived with IP TTL 0: rejected */
    PM_MATCH_FRAGMENT,       /* a fragment (first or later), never reassembled: rejected */
    PM_MATCH_NOT_ANSWER,     /* ICMP error of a type that answers no probe (source quench,
                                parameter problem, redirect, reassembly time exceeded): rejected */
    PM_MATCH_OVER_LIMIT,     /* a new target past PM_TRACE_MAX_TARGETS: ignored, counted */
    PM_MATCH_RECORD,         /* a run record (start or end) */
    PM_MATCH_OTHER_RUN       /* a probe or record of another run in the same capture */
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

/* spec NULL: learn the run from the capture, as `analyze` does: from its
 * start record when there is one (sealed: replies are verified with the
 * run's secret), else from the first probe seen (unsealed: replies are
 * matched on the identity and the probe's bytes, a lower assurance;
 * run->sealed tells which). The matcher adds targets and replies to run. */
int pm_matcher_alloc(const struct pm_probe_spec *spec, struct pm_run *run, struct pm_matcher **out);
/* Learning matchers only: take only the run with this identity (analyze --run);
 * call before the first frame. */
void pm_matcher_select_run(struct pm_matcher *m, uint16_t ident);
/* Runs seen in the capture so far (the learned one first), up to max idents
 * copied; returns how many there are (capped at PM_MATCH_MAX_RUNS). */
#define PM_MATCH_MAX_RUNS 16
uint32_t pm_matcher_runs(const struct pm_matcher *m, uint16_t *idents, uint32_t max);
void pm_matcher_free(struct pm_matcher *m);

/* Feeds one captured frame (borrowed) with its capture timestamp. */
enum pm_match_kind pm_matcher_frame(struct pm_matcher *m, const uint8_t *frame, size_t caplen,
                                    int linktype, uint64_t ts_us, struct pm_match_event *ev);
/* A frame of a batch for pm_matcher_frames (bytes borrowed for the call). */
struct pm_match_frame {
    const uint8_t *data;
    size_t caplen;
    uint64_t ts_us;
};
#define PM_MATCH_BATCH 32
/* pm_matcher_frame on each of n (at most PM_MATCH_BATCH) frames in order,
 * with the same results, for readers of files: it decodes them all first
 * and asks the cache for the table slots each will touch, so the misses of
 * one packet overlap those of the next (offline analyze is bound by them). */
void pm_matcher_frames(struct pm_matcher *m, const struct pm_match_frame *f, uint32_t n, int linktype);
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
