/* watch_run.c - the live view's cycles: one sweep per cycle on trace's engine (privileges already dropped), replies counted as they arrive, the cycle analysed as trace analyses a run; keys, screen, the pcap so far, the report. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/watch.h"
#include "pathmortem/geo.h"

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int pm_cli_watch_before_drop(void *ctx, struct pm_cli_sweep *s)
{
    struct pm_cli_watch *cw = ctx;
    if (cw->report || !s->files.pcap.active || s->files.pcap.direct)
        return 0; /* no key to press, or nothing to copy */
    char err[PM_ERRBUF_SIZE];
    for (uint32_t i = 0; i < PM_CLI_WATCH_COPIES; i++) {
        struct pm_safefile *f = &cw->copies[i];
        memset(f, 0, sizeof *f);
        f->fd = f->dirfd = f->keeper_fd = -1;
        if (pm_safefile_open(f, s->files.pcap.path, 0666, err) != PM_OK) {
            pm_cli_error("watch: %s", err);
            return PM_EXIT_CANTCREAT;
        }
        s->files.extra[s->files.n_extra++] = f;
        cw->n_copies++;
    }
    return 0;
}

/* "w": the pcap so far, copied from the session's temp file into the next
 * copy, which then takes the final name (the session's file replaces it on quit). */
static void write_pcap(struct pm_cli_watch *cw)
{
    struct pm_cli_sweep *s = cw->s;
    char err[PM_ERRBUF_SIZE];
    if (!s->files.pcap.active || s->files.pcap.direct || s->files.pcap.fd < 0) {
        snprintf(cw->st.status, sizeof cw->st.status, "no pcap file to write (%s)",
                 s->no_pcap ? "--no-pcap" : "-w is not a regular file");
        return;
    }
    if (cw->used_copies >= cw->n_copies) {
        snprintf(cw->st.status, sizeof cw->st.status, "pcap copied %u times already: the session is written on quit",
                 cw->used_copies);
        return;
    }
    if (pm_engine_pcap_flush(cw->eng, err) != PM_OK) {
        snprintf(cw->st.status, sizeof cw->st.status, "pcap: %s", err);
        return;
    }
    struct pm_safefile *f = &cw->copies[cw->used_copies++];
    char buf[65536];
    off_t off = 0;
    for (;;) {
        ssize_t n = pread(s->files.pcap.fd, buf, sizeof buf, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n < 0) {
                snprintf(cw->st.status, sizeof cw->st.status, "pcap: cannot read the capture: %s", strerror(errno));
                pm_safefile_abort(f);
                return;
            }
            break;
        }
        for (ssize_t done = 0; done < n;) {
            ssize_t m = write(f->fd, buf + done, (size_t)(n - done));
            if (m < 0 && errno == EINTR)
                continue;
            if (m <= 0) {
                snprintf(cw->st.status, sizeof cw->st.status, "cannot write %.300s: %s", f->path,
                         strerror(m < 0 ? errno : EIO));
                pm_safefile_abort(f);
                return;
            }
            done += m;
        }
        off += n;
    }
    if (pm_safefile_commit(f, err) != PM_OK) {
        snprintf(cw->st.status, sizeof cw->st.status, "%s", err);
        return;
    }
    snprintf(cw->st.status, sizeof cw->st.status, "pcap so far written to %.300s (%lld bytes)", f->path, (long long)off);
}

/* The model's name hook: asks for addr the first time (the cache answers
 * the next times) and gives the name once the answer is in. */
static const char *name_of(void *ctx, uint32_t addr)
{
    struct pm_rdns *r = ctx;
    if (pm_rdns_state(r, addr) == PM_RDNS_UNKNOWN)
        (void)pm_rdns_want(r, addr); /* past the cache's cap the address just stays unnamed */
    return pm_rdns_name(r, addr);
}

static void draw(struct pm_cli_watch *cw, bool now)
{
    if (!cw->screen)
        return;
    uint64_t t = mono_us();
    if (!now && t - cw->last_draw_us < 200000)
        return;
    cw->last_draw_us = t;
    pm_watch_refresh_names(&cw->w);
    pm_watch_screen_draw(&cw->w, &cw->st);
}

