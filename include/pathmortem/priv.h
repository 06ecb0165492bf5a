/* priv.h - privilege handling: tell early whether raw sockets can be opened, then drop to an unprivileged user with no capabilities. */
#ifndef PATHMORTEM_PRIV_H
#define PATHMORTEM_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "pathmortem/common.h"

/* User a root process drops to when none is named (--user). */
#define PM_PRIV_DEFAULT_USER "nobody"

/* Tells whether this process may open raw sockets (and so a capture handle):
 * it opens and closes one IPPROTO_RAW socket. PM_OK, or PM_EPERM with the
 * one-line "needs root or CAP_NET_RAW (try sudo, or setcap cap_net_raw+ep
 * PATH)" in errbuf, or PM_EIO for any other failure. Sends nothing. */
int pm_priv_check_raw(char *errbuf);

/* Drops every privilege for good. Call after the raw socket, the capture
 * handle and the output files / store are open, and before reading any
 * untrusted input; call it before starting threads (capabilities are per
 * thread). Steps:
 *  - started as root (euid 0): resolve user (NULL: "nobody"; root itself is
 *    refused), clear the capability bounding set, setgroups to the user's
 *    primary group only, setresgid, setresuid;
 *  - started unprivileged (e.g. only CAP_NET_RAW from setcap or ambient):
 *    no identity change (a user other than the current one is refused);
 *    the bounding set is left as is unless CAP_SETPCAP is held (it cannot
 *    be changed without it, and with no_new_privs and no permitted
 *    capabilities it grants nothing);
 *  - both: clear effective, permitted, inheritable and ambient sets
 *    (libcap-ng), set PR_SET_NO_NEW_PRIVS;
 *  - then verify: real/effective/saved uid and gid are the target ones and
 *    not 0, setuid(0) fails, no capability is left, no_new_privs is 1.
 * Any failure returns a negative PM_E* with a one-line message; the caller
 * must then abort the run (the process may be half dropped). */
int pm_priv_drop(const char *user, char *errbuf);

/* Which system calls stay allowed after the drop. */
enum pm_sandbox {
    PM_SANDBOX_SWEEP,    /* a live run: the sockets opened before, files, no new socket, no exec, no fork */
    PM_SANDBOX_SWEEP_RDNS, /* the same, plus new UDP/TCP sockets for reverse DNS of the hops */
    PM_SANDBOX_PARSE,    /* the target reader: files and host-name resolution (new sockets) */
    PM_SANDBOX_OFFLINE,  /* analyze, history, export, diff, import, geo: files only */
    PM_SANDBOX_SWEEP_CLIENT, /* a live run writing to a store server: the sweep's calls plus new sockets */
    PM_SANDBOX_OFFLINE_RDNS, /* analyze --names: files, plus new UDP/TCP sockets for reverse DNS */
};

/* Installs a seccomp filter (libseccomp) after pm_priv_drop: the calls of
 * the profile are allowed, any other kills the process (SIGSYS). Builds
 * with sanitizers also allow the calls their runtime makes (clone, ptrace
 * and getdents for the leak check, exec for the symbolizer). Under valgrind,
 * which implements no seccomp(), nothing is installed. PM_OK or PM_EIO. */
int pm_priv_sandbox(enum pm_sandbox profile, char *errbuf);

/* Keeps the identity but gives up every capability (effective, permitted,
 * inheritable, ambient, and the bounding set when CAP_SETPCAP is held) and
 * sets no_new_privs: root then reads and writes only what root owns, like
 * any owner, and can never bypass a permission. For the offline commands
 * on root's own files. */
int pm_priv_drop_caps(char *errbuf);

/* Identity and capability state of a process as /proc/PID/status shows it. */
struct pm_priv_status {
    uint32_t uid[4];        /* real, effective, saved, filesystem */
    uint32_t gid[4];
    uint32_t n_groups;      /* supplementary groups (capped at 64 kept) */
    uint32_t groups[64];
    uint64_t cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb;
    int no_new_privs;       /* -1 when the kernel does not report it */
};

/* Reads /proc/<pid>/status (pid 0: self). PM_EIO if unreadable, PM_ECORRUPT
 * if a needed line is missing or malformed. */
int pm_priv_read_status(pid_t pid, struct pm_priv_status *out, char *errbuf);

#endif
