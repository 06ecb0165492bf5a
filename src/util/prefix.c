/* prefix.c - the one IPv4 prefix parser ("a.b.c.d/len"), strict about host bits unless told to mask them. */
#include <string.h>

#include "pathmortem/util.h"

int pm_prefix_parse(const char *s, unsigned flags, uint32_t *addr, uint8_t *len, char *errbuf)
{
    char buf[32];
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n >= sizeof buf)
        return pm_err(errbuf, PM_EINVAL, "'%.40s' is not an IPv4 address or prefix", s ? s : "");
    memcpy(buf, s, n + 1);
    unsigned l = 32;
    char *slash = strchr(buf, '/');
    if (slash) {
        *slash = 0;
        const char *p = slash + 1;
        if (!*p)
            return pm_err(errbuf, PM_EINVAL, "'%s': prefix length must be 0..32", s);
        for (l = 0; *p; p++) {
            if (*p < '0' || *p > '9' || (l = l * 10 + (unsigned)(*p - '0')) > 32)
                return pm_err(errbuf, PM_EINVAL, "'%s': prefix length must be 0..32", s);
        }
    }
    uint32_t a;
    if (pm_addr_parse(buf, &a) != PM_OK)
        return pm_err(errbuf, PM_EINVAL, "'%s' is not an IPv4 address or prefix", s);
    uint32_t mask = pm_prefix_mask(l);
    if ((a & ~mask) && !(flags & PM_PREFIX_MASK_HOST)) {
        char net[16];
        return pm_err(errbuf, PM_EINVAL, "'%s': host bits are set (did you mean %s/%u?)", s, pm_addr_str(a & mask, net),
                      l);
    }
    *addr = a & mask;
    *len = (uint8_t)l;
    return PM_OK;
}
