/* test_store.c - the store's file handling: save/load round trip with pcap, corrupt/foreign/newer files refused untouched, lock, kill -9 mid-save, retention, Prometheus. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <zlib.h>

#include "store/internal.h"
#include "test_store_util.h"

static void file_sha(const char *path, char hex[65])
{
    char err[PM_ERRBUF_SIZE];
    assert_int_equal(pm_store_sha256_file(path, hex, err), PM_OK);
}

static bool exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static void assert_no_sidecars(const char *path)
{
    const char *suffix[] = {"-wal", "-shm", "-journal"};
    for (int i = 0; i < 3; i++) {
        char p[600];
        snprintf(p, sizeof p, "%s%s", path, suffix[i]);
        assert_false(exists(p));
    }
}

/* Opening must fail with PM_ECORRUPT, a one-line message, and leave the bytes as they were. */
static void assert_refused_untouched(const char *path, int flags, const char *needle)
{
    char before[65], after[65], err[PM_ERRBUF_SIZE] = "";
    file_sha(path, before);
    struct pm_store *s = NULL;
    assert_int_equal(pm_store_open(path, flags, &s, err), PM_ECORRUPT);
    assert_null(s);
    assert_null(strchr(err, '\n'));
    if (needle && !strstr(err, needle))
        fail_msg("message '%s' lacks '%s'", err, needle);
    file_sha(path, after);
    assert_string_equal(before, after);
    assert_no_sidecars(path);
}

