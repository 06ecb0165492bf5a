/* analyze.h - verdicts: where each path died, in whose network, how; roll-ups per prefix and upstream. */
#ifndef PATHMORTEM_ANALYZE_H
#define PATHMORTEM_ANALYZE_H

#include <stdbool.h>
#include <stdint.h>

#include "pathmortem/common.h"
#include "pathmortem/trace.h"

#include "pathmortem/geo.h"

/* Address knowledge comes through this callback so the analyzer never sees
 * libmaxminddb; pm_geo_lookup_cb adapts a struct pm_geo, tests pass tables. */
typedef void (*pm_lookup_fn)(void *ctx, uint32_t addr, struct pm_geo_info *out);

enum pm_status { PM_STATUS_REACHED = 0, PM_STATUS_DIED = 1 };

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
const char *pm_status_name(enum pm_status s);
const char *pm_death_name(enum pm_death d);   /* "silent", "net-unreachable", ... */

struct pm_as_ref {
    uint32_t asn;          /* 0: unknown */
    char name[128];
};

#define PM_EVIDENCE_MAX 8
#define PM_EVIDENCE_LEN 200

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
    char evidence[PM_EVIDENCE_MAX][PM_EVIDENCE_LEN];
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
};

/* Options the analysis takes from the user or presets. */
struct pm_analyze_opts {
    uint32_t target_asn;             /* AS of the target space; 0: infer from targets */
    uint32_t watched[8];             /* watched upstream ASNs (preset) */
    uint32_t n_watched;
    uint8_t gaplimit;
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
};

/* Analyzes a finished run (pm_trace_finish done). lookup may be NULL (no
 * address knowledge). The run is only read. *out is owned by the caller. */
int pm_analyze(const struct pm_run *run, pm_lookup_fn lookup, void *lookup_ctx,
               const struct pm_analyze_opts *opts, struct pm_analysis **out, char *errbuf);
void pm_analysis_free(struct pm_analysis *a);

/* Owner inferred for an address (falls back to naive mapping). */
uint32_t pm_analysis_owner(const struct pm_analysis *a, uint32_t addr);

#endif
