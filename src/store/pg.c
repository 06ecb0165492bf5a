/* pg.c - the PostgreSQL backend's connection and schema: telling a server spec from a path, refusing passwords in it, `store init` under an advisory lock. */
#include <ctype.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "store/pg.h"

/* pg_migrations[i] takes a server database from schema version
 * pg_from[i] to pg_from[i] + pg_steps[i]. A new database gets the current
 * schema of the SQLite store in one step (it has no older history to keep);
 * a later version appends an entry here as schema.c appends one there. The
 * tables and columns are the SQLite store's, so the two backends read and
 * write the same rows (integers that hold addresses or ASNs are BIGINT:
 * they reach 2^32 - 1). */
static const struct {
    int from, to;
    const char *sql;
} pg_migrations[] = {
    {0, 3,
     "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
     "INSERT INTO meta (key, value) VALUES ('application', 'pathmortem');"
     "CREATE SEQUENCE snapshots_id_seq;"
     "CREATE TABLE snapshots ("
     "  id BIGINT PRIMARY KEY DEFAULT nextval('snapshots_id_seq'),"
     "  started_us BIGINT NOT NULL, ended_us BIGINT NOT NULL,"
     "  vantage TEXT NOT NULL, method TEXT NOT NULL, source BIGINT NOT NULL,"
     "  target_asn BIGINT NOT NULL, params TEXT NOT NULL, databases TEXT NOT NULL,"
     "  pcap_path TEXT, pcap_sha256 TEXT, exit_status INTEGER NOT NULL,"
     "  run_end TEXT NOT NULL DEFAULT 'complete',"
     "  UNIQUE (started_us, vantage));"
     "ALTER SEQUENCE snapshots_id_seq OWNED BY snapshots.id;"
     "CREATE INDEX snapshots_by_time ON snapshots (started_us);"
     "CREATE TABLE targets ("
     "  snapshot BIGINT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,"
     "  dst BIGINT NOT NULL, prefix24 BIGINT NOT NULL,"
     "  status TEXT NOT NULL, kind TEXT NOT NULL, stop TEXT NOT NULL,"
     "  last_addr BIGINT NOT NULL, last_ttl INTEGER NOT NULL, last_asn BIGINT NOT NULL,"
     "  dies_in_asn BIGINT NOT NULL, dies_in_name TEXT NOT NULL,"
     "  upstream_asn BIGINT NOT NULL, upstream_name TEXT NOT NULL,"
     "  confidence DOUBLE PRECISION NOT NULL, evidence TEXT NOT NULL,"
     "  PRIMARY KEY (snapshot, dst));"
     "CREATE INDEX targets_by_prefix ON targets (prefix24, snapshot);"
     "CREATE TABLE hops ("
     "  snapshot BIGINT NOT NULL, dst BIGINT NOT NULL,"
     "  ttl INTEGER NOT NULL, attempt INTEGER NOT NULL, from_addr BIGINT NOT NULL,"
     "  rtt_ms DOUBLE PRECISION NOT NULL, icmp_type INTEGER NOT NULL, icmp_code INTEGER NOT NULL,"
     "  kind INTEGER NOT NULL, reply_ttl INTEGER NOT NULL, quoted_ttl INTEGER NOT NULL,"
     "  asn BIGINT NOT NULL,"
     "  PRIMARY KEY (snapshot, dst, ttl, attempt, from_addr),"
     "  FOREIGN KEY (snapshot, dst) REFERENCES targets (snapshot, dst) ON DELETE CASCADE);"
     "CREATE TABLE prefix_rollups ("
     "  snapshot BIGINT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,"
     "  key TEXT NOT NULL, prefix BIGINT NOT NULL, prefix_len INTEGER NOT NULL,"
     "  upstream_asn BIGINT NOT NULL, upstream_name TEXT NOT NULL,"
     "  total BIGINT NOT NULL, reached BIGINT NOT NULL,"
     "  died_same BIGINT NOT NULL, death_addr BIGINT NOT NULL,"
     "  death_ttl INTEGER NOT NULL, death_kind TEXT NOT NULL,"
     "  dies_in_asn BIGINT NOT NULL, dies_in_name TEXT NOT NULL,"
     "  PRIMARY KEY (snapshot, key));"
     "CREATE INDEX prefix_rollups_by_key ON prefix_rollups (key, snapshot);"
     "CREATE TABLE upstream_rollups (LIKE prefix_rollups INCLUDING ALL,"
     "  FOREIGN KEY (snapshot) REFERENCES snapshots (id) ON DELETE CASCADE);"
     "CREATE TABLE prefix_states ("
     "  snapshot BIGINT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,"
     "  grp BIGINT NOT NULL, total BIGINT NOT NULL, reached BIGINT NOT NULL,"
     "  dies_in_asn BIGINT NOT NULL, dies_in_name TEXT NOT NULL,"
     "  upstream_asn BIGINT NOT NULL, upstream_name TEXT NOT NULL,"
     "  death_addr BIGINT NOT NULL, death_kind TEXT NOT NULL,"
     "  state TEXT NOT NULL DEFAULT '', dark BIGINT NOT NULL DEFAULT 0,"
     "  died BIGINT NOT NULL DEFAULT 0, not_probed BIGINT NOT NULL DEFAULT 0,"
     "  PRIMARY KEY (grp, snapshot));"
     "CREATE TABLE upstream_states (LIKE prefix_states INCLUDING ALL,"
     "  FOREIGN KEY (snapshot) REFERENCES snapshots (id) ON DELETE CASCADE);"
     "CREATE INDEX prefix_states_by_snapshot ON prefix_states (snapshot);"
     "CREATE INDEX upstream_states_by_snapshot ON upstream_states (snapshot);"
     "INSERT INTO meta (key, value) VALUES ('schema_version', '3');"},
    /* 3 -> 4: the SQLite store's pcaps table, and retention as two
     * functions the owner defines (SECURITY DEFINER): a role granted
     * EXECUTE (the writer, or a maintenance role) applies the retention
     * policy - old hops and old pcaps, of one vantage or all - without
     * UPDATE or DELETE on any table, so it can never remove a snapshot or
     * a verdict. Each takes the retention lock first: vantages finishing
     * together prune one after the other. */
    {3, 4,
     "CREATE TABLE pcaps ("
     "  snapshot BIGINT PRIMARY KEY REFERENCES snapshots (id) ON DELETE CASCADE,"
     "  sha256 TEXT NOT NULL, data BYTEA NOT NULL);"
     "CREATE FUNCTION pathmortem_retain_pcaps(p_vantage TEXT, keep_days INTEGER, keep_count INTEGER, now_us BIGINT)"
     " RETURNS SETOF TEXT LANGUAGE plpgsql SECURITY DEFINER AS $f$"
     " DECLARE cutoff BIGINT := CASE WHEN keep_days > 0 THEN now_us - keep_days::BIGINT * 86400000000 ELSE -1 END;"
     " BEGIN"
     "  PERFORM pg_advisory_xact_lock(1347244629);"
     "  RETURN QUERY WITH v AS ("
     "   SELECT s.id, s.pcap_path FROM snapshots s WHERE s.pcap_path IS NOT NULL"
     "    AND (p_vantage IS NULL OR s.vantage = p_vantage)"
     "    AND ((cutoff >= 0 AND s.started_us < cutoff) OR (keep_count > 0 AND s.id NOT IN ("
     "     SELECT k.id FROM snapshots k WHERE p_vantage IS NULL OR k.vantage = p_vantage"
     "     ORDER BY k.started_us DESC, k.id DESC LIMIT keep_count))) FOR UPDATE),"
     "   gone AS (DELETE FROM pcaps WHERE snapshot IN (SELECT id FROM v))"
     "   UPDATE snapshots u SET pcap_path = NULL, pcap_sha256 = NULL FROM v WHERE u.id = v.id RETURNING v.pcap_path;"
     " END $f$;"
     "CREATE FUNCTION pathmortem_retain_hops(p_vantage TEXT, keep_days INTEGER, now_us BIGINT)"
     " RETURNS BIGINT LANGUAGE plpgsql SECURITY DEFINER AS $f$"
     " DECLARE n BIGINT := 0;"
     " BEGIN"
     "  IF keep_days < 1 THEN RETURN 0; END IF;"
     "  PERFORM pg_advisory_xact_lock(1347244629);"
     "  DELETE FROM hops WHERE snapshot IN (SELECT id FROM snapshots WHERE started_us < now_us - keep_days::BIGINT"
     "   * 86400000000 AND (p_vantage IS NULL OR vantage = p_vantage));"
     "  GET DIAGNOSTICS n = ROW_COUNT;"
     "  RETURN n;"
     " END $f$;"
     /* functions are PUBLIC's to call by default: only granted roles may;
      * and a definer's function resolves names in its own schema, never a
      * caller's temp tables */
     "REVOKE ALL ON FUNCTION pathmortem_retain_pcaps(TEXT, INTEGER, INTEGER, BIGINT) FROM PUBLIC;"
     "REVOKE ALL ON FUNCTION pathmortem_retain_hops(TEXT, INTEGER, BIGINT) FROM PUBLIC;"
     "DO $d$ BEGIN"
     " EXECUTE format('ALTER FUNCTION pathmortem_retain_pcaps(TEXT, INTEGER, INTEGER, BIGINT)"
     " SET search_path = %I, pg_temp', current_schema());"
     " EXECUTE format('ALTER FUNCTION pathmortem_retain_hops(TEXT, INTEGER, BIGINT)"
     " SET search_path = %I, pg_temp', current_schema());"
     " END $d$;"
     "UPDATE meta SET value = '4' WHERE key = 'schema_version';"},
    /* 4 -> 5: the SQLite store's names table (hop names by reverse DNS) */
    {4, 5,
     "CREATE TABLE names ("
     "  snapshot BIGINT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,"
     "  addr BIGINT NOT NULL, name TEXT NOT NULL,"
     "  PRIMARY KEY (snapshot, addr));"
     "UPDATE meta SET value = '5' WHERE key = 'schema_version';"},
};

