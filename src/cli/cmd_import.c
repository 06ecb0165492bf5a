/* cmd_import.c - `pathmortem import FILE`: pathmortem exports or other systems' traceroute files into a store, duplicates skipped. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/offline.h"
#include "cli/sweep.h"
#include "pathmortem/capture.h"
#include "pathmortem/store.h"

static const char usage_text[] =
    "usage: pathmortem import [--store PATH] [--preset NAME] [--asn-db FILE] [--geo-db FILE] FILE|-\n"
    "\n"
    "Reads snapshots written by `pathmortem export` into the store (created if missing). Every line\n"
    "is validated strictly; a bad line stops the import with its line number. A file is checked\n"
    "whole before anything is stored, so a bad line imports nothing (and creates no store); from\n"
    "stdin ('-') the lines before the bad one are kept. Each snapshot goes in its own transaction;\n"
    "snapshots already in the store (same start time and vantage) are skipped and counted.\n"
    "\n"
    "FILE may also be another system's traceroute data, told by its content (RIPE Atlas traceroute\n"
    "results, scamper warts, sc_warts2json output, a pcap/pcapng capture of any traceroute tool):\n"
    "it is read and analyzed whole first, then each vantage's run (one per Atlas probe, scamper\n"
    "monitor or capturing host, and round) is stored as a snapshot of that vantage. IPv6 traces\n"
    "are counted, not stored.\n"
    "\n"
    "  --store STORE    snapshot store: an SQLite path or a PostgreSQL URI / libpq keywords\n"
    "                   (default $PATHMORTEM_STORE or " PM_STORE_DEFAULT_PATH ")\n"
    "  --preset NAME    target AS and watched upstreams for the analysis of foreign files\n"
    "  --asn-db FILE    GeoLite2-ASN-shaped MMDB for that analysis (default: the shipped database)\n"
    "  --geo-db FILE    GeoLite2/DB-IP City- or Country-shaped MMDB\n"
    "\n"
    "exit status: 0 done, 64 usage, 65 bad line, a file of another kind or corrupt/foreign store,\n"
    "66 missing file, 75 another run holds the store's lock.\n";

/* Another system's file: read and analyzed whole, then one snapshot per run. */
/* A pipe (stdin, a FIFO) cannot be read twice: it is copied whole into an
 * unnamed temp file first (tmpfile(): O_TMPFILE in /tmp, gone with the
 * process), so that it is told by content and checked whole before any store
 * is created, exactly as a file is. Returns the copy (rewound) or NULL with
 * *status set (the error printed). */
static FILE *spool_pipe(FILE *in, const char *path, int *status)
{
    FILE *copy = tmpfile();
    if (!copy) {
        pm_cli_error("%s: cannot make a temporary copy of the input: %m", path);
        *status = PM_EXIT_CANTCREAT;
        return NULL;
    }
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        if (fwrite(buf, 1, n, copy) != n) {
            pm_cli_error("%s: cannot write the temporary copy of the input: %m", path);
            fclose(copy);
            *status = PM_EXIT_IOERR;
            return NULL;
        }
    }
    if (ferror(in)) {
        pm_cli_error("%s: read error: %m", path);
        fclose(copy);
        *status = PM_EXIT_IOERR;
        return NULL;
    }
    if (fflush(copy) != 0 || fseek(copy, 0, SEEK_SET) != 0) {
        pm_cli_error("%s: cannot write the temporary copy of the input: %m", path);
        fclose(copy);
        *status = PM_EXIT_IOERR;
        return NULL;
    }
    return copy;
}

/* Does the capture hold pathmortem's own probes? Those are not another tool's traceroute: read
 * by the foreign matcher they would lose their seal and vantage, so import refuses them. The
 * stream is rewound. */
static bool own_capture(FILE *in, const char *path)
{
    int fd = dup(fileno(in));
    FILE *own = fd >= 0 ? fdopen(fd, "rb") : NULL;
    if (!own) {
        if (fd >= 0)
            close(fd);
        return false;
    }
    char err[PM_ERRBUF_SIZE];
    struct pm_capture *cap = NULL;
    bool yes = false;
    /* the shared offset is wherever in's buffering left it: from the start, on this handle */
    if (fseeko(own, 0, SEEK_SET) != 0) {
        fclose(own);
        return false;
    }
    if (pm_capture_open_stream(own, path, &cap, err) == PM_OK) { /* the capture owns own now */
        struct pm_capture_run_opts ro = {.gaplimit = PM_GAPLIMIT_DEFAULT};
        struct pm_capture_run_notes notes;
        memset(&notes, 0, sizeof notes);
        struct pm_run *run = NULL;
        int rc = pm_run_from_capture(cap, path, &ro, &run, &notes, err);
        yes = rc == PM_OK || !notes.no_probes;
        pm_run_free(run);
        pm_capture_close(cap);
    }
    rewind(in);
    return yes;
}

