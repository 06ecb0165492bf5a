/* engine.c - the probe engine's loop: paced sending, capture into the matcher, deadlines, progress. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "pathmortem/capture.h"
#include "pathmortem/probe.h"
#include "probe/route.h"
#include "probe/sched.h"
#include "probe/sender.h"
#include "probe/sendq.h"

/* The I/O half of a sweep: sockets, capture, clock and the token bucket. Every
 * decision about what to probe is the scheduler's (sched.h). Two threads
 * during pm_engine_run: this loop (capture, matching, scheduling, pacing,
 * the pcap file) and the sending thread behind sendq (sendq.c says why). */
struct pm_engine {
    struct pm_engine_opts o;
    struct pm_probe_spec spec;
    char ifname[16];
    struct pm_sender *sender;
    struct pm_sendq *q;      /* during pm_engine_run only */
    struct pm_capture *cap;
    struct pm_matcher *matcher;
    struct pm_run *run;
    struct pm_sched *sched;
    int sched_err;           /* a scheduler failure met while reading the capture */
    double tokens;
    uint64_t last_refill_us;
    uint64_t sent_before;    /* run->stats.probes_sent when the queue started */
    bool send_error_told;
    char errbuf[PM_ERRBUF_SIZE];
};

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t stop_cause = PM_RUN_SIGINT;

void pm_engine_request_stop(void)
{
    /* a second request also cuts the drain short */
    if (stop_requested < 2)
        stop_requested++;
}

void pm_engine_request_stop_cause(uint8_t end)
{
    if (!stop_requested)
        stop_cause = end;
    pm_engine_request_stop();
}

void pm_engine_opts_default(struct pm_engine_opts *o)
{
    memset(o, 0, sizeof *o);
    o->method = PM_METHOD_ICMP;
    o->first_ttl = 1;
    o->max_ttl = 30;
    o->retries = 1;
    o->gaplimit = PM_GAPLIMIT_DEFAULT;
    o->split_ttl = 16;
    o->wait_ms = 2000;
    o->rate_pps = 1000;
    o->target_timeout_ms = 60000;
}

size_t pm_engine_state_per_target(void)
{
    /* scheduler state + the model's target record + matcher bits */
    return pm_sched_state_per_target() + sizeof(struct pm_target) + 2 * PM_TTL_MAX;
}

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int pm_engine_open(const struct pm_engine_opts *opts, uint32_t first_dst, struct pm_engine **out, char *errbuf)
{
    struct pm_engine *e = calloc(1, sizeof *e);
    if (!e) {
        if (opts->pcap_file)
            fclose(opts->pcap_file);
        return pm_err(errbuf, PM_ENOMEM, "out of memory");
    }
    e->o = *opts;
    int rc;
    uint32_t src = opts->src;
    if (opts->ifname) {
        snprintf(e->ifname, sizeof e->ifname, "%s", opts->ifname);
        if (!src && (rc = pm_route_ifaddr(opts->ifname, &src, errbuf)) != PM_OK)
            goto fail;
    } else if (src) {
        if ((rc = pm_route_ifname(src, e->ifname, errbuf)) != PM_OK)
            goto fail;
    } else if ((rc = pm_route_lookup(first_dst, &src, e->ifname, errbuf)) != PM_OK) {
        goto fail;
    }
    uint16_t ident = 0;
    while (ident == 0)
        if (getrandom(&ident, sizeof ident, 0) != (ssize_t)sizeof ident)
            ident = (uint16_t)(wall_us() ^ (uint64_t)getpid());
    e->spec = (struct pm_probe_spec){.method = opts->method, .src = src, .ident = ident,
                                     .dport = opts->dport, .flow = opts->flow, .classic = opts->classic};
    if ((rc = pm_probe_spec_seal(&e->spec)) != PM_OK) {
        pm_err(errbuf, rc, "cannot draw the run's secret (libsodium could not initialise)");
        goto fail;
    }
    if ((rc = pm_sender_open(e->ifname, &e->sender, errbuf)) != PM_OK)
        goto fail;
    if ((rc = pm_capture_open_live(e->ifname, src, &e->cap, errbuf)) != PM_OK)
        goto fail;
    if (opts->pcap_file) {
        rc = pm_capture_dump_fopen(e->cap, opts->pcap_file, opts->pcap_path ? opts->pcap_path : "the pcap file",
                                   errbuf);
        e->o.pcap_file = NULL; /* owned by the capture now, even on failure */
        if (rc != PM_OK)
            goto fail;
    }
    *out = e;
    return PM_OK;
fail:
    pm_engine_close(e);
    return rc;
}

