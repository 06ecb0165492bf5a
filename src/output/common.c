/* common.c - helpers the output writers share: enum names, cleaning hostile strings, marks, lookups, path groups. */
#include <stdlib.h>
#include <string.h>

#include "output/internal.h"
#include "util/utf8.h"

/* The names are the analyzer's and the trace model's (one copy); NULL
 * instead of their "?" lets each writer choose its own fallback. */
static const char *known(const char *name)
{
    return strcmp(name, "?") ? name : NULL;
}

const char *pm_output_status_str(unsigned status)
{
    return known(pm_status_name((enum pm_status)status));
}

const char *pm_output_death_str(unsigned kind)
{
    return known(pm_death_name((enum pm_death)kind));
}

const char *pm_output_reply_kind_str(unsigned kind)
{
    return known(pm_reply_kind_name((enum pm_reply_kind)kind));
}

int pm_output_status_parse(const char *s, uint8_t *out)
{
    return pm_status_parse(s, out);
}

int pm_output_death_parse(const char *s, uint8_t *out)
{
    return pm_death_parse(s, out);
}

int pm_output_reply_kind_parse(const char *s, uint8_t *out)
{
    return pm_reply_kind_parse(s, out);
}

int pm_output_stop_parse(const char *s, uint8_t *out)
{
    /* "none" is never written: a finished run always has a reason */
    uint8_t v;
    if (pm_stop_parse(s, &v) != PM_OK || v == PM_STOP_NONE)
        return PM_EINVAL;
    *out = v;
    return PM_OK;
}

/* Code points that change how a terminal or a page shows the rest of the
 * line: C1 controls (CSI is U+009B), bidirectional overrides and isolates. */
