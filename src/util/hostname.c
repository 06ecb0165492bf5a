/* hostname.c - is a string a host name fit to show: what a PTR record or a stored document may name a hop. */
#include <string.h>

#include "pathmortem/util.h"

bool pm_hostname_valid(const char *s)
{
    size_t len = strlen(s), label = 0;
    if (len == 0 || len > PM_HOSTNAME_MAX || s[0] == '.')
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '.') {
            if (label == 0)
                return false; /* empty label */
            label = 0;
            continue;
        }
        /* letters, digits, '-' and '_' (seen in real PTR names); anything
         * else (spaces, escapes, UTF-8) could mislead a reader or a terminal */
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return false;
        if (++label > 63)
            return false;
    }
    return true;
}
