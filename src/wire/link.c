/* link.c - skips the link-layer header of a captured frame (Ethernet/VLAN, Linux SLL/SLL2, raw, BSD null). */
#include "wire/wire_priv.h"

/* BSD loopback stores the address family in the capturing host's byte
 * order; AF_INET is 2 on every system that writes such captures. */
#define PM_NULL_AF_INET 2

/* After an ethertype: one 802.1Q / 802.1ad tag may follow, then IPv4. */
static int after_ethertype(struct pm_cursor *w, uint16_t type)
{
    if (type == PM_ETHERTYPE_VLAN || type == PM_ETHERTYPE_QINQ) {
        uint8_t tag[4];
        if (pm_cursor_bytes(w, tag, sizeof tag) != PM_OK)
            return PM_ETRUNC;
        type = pm_wire_get16(tag + 2);
        /* A second tag is not something our probes ever travel under. */
    }
    return type == PM_ETHERTYPE_IPV4 ? PM_OK : PM_EINVAL;
}

static int link_ethernet(struct pm_cursor *w)
{
    uint8_t h[14];
    if (pm_cursor_bytes(w, h, sizeof h) != PM_OK)
        return PM_ETRUNC;
    return after_ethertype(w, pm_wire_get16(h + 12));
}

static int link_sll(struct pm_cursor *w)
{
    /* packet type, ARPHRD type, address length, 8 address bytes, protocol */
    uint8_t h[16];
    if (pm_cursor_bytes(w, h, sizeof h) != PM_OK)
        return PM_ETRUNC;
    return after_ethertype(w, pm_wire_get16(h + 14));
}

static int link_sll2(struct pm_cursor *w)
{
    /* protocol, reserved, ifindex, ARPHRD type, packet type, address length, 8 address bytes */
    uint8_t h[20];
    if (pm_cursor_bytes(w, h, sizeof h) != PM_OK)
        return PM_ETRUNC;
    return after_ethertype(w, pm_wire_get16(h));
}

static int link_null(struct pm_cursor *w)
{
    uint8_t h[4];
    if (pm_cursor_bytes(w, h, sizeof h) != PM_OK)
        return PM_ETRUNC;
    uint32_t be = pm_wire_get32(h);
    uint32_t le = ((uint32_t)h[3] << 24) | ((uint32_t)h[2] << 16) | ((uint32_t)h[1] << 8) | h[0];
    return (be == PM_NULL_AF_INET || le == PM_NULL_AF_INET) ? PM_OK : PM_EINVAL;
}

/* LINKTYPE_RAW may hold IPv4 or IPv6: the version nibble tells. */
static int link_raw(struct pm_cursor *w)
{
    uint8_t b;
    if (pm_cursor_peek_u8(w, &b) != PM_OK)
        return PM_ETRUNC;
    return (b >> 4) == 4 ? PM_OK : PM_EINVAL;
}

int pm_wire_link(struct pm_cursor *c, int linktype)
{
    struct pm_cursor w = *c; /* c moves only on success */
    int rc;
    switch (linktype) {
    case PM_LINK_ETHERNET: rc = link_ethernet(&w); break;
    case PM_LINK_LINUX_SLL: rc = link_sll(&w); break;
    case PM_LINK_LINUX_SLL2: rc = link_sll2(&w); break;
    case PM_LINK_NULL: rc = link_null(&w); break;
    case PM_LINK_RAW: rc = link_raw(&w); break;
    case PM_LINK_IPV4: rc = PM_OK; break; /* IPv4 only by definition; the IPv4 decoder checks */
    default: return PM_EUNSUPP;
    }
    if (rc == PM_OK)
        *c = w;
    return rc;
}
