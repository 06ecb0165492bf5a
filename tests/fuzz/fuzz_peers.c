/* fuzz_peers.c - the property the peer-format fuzz targets share: a refusal is one line with nothing kept; what is read analyzes and round-trips as a pathmortem document. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_peers.h"
#include "pathmortem/output.h"

void pm_fuzz_peer_result(int rc, struct pm_peer_set *set, const char *err)
{
    if (rc != PM_OK) {
        PM_FUZZ_CHECK(rc < 0 && err[0] != '\0' && strchr(err, '\n') == NULL && set->n_runs == 0);
        return;
    }
    char buf[PM_ERRBUF_SIZE] = "";
    struct pm_analyze_opts ao = {0};
    for (uint32_t i = 0; i < set->n_runs; i++) {
        struct pm_analysis *a = NULL;
        PM_FUZZ_CHECK(pm_analyze(set->runs[i], NULL, NULL, &ao, &a, buf) == PM_OK);
        pm_peers_qualify(set->runs[i], a);
        /* what was read writes out as a pathmortem document that reads back */
        struct pm_output_ctx ctx = {.run = set->runs[i], .analysis = a};
        char *doc = pm_output_json_string(&ctx, buf);
        PM_FUZZ_CHECK(doc != NULL);
        struct pm_output_doc back;
        memset(&back, 0, sizeof back);
        PM_FUZZ_CHECK(pm_output_json_read_doc(doc, strlen(doc), &back, buf) == PM_OK);
        PM_FUZZ_CHECK(!strcmp(back.run->input.vantage_id, set->runs[i]->input.vantage_id));
        pm_output_doc_free(&back);
        free(doc);
        pm_analysis_free(a);
    }
    pm_peers_free(set);
}
