/* reader.c - opens ASN and city/country MMDB files with libmaxminddb and answers cached per-address lookups. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "geo/csv.h"
#include "geo/internal.h"
#include "util/utf8.h"

_Static_assert((PM_GEO_CACHE_MAX & (PM_GEO_CACHE_MAX - 1)) == 0, "cache size must be a power of two");

void pm_geo_copy_str(char *dst, size_t cap, const char *src, size_t len)
{
    if (cap == 0)
        return;
    const unsigned char *p = (const unsigned char *)src;
    size_t i = 0, o = 0;
    while (i < len) {
        size_t k = pm_utf8_seq(p + i, len - i, NULL);
        if (k == 0 || (k == 1 && (p[i] < 0x20 || p[i] == 0x7F))) {
            /* Not UTF-8, or a control byte: one '?' per byte, so output
             * (text or JSON) stays one line and valid UTF-8. */
            if (o + 1 > cap - 1)
                break;
            dst[o++] = '?';
            i++;
            continue;
        }
        if (o + k > cap - 1)
            break; /* never cut a character in half */
        memcpy(dst + o, p + i, k);
        o += k;
        i += k;
    }
    dst[o] = '\0';
}

int pm_geo_check_file(const char *path, const char *what, char *errbuf)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return pm_err(errbuf, errno == ENOENT ? PM_ENOTFOUND : PM_EIO, "cannot open %s database %s: %s", what, path,
                      strerror(errno));
    if (!S_ISREG(st.st_mode))
        return pm_err(errbuf, PM_ECORRUPT, "%s database %s is not a regular file", what, path);
    return PM_OK;
}

static int open_one(const char *path, const char *what, MMDB_s *db, char **path_copy, char *errbuf)
{
    int rc = pm_geo_check_file(path, what, errbuf);
    if (rc != PM_OK)
        return rc;
    rc = MMDB_open(path, MMDB_MODE_MMAP, db);
    if (rc != MMDB_SUCCESS) {
        if (rc == MMDB_FILE_OPEN_ERROR || rc == MMDB_IO_ERROR) {
            int e = errno;
            return pm_err(errbuf, e == ENOENT ? PM_ENOTFOUND : PM_EIO, "cannot open %s database %s: %s (%s)",
                          what, path, MMDB_strerror(rc), strerror(e));
        }
        return pm_err(errbuf, PM_ECORRUPT, "%s database %s is not a usable MaxMind DB: %s", what, path,
                      MMDB_strerror(rc));
    }
    if (db->metadata.ip_version != 4 && db->metadata.ip_version != 6) {
        MMDB_close(db);
        return pm_err(errbuf, PM_ECORRUPT, "%s database %s has ip_version %u (want 4 or 6)", what, path,
                      (unsigned)db->metadata.ip_version);
    }
    /* A corrupt search tree only shows as "no network" at lookup time, which
     * would read as "unknown AS" in every verdict: walk the whole file once
     * when it is small enough (the full Internet ASN table: 7 MB, 25-65 ms;
     * see docs/geo.md). Larger files rely on libmaxminddb's own checks. */
    struct stat st;
    char verr[PM_ERRBUF_SIZE];
    if (stat(path, &st) == 0 && st.st_size <= PM_GEO_VERIFY_MAX_BYTES &&
        pm_geo_verify_file(path, NULL, NULL, verr) != PM_OK) {
        MMDB_close(db);
        return pm_err(errbuf, PM_ECORRUPT, "%s database %s is corrupt: %s", what, path, verr);
    }
    *path_copy = strdup(path);
    if (!*path_copy) {
        MMDB_close(db);
        return pm_err(errbuf, PM_ENOMEM, "out of memory opening %s", path);
    }
    return PM_OK;
}

