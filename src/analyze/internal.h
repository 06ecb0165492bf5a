/* internal.h - analyzer-private tables and per-target path summaries shared by the files of src/analyze. */
#ifndef PATHMORTEM_ANALYZE_INTERNAL_H
#define PATHMORTEM_ANALYZE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "pathmortem/analyze.h"
#include "pathmortem/wire.h"
#include "util/map.h"

/* Host-unreachable (and host unknown): the router had a route and no host. */
static inline bool az_host_code(uint8_t code)
{
    return pm_wire_icmp_meaning(PM_ICMP_UNREACH, code) == PM_ICMP_M_HOST_UNREACH;
}

#define AZ_NONE UINT32_MAX

/* A small tally of ASNs (most routers see one or two neighbours). */
#define AZ_TALLY_MAX 4
struct az_tally {
    uint32_t asn[AZ_TALLY_MAX];
    uint32_t cnt[AZ_TALLY_MAX];
    uint32_t overflow;
};
void az_tally_add(struct az_tally *t, uint32_t asn);
uint32_t az_tally_distinct(const struct az_tally *t, uint32_t skip1, uint32_t skip2);
uint32_t az_tally_top(const struct az_tally *t, uint32_t *count);
/* First two distinct ASNs other than skip (for evidence text). */
void az_tally_two(const struct az_tally *t, uint32_t skip, uint32_t *a, uint32_t *b);

/* What paths through a router show after it (inferred owners). */
struct az_follow {
    struct az_tally up;        /* upstream of entered paths that cross it before the entry */
    struct az_tally succ;      /* owner of the next responsive hop (or the target) on paths that go on */
    uint32_t succ_adj, succ_gap; /* ... at the adjacent TTL / after silent hops */
    uint32_t dst_last;         /* reached paths through it */
    uint8_t dst_dist;          /* the fewest hops from it to the target on those paths (0: none) */
};

/* What the analysis knows about one responding address across the run. */
struct az_router {
    uint32_t addr;
    uint32_t mapped;           /* naive ASN (0: none) */
    char country[3];
    bool special, ixp;
    uint32_t n_paths;          /* paths where it is a dominant hop */
    uint32_t replies, probes;  /* for partial answering (rate limiting) */
    uint32_t mpls, qttl_hint;  /* replies with RFC 4950 labels / quoted TTL > 1 */
    uint8_t min_ttl;           /* lowest TTL it answered at (its distance when unreachables are rate-limited) */
    uint8_t te_min;            /* lowest TTL it answered time-exceeded at (0: never) */
    uint8_t dist_hint;         /* fewest hops its unreachables travelled back, from their IP TTL (0: unknown) */
    struct az_tally prev;      /* mapped ASN of the previous responsive hop */
    struct az_tally next;      /* mapped ASN of the next responsive router */
    uint32_t next_dst_adj;     /* next answer is the destination, at the adjacent TTL */
    uint32_t next_dst_gap;     /* destination answers after silent hops */
    uint32_t next_tmapped;     /* next responsive router is in target space */
    uint32_t next_other;       /* next responsive router is in another known AS */
    uint32_t next_none;        /* last answer of its path */
    uint32_t after_handover;   /* paths where the adjacent previous hop handed over to the target AS in history */
    uint8_t rttl_min, rttl_max; /* reply TTLs of its ICMP errors as received (0: none) */
    uint32_t t_alias;          /* target-AS addresses that answer themselves at its hop on their /24's paths, with its reply TTL */
    uint32_t t_alias_addr;     /* the first of them (for the evidence) */
    /* after ownership inference */
    uint32_t owner;
    double conf;
    char reason[PM_EVIDENCE_LEN];
    bool inferred;             /* owner differs from a plain mapping or came from a rule */
    struct az_follow all;      /* what working paths show after it, over every prefix */
    int8_t hist;               /* -1 no fact, 0/1 followed_by_target from history */
    uint32_t hist_owner;
    /* filled with the path tallies (az_path_tallies) */
    uint32_t succ_router;      /* the router right after it (adjacent TTL) on paths that go on, +1 (0: none) */
    bool succ_several;         /* ... more than one such router */
    uint32_t host_refused;     /* paths it ended with a host-unreachable */
};

/* One responsive hop of a target's path (the dominant responder at that TTL). */
struct az_hop {
    uint32_t router;           /* index into routers */
    uint8_t ttl;
    uint8_t kind;              /* enum pm_reply_kind of the dominant reply */
    uint8_t code;
    uint8_t n_reply, n_sent;
    bool mpls;
    bool borrowed;             /* copied from a stop-set donor */
};

