/* cmd_snapshot.c - `pathmortem snapshot`: sweep + analysis + store, safe to run from cron or a systemd timer. */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/sweep.h"
#include "pathmortem/priv.h"
#include "pathmortem/store.h"

enum {
    OPT_STORE = 2000, OPT_PROM, OPT_KEEP_DAYS, OPT_KEEP_COUNT, OPT_QUIET, OPT_HISTORY_DAYS, OPT_KEEP_HOPS, OPT_VANTAGE,
    OPT_SPOOL, OPT_PCAP_TO_STORE
};

static const char usage_text[] =
    "usage: pathmortem snapshot [trace options] [--store STORE] [--vantage NAME] [--prom FILE] TARGET...\n"
    "\n"
    "Sweep TARGETs as `pathmortem trace` does, analyze, and record the snapshot (run metadata,\n"
    "per-target verdicts and hops, the pcap compressed beside the store) in ONE transaction of the\n"
    "store. Meant for cron or a systemd timer: a lock keeps overlapping runs from both writing to an\n"
    "SQLite store, and a killed run leaves the store as it was.\n"
    "\n"
    "  --store STORE         an SQLite path (default $PATHMORTEM_STORE or /var/lib/pathmortem/store.db;\n"
    "                        created if missing) or a PostgreSQL store: a postgresql:// URI or libpq\n"
    "                        keywords (\"service=fleet\"), its schema made by `pathmortem store init`;\n"
    "                        the password from ~/.pgpass, PGPASSFILE or a service file, never here\n"
    "  --vantage NAME        the vantage this snapshot is taken from (default: the host name)\n"
    "  --spool DIR           PostgreSQL store: where this vantage keeps its pcaps and the snapshots the\n"
    "                        server could not take, sent on the next run (default $PATHMORTEM_SPOOL or\n"
    "                        " PM_STORE_DEFAULT_SPOOL ")\n"
    "  --prom FILE           also write Prometheus textfile-collector metrics (atomically)\n"
    "  --pcap-to-store       keep the run's capture inside the store (gzip, with its sha256, in the\n"
    "                        snapshot's transaction) instead of a file beside it; read it back with\n"
    "                        `pathmortem store pcap`\n"
    "  --keep-pcaps DAYS     delete stored pcaps older than DAYS (default 30; 0 keeps all)\n"
    "  --keep-count N        keep the pcaps of the newest N snapshots only (default 0: no limit)\n"
    "  --keep-hops DAYS      drop the hop rows of snapshots older than DAYS, keeping their verdicts\n"
    "                        (default 90; 0 keeps all; about 200 KB per /22 snapshot)\n"
    "  --history-days N      use snapshots of the last N days as router-ownership evidence (default 30)\n"
    "  --quiet               print nothing but errors\n"
    "  -n, --numeric         store no host names (default: the hops' names by reverse DNS, looked up\n"
    "                        after probing, kept with the snapshot for history, diff and export)\n"
    "  (every `pathmortem trace` option: see 'pathmortem trace --help')\n"
    "\n"
    "Started as root, it creates a missing store directory 0750 for the user it drops to (--user)\n"
    "and refuses one that user does not own; the store is opened only after the drop.\n"
    "\n"
    "exit status: 0 no path died, 1 some died, 2 all died, 3 run cut short (signal, --timeout), 75 another\n"
    "snapshot holds the lock, 64 usage, 65 corrupt or foreign store, 71 system error, 73 cannot create,\n"
    "74 write error (disk full), 77 missing privilege or a store directory the drop user does not own.\n";

struct snap_opts {
    const char *store_path;
    const char *vantage, *spool;
    bool server;      /* store_path names a PostgreSQL store */
    bool unreachable; /* ... which could not be reached: this snapshot is spooled */
    char spool_anchor[4200]; /* "<spool>/store": the spool prepared as a store's directory */
    const char *prom;
    unsigned long keep_days, keep_count, history_days, keep_hops;
    bool quiet, pcap_to_store;
    struct pm_store *store;
    struct pm_history_fact *facts;
    int dirfd;   /* the store's directory, verified while privileged */
};

