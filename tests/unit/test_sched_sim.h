/* test_sched_sim.h - a simulated network for the scheduler's unit tests: paths per /24, live and dark hosts, ICMP rate limits, virtual time. */
#ifndef PATHMORTEM_TEST_SCHED_SIM_H
#define PATHMORTEM_TEST_SCHED_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "pathmortem/common.h"
#include "probe/sched.h"

#define A(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

#define SIM_MAX_PATHS 8
#define SIM_MAX_HOPS 31
#define SIM_MAX_TARGETS 1024
#define SIM_MAX_ROUTERS 64
#define SIM_MAX_PENDING 4096

/* How the end of a path treats a probe for an address with no live host. */
enum sim_dark { SIM_DARK_SILENT = 0, SIM_DARK_HOST_UNREACH };

struct sim_path {
    uint32_t prefix;               /* /24 */
    uint8_t len;                   /* routers before the hosts */
    uint32_t hop[SIM_MAX_HOPS + 1]; /* router at TTL i (1..len); 0: never answers */
    bool loop;                     /* past len, hop[len-1] and hop[len] answer alternately forever */
    uint8_t dark;                  /* enum sim_dark, for hosts not in live[] */
    bool refuse_at_last;           /* the last router refuses dark addresses already at its own hop
                                    * (Linux: the route lookup comes before the TTL check) */
    uint8_t live[256];             /* 1: host answers echo requests */
    bool drop_live;                /* the last router drops what it would forward to a host (a filter) */
};

struct sim_router {
    uint32_t addr;
    uint64_t interval_us; /* one token per interval */
    uint32_t burst;       /* tokens held at most */
    bool unreach_only;    /* the bucket limits unreachables only (Linux's route error limit) */
    double tokens;
    uint64_t last_us;
};

struct sim_pending {
    uint64_t at_us;
    uint32_t target;
    struct pm_reply r;
};

struct sim {
    struct pm_sched *s;
    struct pm_sched_opts o;
    uint64_t now, interval_us, rtt_us;
    struct sim_path path[SIM_MAX_PATHS];
    uint32_t n_paths;
    struct sim_router rl[SIM_MAX_ROUTERS];
    uint32_t n_rl;
    uint32_t targets[SIM_MAX_TARGETS], n;
    uint8_t sent[SIM_MAX_TARGETS][PM_TTL_MAX + 1];
    uint8_t answered[SIM_MAX_TARGETS][PM_TTL_MAX + 1];
    uint32_t total;
    struct sim_pending pend[SIM_MAX_PENDING];
    uint32_t n_pend;
};

static inline void sim_init(struct sim *m)
{
    memset(m, 0, sizeof *m);
    m->o = (struct pm_sched_opts){.first_ttl = 1, .max_ttl = 30, .queries = 1, .retries = 1, .gaplimit = 5,
                                  .split_ttl = 16, .wait_ms = 1000, .target_timeout_ms = 60000};
    m->interval_us = 200; /* 5000 pps */
    m->rtt_us = 1000;
}

static inline struct sim_path *sim_path(struct sim *m, uint32_t prefix, uint8_t len, const uint32_t *hops)
{
    struct sim_path *p = &m->path[m->n_paths++];
    memset(p, 0, sizeof *p);
    p->prefix = prefix & 0xffffff00u;
    p->len = len;
    for (uint8_t i = 0; i < len; i++)
        p->hop[i + 1] = hops[i];
    return p;
}

/* Router addr sends at most one ICMP error per interval_us. */
static inline void sim_ratelimit(struct sim *m, uint32_t addr, uint64_t interval_us)
{
    m->rl[m->n_rl++] = (struct sim_router){.addr = addr, .interval_us = interval_us, .burst = 1, .tokens = 1};
}

/* Router addr's unreachables: a bucket of burst tokens refilled one per
 * interval_us (net.ipv4.route.error_burst / error_cost). */
static inline void sim_error_limit(struct sim *m, uint32_t addr, uint32_t burst, uint64_t interval_us)
{
    m->rl[m->n_rl++] = (struct sim_router){.addr = addr, .interval_us = interval_us, .burst = burst,
                                           .unreach_only = true, .tokens = burst};
}

static inline void sim_target(struct sim *m, uint32_t dst)
{
    m->targets[m->n++] = dst;
}

static inline bool sim_allowed(struct sim *m, uint32_t addr, bool unreach)
{
    for (uint32_t i = 0; i < m->n_rl; i++) {
        struct sim_router *r = &m->rl[i];
        if (r->addr != addr || (r->unreach_only && !unreach))
            continue;
        r->tokens += (double)(m->now - r->last_us) / (double)r->interval_us;
        if (r->tokens > r->burst)
            r->tokens = r->burst;
        r->last_us = m->now;
        if (r->tokens < 1)
            return false;
        r->tokens -= 1;
    }
    return true;
}

static inline struct sim_path *sim_path_of(struct sim *m, uint32_t dst)
{
    for (uint32_t i = 0; i < m->n_paths; i++)
        if (m->path[i].prefix == (dst & 0xffffff00u))
            return &m->path[i];
    return NULL;
}

