/* sweep_opts.c - parsing of the options shared by `trace` and `snapshot`, every number with bounds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/sweep.h"

enum {
    OPT_ASN_DB = 1000, OPT_GEO_DB, OPT_FORMAT, OPT_VERSION, OPT_FLOW, OPT_CLASSIC, OPT_PORT, OPT_USER,
    OPT_GAPLIMIT, OPT_RETRIES, OPT_SPLIT, OPT_NO_STOPSET, OPT_TARGET_TIMEOUT, OPT_TIMEOUT, OPT_ALLOW_LARGE,
    OPT_PRESETS, OPT_NO_PCAP, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_COLOR, OPT_VERBOSE, OPT_COMPARE, OPT_NUMERIC,
    OPT_MRT_DIR
};

static const struct option base_opts[] = {
    {"method", required_argument, 0, 'm'},     {"first-ttl", required_argument, 0, 'f'},
    {"max-ttl", required_argument, 0, 'M'},    {"queries", required_argument, 0, 'q'},
    {"wait", required_argument, 0, 'W'},       {"interface", required_argument, 0, 'i'},
    {"source", required_argument, 0, 's'},     {"write", required_argument, 0, 'w'},
    {"rate", required_argument, 0, 'r'},       {"targets", required_argument, 0, 'T'},
    {"output", required_argument, 0, 'o'},     {"port", required_argument, 0, 'p'},
    {"asn-db", required_argument, 0, OPT_ASN_DB}, {"geo-db", required_argument, 0, OPT_GEO_DB},
    {"format", required_argument, 0, OPT_FORMAT}, {"flow", required_argument, 0, OPT_FLOW},
    {"classic", no_argument, 0, OPT_CLASSIC},  {"user", required_argument, 0, OPT_USER},
    {"gaplimit", required_argument, 0, OPT_GAPLIMIT}, {"retries", required_argument, 0, OPT_RETRIES},
    {"split-ttl", required_argument, 0, OPT_SPLIT}, {"no-stopset", no_argument, 0, OPT_NO_STOPSET},
    {"target-timeout", required_argument, 0, OPT_TARGET_TIMEOUT},
    {"timeout", required_argument, 0, OPT_TIMEOUT}, {"allow-large", no_argument, 0, OPT_ALLOW_LARGE},
    {"presets", required_argument, 0, OPT_PRESETS}, {"no-pcap", no_argument, 0, OPT_NO_PCAP},
    {"progress", no_argument, 0, OPT_PROGRESS}, {"no-progress", no_argument, 0, OPT_NO_PROGRESS},
    {"color", required_argument, 0, OPT_COLOR}, {"verbose", no_argument, 0, OPT_VERBOSE},
    {"compare-methods", no_argument, 0, OPT_COMPARE}, {"numeric", no_argument, 0, 'n'},
    {"mrt-dir", required_argument, 0, OPT_MRT_DIR},
    {"help", no_argument, 0, 'h'},             {"version", no_argument, 0, OPT_VERSION},
};
#define N_BASE (sizeof base_opts / sizeof base_opts[0])

static int bad(const char *cmd, const char *opt, const char *arg, const char *range)
{
    pm_cli_error("%s: %s '%s' is invalid (%s)", cmd, opt, arg, range);
    return PM_EXIT_USAGE;
}

/* The whole of arg is a number ("1", "0.5"): traceroute's -w WAIT and -m MAXTTL. */
static bool is_number(const char *arg)
{
    char *end;
    if (!*arg)
        return false;
    (void)strtod(arg, &end);
    return *end == 0;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

/* An address or a prefix (digits, dots and one '/'): what traceroute's -T is followed by. */
static bool looks_like_target(const char *arg)
{
    bool digit = false;
    if (*arg == '.' || *arg == '/')
        return false; /* ./1.2.3.4 or /path: a file */
    for (const char *p = arg; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digit = true;
        else if (*p != '.' && *p != '/')
            return false;
    }
    return digit && strchr(arg, '.');
}

static int seconds_ms(const char *cmd, const char *opt, const char *arg, double min, double max, uint32_t *out)
{
    double v;
    if (pm_input_double(arg, min, max, &v) != PM_OK) {
        char range[64];
        snprintf(range, sizeof range, "seconds, %g to %g", min, max);
        return bad(cmd, opt, arg, range);
    }
    *out = (uint32_t)(v * 1000.0 + 0.5);
    return 0;
}

static int parse_one(struct pm_cli_sweep *s, const char *cmd, int c, const char *arg, const char **target_files,
                     int *n_files)
{
    unsigned long v;
    switch (c) {
    case 'm': {
        enum pm_method m;
        if (is_number(arg)) {
            pm_cli_error("%s: -m is the probe method here (icmp, udp or tcp), not traceroute's max TTL: did you "
                         "mean -M %s?", cmd, arg);
            return PM_EXIT_USAGE;
        }
        if (pm_method_parse(arg, &m) != PM_OK)
            return bad(cmd, "--method", arg, "icmp, udp or tcp");
        s->eng.method = (uint8_t)m;
        return 0;
    }
    case 'f':
        if (pm_input_uint(arg, 1, PM_TTL_MAX, &v))
            return bad(cmd, "--first-ttl", arg, "1 to 64");
        s->eng.first_ttl = (uint8_t)v;
        return 0;
    case 'M':
        if (pm_input_uint(arg, 1, PM_TTL_MAX, &v))
            return bad(cmd, "--max-ttl", arg, "1 to 64");
        s->eng.max_ttl = (uint8_t)v;
        return 0;
    case 'q':
        if (pm_input_uint(arg, 1, 6, &v))
            return bad(cmd, "--queries", arg, "1 to 6");
        s->eng.queries = (uint8_t)v;
        s->given_queries = true;
        return 0;
    case 'W':
        return seconds_ms(cmd, "--wait", arg, 0.01, 60, &s->eng.wait_ms);
    case 'i':
        if (strlen(arg) >= 16)
            return bad(cmd, "--interface", arg, "an interface name, at most 15 characters");
        s->eng.ifname = arg;
        return 0;
    case 's':
        if (pm_addr_parse(arg, &s->eng.src) != PM_OK)
            return bad(cmd, "--source", arg, "an IPv4 address of this host");
        return 0;
    case 'w':
        /* traceroute's -w is the wait: "-w 1" would silently become a pcap named "1" */
        if (is_number(arg) && !ends_with(arg, ".pcap") && !ends_with(arg, ".pcapng") && !strchr(arg, '/')) {
            pm_cli_error("%s: -w writes the pcap file, not traceroute's wait: did you mean -W %s? (for a file "
                         "of that name, write ./%s)", cmd, arg, arg);
            return PM_EXIT_USAGE;
        }
        s->eng.pcap_path = arg;
        return 0;
    case 'I': s->eng.method = PM_METHOD_ICMP; return 0;  /* traceroute -I */
    case 'U': s->eng.method = PM_METHOD_UDP; return 0;   /* traceroute -U */
    case 'n': s->resolve = false; return 0;  /* traceroute's -n: addresses only, no DNS query sent */
    case 'r':
        if (pm_input_uint(arg, 1, 1000000, &v))
            return bad(cmd, "--rate", arg, "probes per second, 1 to 1000000");
        s->eng.rate_pps = (uint32_t)v;
        return 0;
    case 'T':
        if (looks_like_target(arg)) {
            pm_cli_error("%s: -T reads targets from a FILE here, not traceroute's TCP method: did you mean "
                         "-m tcp %s? (for a file of that name, write ./%s)", cmd, arg, arg);
            return PM_EXIT_USAGE;
        }
        if (*n_files >= 16)
            return bad(cmd, "--targets", arg, "at most 16 target files");
        target_files[(*n_files)++] = arg;
        return 0;
    case 'o':
        s->output = arg;
        return 0;
    case 'p':
        if (pm_input_uint(arg, 1, 65535, &v))
            return bad(cmd, "--port", arg, "1 to 65535");
        s->eng.dport = (uint16_t)v;
        return 0;
    case OPT_ASN_DB: s->asn_db = arg; return 0;
    case OPT_GEO_DB: s->geo_db = arg; return 0;
    case OPT_FORMAT:
        if (pm_format_parse(arg, &s->format) != PM_OK)
            return bad(cmd, "--format", arg, "text, json, csv, dot, svg or html");
        return 0;
    case OPT_FLOW:
        if (pm_input_uint(arg, 0, 65535, &v))
            return bad(cmd, "--flow", arg, "0 to 65535");
        s->eng.flow = (uint16_t)v;
        return 0;
    case OPT_CLASSIC: s->eng.classic = true; return 0;
    case OPT_USER: s->user = arg; return 0;
    case OPT_GAPLIMIT:
        if (pm_input_uint(arg, 1, 32, &v))
            return bad(cmd, "--gaplimit", arg, "1 to 32");
        s->eng.gaplimit = (uint8_t)v;
        return 0;
    case OPT_RETRIES:
        if (pm_input_uint(arg, 0, 5, &v))
            return bad(cmd, "--retries", arg, "0 to 5");
        s->eng.retries = (uint8_t)v;
        return 0;
    case OPT_SPLIT:
        if (pm_input_uint(arg, 1, PM_TTL_MAX, &v))
            return bad(cmd, "--split-ttl", arg, "1 to 64");
        s->eng.split_ttl = (uint8_t)v;
        return 0;
    case OPT_NO_STOPSET: s->eng.no_stopset = true; return 0;
    case OPT_TARGET_TIMEOUT:
        return seconds_ms(cmd, "--target-timeout", arg, 0.1, 3600, &s->eng.target_timeout_ms);
    case OPT_TIMEOUT:
        return seconds_ms(cmd, "--timeout", arg, 0.1, 86400, &s->eng.run_timeout_ms);
    case OPT_ALLOW_LARGE: s->allow_large = true; return 0;
    case OPT_PRESETS: s->presets_file = arg; return 0;
    case OPT_NO_PCAP: s->no_pcap = true; return 0;
    case OPT_MRT_DIR:
        if (!strcmp(cmd, "watch")) {
            pm_cli_error("watch: --mrt-dir is for trace, snapshot and analyze (one run's time)");
            return PM_EXIT_USAGE;
        }
        s->mrt_dir = arg;
        return 0;
    case OPT_PROGRESS: s->eng.progress = true; return 0;
    case OPT_NO_PROGRESS: s->eng.progress = false; return 0;
    case OPT_COLOR:
        if (!strcmp(arg, "auto")) s->color = -1;
        else if (!strcmp(arg, "never")) s->color = 0;
        else if (!strcmp(arg, "always")) s->color = 1;
        else return bad(cmd, "--color", arg, "auto, never or always");
        return 0;
    case OPT_VERBOSE: s->verbose = true; return 0;
    case OPT_COMPARE: s->compare_methods = true; return 0;
    }
    return -1;
}

int pm_cli_sweep_parse(struct pm_cli_sweep *s, int argc, char **argv, const char *cmd, const char *usage_text,
                       const struct option *extra, const char *extra_short, pm_cli_extra_fn extra_fn, void *ctx)
{
    memset(s, 0, sizeof *s);
    s->cmd = cmd;
    s->capture_dirfd = s->capture_fd = -1;
    pm_cli_outfiles_init(&s->files);
    pm_engine_opts_default(&s->eng);
    s->eng.progress = isatty(2);
    s->color = -1;
    /* trace and watch show hop names as traceroute and mtr do; snapshot
     * stores them (schema 5) for history, diff and export */
    s->resolve = !strcmp(cmd, "trace") || !strcmp(cmd, "watch") || !strcmp(cmd, "snapshot");
    struct option opts[N_BASE + 16 + 1];
    size_t n = 0;
    for (size_t i = 0; i < N_BASE; i++)
        opts[n++] = base_opts[i];
    for (size_t i = 0; extra && extra[i].name && n < N_BASE + 16; i++)
        opts[n++] = extra[i];
    memset(&opts[n], 0, sizeof opts[n]);
    char shorts[64];
    snprintf(shorts, sizeof shorts, "m:f:M:q:W:i:s:w:r:T:o:p:hnIU%s", extra_short ? extra_short : "");
    const char *files[16];
    int n_files = 0;
    /* options may follow the targets (GNU permutation, as traceroute takes them); "--" ends them;
     * optind 0 makes glibc start afresh (the parser can run twice in one process) */
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, shorts, opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(usage_text, stdout);
            return -1; /* help printed: exit 0 */
        }
        if (c == OPT_VERSION) {
            printf("pathmortem %s\n", PM_VERSION);
            return -1;
        }
        if (c == '?' || c == ':') {
            if (optopt == 'T' && optind >= argc) /* traceroute's bare -T at the end */
                pm_cli_error("%s: -T needs a FILE of targets here; traceroute's TCP method is -m tcp", cmd);
            else if (optopt)
                pm_cli_error("%s: unknown option or missing value for -%c (try '%s --help')", cmd, optopt, cmd);
            else
                pm_cli_error("%s: unknown option or missing value: %s (try '%s --help')", cmd, argv[optind - 1],
                             cmd);
            return PM_EXIT_USAGE;
        }
        int rc = parse_one(s, cmd, c, optarg, files, &n_files);
        if (rc == -1 && extra_fn)
            rc = extra_fn(ctx, c, optarg);
        if (rc != 0)
            return rc == -1 ? PM_EXIT_USAGE : rc;
    }
    if (s->eng.first_ttl > s->eng.max_ttl) {
        pm_cli_error("%s: --first-ttl %u is above --max-ttl %u", cmd, s->eng.first_ttl, s->eng.max_ttl);
        return PM_EXIT_USAGE;
    }
    if (s->no_pcap && s->eng.pcap_path) {
        pm_cli_error("%s: --no-pcap and -w %s conflict: give one of them", cmd, s->eng.pcap_path);
        return PM_EXIT_USAGE;
    }
    if (!s->eng.dport)
        s->eng.dport = s->eng.method == PM_METHOD_TCP ? 80 : 33434;
    /* files and names are read later, by the unprivileged child */
    s->target_args = argv + optind;
    s->n_target_args = argc - optind;
    for (int i = 0; i < n_files; i++)
        s->target_files[i] = files[i];
    s->n_target_files = n_files;
    if (!s->n_target_args && !s->n_target_files) {
        pm_cli_error("%s: no target given (an address, prefix, preset such as 'starjv', or -T FILE)", cmd);
        return PM_EXIT_USAGE;
    }
    if (!s->eng.pcap_path && !s->no_pcap) {
        /* milliseconds and the PID: two runs started in the same second do not share a name */
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        struct tm tm;
        gmtime_r(&now.tv_sec, &tm);
        char stamp[32];
        strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
        snprintf(s->pcap_default, sizeof s->pcap_default, "pathmortem-%s.%03ldZ-%ld.pcap", stamp,
                 now.tv_nsec / 1000000L, (long)getpid());
        s->eng.pcap_path = s->pcap_default;
    }
    if (s->no_pcap)
        s->eng.pcap_path = NULL;
    return 0;
}
