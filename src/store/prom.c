/* prom.c - Prometheus textfile-collector metrics of the latest snapshot, written atomically for node_exporter. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/internal.h"

/* Label values: backslash, double quote and line feed escaped as the exposition format requires. */
static void label(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\\\", f);
        else if (*s == '"')
            fputs("\\\"", f);
        else if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
}

static void help(FILE *f, const char *name, const char *type, const char *text)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

#define UPSTREAMS_MAX 256

static void write_upstreams(FILE *f, const struct pm_snapshot *snap)
{
    struct {
        const struct pm_as_ref *as;
        uint32_t total, reached, dark;
    } up[UPSTREAMS_MAX];
    uint32_t n = 0;
    for (uint32_t i = 0; i < snap->n_targets; i++) {
        const struct pm_snap_target *t = &snap->targets[i];
        uint32_t k;
        for (k = 0; k < n && up[k].as->asn != t->upstream.asn; k++)
            ;
        if (k == n) {
            if (n == UPSTREAMS_MAX)
                continue;
            up[n].as = &t->upstream;
            up[n].total = up[n].reached = up[n].dark = 0;
            n++;
        }
        up[k].total++;
        up[k].reached += t->status == PM_STATUS_REACHED;
        up[k].dark += t->status == PM_STATUS_HOST_ABSENT;
    }
    const char *names[3] = {"pathmortem_upstream_reachable", "pathmortem_upstream_targets_reached",
                            "pathmortem_upstream_targets"};
    const char *helps[3] = {"1 if the target networks answered behind this upstream in the latest snapshot (hosts "
                            "reached, or routers answering for dark addresses), else 0.",
                            "Targets behind this upstream reached in the latest snapshot.",
                            "Targets behind this upstream in the latest snapshot."};
    for (int m = 0; m < 3; m++) {
        help(f, names[m], "gauge", helps[m]);
        for (uint32_t k = 0; k < n; k++) {
            fprintf(f, "%s{upstream_asn=\"%u\",upstream=\"", names[m], up[k].as->asn);
            label(f, up[k].as->name);
            uint32_t v = m == 0 ? up[k].reached + up[k].dark > 0 : m == 1 ? up[k].reached : up[k].total;
            fprintf(f, "\"} %u\n", v);
        }
    }
}

static void write_prefixes(FILE *f, const struct pm_snapshot *snap)
{
    const char *names[8] = {"pathmortem_prefix_reachable", "pathmortem_prefix_targets_reached",
                            "pathmortem_prefix_targets", "pathmortem_prefix_dies_in", "pathmortem_prefix_state",
                            "pathmortem_prefix_targets_dark", "pathmortem_prefix_dead_paths",
                            "pathmortem_prefix_targets_not_probed"};
    const char *helps[8] = {
        "1 if the /24 answered in the latest snapshot (state reachable or partial: hosts reached, or its routers "
        "answering for dark addresses), else 0.",
        "Targets of the /24 reached in the latest snapshot.", "Targets of the /24 in the latest snapshot.",
        "1 for the AS the dying paths toward a dead or partial /24 are blamed on (labels say which).",
        "1 for the /24's network state in the latest snapshot (reachable, dead, partial, unknown).",
        "Dark addresses (host-absent) of the /24 in the latest snapshot: not deaths.",
        "Paths toward the /24 that died in the latest snapshot.",
        "Targets of the /24 the latest snapshot did not probe to their end (a run cut short)."};
    for (int m = 0; m < 8; m++) {
        help(f, names[m], "gauge", helps[m]);
        for (uint32_t i = 0; i < snap->n_targets;) {
            uint32_t j = i;
            while (j < snap->n_targets && (snap->targets[j].dst & 0xffffff00u) == (snap->targets[i].dst & 0xffffff00u))
                j++;
            struct pm_p24 p;
            pm_store_summarise_24(&snap->targets[i], j - i, &p);
            i = j;
            char a[16];
            pm_addr_str(p.prefix, a);
            if (m < 3 || m > 4) {
                uint32_t v = m == 0   ? p.state == PM_NET_REACHABLE || p.state == PM_NET_PARTIAL
                             : m == 1 ? p.reached
                             : m == 2 ? p.total
                             : m == 5 ? p.dark
                             : m == 6 ? p.died
                                      : p.not_probed;
                fprintf(f, "%s{prefix=\"%s/24\"} %u\n", names[m], a, v);
            } else if (m == 4) {
                fprintf(f, "%s{prefix=\"%s/24\",state=\"%s\"} 1\n", names[m], a,
                        pm_net_state_name((enum pm_net_state)p.state));
            } else if (p.died) {
                fprintf(f, "%s{prefix=\"%s/24\",asn=\"%u\",as_name=\"", names[m], a, p.dies_in.asn);
                label(f, p.dies_in.name);
                fputs("\"} 1\n", f);
            }
        }
    }
}

