/* cmd_history.c - `pathmortem history`: outage episodes per /24 and per upstream from the snapshot store. */
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/offline.h"
#include "pathmortem/output.h"
#include "pathmortem/store.h"

static const char usage_text[] =
    "usage: pathmortem history [--store PATH] [--since T] [--until T] [--prefix P]\n"
    "                          [--by-vantage] [--format text|json|csv|svg] [-o FILE]\n"
    "\n"
    "Episodes of reachability per /24 and per upstream: consecutive snapshots in the same state\n"
    "(reached, or died in the same AS) form one episode, with its start, end, duration, where the\n"
    "paths died and through which upstream. Ongoing outages are summed up as\n"
    "\"unreachable since ...\".\n"
    "\n"
    "  --store STORE    snapshot store: an SQLite path or a PostgreSQL URI / libpq keywords\n"
    "                   (default $PATHMORTEM_STORE or " PM_STORE_DEFAULT_PATH ")\n"
    "  --since T        first snapshot time: 2026-11-28T07:10:00Z, '2026-11-28 07:10', -2h, -7d\n"
    "  --until T        last snapshot time (same forms; default now)\n"
    "  --prefix P       only /24s inside P (e.g. 175.45.176.0/22)\n"
    "  --by-vantage     the episodes seen from each vantage (an Atlas probe, a scamper monitor, a\n"
    "                   host), then from all together, then each /24 across them: from how many of\n"
    "                   their latest snapshots it is reachable or dead, where it dies, since when\n"
    "                   (text or json)\n"
    "  --format FMT     text (default), json, csv or svg (a timeline)\n"
    "  -o, --output F   write to F instead of stdout\n"
    "\n"
    "exit status: 0 done, 64 usage, 65 corrupt or foreign store, 66 no store, 74 write error.\n";

/* --by-vantage: one history per vantage, then all of them together, then
 * each /24 across the vantages (their latest snapshots side by side). */
static int by_vantage_write(struct pm_store *s, enum pm_format fmt, uint64_t since, uint64_t until, const char *prefix,
                            FILE *f, uint64_t now)
{
    char err[PM_ERRBUF_SIZE];
    char(*vs)[64] = NULL;
    size_t n = 0;
    int rc = pm_store_vantages(s, since, until, &vs, &n, err);
    if (rc) {
        pm_cli_error("%s", err);
        return pm_cli_exit_for(rc);
    }
    struct pm_history **each = calloc(n ? n : 1, sizeof *each);
    if (!each) {
        free(vs);
        pm_cli_error("out of memory");
        return PM_EXIT_OSERR;
    }
    if (fmt == PM_FMT_JSON)
        fputs("{\n \"schema\": \"pathmortem-history-vantages/1\",\n \"vantages\": [\n", f);
    for (size_t i = 0; !rc && i <= n; i++) {
        const char *v = i < n ? vs[i] : NULL; /* the last pass: every vantage together */
        struct pm_history *h;
        if ((rc = pm_store_history_vantage(s, since, until, prefix, v, &h, err)))
            break;
        if (fmt == PM_FMT_JSON) {
            json_t *name = v ? json_string(v) : NULL;
            char *q = name ? json_dumps(name, JSON_ENCODE_ANY) : NULL;
            json_decref(name);
            if (v)
                fprintf(f, "  { \"vantage\": %s, \"history\":\n", q ? q : "null");
            else
                fputs(" ],\n \"all\":\n", f);
            free(q);
        } else {
            fprintf(f, "%s== %s (%u snapshot%s) ==\n", i ? "\n" : "", v ? v : "all vantages together",
                    h->n_snapshots, h->n_snapshots == 1 ? "" : "s");
        }
        rc = pm_output_history(f, fmt, h, now, err);
        if (fmt == PM_FMT_JSON && v)
            fputs(i + 1 < n ? "  },\n" : "  }\n", f);
        if (v)
            each[i] = h;
        else
            pm_history_free(h);
    }
    struct pm_across *a = NULL;
    if (!rc)
        rc = pm_history_across(each, n, &a, err);
    if (!rc) {
        if (fmt == PM_FMT_JSON)
            fputs(",\n \"across\": ", f);
        else
            fprintf(f, "\n== across the %zu vantage%s (the latest snapshot of each) ==\n", n, n == 1 ? "" : "s");
        rc = pm_output_across(f, fmt, a, now, err);
        if (fmt == PM_FMT_JSON)
            fputs("\n}\n", f);
    }
    pm_across_free(a);
    for (size_t i = 0; i < n; i++)
        pm_history_free(each[i]);
    free(each);
    free(vs);
    if (rc) {
        pm_cli_error("%s", err);
        return pm_cli_exit_for(rc);
    }
    return PM_EXIT_OK;
}

