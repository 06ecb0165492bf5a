/* names.c - parsing an enum's text form back through its one name function. */
#include <string.h>

#include "pathmortem/util.h"

int pm_name_parse(const char *(*name_of)(unsigned v), const char *s, uint8_t *out)
{
    if (!s)
        return PM_EINVAL;
    for (unsigned v = 0; v <= UINT8_MAX; v++) {
        const char *n = name_of(v);
        if (!strcmp(n, "?"))
            break;
        if (!strcmp(n, s)) {
            *out = (uint8_t)v;
            return PM_OK;
        }
    }
    return PM_EINVAL;
}