static void write_bytes(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

static void save_fixture(struct pm_store *s, uint64_t t, enum tstate a, enum tstate b, unsigned n, const char *pcap,
                         int64_t *id)
{
    char err[PM_ERRBUF_SIZE];
    struct fixture fx = make_fixture(t, a, b, n);
    int rc = pm_store_save_snapshot(s, fx.run, fx.an, pcap, id, err);
    if (rc)
        fail_msg("save: %s", err);
    free_fixture(&fx);
}

/* Every refusal counter of the run (issue 10: forged, foreign, the kernel's
 * drops...) and its assurance are stored with the snapshot and exported, each
 * with its own value. */
static void run_stats_stored_and_exported(void **state)
{
    (void)state;
    char dir[64], path[128], err[PM_ERRBUF_SIZE];
    temp_store(dir, sizeof dir, path, sizeof path);
    struct pm_store *s;
    assert_int_equal(pm_store_open(path, PM_STORE_CREATE, &s, err), PM_OK);
    struct fixture fx = make_fixture(T0_US, TS_DIED_4837, TS_REACHED, 2);
    struct pm_run_stats *st = &fx.run->stats;
    static const char *const keys[] = {
        "probes_sent", "probes_captured", "replies_matched", "rejected_unknown", "rejected_duplicate",
        "rejected_late", "rejected_mismatch", "dropped_malformed", "capture_drops", "ipid_rewritten",
        "rejected_foreign", "rejected_forged", "rejected_checksum", "rejected_ttl0", "rejected_fragment",
        "rejected_not_answer", "over_limit",
    };
    uint64_t *fields[] = {
        &st->probes_sent, &st->probes_captured, &st->replies_matched, &st->rejected_unknown,
        &st->rejected_duplicate, &st->rejected_late, &st->rejected_mismatch, &st->dropped_malformed,
        &st->capture_drops, &st->ipid_rewritten, &st->rejected_foreign, &st->rejected_forged,
        &st->rejected_checksum, &st->rejected_ttl0, &st->rejected_fragment, &st->rejected_not_answer,
        &st->over_limit,
    };
    const size_t n = sizeof keys / sizeof keys[0];
    assert_int_equal(sizeof fields / sizeof fields[0], n);
    /* one distinct value per counter: a swapped or missing key shows */
    for (size_t i = 0; i < n; i++)
        *fields[i] = 1000 + 17 * i;
    fx.run->sealed = true;
    int64_t id;
    assert_int_equal(pm_store_save_snapshot(s, fx.run, fx.an, NULL, &id, err), PM_OK);
    free_fixture(&fx);
    struct pm_snapshot *snap;
    assert_int_equal(pm_store_load(s, id, &snap, err), PM_OK);
    char *line = pm_snapshot_to_jsonl(snap, err);
    assert_non_null(line);
    json_t *exported = json_loads(line, 0, NULL);
    assert_non_null(exported);
    json_t *params[2] = {json_loads(snap->params_json, 0, NULL), json_incref(json_object_get(exported, "params"))};
    for (int d = 0; d < 2; d++) {
        assert_non_null(params[d]);
        json_t *stats = json_object_get(params[d], "stats");
        assert_non_null(stats);
        assert_int_equal(json_object_size(stats), n);
        for (size_t i = 0; i < n; i++) {
            json_t *v = json_object_get(stats, keys[i]);
            if (!json_is_integer(v) || json_integer_value(v) != (json_int_t)(1000 + 17 * i))
                fail_msg("%s: stats.%s is not %zu", d ? "export" : "store", keys[i], (size_t)(1000 + 17 * i));
        }
        assert_string_equal(json_string_value(json_object_get(params[d], "assurance")), "sealed");
        json_decref(params[d]);
    }
    json_decref(exported);
    free(line);
    pm_snapshot_free(snap);
    pm_store_close(s);
    rm_rf(dir);
}

static void round_trip_with_pcap(void **state)
{
    (void)state;
    char dir[64], path[128], err[PM_ERRBUF_SIZE];
    temp_store(dir, sizeof dir, path, sizeof path);
    /* any bytes do: the store copies the capture, it does not parse it */
    char pcap[160];
    snprintf(pcap, sizeof pcap, "%s/run.pcap", dir);
    uint8_t raw[5000];
    for (size_t i = 0; i < sizeof raw; i++)
        raw[i] = (uint8_t)(i * 7 + i / 100);
    write_bytes(pcap, raw, sizeof raw);

    struct pm_store *s;
    assert_int_equal(pm_store_open(path, PM_STORE_CREATE, &s, err), PM_OK);
    int64_t id = 0;
    save_fixture(s, T0_US, TS_DIED_4837, TS_REACHED, 3, pcap, &id);
    assert_true(id > 0);
    struct pm_snapshot *snap;
    assert_int_equal(pm_store_load(s, id, &snap, err), PM_OK);
    assert_int_equal(snap->started_us, T0_US);
    assert_int_equal(snap->ended_us, T0_US + 4200000u);
    assert_string_equal(snap->vantage, "lab-vantage");
    assert_int_equal(snap->method, PM_METHOD_ICMP);
    assert_int_equal(snap->source, ip(198, 18, 0, 2));
    assert_int_equal(snap->target_asn, 131279);
    assert_int_equal(snap->exit_status, 1);
    assert_non_null(strstr(snap->databases_json, "\"role\":\"asn\""));
    assert_non_null(strstr(snap->params_json, "\"max_ttl\":30"));
    assert_int_equal(snap->n_targets, 6);
    /* targets by address, verdicts intact */
    const struct pm_snap_target *t = &snap->targets[0];
    assert_int_equal(t->dst, ip(175, 45, 176, 1));
    assert_int_equal(t->status, PM_STATUS_DIED);
    assert_int_equal(t->kind, PM_DEATH_ADMIN_PROHIB);
    assert_int_equal(t->stop, PM_STOP_UNREACHABLE);
    assert_int_equal(t->last_addr, ip(219, 158, 39, 42));
    assert_int_equal(t->last_ttl, 3);
    assert_int_equal(t->dies_in.asn, 4837);
    assert_string_equal(t->dies_in.name, "China Unicom");
    assert_int_equal(t->upstream.asn, 4837);
    assert_true(t->confidence == 0.875);
    assert_string_equal(t->evidence_json, "[\"last hop 219.158.39.42\",\"quote \\\" and backslash \\\\ survive\"]");
    assert_int_equal(t->n_hops, 3);
    const struct pm_snap_hop *h = &snap->hops[t->first_hop + 2];
    assert_int_equal(h->ttl, 3);
    assert_int_equal(h->from, ip(219, 158, 39, 42));
    assert_int_equal(h->icmp_type, 3);
    assert_int_equal(h->icmp_code, 13);
    assert_int_equal(h->asn, 4837);
    assert_true(h->rtt_ms == 2.25);
    const struct pm_snap_target *r = &snap->targets[3];
    assert_int_equal(r->dst, ip(175, 45, 177, 1));
    assert_int_equal(r->status, PM_STATUS_REACHED);
    assert_int_equal(r->n_hops, 5);
    assert_int_equal(snap->hops[r->first_hop + 3].asn, 131279);
    assert_int_equal(snap->n_prefix, 2);
    assert_string_equal(snap->by_prefix[0].key, "175.45.176.0/24");
    assert_int_equal(snap->by_prefix[0].death_kind, PM_DEATH_ADMIN_PROHIB);
    assert_int_equal(snap->n_upstream, 1);

    /* the pcap: in the pcap dir, gzip, same bytes, sha256 of the .gz recorded */
    assert_non_null(strstr(snap->pcap_path, "/pcaps/"));
    assert_non_null(strstr(snap->pcap_path, ".pcap.gz"));
    char sha[65];
    file_sha(snap->pcap_path, sha);
    assert_string_equal(sha, snap->pcap_sha256);
    gzFile gz = gzopen(snap->pcap_path, "rb");
    assert_non_null(gz);
    uint8_t back[6000];
    assert_int_equal(gzread(gz, back, sizeof back), (int)sizeof raw);
    gzclose(gz);
    assert_memory_equal(back, raw, sizeof raw);

    /* another vantage at the same second: its own pcap, the first one kept */
    {
        struct fixture fx2 = make_fixture(T0_US, TS_REACHED, TS_REACHED, 1);
        snprintf(fx2.run->vantage, sizeof fx2.run->vantage, "second-vantage");
        int64_t idv;
        assert_int_equal(pm_store_save_snapshot(s, fx2.run, fx2.an, pcap, &idv, err), PM_OK);
        free_fixture(&fx2);
        struct pm_snapshot *other;
        assert_int_equal(pm_store_load(s, idv, &other, err), PM_OK);
        assert_string_not_equal(other->pcap_path, snap->pcap_path);
        assert_true(exists(other->pcap_path));
        assert_true(exists(snap->pcap_path));
        file_sha(snap->pcap_path, sha);
        assert_string_equal(sha, snap->pcap_sha256);
        pm_snapshot_free(other);
        int64_t latest;
        /* same start: the later id is the latest */
        assert_int_equal(pm_store_resolve(s, "latest", &latest, err), PM_OK);
        assert_int_equal(latest, idv);
        assert_int_equal(pm_store_resolve(s, "latest~1", &latest, err), PM_OK);
        assert_int_equal(latest, id);
    }
    /* the same start and vantage again is refused, the first stays */
    struct fixture fx = make_fixture(T0_US, TS_REACHED, TS_REACHED, 1);
    int64_t id2;
    assert_int_equal(pm_store_save_snapshot(s, fx.run, fx.an, NULL, &id2, err), PM_EINVAL);
    free_fixture(&fx);
    int64_t latest;
    assert_int_equal(pm_store_resolve(s, "latest~2", &latest, err), PM_ENOTFOUND);
    assert_int_equal(pm_store_resolve(s, "latest~x", &latest, err), PM_EINVAL);
    assert_int_equal(pm_store_resolve(s, "12abc", &latest, err), PM_EINVAL);
    pm_snapshot_free(snap);
    pm_store_close(s);

    /* read-only reopen sees it; SQLite itself finds the file sound */
    assert_int_equal(pm_store_open(path, 0, &s, err), PM_OK);
    assert_int_equal(pm_store_load(s, id, &snap, err), PM_OK);
    assert_int_equal(snap->n_hops, 3 * 3 + 3 * 5);
    pm_snapshot_free(snap);
    assert_int_equal(pm_store_load(s, id + 100, &snap, err), PM_ENOTFOUND);
    pm_store_close(s);
    rm_rf(dir);
}

static void refuses_random_empty_and_truncated(void **state)
{
    (void)state;
    char dir[64], path[128], err[PM_ERRBUF_SIZE];
    temp_store(dir, sizeof dir, path, sizeof path);
    uint8_t junk[4096];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof junk; i++) {
        x = x * 1103515245u + 12345u;
        junk[i] = (uint8_t)(x >> 16);
    }
    write_bytes(path, junk, sizeof junk);
    assert_refused_untouched(path, PM_STORE_CREATE, "not an SQLite database");
    assert_refused_untouched(path, 0, "not an SQLite database");
    write_bytes(path, "", 0);
    assert_refused_untouched(path, PM_STORE_WRITE, "empty");
    unlink(path);

    /* a real store with data, then cut short two ways */
    struct pm_store *s;
    assert_int_equal(pm_store_open(path, PM_STORE_CREATE, &s, err), PM_OK);
    int64_t id;
    save_fixture(s, T0_US, TS_REACHED, TS_REACHED, 40, NULL, &id);
    pm_store_close(s);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static uint8_t whole[1 << 20];
    size_t n = fread(whole, 1, sizeof whole, f);
    fclose(f);
    assert_true(n >= 4 * 4096);
    write_bytes(path, whole, n / 2 - (n / 2) % 4096);
    assert_refused_untouched(path, PM_STORE_WRITE, "truncated");
    write_bytes(path, whole, 1000);
    assert_refused_untouched(path, 0, "truncated");
    write_bytes(path, whole, 60);
    assert_refused_untouched(path, 0, "truncated");
    rm_rf(dir);
}

static void refuses_foreign_and_newer(void **state)
{
    (void)state;
    char dir[64], path[128], err[PM_ERRBUF_SIZE];
    temp_store(dir, sizeof dir, path, sizeof path);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('alice');", NULL,
                                  NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_refused_untouched(path, PM_STORE_CREATE, "another application");
    assert_refused_untouched(path, 0, "another application");

    /* our application id but no marker table: still not ours */
    unlink(path);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char sql[96];
    snprintf(sql, sizeof sql, "PRAGMA application_id = %d; CREATE TABLE t (x);", (int)PM_STORE_APP_ID);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_refused_untouched(path, PM_STORE_WRITE, "no application marker");

    /* a real store from a newer pathmortem */
    unlink(path);
    struct pm_store *s;
    assert_int_equal(pm_store_open(path, PM_STORE_CREATE, &s, err), PM_OK);
    pm_store_close(s);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_refused_untouched(path, PM_STORE_WRITE, "newer");
    assert_refused_untouched(path, 0, "schema version 99");

    assert_int_equal(pm_store_open("/nonexistent-dir-pm/store.db", 0, &s, err), PM_ENOTFOUND);
    rm_rf(dir);
}

