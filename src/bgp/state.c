/* state.c - the control-plane state of the watched prefixes from a RIB and updates: visibility to full-feed peers (IODA's >50 % rule), AS paths, upstreams, last change, and who changed first. */
#include <stdlib.h>
#include <string.h>

#include "pathmortem/bgp.h"
#include "pathmortem/util.h"
#include "util/map.h"

struct peer {
    struct pm_bgp_addr ip;
    uint32_t as;
    uint32_t rib_count;
};

struct pfx {
    uint32_t addr;
    uint8_t len;
};

struct route {
    uint16_t pfx, peer;
    uint32_t path_id;
    bool present, base_present;
    uint32_t origin, upstream, base_origin, base_upstream;
    uint32_t changed;
    char path[160];
};

/* One change after the RIB, replayed to find who changed first. */
struct logent {
    uint32_t time;
    uint32_t route;
    bool present;
    uint32_t origin, upstream;
};

struct pm_bgp_state {
    struct pm_bgp_state_opts o;
    struct pm_bgp_watch *watch;
    uint32_t *exp_up;
    struct peer *peers;
    uint32_t npeers, cpeers;
    struct pm_map peer_map;
    struct pfx *pfxs;
    uint32_t npfx;
    struct pm_map pfx_map;
    struct route *routes;
    uint32_t nroutes, croutes;
    struct pm_map route_map;
    struct logent *log;
    uint32_t nlog, clog;
    bool rib_done;
    uint32_t rib_time, last_time;
    const char *limit; /* the first cap hit, or NULL */
};

const char *pm_bgp_cause_name(enum pm_bgp_cause c)
{
    static const char *const n[] = {"no-control-plane-change", "origin-withdrawal", "one-upstream-dropped",
                                    "hijack", "route-leak", "never-announced"};
    return (unsigned)c < sizeof n / sizeof n[0] ? n[c] : "?";
}

int pm_bgp_state_new(const struct pm_bgp_state_opts *o, struct pm_bgp_state **out, char *errbuf)
{
    *out = NULL;
    if (o->nwatch == 0 || o->nwatch > PM_BGP_STATE_MAX_PREFIXES)
        return pm_err(errbuf, PM_EINVAL, "between 1 and %u watched prefixes", PM_BGP_STATE_MAX_PREFIXES);
    struct pm_bgp_state *s = calloc(1, sizeof *s);
    if (!s)
        return pm_err(errbuf, PM_ENOMEM, "out of memory");
    s->o = *o;
    s->watch = malloc(o->nwatch * sizeof *s->watch);
    s->exp_up = malloc((o->nexpected_upstreams + 1) * sizeof *s->exp_up);
    s->pfxs = malloc(PM_BGP_STATE_MAX_PREFIXES * sizeof *s->pfxs);
    if (!s->watch || !s->exp_up || !s->pfxs) {
        pm_bgp_state_free(s);
        return pm_err(errbuf, PM_ENOMEM, "out of memory");
    }
    memcpy(s->watch, o->watch, o->nwatch * sizeof *s->watch);
    if (o->nexpected_upstreams)
        memcpy(s->exp_up, o->expected_upstreams, o->nexpected_upstreams * sizeof *s->exp_up);
    s->o.watch = s->watch;
    s->o.expected_upstreams = s->exp_up;
    if (!s->o.together_s)
        s->o.together_s = 300;
    *out = s;
    return PM_OK;
}

void pm_bgp_state_free(struct pm_bgp_state *s)
{
    if (!s)
        return;
    free(s->watch);
    free(s->exp_up);
    free(s->peers);
    free(s->pfxs);
    free(s->routes);
    free(s->log);
    pm_map_free(&s->peer_map);
    pm_map_free(&s->pfx_map);
    pm_map_free(&s->route_map);
    free(s);
}

static bool contains(uint32_t net, uint8_t len, uint32_t addr, uint8_t alen)
{
    return len <= alen && ((addr ^ net) & pm_prefix_mask(len)) == 0;
}

