/* verdict.c - the verdict lines on top of the live view, from the analysis of the last complete cycle (the analyzer `trace` uses). */
#include <stdio.h>
#include <string.h>

#include "pathmortem/util.h"
#include "pathmortem/watch.h"

static const char *as_text(const struct pm_as_ref *r, char *buf, size_t len)
{
    if (r->name[0] && r->asn)
        snprintf(buf, len, "%s (AS%u)", r->name, r->asn);
    else if (r->asn)
        snprintf(buf, len, "AS%u", r->asn);
    else
        snprintf(buf, len, "an unknown network");
    return buf;
}

/* Printable in a terminal: control bytes of names from databases become '?'. */
static void clean(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = '?';
}

static void target_line(const struct pm_target *t, const struct pm_verdict *v, char *buf, size_t len)
{
    char a[16], b[16], as[160], up[160] = "";
    int n = snprintf(buf, len, "%s: ", pm_addr_str(t->dst, a));
    if (n < 0 || (size_t)n >= len)
        return;
    char *p = buf + n;
    size_t left = len - (size_t)n;
    /* "via" names the way in; a path that died inside its upstream already names it */
    if (v->upstream.asn && !(v->status == PM_STATUS_DIED && v->upstream.asn == v->dies_in.asn))
        snprintf(up, sizeof up, " via %s", as_text(&v->upstream, as, sizeof as));
    switch (v->status) {
    case PM_STATUS_REACHED:
        snprintf(p, left, "reached at hop %u%s, confidence %.2f", v->reached_ttl ? v->reached_ttl : v->last_ttl, up,
                 v->confidence);
        break;
    case PM_STATUS_DIED:
        if (v->last_addr)
            snprintf(p, left, "died (%s) in %s after %s (hop %u)%s, confidence %.2f",
                     pm_death_name((enum pm_death)v->kind), as_text(&v->dies_in, as, sizeof as),
                     pm_addr_str(v->last_addr, b), v->last_ttl, up, v->confidence);
        else
            snprintf(p, left, "died (%s), no hop answered, confidence %.2f", pm_death_name((enum pm_death)v->kind),
                     v->confidence);
        break;
    case PM_STATUS_HOST_ABSENT:
        snprintf(p, left, "host-absent (the network answered, the address is dark)%s, confidence %.2f", up,
                 v->confidence);
        break;
    default:
        snprintf(p, left, "not-probed (the cycle ended before it)");
    }
}

uint32_t pm_watch_verdict_lines(const struct pm_watch *w, char (*lines)[256], uint32_t max)
{
    const struct pm_analysis *a = w->last_analysis;
    const struct pm_run *run = w->last_run;
    uint32_t n = 0;
    if (!a || !run || !max)
        return 0;
    if (run->n_targets == 1 && a->n_targets == 1) {
        target_line(&run->targets[0], &a->verdicts[0], lines[n++], sizeof lines[0]);
    } else {
        for (uint32_t i = 0; i < a->n_prefix && n < max; i++)
            pm_rollup_format(&a->by_prefix[i], lines[n++], sizeof lines[0]);
        for (uint32_t i = 0; i < a->n_upstream && n < max; i++)
            pm_rollup_format(&a->by_upstream[i], lines[n++], sizeof lines[0]);
    }
    for (uint32_t i = 0; i < n; i++)
        clean(lines[i]);
    return n;
}

uint32_t pm_watch_evidence_lines(const struct pm_watch *w, char (*lines)[256], uint32_t max)
{
    const struct pm_analysis *a = w->last_analysis;
    const struct pm_run *run = w->last_run;
    if (!a || !run || !a->n_targets)
        return 0;
    uint32_t pick = 0;
    for (uint32_t i = 0; i < a->n_targets; i++)
        if (a->verdicts[i].status == PM_STATUS_DIED) {
            pick = i;
            break;
        }
    const struct pm_verdict *v = &a->verdicts[pick];
    uint32_t n = 0;
    if (n < max && a->n_targets > 1)
        target_line(&run->targets[pick], v, lines[n++], sizeof lines[0]);
    if (n < max)
        snprintf(lines[n++], sizeof lines[0], "rule: %s", pm_rule_name((enum pm_rule)v->rule));
    for (uint32_t e = 0; e < v->n_evidence && e < PM_EVIDENCE_MAX && n < max; e++)
        snprintf(lines[n++], sizeof lines[0], "evidence: %s", v->evidence[e] ? v->evidence[e] : "");
    for (uint32_t i = 0; i < n; i++)
        clean(lines[i]);
    return n;
}