static void keys(struct pm_cli_watch *cw)
{
    if (!cw->screen)
        return;
    for (;;) {
        enum pm_watch_key k = pm_watch_key_read();
        if (k == PM_WKEY_NONE)
            return;
        switch (k) {
        case PM_WKEY_QUIT: cw->quit = true; break;
        case PM_WKEY_PAUSE:
            pm_watch_set_paused(&cw->w, !cw->w.paused, pm_cli_now_us());
            snprintf(cw->st.status, sizeof cw->st.status, "%s", cw->w.paused ? "paused: p resumes" : "resumed");
            break;
        case PM_WKEY_RESET:
            pm_watch_reset(&cw->w);
            snprintf(cw->st.status, sizeof cw->st.status, "figures reset");
            break;
        case PM_WKEY_VIEW:
            cw->st.view = cw->st.view == PM_WATCH_VIEW_HOPS ? PM_WATCH_VIEW_VERDICT : PM_WATCH_VIEW_HOPS;
            break;
        case PM_WKEY_PCAP: write_pcap(cw); break;
        default: break;
        }
        draw(cw, true);
    }
}

/* --timeout over the whole session: true once it has run out (then the cycle in progress is cut). */
static bool timed_out(struct pm_cli_watch *cw)
{
    if (cw->timeout_ms && mono_us() - cw->started_mono_us >= (uint64_t)cw->timeout_ms * 1000u)
        cw->timed_out = true;
    return cw->timed_out;
}

int pm_cli_watch_tick(void *ctx, const struct pm_run *run)
{
    (void)run;
    struct pm_cli_watch *cw = ctx;
    if (timed_out(cw))
        return 1;
    pm_watch_fold(&cw->w);
    if (cw->s->rdns)
        pm_rdns_pump(cw->s->rdns, 0);
    keys(cw);
    draw(cw, false);
    return cw->quit;
}

/* The pause between cycles: keys and screen stay live. */
static void wait_until(struct pm_cli_watch *cw, uint64_t at)
{
    while (!cw->quit && !timed_out(cw)) {
        uint64_t t = mono_us();
        if (t >= at && !cw->w.paused)
            return;
        int ms = t >= at ? 50 : (int)((at - t) / 1000u) + 1;
        struct pollfd p = {.fd = 0, .events = POLLIN};
        poll(&p, cw->screen ? 1 : 0, ms > 50 ? 50 : ms);
        if (cw->s->rdns)
            pm_rdns_pump(cw->s->rdns, 0);
        keys(cw);
        draw(cw, false);
    }
}

/* One cycle: a fresh run (its own identity, as each sweep gets), swept,
 * counted, then finished and analysed exactly as trace does. */
static int cycle(struct pm_cli_watch *cw, struct pm_cli_sweep *s, bool *cut)
{
    char err[PM_ERRBUF_SIZE];
    struct pm_run *run = pm_run_alloc();
    if (!run || pm_watch_begin_cycle(&cw->w, run, s->n_addrs) != PM_OK) {
        pm_run_free(run);
        return PM_EXIT_OSERR;
    }
    memcpy(run->vantage, s->run->vantage, sizeof run->vantage);
    run->n_dbs = s->run->n_dbs;
    memcpy(run->dbs, s->run->dbs, sizeof run->dbs);
    if (pm_engine_run(cw->eng, s->addrs, s->n_addrs, run, err) != PM_OK) {
        pm_watch_end_cycle(&cw->w, NULL, NULL, 0);
        pm_run_free(run);
        pm_cli_watch_done(cw);
        pm_cli_error("%s", err);
        return PM_EXIT_OSERR;
    }
    if (run->end != PM_RUN_COMPLETE) {
        /* cut short (a key, a signal, --timeout): its figures count, its verdict would mislead */
        *cut = true;
        pm_watch_end_cycle(&cw->w, NULL, NULL, 0);
        pm_run_free(run);
        return 0;
    }
    pm_watch_fold(&cw->w); /* before pm_trace_finish sorts the replies */
    pm_trace_finish(run, s->eng.gaplimit);
    struct pm_analyze_opts ao;
    pm_cli_analyze_opts(s->targets.preset, &ao);
    struct pm_analysis *a = NULL;
    if (pm_analyze(run, s->geo ? pm_geo_lookup_cb : NULL, s->geo, &ao, &a, err) != PM_OK) {
        pm_run_free(run);
        pm_cli_watch_done(cw);
        pm_cli_error("analysis failed: %s", err);
        return PM_EXIT_SOFTWARE;
    }
    pm_watch_end_cycle(&cw->w, run, a, mono_us());
    return 0;
}

