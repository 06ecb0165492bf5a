/* cut.c - runs cut short (a signal, --timeout): which targets the run did not finish, and which prefixes it left undecided. */
#include "analyze/internal.h"

bool az_unfinished(const struct pm_run *run, const struct pm_target *t)
{
    if (!pm_target_first_sent(t))
        return true;
    if (run->end == PM_RUN_COMPLETE)
        return false;
    switch (t->stop) {
    case PM_STOP_REACHED: case PM_STOP_UNREACHABLE: case PM_STOP_LOOP: case PM_STOP_GAPLIMIT:
    case PM_STOP_PREFIX_END: return false;   /* walked to its /24's end: finished */
    default: return !run->max_ttl || t->max_ttl_sent < run->max_ttl;
    }
}

void az_cut_index(struct az_ctx *c)
{
    for (uint32_t g = 0; g < c->n_groups; g++)
        c->groups[g].reached = c->groups[g].unfinished = c->groups[g].far_reached = 0;
    if (c->run->end == PM_RUN_COMPLETE)
        return;
    for (uint32_t ti = 0; ti < c->run->n_targets; ti++) {
        const struct az_path *p = &c->paths[ti];
        if (p->group >= c->n_groups)
            continue;
        struct az_group *g = &c->groups[p->group];
        if (p->reached_ttl) {
            g->reached++;
            if (p->reached_ttl > g->far_reached)
                g->far_reached = p->reached_ttl;
        }
        else if (az_unfinished(c->run, &c->run->targets[ti]))
            g->unfinished++;
    }
}

/* A path that went silent tells a dead route only beside its prefix's live
 * hosts: in the realistic lab (and on the real target) nearly every address
 * is dark and the border is silent toward it, so a dark address's walk ends
 * silent exactly where a dead route's does. In a complete run every target,
 * live hosts included, was walked to its end, and a prefix none of whose
 * targets answered is dead. A run cut short leaves that undecided as long as
 * some target of the prefix (perhaps its one live host) was never probed to
 * its end and none was reached: an outage must not be read from it. A
 * target reached no farther than the silent path's last hop is the border's
 * own address (kpbr's 198.19.179.254 answers at kpbr's hop), no host behind
 * it: a 1 s cut that had reached only that read 30 dark addresses of the
 * /24 died silent-in-target. */
bool az_cut_undecided(const struct az_ctx *c, uint32_t group, uint8_t l)
{
    if (c->run->end == PM_RUN_COMPLETE || group >= c->n_groups)
        return false;
    return c->groups[group].far_reached <= l && c->groups[group].unfinished;
}
