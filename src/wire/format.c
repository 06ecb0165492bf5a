/* format.c - one-line deterministic summary of a decoded packet, for debugging output and the golden corpus. */
#include <stdarg.h>
#include <stdio.h>

#include "wire/wire_priv.h"

struct out {
    char *buf;
    size_t len;
    size_t used;
    bool full;
};

__attribute__((format(printf, 2, 3)))
static void put(struct out *o, const char *fmt, ...)
{
    if (o->full)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->used, o->len - o->used, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->len - o->used) {
        o->full = true;
        return;
    }
    o->used += (size_t)n;
}

static void put_addr(struct out *o, uint32_t a)
{
    put(o, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

static void put_ip(struct out *o, const struct pm_ipv4 *ip)
{
    put(o, "ip ");
    put_addr(o, ip->src);
    put(o, ">");
    put_addr(o, ip->dst);
    put(o, " ttl=%u id=%u", ip->ttl, ip->id);
    if (ip->has_options)
        put(o, " opts=%u", ip->ihl - 20u);
}

static void put_tcp_flags(struct out *o, uint8_t f, uint32_t ack)
{
    static const char letters[] = "FSRPAU";
    char s[8];
    size_t k = 0;
    for (unsigned i = 0; i < 6; i++)
        if (f & (1u << i))
            s[k++] = letters[i];
    if (k == 0)
        s[k++] = '.';
    s[k] = '\0';
    put(o, " [%s] ack=%u", s, ack);
}

static void put_l4(struct out *o, const struct pm_l4 *l4)
{
    switch (l4->proto) {
    case PM_PROTO_ICMP:
        put(o, " icmp");
        if (l4->raw_len >= 2)
            put(o, " %u/%u", l4->icmp_type, l4->icmp_code);
        if (l4->raw_len >= 8 && (l4->icmp_type == PM_ICMP_ECHO || l4->icmp_type == PM_ICMP_ECHOREPLY))
            put(o, " id=%u seq=%u", l4->icmp_id, l4->icmp_seq);
        break;
    case PM_PROTO_UDP:
        put(o, " udp");
        if (l4->raw_len >= 4)
            put(o, " %u>%u", l4->sport, l4->dport);
        if (l4->raw_len >= 8)
            put(o, " len=%u", l4->udp_len);
        break;
    case PM_PROTO_TCP:
        put(o, " tcp");
        if (l4->raw_len >= 4)
            put(o, " %u>%u", l4->sport, l4->dport);
        if (l4->raw_len >= 8)
            put(o, " seq=%u", l4->tcp_seq);
        if (l4->tcp_full)
            put_tcp_flags(o, l4->tcp_flags, l4->tcp_ack);
        break;
    default:
        put(o, " proto=%u", l4->proto);
        break;
    }
    if (l4->raw_len < 8)
        put(o, " l4=%u", l4->raw_len);
}

int pm_wire_format(const struct pm_packet *p, char *buf, size_t len)
{
    if (!buf || len == 0)
        return PM_ELIMIT;
    struct out o = {buf, len, 0, false};
    buf[0] = '\0';
    put_ip(&o, &p->ip);
    put_l4(&o, &p->l4);
    if (p->has_quote) {
        put(&o, " quote{");
        put_ip(&o, &p->quoted_ip);
        put_l4(&o, &p->quoted_l4);
        put(&o, "} qlen=%u", p->quoted_len);
    } else {
        put(&o, " plen=%u", p->payload_len);
    }
    if (p->has_ext) {
        put(&o, " ext{csum=%s", p->ext_csum_ok ? "ok" : "bad");
        for (unsigned i = 0; i < p->n_mpls; i++)
            put(&o, "%s%u/%u/%u/%u", i ? "," : " mpls=", p->mpls[i].label, p->mpls[i].tc,
                p->mpls[i].s, p->mpls[i].ttl);
        put(&o, "}");
    }
    if (p->ext_malformed)
        put(&o, " ext-malformed");
    /* what the receiving kernel would drop (the matcher refuses these) */
    if (p->ip.frag & 0x2000)
        put(&o, " first-fragment");
    if (!p->ip_csum_ok)
        put(&o, " ip-csum-bad");
    if (p->l4_csum == PM_CSUM_BAD)
        put(&o, " icmp-csum-bad");
    return o.full ? PM_ELIMIT : PM_OK;
}
