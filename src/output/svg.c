/* svg.c - renders the path graph to SVG in memory with graphviz (one context per process). */
#include <stdlib.h>
#include <string.h>

#include <graphviz/gvc.h>

#include "output/graph.h"
#include "output/internal.h"

/* One graphviz context for the whole process. graphviz 2.43's pango text
 * layout caches a pointer to the last font name, owned by the context's font
 * table: freeing a context and laying out with a new one reads freed memory.
 * So the context lives until exit (the output module is not thread-safe). */
static GVC_t *process_gvc;

static void free_gvc(void)
{
    if (process_gvc)
        gvFreeContext(process_gvc);
    process_gvc = NULL;
}

static GVC_t *gvc_get(void)
{
    if (!process_gvc) {
        process_gvc = gvContext();
        if (process_gvc)
            atexit(free_gvc);
    }
    return process_gvc;
}

int pm_output_svg_render(const struct pm_output_ctx *ctx, char **out, size_t *len, char *errbuf)
{
    GVC_t *gvc = gvc_get();
    if (!gvc)
        return pm_err(errbuf, PM_ENOMEM, "svg output: cannot start graphviz");
    Agraph_t *g;
    int rc = pm_output_graph_build(ctx, &g, errbuf);
    if (rc != PM_OK)
        return rc;
    char *data = NULL;
    unsigned int n = 0;
    if (gvLayout(gvc, g, "dot") != 0) {
        agclose(g);
        return pm_err(errbuf, PM_EUNSUPP, "svg output: graphviz 'dot' layout failed (plugins installed?)");
    }
    rc = gvRenderData(gvc, g, "svg", &data, &n);
    gvFreeLayout(gvc, g);
    agclose(g);
    if (rc != 0 || !data) {
        gvFreeRenderData(data);
        return pm_err(errbuf, PM_EUNSUPP, "svg output: graphviz could not render svg");
    }
    /* copy out so callers free with free(), not graphviz's allocator */
    *out = malloc((size_t)n + 1);
    if (*out) {
        memcpy(*out, data, n);
        (*out)[n] = '\0';
        *len = n;
    }
    gvFreeRenderData(data);
    return *out ? PM_OK : pm_err(errbuf, PM_ENOMEM, "svg output: out of memory");
}

int pm_output_svg(FILE *f, const struct pm_output_ctx *ctx, char *errbuf)
{
    char *svg;
    size_t len;
    int rc = pm_output_svg_render(ctx, &svg, &len, errbuf);
    if (rc != PM_OK)
        return rc;
    size_t w = fwrite(svg, 1, len, f);
    free(svg);
    return w == len ? PM_OK : pm_err(errbuf, PM_EIO, "svg output: write failed");
}

