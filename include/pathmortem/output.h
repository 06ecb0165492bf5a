/* output.h - writers for a run and its analysis: text, json, csv, dot, svg, html. */
#ifndef PATHMORTEM_OUTPUT_H
#define PATHMORTEM_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "pathmortem/analyze.h"
#include "pathmortem/trace.h"

enum pm_format { PM_FMT_TEXT = 0, PM_FMT_JSON, PM_FMT_CSV, PM_FMT_DOT, PM_FMT_SVG, PM_FMT_HTML };

int pm_format_parse(const char *s, enum pm_format *out);
const char *pm_format_name(enum pm_format f);

struct pm_output_ctx {
    const struct pm_run *run;            /* required, finished (pm_trace_finish) */
    const struct pm_analysis *analysis;  /* may be NULL: no verdicts section */
    pm_lookup_fn lookup;                 /* may be NULL: no ASN/AS name columns filled */
    void *lookup_ctx;
    bool color;                          /* ANSI colour in text output */
    const char *pcap_path;               /* shown in text output, NULL if none */
};

/* Writes the whole document to f. Returns PM_OK or PM_EIO/PM_ENOMEM with errbuf set. */
int pm_output_write(FILE *f, enum pm_format fmt, const struct pm_output_ctx *ctx, char *errbuf);

/* The JSON document (schema "pathmortem/1") as a malloc'd string the caller frees. */
char *pm_output_json_string(const struct pm_output_ctx *ctx, char *errbuf);

#endif
