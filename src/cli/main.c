/* main.c - entry point: dispatches to the subcommands. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"trace", pm_cmd_trace, "probe targets or whole prefixes and show where the paths die"},
    {"watch", pm_cmd_watch, "live view like mtr: hops, loss, RTTs and the verdict, updated as replies arrive"},
    {"analyze", pm_cmd_analyze, "rebuild a run from its pcap file and print the same verdicts"},
    {"show", pm_cmd_show, "re-render a run saved as JSON in any output format"},
    {"snapshot", pm_cmd_snapshot, "trace + analysis + store in the snapshot database (for cron)"},
    {"history", pm_cmd_history, "outage episodes per prefix and upstream from stored snapshots"},
    {"diff", pm_cmd_diff, "what changed between two snapshots"},
    {"export", pm_cmd_export, "write stored snapshots as JSON Lines"},
    {"import", pm_cmd_import, "read JSON Lines snapshots into a store"},
    {"geo", pm_cmd_geo, "build or query the ASN and location databases"},
    {"store", pm_cmd_store, "create or migrate a store's schema (store init); a capture kept inside it (store pcap)"},
    {"bgp", pm_cmd_bgp, "the control plane from MRT files: bgpdump-style dump, state per prefix"},
};

void pm_cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("pathmortem: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: pathmortem COMMAND [options] [args]\n\n"
               "Find where the paths toward an address space die, in whose network, how, and since when.\n\n"
               "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'pathmortem COMMAND --help' describes each command; see also pathmortem(1).\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return PM_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "-h") || !strcmp(name, "--help") || !strcmp(name, "help")) {
        usage(stdout);
        return PM_EXIT_OK;
    }
    if (!strcmp(name, "--version") || !strcmp(name, "version")) {
        printf("pathmortem %s\n", PM_VERSION);
        return PM_EXIT_OK;
    }
    /* a closed stdout (`| head`) is a write error to report, not a death that cuts files */
    signal(SIGPIPE, SIG_IGN);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(name, commands[i].name)) {
            int rc = commands[i].run(argc - 1, argv + 1);
            errno = 0;
            if (fflush(stdout) != 0 || ferror(stdout)) {
                if (rc < PM_EXIT_USAGE)
                    pm_cli_error("cannot write the output: %s", strerror(errno ? errno : EIO));
                return rc < PM_EXIT_USAGE ? PM_EXIT_IOERR : rc;
            }
            return rc;
        }
    pm_cli_error("unknown command '%s' (try 'pathmortem --help')", name);
    return PM_EXIT_USAGE;
}
