/* bgp_cli.h - what the bgp subcommands share: reading one MRT file with the CLI's messages and exit statuses. */
#ifndef PM_CLI_BGP_CLI_H
#define PM_CLI_BGP_CLI_H

#include "pathmortem/bgp.h"

/* Reads path through fn; on failure prints one line and returns the exit
 * status (66 cannot open, 65 bad file, 74 write error), else 0 (skipped
 * records noted on stderr). */
int pm_cli_bgp_read(const char *path, pm_bgp_event_fn fn, void *ctx, struct pm_mrt_stats *st);
/* `pathmortem bgp state` (argv[0] is "state"). */
int pm_cli_bgp_state(int argc, char **argv);

#endif
