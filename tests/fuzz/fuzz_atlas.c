/* fuzz_atlas.c - fuzzes the JSON readers of other systems' traceroute files (RIPE Atlas, sc_warts2json): read, analyze, write, read back. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pathmortem/output.h"
#include "pathmortem/peers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[PM_ERRBUF_SIZE] = "";
    struct pm_peer_set set;
    int rc = pm_peers_read_mem((const char *)data, size, 5, &set, err);
    if (rc != PM_OK) {
        /* refused: one line, nothing kept */
        PM_FUZZ_CHECK(rc < 0 && err[0] != '\0' && strchr(err, '\n') == NULL && set.n_runs == 0);
        return 0;
    }
    struct pm_analyze_opts ao = {0};
    for (uint32_t i = 0; i < set.n_runs; i++) {
        struct pm_analysis *a = NULL;
        PM_FUZZ_CHECK(pm_analyze(set.runs[i], NULL, NULL, &ao, &a, err) == PM_OK);
        pm_peers_qualify(set.runs[i], a);
        /* what was read writes out as a pathmortem document that reads back */
        struct pm_output_ctx ctx = {.run = set.runs[i], .analysis = a};
        char *doc = pm_output_json_string(&ctx, err);
        PM_FUZZ_CHECK(doc != NULL);
        struct pm_output_doc back;
        memset(&back, 0, sizeof back);
        PM_FUZZ_CHECK(pm_output_json_read_doc(doc, strlen(doc), &back, err) == PM_OK);
        PM_FUZZ_CHECK(!strcmp(back.run->input.vantage_id, set.runs[i]->input.vantage_id));
        pm_output_doc_free(&back);
        free(doc);
        pm_analysis_free(a);
    }
    pm_peers_free(&set);
    return 0;
}
