/* cmd_diff.c - `pathmortem diff A B`: what changed between two stored snapshots. */
#include <getopt.h>
#include <stdio.h>

#include "cli/commands.h"
#include "cli/offline.h"
#include "pathmortem/output.h"
#include "pathmortem/store.h"
#include "pathmortem/util.h"

static const char usage_text[] =
    "usage: pathmortem diff [--store STORE] [--vantage NAME] [--summary] [--prefix P] [--format text|json]\n"
    "                       [A [B]]\n"
    "\n"
    "What changed from snapshot A to snapshot B. By default the summary: per /24 and per upstream AS\n"
    "(reached counts, state, upstream switched, death moved), and how many targets changed. With\n"
    "--prefix, the /24s inside P and each target there: reached <-> died, upstream switched, death\n"
    "point moved (address, hop or AS), router addresses that appeared or vanished (the hops a target\n"
    "shares with its /24 below its stop set, not probed again, are filled in from its neighbours:\n"
    "never counted as vanished). A and B are snapshot ids, 'latest' or 'latest~N' (default:\n"
    "latest~1 latest).\n"
    "\n"
    "  --summary        per /24 and per upstream only (the default without --prefix)\n"
    "  --prefix P       the /24s and targets inside P (e.g. 175.45.176.0/24)\n"
    "  --store STORE    snapshot store: an SQLite path or a PostgreSQL URI / libpq keywords\n"
    "                   (default $PATHMORTEM_STORE or " PM_STORE_DEFAULT_PATH ")\n"
    "  --vantage NAME   'latest' and 'latest~N' count this vantage's snapshots only (a store written\n"
    "                   by several vantages: without it, latest~1 may be another vantage's)\n"
    "  --format FMT     text (default) or json\n"
    "\n"
    "exit status: 0 done, 64 usage, 65 corrupt or foreign store, 66 no store or no such snapshot.\n";

int pm_cmd_diff(int argc, char **argv)
{
    static const struct option opts[] = {{"store", required_argument, 0, PM_CLI_OPT_STORE},
                                         {"format", required_argument, 0, 'f'},
                                         {"vantage", required_argument, 0, 'V'},
                                         {"summary", no_argument, 0, 'S'},
                                         {"prefix", required_argument, 0, 'P'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    struct pm_cli_store_args sa;
    pm_cli_store_args_init(&sa);
    const char *format = "text", *vantage = NULL;
    bool summary = false;
    uint32_t prefix = 0;
    uint8_t prefix_len = 0;
    char perr[PM_ERRBUF_SIZE];
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case PM_CLI_OPT_STORE: sa.store = optarg; break;
        case 'f': format = optarg; break;
        case 'V': vantage = optarg; break;
        case 'S': summary = true; break;
        case 'P':
            if (pm_prefix_parse(optarg, PM_PREFIX_MASK_HOST, &prefix, &prefix_len, perr) != PM_OK) {
                pm_cli_error("diff: --prefix: %s", perr);
                return PM_EXIT_USAGE;
            }
            if (!prefix_len)
                prefix_len = 0, prefix = 0; /* 0.0.0.0/0: everything, as without --prefix */
            break;
        case 'h': fputs(usage_text, stdout); return PM_EXIT_OK;
        default: fputs(usage_text, stderr); return PM_EXIT_USAGE;
        }
    }
    enum pm_format fmt;
    if (pm_format_parse(format, &fmt) != PM_OK || !pm_format_supports(fmt, PM_OUT_DIFF)) {
        pm_cli_error("unknown diff format '%s' (text or json)", format);
        return PM_EXIT_USAGE;
    }
    int nargs = argc - optind;
    if (nargs > 2) {
        pm_cli_error("diff takes at most two snapshots; see --help");
        return PM_EXIT_USAGE;
    }
    const char *ra = nargs >= 1 ? argv[optind] : "latest~1";
    const char *rb = nargs == 2 ? argv[optind + 1] : "latest";
    if (nargs == 1) {
        /* one snapshot given: compare it with the latest */
        rb = "latest";
    }
    char err[PM_ERRBUF_SIZE];
    struct pm_store *s;
    int rc = pm_cli_offline_store("diff", &sa, false, NULL, NULL, &s);
    if (rc)
        return rc;
    int64_t ia, ib;
    struct pm_snapshot *a = NULL, *b = NULL;
    struct pm_diff *d = NULL;
    if (!(rc = pm_store_resolve_vantage(s, ra, vantage, &ia, err)) &&
        !(rc = pm_store_resolve_vantage(s, rb, vantage, &ib, err)) &&
        !(rc = pm_store_load(s, ia, &a, err)) && !(rc = pm_store_load(s, ib, &b, err)))
        rc = pm_store_diff(a, b, &d, err);
    pm_store_close(s);
    pm_snapshot_free(a);
    pm_snapshot_free(b);
    if (!rc) {
        pm_diff_filter(d, prefix, prefix_len, summary);
        rc = pm_output_diff(stdout, fmt, d, err);
    }
    pm_diff_free(d);
    if (rc) {
        pm_cli_error("%s", err);
        return rc == PM_EINVAL ? PM_EXIT_USAGE : pm_cli_exit_for(rc);
    }
    return PM_EXIT_OK;
}