static int write_metrics(FILE *f, struct pm_store *s, uint64_t now_us, char *errbuf)
{
    int64_t count;
    int rc =
        pm_store_query_i64(s, "SELECT COUNT(*) FROM snapshots", NULL, 0, INT64_MAX, &count, "counting", errbuf);
    if (rc)
        return rc;
    help(f, "pathmortem_store_snapshots", "gauge", "Snapshots held in the store.");
    fprintf(f, "pathmortem_store_snapshots %lld\n", (long long)count);
    if (!count)
        return PM_OK;
    int64_t id;
    struct pm_snapshot *snap;
    if ((rc = pm_store_resolve(s, "latest", &id, errbuf)) || (rc = pm_store_load(s, id, &snap, errbuf)))
        return rc;
    help(f, "pathmortem_last_snapshot_timestamp_seconds", "gauge",
         "Start of the latest snapshot, Unix time (alert on time() minus this).");
    fprintf(f, "pathmortem_last_snapshot_timestamp_seconds %.3f\n", (double)snap->started_us / 1e6);
    help(f, "pathmortem_last_snapshot_age_seconds", "gauge", "Age of the latest snapshot when this file was written.");
    fprintf(f, "pathmortem_last_snapshot_age_seconds %.3f\n",
            now_us > snap->started_us ? (double)(now_us - snap->started_us) / 1e6 : 0.0);
    help(f, "pathmortem_last_snapshot_duration_seconds", "gauge", "How long the latest snapshot's sweep took.");
    fprintf(f, "pathmortem_last_snapshot_duration_seconds %.3f\n",
            snap->ended_us > snap->started_us ? (double)(snap->ended_us - snap->started_us) / 1e6 : 0.0);
    help(f, "pathmortem_last_snapshot_exit_status", "gauge",
         "0 no path died, 1 some died, 2 all died, 3 the run was cut short (partial snapshot).");
    fprintf(f, "pathmortem_last_snapshot_exit_status %d\n", snap->exit_status);
    help(f, "pathmortem_last_snapshot_complete", "gauge",
         "1 if the latest snapshot's run probed every target to its end, 0 if a signal or --timeout cut it short.");
    fprintf(f, "pathmortem_last_snapshot_complete %d\n", snap->end == PM_RUN_COMPLETE);
    write_prefixes(f, snap);
    write_upstreams(f, snap);
    pm_snapshot_free(snap);
    return PM_OK;
}

int pm_store_prom_write(struct pm_store *s, const char *path, uint64_t now_us, char *errbuf)
{
    char tmp[4096 + 32];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp)
        return pm_err(errbuf, PM_EINVAL, "metrics path too long");
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return pm_err(errbuf, PM_EIO, "cannot create %s: %s", tmp, strerror(errno));
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(tmp);
        return pm_err(errbuf, PM_ENOMEM, "cannot write %s", tmp);
    }
    int rc = write_metrics(f, s, now_us, errbuf);
    if (!rc && (fflush(f) != 0 || ferror(f) || fsync(fd) != 0))
        rc = pm_err(errbuf, PM_EIO, "cannot write %s: %s", tmp, strerror(errno));
    if (fclose(f) != 0 && !rc)
        rc = pm_err(errbuf, PM_EIO, "cannot write %s: %s", tmp, strerror(errno));
    /* rename: node_exporter never reads a half-written file */
    if (!rc && rename(tmp, path) != 0)
        rc = pm_err(errbuf, PM_EIO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
    if (rc)
        unlink(tmp);
    return rc;
}
