/* trace.h - the trace model: runs, targets, hops and replies, shared by live runs and pcap analysis. */
#ifndef PATHMORTEM_TRACE_H
#define PATHMORTEM_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "pathmortem/common.h"
#include "pathmortem/util.h"
#include "pathmortem/wire.h"

enum pm_method { PM_METHOD_ICMP = 0, PM_METHOD_UDP = 1, PM_METHOD_TCP = 2 };

const char *pm_method_name(enum pm_method m);
int pm_method_parse(const char *s, enum pm_method *out);

/* How the reply relates to the probe. */
enum pm_reply_kind {
    PM_REPLY_TIME_EXCEEDED = 0, /* ICMP 11: a router on the way */
    PM_REPLY_UNREACH,           /* ICMP 3 (code in icmp_code) */
    PM_REPLY_ECHO_REPLY,        /* ICMP 0 from the target */
    PM_REPLY_TCP_SYNACK,        /* target answered our SYN */
    PM_REPLY_TCP_RST,           /* target refused our SYN: still reached */
    PM_REPLY_OTHER_ICMP         /* parameter problem, source quench, ... */
};
/* The one spelling of each value ("?" out of range) and back (PM_EINVAL). */
const char *pm_reply_kind_name(enum pm_reply_kind k);
int pm_reply_kind_parse(const char *s, uint8_t *out);

/* Why probing a target stopped (JSON "stop"). */
enum pm_stop {
    PM_STOP_NONE = 0,   /* not decided yet */
    PM_STOP_REACHED,
    PM_STOP_UNREACHABLE,
    PM_STOP_GAPLIMIT,
    PM_STOP_MAXTTL,     /* probed to the run's maximum TTL */
    PM_STOP_LOOP,
    /* issue 9 failure 6 (added at the end: stores hold the values by name) */
    PM_STOP_PREFIX_END, /* silent at or beyond the TTL where its /24's other paths were reached or
                         * refused (or went silent for good): the engine does not walk a dark
                         * address further than its neighbours' paths go; stop_ttl is that TTL */
    PM_STOP_HALTED      /* probing ended before any of the above: the run was cut short
                         * (SIGINT/SIGTERM/--timeout) or the target's --target-timeout ran out */
};
const char *pm_stop_name(enum pm_stop s);
int pm_stop_parse(const char *s, uint8_t *out);

/* Why a whole run ended (issues 9 and 10): a run cut short must never be read
 * as an outage, so the cause travels with the run into JSON, pcap and store. */
enum pm_run_end {
    PM_RUN_COMPLETE = 0, /* every target was probed to its end */
    PM_RUN_SIGINT,
    PM_RUN_SIGTERM,
    PM_RUN_SIGHUP,
    PM_RUN_TIMEOUT       /* --timeout ran out */
};
const char *pm_run_end_name(enum pm_run_end e); /* "complete", "SIGINT", ..., "timeout" */

#define PM_REPLY_MPLS_MAX 4

/* An RFC 4950 label stack as a reply carried it: the first PM_REPLY_MPLS_MAX
 * labels, top of stack first. */
struct pm_mpls_stack {
    uint8_t n;
    struct pm_mpls_entry e[PM_REPLY_MPLS_MAX];
};

/* One stored answer. Kept at 40 bytes: `analyze` holds one per answered
 * probe (a million for a /16 sweep), so its size is what the reply arrays
 * cost in memory, page faults and cache misses. What few replies carry
 * (extension objects, label stacks) lives in per-target side tables. */
struct pm_reply {
    uint64_t sent_us;       /* capture timestamp of the probe, µs since epoch */
    uint64_t recv_us;       /* capture timestamp of the reply */
    uint32_t from;          /* responder, host order */
    uint8_t ttl;            /* TTL of the probe (the hop) */
    uint8_t attempt;        /* which query of that hop (0-based) */
    uint8_t kind;           /* enum pm_reply_kind */
    uint8_t icmp_type;
    uint8_t icmp_code;
    uint8_t reply_ttl;      /* IP TTL of the reply as received */
    uint8_t quoted_ttl;     /* TTL in the quoted header (0 when none) */
    bool quoted_ipid_ok;    /* quoted IP ID equals what we sent */
    bool has_ext;           /* RFC 4884 extension present */
    bool no_rtt;            /* the file kept this answer but not its time (tracelb's first node):
                             * shown without an rtt, never as 0 ms */
    uint16_t reply_ipid;    /* IP ID of the reply (alias resolution hints) */
    uint16_t ext;           /* 1 + index into its target's ext[]: the extension objects (0: none
                             * kept); set by pm_target_add_reply_ext only */
    uint16_t mpls;          /* 1 + index into its target's mpls[]: the RFC 4950 label stack (0: no
                             * labels); set by pm_target_add_reply_ext only, read with pm_reply_mpls */
};

