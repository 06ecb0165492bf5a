/* cmd_bgp.c - `pathmortem bgp dump|state`: the control plane from MRT files (RIB dumps and update files of RIPE RIS, RouteViews or a lab collector). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/bgp_cli.h"
#include "cli/commands.h"
#include "cli/offline.h"
#include "pathmortem/bgp.h"

static const char usage_text[] =
    "usage: pathmortem bgp dump FILE...\n"
    "       pathmortem bgp state --mrt RIB [--mrt-updates GLOB]... [options] PREFIX|PRESET...\n"
    "\n"
    "The control plane from MRT files (RFC 6396 with ADD-PATH, RFC 8050: TABLE_DUMP, TABLE_DUMP_V2\n"
    "RIB dumps, BGP4MP update files; gzip, bzip2 or uncompressed), as RIPE RIS and RouteViews\n"
    "publish them. Files are read streaming, one record at a time.\n"
    "\n"
    "  dump FILE...   print every route record as Debian's `bgpdump -m` prints it (one line per\n"
    "                 prefix and peer: TABLE_DUMP|, TABLE_DUMP2|, TABLE_DUMP2_AP|, BGP4MP| lines)\n"
    "  state          per announced prefix and per /24 of the targets: announced or withdrawn,\n"
    "                 visible to how many full-feed peers, AS paths, upstreams, last change and who\n"
    "                 changed first ('pathmortem bgp state --help')\n"
    "\n"
    "A record whose framing holds but whose body is malformed, or whose type is not decoded, is\n"
    "skipped and counted (a note on stderr); a file that cannot be framed further (cut record,\n"
    "length past the 16 MiB cap, corrupt compression) is one line with the file and byte offset.\n"
    "\n"
    "exit status: 0 done, 64 usage, 65 bad MRT file, 66 missing file, 74 write error.\n";

static int print_event(const struct pm_bgp_event *ev, void *ctx)
{
    return pm_bgp_dump_line(ctx, ev) < 0 ? PM_EIO : PM_OK;
}

/* Reads one file through fn; prints the error line or the skip note. */
int pm_cli_bgp_read(const char *path, pm_bgp_event_fn fn, void *ctx, struct pm_mrt_stats *st)
{
    char err[PM_ERRBUF_SIZE];
    struct pm_mrt_file *f;
    int rc = pm_mrt_open(path, &f, err);
    if (rc != PM_OK) {
        pm_cli_error("bgp: %s", err);
        return PM_EXIT_NOINPUT;
    }
    rc = pm_mrt_read(f, fn, ctx, st, err);
    pm_mrt_close(f);
    if (rc == PM_EIO) {
        pm_cli_error("bgp: write error");
        return PM_EXIT_IOERR;
    }
    if (rc != PM_OK) {
        pm_cli_error("bgp: %s", err);
        return PM_EXIT_DATAERR;
    }
    if (st->skipped_bad)
        pm_cli_error("bgp: %s: %llu malformed record(s) skipped, the first at byte offset %llu: %s", path,
                     (unsigned long long)st->skipped_bad, (unsigned long long)st->first_bad_offset, st->first_bad);
    if (st->skipped_unknown)
        pm_cli_error("bgp: %s: %llu record(s) of types not decoded skipped", path,
                     (unsigned long long)st->skipped_unknown);
    return PM_EXIT_OK;
}

static int cmd_dump(int argc, char **argv)
{
    if (argc < 1) {
        pm_cli_error("bgp dump: at least one MRT file expected (try 'pathmortem bgp --help')");
        return PM_EXIT_USAGE;
    }
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage_text, stdout);
            return PM_EXIT_OK;
        }
    }
    /* MRT files come from collectors and mirrors, not from us: started as root, drop (to the
     * owner of the first file's directory, else uid 0 without capabilities) and filter system
     * calls before the first byte is parsed */
    int drc = pm_cli_offline_drop("bgp dump", argv[0]);
    if (drc)
        return drc;
    for (int i = 0; i < argc; i++) {
        struct pm_mrt_stats st;
        int rc = pm_cli_bgp_read(argv[i], print_event, stdout, &st);
        if (rc != PM_EXIT_OK)
            return rc;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        pm_cli_error("bgp: write error");
        return PM_EXIT_IOERR;
    }
    return PM_EXIT_OK;
}

int pm_cmd_bgp(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage_text, argc < 2 ? stderr : stdout);
        return argc < 2 ? PM_EXIT_USAGE : PM_EXIT_OK;
    }
    if (!strcmp(argv[1], "dump"))
        return cmd_dump(argc - 2, argv + 2);
    if (!strcmp(argv[1], "state"))
        return pm_cli_bgp_state(argc - 1, argv + 1);
    pm_cli_error("bgp: unknown subcommand '%s' (dump or state)", argv[1]);
    return PM_EXIT_USAGE;
}
