/* numbers.c - bounded parsing of numeric options: no sign surprises, no trailing bytes, no overflow. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "pathmortem/input.h"

int pm_input_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
    if (!s || *s < '0' || *s > '9')
        return PM_EINVAL;
    errno = 0;
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return PM_EINVAL;
    *out = v;
    return PM_OK;
}

int pm_input_double(const char *s, double min, double max, double *out)
{
    if (!s || ((*s < '0' || *s > '9') && *s != '.'))
        return PM_EINVAL;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v) || v < min || v > max)
        return PM_EINVAL;
    *out = v;
    return PM_OK;
}