/* Per target: what was sent at each TTL and what came back. */
struct pm_target {
    uint32_t dst;
    uint8_t sent[PM_TTL_MAX + 1];     /* probes sent per TTL */
    uint8_t max_ttl_sent;             /* highest TTL probed */
    uint8_t stop;                     /* enum pm_stop, set by pm_trace_finish */
    uint8_t stop_ttl;                 /* TTL at which the stop was decided */
    uint8_t stopset_ttl;              /* lowest TTL probed when above the run's first TTL: the hops below are
                                       * shared with other targets and were not probed again (0: none);
                                       * derived from the data by pm_trace_finish */
    uint32_t shared_via;              /* the router answering at stopset_ttl (0: none or silent) */
    uint32_t donor;                   /* 1 + index of a target that probed the shared hops and has
                                       * shared_via at stopset_ttl (0: none found) */
    uint32_t n_replies;
    uint32_t cap_replies;
    struct pm_reply *replies;         /* owned; in arrival order */
    uint32_t n_ext, cap_ext;
    struct pm_ext_set *ext;           /* owned; the extension objects of replies that had any */
    uint32_t n_mpls, cap_mpls;
    struct pm_mpls_stack *mpls;       /* owned; the label stacks of replies that had any */
};

#define PM_TRACE_MAX_TARGETS (1u << 20)   /* hard cap on targets per run */
#define PM_TRACE_MAX_REPLIES_PER_TARGET 512

/* Counters a run keeps about what it saw and refused. */
struct pm_run_stats {
    uint64_t probes_sent;
    uint64_t probes_captured;
    uint64_t replies_matched;
    uint64_t rejected_unknown;     /* quotes no probe of this run */
    uint64_t rejected_duplicate;   /* probe already answered */
    uint64_t rejected_late;        /* answer after the probe timed out */
    uint64_t rejected_mismatch;    /* quoted addresses/protocol wrong */
    uint64_t dropped_malformed;    /* decoder refused the frame */
    uint64_t capture_drops;        /* reported by libpcap */
    uint64_t ipid_rewritten;       /* quoted IP ID differed from ours */
    /* Refusals added with the sealed probes (issue 10), one per reason: */
    uint64_t rejected_foreign;     /* answer-shaped but another identity (other runs, other pings, blind guesses) */
    uint64_t rejected_forged;      /* names a probe of this run but fails the keyed seal */
    uint64_t rejected_checksum;    /* bad IPv4 header or ICMP checksum */
    uint64_t rejected_ttl0;        /* arrived with IP TTL 0 */
    uint64_t rejected_fragment;    /* fragment, first or later: never reassembled */
    uint64_t rejected_not_answer;  /* ICMP error type/code that answers no probe */
    uint64_t over_limit;           /* frames naming a target past PM_TRACE_MAX_TARGETS */
};

#define PM_RUN_MAX_DBS 4

/* struct pm_db_info (what a run records of each database): common.h */

/* Where a run read from another system's file came from (issue 12); every
 * string is empty for pathmortem's own runs (then JSON carries no "input"). */
struct pm_run_input {
    char format[24];        /* "ripe-atlas", "warts", "scamper-json", "pcap" */
    char tool[32];          /* "RIPE Atlas", "scamper", "traceroute"... */
    char version[32];       /* firmware or program version ("" unknown) */
    char vantage_id[48];    /* "prb 190", "scamper monitor host"... */
    char vantage_addr[48];  /* the vantage's address as the format gives it (may be IPv6 or public/NAT) */
    char inferred[64];      /* parameters guessed from the data, comma-separated ("first_ttl,queries") */
    char missing[128];      /* what the format cannot say, comma-separated ("quoted-ipid,reply-ipid") */
    uint32_t results;       /* traces of the file folded into this run */
};

/* A slot of the run's dst -> target index (run.c). */
struct pm_run_slot {
    uint32_t dst;
    uint32_t pos;           /* target position + 1; 0: empty */
};

struct pm_run {
    uint64_t started_us;    /* µs since epoch */
    uint64_t ended_us;
    uint8_t method;         /* enum pm_method */
    uint32_t source;        /* vantage address, host order */
    uint16_t ident;         /* per-run random identity */
    uint16_t dport;         /* udp/tcp destination port */
    uint16_t flow;          /* flow id (Paris) */
    bool classic;           /* classic varying probes */
    uint8_t first_ttl, max_ttl, queries;
    uint32_t wait_ms;
    char vantage[64];       /* free-form label (hostname) */
    uint8_t end;            /* enum pm_run_end; PM_RUN_COMPLETE unless cut short */
    bool sealed;            /* replies verified with the run's secret (live, or a pcap with
                             * its start record); false: matched on identity alone */
    bool end_recorded;      /* analyze: the pcap held the run's end record (end is from it) */
    struct pm_run_stats stats;
    struct pm_run_input input; /* foreign files only (additive) */
    uint32_t n_dbs;
    struct pm_db_info dbs[PM_RUN_MAX_DBS];
    uint32_t n_targets;
    uint32_t cap_targets;
    struct pm_target *targets;   /* owned */
    /* open-addressing index dst -> target; owned */
    struct pm_run_slot *index;
    uint32_t index_cap;
};

