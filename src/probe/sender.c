/* sender.c - libnet packet building and raw IPv4 injection; protocol headers are rebuilt in place (ptags reused) per probe. */
/* Our headers first: libnet pulls in BSD headers whose macros (icmp_id,
 * icmp_seq, ...) would rewrite field names in wire.h. */
#include "pathmortem/common.h"
#include "probe/sender.h"

#include <libnet.h>
#include <stdlib.h>
#include <string.h>

struct pm_sender {
    libnet_t *l;
    libnet_ptag_t l4_tag;
    libnet_ptag_t ip_tag;
    uint8_t method;          /* protocol the current ptags were built for */
    bool built;
};

int pm_sender_open(const char *ifname, struct pm_sender **out, char *errbuf)
{
    char lerr[LIBNET_ERRBUF_SIZE] = "";
    struct pm_sender *s = calloc(1, sizeof *s);
    if (!s)
        return pm_err(errbuf, PM_ENOMEM, "out of memory");
    s->l = libnet_init(LIBNET_RAW4, ifname, lerr);
    if (!s->l) {
        free(s);
        lerr[strcspn(lerr, "\n")] = 0;
        bool perm = strstr(lerr, "ermission") || strstr(lerr, "not permitted");
        return pm_err(errbuf, perm ? PM_EPERM : PM_EIO,
                      perm ? "cannot open a raw socket (%s): run as root or grant CAP_NET_RAW"
                           : "cannot open a raw socket: %s",
                      lerr);
    }
    *out = s;
    return PM_OK;
}

void pm_sender_close(struct pm_sender *s)
{
    if (!s)
        return;
    libnet_destroy(s->l);
    free(s);
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

int pm_sender_send(struct pm_sender *s, const struct pm_probe_spec *spec, const struct pm_probe *p, char *errbuf)
{
    if (s->built && s->method != spec->method) {
        libnet_clear_packet(s->l);
        s->built = false;
    }
    if (!s->built)
        s->l4_tag = s->ip_tag = 0;
    uint8_t proto;
    uint16_t l4_len;
    switch (spec->method) {
    case PM_METHOD_ICMP:
        proto = IPPROTO_ICMP;
        l4_len = LIBNET_ICMPV4_ECHO_H + PM_PROBE_PAYLOAD_LEN;
        /* checksum given explicitly: it is part of the flow identity */
        s->l4_tag = libnet_build_icmpv4_echo(p->l4[0], p->l4[1], get16(p->l4 + 2), get16(p->l4 + 4),
                                             get16(p->l4 + 6), p->payload, PM_PROBE_PAYLOAD_LEN, s->l,
                                             s->l4_tag);
        break;
    case PM_METHOD_UDP:
        proto = IPPROTO_UDP;
        l4_len = LIBNET_UDP_H + PM_PROBE_PAYLOAD_LEN;
        s->l4_tag = libnet_build_udp(p->sport, p->dport, l4_len, get16(p->l4 + 6), p->payload,
                                     PM_PROBE_PAYLOAD_LEN, s->l, s->l4_tag);
        break;
    default:
        proto = IPPROTO_TCP;
        l4_len = LIBNET_TCP_H;
        /* checksum 0: libnet computes it; nothing hashes on the TCP checksum */
        s->l4_tag = libnet_build_tcp(p->sport, p->dport, p->tcp_seq, 0, TH_SYN, 5840, 0, 0, l4_len, NULL, 0,
                                     s->l, s->l4_tag);
        break;
    }
    if (s->l4_tag == -1)
        return pm_err(errbuf, PM_EIO, "cannot build probe: %s", libnet_geterror(s->l));
    s->ip_tag = libnet_build_ipv4((uint16_t)(LIBNET_IPV4_H + l4_len), 0, p->ip_id, 0, p->ttl, proto, 0,
                                  htonl(spec->src), htonl(p->dst), NULL, 0, s->l, s->ip_tag);
    if (s->ip_tag == -1)
        return pm_err(errbuf, PM_EIO, "cannot build probe: %s", libnet_geterror(s->l));
    s->built = true;
    s->method = spec->method;
    if (libnet_write(s->l) == -1)
        return pm_err(errbuf, PM_EIO, "cannot send probe: %s", libnet_geterror(s->l));
    return PM_OK;
}
