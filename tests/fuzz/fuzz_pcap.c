/* fuzz_pcap.c - fuzzes the pcap path of `analyze`: the input is a capture file, read with libpcap from a stream (as analyze does) and fed frame by frame into a matcher that learns the run, then the model is finished. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pathmortem/capture.h"
#include "pathmortem/match.h"
#include "pathmortem/trace.h"

/* Frames read per input at most: keeps one case fast whatever it claims. */
#define MAX_FRAMES 4096

struct feed {
    struct pm_matcher *m;
    int linktype;
    unsigned frames;
};

static void on_frame(void *ctx, const uint8_t *frame, size_t caplen, size_t wirelen, uint64_t ts_us)
{
    struct feed *f = ctx;
    (void)wirelen;
    struct pm_match_event ev;
    f->frames++;
    /* An exact-size copy so a decoder read past caplen is caught. */
    uint8_t *copy = malloc(caplen ? caplen : 1);
    if (!copy)
        return;
    for (size_t i = 0; i < caplen; i++)
        copy[i] = frame[i];
    enum pm_match_kind k = pm_matcher_frame(f->m, copy, caplen, f->linktype, ts_us, &ev);
    PM_FUZZ_CHECK(k == ev.kind);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[PM_ERRBUF_SIZE] = "";
    struct pm_capture *c = NULL;
    int rc;
    /* An in-memory stream, as analyze's already-open FILE; fmemopen refuses
     * size 0, so the empty input goes through the path-based open. */
    uint8_t *copy = NULL;
    if (size > 0) {
        copy = malloc(size);
        if (!copy)
            return 0;
        memcpy(copy, data, size);
        FILE *f = fmemopen(copy, size, "rb");
        if (!f) {
            free(copy);
            return 0;
        }
        rc = pm_capture_open_stream(f, "fuzz.pcap", &c, err);
    } else {
        const char *path = pm_fuzz_file("capture.pcap", data, size);
        if (!path)
            return 0;
        rc = pm_capture_open_file(path, &c, err);
    }
    if (rc != PM_OK) {
        PM_FUZZ_CHECK(rc < 0 && err[0] != '\0' && strchr(err, '\n') == NULL);
        free(copy);
        return 0;
    }
    struct pm_run *run = pm_run_alloc();
    struct pm_matcher *m = NULL;
    if (!run || pm_matcher_alloc(NULL, run, &m) != PM_OK) {
        pm_run_free(run);
        pm_capture_close(c);
        free(copy);
        return 0;
    }
    struct feed f = {m, pm_capture_linktype(c), 0};
    while (f.frames < MAX_FRAMES) {
        int n = pm_capture_dispatch(c, 64, on_frame, &f, err);
        if (n < 0) {
            PM_FUZZ_CHECK(err[0] != '\0');
            break;
        }
        if (n == 0)
            break;
    }
    pm_trace_finish(run, 5);
    uint64_t replies = 0;
    for (uint32_t i = 0; i < run->n_targets; i++)
        replies += run->targets[i].n_replies;
    PM_FUZZ_CHECK(replies == run->stats.replies_matched);
    pm_matcher_free(m);
    pm_run_free(run);
    pm_capture_close(c);
    free(copy);
    return 0;
}
