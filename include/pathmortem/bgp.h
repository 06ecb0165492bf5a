/* bgp.h - MRT routing files (RFC 6396, ADD-PATH RFC 8050) read streaming into route events, and those events as bgpdump -m lines. */
#ifndef PATHMORTEM_BGP_H
#define PATHMORTEM_BGP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pathmortem/common.h"

/* Caps. One MRT record is held at a time: a record longer than this is
 * refused (a RIS TABLE_DUMP_V2 record of one prefix seen by ~1,500 peers is
 * well under 1 MiB). An AS path longer than PM_BGP_PATH_MAX ASNs makes its
 * record malformed (skipped, counted). */
#define PM_MRT_MAX_RECORD (16u << 20)
#define PM_BGP_PATH_MAX 1024
#define PM_BGP_SEG_MAX 128

/* MRT types and subtypes this reader decodes (RFC 6396 section 4, RFC 8050). */
enum {
    PM_MRT_TABLE_DUMP = 12,
    PM_MRT_TABLE_DUMP_V2 = 13,
    PM_MRT_BGP4MP = 16,
    PM_MRT_BGP4MP_ET = 17,
};

/* An address: family 4 (bytes 0-3 used) or 6. */
struct pm_bgp_addr {
    uint8_t family;
    uint8_t b[16];
};

/* A prefix as announced; bits past len are zero. path_id only with ADD-PATH. */
struct pm_bgp_prefix {
    struct pm_bgp_addr addr;
    uint8_t len;
    uint32_t path_id;
};

/* AS path segment types (RFC 4271, RFC 5065). */
enum { PM_BGP_AS_SET = 1, PM_BGP_AS_SEQUENCE = 2, PM_BGP_AS_CONFED_SEQUENCE = 3, PM_BGP_AS_CONFED_SET = 4 };

/* An AS path: nseg segments, segment i has seg_len[i] ASNs, stored in order in asn[]. */
struct pm_bgp_aspath {
    uint16_t nseg;
    uint16_t n;
    uint8_t seg_type[PM_BGP_SEG_MAX];
    uint16_t seg_len[PM_BGP_SEG_MAX];
    uint32_t asn[PM_BGP_PATH_MAX];
};

/* The path attributes of one route, decoded. Pointers borrow the record's
 * bytes and are valid only during the event callback. */
struct pm_bgp_attrs {
    uint32_t seen;                /* bit t set: attribute type t (< 32) present */
    uint8_t origin;               /* 0 IGP, 1 EGP, 2 INCOMPLETE; 255: absent */
    struct pm_bgp_aspath path;    /* AS4_PATH already merged in (RFC 6793) */
    uint8_t nexthop[4];           /* NEXT_HOP; 255.255.255.255 when absent */
    bool has_mp_nexthop;
    struct pm_bgp_addr mp_nexthop;/* MP_REACH_NLRI's (first) next hop */
    uint32_t local_pref, med;     /* 0 when absent */
    const uint8_t *communities;   /* ncomm * 4 bytes, network order */
    size_t ncomm;
    bool atomic_aggregate;
    bool has_aggregator;
    uint32_t aggregator_as;
    uint8_t aggregator_ip[4];
};

enum pm_bgp_kind {
    PM_BGP_RIB,      /* a RIB dump entry: the route is held by the peer */
    PM_BGP_ANNOUNCE, /* an UPDATE announcing the prefix */
    PM_BGP_WITHDRAW, /* an UPDATE withdrawing it */
    PM_BGP_STATE,    /* a BGP session state change (no prefix) */
};

/* One route event, as the reader hands it to its callback. */
struct pm_bgp_event {
    enum pm_bgp_kind kind;
    const char *format;           /* bgpdump's name: TABLE_DUMP, TABLE_DUMP2(_AP), BGP4MP(_ET) */
    bool addpath;                 /* prefix.path_id is meaningful */
    uint32_t time;                /* seconds since the epoch (the record's) */
    uint32_t usec;                /* BGP4MP_ET only */
    struct pm_bgp_addr peer;
    uint32_t peer_as;
    struct pm_bgp_prefix prefix;  /* not for PM_BGP_STATE */
    uint8_t safi;                 /* 1 unicast; 2 multicast, 3 both (MP NLRI only): not routes to follow */
    const struct pm_bgp_attrs *attrs; /* RIB and ANNOUNCE only */
    uint16_t old_state, new_state;/* PM_BGP_STATE only */
    uint64_t offset;              /* byte offset of the record in the uncompressed file */
};

