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

struct pm_geo {
    bool has_asn, has_city;
    MMDB_s asn, city;
    char *asn_path, *city_path;  /* owned copies for pm_geo_describe */
    struct pm_geo_slot *cache;   /* PM_GEO_CACHE_MAX slots, owned */
    struct pm_geo_cache_stats stats;
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
