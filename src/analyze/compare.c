/* compare.c - --compare-methods: from what ICMP, UDP, TCP/80 and TCP/443 got at one death point, filter or dead route. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pathmortem/analyze.h"
#include "analyze/rules.h"

/* Unknown outcome values count as not probed (callers are other modules). */
static uint8_t norm(uint8_t o)
{
    return o > PM_CMP_UNREACH_OTHER ? PM_CMP_NOT_PROBED : o;
}

/* "icmp, udp" for the methods whose outcome is in the mask. */
static void list(const struct pm_cmp_input *in, unsigned mask, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = '\0';
    for (int m = 0; m < PM_CMP__N; m++) {
        if (!(mask & (1u << norm(in->outcome[m]))))
            continue;
        int w = snprintf(buf + off, len - off, "%s%s", off ? ", " : "", pm_cmp_probe_name((enum pm_cmp_probe)m));
        if (w < 0 || (size_t)w >= len - off)
            return;
        off += (size_t)w;
    }
}

#define BIT(o) (1u << (o))

/* vsnprintf: the sentence is cut at PM_EVIDENCE_LEN on purpose */
static void say(struct pm_cmp_result *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct pm_cmp_result *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->text, sizeof out->text, fmt, ap);
    va_end(ap);
}

void pm_compare_methods(const struct pm_cmp_input *in, struct pm_cmp_result *out)
{
    unsigned n = 0, cnt[8] = {0};
    memset(out, 0, sizeof *out);
    for (int m = 0; m < PM_CMP__N; m++) {
        uint8_t o = norm(in->outcome[m]);
        cnt[o]++;
        n += o != PM_CMP_NOT_PROBED;
    }
    char where[48], pass[64], stop[64];
    char ab[16];
    if (in->death_addr)
        snprintf(where, sizeof where, "%s (hop %u)", pm_addr_str(in->death_addr, ab), in->death_ttl);
    else
        snprintf(where, sizeof where, "the death point");
    unsigned passing = cnt[PM_CMP_REACHED] + cnt[PM_CMP_DIED_FURTHER];
    unsigned stopped = cnt[PM_CMP_DIED_SAME] + cnt[PM_CMP_UNREACH_ADMIN] + cnt[PM_CMP_UNREACH_OTHER];
    list(in, BIT(PM_CMP_REACHED) | BIT(PM_CMP_DIED_FURTHER), pass, sizeof pass);
    list(in, BIT(PM_CMP_DIED_SAME) | BIT(PM_CMP_UNREACH_ADMIN) | BIT(PM_CMP_UNREACH_OTHER), stop, sizeof stop);
    if (n == 0) {
        out->verdict = PM_CMP_INCONCLUSIVE;
        say(out, "No method was probed at %s", where);
    } else if (cnt[PM_CMP_REACHED] == n) {
        out->verdict = PM_CMP_NOT_DEAD;
        out->confidence = AZ_CMP_NOT_DEAD;
        say(out, "Every method probed (%s) reaches the target now: not dead", pass);
    } else if (passing && stopped) {
        out->verdict = PM_CMP_FILTER;
        out->confidence = AZ_CMP_FILTER_PASS;
        say(out, "%s get%s past %s while %s stop there: a protocol filter, not a dead route",
                 pass, passing == 1 ? "s" : "", where, stop);
    } else if (cnt[PM_CMP_UNREACH_ADMIN] && cnt[PM_CMP_UNREACH_ADMIN] < n && !cnt[PM_CMP_DIED_EARLIER]) {
        char adm[64];
        list(in, BIT(PM_CMP_UNREACH_ADMIN), adm, sizeof adm);
        out->verdict = PM_CMP_FILTER;
        out->confidence = AZ_CMP_FILTER_ADMIN;
        say(out, "Only %s get administratively prohibited (!X) at %s: a filter for "
                 "some protocols", adm, where);
    } else if (cnt[PM_CMP_UNREACH_ADMIN] == n) {
        out->verdict = PM_CMP_FILTER;
        out->confidence = AZ_CMP_ALL_ADMIN;
        say(out, "Every method gets !X at %s: an explicit block of all protocols "
                 "(a filter; the route behind it is unknown)", where);
    } else if (stopped == n) {
        out->verdict = PM_CMP_DEAD_ROUTE;
        out->confidence = cnt[PM_CMP_UNREACH_ADMIN] ? AZ_CMP_DEAD_ADMIN : n >= 2 ? AZ_CMP_DEAD_MANY : AZ_CMP_DEAD_ONE;
        say(out, "Every method (%s) dies at %s: a dead route, not a protocol filter",
                 stop, where);
    } else {
        out->verdict = PM_CMP_INCONCLUSIVE;
        out->confidence = AZ_CMP_INCONCLUSIVE;
        say(out, "Methods disagree (%u died before %s): the path is unstable, "
                 "no conclusion", cnt[PM_CMP_DIED_EARLIER], where);
    }
}
