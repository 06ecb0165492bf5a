/* cmd_import.c - `pathmortem import FILE.jsonl`: strictly validated snapshots into a store, duplicates skipped. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "pathmortem/store.h"

static const char usage_text[] =
    "usage: pathmortem import [--store PATH] FILE.jsonl|-\n"
    "\n"
    "Reads snapshots written by `pathmortem export` into the store (created if missing). Every line\n"
    "is validated strictly; a bad line stops the import with its line number. A file is checked\n"
    "whole before anything is stored, so a bad line imports nothing; from stdin ('-') the lines\n"
    "before the bad one are kept. Each snapshot goes in its own transaction; snapshots already in\n"
    "the store (same start time and vantage) are skipped and counted.\n"
    "\n"
    "  --store PATH     snapshot store (default $PATHMORTEM_STORE or " PM_STORE_DEFAULT_PATH ")\n"
    "\n"
    "exit status: 0 done, 64 usage, 65 bad line or corrupt/foreign store, 66 missing file,\n"
    "75 another run holds the store's lock.\n";

int pm_cmd_import(int argc, char **argv)
{
    static const struct option opts[] = {
        {"store", required_argument, 0, 's'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *store_path = pm_store_default_path();
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's': store_path = optarg; break;
        case 'h': fputs(usage_text, stdout); return PM_EXIT_OK;
        default: fputs(usage_text, stderr); return PM_EXIT_USAGE;
        }
    }
    if (argc - optind != 1) {
        pm_cli_error("import takes one file (or - for stdin); see --help");
        return PM_EXIT_USAGE;
    }
    const char *path = argv[optind];
    FILE *in = strcmp(path, "-") ? fopen(path, "re") : stdin;
    if (!in) {
        pm_cli_error("cannot read %s", path);
        return PM_EXIT_NOINPUT;
    }
    char err[PM_ERRBUF_SIZE];
    struct pm_store *s;
    int rc = pm_store_open(store_path, PM_STORE_CREATE, &s, err);
    if (rc) {
        if (in != stdin)
            fclose(in);
        pm_cli_error("%s", err);
        return pm_cli_exit_in(rc, PM_CLI_EXIT_IMPORT); /* a bad line is bad data, not usage */
    }
    struct pm_import_stats st;
    rc = pm_store_import(s, in, &st, err);
    pm_store_close(s);
    if (in != stdin)
        fclose(in);
    if (rc) {
        pm_cli_error("%s: %s", path, err);
        return pm_cli_exit_in(rc, PM_CLI_EXIT_IMPORT);
    }
    fprintf(stderr, "pathmortem: imported %zu snapshot%s, skipped %zu already stored (%zu lines)\n", st.imported,
            st.imported == 1 ? "" : "s", st.duplicates, st.lines);
    return PM_EXIT_OK;
}
