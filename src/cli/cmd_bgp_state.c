/* cmd_bgp_state.c - `pathmortem bgp state`: per announced prefix and per /24 of the targets, the control plane at a time, from a RIB and update files, as text or JSON. */
#include <getopt.h>
#include <glob.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/bgp_cli.h"
#include "cli/commands.h"
#include "cli/offline.h"
#include "pathmortem/input.h"
#include "pathmortem/util.h"

enum { OPT_MRT = 1000, OPT_UPDATES, OPT_AT, OPT_FORMAT, OPT_FULL_FEED, OPT_PRESETS };

static const char usage_text[] =
    "usage: pathmortem bgp state --mrt RIB [--mrt-updates GLOB]... [options] PREFIX|PRESET...\n"
    "\n"
    "The control plane of the targets at one time, from an MRT RIB dump and the update files\n"
    "after it (applied in name order, which is time order for RIS and RouteViews names): per\n"
    "announced prefix overlapping the targets and per /24 of the targets, announced or withdrawn,\n"
    "by how many full-feed peers, the AS paths, the upstreams (the AS before the origin), the\n"
    "time of the last change and who changed first: the origin withdrawing (every upstream side\n"
    "lost it within 5 minutes), one upstream dropping it (paths via one side vanished first),\n"
    "a hijack (another origin) or a leak (an AS before the origin that the RIB did not have),\n"
    "or no control-plane change. Only routes of prefixes overlapping the targets are kept.\n"
    "\n"
    "Visible: seen by more than 50 % of the full-feed peers (IODA's rule). A peer is full-feed\n"
    "when the RIB holds at least 90 % as many of its IPv4 routes as of the largest peer's.\n"
    "\n"
    "  --mrt FILE           the RIB dump (TABLE_DUMP or TABLE_DUMP_V2; gzip, bzip2 or plain)\n"
    "  --mrt-updates GLOB   update files (BGP4MP), a shell pattern; may be repeated\n"
    "  --at TIME            the state at TIME (2026-12-02T02:10:00Z, -2h, ...; default: after the\n"
    "                       last update)\n"
    "  --full-feed N        a peer with at least N RIB routes is full-feed (default: 90 % of the\n"
    "                       largest peer's count)\n"
    "  --presets FILE       more presets (a preset's target AS and watched upstreams are the\n"
    "                       expected origin and upstreams)\n"
    "  --format text|json   (default text)\n"
    "\n"
    "exit status: 0 done, 64 usage, 65 bad MRT file, 66 missing file, 74 write error.\n";

struct state_opts {
    const char *rib, *presets, *at;
    const char *updates[64];
    int nupdates;
    bool json;
    unsigned long full_feed;
};

static int parse(int argc, char **argv, struct state_opts *o)
{
    static const struct option opts[] = {
        {"mrt", required_argument, 0, OPT_MRT},         {"mrt-updates", required_argument, 0, OPT_UPDATES},
        {"at", required_argument, 0, OPT_AT},           {"format", required_argument, 0, OPT_FORMAT},
        {"full-feed", required_argument, 0, OPT_FULL_FEED}, {"presets", required_argument, 0, OPT_PRESETS},
        {"help", no_argument, 0, 'h'},                  {0, 0, 0, 0}};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(usage_text, stdout); return -1;
        case OPT_MRT: o->rib = optarg; break;
        case OPT_UPDATES:
            if (o->nupdates == 64) {
                pm_cli_error("bgp state: at most 64 --mrt-updates patterns");
                return PM_EXIT_USAGE;
            }
            o->updates[o->nupdates++] = optarg;
            break;
        case OPT_AT: o->at = optarg; break;
        case OPT_FORMAT:
            if (strcmp(optarg, "text") && strcmp(optarg, "json")) {
                pm_cli_error("bgp state: --format '%s' is invalid (text or json)", optarg);
                return PM_EXIT_USAGE;
            }
            o->json = !strcmp(optarg, "json");
            break;
        case OPT_FULL_FEED:
            if (pm_input_uint(optarg, 1, 100000000, &o->full_feed) != PM_OK) {
                pm_cli_error("bgp state: --full-feed '%s' is not a count from 1 to 100000000", optarg);
                return PM_EXIT_USAGE;
            }
            break;
        case OPT_PRESETS: o->presets = optarg; break;
        default:
            pm_cli_error("bgp state: unknown option or missing value: %s (try 'pathmortem bgp state --help')",
                         argv[optind - 1]);
            return PM_EXIT_USAGE;
        }
    }
    if (!o->rib) {
        pm_cli_error("bgp state: --mrt RIB is required (try 'pathmortem bgp state --help')");
        return PM_EXIT_USAGE;
    }
    if (optind >= argc) {
        pm_cli_error("bgp state: at least one PREFIX or PRESET expected");
        return PM_EXIT_USAGE;
    }
    return 0;
}

