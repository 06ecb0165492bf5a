/* cmd_store.c - `pathmortem store init`: creates or migrates a store's schema (the one way a PostgreSQL store gets one). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/offline.h"
#include "pathmortem/store.h"

static const char usage_text[] =
    "usage: pathmortem store init [--store STORE]\n"
    "\n"
    "Creates the store's schema, or migrates an older one to this pathmortem's, in one transaction.\n"
    "A PostgreSQL store gets its tables only this way (a snapshot never creates them); concurrent\n"
    "inits wait for each other on an advisory lock, and an init of a current store changes nothing.\n"
    "Run it as the database's owner; the writer and reader roles are granted afterwards (README,\n"
    "\"Many vantages, one store\"). For an SQLite file it creates the file, as a first snapshot would.\n"
    "\n"
    "  --store STORE    an SQLite path, or a PostgreSQL URI (postgresql://user@host/db?sslmode=verify-full)\n"
    "                   or libpq keywords (\"service=fleet\"); the password comes from ~/.pgpass,\n"
    "                   PGPASSFILE or the service file, never from the command line\n"
    "                   (default $PATHMORTEM_STORE or " PM_STORE_DEFAULT_PATH ")\n"
    "\n"
    "exit status: 0 done, 64 usage (or a password in --store), 65 corrupt or foreign store or a newer schema,\n"
    "74 cannot reach the server or write, 77 missing privilege.\n";

int pm_cmd_store(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(usage_text, stdout);
        return PM_EXIT_OK;
    }
    if (argc < 2 || strcmp(argv[1], "init")) {
        pm_cli_error("store: the one subcommand is 'init'; see 'pathmortem store --help'");
        return PM_EXIT_USAGE;
    }
    static const struct option opts[] = {
        {"store", required_argument, 0, 's'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *spec = pm_store_default_path();
    int c;
    optind = 1;
    while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's': spec = optarg; break;
        case 'h': fputs(usage_text, stdout); return PM_EXIT_OK;
        default: fputs(usage_text, stderr); return PM_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        pm_cli_error("store init takes no arguments ('%s'); see --help", argv[optind + 1]);
        return PM_EXIT_USAGE;
    }
    int rc = pm_cli_offline_drop("store init", spec);
    if (rc)
        return rc;
    char err[PM_ERRBUF_SIZE], shown[4096];
    int from = 0;
    if ((rc = pm_store_init(spec, &from, shown, sizeof shown, err)) != PM_OK) {
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