static int extra(void *ctx, int opt, const char *arg)
{
    struct snap_opts *o = ctx;
    switch (opt) {
    case OPT_STORE: o->store_path = arg; return 0;
    case OPT_SPOOL: o->spool = arg; return 0;
    case OPT_VANTAGE:
        /* a label in every output and the Prometheus file: printable, bounded */
        for (const char *p = arg; *p; p++)
            if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e || *p == '"' || *p == '\\') {
                pm_cli_error("snapshot: --vantage '%s': printable ASCII without spaces, quotes or backslashes", arg);
                return PM_EXIT_USAGE;
            }
        if (!*arg || strlen(arg) > 63) {
            pm_cli_error("snapshot: --vantage takes 1 to 63 characters");
            return PM_EXIT_USAGE;
        }
        o->vantage = arg;
        return 0;
    case OPT_PROM: o->prom = arg; return 0;
    case OPT_QUIET: o->quiet = true; return 0;
    case OPT_PCAP_TO_STORE: o->pcap_to_store = true; return 0;
    case OPT_KEEP_DAYS:
        if (pm_input_uint(arg, 0, 36500, &o->keep_days) != PM_OK)
            break;
        return 0;
    case OPT_KEEP_COUNT:
        if (pm_input_uint(arg, 0, 10000000, &o->keep_count) != PM_OK)
            break;
        return 0;
    case OPT_HISTORY_DAYS:
        if (pm_input_uint(arg, 0, 3650, &o->history_days) != PM_OK)
            break;
        return 0;
    case OPT_KEEP_HOPS:
        if (pm_input_uint(arg, 0, 36500, &o->keep_hops) != PM_OK)
            break;
        return 0;
    default:
        return -1;
    }
    pm_cli_error("snapshot: '%s' is not a valid count", arg);
    return PM_EXIT_USAGE;
}

/* Still privileged, outputs open: the store's directory becomes the drop
 * user's (or is checked to be), and the capture goes to an unnamed file in
 * it. Root opens no file in that directory by name. */
static int prepare(void *ctx, struct pm_cli_sweep *s)
{
    struct snap_opts *o = ctx;
    char err[PM_ERRBUF_SIZE];
    /* a server store: the spool is the local directory, prepared as a file store's would be */
    const char *path = o->server ? o->spool_anchor : o->store_path ? o->store_path : pm_store_default_path();
    int rc;
    if (s->was_root) {
        const char *user = s->user ? s->user : PM_PRIV_DEFAULT_USER;
        const struct passwd *pw = getpwnam(user);
        if (!pw) {
            pm_cli_error("snapshot: no user '%s' to drop to", user);
            return PM_EXIT_NOPERM;
        }
        rc = pm_store_prepare_dir(path, pw->pw_uid, pw->pw_gid, &o->dirfd, err);
    } else {
        rc = pm_store_open_dir(path, &o->dirfd, err);
    }
    if (rc != PM_OK) {
        pm_cli_error("snapshot: %s", err);
        return rc == PM_EPERM ? PM_EXIT_NOPERM : PM_EXIT_CANTCREAT;
    }
    if (s->files.pcap.direct) {
        pm_cli_error("snapshot: -w must name a file (the store keeps a copy of it)");
        return PM_EXIT_USAGE;
    }
    if (!s->no_pcap && !s->files.pcap.active)
        s->capture_dirfd = o->dirfd;
    return 0;
}

/* Once unprivileged: the store (and its lock: an overlapping run stops here,
 * before probing), then its history as evidence for the analysis. */
