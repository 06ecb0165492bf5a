/* names.c - text forms of verdict statuses, death kinds and compare-methods values: the one copy (store, JSON and displays use them). */
#include "pathmortem/analyze.h"
#include "pathmortem/util.h"

const char *pm_status_name(enum pm_status s)
{
    switch (s) {
    case PM_STATUS_REACHED: return "reached";
    case PM_STATUS_DIED: return "died";
    }
    return "?";
}

const char *pm_death_name(enum pm_death d)
{
    switch (d) {
    case PM_DEATH_NONE: return "none";
    case PM_DEATH_SILENT: return "silent";
    case PM_DEATH_NET_UNREACH: return "net-unreachable";
    case PM_DEATH_HOST_UNREACH: return "host-unreachable";
    case PM_DEATH_ADMIN_PROHIB: return "admin-prohibited";
    case PM_DEATH_PORT_UNREACH: return "port-unreachable";
    case PM_DEATH_LOOP: return "loop";
    case PM_DEATH_RATE_LIMITED: return "rate-limited";
    }
    return "?";
}

static const char *status_at(unsigned v) { return pm_status_name((enum pm_status)v); }
static const char *death_at(unsigned v) { return pm_death_name((enum pm_death)v); }

int pm_status_parse(const char *s, uint8_t *out) { return pm_name_parse(status_at, s, out); }
int pm_death_parse(const char *s, uint8_t *out) { return pm_name_parse(death_at, s, out); }

const char *pm_cmp_verdict_name(enum pm_cmp_verdict v)
{
    switch (v) {
    case PM_CMP_INCONCLUSIVE: return "inconclusive";
    case PM_CMP_FILTER: return "filter";
    case PM_CMP_DEAD_ROUTE: return "dead-route";
    case PM_CMP_NOT_DEAD: return "not-dead";
    }
    return "?";
}

const char *pm_cmp_probe_name(enum pm_cmp_probe p)
{
    switch (p) {
    case PM_CMP_ICMP: return "icmp";
    case PM_CMP_UDP: return "udp";
    case PM_CMP_TCP80: return "tcp/80";
    case PM_CMP_TCP443: return "tcp/443";
    case PM_CMP__N: break;
    }
    return "?";
}
