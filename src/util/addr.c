/* addr.c - IPv4 addresses as dotted quads: formatting and the one strict parser. */
#include <stdio.h>

#include "pathmortem/util.h"

const char *pm_addr_str(uint32_t a, char buf[16])
{
    /* by hand, not snprintf: the writers and the analysis's evidence call
     * this once or more per hop (6 % of `analyze`'s instructions were
     * snprintf's here) */
    char *p = buf;
    for (int shift = 24; shift >= 0; shift -= 8) {
        unsigned v = (a >> shift) & 255;
        if (v >= 100)
            *p++ = (char)('0' + v / 100);
        if (v >= 10)
            *p++ = (char)('0' + v / 10 % 10);
        *p++ = (char)('0' + v % 10);
        if (shift)
            *p++ = '.';
    }
    *p = '\0';
    return buf;
}

/* Strict dotted quad: four decimal parts 0..255, no leading junk or trailing bytes. */
int pm_addr_parse(const char *s, uint32_t *out)
{
    uint32_t a = 0;
    for (int part = 0; part < 4; part++) {
        if (*s < '0' || *s > '9')
            return PM_EINVAL;
        unsigned v = 0;
        int digits = 0;
        while (*s >= '0' && *s <= '9') {
            v = v * 10 + (unsigned)(*s++ - '0');
            if (++digits > 3 || v > 255)
                return PM_EINVAL;
        }
        a = (a << 8) | v;
        if (part < 3 && *s++ != '.')
            return PM_EINVAL;
    }
    if (*s)
        return PM_EINVAL;
    *out = a;
    return PM_OK;
}
