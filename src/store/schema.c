/* schema.c - the store's schema as a table of migrations, applied in one transaction. */
#include <stdio.h>

#include "store/internal.h"

/* migrations[i] takes a store from user_version i to i+1: SQL, then an
 * optional C step for what SQL cannot compute. Never edit a shipped entry:
 * append a new one and bump PM_STORE_SCHEMA_VERSION. */
struct migration {
    const char *sql;
    int (*after)(struct pm_store *s, char *errbuf);
};

static const struct migration migrations[] = {
    /* 0 -> 1 */
    {
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
    "INSERT INTO meta (key, value) VALUES ('application', 'pathmortem');"
    "CREATE TABLE snapshots ("
    "  id INTEGER PRIMARY KEY,"
    "  started_us INTEGER NOT NULL, ended_us INTEGER NOT NULL,"
    "  vantage TEXT NOT NULL, method TEXT NOT NULL, source INTEGER NOT NULL,"
    "  target_asn INTEGER NOT NULL,"
    "  params TEXT NOT NULL, databases TEXT NOT NULL,"
    "  pcap_path TEXT, pcap_sha256 TEXT,"
    "  exit_status INTEGER NOT NULL,"
    "  UNIQUE (started_us, vantage));"
    "CREATE INDEX snapshots_by_time ON snapshots (started_us);"
    "CREATE TABLE targets ("
    "  snapshot INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,"
    "  dst INTEGER NOT NULL, prefix24 INTEGER NOT NULL,"
    "  status TEXT NOT NULL, kind TEXT NOT NULL, stop TEXT NOT NULL,"
    "  last_addr INTEGER NOT NULL, last_ttl INTEGER NOT NULL, last_asn INTEGER NOT NULL,"
    "  dies_in_asn INTEGER NOT NULL, dies_in_name TEXT NOT NULL,"
    "  upstream_asn INTEGER NOT NULL, upstream_name TEXT NOT NULL,"
    "  confidence REAL NOT NULL, evidence TEXT NOT NULL,"
    "  PRIMARY KEY (snapshot, dst)) WITHOUT ROWID;"
    "CREATE INDEX targets_by_prefix ON targets (prefix24, snapshot);"
    "CREATE TABLE hops ("
    "  snapshot INTEGER NOT NULL, dst INTEGER NOT NULL,"
    "  ttl INTEGER NOT NULL, attempt INTEGER NOT NULL, from_addr INTEGER NOT NULL,"
    "  rtt_ms REAL NOT NULL, icmp_type INTEGER NOT NULL, icmp_code INTEGER NOT NULL,"
    "  kind INTEGER NOT NULL, reply_ttl INTEGER NOT NULL, quoted_ttl INTEGER NOT NULL,"
    "  asn INTEGER NOT NULL,"
    "  FOREIGN KEY (snapshot, dst) REFERENCES targets (snapshot, dst) ON DELETE CASCADE);"
    "CREATE INDEX hops_by_target ON hops (snapshot, dst, ttl, attempt);"
    "CREATE INDEX hops_by_router ON hops (from_addr);"
    /* prefix_rollups and upstream_rollups share their columns on purpose:
     * one roll-up shape under two keys. Migration text is frozen once
     * shipped, so the repetition stays (the duplicates scan pairs them). */
    "CREATE TABLE prefix_rollups ("
    "  snapshot INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,"
    "  key TEXT NOT NULL, prefix INTEGER NOT NULL, prefix_len INTEGER NOT NULL,"
    "  upstream_asn INTEGER NOT NULL, upstream_name TEXT NOT NULL,"
    "  total INTEGER NOT NULL, reached INTEGER NOT NULL,"
    "  died_same INTEGER NOT NULL, death_addr INTEGER NOT NULL,"
    "  death_ttl INTEGER NOT NULL, death_kind TEXT NOT NULL,"
    "  dies_in_asn INTEGER NOT NULL, dies_in_name TEXT NOT NULL,"
    "  PRIMARY KEY (snapshot, key)) WITHOUT ROWID;"
    "CREATE INDEX prefix_rollups_by_key ON prefix_rollups (key, snapshot);"
    "CREATE TABLE upstream_rollups ("
    "  snapshot INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,"
    "  key TEXT NOT NULL, prefix INTEGER NOT NULL, prefix_len INTEGER NOT NULL,"
    "  upstream_asn INTEGER NOT NULL, upstream_name TEXT NOT NULL,"
    "  total INTEGER NOT NULL, reached INTEGER NOT NULL,"
    "  died_same INTEGER NOT NULL, death_addr INTEGER NOT NULL,"
    "  death_ttl INTEGER NOT NULL, death_kind TEXT NOT NULL,"
    "  dies_in_asn INTEGER NOT NULL, dies_in_name TEXT NOT NULL,"
    "  PRIMARY KEY (snapshot, key)) WITHOUT ROWID;"
    "CREATE INDEX upstream_rollups_by_key ON upstream_rollups (key, snapshot);",
     NULL},
    /* 1 -> 2: hops keyed by probe without a rowid (half the size), no index
     * by router; per-snapshot states of each /24 and upstream so history
     * reads a few rows per snapshot instead of every target */
    {"CREATE TABLE hops2 ("
     "  snapshot INTEGER NOT NULL, dst INTEGER NOT NULL,"
     "  ttl INTEGER NOT NULL, attempt INTEGER NOT NULL, from_addr INTEGER NOT NULL,"
     "  rtt_ms REAL NOT NULL, icmp_type INTEGER NOT NULL, icmp_code INTEGER NOT NULL,"
     "  kind INTEGER NOT NULL, reply_ttl INTEGER NOT NULL, quoted_ttl INTEGER NOT NULL,"
     "  asn INTEGER NOT NULL,"
     "  PRIMARY KEY (snapshot, dst, ttl, attempt, from_addr),"
     "  FOREIGN KEY (snapshot, dst) REFERENCES targets (snapshot, dst) ON DELETE CASCADE) WITHOUT ROWID;"
     "INSERT OR IGNORE INTO hops2 SELECT snapshot, dst, ttl, attempt, from_addr, rtt_ms, icmp_type, icmp_code,"
     "  kind, reply_ttl, quoted_ttl, asn FROM hops;"
     "DROP TABLE hops;"
     "ALTER TABLE hops2 RENAME TO hops;"
     "CREATE TABLE prefix_states ("
     "  snapshot INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,"
     "  grp INTEGER NOT NULL, total INTEGER NOT NULL, reached INTEGER NOT NULL,"
     "  dies_in_asn INTEGER NOT NULL, dies_in_name TEXT NOT NULL,"
     "  upstream_asn INTEGER NOT NULL, upstream_name TEXT NOT NULL,"
     "  death_addr INTEGER NOT NULL, death_kind TEXT NOT NULL,"
     "  PRIMARY KEY (grp, snapshot)) WITHOUT ROWID;"
     "CREATE TABLE upstream_states ("
     "  snapshot INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,"
     "  grp INTEGER NOT NULL, total INTEGER NOT NULL, reached INTEGER NOT NULL,"
     "  dies_in_asn INTEGER NOT NULL, dies_in_name TEXT NOT NULL,"
     "  upstream_asn INTEGER NOT NULL, upstream_name TEXT NOT NULL,"
     "  death_addr INTEGER NOT NULL, death_kind TEXT NOT NULL,"
     "  PRIMARY KEY (grp, snapshot)) WITHOUT ROWID;",
     pm_store_states_backfill},
    /* 2 -> 3 (issue 9): how the run ended, so a run cut short is kept as a
     * partial snapshot and never read as an outage; per state the network
     * state and the counts it rests on ('' on older rows: history derives it
     * from reached as before) */
    {"ALTER TABLE snapshots ADD COLUMN run_end TEXT NOT NULL DEFAULT 'complete';"
     "ALTER TABLE prefix_states ADD COLUMN state TEXT NOT NULL DEFAULT '';"
     "ALTER TABLE prefix_states ADD COLUMN dark INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE prefix_states ADD COLUMN died INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE prefix_states ADD COLUMN not_probed INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE upstream_states ADD COLUMN state TEXT NOT NULL DEFAULT '';"
     "ALTER TABLE upstream_states ADD COLUMN dark INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE upstream_states ADD COLUMN died INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE upstream_states ADD COLUMN not_probed INTEGER NOT NULL DEFAULT 0;",
     NULL},
    /* 3 -> 4 (issue 14): a run's capture kept inside the store
     * (--pcap-to-store), gzip bytes and their sha256; the snapshot's
     * pcap_path then reads "store:" */
    {"CREATE TABLE pcaps ("
     "  snapshot INTEGER PRIMARY KEY REFERENCES snapshots (id) ON DELETE CASCADE,"
     "  sha256 TEXT NOT NULL, data BLOB NOT NULL);",
     NULL},
    /* 4 -> 5 (issue 15): the host names reverse DNS gave the run's hop
     * addresses, once per snapshot and address (a name is what the
     * resolver said then: it may change between snapshots); older
     * snapshots simply have none */
    {"CREATE TABLE names ("
     "  snapshot INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,"
     "  addr INTEGER NOT NULL, name TEXT NOT NULL,"
     "  PRIMARY KEY (snapshot, addr)) WITHOUT ROWID;",
     NULL},
};

