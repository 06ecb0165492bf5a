/* jsonutil.c - jansson helpers: strings that are always valid UTF-8, canonical compact dumps. */
#include <stdlib.h>
#include <string.h>

#include "pathmortem/common.h"
#include "store/jsonutil.h"

json_t *pm_store_json_str(const char *s, size_t cap)
{
    size_t n = s ? strnlen(s, cap ? cap - 1 : 0) : 0;
    json_t *j = json_stringn(s ? s : "", n);
    if (j || n == 0)
        return j;
    /* invalid UTF-8: keep ASCII, mark the rest */
    char *copy = malloc(n);
    if (!copy)
        return NULL;
    for (size_t i = 0; i < n; i++)
        copy[i] = (unsigned char)s[i] < 0x80 ? s[i] : '?';
    j = json_stringn(copy, n);
    free(copy);
    return j;
}

char *pm_store_json_canon(const json_t *v, char *errbuf)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (!s)
        pm_err(errbuf, PM_ENOMEM, "cannot encode JSON");
    return s;
}
