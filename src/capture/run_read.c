/* run_read.c - pm_run_from_capture: a capture written by `trace -w` back into the run it recorded (capture -> matcher -> trace model), the one offline pipeline. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathmortem/capture.h"
#include "pathmortem/match.h"
#include "pathmortem/trace.h"

/* Frames go to the matcher in batches (pm_matcher_frames looks ahead in a
 * batch to hide cache misses); libpcap lends each frame only until the next,
 * so a batch holds copies. */
#define FEED_BYTES (64u * 1024u)

struct feed {
    struct pm_matcher *m;
    int linktype;
    uint32_t frames;
    uint32_t n;                 /* frames in the batch */
    size_t used;                /* bytes of buf they hold */
    struct pm_match_frame batch[PM_MATCH_BATCH];
    uint8_t buf[FEED_BYTES];
};

static void flush(struct feed *f)
{
    pm_matcher_frames(f->m, f->batch, f->n, f->linktype);
    f->n = 0;
    f->used = 0;
}

static void on_frame(void *ctx, const uint8_t *frame, size_t caplen, size_t wirelen, uint64_t ts_us)
{
    (void)wirelen;
    struct feed *f = ctx;
    f->frames++;
    if (f->n == PM_MATCH_BATCH || caplen > FEED_BYTES - f->used)
        flush(f);
    if (caplen > FEED_BYTES) { /* larger than any batch: on its own, in its turn */
        struct pm_match_event ev;
        pm_matcher_frame(f->m, frame, caplen, f->linktype, ts_us, &ev);
        return;
    }
    memcpy(f->buf + f->used, frame, caplen);
    f->batch[f->n++] = (struct pm_match_frame){f->buf + f->used, caplen, ts_us};
    f->used += caplen;
}

/* "5a17, 0bad": the runs a capture holds, for the refusals. */
static void run_list(const uint16_t *ids, uint32_t n, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = 0;
    for (uint32_t i = 0; i < n && i < PM_MATCH_MAX_RUNS && at + 8 < len; i++) {
        char id[8];
        pm_run_id_format(ids[i], id);
        at += (size_t)snprintf(buf + at, len - at, "%s%s", i ? ", " : "", id);
    }
}

/* Feeds every frame (up to o->max_frames, checked between batches) to m;
 * each batch is matched before the next is read, so a read error or the
 * frame limit leaves the same run as frame-by-frame feeding. */
static int feed_all(struct pm_capture *c, struct pm_matcher *m, const struct pm_capture_run_opts *o, char *errbuf)
{
    struct feed *f = malloc(sizeof *f);
    if (!f)
        return pm_err(errbuf, PM_ENOMEM, "out of memory");
    f->m = m;
    f->linktype = pm_capture_linktype(c);
    f->frames = f->n = 0;
    f->used = 0;
    int batch = o->max_frames && o->max_frames < 4096 ? (int)o->max_frames : 4096;
    int n;
    while ((n = pm_capture_dispatch(c, batch, on_frame, f, errbuf)) > 0) {
        flush(f);
        if (o->max_frames && f->frames >= o->max_frames)
            break;
    }
    flush(f);
    free(f);
    return n < 0 ? n : PM_OK;
}

/* The one-line refusals of a capture that cannot be analysed as it stands. */
static int check_runs(struct pm_matcher *m, const struct pm_run *run, const char *name, uint16_t run_id,
                      bool *no_probes, char *errbuf)
{
    uint16_t ids[PM_MATCH_MAX_RUNS];
    uint32_t n_runs = pm_matcher_runs(m, ids, PM_MATCH_MAX_RUNS);
    bool have_spec = pm_matcher_spec(m) != NULL;
    char list[PM_MATCH_MAX_RUNS * 8 + 8];
    run_list(ids, n_runs, list, sizeof list);
    if (run_id && !have_spec) {
        char id[8];
        pm_run_id_format(run_id, id);
        return pm_err(errbuf, PM_ECORRUPT, "%s holds no run %s (runs: %s)", name, id, n_runs ? list : "none");
    }
    if (!run_id && n_runs > 1)
        return pm_err(errbuf, PM_ECORRUPT, "%s holds %u%s pathmortem runs (%s): analyze one with --run ID", name,
                      n_runs, n_runs >= PM_MATCH_MAX_RUNS ? " or more" : "", list);
    if (!have_spec || run->n_targets == 0) {
        *no_probes = n_runs == 0; /* maybe another tool's traceroute: the caller may try the foreign matcher */
        return pm_err(errbuf, PM_ECORRUPT, "%s holds no pathmortem probes (was it written by 'pathmortem trace -w'?)",
                      name);
    }
    return PM_OK;
}

int pm_run_from_capture(struct pm_capture *c, const char *name, const struct pm_capture_run_opts *o,
                        struct pm_run **out, struct pm_capture_run_notes *notes, char *errbuf)
{
    *out = NULL;
    struct pm_capture_run_notes scratch;
    if (!notes)
        notes = &scratch;
    *notes = (struct pm_capture_run_notes){0};
    int rc = pm_capture_check_snaplen(c, name, errbuf);
    if (rc != PM_OK)
        return rc;
    struct pm_run *run = pm_run_alloc();
    struct pm_matcher *m = NULL;
    /* spec NULL: the matcher learns the run from its start record, or from
     * the first probe of a capture without one */
    if (!run || pm_matcher_alloc(NULL, run, &m) != PM_OK) {
        pm_run_free(run);
        return pm_err(errbuf, PM_ENOMEM, "out of memory");
    }
    if (o->run_id)
        pm_matcher_select_run(m, o->run_id);
    /* 0: not stated; a start record states it, else the data tells it */
    run->first_ttl = 0;
    rc = feed_all(c, m, o, errbuf);
    if (rc == PM_OK) {
        notes->cut = pm_capture_cut(c, &notes->records, &notes->ignored_bytes);
        rc = check_runs(m, run, name, o->run_id, &notes->no_probes, errbuf);
    } else if (rc != PM_ENOMEM) {
        rc = PM_ECORRUPT;
    }
    pm_matcher_free(m);
    if (rc != PM_OK) {
        pm_run_free(run);
        return rc;
    }
    pm_trace_finish_recorded(run, o->gaplimit);
    *out = run;
    return PM_OK;
}
