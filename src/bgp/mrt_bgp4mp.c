/* mrt_bgp4mp.c - update files: BGP4MP(_ET) STATE_CHANGE(_AS4) and MESSAGE(_AS4) with ADD-PATH (RFC 6396 4.4, RFC 8050), UPDATE messages into announce/withdraw events. */
#include <string.h>

#include "bgp/internal.h"

/* Emits one event per prefix of an NLRI list. */
static int prefixes(struct pm_mrt_ctx *x, struct pm_cursor *c, uint8_t fam, uint8_t safi, bool addpath,
                    enum pm_bgp_kind kind, const struct pm_bgp_attrs *attrs)
{
    x->ev.safi = safi;
    while (pm_cursor_remaining(c) > 0) {
        int rc = pm_mrt_nlri(c, fam, addpath, &x->ev.prefix);
        if (rc == PM_EINVAL)
            return pm_mrt_bad(x, "NLRI prefix length out of range");
        if (rc != PM_OK)
            return pm_mrt_bad(x, "NLRI prefix past the end of its list");
        x->ev.kind = kind;
        x->ev.attrs = attrs;
        rc = pm_mrt_emit(x);
        if (rc != PM_OK)
            return rc;
    }
    return PM_OK;
}

static uint8_t afi_family(uint16_t afi)
{
    return afi == 1 ? 4 : afi == 2 ? 6 : 0;
}

static int update(struct pm_mrt_ctx *x, struct pm_cursor *m, unsigned asn_len, bool addpath)
{
    uint16_t wlen, alen;
    struct pm_cursor wc, ac;
    if (pm_cursor_be16(m, &wlen) != PM_OK || pm_cursor_sub(m, wlen, &wc) != PM_OK)
        return pm_mrt_bad(x, "UPDATE withdrawn routes past the end of the message");
    if (pm_cursor_be16(m, &alen) != PM_OK || pm_cursor_sub(m, alen, &ac) != PM_OK)
        return pm_mrt_bad(x, "UPDATE path attributes past the end of the message");
    struct pm_bgp_attrs attrs;
    struct pm_mrt_mp reach, unreach;
    int rc = pm_mrt_attrs(x, &ac, asn_len, &attrs, &reach, &unreach);
    if (rc != PM_OK)
        return rc;
    /* bgpdump's order: withdrawals (NLRI, then MP), then announcements. */
    rc = prefixes(x, &wc, 4, 1, addpath, PM_BGP_WITHDRAW, NULL);
    uint8_t ufam = afi_family(unreach.afi);
    /* Multicast (SAFI 2, 3) too: bgpdump prints them; ev.safi tells them apart. */
    if (rc == PM_OK && ufam && unreach.safi >= 1 && unreach.safi <= 3)
        rc = prefixes(x, &unreach.nlri, ufam, unreach.safi, addpath, PM_BGP_WITHDRAW, NULL);
    /* The NLRI field's next hop is NEXT_HOP, the MP list's its own. */
    bool had_mp = attrs.has_mp_nexthop;
    attrs.has_mp_nexthop = false;
    if (rc == PM_OK)
        rc = prefixes(x, m, 4, 1, addpath, PM_BGP_ANNOUNCE, &attrs);
    attrs.has_mp_nexthop = had_mp;
    uint8_t rfam = afi_family(reach.afi);
    if (rc == PM_OK && rfam && reach.safi >= 1 && reach.safi <= 3)
        rc = prefixes(x, &reach.nlri, rfam, reach.safi, addpath, PM_BGP_ANNOUNCE, &attrs);
    return rc;
}

static int message(struct pm_mrt_ctx *x, struct pm_cursor *c, unsigned asn_len, bool addpath)
{
    uint8_t marker[16];
    uint16_t mlen;
    uint8_t mtype;
    if (pm_cursor_bytes(c, marker, sizeof marker) != PM_OK || pm_cursor_be16(c, &mlen) != PM_OK ||
        pm_cursor_u8(c, &mtype) != PM_OK)
        return pm_mrt_bad(x, "BGP message header cut short");
    for (unsigned i = 0; i < sizeof marker; i++)
        if (marker[i] != 0xff)
            return pm_mrt_bad(x, "BGP message marker is not all ones");
    struct pm_cursor m;
    if (mlen < 19 || pm_cursor_sub(c, mlen - 19u, &m) != PM_OK)
        return pm_mrt_bad(x, "BGP message length past the end of the record");
    switch (mtype) {
    case 2:
        return update(x, &m, asn_len, addpath);
    case 1: /* OPEN, NOTIFICATION, KEEPALIVE, ROUTE-REFRESH: no route */
    case 3:
    case 4:
    case 5:
        return PM_OK;
    default:
        return pm_err(x->errbuf, PM_EUNSUPP, "BGP message type %u not decoded", mtype);
    }
}

int pm_mrt_bgp4mp(struct pm_mrt_ctx *x, uint16_t subtype, struct pm_cursor *c)
{
    unsigned asn_len;
    bool state = false, addpath = false;
    switch (subtype) {
    case 0: state = true; asn_len = 2; break;
    case 5: state = true; asn_len = 4; break;
    case 1: asn_len = 2; break;
    case 4: asn_len = 4; break;
    case 8: asn_len = 2; addpath = true; break;
    case 9: asn_len = 4; addpath = true; break;
    default:
        /* The LOCAL subtypes (6, 7, 10, 11) are what the collector sent, not routes it heard. */
        return pm_err(x->errbuf, PM_EUNSUPP, "BGP4MP subtype %u not decoded", subtype);
    }
    struct pm_bgp_event *ev = &x->ev;
    ev->addpath = addpath;
    /* bgpdump names the ADD-PATH messages' lines BGP4MP_AP. */
    if (addpath)
        ev->format = !strcmp(ev->format, "BGP4MP") ? "BGP4MP_AP" : "BGP4MP_ET_AP";
    uint32_t peer_as = 0, local_as = 0;
    uint16_t a16, ifindex, afi;
    int rc;
    if (asn_len == 2) {
        rc = pm_cursor_be16(c, &a16);
        peer_as = a16;
        rc = rc ? rc : pm_cursor_be16(c, &a16);
        local_as = a16;
    } else {
        rc = pm_cursor_be32(c, &peer_as);
        rc = rc ? rc : pm_cursor_be32(c, &local_as);
    }
    (void)local_as;
    if (rc != PM_OK || pm_cursor_be16(c, &ifindex) != PM_OK || pm_cursor_be16(c, &afi) != PM_OK)
        return pm_mrt_bad(x, "BGP4MP header cut short");
    uint8_t fam = afi_family(afi);
    if (!fam)
        return pm_mrt_bad(x, "BGP4MP address family is neither IPv4 nor IPv6");
    struct pm_bgp_addr local;
    if (pm_mrt_addr(c, fam, &ev->peer) != PM_OK || pm_mrt_addr(c, fam, &local) != PM_OK)
        return pm_mrt_bad(x, "BGP4MP addresses cut short");
    ev->peer_as = peer_as;
    if (state) {
        if (pm_cursor_be16(c, &ev->old_state) != PM_OK || pm_cursor_be16(c, &ev->new_state) != PM_OK)
            return pm_mrt_bad(x, "BGP4MP state change cut short");
        ev->kind = PM_BGP_STATE;
        ev->attrs = NULL;
        memset(&ev->prefix, 0, sizeof ev->prefix);
        return pm_mrt_emit(x);
    }
    return message(x, c, asn_len, addpath);
}
