/* analyze.h - verdicts: where each path died, in whose network, how; roll-ups per prefix and upstream. */
#ifndef PATHMORTEM_ANALYZE_H
#define PATHMORTEM_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pathmortem/common.h"
#include "pathmortem/trace.h"

#include "pathmortem/geo.h"

/* Address knowledge comes through this callback so the analyzer never sees
 * libmaxminddb; pm_geo_lookup_cb adapts a struct pm_geo, tests pass tables. */
typedef void (*pm_lookup_fn)(void *ctx, uint32_t addr, struct pm_geo_info *out);

/* Per target (issue 9): reached; died (the path stops before the target
 * network); host-absent (the target network answered for this address, or its
 * neighbours in the /24 show the network reached, and this address is dark:
 * not a death); not-probed (the run ended before this target was probed to its
 * end: no verdict). */
enum pm_status { PM_STATUS_REACHED = 0, PM_STATUS_DIED = 1, PM_STATUS_HOST_ABSENT = 2, PM_STATUS_NOT_PROBED = 3 };
#define PM_STATUS__N 4

/* The state of a network (a /24 or announced prefix, or an upstream's share):
 * reachable (its routers or hosts answer, no path dies), dead (paths die and
 * nothing of it answers), partial (some paths die, some reach it), unknown
 * (too little answered, or nothing was probed). */
enum pm_net_state { PM_NET_UNKNOWN = 0, PM_NET_REACHABLE, PM_NET_DEAD, PM_NET_PARTIAL };
#define PM_NET__N 4
const char *pm_net_state_name(enum pm_net_state s);   /* "unknown", "reachable", "dead", "partial" */

/* The rule that decided a verdict (docs/analyze.md states each and the
 * evidence it needs; JSON "rule"). */
enum pm_rule {
    PM_RULE_NONE = 0,
    PM_RULE_REACHED,          /* the target answered */
    PM_RULE_NOT_PROBED,       /* the run was cut short before this target's end */
    PM_RULE_HOST_UNREACH,     /* host-unreachable from a router inferred in the target AS: dark address */
    PM_RULE_DARK,             /* silent as far as reached neighbours of its prefix were answered: dark address */
    PM_RULE_UNREACH,          /* an unreachable, blamed on the inferred owner of the router that sent it */
    PM_RULE_UNREACH_DST,      /* the destination itself refused */
    PM_RULE_LOOP,
    PM_RULE_LOOP_STOP,        /* loop known from the stop reason only */
    PM_RULE_RATE_LIMITED,     /* neighbours got time-exceeded beyond the silence: not a death */
    PM_RULE_NO_HOP,           /* nothing answered */
    PM_RULE_SILENT_IN_TARGET, /* silent after a router inferred in the target AS */
    PM_RULE_SILENT_BORDER,    /* working paths enter the target right after the last hop: its border is silent */
    PM_RULE_SILENT_BORDER_GAP,/* ... after silent hops */
    PM_RULE_SILENT_INSIDE,    /* working paths show more hops of the last hop's AS */
    PM_RULE_SILENT_NEXT_AS,   /* working paths show another AS next: its border is silent */
    PM_RULE_SILENT_HISTORY,   /* stored history shows the target next */
    PM_RULE_SILENT_LAST,      /* nothing shows what follows: the last network that answered */
    PM_RULE_COMMON_CAUSE,     /* every path dies inside two upstreams at once: the target side */
    PM_RULE_DARK_PAST_FAULT   /* silent past the point where its prefix's dead paths die, into a border that refuses dark addresses */
};
#define PM_RULE__N 20
const char *pm_rule_name(enum pm_rule r);    /* "reached", "host-unreach", "silent-border", ... */
/* Why a death was blamed on a network the dying router is not inferred to be
 * in ("" when it is: the wording is then "dies in"). */
const char *pm_rule_inference(enum pm_rule r);

enum pm_death {
    PM_DEATH_NONE = 0,        /* reached */
    PM_DEATH_SILENT,
    PM_DEATH_NET_UNREACH,
    PM_DEATH_HOST_UNREACH,
    PM_DEATH_ADMIN_PROHIB,
    PM_DEATH_PORT_UNREACH,
    PM_DEATH_LOOP,
    PM_DEATH_RATE_LIMITED
};
/* The one spelling of each value, used by the displays, the JSON writer and
 * reader and the store on disk ("?" for a value out of range). */