/* announced: visible now; withdrawn: visible at the RIB or seen by no
 * full-feed peer now; not-visible: seen by a few, never by most. */
static const char *state_name(const struct pm_bgp_unit *u)
{
    if (u->visible)
        return "announced";
    return u->visible_rib || u->ff_seen == 0 ? "withdrawn" : "not-visible";
}

static const char *as_list(const uint32_t *as, uint32_t n, char *buf, size_t size)
{
    size_t at = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < n && at < size; i++) {
        int w = snprintf(buf + at, size - at, "%sAS%u", i ? ", " : "", as[i]);
        if (w < 0)
            break;
        at += (size_t)w;
    }
    return n ? buf : "-";
}

static void print_text(const struct pm_bgp_unit *u, size_t n, uint32_t rib_time, uint32_t at, uint32_t ff)
{
    char t1[40], t2[40], a[16], l1[128], l2[128], l3[128];
    pm_format_time((uint64_t)at * 1000000u, t1, sizeof t1);
    pm_format_time((uint64_t)rib_time * 1000000u, t2, sizeof t2);
    printf("control plane at %s (RIB of %s; %u full-feed peers; visible = seen by more than 50 %% of them)\n", t1,
           t2, ff);
    for (int pass = 0; pass < 2; pass++) {
        printf("%s:\n", pass ? "per /24 of the targets" : "announced prefixes");
        bool any = false;
        for (size_t i = 0; i < n; i++) {
            if (u[i].is_slash24 != (pass == 1))
                continue;
            any = true;
            char pfx[24];
            snprintf(pfx, sizeof pfx, "%s/%u", pm_addr_str(u[i].addr, a), u[i].len);
            printf("%-18s %-11s seen by %u of %u full-feed peers (%u at the RIB)  origin %s  via %s  (RIB: via %s)\n", pfx,
                   state_name(&u[i]), u[i].ff_seen, u[i].ff_total, u[i].ff_seen_rib,
                   as_list(u[i].origins, u[i].n_origins, l1, sizeof l1),
                   as_list(u[i].upstreams, u[i].n_upstreams, l2, sizeof l2),
                   as_list(u[i].upstreams_rib, u[i].n_upstreams_rib, l3, sizeof l3));
            if (u[i].last_change) {
                pm_format_time((uint64_t)u[i].last_change * 1000000u, t1, sizeof t1);
                printf("  last change %s\n", t1);
            }
            printf("  %s: %s\n", pm_bgp_cause_name(u[i].cause), u[i].cause_text);
            for (uint32_t k = 0; k < u[i].n_sides; k++)
                printf("  via AS%u: carried by %u of %u full-feed peers (%u at the RIB)%s\n", u[i].sides[k].asn,
                       u[i].sides[k].ff_seen, u[i].ff_total, u[i].sides[k].ff_seen_rib,
                       u[i].sides[k].ff_seen ? "" : u[i].sides[k].ff_seen_rib ? ": this side lost it" : "");
            for (uint32_t k = 0; k < u[i].n_paths; k++)
                printf("  path %s  (%u peer%s)\n", u[i].paths[k].path, u[i].paths[k].peers,
                       u[i].paths[k].peers == 1 ? "" : "s");
        }
        if (!any)
            printf("  (none)\n");
    }
}

static json_t *as_array(const uint32_t *as, uint32_t n)
{
    json_t *a = json_array();
    for (uint32_t i = 0; i < n; i++)
        json_array_append_new(a, json_integer(as[i]));
    return a;
}

static json_t *time_json(uint32_t t)
{
    if (!t)
        return json_null();
    char b[40];
    pm_format_time((uint64_t)t * 1000000u, b, sizeof b);
    return json_string(b);
}

