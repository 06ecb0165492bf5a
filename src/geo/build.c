/* build.c - `geo build`: range CSV rows (asn or dbip-city layout) -> data records -> an IPv4 MMDB. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "geo/csv.h"
#include "geo/mmdb_encode.h"
#include "geo/mmdb_write.h"
#include "pathmortem/geo.h"
#include "pathmortem/util.h"

/* Per-file counters, so a garbage file is refused on its own numbers. */
struct file_count {
    uint64_t good, bad, v6;
};

struct ctx {
    enum pm_geo_kind kind;
    struct pm_mmdb_writer *w;
    struct pm_mmdb_buf rec;     /* scratch for one encoded record */
    FILE *warn;
    struct pm_geo_build_stats *st;
    struct pm_mmdb_keys keys;   /* map keys stored once, referenced by pointer */
};

static const char *const asn_keys[] = {"autonomous_system_number", "autonomous_system_organization"};
static const char *const city_keys[] = {"city", "names", "en", "country", "iso_code", "location", "latitude",
                                        "longitude", "time_zone", "postal", "code", "subdivisions"};

static void report(struct ctx *c, const char *path, uint64_t line, const char *why)
{
    c->st->bad_rows++;
    if (c->warn && c->st->bad_rows <= PM_GEO_BUILD_REPORT_MAX)
        fprintf(c->warn, "pathmortem: %s:%llu: %s\n", path, (unsigned long long)line, why);
}

static bool parse_u32(const char *s, size_t len, uint32_t *out)
{
    if (len == 0 || len > 10)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

/* Optional coordinate: empty -> absent; otherwise a finite number in range. */
static bool parse_coord(const char *s, size_t len, double lim, bool *present, double *out)
{
    *present = false;
    if (len == 0)
        return true;
    if (len > 32)
        return false;
    char tmp[40];
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    char *end;
    errno = 0;
    double v = strtod(tmp, &end);
    if (*end || errno || !isfinite(v) || v < -lim || v > lim)
        return false;
    *present = true;
    *out = v;
    return true;
}

static void enc_names_en(struct ctx *c, struct pm_mmdb_buf *b, const char *s, size_t len)
{
    pm_mmdb_enc_map(b, 1);
    pm_mmdb_enc_key(b, &c->keys, "names");
    pm_mmdb_enc_map(b, 1);
    pm_mmdb_enc_key(b, &c->keys, "en");
    pm_mmdb_enc_utf8(b, s, len);
}

/* GeoLite2-ASN layout. */
static const char *encode_asn(struct ctx *c, char **f, size_t *fl, int nf)
{
    if (nf != 4)
        return "want 4 fields: ip_range_start,ip_range_end,autonomous_system_number,autonomous_system_organization";
    uint32_t asn;
    if (!parse_u32(f[2], fl[2], &asn))
        return "autonomous_system_number is not a number 0..4294967295";
    if (!pm_csv_text_ok(f[3], fl[3]))
        return "autonomous_system_organization is not clean UTF-8";
    pm_mmdb_enc_map(&c->rec, 2);
    pm_mmdb_enc_key(&c->rec, &c->keys, "autonomous_system_number");
    pm_mmdb_enc_uint32(&c->rec, asn);
    pm_mmdb_enc_key(&c->rec, &c->keys, "autonomous_system_organization");
    pm_mmdb_enc_utf8(&c->rec, f[3], fl[3]);
    return NULL;
}

/* GeoLite2-City / DB-IP Lite layout; empty fields are left out. */
static const char *encode_city(struct ctx *c, char **f, size_t *fl, int nf)
{
    if (nf != 10)
        return "want 10 fields: ip_range_start,ip_range_end,country_code,state1,state2,city,postcode,latitude,longitude,timezone";
    if (fl[2] != 0 && (fl[2] != 2 || f[2][0] < 'A' || f[2][0] > 'Z' || f[2][1] < 'A' || f[2][1] > 'Z'))
        return "country_code is not two capital letters";
    for (int i = 3; i <= 9; i++)
        if (!pm_csv_text_ok(f[i], fl[i]))
            return "a text field is not clean UTF-8";
    bool has_lat, has_lon;
    double lat = 0, lon = 0;
    if (!parse_coord(f[7], fl[7], 90, &has_lat, &lat) || !parse_coord(f[8], fl[8], 180, &has_lon, &lon))
        return "latitude/longitude is not a number in range";
    bool has_loc = has_lat || has_lon || fl[9];
    uint32_t n_sub = (fl[3] != 0) + (fl[4] != 0);
    uint32_t pairs = (fl[5] != 0) + (fl[2] != 0) + has_loc + (fl[6] != 0) + (n_sub != 0);
    struct pm_mmdb_buf *b = &c->rec;
    pm_mmdb_enc_map(b, pairs);
    if (fl[5]) {
        pm_mmdb_enc_key(b, &c->keys, "city");
        enc_names_en(c, b, f[5], fl[5]);
    }
    if (fl[2]) {
        pm_mmdb_enc_key(b, &c->keys, "country");
        pm_mmdb_enc_map(b, 1);
        pm_mmdb_enc_key(b, &c->keys, "iso_code");
        pm_mmdb_enc_utf8(b, f[2], 2);
    }
    if (has_loc) {
        pm_mmdb_enc_key(b, &c->keys, "location");
        pm_mmdb_enc_map(b, (uint32_t)has_lat + has_lon + (fl[9] != 0));
        if (has_lat) {
            pm_mmdb_enc_key(b, &c->keys, "latitude");
            pm_mmdb_enc_double(b, lat);
        }
        if (has_lon) {
            pm_mmdb_enc_key(b, &c->keys, "longitude");
            pm_mmdb_enc_double(b, lon);
        }
        if (fl[9]) {
            pm_mmdb_enc_key(b, &c->keys, "time_zone");
            pm_mmdb_enc_utf8(b, f[9], fl[9]);
        }
    }
    if (fl[6]) {
        pm_mmdb_enc_key(b, &c->keys, "postal");
        pm_mmdb_enc_map(b, 1);
        pm_mmdb_enc_key(b, &c->keys, "code");
        pm_mmdb_enc_utf8(b, f[6], fl[6]);
    }
    if (n_sub) {
        pm_mmdb_enc_key(b, &c->keys, "subdivisions");
        pm_mmdb_enc_array(b, n_sub);
        for (int i = 3; i <= 4; i++)
            if (fl[i])
                enc_names_en(c, b, f[i], fl[i]);
    }
    return NULL;
}

/* An IPv6 address in text: hex digits, colons and (for ::a.b.c.d) dots, with
 * at least one colon. Only the shape is checked; such rows are skipped. */
static bool looks_v6(const char *s, size_t len)
{
    bool colon = false;
    if (len < 2 || len > 45)
        return false;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (ch == ':')
            colon = true;
        else if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F') || ch == '.'))
            return false;
    }
    return colon;
}