/* FNV-1a over the peer's address and AS: peers are told apart by both. */
static uint64_t peer_key(const struct pm_bgp_addr *ip, uint32_t as)
{
    uint64_t h = 1469598103934665603ull;
    h = (h ^ ip->family) * 1099511628211ull;
    for (unsigned i = 0; i < 16; i++)
        h = (h ^ ip->b[i]) * 1099511628211ull;
    for (unsigned i = 0; i < 4; i++)
        h = (h ^ ((as >> (8 * i)) & 0xff)) * 1099511628211ull;
    return h;
}

static int peer_of(struct pm_bgp_state *s, const struct pm_bgp_event *ev, bool create, uint32_t *idx)
{
    uint64_t k = peer_key(&ev->peer, ev->peer_as);
    uint32_t *v = pm_map_get(&s->peer_map, k);
    if (v) {
        *idx = *v;
        return PM_OK;
    }
    if (!create)
        return PM_ENOTFOUND;
    if (s->npeers >= PM_BGP_STATE_MAX_PEERS) {
        s->limit = "peers";
        return PM_ELIMIT;
    }
    if (s->npeers == s->cpeers) {
        uint32_t nc = s->cpeers ? s->cpeers * 2 : 64;
        struct peer *np = realloc(s->peers, nc * sizeof *np);
        if (!np)
            return PM_ENOMEM;
        s->peers = np;
        s->cpeers = nc;
    }
    v = pm_map_put(&s->peer_map, k, s->npeers, NULL);
    if (!v)
        return PM_ENOMEM;
    s->peers[s->npeers] = (struct peer){.ip = ev->peer, .as = ev->peer_as};
    *idx = s->npeers++;
    return PM_OK;
}

static bool watched(const struct pm_bgp_state *s, uint32_t addr, uint8_t len)
{
    for (size_t i = 0; i < s->o.nwatch; i++) {
        const struct pm_bgp_watch *w = &s->watch[i];
        if (contains(w->addr, w->len, addr, len) || contains(addr, len, w->addr, w->len))
            return true;
    }
    return false;
}

/* The origin (last ASN) and the upstream (the AS before it, past prepends). */
static void origin_upstream(const struct pm_bgp_aspath *p, uint32_t *origin, uint32_t *upstream)
{
    *origin = *upstream = 0;
    if (p->n == 0)
        return;
    *origin = p->asn[p->n - 1];
    for (int i = (int)p->n - 2; i >= 0; i--)
        if (p->asn[i] != *origin) {
            *upstream = p->asn[i];
            return;
        }
}

static int route_of(struct pm_bgp_state *s, uint32_t pfx, uint32_t peer, uint32_t path_id, bool create, uint32_t *idx)
{
    uint64_t k = (uint64_t)pfx << 48 | (uint64_t)peer << 32 | path_id;
    uint32_t *v = pm_map_get(&s->route_map, k);
    if (v) {
        *idx = *v;
        return PM_OK;
    }
    if (!create)
        return PM_ENOTFOUND;
    if (s->nroutes >= PM_BGP_STATE_MAX_ROUTES) {
        s->limit = "routes";
        return PM_ELIMIT;
    }
    if (s->nroutes == s->croutes) {
        uint32_t nc = s->croutes ? s->croutes * 2 : 256;
        struct route *nr = realloc(s->routes, nc * sizeof *nr);
        if (!nr)
            return PM_ENOMEM;
        s->routes = nr;
        s->croutes = nc;
    }
    v = pm_map_put(&s->route_map, k, s->nroutes, NULL);
    if (!v)
        return PM_ENOMEM;
    s->routes[s->nroutes] = (struct route){.pfx = (uint16_t)pfx, .peer = (uint16_t)peer, .path_id = path_id};
    *idx = s->nroutes++;
    return PM_OK;
}

static int log_change(struct pm_bgp_state *s, uint32_t time, uint32_t r)
{
    if (!s->rib_done)
        return PM_OK;
    if (s->nlog >= PM_BGP_STATE_MAX_LOG) {
        s->limit = "logged changes";
        return PM_ELIMIT;
    }
    if (s->nlog == s->clog) {
        uint32_t nc = s->clog ? s->clog * 2 : 256;
        struct logent *nl = realloc(s->log, nc * sizeof *nl);
        if (!nl)
            return PM_ENOMEM;
        s->log = nl;
        s->clog = nc;
    }
    const struct route *rt = &s->routes[r];
    s->log[s->nlog++] = (struct logent){time, r, rt->present, rt->origin, rt->upstream};
    return PM_OK;
}