int pm_engine_pcap_flush(struct pm_engine *e, char *errbuf)
{
    return pm_capture_dump_flush(e->cap, errbuf);
}

int pm_engine_exclude_tcp(struct pm_engine *e, uint32_t local, uint16_t local_port, uint32_t peer, uint16_t peer_port,
                          char *errbuf)
{
    const struct pm_capture_tcp conn = {.local = local, .peer = peer, .local_port = local_port, .peer_port = peer_port};
    return pm_capture_exclude_tcp(e->cap, &conn, errbuf);
}

int pm_engine_pcap_close(struct pm_engine *e, char *errbuf)
{
    return pm_capture_dump_close(e->cap, errbuf);
}

void pm_engine_close(struct pm_engine *e)
{
    if (!e)
        return;
    if (e->o.pcap_file)
        fclose(e->o.pcap_file); /* opened for us but never handed to the capture */
    pm_sendq_free(e->q); /* stops its thread first: the sender is its until then */
    pm_sender_close(e->sender);
    pm_capture_close(e->cap);
    pm_matcher_free(e->matcher);
    pm_sched_free(e->sched);
    free(e);
}

static void on_frame(void *ctx, const uint8_t *frame, size_t caplen, size_t wirelen, uint64_t ts_us)
{
    (void)wirelen;
    struct pm_engine *e = ctx;
    struct pm_match_event ev;
    if (pm_matcher_frame(e->matcher, frame, caplen, pm_capture_linktype(e->cap), ts_us, &ev) == PM_MATCH_REPLY) {
        uint32_t ti = (uint32_t)(ev.target - e->run->targets);
        int rc = pm_sched_on_reply(e->sched, ti, &ev.reply, now_us());
        if (rc != PM_OK && !e->sched_err)
            e->sched_err = rc;
    }
}

static int read_capture(struct pm_engine *e)
{
    for (int rounds = 0; rounds < 64; rounds++) {
        int n = pm_capture_dispatch(e->cap, 512, on_frame, e, e->errbuf);
        if (n < 0)
            return n;
        if (n == 0)
            break;
    }
    return PM_OK;
}

/* The sending thread's work for one probe (sendq.h): the spec is not
 * changed while a run's queue lives, the sender is the thread's alone. */
static int send_probe(void *ctx, uint32_t dst, uint8_t ttl, uint8_t attempt, char *errbuf)
{
    struct pm_engine *e = ctx;
    struct pm_probe p;
    pm_probe_encode(&e->spec, dst, ttl, attempt, &p);
    return pm_sender_send(e->sender, &e->spec, &p, errbuf);
}

/* The sending thread's counters into the run (progress, tick and the end
 * record read probes_sent), and its first send error told once. */
static void sync_sent(struct pm_engine *e)
{
    e->run->stats.probes_sent = e->sent_before + pm_sendq_sent(e->q);
    char err[PM_ERRBUF_SIZE];
    if (!e->send_error_told && pm_sendq_errors(e->q, err)) {
        /* it keeps going (the probe counts as lost) but tells the user once */
        e->send_error_told = true;
        fprintf(stderr, "pathmortem: %s\n", err);
    }
}

