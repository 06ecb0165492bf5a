/* open.c - opening a store with care: header checks before SQLite writes anything, creation by rename, the writer lock. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pathmortem/cursor.h"
#include "store/internal.h"
#include "store/pg.h"

#define HEADER_LEN 100

/* Reads the 100-byte SQLite header of an existing file and refuses anything
 * that is not a complete pathmortem store of a schema we know. Only read()
 * touches the file, so a refused file is left exactly as it was. */
static int check_header(const char *path, uint32_t *version, bool *wal_mode, char *errbuf)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return pm_err(errbuf, errno == EACCES ? PM_EPERM : PM_EIO, "cannot read %s: %s", path, strerror(errno));
    struct stat sb;
    uint8_t hdr[HEADER_LEN];
    ssize_t got = -1;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode))
        got = read(fd, hdr, sizeof hdr);
    close(fd);
    if (!S_ISREG(sb.st_mode))
        return pm_err(errbuf, PM_ECORRUPT, "%s is not a regular file", path);
    if (got < 0)
        return pm_err(errbuf, PM_EIO, "cannot read %s", path);
    if (got == 0)
        return pm_err(errbuf, PM_ECORRUPT, "%s is empty, not a pathmortem store", path);

    struct pm_cursor c;
    pm_cursor_init(&c, hdr, (size_t)got);
    uint8_t magic[16];
    if (pm_cursor_bytes(&c, magic, sizeof magic) || memcmp(magic, "SQLite format 3", 16))
        return pm_err(errbuf, PM_ECORRUPT, "%s is not an SQLite database (not a pathmortem store)", path);
    uint16_t psz16;
    uint8_t wver, rver;
    uint32_t counter, npages, valid_for, user_version, app_id;
    if (pm_cursor_be16(&c, &psz16) || pm_cursor_u8(&c, &wver) || pm_cursor_u8(&c, &rver) ||
        pm_cursor_skip(&c, 4) || pm_cursor_be32(&c, &counter) || pm_cursor_be32(&c, &npages) ||
        pm_cursor_skip(&c, 60 - 32) || pm_cursor_be32(&c, &user_version) || pm_cursor_skip(&c, 4) ||
        pm_cursor_be32(&c, &app_id) || pm_cursor_skip(&c, 92 - 72) || pm_cursor_be32(&c, &valid_for))
        return pm_err(errbuf, PM_ECORRUPT, "%s is truncated (incomplete SQLite header)", path);
    uint32_t psz = psz16 == 1 ? 65536u : psz16;
    if (psz < 512 || (psz & (psz - 1)) || wver < 1 || wver > 2 || rver < 1 || rver > 2)
        return pm_err(errbuf, PM_ECORRUPT, "%s has a corrupt SQLite header", path);
    /* While a writer checkpoints a WAL store, the main file grows page by
     * page under a header that already counts the new pages: its size says
     * nothing then. Size is checked only when no -wal file is beside it. */
    char wal[4096 + 8];
    snprintf(wal, sizeof wal, "%s-wal", path);
    struct stat wb;
    bool live_wal = wver == 2 && stat(wal, &wb) == 0;
    if (!live_wal && (uint64_t)sb.st_size % psz)
        return pm_err(errbuf, PM_ECORRUPT, "%s is truncated (size is not a whole number of pages)", path);
    if (!live_wal && counter == valid_for && npages && (uint64_t)sb.st_size < (uint64_t)npages * psz)
        return pm_err(errbuf, PM_ECORRUPT, "%s is truncated (%lld of %llu bytes)", path,
                      (long long)sb.st_size, (unsigned long long)npages * psz);
    if (app_id != PM_STORE_APP_ID)
        return pm_err(errbuf, PM_ECORRUPT, "%s is another application's SQLite database, not a pathmortem store; left untouched",
                      path);
    if (user_version > PM_STORE_SCHEMA_VERSION)
        return pm_err(errbuf, PM_ECORRUPT, "%s has schema version %u, newer than this pathmortem knows (%d); upgrade pathmortem",
                      path, user_version, PM_STORE_SCHEMA_VERSION);
    if (version)
        *version = user_version;
    if (wal_mode)
        *wal_mode = wver == 2;
    return PM_OK;
}

/* Every connection, before its first statement: waits for a writer instead
 * of failing at once, runs no trigger and no view or function a store could
 * carry (a planted trigger must not run), refuses writes to the schema. */
static void harden(sqlite3 *db, bool reader)
{
    sqlite3_busy_timeout(db, 5000);
    sqlite3_extended_result_codes(db, 1);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, (int *)NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, (int *)NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
    if (reader)
        sqlite3_exec(db, "PRAGMA query_only = 1", NULL, NULL, NULL);
}