/* What comes back for (dst, ttl): false for silence. Replies carry the TTL a
 * sender with initial TTL 64 leaves after the way back. */
static inline bool sim_answer(struct sim *m, uint32_t dst, uint8_t ttl, struct pm_reply *r)
{
    struct sim_path *p = sim_path_of(m, dst);
    if (!p)
        return false;
    memset(r, 0, sizeof *r);
    r->ttl = ttl;
    uint8_t at = ttl;
    bool dark = !p->live[dst & 0xff];
    if (dark && p->dark == SIM_DARK_HOST_UNREACH && p->refuse_at_last && ttl >= p->len) {
        if (!sim_allowed(m, p->hop[p->len], true))
            return false;
        r->from = p->hop[p->len];
        r->kind = PM_REPLY_UNREACH;
        r->icmp_type = 3;
        r->icmp_code = 1;
        at = p->len;
    } else if (ttl <= p->len || p->loop) {
        uint32_t from = ttl <= p->len ? p->hop[ttl] : p->hop[p->len - ((ttl - p->len) % 2 ? 1 : 0)];
        if (!from || !sim_allowed(m, from, false))
            return false;
        r->from = from;
        r->kind = PM_REPLY_TIME_EXCEEDED;
        r->icmp_type = 11;
    } else if (p->live[dst & 0xff]) {
        if (p->drop_live)
            return false;
        r->from = dst;
        r->kind = PM_REPLY_ECHO_REPLY;
        at = (uint8_t)(p->len + 1);
    } else if (p->dark == SIM_DARK_HOST_UNREACH && p->hop[p->len] && sim_allowed(m, p->hop[p->len], true)) {
        r->from = p->hop[p->len];
        r->kind = PM_REPLY_UNREACH;
        r->icmp_type = 3;
        r->icmp_code = 1;
        at = p->len;
    } else {
        return false;
    }
    r->reply_ttl = (uint8_t)(65 - at);
    return true;
}

/* Runs the sweep to its end (or until limit_us of virtual time): one send
 * per interval at most, replies after the RTT. Returns the scheduler's
 * status. The scheduler is freed by sim_fini. */
static inline int sim_run(struct sim *m, const uint32_t *order, uint64_t limit_us)
{
    int rc = pm_sched_alloc(&m->o, m->targets, m->n, order, &m->s);
    if (rc != PM_OK)
        return rc;
    uint64_t next_send = 0;
    while (pm_sched_active(m->s) > 0 && m->now < limit_us) {
        for (uint32_t i = 0; i < m->n_pend;) {
            if (m->pend[i].at_us <= m->now) {
                struct sim_pending p = m->pend[i];
                m->pend[i] = m->pend[--m->n_pend];
                m->answered[p.target][p.r.ttl]++;
                if ((rc = pm_sched_on_reply(m->s, p.target, &p.r, m->now)) != PM_OK)
                    return rc;
            } else {
                i++;
            }
        }
        if ((rc = pm_sched_on_time(m->s, m->now)) != PM_OK)
            return rc;
        if (pm_sched_wants_send(m->s) && m->now >= next_send) {
            struct pm_sched_probe p;
            rc = pm_sched_next(m->s, m->now, &p);
            if (rc < 0)
                return rc;
            if (rc == 1) {
                m->sent[p.target][p.ttl]++;
                m->total++;
                next_send = m->now + m->interval_us;
                struct pm_reply r;
                if (sim_answer(m, p.dst, p.ttl, &r) && m->n_pend < SIM_MAX_PENDING) {
                    r.attempt = p.attempt;
                    m->pend[m->n_pend++] = (struct sim_pending){.at_us = m->now + m->rtt_us, .target = p.target, .r = r};
                }
            }
        }
        uint64_t next = UINT64_MAX, at;
        for (uint32_t i = 0; i < m->n_pend; i++)
            if (m->pend[i].at_us < next)
                next = m->pend[i].at_us;
        if (pm_sched_wants_send(m->s) && next_send < next)
            next = next_send > m->now ? next_send : m->now + 1;
        if (pm_sched_deadline(m->s, &at) && at < next)
            next = at > m->now ? at : m->now + 1;
        if (next == UINT64_MAX)
            break;
        m->now = next > m->now ? next : m->now + 1;
    }
    return PM_OK;
}

static inline void sim_fini(struct sim *m)
{
    pm_sched_free(m->s);
    m->s = NULL;
}

/* Probes sent to target i in all. */
static inline uint32_t sim_probes(const struct sim *m, uint32_t i)
{
    uint32_t n = 0;
    for (int t = 0; t <= PM_TTL_MAX; t++)
        n += m->sent[i][t];
    return n;
}

static inline uint8_t sim_max_ttl(const struct sim *m, uint32_t i)
{
    uint8_t hi = 0;
    for (int t = 0; t <= PM_TTL_MAX; t++)
        if (m->sent[i][t])
            hi = (uint8_t)t;
    return hi;
}

#endif