/* Probes the loop lets wait in the send queue: 10 ms at the rate (at least
 * 32, at most the queue). The rate is a promise at the wire, and the
 * scheduler's waits start when it hands a probe out: a sending thread held
 * off its core (a loaded machine) must not find a second's worth queued and
 * send it at once (seen: 8,134 probes in 250 ms at -r 10000, and timeouts
 * that expired before their probes left). */
/* 10 ms of probes at the rate: the token bucket's burst and the send
 * queue's backlog are both bounded by it. */
static double ten_ms_of_probes(const struct pm_engine *e)
{
    return e->o.rate_pps / 100.0;
}

static uint32_t backlog_cap(const struct pm_engine *e)
{
    double cap = ten_ms_of_probes(e);
    if (cap < 32)
        cap = 32;
    if (cap > PM_SENDQ_CAP)
        cap = PM_SENDQ_CAP;
    return (uint32_t)cap;
}

static void refill(struct pm_engine *e, uint64_t now)
{
    double burst = ten_ms_of_probes(e);
    if (burst < 1)
        burst = 1;
    e->tokens += (double)(now - e->last_refill_us) * e->o.rate_pps / 1e6;
    if (e->tokens > burst)
        e->tokens = burst;
    e->last_refill_us = now;
}

/* The loop's sleep while the send queue is full: under a fifth of what it
 * holds at 500k probes/s (PM_SENDQ_CAP), so the thread never runs dry. */
#define FULL_SLEEP_US 3000

#define PROGRESS_W 110 /* columns the progress line is padded to */

int pm_engine_progress_format(char *buf, size_t len, uint32_t done, uint32_t n, uint64_t probes, uint64_t replies,
                              uint64_t elapsed_us)
{
    const int width = 30;
    int fill = n ? (int)((uint64_t)(done < n ? done : n) * width / n) : width;
    double secs = (double)elapsed_us / 1e6;
    char rate[32] = "", eta[32] = "";
    /* a rate over the first tenth of a second says little */
    if (elapsed_us >= 100000)
        snprintf(rate, sizeof rate, "  %.0f probes/s", (double)probes / secs);
    if (done && done < n && elapsed_us) {
        /* targets finish at a steady pace once the sweep is under way */
        double left = secs * (double)(n - done) / (double)done;
        if (left < 99.5)
            snprintf(eta, sizeof eta, "  ETA %.0f s", left);
        else
            snprintf(eta, sizeof eta, "  ETA %.0f min", left / 60.0);
    }
    return snprintf(buf, len, "[%.*s%*s] %u/%u targets  %llu probes  %llu replies  %.1f s%s%s", fill,
                    "##############################", width - fill, "", done, n, (unsigned long long)probes,
                    (unsigned long long)replies, secs, rate, eta);
}

static void progress(const struct pm_engine *e, uint64_t start, bool final)
{
    uint32_t done = pm_sched_finished(e->sched), n = done + pm_sched_active(e->sched);
    char line[256];
    pm_engine_progress_format(line, sizeof line, done, n, e->run->stats.probes_sent, e->run->stats.replies_matched,
                              now_us() - start);
    /* the line may shrink (the ETA gone at the end): blanks cover what the last one left */
    fprintf(stderr, "\r%-*s%s", PROGRESS_W, line, final ? "\n" : "");
    fflush(stderr);
}

/* Fisher-Yates over the launch order, so no router sees a burst from one prefix. */
static void shuffle(uint32_t *v, uint32_t n)
{
    for (uint32_t i = n; i > 1; i--) {
        uint32_t r;
        if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
            r = (uint32_t)rand();
        uint32_t j = r % i;
        uint32_t tmp = v[i - 1];
        v[i - 1] = v[j];
        v[j] = tmp;
    }
}

void pm_engine_set_method(struct pm_engine *e, uint8_t method, uint16_t dport)
{
    e->o.method = method;
    e->o.dport = dport;
    e->spec.method = method;
    e->spec.dport = dport;
}

