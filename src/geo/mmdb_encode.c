/* mmdb_encode.c - writes MaxMind DB data-section values (control byte, extended type, size, payload). */
#include <stdlib.h>
#include <string.h>

#include "geo/mmdb_encode.h"
#include "pathmortem/common.h"
#include "util/grow.h"

void pm_mmdb_buf_init(struct pm_mmdb_buf *b, size_t max)
{
    memset(b, 0, sizeof *b);
    b->max = max;
}

void pm_mmdb_buf_free(struct pm_mmdb_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

void pm_mmdb_buf_reset(struct pm_mmdb_buf *b)
{
    b->len = 0;
    b->err = PM_OK;
}

void pm_mmdb_put(struct pm_mmdb_buf *b, const void *data, size_t n)
{
    if (b->err || n == 0)
        return;
    if (n > b->max - b->len) {
        b->err = PM_ELIMIT;
        return;
    }
    int rc = PM_GROW(b->p, b->cap, b->len + n, 256, b->max);
    if (rc != PM_OK) {
        b->err = rc;
        return;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

/* Control byte(s): 3 type bits (0 = extended, type-7 in the next byte) and 5
 * size bits, where 29/30/31 announce 1/2/3 following size bytes. */
static void ctrl(struct pm_mmdb_buf *b, unsigned type, uint32_t size)
{
    uint8_t out[6];
    size_t n = 0;
    unsigned sz5;
    uint32_t extra = 0;
    size_t extra_len = 0;
    if (size < 29) {
        sz5 = size;
    } else if (size < 29 + 256) {
        sz5 = 29, extra = size - 29, extra_len = 1;
    } else if (size < 285 + 65536) {
        sz5 = 30, extra = size - 285, extra_len = 2;
    } else if (size < 65821u + (1u << 24)) {
        sz5 = 31, extra = size - 65821, extra_len = 3;
    } else {
        b->err = b->err ? b->err : PM_ELIMIT;
        return;
    }
    if (type <= 7) {
        out[n++] = (uint8_t)(type << 5 | sz5);
    } else {
        out[n++] = (uint8_t)sz5;
        out[n++] = (uint8_t)(type - 7);
    }
    for (size_t i = extra_len; i > 0; i--)
        out[n++] = (uint8_t)(extra >> (8 * (i - 1)));
    pm_mmdb_put(b, out, n);
}

/* Unsigned integers are stored big-endian in as few bytes as they need. */
static void uint_be(struct pm_mmdb_buf *b, unsigned type, uint64_t v)
{
    uint8_t bytes[8];
    unsigned n = 0;
    for (uint64_t t = v; t; t >>= 8)
        n++;
    for (unsigned i = 0; i < n; i++)
        bytes[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    ctrl(b, type, n);
    pm_mmdb_put(b, bytes, n);
}

void pm_mmdb_enc_map(struct pm_mmdb_buf *b, uint32_t pairs) { ctrl(b, PM_MMDB_T_MAP, pairs); }
void pm_mmdb_enc_array(struct pm_mmdb_buf *b, uint32_t items) { ctrl(b, PM_MMDB_T_ARRAY, items); }

void pm_mmdb_enc_utf8(struct pm_mmdb_buf *b, const char *s, size_t len)
{
    if (len > UINT32_MAX) {
        b->err = b->err ? b->err : PM_ELIMIT;
        return;
    }
    ctrl(b, PM_MMDB_T_UTF8, (uint32_t)len);
    pm_mmdb_put(b, s, len);
}

void pm_mmdb_enc_str(struct pm_mmdb_buf *b, const char *s) { pm_mmdb_enc_utf8(b, s, strlen(s)); }
void pm_mmdb_enc_uint16(struct pm_mmdb_buf *b, uint16_t v) { uint_be(b, PM_MMDB_T_UINT16, v); }
void pm_mmdb_enc_uint32(struct pm_mmdb_buf *b, uint32_t v) { uint_be(b, PM_MMDB_T_UINT32, v); }
void pm_mmdb_enc_uint64(struct pm_mmdb_buf *b, uint64_t v) { uint_be(b, PM_MMDB_T_UINT64, v); }

void pm_mmdb_enc_double(struct pm_mmdb_buf *b, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    uint8_t bytes[8];
    for (int i = 0; i < 8; i++)
        bytes[i] = (uint8_t)(bits >> (56 - 8 * i));
    ctrl(b, PM_MMDB_T_DOUBLE, 8);
    pm_mmdb_put(b, bytes, 8);
}

/* Pointer: 001SSVVV, then SS+1 bytes; sizes 1..3 carry a bias so that each
 * width starts where the previous one ended. */
void pm_mmdb_enc_pointer(struct pm_mmdb_buf *b, uint32_t off)
{
    uint8_t out[5];
    size_t n;
    if (off < 2048) {
        out[0] = (uint8_t)(0x20 | (off >> 8)), out[1] = (uint8_t)off, n = 2;
    } else if (off < 2048 + (1u << 19)) {
        uint32_t v = off - 2048;
        out[0] = (uint8_t)(0x20 | 1 << 3 | (v >> 16)), out[1] = (uint8_t)(v >> 8), out[2] = (uint8_t)v, n = 3;
    } else if (off < 526336 + (1u << 27)) {
        uint32_t v = off - 526336;
        out[0] = (uint8_t)(0x20 | 2 << 3 | (v >> 24)), out[1] = (uint8_t)(v >> 16), out[2] = (uint8_t)(v >> 8);
        out[3] = (uint8_t)v, n = 4;
    } else {
        out[0] = 0x20 | 3 << 3, out[1] = (uint8_t)(off >> 24), out[2] = (uint8_t)(off >> 16);
        out[3] = (uint8_t)(off >> 8), out[4] = (uint8_t)off, n = 5;
    }
    pm_mmdb_put(b, out, n);
}

void pm_mmdb_enc_key(struct pm_mmdb_buf *b, const struct pm_mmdb_keys *keys, const char *s)
{
    for (size_t i = 0; keys && i < keys->n; i++) {
        if (!strcmp(keys->name[i], s)) {
            pm_mmdb_enc_pointer(b, keys->off[i]);
            return;
        }
    }
    pm_mmdb_enc_str(b, s);
}
