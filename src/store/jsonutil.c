/* jsonutil.c - canonical compact JSON dumps for the store's rows and JSON Lines. */
#include <stdlib.h>
#include <string.h>

#include "pathmortem/common.h"
#include "store/jsonutil.h"

char *pm_store_json_canon(const json_t *v, char *errbuf)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (!s)
        pm_err(errbuf, PM_ENOMEM, "cannot encode JSON");
    return s;
}
