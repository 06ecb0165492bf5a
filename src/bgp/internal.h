/* internal.h - what the MRT reader's files share: the open file, the peer index table, the per-record decoders. */
#ifndef PM_BGP_INTERNAL_H
#define PM_BGP_INTERNAL_H

#include <bzlib.h>
#include <zlib.h>

#include "pathmortem/bgp.h"
#include "pathmortem/cursor.h"

/* RFC 6396 4.3.1: a PEER_INDEX_TABLE has at most 65,535 peers. */
struct pm_mrt_peer {
    struct pm_bgp_addr ip;
    uint32_t as;
};

struct pm_mrt_file {
    char path[256];
    FILE *fp;          /* the file, for bzip2 */
    gzFile gz;         /* gzip or plain (zlib reads both) */
    BZFILE *bz;
    int bzeof;
    uint64_t offset;   /* uncompressed bytes consumed */
    uint8_t *buf;      /* the current record, capped at PM_MRT_MAX_RECORD */
    size_t cap;
    struct pm_mrt_peer *peers; /* the last PEER_INDEX_TABLE */
    uint32_t npeers;
    bool have_index;
};

/* One decoder's context: where events go. */
struct pm_mrt_ctx {
    struct pm_mrt_file *f;
    pm_bgp_event_fn fn;
    void *arg;
    char *errbuf;
    struct pm_bgp_event ev;  /* the common fields, filled by the record header */
};

/* Emits ctx->ev (when fn is set). */
int pm_mrt_emit(struct pm_mrt_ctx *x);
/* A malformed body: fills errbuf, returns PM_ECORRUPT. */
int pm_mrt_bad(struct pm_mrt_ctx *x, const char *what);

/* Reads a prefix in NLRI form (length byte, then ceil(len/8) bytes) of
 * family fam (4 or 6), with a 4-byte path id first when addpath. */
int pm_mrt_nlri(struct pm_cursor *c, uint8_t fam, bool addpath, struct pm_bgp_prefix *p);
/* Clears the bits of p past its length (a TABLE_DUMP prefix is a whole
 * address, whose host bits a writer may leave set; bgpdump prints them). */
void pm_mrt_mask(struct pm_bgp_prefix *p);
/* Reads an address of family fam. */
int pm_mrt_addr(struct pm_cursor *c, uint8_t fam, struct pm_bgp_addr *a);

/* The path attributes block (its bytes, without the 2-byte length).
 * asn_len is 2 or 4. MP_REACH/MP_UNREACH NLRI are returned as
 * sub-cursors (reach/unreach, len 0 when absent) with their AFI/SAFI. */
struct pm_mrt_mp {
    uint16_t afi;
    uint8_t safi;
    struct pm_cursor nlri;
};
int pm_mrt_attrs(struct pm_mrt_ctx *x, struct pm_cursor *c, unsigned asn_len, struct pm_bgp_attrs *a,
                 struct pm_mrt_mp *reach, struct pm_mrt_mp *unreach);

int pm_mrt_table_dump(struct pm_mrt_ctx *x, uint16_t subtype, struct pm_cursor *c);
int pm_mrt_table_dump_v2(struct pm_mrt_ctx *x, uint16_t subtype, struct pm_cursor *c);
int pm_mrt_bgp4mp(struct pm_mrt_ctx *x, uint16_t subtype, struct pm_cursor *c);

#endif
