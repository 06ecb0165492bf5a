/* geo.h - what the tool believes about an address: ASN, AS name, country, city (libmaxminddb behind an opaque handle). */
#ifndef PATHMORTEM_GEO_H
#define PATHMORTEM_GEO_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

#include "pathmortem/common.h"

struct pm_geo; /* opaque: open databases plus a per-address cache */

struct pm_geo_info {
    uint32_t asn;          /* 0 when unknown */
    char as_name[128];     /* "" when unknown */
    char country[3];       /* ISO 3166-1 alpha-2, "" when unknown */
    char city[64];         /* "" when unknown */
    uint8_t asn_prefix_len;    /* length of the matching network in the ASN db (0: none) */
    bool special;          /* private, shared, benchmarking, documentation, multicast, ... */
    char special_name[32]; /* e.g. "private-use", "benchmarking" (RFC 6890 registry) */
    uint8_t geo_prefix_len;    /* length of the matching network in the city/country db (0: none) */
};

/* Files up to this size are verified whole (pm_geo_verify_file) when opened. */
#define PM_GEO_VERIFY_MAX_BYTES (64 * 1024 * 1024)

/* Opens the databases. Either path may be NULL (then that part is absent).
 * Fails with a one-line message in errbuf for a missing or corrupt file. */
int pm_geo_open(const char *asn_path, const char *city_path, struct pm_geo **out, char *errbuf);
void pm_geo_close(struct pm_geo *g);

/* Looks up an address (host order); results are cached per address (cap
 * PM_GEO_CACHE_MAX entries, then evicted). Never fails: unknown fields stay empty. */
#define PM_GEO_CACHE_MAX 65536
void pm_geo_lookup(struct pm_geo *g, uint32_t addr, struct pm_geo_info *out);

/* The same answer without the per-address cache, for a stream of addresses
 * mostly seen once (`geo lookup -`), where filling the cache costs more than
 * it saves; decoded database records are still cached. Only the strings'
 * contents up to their NUL are defined. */
void pm_geo_lookup_once(struct pm_geo *g, uint32_t addr, struct pm_geo_info *out);

/* Same as pm_geo_lookup with the pm_lookup_fn signature (ctx is a struct pm_geo *). */
void pm_geo_lookup_cb(void *ctx, uint32_t addr, struct pm_geo_info *out);

/* Describes an opened database for the run record (role "asn" or "geo").
 * Returns PM_ENOTFOUND if that role is absent. */
int pm_geo_describe(const struct pm_geo *g, const char *role, struct pm_db_info *out);

/* The default database paths (installed data dir, then the build tree). */
const char *pm_geo_default_asn_path(void);
const char *pm_geo_default_city_path(void);

/* Why and how often the cache answered (the cache is direct-mapped: a new
 * address evicts the one in its slot, so it never holds more than
 * PM_GEO_CACHE_MAX entries). */
struct pm_geo_cache_stats {
    uint64_t hits, misses, evictions;
    uint32_t entries;      /* slots in use, <= PM_GEO_CACHE_MAX */
};
void pm_geo_cache_stats(const struct pm_geo *g, struct pm_geo_cache_stats *out);

/* Special-purpose range (RFC 6890 registry and its updates) holding addr:
 * returns its short name ("private-use", "benchmarking", ...) and, if non-NULL,
 * the range in *net / *len; NULL when the address is ordinary. */
const char *pm_geo_special(uint32_t addr, uint32_t *net, uint8_t *len);

/* Full structural check of an MMDB file: every search-tree record points at a
 * node, at "no data" or inside the data section, and every data record
 * decodes. Costs one pass over the tree (see docs/geo.md for figures).
 * *n_nodes / *n_records (may be NULL) receive what was walked. */
int pm_geo_verify_file(const char *path, uint32_t *n_nodes, uint32_t *n_records, char *errbuf);

/* Database kinds that `pathmortem geo build` writes. */
enum pm_geo_kind { PM_GEO_KIND_ASN = 0, PM_GEO_KIND_CITY = 1 };

/* What a build read and wrote. */
struct pm_geo_build_stats {
    uint64_t lines;          /* lines read, blank ones included */
    uint64_t ranges;         /* IPv4 rows accepted */
    uint64_t ipv6_skipped;   /* IPv6 rows (skipped: the database is IPv4) */
    uint64_t bad_rows;       /* rows refused (first few reported on the warn stream) */
    uint64_t networks;       /* networks (tree leaves with data) written */
    uint32_t records;        /* distinct data records after deduplication */
    uint32_t node_count;     /* search-tree nodes */
    uint8_t record_size;     /* 24, 28 or 32 bits */
    uint64_t bytes;          /* size of the written file */
};

/* Reads range CSV files (@ip-location-db asn or dbip-city layout, see
 * docs/geo.md), later rows overriding earlier ones where ranges overlap, and
 * writes an IPv4 MMDB to out_path atomically (temporary file + rename).
 * Bad rows are reported on warn (may be NULL; first PM_GEO_BUILD_REPORT_MAX
 * of them) and counted; the build is refused (PM_ECORRUPT) when a file
 * yields no good row or more bad rows than good ones. build_epoch 0 means
 * SOURCE_DATE_EPOCH if set, else now. */
#define PM_GEO_BUILD_REPORT_MAX 5
int pm_geo_build(enum pm_geo_kind kind, const char *const *csv_paths, size_t n_paths,
                 const char *out_path, uint64_t build_epoch, FILE *warn,
                 struct pm_geo_build_stats *st, char *errbuf);
/* The same, written to an open stream (flushed, not closed): the caller made
 * the file and puts it in place (`geo build` opens it as a temp file before
 * dropping root, src/cli/cmd_geo.c). */
int pm_geo_build_stream(enum pm_geo_kind kind, const char *const *csv_paths, size_t n_paths, FILE *out,
                        uint64_t build_epoch, FILE *warn, struct pm_geo_build_stats *st, char *errbuf);

#endif
