/* wire_priv.h - helpers shared by the wire decoders only (not part of the public API). */
#ifndef PATHMORTEM_WIRE_PRIV_H
#define PATHMORTEM_WIRE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pathmortem/cursor.h"
#include "pathmortem/wire.h"

#define PM_IPV4_MIN 20   /* IPv4 header without options */
#define PM_IPV4_MAXHDR 60
#define PM_ICMP_HDR 8
#define PM_UDP_HDR 8
#define PM_TCP_MIN 20
#define PM_ETHERTYPE_IPV4 0x0800
#define PM_ETHERTYPE_VLAN 0x8100
#define PM_ETHERTYPE_QINQ 0x88a8

/* Big-endian loads from small local arrays that a cursor has already filled
 * (the cursor did the bounds check; these never touch packet memory). */
static inline uint16_t pm_wire_get16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t pm_wire_get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Transport header at c (see l4.c). For a full packet (quoted=false) the
 * whole minimum header must be there and c is advanced past it; for a quote
 * whatever is present is kept and c is not advanced. */
int pm_wire_l4(struct pm_cursor *c, uint8_t proto, bool quoted, struct pm_l4 *out);

/* The body of an ICMP error (after its 8-byte header): finds the original
 * datagram (RFC 4884 length, legacy 128-byte layout), decodes the quoted
 * IPv4 and transport headers and any extension structure into out. */
int pm_wire_icmp_quote(struct pm_cursor *body, const struct pm_l4 *icmp, struct pm_packet *out);

/* True when the ICMP type carries a quoted datagram. */
bool pm_wire_icmp_is_error(uint8_t type);

/* True when the bytes at e look like an RFC 4884 extension header with a
 * non-zero, correct checksum: the test for the legacy layout, where no
 * length attribute says an extension is there. */
bool pm_wire_ext_plausible(const struct pm_cursor *e);

/* Walks the extension structure at e (all remaining bytes), filling the
 * has_ext, ext_csum_ok, ext_malformed and mpls fields of out. */
void pm_wire_ext(const struct pm_cursor *e, struct pm_packet *out);

#endif