/* Forgets the previous run's state so one engine (one socket, one capture,
 * opened while privileged) can run several sweeps, e.g. --compare-methods. */
static void reset(struct pm_engine *e)
{
    pm_matcher_free(e->matcher);
    e->matcher = NULL;
    pm_sched_free(e->sched);
    e->sched = NULL;
    e->sched_err = 0;
    e->send_error_told = false;
    /* a fresh identity: answers to the previous sweep are not this one's */
    uint16_t ident = e->spec.ident;
    while (ident == e->spec.ident || ident == 0)
        if (getrandom(&ident, sizeof ident, 0) != (ssize_t)sizeof ident)
            ident = (uint16_t)(ident * 31u + 7u);
    e->spec.ident = ident;
    /* and a fresh secret (pm_probe_spec_seal succeeded once in open) */
    pm_probe_spec_seal(&e->spec);
}

static int dump_record(struct pm_engine *e, struct pm_runmeta *r, uint64_t time_us, char *errbuf)
{
    r->time_us = time_us;
    uint8_t buf[PM_RUNMETA_MAX];
    size_t len;
    int rc = pm_runmeta_build(r, buf, sizeof buf, &len);
    if (rc != PM_OK)
        return pm_err(errbuf, rc, "cannot build the run record");
    return pm_capture_dump_ip(e->cap, buf, len, time_us, errbuf);
}

