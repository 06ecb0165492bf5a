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

enum { OPT_STORE = 2000, OPT_PROM, OPT_KEEP_DAYS, OPT_KEEP_COUNT, OPT_QUIET, OPT_HISTORY_DAYS, OPT_KEEP_HOPS };

static const char usage_text[] =
    "usage: pathmortem snapshot [trace options] [--store PATH] [--prom FILE] TARGET...\n"
    "\n"
    "Sweep TARGETs as `pathmortem trace` does, analyze, and record the snapshot (run metadata,\n"
    "per-target verdicts and hops, the pcap compressed beside the store) in ONE transaction of the\n"
    "SQLite store. Meant for cron or a systemd timer: a lock keeps overlapping runs from both\n"
    "writing, and a killed run leaves the store as it was.\n"
    "\n"
    "  --store PATH          the store (default /var/lib/pathmortem/store.db; created if missing)\n"
    "  --prom FILE           also write Prometheus textfile-collector metrics (atomically)\n"
    "  --keep-pcaps DAYS     delete stored pcaps older than DAYS (default 30; 0 keeps all)\n"
    "  --keep-count N        keep the pcaps of the newest N snapshots only (default 0: no limit)\n"
    "  --keep-hops DAYS      drop the hop rows of snapshots older than DAYS, keeping their verdicts\n"
    "                        (default 90; 0 keeps all; about 200 KB per /22 snapshot)\n"
    "  --history-days N      use snapshots of the last N days as router-ownership evidence (default 30)\n"
    "  --quiet               print nothing but errors\n"
    "  (every `pathmortem trace` option: see 'pathmortem trace --help')\n"
    "\n"
    "exit status: 0 no path died, 1 some died, 2 all died, 3 run cut short (signal, --timeout), 75 another snapshot holds the\n"
    "lock, 64 usage, 65 corrupt or foreign store, 71 system error, 77 missing privilege.\n";

struct snap_opts {
    const char *store_path;
    const char *prom;
    unsigned long keep_days, keep_count, history_days, keep_hops;
    bool quiet;
    struct pm_store *store;
    struct pm_history_fact *facts;
};

static int extra(void *ctx, int opt, const char *arg)
{
    struct snap_opts *o = ctx;
    switch (opt) {
    case OPT_STORE: o->store_path = arg; return 0;
    case OPT_PROM: o->prom = arg; return 0;
    case OPT_QUIET: o->quiet = true; return 0;
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

/* Once unprivileged: the store's history becomes evidence for the analysis. */
static int load_history(void *ctx, struct pm_cli_sweep *s)
{
    struct snap_opts *o = ctx;
    char err[PM_ERRBUF_SIZE];
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

static int open_store(struct snap_opts *o, const char *user)
{
    char err[PM_ERRBUF_SIZE];
    const char *path = o->store_path ? o->store_path : pm_store_default_path();
    int rc = pm_store_open(path, PM_STORE_CREATE | PM_STORE_WRITE, &o->store, err);
    if (rc != PM_OK) {
        pm_cli_error("snapshot: %s", err);
        return pm_cli_exit_in(rc, PM_CLI_EXIT_CREATE);
    }
    if (geteuid() == 0) {
        /* the run continues as the drop user: it must be able to write the store */
        const struct passwd *pw = getpwnam(user ? user : PM_PRIV_DEFAULT_USER);
        if (!pw) {
            pm_cli_error("snapshot: no user '%s' to drop to", user ? user : PM_PRIV_DEFAULT_USER);
            return PM_EXIT_NOPERM;
        }
        if (pm_store_chown(o->store, pw->pw_uid, pw->pw_gid, err) != PM_OK) {
            pm_cli_error("snapshot: %s", err);
            return PM_EXIT_CANTCREAT;
        }
    }
    return 0;
}

int pm_cmd_snapshot(int argc, char **argv)
{
    static const struct option opts[] = {
        {"store", required_argument, 0, OPT_STORE},       {"prom", required_argument, 0, OPT_PROM},
        {"keep-pcaps", required_argument, 0, OPT_KEEP_DAYS}, {"keep-count", required_argument, 0, OPT_KEEP_COUNT},
        {"history-days", required_argument, 0, OPT_HISTORY_DAYS}, {"quiet", no_argument, 0, OPT_QUIET},
        {"keep-hops", required_argument, 0, OPT_KEEP_HOPS},
        {0, 0, 0, 0}};
    struct snap_opts o = {.keep_days = 30, .history_days = 30, .keep_hops = 90};
    struct pm_cli_sweep s;
    char err[PM_ERRBUF_SIZE];
    char tmp_pcap[600] = "";
    int rc = pm_cli_sweep_parse(&s, argc, argv, "snapshot", usage_text, opts, NULL, extra, &o);
    if (rc != 0)
        goto out;
    /* the lock first: an overlapping run must not probe at all */
    if ((rc = open_store(&o, s.user)) != 0)
        goto out;
    if (!s.eng.pcap_path || s.eng.pcap_path == s.pcap_default) {
        if (s.no_pcap) {
            s.eng.pcap_path = NULL;
        } else {
            snprintf(tmp_pcap, sizeof tmp_pcap, "%s/.capture-%ld.pcap", pm_store_pcap_dir(o.store), (long)getpid());
            s.eng.pcap_path = tmp_pcap;
        }
    }
    s.after_drop = load_history;
    s.after_drop_ctx = &o;
    if ((rc = pm_cli_sweep_run(&s)) != 0)
        goto out;
    int64_t id = 0;
    if (pm_store_save_snapshot(o.store, s.run, s.analysis, s.eng.pcap_path, &id, err) != PM_OK) {
        pm_cli_error("snapshot: not stored: %s", err);
        rc = PM_EXIT_IOERR;
        goto out;
    }
    uint64_t now = pm_cli_now_us();
    uint32_t removed = 0;
    if ((o.keep_days || o.keep_count) &&
        pm_store_prune(o.store, (uint32_t)o.keep_days, (uint32_t)o.keep_count, now, &removed, err) != PM_OK)
        pm_cli_error("snapshot: retention: %s (snapshot %lld is stored)", err, (long long)id);
    uint64_t hop_rows = 0;
    if (o.keep_hops && pm_store_prune_hops(o.store, (uint32_t)o.keep_hops, now, &hop_rows, err) != PM_OK)
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
    rc = pm_cli_reach_status(s.run, s.analysis);
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
    }
out:
    if (tmp_pcap[0])
        unlink(tmp_pcap);
    free(o.facts);
    pm_store_close(o.store);
    pm_cli_sweep_free(&s);
    return rc < 0 ? PM_EXIT_OK : rc;
}