int pm_geo_open(const char *asn_path, const char *city_path, struct pm_geo **out, char *errbuf)
{
    *out = NULL;
    struct pm_geo *g = calloc(1, sizeof *g);
    if (!g)
        return pm_err(errbuf, PM_ENOMEM, "out of memory opening databases");
    /* calloc of the whole table: untouched pages cost no memory. */
    g->cache = calloc(PM_GEO_CACHE_MAX, sizeof *g->cache);
    g->asn_recs = calloc(PM_GEO_REC_SLOTS, sizeof *g->asn_recs);
    g->city_recs = calloc(PM_GEO_REC_SLOTS, sizeof *g->city_recs);
    if (!g->cache || !g->asn_recs || !g->city_recs) {
        free(g->cache);
        free(g->asn_recs);
        free(g->city_recs);
        free(g);
        return pm_err(errbuf, PM_ENOMEM, "out of memory for the address cache");
    }
    int rc;
    if (asn_path) {
        if ((rc = open_one(asn_path, "ASN", &g->asn, &g->asn_path, errbuf)) != PM_OK) {
            pm_geo_close(g);
            return rc;
        }
        g->has_asn = true;
    }
    if (city_path) {
        if ((rc = open_one(city_path, "location", &g->city, &g->city_path, errbuf)) != PM_OK) {
            pm_geo_close(g);
            return rc;
        }
        g->has_city = true;
    }
    *out = g;
    return PM_OK;
}

void pm_geo_close(struct pm_geo *g)
{
    if (!g)
        return;
    if (g->has_asn)
        MMDB_close(&g->asn);
    if (g->has_city)
        MMDB_close(&g->city);
    free(g->asn_path);
    free(g->city_path);
    free(g->cache);
    free(g->asn_recs);
    free(g->city_recs);
    free(g);
}

/* Looks addr up; returns the entry's network length in IPv4 terms, or -1. */
static int find(MMDB_s *db, uint32_t addr, MMDB_entry_s *entry)
{
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(addr);
    int mmdb_err = MMDB_SUCCESS;
    MMDB_lookup_result_s r = MMDB_lookup_sockaddr(db, (const struct sockaddr *)&sin, &mmdb_err);
    if (mmdb_err != MMDB_SUCCESS || !r.found_entry)
        return -1;
    *entry = r.entry;
    int len = r.netmask;
    if (db->metadata.ip_version == 6)
        len -= 96; /* IPv4 lives at ::a.b.c.d/96 in an IPv6 tree */
    return len < 0 ? 0 : (len > 32 ? 32 : len);
}

static bool get_uint(MMDB_entry_s *e, uint32_t *out, const char *const *path)
{
    MMDB_entry_data_s d;
    if (MMDB_aget_value(e, &d, path) != MMDB_SUCCESS || !d.has_data)
        return false;
    switch (d.type) {
    case MMDB_DATA_TYPE_UINT16: *out = d.uint16; return true;
    case MMDB_DATA_TYPE_UINT32: *out = d.uint32; return true;
    case MMDB_DATA_TYPE_INT32: if (d.int32 < 0) return false; *out = (uint32_t)d.int32; return true;
    case MMDB_DATA_TYPE_UINT64: if (d.uint64 > UINT32_MAX) return false; *out = (uint32_t)d.uint64; return true;
    default: return false;
    }
}

static bool get_str(MMDB_entry_s *e, char *dst, size_t cap, const char *const *path)
{
    MMDB_entry_data_s d;
    if (MMDB_aget_value(e, &d, path) != MMDB_SUCCESS || !d.has_data || d.type != MMDB_DATA_TYPE_UTF8_STRING)
        return false;
    pm_geo_copy_str(dst, cap, d.utf8_string, d.data_size);
    return true;
}

static void decode_asn(MMDB_entry_s *e, struct pm_geo_asn_rec *r)
{
    static const char *const asn_key[] = {"autonomous_system_number", NULL};
    static const char *const org_key[] = {"autonomous_system_organization", NULL};
    r->asn = 0;
    r->as_name[0] = '\0';
    r->found = get_uint(e, &r->asn, asn_key);
    if (r->found)
        get_str(e, r->as_name, sizeof r->as_name, org_key);
}

static uint32_t rec_slot(uint32_t offset)
{
    return (offset * 0x9E3779B1u) >> (32 - 14);
}
_Static_assert(PM_GEO_REC_SLOTS == 1 << 14, "rec_slot's shift");

static void lookup_asn(struct pm_geo *g, uint32_t addr, struct pm_geo_info *out)
{
    MMDB_entry_s e;
    int len = find(&g->asn, addr, &e);
    if (len < 0)
        return;
    struct pm_geo_asn_rec *r = &g->asn_recs[rec_slot(e.offset)];
    if (r->offset1 != e.offset + 1) {
        decode_asn(&e, r);
        r->offset1 = e.offset + 1;
    }
    if (r->found) {
        out->asn = r->asn;
        out->asn_prefix_len = (uint8_t)len;
        memcpy(out->as_name, r->as_name, strlen(r->as_name) + 1);
    }
}

