/* csum.c - RFC 1071 Internet checksum helpers shared by the decoders and the probe builder. */
#include "pathmortem/wire.h"

uint32_t pm_wire_sum(const uint8_t *p, size_t len, uint32_t sum)
{
    /* A 64-bit accumulator cannot overflow for any buffer that fits in
     * memory (2^48 words), so the loop needs no carry handling. */
    uint64_t acc = sum;
    size_t i = 0;
    for (; i + 1 < len; i += 2)
        acc += (uint32_t)((p[i] << 8) | p[i + 1]);
    if (i < len)
        acc += (uint32_t)p[i] << 8;
    /* Fold to 32 bits so the caller can keep chaining. */
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
