/* mrt_join.c - `analyze --mrt-dir DIR`: the control plane from the MRT files of DIR at the capture's time beside each /24's data-plane state, as one named joined conclusion per /24 (docs/analyze.md). */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "cli/bgp_cli.h"
#include "cli/commands.h"
#include "pathmortem/util.h"

#define JOIN_MAX_FILES 4096

static int first_time_cb(const struct pm_bgp_event *ev, void *ctx)
{
    *(uint32_t *)ctx = ev->time;
    return 1; /* stop at the first event */
}

/* The time of a file's first route event, 0 when it has none or is bad. */
static uint32_t first_time(const char *path)
{
    char err[PM_ERRBUF_SIZE];
    struct pm_mrt_file *f;
    uint32_t t = 0;
    if (pm_mrt_open(path, &f, err) != PM_OK)
        return 0;
    struct pm_mrt_stats st;
    (void)pm_mrt_read(f, first_time_cb, &t, &st, err);
    pm_mrt_close(f);
    return t;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool starts(const char *s, const char *p)
{
    return !strncmp(s, p, strlen(p));
}

/* The joined conclusion of one /24 (names and rules in docs/analyze.md). */
static const char *join(const struct pm_bgp_unit *u, const struct pm_rollup *r, uint32_t target_asn,
                        const char **confidence)
{
    enum pm_net_state ds = r ? (enum pm_net_state)r->state : PM_NET_UNKNOWN;
    bool dies = ds == PM_NET_DEAD || ds == PM_NET_PARTIAL;
    *confidence = "medium";
    if (!r || ds == PM_NET_UNKNOWN)
        return "control-plane-only";
    if (u->visible && !dies) {
        *confidence = "high";
        return "both-planes-up";
    }
    if (u->visible && dies)
        return target_asn && r->dies_in.asn == target_asn ? "announced-dies-inside" : "announced-dies-upstream";
    if (dies) {
        *confidence = u->cause == PM_BGP_CAUSE_NONE ? "medium" : "high";
        return "withdrawn-dies";
    }
    *confidence = "low";
    return "withdrawn-but-reachable";
}

int pm_cli_mrt_join(const char *dir, const struct pm_run *run, const struct pm_analysis *a,
                    const struct pm_preset *preset, FILE *out)
{
    DIR *d = opendir(dir);
    if (!d) {
        pm_cli_error("analyze: --mrt-dir %s: %m", dir);
        return PM_EXIT_NOINPUT;
    }
    char **ribs = calloc(JOIN_MAX_FILES, sizeof *ribs), **ups = calloc(JOIN_MAX_FILES, sizeof *ups);
    size_t nr = 0, nu = 0;
    struct dirent *e;
    while (ribs && ups && (e = readdir(d))) {
        bool rib = starts(e->d_name, "rib.") || starts(e->d_name, "bview.");
        bool upd = starts(e->d_name, "updates.");
        if ((!rib && !upd) || (rib ? nr : nu) >= JOIN_MAX_FILES)
            continue;
        char *p = malloc(strlen(dir) + strlen(e->d_name) + 2);
        if (!p)
            break;
        sprintf(p, "%s/%s", dir, e->d_name);
        if (rib)
            ribs[nr++] = p;
        else
            ups[nu++] = p;
    }
    closedir(d);
    int ex = PM_EXIT_OK;
    struct pm_bgp_watch *w = calloc(a->n_prefix + 1, sizeof *w);
    struct pm_bgp_state *st = NULL;
    struct pm_bgp_unit *units = NULL;
    size_t nunits = 0;
    if (!ribs || !ups || !w) {
        ex = PM_EXIT_SOFTWARE;
        goto done;
    }
    if (nr == 0) {
        pm_cli_error("analyze: --mrt-dir %s: no RIB dump (rib.* or bview.*)", dir);
        ex = PM_EXIT_NOINPUT;
        goto done;
    }
    qsort(ribs, nr, sizeof *ribs, cmp_str);
    qsort(ups, nu, sizeof *ups, cmp_str);
    uint32_t t0 = (uint32_t)(run->started_us / 1000000u), t1 = (uint32_t)((run->ended_us + 999999u) / 1000000u);
    /* the last RIB dumped before the capture began, else the first there is */
    size_t pick = 0;
    for (size_t i = 0; i < nr; i++) {
        uint32_t t = first_time(ribs[i]);
        if (t && t <= t0)
            pick = i;
    }
    for (uint32_t i = 0; i < a->n_prefix; i++)
        w[i] = (struct pm_bgp_watch){a->by_prefix[i].prefix, a->by_prefix[i].prefix_len};
    struct pm_bgp_state_opts so = {.watch = w, .nwatch = a->n_prefix, .at = t1};
    if (preset) {
        so.expected_origin = preset->target_asn;
        so.expected_upstreams = preset->watch;
        so.nexpected_upstreams = preset->n_watch;
    }
    char err[PM_ERRBUF_SIZE];
    if (a->n_prefix == 0 || pm_bgp_state_new(&so, &st, err) != PM_OK) {
        pm_cli_error("analyze: --mrt-dir: no /24 to join");
        ex = PM_EXIT_DATAERR;
        goto done;
    }
    struct pm_mrt_stats ms;
    ex = pm_cli_bgp_read(ribs[pick], pm_bgp_state_feed, st, &ms);
    pm_bgp_state_rib_done(st);
    for (size_t i = 0; ex == PM_EXIT_OK && i < nu; i++)
        ex = pm_cli_bgp_read(ups[i], pm_bgp_state_feed, st, &ms);
    if (ex != PM_EXIT_OK)
        goto done;
    uint32_t rib_time, at, ff;
    if (pm_bgp_state_finish(st, &units, &nunits, &rib_time, &at, &ff, err) != PM_OK) {
        pm_cli_error("analyze: --mrt-dir: %s", err);
        ex = PM_EXIT_DATAERR;
        goto done;
    }
    char ts[40], rs[40], addr[16], death[256];
    pm_format_time((uint64_t)at * 1000000u, ts, sizeof ts);
    pm_format_time((uint64_t)rib_time * 1000000u, rs, sizeof rs);
    fprintf(out, "\nboth planes (control plane from %s at %s, RIB of %s, %u full-feed peers; visible = seen by more "
                 "than 50 %% of them):\n", dir, ts, rs, ff);
    for (size_t i = 0; i < nunits; i++) {
        const struct pm_bgp_unit *u = &units[i];
        if (!u->is_slash24)
            continue;
        const struct pm_rollup *r = NULL;
        for (uint32_t k = 0; k < a->n_prefix; k++)
            if (a->by_prefix[k].prefix == u->addr && a->by_prefix[k].prefix_len == u->len)
                r = &a->by_prefix[k];
        const char *conf;
        const char *name = join(u, r, a->target_asn, &conf);
        death[0] = '\0';
        if (r)
            pm_rollup_death_phrase(r, death, sizeof death);
        fprintf(out, "%s/%u  %s (%s): %s, seen by %u of %u full-feed peers; %s: %s; data plane: %s\n",
                pm_addr_str(u->addr, addr), u->len, name, conf, u->visible ? "announced" : "withdrawn", u->ff_seen,
                u->ff_total, pm_bgp_cause_name(u->cause), u->cause_text,
                r ? pm_net_state_name((enum pm_net_state)r->state) : "unknown");
        if (death[0])
            fprintf(out, "    %s\n", death);
    }
done:
    if (ribs)
        for (size_t i = 0; i < nr; i++)
            free(ribs[i]);
    if (ups)
        for (size_t i = 0; i < nu; i++)
            free(ups[i]);
    free(ribs);
    free(ups);
    free(w);
    free(units);
    pm_bgp_state_free(st);
    return ex;
}
