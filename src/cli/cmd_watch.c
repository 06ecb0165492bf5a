/* cmd_watch.c - `pathmortem watch`: options and help of the live view (mtr-like), then trace's privileged open and drop around watch_run.c's cycles. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/sweep.h"
#include "cli/watch.h"

static const char usage_text[] =
    "usage: pathmortem watch [options] TARGET|PREFIX|PRESET...\n"
    "\n"
    "A live view in the terminal, like mtr: sweeps the targets again and again with trace's engine,\n"
    "matcher and analyzer, and shows per hop the address, name, ASN and AS name, loss, probes sent,\n"
    "last/avg/best/worst RTT, jitter and MPLS labels, updated as replies arrive, under the verdict\n"
    "line of the last complete cycle (for a prefix or preset: one line per /24 and per upstream).\n"
    "Keys: q quit, p (or space) pause and resume, r reset the figures, v switch between the hop and\n"
    "the verdict view, w write the pcap so far (at most 6 times; the whole session is written on\n"
    "quit). Needs root or CAP_NET_RAW; privileges are dropped as in trace.\n"
    "\n"
    "watch options:\n"
    "      --report N             no screen: N cycles, then the table (like mtr -r) or, with\n"
    "                             --format json, the same figures as JSON\n"
    "      --interval SECONDS     time from the start of one cycle to the next (default 1)\n"
    "      --format FMT           text or json, for --report (json alone means --report 10)\n"
    "  -o, --output FILE          write the report to FILE instead of stdout\n"
    "  -n, --numeric              no reverse DNS: addresses only (default: names asked as hops\n"
    "                             appear, never waited for)\n"
    "  -w, --write FILE.pcap      every probe and reply of the session (default\n"
    "                             pathmortem-<UTC time>-<pid>.pcap); one run per cycle\n"
    "      --no-pcap              write no pcap file\n"
    "\n"
    "probing (as trace):\n"
    "  -m, --method icmp|udp|tcp  probe protocol (default icmp)\n"
    "  -I, -U                     traceroute's spellings of -m icmp, -m udp\n"
    "  -p, --port N               udp/tcp destination port (udp 33434, tcp 80)\n"
    "  -f, --first-ttl N          first TTL (default 1)\n"
    "  -M, --max-ttl N            highest TTL (default 30, at most 64)\n"
    "  -q, --queries N            probes per hop and cycle (default 1; 1 to 6)\n"
    "  -W, --wait SECONDS         wait for a reply (default 2)\n"
    "  -r, --rate PPS             global probe rate (default 1000)\n"
    "      --flow N, --classic    another Paris flow; classic varying probes\n"
    "      --retries N            extra probes for a silent hop (default 1; counted in Sent)\n"
    "      --gaplimit N           silent hops in a row that end a path (default " PM_CLI_STR(PM_GAPLIMIT_DEFAULT) ")\n"
    "      --split-ttl N          first TTL tried in a prefix nothing is known about (default 16)\n"
    "      --no-stopset           probe every hop of every target\n"
    "      --target-timeout SEC   give up on one target in a cycle (default 60)\n"
    "      --timeout SEC          end the whole session (exit 3)\n"
    "      --allow-large          allow sweeps larger than a /16\n"
    "  -i, --interface IFACE      send and capture on IFACE\n"
    "  -s, --source ADDR          source address\n"
    "  -T, --targets FILE         read targets from FILE, one per line ('-' for stdin)\n"
    "      --presets FILE         preset file instead of the shipped and user ones\n"
    "      --user USER            user to drop to when started as root (default nobody)\n"
    "      --asn-db FILE          GeoLite2-ASN-shaped MMDB (default: the shipped database)\n"
    "      --geo-db FILE          GeoLite2/DB-IP City- or Country-shaped MMDB\n"
    "\n"
    "exit status: 0 quit, or no path died in the last cycle (--report), 1 some died, 2 all died,\n"
    "3 cut short (signal, --timeout), 64 usage, 65 bad data, 71 system error, 73 cannot create an\n"
    "output file, 74 write error, 77 missing privilege.\n";

enum { OPT_W_REPORT = 2000, OPT_W_INTERVAL };

static const struct option watch_opts[] = {
    {"report", required_argument, 0, OPT_W_REPORT},
    {"interval", required_argument, 0, OPT_W_INTERVAL},
    {0, 0, 0, 0},
};

static int watch_opt(void *ctx, int opt, const char *arg)
{
    struct pm_cli_watch *cw = ctx;
    unsigned long v;
    double d;
    switch (opt) {
    case OPT_W_REPORT:
        if (pm_input_uint(arg, 1, 100000, &v)) {
            pm_cli_error("watch: --report '%s' is invalid (cycles, 1 to 100000)", arg);
            return PM_EXIT_USAGE;
        }
        cw->report = (uint32_t)v;
        return 0;
    case OPT_W_INTERVAL:
        if (pm_input_double(arg, 0, 3600, &d) != PM_OK) {
            pm_cli_error("watch: --interval '%s' is invalid (seconds, 0 to 3600)", arg);
            return PM_EXIT_USAGE;
        }
        cw->interval_ms = (uint32_t)(d * 1000.0 + 0.5);
        return 0;
    }
    return -1;
}

/* What trace accepts but a live view cannot do, refused in one line. */
static int check_opts(struct pm_cli_sweep *s, struct pm_cli_watch *cw)
{
    if (s->format != PM_FMT_TEXT && s->format != PM_FMT_JSON) {
        pm_cli_error("watch: --format %s is not a watch format (text or json)", pm_format_name(s->format));
        return PM_EXIT_USAGE;
    }
    if (s->format == PM_FMT_JSON && !cw->report)
        cw->report = 10; /* JSON is a report: mtr's --json too */
    if (s->output && !cw->report) {
        pm_cli_error("watch: -o %s writes a report: give --report N (the live view is the terminal)", s->output);
        return PM_EXIT_USAGE;
    }
    if (s->compare_methods) {
        pm_cli_error("watch: --compare-methods belongs to trace (watch sweeps with one method)");
        return PM_EXIT_USAGE;
    }
    if (s->verbose) {
        pm_cli_error("watch: --verbose belongs to trace (press v for the verdict view)");
        return PM_EXIT_USAGE;
    }
    if (!cw->report && (!isatty(0) || !isatty(1))) {
        /* said before any socket is opened: nothing is probed for a screen no one sees */
        pm_cli_error("watch: the live view needs a terminal (use --report N for a table)");
        return PM_EXIT_USAGE;
    }
    return 0;
}