/* A session that leaves Established (6, RFC 6396 4.4.1) drops the peer's routes. */
static int peer_down(struct pm_bgp_state *s, const struct pm_bgp_event *ev)
{
    uint32_t p;
    if (ev->old_state != 6 || ev->new_state == 6 || peer_of(s, ev, false, &p) != PM_OK)
        return PM_OK;
    for (uint32_t r = 0; r < s->nroutes; r++) {
        if (s->routes[r].peer != p || !s->routes[r].present)
            continue;
        s->routes[r].present = false;
        s->routes[r].changed = ev->time;
        int rc = log_change(s, ev->time, r);
        if (rc != PM_OK)
            return rc;
    }
    return PM_OK;
}

int pm_bgp_state_feed(const struct pm_bgp_event *ev, void *arg)
{
    struct pm_bgp_state *s = arg;
    if (s->limit)
        return PM_OK; /* reported by finish */
    if (s->rib_done && s->o.at && ev->time > s->o.at)
        return PM_OK;
    /* Update files overlap the RIB: what happened before it is in it already. */
    if (s->rib_done && ev->time < s->rib_time)
        return PM_OK;
    if (ev->time > s->last_time)
        s->last_time = ev->time;
    int rc = PM_OK;
    if (ev->kind == PM_BGP_STATE)
        return s->rib_done ? peer_down(s, ev) : PM_OK;
    if (ev->prefix.addr.family != 4 || ev->safi != 1)
        return PM_OK;
    uint32_t p;
    if (!s->rib_done) {
        if (ev->time > s->rib_time)
            s->rib_time = ev->time;
        rc = peer_of(s, ev, true, &p);
        if (rc != PM_OK)
            return rc == PM_ELIMIT ? PM_OK : rc;
        if (ev->kind == PM_BGP_RIB)
            s->peers[p].rib_count++;
    }
    const uint8_t *b = ev->prefix.addr.b;
    uint32_t addr = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    uint8_t len = ev->prefix.len;
    if (!watched(s, addr, len))
        return PM_OK;
    if (s->rib_done) {
        rc = peer_of(s, ev, ev->kind != PM_BGP_WITHDRAW, &p);
        if (rc == PM_ENOTFOUND)
            return PM_OK;
        if (rc != PM_OK)
            return rc == PM_ELIMIT ? PM_OK : rc;
    }
    uint64_t pk = (uint64_t)addr << 8 | len;
    uint32_t *pv = pm_map_get(&s->pfx_map, pk);
    if (!pv) {
        if (ev->kind == PM_BGP_WITHDRAW)
            return PM_OK;
        if (s->npfx >= PM_BGP_STATE_MAX_PREFIXES) {
            s->limit = "announced prefixes";
            return PM_OK;
        }
        pv = pm_map_put(&s->pfx_map, pk, s->npfx, NULL);
        if (!pv)
            return PM_ENOMEM;
        s->pfxs[s->npfx++] = (struct pfx){addr, len};
    }
    uint32_t r;
    rc = route_of(s, *pv, p, ev->addpath ? ev->prefix.path_id : 0, ev->kind != PM_BGP_WITHDRAW, &r);
    if (rc == PM_ENOTFOUND)
        return PM_OK;
    if (rc != PM_OK)
        return rc == PM_ELIMIT ? PM_OK : rc;
    struct route *rt = &s->routes[r];
    if (ev->kind == PM_BGP_WITHDRAW) {
        if (!rt->present)
            return PM_OK;
        rt->present = false;
    } else {
        char path[sizeof rt->path];
        pm_bgp_aspath_str(&ev->attrs->path, path, sizeof path);
        /* The same route again (a re-sent update, a session's initial table) is no change. */
        if (rt->present && !strcmp(path, rt->path))
            return PM_OK;
        rt->present = true;
        origin_upstream(&ev->attrs->path, &rt->origin, &rt->upstream);
        memcpy(rt->path, path, sizeof path);
    }
    rt->changed = ev->time;
    return log_change(s, ev->time, r);
}

