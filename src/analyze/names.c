/* names.c - text forms of verdict statuses, death kinds and compare-methods values: the one copy (store, JSON and displays use them). */
#include "pathmortem/analyze.h"
#include "pathmortem/util.h"

const char *pm_status_name(enum pm_status s)
{
    switch (s) {
    case PM_STATUS_REACHED: return "reached";
    case PM_STATUS_DIED: return "died";
    case PM_STATUS_HOST_ABSENT: return "host-absent";
    case PM_STATUS_NOT_PROBED: return "not-probed";
    }
    return "?";
}

const char *pm_net_state_name(enum pm_net_state s)
{
    switch (s) {
    case PM_NET_UNKNOWN: return "unknown";
    case PM_NET_REACHABLE: return "reachable";
    case PM_NET_DEAD: return "dead";
    case PM_NET_PARTIAL: return "partial";
    }
    return "?";
}

const char *pm_rule_name(enum pm_rule r)
{
    switch (r) {
    case PM_RULE_NONE: return "none";
    case PM_RULE_REACHED: return "reached";
    case PM_RULE_NOT_PROBED: return "not-probed";
    case PM_RULE_HOST_UNREACH: return "host-unreach-in-target";
    case PM_RULE_DARK: return "dark-address";
    case PM_RULE_UNREACH: return "unreach";
    case PM_RULE_UNREACH_DST: return "unreach-from-target";
    case PM_RULE_LOOP: return "loop";
    case PM_RULE_LOOP_STOP: return "loop-stop";
    case PM_RULE_RATE_LIMITED: return "rate-limited";
    case PM_RULE_NO_HOP: return "no-hop";
    case PM_RULE_SILENT_IN_TARGET: return "silent-in-target";
    case PM_RULE_SILENT_BORDER: return "silent-border";
    case PM_RULE_SILENT_BORDER_GAP: return "silent-before-target";
    case PM_RULE_SILENT_INSIDE: return "silent-inside";
    case PM_RULE_SILENT_NEXT_AS: return "silent-next-as";
    case PM_RULE_SILENT_HISTORY: return "silent-history";
    case PM_RULE_SILENT_LAST: return "silent-last-network";
    case PM_RULE_COMMON_CAUSE: return "common-cause";
    case PM_RULE_DARK_PAST_FAULT: return "dark-past-fault";
    }
    return "?";
}

const char *pm_rule_inference(enum pm_rule r)
{
    switch (r) {
    case PM_RULE_UNREACH_DST: return "the target itself refused";
    case PM_RULE_SILENT_BORDER: return "its border is silent: on working paths it follows this hop at once";
    case PM_RULE_SILENT_BORDER_GAP: return "working paths cross silent hops after this hop before entering it";
    case PM_RULE_SILENT_NEXT_AS: return "on working paths it follows this hop: its border is silent";
    case PM_RULE_SILENT_HISTORY: return "stored history shows it after this hop";
    case PM_RULE_SILENT_LAST: return "the last network that answered; nothing shows what follows";
    case PM_RULE_COMMON_CAUSE: return "paths die inside two upstreams at once, a common cause on the target side";
    default: return "";
    }
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
