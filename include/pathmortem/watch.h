/* watch.h - the live view behind `pathmortem watch`: per-hop figures accumulated over cycles of sweeps, the verdict lines of the last cycle, and their text, JSON and terminal renderings. */
#ifndef PATHMORTEM_WATCH_H
#define PATHMORTEM_WATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "pathmortem/analyze.h"
#include "pathmortem/common.h"
#include "pathmortem/trace.h"

/* Addresses kept per hop; more are only counted (ECMP over a prefix can show
 * dozens at one TTL, the screen has room for a few). */
#define PM_WATCH_ADDRS 4
#define PM_WATCH_NAME_LEN 128
/* Hop tables per upstream for a prefix or preset (more upstreams share the last one's). */
#define PM_WATCH_SECTIONS 8
/* /24s remembered with the upstream the first cycle's replies showed (a /16's worth). */
#define PM_WATCH_LIVE24 256

/* A name for an address (reverse DNS, from the module that resolves them):
 * returns the name, or NULL when there is none (yet). Must not block. */
typedef const char *(*pm_watch_name_fn)(void *ctx, uint32_t addr);

struct pm_watch_addr {
    uint32_t addr;
    uint32_t replies;
    uint32_t asn;                       /* mapped AS (lookup), 0 unknown */
    char as_name[64];
    char name[PM_WATCH_NAME_LEN];       /* "" until the name hook gives one */
    char mark[8];                       /* the last reply's traceroute mark ("!N", "!H", "!X"...; "" none) */
    uint8_t n_mpls;
    struct pm_mpls_entry mpls[PM_REPLY_MPLS_MAX]; /* the last reply's label stack */
};

struct pm_watch_hop {
    uint32_t sent, received;
    double last_ms, sum_ms, best_ms, worst_ms;
    double jitter_sum_ms;               /* sum of |rtt - previous rtt| over consecutive replies */
    uint32_t n_jitter;
    double last_jitter_ms;
    uint32_t n_addr;
    struct pm_watch_addr addrs[PM_WATCH_ADDRS];
    uint32_t other_addrs;               /* replies from addresses past PM_WATCH_ADDRS */
};

struct pm_watch {
    struct pm_watch_hop hops[PM_TTL_MAX + 1];   /* by TTL */
    uint8_t end_ttl;          /* lowest TTL at which a target itself answered (0: none yet) */
    uint8_t max_reply_ttl;    /* highest TTL any reply came for */
    uint8_t max_sent_ttl;     /* highest TTL probed */
    bool many;                /* more than one target: a prefix or preset */
    bool paused;              /* figures frozen: probes sent meanwhile, and their replies, are not counted */
    uint64_t paused_at_us;    /* wall clock of the last pause and resume: a reply counts only when */
    uint64_t resumed_at_us;   /* its probe counted (sent outside that pause) */
    bool numeric;             /* -n: no names even when the hook has them */
    uint32_t cycles;          /* cycles folded since the start or the last reset */
    uint32_t cycles_total;    /* cycles run */
    uint64_t started_us;
    pm_lookup_fn lookup;
    void *lookup_ctx;
    pm_watch_name_fn name_fn; /* NULL: no names */
    void *name_ctx;
    /* the cycle in progress: how much of its run is already counted */
    const struct pm_run *cur;
    uint32_t *folded_replies; /* per target */
    uint8_t *folded_sent;     /* per target, PM_TTL_MAX + 1 each */
    uint32_t cur_targets;
    /* the last complete cycle, whose analysis gives the verdict lines (owned) */
    struct pm_run *last_run;
    struct pm_analysis *last_analysis;
    uint64_t last_end_us;
    /* a sweep's hop table per upstream (issue 15: one table mixed the China
     * and Russian paths at every TTL): each section is a model of its own,
     * fed the replies of the targets whose upstream the last complete cycle's
     * analysis named; a target that cycle did not have (so every target of
     * the first cycle) goes to the upstream its own replies show as they
     * arrive (pm_watch_set_upstreams), and is in no table until they do.
     * NULL sections, section_of NULL for a single target. */
    struct pm_watch *sections[PM_WATCH_SECTIONS];
    uint32_t n_sections;
    uint8_t *section_of;      /* per target of the running cycle: section + 1, 0 not decided yet, 0xff none */
    uint32_t *sec_folded_replies; /* per target: how much of it its section has counted */
    uint8_t *sec_folded_sent;     /* per target, PM_TTL_MAX + 1 each */
    uint32_t *live_checked;       /* per target: replies already looked at for its upstream */
    uint32_t live24_prefix[PM_WATCH_LIVE24], live24_asn[PM_WATCH_LIVE24]; /* /24s whose upstream a */
    uint32_t n_live24;                                                    /* target's replies showed */
    /* /24s not decided yet: per TTL the first router any of their targets
     * heard there (a target probed only above its /24's shared hops borrows
     * them); PM_WATCH_LIVE24 rows of PM_TTL_MAX + 1, allocated on first use */
    uint32_t seen24_prefix[PM_WATCH_LIVE24];
    uint32_t *seen24_hops;
    uint32_t n_seen24;
    uint32_t target_asn;          /* the preset's target AS (0: each target's own, by lookup) */
    uint32_t watched[8];          /* the preset's watched upstreams */
    uint32_t n_watched;
    uint32_t section_asn;     /* in a section: the upstream it holds (0: unknown upstream) */
    char section_name[64];    /* in a section: the upstream's name ("" unknown) */
};

