/* util.h - text forms every module shares: dotted quads, UTC times, user-typed times, durations (src/util). */
#ifndef PATHMORTEM_UTIL_H
#define PATHMORTEM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pathmortem/common.h"

/* dotted quad of a host-order address */
const char *pm_addr_str(uint32_t addr, char buf[16]);
/* Strict dotted quad: four decimal parts 0..255, nothing before or after. */
int pm_addr_parse(const char *s, uint32_t *out);

/* "a.b.c.d/len" or a bare address (len 32). Host bits set below len are
 * refused (PM_EINVAL, "did you mean a.b.c.0/len?") unless flags has
 * PM_PREFIX_MASK_HOST, which clears them: strict for targets a user types,
 * lenient for filters. Messages in errbuf name what is wrong. */
#define PM_PREFIX_MASK_HOST 0x1
int pm_prefix_parse(const char *s, unsigned flags, uint32_t *addr, uint8_t *len, char *errbuf);
/* The netmask of a /len prefix, host order (len 0..32; 0: no bits). */
static inline uint32_t pm_prefix_mask(unsigned len)
{
    return len ? ~0u << (32 - len) : 0;
}

/* "2026-11-28T06:54:15.123Z" */
void pm_format_time(uint64_t us, char *buf, size_t len);
/* Parses "2026-11-28T07:10:00Z", "2026-11-28 07:10", "2026-11-28", "now",
 * or relative "-2h", "-30m", "-7d", "-45s", "-1w" (relative to now_us). */
int pm_parse_time(const char *s, uint64_t now_us, uint64_t *out, char *errbuf);
/* "2 h 10 min", "3 d 4 h", "45 s" */
void pm_format_duration(uint64_t us, char *buf, size_t len);

/* Parses s as one of the names name_of gives to 0, 1, 2, ... (an enum's
 * values are contiguous; the first "?" ends them), so an enum's names are
 * written once, in its name function. PM_EINVAL when s is none of them. */
int pm_name_parse(const char *(*name_of)(unsigned v), const char *s, uint8_t *out);

/* Is s a host name fit to show: 1..PM_HOSTNAME_MAX bytes of letters, digits,
 * '-', '_' and '.', no empty label, labels of at most 63 bytes (RFC 1035)?
 * A PTR record or a stored document can hold any bytes; others are dropped. */
#define PM_HOSTNAME_MAX 253
bool pm_hostname_valid(const char *s);

#endif
