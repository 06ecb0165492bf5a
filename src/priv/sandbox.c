/* sandbox.c - after the privilege drop, a seccomp filter (libseccomp) that allows only the system calls a run needs and kills the process on any other. */
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <stdbool.h>
#include <string.h>

#include <valgrind/valgrind.h>

#include "pathmortem/priv.h"

/* What every profile needs: memory, time, signals, reading and writing the
 * descriptors it has, files by name (databases, stores, outputs), exit. */
static const char *const base_calls[] = {
    "read", "readv", "pread64", "preadv", "write", "writev", "pwrite64", "pwritev", "lseek", "close",
    "openat", "open", "fstat", "newfstatat", "stat", "lstat", "statx", "fstatfs", "statfs",
    "access", "faccessat", "faccessat2", "readlink", "readlinkat", "getdents", "getdents64", "getcwd",
    "fcntl", "dup", "dup2", "dup3", "ioctl", "fsync", "fdatasync", "ftruncate", "fallocate",
    "unlink", "unlinkat", "rename", "renameat", "renameat2", "link", "linkat", "mkdir", "mkdirat",
    "fchmod", "fchown", "umask", "flock",
    "mmap", "munmap", "mremap", "mprotect", "madvise", "brk",
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack",
    "clock_gettime", "clock_getres", "gettimeofday", "time", "nanosleep", "clock_nanosleep",
    "kill", "getpid", "gettid", "getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups",
    "uname", "sysinfo", "getrandom", "prlimit64", "getrlimit", "sched_getaffinity", "sched_yield", "futex",
    "set_robust_list", "rseq", "restart_syscall", "exit", "exit_group",
    "poll", "ppoll", "select", "pselect6", "wait4", "eventfd2", "epoll_create1", "epoll_ctl", "epoll_wait",
    "epoll_pwait", "sched_getparam", "sched_getscheduler", "fadvise64", "mincore", "membarrier",
};

/* The sweep: the raw socket and capture opened before the drop (sending,
 * receiving, the ring's statistics), never a new socket. */
static const char *const sweep_calls[] = {
    "sendto", "sendmsg", "recvfrom", "recvmsg", "getsockopt", "setsockopt", "getsockname",
};

/* The target reader resolves host names: new sockets (DNS, nscd, netlink
 * for AI_ADDRCONFIG), but nothing else the sweep lacks. */
static const char *const parse_calls[] = {
    "socket", "connect", "bind", "sendto", "sendmsg", "sendmmsg", "recvfrom", "recvmsg",
    "getsockopt", "setsockopt", "getsockname", "getpeername",
};

/* Reverse DNS after a sweep (c-ares): connected UDP sockets, TCP for a
 * truncated answer; socket() itself is allowed only for those (allow_dns). */
static const char *const rdns_calls[] = {"connect", "getpeername"};

static int allow_dns(scmp_filter_ctx ctx)
{
    static const int families[] = {AF_INET, AF_INET6}, types[] = {SOCK_DGRAM, SOCK_STREAM};
    for (size_t f = 0; f < 2; f++)
        for (size_t t = 0; t < 2; t++) {
            /* the type may carry SOCK_NONBLOCK / SOCK_CLOEXEC above its low bits */
            int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 2, SCMP_A0(SCMP_CMP_EQ, families[f]),
                                      SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, types[t]));
            if (rc)
                return rc;
        }
    return 0;
}

/* AddressSanitizer's leak check stops the world with a ptrace()ing clone at
 * exit, and its symbolizer may exec; with sanitizers compiled in these are
 * allowed, so the filter itself is still exercised by the ASan test run. */
static const char *const sanitizer_calls[] = {
    "clone", "ptrace", "prctl", "getppid", "tgkill", "execve", "fork", "vfork", "pipe", "pipe2",
};


static bool sanitized(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
    return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
    return true;
#else
    return false;
#endif
#else
    return false;
#endif
}

static int allow(scmp_filter_ctx ctx, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int nr = seccomp_syscall_resolve_name(names[i]);
        if (nr == __NR_SCMP_ERROR)
            continue; /* not a system call on this architecture */
        int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
        if (rc != 0 && rc != -EEXIST)
            return rc;
    }
    return 0;
}

#define ALLOW(ctx, list) allow(ctx, list, sizeof list / sizeof list[0])

/* Threads, which graphviz's text layout (pango, GLib) starts for svg and
 * html output: clone only with CLONE_THREAD (never a new process), clone3
 * answered ENOSYS so the C library falls back to clone, whose flags a
 * filter can see; prctl only to name a thread. */
static int allow_threads(scmp_filter_ctx ctx, bool sanitizer)
{
    int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    if (rc || sanitizer)
        return rc; /* the sanitizer list allows clone and prctl whole */
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                          SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
    if (!rc)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1, SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME));
    if (!rc)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1, SCMP_A0(SCMP_CMP_EQ, PR_GET_NAME));
    return rc;
}

int pm_priv_sandbox(enum pm_sandbox profile, char *errbuf)
{
    /* valgrind implements no seccomp() (it reports "unhandled syscall 317")
     * and could not run its own calls under a filter: memcheck runs check
     * memory, the filter is exercised by the plain and the ASan runs */
    if (RUNNING_ON_VALGRIND)
        return PM_OK;
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (!ctx)
        return pm_err(errbuf, PM_EIO, "cannot set up the seccomp filter");
    int rc = ALLOW(ctx, base_calls);
    if (!rc && (profile == PM_SANDBOX_SWEEP || profile == PM_SANDBOX_SWEEP_CLIENT || profile == PM_SANDBOX_SWEEP_RDNS))
        rc = ALLOW(ctx, sweep_calls);
    bool rdns = profile == PM_SANDBOX_SWEEP_RDNS || profile == PM_SANDBOX_OFFLINE_RDNS;
    /* c-ares sends and reads on its own connected sockets */
    if (!rc && profile == PM_SANDBOX_OFFLINE_RDNS)
        rc = ALLOW(ctx, sweep_calls);
    if (!rc && rdns)
        rc = ALLOW(ctx, rdns_calls);
    if (!rc && rdns)
        rc = allow_dns(ctx);
    /* a store server (PostgreSQL) is reached through a new socket */
    if (!rc && (profile == PM_SANDBOX_PARSE || profile == PM_SANDBOX_SWEEP_CLIENT))
        rc = ALLOW(ctx, parse_calls);
    if (!rc && sanitized())
        rc = ALLOW(ctx, sanitizer_calls);
    if (!rc)
        rc = allow_threads(ctx, sanitized());
    /* no_new_privs is already set by pm_priv_drop; libseccomp would set it too */
    if (!rc)
        rc = seccomp_load(ctx);
    seccomp_release(ctx);
    if (rc != 0)
        return pm_err(errbuf, PM_EIO, "cannot install the seccomp filter: %s", strerror(-rc));
    return PM_OK;
}
