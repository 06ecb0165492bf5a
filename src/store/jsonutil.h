/* jsonutil.h - small jansson helpers of the store: safe strings, canonical dumps. */
#ifndef PATHMORTEM_STORE_JSONUTIL_H
#define PATHMORTEM_STORE_JSONUTIL_H

#include <jansson.h>
#include <stddef.h>

/* A JSON string from a bounded C string (at most cap-1 bytes read); bytes
 * that are not valid UTF-8 become '?', so the result is never NULL-by-encoding. */
json_t *pm_store_json_str(const char *s, size_t cap);
/* Compact dump with sorted keys (malloc'd); NULL with errbuf set on failure. */
char *pm_store_json_canon(const json_t *v, char *errbuf);

#endif
