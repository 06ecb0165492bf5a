/* internal.h - what the store's own files share: the store struct, SQLite helpers, checked row readers, enum names on disk. */
#ifndef PATHMORTEM_STORE_INTERNAL_H
#define PATHMORTEM_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "pathmortem/store.h"

struct pg_conn; /* libpq's PGconn */

/* A window a server store's working copy already holds (pg_read.c). */
struct pm_pg_scope {
    unsigned what;           /* PM_PG_* */
    uint64_t since, until;   /* until 0: unbounded */
    bool all;                /* every vantage, else vantage */
    char vantage[64];
    uint32_t lo, hi;
};
#define PM_PG_SCOPES 16

struct pm_store {
    sqlite3 *db;                 /* the file store, or a server store's working copy in memory */
    struct pg_conn *pg;          /* a server store's connection; NULL for a file store */
    uint64_t pg_rows;            /* rows copied from the server into the working copy */
    struct pm_pg_scope pg_scopes[PM_PG_SCOPES];
    size_t pg_n_scopes;
    bool pcap_to_store;          /* captures go into the store's pcaps table */
    bool writable;
    int lock_fd;                 /* -1 when read-only */
    char path[4096];             /* file path, or the server shown without secrets */
    char pcap_dir[4096];
    pm_store_progress_fn progress;
    void *progress_ctx;
    pm_store_name_fn name_fn;    /* hop names a save stores (pm_store_set_names) */
    void *name_ctx;
};

/* Each query keeps its own prepare/bind/step lines (history.c span,
 * load.c read_meta, prune.c, hints.c, ...): the SQL, the bound values and
 * the checked columns differ, so a duplicates scan pairs them by shape
 * only. Queries that really are the same go through pm_store_query_i64
 * and pm_store_window_i64 below. */

/* The message (with PM_EINVAL) of a snapshot whose run id - its vantage and
 * start time - is stored already: a retry, a spooled copy of a snapshot
 * that did arrive, an import's duplicate. Both backends give it. */
#define PM_STORE_DUP_MSG "a snapshot started at the same time from the same vantage is already stored"
#define PM_STORE_IS_DUP(rc, err) ((rc) == PM_EINVAL && strstr((err), PM_STORE_DUP_MSG) != NULL)

/* Runs SQL without results; on failure formats "what: sqlite message". */
int pm_store_exec(struct pm_store *s, const char *sql, const char *what, char *errbuf);
/* Prepares a statement; maps failures to PM_E* with the SQLite message. */
int pm_store_prepare(struct pm_store *s, const char *sql, sqlite3_stmt **st, char *errbuf);
/* The integer in the first column of the one row sql gives (arg, when not
 * NULL, bound to its one parameter), checked to lie in [lo, hi]; *out is 0
 * on failure. what names the query in the error. */
int pm_store_query_i64(struct pm_store *s, const char *sql, const int64_t *arg, int64_t lo, int64_t hi, int64_t *out,
                       const char *what, char *errbuf);
/* Column 0 of every row sql gives for snapshots started in [since_us,
 * until_us] (until 0: unbounded; bound to its parameters 1 and 2; text3,
 * when not NULL, to parameter 3, else it stays NULL), each checked to lie in
 * [lo, INT64_MAX], at most PM_STORE_MAX_SNAPSHOTS rows. *out malloc'd
 * (caller frees; NULL and 0 on failure). */
int pm_store_window_i64(struct pm_store *s, const char *sql, uint64_t since_us, uint64_t until_us, const char *text3,
                        int64_t lo, int64_t **out, size_t *n, const char *what, char *errbuf);
/* Maps an SQLite result code to PM_E* and formats errbuf. */
int pm_store_sqlerr(struct pm_store *s, int rc, const char *what, char *errbuf);

/* Checked readers of untrusted columns: type and range are verified, strings
 * are length-bounded. Return PM_OK or PM_ECORRUPT (errbuf names the column). */
int pm_col_i64(sqlite3_stmt *st, int col, int64_t lo, int64_t hi, int64_t *out, char *errbuf);
int pm_col_u32(sqlite3_stmt *st, int col, uint32_t *out, char *errbuf);
int pm_col_u8(sqlite3_stmt *st, int col, uint8_t hi, uint8_t *out, char *errbuf);
int pm_col_double(sqlite3_stmt *st, int col, double *out, char *errbuf);
/* Text into a fixed buffer; NULL reads as "" when null_ok. Too long: PM_ECORRUPT. */
int pm_col_text(sqlite3_stmt *st, int col, bool null_ok, char *buf, size_t len, char *errbuf);
/* Text duplicated with malloc (capped at PM_STORE_MAX_JSON); NULL -> NULL when null_ok. */
int pm_col_strdup(sqlite3_stmt *st, int col, bool null_ok, char **out, char *errbuf);

/* Names used in the database and in JSON Lines: the modules' one spelling
 * (pm_death_name, pm_stop_name, ...), held fixed on disk by
 * tests/unit/test_store_names.c. Parse returns PM_EINVAL for unknown names. */
const char *pm_store_status_name(uint8_t status);
int pm_store_status_parse(const char *s, uint8_t *out);
const char *pm_store_death_name(uint8_t kind);
int pm_store_death_parse(const char *s, uint8_t *out);
const char *pm_store_stop_name(uint8_t stop);
int pm_store_stop_parse(const char *s, uint8_t *out);
const char *pm_store_method_name(uint8_t m);
int pm_store_method_parse(const char *s, uint8_t *out);

/* Schema: creates or migrates to PM_STORE_SCHEMA_VERSION inside a transaction. */
int pm_store_schema_apply(struct pm_store *s, char *errbuf);