/* Called once per event; a non-zero return stops the read and is returned. */
typedef int (*pm_bgp_event_fn)(const struct pm_bgp_event *ev, void *ctx);

/* What a read saw. Records skipped are whole records (framing intact) whose
 * type is not decoded or whose body is malformed; they emit no event. */
struct pm_mrt_stats {
    uint64_t records;
    uint64_t events;
    uint64_t skipped_unknown;     /* type or subtype not decoded */
    uint64_t skipped_bad;         /* body malformed */
    uint64_t first_bad_offset;    /* of the first malformed record */
    char first_bad[PM_ERRBUF_SIZE]; /* why it was malformed (as long as the decoder's reason can be) */
};

/* An MRT file being read: gzip, bzip2 or uncompressed, told by its magic. */
struct pm_mrt_file;

/* Opens path. PM_EIO (errbuf says why) if it cannot be opened. The caller
 * owns *out and frees it with pm_mrt_close. */
int pm_mrt_open(const char *path, struct pm_mrt_file **out, char *errbuf);
void pm_mrt_close(struct pm_mrt_file *f);

/* Reads every record, calling fn for each route event (fn may be NULL).
 * A record is decoded completely before its first event is emitted, so a
 * malformed record emits nothing. Returns PM_OK at the end of the file;
 * PM_ECORRUPT when the file cannot be framed further (a cut record, a length
 * past the cap, a decompression error), with errbuf "PATH: byte offset N:
 * reason"; PM_EIO on a read error; or fn's non-zero return. */
int pm_mrt_read(struct pm_mrt_file *f, pm_bgp_event_fn fn, void *ctx, struct pm_mrt_stats *st, char *errbuf);

/* Decodes one record body (the bytes after the 12-byte common header, and
 * for BGP4MP_ET after its microseconds) into events. peer state from
 * PEER_INDEX_TABLE records is kept in f. PM_ECORRUPT with errbuf on a
 * malformed body, PM_EUNSUPP for a type or subtype not decoded. With
 * fn NULL it only checks. Exposed for the unit tests. */
int pm_mrt_decode(struct pm_mrt_file *f, uint16_t type, uint16_t subtype, uint32_t time, uint32_t usec,
                  const uint8_t *body, size_t len, uint64_t offset, pm_bgp_event_fn fn, void *ctx, char *errbuf);

/* Writes ev as Debian bgpdump's `bgpdump -m` writes it (one line, '\n').
 * Returns the fprintf status (negative on a write error). */
int pm_bgp_dump_line(FILE *out, const struct pm_bgp_event *ev);

/* Formats an AS path as bgpdump does ("1 2 {3,4}"); returns buf. */
char *pm_bgp_aspath_str(const struct pm_bgp_aspath *p, char *buf, size_t size);

/* --- The control-plane state of the prefixes a run cares about (state.c). --- */

/* A prefix watched: host-order IPv4 network and length. */
struct pm_bgp_watch {
    uint32_t addr;
    uint8_t len;
};

/* Caps: announced prefixes kept (those overlapping the watched ones),
 * routes (prefix x peer x path id), logged changes, distinct peers. */
#define PM_BGP_STATE_MAX_PREFIXES 4096
#define PM_BGP_STATE_MAX_ROUTES (1u << 20)
#define PM_BGP_STATE_MAX_LOG (1u << 20)
#define PM_BGP_STATE_MAX_PEERS 65535
#define PM_BGP_UNIT_MAX_AS 8
#define PM_BGP_UNIT_MAX_PATHS 8

