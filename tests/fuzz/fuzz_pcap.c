/* fuzz_pcap.c - fuzzes the whole path of `analyze`: a capture file read with libpcap from a stream into pm_run_from_capture (the library's one offline pipeline), analyzed, written as JSON and text, and the JSON read back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pathmortem/analyze.h"
#include "pathmortem/capture.h"
#include "pathmortem/output.h"
#include "pathmortem/trace.h"

/* Frames read per input at most: keeps one case fast whatever it claims. */
#define MAX_FRAMES 4096

/* Address knowledge without a database: the default case's blocks and the lab's. */
static void table_lookup(void *ctx, uint32_t addr, struct pm_geo_info *out)
{
    (void)ctx;
    memset(out, 0, sizeof *out);
    static const struct { uint32_t net; uint8_t len; uint32_t asn; const char *name; const char *cc; } t[] = {
        {0xaf2db000u, 22, 131279, "Star JV", "KP"},  {0xc613b000u, 22, 131279, "Star JV", "KP"},
        {0xdb9e0000u, 17, 4837, "China Unicom", "CN"}, {0xc6121000u, 20, 4837, "China Unicom", "CN"},
        {0xbc2b0000u, 16, 20485, "TransTeleCom", "RU"}, {0xc6123000u, 20, 20485, "TransTeleCom", "RU"},
        {0xc6122000u, 20, 12389, "Rostelecom", "RU"},  {0xc6120000u, 19, 64500, "Lab access", "ZZ"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (((addr ^ t[i].net) >> (32 - t[i].len)) == 0) {
            out->asn = t[i].asn;
            snprintf(out->as_name, sizeof out->as_name, "%s", t[i].name);
            snprintf(out->country, sizeof out->country, "%s", t[i].cc);
            out->asn_prefix_len = t[i].len;
            return;
        }
}

/* What analyze does after reading: verdicts, then the documents. */
static void analyze_and_write(struct pm_run *run)
{
    char err[PM_ERRBUF_SIZE] = "";
    struct pm_analyze_opts ao;
    memset(&ao, 0, sizeof ao);
    ao.target_asn = 131279;
    ao.watched[0] = 4837;
    ao.watched[1] = 20485;
    ao.watched[2] = 12389;
    ao.n_watched = 3;
    struct pm_analysis *a = NULL;
    if (pm_analyze(run, table_lookup, NULL, &ao, &a, err) != PM_OK) {
        PM_FUZZ_CHECK(err[0] != '\0');
        return;
    }
    PM_FUZZ_CHECK(a->n_targets == run->n_targets);
    struct pm_output_ctx ctx = {.run = run, .analysis = a, .lookup = table_lookup};
    char *json = pm_output_json_string(&ctx, err);
    PM_FUZZ_CHECK(json != NULL);
    if (json) {
        /* whatever analyze writes, import must read back */
        struct pm_output_doc doc;
        memset(&doc, 0, sizeof doc);
        int rc = pm_output_json_read_doc(json, strlen(json), &doc, err);
        if (rc != PM_OK)
            fprintf(stderr, "read-back: %s\n", err);
        PM_FUZZ_CHECK(rc == PM_OK);
        pm_output_doc_free(&doc);
        free(json);
    }
    FILE *devnull = fopen("/dev/null", "w");
    if (devnull) {
        PM_FUZZ_CHECK(pm_output_write(devnull, PM_FMT_TEXT, &ctx, err) == PM_OK);
        PM_FUZZ_CHECK(pm_output_write(devnull, PM_FMT_CSV, &ctx, err) == PM_OK);
        fclose(devnull);
    }
    pm_analysis_free(a);
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
    /* The frames themselves go to the decoders and the matcher in
     * libpcap's buffer, as in analyze; fuzz_wire and fuzz_match feed them
     * exact-size copies so an over-read there is caught. */
    struct pm_capture_run_opts ro = {.gaplimit = 5, .max_frames = MAX_FRAMES};
    struct pm_run *run = NULL;
    rc = pm_run_from_capture(c, "fuzz.pcap", &ro, &run, NULL, err);
    if (rc != PM_OK) {
        PM_FUZZ_CHECK(run == NULL && err[0] != '\0' && strchr(err, '\n') == NULL);
    } else {
        uint64_t replies = 0;
        for (uint32_t i = 0; i < run->n_targets; i++)
            replies += run->targets[i].n_replies;
        PM_FUZZ_CHECK(replies == run->stats.replies_matched);
        PM_FUZZ_CHECK(run->n_targets > 0);
        analyze_and_write(run);
        pm_run_free(run);
    }
    pm_capture_close(c);
    free(copy);
    return 0;
}