/* One row. Returns PM_OK (row taken, skipped or reported) or a fatal code. */
static int row(struct ctx *c, const char *path, uint64_t lineno, char *line, size_t len, struct file_count *fc,
               char *errbuf)
{
    char *f[PM_CSV_FIELDS_MAX];
    size_t fl[PM_CSV_FIELDS_MAX];
    const char *why = NULL;
    int nf = pm_csv_split(line, len, f, fl, &why);
    if (nf < 0) {
        fc->bad++;
        report(c, path, lineno, why);
        return PM_OK;
    }
    if (nf >= 2 && looks_v6(f[0], fl[0]) && looks_v6(f[1], fl[1])) {
        fc->v6++;
        c->st->ipv6_skipped++;
        return PM_OK;
    }
    uint32_t start, end;
    if (nf < 2 || pm_addr_parse(f[0], &start) != PM_OK || pm_addr_parse(f[1], &end) != PM_OK) {
        fc->bad++;
        report(c, path, lineno, "ip_range_start/ip_range_end is not an IPv4 address");
        return PM_OK;
    }
    if (start > end) {
        fc->bad++;
        report(c, path, lineno, "ip_range_start is after ip_range_end");
        return PM_OK;
    }
    pm_mmdb_buf_reset(&c->rec);
    why = c->kind == PM_GEO_KIND_ASN ? encode_asn(c, f, fl, nf) : encode_city(c, f, fl, nf);
    if (why) {
        fc->bad++;
        report(c, path, lineno, why);
        return PM_OK;
    }
    if (c->rec.err) {
        fc->bad++;
        report(c, path, lineno, "row too large to encode");
        return PM_OK;
    }
    uint32_t id;
    int rc = pm_mmdb_writer_record(c->w, c->rec.p, c->rec.len, &id, errbuf);
    if (rc == PM_OK)
        rc = pm_mmdb_writer_range(c->w, start, end, id, NULL, errbuf);
    if (rc != PM_OK)
        return rc;
    fc->good++;
    c->st->ranges++;
    return PM_OK;
}