/* Writes the run's start or end record into the pcap (match.h, "Run records"). */
static int write_record(struct pm_engine *e, const struct pm_run *run, uint8_t event, char *errbuf)
{
    struct pm_runmeta r = {.event = event, .spec = e->spec, .first_ttl = run->first_ttl, .max_ttl = run->max_ttl,
                           .queries = run->queries, .wait_ms = run->wait_ms, .end = run->end,
                           .probes_sent = run->stats.probes_sent};
    return dump_record(e, &r, event == PM_RUNMETA_START ? run->started_us : run->ended_us, errbuf);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* A run cut short: the targets it never sent a probe to, as /24 bitmaps in
 * unsent records before the end record, so that `analyze` of the pcap knows
 * them as the live run does (a pcap records probes, not the target list). */
static int write_unsent(struct pm_engine *e, const struct pm_run *run, char *errbuf)
{
    uint32_t *dst = malloc(((size_t)run->n_targets + 1) * sizeof *dst), n = 0;
    if (!dst)
        return pm_err(errbuf, PM_ENOMEM, "out of memory for the run's unsent targets");
    for (uint32_t i = 0; i < run->n_targets; i++) {
        const struct pm_target *t = &run->targets[i];
        if (!pm_target_first_sent(t))
            dst[n++] = t->dst;
    }
    qsort(dst, n, sizeof *dst, cmp_u32);
    struct pm_runmeta r = {.event = PM_RUNMETA_UNSENT, .spec = e->spec};
    int rc = PM_OK;
    for (uint32_t i = 0; i < n && rc == PM_OK; i++) {
        uint32_t p24 = dst[i] & 0xffffff00u;
        if (!r.n_unsent || r.unsent[r.n_unsent - 1].prefix != p24) {
            if (r.n_unsent == PM_RUNMETA_UNSENT_MAX) {
                rc = dump_record(e, &r, run->ended_us, errbuf);
                r.n_unsent = 0;
            }
            memset(&r.unsent[r.n_unsent], 0, sizeof r.unsent[0]);
            r.unsent[r.n_unsent++].prefix = p24;
        }
        unsigned o = dst[i] & 0xff;
        r.unsent[r.n_unsent - 1].bits[o / 8] |= (uint8_t)(0x80u >> (o % 8));
    }
    if (rc == PM_OK && r.n_unsent)
        rc = dump_record(e, &r, run->ended_us, errbuf);
    free(dst);
    return rc;
}

/* Sends, reads and schedules until every target is done, a stop request,
 * the run's timeout or the tick's stop; PM_OK, or an error with errbuf set. */
static int probe_loop(struct pm_engine *e, uint32_t n, uint64_t start, bool *ticked_stop, char *errbuf)
{
    struct pm_run *run = e->run;
    uint64_t last_progress = 0, last_tick = 0;
    int rc;
    e->last_refill_us = start;
    e->tokens = 1;
    int fd = pm_capture_fd(e->cap);
    while (pm_sched_active(e->sched) > 0 && !stop_requested) {
        uint64_t now = now_us();
        if (e->o.run_timeout_ms && now - start > (uint64_t)e->o.run_timeout_ms * 1000u) {
            run->end = PM_RUN_TIMEOUT;
            break;
        }
        if ((rc = read_capture(e)) != PM_OK) {
            pm_err(errbuf, rc, "%s", e->errbuf);
            return rc;
        }
        now = now_us();
        if (!e->sched_err)
            e->sched_err = pm_sched_on_time(e->sched, now);
        refill(e, now);
        bool pushed = false;
        uint32_t cap = backlog_cap(e);
        while (!e->sched_err && e->tokens >= 1 && pm_sendq_backlog(e->q) < cap) { /* cap <= the queue: room */
            struct pm_sched_probe p;
            int got = pm_sched_next(e->sched, now, &p);
            if (got <= 0) {
                e->sched_err = got;
                break;
            }
            e->tokens -= 1;
            pm_sendq_push(e->q, p.dst, p.ttl, p.attempt); /* has room: this loop is its only producer */
            pushed = true;
        }
        if (pushed)
            pm_sendq_kick(e->q);
        sync_sent(e);
        if (e->sched_err)
            return pm_err(errbuf, e->sched_err, "out of memory while scheduling probes (%u targets)", n);
        if (e->o.tick && now - last_tick >= 50000) {
            last_tick = now;
            if (e->o.tick(e->o.tick_ctx, run)) {
                *ticked_stop = true;
                break;
            }
        }
        if (e->o.progress && now - last_progress > 250000) {
            progress(e, start, false);
            last_progress = now;
        }
        /* sleep until a reply, the next deadline or the next token */
        int timeout_ms = 100;
        uint64_t at;
        if (pm_sched_wants_send(e->sched))
            timeout_ms = e->tokens >= 1 && pm_sendq_backlog(e->q) < cap ? 0 : 1;
        else if (pm_sched_deadline(e->sched, &at))
            timeout_ms = at > now ? (int)((at - now) / 1000u) + 1 : 0;
        if (timeout_ms > 100)
            timeout_ms = 100;
        if (pm_sendq_full(e->q)) {
            /* the thread has milliseconds of probes in hand: sleep without
             * the capture's wake-ups (each one an interrupt to this core
             * from the sending one), and read what came in one batch after */
            struct timespec ts = {0, FULL_SLEEP_US * 1000};
            nanosleep(&ts, NULL);
            continue;
        }
        if (timeout_ms > 0 && fd >= 0) {
            struct pollfd pfd = {.fd = fd, .events = POLLIN};
            poll(&pfd, 1, timeout_ms);
        }
    }
    return PM_OK;
}

int pm_engine_run(struct pm_engine *e, const uint32_t *targets, uint32_t n, struct pm_run *run, char *errbuf)
{
    int rc;
    if (e->run)
        reset(e);
    e->run = run;
    if (!e->o.queries)
        e->o.queries = n == 1 ? 3 : 1;
    if (e->o.queries + e->o.retries > PM_PROBE_MAX_ATTEMPTS)
        e->o.retries = (uint8_t)(PM_PROBE_MAX_ATTEMPTS - e->o.queries);
    /* the run records its parameters field by field from the spec and the
     * options (foreign.c's probe record has the same shape, other structs) */
    run->method = e->spec.method;
    run->source = e->spec.src;
    run->ident = e->spec.ident;
    run->dport = e->spec.dport;
    run->flow = e->spec.flow;
    run->classic = e->spec.classic;
    run->first_ttl = e->o.first_ttl;
    run->max_ttl = e->o.max_ttl;
    run->queries = e->o.queries;
    run->wait_ms = e->o.wait_ms;
    run->started_us = wall_us();
    run->end = PM_RUN_COMPLETE;
    if ((rc = write_record(e, run, PM_RUNMETA_START, errbuf)) != PM_OK)
        return rc;
    if ((rc = pm_matcher_alloc(&e->spec, run, &e->matcher)) != PM_OK)
        return pm_err(errbuf, rc, "out of memory");
    for (uint32_t i = 0; i < n; i++)
        if (!pm_run_target(run, targets[i], true))
            return pm_err(errbuf, PM_ELIMIT, "too many targets (cap %u)", PM_TRACE_MAX_TARGETS);
    uint32_t *order = malloc((n ? n : 1) * sizeof *order);
    if (!order)
        return pm_err(errbuf, PM_ENOMEM, "out of memory for %u targets", n);
    for (uint32_t i = 0; i < n; i++)
        order[i] = i;
    if (n > 1)
        shuffle(order, n);
    struct pm_sched_opts so = {.first_ttl = e->o.first_ttl, .max_ttl = e->o.max_ttl, .queries = e->o.queries,
                               .retries = e->o.retries, .gaplimit = e->o.gaplimit, .split_ttl = e->o.split_ttl,
                               .no_stopset = e->o.no_stopset, .wait_ms = e->o.wait_ms,
                               .target_timeout_ms = e->o.target_timeout_ms};
    rc = pm_sched_alloc(&so, targets, n, order, &e->sched);
    free(order);
    if (rc != PM_OK)
        return pm_err(errbuf, rc, "out of memory for %u targets", n);

    uint64_t start = now_us();
    bool ticked_stop = false;
    e->sent_before = run->stats.probes_sent;
    if ((rc = pm_sendq_start(send_probe, e, &e->q, errbuf)) != PM_OK)
        return rc;
    rc = probe_loop(e, n, start, &ticked_stop, errbuf);
    /* what is queued goes out (the scheduler counted it as sent), unless the
     * run failed or a second stop request cuts the drain short; either way
     * the thread is joined here, before anything below reads the run */
    pm_sendq_finish(e->q, rc != PM_OK || stop_requested >= 2);
    sync_sent(e);
    pm_sendq_free(e->q);
    e->q = NULL;
    if (rc != PM_OK)
        return rc;
    int fd = pm_capture_fd(e->cap);
    /* the last probes' own captures and stragglers: a short drain; a run
     * cut short still has probes in flight, whose replies get the wait time */
    bool cut = stop_requested || run->end == PM_RUN_TIMEOUT;
    uint64_t drain_until = now_us() + (cut ? (uint64_t)e->o.wait_ms * 1000u : 50000u);
    while (now_us() < drain_until && stop_requested < 2) {
        if (read_capture(e) != PM_OK)
            break;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (fd >= 0)
            poll(&pfd, 1, 10);
    }
    if (e->o.progress)
        progress(e, start, true);
    if (stop_requested && run->end == PM_RUN_COMPLETE && pm_sched_active(e->sched) > 0)
        run->end = (uint8_t)stop_cause;
    if (ticked_stop && run->end == PM_RUN_COMPLETE && pm_sched_active(e->sched) > 0)
        run->end = PM_RUN_SIGINT;
    run->stats.capture_drops = pm_capture_drops(e->cap);
    run->ended_us = wall_us();
    if (run->end != PM_RUN_COMPLETE && (rc = write_unsent(e, run, errbuf)) != PM_OK)
        return rc;
    if ((rc = write_record(e, run, PM_RUNMETA_END, errbuf)) != PM_OK)
        return rc;
    if ((rc = pm_capture_dump_flush(e->cap, errbuf)) != PM_OK)
        return rc;
    return PM_OK;
}
