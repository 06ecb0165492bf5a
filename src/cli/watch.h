/* watch.h - what cmd_watch.c and watch_run.c share: the live view's options and its state during the cycles. */
#ifndef PATHMORTEM_CLI_WATCH_H
#define PATHMORTEM_CLI_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "cli/sweep.h"
#include "pathmortem/watch.h"

#define PM_CLI_WATCH_COPIES 6   /* "write the pcap so far": copies kept open beside -w (the keeper's cap) */

struct pm_cli_watch {
    struct pm_cli_sweep *s;
    uint32_t report;          /* --report N (0: the live view) */
    uint32_t interval_ms;     /* --interval */
    int status;               /* exit status once the cycles are over */
    bool quit;
    uint32_t timeout_ms;      /* --timeout: the whole session's (the engine's is per sweep, so it is taken off it) */
    uint64_t started_mono_us;
    bool timed_out;
    bool screen;              /* the terminal is in curses mode */
    struct pm_watch w;
    bool w_ready;
    struct pm_watch_screen_state st;
    uint64_t last_draw_us;
    struct pm_engine *eng;
    char title[256];
    struct pm_safefile copies[PM_CLI_WATCH_COPIES];
    uint32_t n_copies, used_copies;
};

/* Before the drop: opens the temp files of the pcap copies beside -w. */
int pm_cli_watch_before_drop(void *ctx, struct pm_cli_sweep *s);
/* The cycles (sweep_fn of struct pm_cli_sweep): 0 or an exit status. */
int pm_cli_watch_run(void *ctx, struct pm_cli_sweep *s, struct pm_engine *eng);
/* The engine's tick (struct pm_engine_opts): counts the replies so far, reads keys, draws; 1 on quit. */
int pm_cli_watch_tick(void *ctx, const struct pm_run *run);
/* Ends the screen if still open (before any message on stderr). */
void pm_cli_watch_done(struct pm_cli_watch *cw);

#endif