const char *pm_status_name(enum pm_status s);
const char *pm_death_name(enum pm_death d);   /* "silent", "net-unreachable", ... */
/* Back from that spelling; PM_EINVAL for anything else. */
int pm_status_parse(const char *s, uint8_t *out);
int pm_death_parse(const char *s, uint8_t *out);

/* struct pm_as_ref (an AS number and its name): common.h */

#define PM_EVIDENCE_MAX 8
/* Bound on one evidence sentence or ownership reason. The analyzer's own
 * sentences are allocated to their length (never cut); readers of files
 * refuse longer ones. */
#define PM_EVIDENCE_LEN 1024

struct pm_verdict {
    uint8_t status;           /* enum pm_status */
    uint8_t kind;             /* enum pm_death */
    uint32_t last_addr;       /* last responsive hop (0: none) */
    uint8_t last_ttl;
    uint32_t last_asn;        /* inferred owner of the last hop */
    char last_country[3];
    struct pm_as_ref dies_in;  /* network where the path died (asn 0 when reached) */
    struct pm_as_ref upstream; /* network through which the path entered the target AS */
    double confidence;        /* 0..1 */
    uint32_t n_evidence;
    char *evidence[PM_EVIDENCE_MAX]; /* owned by the verdict: freed by pm_verdict_clear / pm_analysis_free */
    /* added by the analyzer module (additive): */
    uint32_t upstream_addr;   /* last hop of the upstream before the target AS (0: none seen) */
    uint8_t entry_ttl;        /* first hop owned by the target AS (0: never entered) */
    uint8_t reached_ttl;      /* hop at which the target answered (0: not reached) */
    uint8_t first_silent_ttl; /* first probed hop after last_ttl that stayed silent (0: none) */
    bool mpls;                /* some hop of the path carried RFC 4950 labels */
    uint32_t group;           /* index into pm_analysis.by_prefix */
    /* issue 9 (additive): */
    uint8_t rule;             /* enum pm_rule that decided status, kind and blame */
};

/* Inferred owner of one router address across the whole run. */
struct pm_owner {
    uint32_t addr;
    uint32_t mapped_asn;      /* naive IP-to-AS */
    uint32_t owner_asn;       /* inferred */
    double confidence;
    char reason[PM_EVIDENCE_LEN];
};

/* Roll-up of verdicts per prefix (/24 or announced prefix) and per upstream. */
struct pm_rollup {
    char key[48];             /* "175.45.176.0/24" or "AS4837" */
    uint32_t prefix;          /* for prefix roll-ups */
    uint8_t prefix_len;
    struct pm_as_ref upstream;  /* dominant upstream of the group */
    uint32_t total, reached;
    /* dominant death among the died ones */
    uint32_t died_same;       /* how many of the dead share the death point */
    uint32_t death_addr;
    uint8_t death_ttl;
    uint8_t death_kind;       /* enum pm_death */
    struct pm_as_ref dies_in;
    char death_country[3];
    /* added by the analyzer module (additive): */
    uint32_t died;            /* died for real (total - reached - rate_limited) */
    uint32_t rate_limited;    /* silent where neighbours were answered: not counted as deaths */
    uint32_t death_owner_asn; /* inferred owner of death_addr (may differ from dies_in for silent deaths) */
    double confidence;        /* mean verdict confidence of the group */
    /* issue 9 (additive): the state of the network */
    uint8_t state;            /* enum pm_net_state */
    uint32_t dark;            /* host-absent: the network answered, the address is dark */
    uint32_t not_probed;      /* targets the run did not probe to their end */
    uint8_t death_rule;       /* enum pm_rule of the dominant death */
};

/* One stored fact about a router from earlier (healthy) runs, as produced by
 * the store (pm_store_history_facts): followed_by_target = on a reached path the next
 * responsive hop after it was owned by the target AS (inferred ownership);
 * owner_asn = the owner inferred then (0: unknown). */
struct pm_history_fact {
    uint32_t addr;
    bool followed_by_target;
    uint32_t owner_asn;
};