void pm_bgp_state_rib_done(struct pm_bgp_state *s)
{
    for (uint32_t r = 0; r < s->nroutes; r++) {
        s->routes[r].base_present = s->routes[r].present;
        s->routes[r].base_origin = s->routes[r].origin;
        s->routes[r].base_upstream = s->routes[r].upstream;
    }
    s->rib_done = true;
}

static void add_as(uint32_t *set, uint32_t *n, uint32_t as)
{
    if (!as)
        return;
    for (uint32_t i = 0; i < *n; i++)
        if (set[i] == as)
            return;
    if (*n < PM_BGP_UNIT_MAX_AS)
        set[(*n)++] = as;
}

static bool has_as(const uint32_t *set, uint32_t n, uint32_t as)
{
    for (uint32_t i = 0; i < n; i++)
        if (set[i] == as)
            return true;
    return false;
}

/* Does announced prefix i bear on unit u: the prefix itself for a prefix
 * unit; for a /24, the prefixes covering it (reach) and more-specifics
 * inside it (which can only hijack). */
static bool covers(const struct pfx *p, const struct pm_bgp_unit *u)
{
    if (!u->is_slash24)
        return p->addr == u->addr && p->len == u->len;
    return contains(p->addr, p->len, u->addr, u->len);
}

static bool inside(const struct pfx *p, const struct pm_bgp_unit *u)
{
    return u->is_slash24 && p->len > u->len && contains(u->addr, u->len, p->addr, p->len);
}

/* Who changed first: replays the logged changes of the unit's routes from
 * the RIB's state, noting when each of the RIB's upstreams lost its last
 * route and when an unexpected origin or upstream first appeared. */
