/* exit_status.c - one mapping from PM_E* status codes to the process exit statuses, and the wall clock the commands share. */
#include <sys/time.h>

#include "cli/commands.h"
#include "pathmortem/common.h"

int pm_cli_exit_for(int rc)
{
    switch (rc) {
    case PM_OK: return PM_EXIT_OK;
    case PM_ENOTFOUND: return PM_EXIT_NOINPUT;
    case PM_ECORRUPT: return PM_EXIT_DATAERR;
    case PM_EBUSY: return PM_EXIT_LOCKED;
    case PM_EPERM: return PM_EXIT_NOPERM;
    case PM_EINVAL: return PM_EXIT_USAGE;
    case PM_EIO: return PM_EXIT_IOERR;
    default: return PM_EXIT_SOFTWARE;
    }
}

uint64_t pm_cli_now_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}
