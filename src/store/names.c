/* names.c - the names enums take in the store and in JSON Lines; fixed on disk whatever other modules print. */
#include <string.h>

#include "store/internal.h"

static const char *const status_names[] = {"reached", "died"};
static const char *const death_names[] = {"none", "silent", "net-unreachable", "host-unreachable",
                                          "admin-prohibited", "port-unreachable", "loop", "rate-limited"};
static const char *const stop_names[] = {"none", "reached", "unreachable", "gaplimit", "maxttl", "loop"};
static const char *const method_names[] = {"icmp", "udp", "tcp"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *name_of(const char *const *names, size_t n, uint8_t v)
{
    return v < n ? names[v] : "?";
}

static int parse(const char *const *names, size_t n, const char *s, uint8_t *out)
{
    for (size_t i = 0; s && i < n; i++)
        if (!strcmp(s, names[i])) {
            *out = (uint8_t)i;
            return PM_OK;
        }
    return PM_EINVAL;
}

const char *pm_store_status_name(uint8_t v) { return name_of(status_names, COUNT(status_names), v); }
int pm_store_status_parse(const char *s, uint8_t *out) { return parse(status_names, COUNT(status_names), s, out); }
const char *pm_store_death_name(uint8_t v) { return name_of(death_names, COUNT(death_names), v); }
int pm_store_death_parse(const char *s, uint8_t *out) { return parse(death_names, COUNT(death_names), s, out); }
const char *pm_store_stop_name(uint8_t v) { return name_of(stop_names, COUNT(stop_names), v); }
int pm_store_stop_parse(const char *s, uint8_t *out) { return parse(stop_names, COUNT(stop_names), s, out); }
const char *pm_store_method_name(uint8_t v) { return name_of(method_names, COUNT(method_names), v); }
int pm_store_method_parse(const char *s, uint8_t *out) { return parse(method_names, COUNT(method_names), s, out); }

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
