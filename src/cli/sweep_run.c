/* sweep_run.c - the order that keeps a root run safe: targets read by an unprivileged child, output temp files and sockets opened, privileges dropped and syscalls filtered, then databases read and packets parsed. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/bgp_cli.h"
#include "cli/sweep.h"
#include "pathmortem/priv.h"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    if (!stop_signal)
        stop_signal = sig;
    pm_engine_request_stop_cause(sig == SIGTERM ? PM_RUN_SIGTERM : sig == SIGHUP ? PM_RUN_SIGHUP : PM_RUN_SIGINT);
}

/* SIGINT, SIGTERM and SIGHUP end probing and leave a complete, partial run;
 * the signals no one should send a sweep are ignored rather than cut files;
 * SIGPIPE too, so a closed stdout is a write error (exit 74), not a death. */
static void catch_signals(void)
{
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    struct sigaction ign = {.sa_handler = SIG_IGN};
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, NULL);
    sigaction(SIGUSR1, &ign, NULL);
    sigaction(SIGUSR2, &ign, NULL);
    sigaction(SIGALRM, &ign, NULL);
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

int pm_cli_doc_begin(struct pm_cli_sweep *s)
{
    s->out = stdout;
    if (s->files.doc.active && !(s->out = pm_safefile_stream(&s->files.doc, "w"))) {
        pm_cli_error("cannot write %s: %m", s->files.doc.path);
        return PM_EXIT_IOERR;
    }
    return 0;
}

int pm_cli_doc_end(struct pm_cli_sweep *s, int rc, const char *why)
{
    if (!s->out)
        return rc;
    errno = 0;
    /* a full disk or a closed pipe shows in the stream's error flag, the flush or the close */
    bool bad = fflush(s->out) != 0 || ferror(s->out);
    int e = errno;
    if (s->out != stdout && fclose(s->out) != 0)
        bad = true;
    s->out = NULL;
    if (rc == 0 && bad) {
        pm_cli_error("cannot write %s: %s", s->files.doc.active ? s->files.doc.path : "the output",
                     why && *why ? why : strerror(e ? e : EIO));
        rc = PM_EXIT_IOERR;
    }
    if (rc != 0) {
        pm_safefile_abort(&s->files.doc);
        return rc;
    }
    return pm_cli_outfiles_commit(&s->files.doc);
}

int pm_cli_write_output(struct pm_cli_sweep *s, const char *pcap_path)
{
    char err[PM_ERRBUF_SIZE] = "";
    bool color = s->color == 1 || (s->color == -1 && s->format == PM_FMT_TEXT && !s->output && isatty(1) &&
                                   !getenv("NO_COLOR"));
    struct pm_output_ctx ctx = {
        .run = s->run, .analysis = s->analysis, .lookup = s->geo ? pm_geo_lookup_cb : NULL,
        .lookup_ctx = s->geo, .color = color, .pcap_path = pcap_path, .verbose = s->verbose,
        .width = pm_cli_text_width(s->output != NULL),
        .name = s->rdns ? pm_rdns_name_cb : NULL, .name_ctx = s->rdns, .names_stats = s->rdns ? &s->names : NULL,
    };
    int rc = pm_cli_doc_begin(s);
    if (rc != 0)
        return rc;
    if (pm_output_write(s->out, s->format, &ctx, err) != PM_OK) {
        pm_cli_error("cannot write %s: %s", s->files.doc.active ? s->files.doc.path : "the output", err);
        rc = PM_EXIT_IOERR;
    }
    return pm_cli_doc_end(s, rc, NULL);
}

/* Where the capture goes: an unnamed file of the caller's, or the -w temp file. */
static int open_capture(struct pm_cli_sweep *s)
{
    if (s->capture_dirfd >= 0) {
        s->capture_fd = pm_safefile_anon(s->capture_dirfd);
        if (s->capture_fd < 0) {
            pm_cli_error("%s: cannot create the capture file: %m", s->cmd);
            return PM_EXIT_CANTCREAT;
        }
        int d = dup(s->capture_fd);
        if (d < 0 || !(s->eng.pcap_file = fdopen(d, "w"))) {
            if (d >= 0)
                close(d);
            pm_cli_error("%s: cannot create the capture file: %m", s->cmd);
            return PM_EXIT_CANTCREAT;
        }
        s->eng.pcap_path = NULL;
        return 0;
    }
    if (!s->files.pcap.active)
        return 0;
    if (!(s->eng.pcap_file = pm_safefile_stream(&s->files.pcap, "w"))) {
        pm_cli_error("cannot write %s: %m", s->files.pcap.path);
        return PM_EXIT_CANTCREAT;
    }
    if (!s->files.pcap.direct)
        s->capture_fd = s->files.pcap.fd;
    return 0;
}

