/* sweep.h - what `trace` and `snapshot` share: their options, the privileged open, the sweep, the analysis. */
#ifndef PATHMORTEM_CLI_SWEEP_H
#define PATHMORTEM_CLI_SWEEP_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "pathmortem/analyze.h"
#include "pathmortem/geo.h"
#include "pathmortem/input.h"
#include "pathmortem/output.h"
#include "pathmortem/peers.h"
#include "pathmortem/probe.h"
#include "pathmortem/rdns.h"
#include "cli/outfiles.h"

struct pm_cli_sweep {
    const char *cmd;           /* "trace" or "snapshot", for messages */
    bool was_root;             /* started as root (privileges change identity) */
    struct pm_engine_opts eng;
    enum pm_format format;
    const char *output;        /* -o FILE (NULL: stdout) */
    const char *asn_db, *geo_db;
    const char *user;          /* --user */
    const char *presets_file;
    bool allow_large;
    bool no_pcap;
    bool store_client;         /* after the drop, a store server is reached (new sockets allowed) */
    bool exclude_tcp;          /* after_drop set: a TCP connection kept out of the capture (the store's) */
    uint32_t ex_local, ex_peer;
    uint16_t ex_local_port, ex_peer_port;
    bool verbose;
    int color;                 /* -1 auto, 0 never, 1 always */
    bool compare_methods;
    const char *mrt_dir;       /* --mrt-dir: both planes from the MRT files there (NULL: none) */
    int mrt_status;            /* the exit status of reading them (0: read, or not asked) */
    bool resolve;              /* reverse DNS of hop addresses after the run (trace without -n) */
    bool given_queries;        /* -q given (watch picks its own default otherwise) */
    char pcap_default[96];     /* generated name when -w is not given */
    /* targets as given; read by the unprivileged child (sweep_targets.c) */
    char **target_args;
    int n_target_args;
    const char *target_files[16];
    int n_target_files;
    struct pm_presets presets;
    struct pm_targets targets;
    struct pm_preset preset;   /* the child's targets.preset, copied */
    uint32_t *addrs;
    uint32_t n_addrs;
    /* output files: temp names, renamed into place when complete */
    struct pm_cli_outfiles files;
    int capture_dirfd;         /* >= 0: capture into an unnamed file there instead of -w (snapshot) */
    int capture_fd;            /* the capture, readable again after the run (-1: none) */
    /* called while still privileged, after the outputs are open (snapshot hands over its directory) */
    int (*before_drop)(void *ctx, struct pm_cli_sweep *s);
    /* called once privileges are dropped, before sweeping (snapshot reads its history there) */
    int (*after_drop)(void *ctx, struct pm_cli_sweep *s);
    void *after_drop_ctx;
    /* when set, runs instead of the one sweep and its analysis, on the same
     * engine, unprivileged and filtered, with the databases open (watch:
     * cycles of sweeps); 0 or an exit status. Its ctx is after_drop_ctx. */
    int (*sweep_fn)(void *ctx, struct pm_cli_sweep *s, struct pm_engine *eng);
    const struct pm_history_fact *history;   /* extra ownership evidence (borrowed) */
    uint32_t n_history;
    /* after the run */
    struct pm_run *run;
    struct pm_geo *geo;
    struct pm_analysis *analysis;
    struct pm_rdns *rdns;      /* hop names, NULL when not resolved */
    struct pm_output_names names;
    FILE *out;
};

/* Extra options a subcommand adds: its handler returns 0, or an exit status. */
typedef int (*pm_cli_extra_fn)(void *ctx, int opt, const char *arg);

/* Parses the trace options (argv only: no file is read and no name resolved
 * here). Returns 0 or an exit status (after printing a one-line error or the help). */
int pm_cli_sweep_parse(struct pm_cli_sweep *s, int argc, char **argv, const char *cmd, const char *usage_text,
                       const struct option *extra, const char *extra_short, pm_cli_extra_fn extra_fn, void *ctx);
/* Reads presets, target files and host names in an unprivileged child and
 * takes back the address list. Returns 0 or an exit status. */