static void second_writer_gets_busy(void **state)
{
    (void)state;
    char dir[64], path[128], err[PM_ERRBUF_SIZE];
    temp_store(dir, sizeof dir, path, sizeof path);
    struct pm_store *s;
    assert_int_equal(pm_store_open(path, PM_STORE_CREATE, &s, err), PM_OK);
    pm_store_close(s);
    int ready[2], release[2];
    assert_int_equal(pipe(ready), 0);
    assert_int_equal(pipe(release), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct pm_store *c;
        char e[PM_ERRBUF_SIZE];
        int rc = pm_store_open(path, PM_STORE_WRITE, &c, e);
        char b = rc == PM_OK ? 'y' : 'n';
        if (write(ready[1], &b, 1) != 1)
            _exit(3);
        if (read(release[0], &b, 1) < 0)
            _exit(4);
        pm_store_close(c);
        _exit(rc == PM_OK ? 0 : 1);
    }
    char b = 0;
    assert_int_equal(read(ready[0], &b, 1), 1);
    assert_int_equal(b, 'y');
    assert_int_equal(pm_store_open(path, PM_STORE_WRITE, &s, err), PM_EBUSY);
    assert_non_null(strstr(err, "lock"));
    assert_int_equal(pm_store_open(path, PM_STORE_CREATE, &s, err), PM_EBUSY);
    /* readers are never blocked */
    assert_int_equal(pm_store_open(path, 0, &s, err), PM_OK);
    pm_store_close(s);
    assert_int_equal(write(release[1], "x", 1), 1);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(pm_store_open(path, PM_STORE_WRITE, &s, err), PM_OK);
    pm_store_close(s);
    close(ready[0]), close(ready[1]), close(release[0]), close(release[1]);
    rm_rf(dir);
}

/* The progress hook runs between two target inserts: the child dies there. */
static void die_half_way(void *ctx, uint32_t done, uint32_t total)
{
    (void)ctx;
    if (done == total / 2)
        raise(SIGKILL);
}

static void kill_during_save_leaves_earlier_snapshots(void **state)
{
    (void)state;
    char dir[64], path[128], err[PM_ERRBUF_SIZE];
    temp_store(dir, sizeof dir, path, sizeof path);
    char pcap[160];
    snprintf(pcap, sizeof pcap, "%s/run.pcap", dir);
    write_bytes(pcap, "not really a pcap but bytes", 27);
    struct pm_store *s;
    assert_int_equal(pm_store_open(path, PM_STORE_CREATE, &s, err), PM_OK);
    int64_t id1, id2;
    save_fixture(s, T0_US, TS_REACHED, TS_REACHED, 5, NULL, &id1);
    save_fixture(s, T0_US + STEP_US, TS_DIED_4837, TS_REACHED, 5, NULL, &id2);
    pm_store_close(s);

    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct pm_store *c;
        char e[PM_ERRBUF_SIZE];
        if (pm_store_open(path, PM_STORE_WRITE, &c, e))
            _exit(3);
        pm_store_set_progress(c, die_half_way, NULL);
        struct fixture fx = make_fixture(T0_US + 2 * STEP_US, TS_DIED_20485, TS_DIED_4837, 200);
        int64_t id;
        pm_store_save_snapshot(c, fx.run, fx.an, pcap, &id, e);
        _exit(4); /* not reached: killed half way */
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGKILL);

    /* the lock died with the child; the store holds exactly the two earlier snapshots */
    assert_int_equal(pm_store_open(path, PM_STORE_WRITE, &s, err), PM_OK);
    int64_t *ids;
    size_t n;
    assert_int_equal(pm_store_list(s, 0, 0, &ids, &n, err), PM_OK);
    assert_int_equal(n, 2);
    assert_int_equal(ids[0], id1);
    assert_int_equal(ids[1], id2);
    free(ids);
    struct pm_snapshot *snap;
    assert_int_equal(pm_store_load(s, id2, &snap, err), PM_OK);
    assert_int_equal(snap->n_targets, 10);
    pm_snapshot_free(snap);
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM targets", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 20); /* 2 snapshots x 10, none of the dead save */
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    sqlite3_close(db);

    /* the pcap the dead save had written is unreferenced, and so is the live
     * capture a killed `snapshot` leaves (another pid): retention removes
     * both, and leaves this process's own capture and foreign files alone */
    char dead_capture[200], own_capture[200], other[200];
    snprintf(dead_capture, sizeof dead_capture, "%s/.capture-999999999.pcap", pm_store_pcap_dir(s));
    snprintf(own_capture, sizeof own_capture, "%s/.capture-%ld.pcap", pm_store_pcap_dir(s), (long)getpid());
    snprintf(other, sizeof other, "%s/notes.txt", pm_store_pcap_dir(s));
    write_bytes(dead_capture, "x", 1);
    write_bytes(own_capture, "x", 1);
    write_bytes(other, "x", 1);
    uint32_t removed = 0;
    assert_int_equal(pm_store_prune(s, 0, 0, T0_US, &removed, err), PM_OK);
    assert_int_equal(removed, 2);
    assert_false(exists(dead_capture));
    assert_true(exists(own_capture));
    assert_true(exists(other));
    /* and a later save works */
    int64_t id3;
    save_fixture(s, T0_US + 3 * STEP_US, TS_REACHED, TS_REACHED, 5, NULL, &id3);
    assert_true(id3 > id2);
    pm_store_close(s);
    rm_rf(dir);
}

static void retention_by_count_and_age(void **state)
{
    (void)state;
    char dir[64], path[128], err[PM_ERRBUF_SIZE];
    temp_store(dir, sizeof dir, path, sizeof path);
    char pcap[160];
    snprintf(pcap, sizeof pcap, "%s/run.pcap", dir);
    write_bytes(pcap, "pcap bytes", 10);
    struct pm_store *s;
    assert_int_equal(pm_store_open(path, PM_STORE_CREATE, &s, err), PM_OK);
    int64_t id[4];
    char kept[4][512];
    for (int i = 0; i < 4; i++) {
        save_fixture(s, T0_US + (uint64_t)i * 86400000000ull, TS_REACHED, TS_REACHED, 1, pcap, &id[i]);
        struct pm_snapshot *snap;
        assert_int_equal(pm_store_load(s, id[i], &snap, err), PM_OK);
        snprintf(kept[i], sizeof kept[i], "%s", snap->pcap_path);
        pm_snapshot_free(snap);
        assert_true(exists(kept[i]));
    }
    uint32_t removed;
    /* keep the newest 3: the oldest pcap goes, its snapshot stays */
    assert_int_equal(pm_store_prune(s, 0, 3, T0_US, &removed, err), PM_OK);
    assert_int_equal(removed, 1);
    assert_false(exists(kept[0]));
    assert_true(exists(kept[1]));
    struct pm_snapshot *snap;
    assert_int_equal(pm_store_load(s, id[0], &snap, err), PM_OK);
    assert_string_equal(snap->pcap_path, "");
    pm_snapshot_free(snap);
    /* keep 2 days as of day 3 (+1 h): pcaps of day 0 and 1 are older than that */
    assert_int_equal(pm_store_prune(s, 2, 0, T0_US + 3 * 86400000000ull + 3600000000ull, &removed, err), PM_OK);
    assert_int_equal(removed, 1);
    assert_false(exists(kept[1]));
    assert_true(exists(kept[2]));
    assert_true(exists(kept[3]));
    /* hops older than 2 days go; verdicts and history stay */
    uint64_t rows;
    assert_int_equal(pm_store_prune_hops(s, 2, T0_US + 3 * 86400000000ull + 3600000000ull, &rows, err), PM_OK);
    assert_int_equal(rows, 2 * 2 * 5); /* 2 snapshots x 2 targets x 5 replies */
    assert_int_equal(pm_store_load(s, id[1], &snap, err), PM_OK);
    assert_int_equal(snap->n_hops, 0);
    assert_int_equal(snap->n_targets, 2);
    assert_int_equal(snap->targets[0].status, PM_STATUS_REACHED);
    pm_snapshot_free(snap);
    assert_int_equal(pm_store_load(s, id[2], &snap, err), PM_OK);
    assert_int_equal(snap->n_hops, 10);
    pm_snapshot_free(snap);
    struct pm_history *h;
    assert_int_equal(pm_store_history(s, 0, 0, NULL, &h, err), PM_OK);
    assert_int_equal(h->episodes[0].snapshots, 4);
    pm_history_free(h);
    pm_store_close(s);
    rm_rf(dir);
}

