/* cmd_trace.c - `pathmortem trace`: sweep targets live and print where their paths die. */
#include <stdio.h>

#include "cli/commands.h"
#include "cli/sweep.h"

static const char usage_text[] =
    "usage: pathmortem trace [options] TARGET...\n"
    "\n"
    "Probe TARGETs (addresses, host names, prefixes such as 175.45.176.0/22, or presets such as\n"
    "'starjv') with TTL-stepped probes from a raw socket, capture every probe and reply, and show\n"
    "where each path dies, in whose network, and how. Needs root or CAP_NET_RAW; privileges are\n"
    "dropped once the sockets and output files are open, and target files, presets and host names\n"
    "are read by an unprivileged child. -o and -w appear under their names only when complete.\n"
    "SIGINT, SIGTERM and SIGHUP stop probing, wait for the replies in flight and keep the run\n"
    "(marked partial). Options may follow the targets; '--' ends them.\n"
    "\n"
    "probing:\n"
    "  -m, --method icmp|udp|tcp  probe protocol (default icmp; a number is refused: max TTL is -M)\n"
    "  -I, -U                     traceroute's spellings of -m icmp, -m udp (-T is --targets here)\n"
    "  -p, --port N               udp/tcp destination port (udp 33434, tcp 80)\n"
    "  -f, --first-ttl N          first TTL (default 1)\n"
    "  -M, --max-ttl N            highest TTL (default 30, at most 64)\n"
    "  -q, --queries N            probes per hop (default 3 for one target, 1 for sweeps; 1 to 6)\n"
    "  -W, --wait SECONDS         wait for a reply (default 2)\n"
    "  -r, --rate PPS             global probe rate (default 1000)\n"
    "      --flow N               Paris flow id: another constant flow (default 0)\n"
    "      --classic              classic probes whose hashed fields vary (shows ECMP mixing)\n"
    "      --retries N            extra probes for a silent hop (default 1; +2 when it looks rate limited)\n"
    "      --gaplimit N           silent hops in a row that end a path (default " PM_CLI_STR(PM_GAPLIMIT_DEFAULT) ")\n"
    "      --split-ttl N          first TTL tried in a prefix nothing is known about (default 16)\n"
    "      --no-stopset           probe every hop of every target (no Doubletree stop set)\n"
    "      --target-timeout SEC   give up on one target (default 60)\n"
    "      --timeout SEC          give up on the whole run (default none)\n"
    "      --allow-large          allow sweeps larger than a /16\n"
    "      --compare-methods      re-probe each death point with icmp, udp, tcp/80 and tcp/443 and\n"
    "                             say filter or dead route\n"
    "      --mrt-dir DIR          both planes: the control plane at the run's time from the MRT files\n"
    "                             of DIR (the last rib.*/bview.* before the run, the updates.* files)\n"
    "                             beside each /24's and each upstream side's data plane (a bad file:\n"
    "                             the run is written without it, exit 65)\n"
    "  -i, --interface IFACE      send and capture on IFACE (default: the route to the first target)\n"
    "  -s, --source ADDR          source address (default: that interface's)\n"
    "  -T, --targets FILE         read targets from FILE, one per line ('-' for stdin); an address\n"
    "                             or prefix after -T is refused (traceroute's -T: use -m tcp)\n"
    "      --presets FILE         preset file instead of the shipped and user ones\n"
    "      --user USER            user to drop to when started as root (default nobody)\n"
    "\n"
    "output:\n"
    "  -w, --write FILE.pcap      every probe and reply (default pathmortem-<UTC time>-<pid>.pcap); a bare\n"
    "                             number is refused (traceroute's wait is -W here): write ./N\n"
    "      --no-pcap              write no pcap file (refused together with -w)\n"
    "  -n, --numeric              no reverse DNS: hop addresses only (default: names looked up after\n"
    "                             the probing, 4 s in all, shown beside the addresses)\n"
    "      --format FMT           text, json, csv, dot, svg or html (default text)\n"
    "  -o, --output FILE          write the document to FILE instead of stdout\n"
    "      --asn-db FILE          GeoLite2-ASN-shaped MMDB (default: the shipped database)\n"
    "      --geo-db FILE          GeoLite2/DB-IP City- or Country-shaped MMDB\n"
    "      --verbose              detail for every target, not only died ones and one per path\n"
    "      --color auto|never|always\n"
    "      --progress, --no-progress   progress bar on stderr (default: when stderr is a terminal)\n"
    "\n"
    "exit status: 0 no path died, 1 some died, 2 all died, 3 run cut short (signal, --timeout), 64 usage,\n"
    "65 bad data, 71 system error, 73 cannot create an output file, 74 write error (disk full, closed\n"
    "pipe), 77 missing privilege.\n";

int pm_cmd_trace(int argc, char **argv)
{
    struct pm_cli_sweep s;
    int rc = pm_cli_sweep_parse(&s, argc, argv, "trace", usage_text, NULL, NULL, NULL, NULL);
    if (rc == 0)
        rc = pm_cli_sweep_run(&s);
    if (rc == 0)
        rc = pm_cli_sweep_commit_pcap(&s);
    if (rc == 0) {
        rc = pm_cli_write_output(&s, s.eng.pcap_path);
        if (rc == 0)
            rc = s.mrt_status ? s.mrt_status : pm_cli_reach_status(s.run, s.analysis);
    }
    pm_cli_sweep_free(&s);
    return rc < 0 ? PM_EXIT_OK : rc;
}