/* Starts an empty model. lookup (may be NULL) names the AS of each address. */
void pm_watch_init(struct pm_watch *w, pm_lookup_fn lookup, void *lookup_ctx);
/* What decides a target's hop table while no cycle's analysis has it (the
 * first cycle): its /24's upstream once a target of that /24 showed one
 * (routing is per prefix, and most targets are probed only above the hops
 * their /24 shares), else, once its own path entered the target AS
 * (target_asn, 0: the target's own by lookup) or a router answered it
 * unreachable, the AS at least two of its hops before belong to and more
 * than any other (among the watched upstreams when any is on the path);
 * a hop it has no answer of its own at counts with the first router any
 * target of its /24 heard there. */
void pm_watch_set_upstreams(struct pm_watch *w, uint32_t target_asn, const uint32_t *watched, uint32_t n);
void pm_watch_free(struct pm_watch *w);
/* A cycle of n_targets targets starts on run (borrowed until pm_watch_end_cycle;
 * the engine adds the targets, in this order, once it starts). PM_OK or PM_ENOMEM. */
int pm_watch_begin_cycle(struct pm_watch *w, const struct pm_run *run, uint32_t n_targets);
/* Counts what the running cycle sent and received since the last call
 * (replies are read in arrival order, before pm_trace_finish sorts them).
 * While paused it moves past them without counting. */
void pm_watch_fold(struct pm_watch *w);
/* Folds the rest of the cycle and keeps run and its analysis (both taken
 * over) as the last cycle's, freeing the previous one; a cycle cut short
 * passes NULL for both and the previous verdict stays. */
void pm_watch_end_cycle(struct pm_watch *w, struct pm_run *run, struct pm_analysis *a, uint64_t now_us);
/* Pauses or resumes at now_us (wall clock, as capture timestamps): what was
 * sent before still gets its replies counted, so a pause shows no false loss. */
void pm_watch_set_paused(struct pm_watch *w, bool paused, uint64_t now_us);
/* Forgets the figures (not the last verdict): mtr's reset. */
void pm_watch_reset(struct pm_watch *w);

/* The TTLs worth a row: from first to *last (a single target's rows end
 * where it answered; silence past the last answer shows as one row). */
void pm_watch_rows(const struct pm_watch *w, uint8_t first_ttl, uint8_t *last);
/* Loss in percent at a hop (0 when nothing was sent). */
double pm_watch_loss(const struct pm_watch_hop *h);

/* One row of the hop table as text: the header (hop NULL), a hop's primary
 * address (ai 0) or one of its other addresses (ai > 0: only the address
 * columns). names: whether the name column is shown. The same strings
 * make the screen and the report. Returns the length snprintf would write. */
int pm_watch_format_row(const struct pm_watch *w, uint8_t ttl, uint32_t ai, bool names, char *buf, size_t len);
/* How many rows follow a hop's own (its other addresses, the overflow). */
uint32_t pm_watch_extra_rows(const struct pm_watch *w, uint8_t ttl);
/* Whether the hop has a row (a sweep shows no TTL it never probed). */
bool pm_watch_row_shown(const struct pm_watch *w, uint8_t ttl);
/* Whether any address has a name (and -n is off): the name column shows. */
bool pm_watch_has_names(const struct pm_watch *w);
/* Refreshes the names of known addresses from the hook (cheap: cached there). */
void pm_watch_refresh_names(struct pm_watch *w);

/* The section line for a section model: "via JSC TransTeleCom (AS20485)". */
void pm_watch_section_title(const struct pm_watch *sec, char *buf, size_t len);

/* The verdict lines of the last cycle: for one target its verdict; for many
 * the per-/24 then the per-upstream roll-ups. Writes up to max lines of
 * width len into lines; returns the count (0: no cycle finished yet). */
uint32_t pm_watch_verdict_lines(const struct pm_watch *w, char (*lines)[256], uint32_t max);
/* The evidence of the last cycle's verdict for one target (or of the first
 * target that died in a sweep): up to max lines. */
uint32_t pm_watch_evidence_lines(const struct pm_watch *w, char (*lines)[256], uint32_t max);

/* --report: the title, the verdict lines and the hop table as text. */
int pm_watch_write_text(FILE *f, const struct pm_watch *w, const char *title, uint8_t first_ttl, char *errbuf);
/* --format json: the same figures (schema "pathmortem-watch/1"). */
int pm_watch_write_json(FILE *f, const struct pm_watch *w, const char *title, uint8_t first_ttl, char *errbuf);

/* The terminal (ncurses). open: PM_OK, or PM_EIO when stdin/stdout is no
 * terminal (errbuf says so). */
enum pm_watch_view { PM_WATCH_VIEW_HOPS = 0, PM_WATCH_VIEW_VERDICT };
struct pm_watch_screen_state {
    const char *title;        /* "pathmortem watch 198.19.177.5 (icmp)" */
    uint8_t first_ttl;
    enum pm_watch_view view;
    char status[512];         /* a message on the last line ("pcap written to ...") */
};
int pm_watch_screen_open(char *errbuf);
void pm_watch_screen_draw(const struct pm_watch *w, const struct pm_watch_screen_state *st);
void pm_watch_screen_close(void);

/* Keys: what the user asked for, read without waiting. */
enum pm_watch_key { PM_WKEY_NONE = 0, PM_WKEY_QUIT, PM_WKEY_PAUSE, PM_WKEY_RESET, PM_WKEY_VIEW, PM_WKEY_PCAP,
                    PM_WKEY_REDRAW };
enum pm_watch_key pm_watch_key_read(void);

#endif
