/* json_str.h - jansson values the store and the writers share: strings from bounded C strings that may hold invalid UTF-8, times, addresses, AS references. */
#ifndef PATHMORTEM_UTIL_JSON_STR_H
#define PATHMORTEM_UTIL_JSON_STR_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "pathmortem/common.h"

/* A JSON string from a bounded C string (at most cap-1 bytes read); bytes
 * that are not valid UTF-8 become '?', so the result is never NULL-by-encoding
 * (NULL only when memory runs out). */
json_t *pm_json_str(const char *s, size_t cap);

/* The small values every JSON document of the store and the writers holds:
 * "2026-11-28T06:54:15.123Z", a dotted quad, {"asn": N, "name": "..."}
 * (the name made valid UTF-8 as above). */
json_t *pm_json_time(uint64_t us);
json_t *pm_json_addr(uint32_t addr);
json_t *pm_json_as(const struct pm_as_ref *as);

#endif