/* Options the analysis takes from the user or presets. */
struct pm_analyze_opts {
    uint32_t target_asn;             /* AS of the target space; 0: infer from targets */
    uint32_t watched[8];             /* watched upstream ASNs (preset) */
    uint32_t n_watched;
    /* Stored history as extra ownership evidence (issue 5); may be NULL.
     * Borrowed for the duration of pm_analyze only. */
    const struct pm_history_fact *history;
    uint32_t n_history;
    /* Roll up per announced prefix (the ASN database's network for the target,
     * when shorter than /24) instead of per /24. Off by default: databases merge
     * adjacent ranges with equal data (four announced /24s become one /22). */
    bool group_announced;
};

struct pm_analysis {
    uint32_t n_targets;
    struct pm_verdict *verdicts;     /* parallel to run->targets; owned */
    uint32_t n_owners;
    struct pm_owner *owners;         /* owned, sorted by addr */
    uint32_t n_prefix;
    struct pm_rollup *by_prefix;     /* owned */
    uint32_t n_upstream;
    struct pm_rollup *by_upstream;   /* owned */
    uint32_t target_asn;
    /* issue 13 (additive): both planes, when the control plane was read
     * (--mrt-dir); NULL otherwise. Owned: freed by pm_analysis_free. */
    struct pm_planes *planes;
};

/* Analyzes a finished run (pm_trace_finish done). lookup may be NULL (no
 * address knowledge). The run is only read. *out is owned by the caller. */
int pm_analyze(const struct pm_run *run, pm_lookup_fn lookup, void *lookup_ctx,
               const struct pm_analyze_opts *opts, struct pm_analysis **out, char *errbuf);
void pm_analysis_free(struct pm_analysis *a);

/* Appends one evidence sentence (formatted, copied) to v. PM_ELIMIT when v
 * already holds PM_EVIDENCE_MAX sentences or the sentence is PM_EVIDENCE_LEN
 * bytes or longer, PM_ENOMEM; v is unchanged on error. */