/* gunzip of a stored capture, as zcat would read it */
static size_t gunzip(const unsigned char *gz, size_t n, unsigned char *out, size_t cap)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = (unsigned char *)gz;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
    size_t got = cap - z.avail_out;
    inflateEnd(&z);
    return got;
}

static void save_fd(struct pm_store *s, uint64_t t, const char *vantage, int fd, int64_t *id)
{
    char err[PM_ERRBUF_SIZE];
    struct fixture fx = make_fixture(t, TS_REACHED, TS_REACHED, 1);
    snprintf(fx.run->vantage, sizeof fx.run->vantage, "%s", vantage);
    int rc = pm_store_save_snapshot_fd(s, fx.run, fx.an, fd, id, err);
    free_fixture(&fx);
    if (rc)
        fail_msg("save: %s", err);
}

/* --pcap-to-store: the capture goes into the store with the snapshot (no
 * file beside it), reads back byte for byte through its sha256, a changed
 * byte is refused, and retention removes it by count and age, per vantage. */
static void pcap_inside_the_store(void **state)
{
    (void)state;
    char dir[64], path[160], err[PM_ERRBUF_SIZE], cap[160];
    temp_store(dir, sizeof dir, path, sizeof path);
    snprintf(cap, sizeof cap, "%s/capture", dir);
    unsigned char raw[5000];
    for (size_t i = 0; i < sizeof raw; i++)
        raw[i] = (unsigned char)(i * 7 + i / 13);
    write_bytes(cap, raw, sizeof raw);
    int fd = open(cap, O_RDONLY);
    assert_true(fd >= 0);
    struct pm_store *s;
    assert_int_equal(pm_store_open(path, PM_STORE_CREATE, &s, err), PM_OK);
    pm_store_set_pcap_to_store(s, true);
    int64_t id[4];
    for (int i = 0; i < 3; i++)
        save_fd(s, T0_US + (uint64_t)i * 86400000000ull, "fra1", fd, &id[i]);
    save_fd(s, T0_US, "sin1", fd, &id[3]);
    close(fd);
    /* no file was written for them */
    char pdir[200];
    snprintf(pdir, sizeof pdir, "%s", pm_store_pcap_dir(s));
    DIR *d = opendir(pdir);
    if (d) {
        for (struct dirent *e; (e = readdir(d));)
            assert_null(strstr(e->d_name, ".pcap.gz"));
        closedir(d);
    }
    assert_int_equal(reopen(&s, path, 0), PM_OK);
    struct pm_snapshot *snap;
    assert_int_equal(pm_store_load(s, id[0], &snap, err), PM_OK);
    assert_string_equal(snap->pcap_path, PM_STORE_PCAP_IN_STORE);
    assert_int_equal(strlen(snap->pcap_sha256), 64);
    pm_snapshot_free(snap);
    unsigned char *gz, back[6000];
    size_t len;
    assert_int_equal(pm_store_pcap_fetch(s, id[0], &gz, &len, err), PM_OK);
    assert_int_equal(gunzip(gz, len, back, sizeof back), sizeof raw);
    assert_memory_equal(back, raw, sizeof raw);
    free(gz);
    pm_store_close(s);
    /* one byte changed in the store: refused, not written out */
    if (on_server()) {
        PGconn *c = PQconnectdb(path);
        char sql[160];
        snprintf(sql, sizeof sql, "UPDATE pcaps SET data = overlay(data placing '\\x00'::bytea from 20) WHERE snapshot = %lld",
                 (long long)id[1]);
        PGresult *r = PQexec(c, sql);
        assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
        PQclear(r);
        PQfinish(c);
    } else {
        sqlite3 *db;
        char sql[160];
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        snprintf(sql, sizeof sql, "UPDATE pcaps SET data = CAST(x'00' || substr(data, 2) AS BLOB) WHERE snapshot = %lld",
                 (long long)id[1]);
        assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);
    }
    assert_int_equal(pm_store_open(path, PM_STORE_WRITE, &s, err), PM_OK);
    assert_int_equal(pm_store_pcap_fetch(s, id[1], &gz, &len, err), PM_ECORRUPT);
    if (!strstr(err, "sha256"))
        fail_msg("tampered capture: %s", err);
    /* retention of fra1 only: the newest 2 by count, then 1 day by age */
    uint32_t removed;
    assert_int_equal(pm_store_prune_vantage(s, "fra1", 0, 2, T0_US, &removed, err), PM_OK);
    assert_int_equal(removed, 1);
    assert_int_equal(pm_store_pcap_fetch(s, id[0], &gz, &len, err), PM_ENOTFOUND);
    assert_int_equal(pm_store_prune_vantage(s, "fra1", 1, 0, T0_US + 2 * 86400000000ull + 1, &removed, err), PM_OK);
    assert_int_equal(removed, 1);
    assert_int_equal(pm_store_pcap_fetch(s, id[1], &gz, &len, err), PM_ENOTFOUND);
    assert_int_equal(pm_store_pcap_fetch(s, id[2], &gz, &len, err), PM_OK);
    free(gz);
    /* sin1's, as old as fra1's first, is another vantage's: kept */
    assert_int_equal(pm_store_pcap_fetch(s, id[3], &gz, &len, err), PM_OK);
    free(gz);
    /* hops of fra1's older than 1 day go; sin1's stay */
    uint64_t rows;
    assert_int_equal(pm_store_prune_hops_vantage(s, "fra1", 1, T0_US + 2 * 86400000000ull + 1, &rows, err), PM_OK);
    assert_int_equal(rows, 2 * 2 * 5);
    assert_int_equal(reopen(&s, path, 0), PM_OK);
    assert_int_equal(pm_store_load(s, id[3], &snap, err), PM_OK);
    assert_int_equal(snap->n_hops, 10);
    pm_snapshot_free(snap);
    assert_int_equal(pm_store_load(s, id[1], &snap, err), PM_OK);
    assert_int_equal(snap->n_hops, 0);
    assert_string_equal(snap->pcap_path, "");
    pm_snapshot_free(snap);
    pm_store_close(s);
    rm_rf(dir);
}

static bool has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)); p++)
        if ((p == text || p[-1] == '\n') && p[n] == '\n')
            return true;
    return false;
}

/* Several vantages: each one's latest snapshot under a vantage label, each
 * metric's HELP once, and per /24 how many vantages see it in each state. */