_Static_assert(sizeof pg_migrations / sizeof pg_migrations[0] == 3 && PM_STORE_SCHEMA_VERSION == 5,
               "a new SQLite schema version needs its PostgreSQL migration here");

bool pm_store_is_server(const char *spec)
{
    if (!spec)
        return false;
    if (!strncmp(spec, "postgresql://", 13) || !strncmp(spec, "postgres://", 11))
        return true;
    /* libpq keywords: "service=fleet", "host=/run/pg dbname=pm" */
    const char *p = spec;
    while (*p == '_' || islower((unsigned char)*p))
        p++;
    while (*p == ' ')
        p++;
    return p > spec && *p == '=';
}

/* The first line of libpq's message, without its trailing newline. */
static const char *first_line(const char *msg, char *buf, size_t len)
{
    snprintf(buf, len, "%s", msg ? msg : "");
    buf[strcspn(buf, "\n")] = '\0';
    return buf;
}

int pm_pg_err(PGconn *c, int code, const char *what, char *errbuf)
{
    char line[200];
    return pm_err(errbuf, code, "store server: %s: %s", what, first_line(PQerrorMessage(c), line, sizeof line));
}

int pm_pg_exec(PGconn *c, const char *sql, const char *what, char *errbuf)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    int rc = PM_OK;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        rc = pm_pg_err(c, PQstatus(c) != CONNECTION_OK ? PM_EIO
                          : state && !strncmp(state, "42501", 5) ? PM_EPERM
                          : state && !strncmp(state, "23505", 5) ? PM_EINVAL
                                                                  : PM_EIO,
                       what, errbuf);
    }
    PQclear(r);
    return rc;
}

