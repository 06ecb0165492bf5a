/* l4.c - transport headers (ICMP, UDP, TCP) of full packets and of the datagram quoted by an ICMP error. */
#include <string.h>

#include "wire/wire_priv.h"

/* Fills the views of one header from the bytes present (have <= 20). Each
 * view is set only when all its bytes are there; the rest stay zero. */
static void parse_views(const uint8_t *h, size_t have, uint8_t proto, struct pm_l4 *out)
{
    switch (proto) {
    case PM_PROTO_ICMP:
        if (have >= 2) {
            out->icmp_type = h[0];
            out->icmp_code = h[1];
        }
        if (have >= 4)
            out->icmp_csum = pm_wire_get16(h + 2);
        if (have >= 8) {
            out->icmp_id = pm_wire_get16(h + 4);
            out->icmp_seq = pm_wire_get16(h + 6);
        }
        break;
    case PM_PROTO_UDP:
        if (have >= 4) {
            out->sport = pm_wire_get16(h);
            out->dport = pm_wire_get16(h + 2);
        }
        if (have >= 8) {
            out->udp_len = pm_wire_get16(h + 4);
            out->udp_csum = pm_wire_get16(h + 6);
        }
        break;
    case PM_PROTO_TCP:
        if (have >= 4) {
            out->sport = pm_wire_get16(h);
            out->dport = pm_wire_get16(h + 2);
        }
        if (have >= 8)
            out->tcp_seq = pm_wire_get32(h + 4);
        if (have >= PM_TCP_MIN && (h[12] >> 4) >= 5) {
            out->tcp_ack = pm_wire_get32(h + 8);
            out->tcp_flags = h[13];
            out->tcp_full = true;
        }
        break;
    default:
        break;
    }
}

int pm_wire_l4(struct pm_cursor *c, uint8_t proto, bool quoted, struct pm_l4 *out)
{
    uint8_t h[PM_TCP_MIN];
    size_t avail = pm_cursor_remaining(c);
    size_t have = avail < sizeof h ? avail : sizeof h;
    struct pm_cursor peek = *c;
    if (pm_cursor_bytes(&peek, h, have) != PM_OK)
        return PM_ETRUNC; /* unreachable: have <= avail */

    out->proto = proto;
    out->raw_len = (uint8_t)(have < sizeof out->raw ? have : sizeof out->raw);
    memcpy(out->raw, h, out->raw_len);
    parse_views(h, have, proto, out);
    if (quoted)
        return PM_OK;

    size_t hdr;
    switch (proto) {
    case PM_PROTO_ICMP: hdr = PM_ICMP_HDR; break;
    case PM_PROTO_UDP: hdr = PM_UDP_HDR; break;
    case PM_PROTO_TCP:
        if (have < PM_TCP_MIN)
            return PM_ETRUNC;
        if (!out->tcp_full)
            return PM_EINVAL; /* data offset below 5 */
        hdr = (size_t)(h[12] >> 4) * 4;
        /* Options cut by the snaplen: the fixed header is all we need. */
        if (hdr > avail)
            hdr = avail;
        break;
    default:
        return PM_OK; /* not ours to decode; raw[] holds what is there */
    }
    return pm_cursor_skip(c, hdr);
}
