/* json_str.c - jansson values shared by the store's JSON Lines and the output writers: always-valid UTF-8 strings, times, addresses, AS references. */
#include <stdlib.h>
#include <string.h>

#include "pathmortem/util.h"
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

json_t *pm_json_time(uint64_t us)
{
    char t[40];
    pm_format_time(us, t, sizeof t);
    return json_string(t);
}

json_t *pm_json_addr(uint32_t addr)
{
    char b[16];
    return json_string(pm_addr_str(addr, b));
}

json_t *pm_json_as(const struct pm_as_ref *as)
{
    json_t *o = json_object();
    json_object_set_new(o, "asn", json_integer(as->asn));
    json_object_set_new(o, "name", pm_json_str(as->name, sizeof as->name));
    return o;
}
