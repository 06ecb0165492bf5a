/* fuzz_json.c - fuzzes the readers of untrusted JSON: a "pathmortem/1" document (read back, written again, read again) and a JSON Lines snapshot for import. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pathmortem/output.h"
#include "pathmortem/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char err[PM_ERRBUF_SIZE] = "";
    struct pm_output_doc doc;
    memset(&doc, 0, sizeof doc);
    int rc = pm_output_json_read_doc(text, size, &doc, err);
    if (rc == PM_OK) {
        /* What was accepted must write out and read back again. */
        struct pm_output_ctx ctx = {.run = doc.run, .analysis = doc.analysis,
                                    .lookup = pm_output_facts_lookup, .lookup_ctx = doc.facts};
        char *again = pm_output_json_string(&ctx, err);
        PM_FUZZ_CHECK(again != NULL);
        struct pm_output_doc doc2;
        memset(&doc2, 0, sizeof doc2);
        PM_FUZZ_CHECK(pm_output_json_read_doc(again, strlen(again), &doc2, err) == PM_OK);
        pm_output_doc_free(&doc2);
        free(again);
    } else {
        PM_FUZZ_CHECK(rc < 0 && err[0] != '\0' && strchr(err, '\n') == NULL);
    }
    pm_output_doc_free(&doc);
    struct pm_snapshot *snap = NULL;
    if (pm_snapshot_from_jsonl(text, size, &snap, err) == PM_OK)
        pm_snapshot_free(snap);
    free(text);
    return 0;
}
