/* format.c - the one table of output formats: names, and which writer serves a run, the history and a diff. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "output/internal.h"

static int write_json(FILE *f, const struct pm_output_ctx *ctx, char *errbuf)
{
    int rc = pm_output_json_stream(f, ctx, errbuf);
    if (rc == PM_OK && fputc('\n', f) == EOF)
        rc = pm_err(errbuf, PM_EIO, "json output: write failed: %s", strerror(errno ? errno : EIO));
    return rc;
}

typedef int (*run_writer)(FILE *, const struct pm_output_ctx *, char *);
typedef int (*history_writer)(FILE *, const struct pm_history *, uint64_t, char *);
typedef int (*diff_writer)(FILE *, const struct pm_diff *, char *);

/* Indexed by enum pm_format; NULL: the format does not write that kind. */
static const struct {
    const char *name;
    run_writer run;
    history_writer history;
    diff_writer diff;
} formats[] = {
    [PM_FMT_TEXT] = {"text", pm_output_text, pm_output_history_text, pm_output_diff_text},
    [PM_FMT_JSON] = {"json", write_json, pm_output_history_json, pm_output_diff_json},
    [PM_FMT_CSV] = {"csv", pm_output_csv, pm_output_history_csv, NULL},
    [PM_FMT_DOT] = {"dot", pm_output_dot, NULL, NULL},
    [PM_FMT_SVG] = {"svg", pm_output_svg, pm_output_history_svg, NULL},
    [PM_FMT_HTML] = {"html", pm_output_html, NULL, NULL},
};

#define N_FORMATS (sizeof formats / sizeof formats[0])

int pm_format_parse(const char *s, enum pm_format *out)
{
    for (size_t i = 0; s && i < N_FORMATS; i++) {
        if (!strcmp(s, formats[i].name)) {
            *out = (enum pm_format)i;
            return PM_OK;
        }
    }
    return PM_EINVAL;
}

const char *pm_format_name(enum pm_format f)
{
    return (unsigned)f < N_FORMATS ? formats[f].name : "?";
}

bool pm_format_supports(enum pm_format f, enum pm_output_kind kind)
{
    if ((unsigned)f >= N_FORMATS)
        return false;
    switch (kind) {
    case PM_OUT_RUN: return formats[f].run != NULL;
    case PM_OUT_HISTORY: return formats[f].history != NULL;
    case PM_OUT_DIFF: return formats[f].diff != NULL;
    }
    return false;
}

int pm_output_write(FILE *f, enum pm_format fmt, const struct pm_output_ctx *ctx, char *errbuf)
{
    if (!f || !ctx || !ctx->run)
        return pm_err(errbuf, PM_EINVAL, "output: no run to write");
    if (ctx->analysis && ctx->analysis->n_targets != ctx->run->n_targets)
        return pm_err(errbuf, PM_EINVAL, "output: analysis has %u verdicts for %u targets", ctx->analysis->n_targets,
                      ctx->run->n_targets);
    if (!pm_format_supports(fmt, PM_OUT_RUN))
        return pm_err(errbuf, PM_EINVAL, "output: unknown format %d", (int)fmt);
    int rc = formats[fmt].run(f, ctx, errbuf);
    if (rc != PM_OK)
        return rc;
    if (fflush(f) != 0 || ferror(f))
        return pm_err(errbuf, PM_EIO, "output: write failed: %s", strerror(errno));
    return PM_OK;
}

int pm_output_history(FILE *f, enum pm_format fmt, const struct pm_history *h, uint64_t now_us, char *errbuf)
{
    if (!pm_format_supports(fmt, PM_OUT_HISTORY))
        return pm_err(errbuf, PM_EUNSUPP, "history cannot be written as %s", pm_format_name(fmt));
    return formats[fmt].history(f, h, now_us, errbuf);
}

int pm_output_diff(FILE *f, enum pm_format fmt, const struct pm_diff *d, char *errbuf)
{
    if (!pm_format_supports(fmt, PM_OUT_DIFF))
        return pm_err(errbuf, PM_EUNSUPP, "a diff cannot be written as %s", pm_format_name(fmt));
    return formats[fmt].diff(f, d, errbuf);
}
