/* jsonutil.h - small jansson helpers of the store: canonical dumps (safe strings: util/json_str.h). */
#ifndef PATHMORTEM_STORE_JSONUTIL_H
#define PATHMORTEM_STORE_JSONUTIL_H

#include <jansson.h>
#include <stddef.h>

#include "util/json_str.h"

/* Compact dump with sorted keys (malloc'd); NULL with errbuf set on failure. */
char *pm_store_json_canon(const json_t *v, char *errbuf);

#endif
