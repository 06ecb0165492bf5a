/* cmd_export.c - `pathmortem export`: stored snapshots as JSON Lines on stdout or in a file. */
#include <getopt.h>
#include <stdio.h>

#include "cli/commands.h"
#include "cli/offline.h"
#include "pathmortem/store.h"

static const char usage_text[] =
    "usage: pathmortem export [--store STORE] [--since T] [--until T] [--vantage NAME] [-o FILE] > snapshots.jsonl\n"
    "\n"
    "Writes every stored snapshot in the window as one JSON object per line (schema\n"
    "pathmortem-snapshot/1: run metadata, databases, pcap path and sha256, per-target verdicts with\n"
    "their hops, roll-ups), oldest first. `pathmortem import` reads it back.\n"
    "\n"
    "  --store STORE    snapshot store: an SQLite path or a PostgreSQL URI / libpq keywords\n"
    "                   (default $PATHMORTEM_STORE or " PM_STORE_DEFAULT_PATH ")\n"
    "  --since T, --until T   window (2026-11-28T07:10:00Z, -2h, -7d, ...)\n"
    "  --vantage NAME   only this vantage's snapshots (default: every vantage's)\n"
    "  -o, --output F   write to F instead of stdout\n"
    "\n"
    "exit status: 0 done, 64 usage, 65 corrupt or foreign store, 66 no store, 74 write error.\n";

int pm_cmd_export(int argc, char **argv)
{
    static const struct option opts[] = {
        {"store", required_argument, 0, PM_CLI_OPT_STORE}, {"since", required_argument, 0, PM_CLI_OPT_SINCE},
        {"until", required_argument, 0, PM_CLI_OPT_UNTIL}, {"output", required_argument, 0, 'o'},
        {"vantage", required_argument, 0, 'V'},
        {"help", no_argument, 0, 'h'},                     {0, 0, 0, 0}};
    struct pm_cli_store_args a;
    pm_cli_store_args_init(&a);
    const char *vantage = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        if (pm_cli_store_arg(&a, c, optarg)) /* the loop is every command's; the shared options are here */
            continue;
        switch (c) {
        case 'V': vantage = optarg; break;
        case 'h': fputs(usage_text, stdout); return PM_EXIT_OK;
        default: fputs(usage_text, stderr); return PM_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        pm_cli_error("export takes no arguments ('%s'); see --help", argv[optind]);
        return PM_EXIT_USAGE;
    }
    char err[PM_ERRBUF_SIZE];
    uint64_t now = pm_cli_now_us(), t_since, t_until;
    if (pm_cli_time_window(a.since, a.until, now, &t_since, &t_until))
        return PM_EXIT_USAGE;
    struct pm_cli_outfiles of;
    FILE *f;
    struct pm_store *s;
    int rc = pm_cli_offline_store("export", &a, false, &of, &f, &s);
    if (rc)
        return rc;
    size_t n = 0;
    rc = pm_store_export_vantage(s, f, t_since, t_until, vantage, &n, err);
    pm_store_close(s);
    if (rc) {
        pm_cli_error("%s", err);
        return pm_cli_offline_finish(&of, f, pm_cli_exit_for(rc));
    }
    if ((rc = pm_cli_offline_finish(&of, f, 0)))
        return rc;
    fprintf(stderr, "pathmortem: exported %zu snapshot%s\n", n, n == 1 ? "" : "s");
    return PM_EXIT_OK;
}