/* Allocation and teardown. pm_run_free accepts NULL. */
struct pm_run *pm_run_alloc(void);
void pm_run_free(struct pm_run *run);

/* Finds the target for dst, or adds it. Returns NULL on PM_ELIMIT/ENOMEM. */
struct pm_target *pm_run_target(struct pm_run *run, uint32_t dst, bool create);
/* A cache hint: the index slot a lookup of dst will read first (no effect otherwise). */
void pm_run_prefetch(const struct pm_run *run, uint32_t dst);
/* Rebuilds the dst index after targets[] was reordered (pm_trace_finish sorts it). */
void pm_run_reindex(struct pm_run *run);
/* The target for dst, or NULL: the lookup for readers of a finished run. */
const struct pm_target *pm_run_find(const struct pm_run *run, uint32_t dst);

/* Records that a probe went out (counts per TTL). */
void pm_target_note_sent(struct pm_target *t, uint8_t ttl);
/* The lowest TTL at which t was probed, 0 when no probe was sent to it. */
uint8_t pm_target_first_sent(const struct pm_target *t);
/* Appends a reply (copied; its ext and mpls indexes are cleared). PM_ELIMIT past the per-target cap. */
int pm_target_add_reply(struct pm_target *t, const struct pm_reply *r);
/* The same, keeping the reply's extension objects e and its label stack m
 * (either NULL or empty: none); on failure nothing is added. */
int pm_target_add_reply_ext(struct pm_target *t, const struct pm_reply *r, const struct pm_ext_set *e,
                            const struct pm_mpls_stack *m);
/* The extension objects of a reply of t, or NULL. */
const struct pm_ext_set *pm_reply_ext(const struct pm_target *t, const struct pm_reply *r);
/* The label stack of a reply of t (n >= 1), or NULL when it carried none. */
const struct pm_mpls_stack *pm_reply_mpls(const struct pm_target *t, const struct pm_reply *r);
/* Sorts replies by (ttl, attempt, recv time); call once probing is over. */
void pm_target_sort(struct pm_target *t);
/* After sorting: replies at one TTL. Returns the count, *first the first. */
uint32_t pm_target_hop(const struct pm_target *t, uint8_t ttl, const struct pm_reply **first);
/* Highest TTL worth showing: the stop TTL for reached/unreachable targets
 * (probes beyond the target only repeat it), else the highest TTL probed. */
uint8_t pm_target_last_ttl(const struct pm_target *t);
/* Does the reply come from the target itself (echo reply, SYN-ACK/RST, port
 * or protocol unreachable from dst: pm_wire_icmp_from_end_host)? */
bool pm_reply_from_target(const struct pm_target *t, const struct pm_reply *r);
/* The same for a reply to a probe toward dst (for the scheduler, which keeps
 * no pm_target). */
bool pm_reply_from_dst(uint32_t dst, const struct pm_reply *r);

/* Sorts every target and decides stop reasons from the data alone (the same
 * rule live and from a pcap): reached, unreachable (ICMP 3 from a router),
 * loop (one address at two TTLs separated by another), gaplimit (trailing
 * silent hops >= gaplimit), maxttl (probed to run->max_ttl, or the run does
 * not say its maximum), prefix-end (probed at least as far as its /24's other
 * paths end), else halted. Targets are ordered by address. */
void pm_trace_finish(struct pm_run *run, uint8_t gaplimit);
/* The gaplimit the engine probes with and `analyze` rebuilds stop reasons
 * with unless told otherwise (--gaplimit); one number, so both agree. */
#define PM_GAPLIMIT_DEFAULT 5

/* For a run rebuilt from a record rather than probed live (a pcap by
 * pm_run_from_capture; the readers of peer formats to come): sets what the
 * live engine would have, from the data alone, then pm_trace_finish.
 * first_ttl, when 0 (the record did not state it: a reader sets 0, as
 * pm_run_alloc starts at 1), becomes the lowest TTL probed; started_us/ended_us are widened to cover every reply (its probe's
 * send time, its receive time). Any reader that fills targets, sent[] and
 * replies gets the same run `analyze` would make of it. */
void pm_trace_finish_recorded(struct pm_run *run, uint8_t gaplimit);

#endif
