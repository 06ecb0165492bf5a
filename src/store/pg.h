/* pg.h - what the store's files share about the PostgreSQL backend: connecting, the schema, copying rows between the server and the local working copy. */
#ifndef PATHMORTEM_STORE_PG_H
#define PATHMORTEM_STORE_PG_H

#include <libpq-fe.h>
#include <stddef.h>

#include "store/internal.h"

/* Connects with spec handed to libpq whole (URI or keywords; PGSERVICE,
 * .pgpass and the TLS options are libpq's). A password in spec is refused.
 * shown gets user, host and database for messages (never a secret).
 * PM_EIO when the server cannot be reached. */
int pm_pg_connect(const char *spec, PGconn **out, char *shown, size_t shown_len, char *errbuf);
/* Runs sql; maps failures to PM_E* ("store server: what: message"). */
int pm_pg_exec(PGconn *c, const char *sql, const char *what, char *errbuf);
int pm_pg_err(PGconn *c, int code, const char *what, char *errbuf);
/* PM_OK when the database holds this pathmortem's schema version; else
 * why not (PM_ENOTFOUND: no store yet, run `store init`). */
int pm_pg_check_schema(PGconn *c, const char *shown, char *errbuf);
/* Creates or migrates the schema in one transaction under an advisory
 * lock; *from gets the version found (0: none). */
int pm_pg_init(PGconn *c, const char *shown, int *from, char *errbuf);

/* The working copy starts empty; each read copies, filtered by the
 * server (SQL WHERE on time, vantage and address range), only the rows it
 * reads, INSERT OR IGNORE (committed snapshots never change, so rows an
 * earlier read brought are the same). The rows then go through the same
 * checked readers as a file store's. s->pg_rows counts the rows copied. */
int pm_pg_start(struct pm_store *s, char *errbuf);
/* SELECT cols FROM table WHERE where (NULL: every row) on the server, into
 * the working copy's table of the same name. */
int pm_pg_pull_table(struct pm_store *s, const char *table, const char *where, char *errbuf);
/* The same for a whole SELECT of the local table's columns, in order. */
int pm_pg_pull_query(struct pm_store *s, const char *table, const char *query, char *errbuf);
/* One REPEATABLE READ server transaction (and a local savepoint) around
 * several pulls, so a concurrent writer's snapshot is wholly in or out;
 * end returns rc after committing (rc 0) or rolling back both. */
int pm_pg_read_begin(struct pm_store *s, char *errbuf);
int pm_pg_read_end(struct pm_store *s, int rc);
/* Snapshot id whole (row, targets, hops, roll-ups) unless the copy has it. */
int pm_pg_need_snapshot(struct pm_store *s, int64_t id, char *errbuf);
/* Empties the working copy (after retention changed server rows). */
int pm_pg_forget_all(struct pm_store *s, char *errbuf);
/* Drops snapshot id from the working copy (export: memory stays flat). */
int pm_pg_forget(struct pm_store *s, int64_t id, char *errbuf);
/* What a read of a window needs (PM_PG_*), filtered on the server to the
 * snapshots started in [since_us, until_us] (until 0: unbounded) of one
 * vantage (NULL: all) and, for prefix states and targets, to the /24s and
 * addresses in [lo, hi]. A scope already copied is not copied again. */
#define PM_PG_SNAPS 0x1   /* snapshots rows */
#define PM_PG_STATES 0x2  /* prefix_states (groups in [lo, hi]) and upstream_states */
#define PM_PG_TARGETS 0x4 /* targets in [lo, hi], without hops */
int pm_pg_need_scope(struct pm_store *s, unsigned what, uint64_t since_us, uint64_t until_us, const char *vantage,
                     uint32_t lo, uint32_t hi, char *errbuf);
/* The rows of the newest n snapshots (of vantage, NULL: all): `latest~N`. */
int pm_pg_need_newest(struct pm_store *s, int64_t n, const char *vantage, char *errbuf);
/* The row of snapshot id (if the server has it). */
int pm_pg_need_row(struct pm_store *s, int64_t id, char *errbuf);
/* The row of each vantage's newest snapshot (the Prometheus file). */
int pm_pg_need_latest_each(struct pm_store *s, char *errbuf);
/* COUNT(*) of the server's snapshots. */
int pm_pg_count(struct pm_store *s, int64_t *n, char *errbuf);
/* Router-ownership hints computed by the server (hints.c's rule in SQL):
 * one row per (router, target AS) into the temp table pm_hints (addr,
 * addr_asn, next_asn, n_snapshots, last_seen_us), read back by hints.c
 * through the checked readers. */
int pm_pg_owner_hints(struct pm_store *s, uint64_t since_us, uint32_t target_asn, const char *vantage, char *errbuf);
/* Notes that the working copy holds snapshot id whole (one it wrote itself). */
int pm_pg_mark_pulled(struct pm_store *s, int64_t id, char *errbuf);
/* A fresh snapshot id from the server's sequence. */
int pm_pg_next_id(struct pm_store *s, int64_t *id, char *errbuf);
/* Sends snapshot id's rows from the working copy in one server
 * transaction. PM_EINVAL when the server already holds a snapshot of the
 * same vantage and start time (the run id): a retry of a commit whose
 * answer was lost stores nothing twice. */
int pm_pg_push(struct pm_store *s, int64_t id, char *errbuf);

#endif
