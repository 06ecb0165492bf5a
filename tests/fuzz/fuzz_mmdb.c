/* fuzz_mmdb.c - fuzzes the MMDB lookup path: the input is a database file, opened as the ASN and as the city database, verified, described and queried. */
#include <string.h>

#include "fuzz.h"
#include "pathmortem/geo.h"
#include "pathmortem/trace.h"   /* struct pm_db_info */

static void lookups(struct pm_geo *g, const uint8_t *data, size_t size)
{
    /* Fixed addresses of the default case, then some taken from the input. */
    static const uint32_t fixed[] = {0xaf2db00fu, 0xdb9e272au, 0xbc2be199u, 0xc6120002u, 0, 0xffffffffu};
    struct pm_geo_info info;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        pm_geo_lookup(g, fixed[i], &info);
        PM_FUZZ_CHECK(memchr(info.as_name, '\0', sizeof info.as_name) != NULL);
        PM_FUZZ_CHECK(memchr(info.country, '\0', sizeof info.country) != NULL);
        PM_FUZZ_CHECK(memchr(info.city, '\0', sizeof info.city) != NULL);
        PM_FUZZ_CHECK(info.asn_prefix_len <= 32 && info.geo_prefix_len <= 32);
    }
    for (size_t off = 0; off + 4 <= size && off < 64; off += 4) {
        uint32_t a = (uint32_t)data[off] << 24 | (uint32_t)data[off + 1] << 16 | (uint32_t)data[off + 2] << 8 |
                     data[off + 3];
        pm_geo_lookup(g, a, &info);
        pm_geo_lookup(g, a, &info);   /* second time from the cache */
        PM_FUZZ_CHECK(memchr(info.as_name, '\0', sizeof info.as_name) != NULL);
    }
    struct pm_geo_cache_stats st;
    pm_geo_cache_stats(g, &st);
    PM_FUZZ_CHECK(st.entries <= PM_GEO_CACHE_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = pm_fuzz_file("db.mmdb", data, size);
    if (!path)
        return 0;
    char err[PM_ERRBUF_SIZE] = "";
    uint32_t nodes = 0, records = 0;
    int vrc = pm_geo_verify_file(path, &nodes, &records, err);
    PM_FUZZ_CHECK(vrc == PM_OK || err[0] != '\0');
    for (int role = 0; role < 2; role++) {
        struct pm_geo *g = NULL;
        err[0] = '\0';
        int rc = role == 0 ? pm_geo_open(path, NULL, &g, err) : pm_geo_open(NULL, path, &g, err);
        if (rc != PM_OK) {
            PM_FUZZ_CHECK(rc < 0 && err[0] != '\0' && strchr(err, '\n') == NULL);
            continue;
        }
        struct pm_db_info info;
        pm_geo_describe(g, role == 0 ? "asn" : "geo", &info);
        lookups(g, data, size);
        pm_geo_close(g);
    }
    return 0;
}
