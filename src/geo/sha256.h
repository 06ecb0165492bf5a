/* sha256.h - SHA-256 (FIPS 180-4) so a run can record exactly which database file it used. */
#ifndef PATHMORTEM_GEO_SHA256_H
#define PATHMORTEM_GEO_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct pm_geo_sha256 {
    uint32_t h[8];
    uint64_t total;      /* bytes hashed so far */
    uint8_t block[64];
    size_t used;         /* bytes waiting in block */
};

void pm_geo_sha256_init(struct pm_geo_sha256 *s);
void pm_geo_sha256_update(struct pm_geo_sha256 *s, const void *data, size_t len);
void pm_geo_sha256_final(struct pm_geo_sha256 *s, uint8_t digest[32]);
/* One-shot digest as 64 lowercase hex digits plus NUL. */
void pm_geo_sha256_hex(const void *data, size_t len, char hex[65]);

#endif