/* A password on the command line is in every `ps` listing and shell
 * history: refused; libpq reads it from ~/.pgpass, PGPASSFILE or a service
 * file instead. */
static int check_spec(const char *spec, char *errbuf)
{
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(spec, &perr);
    if (!opts) {
        char line[160];
        int rc = pm_err(errbuf, PM_EINVAL, "bad PostgreSQL connection string: %s",
                        first_line(perr ? perr : "out of memory", line, sizeof line));
        PQfreemem(perr);
        return rc;
    }
    int rc = PM_OK;
    for (PQconninfoOption *o = opts; o->keyword; o++)
        if (!strcmp(o->keyword, "password") && o->val && *o->val)
            rc = pm_err(errbuf, PM_EINVAL, "the store's connection string holds a password: put it in ~/.pgpass, "
                                           "PGPASSFILE or a service file (pg_service.conf), never in --store");
    PQconninfoFree(opts);
    return rc;
}

int pm_pg_connect(const char *spec, PGconn **out, char *shown, size_t shown_len, char *errbuf)
{
    *out = NULL;
    int rc = check_spec(spec, errbuf);
    if (rc)
        return rc;
    const char *const keys[] = {"dbname", "fallback_application_name", "connect_timeout", NULL};
    const char *const vals[] = {spec, "pathmortem", "10", NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (!c)
        return pm_err(errbuf, PM_ENOMEM, "out of memory connecting to the store server");
    /* shown in messages and output: user, host and database, no secret */
    const char *host = PQhost(c);
    snprintf(shown, shown_len, "postgresql://%s@%s%s%s/%s", PQuser(c) ? PQuser(c) : "",
             host && host[0] == '/' ? "" : host ? host : "", host && host[0] == '/' ? "" : ":",
             host && host[0] == '/' ? "" : PQport(c) ? PQport(c) : "", PQdb(c) ? PQdb(c) : "");
    if (PQstatus(c) != CONNECTION_OK) {
        char line[200];
        rc = pm_err(errbuf, PM_EIO, "cannot reach the store server %s: %s", shown,
                    first_line(PQerrorMessage(c), line, sizeof line));
        PQfinish(c);
        return rc;
    }
    rc = pm_pg_exec(c, "SET client_min_messages = warning", "configuring the session", errbuf);
    if (rc) {
        PQfinish(c);
        return rc;
    }
    *out = c;
    return PM_OK;
}

/* The schema version the server database holds: 0 when it has no meta
 * table yet; PM_ECORRUPT when the meta table is another application's. */
static int server_version(PGconn *c, int *out, char *errbuf)
{
    *out = 0;
    PGresult *r = PQexec(c, "SELECT to_regclass('meta') IS NOT NULL");
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        PQclear(r);
        return pm_pg_err(c, PM_EIO, "reading the schema", errbuf);
    }
    bool has_meta = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    if (!has_meta)
        return PM_OK;
    r = PQexec(c, "SELECT (SELECT value FROM meta WHERE key = 'application'),"
                  " (SELECT value FROM meta WHERE key = 'schema_version')");
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        PQclear(r);
        return pm_pg_err(c, PM_EIO, "reading the schema version", errbuf);
    }
    int rc = PM_OK;
    char *end = NULL;
    long v = PQgetisnull(r, 0, 1) ? -1 : strtol(PQgetvalue(r, 0, 1), &end, 10);
    if (PQgetisnull(r, 0, 0) || strcmp(PQgetvalue(r, 0, 0), "pathmortem") || v < 1 || !end || *end || v > 1000000)
        rc = pm_err(errbuf, PM_ECORRUPT, "the server database's meta table is not a pathmortem store's; left untouched");
    else
        *out = (int)v;
    PQclear(r);
    return rc;
}

