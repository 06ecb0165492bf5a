/* cmd_geo.c - `pathmortem geo build|lookup|verify`: make ASN/location databases and show what the tool believes about addresses. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/commands.h"
#include "cli/geo_stream.h"
#include "cli/offline.h"
#include "pathmortem/geo.h"
#include "pathmortem/trace.h"
#include "pathmortem/util.h"

#define LOOKUP_MAX_ADDRS 4096   /* addresses per `geo lookup` call */

static void geo_usage(FILE *f)
{
    fprintf(f, "usage: pathmortem geo build [--kind asn|city] [-o OUT.mmdb] CSV...\n"
               "       pathmortem geo lookup [--asn-db FILE] [--geo-db FILE] [--format text|json] ADDR...|-\n"
               "       pathmortem geo verify FILE.mmdb...\n\n"
               "Build or query the ASN and location databases (MaxMind DB format).\n"
               "'pathmortem geo build --help' and 'pathmortem geo lookup --help' describe each; see docs/geo.md.\n");
}

static void build_usage(FILE *f)
{
    fprintf(f,
            "usage: pathmortem geo build [--kind asn|city] [-o OUT.mmdb] CSV...\n\n"
            "Turns range CSV files into an IPv4 MaxMind DB that 'trace', 'analyze' and 'geo lookup' read.\n"
            "  --kind asn   (default) rows: ip_range_start,ip_range_end,autonomous_system_number,\n"
            "               autonomous_system_organization  (npm @ip-location-db/asn, asn-ipv4.csv)\n"
            "  --kind city  rows: ip_range_start,ip_range_end,country_code,state1,state2,city,postcode,\n"
            "               latitude,longitude,timezone  (@ip-location-db dbip-city CSV)\n"
            "  -o FILE      output (default pathmortem-asn.mmdb or pathmortem-city.mmdb); written\n"
            "               to a temporary file and renamed, so a reader never sees half a database\n"
            "No header line. Quoted fields (\"a, b\") are handled. IPv6 rows are skipped and counted.\n"
            "Where ranges overlap, the later row wins. Bad rows are reported (first %d) and counted;\n"
            "a file with no good row, or more bad rows than good ones, is refused (exit 65).\n"
            "SOURCE_DATE_EPOCH, if set, is the build date recorded in the database.\n",
            PM_GEO_BUILD_REPORT_MAX);
}