int pm_cli_sweep_run(struct pm_cli_sweep *s)
{
    char err[PM_ERRBUF_SIZE];
    s->was_root = geteuid() == 0 || getuid() == 0;
    catch_signals();
    if (pm_priv_check_raw(err) != PM_OK) {
        pm_cli_error("%s", err);
        return PM_EXIT_NOPERM;
    }
    int rc = pm_cli_sweep_targets(s);
    if (rc != 0)
        return rc;
    if (stop_signal)
        return 128 + stop_signal; /* stopped before anything was probed or written */
    if ((rc = pm_cli_outfiles_open(&s->files, s->cmd, s->output, s->eng.pcap_path)) != 0)
        return rc;
    if (s->before_drop && (rc = s->before_drop(s->after_drop_ctx, s)) != 0)
        return rc;
    if ((rc = open_capture(s)) != 0)
        return rc;
    if ((rc = pm_cli_outfiles_delegate(&s->files)) != 0)
        return rc;
    struct pm_engine *eng = NULL;
    rc = pm_engine_open(&s->eng, s->addrs[0], &eng, err);
    s->eng.pcap_file = NULL; /* the engine took it */
    if (rc != PM_OK) {
        pm_cli_error("%s", err);
        return pm_cli_exit_in(rc, PM_CLI_EXIT_SYSTEM);
    }
    if (pm_priv_drop(s->user, err) != PM_OK) {
        pm_cli_error("refusing to run: %s", err);
        pm_engine_close(eng);
        return PM_EXIT_NOPERM;
    }
    /* a store client's profile allows new sockets already, reverse DNS's included */
    enum pm_sandbox profile = s->store_client ? PM_SANDBOX_SWEEP_CLIENT
                              : s->resolve    ? PM_SANDBOX_SWEEP_RDNS
                                              : PM_SANDBOX_SWEEP;
    if (pm_priv_sandbox(profile, err) != PM_OK) {
        pm_cli_error("refusing to run: %s", err);
        pm_engine_close(eng);
        return PM_EXIT_OSERR;
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
    /* the store's connection, made just now on the probing address maybe:
     * out of the capture before a frame is read, or no sweep */
    if (s->exclude_tcp && pm_engine_exclude_tcp(eng, s->ex_local, s->ex_local_port, s->ex_peer, s->ex_peer_port, err) !=
                              PM_OK) {
        pm_cli_error("%s: the store's connection: %s", s->cmd, err);
        pm_engine_close(eng);
        return PM_EXIT_OSERR;
    }
    if ((rc = pm_cli_open_geo(s->asn_db, s->geo_db, s->run, &s->geo)) != 0) {
        pm_engine_close(eng);
        return rc;
    }
    if (stop_signal) {
        pm_engine_close(eng);
        return 128 + stop_signal;
    }
    if (s->sweep_fn) {
        rc = s->sweep_fn(s->after_drop_ctx, s, eng);
        if (rc == 0 && pm_engine_pcap_close(eng, err) != PM_OK) {
            pm_cli_error("%s: %s", s->files.pcap.active ? s->files.pcap.path : "capture", err);
            rc = PM_EXIT_IOERR;
        }
        pm_engine_close(eng);
        return rc;
    }
    rc = pm_engine_run(eng, s->addrs, s->n_addrs, s->run, err);
    if (rc != PM_OK) {
        pm_engine_close(eng);
        /* name the -w file a write error is about (the engine knows only its stream) */
        if (rc == PM_EIO && s->files.pcap.active && strstr(err, "pcap file"))
            pm_cli_error("%s: %s", s->files.pcap.path, err);
        else
            pm_cli_error("%s", err);
        return rc == PM_EIO ? PM_EXIT_IOERR : PM_EXIT_OSERR;
    }
    if (s->run->end != PM_RUN_COMPLETE)
        pm_cli_error("%s: stopped by %s; the run is partial", s->cmd, pm_run_end_name(s->run->end));
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
    rc = s->compare_methods && s->run->end == PM_RUN_COMPLETE ? pm_cli_compare_methods(eng, s) : 0;
    /* the control plane after the probing: the collector's files then cover the run's end */
    /* A bad MRT file loses nothing of the run: it is written (and stored)
     * without the control plane, and the command exits with the file's status. */
    if (rc == 0 && s->mrt_dir)
        s->mrt_status = pm_cli_mrt_join(s->cmd, s->mrt_dir, s->run, s->analysis, s->targets.preset);
    if (rc == 0 && pm_engine_pcap_close(eng, err) != PM_OK) {
        pm_cli_error("%s: %s", s->files.pcap.active ? s->files.pcap.path : "capture", err);
        rc = PM_EXIT_IOERR;
    }
    pm_engine_close(eng);
    /* names last: the probing and the capture are over, so a slow or silent
     * resolver costs only its budget, never a probe's timing */
    if (rc == 0 && s->resolve && !stop_signal)
        pm_cli_resolve_names(s);
    return rc;
}

int pm_cli_sweep_commit_pcap(struct pm_cli_sweep *s)
{
    s->capture_fd = s->capture_dirfd >= 0 ? s->capture_fd : -1;
    return pm_cli_outfiles_commit(&s->files.pcap);
}

void pm_cli_sweep_free(struct pm_cli_sweep *s)
{
    pm_cli_outfiles_close(&s->files);
    if (s->files.ready && s->capture_dirfd >= 0 && s->capture_fd >= 0)
        close(s->capture_fd);
    s->capture_fd = -1;
    pm_analysis_free(s->analysis);
    pm_rdns_close(s->rdns);
    pm_geo_close(s->geo);
    pm_run_free(s->run);
    pm_targets_free(&s->targets);
    free(s->addrs);
}
