/* store.h - the snapshot store (SQLite): save runs with their verdicts, read them back, history, diff, export/import, Prometheus. */
#ifndef PATHMORTEM_STORE_H
#define PATHMORTEM_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pathmortem/analyze.h"
#include "pathmortem/common.h"
#include "pathmortem/trace.h"

#define PM_STORE_DEFAULT_PATH "/var/lib/pathmortem/store.db"
#define PM_STORE_SCHEMA_VERSION 5
/* Where a server store keeps, on the vantage, the pcaps and the snapshots
 * the server could not take ($PATHMORTEM_SPOOL overrides; snapshot --spool). */
#define PM_STORE_DEFAULT_SPOOL "/var/lib/pathmortem/spool"
/* PRAGMA application_id of every pathmortem store ("PMRT"): lets a foreign
 * SQLite file be recognised from its header without opening it. */
#define PM_STORE_APP_ID 0x504d5254

/* Caps on what one stored snapshot may hold when read back (rows are untrusted). */
#define PM_STORE_MAX_TARGETS PM_TRACE_MAX_TARGETS
#define PM_STORE_MAX_HOPS (1u << 24)
#define PM_STORE_MAX_ROLLUPS 65536
#define PM_STORE_MAX_JSON (1u << 20)   /* params / databases / evidence text */
#define PM_STORE_MAX_SNAPSHOTS (1u << 22) /* per history/export query */
#define PM_STORE_MAX_PCAP (64u << 20)  /* one capture kept inside the store, compressed */
/* The pcap path of a snapshot whose capture is inside the store (the pcaps
 * table; --pcap-to-store), not a file. */
#define PM_STORE_PCAP_IN_STORE "store:"

/* pm_store_open flags. Without PM_STORE_WRITE the store is opened read-only
 * and no lock is taken (readers never block the writer: WAL). */
#define PM_STORE_WRITE 0x1    /* open read-write and take the writer lock */
#define PM_STORE_CREATE 0x2   /* create the store (and its pcap dir) if missing; implies WRITE */

/* The store a command uses when --store is not given: $PATHMORTEM_STORE if
 * set and not empty, else PM_STORE_DEFAULT_PATH. */
const char *pm_store_default_path(void);

struct pm_store; /* opaque: the SQLite handle, the lock file, paths */

/* Opens (or creates) the store at path. Before SQLite touches an existing
 * file its header is checked: not SQLite, truncated, another application's
 * database or a newer schema give PM_ECORRUPT and the file is left byte for
 * byte as it was. A writer takes flock(LOCK_EX|LOCK_NB) on "<path>.lock";
 * a second writer gets PM_EBUSY at once. Missing store without CREATE:
 * PM_ENOTFOUND. *out is owned by the caller (pm_store_close). */
int pm_store_open(const char *path, int flags, struct pm_store **out, char *errbuf);
void pm_store_close(struct pm_store *s);  /* accepts NULL; releases the lock */

/* Two backends behind one struct pm_store. A spec that starts with
 * postgresql:// or postgres://, or with a libpq keyword ("service=fleet",
 * "host=/run/pg dbname=pm"), names a PostgreSQL store; anything else is the
 * path of an SQLite file. libpq reads the spec whole: PGSERVICE, ~/.pgpass,
 * PGPASSFILE and the TLS options (sslmode, sslrootcert, ...) work as libpq
 * documents them; a password in the spec itself is refused (PM_EINVAL), as
 * it would sit in argv. A server store holds the same tables and schema
 * version as a file store; opening one copies its rows into an in-memory
 * working copy that every read below uses, and pm_store_insert sends each
 * snapshot to the server in one transaction (the working copy keeps it only
 * if the server committed). Opening a server database without the schema
 * fails with PM_ENOTFOUND: pm_store_init creates it, never a snapshot. */
bool pm_store_is_server(const char *spec);
bool pm_store_is_server_store(const struct pm_store *s);
/* Creates (or migrates, under an advisory lock, in one transaction) the
 * schema of the store spec names; *from_version: the version found (0:
 * none; -1: an existing file store). shown: the store without secrets. */
