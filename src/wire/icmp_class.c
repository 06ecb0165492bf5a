/* icmp_class.c - the project's one table of ICMP types and unreachable codes: what each says about a path, and its traceroute mark. */
#include <stddef.h>

#include "pathmortem/wire.h"

/* Destination unreachable (type 3) codes, RFC 792, RFC 1122 3.2.2.1,
 * RFC 1812 5.2.7.1. Marks as traceroute prints them. */
static const struct {
    enum pm_icmp_meaning meaning;
    const char *mark;
} unreach[16] = {
    [0] = {PM_ICMP_M_NET_UNREACH, "!N"},      /* network unreachable */
    [1] = {PM_ICMP_M_HOST_UNREACH, "!H"},     /* host unreachable */
    [2] = {PM_ICMP_M_PROTO_UNREACH, "!P"},    /* protocol unreachable */
    [3] = {PM_ICMP_M_PORT_UNREACH, NULL},     /* port unreachable: a traceroute's normal end */
    [4] = {PM_ICMP_M_FRAG_NEEDED, "!F"},      /* fragmentation needed and DF set */
    [5] = {PM_ICMP_M_SRCROUTE_FAILED, "!S"},  /* source route failed */
    [6] = {PM_ICMP_M_NET_UNREACH, "!U"},      /* destination network unknown */
    [7] = {PM_ICMP_M_HOST_UNREACH, "!W"},     /* destination host unknown */
    [8] = {PM_ICMP_M_HOST_UNREACH, "!I"},     /* source host isolated (obsolete: 0 or 1 today) */
    [9] = {PM_ICMP_M_ADMIN_PROHIB, "!X"},     /* network administratively prohibited */
    [10] = {PM_ICMP_M_ADMIN_PROHIB, "!X"},    /* host administratively prohibited */
    [11] = {PM_ICMP_M_NET_UNREACH, NULL},     /* network unreachable for type of service */
    [12] = {PM_ICMP_M_HOST_UNREACH, NULL},    /* host unreachable for type of service */
    [13] = {PM_ICMP_M_ADMIN_PROHIB, "!X"},    /* communication administratively prohibited */
    [14] = {PM_ICMP_M_ADMIN_PROHIB, "!V"},    /* host precedence violation */
    [15] = {PM_ICMP_M_ADMIN_PROHIB, "!C"},    /* precedence cutoff in effect */
};

enum pm_icmp_meaning pm_wire_icmp_meaning(uint8_t type, uint8_t code)
{
    switch (type) {
    case PM_ICMP_ECHOREPLY: return PM_ICMP_M_ECHO_REPLY;
    case PM_ICMP_TIMXCEED: return PM_ICMP_M_TIME_EXCEEDED;
    case PM_ICMP_SRCQUENCH: return PM_ICMP_M_SOURCE_QUENCH;
    case PM_ICMP_PARAMPROB: return PM_ICMP_M_PARAM_PROBLEM;
    case PM_ICMP_UNREACH:
        return code < sizeof unreach / sizeof unreach[0] ? unreach[code].meaning : PM_ICMP_M_UNREACH_UNKNOWN;
    default: return PM_ICMP_M_OTHER;
    }
}

const char *pm_wire_icmp_mark(uint8_t code)
{
    return code < sizeof unreach / sizeof unreach[0] ? unreach[code].mark : NULL;
}

bool pm_wire_icmp_from_end_host(uint8_t type, uint8_t code)
{
    switch (pm_wire_icmp_meaning(type, code)) {
    case PM_ICMP_M_ECHO_REPLY:
    case PM_ICMP_M_PROTO_UNREACH:
    case PM_ICMP_M_PORT_UNREACH:
        return true;
    default:
        return false;
    }
}
