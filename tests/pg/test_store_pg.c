/* test_store_pg.c - what only a PostgreSQL store has: store init, refused passwords, concurrent writers, a writer killed mid-save, retries stored once. Run by tests/pg/with-pg.sh. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>

#include "test_store_util.h"
#include "store/internal.h" /* pg_rows: what a read copied from the server */

static void save(struct pm_store *s, uint64_t t, const char *vantage, enum tstate a, unsigned n, int expect)
{
    char err[PM_ERRBUF_SIZE];
    struct fixture fx = make_fixture(t, a, TS_REACHED, n);
    snprintf(fx.run->vantage, sizeof fx.run->vantage, "%s", vantage);
    int64_t id;
    int rc = pm_store_save_snapshot(s, fx.run, fx.an, NULL, &id, err);
    free_fixture(&fx);
    if (rc != expect)
        fail_msg("save %s at %llu: %d (%s), expected %d", vantage, (unsigned long long)t, rc, err, expect);
}

static size_t count(const char *path)
{
    char err[PM_ERRBUF_SIZE];
    struct pm_store *s;
    if (pm_store_open(path, 0, &s, err))
        fail_msg("open: %s", err);
    int64_t *ids;
    size_t n;
    assert_int_equal(pm_store_list(s, 0, 0, &ids, &n, err), PM_OK);
    free(ids);
    pm_store_close(s);
    return n;
}

