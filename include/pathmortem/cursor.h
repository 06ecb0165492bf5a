/* cursor.h - the bounds-checked reader through which every untrusted byte is read. */
#ifndef PATHMORTEM_CURSOR_H
#define PATHMORTEM_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pathmortem/common.h"

/* A view over borrowed bytes. Every read checks the remaining length first
 * and never advances on failure (returns PM_ETRUNC, leaves *out untouched).
 * The cursor never owns its bytes. */
struct pm_cursor {
    const uint8_t *base;
    size_t len;
    size_t off;
};

void pm_cursor_init(struct pm_cursor *c, const void *data, size_t len);
size_t pm_cursor_remaining(const struct pm_cursor *c);
/* Pointer to the current position; valid for pm_cursor_remaining() bytes. */
const uint8_t *pm_cursor_ptr(const struct pm_cursor *c);

int pm_cursor_u8(struct pm_cursor *c, uint8_t *out);
int pm_cursor_be16(struct pm_cursor *c, uint16_t *out);
int pm_cursor_be32(struct pm_cursor *c, uint32_t *out);
int pm_cursor_le16(struct pm_cursor *c, uint16_t *out);
int pm_cursor_le32(struct pm_cursor *c, uint32_t *out);
int pm_cursor_bytes(struct pm_cursor *c, void *dst, size_t n);
int pm_cursor_skip(struct pm_cursor *c, size_t n);
/* Carves the next n bytes into *sub and advances past them. */
int pm_cursor_sub(struct pm_cursor *c, size_t n, struct pm_cursor *sub);
/* Reads without advancing. */
int pm_cursor_peek_u8(const struct pm_cursor *c, uint8_t *out);

#endif