static void decode_city(MMDB_entry_s *e, struct pm_geo_city_rec *r)
{
    static const char *const cc_key[] = {"country", "iso_code", NULL};
    static const char *const rcc_key[] = {"registered_country", "iso_code", NULL};
    static const char *const city_key[] = {"city", "names", "en", NULL};
    /* The flat layout of the @ip-location-db MMDB packages (DB-IP Lite data):
     * {"country_code": "KP", "city": "Pyongyang", "state1": ...}. */
    static const char *const flat_cc_key[] = {"country_code", NULL};
    static const char *const flat_city_key[] = {"city", NULL};
    char cc[8] = "";
    r->country[0] = r->city[0] = '\0';
    if (!get_str(e, cc, sizeof cc, cc_key) && !get_str(e, cc, sizeof cc, rcc_key))
        get_str(e, cc, sizeof cc, flat_cc_key);
    /* Only a well-formed alpha-2 code is believed. */
    if (strlen(cc) == 2 && cc[0] >= 'A' && cc[0] <= 'Z' && cc[1] >= 'A' && cc[1] <= 'Z')
        memcpy(r->country, cc, 3);
    if (!get_str(e, r->city, sizeof r->city, city_key))
        get_str(e, r->city, sizeof r->city, flat_city_key);
}

static void lookup_city(struct pm_geo *g, uint32_t addr, struct pm_geo_info *out)
{
    MMDB_entry_s e;
    int len = find(&g->city, addr, &e);
    if (len < 0)
        return;
    struct pm_geo_city_rec *r = &g->city_recs[rec_slot(e.offset)];
    if (r->offset1 != e.offset + 1) {
        decode_city(&e, r);
        r->offset1 = e.offset + 1;
    }
    memcpy(out->country, r->country, sizeof out->country);
    memcpy(out->city, r->city, strlen(r->city) + 1);
    if (out->country[0] || out->city[0])
        out->geo_prefix_len = (uint8_t)len;
}

static void lookup_uncached(struct pm_geo *g, uint32_t addr, struct pm_geo_info *out)
{
    if (g->has_asn)
        lookup_asn(g, addr, out);
    if (g->has_city)
        lookup_city(g, addr, out);
}

/* Empties *out (the strings' first bytes only: a full memset of the
 * 240-byte struct is a measurable part of a bulk lookup) and flags a
 * special-purpose range. Special ranges are flagged but still looked up: the
 * lab maps 198.18/15 to real ASNs. */
static void lookup_start(uint32_t addr, struct pm_geo_info *out)
{
    out->asn = 0;
    out->as_name[0] = out->country[0] = out->city[0] = out->special_name[0] = '\0';
    out->asn_prefix_len = out->geo_prefix_len = 0;
    const char *special = pm_geo_special(addr, NULL, NULL);
    out->special = special != NULL;
    if (special)
        pm_geo_copy_str(out->special_name, sizeof out->special_name, special, strlen(special));
}

void pm_geo_lookup_once(struct pm_geo *g, uint32_t addr, struct pm_geo_info *out)
{
    lookup_start(addr, out);
    if (g)
        lookup_uncached(g, addr, out);
}

void pm_geo_lookup(struct pm_geo *g, uint32_t addr, struct pm_geo_info *out)
{
    memset(out, 0, sizeof *out);
    lookup_start(addr, out);
    if (!g)
        return;
    /* Mix high and low bits so addresses that differ only in their first
     * octets do not share a slot. */
    uint32_t h = (addr ^ (addr >> 16)) * 0x45D9F3Bu;
    uint32_t idx = (h ^ (h >> 16)) & (PM_GEO_CACHE_MAX - 1);
    struct pm_geo_slot *s = &g->cache[idx];
    if (s->used && s->addr == addr) {
        g->stats.hits++;
        *out = s->info;
        return;
    }
    g->stats.misses++;
    lookup_uncached(g, addr, out);
    if (s->used)
        g->stats.evictions++;
    else
        g->stats.entries++;
    s->used = true;
    s->addr = addr;
    s->info = *out;
}

void pm_geo_lookup_cb(void *ctx, uint32_t addr, struct pm_geo_info *out)
{
    pm_geo_lookup(ctx, addr, out);
}

void pm_geo_cache_stats(const struct pm_geo *g, struct pm_geo_cache_stats *out)
{
    memset(out, 0, sizeof *out);
    if (g)
        *out = g->stats;
}
