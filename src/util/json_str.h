/* json_str.h - jansson strings from bounded C strings that may hold invalid UTF-8 (store rows, database names). */
#ifndef PATHMORTEM_UTIL_JSON_STR_H
#define PATHMORTEM_UTIL_JSON_STR_H

#include <jansson.h>
#include <stddef.h>

/* A JSON string from a bounded C string (at most cap-1 bytes read); bytes
 * that are not valid UTF-8 become '?', so the result is never NULL-by-encoding
 * (NULL only when memory runs out). */
json_t *pm_json_str(const char *s, size_t cap);

#endif
