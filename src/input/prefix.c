/* prefix.c - strict IPv4 prefix parsing. */
#include <string.h>

#include "pathmortem/input.h"
#include "pathmortem/util.h"

int pm_input_prefix(const char *s, struct pm_prefix *out, char *errbuf)
{
    char buf[32];
    size_t n = strlen(s);
    if (n == 0 || n >= sizeof buf)
        return pm_err(errbuf, PM_EINVAL, "'%.40s' is not an IPv4 address or prefix", s);
    memcpy(buf, s, n + 1);
    unsigned long len = 32;
    char *slash = strchr(buf, '/');
    if (slash) {
        *slash = 0;
        if (pm_input_uint(slash + 1, 0, 32, &len) != PM_OK)
            return pm_err(errbuf, PM_EINVAL, "'%s': prefix length must be 0..32", s);
    }
    uint32_t a;
    if (pm_addr_parse(buf, &a) != PM_OK)
        return pm_err(errbuf, PM_EINVAL, "'%s' is not an IPv4 address or prefix", s);
    uint32_t mask = len ? ~0u << (32 - len) : 0;
    if (a & ~mask)
        return pm_err(errbuf, PM_EINVAL, "'%s': host bits are set (did you mean %u.%u.%u.%u/%lu?)", s,
                      (a & mask) >> 24, ((a & mask) >> 16) & 255, ((a & mask) >> 8) & 255, (a & mask) & 255, len);
    out->addr = a;
    out->len = (uint8_t)len;
    return PM_OK;
}