static void prometheus_per_vantage(void **state)
{
    (void)state;
    char dir[64], path[128], prom[160], err[PM_ERRBUF_SIZE];
    temp_store(dir, sizeof dir, path, sizeof path);
    snprintf(prom, sizeof prom, "%s/pathmortem.prom", dir);
    struct pm_store *s;
    assert_int_equal(pm_store_open(path, PM_STORE_CREATE, &s, err), PM_OK);
    const struct {
        const char *v;
        uint64_t t;
        enum tstate st;
    } runs[] = {{"fra1", T0_US, TS_REACHED}, {"fra1", T0_US + STEP_US, TS_DIED_4837}, {"sin1", T0_US, TS_DIED_4837},
                {"sin1", T0_US + STEP_US, TS_REACHED}, {"nrt1", T0_US + 2 * STEP_US, TS_REACHED}};
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        struct fixture fx = make_fixture(runs[i].t, runs[i].st, TS_REACHED, 2);
        snprintf(fx.run->vantage, sizeof fx.run->vantage, "%s", runs[i].v);
        int64_t id;
        assert_int_equal(pm_store_save_snapshot(s, fx.run, fx.an, NULL, &id, err), PM_OK);
        free_fixture(&fx);
    }
    assert_int_equal(reopen(&s, path, 0), PM_OK);
    assert_int_equal(pm_store_prom_write(s, prom, T0_US + 3 * STEP_US, err), PM_OK);
    FILE *f = fopen(prom, "r");
    static char buf[32768];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    assert_true(has_line(buf, "pathmortem_store_snapshots 5"));
    assert_true(has_line(buf, "pathmortem_prefix_reachable{vantage=\"fra1\",prefix=\"175.45.176.0/24\"} 0"));
    assert_true(has_line(buf, "pathmortem_prefix_reachable{vantage=\"sin1\",prefix=\"175.45.176.0/24\"} 1"));
    assert_true(has_line(buf, "pathmortem_prefix_reachable{vantage=\"nrt1\",prefix=\"175.45.176.0/24\"} 1"));
    assert_true(has_line(buf, "pathmortem_prefix_dies_in{vantage=\"fra1\",prefix=\"175.45.176.0/24\",asn=\"4837\","
                              "as_name=\"China Unicom\"} 1"));
    assert_null(strstr(buf, "pathmortem_prefix_dies_in{vantage=\"sin1\""));
    assert_true(has_line(buf, "pathmortem_last_snapshot_timestamp_seconds{vantage=\"nrt1\"} 1764318000.000"));
    assert_true(has_line(buf, "pathmortem_prefix_vantages{prefix=\"175.45.176.0/24\",state=\"dead\"} 1"));
    assert_true(has_line(buf, "pathmortem_prefix_vantages{prefix=\"175.45.176.0/24\",state=\"reachable\"} 2"));
    assert_true(has_line(buf, "pathmortem_prefix_vantages{prefix=\"175.45.177.0/24\",state=\"reachable\"} 3"));
    assert_true(has_line(buf, "pathmortem_upstream_targets{vantage=\"sin1\",upstream_asn=\"4837\",upstream=\"China "
                              "Unicom\"} 4"));
    /* the exposition format allows one HELP per metric */
    const char *h = strstr(buf, "# HELP pathmortem_prefix_reachable ");
    assert_non_null(h);
    assert_null(strstr(h + 1, "# HELP pathmortem_prefix_reachable "));
    pm_store_close(s);
    rm_rf(dir);
}

static void prometheus_textfile(void **state)
{
    (void)state;
    char dir[64], path[128], prom[160], err[PM_ERRBUF_SIZE];
    temp_store(dir, sizeof dir, path, sizeof path);
    snprintf(prom, sizeof prom, "%s/pathmortem.prom", dir);
    struct pm_store *s;
    assert_int_equal(pm_store_open(path, PM_STORE_CREATE, &s, err), PM_OK);
    assert_int_equal(pm_store_prom_write(s, prom, T0_US, err), PM_OK);
    FILE *f = fopen(prom, "r");
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    assert_true(has_line(buf, "pathmortem_store_snapshots 0"));
    assert_null(strstr(buf, "pathmortem_prefix_reachable"));

    struct fixture fx = make_fixture(T0_US, TS_DIED_4837, TS_REACHED, 2);
    /* an AS name with a quote and a backslash must be escaped in the label */
    for (uint32_t k = 0; k < fx.run->n_targets; k++)
        if (fx.an->verdicts[k].status == PM_STATUS_DIED)
            snprintf(fx.an->verdicts[k].dies_in.name, sizeof fx.an->verdicts[k].dies_in.name, "China \"CU\" \\ 169");
    int64_t id;
    assert_int_equal(pm_store_save_snapshot(s, fx.run, fx.an, NULL, &id, err), PM_OK);
    free_fixture(&fx);
    assert_int_equal(pm_store_prom_write(s, prom, T0_US + 90000000u, err), PM_OK);
    f = fopen(prom, "r");
    n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    static const char *const want[] = {
        "# HELP pathmortem_store_snapshots Snapshots held in the store.",
        "# TYPE pathmortem_store_snapshots gauge",
        "pathmortem_store_snapshots 1",
        "# TYPE pathmortem_last_snapshot_timestamp_seconds gauge",
        "pathmortem_last_snapshot_timestamp_seconds 1764316800.000",
        "pathmortem_last_snapshot_age_seconds 90.000",
        "pathmortem_last_snapshot_duration_seconds 4.200",
        "pathmortem_last_snapshot_exit_status 1",
        "# TYPE pathmortem_prefix_reachable gauge",
        "pathmortem_prefix_reachable{prefix=\"175.45.176.0/24\"} 0",
        "pathmortem_prefix_reachable{prefix=\"175.45.177.0/24\"} 1",
        "pathmortem_prefix_targets_reached{prefix=\"175.45.177.0/24\"} 2",
        "pathmortem_prefix_targets{prefix=\"175.45.176.0/24\"} 2",
        "pathmortem_prefix_dies_in{prefix=\"175.45.176.0/24\",asn=\"4837\",as_name=\"China \\\"CU\\\" \\\\ 169\"} 1",
        "pathmortem_upstream_reachable{upstream_asn=\"4837\",upstream=\"China Unicom\"} 1",
        "pathmortem_upstream_targets_reached{upstream_asn=\"4837\",upstream=\"China Unicom\"} 2",
        "pathmortem_upstream_targets{upstream_asn=\"4837\",upstream=\"China Unicom\"} 4",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!has_line(buf, want[i]))
            fail_msg("missing line: %s\n---\n%s", want[i], buf);
    /* a reached /24 has no dies_in sample */
    assert_null(strstr(buf, "pathmortem_prefix_dies_in{prefix=\"175.45.177.0/24\""));
    /* a gauge never ends in _total: Prometheus keeps that suffix for counters */
    for (const char *t = strstr(buf, "# TYPE "); t; t = strstr(t + 1, "# TYPE ")) {
        const char *sp = strchr(t + 7, ' ');
        assert_non_null(sp);
        if (!strncmp(sp, " gauge", 6) && sp - (t + 7) >= 6 && !strncmp(sp - 6, "_total", 6))
            fail_msg("gauge with a counter's suffix: %.*s", (int)(sp - t), t);
    }
    /* every sample's metric was introduced by HELP and TYPE */
    char *save, *line;
    char copy[8192];
    memcpy(copy, buf, n + 1);
    char seen[32][64];
    int nseen = 0;
    for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (!strncmp(line, "# TYPE ", 7)) {
            sscanf(line + 7, "%63s", seen[nseen++]);
            continue;
        }
        if (line[0] == '#')
            continue;
        char name[64];
        sscanf(line, "%63[a-z_]", name);
        bool ok = false;
        for (int k = 0; k < nseen; k++)
            ok |= !strcmp(seen[k], name);
        if (!ok)
            fail_msg("sample before its TYPE: %s", line);
    }
    /* no temp file left beside it */
    char tmp[200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", prom, (long)getpid());
    assert_false(exists(tmp));
    pm_store_close(s);
    rm_rf(dir);
}

