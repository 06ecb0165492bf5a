/* internal.h - the pm_geo handle, shared by the files of the geo module only (holds libmaxminddb types). */
#ifndef PATHMORTEM_GEO_INTERNAL_H
#define PATHMORTEM_GEO_INTERNAL_H

#include <maxminddb.h>
#include <stdbool.h>

#include "pathmortem/geo.h"

/* One direct-mapped cache slot: a new address evicts the old one. */
struct pm_geo_slot {
    uint32_t addr;
    bool used;
    struct pm_geo_info info;
};

/* Decoded data records, direct-mapped by their offset in the data section:
 * many networks share one record (the full Internet ASN table: 565k networks,
 * 84k records), and decoding a record (map walks, UTF-8 checks) costs more
 * than the tree walk that finds it. PM_GEO_REC_SLOTS per database. */
#define PM_GEO_REC_SLOTS 16384
struct pm_geo_asn_rec {
    uint32_t offset1;      /* entry offset + 1; 0: empty slot */
    bool found;            /* the record holds a usable ASN (which may be 0: unknown) */
    uint32_t asn;
    char as_name[128];
};
struct pm_geo_city_rec {
    uint32_t offset1;
    char country[3];
    char city[64];
};

struct pm_geo {
    bool has_asn, has_city;
    MMDB_s asn, city;
    char *asn_path, *city_path;  /* owned copies for pm_geo_describe */
    struct pm_geo_slot *cache;   /* PM_GEO_CACHE_MAX slots, owned */
    struct pm_geo_cache_stats stats;
    struct pm_geo_asn_rec *asn_recs;   /* PM_GEO_REC_SLOTS, owned */
    struct pm_geo_city_rec *city_recs; /* PM_GEO_REC_SLOTS, owned */
};

/* Refuses anything but a regular file before libmaxminddb opens it: open()
 * on a FIFO would block forever and devices cannot be mapped. what names the
 * role in the message ("ASN", "location", ...). */
int pm_geo_check_file(const char *path, const char *what, char *errbuf);

/* Copies an MMDB string (not NUL-terminated, untrusted) into dst: at most
 * cap-1 bytes, cut on a character boundary, control bytes and bytes that are
 * not UTF-8 replaced by '?', so a database cannot inject newlines, terminal
 * escapes or invalid UTF-8 (which JSON writers refuse) into our output. */
void pm_geo_copy_str(char *dst, size_t cap, const char *src, size_t len);

#endif