int pm_cli_sweep_targets(struct pm_cli_sweep *s);
/* The child's part (also usable unprivileged in-process). */
int pm_cli_sweep_load_targets(struct pm_cli_sweep *s);
/* Reads the targets (unprivileged child); opens the output temp files, the
 * raw socket and capture; drops privileges and installs the seccomp filter;
 * opens the databases; sweeps; analyzes; finishes the pcap. SIGINT, SIGTERM
 * and SIGHUP stop probing (run->end says which). Returns 0 or an exit status. */
int pm_cli_sweep_run(struct pm_cli_sweep *s);
/* Puts the finished pcap in place (trace). 0 or 74. */
int pm_cli_sweep_commit_pcap(struct pm_cli_sweep *s);
/* Re-probes each distinct death point of s->analysis with ICMP, UDP, TCP/80
 * and TCP/443 on the same engine and adds the finding to those verdicts. */
int pm_cli_compare_methods(struct pm_engine *eng, struct pm_cli_sweep *s);
/* Exit status of a run: 3 cut short, else 0 no path died, 1 some died, 2 all died. */
int pm_cli_reach_status(const struct pm_run *run, const struct pm_analysis *a);
void pm_cli_sweep_free(struct pm_cli_sweep *s);

/* The document stream: s->out becomes the -o temp file or stdout (0 or 74);
 * doc_end flushes and closes it and, if rc is 0 and every write went
 * through, puts -o in place; else removes it. Returns the final status. */
int pm_cli_doc_begin(struct pm_cli_sweep *s);
int pm_cli_doc_end(struct pm_cli_sweep *s, int rc, const char *why);
/* Shared by trace and analyze: writes the document to s->out (the -o temp
 * file or stdout), then puts -o in place. 0 or 74 on any write error. */
int pm_cli_write_output(struct pm_cli_sweep *s, const char *pcap_path);
/* Opens the geo databases (explicit paths or the defaults) and records them in run. */
int pm_cli_open_geo(const char *asn_db, const char *geo_db, struct pm_run *run, struct pm_geo **out);
/* Reverse DNS of every address that answered (names.c): at most
 * PM_CLI_NAMES_MAX addresses, PM_CLI_NAMES_BUDGET_MS in all; never fails
 * the run (a resolver that cannot start leaves the addresses numeric). */
#define PM_CLI_NAMES_MAX 4096
#define PM_CLI_NAMES_BUDGET_MS 4000
void pm_cli_resolve_names(struct pm_cli_sweep *s);
/* Fills analysis options from the preset (if any). */
void pm_cli_analyze_opts(const struct pm_preset *preset, struct pm_analyze_opts *ao);

/* arg failed as a target (err): if it looks meant as a preset (no dot), prints
 * the presets and the closest one and returns true; else prints nothing. */
bool pm_cli_preset_hint(const struct pm_cli_sweep *s, const char *arg, const char *err);

/* The preset whose prefixes hold most of run's targets (NULL: none). */
const struct pm_preset *pm_cli_guess_preset(const struct pm_presets *ps, const struct pm_run *run);

/* Other systems' traceroute files (analyze_peers.c): the runs read and one analysis per run. */
struct pm_cli_peers {
    struct pm_peer_set set;
    struct pm_analysis **analyses;   /* parallel to set.runs; owned */
};
/* Reads the file, opens the databases into s->geo and analyzes each run.
 * Returns 0 or an exit status (after printing one line). */
int pm_cli_peers_load(struct pm_cli_sweep *s, FILE *in, const char *path, enum pm_peer_kind kind,
                      const char *preset_name, struct pm_cli_peers *p);
void pm_cli_peers_free(struct pm_cli_peers *p);
/* `analyze FILE` for a peer file: one document per vantage (or the one run
 * chosen by vantage), then the verdicts across vantages and the IPv6 traces. */
int pm_cli_analyze_peers(struct pm_cli_sweep *s, FILE *in, const char *path, enum pm_peer_kind kind,
                         const char *preset_name, const char *vantage);

#endif