static void read_only_store_refuses_writes(void **state)
{
    (void)state;
    char dir[64], path[128], err[PM_ERRBUF_SIZE];
    temp_store(dir, sizeof dir, path, sizeof path);
    struct pm_store *s;
    assert_int_equal(pm_store_open(path, PM_STORE_CREATE, &s, err), PM_OK);
    pm_store_close(s);
    assert_int_equal(pm_store_open(path, 0, &s, err), PM_OK);
    struct fixture fx = make_fixture(T0_US, TS_REACHED, TS_REACHED, 1);
    int64_t id;
    assert_int_equal(pm_store_save_snapshot(s, fx.run, fx.an, NULL, &id, err), PM_EPERM);
    free_fixture(&fx);
    pm_store_close(s);
    rm_rf(dir);
}

/* A store as schema version 1 left it: built with that migration's SQL and raw rows. */
static void migrates_version_1(void **state)
{
    (void)state;
    char dir[64], path[128], err[PM_ERRBUF_SIZE];
    temp_store(dir, sizeof dir, path, sizeof path);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char sql[4096];
    snprintf(sql, sizeof sql,
             "PRAGMA application_id = %d; BEGIN; %s;"
             "INSERT INTO snapshots VALUES (1, %llu, %llu, 'v', 'icmp', 1, 131279, '{}', '[]', NULL, NULL, 1);"
             "INSERT INTO snapshots VALUES (2, %llu, %llu, 'v', 'icmp', 1, 131279, '{}', '[]', NULL, NULL, 0);"
             "INSERT INTO targets VALUES (1, %u, %u, 'died', 'silent', 'gaplimit', %u, 2, 4837, 4837, 'CU', 4837, 'CU', 0.5, '[]');"
             "INSERT INTO targets VALUES (2, %u, %u, 'reached', 'none', 'reached', %u, 3, 131279, 0, '', 4837, 'CU', 0.9, '[]');"
             "INSERT INTO hops VALUES (1, %u, 1, 0, %u, 1.5, 11, 0, 0, 63, 1, 4837);"
             "INSERT INTO hops VALUES (1, %u, 2, 0, %u, 2.5, 11, 0, 0, 62, 1, 4837);"
             "INSERT INTO hops VALUES (2, %u, 3, 0, %u, 3.5, 0, 0, 2, 61, 0, 131279);"
             "PRAGMA user_version = 1; COMMIT;",
             (int)PM_STORE_APP_ID, pm_store_migration_sql(0), (unsigned long long)T0_US,
             (unsigned long long)T0_US + 1000, (unsigned long long)(T0_US + STEP_US),
             (unsigned long long)(T0_US + STEP_US + 1000), ip(175, 45, 176, 9), ip(175, 45, 176, 0),
             ip(219, 158, 1, 1), ip(175, 45, 176, 9), ip(175, 45, 176, 0), ip(175, 45, 176, 9), ip(175, 45, 176, 9),
             ip(198, 18, 0, 1), ip(175, 45, 176, 9), ip(219, 158, 1, 1), ip(175, 45, 176, 9), ip(175, 45, 176, 9));
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        fail_msg("building a v1 store: %s", sqlite3_errmsg(db));
    sqlite3_close(db);

    /* a reader never writes: it refuses the older store and leaves it as it was */
    struct stat before, after;
    assert_int_equal(stat(path, &before), 0);
    struct pm_store *s;
    assert_int_equal(pm_store_open(path, 0, &s, err), PM_ECORRUPT);
    assert_non_null(strstr(err, "older"));
    assert_int_equal(stat(path, &after), 0);
    assert_int_equal(before.st_size, after.st_size);
    assert_int_equal(before.st_mtime, after.st_mtime);
    /* the writer (the next snapshot) upgrades it in one transaction; then it reads */
    assert_int_equal(pm_store_open(path, PM_STORE_WRITE, &s, err), PM_OK);
    pm_store_close(s);
    assert_int_equal(pm_store_open(path, 0, &s, err), PM_OK);
    struct pm_history *h;
    assert_int_equal(pm_store_history(s, 0, 0, NULL, &h, err), PM_OK);
    assert_int_equal(h->n_snapshots, 2);
    const struct pm_episode *e = &h->episodes[0];
    assert_string_equal(e->key, "175.45.176.0/24");
    assert_int_equal(e->state, PM_EPISODE_DIED);
    assert_int_equal(e->dies_in.asn, 4837);
    assert_int_equal(e->end_us, T0_US + STEP_US);
    assert_int_equal(h->episodes[1].state, PM_EPISODE_REACHED);
    pm_history_free(h);
    struct pm_snapshot *snap;
    assert_int_equal(pm_store_load(s, 1, &snap, err), PM_OK);
    assert_int_equal(snap->n_hops, 2);
    assert_true(snap->hops[1].rtt_ms == 2.5);
    pm_snapshot_free(snap);
    pm_store_close(s);
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), PM_STORE_SCHEMA_VERSION);
    sqlite3_finalize(st);
    sqlite3_close(db);
    rm_rf(dir);
}

/* A resolver as the save sees it: provider-style names for the China Unicom
 * routers, none for the vantage's gateway, and a PTR that is no host name. */
static const char *fake_names(void *ctx, uint32_t addr)
{
    (void)ctx;
    if (addr == ip(219, 158, 39, 42))
        return "xe-0-1-0.bjs-cu.chinaunicom.example";
    if (addr == ip(219, 158, 1, 1))
        return "ae-2.bjs-cu.chinaunicom.example";
    if (addr == ip(175, 45, 176, 254))
        return "evil name\n<script>"; /* fails pm_hostname_valid: not stored */
    return NULL;
}

/* Output of fn into a string (malloc'd). */
static char *capture_output(int (*fn)(FILE *, const void *), const void *arg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(fn(f, arg), PM_OK);
    fclose(f);
    return buf;
}
static int history_text(FILE *f, const void *h)
{
    char err[PM_ERRBUF_SIZE];
    return pm_output_history(f, PM_FMT_TEXT, h, T0_US + 3 * STEP_US, err);
}
static int history_json(FILE *f, const void *h)
{
    char err[PM_ERRBUF_SIZE];
    return pm_output_history(f, PM_FMT_JSON, h, T0_US + 3 * STEP_US, err);
}
static int diff_text(FILE *f, const void *d)
{
    char err[PM_ERRBUF_SIZE];
    return pm_output_diff(f, PM_FMT_TEXT, d, err);
}
static int diff_json(FILE *f, const void *d)
{
    char err[PM_ERRBUF_SIZE];
    return pm_output_diff(f, PM_FMT_JSON, d, err);
}

/* Issue 15: the names reverse DNS gave the hops are stored with the
 * snapshot (schema 5) and shown by history, diff and export; a snapshot
 * saved without names shows none, and an invalid name is never stored. */
