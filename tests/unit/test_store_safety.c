/* test_store_safety.c - a planted trigger never runs, readers wait for a writer instead of failing, the store directory is handed to the drop user only when it holds nothing but a store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_store_util.h"

static void write_bytes_file(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0640);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "x", 1), 1);
    close(fd);
}

static void save_fixture(struct pm_store *s, uint64_t t, enum tstate a, enum tstate b, unsigned n, int64_t *id)
{
    char err[PM_ERRBUF_SIZE];
    struct fixture fx = make_fixture(t, a, b, n);
    int rc = pm_store_save_snapshot(s, fx.run, fx.an, NULL, id, err);
    if (rc)
        fail_msg("save: %s", err);
    free_fixture(&fx);
}

static void plant_trigger(const char *path)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(db,
                          "CREATE TABLE pwned(x);"
                          "CREATE TRIGGER planted AFTER INSERT ON snapshots BEGIN INSERT INTO pwned VALUES (1); END;"
                          "CREATE TRIGGER planted_t AFTER INSERT ON targets BEGIN INSERT INTO pwned VALUES (2); END;",
                          NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("planting: %s", msg);
    sqlite3_close(db);
}

static int count_pwned(const char *path)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM pwned", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* Whoever could write the store (the drop user) cannot make the next
 * snapshot, or a reader, run SQL of theirs. */
static void planted_trigger_never_runs(void **state)
{
    (void)state;
    char dir[64], path[128], err[PM_ERRBUF_SIZE];
    temp_store(dir, sizeof dir, path, sizeof path);
    struct pm_store *s;
    assert_int_equal(pm_store_open(path, PM_STORE_CREATE | PM_STORE_WRITE, &s, err), PM_OK);
    pm_store_close(s);
    plant_trigger(path);
    assert_int_equal(pm_store_open(path, PM_STORE_WRITE, &s, err), PM_OK);
    int64_t id;
    save_fixture(s, T0_US, TS_REACHED, TS_DIED_4837, 3, &id);
    pm_store_close(s);
    assert_int_equal(count_pwned(path), 0);
    /* and the snapshot is there for a reader */
    assert_int_equal(pm_store_open(path, 0, &s, err), PM_OK);
    struct pm_history *h;
    assert_int_equal(pm_store_history(s, 0, 0, NULL, &h, err), PM_OK);
    assert_int_equal(h->n_snapshots, 1);
    pm_history_free(h);
    pm_store_close(s);
    assert_int_equal(count_pwned(path), 0);
    rm_rf(dir);
}

/* A reader that starts while a writer holds its write transaction reads the
 * last committed state instead of failing "database is locked". */
static void reader_waits_for_writer(void **state)
{
    (void)state;
    char dir[64], path[128], err[PM_ERRBUF_SIZE];
    temp_store(dir, sizeof dir, path, sizeof path);
    struct pm_store *w;
    assert_int_equal(pm_store_open(path, PM_STORE_CREATE | PM_STORE_WRITE, &w, err), PM_OK);
    int64_t id;
    save_fixture(w, T0_US, TS_REACHED, TS_REACHED, 2, &id);
    pm_store_close(w);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE; DELETE FROM hops;", NULL, NULL, NULL), SQLITE_OK);
    for (int i = 0; i < 20; i++) {
        struct pm_store *r;
        int rc = pm_store_open(path, 0, &r, err);
        if (rc != PM_OK)
            fail_msg("reader %d: %s", i, err);
        struct pm_history *h;
        rc = pm_store_history(r, 0, 0, NULL, &h, err);
        if (rc != PM_OK)
            fail_msg("reader %d: %s", i, err);
        assert_int_equal(h->n_snapshots, 1);
        pm_history_free(h);
        pm_store_close(r);
    }
    assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    rm_rf(dir);
}

static void prepare_dir_cases(void **state)
{
    (void)state;
    if (geteuid() != 0)
        skip();
    char base[] = "/tmp/pm-prepdir.XXXXXX";
    assert_non_null(mkdtemp(base));
    char store[512], sub[256], err[PM_ERRBUF_SIZE];
    int fd;
    const unsigned uid = 65534, gid = 65534;
    struct stat sb;

    /* missing: created 0750, owned by the drop user */
    snprintf(store, sizeof store, "%s/new/store.db", base);
    assert_int_equal(pm_store_prepare_dir(store, uid, gid, &fd, err), PM_OK);
    assert_int_equal(fstat(fd, &sb), 0);
    assert_int_equal(sb.st_uid, uid);
    assert_int_equal(sb.st_mode & 07777, 0750);
    close(fd);
    /* again: already the drop user's */
    assert_int_equal(pm_store_prepare_dir(store, uid, gid, &fd, err), PM_OK);
    close(fd);

    /* root-owned with only a store inside: handed over, files too, links not followed */
    snprintf(sub, sizeof sub, "%s/legacy", base);
    assert_int_equal(mkdir(sub, 0750), 0);
    snprintf(store, sizeof store, "%s/legacy/store.db", base);
    write_bytes_file(store);
    char lock[600];
    snprintf(lock, sizeof lock, "%s.lock", store);
    assert_int_equal(symlink("/etc/passwd", lock), 0);
    struct stat pw_before;
    assert_int_equal(stat("/etc/passwd", &pw_before), 0);
    assert_int_equal(pm_store_prepare_dir(store, uid, gid, &fd, err), PM_OK);
    close(fd);
    assert_int_equal(stat(sub, &sb), 0);
    assert_int_equal(sb.st_uid, uid);
    assert_int_equal(stat(store, &sb), 0);
    assert_int_equal(sb.st_uid, uid);
    struct stat pw_after;
    assert_int_equal(stat("/etc/passwd", &pw_after), 0);
    assert_int_equal(pw_after.st_uid, pw_before.st_uid);

    /* root-owned holding other things: refused, nothing changed */
    snprintf(sub, sizeof sub, "%s/busy", base);
    assert_int_equal(mkdir(sub, 0750), 0);
    char other[600];
    snprintf(other, sizeof other, "%s/notes.txt", sub);
    write_bytes_file(other);
    snprintf(store, sizeof store, "%s/store.db", sub);
    assert_int_equal(pm_store_prepare_dir(store, uid, gid, &fd, err), PM_EPERM);
    assert_non_null(strstr(err, "notes.txt"));
    assert_int_equal(stat(sub, &sb), 0);
    assert_int_equal(sb.st_uid, 0);

    /* someone else's, or writable by others: refused */
    snprintf(sub, sizeof sub, "%s/foreign", base);
    assert_int_equal(mkdir(sub, 0750), 0);
    assert_int_equal(chown(sub, 1, 1), 0);
    snprintf(store, sizeof store, "%s/store.db", sub);
    assert_int_equal(pm_store_prepare_dir(store, uid, gid, &fd, err), PM_EPERM);
    snprintf(sub, sizeof sub, "%s/open", base);
    assert_int_equal(mkdir(sub, 0777), 0);
    assert_int_equal(chmod(sub, 0777), 0);
    assert_int_equal(chown(sub, uid, gid), 0);
    snprintf(store, sizeof store, "%s/store.db", sub);
    assert_int_equal(pm_store_prepare_dir(store, uid, gid, &fd, err), PM_EPERM);
    assert_non_null(strstr(err, "writable by others"));
    rm_rf(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(planted_trigger_never_runs),
        cmocka_unit_test(reader_waits_for_writer),
        cmocka_unit_test(prepare_dir_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
