/* mmdb_encode.h - encoders for MaxMind DB data-section values into a capped byte buffer. */
#ifndef PATHMORTEM_GEO_MMDB_ENCODE_H
#define PATHMORTEM_GEO_MMDB_ENCODE_H

#include <stddef.h>
#include <stdint.h>

/* Growable byte buffer with a hard cap. Errors are sticky: after the first
 * failure (PM_ELIMIT past max, PM_ENOMEM) every put is ignored and err tells. */
struct pm_mmdb_buf {
    uint8_t *p;
    size_t len, cap, max;
    int err;
};

void pm_mmdb_buf_init(struct pm_mmdb_buf *b, size_t max);
void pm_mmdb_buf_free(struct pm_mmdb_buf *b);
void pm_mmdb_buf_reset(struct pm_mmdb_buf *b);   /* len = 0, err = 0, keeps memory */
void pm_mmdb_put(struct pm_mmdb_buf *b, const void *data, size_t n);

/* Data types of the MaxMind DB format 2.0, section "Output Data Section". */
enum {
    PM_MMDB_T_UTF8 = 2, PM_MMDB_T_DOUBLE = 3, PM_MMDB_T_UINT16 = 5, PM_MMDB_T_UINT32 = 6,
    PM_MMDB_T_MAP = 7, PM_MMDB_T_UINT64 = 9, PM_MMDB_T_ARRAY = 11
};

/* Map keys stored once at the start of the data section; records refer to
 * them with 2-byte pointers instead of repeating the text (as MaxMind's own
 * writer does). Filled by pm_mmdb_writer_keys. */
#define PM_MMDB_KEYS_MAX 32
struct pm_mmdb_keys {
    size_t n;
    const char *name[PM_MMDB_KEYS_MAX];  /* borrowed: static strings */
    uint32_t off[PM_MMDB_KEYS_MAX];      /* offset in the data section */
};

/* A pointer to an offset in the data section. */
void pm_mmdb_enc_pointer(struct pm_mmdb_buf *b, uint32_t off);
/* A map key: a pointer when keys holds it, else the string itself. */
void pm_mmdb_enc_key(struct pm_mmdb_buf *b, const struct pm_mmdb_keys *keys, const char *s);

void pm_mmdb_enc_map(struct pm_mmdb_buf *b, uint32_t pairs);
void pm_mmdb_enc_array(struct pm_mmdb_buf *b, uint32_t items);
void pm_mmdb_enc_utf8(struct pm_mmdb_buf *b, const char *s, size_t len);
void pm_mmdb_enc_str(struct pm_mmdb_buf *b, const char *s);   /* NUL-terminated */
void pm_mmdb_enc_uint16(struct pm_mmdb_buf *b, uint16_t v);
void pm_mmdb_enc_uint32(struct pm_mmdb_buf *b, uint32_t v);
void pm_mmdb_enc_uint64(struct pm_mmdb_buf *b, uint64_t v);
void pm_mmdb_enc_double(struct pm_mmdb_buf *b, double v);

#endif