int pm_verdict_add_evidence(struct pm_verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Frees the evidence v owns and zeroes its count (v itself is the caller's). */
void pm_verdict_clear(struct pm_verdict *v);

/* Owner inferred for an address that answered in the run (0 for an address
 * that never answered, or whose owner could not be inferred nor mapped).
 * The one lookup: the analyzer already falls back to the mapped AS, so
 * outputs and the store take this value as it is, with no fallback of their own. */
uint32_t pm_analysis_owner(const struct pm_analysis *a, uint32_t addr);

/* The pm_owner record of addr, or NULL when addr never answered (binary search). */
const struct pm_owner *pm_analysis_find_owner(const struct pm_analysis *a, uint32_t addr);

/* One text line for a roll-up, as in
 * "175.45.176.0/24      0/256 reached   via China Unicom (AS4837): all die at ...".
 * Returns the length snprintf would have written. */
int pm_rollup_format(const struct pm_rollup *r, char *buf, size_t len);

/* The network state from a roll-up's counts (what pm_analyze stores in
 * .state; for roll-ups built or read elsewhere): reached or dark targets show
 * the network answering, dead paths show it dying. */
enum pm_net_state pm_rollup_state(const struct pm_rollup *r);

/* The one wording of a roll-up's dominant death, as every output prints it:
 * "all die in China Unicom (AS4837) at 198.18.17.1 (CN, hop 4), net-unreachable"
 * when the dying router is inferred in the network blamed, else
 * "all die after 198.18.20.1 (AS4837, CN, hop 5), silent; blamed on Star JV
 * (AS131279) (inferred: ...)". Empty when no path died. Returns the length
 * snprintf would have written. */
int pm_rollup_death_phrase(const struct pm_rollup *r, char *buf, size_t len);

/* ---- both planes (issue 13): each /24's control plane beside its data plane ----
 * The control plane comes from the bgp module's state (filled in by the CLI,
 * so analyze never sees an MRT file); pm_planes_join names the combination.
 * Names, rules and confidences: docs/analyze.md "Both planes". */

/* The joined conclusions of a /24. */
enum pm_plane_conclusion {
    PM_PLANES_CONTROL_ONLY = 0,   /* no data-plane state for it (not probed, unknown) */
    PM_PLANES_BOTH_UP,            /* announced, paths reach it */
    PM_PLANES_WITHDRAWN_DIES,     /* withdrawn, paths die: routing explains the death */
    PM_PLANES_WITHDRAWN_REACHABLE,/* withdrawn, yet paths reach it (stale default or the collector's view) */
    PM_PLANES_ANNOUNCED_DIES_INSIDE,   /* announced, paths die inside the target AS: not routing */
    PM_PLANES_ANNOUNCED_DIES_UPSTREAM, /* announced, paths die before it: a data-plane problem upstream */
    PM_PLANES_SIDE_DROPPED_DIES,  /* one upstream side lost it and paths through that side die; another still carries it */
    PM_PLANES_ONE_SIDE_DIES,      /* announced via every side, the paths through one side die, another's reach */
    PM_PLANES_HIJACKED_DIES,      /* a hijack or leak stands (first change), paths die: in its AS, or elsewhere */
    PM_PLANES_HIJACKED_REACHABLE, /* a hijack or leak stands, yet the probed paths reach the target */
};
#define PM_PLANES__N 10
const char *pm_plane_conclusion_name(enum pm_plane_conclusion c); /* "withdrawn-dies", ... */
int pm_plane_conclusion_parse(const char *s, uint8_t *out);

/* The conclusion of one upstream side of a /24. */
enum pm_side_conclusion {
    PM_SIDE_CONTROL_ONLY = 0, /* no probed path went through this side */
    PM_SIDE_UP,               /* carries it, its paths reach */
    PM_SIDE_CARRIES_DIES,     /* carries it, its paths die: a data-plane problem on this side */
    PM_SIDE_LOST_DIES,        /* no longer carries it, its paths die: routing explains it */
    PM_SIDE_LOST_REACHES,     /* no longer carries it, yet its paths reach */
};
#define PM_SIDE__N 5
const char *pm_side_conclusion_name(enum pm_side_conclusion c); /* "carries-dies", ... */
int pm_side_conclusion_parse(const char *s, uint8_t *out);

#define PM_PLANES_MAX_SIDES 8
#define PM_PLANES_MAX_UNITS 4096

/* One upstream side (the AS before the origin on the collector's paths). */
struct pm_plane_side {
    uint32_t asn;
    uint32_t ff_seen;         /* full-feed peers whose path goes through it now */
    uint32_t ff_seen_rib;     /* ... at the RIB's time */
    /* data plane (pm_planes_join): targets of the /24 whose path went through it */
    uint32_t total, reached, died;
    uint8_t data_state;       /* enum pm_net_state */
    uint8_t conclusion;       /* enum pm_side_conclusion */
};

struct pm_plane_unit {
    uint32_t prefix;          /* a /24 of the run, or an announced prefix */
    uint8_t len;
    bool announced;           /* an announced prefix that is none of the run's /24s (covering one or more-specific) */
    /* control plane */
    bool visible;             /* seen by more than 50 % of the full-feed peers */
    uint32_t ff_seen, ff_total;
    char cause[32];           /* who changed first: origin-withdrawal, one-upstream-dropped, hijack, ... */
    uint32_t cause_as, cause_time, last_change; /* 0: none */
    char cause_text[192];
    char cause_prefix[24];    /* a hijack's or leak's prefix ("" for other causes) */
    bool cause_standing;      /* ... still announced at the control plane's time */
    uint32_t n_sides;
    struct pm_plane_side sides[PM_PLANES_MAX_SIDES];
    /* joined (pm_planes_join) */
    uint8_t data_state;       /* enum pm_net_state of the /24 */
    uint8_t conclusion;       /* enum pm_plane_conclusion */
    double confidence;        /* 0..1: high 0.9, medium 0.6, low 0.3 */
};

struct pm_planes {
    char source[256];         /* where the control plane came from (the MRT directory) */
    uint32_t at;              /* the control plane's time (s) */
    uint32_t rib_time;        /* the RIB dump's */
    uint32_t ff_total;        /* full-feed peers */
    uint32_t n;
    struct pm_plane_unit *units; /* owned, malloc'd: the /24s, then the announced prefixes */
};

/* Fills the data-plane side of every unit from a's roll-ups and verdicts
 * (a's /24s and the upstream each path entered the target through; for an
 * announced prefix, the verdicts of the targets inside it) and names each
 * combination. Pure. */
void pm_planes_join(struct pm_planes *p, const struct pm_run *run, const struct pm_analysis *a);
/* "high", "medium" or "low" for a confidence. */
const char *pm_planes_confidence_word(double c);
/* One line for a unit, as text and HTML print it:
 * "withdrawn-dies (high): withdrawn, seen by 0 of 2 full-feed peers; origin-withdrawal: ...; data plane: dead".
 * Returns the length snprintf would have written. */
int pm_plane_unit_format(const struct pm_plane_unit *u, char *buf, size_t len);
/* One line for a side: "via AS4837: carried by 1 of 2 full-feed peers (2 at the RIB); 2 targets, 0 reached: carries-dies". */
int pm_plane_side_format(const struct pm_plane_side *s, uint32_t ff_total, char *buf, size_t len);
void pm_planes_free(struct pm_planes *p); /* accepts NULL */

/* --compare-methods: what each probe method got at one death point. */
enum pm_cmp_probe { PM_CMP_ICMP = 0, PM_CMP_UDP, PM_CMP_TCP80, PM_CMP_TCP443, PM_CMP__N };

enum pm_cmp_outcome {
    PM_CMP_NOT_PROBED = 0,
    PM_CMP_REACHED,         /* the target answered */
    PM_CMP_DIED_SAME,       /* silent from the same hop as the death point */
    PM_CMP_DIED_FURTHER,    /* got past the death point, died later */
    PM_CMP_DIED_EARLIER,    /* died before the death point */
    PM_CMP_UNREACH_ADMIN,   /* admin-prohibited at the death point (codes 9, 10, 13, 14, 15) */
    PM_CMP_UNREACH_OTHER    /* !N/!H/!P... at the death point */
};

enum pm_cmp_verdict {
    PM_CMP_INCONCLUSIVE = 0,
    PM_CMP_FILTER,          /* some protocol gets through, or only some get !X */
    PM_CMP_DEAD_ROUTE,      /* every protocol dies at the same place */
    PM_CMP_NOT_DEAD         /* every probed protocol reaches the target now */
};

struct pm_cmp_input {
    uint8_t outcome[PM_CMP__N];   /* enum pm_cmp_outcome per method */
    uint32_t death_addr;          /* the death point being compared (0: none) */
    uint8_t death_ttl;
};

struct pm_cmp_result {
    uint8_t verdict;              /* enum pm_cmp_verdict */
    double confidence;
    char text[PM_EVIDENCE_LEN];   /* one sentence */
};

/* Pure: decides filter vs dead route from the four outcomes. */
void pm_compare_methods(const struct pm_cmp_input *in, struct pm_cmp_result *out);
const char *pm_cmp_verdict_name(enum pm_cmp_verdict v);  /* "filter", "dead-route", ... */
const char *pm_cmp_probe_name(enum pm_cmp_probe p);      /* "icmp", "udp", "tcp/80", "tcp/443" */

/* The distinct death points of a's died targets (at most max, in target
 * order), each with the address of the first target that died there in
 * targets[k]: the ones to re-probe with every method. outcome[] is zeroed.
 * Returns how many. */
uint32_t pm_cmp_deaths(const struct pm_run *run, const struct pm_analysis *a, struct pm_cmp_input *deaths,
                       uint32_t *targets, uint32_t max);
/* What one method's finished run got toward dst relative to the death point:
 * reached, an unreachable at it or the hop after it (admin-prohibited per
 * the wire's code table, or other), or silent at, past or before it. */
enum pm_cmp_outcome pm_cmp_outcome_of(const struct pm_run *run, uint32_t dst, const struct pm_cmp_input *death);
/* Adds res's sentence ("compare-methods: ...") to the evidence of every died
 * verdict of a at that death point. */
void pm_cmp_attach(struct pm_analysis *a, const struct pm_cmp_input *death, const struct pm_cmp_result *res);

#endif
