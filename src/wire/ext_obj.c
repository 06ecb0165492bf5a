/* ext_obj.c - ICMP extension objects kept as received (class, c-type, length, first bytes) and RFC 5837 interface information parsed from them. */
#include <string.h>

#include "pathmortem/cursor.h"
#include "pathmortem/wire.h"

void pm_ext_set_add(struct pm_ext_set *s, uint8_t cls, uint8_t ctype, uint16_t len, const uint8_t *data)
{
    if (s->n >= PM_EXT_OBJ_MAX) {
        if (s->more < UINT8_MAX)
            s->more++; /* counted, so a reader knows the list is not whole */
        return;
    }
    struct pm_ext_obj *o = &s->obj[s->n++];
    memset(o, 0, sizeof *o);
    o->cls = cls;
    o->ctype = ctype;
    o->len = len;
    if (data && len != PM_EXT_LEN_UNKNOWN) {
        o->kept = (uint8_t)(len < PM_EXT_OBJ_BYTES ? len : PM_EXT_OBJ_BYTES);
        memcpy(o->data, data, o->kept);
    }
}

const char *pm_ext_ifinfo_role(uint8_t role)
{
    static const char *const names[] = {"incoming", "sub-ip", "outgoing", "next-hop"};
    return names[role & 3];
}

/* RFC 5837 section 4.1: c-type bits 7-6 role, 3 ifIndex, 2 IP address, 1 name, 0 MTU; the
 * fields follow in that order. */
int pm_ext_ifinfo_parse(const struct pm_ext_obj *o, struct pm_ext_ifinfo *out)
{
    memset(out, 0, sizeof *out);
    if (o->cls != PM_EXT_CLASS_IFINFO)
        return PM_EINVAL;
    out->role = (uint8_t)(o->ctype >> 6);
    struct pm_cursor c;
    pm_cursor_init(&c, o->data, o->kept);
    if (o->ctype & 0x08) {
        if (pm_cursor_be32(&c, &out->ifindex) != PM_OK)
            return PM_ECORRUPT;
        out->has_ifindex = true;
    }
    if (o->ctype & 0x04) {
        uint16_t afi, reserved;
        if (pm_cursor_be16(&c, &afi) != PM_OK || pm_cursor_be16(&c, &reserved) != PM_OK)
            return PM_ECORRUPT;
        size_t n = afi == 1 ? 4 : afi == 2 ? 16 : 0; /* IANA address family 1 IPv4, 2 IPv6 */
        if (!n || pm_cursor_bytes(&c, out->addr, n) != PM_OK)
            return PM_ECORRUPT;
        out->has_addr = true;
        out->addr_v6 = afi == 2;
    }
    if (o->ctype & 0x02) {
        uint8_t len;
        /* the length octet counts itself, is a multiple of 4 and at most 64 */
        if (pm_cursor_u8(&c, &len) != PM_OK || len < 4 || len > 64 || len % 4)
            return PM_ECORRUPT;
        uint8_t raw[63];
        if (pm_cursor_bytes(&c, raw, (size_t)len - 1) != PM_OK)
            return PM_ECORRUPT;
        size_t k = 0;
        for (; k < (size_t)len - 1 && raw[k]; k++) /* padded with zeros */
            out->name[k] = raw[k] >= 0x20 && raw[k] < 0x7f ? (char)raw[k] : '?';
        out->name[k] = '\0';
        out->has_name = true;
    }
    if (o->ctype & 0x01) {
        if (pm_cursor_be32(&c, &out->mtu) != PM_OK)
            return PM_ECORRUPT;
        out->has_mtu = true;
    }
    return PM_OK;
}
