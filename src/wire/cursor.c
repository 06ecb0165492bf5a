/* cursor.c - bounds-checked reads over borrowed untrusted bytes. */
#include "pathmortem/cursor.h"

#include <string.h>

void pm_cursor_init(struct pm_cursor *c, const void *data, size_t len)
{
    c->base = data;
    c->len = data ? len : 0;
    c->off = 0;
}

size_t pm_cursor_remaining(const struct pm_cursor *c)
{
    return c->len - c->off;
}

const uint8_t *pm_cursor_ptr(const struct pm_cursor *c)
{
    return c->base + c->off;
}

/* The one place where the length is checked; every reader goes through it. */
static const uint8_t *take(struct pm_cursor *c, size_t n)
{
    if (n > c->len - c->off)
        return NULL;
    const uint8_t *p = c->base + c->off;
    c->off += n;
    return p;
}

int pm_cursor_u8(struct pm_cursor *c, uint8_t *out)
{
    const uint8_t *p = take(c, 1);
    if (!p)
        return PM_ETRUNC;
    *out = p[0];
    return PM_OK;
}

int pm_cursor_be16(struct pm_cursor *c, uint16_t *out)
{
    const uint8_t *p = take(c, 2);
    if (!p)
        return PM_ETRUNC;
    *out = (uint16_t)((p[0] << 8) | p[1]);
    return PM_OK;
}

int pm_cursor_be32(struct pm_cursor *c, uint32_t *out)
{
    const uint8_t *p = take(c, 4);
    if (!p)
        return PM_ETRUNC;
    *out = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
    return PM_OK;
}

int pm_cursor_le16(struct pm_cursor *c, uint16_t *out)
{
    const uint8_t *p = take(c, 2);
    if (!p)
        return PM_ETRUNC;
    *out = (uint16_t)((p[1] << 8) | p[0]);
    return PM_OK;
}

int pm_cursor_le32(struct pm_cursor *c, uint32_t *out)
{
    const uint8_t *p = take(c, 4);
    if (!p)
        return PM_ETRUNC;
    *out = ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[1] << 8) | p[0];
    return PM_OK;
}

int pm_cursor_bytes(struct pm_cursor *c, void *dst, size_t n)
{
    const uint8_t *p = take(c, n);
    if (!p)
        return PM_ETRUNC;
    if (n)
        memcpy(dst, p, n);
    return PM_OK;
}

int pm_cursor_skip(struct pm_cursor *c, size_t n)
{
    return take(c, n) ? PM_OK : PM_ETRUNC;
}

int pm_cursor_sub(struct pm_cursor *c, size_t n, struct pm_cursor *sub)
{
    const uint8_t *p = take(c, n);
    if (!p)
        return PM_ETRUNC;
    pm_cursor_init(sub, p, n);
    return PM_OK;
}

int pm_cursor_peek_u8(const struct pm_cursor *c, uint8_t *out)
{
    if (c->off >= c->len)
        return PM_ETRUNC;
    *out = c->base[c->off];
    return PM_OK;
}