static void names_stored_and_shown(void **state)
{
    (void)state;
    char dir[64], path[128], err[PM_ERRBUF_SIZE];
    temp_store(dir, sizeof dir, path, sizeof path);
    struct pm_store *s;
    assert_int_equal(pm_store_open(path, PM_STORE_CREATE, &s, err), PM_OK);
    int64_t id0, id1;
    save_fixture(s, T0_US, TS_REACHED, TS_REACHED, 2, NULL, &id0); /* no names asked: none stored */
    pm_store_set_names(s, fake_names, NULL);
    save_fixture(s, T0_US + STEP_US, TS_DIED_4837, TS_REACHED, 2, NULL, &id1);
    assert_int_equal(reopen(&s, path, 0), PM_OK);

    struct pm_snapshot *a, *b;
    assert_int_equal(pm_store_load(s, id0, &a, err), PM_OK);
    assert_int_equal(pm_store_load(s, id1, &b, err), PM_OK);
    assert_int_equal(a->n_names, 0);
    assert_int_equal(b->n_names, 2);
    assert_string_equal(pm_snapshot_name(b, ip(219, 158, 1, 1)), "ae-2.bjs-cu.chinaunicom.example");
    assert_string_equal(pm_snapshot_name(b, ip(219, 158, 39, 42)), "xe-0-1-0.bjs-cu.chinaunicom.example");
    assert_null(pm_snapshot_name(b, ip(175, 45, 176, 254)));
    assert_null(pm_snapshot_name(b, ip(198, 18, 0, 1)));

    /* export: "name" beside each named hop, and only there */
    char *la = pm_snapshot_to_jsonl(a, err), *lb = pm_snapshot_to_jsonl(b, err);
    assert_non_null(la);
    assert_non_null(lb);
    assert_null(strstr(la, "\"name\":\"xe-"));
    assert_non_null(strstr(lb, "\"from\":\"219.158.39.42\",\"name\":\"xe-0-1-0.bjs-cu.chinaunicom.example\""));
    assert_null(strstr(lb, "evil"));
    /* and back: import reads the names, the line round-trips byte for byte */
    struct pm_snapshot *c;
    assert_int_equal(pm_snapshot_from_jsonl(lb, strlen(lb), &c, err), PM_OK);
    assert_int_equal(c->n_names, 2);
    char *lc = pm_snapshot_to_jsonl(c, err);
    assert_string_equal(lb, lc);
    free(lc);
    pm_snapshot_free(c);
    /* one address with two names in one document is refused */
    char *twice = strdup(lb), *p = strstr(twice, "ae-2.bjs-cu");
    assert_non_null(p);
    /* every hop 2 of the China side is 219.158.1.1: rename the first one only */
    memcpy(p, "ae-3", 4);
    assert_int_equal(pm_snapshot_from_jsonl(twice, strlen(twice), &c, err), PM_EINVAL);
    assert_non_null(strstr(err, "two names"));
    free(twice);
    /* a name that is no host name is refused */
    char *bad = strdup(lb);
    p = strstr(bad, "ae-2.bjs-cu");
    p[2] = ' ';
    assert_int_equal(pm_snapshot_from_jsonl(bad, strlen(bad), &c, err), PM_EINVAL);
    assert_non_null(strstr(err, "host name"));
    free(bad);
    free(la);
    free(lb);

    /* diff: the death point and the hops with the name each snapshot stored */
    struct pm_diff *d;
    assert_int_equal(pm_store_diff(a, b, &d, err), PM_OK);
    char *dt = capture_output(diff_text, d), *dj = capture_output(diff_json, d);
    assert_non_null(strstr(dt, "died at 219.158.39.42 (xe-0-1-0.bjs-cu.chinaunicom.example, hop 3)"));
    assert_non_null(strstr(dj, "\"name\": \"xe-0-1-0.bjs-cu.chinaunicom.example\""));
    assert_non_null(strstr(dj, "\"hop_names\""));
    free(dt);
    free(dj);
    pm_diff_free(d);
    pm_snapshot_free(a);
    pm_snapshot_free(b);

    /* history: the outage's death point named */
    struct pm_history *h;
    assert_int_equal(pm_store_history(s, 0, 0, NULL, &h, err), PM_OK);
    const struct pm_episode *dead = NULL;
    for (size_t i = 0; i < h->n; i++)
        if (!strcmp(h->episodes[i].key, "175.45.176.0/24") && h->episodes[i].state == PM_EPISODE_DIED)
            dead = &h->episodes[i];
    assert_non_null(dead);
    assert_int_equal(dead->death_addr, ip(219, 158, 39, 42));
    assert_non_null(dead->death_name);
    assert_string_equal(dead->death_name, "xe-0-1-0.bjs-cu.chinaunicom.example");
    char *ht = capture_output(history_text, h), *hj = capture_output(history_json, h);
    assert_non_null(strstr(ht, "unreachable since"));
    assert_non_null(strstr(ht, ", at 219.158.39.42 (xe-0-1-0.bjs-cu.chinaunicom.example)"));
    assert_non_null(strstr(hj, "\"name\": \"xe-0-1-0.bjs-cu.chinaunicom.example\""));
    free(ht);
    free(hj);
    pm_history_free(h);
    pm_store_close(s);
    rm_rf(dir);
}

/* A store as schema version 4 left it (the migrations' SQL up to 4, frozen
 * since, and rows of that shape): a writer migrates it to 5 in place, every
 * row kept, and it takes named snapshots after. */
