/* fuzz_foreign.c - fuzzes the foreign-capture reader (capture, then the matcher without pathmortem's identity): read, analyze, write, read back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pathmortem/output.h"
#include "pathmortem/peers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = pm_fuzz_file("foreign", data, size);
    if (!path)
        return 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char err[PM_ERRBUF_SIZE] = "";
    struct pm_peer_set set;
    int rc = pm_peers_read(f, path, PM_PEER_PCAP, 5, &set, err);
    fclose(f);
    if (rc != PM_OK) {
        PM_FUZZ_CHECK(rc < 0 && err[0] != '\0' && strchr(err, '\n') == NULL && set.n_runs == 0);
        return 0;
    }
    struct pm_analyze_opts ao = {0};
    for (uint32_t i = 0; i < set.n_runs; i++) {
        struct pm_analysis *a = NULL;
        PM_FUZZ_CHECK(pm_analyze(set.runs[i], NULL, NULL, &ao, &a, err) == PM_OK);
        pm_peers_qualify(set.runs[i], a);
        struct pm_output_ctx ctx = {.run = set.runs[i], .analysis = a};
        char *doc = pm_output_json_string(&ctx, err);
        PM_FUZZ_CHECK(doc != NULL);
        struct pm_output_doc back;
        memset(&back, 0, sizeof back);
        PM_FUZZ_CHECK(pm_output_json_read_doc(doc, strlen(doc), &back, err) == PM_OK);
        pm_output_doc_free(&back);
        free(doc);
        pm_analysis_free(a);
    }
    pm_peers_free(&set);
    return 0;
}
