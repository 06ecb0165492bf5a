/* groups.c - targets grouped by path so thousands of them stay readable: hashing whole paths, listing members as address ranges. */
#include <stdlib.h>
#include <string.h>

#include "output/internal.h"
#include "util/map.h"

/* The target whose replies stand for t at ttl: t itself, or for hops below
 * its stop set the donor that probed them (followed a few steps at most). */
static const struct pm_target *source_at(const struct pm_run *run, const struct pm_target *t, uint8_t ttl)
{
    for (int depth = 0; depth < 8 && t->stopset_ttl && ttl < t->stopset_ttl; depth++) {
        if (!t->donor || t->donor > run->n_targets)
            return NULL;
        t = &run->targets[t->donor - 1];
    }
    return t;
}

/* Responders of one hop as an order-free value (a sum of mixed addresses,
 * with the ICMP unreachable code folded in so !X differs from a router that
 * merely forwards). 0 when only silence or the target itself answered. */
static uint64_t hop_value(const struct pm_target *src, uint8_t ttl)
{
    const struct pm_reply *r;
    uint32_t n = pm_target_hop(src, ttl, &r);
    uint64_t hop = 0;
    for (uint32_t k = 0; k < n; k++) {
        if (pm_reply_from_target(src, &r[k]) || r[k].from == src->dst)
            continue;
        bool dup = false;
        for (uint32_t j = 0; j < k && !dup; j++)
            dup = r[j].from == r[k].from && r[j].kind == r[k].kind && r[j].icmp_code == r[k].icmp_code;
        if (!dup)
            hop += pm_mix64(r[k].from ^ ((uint64_t)(r[k].kind * 256u + r[k].icmp_code) << 32));
    }
    return hop;
}

/* A path is the sequence of responder sets in TTL order with repeats and
 * silent or unprobed TTLs left out: when every TTL is in flight at once the
 * TTL at which a filter's !X is first heard varies from target to target,
 * and those targets still share one path. */
static uint64_t path_hash(const struct pm_output_ctx *ctx, uint32_t i)
{
    const struct pm_run *run = ctx->run;
    const struct pm_target *t = &run->targets[i];
    const struct pm_verdict *v = pm_output_verdict(ctx, i);
    uint64_t h = 1469598103934665603ull, prev = 0;
    h = (h ^ t->stop) * 1099511628211ull;
    h = (h ^ (v ? 0x100u + v->kind : 0)) * 1099511628211ull;
    uint8_t last = pm_output_shown_last(t);
    /* the whole path: hops below a stop set come from the donor target */
    for (uint8_t ttl = 1; ttl <= last; ttl++) {
        const struct pm_target *src = source_at(run, t, ttl);
        uint64_t hop = src ? hop_value(src, ttl) : 0;
        if (hop && hop != prev)
            h = (h ^ pm_mix64(hop)) * 1099511628211ull;
        if (hop)
            prev = hop;
    }
    return h ? h : 1;
}

int pm_output_groups_build(const struct pm_output_ctx *ctx, struct pm_output_groups *g, char *errbuf)
{
    memset(g, 0, sizeof *g);
    uint32_t n = ctx->run->n_targets;
    if (!n)
        return PM_OK;
    struct pm_map idx = {0}; /* path hash -> group */
    g->group_of = malloc((size_t)n * sizeof *g->group_of);
    g->count = calloc(n, sizeof *g->count);
    g->first = malloc((size_t)n * sizeof *g->first);
    if (!g->group_of || !g->count || !g->first) {
        pm_output_groups_free(g);
        return pm_err(errbuf, PM_ENOMEM, "out of memory grouping %u targets by path", n);
    }
    g->n_targets = n;
    for (uint32_t i = 0; i < n; i++) {
        bool created;
        uint32_t *gi = pm_map_put(&idx, path_hash(ctx, i), g->n_groups, &created);
        if (!gi) {
            pm_map_free(&idx);
            pm_output_groups_free(g);
            return pm_err(errbuf, PM_ENOMEM, "out of memory grouping %u targets by path", n);
        }
        if (created)
            g->first[g->n_groups++] = i;
        g->group_of[i] = *gi;
        g->count[*gi]++;
    }
    pm_map_free(&idx);
    return PM_OK;
}

void pm_output_groups_free(struct pm_output_groups *g)
{
    free(g->group_of);
    free(g->count);
    free(g->first);
    memset(g, 0, sizeof *g);
}

static void put_range(FILE *f, uint32_t a, uint32_t b, bool *any)
{
    char x[16], y[16];
    fputs(*any ? ", " : "", f);
    if (a == b)
        fputs(pm_addr_str(a, x), f);
    else
        fprintf(f, "%s–%s", pm_addr_str(a, x), pm_addr_str(b, y));
    *any = true;
}

void pm_output_group_ranges(FILE *f, const struct pm_run *run, const struct pm_output_groups *g, uint32_t gi,
                            uint32_t skip, unsigned max_ranges)
{
    bool any = false, open = false;
    unsigned ranges = 0;
    uint32_t a = 0, b = 0, seen = 0;
    for (uint32_t i = 0; i < g->n_targets; i++) {
        if (g->group_of[i] != gi || seen++ < skip)
            continue;
        uint32_t d = run->targets[i].dst;
        if (open && d == b + 1) {
            b = d;
            continue;
        }
        if (open) {
            if (ranges++ == max_ranges) {
                fputs(", …", f);
                return;
            }
            put_range(f, a, b, &any);
        }
        a = b = d;
        open = true;
    }
    if (open) {
        if (ranges == max_ranges)
            fputs(", …", f);
        else
            put_range(f, a, b, &any);
    }
}