/* Opens path as an immutable file (file: URI, the path percent-encoded
 * where URI syntax needs it): no lock, no -shm, no -wal, nothing created. */
static int open_immutable(const char *path, sqlite3 **db)
{
    char uri[3 * 4096 + 32] = "file:";
    size_t n = strlen(uri);
    for (const char *p = path; *p && n + 4 < sizeof uri - 16; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '%' || c == '?' || c == '#' || c < 0x21 || c > 0x7e)
            n += (size_t)snprintf(uri + n, sizeof uri - n, "%%%02X", c);
        else
            uri[n++] = (char)c;
    }
    snprintf(uri + n, sizeof uri - n, "?immutable=1");
    int rc = sqlite3_open_v2(uri, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOFOLLOW, NULL);
    if (rc == SQLITE_OK) {
        harden(*db, true);
        rc = sqlite3_exec(*db, "SELECT 1 FROM sqlite_master LIMIT 1", NULL, NULL, NULL);
    }
    return rc;
}

/* Opens read-only. A WAL store needs its -shm file; a reader that may not
 * create it (store directory not writable) can still read a store no writer
 * is using - no -wal file, so every page is in the main file - as an
 * immutable file. */
static int open_readonly(const char *path, sqlite3 **db)
{
    int rc = sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, NULL);
    if (rc == SQLITE_OK) {
        harden(*db, true);
        rc = sqlite3_exec(*db, "SELECT 1 FROM sqlite_master LIMIT 1", NULL, NULL, NULL);
    }
    if (rc == SQLITE_OK)
        return SQLITE_OK;
    int primary = rc & 0xff;
    char wal[4096 + 8];
    snprintf(wal, sizeof wal, "%s-wal", path);
    struct stat sb;
    if ((primary != SQLITE_CANTOPEN && primary != SQLITE_READONLY) || stat(wal, &sb) == 0)
        return rc;
    sqlite3_close(*db);
    *db = NULL;
    return open_immutable(path, db);
}

/* Confirms through a read-only connection (which never checkpoints or
 * migrates) that the meta marker and the schema version are ours. */
static int check_contents(const char *path, bool immutable, char *errbuf)
{
    struct pm_store probe = {0};
    snprintf(probe.path, sizeof probe.path, "%s", path);
    int rc = immutable ? open_immutable(path, &probe.db) : open_readonly(path, &probe.db);
    if (rc != SQLITE_OK) {
        rc = pm_store_sqlerr(&probe, rc, "open", errbuf);
        sqlite3_close(probe.db);
        return rc;
    }
    sqlite3_stmt *st = NULL;
    char app[32] = "";
    int64_t ver = -1;
    rc = sqlite3_prepare_v2(probe.db, "SELECT value FROM meta WHERE key = 'application'", -1, &st, NULL);
    if (rc != SQLITE_OK && !strstr(sqlite3_errmsg(probe.db), "no such table")) {
        /* not a verdict on the file: say what SQLite could not do */
        rc = pm_store_sqlerr(&probe, rc, "read", errbuf);
        sqlite3_close(probe.db);
        return rc;
    }
    if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        rc = pm_col_text(st, 0, false, app, sizeof app, errbuf);
    else
        rc = PM_ECORRUPT;
    sqlite3_finalize(st);
    if (rc == PM_OK && strcmp(app, "pathmortem"))
        rc = PM_ECORRUPT;
    if (rc == PM_OK) {
        rc = sqlite3_prepare_v2(probe.db, "PRAGMA user_version", -1, &st, NULL);
        if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
            rc = pm_col_i64(st, 0, 0, INT32_MAX, &ver, errbuf);
        else
            rc = PM_ECORRUPT;
        sqlite3_finalize(st);
    }
    sqlite3_close(probe.db);
    if (rc)
        return pm_err(errbuf, PM_ECORRUPT, "%s is not a pathmortem store (no application marker); left untouched", path);
    if (ver > PM_STORE_SCHEMA_VERSION)
        return pm_err(errbuf, PM_ECORRUPT, "%s has schema version %lld, newer than this pathmortem knows (%d); upgrade pathmortem",
                      path, (long long)ver, PM_STORE_SCHEMA_VERSION);
    return PM_OK;
}

static bool side_files(const char *path)
{
    static const char *const suffix[] = {"-wal", "-shm"};
    char p[4096 + 8];
    struct stat sb;
    for (size_t i = 0; i < 2; i++) {
        snprintf(p, sizeof p, "%s%s", path, suffix[i]);
        if (lstat(p, &sb) == 0 || errno != ENOENT)
            return true;
    }
    return false;
}

