/* error.c - text for PM_E* status codes and the errbuf formatting helper. */
#include <stdarg.h>
#include <stdio.h>

#include "pathmortem/common.h"

const char *pm_strerror(int code)
{
    switch (code) {
    case PM_OK: return "success";
    case PM_EINVAL: return "invalid input";
    case PM_ENOMEM: return "out of memory";
    case PM_ETRUNC: return "truncated input";
    case PM_EIO: return "input/output error";
    case PM_EPERM: return "permission denied";
    case PM_ENOTFOUND: return "not found";
    case PM_ECORRUPT: return "corrupt data";
    case PM_EBUSY: return "busy";
    case PM_ELIMIT: return "limit exceeded";
    case PM_EUNSUPP: return "unsupported";
    default: return "unknown error";
    }
}

int pm_err(char *errbuf, int code, const char *fmt, ...)
{
    if (errbuf) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(errbuf, PM_ERRBUF_SIZE, fmt, ap);
        va_end(ap);
    }
    return code;
}