int pm_cmd_watch(int argc, char **argv)
{
    struct pm_cli_sweep s;
    struct pm_cli_watch cw;
    memset(&cw, 0, sizeof cw);
    cw.interval_ms = 1000;
    int rc = pm_cli_sweep_parse(&s, argc, argv, "watch", usage_text, watch_opts, "", watch_opt, &cw);
    if (rc == 0)
        rc = check_opts(&s, &cw);
    if (rc == 0) {
        /* one probe per hop and cycle, as mtr; the retries stay trace's, since without them a
         * rate-limited hop reads as a dead path (loss counts every probe sent, retries included) */
        if (!s.given_queries)
            s.eng.queries = 1;
        s.eng.progress = false; /* the screen or the report says how far it is */
        cw.timeout_ms = s.eng.run_timeout_ms;
        s.eng.run_timeout_ms = 0;
        cw.s = &s;
        s.before_drop = pm_cli_watch_before_drop;
        s.sweep_fn = pm_cli_watch_run;
        s.eng.tick = pm_cli_watch_tick;
        s.eng.tick_ctx = &cw;
        s.after_drop_ctx = &cw;
        rc = pm_cli_sweep_run(&s);
        pm_cli_watch_done(&cw);
        if (cw.w_ready)
            pm_watch_free(&cw.w);
    }
    if (rc == 0)
        rc = pm_cli_sweep_commit_pcap(&s);
    if (rc == 0)
        rc = cw.status;
    pm_cli_sweep_free(&s);
    return rc < 0 ? PM_EXIT_OK : rc;
}
