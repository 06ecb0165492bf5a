/* special.c - the IPv4 special-purpose address registry (RFC 6890 and its updates), as data. */
#include <stddef.h>

#include "pathmortem/geo.h"
#include "pathmortem/util.h"

struct special {
    uint32_t net;
    uint8_t len;
    const char *name;
};

/* Most specific first where ranges nest (192.0.0.0/24 holds nothing else here,
 * but keep the rule so additions stay correct). Sources: IANA IPv4
 * Special-Purpose Address Registry (RFC 6890, RFC 8190); 100.64.0.0/10 from
 * RFC 6598; 198.18.0.0/15 from RFC 2544; multicast RFC 5771; 240/4 RFC 1112. */
static const struct special table[] = {
    {0xFFFFFFFFu, 32, "limited-broadcast"},   /* RFC 919 */
    {0x00000000u, 8, "this-network"},         /* RFC 791 */
    {0x0A000000u, 8, "private-use"},          /* 10/8, RFC 1918 */
    {0x64400000u, 10, "shared"},              /* 100.64/10, RFC 6598 (CGN) */
    {0x7F000000u, 8, "loopback"},             /* RFC 1122 */
    {0xA9FE0000u, 16, "link-local"},          /* RFC 3927 */
    {0xAC100000u, 12, "private-use"},         /* 172.16/12, RFC 1918 */
    {0xC0000000u, 24, "ietf-protocol"},       /* 192.0.0/24, RFC 6890 */
    {0xC0000200u, 24, "documentation"},       /* TEST-NET-1, RFC 5737 */
    {0xC0586300u, 24, "6to4-relay"},          /* RFC 7526 (deprecated anycast) */
    {0xC0A80000u, 16, "private-use"},         /* 192.168/16, RFC 1918 */
    {0xC6120000u, 15, "benchmarking"},        /* 198.18/15, RFC 2544 */
    {0xC6336400u, 24, "documentation"},       /* TEST-NET-2, RFC 5737 */
    {0xCB007100u, 24, "documentation"},       /* TEST-NET-3, RFC 5737 */
    {0xE0000000u, 4, "multicast"},            /* RFC 5771 */
    {0xF0000000u, 4, "reserved"},             /* RFC 1112 */
};

const char *pm_geo_special(uint32_t addr, uint32_t *net, uint8_t *len)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        uint32_t mask = pm_prefix_mask(table[i].len);
        if ((addr & mask) == table[i].net) {
            if (net)
                *net = table[i].net;
            if (len)
                *len = table[i].len;
            return table[i].name;
        }
    }
    return NULL;
}
