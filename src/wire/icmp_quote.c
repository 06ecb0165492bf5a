/* icmp_quote.c - locates and decodes the original datagram inside an ICMP error (RFC 792, RFC 4884, legacy 128-byte layout). */
#include "wire/wire_priv.h"

bool pm_wire_icmp_is_error(uint8_t type)
{
    return type == PM_ICMP_UNREACH || type == PM_ICMP_TIMXCEED || type == PM_ICMP_PARAMPROB ||
           type == PM_ICMP_SRCQUENCH;
}

/* RFC 4884 gives these three a length attribute in byte 5; source quench has none. */
static bool has_length_attr(uint8_t type)
{
    return type == PM_ICMP_UNREACH || type == PM_ICMP_TIMXCEED || type == PM_ICMP_PARAMPROB;
}

int pm_wire_icmp_quote(struct pm_cursor *body, const struct pm_l4 *icmp, struct pm_packet *out)
{
    size_t n = pm_cursor_remaining(body);
    size_t orig = n; /* bytes of the original-datagram field */
    if (has_length_attr(icmp->icmp_type) && icmp->raw_len >= 8) {
        size_t words = icmp->raw[5];
        if (words) {
            /* A length beyond the message means a cut capture or a lie, and
             * one too small to hold an IPv4 header is a lie: in both cases
             * the whole body is quote and no extension is sought. */
            if (words * 4 <= n && words * 4 >= PM_IPV4_MIN)
                orig = words * 4;
        } else if (n > PM_ICMP_LEGACY_EXT_OFF) {
            struct pm_cursor probe = *body;
            if (pm_cursor_skip(&probe, PM_ICMP_LEGACY_EXT_OFF) == PM_OK && pm_wire_ext_plausible(&probe))
                orig = PM_ICMP_LEGACY_EXT_OFF;
        }
    }

    struct pm_cursor q;
    if (pm_cursor_sub(body, orig, &q) != PM_OK)
        return PM_ETRUNC; /* unreachable: orig <= n */
    int rc = pm_wire_ipv4(&q, true, &out->quoted_ip);
    if (rc != PM_OK)
        return rc;
    /* A probe is never a non-first fragment: no transport header to match. */
    if (out->quoted_ip.frag & 0x1fff)
        return PM_EINVAL;
    size_t qlen = out->quoted_ip.total_len < orig ? out->quoted_ip.total_len : orig;
    out->quoted_len = (uint16_t)qlen;
    rc = pm_wire_l4(&q, out->quoted_ip.proto, true, &out->quoted_l4);
    if (rc != PM_OK)
        return rc;
    out->has_quote = true;

    /* Whatever follows the original datagram is the extension structure. */
    if (pm_cursor_remaining(body) > 0)
        pm_wire_ext(body, out);
    return PM_OK;
}
