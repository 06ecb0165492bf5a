/* commands.h - the subcommands of the pathmortem program; each returns the process exit status. */
#ifndef PATHMORTEM_CLI_COMMANDS_H
#define PATHMORTEM_CLI_COMMANDS_H

#include <stdbool.h>

#include <stdint.h>

/* Exit statuses shared by every subcommand. */
/* A numeric constant as a string literal, for defaults in --help texts. */
#define PM_CLI_STR_(x) #x
#define PM_CLI_STR(x) PM_CLI_STR_(x)

#define PM_EXIT_OK 0          /* done; for trace/snapshot/analyze: no path died */
#define PM_EXIT_SOME_DIED 1   /* some paths died, the target networks answered elsewhere */
#define PM_EXIT_ALL_DIED 2    /* paths died and nothing of the target networks answered */
#define PM_EXIT_INCOMPLETE 3  /* the run was cut short (SIGINT, SIGTERM, SIGHUP, --timeout): partial verdicts */
#define PM_EXIT_USAGE 64      /* bad flags or arguments (sysexits EX_USAGE) */
#define PM_EXIT_DATAERR 65    /* bad input file (EX_DATAERR) */
#define PM_EXIT_NOINPUT 66    /* input file missing (EX_NOINPUT) */
#define PM_EXIT_SOFTWARE 70   /* internal error */
#define PM_EXIT_OSERR 71      /* system call failed */
#define PM_EXIT_CANTCREAT 73  /* cannot create output */
#define PM_EXIT_IOERR 74
#define PM_EXIT_LOCKED 75     /* another snapshot holds the lock (EX_TEMPFAIL) */
#define PM_EXIT_NOPERM 77     /* missing privilege (EX_NOPERM) */

int pm_cmd_trace(int argc, char **argv);
int pm_cmd_watch(int argc, char **argv);
int pm_cmd_analyze(int argc, char **argv);
int pm_cmd_geo(int argc, char **argv);
int pm_cmd_snapshot(int argc, char **argv);
int pm_cmd_history(int argc, char **argv);
int pm_cmd_diff(int argc, char **argv);
int pm_cmd_export(int argc, char **argv);
int pm_cmd_import(int argc, char **argv);
int pm_cmd_show(int argc, char **argv);
int pm_cmd_store(int argc, char **argv);
int pm_cmd_bgp(int argc, char **argv);

/* What a command was doing when a PM_E* code came back: the same code
 * means another exit status in another context (PM_EIO reading an input
 * is 66, creating an output 73). The one table is in exit_status.c. */
enum pm_cli_exit_ctx {
    PM_CLI_EXIT_STORE,  /* store commands, the default (pm_cli_exit_for) */
    PM_CLI_EXIT_IMPORT, /* reading a file to import: bad data is 65, the rest as STORE */
    PM_CLI_EXIT_READ,   /* every file an input (geo lookup, geo verify) */
    PM_CLI_EXIT_BUILD,  /* inputs read, an output created (geo build) */
    PM_CLI_EXIT_CREATE, /* opening or creating the store to write (snapshot) */
    PM_CLI_EXIT_SYSTEM, /* raw sockets and capture (engine open) */
    PM_CLI_EXIT__N
};
int pm_cli_exit_in(int rc, enum pm_cli_exit_ctx ctx);
/* pm_cli_exit_in(rc, PM_CLI_EXIT_STORE): PM_ENOTFOUND 66, PM_ECORRUPT 65,
 * PM_EBUSY 75, PM_EPERM 77, PM_EINVAL 64, PM_EIO 74, anything else 70. */
int pm_cli_exit_for(int rc);
/* Parses --since/--until (either may be NULL: 0, unbounded) relative to
 * now; on a bad time, or --since after --until, prints the error and
 * returns PM_EXIT_USAGE, else 0. */
int pm_cli_time_window(const char *since, const char *until, uint64_t now_us, uint64_t *t_since, uint64_t *t_until);
/* Wall clock in µs since the epoch. */
uint64_t pm_cli_now_us(void);

/* Prints "pathmortem: <msg>" on stderr (one line). */
/* Columns the text output may use on stdout: $COLUMNS when it is a number of
 * PM_CLI_WIDTH_MIN..PM_CLI_WIDTH_MAX, else the terminal's width, else 0 (no
 * limit: a pipe or, with to_file, an -o file). */
#define PM_CLI_WIDTH_MIN 40
#define PM_CLI_WIDTH_MAX 1000
unsigned pm_cli_text_width(bool to_file);

void pm_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
