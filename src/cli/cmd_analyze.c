/* cmd_analyze.c - `pathmortem analyze FILE`: rebuild a run from its capture (or another system's traceroute file) and print the same verdicts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/bgp_cli.h"
#include "cli/commands.h"
#include "cli/sweep.h"
#include "pathmortem/capture.h"
#include "pathmortem/priv.h"

enum { OPT_ASN_DB = 1000, OPT_GEO_DB, OPT_FORMAT, OPT_PRESET, OPT_PRESETS, OPT_GAPLIMIT, OPT_USER, OPT_COLOR,
       OPT_VERBOSE, OPT_RUN, OPT_VANTAGE, OPT_MRT_DIR, OPT_NAMES };

/* --mrt-dir DIR (the joined verdict of both planes); NULL without it. */
static const char *mrt_dir;

static const char usage_text[] =
    "usage: pathmortem analyze [options] FILE\n"
    "\n"
    "Rebuild a run from a capture written by `pathmortem trace -w` (probes and replies with their\n"
    "capture timestamps) and print the same verdicts as the live run did. Replies are accepted only\n"
    "when they quote a probe present in the file and, when the file holds the run's start record,\n"
    "carry the run's seal; without it the output states a lower assurance.\n"
    "\n"
    "FILE may also be another system's traceroute data, told by its content: RIPE Atlas traceroute\n"
    "results (JSON array or JSON Lines), scamper warts (trace, tracelb) or sc_warts2json output.\n"
    "Each vantage (Atlas probe, scamper monitor) gets its own run and verdicts, then the verdicts\n"
    "across vantages per /24; IPv6 traces are listed, not analyzed. A capture of another tool's\n"
    "traceroute (traceroute, mtr, tracert, scamper) has its probes matched to replies by what the\n"
    "ICMP errors quote, its method, queries and first TTL inferred.\n"
    "\n"
    "  --format FMT         text, json, csv, dot, svg or html (default text)\n"
    "  -o, --output FILE    write the document to FILE instead of stdout\n"
    "  --asn-db FILE        GeoLite2-ASN-shaped MMDB (default: the shipped database)\n"
    "  --geo-db FILE        GeoLite2/DB-IP City- or Country-shaped MMDB\n"
    "  --preset NAME        target AS and watched upstreams from this preset (default: guessed\n"
    "                       from the presets whose prefixes hold the targets)\n"
    "  --presets FILE       preset file instead of the shipped and user ones\n"
    "  --gaplimit N         silent hops in a row that end a path (default " PM_CLI_STR(PM_GAPLIMIT_DEFAULT) ")\n"
    "  --user USER          user to drop to when started as root (default nobody)\n"
    "  --run ID             the run to analyze when the capture holds several (mergecap,\n"
    "                       --compare-methods); ID as named in the refusal, e.g. 5a17\n"
    "  --verbose            detail for every target\n"
    "  --names              reverse DNS of the hop addresses, as trace does (after the drop, at most\n"
    "                       4 s); off by default: reading a file sends no packet\n"
    "  --vantage ID         only this vantage of a multi-vantage file (\"prb 190\" or 190)\n"
    "  --mrt-dir DIR        both planes: the control plane at the capture's time from the MRT files\n"
    "                       of DIR (the last rib.*/bview.* before the capture, the updates.* files)\n"
    "                       joined with each /24's data plane and each upstream side's (every format)\n"
    "  --color auto|never|always\n"
    "\n"
    "Started as root, it opens the capture and -o, then drops to --user before reading either.\n"
    "\n"
    "exit status: 0 no path died, 1 some died, 2 all died, 3 run cut short (signal, --timeout), 64 usage,\n"
    "65 unreadable or foreign capture or a file of another kind (named in the message), 66 missing file,\n"
    "73 cannot create -o, 74 write error.\n";

static uint32_t target_addr(const void *ctx, uint32_t i)
{
    return ((const struct pm_run *)ctx)->targets[i].dst;
}

/* The preset whose prefixes hold most of the run's targets (src/input). */
const struct pm_preset *pm_cli_guess_preset(const struct pm_presets *ps, const struct pm_run *run)
{
    return pm_presets_guess(ps, run->n_targets, target_addr, run);
}

