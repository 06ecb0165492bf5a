/* exit_status.c - the one mapping from PM_E* status codes to process exit statuses, per context; the wall clock and time window the commands share. */
#include <sys/time.h>

#include "cli/commands.h"
#include "pathmortem/common.h"
#include "pathmortem/util.h"

/* One row per code, one column per enum pm_cli_exit_ctx (STORE, IMPORT,
 * READ, BUILD, CREATE, SYSTEM); side by side so a difference is a choice. */
static const struct {
    int rc;
    unsigned char exit[PM_CLI_EXIT__N];
} table[] = {
    {PM_OK, {PM_EXIT_OK, PM_EXIT_OK, PM_EXIT_OK, PM_EXIT_OK, PM_EXIT_OK, PM_EXIT_OK}},
    {PM_EINVAL, {PM_EXIT_USAGE, PM_EXIT_DATAERR, PM_EXIT_SOFTWARE, PM_EXIT_DATAERR, PM_EXIT_CANTCREAT, PM_EXIT_OSERR}},
    {PM_ENOMEM, {PM_EXIT_SOFTWARE, PM_EXIT_SOFTWARE, PM_EXIT_SOFTWARE, PM_EXIT_OSERR, PM_EXIT_CANTCREAT, PM_EXIT_OSERR}},
    {PM_EIO, {PM_EXIT_IOERR, PM_EXIT_IOERR, PM_EXIT_NOINPUT, PM_EXIT_CANTCREAT, PM_EXIT_CANTCREAT, PM_EXIT_OSERR}},
    {PM_EPERM, {PM_EXIT_NOPERM, PM_EXIT_NOPERM, PM_EXIT_SOFTWARE, PM_EXIT_SOFTWARE, PM_EXIT_CANTCREAT, PM_EXIT_NOPERM}},
    {PM_ENOTFOUND, {PM_EXIT_NOINPUT, PM_EXIT_NOINPUT, PM_EXIT_NOINPUT, PM_EXIT_NOINPUT, PM_EXIT_CANTCREAT, PM_EXIT_OSERR}},
    {PM_ECORRUPT, {PM_EXIT_DATAERR, PM_EXIT_DATAERR, PM_EXIT_DATAERR, PM_EXIT_DATAERR, PM_EXIT_DATAERR, PM_EXIT_OSERR}},
    {PM_EBUSY, {PM_EXIT_LOCKED, PM_EXIT_LOCKED, PM_EXIT_SOFTWARE, PM_EXIT_SOFTWARE, PM_EXIT_LOCKED, PM_EXIT_OSERR}},
    {PM_ELIMIT, {PM_EXIT_SOFTWARE, PM_EXIT_DATAERR, PM_EXIT_SOFTWARE, PM_EXIT_SOFTWARE, PM_EXIT_CANTCREAT, PM_EXIT_OSERR}},
};

/* Any other code (PM_ETRUNC, PM_EUNSUPP, unknown). */
static const unsigned char other[PM_CLI_EXIT__N] = {PM_EXIT_SOFTWARE, PM_EXIT_SOFTWARE, PM_EXIT_SOFTWARE,
                                                    PM_EXIT_SOFTWARE, PM_EXIT_CANTCREAT, PM_EXIT_OSERR};

int pm_cli_exit_in(int rc, enum pm_cli_exit_ctx ctx)
{
    if ((unsigned)ctx >= PM_CLI_EXIT__N)
        ctx = PM_CLI_EXIT_STORE;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].rc == rc)
            return table[i].exit[ctx];
    return other[ctx];
}

int pm_cli_exit_for(int rc)
{
    return pm_cli_exit_in(rc, PM_CLI_EXIT_STORE);
}

uint64_t pm_cli_now_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}

int pm_cli_time_window(const char *since, const char *until, uint64_t now_us, uint64_t *t_since, uint64_t *t_until)
{
    char err[PM_ERRBUF_SIZE];
    *t_since = *t_until = 0;
    if ((since && pm_parse_time(since, now_us, t_since, err)) || (until && pm_parse_time(until, now_us, t_until, err))) {
        pm_cli_error("%s", err);
        return PM_EXIT_USAGE;
    }
    /* an empty window is a mistake in the flags, not an empty store */
    if (*t_until && *t_since > *t_until) {
        pm_cli_error("--since is after --until");
        return PM_EXIT_USAGE;
    }
    return 0;
}
