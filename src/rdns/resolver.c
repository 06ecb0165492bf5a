/* resolver.c - PTR lookups for hop addresses through c-ares: queued, a bounded number in flight, answers cached per address. */
#include <ares.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pathmortem/rdns.h"
#include "util/grow.h"
#include "util/map.h"

#define INFLIGHT_MAX 256u

struct entry {
    uint32_t addr;
    uint8_t state;  /* enum pm_rdns_state */
    char *name;     /* malloc'd when PM_RDNS_NAME */
};

struct pm_rdns {
    ares_channel ch;
    struct pm_rdns_opts opts;
    struct pm_map index;   /* addr -> entry */
    struct entry *e;
    uint32_t n, cap;
    uint32_t *queue;       /* entries waiting for a slot, FIFO from qhead */
    uint32_t qhead, qlen, qcap;
    unsigned inflight;
    uint32_t queries;
};

/* What a query's callback needs; entries may move when the table grows, so
 * the index travels, not a pointer. */
struct query {
    struct pm_rdns *r;
    uint32_t idx;
};

int pm_rdns_open(const struct pm_rdns_opts *opts, struct pm_rdns **out, char *errbuf)
{
    *out = NULL;
    struct pm_rdns *r = calloc(1, sizeof *r);
    if (!r)
        return pm_err(errbuf, PM_ENOMEM, "out of memory");
    r->opts = (struct pm_rdns_opts){.timeout_ms = 1000, .tries = 2, .max_inflight = 32};
    if (opts) {
        if (opts->timeout_ms)
            r->opts.timeout_ms = opts->timeout_ms;
        if (opts->tries)
            r->opts.tries = opts->tries;
        if (opts->max_inflight)
            r->opts.max_inflight = opts->max_inflight < INFLIGHT_MAX ? opts->max_inflight : INFLIGHT_MAX;
    }
    int st = ares_library_init(ARES_LIB_INIT_ALL);
    if (st != ARES_SUCCESS) {
        free(r);
        return pm_err(errbuf, PM_EIO, "reverse DNS: %s", ares_strerror(st));
    }
    struct ares_options ao = {.timeout = (int)r->opts.timeout_ms, .tries = (int)r->opts.tries};
    /* no search domains: a PTR name is absolute */
    ao.flags = ARES_FLAG_NOSEARCH;
    st = ares_init_options(&r->ch, &ao, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS);
    if (st != ARES_SUCCESS) {
        ares_library_cleanup();
        free(r);
        return pm_err(errbuf, PM_EIO, "reverse DNS: cannot read the resolver configuration: %s", ares_strerror(st));
    }
    if (opts && opts->server) {
        struct ares_addr_port_node srv = {.family = AF_INET,
                                          .udp_port = opts->port ? opts->port : 53,
                                          .tcp_port = opts->port ? opts->port : 53};
        srv.addr.addr4.s_addr = htonl(opts->server);
        if ((st = ares_set_servers_ports(r->ch, &srv)) != ARES_SUCCESS) {
            pm_rdns_close(r);
            return pm_err(errbuf, PM_EIO, "reverse DNS: %s", ares_strerror(st));
        }
    }
    *out = r;
    return PM_OK;
}

void pm_rdns_close(struct pm_rdns *r)
{
    if (!r)
        return;
    ares_destroy(r->ch); /* calls every pending callback with ARES_EDESTRUCTION */
    ares_library_cleanup();
    for (uint32_t i = 0; i < r->n; i++)
        free(r->e[i].name);
    free(r->e);
    free(r->queue);
    pm_map_free(&r->index);
    free(r);
}

/* The PTR answer itself (ares_query, not ares_gethostbyaddr, which reads
 * /etc/hosts first and reports every failure, a timeout or no server
 * included, as "not found"). */
static void answered(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    (void)timeouts;
    struct query *q = arg;
    struct pm_rdns *r = q->r;
    if (status == ARES_EDESTRUCTION) {
        free(q);
        return; /* the channel is going away with r */
    }
    r->inflight--;
    struct entry *e = &r->e[q->idx];
    free(q);
    switch (status) {
    case ARES_SUCCESS: {
        struct hostent *h = NULL;
        struct in_addr a = {.s_addr = htonl(e->addr)};
        /* c-ares's parser goes through the answer with bounds checks; its
         * name is then held to pm_hostname_valid before it is kept */
        int pst = ares_parse_ptr_reply(abuf, alen, &a, sizeof a, AF_INET, &h);
        if (pst == ARES_SUCCESS && h && h->h_name && pm_hostname_valid(h->h_name) && (e->name = strdup(h->h_name)))
            e->state = PM_RDNS_NAME;
        else if (pst == ARES_ENODATA)
            e->state = PM_RDNS_NXDOMAIN; /* an answer without a PTR record */
        else
            e->state = PM_RDNS_FAILED; /* a bad answer, or a PTR that is no host name: never shown */
        if (h)
            ares_free_hostent(h);
        break;
    }
    case ARES_ENOTFOUND:
    case ARES_ENODATA:
        e->state = PM_RDNS_NXDOMAIN;
        break;
    case ARES_ETIMEOUT:
        e->state = PM_RDNS_TIMEOUT;
        break;
    default: /* ESERVFAIL, EREFUSED, ECONNREFUSED (no server reachable), ... */
        e->state = PM_RDNS_FAILED;
        break;
    }
}

