/* offline.h - the privilege drop and safe -o of the commands that only read files (history, export, diff, import, geo, bgp). */
#ifndef PATHMORTEM_CLI_OFFLINE_H
#define PATHMORTEM_CLI_OFFLINE_H

#include <stdbool.h>
#include <stdio.h>

#include "cli/outfiles.h"

struct pm_store;

/* The options the commands that read the store share (each takes the ones
 * its usage names), parsed in one place so that they mean the same in each. */
struct pm_cli_store_args {
    const char *store;          /* --store: default pm_store_default_path() */
    const char *since, *until;  /* --since, --until: NULL when not given */
    const char *output;         /* -o, --output: NULL (or "-") is stdout */
};
/* getopt codes of the long options above (-o keeps 'o'); outside the
 * characters so that a command's own short options never collide */
enum { PM_CLI_OPT_STORE = 0x100, PM_CLI_OPT_SINCE, PM_CLI_OPT_UNTIL };

void pm_cli_store_args_init(struct pm_cli_store_args *a);
/* Takes getopt's code c (with its optarg) when it is one of those options;
 * false for any other, which the command handles itself. */
bool pm_cli_store_arg(struct pm_cli_store_args *a, int c, const char *arg);
/* What a command that reads the store does first, in this order: opens -o
 * (when o is not NULL: a->output, created before the drop), drops
 * (pm_cli_offline_drop), opens the store a->store. 0 with *s open (and *f
 * the output when o is given), or an exit status with the error printed
 * (prefixed by cmd when tag_errors) and -o abandoned. */
int pm_cli_offline_store(const char *cmd, const struct pm_cli_store_args *a, bool tag_errors,
                         struct pm_cli_outfiles *o, FILE **f, struct pm_store **s);

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
