/* mrt_attr.c - BGP path attributes (RFC 4271 4.3, RFC 4760 MP_REACH/MP_UNREACH, RFC 6793 AS4_PATH merge) and NLRI prefixes, read through the cursor. */
#include <stddef.h>
#include <string.h>

#include "bgp/internal.h"

int pm_mrt_addr(struct pm_cursor *c, uint8_t fam, struct pm_bgp_addr *a)
{
    memset(a, 0, sizeof *a);
    a->family = fam;
    return pm_cursor_bytes(c, a->b, fam == 4 ? 4 : 16);
}

void pm_mrt_mask(struct pm_bgp_prefix *p)
{
    unsigned bits = p->addr.family == 4 ? 32u : 128u;
    for (unsigned bit = p->len; bit < bits; bit++)
        p->addr.b[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
}

int pm_mrt_nlri(struct pm_cursor *c, uint8_t fam, bool addpath, struct pm_bgp_prefix *p)
{
    memset(p, 0, sizeof *p);
    p->addr.family = fam;
    if (addpath && pm_cursor_be32(c, &p->path_id) != PM_OK)
        return PM_ETRUNC;
    if (pm_cursor_u8(c, &p->len) != PM_OK)
        return PM_ETRUNC;
    if (p->len > (fam == 4 ? 32 : 128))
        return PM_EINVAL;
    size_t nb = (p->len + 7u) / 8u;
    if (pm_cursor_bytes(c, p->addr.b, nb) != PM_OK)
        return PM_ETRUNC;
    /* The trailing bits of the last byte are irrelevant (RFC 4271 4.3): zero them. */
    if (p->len % 8)
        p->addr.b[nb - 1] &= (uint8_t)(0xffu << (8 - p->len % 8));
    return PM_OK;
}

static int read_path(struct pm_cursor *c, unsigned asn_len, struct pm_bgp_aspath *p)
{
    p->nseg = 0;
    p->n = 0;
    while (pm_cursor_remaining(c) > 0) {
        uint8_t type, cnt;
        if (pm_cursor_u8(c, &type) != PM_OK || pm_cursor_u8(c, &cnt) != PM_OK)
            return PM_ETRUNC;
        if (type < PM_BGP_AS_SET || type > PM_BGP_AS_CONFED_SET)
            return PM_EINVAL;
        if (p->nseg >= PM_BGP_SEG_MAX || p->n + cnt > PM_BGP_PATH_MAX)
            return PM_ELIMIT;
        p->seg_type[p->nseg] = type;
        p->seg_len[p->nseg] = cnt;
        p->nseg++;
        for (unsigned i = 0; i < cnt; i++) {
            uint32_t asn;
            uint16_t a16;
            if (asn_len == 2) {
                if (pm_cursor_be16(c, &a16) != PM_OK)
                    return PM_ETRUNC;
                asn = a16;
            } else if (pm_cursor_be32(c, &asn) != PM_OK) {
                return PM_ETRUNC;
            }
            p->asn[p->n++] = asn;
        }
    }
    return PM_OK;
}

/* The path length as RFC 4271 9.1.2.2 counts it (a set counts one). */
static unsigned path_count(const struct pm_bgp_aspath *p)
{
    unsigned n = 0;
    for (unsigned s = 0; s < p->nseg; s++)
        n += (p->seg_type[s] == PM_BGP_AS_SET || p->seg_type[s] == PM_BGP_AS_CONFED_SET) ? 1u : p->seg_len[s];
    return n;
}

/* RFC 6793 4.2.3: the first count(AS_PATH) - count(AS4_PATH) ASes of
 * AS_PATH, then AS4_PATH; AS_PATH alone when it is the shorter. */
static void merge_as4(struct pm_bgp_aspath *path, const struct pm_bgp_aspath *as4)
{
    unsigned cp = path_count(path), c4 = path_count(as4);
    if (cp < c4)
        return;
    unsigned keep = cp - c4;
    struct pm_bgp_aspath m = {0};
    unsigned at = 0;
    for (unsigned s = 0; s < path->nseg && path_count(&m) < keep; s++) {
        bool set = path->seg_type[s] == PM_BGP_AS_SET || path->seg_type[s] == PM_BGP_AS_CONFED_SET;
        unsigned take = path->seg_len[s];
        if (!set && path_count(&m) + take > keep)
            take = keep - path_count(&m);
        m.seg_type[m.nseg] = path->seg_type[s];
        m.seg_len[m.nseg] = (uint16_t)take;
        m.nseg++;
        memcpy(m.asn + m.n, path->asn + at, take * sizeof m.asn[0]);
        m.n = (uint16_t)(m.n + take);
        at += path->seg_len[s];
    }
    if (m.nseg + as4->nseg > PM_BGP_SEG_MAX || m.n + as4->n > PM_BGP_PATH_MAX)
        return;
    memcpy(m.seg_type + m.nseg, as4->seg_type, as4->nseg);
    memcpy(m.seg_len + m.nseg, as4->seg_len, as4->nseg * sizeof m.seg_len[0]);
    memcpy(m.asn + m.n, as4->asn, as4->n * sizeof m.asn[0]);
    m.nseg = (uint16_t)(m.nseg + as4->nseg);
    m.n = (uint16_t)(m.n + as4->n);
    *path = m;
}

/* unicast_only: other lengths (VPN next hops with a route distinguisher,
 * SAFI 128) are skipped for SAFIs whose routes are not followed. */
static int mp_nexthop(struct pm_cursor *c, struct pm_bgp_attrs *a, bool unicast_only)
{
    uint8_t nhlen;
    if (pm_cursor_u8(c, &nhlen) != PM_OK)
        return PM_ETRUNC;
    if (nhlen != 4 && nhlen != 16 && nhlen != 32)
        return unicast_only ? PM_EINVAL : pm_cursor_skip(c, nhlen);
    if (pm_mrt_addr(c, nhlen == 4 ? 4 : 6, &a->mp_nexthop) != PM_OK)
        return PM_ETRUNC;
    /* The link-local address of a 32-byte next hop is not shown. */
    if (nhlen == 32 && pm_cursor_skip(c, 16) != PM_OK)
        return PM_ETRUNC;
    a->has_mp_nexthop = true;
    return PM_OK;
}

static int mp_reach(struct pm_cursor *c, struct pm_bgp_attrs *a, struct pm_mrt_mp *reach)
{
    uint8_t first;
    if (pm_cursor_peek_u8(c, &first) != PM_OK)
        return PM_ETRUNC;
    /* RFC 6396 4.3.4: in RIB entries only the next hop (length first) is
     * kept; a full attribute starts with an AFI, whose high byte is 0. */
    if (first != 0)
        return mp_nexthop(c, a, true);
    uint8_t reserved;
    if (pm_cursor_be16(c, &reach->afi) != PM_OK || pm_cursor_u8(c, &reach->safi) != PM_OK)
        return PM_ETRUNC;
    int rc = mp_nexthop(c, a, reach->safi >= 1 && reach->safi <= 3);
    if (rc != PM_OK)
        return rc;
    if (pm_cursor_u8(c, &reserved) != PM_OK)
        return PM_ETRUNC;
    return pm_cursor_sub(c, pm_cursor_remaining(c), &reach->nlri);
}

static int fixed(struct pm_cursor *v, size_t want)
{
    return pm_cursor_remaining(v) == want ? PM_OK : PM_EINVAL;
}

int pm_mrt_attrs(struct pm_mrt_ctx *x, struct pm_cursor *c, unsigned asn_len, struct pm_bgp_attrs *a,
                 struct pm_mrt_mp *reach, struct pm_mrt_mp *unreach)
{
    /* Field by field: the ASN array is large and needs no clearing. */
    a->seen = 0;
    a->origin = 255;
    a->path.nseg = a->path.n = 0;
    memset(a->nexthop, 0xff, 4);
    a->has_mp_nexthop = false;
    memset(&a->mp_nexthop, 0, sizeof a->mp_nexthop);
    a->local_pref = a->med = 0;
    a->communities = NULL;
    a->ncomm = 0;
    a->atomic_aggregate = false;
    a->has_aggregator = false;
    a->aggregator_as = 0;
    memset(a->aggregator_ip, 0, 4);
    memset(reach, 0, sizeof *reach);
    memset(unreach, 0, sizeof *unreach);
    struct pm_bgp_aspath as4;
    bool have_as4 = false, have_as4agg = false;
    uint32_t as4agg_as = 0;
    uint8_t as4agg_ip[4] = {0};
    while (pm_cursor_remaining(c) > 0) {
        uint8_t flags, type;
        uint16_t len;
        if (pm_cursor_u8(c, &flags) != PM_OK || pm_cursor_u8(c, &type) != PM_OK)
            return pm_mrt_bad(x, "path attribute header past the end");
        if (flags & 0x10) {
            if (pm_cursor_be16(c, &len) != PM_OK)
                return pm_mrt_bad(x, "path attribute header past the end");
        } else {
            uint8_t l8;
            if (pm_cursor_u8(c, &l8) != PM_OK)
                return pm_mrt_bad(x, "path attribute header past the end");
            len = l8;
        }
        struct pm_cursor v;
        if (pm_cursor_sub(c, len, &v) != PM_OK)
            return pm_mrt_bad(x, "path attribute past the end of its block");
        if (type < 32) {
            if (a->seen & (1u << type))
                return pm_mrt_bad(x, "path attribute repeated");
            a->seen |= 1u << type;
        }
        int rc = PM_OK;
        uint16_t a16;
        switch (type) {
        case 1:
            rc = fixed(&v, 1) ?: pm_cursor_u8(&v, &a->origin);
            break;
        case 2:
            rc = read_path(&v, asn_len, &a->path);
            break;
        case 3:
            rc = fixed(&v, 4) ?: pm_cursor_bytes(&v, a->nexthop, 4);
            break;
        case 4:
            rc = fixed(&v, 4) ?: pm_cursor_be32(&v, &a->med);
            break;
        case 5:
            rc = fixed(&v, 4) ?: pm_cursor_be32(&v, &a->local_pref);
            break;
        case 6:
            rc = fixed(&v, 0);
            a->atomic_aggregate = true;
            break;
        case 7:
            rc = fixed(&v, asn_len + 4u);
            if (rc == PM_OK && asn_len == 2) {
                rc = pm_cursor_be16(&v, &a16);
                a->aggregator_as = a16;
            } else if (rc == PM_OK) {
                rc = pm_cursor_be32(&v, &a->aggregator_as);
            }
            rc = rc ?: pm_cursor_bytes(&v, a->aggregator_ip, 4);
            a->has_aggregator = rc == PM_OK;
            break;
        case 8:
            if (len % 4)
                rc = PM_EINVAL;
            a->communities = pm_cursor_ptr(&v);
            a->ncomm = len / 4u;
            break;
        case 14:
            rc = mp_reach(&v, a, reach);
            break;
        case 15:
            rc = pm_cursor_be16(&v, &unreach->afi) ?: pm_cursor_u8(&v, &unreach->safi);
            rc = rc ?: pm_cursor_sub(&v, pm_cursor_remaining(&v), &unreach->nlri);
            break;
        case 17:
            rc = read_path(&v, 4, &as4);
            have_as4 = rc == PM_OK;
            break;
        case 18:
            rc = fixed(&v, 8) ?: pm_cursor_be32(&v, &as4agg_as);
            rc = rc ?: pm_cursor_bytes(&v, as4agg_ip, 4);
            have_as4agg = rc == PM_OK;
            break;
        default:
            break; /* other attributes are not needed here */
        }
        if (rc != PM_OK) {
            char why[64];
            snprintf(why, sizeof why, "path attribute %u malformed", type);
            return pm_mrt_bad(x, why);
        }
    }
    /* RFC 6793: a 2-byte speaker's AS_TRANS (23456) stands for the 4-byte
     * ASNs that AS4_PATH and AS4_AGGREGATOR carry. */
    if (asn_len == 2) {
        if (have_as4agg && a->has_aggregator && a->aggregator_as == 23456) {
            a->aggregator_as = as4agg_as;
            memcpy(a->aggregator_ip, as4agg_ip, 4);
        }
        if (have_as4 && (a->seen & (1u << 2)))
            merge_as4(&a->path, &as4);
    }
    return PM_OK;
}
