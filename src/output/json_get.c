/* json_get.c - typed, range-checked getters for the JSON reader. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "output/json_get.h"
#include "pathmortem/trace.h"

int pm_output_jr_bad(struct pm_output_rd *r, const char *key, const char *fmt, ...)
{
    char msg[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return pm_err(r->errbuf, PM_ECORRUPT, "json: %s%s%s: %s", r->where, *r->where && key ? "." : "", key ? key : "",
                  msg);
}

void pm_output_jr_at(struct pm_output_rd *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->where, sizeof r->where, fmt, ap);
    va_end(ap);
}

/* A member that may be missing (PM_OUTPUT_ABSENT unless required) or null (PM_OUTPUT_ABSENT when nullable). */
int pm_output_jr_member(struct pm_output_rd *r, json_t *obj, const char *key, bool required, bool nullable,
                        json_t **out)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return required ? pm_output_jr_bad(r, key, "missing") : PM_OUTPUT_ABSENT;
    if (json_is_null(v)) {
        if (nullable)
            return PM_OUTPUT_ABSENT;
        return pm_output_jr_bad(r, key, "must not be null");
    }
    *out = v;
    return PM_OK;
}

int pm_output_jr_get_int(struct pm_output_rd *r, json_t *obj, const char *key, bool required, bool nullable,
                         int64_t min, int64_t max, int64_t *out)
{
    json_t *v = NULL;
    int rc = pm_output_jr_member(r, obj, key, required, nullable, &v);
    if (rc)
        return rc;
    if (!json_is_integer(v))
        return pm_output_jr_bad(r, key, "expected an integer");
    json_int_t x = json_integer_value(v);
    if (x < min || x > max)
        return pm_output_jr_bad(r, key, "%lld out of range %lld..%lld", (long long)x, (long long)min, (long long)max);
    *out = x;
    return PM_OK;
}

int pm_output_jr_get_real(struct pm_output_rd *r, json_t *obj, const char *key, bool required, double min, double max,
                          double *out)
{
    json_t *v = NULL;
    int rc = pm_output_jr_member(r, obj, key, required, false, &v);
    if (rc)
        return rc;
    if (!json_is_number(v))
        return pm_output_jr_bad(r, key, "expected a number");
    double x = json_number_value(v);
    if (!isfinite(x) || x < min || x > max)
        return pm_output_jr_bad(r, key, "%g out of range %g..%g", x, min, max);
    *out = x;
    return PM_OK;
}

int pm_output_jr_get_bool(struct pm_output_rd *r, json_t *obj, const char *key, bool *out)
{
    json_t *v = NULL;
    int rc = pm_output_jr_member(r, obj, key, false, false, &v);
    if (rc)
        return rc;
    if (!json_is_boolean(v))
        return pm_output_jr_bad(r, key, "expected true or false");
    *out = json_is_true(v);
    return PM_OK;
}

/* Strings must fit their buffer (no silent truncation) and hold no NUL. */
int pm_output_jr_get_str(struct pm_output_rd *r, json_t *obj, const char *key, bool required, char *dst, size_t cap)
{
    json_t *v = NULL;
    int rc = pm_output_jr_member(r, obj, key, required, !required, &v);
    if (rc == PM_OUTPUT_ABSENT)
        dst[0] = '\0';
    if (rc)
        return rc;
    if (!json_is_string(v))
        return pm_output_jr_bad(r, key, "expected a string");
    size_t n = json_string_length(v);
    const char *s = json_string_value(v);
    if (n >= cap)
        return pm_output_jr_bad(r, key, "string longer than %zu bytes", cap - 1);
    if (strlen(s) != n)
        return pm_output_jr_bad(r, key, "string contains a NUL byte");
    memcpy(dst, s, n + 1);
    return PM_OK;
}

int pm_output_jr_get_addr(struct pm_output_rd *r, json_t *obj, const char *key, bool required, uint32_t *out)
{
    char buf[16];
    int rc = pm_output_jr_get_str(r, obj, key, required, buf, sizeof buf);
    if (rc == PM_OUTPUT_ABSENT) {
        *out = 0;
        return PM_OUTPUT_ABSENT;
    }
    if (rc)
        return rc;
    if (pm_addr_parse(buf, out) != PM_OK)
        return pm_output_jr_bad(r, key, "not a dotted-quad IPv4 address");
    return PM_OK;
}

int pm_output_jr_get_array(struct pm_output_rd *r, json_t *obj, const char *key, bool required, size_t max,
                           json_t **out)
{
    json_t *v = NULL;
    int rc = pm_output_jr_member(r, obj, key, required, false, &v);
    if (rc)
        return rc;
    if (!json_is_array(v))
        return pm_output_jr_bad(r, key, "expected an array");
    if (json_array_size(v) > max)
        return pm_output_jr_bad(r, key, "more than %zu entries", max);
    *out = v;
    return PM_OK;
}

int pm_output_jr_get_object(struct pm_output_rd *r, json_t *obj, const char *key, bool required, bool nullable,
                            json_t **out)
{
    json_t *v = NULL;
    int rc = pm_output_jr_member(r, obj, key, required, nullable, &v);
    if (rc)
        return rc;
    if (!json_is_object(v))
        return pm_output_jr_bad(r, key, "expected an object");
    *out = v;
    return PM_OK;
}

/* "2026-11-28T06:54:15.123Z" (milliseconds optional) to µs since the epoch. */
static int pm_output_jr_parse_time(const char *s, uint64_t *out)
{
    int y, mo, d, h, mi, sec, ms = 0, n = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 19)
        return PM_EINVAL;
    s += n;
    if (*s == '.') {
        if (s[1] < '0' || s[1] > '9' || s[2] < '0' || s[2] > '9' || s[3] < '0' || s[3] > '9')
            return PM_EINVAL;
        ms = (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
        s += 4;
    }
    if (strcmp(s, "Z") || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return PM_EINVAL;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = sec};
    time_t t = timegm(&tm);
    if (t < 0)
        return PM_EINVAL;
    *out = (uint64_t)t * 1000000u + (uint64_t)ms * 1000u;
    return PM_OK;
}

int pm_output_jr_read_time(struct pm_output_rd *r, json_t *obj, const char *key, const char *us_key, bool required,
                           uint64_t *out)
{
    int64_t us;
    int rc = pm_output_jr_get_int(r, obj, us_key, false, false, 0, INT64_MAX, &us);
    if (rc < 0)
        return rc;
    if (rc == PM_OK) {
        *out = (uint64_t)us;
        return PM_OK;
    }
    char buf[40];
    rc = pm_output_jr_get_str(r, obj, key, required, buf, sizeof buf);
    if (rc)
        return rc;
    if (pm_output_jr_parse_time(buf, out) != PM_OK)
        return pm_output_jr_bad(r, key, "not an ISO-8601 UTC time like 2026-11-28T06:54:15.123Z");
    return PM_OK;
}
