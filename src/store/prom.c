/* prom.c - Prometheus textfile-collector metrics of the latest snapshot (of each vantage, and across vantages), written atomically for node_exporter. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/internal.h"
#include "store/pg.h"

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

/* One vantage's latest snapshot; vantage NULL when the store has only one
 * (its metrics then carry no vantage label, as before there were several). */
struct latest {
    const char *vantage;
    struct pm_snapshot *snap;
};

/* "{" and the vantage label (with a comma when more labels follow). */
static void open_labels(FILE *f, const char *vantage, bool more)
{
    fputc('{', f);
    if (vantage) {
        fputs("vantage=\"", f);
        label(f, vantage);
        fputs(more ? "\"," : "\"", f);
    }
}

static void write_upstream_lines(FILE *f, const struct pm_snapshot *snap, const char *vantage, int m)
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
    static const char *const names[3] = {"pathmortem_upstream_reachable", "pathmortem_upstream_targets_reached",
                                         "pathmortem_upstream_targets"};
    for (uint32_t k = 0; k < n; k++) {
        fputs(names[m], f);
        open_labels(f, vantage, true);
        fprintf(f, "upstream_asn=\"%u\",upstream=\"", up[k].as->asn);
        label(f, up[k].as->name);
        uint32_t v = m == 0 ? up[k].reached + up[k].dark > 0 : m == 1 ? up[k].reached : up[k].total;
        fprintf(f, "\"} %u\n", v);
    }
}

static void write_upstreams(FILE *f, const struct latest *l, size_t n)
{
    const char *names[3] = {"pathmortem_upstream_reachable", "pathmortem_upstream_targets_reached",
                            "pathmortem_upstream_targets"};
    const char *helps[3] = {"1 if the target networks answered behind this upstream in the latest snapshot (hosts "
                            "reached, or routers answering for dark addresses), else 0.",
                            "Targets behind this upstream reached in the latest snapshot.",
                            "Targets behind this upstream in the latest snapshot."};
    for (int m = 0; m < 3; m++) {
        help(f, names[m], "gauge", helps[m]);
        for (size_t k = 0; k < n; k++)
            write_upstream_lines(f, l[k].snap, l[k].vantage, m);
    }
}

/* The next /24 of a snapshot (targets sorted by address) from *i, summarised;
 * false past the last. Both the per-vantage and the across-vantage lines walk this way. */
static bool next_p24(const struct pm_snapshot *snap, uint32_t *i, struct pm_p24 *p)
{
    if (*i >= snap->n_targets)
        return false;
    uint32_t j = *i;
    while (j < snap->n_targets && (snap->targets[j].dst & 0xffffff00u) == (snap->targets[*i].dst & 0xffffff00u))
        j++;
    pm_store_summarise_24(&snap->targets[*i], j - *i, p);
    *i = j;
    return true;
}

static void write_prefix_lines(FILE *f, const struct pm_snapshot *snap, const char *vantage, int m, const char *name)
{
    struct pm_p24 p;
    for (uint32_t i = 0; next_p24(snap, &i, &p);) {
        char a[16];
        pm_addr_str(p.prefix, a);
        if (m == 3 && !p.died)
            continue;
        fputs(name, f);
        open_labels(f, vantage, true);
        fprintf(f, "prefix=\"%s/24\"", a);
        if (m < 3 || m > 4) {
            uint32_t v = m == 0   ? p.state == PM_NET_REACHABLE || p.state == PM_NET_PARTIAL
                         : m == 1 ? p.reached
                         : m == 2 ? p.total
                         : m == 5 ? p.dark
                         : m == 6 ? p.died
                                  : p.not_probed;
            fprintf(f, "} %u\n", v);
        } else if (m == 4) {
            fprintf(f, ",state=\"%s\"} 1\n", pm_net_state_name((enum pm_net_state)p.state));
        } else {
            fprintf(f, ",asn=\"%u\",as_name=\"", p.dies_in.asn);
            label(f, p.dies_in.name);
            fputs("\"} 1\n", f);
        }
    }
}

static void write_prefixes(FILE *f, const struct latest *l, size_t n)
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
        for (size_t k = 0; k < n; k++)
            write_prefix_lines(f, l[k].snap, l[k].vantage, m, names[m]);
    }
}

#define ACROSS_MAX 4096 /* /24s counted across vantages */

/* Across vantages (a store with several): per /24, in how many vantages'
 * latest snapshots it was in each network state. */
