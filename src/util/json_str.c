/* json_str.c - jansson strings that are always valid UTF-8, shared by the store's JSON Lines and the output writers. */
#include <stdlib.h>
#include <string.h>

#include "util/json_str.h"

json_t *pm_json_str(const char *s, size_t cap)
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
