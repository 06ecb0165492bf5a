/* fuzz_store.c - fuzzes the store reader: the input is a store file, opened read-only, every snapshot loaded and the history computed and written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pathmortem/output.h"
#include "pathmortem/store.h"

/* Snapshots loaded per input at most. */
#define MAX_LOADS 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = pm_fuzz_file("store.db", data, size);
    if (!path)
        return 0;
    char err[PM_ERRBUF_SIZE] = "";
    struct pm_store *s = NULL;
    int rc = pm_store_open(path, 0, &s, err);
    if (rc != PM_OK) {
        PM_FUZZ_CHECK(rc < 0 && err[0] != '\0' && strchr(err, '\n') == NULL);
        pm_fuzz_cleanup();
        return 0;
    }
    int64_t *ids = NULL;
    size_t n = 0;
    if (pm_store_list(s, 0, 0, &ids, &n, err) == PM_OK) {
        PM_FUZZ_CHECK(n <= PM_STORE_MAX_SNAPSHOTS);
        for (size_t i = 0; i < n && i < MAX_LOADS; i++) {
            struct pm_snapshot *snap = NULL;
            if (pm_store_load(s, ids[i], &snap, err) == PM_OK) {
                PM_FUZZ_CHECK(snap != NULL);
                for (uint32_t t = 0; t < snap->n_targets; t++)
                    PM_FUZZ_CHECK((uint64_t)snap->targets[t].first_hop + snap->targets[t].n_hops <= snap->n_hops);
                pm_snapshot_free(snap);
            }
        }
        free(ids);
    }
    int64_t id;
    pm_store_resolve(s, "latest", &id, err);
    pm_store_resolve(s, "latest~1", &id, err);
    struct pm_history *h = NULL;
    if (pm_store_history(s, 0, 0, NULL, &h, err) == PM_OK) {
        FILE *devnull = fopen("/dev/null", "w");
        if (devnull) {
            pm_output_history(devnull, PM_FMT_JSON, h, 1764316800000000ull, err);
            pm_output_history(devnull, PM_FMT_TEXT, h, 1764316800000000ull, err);
            fclose(devnull);
        }
        pm_history_free(h);
    }
    pm_store_close(s);
    pm_fuzz_cleanup();
    return 0;
}
