/* output.h - writers for a run and its analysis (text, json, csv, dot, svg, html) and for the store's history and diff. */
#ifndef PATHMORTEM_OUTPUT_H
#define PATHMORTEM_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "pathmortem/analyze.h"
#include "pathmortem/trace.h"

enum pm_format { PM_FMT_TEXT = 0, PM_FMT_JSON, PM_FMT_CSV, PM_FMT_DOT, PM_FMT_SVG, PM_FMT_HTML };

int pm_format_parse(const char *s, enum pm_format *out);
const char *pm_format_name(enum pm_format f);

/* What a format can write: a run (every format), the store's history
 * (text, json, csv, svg) or a diff of two snapshots (text, json). */
enum pm_output_kind { PM_OUT_RUN, PM_OUT_HISTORY, PM_OUT_DIFF };
bool pm_format_supports(enum pm_format f, enum pm_output_kind kind);

/* A hop address's host name (reverse DNS), NULL when it has none; the
 * string belongs to ctx and lives as long as it. */
typedef const char *(*pm_name_fn)(void *ctx, uint32_t addr);

/* What reverse DNS found for the hop addresses (stated in the text footer). */
struct pm_output_names {
    uint32_t asked, named, nxdomain, timeout, failed;
};

struct pm_output_ctx {
    const struct pm_run *run;            /* required, finished (pm_trace_finish) */
    const struct pm_analysis *analysis;  /* may be NULL: no verdicts section */
    pm_lookup_fn lookup;                 /* may be NULL: no ASN/AS name columns filled */
    void *lookup_ctx;
    pm_name_fn name;                     /* may be NULL: addresses only (-n, or no resolver) */
    void *name_ctx;
    const struct pm_output_names *names_stats; /* NULL: no lookup was made */
    bool color;                          /* ANSI colour in text output */
    unsigned width;                      /* text: lines wrapped to this many columns at spaces (0: never) */
    const char *pcap_path;               /* text output and JSON run.pcap, NULL if none */
    bool verbose;                        /* text/html: a detail block for every target (see docs/output.md
                                          * for the default rule: died targets and one per distinct path) */
};

/* Writes the whole document to f. Returns PM_OK or PM_EIO/PM_ENOMEM with errbuf set. */
int pm_output_write(FILE *f, enum pm_format fmt, const struct pm_output_ctx *ctx, char *errbuf);

struct pm_history; /* pathmortem/store.h */
struct pm_diff;
struct pm_across;

/* The store's outage episodes in fmt (see pm_format_supports); now_us gives
 * the duration of ongoing episodes. PM_EUNSUPP for a format history has not,
 * PM_EIO on write errors. */
int pm_output_history(FILE *f, enum pm_format fmt, const struct pm_history *h, uint64_t now_us, char *errbuf);
/* A /24's state across vantages (pm_history_across): text lines, or (json)
 * one array of objects; now_us for "since" durations. */
int pm_output_across(FILE *f, enum pm_format fmt, const struct pm_across *a, uint64_t now_us, char *errbuf);
/* A diff of two stored snapshots in fmt (text or json). */
int pm_output_diff(FILE *f, enum pm_format fmt, const struct pm_diff *d, char *errbuf);

/* The JSON document (schema "pathmortem/1") as a malloc'd string the caller frees. */
char *pm_output_json_string(const struct pm_output_ctx *ctx, char *errbuf);

/* The same document on one line without spaces (for JSON Lines: export,
 * store rows); malloc'd, the caller frees. pm_output_json_read_doc reads both. */
char *pm_output_json_line(const struct pm_output_ctx *ctx, char *errbuf);

/* Caps the JSON reader enforces (beyond the trace model's own caps). */
#define PM_OUTPUT_JSON_MAX_BYTES ((size_t)1 << 30)   /* whole document */
#define PM_OUTPUT_FACTS_MAX (1u << 18)               /* distinct addresses with facts */

/* Address facts (ASN, AS name, country, city) read back from a document, so
 * an imported run prints as it did without the original databases. */
struct pm_output_facts;

/* What pm_output_json_read_doc returns; every pointer is owned by the doc. */
struct pm_output_doc {
    struct pm_run *run;             /* finished: stop reasons as in the document */
    struct pm_analysis *analysis;   /* NULL when the document has no verdicts */
    struct pm_output_facts *facts;  /* never NULL after success */
    char *pcap;                     /* run.pcap (malloc'd), NULL when absent */
};

/* Parses a "pathmortem/1" document with strict validation: every field's
 * type and range is checked and the caps respected; anything else gives
 * PM_ECORRUPT (or PM_ENOMEM/PM_ELIMIT) with a one-line message in errbuf.
 * Writing the result again gives the same text (round trip). */
int pm_output_json_read_doc(const char *text, size_t len, struct pm_output_doc *doc, char *errbuf);
void pm_output_doc_free(struct pm_output_doc *doc);   /* accepts a zeroed doc */

/* pm_lookup_fn over the facts of a document (ctx is a struct pm_output_facts *). */
void pm_output_facts_lookup(void *ctx, uint32_t addr, struct pm_geo_info *out);
/* pm_name_fn over the host names of a document (`name` of its replies). */
const char *pm_output_facts_name(void *ctx, uint32_t addr);

#endif