struct az_path {
    uint32_t first, n;         /* into ctx.hops */
    uint32_t dst_asn;
    uint32_t group;
    uint8_t reached_ttl;       /* 0: not reached */
    uint8_t stopset;
    bool donor_found;
    uint64_t silent_mask;      /* bit ttl-1: probed, nothing at all came back */
    uint64_t te_mask;          /* bit ttl-1: a router answered time-exceeded */
    uint64_t un_mask;          /* bit ttl-1: a router answered unreachable */
};

struct az_group {
    uint32_t prefix;
    uint8_t len;
    /* a run cut short (cut.c): its targets reached, and not finished; the
     * farthest TTL a target of it was reached at */
    uint32_t reached, unfinished;
    uint8_t far_reached;
};

struct az_asname {
    uint32_t asn;
    char name[128];
};

struct az_ctx {
    const struct pm_run *run;
    pm_lookup_fn lookup;
    void *lookup_ctx;
    const struct pm_analyze_opts *opts;
    uint32_t target_asn;
    uint32_t source_asn;       /* mapped ASN of the vantage's own address (0: unknown) */
    struct pm_map router_idx;  /* addr -> routers index */
    struct az_router *routers;
    uint32_t n_routers, cap_routers;
    struct az_hop *hops;
    uint32_t n_hops, cap_hops;
    struct az_path *paths;     /* parallel to run->targets */
    struct pm_map group_idx;   /* prefix<<8|len -> groups index */
    struct az_group *groups;
    uint32_t n_groups, cap_groups;
    struct pm_map asname_idx;  /* asn -> asnames index */
    struct az_asname *asnames;
    uint32_t n_asnames, cap_asnames;
    /* the same per (router, prefix group), only for last hops of dead paths:
     * routing is per prefix, so a dead prefix first asks its own working paths */
    struct pm_map follow_idx;  /* router << 32 | group -> follows index */
    struct pm_map transit;     /* asn -> 1: seen before another non-target AS on a path into the target AS */
    struct pm_map at_ttl;      /* group << 8 | ttl -> the router the group's paths show there (AZ_NONE: several) */
    struct pm_map te_first;    /* group << 32 | router -> the lowest TTL it is the group's time-exceeded hop at */
    struct az_follow *follows;
    uint32_t n_follows;
    char *errbuf;
};

/* paths.c */
int az_build_paths(struct az_ctx *c);
void az_lookup(struct az_ctx *c, uint32_t addr, struct pm_geo_info *gi);
int az_note_asname(struct az_ctx *c, uint32_t asn, const char *name);
const char *az_asname(const struct az_ctx *c, uint32_t asn);
/* owners.c */
int az_infer_owners(struct az_ctx *c);
/* Hop i+1 of p is an unreachable from a router that paths of p's /24 show
 * answering time-exceeded at hop i's TTL or below: it is not downstream of
 * hop i (classic ECMP: another flow's refusal closer to the vantage). */
bool az_next_out_of_place(const struct az_ctx *c, const struct az_path *p, uint32_t i);
int az_path_tallies(struct az_ctx *c);
/* The upstream of a path that entered (hop index e) or reached the target AS:
 * the last hop before the entry owned by another AS; when silent hops
 * separate it from the entry and its AS is a transit (seen before another
 * non-target AS on other paths), the hops the path's /24 shows at those
 * silent TTLs decide, else none. *ri gets the router (AZ_NONE). 0: none. */
uint32_t az_path_upstream(const struct az_ctx *c, const struct az_path *p, uint32_t e, uint32_t *ri);
/* asn carries paths toward other upstreams (seen before another non-target
 * AS), or the preset watches upstreams and asn is not one of them. */
