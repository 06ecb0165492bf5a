/* mrt_join.c - `--mrt-dir DIR` of analyze, trace and snapshot: the control plane of each /24 at the run's time from the MRT files of DIR, handed to the analyzer's join of both planes (docs/analyze.md). */
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

/* An announced prefix of its own in the join: a covering prefix or a
 * more-specific (an announced /24 is one of the run's /24s already). */
static bool own_unit(const struct pm_bgp_unit *u)
{
    return u->is_slash24 || u->len != 24;
}

static void to_unit(const struct pm_bgp_unit *u, struct pm_plane_unit *v)
{
    v->prefix = u->addr;
    v->len = u->len;
    v->announced = !u->is_slash24;
    v->visible = u->visible;
    v->ff_seen = u->ff_seen;
    v->ff_total = u->ff_total;
    snprintf(v->cause, sizeof v->cause, "%s", pm_bgp_cause_name(u->cause));
    v->cause_as = u->cause_as;
    v->cause_time = u->cause_time;
    v->last_change = u->last_change;
    snprintf(v->cause_text, sizeof v->cause_text, "%s", u->cause_text);
    if (u->cause == PM_BGP_CAUSE_HIJACK || u->cause == PM_BGP_CAUSE_LEAK) {
        char a[16];
        snprintf(v->cause_prefix, sizeof v->cause_prefix, "%s/%u", pm_addr_str(u->cause_addr, a), u->cause_len);
        v->cause_standing = u->cause_standing;
    }
    for (uint32_t k = 0; k < u->n_sides && v->n_sides < PM_PLANES_MAX_SIDES; k++)
        v->sides[v->n_sides++] = (struct pm_plane_side){
            .asn = u->sides[k].asn, .ff_seen = u->sides[k].ff_seen, .ff_seen_rib = u->sides[k].ff_seen_rib};
}

/* The bgp module's units as the analyzer's control-plane half of each
 * pm_plane_unit (the data-plane half is pm_planes_join's): the /24s, then
 * the announced prefixes that are none of them. */
static struct pm_planes *to_planes(const char *dir, const struct pm_bgp_unit *units, size_t nunits, uint32_t at,
                                   uint32_t rib_time, uint32_t ff)
{
    struct pm_planes *p = calloc(1, sizeof *p);
    size_t nu = 0;
    for (size_t i = 0; i < nunits; i++)
        nu += own_unit(&units[i]);
    if (nu > PM_PLANES_MAX_UNITS)
        nu = PM_PLANES_MAX_UNITS;
    if (!p || !(p->units = calloc(nu + 1, sizeof *p->units))) {
        free(p);
        return NULL;
    }
    snprintf(p->source, sizeof p->source, "%s", dir);
    p->at = at;
    p->rib_time = rib_time;
    p->ff_total = ff;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < nunits && p->n < nu; i++)
            if (own_unit(&units[i]) && units[i].is_slash24 == (pass == 0))
                to_unit(&units[i], &p->units[p->n++]);
    return p;
}

int pm_cli_mrt_join(const char *cmd, const char *dir, const struct pm_run *run, struct pm_analysis *a,
                    const struct pm_preset *preset)
{
    DIR *d = opendir(dir);
    if (!d) {
        pm_cli_error("%s: --mrt-dir %s: %m", cmd, dir);
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
        pm_cli_error("%s: --mrt-dir %s: no RIB dump (rib.* or bview.*)", cmd, dir);
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
        pm_cli_error("%s: --mrt-dir: no /24 to join", cmd);
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
        pm_cli_error("%s: --mrt-dir: %s", cmd, err);
        ex = PM_EXIT_DATAERR;
        goto done;
    }
    pm_planes_free(a->planes);
    if (!(a->planes = to_planes(dir, units, nunits, at, rib_time, ff))) {
        ex = PM_EXIT_OSERR;
        goto done;
    }
    pm_planes_join(a->planes, run, a);
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
