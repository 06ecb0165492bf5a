/* geo.h - what the tool believes about an address: ASN, AS name, country, city (libmaxminddb behind an opaque handle). */
#ifndef PATHMORTEM_GEO_H
#define PATHMORTEM_GEO_H

#include <stdbool.h>
#include <stdint.h>

#include "pathmortem/common.h"

struct pm_geo; /* opaque: open databases plus a per-address cache */

struct pm_geo_info {
    uint32_t asn;          /* 0 when unknown */
    char as_name[128];     /* "" when unknown */
    char country[3];       /* ISO 3166-1 alpha-2, "" when unknown */
    char city[64];         /* "" when unknown */
    uint8_t asn_prefix_len;    /* length of the matching network in the ASN db (0: none) */
    bool special;          /* private, shared, benchmarking, documentation, multicast, ... */
    char special_name[32]; /* e.g. "RFC1918", "IXP" */
};

/* Opens the databases. Either path may be NULL (then that part is absent).
 * Fails with a one-line message in errbuf for a missing or corrupt file. */
int pm_geo_open(const char *asn_path, const char *city_path, struct pm_geo **out, char *errbuf);
void pm_geo_close(struct pm_geo *g);

/* Looks up an address (host order); results are cached per address (cap
 * PM_GEO_CACHE_MAX entries, then evicted). Never fails: unknown fields stay empty. */
#define PM_GEO_CACHE_MAX 65536
void pm_geo_lookup(struct pm_geo *g, uint32_t addr, struct pm_geo_info *out);

/* Same as pm_geo_lookup with the pm_lookup_fn signature (ctx is a struct pm_geo *). */
void pm_geo_lookup_cb(void *ctx, uint32_t addr, struct pm_geo_info *out);

/* Describes an opened database for the run record (role "asn" or "geo").
 * Returns PM_ENOTFOUND if that role is absent. */
struct pm_db_info;
int pm_geo_describe(const struct pm_geo *g, const char *role, struct pm_db_info *out);

/* The default database paths (installed data dir, then the build tree). */
const char *pm_geo_default_asn_path(void);
const char *pm_geo_default_city_path(void);

#endif
