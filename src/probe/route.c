/* route.c - source address and interface selection from the kernel's routing table and interface list. */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe/route.h"

int pm_route_ifname(uint32_t src, char ifname[16], char *errbuf)
{
    struct ifaddrs *ifa = NULL;
    if (getifaddrs(&ifa) != 0)
        return pm_err(errbuf, PM_EIO, "cannot list interfaces: %m");
    int rc = PM_ENOTFOUND;
    for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
            continue;
        const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)i->ifa_addr;
        if (ntohl(sin->sin_addr.s_addr) == src) {
            snprintf(ifname, 16, "%s", i->ifa_name);
            rc = PM_OK;
            break;
        }
    }
    freeifaddrs(ifa);
    if (rc != PM_OK) {
        char a[16];
        snprintf(a, sizeof a, "%u.%u.%u.%u", src >> 24, (src >> 16) & 255, (src >> 8) & 255, src & 255);
        return pm_err(errbuf, rc, "no interface has the address %s", a);
    }
    return PM_OK;
}

int pm_route_ifaddr(const char *ifname, uint32_t *src, char *errbuf)
{
    struct ifaddrs *ifa = NULL;
    if (getifaddrs(&ifa) != 0)
        return pm_err(errbuf, PM_EIO, "cannot list interfaces: %m");
    int rc = PM_ENOTFOUND;
    for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || strcmp(i->ifa_name, ifname) != 0)
            continue;
        *src = ntohl(((const struct sockaddr_in *)(const void *)i->ifa_addr)->sin_addr.s_addr);
        rc = PM_OK;
        break;
    }
    freeifaddrs(ifa);
    if (rc != PM_OK)
        return pm_err(errbuf, rc, "interface %s has no IPv4 address (or does not exist)", ifname);
    return PM_OK;
}

int pm_route_lookup(uint32_t dst, uint32_t *src, char ifname[16], char *errbuf)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0)
        return pm_err(errbuf, PM_EIO, "cannot open a socket for the route lookup: %m");
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(33434), .sin_addr.s_addr = htonl(dst)};
    if (connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
        close(fd);
        return pm_err(errbuf, PM_EIO, "no route toward the target: %m");
    }
    struct sockaddr_in me;
    socklen_t len = sizeof me;
    if (getsockname(fd, (struct sockaddr *)&me, &len) != 0) {
        close(fd);
        return pm_err(errbuf, PM_EIO, "cannot learn the source address: %m");
    }
    close(fd);
    *src = ntohl(me.sin_addr.s_addr);
    return pm_route_ifname(*src, ifname, errbuf);
}