static void first_change(const struct pm_bgp_state *s, struct pm_bgp_unit *u, bool *cur, uint32_t *cur_up)
{
    uint32_t count[PM_BGP_UNIT_MAX_AS] = {0}, lost[PM_BGP_UNIT_MAX_AS] = {0};
    uint32_t origins0[PM_BGP_UNIT_MAX_AS], no0 = 0, ups0[PM_BGP_UNIT_MAX_AS], nups0 = 0;
    for (uint32_t r = 0; r < s->nroutes; r++) {
        const struct route *rt = &s->routes[r];
        bool rel = covers(&s->pfxs[rt->pfx], u);
        cur[r] = rt->base_present;
        cur_up[r] = rt->base_upstream;
        /* an announced prefix new since the RIB (a more-specific) is
         * expected from the origins of the prefixes covering it */
        if (rt->base_present && !rel && contains(s->pfxs[rt->pfx].addr, s->pfxs[rt->pfx].len, u->addr, u->len)) {
            add_as(origins0, &no0, rt->base_origin);
            add_as(ups0, &nups0, rt->base_upstream);
        }
        if (rel && rt->base_present) {
            add_as(origins0, &no0, rt->base_origin);
            add_as(ups0, &nups0, rt->base_upstream);
            for (uint32_t k = 0; k < u->n_upstreams_rib; k++)
                count[k] += u->upstreams_rib[k] == rt->base_upstream;
        }
    }
    uint32_t exp_origin[PM_BGP_UNIT_MAX_AS], neo = 0;
    if (s->o.expected_origin)
        add_as(exp_origin, &neo, s->o.expected_origin);
    for (uint32_t i = 0; i < no0; i++)
        add_as(exp_origin, &neo, origins0[i]);
    uint32_t hijack_t = 0, hijack_as = 0, leak_t = 0, leak_as = 0, hijack_r = 0, leak_r = 0;
    for (uint32_t i = 0; i < s->nlog; i++) {
        const struct logent *e = &s->log[i];
        const struct route *rt = &s->routes[e->route];
        const struct pfx *p = &s->pfxs[rt->pfx];
        bool rel = covers(p, u), in = inside(p, u);
        if (!rel && !in)
            continue;
        if (e->present && neo && !has_as(exp_origin, neo, e->origin) && !hijack_t) {
            hijack_t = e->time;
            hijack_as = e->origin;
            hijack_r = e->route;
        } else if (e->present && e->upstream && (neo == 0 || has_as(exp_origin, neo, e->origin)) && !leak_t &&
                   !has_as(ups0, nups0, e->upstream) &&
                   !has_as(s->o.expected_upstreams, s->o.nexpected_upstreams, e->upstream) && nups0 > 0) {
            leak_t = e->time;
            leak_as = e->upstream;
            leak_r = e->route;
        }
        if (!rel)
            continue;
        cur[e->route] = e->present;
        cur_up[e->route] = e->upstream;
        /* Recount the RIB's upstreams over the unit's routes: units have few. */
        for (uint32_t k = 0; k < u->n_upstreams_rib; k++) {
            uint32_t c = 0;
            for (uint32_t r = 0; r < s->nroutes; r++)
                c += cur[r] && cur_up[r] == u->upstreams_rib[k] && covers(&s->pfxs[s->routes[r].pfx], u);
            if (count[k] > 0 && c == 0)
                lost[k] = e->time;
            else if (c > 0)
                lost[k] = 0;
            count[k] = c;
        }
    }
    uint32_t nlost = 0, tmin = 0, tmax = 0, first_up = 0;
    for (uint32_t k = 0; k < u->n_upstreams_rib; k++) {
        if (count[k] > 0 || !lost[k])
            continue;
        nlost++;
        if (!tmin || lost[k] < tmin) {
            tmin = lost[k];
            first_up = u->upstreams_rib[k];
        }
        if (lost[k] > tmax)
            tmax = lost[k];
    }
    char t1[40], t2[40];
    /* The earliest of: a new origin, a new upstream, a lost upstream. */
    uint32_t best = 0;
    enum pm_bgp_cause c = PM_BGP_CAUSE_NONE;
    if (hijack_t) {
        best = hijack_t;
        c = PM_BGP_CAUSE_HIJACK;
        u->cause_as = hijack_as;
    }
    if (leak_t && (!best || leak_t < best)) {
        best = leak_t;
        c = PM_BGP_CAUSE_LEAK;
        u->cause_as = leak_as;
    }
    if (nlost && (!best || tmin < best)) {
        best = tmin;
        bool all = nlost == u->n_upstreams_rib;
        /* With one upstream side an origin withdrawal and that side dropping it look alike: say the latter. */
        c = all && u->n_upstreams_rib >= 2 && tmax - tmin <= s->o.together_s ? PM_BGP_CAUSE_ORIGIN
                                                                               : PM_BGP_CAUSE_UPSTREAM;
        u->cause_as = c == PM_BGP_CAUSE_ORIGIN ? (no0 ? origins0[0] : 0) : first_up;
    }
    if (c == PM_BGP_CAUSE_HIJACK || c == PM_BGP_CAUSE_LEAK) {
        bool hj = c == PM_BGP_CAUSE_HIJACK;
        const struct pfx *p = &s->pfxs[s->routes[hj ? hijack_r : leak_r].pfx];
        u->cause_addr = p->addr;
        u->cause_len = p->len;
        /* standing: its routes as they are at the state's time, not replayed */
        for (uint32_t r = 0; r < s->nroutes && !u->cause_standing; r++) {
            const struct route *rt = &s->routes[r];
            const struct pfx *q = &s->pfxs[rt->pfx];
            u->cause_standing = rt->present && (covers(q, u) || inside(q, u)) &&
                                (hj ? rt->origin == u->cause_as : rt->upstream == u->cause_as);
        }
    }
    u->cause = c;
    u->cause_time = best;
    pm_format_time((uint64_t)best * 1000000u, t1, sizeof t1);
    pm_format_time((uint64_t)tmax * 1000000u, t2, sizeof t2);
    switch (c) {
    case PM_BGP_CAUSE_HIJACK:
    case PM_BGP_CAUSE_LEAK: {
        char a[16], what[48];
        pm_addr_str(u->cause_addr, a);
        if (u->cause_addr == u->addr && u->cause_len == u->len)
            snprintf(what, sizeof what, "it");
        else
            snprintf(what, sizeof what, "%s/%u (%s)", a, u->cause_len,
                     u->cause_len > u->len ? "a more-specific" : "covering it");
        if (c == PM_BGP_CAUSE_HIJACK)
            snprintf(u->cause_text, sizeof u->cause_text, "AS%u announced %s at %s, not its origin; %s", u->cause_as,
                     what, t1, u->cause_standing ? "still announced" : "withdrawn since");
        else
            snprintf(u->cause_text, sizeof u->cause_text,
                     "AS%u appeared before the origin on %s at %s (not an upstream of the RIB); %s", u->cause_as, what,
                     t1, u->cause_standing ? "still announced" : "withdrawn since");
        break;
    }
    case PM_BGP_CAUSE_ORIGIN:
        snprintf(u->cause_text, sizeof u->cause_text,
                 "withdrawn by its origin AS%u: every upstream side lost it between %s and %s", u->cause_as, t1, t2);
        break;
    case PM_BGP_CAUSE_UPSTREAM:
        snprintf(u->cause_text, sizeof u->cause_text, "paths via AS%u vanished first, at %s%s", first_up, t1,
                 u->n_upstreams_rib == 1 ? " (its only upstream side: an origin withdrawal looks the same)"
                 : nlost < u->n_upstreams_rib ? "; other upstream sides kept it"
                                              : "; the other sides later");
        break;
    default:
        if (u->n_upstreams_rib == 0 && u->peers_seen == 0) {
            u->cause = PM_BGP_CAUSE_NEVER;
            snprintf(u->cause_text, sizeof u->cause_text, "not announced at the RIB's time nor since");
        } else {
            snprintf(u->cause_text, sizeof u->cause_text, "no control-plane change since the RIB");
        }
    }
}