int pm_cmd_history(int argc, char **argv)
{
    static const struct option opts[] = {
        {"store", required_argument, 0, PM_CLI_OPT_STORE}, {"since", required_argument, 0, PM_CLI_OPT_SINCE},
        {"until", required_argument, 0, PM_CLI_OPT_UNTIL}, {"prefix", required_argument, 0, 'p'},
        {"format", required_argument, 0, 'f'},             {"output", required_argument, 0, 'o'},
        {"by-vantage", no_argument, 0, 'V'},               {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    struct pm_cli_store_args a;
    pm_cli_store_args_init(&a);
    const char *prefix = NULL, *format = "text";
    bool by_vantage = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        if (pm_cli_store_arg(&a, c, optarg)) /* the loop is every command's; the shared options are here */
            continue;
        switch (c) {
        case 'p': prefix = optarg; break;
        case 'f': format = optarg; break;
        case 'V': by_vantage = true; break;
        case 'h': fputs(usage_text, stdout); return PM_EXIT_OK;
        default: fputs(usage_text, stderr); return PM_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        pm_cli_error("history takes no arguments ('%s'); see --help", argv[optind]);
        return PM_EXIT_USAGE;
    }
    enum pm_format fmt;
    if (pm_format_parse(format, &fmt) != PM_OK || !pm_format_supports(fmt, PM_OUT_HISTORY)) {
        pm_cli_error("unknown history format '%s' (text, json, csv or svg)", format);
        return PM_EXIT_USAGE;
    }
    char err[PM_ERRBUF_SIZE];
    uint64_t now = pm_cli_now_us(), t_since, t_until;
    if (pm_cli_time_window(a.since, a.until, now, &t_since, &t_until))
        return PM_EXIT_USAGE;
    if (by_vantage && fmt != PM_FMT_TEXT && fmt != PM_FMT_JSON) {
        pm_cli_error("--by-vantage writes text or json, not %s", format);
        return PM_EXIT_USAGE;
    }
    struct pm_cli_outfiles of;
    FILE *f;
    struct pm_store *s;
    int rc = pm_cli_offline_store("history", &a, false, &of, &f, &s);
    if (rc)
        return rc;
    if (by_vantage) {
        rc = by_vantage_write(s, fmt, t_since, t_until, prefix, f, t_until ? t_until : now);
        pm_store_close(s);
        return pm_cli_offline_finish(&of, f, rc);
    }
    struct pm_history *h;
    rc = pm_store_history(s, t_since, t_until, prefix, &h, err);
    pm_store_close(s);
    if (rc) {
        pm_cli_error("%s", err);
        return pm_cli_offline_finish(&of, f, pm_cli_exit_for(rc));
    }
    /* durations of ongoing episodes run to --until when given, else to now */
    rc = pm_output_history(f, fmt, h, t_until ? t_until : now, err);
    pm_history_free(h);
    if (rc) {
        pm_cli_error("%s", err);
        rc = pm_cli_exit_for(rc);
    }
    return pm_cli_offline_finish(&of, f, rc);
}