int pm_store_init(const char *spec, int *from_version, char *shown, size_t shown_len, char *errbuf);
/* Where a save finds the names of hop addresses: the output module's name
 * callback (pm_rdns_name_cb); NULL answers mean no name. */
typedef const char *(*pm_store_name_fn)(void *ctx, uint32_t addr);
/* Spool of a vantage whose store server cannot be reached: the snapshot of
 * run goes to dir as one JSON Lines file named by its run id (start time and
 * vantage), written whole or not at all, its pcap (pcap_fd >= 0) under
 * dir/pcaps, with the hop names names gives (NULL: none). written gets the
 * file's path. */
int pm_store_spool_write(const char *dir, const struct pm_run *run, const struct pm_analysis *analysis, int pcap_fd,
                         pm_store_name_fn names, void *names_ctx, char *written, size_t written_len, char *errbuf);
/* Sends every spooled snapshot in dir to s, oldest first, one transaction
 * each; a file is removed once the store holds its snapshot (already there
 * counts: nothing is stored twice). A file that cannot be read is renamed
 * *.bad and skipped; PM_EIO (the server went away again) stops with the
 * rest kept. *sent, *left: files sent and still spooled. */
int pm_store_spool_send(struct pm_store *s, const char *dir, uint32_t *sent, uint32_t *left, char *errbuf);
/* A server store's local directory (pcaps under DIR/pcaps); no-op for a file store. */
int pm_store_set_local_dir(struct pm_store *s, const char *dir, char *errbuf);
const char *pm_store_path(const struct pm_store *s);
/* A server store reached over TCP/IPv4: its connection's addresses and
 * ports (host order), which a sweep keeps out of its capture. false for a
 * file store, a Unix socket or IPv6 (the capture takes IPv4 only). */
bool pm_store_server_tcp(const struct pm_store *s, uint32_t *local, uint16_t *local_port, uint32_t *peer,
                         uint16_t *peer_port);

const char *pm_store_pcap_dir(const struct pm_store *s); /* "<dir of store>/pcaps" */

/* Called after each target row is written during a save (progress, and the
 * hook the crash test uses to kill the process between two inserts). */
typedef void (*pm_store_progress_fn)(void *ctx, uint32_t targets_done, uint32_t targets_total);
void pm_store_set_progress(struct pm_store *s, pm_store_progress_fn fn, void *ctx);

/* ---- a stored snapshot, as read back (store rows, not the live model) ---- */

struct pm_snap_hop {
    uint32_t dst;
    uint8_t ttl, attempt;
    uint32_t from;
    double rtt_ms;           /* < 0: unknown */
    uint8_t icmp_type, icmp_code, kind; /* kind: enum pm_reply_kind */
    uint8_t reply_ttl, quoted_ttl;
    uint32_t asn;            /* owner inferred by the analysis (0: unknown) */
};

struct pm_snap_target {
    uint32_t dst;
    uint8_t status;          /* enum pm_status */
    uint8_t kind;            /* enum pm_death */
    uint8_t stop;            /* enum pm_stop */
    uint32_t last_addr;
    uint8_t last_ttl;
    uint32_t last_asn;
    struct pm_as_ref dies_in, upstream;
    double confidence;
    char *evidence_json;     /* owned; a JSON array of strings */
    uint32_t first_hop, n_hops; /* slice of pm_snapshot.hops (sorted by dst, ttl, attempt) */
};

/* A hop address's host name, as reverse DNS gave it during the run (issue
 * 15; schema 5). Only addresses that had a valid name are listed. */
struct pm_snap_name {
    uint32_t addr;
    char name[PM_HOSTNAME_MAX + 1]; /* pm_hostname_valid */
};
#define PM_STORE_MAX_NAMES 65536u /* per snapshot (the resolver's cache holds no more) */

struct pm_snap_rollup {
    char key[48];            /* "175.45.176.0/24" or "AS4837" */
    uint32_t prefix;
    uint8_t prefix_len;
    struct pm_as_ref upstream;
    uint32_t total, reached;
    uint32_t died_same, death_addr;
    uint8_t death_ttl, death_kind;
    struct pm_as_ref dies_in;
};