static void write_across(FILE *f, const struct latest *l, size_t n)
{
    static struct {
        uint32_t prefix;
        uint32_t by_state[4];
    } acc[ACROSS_MAX];
    size_t na = 0;
    for (size_t k = 0; k < n; k++) {
        const struct pm_snapshot *snap = l[k].snap;
        struct pm_p24 p;
        for (uint32_t i = 0; next_p24(snap, &i, &p);) {
            size_t a;
            for (a = 0; a < na && acc[a].prefix != p.prefix; a++)
                ;
            if (a == na) {
                if (na == ACROSS_MAX)
                    continue;
                acc[na].prefix = p.prefix;
                memset(acc[na].by_state, 0, sizeof acc[na].by_state);
                na++;
            }
            acc[a].by_state[p.state < 4 ? p.state : PM_NET_UNKNOWN]++;
        }
    }
    help(f, "pathmortem_prefix_vantages", "gauge",
         "Vantages whose latest snapshot saw the /24 in this network state (reachable, dead, partial, unknown).");
    for (size_t a = 0; a < na; a++)
        for (int st = 0; st < 4; st++) {
            char ad[16];
            pm_addr_str(acc[a].prefix, ad);
            fprintf(f, "pathmortem_prefix_vantages{prefix=\"%s/24\",state=\"%s\"} %u\n", ad,
                    pm_net_state_name((enum pm_net_state)st), acc[a].by_state[st]);
        }
}

static int write_metrics(FILE *f, struct pm_store *s, uint64_t now_us, char *errbuf)
{
    int64_t count;
    /* a server store: the count from the server, and only the newest row of
     * each vantage into the working copy (the queries below then find them) */
    int rc = s->pg ? pm_pg_count(s, &count, errbuf)
                   : pm_store_query_i64(s, "SELECT COUNT(*) FROM snapshots", NULL, 0, INT64_MAX, &count, "counting",
                                        errbuf);
    if (!rc && s->pg && count)
        rc = pm_pg_need_latest_each(s, errbuf);
    if (rc)
        return rc;
    help(f, "pathmortem_store_snapshots", "gauge", "Snapshots held in the store.");
    fprintf(f, "pathmortem_store_snapshots %lld\n", (long long)count);
    if (!count)
        return PM_OK;
    /* the latest snapshot of each vantage; with one vantage, no label */
    char(*vs)[64] = NULL;
    size_t nv = 0;
    if ((rc = pm_store_vantages_local(s, 0, 0, &vs, &nv, errbuf)))
        return rc;
    struct latest *l = calloc(nv ? nv : 1, sizeof *l);
    if (!l) {
        free(vs);
        return pm_err(errbuf, PM_ENOMEM, "out of memory writing metrics");
    }
    size_t n = 0;
    for (size_t k = 0; !rc && k < nv; k++) {
        sqlite3_stmt *st;
        int64_t id = 0;
        rc = pm_store_prepare(s, "SELECT id FROM snapshots WHERE vantage = ? ORDER BY started_us DESC, id DESC LIMIT 1",
                              &st, errbuf);
        if (rc)
            break;
        sqlite3_bind_text(st, 1, vs[k], -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW)
            rc = pm_col_i64(st, 0, 1, INT64_MAX, &id, errbuf);
        sqlite3_finalize(st);
        if (!rc && id && !(rc = pm_store_load(s, id, &l[n].snap, errbuf)))
            l[n++].vantage = nv > 1 ? vs[k] : NULL;
    }
    static const char *const scalar[5][2] = {
        {"pathmortem_last_snapshot_timestamp_seconds", "Start of the latest snapshot, Unix time (alert on time() minus this)."},
        {"pathmortem_last_snapshot_age_seconds", "Age of the latest snapshot when this file was written."},
        {"pathmortem_last_snapshot_duration_seconds", "How long the latest snapshot's sweep took."},
        {"pathmortem_last_snapshot_exit_status", "0 no path died, 1 some died, 2 all died, 3 the run was cut short (partial snapshot)."},
        {"pathmortem_last_snapshot_complete", "1 if the latest snapshot's run probed every target to its end, 0 if a signal or --timeout cut it short."}};
    for (int m = 0; !rc && m < 5; m++) {
        help(f, scalar[m][0], "gauge", scalar[m][1]);
        for (size_t k = 0; k < n; k++) {
            const struct pm_snapshot *snap = l[k].snap;
            fputs(scalar[m][0], f);
            if (l[k].vantage) {
                open_labels(f, l[k].vantage, false);
                fputc('}', f);
            }
            if (m == 0)
                fprintf(f, " %.3f\n", (double)snap->started_us / 1e6);
            else if (m == 1)
                fprintf(f, " %.3f\n", now_us > snap->started_us ? (double)(now_us - snap->started_us) / 1e6 : 0.0);
            else if (m == 2)
                fprintf(f, " %.3f\n",
                        snap->ended_us > snap->started_us ? (double)(snap->ended_us - snap->started_us) / 1e6 : 0.0);
            else if (m == 3)
                fprintf(f, " %d\n", snap->exit_status);
            else
                fprintf(f, " %d\n", snap->end == PM_RUN_COMPLETE);
        }
    }
    if (!rc) {
        write_prefixes(f, l, n);
        write_upstreams(f, l, n);
        if (nv > 1)
            write_across(f, l, n);
    }
    for (size_t k = 0; k < n; k++)
        pm_snapshot_free(l[k].snap);
    free(l);
    free(vs);
    return rc;
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
