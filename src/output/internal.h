/* internal.h - helpers shared by the output writers (not part of the public API). */
#ifndef PATHMORTEM_OUTPUT_INTERNAL_H
#define PATHMORTEM_OUTPUT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pathmortem/output.h"

/* Names of enums: the analyzer's and trace model's one spelling, NULL for
 * out-of-range (the writers pick their fallback). */
const char *pm_output_status_str(unsigned status);
const char *pm_output_death_str(unsigned kind);
const char *pm_output_reply_kind_str(unsigned kind);
int pm_output_status_parse(const char *s, uint8_t *out);
int pm_output_death_parse(const char *s, uint8_t *out);
int pm_output_reply_kind_parse(const char *s, uint8_t *out);
int pm_output_stop_parse(const char *s, uint8_t *out);

/* Copies a hostile string for display: control bytes (C0, DEL, C1), escape
 * sequences and invalid UTF-8 become '?'; always NUL-terminates out. */
void pm_output_clean(const char *in, char *out, size_t outlen);

/* traceroute-style mark for a reply ("!N", "!X", "!<7>", "" for none). */
void pm_output_mark(const struct pm_target *t, const struct pm_reply *r, char buf[16]);

/* RTT of a reply in microseconds (0 when the clock went backwards). */
uint64_t pm_output_rtt_us(const struct pm_reply *r);

/* Address facts through the optional callback; zeroed when there is none. */
void pm_output_lookup(const struct pm_output_ctx *ctx, uint32_t addr, struct pm_geo_info *out);

/* Host name of addr through the optional name callback, NULL when none or
 * when it is no plain host name (pm_hostname_valid). */
const char *pm_output_name(const struct pm_output_ctx *ctx, uint32_t addr);

/* The verdict of target i, or NULL without analysis. */
const struct pm_verdict *pm_output_verdict(const struct pm_output_ctx *ctx, uint32_t i);

/* Did target i die? Verdict when present, else stop reason != reached. */
bool pm_output_died(const struct pm_output_ctx *ctx, uint32_t i);

/* First TTL listed for a target: first_ttl, or stopset_ttl when backward
 * probing stopped there, lowered if anything was sent or heard below it. */
uint8_t pm_output_first_hop(const struct pm_run *run, const struct pm_target *t);
/* Last TTL listed in JSON (and counted in CSV): max_ttl_sent, raised if a
 * reply came from above it; for a reached target the TTL it first answered
 * at, since a path ends where it reached its destination (probes launched
 * before the reach was known only repeat it: issue 9 failure 6). */
uint8_t pm_output_last_hop(const struct pm_target *t);
/* Is TTL listed as a hop in JSON (and counted in CSV): in the listed range
 * and probed or answered; TTLs never probed are not silence. */
bool pm_output_hop_listed(const struct pm_run *run, const struct pm_target *t, uint8_t ttl);
/* Last TTL shown to people (text, html, graph, path groups): the stop TTL of
 * a reached or unreachable target, since later probes only repeat it. */
uint8_t pm_output_shown_last(const struct pm_target *t);

/* Grouping of targets by path, so thousands of targets stay readable.
 * A path is the set of responders (other than the target) at every TTL, the
 * stop reason and, with analysis, the death kind. */
struct pm_output_groups {
    uint32_t n_targets;
    uint32_t *group_of; /* per target: group index */
    uint32_t n_groups;
    uint32_t *count; /* per group: members */
    uint32_t *first; /* per group: first member (lowest address) */
};
int pm_output_groups_build(const struct pm_output_ctx *ctx, struct pm_output_groups *g, char *errbuf);
void pm_output_groups_free(struct pm_output_groups *g);

/* How many members of a group get a full detail block without verbose. */
#define PM_OUTPUT_DIED_PER_PATH 3
#define PM_OUTPUT_REACHED_PER_PATH 1
/* Writes "a.b.c.d–e.f.g.h, ..." for members of group gi other than the
 * first `skip` ones, at most max_ranges ranges then "…". */
void pm_output_group_ranges(FILE *f, const struct pm_run *run, const struct pm_output_groups *g, uint32_t gi,
                            uint32_t skip, unsigned max_ranges);

/* Real deaths of a roll-up: the analyzer counts rate-limited silence apart;
 * a roll-up filled without those counters falls back to total - reached. */
uint32_t pm_output_rollup_died(const struct pm_rollup *r);

/* "reached at hop 7", "gaplimit after hop 5", "maxttl". */
void pm_output_stop_phrase(const struct pm_target *t, char *buf, size_t len);

/* Writers. Each returns PM_OK or a negative code with errbuf set. */
int pm_output_text(FILE *f, const struct pm_output_ctx *ctx, char *errbuf);
int pm_output_json_stream(FILE *f, const struct pm_output_ctx *ctx, char *errbuf); /* no trailing newline */
int pm_output_csv(FILE *f, const struct pm_output_ctx *ctx, char *errbuf);
int pm_output_dot(FILE *f, const struct pm_output_ctx *ctx, char *errbuf);
int pm_output_svg(FILE *f, const struct pm_output_ctx *ctx, char *errbuf);
int pm_output_html(FILE *f, const struct pm_output_ctx *ctx, char *errbuf);

/* Writers of the store's history and diff (the format table in format.c picks them). */
int pm_output_history_text(FILE *f, const struct pm_history *h, uint64_t now_us, char *errbuf);
int pm_output_history_json(FILE *f, const struct pm_history *h, uint64_t now_us, char *errbuf);
int pm_output_history_csv(FILE *f, const struct pm_history *h, uint64_t now_us, char *errbuf);
int pm_output_history_svg(FILE *f, const struct pm_history *h, uint64_t now_us, char *errbuf);
int pm_output_diff_text(FILE *f, const struct pm_diff *d, char *errbuf);
int pm_output_diff_json(FILE *f, const struct pm_diff *d, char *errbuf);

/* The SVG picture as a malloc'd buffer (caller frees); *len its length. */
int pm_output_svg_render(const struct pm_output_ctx *ctx, char **out, size_t *len, char *errbuf);

/* HTML-escapes s (after cleaning control bytes) onto f. */
void pm_output_html_escape(FILE *f, const char *s);

/* Both planes (planes.c): the "both planes" text section, the JSON "planes"
 * member (struct jw: jw.h) and the HTML table. */
struct jw;
void pm_output_planes_text(FILE *f, const struct pm_planes *p);
void pm_output_planes_json(struct jw *w, const struct pm_planes *p);
void pm_output_planes_html(FILE *f, const struct pm_planes *p);

#endif