struct pm_snapshot {
    int64_t id;
    uint64_t started_us, ended_us;
    char vantage[64];
    uint8_t method;          /* enum pm_method */
    uint32_t source;
    uint32_t target_asn;
    char *params_json;       /* owned; JSON object */
    char *databases_json;    /* owned; JSON array */
    char pcap_path[512];     /* "" when none (or pruned) */
    char pcap_sha256[65];
    int exit_status;         /* 0 no path died, 1 some died, 2 all died, 3 the run was cut short */
    uint8_t end;             /* enum pm_run_end: PM_RUN_COMPLETE, or what cut the run short (a partial snapshot) */
    uint32_t n_targets;
    struct pm_snap_target *targets;  /* owned, sorted by dst */
    uint32_t n_hops;
    struct pm_snap_hop *hops;        /* owned */
    uint32_t n_prefix;
    struct pm_snap_rollup *by_prefix; /* owned */
    uint32_t n_upstream;
    struct pm_snap_rollup *by_upstream; /* owned */
    uint32_t n_names;
    struct pm_snap_name *names;      /* owned, sorted by addr, no address twice */
};

/* The stored name of addr in snap, or NULL. */
const char *pm_snapshot_name(const struct pm_snapshot *snap, uint32_t addr);
/* The same in any array of n names sorted by addr. Inline, because output
 * (diff's names) uses the store's result structs but links no store code. */