static int open_store(void *ctx, struct pm_cli_sweep *s)
{
    struct snap_opts *o = ctx;
    char err[PM_ERRBUF_SIZE];
    const char *path = o->store_path ? o->store_path : pm_store_default_path();
    if (o->vantage)
        snprintf(s->run->vantage, sizeof s->run->vantage, "%s", o->vantage);
    int rc = pm_store_open(path, PM_STORE_CREATE | PM_STORE_WRITE, &o->store, err);
    if (rc == PM_EIO && o->server) {
        /* the network between vantage and server is down: measure anyway
         * (that is when it matters), keep the snapshot, send it next run */
        pm_cli_error("snapshot: %s; this snapshot goes to the spool %s", err, o->spool);
        o->unreachable = true;
        return 0;
    }
    if (rc == PM_EBUSY) {
        pm_cli_error("snapshot: %s", err);
        return PM_EXIT_LOCKED;
    }
    if (rc != PM_OK) {
        if (strstr(err, "ermission denied") && s->was_root)
            pm_cli_error("snapshot: %s (the store is opened after dropping to user '%s')", err,
                         s->user ? s->user : PM_PRIV_DEFAULT_USER);
        else
            pm_cli_error("snapshot: %s", err);
        return rc == PM_ECORRUPT ? PM_EXIT_DATAERR : rc == PM_EPERM ? PM_EXIT_NOPERM : PM_EXIT_CANTCREAT;
    }
    pm_store_set_pcap_to_store(o->store, o->pcap_to_store);
    /* its TCP connection is no probe traffic: kept out of the capture */
    s->exclude_tcp =
        pm_store_server_tcp(o->store, &s->ex_local, &s->ex_local_port, &s->ex_peer, &s->ex_peer_port);
    if (o->server) {
        uint32_t sent, left;
        if ((rc = pm_store_set_local_dir(o->store, o->spool, err)) != PM_OK) {
            pm_cli_error("snapshot: %s", err);
            return PM_EXIT_CANTCREAT;
        }
        rc = pm_store_spool_send(o->store, o->spool, &sent, &left, err);
        if (sent && !o->quiet)
            printf("snapshot: sent %u spooled snapshot%s to %s\n", sent, sent == 1 ? "" : "s", pm_store_path(o->store));
        if (rc != PM_OK)
            pm_cli_error("snapshot: the spool: %s (%u snapshot%s still spooled)", err, left, left == 1 ? "" : "s");
    }
    pm_store_remove_stale(o->store);
    uint32_t n = 0;
    uint64_t since = o->history_days ? pm_cli_now_us() - (uint64_t)o->history_days * 86400u * 1000000u : 0;
    uint32_t target_asn = s->targets.preset ? s->targets.preset->target_asn : 0;
    if (pm_store_history_facts(o->store, since, target_asn, &o->facts, &n, err) != PM_OK) {
        pm_cli_error("snapshot: cannot read the store's history: %s", err);
        return PM_EXIT_DATAERR;
    }
    s->history = o->facts;
    s->n_history = n;
    return 0;
}

