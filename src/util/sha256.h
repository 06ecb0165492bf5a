/* sha256.h - SHA-256 (FIPS 180-4): which database file a run used, and the checksum of each stored pcap. */
#ifndef PATHMORTEM_UTIL_SHA256_H
#define PATHMORTEM_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct pm_sha256 {
    uint32_t h[8];
    uint64_t total;      /* bytes hashed so far */
    uint8_t block[64];
    size_t used;         /* bytes waiting in block */
};

void pm_sha256_init(struct pm_sha256 *s);
void pm_sha256_update(struct pm_sha256 *s, const void *data, size_t len);
void pm_sha256_final(struct pm_sha256 *s, uint8_t digest[32]);
/* Finishes and writes 64 lowercase hex digits plus NUL; the context is spent. */
void pm_sha256_hex(struct pm_sha256 *s, char hex[65]);
/* One-shot digest as 64 lowercase hex digits plus NUL. */
void pm_sha256_digest_hex(const void *data, size_t len, char hex[65]);

#endif
