/* planes.c - both planes joined: each /24's control plane (filled in by the CLI from the bgp module) beside its data plane, per /24 and per upstream side, with one named conclusion each (docs/analyze.md "Both planes"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathmortem/analyze.h"
#include "pathmortem/util.h"

/* Confidences as the text says them; docs/analyze.md gives the rule of each. */
#define PLANES_HIGH 0.9
#define PLANES_MEDIUM 0.6
#define PLANES_LOW 0.3

static const char *const conclusion_names[PM_PLANES__N] = {
    "control-plane-only", "both-planes-up",        "withdrawn-dies",      "withdrawn-but-reachable",
    "announced-dies-inside", "announced-dies-upstream", "side-dropped-dies", "one-side-dies",
    "hijacked-dies",         "hijacked-but-reachable",
};

static const char *const side_names[PM_SIDE__N] = {"control-plane-only", "up", "carries-dies", "lost-dies",
                                                   "lost-reaches"};

const char *pm_plane_conclusion_name(enum pm_plane_conclusion c)
{
    return (unsigned)c < PM_PLANES__N ? conclusion_names[c] : "?";
}

int pm_plane_conclusion_parse(const char *s, uint8_t *out)
{
    for (uint8_t i = 0; i < PM_PLANES__N; i++)
        if (!strcmp(s, conclusion_names[i])) {
            *out = i;
            return PM_OK;
        }
    return PM_EINVAL;
}

const char *pm_side_conclusion_name(enum pm_side_conclusion c)
{
    return (unsigned)c < PM_SIDE__N ? side_names[c] : "?";
}

int pm_side_conclusion_parse(const char *s, uint8_t *out)
{
    for (uint8_t i = 0; i < PM_SIDE__N; i++)
        if (!strcmp(s, side_names[i])) {
            *out = i;
            return PM_OK;
        }
    return PM_EINVAL;
}

const char *pm_planes_confidence_word(double c)
{
    return c >= PLANES_HIGH - 1e-9 ? "high" : c >= PLANES_MEDIUM - 1e-9 ? "medium" : "low";
}

static enum pm_net_state counts_state(uint32_t total, uint32_t died)
{
    if (!total)
        return PM_NET_UNKNOWN;
    return died == 0 ? PM_NET_REACHABLE : died == total ? PM_NET_DEAD : PM_NET_PARTIAL;
}

/* The side a target's path went through: the upstream it entered the target
 * by, else (a path that died before the target) the AS it died in, when that
 * is one of the sides. */
static struct pm_plane_side *side_of(struct pm_plane_unit *u, const struct pm_verdict *v)
{
    for (uint32_t k = 0; k < u->n_sides; k++)
        if (v->upstream.asn && u->sides[k].asn == v->upstream.asn)
            return &u->sides[k];
    for (uint32_t k = 0; k < u->n_sides; k++)
        if (v->dies_in.asn && u->sides[k].asn == v->dies_in.asn)
            return &u->sides[k];
    return NULL;
}

static void join_sides(struct pm_plane_unit *u, const struct pm_run *run, const struct pm_analysis *a)
{
    for (uint32_t k = 0; k < u->n_sides; k++)
        u->sides[k].total = u->sides[k].reached = u->sides[k].died = 0;
    for (uint32_t i = 0; i < a->n_targets && i < run->n_targets; i++) {
        const struct pm_verdict *v = &a->verdicts[i];
        if ((run->targets[i].dst & pm_prefix_mask(u->len)) != u->prefix || v->status == PM_STATUS_NOT_PROBED)
            continue;
        struct pm_plane_side *s = side_of(u, v);
        if (!s)
            continue;
        if (v->status == PM_STATUS_DIED && v->kind != PM_DEATH_RATE_LIMITED) {
            s->total++;
            s->died++;
        } else if (v->status == PM_STATUS_REACHED || v->status == PM_STATUS_HOST_ABSENT) {
            /* a dark address answered for by its network: the side reaches it */
            s->total++;
            s->reached++;
        }
    }
    for (uint32_t k = 0; k < u->n_sides; k++) {
        struct pm_plane_side *s = &u->sides[k];
        s->data_state = (uint8_t)counts_state(s->total, s->died);
        bool carried = s->ff_seen > 0, dies = s->died > 0;
        s->conclusion = !s->total                ? PM_SIDE_CONTROL_ONLY
                        : carried && !dies       ? PM_SIDE_UP
                        : carried                ? PM_SIDE_CARRIES_DIES
                        : dies                   ? PM_SIDE_LOST_DIES
                                                 : PM_SIDE_LOST_REACHES;
    }
}

/* The data plane of an announced prefix that is none of the run's /24s:
 * its targets' verdicts, counted as the sides count them, and the AS most of
 * its dead paths die in. */
static void announced_data(const struct pm_plane_unit *u, const struct pm_run *run, const struct pm_analysis *a,
                           enum pm_net_state *ds, uint32_t *dies_in)
{
    uint32_t total = 0, died = 0, asn[8] = {0}, cnt[8] = {0};
    for (uint32_t i = 0; i < a->n_targets && i < run->n_targets; i++) {
        const struct pm_verdict *v = &a->verdicts[i];
        if ((run->targets[i].dst & pm_prefix_mask(u->len)) != u->prefix)
            continue;
        if (v->status == PM_STATUS_DIED && v->kind != PM_DEATH_RATE_LIMITED) {
            total++;
            died++;
            for (unsigned k = 0; k < 8; k++)
                if (asn[k] == v->dies_in.asn || !cnt[k]) {
                    asn[k] = v->dies_in.asn;
                    cnt[k]++;
                    break;
                }
        } else if (v->status == PM_STATUS_REACHED || v->status == PM_STATUS_HOST_ABSENT) {
            total++;
        }
    }
    *ds = counts_state(total, died);
    *dies_in = 0;
    for (unsigned k = 0, best = 0; k < 8; k++)
        if (cnt[k] > best) {
            best = cnt[k];
            *dies_in = asn[k];
        }
}