/* Sends queued queries while slots are free. */
static void send_queued(struct pm_rdns *r)
{
    while (r->qlen && r->inflight < r->opts.max_inflight) {
        uint32_t idx = r->queue[r->qhead];
        r->qhead++;
        r->qlen--;
        struct query *q = malloc(sizeof *q);
        if (!q) {
            r->e[idx].state = PM_RDNS_FAILED;
            continue;
        }
        *q = (struct query){r, idx};
        uint32_t a = r->e[idx].addr;
        char qname[32];
        snprintf(qname, sizeof qname, "%u.%u.%u.%u.in-addr.arpa", a & 0xff, a >> 8 & 0xff, a >> 16 & 0xff, a >> 24);
        r->e[idx].state = PM_RDNS_PENDING;
        r->inflight++;
        r->queries++;
        /* may call answered() at once (a local failure) */
        ares_query(r->ch, qname, 1 /* C_IN */, 12 /* T_PTR */, answered, q);
    }
    if (!r->qlen)
        r->qhead = 0;
}

int pm_rdns_want(struct pm_rdns *r, uint32_t addr)
{
    if (pm_map_get(&r->index, addr))
        return PM_OK;
    if (r->n >= PM_RDNS_MAX_ADDRS)
        return PM_ELIMIT;
    /* each address is queued once, so the queue never holds more than the table */
    if (PM_GROW(r->e, r->cap, r->n + 1, 64, PM_RDNS_MAX_ADDRS) != PM_OK ||
        PM_GROW(r->queue, r->qcap, r->qhead + r->qlen + 1, 64, PM_RDNS_MAX_ADDRS) != PM_OK)
        return PM_ENOMEM;
    bool created = false;
    uint32_t *v = pm_map_put(&r->index, addr, r->n, &created);
    if (!v)
        return PM_ENOMEM;
    r->e[r->n] = (struct entry){.addr = addr, .state = PM_RDNS_QUEUED};
    r->queue[r->qhead + r->qlen++] = r->n;
    r->n++;
    return PM_OK;
}

unsigned pm_rdns_pump(struct pm_rdns *r, unsigned wait_ms)
{
    send_queued(r);
    if (r->inflight) {
        ares_socket_t socks[ARES_GETSOCK_MAXNUM];
        int bits = ares_getsock(r->ch, socks, ARES_GETSOCK_MAXNUM);
        struct pollfd p[ARES_GETSOCK_MAXNUM];
        nfds_t np = 0;
        for (int i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
            /* c-ares's ARES_GETSOCK_WRITABLE shifts a signed 1 up to bit 31,
             * undefined behaviour (UBSan stops there); the same bits read unsigned */
            unsigned ub = (unsigned)bits;
            short ev = (short)((ub >> i & 1u ? POLLIN : 0) | (ub >> (i + ARES_GETSOCK_MAXNUM) & 1u ? POLLOUT : 0));
            if (ev)
                p[np++] = (struct pollfd){.fd = socks[i], .events = ev};
        }
        /* wait no longer than c-ares's next retry or expiry */
        struct timeval maxtv = {.tv_sec = wait_ms / 1000, .tv_usec = (wait_ms % 1000) * 1000}, tv;
        struct timeval *t = ares_timeout(r->ch, &maxtv, &tv);
        int ms = t ? (int)(t->tv_sec * 1000 + (t->tv_usec + 999) / 1000) : (int)wait_ms;
        int n = poll(p, np, ms);
        if (n > 0) {
            for (nfds_t i = 0; i < np; i++) {
                if (!p[i].revents)
                    continue;
                ares_socket_t rd = p[i].revents & (POLLIN | POLLERR | POLLHUP) ? p[i].fd : ARES_SOCKET_BAD;
                ares_socket_t wr = p[i].revents & POLLOUT ? p[i].fd : ARES_SOCKET_BAD;
                ares_process_fd(r->ch, rd, wr);
            }
        } else {
            ares_process_fd(r->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD); /* expire tries */
        }
        send_queued(r);
    }
    return r->qlen + r->inflight;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

unsigned pm_rdns_finish(struct pm_rdns *r, unsigned budget_ms)
{
    uint64_t end = now_ms() + budget_ms;
    for (;;) {
        uint64_t now = now_ms();
        if (now >= end)
            break;
        unsigned left = end - now > 200 ? 200 : (unsigned)(end - now);
        if (pm_rdns_pump(r, left) == 0)
            return 0;
    }
    unsigned left = 0;
    for (uint32_t i = 0; i < r->n; i++) {
        if (r->e[i].state == PM_RDNS_QUEUED || r->e[i].state == PM_RDNS_PENDING) {
            r->e[i].state = PM_RDNS_TIMEOUT;
            left++;
        }
    }
    return left;
}

enum pm_rdns_state pm_rdns_state(const struct pm_rdns *r, uint32_t addr)
{
    const uint32_t *v = pm_map_get(&r->index, addr);
    return v ? (enum pm_rdns_state)r->e[*v].state : PM_RDNS_UNKNOWN;
}

const char *pm_rdns_name(const struct pm_rdns *r, uint32_t addr)
{
    const uint32_t *v = pm_map_get(&r->index, addr);
    return v && r->e[*v].state == PM_RDNS_NAME ? r->e[*v].name : NULL;
}

const char *pm_rdns_name_cb(void *ctx, uint32_t addr)
{
    return ctx ? pm_rdns_name(ctx, addr) : NULL;
}

void pm_rdns_stats(const struct pm_rdns *r, struct pm_rdns_stats *out)
{
    memset(out, 0, sizeof *out);
    out->asked = r->n;
    out->queries = r->queries;
    for (uint32_t i = 0; i < r->n; i++) {
        switch (r->e[i].state) {
        case PM_RDNS_NAME: out->named++; break;
        case PM_RDNS_NXDOMAIN: out->nxdomain++; break;
        case PM_RDNS_TIMEOUT: out->timeout++; break;
        case PM_RDNS_FAILED: out->failed++; break;
        default: out->unanswered++; break;
        }
    }
}
