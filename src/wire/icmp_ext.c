/* icmp_ext.c - RFC 4884 ICMP extension structure: version, checksum, object walk (every object kept), RFC 4950 MPLS label stacks. */
#include "wire/wire_priv.h"

#define PM_EXT_VERSION 2
#define PM_EXT_HDR 4
#define PM_EXT_OBJ_HDR 4
#define PM_EXT_CTYPE_MPLS_INCOMING 1

/* Checksum over the whole remaining extension area of e, not advancing it. */
static bool ext_sum_ok(const struct pm_cursor *e)
{
    size_t n = pm_cursor_remaining(e);
    return pm_wire_fold(pm_wire_sum(pm_cursor_ptr(e), n, 0)) == 0xffff;
}

bool pm_wire_ext_plausible(const struct pm_cursor *e)
{
    struct pm_cursor w = *e;
    uint8_t h[PM_EXT_HDR];
    if (pm_cursor_bytes(&w, h, sizeof h) != PM_OK)
        return false;
    return (h[0] >> 4) == PM_EXT_VERSION && pm_wire_get16(h + 2) != 0 && ext_sum_ok(e);
}

/* RFC 4950: entries of label(20) TC(3) S(1) TTL(8). */
static void take_mpls(struct pm_cursor *obj, struct pm_packet *out)
{
    uint32_t v;
    while (pm_cursor_be32(obj, &v) == PM_OK) {
        if (out->n_mpls >= PM_MPLS_MAX)
            continue; /* keep the top of the stack; deeper labels are dropped silently */
        struct pm_mpls_entry *m = &out->mpls[out->n_mpls++];
        m->label = v >> 12;
        m->tc = (uint8_t)((v >> 9) & 0x7);
        m->s = (uint8_t)((v >> 8) & 0x1);
        m->ttl = (uint8_t)(v & 0xff);
    }
    if (pm_cursor_remaining(obj) != 0)
        out->ext_malformed = true; /* payload not a whole number of entries */
}

void pm_wire_ext(const struct pm_cursor *e, struct pm_packet *out)
{
    struct pm_cursor w = *e;
    uint8_t h[PM_EXT_HDR];
    if (pm_cursor_bytes(&w, h, sizeof h) != PM_OK || (h[0] >> 4) != PM_EXT_VERSION) {
        out->ext_malformed = true;
        return;
    }
    out->has_ext = true;
    /* RFC 4884 section 7: an all-zero checksum means none was sent. */
    out->ext_csum_ok = pm_wire_get16(h + 2) == 0 || ext_sum_ok(e);

    uint8_t oh[PM_EXT_OBJ_HDR];
    while (pm_cursor_remaining(&w) > 0) {
        if (pm_cursor_bytes(&w, oh, sizeof oh) != PM_OK) {
            out->ext_malformed = true; /* ragged tail */
            return;
        }
        size_t olen = pm_wire_get16(oh);
        struct pm_cursor obj;
        if (olen < PM_EXT_OBJ_HDR || pm_cursor_sub(&w, olen - PM_EXT_OBJ_HDR, &obj) != PM_OK) {
            out->ext_malformed = true; /* a zero length would loop forever; an overrun lies */
            return;
        }
        /* every object is kept (class, c-type, length, first bytes), MPLS ones parsed too */
        pm_ext_set_add(&out->ext, oh[2], oh[3], (uint16_t)(olen - PM_EXT_OBJ_HDR), pm_cursor_ptr(&obj));
        if (oh[2] == PM_EXT_CLASS_MPLS && oh[3] == PM_EXT_CTYPE_MPLS_INCOMING)
            take_mpls(&obj, out);
    }
}
