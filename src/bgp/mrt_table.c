/* mrt_table.c - RIB dumps: TABLE_DUMP (RFC 6396 4.2) and TABLE_DUMP_V2 PEER_INDEX_TABLE and RIB_IPV4/IPV6_UNICAST with their ADD-PATH variants (RFC 8050). */
#include <stdlib.h>
#include <string.h>

#include "bgp/internal.h"

int pm_mrt_table_dump(struct pm_mrt_ctx *x, uint16_t subtype, struct pm_cursor *c)
{
    if (subtype != 1 && subtype != 2)
        return pm_err(x->errbuf, PM_EUNSUPP, "TABLE_DUMP subtype %u not decoded", subtype);
    uint8_t fam = subtype == 1 ? 4 : 6;
    uint16_t view, seq, peer_as;
    uint8_t status;
    uint32_t originated;
    struct pm_bgp_event *ev = &x->ev;
    ev->kind = PM_BGP_RIB;
    ev->format = "TABLE_DUMP";
    ev->addpath = false;
    memset(&ev->prefix, 0, sizeof ev->prefix);
    if (pm_cursor_be16(c, &view) != PM_OK || pm_cursor_be16(c, &seq) != PM_OK ||
        pm_mrt_addr(c, fam, &ev->prefix.addr) != PM_OK || pm_cursor_u8(c, &ev->prefix.len) != PM_OK ||
        pm_cursor_u8(c, &status) != PM_OK || pm_cursor_be32(c, &originated) != PM_OK ||
        pm_mrt_addr(c, fam, &ev->peer) != PM_OK || pm_cursor_be16(c, &peer_as) != PM_OK)
        return pm_mrt_bad(x, "TABLE_DUMP entry cut short");
    if (ev->prefix.len > (fam == 4 ? 32 : 128))
        return pm_mrt_bad(x, "TABLE_DUMP prefix length out of range");
    pm_mrt_mask(&ev->prefix);
    ev->peer_as = peer_as;
    uint16_t alen;
    struct pm_cursor ac;
    if (pm_cursor_be16(c, &alen) != PM_OK || pm_cursor_sub(c, alen, &ac) != PM_OK)
        return pm_mrt_bad(x, "TABLE_DUMP attributes past the end of the record");
    struct pm_bgp_attrs attrs;
    struct pm_mrt_mp reach, unreach;
    int rc = pm_mrt_attrs(x, &ac, 2, &attrs, &reach, &unreach);
    if (rc != PM_OK)
        return rc;
    ev->attrs = &attrs;
    return pm_mrt_emit(x);
}

/* RFC 6396 4.3.1. The table replaces the previous one in both the check
 * pass and the emitting pass (the same bytes give the same table). */
static int peer_index(struct pm_mrt_ctx *x, struct pm_cursor *c)
{
    uint32_t collector;
    uint16_t namelen, count;
    if (pm_cursor_be32(c, &collector) != PM_OK || pm_cursor_be16(c, &namelen) != PM_OK ||
        pm_cursor_skip(c, namelen) != PM_OK || pm_cursor_be16(c, &count) != PM_OK)
        return pm_mrt_bad(x, "PEER_INDEX_TABLE header cut short");
    struct pm_mrt_peer *peers = calloc(count ? count : 1, sizeof *peers);
    if (!peers)
        return pm_err(x->errbuf, PM_ENOMEM, "out of memory for %u peers", count);
    for (unsigned i = 0; i < count; i++) {
        uint8_t ptype;
        uint32_t bgp_id;
        if (pm_cursor_u8(c, &ptype) != PM_OK || pm_cursor_be32(c, &bgp_id) != PM_OK ||
            pm_mrt_addr(c, (ptype & 1) ? 6 : 4, &peers[i].ip) != PM_OK)
            goto cut;
        if (ptype & 2) {
            if (pm_cursor_be32(c, &peers[i].as) != PM_OK)
                goto cut;
        } else {
            uint16_t a16;
            if (pm_cursor_be16(c, &a16) != PM_OK)
                goto cut;
            peers[i].as = a16;
        }
    }
    free(x->f->peers);
    x->f->peers = peers;
    x->f->npeers = count;
    x->f->have_index = true;
    return PM_OK;
cut:
    free(peers);
    return pm_mrt_bad(x, "PEER_INDEX_TABLE peer entry cut short");
}

static int rib(struct pm_mrt_ctx *x, uint8_t fam, bool addpath, struct pm_cursor *c)
{
    struct pm_bgp_event *ev = &x->ev;
    ev->kind = PM_BGP_RIB;
    ev->addpath = addpath;
    ev->format = addpath ? "TABLE_DUMP2_AP" : "TABLE_DUMP2";
    uint32_t seq;
    uint16_t count;
    if (pm_cursor_be32(c, &seq) != PM_OK)
        return pm_mrt_bad(x, "RIB record cut short");
    int rc = pm_mrt_nlri(c, fam, false, &ev->prefix);
    if (rc == PM_EINVAL)
        return pm_mrt_bad(x, "RIB prefix length out of range");
    if (rc != PM_OK || pm_cursor_be16(c, &count) != PM_OK)
        return pm_mrt_bad(x, "RIB record cut short");
    if (count > 0 && !x->f->have_index)
        return pm_mrt_bad(x, "RIB record before any PEER_INDEX_TABLE");
    for (unsigned i = 0; i < count; i++) {
        uint16_t pi, alen;
        uint32_t originated, path_id = 0;
        if (pm_cursor_be16(c, &pi) != PM_OK || pm_cursor_be32(c, &originated) != PM_OK ||
            (addpath && pm_cursor_be32(c, &path_id) != PM_OK) || pm_cursor_be16(c, &alen) != PM_OK)
            return pm_mrt_bad(x, "RIB entry cut short");
        if (pi >= x->f->npeers)
            return pm_mrt_bad(x, "RIB entry names a peer past the PEER_INDEX_TABLE");
        struct pm_cursor ac;
        if (pm_cursor_sub(c, alen, &ac) != PM_OK)
            return pm_mrt_bad(x, "RIB entry attributes past the end of the record");
        struct pm_bgp_attrs attrs;
        struct pm_mrt_mp reach, unreach;
        rc = pm_mrt_attrs(x, &ac, 4, &attrs, &reach, &unreach);
        if (rc != PM_OK)
            return rc;
        ev->peer = x->f->peers[pi].ip;
        ev->peer_as = x->f->peers[pi].as;
        ev->prefix.path_id = path_id;
        ev->attrs = &attrs;
        rc = pm_mrt_emit(x);
        if (rc != PM_OK)
            return rc;
    }
    return PM_OK;
}

int pm_mrt_table_dump_v2(struct pm_mrt_ctx *x, uint16_t subtype, struct pm_cursor *c)
{
    switch (subtype) {
    case 1:
        return peer_index(x, c);
    case 2:
        return rib(x, 4, false, c);
    case 4:
        return rib(x, 6, false, c);
    case 8:
        return rib(x, 4, true, c);
    case 10:
        return rib(x, 6, true, c);
    default:
        return pm_err(x->errbuf, PM_EUNSUPP, "TABLE_DUMP_V2 subtype %u not decoded", subtype);
    }
}