static int read_file(struct ctx *c, const char *path, char *errbuf)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return pm_err(errbuf, PM_ENOTFOUND, "cannot open %s: %s", path, strerror(errno)); /* missing or unreadable */
    char *line = malloc(PM_CSV_LINE_MAX + 1);
    if (!line) {
        fclose(f);
        return pm_err(errbuf, PM_ENOMEM, "out of memory");
    }
    struct file_count fc = {0, 0, 0};
    uint64_t lineno = 0;
    int rc = PM_OK, got;
    size_t len;
    bool too_long, has_nul;
    while (rc == PM_OK && (got = pm_csv_read_line(f, line, &len, &too_long, &has_nul)) == 1) {
        lineno++;
        c->st->lines++;
        if (too_long || has_nul) {
            fc.bad++;
            report(c, path, lineno, too_long ? "line longer than 4096 bytes" : "NUL byte in line");
            continue;
        }
        /* Blank lines and '#' comments (no address starts with '#') are
         * skipped, so curated files can carry notes. */
        if (len == 0 || line[0] == '#')
            continue;
        rc = row(c, path, lineno, line, len, &fc, errbuf);
    }
    if (rc == PM_OK && got < 0)
        rc = pm_err(errbuf, PM_EIO, "reading %s failed", path);
    free(line);
    fclose(f);
    if (rc != PM_OK)
        return rc;
    /* A file that is mostly not what we expect is refused, not half-used. */
    if (fc.good == 0 && fc.v6 == 0)
        return pm_err(errbuf, PM_ECORRUPT, "%s: no usable row (%llu bad of %llu lines): not a range CSV in the %s layout", path,
                      (unsigned long long)fc.bad, (unsigned long long)lineno,
                      c->kind == PM_GEO_KIND_ASN ? "asn" : "dbip-city");
    if (fc.bad > fc.good)
        return pm_err(errbuf, PM_ECORRUPT, "%s: %llu bad rows against %llu good: refusing a garbage file", path,
                      (unsigned long long)fc.bad, (unsigned long long)fc.good);
    return PM_OK;
}

static uint64_t default_epoch(void)
{
    /* Reproducible builds: https://reproducible-builds.org/specs/source-date-epoch/ */
    const char *s = getenv("SOURCE_DATE_EPOCH");
    if (s && *s) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (!*end && !errno && s[0] != '-')
            return v;
    }
    return (uint64_t)time(NULL);
}

static int build(enum pm_geo_kind kind, const char *const *csv_paths, size_t n_paths, const char *out_path,
                 FILE *out, uint64_t build_epoch, FILE *warn, struct pm_geo_build_stats *st, char *errbuf)
{
    memset(st, 0, sizeof *st);
    if (kind != PM_GEO_KIND_ASN && kind != PM_GEO_KIND_CITY)
        return pm_err(errbuf, PM_EINVAL, "unknown database kind");
    if (n_paths == 0)
        return pm_err(errbuf, PM_EINVAL, "no CSV file given");
    struct ctx c = {.kind = kind, .warn = warn, .st = st};
    pm_mmdb_buf_init(&c.rec, PM_CSV_LINE_MAX * 4);
    int rc = pm_mmdb_writer_alloc(&c.w, errbuf);
    if (rc == PM_OK)
        rc = kind == PM_GEO_KIND_ASN
                 ? pm_mmdb_writer_keys(c.w, asn_keys, sizeof asn_keys / sizeof asn_keys[0], &c.keys, errbuf)
                 : pm_mmdb_writer_keys(c.w, city_keys, sizeof city_keys / sizeof city_keys[0], &c.keys, errbuf);
    for (size_t i = 0; rc == PM_OK && i < n_paths; i++)
        rc = read_file(&c, csv_paths[i], errbuf);
    if (rc == PM_OK && st->ranges == 0)
        rc = pm_err(errbuf, PM_ECORRUPT, "no IPv4 range in the input (%llu IPv6 rows skipped)",
                    (unsigned long long)st->ipv6_skipped);
    if (rc == PM_OK) {
        const char *base = strrchr(csv_paths[0], '/');
        base = base ? base + 1 : csv_paths[0];
        char desc[200];
        snprintf(desc, sizeof desc, "pathmortem geo build (%s) from %s%s",
                 kind == PM_GEO_KIND_ASN ? "asn" : "city", base, n_paths > 1 ? " and more" : "");
        struct pm_mmdb_meta meta = {
            .database_type = kind == PM_GEO_KIND_ASN ? "pathmortem-ASN" : "pathmortem-City",
            .description = desc,
            .build_epoch = build_epoch ? build_epoch : default_epoch(),
        };
        struct pm_mmdb_result res;
        rc = out ? pm_mmdb_writer_write_stream(c.w, out, &meta, &res, errbuf)
                 : pm_mmdb_writer_write(c.w, out_path, &meta, &res, errbuf);
        if (rc == PM_OK) {
            st->networks = res.networks;
            st->records = res.records;
            st->node_count = res.node_count;
            st->record_size = res.record_size;
            st->bytes = res.bytes;
        }
    }
    pm_mmdb_writer_free(c.w);
    pm_mmdb_buf_free(&c.rec);
    return rc;
}

int pm_geo_build(enum pm_geo_kind kind, const char *const *csv_paths, size_t n_paths, const char *out_path,
                 uint64_t build_epoch, FILE *warn, struct pm_geo_build_stats *st, char *errbuf)
{
    return build(kind, csv_paths, n_paths, out_path, NULL, build_epoch, warn, st, errbuf);
}

int pm_geo_build_stream(enum pm_geo_kind kind, const char *const *csv_paths, size_t n_paths, FILE *out,
                        uint64_t build_epoch, FILE *warn, struct pm_geo_build_stats *st, char *errbuf)
{
    return build(kind, csv_paths, n_paths, NULL, out, build_epoch, warn, st, errbuf);
}
