/* ipv4.c - IPv4 header decoder: checks version, IHL and total length, skips options, confines the cursor to the datagram. */
#include "wire/wire_priv.h"

int pm_wire_ipv4(struct pm_cursor *c, bool quoted, struct pm_ipv4 *out)
{
    /* Full packets and quotes follow the same rules: a capture cut by the
     * snaplen is as short as a quote, so total_len may exceed what is there
     * in both cases. `quoted` is kept so the two can diverge if a deployed
     * router ever forces it. */
    (void)quoted;
    struct pm_cursor w = *c; /* c moves only on success */
    size_t avail = pm_cursor_remaining(&w);
    uint8_t h[PM_IPV4_MIN];
    if (pm_cursor_bytes(&w, h, sizeof h) != PM_OK)
        return PM_ETRUNC;
    if ((h[0] >> 4) != 4)
        return PM_EINVAL;
    size_t ihl = (size_t)(h[0] & 0x0f) * 4;
    if (ihl < PM_IPV4_MIN)
        return PM_EINVAL;
    uint16_t total = pm_wire_get16(h + 2);
    /* A datagram shorter than its own header is a lie, whatever was captured. */
    if (total < ihl)
        return PM_EINVAL;
    /* An honest header whose options were cut off by the capture. */
    if (ihl > avail)
        return PM_ETRUNC;

    out->ihl = (uint8_t)ihl;
    out->tos = h[1];
    out->total_len = total;
    out->id = pm_wire_get16(h + 4);
    out->frag = pm_wire_get16(h + 6);
    out->ttl = h[8];
    out->proto = h[9];
    out->csum = pm_wire_get16(h + 10);
    out->src = pm_wire_get32(h + 12);
    out->dst = pm_wire_get32(h + 16);
    out->has_options = ihl > PM_IPV4_MIN;

    /* Confine the view to the datagram: drops Ethernet padding and the
     * RFC 4884 zero padding of a quote, keeps snaplen-cut datagrams. */
    size_t view = total < avail ? total : avail;
    struct pm_cursor d;
    pm_cursor_init(&d, pm_cursor_ptr(c), view);
    if (pm_cursor_skip(&d, ihl) != PM_OK)
        return PM_ETRUNC; /* unreachable: ihl <= view was checked */
    *c = d;
    return PM_OK;
}