static void make_title(struct pm_cli_watch *cw, struct pm_cli_sweep *s)
{
    size_t off = (size_t)snprintf(cw->title, sizeof cw->title, "pathmortem watch");
    for (int i = 0; i < s->n_target_args && off < sizeof cw->title; i++)
        off += (size_t)snprintf(cw->title + off, sizeof cw->title - off, " %s", s->target_args[i]);
    for (int i = 0; i < s->n_target_files && off < sizeof cw->title; i++)
        off += (size_t)snprintf(cw->title + off, sizeof cw->title - off, " -T %s", s->target_files[i]);
    if (off < sizeof cw->title)
        snprintf(cw->title + off, sizeof cw->title - off, " (%s, %u target%s)",
                 pm_method_name((enum pm_method)s->eng.method), s->n_addrs, s->n_addrs == 1 ? "" : "s");
    /* target names come from the command line: nothing unprintable on the screen */
    for (char *p = cw->title; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
}

static int report(struct pm_cli_watch *cw, struct pm_cli_sweep *s)
{
    char err[PM_ERRBUF_SIZE];
    int rc = pm_cli_doc_begin(s);
    if (rc != 0)
        return rc;
    int wr = s->format == PM_FMT_JSON ? pm_watch_write_json(s->out, &cw->w, cw->title, s->eng.first_ttl, err)
                                      : pm_watch_write_text(s->out, &cw->w, cw->title, s->eng.first_ttl, err);
    return pm_cli_doc_end(s, wr == PM_OK ? 0 : PM_EXIT_IOERR, wr == PM_OK ? NULL : err);
}

int pm_cli_watch_run(void *ctx, struct pm_cli_sweep *s, struct pm_engine *eng)
{
    struct pm_cli_watch *cw = ctx;
    char err[PM_ERRBUF_SIZE];
    cw->eng = eng;
    pm_watch_init(&cw->w, s->geo ? pm_geo_lookup_cb : NULL, s->geo);
    cw->w_ready = true;
    cw->w.numeric = !s->resolve;
    struct pm_analyze_opts ao;
    pm_cli_analyze_opts(s->targets.preset, &ao);
    pm_watch_set_upstreams(&cw->w, ao.target_asn, ao.watched, ao.n_watched);
    if (s->resolve) {
        /* names as mtr shows them, asked as addresses appear; never waited for */
        if (pm_rdns_open(NULL, &s->rdns, err) != PM_OK)
            pm_cli_error("watch: no host names: %s", err);
        else {
            cw->w.name_fn = name_of;
            cw->w.name_ctx = s->rdns;
        }
    }
    cw->w.started_us = pm_cli_now_us();
    make_title(cw, s);
    cw->st.title = cw->title;
    cw->st.first_ttl = s->eng.first_ttl;
    if (!cw->report) {
        if (pm_watch_screen_open(err) != PM_OK) {
            pm_cli_error("watch: %s", err);
            return PM_EXIT_USAGE;
        }
        cw->screen = true;
        draw(cw, true);
    }
    bool cut = false;
    int rc = 0;
    cw->started_mono_us = mono_us();
    while (!cw->quit && !cut && (!cw->report || cw->w.cycles_total < cw->report)) {
        uint64_t start = mono_us();
        if ((rc = cycle(cw, s, &cut)) != 0)
            return rc;
        draw(cw, true);
        if (!cut && (!cw->report || cw->w.cycles_total < cw->report))
            wait_until(cw, start + (uint64_t)cw->interval_ms * 1000u);
        cut = cut || cw->timed_out;
    }
    pm_cli_watch_done(cw);
    if (cw->quit && !cw->timed_out)
        cw->status = PM_EXIT_OK;
    else if (cut)
        cw->status = PM_EXIT_INCOMPLETE;
    else
        cw->status = cw->w.last_analysis ? pm_cli_reach_status(cw->w.last_run, cw->w.last_analysis) : PM_EXIT_OK;
    if (cw->report && s->rdns) {
        /* the names still out get a bounded wait, as trace gives them */
        pm_rdns_finish(s->rdns, PM_CLI_NAMES_BUDGET_MS);
        pm_watch_refresh_names(&cw->w);
    }
    if (cw->report && (rc = report(cw, s)) != 0)
        return rc;
    if (cut && (!cw->quit || cw->timed_out))
        pm_cli_error("watch: stopped by %s after %u cycle%s", cw->timed_out ? "--timeout" : "a signal",
                     cw->w.cycles_total, cw->w.cycles_total == 1 ? "" : "s");
    return 0;
}

void pm_cli_watch_done(struct pm_cli_watch *cw)
{
    if (cw->screen) {
        pm_watch_screen_close();
        cw->screen = false;
    }
}
