/* test_store_partial.c - a run cut short by SIGTERM is stored as a partial snapshot: its not-probed targets never open an outage, dark addresses neither. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_analyze_lab.h"
#include "pathmortem/store.h"

#define START_US 1764316800000000ull /* 2025-11-28T08:00:00Z */
#define STEP_US 600000000ull

/* One sweep of the lab's .176 (2 live, the rest dark) and .177 (healthy);
 * cut: .177 is left unprobed past TTL 3 by SIGTERM. */
static struct pm_run *sweep(uint64_t started, bool cut)
{
    struct pm_run *run = pm_run_alloc();
    run->started_us = started;
    run->ended_us = started + 5000000;
    run->max_ttl = 30;
    snprintf(run->vantage, sizeof run->vantage, "lab");
    lab_trace(run, A(198, 19, 176, 1), CN_OK);
    lab_trace(run, A(198, 19, 176, 2), CN_OK);
    for (int h = 3; h < 12; h++)
        lab_trace(run, A(198, 19, 176, h), "acc tr cu1 cu2a cu3 kpbr kpbr!H");
    for (int h = 1; h < 5; h++)
        lab_trace(run, A(198, 19, 177, h), cut ? "acc tr rt1" : RU_OK);
    run->end = cut ? PM_RUN_SIGTERM : PM_RUN_COMPLETE;
    pm_trace_finish(run, 5);
    return run;
}

static void save(struct pm_store *s, uint64_t started, bool cut, int want_exit)
{
    char err[PM_ERRBUF_SIZE] = "";
    struct pm_run *run = sweep(started, cut);
    struct pm_analysis *a = NULL;
    assert_int_equal(pm_analyze(run, lab_lookup, NULL, NULL, &a, err), PM_OK);
    struct pm_snapshot *snap = NULL;
    assert_int_equal(pm_snapshot_from_run(run, a, &snap, err), PM_OK);
    assert_int_equal(snap->exit_status, want_exit);
    int64_t id;
    if (pm_store_save_snapshot(s, run, a, NULL, &id, err) != PM_OK)
        fail_msg("save: %s", err);
    pm_snapshot_free(snap);
    pm_analysis_free(a);
    pm_run_free(run);
}

static const struct pm_episode *episode(const struct pm_history *h, const char *key, size_t nth)
{
    for (size_t i = 0; i < h->n; i++)
        if (!strcmp(h->episodes[i].key, key) && nth-- == 0)
            return &h->episodes[i];
    return NULL;
}

static void sigterm_snapshot_is_partial_not_an_outage(void **state)
{
    (void)state;
    char dir[] = "/tmp/pm-partial-XXXXXX", path[128], err[PM_ERRBUF_SIZE] = "";
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/store.db", dir);
    struct pm_store *s = NULL;
    assert_int_equal(pm_store_open(path, PM_STORE_CREATE | PM_STORE_WRITE, &s, err), PM_OK);
    save(s, START_US, false, 0);            /* healthy: dark addresses are no deaths */
    save(s, START_US + STEP_US, true, 3);   /* systemd stop mid-run */
    save(s, START_US + 2 * STEP_US, false, 0);

    /* the partial snapshot keeps how it ended, and its targets */
    int64_t id;
    assert_int_equal(pm_store_resolve(s, "latest", &id, err), PM_OK);
    struct pm_snapshot *snap = NULL;
    assert_int_equal(pm_store_load(s, id - 1, &snap, err), PM_OK);
    assert_int_equal(snap->end, PM_RUN_SIGTERM);
    assert_int_equal(snap->exit_status, 3);
    uint32_t np = 0;
    for (uint32_t i = 0; i < snap->n_targets; i++)
        np += snap->targets[i].status == PM_STATUS_NOT_PROBED;
    assert_int_equal(np, 4);
    /* export and import keep it partial */
    char *line = pm_snapshot_to_jsonl(snap, err);
    assert_non_null(line);
    assert_non_null(strstr(line, "\"stopped_by\":\"SIGTERM\""));
    struct pm_snapshot *back = NULL;
    if (pm_snapshot_from_jsonl(line, strlen(line), &back, err) != PM_OK)
        fail_msg("import: %s", err);
    assert_int_equal(back->end, PM_RUN_SIGTERM);
    pm_snapshot_free(back);
    free(line);
    pm_snapshot_free(snap);

    struct pm_history *h = NULL;
    assert_int_equal(pm_store_history(s, 0, 0, NULL, &h, err), PM_OK);
    /* .176: reachable in all three (2 live, 9 dark): one episode */
    const struct pm_episode *e = episode(h, "198.19.176.0/24", 0);
    assert_non_null(e);
    assert_int_equal(e->state, PM_EPISODE_REACHED);
    assert_int_equal(e->snapshots, 3);
    assert_int_equal(e->dark, 9);
    assert_null(episode(h, "198.19.176.0/24", 1));
    /* .177: reachable, unknown while not probed, reachable: never died */
    for (size_t k = 0; (e = episode(h, "198.19.177.0/24", k)); k++)
        assert_int_not_equal(e->state, PM_EPISODE_DIED);
    e = episode(h, "198.19.177.0/24", 1);
    assert_non_null(e);
    assert_int_equal(e->state, PM_EPISODE_UNKNOWN);
    assert_int_equal(e->not_probed, 4);
    for (size_t i = 0; i < h->n; i++)
        assert_true(h->episodes[i].state != PM_EPISODE_DIED && h->episodes[i].state != PM_EPISODE_PARTIAL);
    pm_history_free(h);
    pm_store_close(s);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sigterm_snapshot_is_partial_not_an_outage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
