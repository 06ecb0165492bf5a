/* names.c - text forms of methods, stop reasons and run ends (addresses and times: util/addr.c, util/timefmt.c). */
#include <string.h>

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