bool az_transit(const struct az_ctx *c, uint32_t asn);
/* The per-prefix tallies of router ri for group g, or NULL. */
const struct az_follow *az_follow_group(const struct az_ctx *c, uint32_t ri, uint32_t g);
/* verdict.c: (group, ttl, addr) of a silent death -> TTLs where neighbours sharing that hop got time-exceeded */
struct az_rl_entry {
    uint64_t te;               /* TTLs where neighbours got time-exceeded */
    uint64_t un;               /* TTLs where neighbours got unreachable from a router */
    uint32_t un_router;        /* the first such router (routers index) */
    uint8_t un_ttl, un_code;
    uint32_t un_count;         /* neighbours that got it */
    uint64_t on[4];            /* last octets of the group's targets through the hop that got answers beyond it */
    uint32_t n_on;
    uint32_t half_on[2];       /* of those, per /25 (.0-.127, .128-.255) */
    uint32_t half_n[2];        /* targets of each /25 whose path goes through the hop */
    uint64_t te_out;           /* TTLs where neighbours got time-exceeded from a router outside the target AS */
};
struct az_rl {
    struct pm_map idx;
    struct az_rl_entry *e;
    uint32_t n, cap;
    /* filled between the two verdict passes (az_past_fault): per group,
     * its targets and, per hop, those of the first pass that died there (not
     * rate-limited; a refusal at the refusing router's own distance); NULL
     * in the first pass */
    uint32_t *group_targets;
    uint32_t *died_at;         /* group * (PM_TTL_MAX + 1) + ttl */
    uint8_t *fault_kind;       /* ... the kind (enum pm_death) of the first of them */
    /* per group: the host-unreachables its paths got from a router of the
     * target AS (un, un_router, un_ttl, un_code, un_count; the rest unused),
     * whichever hop those paths were last heard at before it */
    struct az_rl_entry *group_refused;
    uint32_t *half_probed;     /* per group, per /25 (.0-.127, .128-.255): targets probed at all */
};
/* ratelimit.c */
int az_rate_limit_index(const struct az_ctx *c, struct az_rl *rl);
/* The entry for a silent death whose last hop is (ttl, addr) in group, or NULL. */
const struct az_rl_entry *az_rl_find(const struct az_rl *rl, uint32_t group, uint8_t ttl, uint32_t addr);
/* The target network's own refusals of group's paths (un == 0: none). */
const struct az_rl_entry *az_rl_group_refused(const struct az_rl *rl, uint32_t group);
/* Paths of every prefix that got nothing back at all (group: c->n_groups). */
#define AZ_RL_ANY_GROUP(c) ((c)->n_groups)
/* True when the silence of target dst (silent TTLs: silent_mask) behind an
 * entry is structural: the aligned half (/25) of its /24 around it has no
 * target that got answers beyond the hop while the other half did on most of
 * its paths through it (AZ_RL_STRUCT_SHARE), as when a sub-prefix's route is
 * gone, and dst was probed in vain at a TTL where the others got
 * time-exceeded from a router outside the target AS. ICMP rate limiting
 * silences scattered targets instead; a few live hosts in one half are no
 * sign that the other half's route is lost, and a half with no live host
 * whose dark addresses' host-unreachables were rate limited away is silent
 * only where the target network's own routers answer the others. A lost
 * route silences the half's paths at the same hop, so at least
 * AZ_RL_STRUCT_HALF_SHARE of the half's probed targets went through it;
 * under rate limiting a handful of the half's paths end there by chance. */
bool az_rl_structural(const struct az_rl *rl, const struct az_rl_entry *e, uint32_t group, uint32_t dst,
                      uint64_t silent_mask);
/* past_fault.c: the first pass's deaths per group and hop (rl->died_at),
 * then the silent deaths that rule dark-past-fault may decide, decided again. */
int az_past_fault(const struct az_ctx *c, struct az_rl *rl, struct pm_verdict *v);
void az_rl_free(struct az_rl *rl);

/* What a decision rests on, recorded while deciding and worded afterwards
 * (explain.c): the verdict code never formats text, and the wording of every
 * fact lives in one file. */
