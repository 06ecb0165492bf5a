/* names.c - text forms of methods, reply kinds, stop reasons and run ends, the one copy (addresses and times: util/addr.c, util/timefmt.c). */
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

static const char *method_at(unsigned v) { return pm_method_name((enum pm_method)v); }

int pm_method_parse(const char *s, enum pm_method *out)
{
    uint8_t v;
    if (pm_name_parse(method_at, s, &v) != PM_OK)
        return PM_EINVAL;
    *out = (enum pm_method)v;
    return PM_OK;
}

const char *pm_reply_kind_name(enum pm_reply_kind k)
{
    switch (k) {
    case PM_REPLY_TIME_EXCEEDED: return "time-exceeded";
    case PM_REPLY_UNREACH: return "unreachable";
    case PM_REPLY_ECHO_REPLY: return "echo-reply";
    case PM_REPLY_TCP_SYNACK: return "tcp-synack";
    case PM_REPLY_TCP_RST: return "tcp-rst";
    case PM_REPLY_OTHER_ICMP: return "other-icmp";
    }
    return "?";
}

static const char *reply_kind_at(unsigned v) { return pm_reply_kind_name((enum pm_reply_kind)v); }

int pm_reply_kind_parse(const char *s, uint8_t *out) { return pm_name_parse(reply_kind_at, s, out); }

const char *pm_stop_name(enum pm_stop s)
{
    switch (s) {
    case PM_STOP_NONE: return "none";
    case PM_STOP_REACHED: return "reached";
    case PM_STOP_UNREACHABLE: return "unreachable";
    case PM_STOP_GAPLIMIT: return "gaplimit";
    case PM_STOP_MAXTTL: return "maxttl";
    case PM_STOP_LOOP: return "loop";
    case PM_STOP_PREFIX_END: return "prefix-end";
    case PM_STOP_HALTED: return "halted";
    }
    return "?";
}

static const char *stop_at(unsigned v) { return pm_stop_name((enum pm_stop)v); }

int pm_stop_parse(const char *s, uint8_t *out) { return pm_name_parse(stop_at, s, out); }

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
