/* format.c - output format names and the pm_output_write dispatcher. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "output/internal.h"

static const char *const format_names[] = {"text", "json", "csv", "dot", "svg", "html"};

int pm_format_parse(const char *s, enum pm_format *out)
{
    for (size_t i = 0; s && i < sizeof format_names / sizeof format_names[0]; i++) {
        if (!strcmp(s, format_names[i])) {
            *out = (enum pm_format)i;
            return PM_OK;
        }
    }
    return PM_EINVAL;
}

const char *pm_format_name(enum pm_format f)
{
    return (unsigned)f < sizeof format_names / sizeof format_names[0] ? format_names[f] : "?";
}

static int write_json(FILE *f, const struct pm_output_ctx *ctx, char *errbuf)
{
    int rc = pm_output_json_stream(f, ctx, errbuf);
    if (rc == PM_OK && fputc('\n', f) == EOF)
        rc = pm_err(errbuf, PM_EIO, "json output: write failed");
    return rc;
}

int pm_output_write(FILE *f, enum pm_format fmt, const struct pm_output_ctx *ctx, char *errbuf)
{
    if (!f || !ctx || !ctx->run)
        return pm_err(errbuf, PM_EINVAL, "output: no run to write");
    if (ctx->analysis && ctx->analysis->n_targets != ctx->run->n_targets)
        return pm_err(errbuf, PM_EINVAL, "output: analysis has %u verdicts for %u targets", ctx->analysis->n_targets,
                      ctx->run->n_targets);
    int rc;
    switch (fmt) {
    case PM_FMT_TEXT: rc = pm_output_text(f, ctx, errbuf); break;
    case PM_FMT_JSON: rc = write_json(f, ctx, errbuf); break;
    case PM_FMT_CSV: rc = pm_output_csv(f, ctx, errbuf); break;
    case PM_FMT_DOT: rc = pm_output_dot(f, ctx, errbuf); break;
    case PM_FMT_SVG: rc = pm_output_svg(f, ctx, errbuf); break;
    case PM_FMT_HTML: rc = pm_output_html(f, ctx, errbuf); break;
    default: return pm_err(errbuf, PM_EINVAL, "output: unknown format %d", (int)fmt);
    }
    if (rc != PM_OK)
        return rc;
    if (fflush(f) != 0 || ferror(f))
        return pm_err(errbuf, PM_EIO, "output: write failed: %s", strerror(errno));
    return PM_OK;
}
