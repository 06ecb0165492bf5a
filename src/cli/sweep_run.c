/* sweep_run.c - the order that keeps a root run safe: open sockets and files, drop privileges, then read databases and parse packets. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/sweep.h"
#include "pathmortem/priv.h"

static void on_signal(int sig)
{
    pm_engine_request_stop_cause(sig == SIGTERM ? PM_RUN_SIGTERM : sig == SIGHUP ? PM_RUN_SIGHUP : PM_RUN_SIGINT);
}

void pm_cli_analyze_opts(const struct pm_preset *preset, struct pm_analyze_opts *ao)
{
    memset(ao, 0, sizeof *ao);
    if (!preset)
        return;
    ao->target_asn = preset->target_asn;
    for (uint32_t i = 0; i < preset->n_watch && i < sizeof ao->watched / sizeof ao->watched[0]; i++)
        ao->watched[ao->n_watched++] = preset->watch[i];
}

int pm_cli_open_geo(const char *asn_db, const char *geo_db, struct pm_run *run, struct pm_geo **out)
{
    char err[PM_ERRBUF_SIZE];
    const char *asn = asn_db ? asn_db : pm_geo_default_asn_path();
    const char *city = geo_db ? geo_db : pm_geo_default_city_path();
    *out = NULL;
    if (!asn && !city)
        return 0;
    if (pm_geo_open(asn, city, out, err) != PM_OK) {
        if (strstr(err, "ermission denied") && geteuid() != 0)
            pm_cli_error("%s (databases are read after privileges are dropped: make the file readable by "
                         "that user, or pick another with --user)", err);
        else
            pm_cli_error("%s", err);
        return PM_EXIT_DATAERR;
    }
    run->n_dbs = 0;
    const char *roles[] = {"asn", "geo"};
    for (int i = 0; i < 2; i++)
        if (run->n_dbs < PM_RUN_MAX_DBS && pm_geo_describe(*out, roles[i], &run->dbs[run->n_dbs]) == PM_OK)
            run->n_dbs++;
    return 0;
}

/* 3 the run was cut short before every target was probed (some are
 * not-probed: its verdicts cover only what was probed); else
 * 0 no path died (dark addresses and rate-limited silences are not deaths),
 * 1 some paths died while the target networks answered elsewhere, 2 paths died
 * and nothing of the target networks answered. */
int pm_cli_reach_status(const struct pm_run *run, const struct pm_analysis *a)
{
    uint32_t died = 0, answered = 0, unprobed = 0;
    for (uint32_t i = 0; i < a->n_targets; i++) {
        const struct pm_verdict *v = &a->verdicts[i];
        unprobed += v->status == PM_STATUS_NOT_PROBED;
        if (v->status == PM_STATUS_DIED && v->kind != PM_DEATH_RATE_LIMITED)
            died++;
        else if (v->status == PM_STATUS_REACHED || v->status == PM_STATUS_HOST_ABSENT)
            answered++;
    }
    if (run && run->end != PM_RUN_COMPLETE && unprobed)
        return PM_EXIT_INCOMPLETE;
    if (!died)
        return PM_EXIT_OK;
    return answered ? PM_EXIT_SOME_DIED : PM_EXIT_ALL_DIED;
}

int pm_cli_write_output(struct pm_cli_sweep *s, const char *pcap_path)
{
    char err[PM_ERRBUF_SIZE];
    bool color = s->color == 1 || (s->color == -1 && s->format == PM_FMT_TEXT && !s->output && isatty(1) &&
                                   !getenv("NO_COLOR"));
    struct pm_output_ctx ctx = {
        .run = s->run, .analysis = s->analysis, .lookup = s->geo ? pm_geo_lookup_cb : NULL,
        .lookup_ctx = s->geo, .color = color, .pcap_path = pcap_path, .verbose = s->verbose,
    };
    if (pm_output_write(s->out, s->format, &ctx, err) != PM_OK || fflush(s->out) != 0) {
        pm_cli_error("cannot write the output: %s", err);
        return PM_EXIT_IOERR;
    }
    return 0;
}

int pm_cli_sweep_run(struct pm_cli_sweep *s)
{
    char err[PM_ERRBUF_SIZE];
    if (pm_priv_check_raw(err) != PM_OK) {
        pm_cli_error("%s", err);
        return PM_EXIT_NOPERM;
    }
    struct pm_engine *eng = NULL;
    int rc = pm_engine_open(&s->eng, s->addrs[0], &eng, err);
    if (rc != PM_OK) {
        pm_cli_error("%s", err);
        return pm_cli_exit_in(rc, PM_CLI_EXIT_SYSTEM);
    }
    /* output files are opened while still privileged (the README says so) */
    s->out = stdout;
    if (s->output && !(s->out = fopen(s->output, "w"))) {
        pm_cli_error("cannot write %s: %m", s->output);
        pm_engine_close(eng);
        return PM_EXIT_CANTCREAT;
    }
    if (pm_priv_drop(s->user, err) != PM_OK) {
        pm_cli_error("refusing to run: %s", err);
        pm_engine_close(eng);
        return PM_EXIT_NOPERM;
    }
    /* unprivileged from here on: databases, packets, analysis */
    s->run = pm_run_alloc();
    if (!s->run) {
        pm_engine_close(eng);
        return PM_EXIT_OSERR;
    }
    gethostname(s->run->vantage, sizeof s->run->vantage - 1);
    if (s->after_drop && (rc = s->after_drop(s->after_drop_ctx, s)) != 0) {
        pm_engine_close(eng);
        return rc;
    }
    if ((rc = pm_cli_open_geo(s->asn_db, s->geo_db, s->run, &s->geo)) != 0) {
        pm_engine_close(eng);
        return rc;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    rc = pm_engine_run(eng, s->addrs, s->n_addrs, s->run, err);
    if (rc != PM_OK) {
        pm_engine_close(eng);
        pm_cli_error("%s", err);
        return PM_EXIT_OSERR;
    }
    pm_trace_finish(s->run, s->eng.gaplimit);
    struct pm_analyze_opts ao;
    pm_cli_analyze_opts(s->targets.preset, &ao);
    ao.history = s->history;
    ao.n_history = s->n_history;
    if (pm_analyze(s->run, s->geo ? pm_geo_lookup_cb : NULL, s->geo, &ao, &s->analysis, err) != PM_OK) {
        pm_engine_close(eng);
        pm_cli_error("analysis failed: %s", err);
        return PM_EXIT_SOFTWARE;
    }
    rc = s->compare_methods ? pm_cli_compare_methods(eng, s) : 0;
    pm_engine_close(eng);
    return rc;
}

void pm_cli_sweep_free(struct pm_cli_sweep *s)
{
    if (s->out && s->out != stdout)
        fclose(s->out);
    pm_analysis_free(s->analysis);
    pm_geo_close(s->geo);
    pm_run_free(s->run);
    pm_targets_free(&s->targets);
    free(s->addrs);
}
