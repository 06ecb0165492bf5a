/* decode.c - whole-frame decoder: link layer, IPv4, transport header and ICMP quote into one struct pm_packet. */
#include <string.h>

#include "wire/wire_priv.h"

static int drop(enum pm_wire_drop *why, enum pm_wire_drop reason, int rc)
{
    if (why)
        *why = reason;
    return rc;
}

/* Cursor at an IPv4 header; out already zeroed. Straight-line on purpose:
 * the analyzer runs this for every packet of a capture. */
static int decode_from_ip(struct pm_cursor *c, struct pm_packet *out, enum pm_wire_drop *why)
{
    const uint8_t *iph = pm_cursor_ptr(c);
    size_t avail = pm_cursor_remaining(c);
    int rc = pm_wire_ipv4(c, false, &out->ip);
    if (rc == PM_ETRUNC)
        return drop(why, PM_DROP_IP_SHORT, rc);
    if (rc != PM_OK)
        return drop(why, PM_DROP_IP_BAD, rc);
    /* pm_wire_ipv4 checked ihl <= avail */
    out->ip_csum_ok = pm_wire_fold(pm_wire_sum(iph, out->ip.ihl, 0)) == 0xffff;
    if (out->ip.frag & 0x1fff)
        return drop(why, PM_DROP_FRAGMENT, PM_EINVAL);

    const uint8_t *l4 = pm_cursor_ptr(c);
    size_t l4_avail = pm_cursor_remaining(c); /* min(total_len, captured) - ihl */
    rc = pm_wire_l4(c, out->ip.proto, false, &out->l4);
    if (rc != PM_OK)
        return drop(why, PM_DROP_L4_SHORT, rc);
    size_t rest = pm_cursor_remaining(c);
    out->payload_len = (uint16_t)rest; /* <= total_len, a 16-bit field */
    out->payload_kept = (uint8_t)(rest < PM_WIRE_PAYLOAD_KEEP ? rest : PM_WIRE_PAYLOAD_KEEP);
    memcpy(out->payload, pm_cursor_ptr(c), out->payload_kept);
    /* the ICMP checksum covers the whole message: judge it only when the
     * capture holds all of it */
    if (out->ip.proto == PM_PROTO_ICMP && (size_t)out->ip.total_len <= avail)
        out->l4_csum = pm_wire_fold(pm_wire_sum(l4, l4_avail, 0)) == 0xffff ? PM_CSUM_OK : PM_CSUM_BAD;

    if (out->ip.proto == PM_PROTO_ICMP && pm_wire_icmp_is_error(out->l4.icmp_type)) {
        rc = pm_wire_icmp_quote(c, &out->l4, out);
        if (rc != PM_OK) {
            out->has_quote = false;
            return drop(why, PM_DROP_QUOTE_BAD, rc);
        }
    }
    return drop(why, PM_DROP_NONE, PM_OK);
}

int pm_wire_decode_ip(const uint8_t *ip, size_t len, struct pm_packet *out, enum pm_wire_drop *why)
{
    static const uint8_t none[1]; /* stands in for a NULL buffer so no pointer arithmetic touches NULL */
    if (!out)
        return drop(why, PM_DROP_IP_SHORT, PM_EINVAL);
    memset(out, 0, sizeof *out);
    struct pm_cursor c;
    pm_cursor_init(&c, ip ? ip : none, ip ? len : 0);
    return decode_from_ip(&c, out, why);
}

int pm_wire_decode(const uint8_t *frame, size_t caplen, int linktype, struct pm_packet *out,
                   enum pm_wire_drop *why)
{
    static const uint8_t none[1];
    if (!out)
        return drop(why, PM_DROP_LINK, PM_EINVAL);
    memset(out, 0, sizeof *out);
    struct pm_cursor c;
    pm_cursor_init(&c, frame ? frame : none, frame ? caplen : 0);
    int rc = pm_wire_link(&c, linktype);
    if (rc != PM_OK)
        return drop(why, PM_DROP_LINK, rc);
    return decode_from_ip(&c, out, why);
}
