/* dump.c - a route event as one line of Debian bgpdump's -m format, so the reader can be held against bgpdump on the same files. */
#include <string.h>

#include "pathmortem/bgp.h"

/* IPv6 as bgpdump writes it, which differs from inet_ntop (RFC 5952) in
 * one way: the longest run of zero groups (the first of equal runs) is
 * shortened to "::" even when it is a single group. v4-mapped and
 * v4-compatible addresses end in dotted quads. */
static void v6_str(const uint8_t *b, char *buf, size_t size)
{
    static const uint8_t zero12[12];
    if (!memcmp(b, zero12, 10) && b[10] == 0xff && b[11] == 0xff) {
        snprintf(buf, size, "::ffff:%u.%u.%u.%u", b[12], b[13], b[14], b[15]);
        return;
    }
    uint32_t last = (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15];
    if (!memcmp(b, zero12, 12) && last > 1) {
        snprintf(buf, size, "::%u.%u.%u.%u", b[12], b[13], b[14], b[15]);
        return;
    }
    unsigned g[8], best = 8, bestlen = 0;
    for (unsigned i = 0; i < 8; i++)
        g[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
    for (unsigned i = 0; i < 8; i++) {
        unsigned n = 0;
        while (i + n < 8 && g[i + n] == 0)
            n++;
        if (n > bestlen) {
            best = i;
            bestlen = n;
        }
    }
    size_t at = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < 8 && at < size; i++) {
        int n;
        if (i == best) {
            n = snprintf(buf + at, size - at, i == 0 ? "::" : ":");
            i += bestlen - 1;
        } else {
            n = snprintf(buf + at, size - at, "%x%s", g[i], i == 7 ? "" : ":");
        }
        if (n < 0)
            return;
        at += (size_t)n;
    }
}

static const char *addr_str(const struct pm_bgp_addr *a, char *buf, size_t size)
{
    if (a->family == 6) {
        v6_str(a->b, buf, size);
        return buf;
    }
    snprintf(buf, size, "%u.%u.%u.%u", a->b[0], a->b[1], a->b[2], a->b[3]);
    return buf;
}

char *pm_bgp_aspath_str(const struct pm_bgp_aspath *p, char *buf, size_t size)
{
    static const char open[] = {0, '{', 0, '(', '['}, close[] = {0, '}', 0, ')', ']'};
    size_t at = 0;
    unsigned k = 0;
    buf[0] = '\0';
    for (unsigned s = 0; s < p->nseg; s++) {
        uint8_t t = p->seg_type[s];
        bool set = t == PM_BGP_AS_SET || t == PM_BGP_AS_CONFED_SET;
        int n = snprintf(buf + at, size - at, "%s%s", s ? " " : "",
                         t == PM_BGP_AS_SEQUENCE ? "" : (char[2]){open[t], 0});
        if (n < 0 || (size_t)n >= size - at)
            return buf;
        at += (size_t)n;
        for (unsigned i = 0; i < p->seg_len[s]; i++, k++) {
            n = snprintf(buf + at, size - at, "%s%u", i ? (set ? "," : " ") : "", p->asn[k]);
            if (n < 0 || (size_t)n >= size - at)
                return buf;
            at += (size_t)n;
        }
        if (t != PM_BGP_AS_SEQUENCE) {
            n = snprintf(buf + at, size - at, "%c", close[t]);
            if (n < 0 || (size_t)n >= size - at)
                return buf;
            at += (size_t)n;
        }
    }
    return buf;
}

static void communities(FILE *out, const struct pm_bgp_attrs *a)
{
    for (size_t i = 0; i < a->ncomm; i++) {
        const uint8_t *c = a->communities + 4 * i;
        uint32_t v = (uint32_t)c[0] << 24 | (uint32_t)c[1] << 16 | (uint32_t)c[2] << 8 | c[3];
        const char *sep = i ? " " : "";
        /* RFC 1997's well-known communities by name, as bgpdump writes them. */
        if (v == 0xFFFFFF01u)
            fprintf(out, "%sno-export", sep);
        else if (v == 0xFFFFFF02u)
            fprintf(out, "%sno-advertise", sep);
        else if (v == 0xFFFFFF03u)
            fprintf(out, "%slocal-AS", sep);
        else
            fprintf(out, "%s%u:%u", sep, v >> 16, v & 0xffffu);
    }
}

int pm_bgp_dump_line(FILE *out, const struct pm_bgp_event *ev)
{
    char peer[48], pfx[48], nh[48];
    char tm[32];
    if (!strcmp(ev->format, "BGP4MP_ET"))
        snprintf(tm, sizeof tm, "%u.%06u", ev->time, ev->usec);
    else
        snprintf(tm, sizeof tm, "%u", ev->time);
    addr_str(&ev->peer, peer, sizeof peer);
    if (ev->kind == PM_BGP_STATE)
        return fprintf(out, "%s|%s|STATE|%s|%u|%u|%u\n", ev->format, tm, peer, ev->peer_as, ev->old_state,
                       ev->new_state);
    addr_str(&ev->prefix.addr, pfx, sizeof pfx);
    if (ev->kind == PM_BGP_WITHDRAW) {
        if (ev->addpath)
            return fprintf(out, "%s|%s|W|%s|%u|%s/%u|%u\n", ev->format, tm, peer, ev->peer_as, pfx, ev->prefix.len,
                           ev->prefix.path_id);
        return fprintf(out, "%s|%s|W|%s|%u|%s/%u\n", ev->format, tm, peer, ev->peer_as, pfx, ev->prefix.len);
    }
    const struct pm_bgp_attrs *a = ev->attrs;
    char path[PM_BGP_PATH_MAX * 12];
    pm_bgp_aspath_str(&a->path, path, sizeof path);
    if (a->has_mp_nexthop) {
        addr_str(&a->mp_nexthop, nh, sizeof nh);
    } else {
        struct pm_bgp_addr v4 = {.family = 4};
        memcpy(v4.b, a->nexthop, 4);
        addr_str(&v4, nh, sizeof nh);
    }
    const char *origin = a->origin == 0 ? "IGP" : a->origin == 1 ? "EGP" : "INCOMPLETE";
    fprintf(out, "%s|%s|%s|%s|%u|%s/%u|", ev->format, tm, ev->kind == PM_BGP_RIB ? "B" : "A", peer, ev->peer_as, pfx,
            ev->prefix.len);
    if (ev->addpath)
        fprintf(out, "%u|", ev->prefix.path_id);
    fprintf(out, "%s|%s|%s|%u|%u|", path, origin, nh, a->local_pref, a->med);
    communities(out, a);
    fprintf(out, "|%s|", a->atomic_aggregate ? "AG" : "NAG");
    if (a->has_aggregator) {
        char agg[16];
        struct pm_bgp_addr g = {.family = 4};
        memcpy(g.b, a->aggregator_ip, 4);
        fprintf(out, "%u %s", a->aggregator_as, addr_str(&g, agg, sizeof agg));
    }
    return fprintf(out, "|\n");
}