static int import_peers(const char *store_path, FILE *in, const char *path, enum pm_peer_kind kind,
                        struct pm_cli_sweep *sw, const char *preset)
{
    char err[PM_ERRBUF_SIZE];
    int rc = sw->presets_file ? pm_presets_load(&sw->presets, sw->presets_file, err)
                              : pm_presets_load_default(&sw->presets, err);
    if (rc) {
        pm_cli_error("%s", err);
        return PM_EXIT_DATAERR;
    }
    struct pm_cli_peers p;
    if ((rc = pm_cli_peers_load(sw, in, path, kind, preset, &p))) {
        pm_cli_peers_free(&p);
        return rc; /* nothing opened, nothing created */
    }
    if (!p.set.n_runs) {
        pm_cli_error("%s: holds only IPv6 traces (%u), which the store does not keep", path, p.set.n_v6);
        pm_cli_peers_free(&p);
        return PM_EXIT_DATAERR;
    }
    struct pm_store *s;
    if ((rc = pm_store_open(store_path, PM_STORE_CREATE, &s, err))) {
        pm_cli_error("%s", err);
        pm_cli_peers_free(&p);
        return pm_cli_exit_in(rc, PM_CLI_EXIT_IMPORT);
    }
    uint32_t imported = 0, dups = 0;
    for (uint32_t i = 0; i < p.set.n_runs && !rc; i++) {
        rc = pm_store_save_snapshot(s, p.set.runs[i], p.analyses[i], NULL, NULL, err);
        if (rc == PM_EINVAL) { /* same start and vantage already stored */
            dups++;
            rc = PM_OK;
        } else if (!rc) {
            imported++;
        }
    }
    pm_store_close(s);
    uint32_t n_vantages = 0;
    for (uint32_t i = 0; i < p.set.n_runs; i++) {
        bool first = true;
        for (uint32_t k = 0; k < i && first; k++)
            first = strcmp(p.set.runs[k]->vantage, p.set.runs[i]->vantage) != 0;
        n_vantages += first;
    }
    uint32_t v6 = p.set.n_v6;
    pm_cli_peers_free(&p);
    if (rc) {
        pm_cli_error("%s: %s (%u snapshot%s stored before)", path, err, imported, imported == 1 ? "" : "s");
        return pm_cli_exit_in(rc, PM_CLI_EXIT_IMPORT);
    }
    fprintf(stderr, "pathmortem: imported %u snapshot%s from %u vantage%s, skipped %u already stored", imported,
            imported == 1 ? "" : "s", n_vantages, n_vantages == 1 ? "" : "s", dups);
    if (v6)
        fprintf(stderr, "; %u IPv6 trace%s not stored (the store is IPv4)", v6, v6 == 1 ? "" : "s");
    fputc('\n', stderr);
    return PM_EXIT_OK;
}

int pm_cmd_import(int argc, char **argv)
{
    enum { OPT_PRESET = 1000, OPT_ASN_DB, OPT_GEO_DB };
    static const struct option opts[] = {
        {"store", required_argument, 0, 's'},       {"preset", required_argument, 0, OPT_PRESET},
        {"asn-db", required_argument, 0, OPT_ASN_DB}, {"geo-db", required_argument, 0, OPT_GEO_DB},
        {"help", no_argument, 0, 'h'},              {0, 0, 0, 0}};
    const char *store_path = pm_store_default_path(), *preset = NULL;
    struct pm_cli_sweep sw;
    memset(&sw, 0, sizeof sw);
    sw.eng.gaplimit = PM_GAPLIMIT_DEFAULT;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's': store_path = optarg; break;
        case OPT_PRESET: preset = optarg; break;
        case OPT_ASN_DB: sw.asn_db = optarg; break;
        case OPT_GEO_DB: sw.geo_db = optarg; break;
        case 'h': fputs(usage_text, stdout); return PM_EXIT_OK;
        default: fputs(usage_text, stderr); return PM_EXIT_USAGE;
        }
    }
    if (argc - optind != 1) {
        pm_cli_error("import takes one file (or - for stdin); see --help");
        return PM_EXIT_USAGE;
    }
    const char *path = argv[optind];
    char err[PM_ERRBUF_SIZE];
    /* the file is opened after the drop: what the store's owner cannot read does not get into
     * its store through a root run (a file named on the command line is as untrusted as its bytes) */
    int rc = pm_cli_offline_drop("import", store_path);
    if (rc)
        return rc;
    FILE *in = strcmp(path, "-") ? fopen(path, "re") : stdin;
    if (!in) {
        pm_cli_error("cannot read %s: %m", path);
        return PM_EXIT_NOINPUT;
    }
    if (in == stdin || fseek(in, 0, SEEK_SET) != 0) {
        FILE *copy = spool_pipe(in, path, &rc);
        if (in != stdin)
            fclose(in);
        if (!copy)
            return rc;
        in = copy;
    }
    /* what the file is comes from its content: an export, or another system's traceroute data */
    if (in != stdin) {
        uint8_t head[64];
        size_t got = fread(head, 1, sizeof head, in);
        rewind(in);
        enum pm_peer_kind kind = pm_peers_sniff(head, got);
        /* a capture is another tool's traceroute, matched by what the ICMP errors quote */
        if (kind == PM_PEER_PCAP && own_capture(in, path)) {
            fclose(in);
            pm_cli_error("%s: a capture of pathmortem's own probes, not another tool's traceroute: analyze it, or "
                         "store runs with 'pathmortem snapshot' (nothing imported)", path);
            return PM_EXIT_DATAERR;
        }
        if (kind == PM_PEER_WARTS || kind == PM_PEER_PCAP ||
            (kind == PM_PEER_JSON && !pm_peers_is_export(head, got))) {
            rc = import_peers(store_path, in, path, kind, &sw, preset);
            fclose(in);
            pm_cli_sweep_free(&sw);
            return rc;
        }
        /* checked whole before the store is opened: a bad file creates no store */
        struct pm_import_stats chk;
        if ((rc = pm_store_import_check(in, &chk, err)) && rc != PM_EUNSUPP) {
            fclose(in);
            pm_cli_error("%s: %s", path, err);
            return pm_cli_exit_in(rc, PM_CLI_EXIT_IMPORT);
        }
    }
    struct pm_store *s;
    rc = pm_store_open(store_path, PM_STORE_CREATE, &s, err);
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
