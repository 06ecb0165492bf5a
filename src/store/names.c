/* names.c - the names enums take in the store and in JSON Lines (the modules' one spelling, pinned by a test); the strict prefix parser. */
#include <string.h>

#include "store/internal.h"

/* The spelling on disk is the one every module uses (analyze/names.c,
 * trace/names.c); test_store_names pins it, so renaming a value for display
 * cannot silently change what the store writes and reads. */
const char *pm_store_status_name(uint8_t v) { return pm_status_name((enum pm_status)v); }
int pm_store_status_parse(const char *s, uint8_t *out) { return pm_status_parse(s, out); }
const char *pm_store_death_name(uint8_t v) { return pm_death_name((enum pm_death)v); }
int pm_store_death_parse(const char *s, uint8_t *out) { return pm_death_parse(s, out); }
const char *pm_store_stop_name(uint8_t v) { return pm_stop_name((enum pm_stop)v); }
int pm_store_stop_parse(const char *s, uint8_t *out) { return pm_stop_parse(s, out); }
const char *pm_store_method_name(uint8_t v) { return pm_method_name((enum pm_method)v); }

int pm_store_method_parse(const char *s, uint8_t *out)
{
    enum pm_method m;
    if (pm_method_parse(s, &m) != PM_OK)
        return PM_EINVAL;
    *out = (uint8_t)m;
    return PM_OK;
}

int pm_store_prefix_parse(const char *s, uint32_t *addr, uint8_t *len)
{
    char buf[32];
    const char *slash = strchr(s, '/');
    size_t alen = slash ? (size_t)(slash - s) : strlen(s);
    if (alen == 0 || alen >= 16)
        return PM_EINVAL;
    memcpy(buf, s, alen);
    buf[alen] = '\0';
    uint32_t a;
    if (pm_addr_parse(buf, &a))
        return PM_EINVAL;
    unsigned l = 32;
    if (slash) {
        const char *p = slash + 1;
        if (!*p || strlen(p) > 2)
            return PM_EINVAL;
        l = 0;
        for (; *p; p++) {
            if (*p < '0' || *p > '9')
                return PM_EINVAL;
            l = l * 10 + (unsigned)(*p - '0');
        }
        if (l > 32)
            return PM_EINVAL;
    }
    uint32_t mask = l ? ~0u << (32 - l) : 0;
    *addr = a & mask;
    *len = (uint8_t)l;
    return PM_OK;
}