struct pm_bgp_state_opts {
    const struct pm_bgp_watch *watch; /* the targets; their /24s are reported */
    size_t nwatch;
    uint32_t at;              /* state at this time (s); 0: after the last event */
    uint32_t full_feed_min;   /* RIB routes a peer needs to count as full-feed; 0: 90 % of the largest peer's */
    uint32_t together_s;      /* all upstream sides lost within this many seconds: the origin withdrew (default 300) */
    uint32_t expected_origin; /* the target's AS (a preset's); 0: the origins of the RIB */
    const uint32_t *expected_upstreams; /* a preset's watched upstreams, beside those of the RIB */
    size_t nexpected_upstreams;
};

/* Who changed first, for a prefix or /24 (docs/analyze.md). */
enum pm_bgp_cause {
    PM_BGP_CAUSE_NONE,     /* no control-plane change: a data-plane problem */
    PM_BGP_CAUSE_ORIGIN,   /* every upstream side lost it together: the origin withdrew */
    PM_BGP_CAUSE_UPSTREAM, /* paths via one upstream vanished (first) */
    PM_BGP_CAUSE_HIJACK,   /* another origin announced it */
    PM_BGP_CAUSE_LEAK,     /* an unexpected AS appeared before the origin */
    PM_BGP_CAUSE_NEVER,    /* not announced at the RIB's time nor since */
};
const char *pm_bgp_cause_name(enum pm_bgp_cause c);

struct pm_bgp_path_count {
    char path[160];
    uint32_t peers;
};

/* One upstream side of a unit: full-feed peers whose path has asn just
 * before the origin, now and at the RIB's time. */
struct pm_bgp_side {
    uint32_t asn;
    uint32_t ff_seen, ff_seen_rib;
};

/* The state of one announced prefix or one watched /24 at the state's time. */
struct pm_bgp_unit {
    uint32_t addr;
    uint8_t len;
    bool is_slash24;          /* a /24 of the targets (else an announced prefix) */
    bool visible;             /* seen by more than 50 % of the full-feed peers (IODA's rule) */
    bool visible_rib;         /* the same at the RIB's time */
    uint32_t ff_seen, ff_total, ff_seen_rib;
    uint32_t peers_seen;      /* all peers, full-feed or not */
    uint32_t origins[PM_BGP_UNIT_MAX_AS], n_origins;
    uint32_t upstreams[PM_BGP_UNIT_MAX_AS], n_upstreams;   /* AS before the origin, now */
    uint32_t upstreams_rib[PM_BGP_UNIT_MAX_AS], n_upstreams_rib;
    struct pm_bgp_side sides[PM_BGP_UNIT_MAX_AS]; /* the upstreams now and at the RIB, each once */
    uint32_t n_sides;
    struct pm_bgp_path_count paths[PM_BGP_UNIT_MAX_PATHS];
    uint32_t n_paths;
    uint32_t last_change;     /* of any route covering it; 0: none since the RIB */
    enum pm_bgp_cause cause;
    uint32_t cause_as;        /* the upstream that dropped first, the hijacker, the leaker */
    uint32_t cause_time;
    /* a hijack or leak: the prefix of its first route (the unit's own, a
     * covering one or a more-specific inside it) and whether a route of that
     * origin (hijack) or through that AS (leak) still stands at the state's time */
    uint32_t cause_addr;
    uint8_t cause_len;
    bool cause_standing;
    char cause_text[192];
};

struct pm_bgp_state;

int pm_bgp_state_new(const struct pm_bgp_state_opts *o, struct pm_bgp_state **out, char *errbuf);
void pm_bgp_state_free(struct pm_bgp_state *s);
/* Event callbacks (pm_bgp_event_fn): RIB events first (one RIB file), then
 * pm_bgp_state_rib_done, then the update files' events in time order. */
int pm_bgp_state_feed(const struct pm_bgp_event *ev, void *state);
void pm_bgp_state_rib_done(struct pm_bgp_state *s);
/* The units: every announced prefix overlapping the watch list, then each
 * watched /24. *units is malloc'd (caller frees). rib_time and at are the
 * RIB's time and the state's time. PM_ELIMIT if a cap was hit while feeding. */
int pm_bgp_state_finish(struct pm_bgp_state *s, struct pm_bgp_unit **units, size_t *n, uint32_t *rib_time,
                        uint32_t *at, uint32_t *ff_total, char *errbuf);

#endif
