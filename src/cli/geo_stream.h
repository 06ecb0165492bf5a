/* geo_stream.h - `geo lookup -`: the bulk lookup of addresses read from standard input. */
#ifndef PATHMORTEM_CLI_GEO_STREAM_H
#define PATHMORTEM_CLI_GEO_STREAM_H

#include <stdbool.h>

struct pm_geo;

/* Reads addresses from stdin, one per line, and writes one result line per
 * input line to stdout (tab-separated text, or JSON Lines when json): a bad
 * line gets an error record in its place and one line on stderr naming its
 * line number (the first 20; then a count), and the stream goes on. Returns
 * the exit status: 0, 65 when any line was bad, 74 on a read or write error. */
int pm_geo_stream(struct pm_geo *g, bool json);

#endif