static int print_json(const struct pm_bgp_unit *u, size_t n, uint32_t rib_time, uint32_t at, uint32_t ff)
{
    json_t *doc = json_object();
    json_object_set_new(doc, "schema", json_string("pathmortem-bgp-state/1"));
    json_object_set_new(doc, "at", time_json(at));
    json_object_set_new(doc, "rib_time", time_json(rib_time));
    json_object_set_new(doc, "full_feed_peers", json_integer(ff));
    json_object_set_new(doc, "visibility_rule",
                        json_string("visible when seen by more than 50 % of the full-feed peers (IODA)"));
    json_t *pf = json_array(), *s24 = json_array();
    for (size_t i = 0; i < n; i++) {
        char a[16], pfx[24];
        snprintf(pfx, sizeof pfx, "%s/%u", pm_addr_str(u[i].addr, a), u[i].len);
        json_t *o = json_object();
        json_object_set_new(o, "prefix", json_string(pfx));
        json_object_set_new(o, "state", json_string(state_name(&u[i])));
        json_object_set_new(o, "full_feed_seen", json_integer(u[i].ff_seen));
        json_object_set_new(o, "full_feed_seen_rib", json_integer(u[i].ff_seen_rib));
        json_object_set_new(o, "announced_rib", json_boolean(u[i].visible_rib));
        json_object_set_new(o, "peers_seen", json_integer(u[i].peers_seen));
        json_object_set_new(o, "origins", as_array(u[i].origins, u[i].n_origins));
        json_object_set_new(o, "upstreams", as_array(u[i].upstreams, u[i].n_upstreams));
        json_object_set_new(o, "upstreams_rib", as_array(u[i].upstreams_rib, u[i].n_upstreams_rib));
        json_t *paths = json_array();
        for (uint32_t k = 0; k < u[i].n_paths; k++) {
            json_t *p = json_object();
            json_object_set_new(p, "path", json_string(u[i].paths[k].path));
            json_object_set_new(p, "peers", json_integer(u[i].paths[k].peers));
            json_array_append_new(paths, p);
        }
        json_object_set_new(o, "paths", paths);
        json_t *sides = json_array();
        for (uint32_t k = 0; k < u[i].n_sides; k++) {
            json_t *sd = json_object();
            json_object_set_new(sd, "upstream_asn", json_integer(u[i].sides[k].asn));
            json_object_set_new(sd, "full_feed_seen", json_integer(u[i].sides[k].ff_seen));
            json_object_set_new(sd, "full_feed_seen_rib", json_integer(u[i].sides[k].ff_seen_rib));
            json_object_set_new(sd, "carried", json_boolean(u[i].sides[k].ff_seen > 0));
            json_array_append_new(sides, sd);
        }
        json_object_set_new(o, "sides", sides);
        json_object_set_new(o, "last_change", time_json(u[i].last_change));
        json_object_set_new(o, "first_change", json_string(pm_bgp_cause_name(u[i].cause)));
        json_object_set_new(o, "first_change_as", u[i].cause_as ? json_integer(u[i].cause_as) : json_null());
        json_object_set_new(o, "first_change_time", time_json(u[i].cause_time));
        json_object_set_new(o, "explanation", json_string(u[i].cause_text));
        if (u[i].cause == PM_BGP_CAUSE_HIJACK || u[i].cause == PM_BGP_CAUSE_LEAK) {
            /* additive: the hijacker's or leaker's prefix, and whether it still stands */
            char ab[16], key[24];
            snprintf(key, sizeof key, "%s/%u", pm_addr_str(u[i].cause_addr, ab), u[i].cause_len);
            json_object_set_new(o, "first_change_prefix", json_string(key));
            json_object_set_new(o, "first_change_standing", json_boolean(u[i].cause_standing));
        }
        json_array_append_new(u[i].is_slash24 ? s24 : pf, o);
    }
    json_object_set_new(doc, "prefixes", pf);
    json_object_set_new(doc, "slash24", s24);
    int rc = json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    json_decref(doc);
    return rc == 0 && fputc('\n', stdout) != EOF ? 0 : -1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int pm_cli_bgp_state(int argc, char **argv)
{
    struct state_opts o = {0};
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc < 0 ? PM_EXIT_OK : rc;
    /* the RIB and update files are untrusted input: drop before reading any (as bgp dump) */
    if ((rc = pm_cli_offline_drop("bgp state", o.rib)))
        return rc;
    char err[PM_ERRBUF_SIZE];
    static struct pm_presets presets;
    if (pm_presets_load_default(&presets, err) != PM_OK || (o.presets && pm_presets_load(&presets, o.presets, err) != PM_OK)) {
        pm_cli_error("bgp state: %s", err);
        return PM_EXIT_USAGE;
    }
    struct pm_targets t = {0};
    for (int i = optind; i < argc; i++) {
        if (pm_targets_add(&t, argv[i], &presets, false, err) != PM_OK) {
            pm_cli_error("bgp state: %s", err);
            pm_targets_free(&t);
            return PM_EXIT_USAGE;
        }
    }
    struct pm_bgp_watch *w = calloc(t.n ? t.n : 1, sizeof *w);
    if (!w) {
        pm_targets_free(&t);
        return PM_EXIT_SOFTWARE;
    }
    for (uint32_t i = 0; i < t.n; i++)
        w[i] = (struct pm_bgp_watch){t.items[i].addr, t.items[i].len};
    struct pm_bgp_state_opts so = {.watch = w, .nwatch = t.n, .full_feed_min = (uint32_t)o.full_feed};
    if (t.preset) {
        so.expected_origin = t.preset->target_asn;
        so.expected_upstreams = t.preset->watch;
        so.nexpected_upstreams = t.preset->n_watch;
    }
    if (o.at) {
        uint64_t us;
        if (pm_parse_time(o.at, pm_cli_now_us(), &us, err) != PM_OK) {
            pm_cli_error("bgp state: --at: %s", err);
            free(w);
            pm_targets_free(&t);
            return PM_EXIT_USAGE;
        }
        so.at = (uint32_t)(us / 1000000u);
    }
    struct pm_bgp_state *st;
    rc = pm_bgp_state_new(&so, &st, err);
    free(w);
    pm_targets_free(&t);
    if (rc != PM_OK) {
        pm_cli_error("bgp state: %s", err);
        return PM_EXIT_USAGE;
    }
    struct pm_mrt_stats ms;
    int ex = pm_cli_bgp_read(o.rib, pm_bgp_state_feed, st, &ms);
    pm_bgp_state_rib_done(st);
    for (int i = 0; ex == PM_EXIT_OK && i < o.nupdates; i++) {
        glob_t g;
        int gr = glob(o.updates[i], 0, NULL, &g);
        if (gr == GLOB_NOMATCH) {
            pm_cli_error("bgp state: --mrt-updates '%s' matches no file", o.updates[i]);
            ex = PM_EXIT_NOINPUT;
            break;
        }
        if (gr != 0) {
            pm_cli_error("bgp state: --mrt-updates '%s': cannot expand", o.updates[i]);
            ex = PM_EXIT_OSERR;
            break;
        }
        /* glob sorts already; sorted again so the order is stated here, not assumed. */
        qsort(g.gl_pathv, g.gl_pathc, sizeof *g.gl_pathv, cmp_str);
        for (size_t k = 0; ex == PM_EXIT_OK && k < g.gl_pathc; k++)
            ex = pm_cli_bgp_read(g.gl_pathv[k], pm_bgp_state_feed, st, &ms);
        globfree(&g);
    }
    if (ex != PM_EXIT_OK) {
        /* nothing is printed from a half-read set of files */
        pm_bgp_state_free(st);
        return ex;
    }
    struct pm_bgp_unit *units;
    size_t n;
    uint32_t rib_time, at, ff;
    rc = pm_bgp_state_finish(st, &units, &n, &rib_time, &at, &ff, err);
    pm_bgp_state_free(st);
    if (rc != PM_OK) {
        pm_cli_error("bgp state: %s", err);
        return PM_EXIT_DATAERR;
    }
    if (o.json) {
        if (print_json(units, n, rib_time, at, ff) != 0)
            ex = PM_EXIT_IOERR;
    } else {
        print_text(units, n, rib_time, at, ff);
    }
    free(units);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        pm_cli_error("bgp: write error");
        return PM_EXIT_IOERR;
    }
    return ex;
}