static bool same_file_state(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* A WAL store with neither -wal nor -shm beside it: an SQLite connection
 * would create both just to look inside (a read-only one cannot remove them
 * again), so a store refused for its contents would be left with two new
 * files. Its contents are judged first from an immutable read, which creates
 * nothing. No lock is taken then, so a refusal counts only if the file did
 * not change during the read and no writer appeared; otherwise the usual
 * checks judge it again. *checked: the contents were found good this way. */
static int precheck(const char *path, bool *checked, char *errbuf)
{
    *checked = false;
    struct stat a, b;
    if (side_files(path) || stat(path, &a) != 0)
        return PM_OK;
    int rc = check_contents(path, true, errbuf);
    bool stable = stat(path, &b) == 0 && same_file_state(&a, &b) && !side_files(path);
    if (!stable)
        return PM_OK;
    *checked = rc == PM_OK;
    return rc;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int r = fsync(fd);
    close(fd);
    return r;
}

static int configure(struct pm_store *s, char *errbuf)
{
    harden(s->db, !s->writable);
    int rc = pm_store_exec(s, "PRAGMA foreign_keys = ON", "enabling foreign keys", errbuf);
    if (!rc && s->writable)
        rc = pm_store_exec(s, "PRAGMA journal_mode = WAL", "switching to WAL", errbuf);
    /* FULL: a committed snapshot survives a power loss too. */
    if (!rc)
        rc = pm_store_exec(s, "PRAGMA synchronous = FULL", "setting synchronous", errbuf);
    return rc;
}

/* Builds a new store in a temp file beside path, then renames it into place:
 * a crash during creation leaves no half-made store behind. */
static int create_store(struct pm_store *s, char *errbuf)
{
    char tmp[4096 + 32];
    snprintf(tmp, sizeof tmp, "%s.new-%ld", s->path, (long)getpid());
    unlink(tmp);
    int rc = sqlite3_open_v2(tmp, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW, NULL);
    if (rc == SQLITE_OK)
        harden(s->db, false);
    if (rc != SQLITE_OK) {
        rc = pm_store_sqlerr(s, rc, "create", errbuf);
        goto fail;
    }
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA application_id = %d", (int)PM_STORE_APP_ID);
    rc = pm_store_exec(s, sql, "marking the store", errbuf);
    if (!rc)
        rc = pm_store_schema_apply(s, errbuf);
    if (!rc)
        rc = pm_store_exec(s, "PRAGMA journal_mode = WAL", "switching to WAL", errbuf);
    if (rc)
        goto fail;
    /* closing the last connection checkpoints and removes the -wal file */
    if (sqlite3_close(s->db) != SQLITE_OK) {
        s->db = NULL;
        rc = pm_err(errbuf, PM_EIO, "cannot finish creating %s", s->path);
        goto fail;
    }
    s->db = NULL;
    int fd = open(tmp, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        if (fd >= 0)
            close(fd);
        rc = pm_err(errbuf, PM_EIO, "cannot sync %s: %s", tmp, strerror(errno));
        goto fail;
    }
    close(fd);
    if (rename(tmp, s->path) != 0) {
        rc = pm_err(errbuf, PM_EIO, "cannot create %s: %s", s->path, strerror(errno));
        goto fail;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", s->path);
    fsync_dir(dirname(dir));
    return PM_OK;
fail:
    if (s->db)
        sqlite3_close(s->db);
    s->db = NULL;
    unlink(tmp);
    char aux[4096 + 48];
    snprintf(aux, sizeof aux, "%s-wal", tmp);
    unlink(aux);
    snprintf(aux, sizeof aux, "%s-shm", tmp);
    unlink(aux);
    return rc;
}

static int take_lock(struct pm_store *s, char *errbuf)
{
    char lp[4096 + 8];
    snprintf(lp, sizeof lp, "%s.lock", s->path);
    s->lock_fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (s->lock_fd < 0)
        return pm_err(errbuf, errno == EACCES ? PM_EPERM : PM_EIO, "cannot open lock file %s: %s", lp,
                      strerror(errno));
    if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(s->lock_fd);
        s->lock_fd = -1;
        if (e == EWOULDBLOCK)
            return pm_err(errbuf, PM_EBUSY, "another pathmortem run holds the lock on %s", s->path);
        return pm_err(errbuf, PM_EIO, "cannot lock %s: %s", lp, strerror(e));
    }
    return PM_OK;
}

/* Where a server store keeps what stays on the vantage (pcaps, spooled
 * snapshots) until pm_store_set_local_dir says otherwise. */
static void default_local_dir(char *out, size_t len)
{
    const char *e = getenv("PATHMORTEM_SPOOL");
    snprintf(out, len, "%s", e && *e ? e : PM_STORE_DEFAULT_SPOOL);
}

/* A server store: the connection, the schema check (never created here:
 * `store init` does that), then an empty in-memory working copy: each read
 * copies into it the rows it needs, filtered on the server, and then reads
 * it as it reads a file store. */
static int open_server(struct pm_store *s, const char *spec, char *errbuf)
{
    PGconn *c = NULL;
    int rc = pm_pg_connect(spec, &c, s->path, sizeof s->path, errbuf);
    s->pg = c;
    if (!rc)
        rc = pm_pg_check_schema(c, s->path, errbuf);
    if (rc)
        return rc;
    char local[4000];
    default_local_dir(local, sizeof local);
    snprintf(s->pcap_dir, sizeof s->pcap_dir, "%s/pcaps", local);
    /* best effort: a failure shows when a pcap is kept (snapshot sets the
     * directory it prepared with pm_store_set_local_dir) */
    if (s->writable && (mkdir(local, 0750) == 0 || errno == EEXIST))
        (void)mkdir(s->pcap_dir, 0750);
    rc = sqlite3_open_v2(":memory:", &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK)
        return pm_store_sqlerr(s, rc, "opening the working copy", errbuf);
    harden(s->db, false);
    rc = pm_store_exec(s, "PRAGMA foreign_keys = ON", "enabling foreign keys", errbuf);
    if (!rc)
        rc = pm_store_schema_apply(s, errbuf);
    /* no query_only for a reader: its working copy takes the rows each
     * read pulls (pg_read.c); every writing function checks s->writable */
    if (!rc)
        rc = pm_pg_start(s, errbuf);
    return rc;
}

int pm_store_set_local_dir(struct pm_store *s, const char *dir, char *errbuf)
{
    if (!s->pg)
        return PM_OK;
    int n = snprintf(s->pcap_dir, sizeof s->pcap_dir, "%s/pcaps", dir);
    if (n < 0 || (size_t)n >= sizeof s->pcap_dir)
        return pm_err(errbuf, PM_ELIMIT, "local directory path too long");
    if (s->writable && mkdir(s->pcap_dir, 0750) != 0 && errno != EEXIST)
        return pm_err(errbuf, errno == EACCES ? PM_EPERM : PM_EIO, "cannot create %s: %s", s->pcap_dir,
                      strerror(errno));
    return PM_OK;
}

bool pm_store_is_server_store(const struct pm_store *s) { return s->pg != NULL; }

bool pm_store_server_tcp(const struct pm_store *s, uint32_t *local, uint16_t *local_port, uint32_t *peer,
                         uint16_t *peer_port)
{
    int fd = s && s->pg ? PQsocket(s->pg) : -1;
    struct sockaddr_in l, r;
    socklen_t ll = sizeof l, rl = sizeof r;
    if (fd < 0 || getsockname(fd, (struct sockaddr *)&l, &ll) != 0 || getpeername(fd, (struct sockaddr *)&r, &rl) != 0 ||
        ll < sizeof l || rl < sizeof r || l.sin_family != AF_INET || r.sin_family != AF_INET)
        return false;
    *local = ntohl(l.sin_addr.s_addr);
    *local_port = ntohs(l.sin_port);
    *peer = ntohl(r.sin_addr.s_addr);
    *peer_port = ntohs(r.sin_port);
    return true;
}

int pm_store_init(const char *spec, int *from_version, char *shown, size_t shown_len, char *errbuf)
{
    *from_version = 0;
    if (!pm_store_is_server(spec)) {
        struct stat sb;
        bool existed = stat(spec, &sb) == 0;
        struct pm_store *s;
        int rc = pm_store_open(spec, PM_STORE_CREATE, &s, errbuf);
        if (!rc)
            snprintf(shown, shown_len, "%s", spec);
        *from_version = existed ? -1 : 0; /* an existing file store is migrated by opening it */
        pm_store_close(s);
        return rc;
    }
    PGconn *c;
    int rc = pm_pg_connect(spec, &c, shown, shown_len, errbuf);
    if (!rc)
        rc = pm_pg_init(c, shown, from_version, errbuf);
    PQfinish(c);
    return rc;
}

int pm_store_open(const char *path, int flags, struct pm_store **out, char *errbuf)
{
    *out = NULL;
    if (!path || !*path)
        return pm_err(errbuf, PM_EINVAL, "no store path given");
    if (strlen(path) >= 4000)
        return pm_err(errbuf, PM_EINVAL, "store path too long");
    struct pm_store *s = calloc(1, sizeof *s);
    if (!s)
        return pm_err(errbuf, PM_ENOMEM, "out of memory opening the store");
    s->lock_fd = -1;
    s->writable = (flags & (PM_STORE_WRITE | PM_STORE_CREATE)) != 0;
    int rc;
    if (pm_store_is_server(path)) {
        if ((rc = open_server(s, path, errbuf)))
            goto fail;
        *out = s;
        return PM_OK;
    }
    snprintf(s->path, sizeof s->path, "%s", path);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    snprintf(s->pcap_dir, sizeof s->pcap_dir, "%s/pcaps", dirname(dir));

    struct stat sb;
    bool exists = stat(path, &sb) == 0;
    if (!exists && errno != ENOENT) {
        rc = pm_err(errbuf, PM_EIO, "cannot reach %s: %s", path, strerror(errno));
        goto fail;
    }
    if (!exists && !(flags & PM_STORE_CREATE)) {
        rc = pm_err(errbuf, PM_ENOTFOUND, "no store at %s", path);
        goto fail;
    }
    uint32_t version = 0;
    bool wal_mode = false, checked = false;
    if (exists && (rc = check_header(path, &version, &wal_mode, errbuf)))
        goto fail;
    /* before the lock file: a refused store gets no file beside it */
    if (exists && wal_mode && (rc = precheck(path, &checked, errbuf)))
        goto fail;
    /* readers never write: an older store is upgraded by the next snapshot
     * (one transaction under the writer's lock), not by a reader racing it */
    if (exists && !s->writable && version < PM_STORE_SCHEMA_VERSION) {
        if (!checked && (rc = check_contents(path, false, errbuf)))
            goto fail; /* not ours at all says more than "older" */
        rc = pm_err(errbuf, PM_ECORRUPT,
                    "%s has schema version %u, older than this pathmortem's %d; the next snapshot upgrades it "
                    "(readers never write the store)", path, version, PM_STORE_SCHEMA_VERSION);
        goto fail;
    }
    if (!exists) {
        snprintf(dir, sizeof dir, "%s", path);
        const char *d = dirname(dir);
        if (mkdir(d, 0750) != 0 && errno != EEXIST) {
            rc = pm_err(errbuf, PM_EIO, "cannot create %s: %s", d, strerror(errno));
            goto fail;
        }
    }
    if (s->writable && (rc = take_lock(s, errbuf)))
        goto fail;
    /* under the lock: another creator may have finished meanwhile */
    exists = stat(path, &sb) == 0;
    if (exists) {
        /* immutable when no -wal: under the lock no writer can checkpoint into the file */
        if ((rc = check_header(path, NULL, NULL, errbuf)) ||
            ((s->writable || !checked) && (rc = check_contents(path, s->writable && !side_files(path), errbuf))))
            goto fail;
    } else if ((rc = create_store(s, errbuf))) {
        goto fail;
    }
    rc = s->writable ? sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL)
                     : open_readonly(path, &s->db);
    if (rc != SQLITE_OK) {
        rc = pm_store_sqlerr(s, rc, "open", errbuf);
        goto fail;
    }
    if ((rc = configure(s, errbuf)))
        goto fail;
    if (s->writable) {
        if ((rc = pm_store_schema_apply(s, errbuf)))
            goto fail;
        if (mkdir(s->pcap_dir, 0750) != 0 && errno != EEXIST) {
            rc = pm_err(errbuf, PM_EIO, "cannot create %s: %s", s->pcap_dir, strerror(errno));
            goto fail;
        }
    }
    *out = s;
    return PM_OK;
fail:
    pm_store_close(s);
    return rc;
}

void pm_store_close(struct pm_store *s)
{
    if (!s)
        return;
    if (s->db)
        sqlite3_close(s->db);
    if (s->pg)
        PQfinish(s->pg);
    if (s->lock_fd >= 0)
        close(s->lock_fd); /* releases the flock */
    free(s);
}

const char *pm_store_path(const struct pm_store *s) { return s->path; }
const char *pm_store_pcap_dir(const struct pm_store *s) { return s->pcap_dir; }

void pm_store_set_progress(struct pm_store *s, pm_store_progress_fn fn, void *ctx)
{
    s->progress = fn;
    s->progress_ctx = ctx;
}

const char *pm_store_default_path(void)
{
    const char *e = getenv("PATHMORTEM_STORE");
    return e && *e ? e : PM_STORE_DEFAULT_PATH;
}
