/* offline.h - the privilege drop and safe -o of the commands that only read files (history, export, diff, import, geo, bgp). */
#ifndef PATHMORTEM_CLI_OFFLINE_H
#define PATHMORTEM_CLI_OFFLINE_H

#include <stdio.h>

#include "cli/outfiles.h"

/* Started as root: drops to the owner of store_path's directory when that
 * is not root, else keeps uid 0 without any capability (store_path may be
 * NULL); unprivileged: clears capabilities. Then installs the offline
 * seccomp filter. Call after opening -o, before reading anything.
 * 0 or an exit status (error printed). */
int pm_cli_offline_drop(const char *cmd, const char *store_path);
/* Opens -o (NULL or "-": stdout) as a temp file renamed when complete; *f is where to write. */
int pm_cli_offline_out(struct pm_cli_outfiles *o, const char *cmd, const char *output, FILE **f);
/* Flushes and closes f; commits -o when rc is 0 and every write went through. Returns the final status. */
int pm_cli_offline_finish(struct pm_cli_outfiles *o, FILE *f, int rc);

#endif