static void count_paths(struct pm_bgp_unit *u, const char *path)
{
    for (uint32_t i = 0; i < u->n_paths; i++)
        if (!strcmp(u->paths[i].path, path)) {
            u->paths[i].peers++;
            return;
        }
    if (u->n_paths < PM_BGP_UNIT_MAX_PATHS) {
        snprintf(u->paths[u->n_paths].path, sizeof u->paths[0].path, "%s", path);
        u->paths[u->n_paths++].peers = 1;
    }
}

static void fill(const struct pm_bgp_state *s, const bool *ff, uint32_t ff_total, struct pm_bgp_unit *u, bool *scratch)
{
    u->ff_total = ff_total;
    bool *seen = scratch, *seen0 = scratch + s->npeers;
    memset(scratch, 0, 2 * s->npeers * sizeof *scratch);
    for (uint32_t r = 0; r < s->nroutes; r++) {
        const struct route *rt = &s->routes[r];
        if (!covers(&s->pfxs[rt->pfx], u))
            continue;
        if (rt->present) {
            seen[rt->peer] = true;
            add_as(u->origins, &u->n_origins, rt->origin);
            add_as(u->upstreams, &u->n_upstreams, rt->upstream);
            count_paths(u, rt->path);
            if (rt->changed > u->last_change && rt->changed > s->rib_time)
                u->last_change = rt->changed;
        } else if (rt->changed > s->rib_time && rt->changed > u->last_change) {
            u->last_change = rt->changed;
        }
        if (rt->base_present) {
            seen0[rt->peer] = true;
            add_as(u->upstreams_rib, &u->n_upstreams_rib, rt->base_upstream);
        }
    }
    for (uint32_t p = 0; p < s->npeers; p++) {
        u->peers_seen += seen[p];
        u->ff_seen += seen[p] && ff[p];
        u->ff_seen_rib += seen0[p] && ff[p];
    }
    /* IODA's rule: visible when more than half of the full-feed peers see it. */
    u->visible = ff_total > 0 && 2 * u->ff_seen > ff_total;
    u->visible_rib = ff_total > 0 && 2 * u->ff_seen_rib > ff_total;
    /* Per upstream side: does that side still carry it (issue 13)? */
    uint32_t sides[PM_BGP_UNIT_MAX_AS], ns = 0;
    for (uint32_t i = 0; i < u->n_upstreams_rib; i++)
        add_as(sides, &ns, u->upstreams_rib[i]);
    for (uint32_t i = 0; i < u->n_upstreams; i++)
        add_as(sides, &ns, u->upstreams[i]);
    u->n_sides = 0;
    for (uint32_t k = 0; k < ns; k++) {
        if (!sides[k])
            continue;
        memset(scratch, 0, 2 * s->npeers * sizeof *scratch);
        for (uint32_t r = 0; r < s->nroutes; r++) {
            const struct route *rt = &s->routes[r];
            if (!covers(&s->pfxs[rt->pfx], u))
                continue;
            seen[rt->peer] |= rt->present && rt->upstream == sides[k];
            seen0[rt->peer] |= rt->base_present && rt->base_upstream == sides[k];
        }
        struct pm_bgp_side *sd = &u->sides[u->n_sides++];
        sd->asn = sides[k];
        for (uint32_t p = 0; p < s->npeers; p++) {
            sd->ff_seen += seen[p] && ff[p];
            sd->ff_seen_rib += seen0[p] && ff[p];
        }
    }
}