_Static_assert(sizeof migrations / sizeof migrations[0] == PM_STORE_SCHEMA_VERSION,
               "one migration per schema version");

static int user_version(struct pm_store *s, int *out, char *errbuf)
{
    int64_t v;
    int rc =
        pm_store_query_i64(s, "PRAGMA user_version", NULL, 0, INT32_MAX, &v, "reading the schema version", errbuf);
    *out = (int)v;
    return rc;
}

int pm_store_schema_apply(struct pm_store *s, char *errbuf)
{
    int rc = pm_store_exec(s, "BEGIN IMMEDIATE", "starting the schema transaction", errbuf);
    if (rc)
        return rc;
    int v;
    rc = user_version(s, &v, errbuf);
    if (!rc && v > PM_STORE_SCHEMA_VERSION)
        rc = pm_err(errbuf, PM_ECORRUPT, "%s has schema version %d, newer than this pathmortem knows (%d)",
                    s->path, v, PM_STORE_SCHEMA_VERSION);
    for (; !rc && v < PM_STORE_SCHEMA_VERSION; v++) {
        rc = pm_store_exec(s, migrations[v].sql, "migrating the schema", errbuf);
        if (!rc && migrations[v].after)
            rc = migrations[v].after(s, errbuf);
        if (!rc) {
            char sql[64];
            snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
            rc = pm_store_exec(s, sql, "recording the schema version", errbuf);
        }
    }
    if (rc) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return pm_store_exec(s, "COMMIT", "committing the schema", errbuf);
}

const char *pm_store_migration_sql(int from_version)
{
    if (from_version < 0 || from_version >= PM_STORE_SCHEMA_VERSION)
        return NULL;
    return migrations[from_version].sql;
}