/* The SQL of the migration from from_version to from_version + 1 (tests build old stores with it). */
const char *pm_store_migration_sql(int from_version);

/* sha256 of a file, as 64 lowercase hex digits. */
int pm_store_sha256_file(const char *path, char hex[65], char *errbuf);
/* Copies src gzip-compressed to "<stem>.pcap.gz" (or "<stem>-N.pcap.gz" if
 * taken; the name goes to dst) via a temp file, fsync, link and dir fsync,
 * and returns the sha256 of the compressed file. */
int pm_store_pcap_copy(const char *src, const char *stem, char *dst, size_t dst_len, char sha_hex[65],
                       char *errbuf);
/* pm_store_insert with the capture's gzip bytes (gz NULL: none) into the
 * pcaps table in the same transaction; snap->pcap_path should then read
 * PM_STORE_PCAP_IN_STORE and pcap_sha256 be their sha256. */
int pm_store_insert_pcap(struct pm_store *s, const struct pm_snapshot *snap, const unsigned char *gz, size_t gz_len,
                         int64_t *id, char *errbuf);
/* Compresses the capture behind src_fd (from offset 0, through a
 * duplicate) into memory, for the pcaps table (--pcap-to-store): *out
 * malloc'd, at most PM_STORE_MAX_PCAP bytes (PM_ELIMIT past it). */
int pm_store_pcap_gzip_fd(int src_fd, unsigned char **out, size_t *out_len, char sha_hex[65], char *errbuf);
/* Same, from an open descriptor (read from offset 0 through a duplicate). */
int pm_store_pcap_copy_fd(int src_fd, const char *stem, char *dst, size_t dst_len, char sha_hex[65],
                          char *errbuf);

/* Summary of one /24 in one snapshot, recomputed from its targets (n >= 1,
 * all in the same /24): counts, most frequent known upstream, and among the
 * died targets the most frequent death AS. */
struct pm_p24 {
    uint32_t prefix, total, reached;
    struct pm_as_ref upstream, dies_in;  /* dies_in: dominant blame of the dying paths */
    uint32_t dark, died, not_probed;     /* issue 9: host-absent, dead paths, not probed */
    uint8_t state;                       /* enum pm_net_state */
};
void pm_store_summarise_24(const struct pm_snap_target *t, uint32_t n, struct pm_p24 *p);

/* The state of one group (a /24, or an upstream AS) in one snapshot. */
struct pm_group_state {
    uint32_t group;          /* /24 base address, or upstream ASN */
    int64_t snap;
    uint64_t started_us;
    uint32_t total, reached;
    struct pm_as_ref dies_in, upstream;
    uint32_t death_addr;
    uint8_t death_kind;
    /* issue 9: the network state (enum pm_net_state) and its counts */
    uint8_t state;
    uint32_t dark, died, not_probed;
};
typedef int (*pm_state_fn)(void *ctx, const struct pm_group_state *st, char *errbuf);

/* Aggregates target rows into group states, ordered by group then time:
 * one snapshot (snapshot_id > 0) or a window, a dst range [lo, hi] and a
 * vantage (NULL: every vantage). */
int pm_store_aggregate(struct pm_store *s, bool upstream, int64_t snapshot_id, uint64_t since, uint64_t until,
                       uint32_t lo, uint32_t hi, const char *vantage, pm_state_fn fn, void *ctx, char *errbuf);
/* pm_store_vantages over the rows at hand (a server store's working copy
 * as it is: the Prometheus file has each vantage's newest row there). */
int pm_store_vantages_local(struct pm_store *s, uint64_t since_us, uint64_t until_us, char (**out)[64], size_t *n,
                            char *errbuf);
/* Stores the states of one snapshot (part of its save transaction). */
int pm_store_states_write(struct pm_store *s, int64_t id, char *errbuf);
/* Migration hook: states for every stored snapshot. */
int pm_store_states_backfill(struct pm_store *s, char *errbuf);
/* Reads stored states in a window (prefix groups within [lo, hi]; one vantage
 * or NULL for all), ordered by group then time. */
/* The routing lane of h (history_routes.c): routing episodes of the /24s in
 * [lo, hi] from the snapshots started in [since, until] (of vantage, NULL:
 * all) that carry a control plane. */
int pm_store_route_episodes(struct pm_store *s, struct pm_history *h, uint64_t since, uint64_t until, uint32_t lo,
                            uint32_t hi, const char *vantage, char *errbuf);
int pm_store_states_read(struct pm_store *s, bool upstream, uint64_t since, uint64_t until, uint32_t lo,
                         uint32_t hi, const char *vantage, pm_state_fn fn, void *ctx, char *errbuf);

/* Host names (snap_names.c, schema 5). Appends addr's name to snap->names
 * (*cap: its capacity), for a reader that sorts them after with
 * pm_snapshot_names_sort (which refuses two names for one address). */
int pm_snapshot_add_name(struct pm_snapshot *snap, uint32_t addr, const char *name, size_t *cap, char *errbuf);
int pm_snapshot_names_sort(struct pm_snapshot *snap, char *errbuf);
/* A malloc'd copy of snap's names (PM_ENOMEM). */
int pm_snap_names_copy(const struct pm_snapshot *snap, struct pm_snap_name **out, uint32_t *n);
/* The names rows of snapshot id: written in its save transaction, read back checked. */
int pm_store_names_write(struct pm_store *s, int64_t id, const struct pm_snapshot *snap, char *errbuf);
int pm_store_names_read(struct pm_store *s, int64_t id, struct pm_snapshot *snap, char *errbuf);
/* A column holding a host name, or NULL ("" then): checked with pm_hostname_valid. */
int pm_col_hostname(sqlite3_stmt *st, int col, char *out, size_t len, char *errbuf);


#endif
