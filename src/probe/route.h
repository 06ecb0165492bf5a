/* route.h - asks the kernel which source address and interface reach a destination, without sending anything. */
#ifndef PATHMORTEM_PROBE_ROUTE_H
#define PATHMORTEM_PROBE_ROUTE_H

#include <stdint.h>

#include "pathmortem/common.h"

/* Fills *src and ifname (IFNAMSIZ bytes) for dst. A connected UDP socket
 * only consults the routing table: no packet leaves. */
int pm_route_lookup(uint32_t dst, uint32_t *src, char ifname[16], char *errbuf);
/* The address of an interface (when -i is given without -s). */
int pm_route_ifaddr(const char *ifname, uint32_t *src, char *errbuf);
/* The interface holding src (when -s is given without -i). */
int pm_route_ifname(uint32_t src, char ifname[16], char *errbuf);

#endif
