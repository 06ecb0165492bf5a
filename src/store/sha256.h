/* sha256.h - incremental SHA-256 used by the store for pcap checksums. */
#ifndef PATHMORTEM_STORE_SHA256_H
#define PATHMORTEM_STORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct pm_sha256 {
    uint32_t h[8];
    uint64_t len;
    uint8_t buf[64];
    size_t fill;
};

void pm_sha256_init(struct pm_sha256 *c);
void pm_sha256_update(struct pm_sha256 *c, const void *data, size_t n);
/* Finishes and writes 64 hex digits plus NUL; the context is spent. */
void pm_sha256_hex(struct pm_sha256 *c, char hex[65]);

#endif