int pm_pg_check_schema(PGconn *c, const char *shown, char *errbuf)
{
    int v;
    int rc = server_version(c, &v, errbuf);
    if (rc)
        return rc;
    if (v == 0)
        return pm_err(errbuf, PM_ENOTFOUND, "%s holds no pathmortem store yet; create it with `pathmortem store init "
                                            "--store ...` (a snapshot never creates it)", shown);
    if (v > PM_STORE_SCHEMA_VERSION)
        return pm_err(errbuf, PM_ECORRUPT, "%s has schema version %d, newer than this pathmortem knows (%d); upgrade "
                                           "pathmortem", shown, v, PM_STORE_SCHEMA_VERSION);
    if (v < PM_STORE_SCHEMA_VERSION)
        return pm_err(errbuf, PM_ECORRUPT, "%s has schema version %d, older than this pathmortem's %d; run "
                                           "`pathmortem store init` to migrate it", shown, v, PM_STORE_SCHEMA_VERSION);
    return PM_OK;
}

int pm_pg_init(PGconn *c, const char *shown, int *from, char *errbuf)
{
    int rc = pm_pg_exec(c, "BEGIN", "starting the schema transaction", errbuf);
    /* the lock key is "PMRT" (PM_STORE_APP_ID): every pathmortem migrating
     * this database waits for the one before; then the version is read
     * again, since another init may have finished meanwhile */
    if (!rc)
        rc = pm_pg_exec(c, "SELECT pg_advisory_xact_lock(1347244628)", "waiting for the schema lock", errbuf);
    int v = 0;
    if (!rc)
        rc = server_version(c, &v, errbuf);
    *from = v;
    if (!rc && v > PM_STORE_SCHEMA_VERSION)
        rc = pm_err(errbuf, PM_ECORRUPT, "%s has schema version %d, newer than this pathmortem knows (%d)", shown, v,
                    PM_STORE_SCHEMA_VERSION);
    for (size_t i = 0; !rc && i < sizeof pg_migrations / sizeof pg_migrations[0]; i++) {
        if (pg_migrations[i].from != v)
            continue;
        rc = pm_pg_exec(c, pg_migrations[i].sql, "creating the schema", errbuf);
        v = pg_migrations[i].to;
    }
    if (!rc && v != PM_STORE_SCHEMA_VERSION)
        rc = pm_err(errbuf, PM_EUNSUPP, "%s: no migration from schema version %d", shown, v);
    if (!rc)
        return pm_pg_exec(c, "COMMIT", "committing the schema", errbuf);
    PQclear(PQexec(c, "ROLLBACK"));
    return rc;
}
