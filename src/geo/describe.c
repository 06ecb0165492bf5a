/* describe.c - what a run records about each database it used (path, build date, sha256) and where the defaults live. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "geo/internal.h"
#include "util/sha256.h"

int pm_geo_describe(const struct pm_geo *g, const char *role, struct pm_db_info *out)
{
    if (!g || !role)
        return PM_ENOTFOUND;
    const MMDB_s *db;
    const char *path;
    if (!strcmp(role, "asn") && g->has_asn) {
        db = &g->asn;
        path = g->asn_path;
    } else if ((!strcmp(role, "geo") || !strcmp(role, "city")) && g->has_city) {
        db = &g->city;
        path = g->city_path;
        role = "geo";
    } else {
        return PM_ENOTFOUND;
    }
    memset(out, 0, sizeof *out);
    snprintf(out->role, sizeof out->role, "%s", role);
    snprintf(out->path, sizeof out->path, "%s", path);
    /* Years up to 9999 only: the field is untrusted and the buffer small. */
    time_t t = (time_t)(db->metadata.build_epoch < 253402300800ull ? db->metadata.build_epoch : 0);
    struct tm tm;
    if (db->metadata.build_epoch < 253402300800ull && gmtime_r(&t, &tm))
        strftime(out->build_date, sizeof out->build_date, "%Y-%m-%dT%H:%M:%SZ", &tm);
    /* Hash the mapped bytes libmaxminddb reads, not the path: the file could
     * have been replaced since it was opened. */
    if (db->file_content && db->file_size > 0)
        pm_sha256_digest_hex(db->file_content, (size_t)db->file_size, out->sha256);
    return PM_OK;
}

static const char *first_readable(const char *a, const char *b)
{
    if (access(a, R_OK) == 0)
        return a;
    if (access(b, R_OK) == 0)
        return b;
    return NULL;
}

const char *pm_geo_default_asn_path(void)
{
    return first_readable(PM_DATADIR "/default-asn.mmdb", PM_BUILD_DATADIR "/default-asn.mmdb");
}

const char *pm_geo_default_city_path(void)
{
    return first_readable(PM_DATADIR "/default-city.mmdb", PM_BUILD_DATADIR "/default-city.mmdb");
}