static void migrates_version_4(void **state)
{
    (void)state;
    char dir[64], path[128], err[PM_ERRBUF_SIZE];
    temp_store(dir, sizeof dir, path, sizeof path);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char sql[2048];
    snprintf(sql, sizeof sql, "PRAGMA application_id = %d; BEGIN;", (int)PM_STORE_APP_ID);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    for (int v = 0; v < 4; v++)
        if (sqlite3_exec(db, pm_store_migration_sql(v), NULL, NULL, NULL) != SQLITE_OK)
            fail_msg("schema step %d: %s", v, sqlite3_errmsg(db));
    snprintf(sql, sizeof sql,
             "INSERT INTO snapshots VALUES (1, %llu, %llu, 'v', 'icmp', 1, 131279, '{}', '[]', NULL, NULL, 1,"
             " 'complete');"
             "INSERT INTO targets VALUES (1, %u, %u, 'died', 'admin-prohibited', 'unreachable', %u, 3, 4837, 4837,"
             " 'CU', 4837, 'CU', 0.5, '[]');"
             "INSERT INTO hops VALUES (1, %u, 1, 0, %u, 1.5, 11, 0, 0, 63, 1, 4837);"
             "INSERT INTO hops VALUES (1, %u, 3, 0, %u, 2.5, 3, 13, 3, 62, 1, 4837);"
             "INSERT INTO prefix_states VALUES (1, %u, 1, 0, 4837, 'CU', 4837, 'CU', %u, 'admin-prohibited', 'dead',"
             " 0, 1, 0);"
             "INSERT INTO pcaps VALUES (1, '%064d', x'1f8b');"
             "PRAGMA user_version = 4; COMMIT;",
             (unsigned long long)T0_US, (unsigned long long)T0_US + 1000, ip(175, 45, 176, 9), ip(175, 45, 176, 0),
             ip(219, 158, 39, 42), ip(175, 45, 176, 9), ip(219, 158, 1, 1), ip(175, 45, 176, 9),
             ip(219, 158, 39, 42), ip(175, 45, 176, 0), ip(219, 158, 39, 42), 7);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        fail_msg("building a v4 store: %s", sqlite3_errmsg(db));
    sqlite3_close(db);

    struct pm_store *s;
    assert_int_equal(pm_store_open(path, 0, &s, err), PM_ECORRUPT); /* a reader never migrates */
    assert_non_null(strstr(err, "older"));
    assert_int_equal(pm_store_open(path, PM_STORE_WRITE, &s, err), PM_OK);
    /* the old rows, whole */
    struct pm_snapshot *snap;
    assert_int_equal(pm_store_load(s, 1, &snap, err), PM_OK);
    assert_int_equal(snap->n_targets, 1);
    assert_int_equal(snap->targets[0].last_addr, ip(219, 158, 39, 42));
    assert_int_equal(snap->n_hops, 2);
    assert_true(snap->hops[1].rtt_ms == 2.5);
    assert_int_equal(snap->n_names, 0);
    pm_snapshot_free(snap);
    struct pm_history *h;
    assert_int_equal(pm_store_history(s, 0, 0, NULL, &h, err), PM_OK);
    assert_int_equal(h->n_snapshots, 1);
    assert_int_equal(h->episodes[0].state, PM_EPISODE_DIED);
    assert_int_equal(h->episodes[0].death_addr, ip(219, 158, 39, 42));
    assert_null(h->episodes[0].death_name);
    pm_history_free(h);
    /* schema 5 at work: a named snapshot beside the old one */
    pm_store_set_names(s, fake_names, NULL);
    int64_t id;
    save_fixture(s, T0_US + STEP_US, TS_DIED_4837, TS_REACHED, 1, NULL, &id);
    assert_int_equal(pm_store_load(s, id, &snap, err), PM_OK);
    assert_int_equal(snap->n_names, 2);
    pm_snapshot_free(snap);
    pm_store_close(s);
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT (SELECT COUNT(*) FROM snapshots), (SELECT COUNT(*) FROM hops WHERE"
                                            " snapshot = 1), (SELECT COUNT(*) FROM pcaps), (SELECT COUNT(*) FROM names),"
                                            " (SELECT user_version FROM pragma_user_version)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 2);
    assert_int_equal(sqlite3_column_int(st, 1), 2);
    assert_int_equal(sqlite3_column_int(st, 2), 1);
    assert_int_equal(sqlite3_column_int(st, 3), 2);
    assert_int_equal(sqlite3_column_int(st, 4), 5);
    sqlite3_finalize(st);
    sqlite3_close(db);
    rm_rf(dir);
}

/* Rows are untrusted: a tampered store gives PM_ECORRUPT with a message, never a crash. */
static void tampered_rows_are_refused(void **state)
{
    (void)state;
    static const struct {
        const char *sql, *needle;
        bool history;
    } cases[] = {
        {"UPDATE targets SET status = 'zombie'", "unknown status", false},
        {"UPDATE hops SET ttl = 300", "out of range", false},
        {"UPDATE hops SET from_addr = 'x'", "not an integer", false},
        {"UPDATE snapshots SET vantage = randomblob(10)", "not text", false},
        {"UPDATE targets SET dies_in_name = printf('%.500c', 'x')", "too long", false},
        {"UPDATE targets SET confidence = 'high'", "not a number", false},
        {"UPDATE prefix_states SET reached = total + 1", "reached > total", true},
        {"UPDATE upstream_states SET death_kind = 'meteor'", "unknown death kind", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char dir[64], path[128], err[PM_ERRBUF_SIZE] = "";
        temp_store(dir, sizeof dir, path, sizeof path);
        struct pm_store *s;
        assert_int_equal(pm_store_open(path, PM_STORE_CREATE, &s, err), PM_OK);
        int64_t id;
        save_fixture(s, T0_US, TS_DIED_4837, TS_REACHED, 2, NULL, &id);
        pm_store_close(s);
        sqlite3 *db;
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        if (sqlite3_exec(db, cases[i].sql, NULL, NULL, NULL) != SQLITE_OK)
            fail_msg("%s: %s", cases[i].sql, sqlite3_errmsg(db));
        sqlite3_close(db);
        assert_int_equal(pm_store_open(path, 0, &s, err), PM_OK);
        int rc;
        if (cases[i].history) {
            struct pm_history *h = NULL;
            rc = pm_store_history(s, 0, 0, NULL, &h, err);
            pm_history_free(h);
        } else {
            struct pm_snapshot *snap = NULL;
            rc = pm_store_load(s, id, &snap, err);
            pm_snapshot_free(snap);
        }
        if (rc != PM_ECORRUPT || !strstr(err, cases[i].needle))
            fail_msg("%s: rc %d, message '%s'", cases[i].sql, rc, err);
        pm_store_close(s);
        rm_rf(dir);
    }
}

/* history as a user who may read the store but not write its directory */
static void reader_without_write_access(void **state)
{
    (void)state;
    char dir[64], path[128], err[PM_ERRBUF_SIZE];
    temp_store(dir, sizeof dir, path, sizeof path);
    struct pm_store *s;
    assert_int_equal(pm_store_open(path, PM_STORE_CREATE, &s, err), PM_OK);
    int64_t id;
    save_fixture(s, T0_US, TS_DIED_4837, TS_REACHED, 2, NULL, &id);
    pm_store_close(s);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(chmod(dir, 0555), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (getuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            _exit(3);
        char e[PM_ERRBUF_SIZE];
        struct pm_store *r;
        if (pm_store_open(path, 0, &r, e)) {
            fprintf(stderr, "child: %s\n", e);
            _exit(4);
        }
        struct pm_history *h;
        int rc = pm_store_history(r, 0, 0, NULL, &h, e);
        bool ok = !rc && h->n >= 2 && h->episodes[0].state == PM_EPISODE_DIED;
        pm_history_free(h);
        pm_store_close(r);
        _exit(ok ? 0 : 5);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_false(exists(strcat(strcpy((char[160]){0}, path), "-shm")));
    chmod(dir, 0755);
    rm_rf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_with_pcap),
        cmocka_unit_test(run_stats_stored_and_exported),
        cmocka_unit_test(refuses_random_empty_and_truncated),
        cmocka_unit_test(refuses_foreign_and_newer),
        cmocka_unit_test(second_writer_gets_busy),
        cmocka_unit_test(kill_during_save_leaves_earlier_snapshots),
        cmocka_unit_test(retention_by_count_and_age),
        cmocka_unit_test(prometheus_textfile),
        cmocka_unit_test(prometheus_per_vantage),
        cmocka_unit_test(read_only_store_refuses_writes),
        cmocka_unit_test(migrates_version_1),
        cmocka_unit_test(tampered_rows_are_refused),
        cmocka_unit_test(reader_without_write_access),
        cmocka_unit_test(pcap_inside_the_store),
        cmocka_unit_test(names_stored_and_shown),
        cmocka_unit_test(migrates_version_4),
    };
    /* under tests/pg/with-pg.sh: the tests that hold for any backend (the
     * rest test the SQLite file itself: its header, lock, WAL, owner) */
    const struct CMUnitTest server_tests[] = {
        cmocka_unit_test(round_trip_with_pcap),
        cmocka_unit_test(prometheus_textfile),
        cmocka_unit_test(prometheus_per_vantage),
        cmocka_unit_test(read_only_store_refuses_writes),
        cmocka_unit_test(retention_by_count_and_age),
        cmocka_unit_test(pcap_inside_the_store),
        cmocka_unit_test(names_stored_and_shown),
    };
    if (on_server())
        return cmocka_run_group_tests(server_tests, NULL, NULL);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
