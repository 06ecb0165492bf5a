/* cmd_show.c - `pathmortem show run.json`: re-render a saved JSON run (trace or analyze --format json) in any output format. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/offline.h"
#include "cli/sweep.h"
#include "pathmortem/output.h"
#include "pathmortem/priv.h"
#include "util/grow.h"

enum { OPT_FORMAT = 1000, OPT_USER, OPT_COLOR, OPT_VERBOSE };

static const char usage_text[] =
    "usage: pathmortem show [options] RUN.json\n"
    "\n"
    "Re-render a run saved as JSON (`trace` or `analyze` with --format json, schema pathmortem/1)\n"
    "in any format, with the verdicts and the ASN and location facts the document holds: no\n"
    "database and no capture needed. The document is read strictly; anything that is not a\n"
    "pathmortem/1 document is refused with one line.\n"
    "\n"
    "  --format FMT         text, json, csv, dot, svg or html (default text)\n"
    "  -o, --output FILE    write the document to FILE instead of stdout\n"
    "  --user USER          user to drop to when started as root (default nobody)\n"
    "  --verbose            detail for every target\n"
    "  --color auto|never|always\n"
    "\n"
    "exit status: 0 no path died (or no verdicts in the document), 1 some paths died, 2 all died, 3 run cut short,\n"
    "as analyze; 64 usage, 65 not a pathmortem/1 document, 66 missing file, 73 cannot create the\n"
    "output.\n";

struct show_opts {
    enum pm_format format;
    const char *output, *user, *path;
    int color; /* -1 auto */
    bool verbose;
};

static int parse(int argc, char **argv, struct show_opts *o)
{
    static const struct option opts[] = {
        {"format", required_argument, 0, OPT_FORMAT}, {"output", required_argument, 0, 'o'},
        {"user", required_argument, 0, OPT_USER},     {"verbose", no_argument, 0, OPT_VERBOSE},
        {"color", required_argument, 0, OPT_COLOR},   {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(usage_text, stdout); return -1;
        case 'o': o->output = optarg; break;
        case OPT_FORMAT:
            if (pm_format_parse(optarg, &o->format) != PM_OK) {
                pm_cli_error("show: --format '%s' is invalid (text, json, csv, dot, svg or html)", optarg);
                return PM_EXIT_USAGE;
            }
            break;
        case OPT_USER: o->user = optarg; break;
        case OPT_VERBOSE: o->verbose = true; break;
        case OPT_COLOR:
            o->color = !strcmp(optarg, "always") ? 1 : !strcmp(optarg, "never") ? 0 : -1;
            if (o->color == -1 && strcmp(optarg, "auto")) {
                pm_cli_error("show: --color '%s' is invalid (auto, never or always)", optarg);
                return PM_EXIT_USAGE;
            }
            break;
        default:
            pm_cli_error("show: unknown option or missing value: %s (try 'pathmortem show --help')", argv[optind - 1]);
            return PM_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        pm_cli_error("show: exactly one JSON run expected (try 'pathmortem show --help')");
        return PM_EXIT_USAGE;
    }
    o->path = argv[optind];
    return 0;
}

/* The whole file, NUL-terminated, at most PM_OUTPUT_JSON_MAX_BYTES (the
 * reader's own cap). */
static int slurp(FILE *in, const char *path, char **text, size_t *len)
{
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        /* room for one byte past the cap (a document too long) and the NUL */
        int rc = PM_GROW(buf, cap, n + 2, (size_t)1 << 16, PM_OUTPUT_JSON_MAX_BYTES + 2);
        if (rc == PM_ELIMIT) {
            free(buf);
            pm_cli_error("%s: larger than %zu bytes, not a pathmortem/1 document", path,
                         (size_t)PM_OUTPUT_JSON_MAX_BYTES);
            return PM_EXIT_DATAERR;
        }
        if (rc != PM_OK) {
            free(buf);
            pm_cli_error("out of memory");
            return PM_EXIT_OSERR;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, in);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(in)) {
        free(buf);
        pm_cli_error("cannot read %s: %m", path);
        return PM_EXIT_NOINPUT;
    }
    if (n > PM_OUTPUT_JSON_MAX_BYTES) {
        free(buf);
        pm_cli_error("%s: larger than %zu bytes, not a pathmortem/1 document", path, (size_t)PM_OUTPUT_JSON_MAX_BYTES);
        return PM_EXIT_DATAERR;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return 0;
}

static int show(const struct show_opts *o, FILE *in, FILE *out)
{
    char *text = NULL;
    size_t len = 0;
    int rc = slurp(in, o->path, &text, &len);
    if (rc)
        return rc;
    char err[PM_ERRBUF_SIZE];
    struct pm_output_doc doc;
    memset(&doc, 0, sizeof doc);
    int r = pm_output_json_read_doc(text, len, &doc, err);
    free(text);
    if (r != PM_OK) {
        pm_cli_error("%s: %s", o->path, err);
        return r == PM_ENOMEM ? PM_EXIT_OSERR : PM_EXIT_DATAERR;
    }
    bool color = o->color == 1 || (o->color == -1 && o->format == PM_FMT_TEXT && !o->output && isatty(1) &&
                                   !getenv("NO_COLOR"));
    /* the document's own facts stand in for the databases it was made with */
    struct pm_output_ctx ctx = {.run = doc.run, .analysis = doc.analysis, .lookup = pm_output_facts_lookup,
                                .name = pm_output_facts_name, .name_ctx = doc.facts,
                                .lookup_ctx = doc.facts, .color = color, .verbose = o->verbose,
                                .width = pm_cli_text_width(o->output != NULL),
                                .pcap_path = doc.pcap};
    rc = 0;
    if (pm_output_write(out, o->format, &ctx, err) != PM_OK || fflush(out) != 0) {
        pm_cli_error("cannot write the output: %s", err);
        rc = PM_EXIT_IOERR;
    } else if (doc.analysis) {
        rc = pm_cli_reach_status(doc.run, doc.analysis);
    }
    pm_output_doc_free(&doc);
    return rc;
}

int pm_cmd_show(int argc, char **argv)
{
    struct show_opts o = {.format = PM_FMT_TEXT, .color = -1};
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc < 0 ? PM_EXIT_OK : rc;
    /* open the input and the output (a temp file beside it, renamed into
     * place when complete, never through a link), then drop and filter
     * system calls before parsing */
    FILE *in = fopen(o.path, "rbe");
    if (!in) {
        pm_cli_error("cannot open %s: %m", o.path);
        return PM_EXIT_NOINPUT;
    }
    struct pm_cli_outfiles of;
    FILE *out;
    if ((rc = pm_cli_offline_out(&of, "show", o.output, &out))) {
        fclose(in);
        return rc;
    }
    char err[PM_ERRBUF_SIZE];
    if (pm_priv_drop(o.user, err) != PM_OK) {
        pm_cli_error("show: refusing to run: %s", err);
        rc = PM_EXIT_NOPERM;
    } else if (pm_priv_sandbox(PM_SANDBOX_OFFLINE, err) != PM_OK) {
        pm_cli_error("show: refusing to run: %s", err);
        rc = PM_EXIT_OSERR;
    } else {
        rc = show(&o, in, out);
    }
    fclose(in);
    /* a failed show keeps the earlier file (the temp file is removed); the
     * statuses 1-3 are verdicts of a document shown whole */
    int verdict = rc > 0 && rc <= PM_EXIT_INCOMPLETE ? rc : 0;
    rc = pm_cli_offline_finish(&of, out, verdict ? 0 : rc);
    if (!rc)
        rc = verdict;
    return rc;
}