static bool dangerous_cp(uint32_t c)
{
    return (c >= 0x80 && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x200e ||
           c == 0x200f || c == 0x061c;
}

void pm_output_clean(const char *in, char *out, size_t outlen)
{
    if (!outlen)
        return;
    size_t o = 0;
    const unsigned char *s = (const unsigned char *)(in ? in : "");
    while (*s && o + 1 < outlen) {
        if (*s < 0x20 || *s == 0x7f) {
            out[o++] = '?';
            s++;
            continue;
        }
        if (*s < 0x80) {
            out[o++] = (char)*s++;
            continue;
        }
        uint32_t cp;
        size_t n = pm_utf8_seq(s, 4, &cp); /* stops at the NUL terminator */
        if (!n || dangerous_cp(cp)) {
            out[o++] = '?';
            s += n ? n : 1;
            continue;
        }
        if (o + n + 1 > outlen) /* never cut a character in half */
            break;
        memcpy(out + o, s, n);
        o += n;
        s += n;
    }
    out[o] = '\0';
}

void pm_output_mark(const struct pm_target *t, const struct pm_reply *r, char buf[16])
{
    buf[0] = '\0';
    if (r->kind == PM_REPLY_OTHER_ICMP) {
        snprintf(buf, 16, "!<%u/%u>", r->icmp_type, r->icmp_code);
        return;
    }
    if (r->kind != PM_REPLY_UNREACH)
        return;
    /* port unreachable from the target: its answer, traceroute shows nothing */
    if (r->from == t->dst && pm_wire_icmp_meaning(PM_ICMP_UNREACH, r->icmp_code) == PM_ICMP_M_PORT_UNREACH)
        return;
    const char *m = pm_wire_icmp_mark(r->icmp_code);
    if (m)
        snprintf(buf, 16, "%s", m);
    else
        snprintf(buf, 16, "!<%u>", r->icmp_code);
}

uint64_t pm_output_rtt_us(const struct pm_reply *r)
{
    return r->recv_us > r->sent_us ? r->recv_us - r->sent_us : 0;
}

const char *pm_output_name(const struct pm_output_ctx *ctx, uint32_t addr)
{
    const char *n = ctx->name ? ctx->name(ctx->name_ctx, addr) : NULL;
    /* a resolver's or document's string is shown only as a plain host name */
    return n && pm_hostname_valid(n) ? n : NULL;
}

void pm_output_lookup(const struct pm_output_ctx *ctx, uint32_t addr, struct pm_geo_info *out)
{
    memset(out, 0, sizeof *out);
    if (ctx->lookup)
        ctx->lookup(ctx->lookup_ctx, addr, out);
    /* the callback's strings are untrusted: force termination */
    out->as_name[sizeof out->as_name - 1] = '\0';
    out->country[sizeof out->country - 1] = '\0';
    out->city[sizeof out->city - 1] = '\0';
    out->special_name[sizeof out->special_name - 1] = '\0';
}

const struct pm_verdict *pm_output_verdict(const struct pm_output_ctx *ctx, uint32_t i)
{
    const struct pm_analysis *a = ctx->analysis;
    if (!a || !a->verdicts || i >= a->n_targets)
        return NULL;
    return &a->verdicts[i];
}

bool pm_output_died(const struct pm_output_ctx *ctx, uint32_t i)
{
    const struct pm_verdict *v = pm_output_verdict(ctx, i);
    if (v)
        return v->status == PM_STATUS_DIED;
    return ctx->run->targets[i].stop != PM_STOP_REACHED;
}

uint8_t pm_output_first_hop(const struct pm_run *run, const struct pm_target *t)
{
    uint8_t first = run->first_ttl ? run->first_ttl : 1;
    if (t->stopset_ttl > first)
        first = t->stopset_ttl;
    uint8_t low = pm_target_first_sent(t);
    if (low && low < first)
        first = low;
    if (t->n_replies && t->replies[0].ttl >= 1 && t->replies[0].ttl < first)
        first = t->replies[0].ttl; /* replies are sorted by TTL */
    return first;
}

uint8_t pm_output_last_hop(const struct pm_target *t)
{
    uint8_t last = t->max_ttl_sent;
    if (t->n_replies && t->replies[t->n_replies - 1].ttl > last)
        last = t->replies[t->n_replies - 1].ttl;
    if (t->stop == PM_STOP_REACHED && t->stop_ttl && t->stop_ttl < last)
        last = t->stop_ttl;
    return last > PM_TTL_MAX ? PM_TTL_MAX : last;
}

bool pm_output_hop_listed(const struct pm_run *run, const struct pm_target *t, uint8_t ttl)
{
    if (!ttl || ttl < pm_output_first_hop(run, t) || ttl > pm_output_last_hop(t))
        return false;
    const struct pm_reply *r;
    return t->sent[ttl] || pm_target_hop(t, ttl, &r);
}

uint8_t pm_output_shown_last(const struct pm_target *t)
{
    uint8_t last = pm_target_last_ttl(t);
    return last > PM_TTL_MAX ? PM_TTL_MAX : last;
}

uint32_t pm_output_rollup_died(const struct pm_rollup *r)
{
    if (r->died || r->rate_limited || r->dark || r->not_probed)
        return r->died;
    return r->total > r->reached ? r->total - r->reached : 0;
}

void pm_output_stop_phrase(const struct pm_target *t, char *buf, size_t len)
{
    switch (t->stop) {
    case PM_STOP_REACHED:
    case PM_STOP_UNREACHABLE:
    case PM_STOP_LOOP: snprintf(buf, len, "%s at hop %u", pm_stop_name(t->stop), t->stop_ttl); break;
    case PM_STOP_GAPLIMIT: snprintf(buf, len, "%s after hop %u", pm_stop_name(t->stop), t->stop_ttl); break;
    case PM_STOP_PREFIX_END: snprintf(buf, len, "%s at hop %u", pm_stop_name(t->stop), t->stop_ttl); break;
    default: snprintf(buf, len, "%s", pm_stop_name(t->stop)); break;
    }
}
