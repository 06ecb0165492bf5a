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

/* Copies the server's snapshot rows and states into the local working copy
 * (one repeatable-read transaction, so a concurrent writer is either wholly
 * in or wholly out; the rest per snapshot when needed, pm_pg_need_*). The
 * rows then go through the same checked readers as a file store's. */
int pm_pg_pull(struct pm_store *s, char *errbuf);
/* The targets, hops and roll-ups of one snapshot, or of the snapshots
 * started in [since_us, until_us] (0: unbounded) of one vantage (NULL: all),
 * copied from the server unless the working copy has them. */
int pm_pg_need_snapshot(struct pm_store *s, int64_t id, char *errbuf);
int pm_pg_need_window(struct pm_store *s, uint64_t since_us, uint64_t until_us, const char *vantage, char *errbuf);
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