static void init_is_needed_and_idempotent(void **state)
{
    (void)state;
    char err[PM_ERRBUF_SIZE], shown[256], spec[256], admin[300];
    snprintf(spec, sizeof spec, "%s dbname=pmtest_bare", getenv("PM_TEST_PG"));
    snprintf(admin, sizeof admin, "%s dbname=postgres", getenv("PM_TEST_PG"));
    PGconn *c = PQconnectdb(admin);
    PQclear(PQexec(c, "CREATE DATABASE pmtest_bare"));
    PQfinish(c);
    assert_true(pm_store_is_server(spec));
    assert_true(pm_store_is_server("postgresql://pm@db.example/pathmortem"));
    assert_true(pm_store_is_server("service=fleet"));
    assert_false(pm_store_is_server("/var/lib/pathmortem/store.db"));
    assert_false(pm_store_is_server("store.db"));
    /* a snapshot never creates the schema */
    struct pm_store *s;
    assert_int_equal(pm_store_open(spec, PM_STORE_CREATE, &s, err), PM_ENOTFOUND);
    assert_non_null(strstr(err, "store init"));
    /* four inits at once: one creates, the others find it made */
    for (int k = 0; k < 4; k++)
        if (fork() == 0) {
            int from;
            char e[PM_ERRBUF_SIZE], sh[256];
            _exit(pm_store_init(spec, &from, sh, sizeof sh, e) == PM_OK ? 0 : 1);
        }
    for (int k = 0; k < 4; k++) {
        int st;
        assert_true(wait(&st) > 0);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    int from = -5;
    assert_int_equal(pm_store_init(spec, &from, shown, sizeof shown, err), PM_OK);
    assert_int_equal(from, PM_STORE_SCHEMA_VERSION);
    assert_non_null(strstr(shown, "pmtest_bare"));
    assert_int_equal(pm_store_open(spec, PM_STORE_WRITE, &s, err), PM_OK);
    assert_true(pm_store_is_server_store(s));
    assert_null(strstr(pm_store_path(s), "host="));
    pm_store_close(s);
    /* a schema 3 database (before the pcaps table and the retention
     * functions): refused until `store init` migrates it, then whole */
    c = PQconnectdb(spec);
    PGresult *r = PQexec(c, "DROP TABLE names; DROP TABLE pcaps; DROP FUNCTION pathmortem_retain_pcaps;"
                            " DROP FUNCTION pathmortem_retain_hops;"
                            "UPDATE meta SET value = '3' WHERE key = 'schema_version'");
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    assert_int_equal(pm_store_open(spec, PM_STORE_WRITE, &s, err), PM_ECORRUPT);
    assert_non_null(strstr(err, "store init"));
    assert_int_equal(pm_store_init(spec, &from, shown, sizeof shown, err), PM_OK);
    assert_int_equal(from, 3);
    r = PQexec(c, "SELECT (SELECT value FROM meta WHERE key = 'schema_version'), to_regclass('pcaps') IS NOT NULL,"
                  " to_regproc('pathmortem_retain_hops') IS NOT NULL,"
                  " has_function_privilege('public', 'pathmortem_retain_pcaps(text, integer, integer, bigint)', 'EXECUTE'),"
                  " to_regclass('names') IS NOT NULL");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_string_equal(PQgetvalue(r, 0, 0), "5");
    assert_string_equal(PQgetvalue(r, 0, 1), "t");
    assert_string_equal(PQgetvalue(r, 0, 2), "t");
    assert_string_equal(PQgetvalue(r, 0, 3), "f"); /* not PUBLIC's to call */
    assert_string_equal(PQgetvalue(r, 0, 4), "t");
    PQclear(r);
    assert_int_equal(pm_store_open(spec, PM_STORE_WRITE, &s, err), PM_OK);
    /* a schema 4 database with snapshots (before the names table, issue
     * 15): `store init` migrates it in place and keeps every row */
    save(s, T0_US, "v4", TS_DIED_4837, 2, PM_OK);
    save(s, T0_US + STEP_US, "v4", TS_REACHED, 2, PM_OK);
    pm_store_close(s);
    r = PQexec(c, "DROP TABLE names; UPDATE meta SET value = '4' WHERE key = 'schema_version'");
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    assert_int_equal(pm_store_open(spec, 0, &s, err), PM_ECORRUPT);
    assert_non_null(strstr(err, "older"));
    assert_int_equal(pm_store_init(spec, &from, shown, sizeof shown, err), PM_OK);
    assert_int_equal(from, 4);
    r = PQexec(c, "SELECT (SELECT value FROM meta WHERE key = 'schema_version'), (SELECT count(*) FROM snapshots),"
                  " (SELECT count(*) FROM hops), (SELECT count(*) FROM names)");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_string_equal(PQgetvalue(r, 0, 0), "5");
    assert_string_equal(PQgetvalue(r, 0, 1), "2");
    assert_true(atoi(PQgetvalue(r, 0, 2)) > 0);
    assert_string_equal(PQgetvalue(r, 0, 3), "0");
    PQclear(r);
    PQfinish(c);
    assert_int_equal(pm_store_open(spec, 0, &s, err), PM_OK);
    struct pm_history *h;
    assert_int_equal(pm_store_history(s, 0, 0, NULL, &h, err), PM_OK);
    assert_int_equal(h->n_snapshots, 2);
    assert_string_equal(h->episodes[0].key, "175.45.176.0/24");
    assert_int_equal(h->episodes[0].state, PM_EPISODE_DIED);
    assert_null(h->episodes[0].death_name);
    pm_history_free(h);
    int64_t *ids;
    size_t n;
    assert_int_equal(pm_store_list(s, 0, 0, &ids, &n, err), PM_OK);
    assert_int_equal(n, 2);
    struct pm_snapshot *snap;
    assert_int_equal(pm_store_load(s, ids[0], &snap, err), PM_OK);
    assert_int_equal(snap->n_targets, 4);
    assert_true(snap->n_hops > 0);
    pm_snapshot_free(snap);
    free(ids);
    pm_store_close(s);
    /* another application's meta table is left alone */
    c = PQconnectdb(admin);
    PQclear(PQexec(c, "CREATE DATABASE pmtest_foreign"));
    PQfinish(c);
    snprintf(spec, sizeof spec, "%s dbname=pmtest_foreign", getenv("PM_TEST_PG"));
    c = PQconnectdb(spec);
    PQclear(PQexec(c, "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"));
    PQfinish(c);
    assert_int_equal(pm_store_init(spec, &from, shown, sizeof shown, err), PM_ECORRUPT);
    assert_int_equal(pm_store_open(spec, 0, &s, err), PM_ECORRUPT);
}

static void password_in_spec_refused(void **state)
{
    (void)state;
    char err[PM_ERRBUF_SIZE], spec[300];
    struct pm_store *s;
    assert_int_equal(pm_store_open("postgresql://pm:hunter2@127.0.0.1/pm", 0, &s, err), PM_EINVAL);
    assert_non_null(strstr(err, ".pgpass"));
    assert_null(strstr(err, "hunter2"));
    snprintf(spec, sizeof spec, "%s dbname=x password=hunter2", getenv("PM_TEST_PG"));
    assert_int_equal(pm_store_open(spec, 0, &s, err), PM_EINVAL);
    assert_null(strstr(err, "hunter2"));
    /* no server there: an I/O error, the one a snapshot spools on */
    assert_int_equal(pm_store_open("host=/nonexistent-pm-sock dbname=pm", PM_STORE_WRITE, &s, err), PM_EIO);
    assert_non_null(strstr(err, "cannot reach"));
}

#define WRITERS 4
#define PER_WRITER 5

static void concurrent_writers_lose_and_duplicate_nothing(void **state)
{
    (void)state;
    char dir[64], path[160], err[PM_ERRBUF_SIZE];
    temp_store(dir, sizeof dir, path, sizeof path);
    for (int k = 0; k < WRITERS; k++)
        if (fork() == 0) {
            struct pm_store *s;
            char e[PM_ERRBUF_SIZE], v[16];
            if (pm_store_open(path, PM_STORE_WRITE, &s, e))
                _exit(2);
            snprintf(v, sizeof v, "v%d", k);
            for (int i = 0; i < PER_WRITER; i++) {
                struct fixture fx = make_fixture(T0_US + (uint64_t)i * STEP_US, k % 2 ? TS_DIED_4837 : TS_REACHED,
                                                 TS_REACHED, 8);
                snprintf(fx.run->vantage, sizeof fx.run->vantage, "%s", v);
                int64_t id;
                int rc = pm_store_save_snapshot(s, fx.run, fx.an, NULL, &id, e);
                free_fixture(&fx);
                if (rc)
                    _exit(3);
            }
            pm_store_close(s);
            _exit(0);
        }
    for (int k = 0; k < WRITERS; k++) {
        int st;
        assert_true(wait(&st) > 0);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    assert_int_equal(count(path), WRITERS * PER_WRITER);
    struct pm_store *s;
    assert_int_equal(pm_store_open(path, 0, &s, err), PM_OK);
    char(*vs)[64];
    size_t nv;
    assert_int_equal(pm_store_vantages(s, 0, 0, &vs, &nv, err), PM_OK);
    assert_int_equal(nv, WRITERS);
    assert_string_equal(vs[0], "v0");
    assert_string_equal(vs[3], "v3");
    /* per vantage: v1 and v3 saw the /24 die in every snapshot, v0 and v2 never */
    for (size_t i = 0; i < nv; i++) {
        struct pm_history *h;
        assert_int_equal(pm_store_history_vantage(s, 0, 0, "175.45.176.0/24", vs[i], &h, err), PM_OK);
        assert_int_equal(h->n_snapshots, PER_WRITER);
        assert_true(h->n >= 1);
        assert_int_equal(h->episodes[0].snapshots, PER_WRITER);
        assert_int_equal(h->episodes[0].state, i % 2 ? PM_EPISODE_DIED : PM_EPISODE_REACHED);
        pm_history_free(h);
    }
    /* latest of one vantage, and its snapshots only */
    int64_t id;
    struct pm_snapshot *snap;
    assert_int_equal(pm_store_resolve_vantage(s, "latest~1", "v2", &id, err), PM_OK);
    assert_int_equal(pm_store_load(s, id, &snap, err), PM_OK);
    assert_string_equal(snap->vantage, "v2");
    assert_int_equal(snap->started_us, T0_US + (PER_WRITER - 2) * STEP_US);
    pm_snapshot_free(snap);
    assert_int_equal(pm_store_resolve_vantage(s, "latest~5", "v2", &id, err), PM_ENOTFOUND);
    int64_t *ids;
    size_t n;
    assert_int_equal(pm_store_list_vantage(s, 0, 0, "v3", &ids, &n, err), PM_OK);
    assert_int_equal(n, PER_WRITER);
    free(ids);
    free(vs);
    pm_store_close(s);
    rm_rf(dir);
}

/* The same snapshot sent again (a retry after a commit whose answer was
 * lost, or a spooled copy of one that did arrive) is stored once. */
static void retry_is_stored_once(void **state)
{
    (void)state;
    char dir[64], path[160], err[PM_ERRBUF_SIZE];
    temp_store(dir, sizeof dir, path, sizeof path);
    struct pm_store *a, *b;
    assert_int_equal(pm_store_open(path, PM_STORE_WRITE, &a, err), PM_OK);
    assert_int_equal(pm_store_open(path, PM_STORE_WRITE, &b, err), PM_OK); /* opened before a's save */
    save(a, T0_US, "fra1", TS_REACHED, 4, PM_OK);
    save(b, T0_US, "fra1", TS_REACHED, 4, PM_EINVAL);
    save(b, T0_US, "sin1", TS_REACHED, 4, PM_OK);
    pm_store_close(a);
    pm_store_close(b);
    assert_int_equal(count(path), 2);
    rm_rf(dir);
}

/* A vantage that could not reach the server spools; the next run sends
 * the spool, and a spooled copy of a snapshot that had arrived is not
 * stored twice. */
static void spool_catches_up_once(void **state)
{
    (void)state;
    char dir[64], path[160], err[PM_ERRBUF_SIZE], spool[128], written[4300];
    temp_store(dir, sizeof dir, path, sizeof path);
    snprintf(spool, sizeof spool, "%s/spool", dir);
    assert_int_equal(mkdir(spool, 0750), 0);
    for (int i = 0; i < 3; i++) {
        struct fixture fx = make_fixture(T0_US + (uint64_t)i * STEP_US, TS_DIED_4837, TS_REACHED, 3);
        snprintf(fx.run->vantage, sizeof fx.run->vantage, "nrt/1");
        assert_int_equal(pm_store_spool_write(spool, fx.run, fx.an, -1, NULL, NULL, written, sizeof written, err), PM_OK);
        free_fixture(&fx);
    }
    assert_non_null(strstr(written, "nrt_1.jsonl"));
    struct pm_store *s;
    assert_int_equal(pm_store_open(path, PM_STORE_WRITE, &s, err), PM_OK);
    save(s, T0_US + STEP_US, "nrt/1", TS_DIED_4837, 3, PM_OK); /* this one had arrived */
    uint32_t sent, left;
    assert_int_equal(pm_store_spool_send(s, spool, &sent, &left, err), PM_OK);
    assert_int_equal(sent, 3);
    assert_int_equal(left, 0);
    assert_int_equal(pm_store_spool_send(s, spool, &sent, &left, err), PM_OK);
    assert_int_equal(sent, 0);
    pm_store_close(s);
    assert_int_equal(count(path), 3);
    /* a spooled file that is not a snapshot is set aside, not retried */
    char bad[200];
    snprintf(bad, sizeof bad, "%s/snap-00000000000000000001-x.jsonl", spool);
    FILE *f = fopen(bad, "w");
    fputs("{not json\n", f);
    fclose(f);
    assert_int_equal(pm_store_open(path, PM_STORE_WRITE, &s, err), PM_OK);
    assert_int_equal(pm_store_spool_send(s, spool, &sent, &left, err), PM_OK);
    assert_int_equal(sent, 0);
    pm_store_close(s);
    strcat(bad, ".bad");
    assert_int_equal(access(bad, F_OK), 0);
    rm_rf(dir);
}

/* --pcap-to-store and a spooled snapshot: its capture, a file in the
 * spool, goes into the database with it when the spool is sent. */
static void spooled_pcap_goes_into_the_store(void **state)
{
    (void)state;
    char dir[64], path[160], err[PM_ERRBUF_SIZE], spool[128], written[4300], cap[160];
    temp_store(dir, sizeof dir, path, sizeof path);
    snprintf(spool, sizeof spool, "%s/spool", dir);
    assert_int_equal(mkdir(spool, 0750), 0);
    snprintf(cap, sizeof cap, "%s/capture", dir);
    FILE *f = fopen(cap, "w");
    for (int i = 0; i < 2000; i++)
        fputc(i % 199, f);
    fclose(f);
    int fd = open(cap, O_RDONLY);
    struct fixture fx = make_fixture(T0_US, TS_REACHED, TS_REACHED, 2);
    snprintf(fx.run->vantage, sizeof fx.run->vantage, "sp1");
    assert_int_equal(pm_store_spool_write(spool, fx.run, fx.an, fd, NULL, NULL, written, sizeof written, err), PM_OK);
    free_fixture(&fx);
    close(fd);
    char pcaps[160];
    snprintf(pcaps, sizeof pcaps, "%s/pcaps", spool);
    DIR *d = opendir(pcaps);
    int files = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        files += strstr(e->d_name, ".pcap.gz") != NULL;
    closedir(d);
    assert_int_equal(files, 1);
    struct pm_store *s;
    assert_int_equal(pm_store_open(path, PM_STORE_WRITE, &s, err), PM_OK);
    pm_store_set_pcap_to_store(s, true);
    uint32_t sent, left;
    assert_int_equal(pm_store_spool_send(s, spool, &sent, &left, err), PM_OK);
    assert_int_equal(sent, 1);
    assert_int_equal(reopen(&s, path, 0), PM_OK);
    int64_t id;
    assert_int_equal(pm_store_resolve(s, "latest", &id, err), PM_OK);
    unsigned char *gz;
    size_t len;
    assert_int_equal(pm_store_pcap_fetch(s, id, &gz, &len, err), PM_OK);
    assert_true(len > 18 && gz[0] == 0x1f && gz[1] == 0x8b);
    free(gz);
    pm_store_close(s);
    d = opendir(pcaps);
    files = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        files += strstr(e->d_name, ".pcap.gz") != NULL;
    closedir(d);
    assert_int_equal(files, 0); /* inside the store now, not twice */
    rm_rf(dir);
}

/* A writer killed at a random moment of its saves leaves only whole
 * snapshots on the server: one transaction per snapshot. */
static void killed_writer_leaves_whole_snapshots(void **state)
{
    (void)state;
    char dir[64], path[160], err[PM_ERRBUF_SIZE];
    temp_store(dir, sizeof dir, path, sizeof path);
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    for (int round = 0; round < 3; round++) {
        pid_t pid = fork();
        if (pid == 0) {
            struct pm_store *s;
            char e[PM_ERRBUF_SIZE], v[16];
            if (pm_store_open(path, PM_STORE_WRITE, &s, e))
                _exit(2);
            snprintf(v, sizeof v, "k%d", round);
            for (int i = 0; i < 1000; i++) {
                struct fixture fx = make_fixture(T0_US + (uint64_t)i * STEP_US, TS_REACHED, TS_DIED_4837, 120);
                snprintf(fx.run->vantage, sizeof fx.run->vantage, "%s", v);
                int64_t id;
                pm_store_save_snapshot(s, fx.run, fx.an, NULL, &id, e);
                free_fixture(&fx);
            }
            _exit(0);
        }
        /* once the child has stored one (however slow the machine, or
         * valgrind), a random moment later: inside a save, mostly */
        char spec[256], sql[96];
        snprintf(spec, sizeof spec, "%s", path);
        PGconn *c = PQconnectdb(spec);
        snprintf(sql, sizeof sql, "SELECT count(*) FROM snapshots WHERE vantage = 'k%d'", round);
        for (int tries = 0; tries < 6000; tries++) {
            PGresult *r = PQexec(c, sql);
            bool some = PQresultStatus(r) == PGRES_TUPLES_OK && atoi(PQgetvalue(r, 0, 0)) > 0;
            PQclear(r);
            if (some)
                break;
            struct timespec poll = {0, 20000000L};
            nanosleep(&poll, NULL);
        }
        PQfinish(c);
        struct timespec ts = {0, (long)(rand() % 300) * 1000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int st;
        assert_int_equal(waitpid(pid, &st, 0), pid);
        assert_true(WIFSIGNALED(st));
    }
    struct pm_store *s;
    assert_int_equal(pm_store_open(path, 0, &s, err), PM_OK);
    int64_t *ids;
    size_t n;
    assert_int_equal(pm_store_list(s, 0, 0, &ids, &n, err), PM_OK);
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        struct pm_snapshot *snap;
        assert_int_equal(pm_store_load(s, ids[i], &snap, err), PM_OK);
        assert_int_equal(snap->n_targets, 240);
        assert_int_equal(snap->n_prefix, 2);
        assert_int_equal(snap->n_hops, 120 * 5 + 120 * 3);
        pm_snapshot_free(snap);
    }
    free(ids);
    pm_store_close(s);
    rm_rf(dir);
}

/* Reads copy from the server only what they read, filtered there by time,
 * vantage and prefix: a short window of a long store costs a few rows. */
#define LONG_RUN 30

static void reads_filter_on_the_server(void **state)
{
    (void)state;
    char dir[64], path[160], err[PM_ERRBUF_SIZE];
    temp_store(dir, sizeof dir, path, sizeof path);
    struct pm_store *s;
    assert_int_equal(pm_store_open(path, PM_STORE_WRITE, &s, err), PM_OK);
    for (int i = 0; i < LONG_RUN; i++) {
        save(s, T0_US + (uint64_t)i * STEP_US, "ams1", i >= LONG_RUN - 2 ? TS_DIED_4837 : TS_REACHED, 8, PM_OK);
        save(s, T0_US + (uint64_t)i * STEP_US, "sin1", TS_REACHED, 8, PM_OK);
    }
    pm_store_close(s);
    assert_int_equal(pm_store_open(path, 0, &s, err), PM_OK);
    assert_int_equal(s->pg_rows, 0); /* opening copies nothing */
    /* the last three rounds: 6 snapshot rows, 2 prefix and 1 upstream state each */
    uint64_t since = T0_US + (LONG_RUN - 3) * STEP_US;
    struct pm_history *h;
    assert_int_equal(pm_store_history(s, since, 0, NULL, &h, err), PM_OK);
    assert_int_equal(h->n_snapshots, 6);
    assert_int_equal(s->pg_rows, 6 * (1 + 2 + 1));
    pm_history_free(h);
    /* --by-vantage reads the same window again per vantage: nothing more */
    assert_int_equal(pm_store_history_vantage(s, since, 0, NULL, "ams1", &h, err), PM_OK);
    assert_int_equal(h->n_snapshots, 3);
    assert_int_equal(h->episodes[0].state, PM_EPISODE_REACHED);
    assert_int_equal(h->episodes[1].state, PM_EPISODE_DIED);
    pm_history_free(h);
    assert_int_equal(s->pg_rows, 6 * (1 + 2 + 1));
    /* a prefix: the window's rows again, its /24's states only and its 8
     * targets per snapshot (no hops) */
    uint64_t before = s->pg_rows;
    assert_int_equal(pm_store_history(s, since, 0, "175.45.177.0/24", &h, err), PM_OK);
    assert_true(h->n >= 2);
    pm_history_free(h);
    assert_int_equal(s->pg_rows - before, 6 * (1 + 1 + 1 + 8));
    pm_store_close(s);

    /* export of one vantage's window: its three snapshots whole, nothing of the other */
    assert_int_equal(pm_store_open(path, 0, &s, err), PM_OK);
    char *buf = NULL;
    size_t len = 0, n = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(pm_store_export_vantage(s, f, since, 0, "sin1", &n, err), PM_OK);
    fclose(f);
    free(buf);
    assert_int_equal(n, 3);
    /* per snapshot: its row, 16 targets, 8 x 5 + 8 x 5 hops, 2 + 1 roll-ups */
    assert_int_equal(s->pg_rows, 3 + 3 * (1 + 16 + 80 + 3));
    pm_store_close(s);

    /* latest~1 of one vantage: two rows, then the two snapshots */
    assert_int_equal(pm_store_open(path, 0, &s, err), PM_OK);
    int64_t id;
    assert_int_equal(pm_store_resolve_vantage(s, "latest~1", "ams1", &id, err), PM_OK);
    assert_int_equal(s->pg_rows, 2);
    struct pm_snapshot *snap;
    assert_int_equal(pm_store_load(s, id, &snap, err), PM_OK);
    assert_string_equal(snap->vantage, "ams1");
    assert_int_equal(snap->started_us, T0_US + (LONG_RUN - 2) * STEP_US);
    pm_snapshot_free(snap);
    assert_int_equal(pm_store_resolve(s, "1", &id, err), PM_OK);
    assert_int_equal(pm_store_resolve(s, "100000", &id, err), PM_ENOTFOUND);
    pm_store_close(s);

    /* ownership evidence: the server computes the hints, one row comes back */
    assert_int_equal(pm_store_open(path, PM_STORE_WRITE, &s, err), PM_OK);
    struct pm_history_fact *facts;
    uint32_t nf;
    assert_int_equal(pm_store_history_facts(s, 0, 131279, &facts, &nf, err), PM_OK);
    assert_int_equal(nf, 1);
    assert_int_equal(facts[0].addr, ip(219, 158, 39, 42));
    free(facts);
    assert_int_equal(s->pg_rows, 1);
    /* the Prometheus file: the count from the server, each vantage's newest snapshot */
    char prom[128];
    snprintf(prom, sizeof prom, "%s/pm.prom", dir);
    assert_int_equal(pm_store_prom_write(s, prom, T0_US + LONG_RUN * STEP_US, err), PM_OK);
    /* 2 newest rows, then both whole: ams1's with 8 dead paths of 3 hops */
    assert_int_equal(s->pg_rows, 1 + 2 + (1 + 16 + 64 + 3) + (1 + 16 + 80 + 3));
    f = fopen(prom, "r");
    assert_non_null(f);
    char line[512];
    bool count = false, dead = false;
    while (fgets(line, sizeof line, f)) {
        count |= !strcmp(line, "pathmortem_store_snapshots 60\n");
        dead |= !strcmp(line, "pathmortem_prefix_reachable{vantage=\"ams1\",prefix=\"175.45.176.0/24\"} 0\n");
    }
    fclose(f);
    assert_true(count);
    assert_true(dead);
    pm_store_close(s);
    rm_rf(dir);
}

static void psql_ok(const char *spec, const char *sql)
{
    PGconn *c = PQconnectdb(spec);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
}

static long long psql_num(const char *spec, const char *sql)
{
    PGconn *c = PQconnectdb(spec);
    PGresult *r = PQexec(c, sql);
    long long v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? atoll(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    PQfinish(c);
    return v;
}

#define PRUNERS 4
#define PER_PRUNER 6

/* Retention on the server: vantages writing and pruning at once, as the
 * writer role (INSERT and the retention functions, no DELETE), lose no
 * snapshot and keep each its own newest pcaps and recent hops; a role
 * without the functions is told so and its snapshot is stored. */
static void retention_on_the_server(void **state)
{
    (void)state;
    char dir[64], path[160], err[PM_ERRBUF_SIZE], writer[256], plain[256], sql[512], cap[128];
    temp_store(dir, sizeof dir, path, sizeof path);
    snprintf(sql, sizeof sql,
             "CREATE ROLE pmw_%ld LOGIN; CREATE ROLE pmn_%ld LOGIN;"
             "GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO pmw_%ld, pmn_%ld;"
             "GRANT USAGE ON SEQUENCE snapshots_id_seq TO pmw_%ld, pmn_%ld;"
             "GRANT EXECUTE ON FUNCTION pathmortem_retain_pcaps, pathmortem_retain_hops TO pmw_%ld",
             (long)getpid(), (long)getpid(), (long)getpid(), (long)getpid(), (long)getpid(), (long)getpid(),
             (long)getpid());
    psql_ok(path, sql);
    snprintf(writer, sizeof writer, "%s user=pmw_%ld", path, (long)getpid());
    snprintf(plain, sizeof plain, "%s user=pmn_%ld", path, (long)getpid());
    snprintf(cap, sizeof cap, "%s/capture", dir);
    FILE *f = fopen(cap, "w");
    for (int i = 0; i < 3000; i++)
        fputc(i % 251, f);
    fclose(f);
    const uint64_t day = 86400000000ull, now = T0_US + day + 3 * STEP_US;
    for (int k = 0; k < PRUNERS; k++)
        if (fork() == 0) {
            struct pm_store *s;
            char e[PM_ERRBUF_SIZE], v[16];
            int fd = open(cap, O_RDONLY);
            if (fd < 0 || pm_store_open(writer, PM_STORE_WRITE, &s, e))
                _exit(2);
            pm_store_set_pcap_to_store(s, true);
            snprintf(v, sizeof v, "w%d", k);
            for (int i = 0; i < PER_PRUNER; i++) {
                struct fixture fx = make_fixture(T0_US + (uint64_t)i * STEP_US, TS_REACHED, TS_REACHED, 1);
                snprintf(fx.run->vantage, sizeof fx.run->vantage, "%s", v);
                int64_t id;
                uint32_t removed;
                uint64_t rows;
                int rc = pm_store_save_snapshot_fd(s, fx.run, fx.an, fd, &id, e);
                free_fixture(&fx);
                if (rc)
                    _exit(3);
                if (pm_store_prune_vantage(s, v, 0, 2, now, &removed, e) ||
                    pm_store_prune_hops_vantage(s, v, 1, now, &rows, e)) {
                    fprintf(stderr, "prune: %s\n", e);
                    _exit(4);
                }
            }
            pm_store_close(s);
            _exit(0);
        }
    for (int k = 0; k < PRUNERS; k++) {
        int st;
        assert_true(wait(&st) > 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            fail_msg("a writer exited %d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    }
    assert_int_equal(psql_num(path, "SELECT count(*) FROM snapshots"), PRUNERS * PER_PRUNER);
    /* each vantage keeps its 2 newest pcaps (in the database) */
    assert_int_equal(psql_num(path, "SELECT count(*) FROM (SELECT s.vantage FROM pcaps p JOIN snapshots s ON"
                                    " s.id = p.snapshot GROUP BY s.vantage HAVING count(*) = 2) v"),
                     PRUNERS);
    assert_int_equal(psql_num(path, "SELECT count(*) FROM pcaps"), PRUNERS * 2);
    assert_int_equal(psql_num(path, "SELECT count(*) FROM snapshots WHERE pcap_path IS NOT NULL"), PRUNERS * 2);
    /* hops of the snapshots started more than a day before now are gone, the rest whole */
    snprintf(sql, sizeof sql, "SELECT count(*) FROM hops h JOIN snapshots s ON s.id = h.snapshot WHERE s.started_us < %llu",
             (unsigned long long)(now - day));
    assert_int_equal(psql_num(path, sql), 0);
    assert_int_equal(psql_num(path, "SELECT count(*) FROM hops"), PRUNERS * (PER_PRUNER - 3) * 2 * 5);
    assert_int_equal(psql_num(path, "SELECT count(*) FROM targets"), PRUNERS * PER_PRUNER * 2);
    /* the writer itself cannot delete */
    snprintf(sql, sizeof sql, "SET ROLE pmw_%ld; DELETE FROM snapshots", (long)getpid());
    PGconn *c = PQconnectdb(path);
    PGresult *r = PQexec(c, sql);
    assert_int_not_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    assert_string_equal(PQresultErrorField(r, PG_DIAG_SQLSTATE), "42501");
    PQclear(r);
    PQfinish(c);
    /* a role without the functions: told, and its snapshot stays stored */
    struct pm_store *s;
    assert_int_equal(pm_store_open(plain, PM_STORE_WRITE, &s, err), PM_OK);
    save(s, T0_US + 99 * STEP_US, "n1", TS_REACHED, 1, PM_OK);
    uint32_t removed;
    assert_int_equal(pm_store_prune_vantage(s, "n1", 1, 0, now, &removed, err), PM_EPERM);
    assert_non_null(strstr(err, "may not apply retention"));
    uint64_t rows;
    assert_int_equal(pm_store_prune_hops_vantage(s, "n1", 1, now, &rows, err), PM_EPERM);
    pm_store_close(s);
    assert_int_equal(psql_num(path, "SELECT count(*) FROM snapshots"), PRUNERS * PER_PRUNER + 1);
    rm_rf(dir);
}

int main(void)
{
    if (!on_server()) {
        fprintf(stderr, "test_store_pg: PM_TEST_PG is not set; run it through tests/pg/with-pg.sh\n");
        return 1; /* never a silent skip */
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(init_is_needed_and_idempotent),
        cmocka_unit_test(password_in_spec_refused),
        cmocka_unit_test(concurrent_writers_lose_and_duplicate_nothing),
        cmocka_unit_test(retry_is_stored_once),
        cmocka_unit_test(spool_catches_up_once),
        cmocka_unit_test(spooled_pcap_goes_into_the_store),
        cmocka_unit_test(killed_writer_leaves_whole_snapshots),
        cmocka_unit_test(reads_filter_on_the_server),
        cmocka_unit_test(retention_on_the_server),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