static void lookup_usage(FILE *f)
{
    fprintf(f, "usage: pathmortem geo lookup [--asn-db FILE] [--geo-db FILE] [--format text|json] ADDR...\n"
               "       pathmortem geo lookup [--asn-db FILE] [--geo-db FILE] [--format text|json] -\n\n"
               "Shows what pathmortem believes about each IPv4 address and why: ASN, AS name and the\n"
               "matching network from the ASN database; country and city from the location database;\n"
               "which file (path, build date, sha256) each fact came from; special-purpose ranges.\n"
               "  --asn-db FILE  GeoLite2-ASN-shaped MMDB (default: the shipped default-asn.mmdb;\n"
               "                 'none' for no ASN database)\n"
               "  --geo-db FILE  GeoLite2-City/Country- or DB-IP-shaped MMDB (default: default-city.mmdb)\n"
               "  --format F     text (default) or json\n"
               "At most %d addresses as arguments. '-' reads addresses from standard input, one per\n"
               "line, opens and checks each database once, and writes one line per input line:\n"
               "  text: ADDR ASN AS_NAME ASN_NETWORK COUNTRY CITY GEO_NETWORK SPECIAL, tab-separated,\n"
               "        '-' where unknown (ASN as AS131279, SPECIAL as 'benchmarking 198.18.0.0/15')\n"
               "  json: JSON Lines, one object per line with the fields of --format json's addresses\n"
               "The databases used are named on stderr first. A bad line (not a dotted quad, empty,\n"
               "longer than 255 bytes) gets an error record in its place (text: INPUT error REASON;\n"
               "json: {\"line\": N, \"input\": ..., \"error\": ...}) and one line on stderr naming its\n"
               "line number (the first 20, then a count); the lookup goes on, and the exit status is\n"
               "65 when any line was bad.\n",
            LOOKUP_MAX_ADDRS);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmd_build(int argc, char **argv)
{
    static const struct option opts[] = {
        {"kind", required_argument, NULL, 'k'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    enum pm_geo_kind kind = PM_GEO_KIND_ASN;
    const char *out = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "k:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'k':
            if (!strcmp(optarg, "asn"))
                kind = PM_GEO_KIND_ASN;
            else if (!strcmp(optarg, "city"))
                kind = PM_GEO_KIND_CITY;
            else {
                pm_cli_error("geo build: --kind must be asn or city, not '%s'", optarg);
                return PM_EXIT_USAGE;
            }
            break;
        case 'o': out = optarg; break;
        case 'h': build_usage(stdout); return PM_EXIT_OK;
        default:
            pm_cli_error("geo build: unknown or incomplete option '%s' (try 'pathmortem geo build --help')",
                         argv[optind - 1]);
            return PM_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        pm_cli_error("geo build: no CSV file given (try 'pathmortem geo build --help')");
        return PM_EXIT_USAGE;
    }
    if (!out)
        out = kind == PM_GEO_KIND_ASN ? "pathmortem-asn.mmdb" : "pathmortem-city.mmdb";
    /* As the other offline commands: the output is opened first, as a temp
     * name created O_EXCL|O_NOFOLLOW beside it (renamed by the keeper once
     * root is gone), then privileges drop to the owner of its directory (uid
     * 0 without capabilities when that is root) under the offline filter,
     * and only then are the CSV files read. */
    struct pm_cli_outfiles files;
    FILE *f;
    int rc = pm_cli_offline_out(&files, "geo build", out, &f);
    if (rc)
        return rc;
    /* databases are meant to be read by unprivileged runs; fchmod before the
     * drop, while the temp file is still ours to change */
    if (files.doc.active && !files.doc.direct)
        fchmod(files.doc.fd, 0644);
    if ((rc = pm_cli_offline_drop("geo build", out)) != 0) {
        if (f != stdout)
            fclose(f);
        pm_cli_outfiles_close(&files);
        return rc;
    }
    char err[PM_ERRBUF_SIZE] = "";
    struct pm_geo_build_stats st;
    double t0 = now_s();
    rc = pm_geo_build_stream(kind, (const char *const *)argv + optind, (size_t)(argc - optind), f, 0, stderr, &st,
                             err);
    if (st.bad_rows > PM_GEO_BUILD_REPORT_MAX)
        fprintf(stderr, "pathmortem: ... %llu bad rows in all\n", (unsigned long long)st.bad_rows);
    int status = PM_EXIT_OK;
    if (rc != PM_OK) {
        pm_cli_error("geo build: %s", err);
        /* the output was created above: an I/O error now is a write (or read) error */
        status = rc == PM_EIO ? PM_EXIT_IOERR : pm_cli_exit_in(rc, PM_CLI_EXIT_BUILD);
    } else if (fflush(f) != 0 || ferror(f)) {
        pm_cli_error("geo build: cannot write %s: %m", out);
        status = PM_EXIT_IOERR;
    } else {
        /* Read the result back through libmaxminddb before it takes the
         * name: a full walk costs about 25 ms for the whole-Internet ASN
         * table. A device or pipe (-o /dev/stdout) cannot be read back. */
        char tmp[4400];
        if (pm_safefile_tmp_path(&files.doc, tmp, sizeof tmp) == 0 &&
            (rc = pm_geo_verify_file(tmp, NULL, NULL, err)) != PM_OK) {
            pm_cli_error("geo build: the database written for %s does not verify: %s", out, err);
            status = PM_EXIT_SOFTWARE;
        }
    }
    double secs = now_s() - t0;
    /* the temp file takes the name only when everything went through */
    status = pm_cli_offline_finish(&files, f, status);
    if (status != PM_EXIT_OK)
        return status;
    printf("read %llu ranges from %llu lines (%llu IPv6 rows skipped, %llu bad rows)\n",
           (unsigned long long)st.ranges, (unsigned long long)st.lines, (unsigned long long)st.ipv6_skipped,
           (unsigned long long)st.bad_rows);
    printf("wrote %llu networks, %u distinct records, %u nodes, %u-bit records, %llu bytes to %s in %.2f s (verified)\n",
           (unsigned long long)st.networks, st.records, st.node_count, st.record_size,
           (unsigned long long)st.bytes, out, secs);
    return fflush(stdout) == 0 ? PM_EXIT_OK : PM_EXIT_IOERR;
}

static char *cidr(uint32_t addr, uint8_t len, char buf[20])
{
    uint32_t mask = pm_prefix_mask(len);
    char a[16];
    snprintf(buf, 20, "%s/%u", pm_addr_str(addr & mask, a), (unsigned)len);
    return buf;
}

static void print_text(uint32_t addr, const struct pm_geo_info *gi, bool has_asn, bool has_geo)
{
    char a[16], net[20];
    printf("%s\n", pm_addr_str(addr, a));
    if (gi->asn)
        printf("  asn:       AS%u %s\n  network:   %s (asn db)\n", gi->asn, gi->as_name[0] ? gi->as_name : "(no name)",
               cidr(addr, gi->asn_prefix_len, net));
    else
        printf("  asn:       unknown (%s)\n", has_asn ? "no network in the asn db" : "no asn db");
    if (gi->country[0] || gi->city[0]) {
        printf("  country:   %s\n", gi->country[0] ? gi->country : "unknown");
        printf("  city:      %s\n", gi->city[0] ? gi->city : "unknown");
        printf("  location:  %s (geo db)\n", cidr(addr, gi->geo_prefix_len, net));
    } else {
        printf("  location:  unknown (%s)\n", has_geo ? "no network in the geo db" : "no geo db");
    }
    uint32_t snet;
    uint8_t slen;
    if (pm_geo_special(addr, &snet, &slen))
        printf("  special:   %s (%s, RFC 6890 registry; still looked up)\n", gi->special_name, cidr(snet, slen, net));
    else
        printf("  special:   no\n");
}

static json_t *json_info(uint32_t addr, const struct pm_geo_info *gi)
{
    char a[16], net[20];
    json_t *o = json_object();
    json_object_set_new(o, "addr", json_string(pm_addr_str(addr, a)));
    json_object_set_new(o, "asn", gi->asn ? json_integer(gi->asn) : json_null());
    json_object_set_new(o, "as_name", gi->asn && gi->as_name[0] ? json_string(gi->as_name) : json_null());
    json_object_set_new(o, "asn_network", gi->asn ? json_string(cidr(addr, gi->asn_prefix_len, net)) : json_null());
    json_object_set_new(o, "country", gi->country[0] ? json_string(gi->country) : json_null());
    json_object_set_new(o, "city", gi->city[0] ? json_string(gi->city) : json_null());
    json_object_set_new(o, "geo_network", gi->country[0] || gi->city[0] ? json_string(cidr(addr, gi->geo_prefix_len, net))
                                                                        : json_null());
    uint32_t snet;
    uint8_t slen;
    if (pm_geo_special(addr, &snet, &slen)) {
        json_t *s = json_object();
        json_object_set_new(s, "name", json_string(gi->special_name));
        json_object_set_new(s, "range", json_string(cidr(snet, slen, net)));
        json_object_set_new(o, "special", s);
    } else {
        json_object_set_new(o, "special", json_null());
    }
    return o;
}

static void print_dbs(FILE *f, const struct pm_geo *g, bool *have_any)
{
    static const char *const roles[] = {"asn", "geo"};
    *have_any = false;
    for (int k = 0; k < 2; k++) {
        struct pm_db_info d;
        if (pm_geo_describe(g, roles[k], &d) != PM_OK)
            continue;
        *have_any = true;
        fprintf(f, "%s db: %s (built %s, sha256 %s)\n", d.role, d.path, d.build_date[0] ? d.build_date : "unknown",
                d.sha256);
    }
}

/* `geo lookup -`: the databases are opened (and checked) once for the whole stream. */
static int lookup_stdin(const char *asn_db, const char *geo_db, bool json)
{
    char err[PM_ERRBUF_SIZE] = "";
    struct pm_geo *g = NULL;
    int rc = pm_geo_open(asn_db, geo_db, &g, err);
    if (rc != PM_OK) {
        pm_cli_error("geo lookup: %s", err);
        return pm_cli_exit_in(rc, PM_CLI_EXIT_READ);
    }
    bool any;
    print_dbs(stderr, g, &any);
    if (!any)
        fprintf(stderr, "no database: only special-purpose ranges are known\n");
    int status = pm_geo_stream(g, json);
    pm_geo_close(g);
    return status;
}

static int cmd_lookup(int argc, char **argv)
{
    static const struct option opts[] = {
        {"asn-db", required_argument, NULL, 'a'},
        {"geo-db", required_argument, NULL, 'g'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *asn_db = pm_geo_default_asn_path(), *geo_db = pm_geo_default_city_path();
    bool json = false;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "a:g:f:h", opts, NULL)) != -1) {
        switch (c) {
        case 'a': asn_db = strcmp(optarg, "none") ? optarg : NULL; break;
        case 'g': geo_db = strcmp(optarg, "none") ? optarg : NULL; break;
        case 'f':
            if (!strcmp(optarg, "json"))
                json = true;
            else if (!strcmp(optarg, "text"))
                json = false;
            else {
                pm_cli_error("geo lookup: --format must be text or json, not '%s'", optarg);
                return PM_EXIT_USAGE;
            }
            break;
        case 'h': lookup_usage(stdout); return PM_EXIT_OK;
        default:
            pm_cli_error("geo lookup: unknown or incomplete option '%s' (try 'pathmortem geo lookup --help')",
                         argv[optind - 1]);
            return PM_EXIT_USAGE;
        }
    }
    int n = argc - optind;
    if (n <= 0) {
        pm_cli_error("geo lookup: no address given (try 'pathmortem geo lookup --help')");
        return PM_EXIT_USAGE;
    }
    bool from_stdin = n == 1 && !strcmp(argv[optind], "-");
    if (!from_stdin) {
        for (int i = optind; i < argc; i++)
            if (!strcmp(argv[i], "-")) {
                pm_cli_error("geo lookup: '-' reads the addresses from standard input: give no other address");
                return PM_EXIT_USAGE;
            }
    }
    if (from_stdin)
        return lookup_stdin(asn_db, geo_db, json);
    if (n > LOOKUP_MAX_ADDRS) {
        pm_cli_error("geo lookup: at most %d addresses per call", LOOKUP_MAX_ADDRS);
        return PM_EXIT_USAGE;
    }
    uint32_t *addrs = calloc((size_t)n, sizeof *addrs);
    if (!addrs) {
        pm_cli_error("geo lookup: out of memory");
        return PM_EXIT_OSERR;
    }
    /* Every address is checked before anything is printed. */
    for (int i = 0; i < n; i++) {
        if (pm_addr_parse(argv[optind + i], &addrs[i]) != PM_OK) {
            pm_cli_error("geo lookup: '%.64s' is not an IPv4 address (dotted quad)", argv[optind + i]);
            free(addrs);
            return PM_EXIT_USAGE;
        }
    }
    char err[PM_ERRBUF_SIZE] = "";
    struct pm_geo *g = NULL;
    int rc = pm_geo_open(asn_db, geo_db, &g, err);
    if (rc != PM_OK) {
        pm_cli_error("geo lookup: %s", err);
        free(addrs);
        return pm_cli_exit_in(rc, PM_CLI_EXIT_READ);
    }
    struct pm_db_info dbs[2];
    bool have[2];
    have[0] = pm_geo_describe(g, "asn", &dbs[0]) == PM_OK;
    have[1] = pm_geo_describe(g, "geo", &dbs[1]) == PM_OK;
    int status = PM_EXIT_OK;
    if (json) {
        json_t *root = json_object(), *jd = json_array(), *ja = json_array();
        for (int k = 0; k < 2; k++) {
            if (!have[k])
                continue;
            json_t *d = json_object();
            json_object_set_new(d, "role", json_string(dbs[k].role));
            json_object_set_new(d, "path", json_string(dbs[k].path));
            json_object_set_new(d, "build_date", json_string(dbs[k].build_date));
            json_object_set_new(d, "sha256", json_string(dbs[k].sha256));
            json_array_append_new(jd, d);
        }
        for (int i = 0; i < n; i++) {
            struct pm_geo_info gi;
            pm_geo_lookup(g, addrs[i], &gi);
            json_array_append_new(ja, json_info(addrs[i], &gi));
        }
        json_object_set_new(root, "databases", jd);
        json_object_set_new(root, "addresses", ja);
        if (json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 || fputc('\n', stdout) == EOF)
            status = PM_EXIT_IOERR;
        json_decref(root);
    } else {
        for (int i = 0; i < n; i++) {
            struct pm_geo_info gi;
            pm_geo_lookup(g, addrs[i], &gi);
            print_text(addrs[i], &gi, have[0], have[1]);
        }
        for (int k = 0; k < 2; k++)
            if (have[k])
                printf("%s db: %s (built %s, sha256 %s)\n", dbs[k].role, dbs[k].path,
                       dbs[k].build_date[0] ? dbs[k].build_date : "unknown", dbs[k].sha256);
        if (!have[0] && !have[1])
            printf("no database: only special-purpose ranges are known (see 'pathmortem geo lookup --help')\n");
    }
    if (fflush(stdout) != 0)
        status = PM_EXIT_IOERR;
    pm_geo_close(g);
    free(addrs);
    return status;
}

static int cmd_verify(int argc, char **argv)
{
    if (argc < 2) {
        pm_cli_error("geo verify: no file given");
        return PM_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        printf("usage: pathmortem geo verify FILE.mmdb...\n\nWalks every search-tree node and decodes every data "
               "record; prints nodes, records and seconds, or a one-line error.\n");
        return PM_EXIT_OK;
    }
    int status = PM_EXIT_OK;
    for (int i = 1; i < argc; i++) {
        char err[PM_ERRBUF_SIZE] = "";
        uint32_t nodes = 0, records = 0;
        double t0 = now_s();
        int rc = pm_geo_verify_file(argv[i], &nodes, &records, err);
        if (rc != PM_OK) {
            pm_cli_error("geo verify: %s", err);
            status = pm_cli_exit_in(rc, PM_CLI_EXIT_READ);
            continue;
        }
        printf("%s: ok, %u nodes, %u data records, %.3f s\n", argv[i], nodes, records, now_s() - t0);
    }
    return status;
}

int pm_cmd_geo(int argc, char **argv)
{
    if (argc < 2) {
        geo_usage(stderr);
        return PM_EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
        geo_usage(stdout);
        return PM_EXIT_OK;
    }
    if (!strcmp(sub, "build"))
        return cmd_build(argc - 1, argv + 1);
    /* lookup and verify only read: as root, they read as uid 0 without any capability, under the filter */
    int rc = pm_cli_offline_drop("geo", NULL);
    if (rc)
        return rc;
    if (!strcmp(sub, "lookup"))
        return cmd_lookup(argc - 1, argv + 1);
    if (!strcmp(sub, "verify"))
        return cmd_verify(argc - 1, argv + 1);
    pm_cli_error("geo: unknown subcommand '%.32s' (build, lookup or verify)", sub);
    return PM_EXIT_USAGE;
}
