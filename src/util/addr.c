/* addr.c - IPv4 addresses as dotted quads: formatting and the one strict parser. */
#include <stdio.h>

#include "pathmortem/util.h"

const char *pm_addr_str(uint32_t a, char buf[16])
{
    snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
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