static void join_unit(struct pm_plane_unit *u, enum pm_net_state ds, uint32_t dies_in_asn, uint32_t target_asn)
{
    bool dies = ds == PM_NET_DEAD || ds == PM_NET_PARTIAL;
    bool side_lost_dies = false, side_carries_dies = false, side_carried = false, side_up = false;
    for (uint32_t k = 0; k < u->n_sides; k++) {
        const struct pm_plane_side *s = &u->sides[k];
        side_lost_dies |= s->conclusion == PM_SIDE_LOST_DIES && s->ff_seen_rib > 0;
        side_carries_dies |= s->conclusion == PM_SIDE_CARRIES_DIES;
        side_carried |= s->ff_seen > 0;
        side_up |= s->conclusion == PM_SIDE_UP;
    }
    u->data_state = (uint8_t)ds;
    u->confidence = PLANES_MEDIUM;
    bool hijack = u->cause_standing && (!strcmp(u->cause, "hijack") || !strcmp(u->cause, "route-leak"));
    if (ds == PM_NET_UNKNOWN) {
        u->conclusion = PM_PLANES_CONTROL_ONLY;
    } else if (hijack && dies) {
        /* another origin (or an AS that is no upstream of it) announced it
         * first and still does: high when the paths die in that AS */
        u->conclusion = PM_PLANES_HIJACKED_DIES;
        u->confidence = u->cause_as && dies_in_asn == u->cause_as ? PLANES_HIGH : PLANES_MEDIUM;
    } else if (hijack) {
        /* the probed paths do not follow the hijacker's route (yet) */
        u->conclusion = PM_PLANES_HIJACKED_REACHABLE;
    } else if (dies && side_lost_dies && side_carried) {
        /* routing explains the deaths of one side: high when the control
         * plane itself saw that side drop it first */
        u->conclusion = PM_PLANES_SIDE_DROPPED_DIES;
        u->confidence = !strcmp(u->cause, "one-upstream-dropped") ? PLANES_HIGH : PLANES_MEDIUM;
    } else if (u->visible && dies && side_carries_dies && side_up) {
        u->conclusion = PM_PLANES_ONE_SIDE_DIES;
    } else if ((u->visible || side_up) && !dies) {
        /* not visible by the 50 % rule but carried by the side its paths
         * take, and they reach: up, less surely */
        u->conclusion = PM_PLANES_BOTH_UP;
        u->confidence = u->visible ? PLANES_HIGH : PLANES_MEDIUM;
    } else if (u->visible) {
        u->conclusion = target_asn && dies_in_asn == target_asn ? PM_PLANES_ANNOUNCED_DIES_INSIDE
                                                                   : PM_PLANES_ANNOUNCED_DIES_UPSTREAM;
    } else if (dies) {
        u->conclusion = PM_PLANES_WITHDRAWN_DIES;
        u->confidence = !strcmp(u->cause, "no-control-plane-change") ? PLANES_MEDIUM : PLANES_HIGH;
    } else {
        u->conclusion = PM_PLANES_WITHDRAWN_REACHABLE;
        u->confidence = PLANES_LOW;
    }
}

void pm_planes_join(struct pm_planes *p, const struct pm_run *run, const struct pm_analysis *a)
{
    for (uint32_t i = 0; i < p->n; i++) {
        struct pm_plane_unit *u = &p->units[i];
        enum pm_net_state ds = PM_NET_UNKNOWN;
        uint32_t dies_in = 0;
        if (u->announced) {
            announced_data(u, run, a, &ds, &dies_in);
        } else {
            for (uint32_t k = 0; k < a->n_prefix; k++)
                if (a->by_prefix[k].prefix == u->prefix && a->by_prefix[k].prefix_len == u->len) {
                    ds = (enum pm_net_state)a->by_prefix[k].state;
                    dies_in = a->by_prefix[k].dies_in.asn;
                }
        }
        join_sides(u, run, a);
        join_unit(u, ds, dies_in, a->target_asn);
    }
}

int pm_plane_unit_format(const struct pm_plane_unit *u, char *buf, size_t len)
{
    return snprintf(buf, len, "%s (%s): %s, seen by %u of %u full-feed peers; %s: %s; data plane: %s",
                    pm_plane_conclusion_name((enum pm_plane_conclusion)u->conclusion),
                    pm_planes_confidence_word(u->confidence), u->visible ? "announced" : "withdrawn", u->ff_seen,
                    u->ff_total, u->cause, u->cause_text, pm_net_state_name((enum pm_net_state)u->data_state));
}

int pm_plane_side_format(const struct pm_plane_side *s, uint32_t ff_total, char *buf, size_t len)
{
    char data[64];
    if (s->total)
        snprintf(data, sizeof data, "%u probed through it, %u reached", s->total, s->reached);
    else
        snprintf(data, sizeof data, "no probed path through it");
    return snprintf(buf, len, "via AS%u: carried by %u of %u full-feed peers (%u at the RIB); %s: %s", s->asn,
                    s->ff_seen, ff_total, s->ff_seen_rib, data,
                    pm_side_conclusion_name((enum pm_side_conclusion)s->conclusion));
}

void pm_planes_free(struct pm_planes *p)
{
    if (!p)
        return;
    free(p->units);
    free(p);
}
