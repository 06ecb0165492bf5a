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
    char first_bad[128];          /* why it was malformed */
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

#endif