static inline const char *pm_snap_names_find(const struct pm_snap_name *names, uint32_t n, uint32_t addr)
{
    if (!names || !n || !addr)
        return NULL;
    /* binary search on the address alone: the key needs no name buffer */
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (names[mid].addr < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && names[lo].addr == addr ? names[lo].name : NULL;
}

/* Fills snap->names with fn's names of its hop addresses (replacing what it
 * held); names that fail pm_hostname_valid are left out. */
int pm_snapshot_set_names(struct pm_snapshot *snap, pm_store_name_fn fn, void *ctx, char *errbuf);

void pm_snapshot_free(struct pm_snapshot *snap); /* accepts NULL */

/* Builds the stored form of a finished run and its analysis (nothing is
 * written). analysis may be NULL (then no verdicts: every target "died",
 * confidence 0). *out owned by the caller. */
int pm_snapshot_from_run(const struct pm_run *run, const struct pm_analysis *analysis,
                         struct pm_snapshot **out, char *errbuf);

/* Exit status a snapshot reports: 3 the run was cut short before every
 * target was probed (some are not-probed), else 0 no path
 * died (host-absent and rate-limited are not deaths), 1 some died while the
 * networks answered elsewhere, 2 all died (no targets: 2). Matches PM_EXIT_*
 * in src/cli/commands.h. */
int pm_snapshot_exit_status(const struct pm_snapshot *snap);

/* Saves one run in ONE transaction. If pcap_path is not NULL the capture is
 * copied gzip-compressed into the pcap dir (temp file, fsync, rename, dir
 * fsync) BEFORE the commit and its sha256 recorded; after a kill -9 or power
 * loss either the whole snapshot is there or none of it (at worst an
 * unreferenced .pcap.gz remains, removed by pm_store_prune). Needs WRITE. */
int pm_store_save_snapshot(struct pm_store *s, const struct pm_run *run,
                           const struct pm_analysis *analysis, const char *pcap_path,
                           int64_t *snapshot_id, char *errbuf);
/* Same, the capture read from pcap_fd (from offset 0, through a duplicate;
 * the descriptor stays the caller's): an unnamed capture file that root
 * created and the unprivileged writer may read but not open by name. */
int pm_store_save_snapshot_fd(struct pm_store *s, const struct pm_run *run, const struct pm_analysis *analysis,
                              int pcap_fd, int64_t *snapshot_id, char *errbuf);
/* From now on the saves above store the host names fn gives the run's hop
 * addresses (fn NULL: none). */
void pm_store_set_names(struct pm_store *s, pm_store_name_fn fn, void *ctx);

/* Makes the directory of the store at store_path ready for a run that
 * starts as root and drops to uid:gid, without opening any file inside it
 * by name: a missing directory is created 0750 and handed to uid:gid; one
 * already owned by uid (and writable by no one else) is used as it is; any
 * other owner or a group/world-writable directory is refused with the
 * command that fixes it (PM_EPERM). The directory's descriptor goes to
 * *dirfd (caller closes). */
int pm_store_prepare_dir(const char *store_path, unsigned uid, unsigned gid, int *dirfd, char *errbuf);
/* Opens (creating it 0750 if missing) the store's directory for a run that
 * does not change identity. */
int pm_store_open_dir(const char *store_path, int *dirfd, char *errbuf);
/* Removes capture temp files of runs that died (".capture-<pid>.pcap" of the
 * older layout, whose pid is gone) from the pcap dir. Returns how many. */
uint32_t pm_store_remove_stale(struct pm_store *s);

/* --pcap-to-store: from now on pm_store_save_snapshot_fd keeps the capture
 * inside the store (its pcaps table, gzip-compressed with its sha256, in
 * the snapshot's transaction; pcap_path reads PM_STORE_PCAP_IN_STORE)
 * instead of a file beside it. A capture that compresses to more than
 * PM_STORE_MAX_PCAP stays a file. Retention (pm_store_prune) removes
 * either kind. */
void pm_store_set_pcap_to_store(struct pm_store *s, bool on);
/* The capture of snapshot id kept inside the store: gzip bytes (malloc'd
 * into *out), checked against the sha256 stored with them and in the
 * snapshot's row. PM_ENOTFOUND when the snapshot has none in the store
 * (none kept, pruned, or a file: its path then goes to errbuf). */
int pm_store_pcap_fetch(struct pm_store *s, int64_t id, unsigned char **out, size_t *len, char *errbuf);

/* Inserts an already built snapshot (import uses it; pcap_path is kept as a
 * string, no file is copied). snap->id is ignored; the new id goes to *id.
 * PM_EINVAL if a snapshot with the same (started, vantage) exists. */
int pm_store_insert(struct pm_store *s, const struct pm_snapshot *snap, int64_t *id, char *errbuf);

/* Reads one snapshot with its targets, hops and roll-ups. PM_ENOTFOUND if absent. */
int pm_store_load(struct pm_store *s, int64_t id, struct pm_snapshot **out, char *errbuf);

/* Resolves "latest", "latest~N" or a decimal id to an existing snapshot id. */
int pm_store_resolve(struct pm_store *s, const char *ref, int64_t *id, char *errbuf);
/* The same, "latest" and "latest~N" counted among one vantage's snapshots (vantage NULL: all). */
int pm_store_resolve_vantage(struct pm_store *s, const char *ref, const char *vantage, int64_t *id, char *errbuf);

/* Ids of snapshots started in [since_us, until_us] (0 = unbounded), oldest
 * first. *ids malloc'd (caller frees); at most PM_STORE_MAX_SNAPSHOTS. */
int pm_store_list(struct pm_store *s, uint64_t since_us, uint64_t until_us,
                  int64_t **ids, size_t *n, char *errbuf);
/* The same for one vantage's snapshots (vantage NULL: all). */
int pm_store_list_vantage(struct pm_store *s, uint64_t since_us, uint64_t until_us, const char *vantage,
                          int64_t **ids, size_t *n, char *errbuf);

/* Retention of pcaps: removes the .pcap.gz of snapshots older than keep_days
 * (0: no age limit) and of all but the newest keep_count snapshots (0: no
 * count limit), clearing their pcap path (the snapshot rows stay), and
 * removes unreferenced .pcap.gz files left by an interrupted save. */
int pm_store_prune(struct pm_store *s, uint32_t keep_days, uint32_t keep_count,
                   uint64_t now_us, uint32_t *n_removed, char *errbuf);

/* The same for one vantage's snapshots (vantage NULL: every vantage's).
 * On a PostgreSQL store both run the owner's retention functions
 * (pathmortem_retain_pcaps, pathmortem_retain_hops: schema 4), which clear
 * old pcaps and hops without the caller holding UPDATE or DELETE, one pass
 * at a time under an advisory lock; a capture file among the cleared paths
 * is deleted when it lies in this store's local pcap directory. PM_EPERM
 * when the role may not execute them. */
int pm_store_prune_vantage(struct pm_store *s, const char *vantage, uint32_t keep_days, uint32_t keep_count,
                           uint64_t now_us, uint32_t *n_removed, char *errbuf);
int pm_store_prune_hops_vantage(struct pm_store *s, const char *vantage, uint32_t keep_days, uint64_t now_us,
                                uint64_t *n_removed, char *errbuf);

/* Retention of hop rows: deletes the hops of snapshots older than
 * keep_days (their verdicts, roll-ups and states stay, so history, diff of
 * verdicts and Prometheus are unaffected; export then carries no hops for
 * them). Freed pages are reused by later snapshots. *n_removed = rows. */
int pm_store_prune_hops(struct pm_store *s, uint32_t keep_days, uint64_t now_us, uint64_t *n_removed,
                        char *errbuf);

/* ---- history ---- */

/* The network states of issue 9: reached = reachable (its hosts or its routers
 * for dark addresses answer, no path dies), died = dead, partial (some paths
 * die, some reach it), unknown (nothing probed or answered: a run cut short,
 * never an outage). Names: "reached", "died", "partial", "unknown". */
enum pm_episode_state { PM_EPISODE_REACHED = 0, PM_EPISODE_DIED = 1, PM_EPISODE_PARTIAL = 2, PM_EPISODE_UNKNOWN = 3 };
const char *pm_episode_state_name(enum pm_episode_state s); /* in src/output/history.c */

/* Consecutive snapshots in which a /24 (or an upstream) was in the same state
 * - reachable, unknown, or dead / partial with the dying paths dying in the
 * same AS - form an episode. Only died and partial episodes are outages. */
struct pm_episode {
    char key[48];            /* "175.45.176.0/24" or "AS4837" */
    bool is_upstream;        /* key names an upstream roll-up */
    uint8_t state;           /* enum pm_episode_state */
    struct pm_as_ref dies_in;   /* died: dominant death AS (asn 0: unknown) */
    struct pm_as_ref upstream;  /* upstream in the episode's first snapshot */
    uint32_t death_addr;     /* died: dominant death point of the first snapshot */
    char *death_name;        /* its host name stored with that snapshot (schema 5), or NULL; owned */
    uint8_t death_kind;      /* enum pm_death */
    uint64_t start_us;       /* start of the episode's first snapshot */
    uint64_t end_us;         /* start of the next episode's first snapshot; 0 = ongoing */
    uint64_t last_us;        /* start of the episode's last snapshot */
    uint32_t snapshots;
    uint32_t reached, total; /* in the episode's last snapshot */
    uint32_t dark, died, not_probed; /* in the episode's last snapshot (issue 9) */
};

/* The routing lane (issue 13): consecutive snapshots taken with --mrt-dir
 * in which a /24 was announced (visible), or withdrawn, form a routing
 * episode; its first event is the control-plane change that opened it. */
struct pm_route_episode {
    char key[48];            /* "175.45.176.0/24" */
    bool announced;
    char first_change[32];   /* who changed first, in the episode's first snapshot (docs/analyze.md) */
    uint32_t first_change_as;
    uint64_t first_event_us; /* that change's time (for a withdrawal the first side lost, for an
                              * announcement the last change); 0: none seen after the RIB */
    char conclusion[32];     /* the joined conclusion in the episode's first snapshot */
    uint32_t ff_seen, ff_total; /* in its last snapshot */
    uint64_t start_us, end_us, last_us; /* as pm_episode's */
    uint32_t snapshots;
};

struct pm_history {
    size_t n;
    struct pm_episode *episodes;  /* owned; prefixes then upstreams, each by key then time */
    size_t n_routes;
    struct pm_route_episode *routes; /* owned; by key then time; only snapshots taken with --mrt-dir */
    uint64_t first_us, last_us;   /* span of the snapshots read */
    uint32_t n_snapshots;
};

#define PM_HISTORY_MAX_EPISODES (1u << 20)

/* Episodes over snapshots started in [since_us, until_us] (0 = unbounded);
 * prefix_filter (NULL: all) keeps /24s inside it ("175.45.176.0/22"). */
int pm_store_history(struct pm_store *s, uint64_t since_us, uint64_t until_us,
                     const char *prefix_filter, struct pm_history **out, char *errbuf);
/* The same for one vantage's snapshots only (vantage NULL: all, as above). */
int pm_store_history_vantage(struct pm_store *s, uint64_t since_us, uint64_t until_us, const char *prefix_filter,
                             const char *vantage, struct pm_history **out, char *errbuf);
/* The distinct vantages of snapshots started in [since_us, until_us], sorted;
 * *out malloc'd (caller frees). */
int pm_store_vantages(struct pm_store *s, uint64_t since_us, uint64_t until_us, char (**out)[64], size_t *n,
                      char *errbuf);
void pm_history_free(struct pm_history *h);

/* A /24 across vantages, from each vantage's latest snapshot in the window
 * (its ongoing episode): how many see it in each state, where the dying
 * paths die, since when. "Since 02:05 it dies in AS4837 from all four
 * vantages, reached from none." */
#define PM_ACROSS_DIES_MAX 4
struct pm_across_entry {
    char key[48];                    /* "175.45.176.0/24" */
    uint32_t vantages;               /* that saw it in their latest snapshot */
    uint32_t by_state[4];            /* enum pm_episode_state */
    uint64_t first_us, since_us;     /* dead or partial: the earliest and the latest start of those
                                        episodes (since_us: since when all of them see it so); 0 if none */
    uint32_t n_dies_in;
    struct {
        struct pm_as_ref as;
        uint32_t vantages;
    } dies_in[PM_ACROSS_DIES_MAX];   /* most vantages first (ties: lower ASN) */
};
struct pm_across {
    uint32_t n_vantages;
    size_t n;
    struct pm_across_entry *entries; /* owned; by key */
};
/* From the histories of n vantages (pm_store_history_vantage each). */
int pm_history_across(struct pm_history *const *per_vantage, size_t n, struct pm_across **out, char *errbuf);
void pm_across_free(struct pm_across *a);

/* Writers: pm_output_history in output.h (times typed by users: pm_parse_time in util.h). */


/* ---- diff ---- */

/* What changed for one target or /24 between snapshots A and B (bit set). */
#define PM_DIFF_STATUS 0x01      /* reached <-> died */
#define PM_DIFF_UPSTREAM 0x02    /* upstream AS switched */
#define PM_DIFF_DEATH 0x04       /* death point moved (addr, ttl or AS) */
#define PM_DIFF_HOPS 0x08        /* router addresses appeared or vanished */
#define PM_DIFF_ADDED 0x10       /* only in B */
#define PM_DIFF_REMOVED 0x20     /* only in A */
#define PM_DIFF_REACHED_COUNT 0x40 /* /24: number of reached targets changed */

#define PM_DIFF_ADDRS_MAX 16     /* hop addresses listed per side */

struct pm_diff_entry {
    char key[48];            /* target address, "a.b.c.0/24" or "AS4837" */
    bool is_prefix;
    bool is_upstream;        /* key is an upstream AS: a_reached/a_total... count its targets */
    uint32_t changes;        /* PM_DIFF_* */
    struct pm_snap_target a, b; /* verdict fields (evidence_json NULL); zeroed if absent */
    uint32_t a_reached, a_total, b_reached, b_total; /* prefixes */
    uint8_t a_state, b_state;  /* prefixes: enum pm_net_state (issue 9) */
    uint32_t n_appeared, n_vanished;
    uint32_t appeared[PM_DIFF_ADDRS_MAX], vanished[PM_DIFF_ADDRS_MAX];
};

struct pm_diff {
    int64_t a_id, b_id;
    uint64_t a_started_us, b_started_us;
    size_t n;
    struct pm_diff_entry *entries; /* owned; only entries with changes; prefixes, upstreams, then targets */
    uint32_t unchanged_targets;
    uint32_t unlisted_targets;     /* changed targets a filter left out (pm_diff_filter) */
    uint32_t a_n_names, b_n_names; /* each snapshot's stored host names (schema 5), sorted by addr */
    struct pm_snap_name *a_names, *b_names; /* owned */
};

int pm_store_diff(const struct pm_snapshot *a, const struct pm_snapshot *b,
                  struct pm_diff **out, char *errbuf);
void pm_diff_free(struct pm_diff *d);
/* Keeps what `diff` shows: with prefix_len 0 (no --prefix) the summary, the
 * /24 and upstream entries; with a prefix, the /24 and target entries inside
 * it (upstreams only with summary). Targets left out are counted in
 * d->unlisted_targets. */
void pm_diff_filter(struct pm_diff *d, uint32_t prefix, uint8_t prefix_len, bool summary);
/* Writers: pm_output_diff in output.h. */

/* ---- export / import (JSON Lines, schema "pathmortem-snapshot/1") ---- */

/* One line (no newline) for a snapshot; malloc'd string, caller frees. */
char *pm_snapshot_to_jsonl(const struct pm_snapshot *snap, char *errbuf);
/* Strictly validates and converts one line. *out owned by the caller. */
int pm_snapshot_from_jsonl(const char *line, size_t len, struct pm_snapshot **out, char *errbuf);

/* Writes every snapshot started in [since_us, until_us] to f, one per line. */
int pm_store_export(struct pm_store *s, FILE *f, uint64_t since_us, uint64_t until_us,
                    size_t *n_written, char *errbuf);
/* The same for one vantage's snapshots (vantage NULL: all). */
int pm_store_export_vantage(struct pm_store *s, FILE *f, uint64_t since_us, uint64_t until_us, const char *vantage,
                            size_t *n_written, char *errbuf);

struct pm_import_stats {
    size_t lines, imported, duplicates;
};
/* Reads JSON Lines from f: each snapshot validated and stored in its own
 * transaction; a snapshot already there (same started and vantage) is
 * skipped and counted. A bad line stops the import with "line N: ..." in
 * errbuf (PM_EINVAL). A seekable f is validated whole before anything is
 * stored, so then nothing at all is imported; from a pipe the lines before
 * the bad one stay imported. Never part of a snapshot.
 * Lines are capped at PM_STORE_MAX_LINE bytes. */
#define PM_STORE_MAX_LINE (256u << 20)
int pm_store_import(struct pm_store *s, FILE *f, struct pm_import_stats *st, char *errbuf);
/* Validates a seekable f as pm_store_import would, storing nothing (so a bad
 * file can be refused before a store is created), and rewinds it.
 * PM_EUNSUPP when f is not seekable. */
int pm_store_import_check(FILE *f, struct pm_import_stats *st, char *errbuf);

/* ---- Prometheus textfile collector ---- */

/* Writes metrics of the latest snapshot to path atomically (temp file in the
 * same dir, fsync, rename): reachability per prefix and per upstream,
 * where they die, the snapshot's timestamp, age (at now_us) and duration.
 * No snapshot yet: only pathmortem_store_snapshots 0. */
int pm_store_prom_write(struct pm_store *s, const char *path, uint64_t now_us, char *errbuf);

/* ---- history as evidence for the analyzer ---- */

/* A router address that, on a path that reached its target, was directly
 * followed (next responding hop) by an address of the target AS: evidence
 * that it is the border router seen from the upstream side, or the target's
 * own border numbered from the upstream's space. */
struct pm_owner_hint {
    uint32_t addr;           /* the router */
    uint32_t addr_asn;       /* what the analysis then mapped/inferred it to */
    uint32_t next_asn;       /* the target AS that followed it */
    uint32_t n_snapshots;    /* snapshots in which this was seen */
    uint64_t last_seen_us;
};
#define PM_OWNER_HINTS_MAX 65536

/* Hints from snapshots started at or after since_us, sorted by addr.
 * target_asn 0: each snapshot's own target AS. *out malloc'd (caller frees). */
int pm_store_owner_hints(struct pm_store *s, uint64_t since_us, uint32_t target_asn,
                         struct pm_owner_hint **out, size_t *n, char *errbuf);

/* The same hints in the analyzer's input form (pm_analyze_opts.history):
 * followed_by_target true, owner_asn the owner inferred when last seen.
 * *out malloc'd (caller frees), at most PM_OWNER_HINTS_MAX entries. */
int pm_store_history_facts(struct pm_store *s, uint64_t since_us, uint32_t target_asn,
                           struct pm_history_fact **out, uint32_t *n, char *errbuf);

#endif
