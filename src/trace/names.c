/* names.c - text forms of methods, stop reasons, times and addresses. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pathmortem/trace.h"

const char *pm_method_name(enum pm_method m)
{
    switch (m) {
    case PM_METHOD_ICMP: return "icmp";
    case PM_METHOD_UDP: return "udp";
    case PM_METHOD_TCP: return "tcp";
    }
    return "?";
}

int pm_method_parse(const char *s, enum pm_method *out)
{
    if (!strcmp(s, "icmp")) *out = PM_METHOD_ICMP;
    else if (!strcmp(s, "udp")) *out = PM_METHOD_UDP;
    else if (!strcmp(s, "tcp")) *out = PM_METHOD_TCP;
    else return PM_EINVAL;
    return PM_OK;
}

const char *pm_stop_name(enum pm_stop s)
{
    switch (s) {
    case PM_STOP_NONE: return "none";
    case PM_STOP_REACHED: return "reached";
    case PM_STOP_UNREACHABLE: return "unreachable";
    case PM_STOP_GAPLIMIT: return "gaplimit";
    case PM_STOP_MAXTTL: return "maxttl";
    case PM_STOP_LOOP: return "loop";
    }
    return "?";
}

const char *pm_run_end_name(enum pm_run_end e)
{
    switch (e) {
    case PM_RUN_COMPLETE: return "complete";
    case PM_RUN_SIGINT: return "SIGINT";
    case PM_RUN_SIGTERM: return "SIGTERM";
    case PM_RUN_SIGHUP: return "SIGHUP";
    case PM_RUN_TIMEOUT: return "timeout";
    }
    return "?";
}

void pm_format_time(uint64_t us, char *buf, size_t len)
{
    time_t secs = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%03uZ", base, (unsigned)((us / 1000) % 1000));
}

const char *pm_addr_str(uint32_t a, char buf[16])
{
    snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
    return buf;
}

/* Strict dotted quad: four decimal parts 0..255, no leading junk or trailing bytes. */
int pm_addr_parse(const char *s, uint32_t *out)
{
    uint32_t a = 0;
    for (int part = 0; part < 4; part++) {
        if (*s < '0' || *s > '9')
            return PM_EINVAL;
        unsigned v = 0;
        int digits = 0;
        while (*s >= '0' && *s <= '9') {
            v = v * 10 + (unsigned)(*s++ - '0');
            if (++digits > 3 || v > 255)
                return PM_EINVAL;
        }
        a = (a << 8) | v;
        if (part < 3 && *s++ != '.')
            return PM_EINVAL;
    }
    if (*s)
        return PM_EINVAL;
    *out = a;
    return PM_OK;
}
