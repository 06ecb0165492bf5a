/* sweep_targets.c - presets, target files and host names are read by an unprivileged child; the privileged parent only takes back a counted array of addresses. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/sweep.h"
#include "pathmortem/priv.h"

/* What the child sends: this header, then n addresses. */
struct targets_msg {
    int32_t status;       /* 0, or the exit status the child already explained */
    uint32_t n;
    uint32_t has_preset;
    struct pm_preset preset;
};

static int write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len) {
        ssize_t r = read(fd, p, len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        len -= (size_t)r;
    }
    return 0;
}

static const char *drop_user(const struct pm_cli_sweep *s)
{
    return s->user ? s->user : PM_PRIV_DEFAULT_USER;
}

static void hint(const struct pm_cli_sweep *s, const char *err)
{
    if (strstr(err, "ermission denied") && s->was_root)
        pm_cli_error("%s: %s (target and preset files are read after dropping to user '%s': make them readable "
                     "by it, or pick another with --user)", s->cmd, err, drop_user(s));
    else
        pm_cli_error("%s: %s", s->cmd, err);
}

/* In the child, unprivileged: everything the old parser did with files and names. */
int pm_cli_sweep_load_targets(struct pm_cli_sweep *s)
{
    char err[PM_ERRBUF_SIZE];
    int rc = s->presets_file ? pm_presets_load(&s->presets, s->presets_file, err)
                             : pm_presets_load_default(&s->presets, err);
    if (rc != PM_OK) {
        hint(s, err);
        return PM_EXIT_DATAERR;
    }
    for (int i = 0; i < s->n_target_args; i++)
        if (pm_targets_add(&s->targets, s->target_args[i], &s->presets, true, err) != PM_OK) {
            if (!pm_cli_preset_hint(s, s->target_args[i], err))
                pm_cli_error("%s: %s", s->cmd, err);
            return PM_EXIT_USAGE;
        }
    for (int i = 0; i < s->n_target_files; i++)
        if (pm_targets_add_file(&s->targets, s->target_files[i], &s->presets, err) != PM_OK) {
            hint(s, err);
            return PM_EXIT_DATAERR;
        }
    if (!s->targets.n) {
        pm_cli_error("%s: no target given (an address, prefix, preset such as 'starjv', or -T FILE)", s->cmd);
        return PM_EXIT_USAGE;
    }
    if (pm_targets_expand(&s->targets, &s->addrs, &s->n_addrs, err) != PM_OK) {
        pm_cli_error("%s: %s", s->cmd, err);
        return PM_EXIT_USAGE;
    }
    if (s->n_addrs > PM_TARGETS_BIG && !s->allow_large) {
        pm_cli_error("%s: %u addresses is more than a /16; add --allow-large if you mean it", s->cmd, s->n_addrs);
        return PM_EXIT_USAGE;
    }
    return 0;
}

static void __attribute__((noreturn)) child(struct pm_cli_sweep *s, int fd)
{
    char err[PM_ERRBUF_SIZE];
    struct targets_msg m;
    memset(&m, 0, sizeof m);
    if (pm_priv_drop(s->user, err) != PM_OK) {
        pm_cli_error("refusing to run: %s", err);
        m.status = PM_EXIT_NOPERM;
    } else if (pm_priv_sandbox(PM_SANDBOX_PARSE, err) != PM_OK) {
        pm_cli_error("refusing to run: %s", err);
        m.status = PM_EXIT_OSERR;
    } else {
        m.status = pm_cli_sweep_load_targets(s);
    }
    if (m.status == 0) {
        m.n = s->n_addrs;
        if (s->targets.preset) {
            m.has_preset = 1;
            m.preset = *s->targets.preset;
        }
    }
    int ok = write_all(fd, &m, sizeof m) == 0 &&
             (m.status || write_all(fd, s->addrs, (size_t)m.n * sizeof *s->addrs) == 0);
    _exit(ok ? 0 : PM_EXIT_OSERR);
}

/* A preset from the child is only data: bounds are checked before use. */
static bool preset_sane(const struct pm_preset *p)
{
    return p->n_prefixes <= PM_PRESET_MAX_PREFIXES && p->n_watch <= PM_PRESET_MAX_WATCH &&
           memchr(p->name, 0, sizeof p->name) && memchr(p->description, 0, sizeof p->description);
}

int pm_cli_sweep_targets(struct pm_cli_sweep *s)
{
    int pfd[2];
    if (pipe(pfd) != 0) {
        pm_cli_error("%s: cannot start the target reader: %m", s->cmd);
        return PM_EXIT_OSERR;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        pm_cli_error("%s: cannot start the target reader: %m", s->cmd);
        close(pfd[0]);
        close(pfd[1]);
        return PM_EXIT_OSERR;
    }
    if (pid == 0) {
        close(pfd[0]);
        child(s, pfd[1]);
    }
    close(pfd[1]);
    struct targets_msg m;
    memset(&m, 0, sizeof m);
    int rc = 0;
    if (read_all(pfd[0], &m, sizeof m) != 0) {
        rc = PM_EXIT_OSERR;
    } else if (m.status) {
        rc = m.status >= 0 && m.status < 256 ? m.status : PM_EXIT_SOFTWARE;
    } else if (!m.n || m.n > PM_TARGETS_MAX_ADDRS || (m.has_preset && !preset_sane(&m.preset))) {
        pm_cli_error("%s: the target reader sent a malformed list", s->cmd);
        rc = PM_EXIT_SOFTWARE;
    } else if (!(s->addrs = malloc((size_t)m.n * sizeof *s->addrs))) {
        rc = PM_EXIT_OSERR;
    } else if (read_all(pfd[0], s->addrs, (size_t)m.n * sizeof *s->addrs) != 0) {
        rc = PM_EXIT_OSERR;
    } else {
        s->n_addrs = m.n;
        if (m.has_preset) {
            s->preset = m.preset;
            s->targets.preset = &s->preset;
        }
    }
    close(pfd[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (rc == PM_EXIT_OSERR && m.status == 0) {
        if (WIFSIGNALED(st))
            pm_cli_error("%s: the target reader was killed by signal %d", s->cmd, WTERMSIG(st));
        else
            pm_cli_error("%s: the target reader failed", s->cmd);
    }
    return rc;
}