static int parse(int argc, char **argv, struct pm_cli_sweep *s, const char **preset_name, const char **path,
                 int *run_id, const char **vantage)
{
    static const struct option opts[] = {
        {"format", required_argument, 0, OPT_FORMAT}, {"output", required_argument, 0, 'o'},
        {"asn-db", required_argument, 0, OPT_ASN_DB}, {"geo-db", required_argument, 0, OPT_GEO_DB},
        {"preset", required_argument, 0, OPT_PRESET}, {"presets", required_argument, 0, OPT_PRESETS},
        {"gaplimit", required_argument, 0, OPT_GAPLIMIT}, {"user", required_argument, 0, OPT_USER},
        {"verbose", no_argument, 0, OPT_VERBOSE}, {"run", required_argument, 0, OPT_RUN}, {"color", required_argument, 0, OPT_COLOR},
        {"vantage", required_argument, 0, OPT_VANTAGE}, {"mrt-dir", required_argument, 0, OPT_MRT_DIR},
        {"names", no_argument, 0, OPT_NAMES},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    optind = 1;
    opterr = 0;
    int c;
    unsigned long v;
    while ((c = getopt_long(argc, argv, "+o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(usage_text, stdout); return -1;
        case 'o': s->output = optarg; break;
        case OPT_FORMAT:
            if (pm_format_parse(optarg, &s->format) != PM_OK) {
                pm_cli_error("analyze: --format '%s' is invalid (text, json, csv, dot, svg or html)", optarg);
                return PM_EXIT_USAGE;
            }
            break;
        case OPT_ASN_DB: s->asn_db = optarg; break;
        case OPT_GEO_DB: s->geo_db = optarg; break;
        case OPT_PRESET: *preset_name = optarg; break;
        case OPT_PRESETS: s->presets_file = optarg; break;
        case OPT_GAPLIMIT:
            if (pm_input_uint(optarg, 1, 32, &v) != PM_OK) {
                pm_cli_error("analyze: --gaplimit '%s' is invalid (1 to 32)", optarg);
                return PM_EXIT_USAGE;
            }
            s->eng.gaplimit = (uint8_t)v;
            break;
        case OPT_USER: s->user = optarg; break;
        case OPT_VERBOSE: s->verbose = true; break;
        case OPT_RUN: {
            char *end;
            unsigned long id = strtoul(optarg, &end, 16);
            if (!*optarg || *end || id == 0 || id > 0xffff || strlen(optarg) > 4) {
                pm_cli_error("analyze: --run '%s' is invalid (a run ID such as 5a17)", optarg);
                return PM_EXIT_USAGE;
            }
            *run_id = (int)id;
            break;
        }
        case OPT_VANTAGE: *vantage = optarg; break;
        case OPT_MRT_DIR: mrt_dir = optarg; break;
        case OPT_NAMES: s->resolve = true; break;
        case OPT_COLOR:
            s->color = !strcmp(optarg, "always") ? 1 : !strcmp(optarg, "never") ? 0 : -1;
            if (s->color == -1 && strcmp(optarg, "auto")) {
                pm_cli_error("analyze: --color '%s' is invalid (auto, never or always)", optarg);
                return PM_EXIT_USAGE;
            }
            break;
        default:
            pm_cli_error("analyze: unknown option or missing value: %s (try 'pathmortem analyze --help')",
                         argv[optind - 1]);
            return PM_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        pm_cli_error("analyze: exactly one capture file expected (try 'pathmortem analyze --help')");
        return PM_EXIT_USAGE;
    }
    *path = argv[optind];
    return 0;
}

/* Reads the capture into s->run (pm_run_from_capture) and says what the read
 * noticed. */
/* read_capture found no pathmortem run at all: not an exit status */
#define ANALYZE_FOREIGN 1000

static int read_capture(struct pm_cli_sweep *s, FILE *in, const char *path, int run_id)
{
    char err[PM_ERRBUF_SIZE];
    struct pm_capture *cap = NULL;
    if (pm_capture_open_stream(in, path, &cap, err) != PM_OK) {
        pm_cli_error("%s", err);
        return PM_EXIT_DATAERR;
    }
    struct pm_capture_run_opts ro = {.gaplimit = s->eng.gaplimit, .run_id = (uint16_t)run_id};
    struct pm_capture_run_notes notes;
    int rc = pm_run_from_capture(cap, path, &ro, &s->run, &notes, err);
    pm_capture_close(cap);
    if (rc != PM_OK && notes.no_probes && !run_id)
        return ANALYZE_FOREIGN; /* maybe another tool's traceroute: the caller tries the foreign matcher */
    if (notes.cut)
        pm_cli_error("%s: the last record is cut short: read %llu complete records, ignored the last %llu bytes", path,
                     (unsigned long long)notes.records, (unsigned long long)notes.ignored_bytes);
    if (rc != PM_OK) {
        pm_cli_error("%s", err);
        return rc == PM_ENOMEM ? PM_EXIT_OSERR : PM_EXIT_DATAERR;
    }
    if (s->run->stats.over_limit)
        pm_cli_error("%s: stopped taking targets at the cap of %u; %llu frames about further targets ignored", path,
                     PM_TRACE_MAX_TARGETS, (unsigned long long)s->run->stats.over_limit);
    return 0;
}

static int analyze_file(struct pm_cli_sweep *s, FILE *in, const char *path, const char *preset_name, int run_id)
{
    char err[PM_ERRBUF_SIZE];
    int rc = read_capture(s, in, path, run_id);
    if (rc)
        return rc;
    if ((rc = pm_cli_open_geo(s->asn_db, s->geo_db, s->run, &s->geo)) != 0)
        return rc;
    const struct pm_preset *preset = NULL;
    if (preset_name && !(preset = pm_presets_find(&s->presets, preset_name))) {
        pm_cli_error("analyze: no preset named '%s'", preset_name);
        return PM_EXIT_USAGE;
    }
    if (!preset)
        preset = pm_cli_guess_preset(&s->presets, s->run);
    struct pm_analyze_opts ao;
    pm_cli_analyze_opts(preset, &ao);
    if (pm_analyze(s->run, s->geo ? pm_geo_lookup_cb : NULL, s->geo, &ao, &s->analysis, err) != PM_OK) {
        pm_cli_error("analysis failed: %s", err);
        return PM_EXIT_SOFTWARE;
    }
    /* names now, not when the capture was written: what the resolver says today */
    if (s->resolve)
        pm_cli_resolve_names(s);
    if (mrt_dir && (rc = pm_cli_mrt_join("analyze", mrt_dir, s->run, s->analysis, preset)) != 0)
        return rc;
    if ((rc = pm_cli_write_output(s, NULL)) != 0)
        return rc;
    return pm_cli_reach_status(s->run, s->analysis);
}

int pm_cmd_analyze(int argc, char **argv)
{
    struct pm_cli_sweep s;
    memset(&s, 0, sizeof s);
    s.cmd = "analyze";
    s.capture_dirfd = s.capture_fd = -1;
    pm_cli_outfiles_init(&s.files);
    s.color = -1;
    s.eng.gaplimit = PM_GAPLIMIT_DEFAULT;
    const char *preset_name = NULL, *path = NULL, *vantage = NULL;
    int run_id = 0;
    int rc = parse(argc, argv, &s, &preset_name, &path, &run_id, &vantage);
    if (rc)
        return rc < 0 ? PM_EXIT_OK : rc;
    char err[PM_ERRBUF_SIZE];
    /* open the capture and the output while privileged, then drop before parsing anything */
    FILE *in = fopen(path, "rbe");
    if (!in) {
        pm_cli_error("cannot open %s: %m", path);
        return PM_EXIT_NOINPUT;
    }
    if ((rc = pm_cli_outfiles_open(&s.files, "analyze", s.output, NULL)) != 0 ||
        (rc = pm_cli_outfiles_delegate(&s.files)) != 0) {
        fclose(in);
        pm_cli_sweep_free(&s);
        return rc;
    }
    if (pm_priv_drop(s.user, err) != PM_OK ||
        pm_priv_sandbox(s.resolve ? PM_SANDBOX_OFFLINE_RDNS : PM_SANDBOX_OFFLINE, err) != PM_OK) {
        pm_cli_error("refusing to run: %s", err);
        fclose(in);
        pm_cli_sweep_free(&s);
        return PM_EXIT_NOPERM;
    }
    rc = s.presets_file ? pm_presets_load(&s.presets, s.presets_file, err) : pm_presets_load_default(&s.presets, err);
    if (rc != PM_OK) {
        pm_cli_error("%s", err);
        fclose(in);
        pm_cli_sweep_free(&s);
        return PM_EXIT_DATAERR;
    }
    /* what the file is comes from its content, never its name */
    uint8_t head[16];
    size_t got = fread(head, 1, sizeof head, in);
    enum pm_peer_kind kind = pm_peers_sniff(head, got);
    if (fseek(in, 0, SEEK_SET) != 0) {
        pm_cli_error("%s: cannot read it from the start again: %m", path);
        fclose(in);
        pm_cli_sweep_free(&s);
        return PM_EXIT_NOINPUT;
    }
    if (kind == PM_PEER_JSON || kind == PM_PEER_WARTS) {
        rc = pm_cli_analyze_peers(&s, in, path, kind, preset_name, vantage);
        fclose(in);
    } else {
        /* a second handle on the file: the capture reader closes the first */
        int fd = dup(fileno(in));
        FILE *again = fd >= 0 ? fdopen(fd, "rb") : NULL;
        if (!again && fd >= 0)
            close(fd);
        rc = analyze_file(&s, in, path, preset_name, run_id);
        if (rc == ANALYZE_FOREIGN && again) /* another tool's probes, matched by what ICMP quotes */
            rc = pm_cli_analyze_peers(&s, again, path, PM_PEER_PCAP, preset_name, vantage);
        else if (rc == ANALYZE_FOREIGN)
            rc = PM_EXIT_OSERR;
        if (again)
            fclose(again);
    }
    pm_cli_sweep_free(&s);
    return rc;
}
