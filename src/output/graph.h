/* graph.h - building the path graph with graphviz's cgraph (internal to the output module). */
#ifndef PATHMORTEM_OUTPUT_GRAPH_H
#define PATHMORTEM_OUTPUT_GRAPH_H

#include <graphviz/cgraph.h>

#include "pathmortem/output.h"

/* Caps that keep the picture readable and the layout fast; the graph label
 * says when either was reached. */
#define PM_OUTPUT_GRAPH_MAX_ROUTERS 300
#define PM_OUTPUT_GRAPH_MAX_GROUPS 200

/* Builds the graph; *out is closed by the caller with agclose. */
int pm_output_graph_build(const struct pm_output_ctx *ctx, Agraph_t **out, char *errbuf);

#endif