enum az_note_kind {
    AZ_N_REASON = 0,      /* "<prefix><addr>: <router's ownership reason>" (flag: enum az_reason_prefix) */
    AZ_N_UP_WORKING,      /* working paths through addr enter the target via asn2 (flag: same prefix) */
    AZ_N_REACHED,         /* dst answered at ttl (asn: upstream) */
    AZ_N_SILENT_HOPS,     /* n silent hops before the target */
    AZ_N_UNREACH,         /* addr (owner asn) answered dkind with code at ttl */
    AZ_N_HOST_ABSENT,     /* addr (asn) answered host-unreachable for dst: the address is dark */
    AZ_N_DARK,            /* n reached neighbours of the prefix answered ttl2 hops after addr (asn) at ttl; probed to ttl3 */
    AZ_N_PAST_FAULT,      /* silent after addr at ttl; n2 of the prefix's paths die before ttl (most at ttl2, kind
                           * dkind); the paths that go on from addr hand over to addr2 (asn), which refused n host-unreachable;
                           * flag: addr is the target's own (asn), n reached paths answered ttl3 hops after it */
    AZ_N_LOOP,            /* addr (asn) at ttl and ttl2 with addr2 (asn2) between */
    AZ_N_LOOP_STOP,
    AZ_N_RL_NOT_DEATH,    /* neighbours sharing addr (flag: a hop) got time-exceeded at ttl; n probes here */
    AZ_N_RL_UNREACH,      /* n neighbours sharing addr (flag) got dkind from addr2 at ttl */
    AZ_N_NO_HOP,
    AZ_N_SILENT_TARGET_HOSTS, /* silent after addr (asn) at ttl, other hosts of asn2 answer behind it */
    AZ_N_SILENT_IN_TARGET,    /* silent after addr (asn) at ttl inside the target */
    AZ_N_SILENT_BORDER_ADJ,   /* ... working paths: the asn2 border follows at once */
    AZ_N_SILENT_BORDER_GAP,   /* ... working paths: silent hops, then asn2 */
    AZ_N_SILENT_INSIDE,       /* ... working paths: more hops of asn follow */
    AZ_N_SILENT_NEXT_AS,      /* ... working paths: asn2 follows */
    AZ_N_SILENT_HISTORY,      /* ... stored history: asn2 follows */
    AZ_N_SILENT_LAST,         /* ... nothing shows what follows */
    AZ_N_DIED_BEFORE,         /* died in asn before reaching the upstream asn2 */
    AZ_N_RATE,                /* addr answered n of n2 probes */
    AZ_N_MPLS,                /* addr at ttl quotes MPLS labels (flag: quoted TTL > 1), owner asn */
    AZ_N_STOPSET,             /* hops below ttl skipped, no donor */
    AZ_N_COMMON_CAUSE,        /* no path enters asn; deaths inside asn2 and n at once */
    AZ_N_NOT_PROBED,          /* the run ended (dkind: enum pm_run_end) with ttl of ttl2 probed */
    AZ_N_CUT_SILENT,          /* silent after addr at ttl (0: no hop) in a run cut short (dkind) where n targets of the prefix were not finished, none reached */
    AZ_N_CUT_REFUSED          /* ... host-unreachable from addr (mapped asn) at ttl, a router no path of the cut run shows anything after */
};
enum az_reason_prefix { AZ_RP_NONE = 0, AZ_RP_UPSTREAM, AZ_RP_BORDER, AZ_RP_LAST };

struct az_note {
    uint8_t kind;             /* enum az_note_kind */
    uint8_t flag;
    uint8_t ttl, ttl2, ttl3, code, dkind;
    uint32_t addr, addr2;
    uint32_t asn, asn2;
    uint32_t n, n2;
    const char *text;         /* borrowed: a router's ownership reason */
};

struct az_notes {
    uint32_t n;
    struct az_note e[PM_EVIDENCE_MAX + 1];  /* the last one takes notes past the cap, never worded */
};

/* Records a note (dropped past PM_EVIDENCE_MAX, as the verdict holds no more). */
struct az_note *az_note(struct az_notes *ns, enum az_note_kind kind);
/* Words the notes as v's evidence. PM_ENOMEM. */
int az_explain(const struct az_ctx *c, const struct az_notes *ns, struct pm_verdict *v);

/* cut.c: the run was cut short before target t was probed to its end (or
 * it sent t nothing): it reached nothing, got no unreachable or loop, did
 * not run into the gap limit, was not walked to its /24's end (prefix-end)
 * and was not probed to the run's maximum TTL. */
bool az_unfinished(const struct pm_run *run, const struct pm_target *t);
/* Counts each prefix group's reached and unfinished targets (a complete run: zero). */
void az_cut_index(struct az_ctx *c);
/* In a run cut short, the group has no target reached beyond hop l (the
 * silent path's last answer; 0: none) and at least one the run did not
 * finish: a silent death there cannot be told from a dark address or a run
 * cut before the border. */
bool az_cut_undecided(const struct az_ctx *c, uint32_t group, uint8_t l);

/* verdict.c */
int az_verdict(const struct az_ctx *c, uint32_t ti, struct pm_verdict *v, const struct az_rl *rl);
/* common_cause.c */
int az_common_cause(const struct az_ctx *c, struct pm_verdict *v);
/* rollup.c */
int az_rollups(const struct az_ctx *c, struct pm_analysis *a);
/* helpers */
void az_set_as(const struct az_ctx *c, struct pm_as_ref *r, uint32_t asn);
/* "Name (AS1)", "AS1" or "an unknown network"; big enough for any AS name */
struct az_asbuf {
    char s[sizeof ((struct pm_as_ref *)0)->name + 24];
};
const char *az_asfmt(const struct az_ctx *c, uint32_t asn, struct az_asbuf *buf);

/* The AS a target's path is trying to enter: the user's target AS when given,
 * else the target's own ASN, else the run's majority. */
static inline uint32_t az_tas(const struct az_ctx *c, const struct az_path *p)
{
    if (c->opts && c->opts->target_asn)
        return c->opts->target_asn;
    return p->dst_asn ? p->dst_asn : c->target_asn;
}

static inline const struct az_hop *az_path_hop(const struct az_ctx *c, const struct az_path *p, uint32_t i)
{
    return &c->hops[p->first + i];
}

#endif