int pm_cmd_snapshot(int argc, char **argv)
{
    static const struct option opts[] = {
        {"store", required_argument, 0, OPT_STORE},       {"prom", required_argument, 0, OPT_PROM},
        {"keep-pcaps", required_argument, 0, OPT_KEEP_DAYS}, {"keep-count", required_argument, 0, OPT_KEEP_COUNT},
        {"history-days", required_argument, 0, OPT_HISTORY_DAYS}, {"quiet", no_argument, 0, OPT_QUIET},
        {"keep-hops", required_argument, 0, OPT_KEEP_HOPS}, {"vantage", required_argument, 0, OPT_VANTAGE},
        {"spool", required_argument, 0, OPT_SPOOL}, {"pcap-to-store", no_argument, 0, OPT_PCAP_TO_STORE},
        {0, 0, 0, 0}};
    struct snap_opts o = {.keep_days = 30, .history_days = 30, .keep_hops = 90, .dirfd = -1};
    struct pm_cli_sweep s;
    char err[PM_ERRBUF_SIZE];
    int rc = pm_cli_sweep_parse(&s, argc, argv, "snapshot", usage_text, opts, NULL, extra, &o);
    if (rc != 0)
        goto out;
    /* the default pcap name is trace's; a snapshot keeps its capture in the store */
    if (s.eng.pcap_path == s.pcap_default)
        s.eng.pcap_path = NULL;
    o.server = pm_store_is_server(o.store_path ? o.store_path : pm_store_default_path());
    if (o.server) {
        const char *e = getenv("PATHMORTEM_SPOOL");
        if (!o.spool)
            o.spool = e && *e ? e : PM_STORE_DEFAULT_SPOOL;
        if (strlen(o.spool) >= 4000) {
            pm_cli_error("snapshot: --spool path too long");
            rc = PM_EXIT_USAGE;
            goto out;
        }
        snprintf(o.spool_anchor, sizeof o.spool_anchor, "%s/store", o.spool);
        s.store_client = true;
    }
    s.before_drop = prepare;
    s.after_drop = open_store;
    s.after_drop_ctx = &o;
    if ((rc = pm_cli_sweep_run(&s)) != 0)
        goto out;
    int64_t id = 0;
    /* the names reverse DNS gave the hops after probing (none with -n) */
    pm_store_name_fn names = s.rdns ? pm_rdns_name_cb : NULL;
    if (o.store)
        pm_store_set_names(o.store, names, s.rdns);
    int srv = o.unreachable ? PM_EIO : pm_store_save_snapshot_fd(o.store, s.run, s.analysis, s.capture_fd, &id, err);
    if (srv == PM_EIO && o.server) {
        /* unreachable, or lost during the commit: whether or not that
         * commit landed, the spooled copy is sent next run and stored once */
        char where[4300];
        if (!o.unreachable)
            pm_cli_error("snapshot: the server: %s", err);
        if (pm_store_spool_write(o.spool, s.run, s.analysis, s.capture_fd, names, s.rdns, where, sizeof where, err) != PM_OK) {
            pm_cli_error("snapshot: not stored, not spooled: %s", err);
            rc = PM_EXIT_IOERR;
            goto out;
        }
        if ((rc = pm_cli_sweep_commit_pcap(&s)) != 0)
            goto out;
        if (!o.quiet)
            printf("snapshot spooled in %s; the next run that reaches the server sends it\n", where);
        rc = pm_cli_reach_status(s.run, s.analysis);
        goto out;
    }
    if (srv != PM_OK) {
        pm_cli_error("snapshot: not stored: %s", err);
        rc = PM_EXIT_IOERR;
        goto out;
    }
    if ((rc = pm_cli_sweep_commit_pcap(&s)) != 0)
        goto out;
    uint64_t now = pm_cli_now_us();
    uint32_t removed = 0;
    /* a server store: each vantage's retention acts on its own snapshots
     * (one file store: on all, as it always did) */
    const char *mine = o.server ? s.run->vantage : NULL;
    if ((o.keep_days || o.keep_count) &&
        pm_store_prune_vantage(o.store, mine, (uint32_t)o.keep_days, (uint32_t)o.keep_count, now, &removed, err) !=
            PM_OK)
        pm_cli_error("snapshot: retention: %s (snapshot %lld is stored)", err, (long long)id);
    uint64_t hop_rows = 0;
    if (o.keep_hops && pm_store_prune_hops_vantage(o.store, mine, (uint32_t)o.keep_hops, now, &hop_rows, err) != PM_OK)
        pm_cli_error("snapshot: hop retention: %s (snapshot %lld is stored)", err, (long long)id);
    if (o.prom && pm_store_prom_write(o.store, o.prom, now, err) != PM_OK) {
        /* written after the drop, atomically (temp + rename in its directory) */
        pm_cli_error("snapshot: %s (snapshot %lld is stored)%s", err, (long long)id,
                     strstr(err, "ermission denied") ? "; the directory of --prom must be writable by the user "
                                                      "pathmortem drops to (--user, default nobody)"
                                                    : "");
        rc = PM_EXIT_IOERR;
        goto out;
    }
    rc = s.mrt_status ? s.mrt_status : pm_cli_reach_status(s.run, s.analysis);
    if (!o.quiet) {
        uint32_t n[PM_STATUS__N] = {0};
        for (uint32_t i = 0; i < s.analysis->n_targets; i++)
            n[s.analysis->verdicts[i].status < PM_STATUS__N ? s.analysis->verdicts[i].status : PM_STATUS_DIED]++;
        printf("snapshot %lld: %u targets: %u reached, %u host-absent, %u died, %u not probed; stored in %s\n",
               (long long)id, s.analysis->n_targets, n[PM_STATUS_REACHED], n[PM_STATUS_HOST_ABSENT],
               n[PM_STATUS_DIED], n[PM_STATUS_NOT_PROBED], pm_store_path(o.store));
        char line[512];
        for (uint32_t i = 0; i < s.analysis->n_prefix; i++) {
            pm_rollup_format(&s.analysis->by_prefix[i], line, sizeof line);
            printf("%s\n", line);
        }
        const struct pm_planes *pl = s.analysis->planes;
        for (uint32_t i = 0; pl && i < pl->n; i++) {
            char a[16];
            pm_plane_unit_format(&pl->units[i], line, sizeof line);
            printf("%s/%u  %s\n", pm_addr_str(pl->units[i].prefix, a), pl->units[i].len, line);
        }
    }
out:
    free(o.facts);
    pm_store_close(o.store);
    pm_cli_sweep_free(&s);
    if (o.dirfd >= 0)
        close(o.dirfd);
    return rc < 0 ? PM_EXIT_OK : rc;
}
