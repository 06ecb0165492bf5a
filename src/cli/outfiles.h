/* outfiles.h - a command's output files (-o document, -w pcap): opened before the privilege drop, committed by name only when complete. */
#ifndef PATHMORTEM_CLI_OUTFILES_H
#define PATHMORTEM_CLI_OUTFILES_H

#include "util/safefile.h"

struct pm_cli_outfiles {
    struct pm_safefile doc;    /* -o (inactive: stdout) */
    struct pm_safefile pcap;   /* -w or the default pcap name (inactive: none) */
    struct pm_keeper keeper;   /* renames for us once root is gone */
    struct pm_safefile *extra[6];   /* more files of the command's (watch's pcap copies), opened by it */
    size_t n_extra;
    bool ready;                /* set by init: a zeroed struct owns nothing */
};

void pm_cli_outfiles_init(struct pm_cli_outfiles *o);
/* Opens the temp files for doc and pcap (either NULL; doc "-" is stdout).
 * Refuses the two naming one file. Returns 0 or an exit status (error printed). */
int pm_cli_outfiles_open(struct pm_cli_outfiles *o, const char *cmd, const char *doc, const char *pcap);
/* Call just before dropping root: starts the keeper that will rename them. */
int pm_cli_outfiles_delegate(struct pm_cli_outfiles *o);
/* Puts one finished file in place; 0, or 74 with a one-line error. */
int pm_cli_outfiles_commit(struct pm_safefile *f);
/* Removes whatever was not committed (the earlier files stay) and ends the keeper. */
void pm_cli_outfiles_close(struct pm_cli_outfiles *o);

#endif
