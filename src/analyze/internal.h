/* internal.h - analyzer-private tables and per-target path summaries shared by the files of src/analyze. */
#ifndef PATHMORTEM_ANALYZE_INTERNAL_H
#define PATHMORTEM_ANALYZE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "pathmortem/analyze.h"

#define AZ_NONE UINT32_MAX

/* Open-addressing map u64 -> u32. Load factor <= 1/2; capped at AZ_MAP_MAX
 * entries (PM_ELIMIT beyond), which bounds every table of the analyzer. */
#define AZ_MAP_MAX (1u << 24)
struct az_map {
    uint64_t *keys;
    uint32_t *vals;
    uint8_t *used;
    uint32_t cap, n;
};
void az_map_free(struct az_map *m);
/* Pointer to the value of key, or NULL when absent. */
uint32_t *az_map_get(const struct az_map *m, uint64_t key);
/* Pointer to the value of key, inserting init when absent; NULL on ENOMEM/ELIMIT. */
uint32_t *az_map_put(struct az_map *m, uint64_t key, uint32_t init, bool *created);

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
    struct az_tally prev;      /* mapped ASN of the previous responsive hop */
    struct az_tally next;      /* mapped ASN of the next responsive router */
    uint32_t next_dst_adj;     /* next answer is the destination, at the adjacent TTL */
    uint32_t next_dst_gap;     /* destination answers after silent hops */
    uint32_t next_tmapped;     /* next responsive router is in target space */
    uint32_t next_other;       /* next responsive router is in another known AS */
    uint32_t next_none;        /* last answer of its path */
    uint32_t after_handover;   /* paths where the adjacent previous hop handed over to the target AS in history */
    /* after ownership inference */
    uint32_t owner;
    double conf;
    char reason[PM_EVIDENCE_LEN];
    bool inferred;             /* owner differs from a plain mapping or came from a rule */
    struct az_follow all;      /* what working paths show after it, over every prefix */
    int8_t hist;               /* -1 no fact, 0/1 followed_by_target from history */
    uint32_t hist_owner;
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
    struct az_map router_idx;  /* addr -> routers index */
    struct az_router *routers;
    uint32_t n_routers, cap_routers;
    struct az_hop *hops;
    uint32_t n_hops, cap_hops;
    struct az_path *paths;     /* parallel to run->targets */
    struct az_map group_idx;   /* prefix<<8|len -> groups index */
    struct az_group *groups;
    uint32_t n_groups, cap_groups;
    struct az_map asname_idx;  /* asn -> asnames index */
    struct az_asname *asnames;
    uint32_t n_asnames, cap_asnames;
    /* the same per (router, prefix group), only for last hops of dead paths:
     * routing is per prefix, so a dead prefix first asks its own working paths */
    struct az_map follow_idx;  /* router << 32 | group -> follows index */
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
void az_infer_owners(struct az_ctx *c);
int az_path_tallies(struct az_ctx *c);
/* The per-prefix tallies of router ri for group g, or NULL. */
const struct az_follow *az_follow_group(const struct az_ctx *c, uint32_t ri, uint32_t g);
/* verdict.c: (group, ttl, addr) of a silent death -> TTLs where neighbours sharing that hop got time-exceeded */
struct az_rl_entry {
    uint64_t te;               /* TTLs where neighbours got time-exceeded */
    uint64_t un;               /* TTLs where neighbours got unreachable from a router */
    uint32_t un_router;        /* the first such router (routers index) */
    uint8_t un_ttl, un_code;
    uint32_t un_count;         /* neighbours that got it */
};
struct az_rl {
    struct az_map idx;
    struct az_rl_entry *e;
    uint32_t n, cap;
};
int az_rate_limit_index(const struct az_ctx *c, struct az_rl *rl);
void az_rl_free(struct az_rl *rl);
void az_verdict(const struct az_ctx *c, uint32_t ti, struct pm_verdict *v, const struct az_rl *rl);
/* common_cause.c */
void az_common_cause(const struct az_ctx *c, struct pm_verdict *v);
/* rollup.c */
int az_rollups(const struct az_ctx *c, struct pm_analysis *a);
/* helpers */
void az_set_as(const struct az_ctx *c, struct pm_as_ref *r, uint32_t asn);
void az_evidence(struct pm_verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *az_asfmt(const struct az_ctx *c, uint32_t asn, char *buf, size_t len);

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
