/* rdns.h - reverse DNS of hop addresses: a bounded asynchronous resolver (c-ares) with a per-address cache. */
#ifndef PATHMORTEM_RDNS_H
#define PATHMORTEM_RDNS_H

#include <stdbool.h>
#include <stdint.h>

#include "pathmortem/common.h"
#include "pathmortem/util.h"

struct pm_rdns; /* opaque: a c-ares channel, the cache and the queue of addresses not yet asked */

/* What the cache knows about an address. */
enum pm_rdns_state {
    PM_RDNS_UNKNOWN = 0, /* never asked */
    PM_RDNS_QUEUED,      /* waiting for a free query slot */
    PM_RDNS_PENDING,     /* a PTR query is out */
    PM_RDNS_NAME,        /* answered with a valid host name */
    PM_RDNS_NXDOMAIN,    /* no such name, or no PTR record */
    PM_RDNS_TIMEOUT,     /* no answer within the query timeout and its retries, or the budget ran out */
    PM_RDNS_FAILED,      /* server failure or refusal, no server reachable, or a PTR that is no host name */
};

struct pm_rdns_opts {
    unsigned timeout_ms;   /* per try (default 1000) */
    unsigned tries;        /* per query (default 2) */
    unsigned max_inflight; /* queries out at once (default 32, at most 256) */
    uint32_t server;       /* host order; 0: the servers of /etc/resolv.conf (tests name their own) */
    uint16_t port;         /* with server (0: 53) */
};

/* Cap: distinct addresses the cache holds. Names are checked with
 * pm_hostname_valid (util.h); a PTR that fails it counts as PM_RDNS_FAILED. */
#define PM_RDNS_MAX_ADDRS 65536u

/* Opens a resolver with the system's configuration (/etc/resolv.conf, which
 * `ip netns exec` replaces per namespace). Sends nothing yet. opts may be
 * NULL for the defaults. Returns PM_OK, or PM_EIO/PM_ENOMEM with errbuf set. */
int pm_rdns_open(const struct pm_rdns_opts *opts, struct pm_rdns **out, char *errbuf);
void pm_rdns_close(struct pm_rdns *r);

/* Asks for addr's name unless the cache has it or it is queued. Never
 * blocks. PM_ELIMIT once PM_RDNS_MAX_ADDRS addresses are known. */
int pm_rdns_want(struct pm_rdns *r, uint32_t addr);

/* Moves queries on: sends queued ones, reads answers, expires tries. Waits
 * at most wait_ms for the sockets (0: never waits, for an event loop).
 * Returns how many addresses are still queued or pending. */
unsigned pm_rdns_pump(struct pm_rdns *r, unsigned wait_ms);

/* Pumps until nothing is queued or pending, or budget_ms have passed; what
 * is still unanswered then counts as PM_RDNS_TIMEOUT. Returns the number left
 * unanswered by the budget. */
unsigned pm_rdns_finish(struct pm_rdns *r, unsigned budget_ms);

/* The cache's state of addr, and its name (NULL unless PM_RDNS_NAME; owned
 * by r, valid until pm_rdns_close). */
enum pm_rdns_state pm_rdns_state(const struct pm_rdns *r, uint32_t addr);
const char *pm_rdns_name(const struct pm_rdns *r, uint32_t addr);

/* pm_rdns_name with the output module's name-callback signature (ctx is a struct pm_rdns *). */
const char *pm_rdns_name_cb(void *ctx, uint32_t addr);

struct pm_rdns_stats {
    uint32_t asked;     /* distinct addresses asked */
    uint32_t named, nxdomain, timeout, failed, unanswered;
    uint32_t queries;   /* PTR queries sent (one per address; c-ares retries inside) */
};
void pm_rdns_stats(const struct pm_rdns *r, struct pm_rdns_stats *out);

#endif
