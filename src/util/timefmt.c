/* timefmt.c - times as UTC text, times a user types (ISO-8601 or relative like -2h), durations as people read them. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pathmortem/util.h"

void pm_format_time(uint64_t us, char *buf, size_t len)
{
    time_t secs = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%03uZ", base, (unsigned)((us / 1000) % 1000));
}

/* Reads exactly n decimal digits. */
static bool digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static int parse_relative(const char *s, uint64_t now_us, uint64_t *out)
{
    const char *p = s + 1;
    uint64_t v = 0;
    int nd = 0;
    while (*p >= '0' && *p <= '9' && nd < 9) {
        v = v * 10 + (uint64_t)(*p++ - '0');
        nd++;
    }
    if (!nd)
        return PM_EINVAL;
    uint64_t unit;
    switch (*p++) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    case 'w': unit = 7 * 86400; break;
    default: return PM_EINVAL;
    }
    if (*p)
        return PM_EINVAL;
    uint64_t back = v * unit * 1000000u;
    *out = back > now_us ? 0 : now_us - back;
    return PM_OK;
}

static int parse_iso(const char *s, uint64_t *out)
{
    const char *p = s;
    int Y, M, D, h = 0, m = 0, sec = 0;
    if (!digits(&p, 4, &Y) || *p++ != '-' || !digits(&p, 2, &M) || *p++ != '-' || !digits(&p, 2, &D))
        return PM_EINVAL;
    long offset = 0;
    uint64_t frac_us = 0;
    if (*p == 'T' || *p == ' ') {
        p++;
        if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &m))
            return PM_EINVAL;
        if (*p == ':') {
            p++;
            if (!digits(&p, 2, &sec))
                return PM_EINVAL;
            if (*p == '.') {
                p++;
                uint64_t scale = 100000;
                int nd = 0;
                while (*p >= '0' && *p <= '9') {
                    if (nd++ < 6) {
                        frac_us += (uint64_t)(*p - '0') * scale;
                        scale /= 10;
                    }
                    p++;
                }
                if (!nd)
                    return PM_EINVAL;
            }
        }
        if (*p == 'Z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p++ == '-' ? -1 : 1, oh, om;
            if (!digits(&p, 2, &oh))
                return PM_EINVAL;
            if (*p == ':')
                p++;
            if (!digits(&p, 2, &om) || oh > 14 || om > 59)
                return PM_EINVAL;
            offset = sign * (oh * 3600L + om * 60L);
        }
    }
    if (*p || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60 || Y < 1970)
        return PM_EINVAL;
    struct tm tm = {.tm_year = Y - 1900, .tm_mon = M - 1, .tm_mday = D, .tm_hour = h, .tm_min = m, .tm_sec = sec};
    time_t t = timegm(&tm);
    /* timegm normalises 31 Feb into March: refuse dates that moved */
    if (t == (time_t)-1 || tm.tm_mday != D || tm.tm_mon != M - 1)
        return PM_EINVAL;
    long long secs = (long long)t - offset;
    if (secs < 0)
        return PM_EINVAL;
    *out = (uint64_t)secs * 1000000u + frac_us;
    return PM_OK;
}

int pm_parse_time(const char *s, uint64_t now_us, uint64_t *out, char *errbuf)
{
    int rc;
    if (!s || strlen(s) > 40)
        rc = PM_EINVAL;
    else if (!strcmp(s, "now"))
        *out = now_us, rc = PM_OK;
    else if (s[0] == '-')
        rc = parse_relative(s, now_us, out);
    else
        rc = parse_iso(s, out);
    if (rc)
        return pm_err(errbuf, PM_EINVAL,
                      "bad time '%.40s' (expected e.g. 2026-11-28T07:10:00Z, 2026-11-28 07:10, -2h, -7d)", s ? s : "");
    return PM_OK;
}

void pm_format_duration(uint64_t us, char *buf, size_t len)
{
    uint64_t s = us / 1000000;
    uint64_t d = s / 86400, h = (s % 86400) / 3600, m = (s % 3600) / 60;
    if (d)
        snprintf(buf, len, "%llu d %llu h", (unsigned long long)d, (unsigned long long)h);
    else if (h)
        snprintf(buf, len, "%llu h %llu min", (unsigned long long)h, (unsigned long long)m);
    else if (m)
        snprintf(buf, len, "%llu min", (unsigned long long)m);
    else
        snprintf(buf, len, "%llu s", (unsigned long long)s);
}
