/* csum.c - RFC 1071 Internet checksum helpers shared by the decoders and the probe builder. */
#include <endian.h>
#include <string.h>

#include "pathmortem/wire.h"

uint32_t pm_wire_sum(const uint8_t *p, size_t len, uint32_t sum)
{
    /* RFC 1071's sum of 16-bit words, taken 32 bits at a time: a 32-bit
     * word hi:lo is hi * 65536 + lo, and 65536 = 1 (mod 65535), so the sums
     * agree modulo 65535, which is all that the folded checksum keeps (and
     * both are zero only for all-zero data). The returned partial sum is
     * therefore not the 16-bit-word sum itself, only equal to it once
     * folded (pm_wire_fold), which is how every caller uses it. A 64-bit
     * accumulator cannot overflow for any buffer that fits in memory. */
    uint64_t acc = sum;
    size_t i = 0;
    for (; i + 4 <= len; i += 4) {
        uint32_t w;
        memcpy(&w, p + i, sizeof w); /* any alignment */
        acc += be32toh(w);
    }
    if (i + 2 <= len) {
        acc += (uint32_t)((p[i] << 8) | p[i + 1]);
        i += 2;
    }
    if (i < len)
        acc += (uint32_t)p[i] << 8;
    /* Fold to 32 bits (end-around carry keeps the value modulo 2^32 - 1,
     * a multiple of 65535) so the caller can keep chaining. */
    while (acc >> 32)
        acc = (acc & 0xffffffffu) + (acc >> 32);
    return (uint32_t)acc;
}

uint16_t pm_wire_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffffu) + (sum >> 16);
    return (uint16_t)sum;
}
