/* bgp_cli.h - what the bgp subcommands share: reading one MRT file with the CLI's messages and exit statuses. */
#ifndef PM_CLI_BGP_CLI_H
#define PM_CLI_BGP_CLI_H

#include <stdio.h>

#include "pathmortem/analyze.h"
#include "pathmortem/bgp.h"
#include "pathmortem/input.h"
#include "pathmortem/trace.h"

/* Reads path through fn; on failure prints one line and returns the exit
 * status (66 cannot open, 65 bad file, 74 write error), else 0 (skipped
 * records noted on stderr). */
int pm_cli_bgp_read(const char *path, pm_bgp_event_fn fn, void *ctx, struct pm_mrt_stats *st);
/* `pathmortem bgp state` (argv[0] is "state"). */
int pm_cli_bgp_state(int argc, char **argv);
/* `--mrt-dir DIR` (analyze, trace, snapshot): sets a->planes to both
 * planes of each /24: the control plane at the run's end from the last RIB
 * of DIR dumped before the run started and DIR's update files, joined with
 * a's data plane. cmd names the command in messages. Returns an exit status. */
int pm_cli_mrt_join(const char *cmd, const char *dir, const struct pm_run *run, struct pm_analysis *a,
                    const struct pm_preset *preset);

#endif