int pm_bgp_state_finish(struct pm_bgp_state *s, struct pm_bgp_unit **units, size_t *n, uint32_t *rib_time,
                        uint32_t *at, uint32_t *ff_total_out, char *errbuf)
{
    *units = NULL;
    *n = 0;
    if (s->limit)
        return pm_err(errbuf, PM_ELIMIT, "more %s than the state keeps", s->limit);
    uint32_t maxc = 0;
    for (uint32_t p = 0; p < s->npeers; p++)
        if (s->peers[p].rib_count > maxc)
            maxc = s->peers[p].rib_count;
    uint32_t ffmin = s->o.full_feed_min ? s->o.full_feed_min : (maxc * 9 + 9) / 10;
    bool *ff = calloc(s->npeers + 1, sizeof *ff);
    bool *scratch = calloc(2 * (size_t)s->npeers + 1, sizeof *scratch);
    bool *cur = calloc(s->nroutes + 1, sizeof *cur);
    uint32_t *cur_up = calloc(s->nroutes + 1, sizeof *cur_up);
    uint32_t ff_total = 0;
    /* /24s of the watch list, each once; a watch shorter than /16 gives its first 256. */
    size_t n24 = 0;
    for (size_t i = 0; i < s->o.nwatch; i++)
        n24 += s->watch[i].len >= 24 ? 1 : s->watch[i].len >= 16 ? (1u << (24 - s->watch[i].len)) : 256;
    struct pm_bgp_unit *u = calloc(s->npfx + n24 + 1, sizeof *u);
    if (!ff || !scratch || !cur || !cur_up || !u) {
        free(cur_up);
        free(ff);
        free(scratch);
        free(cur);
        free(u);
        return pm_err(errbuf, PM_ENOMEM, "out of memory");
    }
    for (uint32_t p = 0; p < s->npeers; p++) {
        ff[p] = ffmin > 0 && s->peers[p].rib_count >= ffmin;
        ff_total += ff[p];
    }
    size_t k = 0;
    for (uint32_t i = 0; i < s->npfx; i++) {
        u[k].addr = s->pfxs[i].addr;
        u[k].len = s->pfxs[i].len;
        k++;
    }
    for (size_t i = 0; i < s->o.nwatch; i++) {
        uint32_t cnt = s->watch[i].len >= 24 ? 1 : s->watch[i].len >= 16 ? (1u << (24 - s->watch[i].len)) : 256;
        for (uint32_t j = 0; j < cnt; j++) {
            uint32_t a = (s->watch[i].addr & pm_prefix_mask(24)) + (j << 8);
            bool dup = false;
            for (size_t q = s->npfx; q < k; q++)
                dup |= u[q].addr == a;
            if (dup)
                continue;
            u[k].addr = a;
            u[k].len = 24;
            u[k].is_slash24 = true;
            k++;
        }
    }
    for (size_t i = 0; i < k; i++) {
        fill(s, ff, ff_total, &u[i], scratch);
        first_change(s, &u[i], cur, cur_up);
    }
    free(cur_up);
    free(ff);
    free(scratch);
    free(cur);
    *units = u;
    *n = k;
    *rib_time = s->rib_time;
    *at = s->o.at ? s->o.at : s->last_time;
    *ff_total_out = ff_total;
    return PM_OK;
}
