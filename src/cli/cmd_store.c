/* cmd_store.c - `pathmortem store init` (creates or migrates a store's schema: the one way a PostgreSQL store gets one) and `store pcap` (a capture kept inside the store, written out). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/offline.h"
#include "pathmortem/store.h"

static const char usage_text[] =
    "usage: pathmortem store init [--store STORE]\n"
    "       pathmortem store pcap [--store STORE] [--vantage NAME] [-o FILE] [SNAPSHOT]\n"
    "\n"
    "Creates the store's schema, or migrates an older one to this pathmortem's, in one transaction.\n"
    "A PostgreSQL store gets its tables only this way (a snapshot never creates them); concurrent\n"
    "inits wait for each other on an advisory lock, and an init of a current store changes nothing.\n"
    "Run it as the database's owner; the writer and reader roles are granted afterwards (README,\n"
    "\"Many vantages, one store\"). For an SQLite file it creates the file, as a first snapshot would.\n"
    "\n"
    "store pcap writes the capture `snapshot` kept inside the store (its option pcap-to-store) as the\n"
    "gzip file it was stored as, after checking it against its sha256: `zcat F.pcap.gz | tcpdump -r -`.\n"
    "SNAPSHOT is an id, 'latest' (default) or 'latest~N'.\n"
    "\n"
    "  --store STORE    an SQLite path, or a PostgreSQL URI (postgresql://user@host/db?sslmode=verify-full)\n"
    "                   or libpq keywords (\"service=fleet\"); the password comes from ~/.pgpass,\n"
    "                   PGPASSFILE or the service file, never from the command line\n"
    "                   (default $PATHMORTEM_STORE or " PM_STORE_DEFAULT_PATH ")\n"
    "  --vantage NAME   store pcap: 'latest' and 'latest~N' count this vantage's snapshots only\n"
    "  -o, --output F   store pcap: write to F (default stdout, never a terminal)\n"
    "\n"
    "exit status: 0 done, 64 usage (or a password in --store), 65 corrupt or foreign store, a newer schema\n"
    "or a capture that does not match its sha256, 66 no such snapshot or no capture in the store, 74 cannot\n"
    "reach the server or write, 77 missing privilege.\n";

/* `store pcap`: the gzip bytes as they were stored, checked, to -o or a pipe. */
static int cmd_pcap(int argc, char **argv)
{
    static const struct option opts[] = {{"store", required_argument, 0, PM_CLI_OPT_STORE},
                                         {"vantage", required_argument, 0, 'V'},
                                         {"output", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
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
    if (argc - optind > 1) {
        pm_cli_error("store pcap takes one snapshot; see --help");
        return PM_EXIT_USAGE;
    }
    const char *ref = optind < argc ? argv[optind] : "latest";
    if ((!a.output || !strcmp(a.output, "-")) && isatty(STDOUT_FILENO)) {
        pm_cli_error("store pcap: stdout is a terminal; give -o FILE or a pipe (the capture is gzip bytes)");
        return PM_EXIT_USAGE;
    }
    struct pm_cli_outfiles of;
    FILE *f;
    struct pm_store *s;
    int rc = pm_cli_offline_store("store pcap", &a, true, &of, &f, &s);
    if (rc)
        return rc;
    char err[PM_ERRBUF_SIZE];
    int64_t id = 0;
    unsigned char *gz = NULL;
    size_t len = 0;
    rc = pm_store_resolve_vantage(s, ref, vantage, &id, err);
    if (!rc)
        rc = pm_store_pcap_fetch(s, id, &gz, &len, err);
    pm_store_close(s);
    if (rc) {
        pm_cli_error("store pcap: %s", err);
        return pm_cli_offline_finish(&of, f, rc == PM_EINVAL ? PM_EXIT_USAGE : pm_cli_exit_for(rc));
    }
    size_t w = fwrite(gz, 1, len, f);
    free(gz);
    if (w != len) {
        pm_cli_error("store pcap: cannot write the capture: %m");
        return pm_cli_offline_finish(&of, f, PM_EXIT_IOERR);
    }
    rc = pm_cli_offline_finish(&of, f, 0);
    if (!rc)
        fprintf(stderr, "pathmortem: snapshot %lld: %zu bytes of gzip-compressed pcap\n", (long long)id, len);
    return rc;
}

int pm_cmd_store(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(usage_text, stdout);
        return PM_EXIT_OK;
    }
    if (argc >= 2 && !strcmp(argv[1], "pcap"))
        return cmd_pcap(argc - 1, argv + 1);
    if (argc < 2 || strcmp(argv[1], "init")) {
        pm_cli_error("store: the subcommands are 'init' and 'pcap'; see 'pathmortem store --help'");
        return PM_EXIT_USAGE;
    }
    static const struct option opts[] = {
        {"store", required_argument, 0, PM_CLI_OPT_STORE}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    struct pm_cli_store_args a;
    pm_cli_store_args_init(&a);
    int c;
    optind = 1;
    while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
        switch (c) {
        case PM_CLI_OPT_STORE: a.store = optarg; break;
        case 'h': fputs(usage_text, stdout); return PM_EXIT_OK;
        default: fputs(usage_text, stderr); return PM_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        pm_cli_error("store init takes no arguments ('%s'); see --help", argv[optind + 1]);
        return PM_EXIT_USAGE;
    }
    int rc = pm_cli_offline_drop("store init", a.store);
    if (rc)
        return rc;
    char err[PM_ERRBUF_SIZE], shown[4096];
    int from = 0;
    if ((rc = pm_store_init(a.store, &from, shown, sizeof shown, err)) != PM_OK) {
        pm_cli_error("store init: %s", err);
        return pm_cli_exit_for(rc);
    }
    if (from == PM_STORE_SCHEMA_VERSION || from < 0)
        printf("store %s: schema version %d, nothing to do\n", shown, PM_STORE_SCHEMA_VERSION);
    else if (from == 0)
        printf("store %s: created, schema version %d\n", shown, PM_STORE_SCHEMA_VERSION);
    else
        printf("store %s: migrated from schema version %d to %d\n", shown, from, PM_STORE_SCHEMA_VERSION);
    return PM_EXIT_OK;
}
